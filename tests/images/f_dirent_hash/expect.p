image: directory inode 407: entry 'file' is filed under the wrong hash.  FIXED.

image: ***** FILE SYSTEM WAS MODIFIED *****
image: 421/2048 inodes, 1389/8192 blocks
exit 1
