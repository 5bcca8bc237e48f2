image: inode 408: checksum does not match its contents.

image: UNEXPECTED INCONSISTENCY; RUN fsck.vexfs MANUALLY.
	(i.e., without -a or -p options)
image: 420/2048 inodes, 1388/8192 blocks
exit 4
