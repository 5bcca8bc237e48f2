image: backup superblock: backup superblock at block 2048 is damaged (not a VexFS filesystem or block (bad magic)).  REWRITTEN.

image: ***** FILE SYSTEM WAS MODIFIED *****
image: 421/2048 inodes, 1389/8192 blocks
exit 1
