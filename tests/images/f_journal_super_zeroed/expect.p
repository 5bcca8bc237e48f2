image: journal: journal superblock at block 36 is damaged (not a VexFS filesystem or block (bad magic)); the log cannot be read.

image: UNEXPECTED INCONSISTENCY; RUN fsck.vexfs MANUALLY.
	(i.e., without -a or -p options)
image: 421/2048 inodes, 1389/8192 blocks
exit 4
