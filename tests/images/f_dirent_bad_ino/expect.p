image: directory inode 407: entry 'file' names inode 99999, outside the filesystem.  CLEARED.
image: inode 408: file of 6 bytes is in no directory.  RECONNECTED.

image: ***** FILE SYSTEM WAS MODIFIED *****
image: 421/2048 inodes, 1389/8192 blocks
exit 1
