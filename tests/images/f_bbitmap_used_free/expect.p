image: group 0: blocks in use but marked free: 1050.  FIXED.

image: ***** FILE SYSTEM WAS MODIFIED *****
image: 421/2048 inodes, 1389/8192 blocks
exit 1
