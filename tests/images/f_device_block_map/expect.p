image: inode 406: device has a block map (1 entries).  CLEARED.

image: ***** FILE SYSTEM WAS MODIFIED *****
image: 421/2048 inodes, 1389/8192 blocks
exit 1
