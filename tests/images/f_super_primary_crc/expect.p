image: superblock: primary superblock is damaged (metadata checksum mismatch); the backup at block 2048 is good.

image: UNEXPECTED INCONSISTENCY; RUN fsck.vexfs MANUALLY.
	(i.e., without -a or -p options)
image: 421/2048 inodes, 1389/8192 blocks
exit 4
