image: group 2: header at block 4096 is damaged (not a VexFS filesystem or block (bad magic)).  REBUILT.

image: ***** FILE SYSTEM WAS MODIFIED *****
image: 421/2048 inodes, 1389/8192 blocks
exit 1
