/*
 * path.c: paths and numbers in debugfs.vexfs arguments.
 *
 * Paths inside the image are resolved by the library (vx_lookup_path)
 * from the working directory, inside the open transaction so a script
 * sees its own uncommitted changes.  "<N>" names inode N directly, as in
 * e2fsprogs' debugfs.  Every failure is printed here, naming the path
 * the user typed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "debugfs.h"

int dbg_number(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || *end || *out > max ? -1 : 0;
}

int dbg_lookup(struct dbg *d, const char *path, bool follow, vx_ino_t *ino)
{
	int err;

	if (!*path) {
		dbg_err(d, "empty path");
		return DBG_FAIL;
	}
	err = vx_lookup_path(d->fs, dbg_tx(d), d->cwd, path,
			     follow ? VX_LOOKUP_FOLLOW : 0, ino);
	if (err)
		return dbg_fail(d, err, "%s", path);
	return 0;
}

int dbg_inode_arg(struct dbg *d, const char *arg, vx_ino_t *ino)
{
	size_t n = strlen(arg);
	unsigned long long v;
	struct vx_attr a;
	char num[32];
	int err;

	if (n > 2 && n < sizeof(num) + 2 && arg[0] == '<' && arg[n - 1] == '>') {
		memcpy(num, arg + 1, n - 2);
		num[n - 2] = 0;
		if (dbg_number(num, UINT64_MAX, &v) || v == 0) {
			dbg_err(d, "%s: not an inode number", arg);
			return DBG_FAIL;
		}
		err = vx_stat(d->fs, dbg_tx(d), v, &a);
		if (err)
			return dbg_fail(d, err, "inode %llu", v);
		*ino = v;
		return 0;
	}
	return dbg_lookup(d, arg, false, ino);
}

int dbg_parent(struct dbg *d, const char *path, vx_ino_t *dir, char *name)
{
	size_t n = strlen(path);
	const char *slash;
	char *parent;
	int ret;

	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 0 || (n == 1 && path[0] == '/')) {
		dbg_err(d, "'%s': needs a name, not a directory to stand for",
			path);
		return DBG_FAIL;
	}
	slash = memrchr(path, '/', n);
	const char *last = slash ? slash + 1 : path;
	size_t ln = n - (size_t)(last - path);

	if (ln > VX_NAME_MAX) {
		dbg_err(d, "%.*s: name longer than %d bytes", (int)n, path,
			VX_NAME_MAX);
		return DBG_FAIL;
	}
	memcpy(name, last, ln);
	name[ln] = 0;
	if (!strcmp(name, ".") || !strcmp(name, "..")) {
		dbg_err(d, "%s: cannot use '%s' as a name", path, name);
		return DBG_FAIL;
	}
	if (!slash) {
		*dir = d->cwd;
		return 0;
	}
	parent = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (!parent)
		return dbg_fail(d, -ENOMEM, "%s", path);
	struct vx_attr a;
	int err = vx_lookup_path(d->fs, dbg_tx(d), d->cwd, parent,
				 VX_LOOKUP_FOLLOW, dir);

	if (!err)
		err = vx_stat(d->fs, dbg_tx(d), *dir, &a);
	if (!err && !S_ISDIR(a.mode))
		err = -ENOTDIR;
	ret = err ? dbg_fail(d, err, "%.*s: parent directory %s", (int)n, path,
			     parent) : 0;
	free(parent);
	return ret;
}

struct name_find {
	vx_ino_t want;
	char name[VX_NAME_MAX + 1];
};

static int find_name(void *ctx, const char *name, size_t len, vx_ino_t ino,
		     unsigned type)
{
	struct name_find *f = ctx;

	if (ino != f->want || (len <= 2 && name[0] == '.' &&
			       (len == 1 || name[1] == '.')))
		return 0;
	memcpy(f->name, name, len);
	f->name[len] = 0;
	return 1;
}

/* the path of directory @dir, walking ".." up to the root; malloc */
char *dbg_dir_path(struct dbg *d, vx_ino_t dir)
{
	vx_ino_t root = vx_fs_super(d->fs)->root_ino, up;
	char *path = strdup(""), *p;
	struct name_find f;
	int depth = 0;

	while (path && dir != root) {
		if (++depth > 4096 ||
		    vx_lookup(d->fs, dbg_tx(d), dir, "..", &up) || up == dir)
			break;
		f.want = dir;
		if (vx_readdir(d->fs, dbg_tx(d), up, find_name, &f) != 1)
			break;
		if (asprintf(&p, "/%s%s", f.name, path) < 0)
			p = NULL;
		free(path);
		path = p;
		dir = up;
	}
	if (path && dir != root) {	/* not reachable from the root */
		free(path);
		return NULL;
	}
	if (path && !*path) {
		free(path);
		path = strdup("/");
	}
	return path;
}
