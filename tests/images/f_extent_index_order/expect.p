image: inode 414: extent index entry 0 (logical 0, block 1064) is invalid (its child holds blocks outside its key range).

image: UNEXPECTED INCONSISTENCY; RUN fsck.vexfs MANUALLY.
	(i.e., without -a or -p options)
image: 421/2048 inodes, 1389/8192 blocks
exit 4
