image: backup superblock: backup superblock at block 6144 differs from the primary (hash_seed).  REWRITTEN.

image: ***** FILE SYSTEM WAS MODIFIED *****
image: 421/2048 inodes, 1389/8192 blocks
exit 1
