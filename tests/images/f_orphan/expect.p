image: inode 411: file with no links and no name still holds 1 blocks.  RELEASED.

image: ***** FILE SYSTEM WAS MODIFIED *****
image: 420/2048 inodes, 1388/8192 blocks
exit 1
