image: group 0: inodes past the initialised mark of the inode table (400 slots) are in use.  FIXED.

image: ***** FILE SYSTEM WAS MODIFIED *****
image: 421/2048 inodes, 1389/8192 blocks
exit 1
