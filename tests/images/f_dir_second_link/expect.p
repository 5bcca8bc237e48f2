image: directory inode 407: entry 'hard1' is a second name for directory inode 419 (first in inode 418).

image: UNEXPECTED INCONSISTENCY; RUN fsck.vexfs MANUALLY.
	(i.e., without -a or -p options)
image: 421/2048 inodes, 1389/8192 blocks
exit 4
