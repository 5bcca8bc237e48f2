/*
 * ops.c: the public file operations (ops.h) on top of inodes, extent
 * maps and directories.
 *
 * Each operation runs in a transaction (the caller's, or its own): it
 * locks the inodes it changes exclusively (directories first, then the
 * inodes their names lead to), then takes the filesystem lock, reads the
 * inodes, changes them, writes them back through the cache and records
 * its op record.  An error undoes the operation's scope, so a failed
 * operation changes nothing (txn.c).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include "txn_int.h"

#define MAX_LINKS	65000
#define MAX_SYMLINK	4095
#define MAX_FOLLOW	40

unsigned vx_ftype_of_mode(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return VX_FT_REG;
	case S_IFDIR: return VX_FT_DIR;
	case S_IFCHR: return VX_FT_CHR;
	case S_IFBLK: return VX_FT_BLK;
	case S_IFIFO: return VX_FT_FIFO;
	case S_IFSOCK: return VX_FT_SOCK;
	case S_IFLNK: return VX_FT_LNK;
	}
	return VX_FT_UNKNOWN;
}

int vx_check_name(const char *name, size_t *len)
{
	size_t n = strlen(name);

	if (n > VX_NAME_MAX)
		return -ENAMETOOLONG;
	if (n == 0 || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return -EINVAL;
	*len = n;
	return 0;
}

static bool is_dir(const struct vx_inode *i)
{
	return S_ISDIR(i->mode);
}

static void set_ts(int64_t *sec, uint32_t *nsec, const struct timespec *t)
{
	*sec = t->tv_sec;
	*nsec = (uint32_t)t->tv_nsec;
}

static void touch(struct vx_fs *fs, struct vx_inode *i, bool mtime)
{
	struct timespec now;

	vx_now(fs, &now);
	set_ts(&i->ctime_sec, &i->ctime_nsec, &now);
	if (mtime)
		set_ts(&i->mtime_sec, &i->mtime_nsec, &now);
}

/* read an inode that must be a directory */
static int read_dir(struct vx_fs *fs, vx_ino_t ino, struct vx_inode *dir)
{
	int err = vx_inode_read(fs, ino, dir);

	if (!err && !is_dir(dir))
		err = -ENOTDIR;
	return err;
}

/* a directory entry's inode number must name an inode of the fs */
static int check_ino(struct vx_fs *fs, vx_ino_t ino)
{
	if (ino == 0 || ino > (uint64_t)fs->sb.inodes_per_group *
			      fs->sb.group_count)
		return VX_ECORRUPT;
	return 0;
}

static void init_inode(struct vx_fs *fs, struct vx_inode *i, vx_ino_t ino,
		       const struct vx_attr *a, uint32_t mode)
{
	struct timespec now;

	vx_now(fs, &now);
	memset(i, 0, sizeof(*i));
	i->ino = ino;
	i->mode = (uint16_t)mode;
	i->uid = a ? a->uid : 0;
	i->gid = a ? a->gid : 0;
	i->rdev = a && (S_ISCHR(mode) || S_ISBLK(mode)) ? a->rdev : 0;
	i->nlink = 1;
	set_ts(&i->atime_sec, &i->atime_nsec,
	       a && (a->atime.tv_sec || a->atime.tv_nsec) ? &a->atime : &now);
	set_ts(&i->mtime_sec, &i->mtime_nsec,
	       a && (a->mtime.tv_sec || a->mtime.tv_nsec) ? &a->mtime : &now);
	set_ts(&i->ctime_sec, &i->ctime_nsec,
	       a && (a->ctime.tv_sec || a->ctime.tv_nsec) ? &a->ctime : &now);
	set_ts(&i->crtime_sec, &i->crtime_nsec,
	       a && (a->crtime.tv_sec || a->crtime.tv_nsec) ? &a->crtime : &now);
}

/* free an inode that has no name any more, with its blocks */
static int release_inode(struct vx_fs *fs, struct vx_inode *i)
{
	int err = vx_extent_truncate(fs, i, 0);

	if (!err)
		err = vx_inode_clear(fs, i->ino);
	if (!err)
		err = vx_free_inode(fs, i->ino, is_dir(i));
	return err;
}

static int make_node(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dirno,
		     const char *name, const struct vx_attr *a, uint32_t mode,
		     const char *target, vx_ino_t *out)
{
	struct vx_opctx c;
	struct vx_inode dir, ni;
	vx_ino_t ino;
	size_t len, tlen = target ? strlen(target) : 0;
	unsigned type = vx_ftype_of_mode(mode);
	int err;

	if (vx_fs_rdonly(fs))
		return VX_EROFS;
	if ((err = vx_check_name(name, &len)))
		return err;
	if (type == VX_FT_UNKNOWN || (target && tlen == 0))
		return -EINVAL;
	if (target && tlen > MAX_SYMLINK)
		return -ENAMETOOLONG;
	if ((err = vx_op_begin(fs, tx, true, &c)))
		return err;
	if ((err = check_ino(fs, dirno)) ||
	    (err = vx_op_lock(&c, dirno, LK_X)))
		return vx_op_end(&c, err == VX_ECORRUPT ? -ENOENT : err);
	vx_op_enter(&c);
	if ((err = read_dir(fs, dirno, &dir)))
		goto out;
	if (is_dir(&dir) && mode && S_ISDIR(mode) && dir.nlink >= MAX_LINKS) {
		err = -EMLINK;
		goto out;
	}
	/* no lookup first: vx_dir_add finds an existing name in its own
	 * descent (-EEXIST), and the inode made for nothing is released */
	err = vx_alloc_inode(fs, vx_ino_group(fs, dirno), S_ISDIR(mode), &ino);
	if (err)
		goto out_exists;
	vx_lock_grant_new(c.f, ino);
	init_inode(fs, &ni, ino, a, mode);
	if (S_ISDIR(mode)) {
		ni.nlink = 2;
		err = vx_dir_init(fs, &ni, dirno);
	} else if (target && tlen <= VX_INLINE_SYMLINK_MAX) {
		memcpy(ni.area, target, tlen);
		ni.flags |= VX_IF_INLINE_DATA;
		ni.size = tlen;
	} else if (target) {
		err = vx_file_write(fs, &ni, 0, target, tlen);
	}
	if (!err)
		err = vx_inode_write(fs, &ni);
	if (!err)
		err = vx_dir_add(fs, &dir, name, len, ino, type);
	if (err) {
		release_inode(fs, &ni);
		goto out_exists;
	}
	if (S_ISDIR(mode))
		dir.nlink++;
	touch(fs, &dir, true);
	err = vx_inode_write(fs, &dir);
	if (!err)
		err = vx_op_record(&c, target ? VX_OP_SYMLINK : S_ISDIR(mode) ?
				   VX_OP_MKDIR : VX_OP_CREATE, mode, ino, dirno,
				   0, 0, tlen, name, target);
	if (!err && out)
		*out = ino;
out_exists:
	/* an existing name wins over running out of space, as in POSIX */
	if ((err == VX_ENOSPC || err == VX_ENOINODES) &&
	    vx_dir_find(fs, &dir, name, len, &ino, NULL) == 0)
		err = -EEXIST;
out:
	return vx_op_end(&c, err);
}

int vx_create(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dir,
	      const char *name, const struct vx_attr *attr, vx_ino_t *ino)
{
	uint32_t mode = attr ? attr->mode : 0644;

	if (!(mode & S_IFMT))
		mode |= S_IFREG;
	if (S_ISDIR(mode) || S_ISLNK(mode))
		return -EINVAL;
	return make_node(fs, tx, dir, name, attr, mode, NULL, ino);
}

int vx_mkdir(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dir,
	     const char *name, const struct vx_attr *attr, vx_ino_t *ino)
{
	uint32_t mode = (attr ? attr->mode : 0755) & 07777;

	return make_node(fs, tx, dir, name, attr, mode | S_IFDIR, NULL, ino);
}

int vx_symlink(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dir,
	       const char *name, const char *target,
	       const struct vx_attr *attr, vx_ino_t *ino)
{
	if (!target)
		return -EINVAL;
	return make_node(fs, tx, dir, name, attr, S_IFLNK | 0777, target, ino);
}

int vx_link(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino,
	    vx_ino_t dirno, const char *name)
{
	struct vx_opctx c;
	struct vx_inode dir, in, orig;
	size_t len;
	int err;

	if (vx_fs_rdonly(fs))
		return VX_EROFS;
	if ((err = vx_check_name(name, &len)))
		return err;
	if ((err = vx_op_begin(fs, tx, true, &c)))
		return err;
	if ((err = check_ino(fs, dirno)) || (err = check_ino(fs, ino)) ||
	    (err = vx_op_lock(&c, dirno, LK_X)) ||
	    (err = vx_op_lock(&c, ino, LK_X)))
		return vx_op_end(&c, err == VX_ECORRUPT ? -ENOENT : err);
	vx_op_enter(&c);
	if ((err = read_dir(fs, dirno, &dir)) || (err = vx_inode_read(fs, ino, &in)))
		goto out;
	if (is_dir(&in)) {
		err = -EPERM;
		goto out;
	}
	if (in.nlink >= MAX_LINKS) {
		err = -EMLINK;
		goto out;
	}
	orig = in;
	in.nlink++;	/* put back below if the name exists (vx_dir_add) */
	touch(fs, &in, false);
	err = vx_inode_write(fs, &in);
	if (!err)
		err = vx_dir_add(fs, &dir, name, len, ino,
				 vx_ftype_of_mode(in.mode));
	if (err) {
		vx_inode_write(fs, &orig);	/* link count and ctime */
		goto out;
	}
	touch(fs, &dir, true);
	err = vx_inode_write(fs, &dir);
	if (!err)
		err = vx_op_record(&c, VX_OP_LINK, in.mode, ino, dirno, 0, 0, 0,
				   name, NULL);
out:
	return vx_op_end(&c, err);
}

/* the inode @name in @dirno leads to, locked exclusively for @c: the
 * directory is locked first, so the name cannot change meanwhile */
static int lock_target(struct vx_opctx *c, vx_ino_t dirno, const char *name,
		       size_t len, vx_ino_t *ino)
{
	struct vx_fs *fs = c->fs;
	struct vx_inode dir;
	int err;

	vx_op_enter(c);
	err = read_dir(fs, dirno, &dir);
	if (!err)
		err = vx_dir_find(fs, &dir, name, len, ino, NULL);
	if (!err)
		err = check_ino(fs, *ino);
	err = vx_op_leave(c, err);
	if (!err)
		err = vx_op_lock(c, *ino, LK_X);
	return err;
}

static int remove_name(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dirno,
		       const char *name, bool want_dir)
{
	struct vx_opctx c;
	struct vx_inode dir, in;
	vx_ino_t ino;
	size_t len;
	uint64_t n;
	int err;

	if (vx_fs_rdonly(fs))
		return VX_EROFS;
	if ((err = vx_check_name(name, &len)))
		return err;
	if ((err = vx_op_begin(fs, tx, true, &c)))
		return err;
	if ((err = check_ino(fs, dirno)) ||
	    (err = vx_op_lock(&c, dirno, LK_X)) ||
	    (err = lock_target(&c, dirno, name, len, &ino)))
		return vx_op_end(&c, err);
	vx_op_enter(&c);
	if ((err = read_dir(fs, dirno, &dir)) ||
	    (err = vx_inode_read(fs, ino, &in)))
		goto out;
	if (want_dir != is_dir(&in)) {
		err = want_dir ? -ENOTDIR : -EISDIR;
		goto out;
	}
	if (want_dir && ((err = vx_dir_count(fs, &in, &n)) || n)) {
		err = err ? err : -ENOTEMPTY;
		goto out;
	}
	if ((err = vx_dir_remove(fs, &dir, name, len)))
		goto out;
	if (want_dir) {
		dir.nlink--;
		err = release_inode(fs, &in);
	} else if (--in.nlink == 0) {
		err = release_inode(fs, &in);
	} else {
		touch(fs, &in, false);
		err = vx_inode_write(fs, &in);
	}
	touch(fs, &dir, true);
	if (!err)
		err = vx_inode_write(fs, &dir);
	if (!err)
		err = vx_op_record(&c, want_dir ? VX_OP_RMDIR : VX_OP_UNLINK,
				   in.mode, ino, dirno, 0, 0, 0, name, NULL);
out:
	return vx_op_end(&c, err);
}

int vx_unlink(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dir,
	      const char *name)
{
	return remove_name(fs, tx, dir, name, false);
}

int vx_rmdir(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dir,
	     const char *name)
{
	return remove_name(fs, tx, dir, name, true);
}
