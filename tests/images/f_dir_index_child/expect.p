image: directory inode 4: index does not lead to every entry (a block is reached twice).  REBUILT.

image: ***** FILE SYSTEM WAS MODIFIED *****
image: 421/2048 inodes, 1390/8192 blocks
exit 1
