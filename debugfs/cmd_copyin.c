/*
 * cmd_copyin.c: copy_in, a host tree into the image.
 *
 * The tree is walked with directory descriptors (fstatat, openat with
 * O_NOFOLLOW, readlinkat), so a host symlink is copied as a symlink and
 * never followed; a host inode met twice (hard links) becomes a second
 * name of the same image inode.  Everything goes into one transaction
 * (dbg_edit_begin/dbg_edit_end, cmd_edit.c): the copy is there whole or
 * not at all.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debugfs.h"

struct hardlink {
	dev_t dev;
	ino_t host;
	vx_ino_t ino;
};

struct copy {
	struct dbg *d;
	struct vx_txn *tx;
	struct hardlink *links;
	size_t nlinks, clinks;
	unsigned long files, dirs;
};

static int copy_entry(struct copy *c, int dirfd, const char *name,
		      const char *host, vx_ino_t dir, const char *ename,
		      unsigned depth);

static int copy_dir(struct copy *c, int fd, const char *host, vx_ino_t ino,
		    unsigned depth)
{
	DIR *dp = fdopendir(fd);
	struct dirent *e;
	int ret = 0;

	if (!dp) {
		close(fd);
		dbg_err(c->d, "%s: %s", host, strerror(errno));
		return DBG_FAIL;
	}
	while (!ret && (errno = 0, e = readdir(dp))) {
		char *sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (asprintf(&sub, "%s/%s", host, e->d_name) < 0)
			ret = dbg_fail(c->d, -ENOMEM, "%s", host);
		else
			ret = copy_entry(c, dirfd(dp), e->d_name, sub, ino,
					 e->d_name, depth + 1);
		free(sub);
	}
	if (!ret && errno) {
		dbg_err(c->d, "%s: %s", host, strerror(errno));
		ret = DBG_FAIL;
	}
	closedir(dp);
	return ret;
}

static struct hardlink *seen_link(struct copy *c, const struct stat *st)
{
	for (size_t i = 0; i < c->nlinks; i++)
		if (c->links[i].dev == st->st_dev && c->links[i].host == st->st_ino)
			return &c->links[i];
	return NULL;
}

static void note_link(struct copy *c, const struct stat *st, vx_ino_t ino)
{
	if (c->nlinks == c->clinks) {
		size_t cap = c->clinks ? c->clinks * 2 : 16;
		struct hardlink *v = realloc(c->links, cap * sizeof(*v));

		if (!v)
			return;	/* then the next name is a copy */
		c->links = v;
		c->clinks = cap;
	}
	c->links[c->nlinks++] = (struct hardlink){ st->st_dev, st->st_ino, ino };
}

static int copy_entry(struct copy *c, int dirfd, const char *name,
		      const char *host, vx_ino_t dir, const char *ename,
		      unsigned depth)
{
	struct dbg *d = c->d;
	char target[4097];
	struct vx_attr a;
	struct stat st;
	vx_ino_t ino;
	ssize_t n;
	int fd, err = 0;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		dbg_err(d, "%s: %s", host, strerror(errno));
		return DBG_FAIL;
	}
	dbg_attr_of(&st, &a);
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 && seen_link(c, &st)) {
		err = vx_link(d->fs, c->tx, seen_link(c, &st)->ino, dir, ename);
		return err ? dbg_fail(d, err, "%s (as a hard link)", host) : 0;
	}
	if (S_ISREG(st.st_mode)) {
		fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			dbg_err(d, "%s: %s", host, strerror(errno));
			return DBG_FAIL;
		}
		err = dbg_write_file(d, c->tx, fd, host, &st, dir, ename, host);
		close(fd);
		if (!err && st.st_nlink > 1 &&
		    !vx_lookup(d->fs, c->tx, dir, ename, &ino))
			note_link(c, &st, ino);
		c->files++;
		return err;
	}
	if (S_ISDIR(st.st_mode)) {
		if (depth > 4096)
			return dbg_fail(d, -ELOOP, "%s", host);
		err = vx_mkdir(d->fs, c->tx, dir, ename, &a, &ino);
		if (err)
			return dbg_fail(d, err, "%s", host);
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC);
		if (fd < 0) {
			dbg_err(d, "%s: %s", host, strerror(errno));
			return DBG_FAIL;
		}
		c->dirs++;
		err = copy_dir(c, fd, host, ino, depth);
		if (!err)	/* entries moved mtime: set the host's back */
			err = vx_setattr(d->fs, c->tx, ino, &a,
					 VX_SET_ATIME | VX_SET_MTIME);
		return err < 0 ? dbg_fail(d, err, "%s", host) : err;
	}
	if (S_ISLNK(st.st_mode)) {
		n = readlinkat(dirfd, name, target, sizeof(target) - 1);
		if (n < 0) {
			dbg_err(d, "%s: %s", host, strerror(errno));
			return DBG_FAIL;
		}
		target[n] = 0;
		err = vx_symlink(d->fs, c->tx, dir, ename, target, &a, &ino);
	} else {
		err = vx_create(d->fs, c->tx, dir, ename, &a, &ino);
	}
	c->files++;
	return err ? dbg_fail(d, err, "%s", host) : 0;
}

int cmd_copy_in(struct dbg *d, int argc, char **argv)
{
	struct copy c = { .d = d };
	char name[VX_NAME_MAX + 1];
	char *host, *base;
	vx_ino_t dir;
	int ret;

	if (argc != 3) {
		dbg_usage(d, dbg_find_cmd("copy_in"));
		return DBG_FAIL;
	}
	host = strdup(argv[1]);
	if (!host)
		return dbg_fail(d, -ENOMEM, "%s", argv[1]);
	while (strlen(host) > 1 && host[strlen(host) - 1] == '/')
		host[strlen(host) - 1] = 0;
	base = strrchr(host, '/') ? strrchr(host, '/') + 1 : host;
	if (dbg_edit_begin(d, &c.tx)) {
		free(host);
		return DBG_FAIL;
	}
	ret = dbg_dest_in(d, c.tx, base, argv[2], &dir, name);
	if (!ret)
		ret = copy_entry(&c, AT_FDCWD, host, host, dir, name, 0);
	ret = dbg_edit_end(d, c.tx, ret);
	if (!ret)
		printf("copied %lu file%s and %lu director%s\n", c.files,
		       c.files == 1 ? "" : "s", c.dirs, c.dirs == 1 ? "y" : "ies");
	free(c.links);
	free(host);
	return ret;
}
