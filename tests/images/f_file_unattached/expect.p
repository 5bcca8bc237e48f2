image: inode 411: file of 5 bytes is in no directory.  RECONNECTED.

image: ***** FILE SYSTEM WAS MODIFIED *****
image: 421/2048 inodes, 1389/8192 blocks
exit 1
