/*
 * ops_rename.c: vx_rename, atomic like every operation: the old name
 * goes, the new one comes (replacing what it named) in one transaction.
 *
 * Locks: both directories exclusively, then the inode moved and the one
 * replaced.  Moving a directory to another parent walks from the new
 * parent up to the root under shared locks: the walk meeting the
 * directory moved means a loop (-EINVAL); the locks keep a concurrent
 * rename from changing that chain until this transaction ends.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include "txn_int.h"

static bool valid_ino(struct vx_fs *fs, vx_ino_t ino)
{
	return ino && ino <= (uint64_t)fs->sb.inodes_per_group *
			     fs->sb.group_count;
}

/* find @name in @dirno (fs->lock held) */
static int find(struct vx_fs *fs, vx_ino_t dirno, const char *name,
		size_t len, struct vx_inode *dir, vx_ino_t *ino)
{
	int err = vx_inode_read(fs, dirno, dir);

	if (!err && !S_ISDIR(dir->mode))
		err = -ENOTDIR;
	if (!err)
		err = vx_dir_find(fs, dir, name, len, ino, NULL);
	if (!err && !valid_ino(fs, *ino))
		err = VX_ECORRUPT;
	return err;
}

/* is @dir (or an ancestor of it) @moved?  Shared locks on the way up */
static int loops(struct vx_opctx *c, vx_ino_t dir, vx_ino_t moved)
{
	struct vx_fs *fs = c->fs;
	unsigned depth = 0;

	while (dir != VX_ROOT_INO) {
		struct vx_inode d;
		int err;

		if (dir == moved)
			return -EINVAL;
		if (++depth > 65536 || !valid_ino(fs, dir))
			return VX_ECORRUPT;	/* a cycle already on disk */
		if ((err = vx_op_lock(c, dir, LK_S)))
			return err;
		vx_op_enter(c);
		err = vx_inode_read(fs, dir, &d);
		if (!err && !S_ISDIR(d.mode))
			err = VX_ECORRUPT;
		err = vx_op_leave(c, err);
		if (err)
			return err;
		dir = d.parent;
	}
	return 0;
}

static void stamp(struct vx_fs *fs, struct vx_inode *i, bool mtime)
{
	struct timespec now;

	vx_now(fs, &now);
	i->ctime_sec = now.tv_sec;
	i->ctime_nsec = (uint32_t)now.tv_nsec;
	if (mtime) {
		i->mtime_sec = now.tv_sec;
		i->mtime_nsec = (uint32_t)now.tv_nsec;
	}
}

/* drop the inode a replaced name led to (fs->lock held) */
static int drop_target(struct vx_fs *fs, struct vx_inode *t,
		       struct vx_inode *ndir)
{
	int err = 0;

	if (S_ISDIR(t->mode)) {
		ndir->nlink--;
		t->nlink = 0;
	} else {
		t->nlink--;
	}
	if (t->nlink == 0) {
		err = vx_extent_truncate(fs, t, 0);
		if (!err)
			err = vx_inode_clear(fs, t->ino);
		if (!err)
			err = vx_free_inode(fs, t->ino, S_ISDIR(t->mode));
		return err;
	}
	stamp(fs, t, false);
	return vx_inode_write(fs, t);
}

static int do_rename(struct vx_opctx *c, vx_ino_t odir, const char *oname,
		     size_t olen, vx_ino_t ndir, const char *nname, size_t nlen,
		     vx_ino_t src, unsigned flags)
{
	struct vx_fs *fs = c->fs;
	struct vx_inode od, nd, s, t, *np = odir == ndir ? &od : &nd;
	vx_ino_t s2, dst = 0;
	uint64_t n;
	int err;

	/* the directories are ours: what the names lead to is as seen */
	if ((err = find(fs, odir, oname, olen, &od, &s2)))
		return err;
	if (s2 != src)
		return VX_ECORRUPT;
	if (odir != ndir && (err = vx_inode_read(fs, ndir, &nd)))
		return err;
	if (!S_ISDIR(np->mode))
		return -ENOTDIR;
	err = vx_dir_find(fs, np, nname, nlen, &dst, NULL);
	if (err && err != -ENOENT)
		return err;
	if ((err = vx_inode_read(fs, src, &s)))
		return err;
	if (dst) {
		if (dst == src)
			return 0;	/* two names of one inode: nothing */
		if (flags & VX_RENAME_NOREPLACE)
			return -EEXIST;
		if ((err = vx_inode_read(fs, dst, &t)))
			return err;
		if (S_ISDIR(s.mode) && !S_ISDIR(t.mode))
			return -ENOTDIR;
		if (!S_ISDIR(s.mode) && S_ISDIR(t.mode))
			return -EISDIR;
		if (S_ISDIR(t.mode) && ((err = vx_dir_count(fs, &t, &n)) || n))
			return err ? err : -ENOTEMPTY;
		if ((err = vx_dir_remove(fs, np, nname, nlen)) ||
		    (err = drop_target(fs, &t, np)))
			return err;
	}
	if ((err = vx_dir_remove(fs, &od, oname, olen)))
		return err;
	if ((err = vx_dir_add(fs, np, nname, nlen, src,
			      vx_ftype_of_mode(s.mode))))
		return err;
	if (S_ISDIR(s.mode) && odir != ndir) {
		if ((err = vx_dir_set_parent(fs, &s, ndir)))
			return err;
		od.nlink--;
		nd.nlink++;
	}
	stamp(fs, &s, false);
	stamp(fs, &od, true);
	if ((err = vx_inode_write(fs, &s)) || (err = vx_inode_write(fs, &od)))
		return err;
	if (odir != ndir) {
		stamp(fs, &nd, true);
		if ((err = vx_inode_write(fs, &nd)))
			return err;
	}
	return vx_op_record(c, VX_OP_RENAME, s.mode, src, odir, ndir, dst, 0,
			    oname, nname);
}

int vx_rename(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t odir,
	      const char *oname, vx_ino_t ndir, const char *nname,
	      unsigned flags)
{
	struct vx_opctx c;
	struct vx_inode d;
	vx_ino_t src = 0, dst = 0;
	size_t olen, nlen;
	int err;

	if (vx_fs_rdonly(fs))
		return VX_EROFS;
	if ((err = vx_check_name(oname, &olen)) || (err = vx_check_name(nname, &nlen)))
		return err;
	if (flags & ~VX_RENAME_NOREPLACE)
		return -EINVAL;
	if (!valid_ino(fs, odir) || !valid_ino(fs, ndir))
		return -ENOENT;
	if ((err = vx_op_begin(fs, tx, true, &c)))
		return err;
	err = vx_op_lock(&c, odir, LK_X);
	if (!err)
		err = vx_op_lock(&c, ndir, LK_X);
	if (!err) {
		vx_op_enter(&c);
		err = find(fs, odir, oname, olen, &d, &src);
		if (!err) {
			err = vx_inode_read(fs, ndir, &d);
			if (!err && !S_ISDIR(d.mode))
				err = -ENOTDIR;
		}
		if (!err) {
			err = vx_dir_find(fs, &d, nname, nlen, &dst, NULL);
			if (err == -ENOENT)
				err = 0;
			else if (!err && !valid_ino(fs, dst))
				err = VX_ECORRUPT;
		}
		err = vx_op_leave(&c, err);
	}
	if (!err)
		err = vx_op_lock(&c, src, LK_X);
	if (!err && dst && dst != src)
		err = vx_op_lock(&c, dst, LK_X);
	if (!err && odir != ndir) {
		/* only a directory can make a loop */
		vx_op_enter(&c);
		err = vx_inode_read(fs, src, &d);
		err = vx_op_leave(&c, err);
		if (!err && S_ISDIR(d.mode))
			err = loops(&c, ndir, src);
	}
	if (!err) {
		vx_op_enter(&c);
		err = do_rename(&c, odir, oname, olen, ndir, nname, nlen, src,
				flags);
	}
	return vx_op_end(&c, err);
}
