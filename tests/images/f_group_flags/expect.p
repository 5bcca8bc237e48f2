image: group 2: header flags 0x83 have unknown bits.  CLEARED.

image: ***** FILE SYSTEM WAS MODIFIED *****
image: 421/2048 inodes, 1389/8192 blocks
exit 1
