image: group 0: blocks marked in use but unused: 1034.  FIXED.
image: group 0: inodes marked in use but unused: 1.  FIXED.
image: group 0: free blocks count is 766, counted 767.  FIXED.
image: group 0: free inodes count is 91, counted 92.  FIXED.
image: group 0: directories count is 9, counted 8.  FIXED.
image: root: root directory is missing or not a directory.

image: UNEXPECTED INCONSISTENCY; RUN fsck.vexfs MANUALLY.
	(i.e., without -a or -p options)

image: ***** FILE SYSTEM WAS MODIFIED *****
image: 420/2048 inodes, 1388/8192 blocks
exit 5
