image: directory inode 407: block at logical 0 is damaged (not a VexFS filesystem or block (bad magic)).

image: UNEXPECTED INCONSISTENCY; RUN fsck.vexfs MANUALLY.
	(i.e., without -a or -p options)
image: 421/2048 inodes, 1389/8192 blocks
exit 4
