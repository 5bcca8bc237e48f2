image: inode 405: size is 100, but data is mapped up to 32768.  FIXED.

image: ***** FILE SYSTEM WAS MODIFIED *****
image: 421/2048 inodes, 1389/8192 blocks
exit 1
