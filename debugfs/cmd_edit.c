/*
 * cmd_edit.c: editing commands: write, mkdir, rm, rmdir, mv, ln,
 * symlink, mknod, truncate, chmod, chown and touch (copy_in, a tree at
 * once, is in cmd_copyin.c and shares the helpers here).
 *
 * Every command is atomic: inside an explicit transaction its changes
 * join it; outside, a command that makes more than one change (write,
 * mkdir -p, rm -r, copy_in, and any command given several paths) opens
 * a transaction of its own (edit_begin) and commits it only when every
 * step succeeded, aborting it otherwise (edit_end), so a failed command
 * leaves the image as it was.  Inside an explicit transaction a failed
 * step is rolled back through a nested level for the same reason.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "debugfs.h"

/* the transaction a command works in: the open one (through a nested
 * level, so a failure inside undoes just this command) or its own */
int dbg_edit_begin(struct dbg *d, struct vx_txn **tx)
{
	int err = d->depth ? vx_txn_begin_nested(dbg_tx(d), 0, tx) :
			     vx_txn_begin(d->fs, 0, 0, tx);

	if (err)
		return dbg_fail(d, err, "cannot open a transaction");
	d->cur = *tx;	/* lookups (dbg_tx) go through it from now */
	return 0;
}

/* commit @tx when @ret is 0, else abort it; returns the result */
int dbg_edit_end(struct dbg *d, struct vx_txn *tx, int ret)
{
	int err;

	d->cur = NULL;
	if (ret) {
		vx_txn_abort(tx);
		return ret;
	}
	err = vx_txn_commit(tx, NULL);
	if (err == VX_ETXNFULL)
		return dbg_fail(d, err, "the change is larger than the journal "
				"holds in one transaction; make it in parts");
	return err ? dbg_fail(d, err, "commit") : 0;
}

static int parent_in(struct dbg *d, struct vx_txn *tx, const char *path,
		     vx_ino_t *dir, char *name)
{
	return dbg_parent(d, path, dir, name);	/* d->cur is @tx */
}

static int lookup_in(struct dbg *d, struct vx_txn *tx, const char *path,
		     bool follow, vx_ino_t *ino)
{
	int err = vx_lookup_path(d->fs, tx, d->cwd, path,
				 follow ? VX_LOOKUP_FOLLOW : 0, ino);

	return err ? dbg_fail(d, err, "%s", path) : 0;
}

static int parse_mode(struct dbg *d, const char *s, uint32_t *mode)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 8);
	if (!*s || *end || errno || v > 07777) {
		dbg_err(d, "%s: not an octal mode (0 to 7777)", s);
		return DBG_FAIL;
	}
	*mode = (uint32_t)v;
	return 0;
}

/* ---- write: a host file in ---- */

/* bytes [@off, @end) of host @fd into @ino; *@eof set when the host
 * file ended early (it shrank while being copied) */
static int copy_range(struct dbg *d, struct vx_txn *tx, int fd,
		      const char *host, vx_ino_t ino, uint64_t off,
		      uint64_t end, bool *eof)
{
	static char buf[1 << 20];
	ssize_t n;
	int err;

	if (lseek(fd, (off_t)off, SEEK_SET) < 0)
		goto host_err;
	for (; off < end; off += (uint64_t)n) {
		n = read(fd, buf, end - off < sizeof(buf) ? end - off :
			 sizeof(buf));
		if (n < 0)
			goto host_err;
		if (n == 0) {
			*eof = true;
			return 0;
		}
		err = vx_write(d->fs, tx, ino, off, buf, (size_t)n);
		if (err)
			return dbg_fail(d, err, "writing %s at byte %llu", host,
					(unsigned long long)off);
	}
	return 0;
host_err:
	dbg_err(d, "%s: %s", host, strerror(errno));
	return DBG_FAIL;
}

/* the first @size bytes of host @fd into @ino: only its data ranges
 * (SEEK_DATA to SEEK_HOLE; all of it where the host cannot tell), so
 * the host's holes stay holes */
static int copy_data(struct dbg *d, struct vx_txn *tx, int fd,
		     const char *host, vx_ino_t ino, uint64_t size)
{
	uint64_t off = 0, end;
	bool eof = false;
	int err;

	while (off < size && !eof) {
		off_t data = lseek(fd, (off_t)off, SEEK_DATA), hole;

		if (data < 0 && errno == ENXIO)
			break;		/* a hole to the end */
		if (data < 0)
			data = (off_t)off;
		hole = lseek(fd, data, SEEK_HOLE);
		end = hole > data && (uint64_t)hole < size ? (uint64_t)hole :
		      size;
		if ((uint64_t)data >= end)
			break;		/* the file grew: its first size bytes */
		if (copy_range(d, tx, fd, host, ino, (uint64_t)data, end, &eof))
			return DBG_FAIL;
		off = end;
	}
	err = vx_truncate(d->fs, tx, ino, size);
	return err ? dbg_fail(d, err, "setting the size of %s", host) : 0;
}

void dbg_attr_of(const struct stat *st, struct vx_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->mode = st->st_mode;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->rdev = st->st_rdev;
	a->atime = st->st_atim;
	a->mtime = st->st_mtim;
	a->ctime = st->st_ctim;
	a->crtime = st->st_mtim;
}

/* a regular file @name in @dir with the contents of host @fd */
int dbg_write_file(struct dbg *d, struct vx_txn *tx, int fd,
		      const char *host, const struct stat *st, vx_ino_t dir,
		      const char *name, const char *shown)
{
	struct vx_attr a;
	vx_ino_t ino;
	int err;

	dbg_attr_of(st, &a);
	err = vx_create(d->fs, tx, dir, name, &a, &ino);
	if (err)
		return dbg_fail(d, err, "%s", shown);
	if (copy_data(d, tx, fd, host, ino, (uint64_t)st->st_size))
		return DBG_FAIL;
	/* the writes moved mtime: set the host's times back */
	err = vx_setattr(d->fs, tx, ino, &a, VX_SET_ATIME | VX_SET_MTIME);
	return err ? dbg_fail(d, err, "%s", shown) : 0;
}

int cmd_write(struct dbg *d, int argc, char **argv)
{
	char name[VX_NAME_MAX + 1];
	struct vx_txn *tx;
	struct stat st;
	vx_ino_t dir;
	int fd, ret;

	if (argc != 3) {
		dbg_usage(d, dbg_find_cmd("write"));
		return DBG_FAIL;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		dbg_err(d, "%s: %s", argv[1], strerror(errno));
		if (fd >= 0)
			close(fd);
		return DBG_FAIL;
	}
	if (!S_ISREG(st.st_mode)) {
		dbg_err(d, "%s: not a regular file (copy_in copies trees)",
			argv[1]);
		close(fd);
		return DBG_FAIL;
	}
	if (dbg_edit_begin(d, &tx)) {
		close(fd);
		return DBG_FAIL;
	}
	ret = parent_in(d, tx, argv[2], &dir, name);
	if (!ret)
		ret = dbg_write_file(d, tx, fd, argv[1], &st, dir, name, argv[2]);
	close(fd);
	return dbg_edit_end(d, tx, ret);
}

/* ---- mkdir ---- */

/* @name in @dir as a directory for mkdir -p: found (a symlink to a
 * directory is followed, as mkdir(1) does) or made */
static int mkdir_step(struct dbg *d, struct vx_txn *tx, vx_ino_t dir,
		      const char *name, const struct vx_attr *a, vx_ino_t *ino)
{
	struct vx_attr st;
	int err = vx_lookup(d->fs, tx, dir, name, ino);

	if (err == -ENOENT)
		return vx_mkdir(d->fs, tx, dir, name, a, ino);
	if (!err)
		err = vx_stat(d->fs, tx, *ino, &st);
	if (!err && S_ISLNK(st.mode) &&
	    !(err = vx_lookup_path(d->fs, tx, dir, name, VX_LOOKUP_FOLLOW, ino)))
		err = vx_stat(d->fs, tx, *ino, &st);
	return err ? err : S_ISDIR(st.mode) ? 0 : -ENOTDIR;
}

/* mkdir -p: every missing level of @path; the last one gets @a's mode,
 * the levels above it 0755 (as mkdir(1) -p -m does) */
static int mkdir_p(struct dbg *d, struct vx_txn *tx, const char *path,
		   const struct vx_attr *a)
{
	char *copy = strdup(path), *p = NULL, *next, *save = NULL;
	vx_ino_t dir = path[0] == '/' ? vx_fs_super(d->fs)->root_ino : d->cwd;
	struct vx_attr up = *a;
	vx_ino_t ino;
	int err = copy ? 0 : -ENOMEM;

	up.mode = S_IFDIR | 0755;
	if (copy)
		p = strtok_r(copy, "/", &save);
	for (; p; p = next, dir = ino) {
		next = strtok_r(NULL, "/", &save);
		err = strlen(p) > VX_NAME_MAX ? -ENAMETOOLONG :
		      mkdir_step(d, tx, dir, p, next ? &up : a, &ino);
		if (err)
			break;	/* p names the level that failed */
	}
	if (err && p)	/* name the path up to the level that failed */
		dbg_fail(d, err, "%s: at %.*s", path,
			 (int)(p - copy + strlen(p)), path);
	else if (err)
		dbg_fail(d, err, "%s", path);
	free(copy);
	return err ? DBG_FAIL : 0;
}

int cmd_mkdir(struct dbg *d, int argc, char **argv)
{
	struct vx_attr a = { .mode = 0755 };
	char name[VX_NAME_MAX + 1];
	bool parents = false;
	struct vx_txn *tx;
	vx_ino_t dir, ino;
	int c, ret;

	while ((c = getopt(argc, argv, "pm:")) != -1) {
		if (c == 'p')
			parents = true;
		else if (c != 'm')
			goto usage;
		else if (parse_mode(d, optarg, &a.mode))
			return DBG_FAIL;	/* the mode was named */
	}
	if (optind != argc - 1)
		goto usage;
	a.mode |= S_IFDIR;
	if (dbg_edit_begin(d, &tx))
		return DBG_FAIL;
	if (parents) {
		ret = mkdir_p(d, tx, argv[optind], &a);
	} else {
		ret = parent_in(d, tx, argv[optind], &dir, name);
		if (!ret && (ret = vx_mkdir(d->fs, tx, dir, name, &a, &ino)))
			ret = dbg_fail(d, ret, "%s", argv[optind]);
	}
	return dbg_edit_end(d, tx, ret);
usage:
	dbg_usage(d, dbg_find_cmd("mkdir"));
	return DBG_FAIL;
}

/* ---- rm, rmdir ---- */

struct names {
	char **v;
	size_t n, cap;
};

static int add_name(void *ctx, const char *name, size_t len, vx_ino_t ino,
		    unsigned type)
{
	struct names *l = ctx;

	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = strndup(name, len);
	return l->v[l->n++] ? 0 : -ENOMEM;
}

static void names_free(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* remove @name from @dir, directories with what they hold */
static int rm_tree(struct dbg *d, struct vx_txn *tx, vx_ino_t dir,
		   const char *name, unsigned depth)
{
	struct names l = { 0 };
	struct vx_attr a;
	vx_ino_t ino;
	int err = vx_lookup(d->fs, tx, dir, name, &ino);

	if (!err)
		err = vx_stat(d->fs, tx, ino, &a);
	if (err || !S_ISDIR(a.mode))
		return err ? err : vx_unlink(d->fs, tx, dir, name);
	if (depth > 4096)
		return -ELOOP;
	err = vx_readdir(d->fs, tx, ino, add_name, &l);
	for (size_t i = 0; i < l.n && !err; i++)
		err = rm_tree(d, tx, ino, l.v[i], depth + 1);
	names_free(&l);
	return err ? err : vx_rmdir(d->fs, tx, dir, name);
}

static int remove_paths(struct dbg *d, int argc, char **argv, bool dirs,
			bool recurse)
{
	char name[VX_NAME_MAX + 1];
	struct vx_txn *tx;
	vx_ino_t dir;
	int ret = 0, err;

	if (dbg_edit_begin(d, &tx))
		return DBG_FAIL;
	for (int i = 0; i < argc && !ret; i++) {
		ret = parent_in(d, tx, argv[i], &dir, name);
		if (ret)
			break;
		err = recurse ? rm_tree(d, tx, dir, name, 0) :
		      dirs ? vx_rmdir(d->fs, tx, dir, name) :
			     vx_unlink(d->fs, tx, dir, name);
		if (err == -EISDIR)
			ret = dbg_fail(d, err, "%s (rm -r removes directories)",
				       argv[i]);
		else if (err)
			ret = dbg_fail(d, err, "%s", argv[i]);
	}
	return dbg_edit_end(d, tx, ret);
}

int cmd_rm(struct dbg *d, int argc, char **argv)
{
	bool recurse = false;
	int c;

	while ((c = getopt(argc, argv, "r")) != -1) {
		if (c != 'r')
			goto usage;
		recurse = true;
	}
	if (optind == argc)
		goto usage;
	return remove_paths(d, argc - optind, argv + optind, false, recurse);
usage:
	dbg_usage(d, dbg_find_cmd("rm"));
	return DBG_FAIL;
}

int cmd_rmdir(struct dbg *d, int argc, char **argv)
{
	if (argc < 2) {
		dbg_usage(d, dbg_find_cmd("rmdir"));
		return DBG_FAIL;
	}
	return remove_paths(d, argc - 1, argv + 1, true, false);
}

/* ---- mv, ln, symlink, mknod ---- */

/* the destination of mv/ln: into @to when it is a directory */
int dbg_dest_in(struct dbg *d, struct vx_txn *tx, const char *from,
		   const char *to, vx_ino_t *dir, char *name)
{
	struct vx_attr a;
	vx_ino_t ino;

	if (!vx_lookup_path(d->fs, tx, d->cwd, to, VX_LOOKUP_FOLLOW, &ino) &&
	    !vx_stat(d->fs, tx, ino, &a) && S_ISDIR(a.mode)) {
		const char *base = strrchr(from, '/');
		size_t n;

		base = base ? base + 1 : from;
		n = strlen(base);
		if (!n || n > VX_NAME_MAX || !strcmp(base, ".") ||
		    !strcmp(base, "..")) {
			dbg_err(d, "%s: cannot name an entry after it", from);
			return DBG_FAIL;
		}
		memcpy(name, base, n + 1);
		*dir = ino;
		return 0;
	}
	return parent_in(d, tx, to, dir, name);
}

int cmd_mv(struct dbg *d, int argc, char **argv)
{
	char oname[VX_NAME_MAX + 1], nname[VX_NAME_MAX + 1];
	unsigned flags = 0;
	vx_ino_t odir, ndir;
	struct vx_txn *tx;
	int c, ret;

	while ((c = getopt(argc, argv, "n")) != -1) {
		if (c != 'n')
			goto usage;
		flags |= VX_RENAME_NOREPLACE;
	}
	if (optind != argc - 2)
		goto usage;
	if (dbg_edit_begin(d, &tx))
		return DBG_FAIL;
	ret = parent_in(d, tx, argv[optind], &odir, oname);
	if (!ret)
		ret = dbg_dest_in(d, tx, argv[optind], argv[optind + 1], &ndir, nname);
	if (!ret && (ret = vx_rename(d->fs, tx, odir, oname, ndir, nname, flags)))
		ret = ret == -EINVAL ?	/* the library's only EINVAL here */
		      dbg_fail(d, ret, "%s -> %s: a directory cannot move into "
			       "itself or below itself", argv[optind],
			       argv[optind + 1]) :
		      dbg_fail(d, ret, "%s -> %s", argv[optind], argv[optind + 1]);
	return dbg_edit_end(d, tx, ret);
usage:
	dbg_usage(d, dbg_find_cmd("mv"));
	return DBG_FAIL;
}

static int make_symlink(struct dbg *d, const char *path, const char *target)
{
	struct vx_attr a = { .mode = S_IFLNK | 0777 };
	char name[VX_NAME_MAX + 1];
	struct vx_txn *tx;
	vx_ino_t dir, ino;
	int ret;

	if (!*target) {
		dbg_err(d, "%s: a symlink needs a target (it was empty)", path);
		return DBG_FAIL;
	}
	if (dbg_edit_begin(d, &tx))
		return DBG_FAIL;
	ret = parent_in(d, tx, path, &dir, name);
	if (!ret && (ret = vx_symlink(d->fs, tx, dir, name, target, &a, &ino)))
		ret = dbg_fail(d, ret, "%s", path);
	return dbg_edit_end(d, tx, ret);
}

int cmd_ln(struct dbg *d, int argc, char **argv)
{
	char name[VX_NAME_MAX + 1];
	bool sym = false;
	struct vx_txn *tx;
	vx_ino_t ino, dir;
	int c, ret;

	while ((c = getopt(argc, argv, "s")) != -1) {
		if (c != 's')
			goto usage;
		sym = true;
	}
	if (optind != argc - 2)
		goto usage;
	if (sym)
		return make_symlink(d, argv[optind + 1], argv[optind]);
	if (dbg_edit_begin(d, &tx))
		return DBG_FAIL;
	ret = lookup_in(d, tx, argv[optind], false, &ino);
	if (!ret)
		ret = dbg_dest_in(d, tx, argv[optind], argv[optind + 1], &dir, name);
	if (!ret && (ret = vx_link(d->fs, tx, ino, dir, name)))
		ret = dbg_fail(d, ret, "%s -> %s%s", argv[optind + 1],
			       argv[optind], ret == -EPERM ? " (a directory "
			       "cannot have hard links; ln -s makes a symbolic "
			       "one)" : "");
	return dbg_edit_end(d, tx, ret);
usage:
	dbg_usage(d, dbg_find_cmd("ln"));
	return DBG_FAIL;
}

int cmd_symlink(struct dbg *d, int argc, char **argv)
{
	if (argc != 3) {
		dbg_usage(d, dbg_find_cmd("symlink"));
		return DBG_FAIL;
	}
	return make_symlink(d, argv[1], argv[2]);
}

int cmd_mknod(struct dbg *d, int argc, char **argv)
{
	struct vx_attr a = { .mode = 0644 };
	char name[VX_NAME_MAX + 1];
	unsigned long long maj = 0, mn = 0;
	struct vx_txn *tx;
	vx_ino_t dir, ino;
	int ret;

	if (argc == 3 && !strcmp(argv[2], "p")) {
		a.mode |= S_IFIFO;
	} else if (argc == 5 && (!strcmp(argv[2], "c") || !strcmp(argv[2], "b"))) {
		if (dbg_number(argv[3], 0xfff, &maj) ||
		    dbg_number(argv[4], 0xfffff, &mn)) {
			dbg_err(d, "%s %s: not a device number (major up to "
				"4095, minor up to 1048575)", argv[3], argv[4]);
			return DBG_FAIL;
		}
		a.mode |= argv[2][0] == 'c' ? S_IFCHR : S_IFBLK;
		a.rdev = makedev((unsigned)maj, (unsigned)mn);
	} else {
		dbg_usage(d, dbg_find_cmd("mknod"));
		return DBG_FAIL;
	}
	if (dbg_edit_begin(d, &tx))
		return DBG_FAIL;
	ret = parent_in(d, tx, argv[1], &dir, name);
	if (!ret && (ret = vx_create(d->fs, tx, dir, name, &a, &ino)))
		ret = dbg_fail(d, ret, "%s", argv[1]);
	return dbg_edit_end(d, tx, ret);
}

/* ---- truncate, chmod, chown, touch ---- */

static int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	unsigned shift = 0;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (*end && !end[1]) {
		const char *u = strchr("KMGT", *end & ~0x20);

		if (!u)
			return -1;
		shift = 10 * (unsigned)(u - "KMGT" + 1);
		end++;
	}
	if (errno || *end || (shift && v > (UINT64_MAX >> shift)))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

int cmd_truncate(struct dbg *d, int argc, char **argv)
{
	struct vx_attr a;
	struct vx_txn *tx;
	uint64_t size;
	vx_ino_t ino;
	int ret;

	if (argc != 3) {
		dbg_usage(d, dbg_find_cmd("truncate"));
		return DBG_FAIL;
	}
	if (parse_size(argv[2], &size)) {
		dbg_err(d, "%s: not a size (bytes, or with K, M, G, T)", argv[2]);
		return DBG_FAIL;
	}
	if (dbg_edit_begin(d, &tx))
		return DBG_FAIL;
	ret = lookup_in(d, tx, argv[1], true, &ino);
	if (!ret && (ret = vx_stat(d->fs, tx, ino, &a)))
		ret = dbg_fail(d, ret, "%s", argv[1]);
	if (!ret && !S_ISREG(a.mode)) {
		dbg_err(d, "%s: not a regular file: only files have a size "
			"to set", argv[1]);
		ret = DBG_FAIL;
	}
	if (!ret && (ret = vx_truncate(d->fs, tx, ino, size)))
		ret = dbg_fail(d, ret, "%s", argv[1]);
	return dbg_edit_end(d, tx, ret);
}

/* set @mask of @a on every path (no symlink followed at the end) */
static int setattr_paths(struct dbg *d, int n, char **paths,
			 const struct vx_attr *a, unsigned mask)
{
	struct vx_txn *tx;
	vx_ino_t ino;
	int ret = 0;

	if (dbg_edit_begin(d, &tx))
		return DBG_FAIL;
	for (int i = 0; i < n && !ret; i++) {
		ret = lookup_in(d, tx, paths[i], false, &ino);
		if (!ret && (ret = vx_setattr(d->fs, tx, ino, a, mask)))
			ret = dbg_fail(d, ret, "%s", paths[i]);
	}
	return dbg_edit_end(d, tx, ret);
}

int cmd_chmod(struct dbg *d, int argc, char **argv)
{
	struct vx_attr a = { 0 };

	if (argc < 3) {
		dbg_usage(d, dbg_find_cmd("chmod"));
		return DBG_FAIL;
	}
	if (parse_mode(d, argv[1], &a.mode))
		return DBG_FAIL;
	return setattr_paths(d, argc - 2, argv + 2, &a, VX_SET_MODE);
}

int cmd_chown(struct dbg *d, int argc, char **argv)
{
	unsigned long long uid, gid = 0;
	struct vx_attr a = { 0 };
	unsigned mask = VX_SET_UID;
	char *colon;

	if (argc < 3) {
		dbg_usage(d, dbg_find_cmd("chown"));
		return DBG_FAIL;
	}
	colon = strchr(argv[1], ':');
	if (colon)
		*colon = 0;
	if (dbg_number(argv[1], UINT32_MAX, &uid) ||
	    (colon && dbg_number(colon + 1, UINT32_MAX, &gid))) {
		dbg_err(d, "%s%s%s: not numeric UID[:GID] (0 to 4294967295)",
			argv[1], colon ? ":" : "", colon ? colon + 1 : "");
		return DBG_FAIL;
	}
	a.uid = (uint32_t)uid;
	a.gid = (uint32_t)gid;
	if (colon)
		mask |= VX_SET_GID;
	return setattr_paths(d, argc - 2, argv + 2, &a, mask);
}

/* SECONDS[.NSEC], either side of the epoch: "-1.25" is 1.25 s before it
 * (tv_sec -2, tv_nsec 750000000) */
static int parse_time(const char *s, struct timespec *t)
{
	char *end;
	long long sec;
	long nsec = 0;

	errno = 0;
	sec = strtoll(s, &end, 10);
	if (end == s || errno || !(*s == '-' || (*s >= '0' && *s <= '9')))
		return -1;
	if (*end == '.') {
		const char *p = end + 1;
		int digits = 0;

		for (; *p >= '0' && *p <= '9' && digits < 9; p++, digits++)
			nsec = nsec * 10 + (*p - '0');
		if (p == end + 1 || *p)
			return -1;
		for (; digits < 9; digits++)
			nsec *= 10;
		end = (char *)p;
	}
	if (*end)
		return -1;
	if (*s == '-' && nsec) {	/* the fraction is before sec too */
		if (sec == LLONG_MIN)
			return -1;
		sec--;
		nsec = 1000000000L - nsec;
	}
	t->tv_sec = (time_t)sec;
	t->tv_nsec = nsec;
	return 0;
}

int cmd_touch(struct dbg *d, int argc, char **argv)
{
	struct vx_attr a = { .mode = S_IFREG | 0644 };
	unsigned mask = 0;
	bool create = true;
	struct timespec t;
	char name[VX_NAME_MAX + 1];
	struct vx_txn *tx;
	vx_ino_t ino, dir;
	int c, ret = 0;

	clock_gettime(CLOCK_REALTIME, &t);
	while ((c = getopt(argc, argv, "amct:")) != -1) {
		if (c == 'a')
			mask |= VX_SET_ATIME;
		else if (c == 'm')
			mask |= VX_SET_MTIME;
		else if (c == 'c')
			create = false;
		else if (c != 't')
			goto usage;
		else if (parse_time(optarg, &t)) {
			dbg_err(d, "-t %s: not SECONDS[.NANOSECONDS] (at most "
				"9 digits after the point)", optarg);
			return DBG_FAIL;
		}
	}
	if (optind == argc)
		goto usage;
	if (!mask)
		mask = VX_SET_ATIME | VX_SET_MTIME;
	a.atime = a.mtime = a.ctime = a.crtime = t;
	if (dbg_edit_begin(d, &tx))
		return DBG_FAIL;
	for (int i = optind; i < argc && !ret; i++) {
		ret = parent_in(d, tx, argv[i], &dir, name);
		if (ret)
			break;
		int err = vx_lookup(d->fs, tx, dir, name, &ino);

		if (err == -ENOENT && create)
			err = vx_create(d->fs, tx, dir, name, &a, &ino);
		else if (err == -ENOENT)
			continue;	/* -c: do not make it */
		if (!err)
			err = vx_setattr(d->fs, tx, ino, &a, mask);
		if (err)
			ret = dbg_fail(d, err, "%s", argv[i]);
	}
	return dbg_edit_end(d, tx, ret);
usage:
	dbg_usage(d, dbg_find_cmd("touch"));
	return DBG_FAIL;
}
