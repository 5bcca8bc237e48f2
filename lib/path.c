/*
 * path.c: name and path lookup, with symlinks followed in inner
 * components (and in the last one when asked), at most 40 in all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fs_int.h"

#define MAX_FOLLOW	40
#define PATH_BUF	4096

int vx_lookup(struct vx_fs *fs, vx_ino_t dirno, const char *name,
	      vx_ino_t *ino)
{
	struct vx_inode dir;
	size_t len = strlen(name);
	int err;

	if (len == 0 || strchr(name, '/'))
		return -EINVAL;
	if (len > VX_NAME_MAX)
		return -ENAMETOOLONG;
	pthread_mutex_lock(&fs->lock);
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
	pthread_mutex_unlock(&fs->lock);
	return err;
}

struct walk {
	struct vx_fs *fs;
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
		err = vx_readlink(w->fs, ino, target, PATH_BUF, &len);
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
		err = vx_lookup(w->fs, cur, name, &next);
		if (err)
			return err;
		err = vx_stat(w->fs, next, &a);
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

int vx_lookup_path(struct vx_fs *fs, vx_ino_t cwd, const char *path,
		   unsigned flags, vx_ino_t *ino)
{
	struct walk w = { .fs = fs };

	if (!path || !*path)
		return -ENOENT;
	if (strnlen(path, PATH_BUF) >= PATH_BUF)
		return -ENAMETOOLONG;
	return resolve(&w, cwd, path, flags & VX_LOOKUP_FOLLOW, ino);
}
