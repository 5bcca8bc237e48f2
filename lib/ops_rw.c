/*
 * ops_rw.c: the public operations on one inode: stat, setattr, read,
 * write, truncate, readlink, readdir, bmap.
 *
 * Each takes the inode's lock for its transaction (shared to read,
 * exclusive to change: txn_lock.c), then does its work under the
 * filesystem lock inside an operation scope (txn.c).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include "txn_int.h"

static void to_ts(struct timespec *t, int64_t sec, uint32_t nsec)
{
	t->tv_sec = (time_t)sec;
	t->tv_nsec = nsec;
}

/* begin a one-inode operation: the inode locked, fs->lock held */
static int one_inode(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino,
		     bool write, struct vx_opctx *c)
{
	int err = vx_op_begin(fs, tx, write, c);

	if (err)
		return err;
	if (ino == 0 || ino > (uint64_t)fs->sb.inodes_per_group *
			      fs->sb.group_count)
		err = -ENOENT;
	if (!err)
		err = vx_op_lock(c, ino, write ? LK_X : LK_S);
	if (!err)
		vx_op_enter(c);
	return err;
}

int vx_stat(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino,
	    struct vx_attr *a)
{
	struct vx_opctx c;
	struct vx_inode i;
	int err = one_inode(fs, tx, ino, false, &c);

	if (!err)
		err = vx_inode_read(fs, ino, &i);
	err = vx_op_end(&c, err);
	if (err)
		return err;
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->mode = i.mode;
	a->uid = i.uid;
	a->gid = i.gid;
	a->nlink = i.nlink;
	a->size = i.size;
	a->blocks = i.blocks;
	a->rdev = i.rdev;
	a->generation = i.generation;
	to_ts(&a->atime, i.atime_sec, i.atime_nsec);
	to_ts(&a->mtime, i.mtime_sec, i.mtime_nsec);
	to_ts(&a->ctime, i.ctime_sec, i.ctime_nsec);
	to_ts(&a->crtime, i.crtime_sec, i.crtime_nsec);
	return 0;
}

static int valid_ts(const struct timespec *t)
{
	return t->tv_nsec >= 0 && t->tv_nsec < 1000000000L;
}

int vx_setattr(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino,
	       const struct vx_attr *a, unsigned mask)
{
	struct vx_opctx c;
	struct vx_inode i;
	struct timespec now;
	int err;

	if (vx_fs_rdonly(fs))
		return VX_EROFS;
	if (!valid_ts(&a->atime) || !valid_ts(&a->mtime) ||
	    !valid_ts(&a->ctime) || !valid_ts(&a->crtime))
		return -EINVAL;
	err = one_inode(fs, tx, ino, true, &c);
	if (err)
		goto out;
	err = vx_inode_read(fs, ino, &i);
	if (err)
		goto out;
	if (mask & VX_SET_MODE)
		i.mode = (uint16_t)((i.mode & S_IFMT) | (a->mode & 07777));
	if (mask & VX_SET_UID)
		i.uid = a->uid;
	if (mask & VX_SET_GID)
		i.gid = a->gid;
	if (mask & VX_SET_ATIME) {
		i.atime_sec = a->atime.tv_sec;
		i.atime_nsec = (uint32_t)a->atime.tv_nsec;
	}
	if (mask & VX_SET_MTIME) {
		i.mtime_sec = a->mtime.tv_sec;
		i.mtime_nsec = (uint32_t)a->mtime.tv_nsec;
	}
	if (mask & VX_SET_CRTIME) {
		i.crtime_sec = a->crtime.tv_sec;
		i.crtime_nsec = (uint32_t)a->crtime.tv_nsec;
	}
	if (mask & VX_SET_CTIME) {
		i.ctime_sec = a->ctime.tv_sec;
		i.ctime_nsec = (uint32_t)a->ctime.tv_nsec;
	} else {
		vx_now(fs, &now);
		i.ctime_sec = now.tv_sec;
		i.ctime_nsec = (uint32_t)now.tv_nsec;
	}
	err = vx_inode_write(fs, &i);
	if (!err)
		err = vx_op_record(&c, VX_OP_SETATTR, i.mode, ino, 0, 0, mask,
				   ((uint64_t)i.uid << 32) | i.gid, NULL, NULL);
out:
	return vx_op_end(&c, err);
}

/* read inode @ino for data access: regular files (and symlinks when
 * @lnk) only */
static int data_inode(struct vx_fs *fs, vx_ino_t ino, struct vx_inode *i,
		      bool lnk)
{
	int err = vx_inode_read(fs, ino, i);

	if (err)
		return err;
	if (S_ISDIR(i->mode))
		return -EISDIR;
	if (!S_ISREG(i->mode) && !(lnk && S_ISLNK(i->mode)))
		return -EINVAL;
	return 0;
}

/* after a write or truncate of @i: mtime and ctime now, the inode back,
 * the op record */
static int data_changed(struct vx_opctx *c, struct vx_inode *i, unsigned op,
			uint64_t off, uint64_t len)
{
	struct timespec now;
	int err;

	vx_now(c->fs, &now);
	i->mtime_sec = i->ctime_sec = now.tv_sec;
	i->mtime_nsec = i->ctime_nsec = (uint32_t)now.tv_nsec;
	err = vx_inode_write(c->fs, i);
	if (!err)
		err = vx_op_record(c, op, i->mode, i->ino, 0, 0, off, len, NULL,
				   NULL);
	return err;
}

int vx_read(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino, uint64_t off,
	    void *buf, size_t len, size_t *done)
{
	struct vx_opctx c;
	struct vx_inode i;
	int err;

	*done = 0;
	err = one_inode(fs, tx, ino, false, &c);
	if (!err)
		err = data_inode(fs, ino, &i, false);
	if (!err)
		err = vx_file_read(fs, &i, off, buf, len, done);
	return vx_op_end(&c, err);
}

int vx_write(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino, uint64_t off,
	     const void *buf, size_t len)
{
	struct vx_opctx c;
	struct vx_inode i;
	int err;

	if (vx_fs_rdonly(fs))
		return VX_EROFS;
	err = one_inode(fs, tx, ino, true, &c);
	if (!err)
		err = data_inode(fs, ino, &i, false);
	/* all or nothing: an error undoes the whole write */
	if (!err)
		err = vx_file_write(fs, &i, off, buf, len);
	if (!err)
		err = data_changed(&c, &i, VX_OP_WRITE, off, len);
	if (!err)
		TX_STAT(fs, data_bytes, len);
	return vx_op_end(&c, err);
}

int vx_truncate(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino,
		uint64_t size)
{
	struct vx_opctx c;
	struct vx_inode i;
	int err;

	if (vx_fs_rdonly(fs))
		return VX_EROFS;
	err = one_inode(fs, tx, ino, true, &c);
	if (!err)
		err = data_inode(fs, ino, &i, false);
	if (!err)
		err = vx_file_truncate(fs, &i, size);
	if (!err)
		err = data_changed(&c, &i, VX_OP_TRUNCATE, 0, size);
	return vx_op_end(&c, err);
}

int vx_readlink(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino, char *buf,
		size_t size, size_t *len)
{
	struct vx_opctx c;
	struct vx_inode i;
	size_t got = 0;
	int err = one_inode(fs, tx, ino, false, &c);

	if (!err)
		err = vx_inode_read(fs, ino, &i);
	if (!err && !S_ISLNK(i.mode))
		err = -EINVAL;
	if (!err && (i.size == 0 || i.size > 4095))
		err = VX_ECORRUPT;
	if (!err && size) {
		size_t want = i.size < size - 1 ? (size_t)i.size : size - 1;

		if (i.flags & VX_IF_INLINE_DATA)
			memcpy(buf, i.area, got = want);
		else
			err = vx_file_read(fs, &i, 0, buf, want, &got);
		buf[got] = 0;
	}
	if (!err)
		*len = (size_t)i.size;
	return vx_op_end(&c, err);
}

int vx_readdir(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino,
	       vx_dirent_fn fn, void *ctx)
{
	struct vx_opctx c;
	struct vx_inode d;
	int err = one_inode(fs, tx, ino, false, &c);

	if (!err)
		err = vx_inode_read(fs, ino, &d);
	if (!err && !S_ISDIR(d.mode))
		err = -ENOTDIR;
	err = vx_op_leave(&c, err);
	if (!err)
		err = fn(ctx, ".", 1, ino, VX_FT_DIR);
	if (!err)
		err = fn(ctx, "..", 2, d.parent ? d.parent : ino, VX_FT_DIR);
	/* the callback may call back into the library: no fs lock held;
	 * the directory's shared lock keeps it as it is meanwhile */
	if (!err)
		err = vx_dir_iterate(fs, &d, fn, ctx);
	return vx_op_end(&c, err);
}

int vx_bmap(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino, uint64_t lblk,
	    vx_blk_t *pblk, uint64_t *run)
{
	struct vx_opctx c;
	struct vx_inode i;
	int err = one_inode(fs, tx, ino, false, &c);

	if (!err)
		err = vx_inode_read(fs, ino, &i);
	if (!err && (i.flags & VX_IF_INLINE_DATA))
		err = -EINVAL;
	if (!err)
		err = vx_extent_map(fs, &i, lblk, pblk, run);
	return vx_op_end(&c, err);
}
