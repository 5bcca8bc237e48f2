image: directory inode 407: entry 'fi?e' (inode 408) has an invalid name.

image: UNEXPECTED INCONSISTENCY; RUN fsck.vexfs MANUALLY.
	(i.e., without -a or -p options)
image: 421/2048 inodes, 1389/8192 blocks
exit 4
