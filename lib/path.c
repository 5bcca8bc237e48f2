/*
 * path.c: name and path lookup, with symlinks followed in inner
 * components (and in the last one when asked), at most 40 in all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "txn_int.h"

#define MAX_FOLLOW	40
#define PATH_BUF	4096

int vx_lookup(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dirno,
	      const char *name, vx_ino_t *ino)
{
	struct vx_opctx c;
	struct vx_inode dir;
	size_t len = strlen(name);
	int err;

	if (len == 0 || strchr(name, '/'))
		return -EINVAL;
	if (len > VX_NAME_MAX)
		return -ENAMETOOLONG;
	if ((err = vx_op_begin(fs, tx, false, &c)))
		return err;
	if (dirno == 0 || dirno > (uint64_t)fs->sb.inodes_per_group *
				  fs->sb.group_count)
		err = -ENOENT;
	if (!err)
		err = vx_op_lock(&c, dirno, LK_S);	/* names stay put */
	if (err)
		return vx_op_end(&c, err);
	vx_op_enter(&c);
	err = vx_inode_read(fs, dirno, &dir);
	if (!err && !S_ISDIR(dir.mode))
		err = -ENOTDIR;
	if (!err) {
		if (!strcmp(name, "."))
			*ino = dirno;
		else if (!strcmp(name, ".."))
			*ino = dir.parent ? dir.parent : dirno;
		else
			err = vx_dir_find(fs, &dir, name, len, ino, NULL);
	}
	if (!err && (*ino == 0 || *ino > (uint64_t)fs->sb.inodes_per_group *
					 fs->sb.group_count))
		err = VX_ECORRUPT;
	return vx_op_end(&c, err);
}

struct walk {
	struct vx_fs *fs;
	struct vx_txn *tx;
	int follows;
};

static int resolve(struct walk *w, vx_ino_t cwd, const char *path,
		   bool follow_last, vx_ino_t *out);

/* @ino is a symlink met under directory @dir: continue at its target */
static int follow(struct walk *w, vx_ino_t dir, vx_ino_t ino, vx_ino_t *out)
{
	char *target = malloc(PATH_BUF);
	size_t len;
	int err;

	if (!target)
		return -ENOMEM;
	if (++w->follows > MAX_FOLLOW)
		err = -ELOOP;
	else
		err = vx_readlink(w->fs, w->tx, ino, target, PATH_BUF, &len);
	if (!err)
		err = resolve(w, dir, target, true, out);
	free(target);
	return err;
}

static int resolve(struct walk *w, vx_ino_t cwd, const char *path,
		   bool follow_last, vx_ino_t *out)
{
	vx_ino_t cur = path[0] == '/' ? VX_ROOT_INO : cwd;
	const char *p = path;
	char name[VX_NAME_MAX + 1];
	int err;

	while (*p) {
		const char *end;
		struct vx_attr a;
		vx_ino_t next;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchrnul(p, '/');
		n = (size_t)(end - p);
		if (n > VX_NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(name, p, n);
		name[n] = 0;
		p = end;
		err = vx_lookup(w->fs, w->tx, cur, name, &next);
		if (err)
			return err;
		err = vx_stat(w->fs, w->tx, next, &a);
		if (err)
			return err;
		if (S_ISLNK(a.mode) && (*p || follow_last)) {
			err = follow(w, cur, next, &next);
			if (err)
				return err;
		}
		cur = next;
	}
	*out = cur;
	return 0;
}

int vx_lookup_path(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t cwd,
		   const char *path, unsigned flags, vx_ino_t *ino)
{
	struct walk w = { .fs = fs, .tx = tx };
	int err;

	if (!path || !*path)
		return -ENOENT;
	if (strnlen(path, PATH_BUF) >= PATH_BUF)
		return -ENAMETOOLONG;
	if (tx)
		return resolve(&w, cwd, path, flags & VX_LOOKUP_FOLLOW, ino);
	/* one read-committed transaction for the whole walk */
	err = vx_txn_begin(fs, VX_TXN_RDONLY, VX_ISO_READ_COMMITTED, &w.tx);
	if (err)
		return err;
	err = resolve(&w, cwd, path, flags & VX_LOOKUP_FOLLOW, ino);
	if (err)
		vx_txn_abort(w.tx);
	else
		err = vx_txn_commit(w.tx, NULL);
	return err;
}
