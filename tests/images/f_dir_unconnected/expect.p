image: directory inode 419: directory is not reachable from the root (parent 418).  RECONNECTED.
image: inode 418: link count is 3, should be 2.  FIXED.

image: ***** FILE SYSTEM WAS MODIFIED *****
image: 421/2048 inodes, 1389/8192 blocks
exit 1
