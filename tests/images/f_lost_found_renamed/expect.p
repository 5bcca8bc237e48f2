image: lost+found: /lost+found is missing.  CREATED.

image: ***** FILE SYSTEM WAS MODIFIED *****
image: 422/2048 inodes, 1390/8192 blocks
exit 1
