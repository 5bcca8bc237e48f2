/*
 * ops.h: file operations on an open filesystem: lookup, create, mkdir,
 * symlink, link, unlink, rmdir, read, write, truncate, setattr, readdir.
 *
 * Every call takes a transaction (txn.h): it runs inside @tx, or, when
 * @tx is NULL, inside a transaction of its own that commits (durably)
 * before the call returns.  A call that fails has no effect; see txn.h
 * for the errors that also make @tx FAILED.  Each change records a
 * semantic op record (operation, inodes, names, offsets, lengths, mode)
 * that the journal stores with the transaction.
 *
 * Every name argument is one path component (no '/', not empty, not "."
 * or "..", at most VX_NAME_MAX bytes); -EINVAL / -ENAMETOOLONG otherwise.
 * Functions return 0 or a negative error (see error.h).
 */
#ifndef VEXFS_OPS_H
#define VEXFS_OPS_H

#include <stdint.h>
#include <stddef.h>
#include <time.h>
#include "format.h"

struct vx_fs;
struct vx_txn;

struct vx_attr {
	vx_ino_t ino;
	uint32_t mode;		/* S_IF* type and permission bits */
	uint32_t uid, gid;
	uint32_t nlink;
	uint64_t size;
	uint64_t blocks;	/* blocks allocated */
	uint64_t rdev;
	uint32_t generation;
	struct timespec atime, mtime, ctime, crtime;
};

/* vx_setattr mask bits */
#define VX_SET_MODE	0x01	/* permission bits only; type is kept */
#define VX_SET_UID	0x02
#define VX_SET_GID	0x04
#define VX_SET_ATIME	0x08
#define VX_SET_MTIME	0x10
#define VX_SET_CTIME	0x20
#define VX_SET_CRTIME	0x40

/* vx_stat - attributes of inode @ino. */
int vx_stat(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino, struct vx_attr *out);

/* vx_lookup - find @name in directory @dir; unlike the other calls it
 * accepts "." (@dir itself) and ".." (its parent; the root's is the
 * root).  -ENOENT, -ENOTDIR, -EINVAL for an empty name or one with '/'. */
int vx_lookup(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dir, const char *name,
	      vx_ino_t *ino);

/* vx_lookup_path flags */
#define VX_LOOKUP_FOLLOW	0x1	/* follow a symlink in the last part */

/*
 * vx_lookup_path - resolve @path ('/'-separated; absolute from the root or
 * relative to @cwd), following symlinks in inner components (at most 40).
 * -ENOENT, -ENOTDIR, -ELOOP, -ENAMETOOLONG.
 */
int vx_lookup_path(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t cwd, const char *path,
		   unsigned flags, vx_ino_t *ino);

/*
 * vx_create - make a regular file, fifo, socket or device node named
 * @name in @dir.  @attr supplies mode (with the S_IF type; 0 type means
 * regular), uid, gid, rdev and the times (zero times mean "now").
 * -EEXIST, VX_ENOINODES, VX_ENOSPC.
 */
int vx_create(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dir, const char *name,
	      const struct vx_attr *attr, vx_ino_t *ino);

/* vx_mkdir - as vx_create for a directory. */
int vx_mkdir(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dir, const char *name,
	     const struct vx_attr *attr, vx_ino_t *ino);

/* vx_symlink - make a symlink to @target (1..4095 bytes): -EINVAL when
 * empty, -ENAMETOOLONG when longer. */
int vx_symlink(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dir, const char *name,
	       const char *target, const struct vx_attr *attr, vx_ino_t *ino);

/* vx_link - add a name for the existing non-directory @ino. -EPERM for a
 * directory, -EMLINK past 65000 links. */
int vx_link(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino, vx_ino_t dir, const char *name);

/* vx_unlink - remove a non-directory name; frees the inode and its blocks
 * with its last link. -EISDIR for a directory. */
int vx_unlink(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dir, const char *name);

/* vx_rmdir - remove an empty directory. -ENOTEMPTY, -ENOTDIR. */
int vx_rmdir(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dir, const char *name);

/* vx_rename flags */
#define VX_RENAME_NOREPLACE	0x1	/* -EEXIST instead of replacing */

/*
 * vx_rename - move @oldname in @olddir to @newname in @newdir, replacing
 * an existing @newname atomically (a non-directory by a non-directory,
 * an empty directory by a directory; -EISDIR, -ENOTDIR, -ENOTEMPTY
 * otherwise).  Moving a directory under itself or one of its descendants
 * is -EINVAL.  Renaming a name onto itself (or onto another name of the
 * same inode) does nothing and succeeds.
 */
int vx_rename(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t olddir,
	      const char *oldname, vx_ino_t newdir, const char *newname,
	      unsigned flags);

/* vx_read - read up to @len bytes at @off into @buf; *@done gets the
 * count (short at end of file).  Holes read as zeroes. */
int vx_read(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino, uint64_t off, void *buf,
	    size_t len, size_t *done);

/* vx_write - write @len bytes at @off, allocating blocks (contiguous when
 * possible) and growing the size.  All or nothing: VX_ENOSPC leaves the
 * file as it was.  Data a committed transaction holds is not overwritten
 * in place: the new contents go to new blocks (redirect-on-write). */
int vx_write(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino, uint64_t off, const void *buf,
	     size_t len);

/* vx_truncate - set the size; shrinking frees whole blocks past the end
 * and zeroes the tail of the last block, growing leaves a hole. */
int vx_truncate(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino, uint64_t size);

/* vx_setattr - change the attributes selected by @mask (VX_SET_*). */
int vx_setattr(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino, const struct vx_attr *attr,
	       unsigned mask);

/* vx_readlink - copy the target into @buf (NUL-terminated, truncated to
 * @size - 1); *@len gets the full length. -EINVAL if not a symlink. */
int vx_readlink(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino, char *buf, size_t size,
		size_t *len);

/* vx_readdir - call @fn for every entry of @dir ("." and ".." first), in
 * hash order.  A non-zero return from @fn stops the walk and is returned. */
typedef int (*vx_dirent_fn)(void *ctx, const char *name, size_t namelen,
			    vx_ino_t ino, unsigned type);
int vx_readdir(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dir, vx_dirent_fn fn, void *ctx);

/* vx_bmap - map logical block @lblk of @ino: *@pblk = 0 for a hole;
 * *@run = blocks from there with the same state (mapped contiguously or
 * hole), at least 1. */
int vx_bmap(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino, uint64_t lblk, vx_blk_t *pblk,
	    uint64_t *run);

/* vx_ftype_of_mode - VX_FT_* for an S_IF* mode. */
unsigned vx_ftype_of_mode(uint32_t mode);

#endif /* VEXFS_OPS_H */
