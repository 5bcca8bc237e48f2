image: superblock: superblock state 0x101 has unknown bits.  CLEARED.

image: ***** FILE SYSTEM WAS MODIFIED *****
image: 421/2048 inodes, 1389/8192 blocks
exit 1
