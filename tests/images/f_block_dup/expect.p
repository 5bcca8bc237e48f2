image: inode 405: blocks 1047-1047 are also claimed by inode 3.

image: UNEXPECTED INCONSISTENCY; RUN fsck.vexfs MANUALLY.
	(i.e., without -a or -p options)
image: 421/2048 inodes, 1388/8192 blocks
exit 4
