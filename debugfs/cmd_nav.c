/*
 * cmd_nav.c: reading the namespace: cd, pwd, ls, stat, cat, blocks,
 * bmap and find.
 *
 * Everything goes through the library's file operations in the open
 * transaction (dbg_tx), so a script sees what it changed before its
 * commit.  Listings are sorted by name (the directory itself is in hash
 * order); walks over a damaged image are bounded (find keeps the
 * directories it entered and never enters one twice).
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "debugfs.h"

/* ---- shared: directory listing, attribute words ---- */

struct dent {
	char *name;
	vx_ino_t ino;
	unsigned type;
};

struct dlist {
	struct dent *v;
	size_t n, cap;
	bool dots;			/* keep "." and ".." */
};

static int collect(void *ctx, const char *name, size_t len, vx_ino_t ino,
		   unsigned type)
{
	struct dlist *l = ctx;

	if (!l->dots && name[0] == '.' && (len == 1 ||
					   (len == 2 && name[1] == '.')))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct dent *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].name = strndup(name, len);
	if (!l->v[l->n].name)
		return -ENOMEM;
	l->v[l->n].ino = ino;
	l->v[l->n++].type = type;
	return 0;
}

static int cmp_dent(const void *a, const void *b)
{
	return strcmp(((const struct dent *)a)->name,
		      ((const struct dent *)b)->name);
}

static void dlist_free(struct dlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static int list_dir(struct dbg *d, vx_ino_t dir, bool dots, struct dlist *l)
{
	int err;

	memset(l, 0, sizeof(*l));
	l->dots = dots;
	err = vx_readdir(d->fs, dbg_tx(d), dir, collect, l);
	if (err) {
		dlist_free(l);
		return err;
	}
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_dent);
	return 0;
}

static const char *type_word(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "regular";
	case S_IFDIR: return "directory";
	case S_IFLNK: return "symlink";
	case S_IFCHR: return "character device";
	case S_IFBLK: return "block device";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	}
	return "unknown";
}

static void mode_string(uint32_t mode, char s[11])
{
	static const char types[] = "?pc?d?b?-?l?s???";

	s[0] = types[(mode >> 12) & 15];
	for (int i = 0; i < 9; i++)
		s[1 + i] = mode & (0400 >> i) ? "rwxrwxrwx"[i] : '-';
	if (mode & S_ISUID)
		s[3] = mode & S_IXUSR ? 's' : 'S';
	if (mode & S_ISGID)
		s[6] = mode & S_IXGRP ? 's' : 'S';
	if (mode & S_ISVTX)
		s[9] = mode & S_IXOTH ? 't' : 'T';
	s[10] = 0;
}

static void time_string(const struct timespec *t, char *buf, size_t len)
{
	struct tm tm;
	time_t s = t->tv_sec;

	if (!gmtime_r(&s, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "%lld", (long long)t->tv_sec);
}

static json_object *json_time(const struct timespec *t)
{
	char buf[64], out[80];

	time_string(t, buf, sizeof(buf));
	snprintf(out, sizeof(out), "%s.%09ldZ", buf, t->tv_nsec);
	out[10] = 'T';
	return json_object_new_string(out);
}

static json_object *json_attr(const struct vx_attr *a)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ino", json_object_new_uint64(a->ino));
	json_object_object_add(o, "type", json_object_new_string(
				       type_word(a->mode)));
	json_object_object_add(o, "mode", json_object_new_int(
				       (int)(a->mode & 07777)));
	json_object_object_add(o, "nlink", json_object_new_int64(a->nlink));
	json_object_object_add(o, "uid", json_object_new_int64(a->uid));
	json_object_object_add(o, "gid", json_object_new_int64(a->gid));
	json_object_object_add(o, "size", json_object_new_uint64(a->size));
	json_object_object_add(o, "blocks", json_object_new_uint64(a->blocks));
	if (S_ISCHR(a->mode) || S_ISBLK(a->mode)) {
		json_object_object_add(o, "major", json_object_new_int64(
					       major(a->rdev)));
		json_object_object_add(o, "minor", json_object_new_int64(
					       minor(a->rdev)));
	}
	json_object_object_add(o, "generation",
			       json_object_new_int64(a->generation));
	json_object_object_add(o, "atime", json_time(&a->atime));
	json_object_object_add(o, "mtime", json_time(&a->mtime));
	json_object_object_add(o, "ctime", json_time(&a->ctime));
	json_object_object_add(o, "crtime", json_time(&a->crtime));
	return o;
}

static bool has_json(int *argc, char **argv)
{
	for (int i = 1; i < *argc; i++)
		if (!strcmp(argv[i], "--json")) {
			memmove(argv + i, argv + i + 1,
				(size_t)(*argc - i) * sizeof(*argv));
			(*argc)--;
			return true;
		}
	return false;
}

static int stat_checked(struct dbg *d, vx_ino_t ino, const char *what,
			struct vx_attr *a)
{
	int err = vx_stat(d->fs, dbg_tx(d), ino, a);

	return err ? dbg_fail(d, err, "%s", what) : 0;
}

/* @arg, a symlink with attributes @a, followed to what it names; a
 * symlink given as "<N>" has no directory to resolve its target from */
static int follow_arg(struct dbg *d, const char *arg, vx_ino_t *ino,
		      struct vx_attr *a)
{
	if (arg[0] == '<') {
		dbg_err(d, "%s is a symlink; name it by a path to follow it",
			arg);
		return DBG_FAIL;
	}
	if (dbg_lookup(d, arg, true, ino) || stat_checked(d, *ino, arg, a))
		return DBG_FAIL;
	return 0;
}

/* ---- cd, pwd ---- */

int cmd_cd(struct dbg *d, int argc, char **argv)
{
	struct vx_attr a;
	vx_ino_t ino;
	char *path;

	if (argc != 2) {
		dbg_usage(d, dbg_find_cmd("cd"));
		return DBG_FAIL;
	}
	if (dbg_inode_arg(d, argv[1], &ino))
		return DBG_FAIL;
	if (stat_checked(d, ino, argv[1], &a))
		return DBG_FAIL;
	if (S_ISLNK(a.mode) && follow_arg(d, argv[1], &ino, &a))
		return DBG_FAIL;
	if (!S_ISDIR(a.mode))
		return dbg_fail(d, -ENOTDIR, "%s", argv[1]);
	path = dbg_dir_path(d, ino);
	if (!path) {
		dbg_warn(d, "%s: not reachable from the root; the working "
			 "directory is shown by its inode", argv[1]);
		if (asprintf(&path, "<%llu>", (unsigned long long)ino) < 0)
			return dbg_fail(d, -ENOMEM, "%s", argv[1]);
	}
	free(d->cwd_path);
	d->cwd_path = path;
	d->cwd = ino;
	return 0;
}

int cmd_pwd(struct dbg *d, int argc, char **argv)
{
	if (argc != 1) {
		dbg_usage(d, dbg_find_cmd("pwd"));
		return DBG_FAIL;
	}
	printf("%s\n", d->cwd_path);
	return 0;
}

/* ---- ls ---- */

struct ls_opts {
	bool lng, self, all, json;
};

static void ls_line(struct dbg *d, const char *name, vx_ino_t ino,
		    const struct ls_opts *o, json_object *arr)
{
	struct vx_attr a;
	char mode[11], tbuf[64], target[4097];
	size_t tlen = 0;
	int err = o->lng || o->json ? vx_stat(d->fs, dbg_tx(d), ino, &a) : 0;

	if (err) {
		dbg_warn(d, "%s: inode %llu: %s", name, (unsigned long long)ino,
			 vx_strerror(err));
		return;
	}
	target[0] = 0;
	if ((o->lng || o->json) && S_ISLNK(a.mode))
		vx_readlink(d->fs, dbg_tx(d), ino, target, sizeof(target), &tlen);
	if (o->json) {
		json_object *j = json_attr(&a);

		json_object_object_add(j, "name", json_object_new_string(name));
		if (S_ISLNK(a.mode))
			json_object_object_add(j, "target",
					       json_object_new_string(target));
		json_object_array_add(arr, j);
		return;
	}
	if (!o->lng) {
		printf("%s\n", name);
		return;
	}
	mode_string(a.mode, mode);
	time_string(&a.mtime, tbuf, sizeof(tbuf));
	if (S_ISCHR(a.mode) || S_ISBLK(a.mode))
		printf("%8llu %s %3u %5u %5u %5u,%4u %s %s", (unsigned long long)ino,
		       mode, a.nlink, a.uid, a.gid, major(a.rdev), minor(a.rdev),
		       tbuf, name);
	else
		printf("%8llu %s %3u %5u %5u %10llu %s %s",
		       (unsigned long long)ino, mode, a.nlink, a.uid, a.gid,
		       (unsigned long long)a.size, tbuf, name);
	if (S_ISLNK(a.mode))
		printf(" -> %s", target);
	putchar('\n');
}

static int ls_one(struct dbg *d, const char *path, const struct ls_opts *o,
		  bool header, json_object *arr)
{
	struct vx_attr a;
	struct dlist l;
	vx_ino_t ino;
	int err;

	if (dbg_inode_arg(d, path, &ino) || stat_checked(d, ino, path, &a))
		return DBG_FAIL;
	if (!S_ISDIR(a.mode) || o->self) {
		ls_line(d, path, ino, o, arr);
		return 0;
	}
	err = list_dir(d, ino, o->all, &l);
	if (err)
		return dbg_fail(d, err, "%s", path);
	if (header)
		printf("%s:\n", path);
	for (size_t i = 0; i < l.n; i++)
		ls_line(d, l.v[i].name, l.v[i].ino, o, arr);
	dlist_free(&l);
	return 0;
}

int cmd_ls(struct dbg *d, int argc, char **argv)
{
	struct ls_opts o = { .json = has_json(&argc, argv) };
	json_object *arr = NULL;
	int c, ret = 0;

	while ((c = getopt(argc, argv, "lda")) != -1) {
		switch (c) {
		case 'l': o.lng = true; break;
		case 'd': o.self = true; break;
		case 'a': o.all = true; break;
		default:
			dbg_usage(d, dbg_find_cmd("ls"));
			return DBG_FAIL;
		}
	}
	if (o.json)
		arr = json_object_new_array();
	if (optind == argc)
		ret = ls_one(d, ".", &o, false, arr);
	for (int i = optind; i < argc; i++) {
		if (ls_one(d, argv[i], &o, argc - optind > 1 && !o.json, arr))
			ret = DBG_FAIL;
	}
	if (arr)
		dbg_json_print(arr);
	return ret;
}

/* ---- stat ---- */

/* the mapping of @ino as runs: call @fn for each mapped run */
typedef void (*run_fn)(void *ctx, uint64_t lblk, vx_blk_t pblk, uint64_t n);

static int walk_runs(struct dbg *d, vx_ino_t ino, const struct vx_attr *a,
		     run_fn fn, void *ctx)
{
	uint64_t bsize = dbg_bsize(d);
	uint64_t end = (a->size + bsize - 1) / bsize, run;
	vx_blk_t pblk;
	int err;

	if (S_ISLNK(a->mode) && a->blocks == 0)
		return 0;	/* an inline target */
	for (uint64_t l = 0; l < end; l += run) {
		err = vx_bmap(d->fs, dbg_tx(d), ino, l, &pblk, &run);
		if (err)
			return err;
		if (run > end - l)
			run = end - l;
		if (pblk)
			fn(ctx, l, pblk, run);
	}
	return 0;
}

static void print_run(void *ctx, uint64_t l, vx_blk_t p, uint64_t n)
{
	unsigned *count = ctx;

	printf("%s(%llu", (*count)++ % 4 ? " " : "\n  ", (unsigned long long)l);
	if (n > 1)
		printf("-%llu", (unsigned long long)(l + n - 1));
	printf("):%llu", (unsigned long long)p);
	if (n > 1)
		printf("-%llu", (unsigned long long)(p + n - 1));
}

static void json_run(void *ctx, uint64_t l, vx_blk_t p, uint64_t n)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "lblk", json_object_new_uint64(l));
	json_object_object_add(o, "pblk", json_object_new_uint64(p));
	json_object_object_add(o, "len", json_object_new_uint64(n));
	json_object_array_add(ctx, o);
}

static int stat_text(struct dbg *d, vx_ino_t ino, const struct vx_attr *a)
{
	char mode[11], t[4][64], target[4097];
	unsigned runs = 0;
	size_t tlen;
	int err;

	mode_string(a->mode, mode);
	time_string(&a->atime, t[0], sizeof(t[0]));
	time_string(&a->mtime, t[1], sizeof(t[1]));
	time_string(&a->ctime, t[2], sizeof(t[2]));
	time_string(&a->crtime, t[3], sizeof(t[3]));
	printf("Inode: %llu   Type: %s   Mode: %04o (%s)   Generation: %u\n",
	       (unsigned long long)ino, type_word(a->mode), a->mode & 07777,
	       mode, a->generation);
	printf("User: %5u   Group: %5u   Links: %u   Size: %llu   "
	       "Blocks: %llu\n", a->uid, a->gid, a->nlink,
	       (unsigned long long)a->size, (unsigned long long)a->blocks);
	if (S_ISCHR(a->mode) || S_ISBLK(a->mode))
		printf("Device: %u,%u\n", major(a->rdev), minor(a->rdev));
	printf(" atime: %s.%09ld\n mtime: %s.%09ld\n ctime: %s.%09ld\n"
	       "crtime: %s.%09ld\n", t[0], a->atime.tv_nsec, t[1],
	       a->mtime.tv_nsec, t[2], a->ctime.tv_nsec, t[3],
	       a->crtime.tv_nsec);
	if (S_ISLNK(a->mode)) {
		err = vx_readlink(d->fs, dbg_tx(d), ino, target,
				  sizeof(target), &tlen);
		if (err)
			return dbg_fail(d, err, "reading the target of inode "
					"%llu", (unsigned long long)ino);
		printf("Target: \"%s\"%s\n", target,
		       a->blocks ? "" : " (inline)");
		if (!a->blocks)
			return 0;
	}
	printf("Extents:");
	err = walk_runs(d, ino, a, print_run, &runs);
	printf("%s\n", runs ? "" : " (none)");
	return err ? dbg_fail(d, err, "mapping inode %llu",
			      (unsigned long long)ino) : 0;
}

int cmd_stat(struct dbg *d, int argc, char **argv)
{
	bool json = has_json(&argc, argv);
	json_object *arr = json ? json_object_new_array() : NULL;
	struct vx_attr a;
	vx_ino_t ino;
	int ret = 0;

	if (argc < 2) {
		json_object_put(arr);
		dbg_usage(d, dbg_find_cmd("stat"));
		return DBG_FAIL;
	}
	for (int i = 1; i < argc; i++) {
		if (dbg_inode_arg(d, argv[i], &ino) ||
		    stat_checked(d, ino, argv[i], &a)) {
			ret = DBG_FAIL;
			continue;
		}
		if (!json) {
			if (argc > 2)
				printf("%s%s:\n", i > 1 ? "\n" : "", argv[i]);
			if (stat_text(d, ino, &a))
				ret = DBG_FAIL;
			continue;
		}
		json_object *o = json_attr(&a), *ext = json_object_new_array();
		char target[4097];
		size_t tlen;

		json_object_object_add(o, "path", json_object_new_string(argv[i]));
		if (S_ISLNK(a.mode) && !vx_readlink(d->fs, dbg_tx(d), ino, target,
						    sizeof(target), &tlen))
			json_object_object_add(o, "target",
					       json_object_new_string(target));
		if (walk_runs(d, ino, &a, json_run, ext)) {
			dbg_err(d, "%s: cannot map its blocks", argv[i]);
			ret = DBG_FAIL;
		}
		json_object_object_add(o, "extents", ext);
		json_object_array_add(arr, o);
	}
	if (json)
		dbg_json_print(arr);
	return ret;
}

/* ---- cat, blocks, bmap ---- */

/* a regular file named by @arg (symlinks followed); anything else is
 * refused naming what it is */
static int regular_arg(struct dbg *d, const char *arg, vx_ino_t *ino,
		       struct vx_attr *a)
{
	if (dbg_inode_arg(d, arg, ino) || stat_checked(d, *ino, arg, a))
		return DBG_FAIL;
	if (S_ISLNK(a->mode) && follow_arg(d, arg, ino, a))
		return DBG_FAIL;
	if (S_ISDIR(a->mode))
		return dbg_fail(d, -EISDIR, "%s", arg);
	if (!S_ISREG(a->mode)) {
		dbg_err(d, "%s: a %s, not a regular file: it has no contents",
			arg, type_word(a->mode));
		return DBG_FAIL;
	}
	return 0;
}

int cmd_cat(struct dbg *d, int argc, char **argv)
{
	static char buf[1 << 16];
	struct vx_attr a;
	uint64_t off = 0;
	vx_ino_t ino;
	size_t got;
	int err;

	if (argc != 2) {
		dbg_usage(d, dbg_find_cmd("cat"));
		return DBG_FAIL;
	}
	if (regular_arg(d, argv[1], &ino, &a))
		return DBG_FAIL;
	fflush(stdout);
	for (;;) {
		err = vx_read(d->fs, dbg_tx(d), ino, off, buf, sizeof(buf), &got);
		if (err)
			return dbg_fail(d, err, "%s: reading at byte %llu",
					argv[1], (unsigned long long)off);
		if (!got)
			break;
		if (fwrite(buf, 1, got, stdout) != got) {
			dbg_err(d, "%s: writing to standard output: %s", argv[1],
				strerror(errno));
			return DBG_FAIL;
		}
		off += got;
	}
	return 0;
}

static void print_blocks(void *ctx, uint64_t l, vx_blk_t p, uint64_t n)
{
	bool *first = ctx;

	for (uint64_t i = 0; i < n; i++) {
		printf("%s%llu", *first ? "" : " ", (unsigned long long)(p + i));
		*first = false;
	}
}

int cmd_blocks(struct dbg *d, int argc, char **argv)
{
	struct vx_attr a;
	bool first = true;
	vx_ino_t ino;
	int err;

	if (argc != 2) {
		dbg_usage(d, dbg_find_cmd("blocks"));
		return DBG_FAIL;
	}
	if (dbg_inode_arg(d, argv[1], &ino) || stat_checked(d, ino, argv[1], &a))
		return DBG_FAIL;
	err = walk_runs(d, ino, &a, print_blocks, &first);
	if (!first)
		putchar('\n');
	return err ? dbg_fail(d, err, "%s", argv[1]) : 0;
}

int cmd_bmap(struct dbg *d, int argc, char **argv)
{
	unsigned long long lblk;
	struct vx_attr a;
	vx_blk_t pblk;
	uint64_t run;
	vx_ino_t ino;
	int err;

	if (argc != 3) {
		dbg_usage(d, dbg_find_cmd("bmap"));
		return DBG_FAIL;
	}
	if (dbg_number(argv[2], UINT64_MAX, &lblk)) {
		dbg_err(d, "%s: not a logical block number", argv[2]);
		return DBG_FAIL;
	}
	if (dbg_inode_arg(d, argv[1], &ino) ||
	    stat_checked(d, ino, argv[1], &a))
		return DBG_FAIL;
	if (S_ISLNK(a.mode) && a.blocks == 0) {
		dbg_err(d, "%s: a symlink whose target is kept in the inode "
			"has no blocks", argv[1]);
		return DBG_FAIL;
	}
	err = vx_bmap(d->fs, dbg_tx(d), ino, lblk, &pblk, &run);
	if (err)
		return dbg_fail(d, err, "%s: logical block %llu", argv[1], lblk);
	printf("%llu\n", (unsigned long long)pblk);
	return 0;
}

/* ---- find ---- */

struct find {
	struct dbg *d;
	int type;			/* S_IF* or 0 */
	const char *name;		/* glob or NULL */
	vx_ino_t *seen;			/* directories entered */
	size_t nseen, cseen;
	int err;
};

static bool entered(struct find *f, vx_ino_t dir)
{
	for (size_t i = 0; i < f->nseen; i++)
		if (f->seen[i] == dir)
			return true;
	if (f->nseen == f->cseen) {
		size_t cap = f->cseen ? f->cseen * 2 : 64;
		vx_ino_t *v = realloc(f->seen, cap * sizeof(*v));

		if (!v)
			return true;
		f->seen = v;
		f->cseen = cap;
	}
	f->seen[f->nseen++] = dir;
	return false;
}

static void find_match(struct find *f, const char *path, const char *base,
		       uint32_t mode)
{
	if (f->type && (mode & S_IFMT) != (uint32_t)f->type)
		return;
	if (f->name && fnmatch(f->name, base, 0))
		return;
	printf("%s\n", path);
}

static void find_walk(struct find *f, const char *path, vx_ino_t dir,
		      unsigned depth)
{
	struct dlist l;
	struct vx_attr a;
	int err;

	if (depth > 4096 || entered(f, dir)) {
		dbg_warn(f->d, "%s: directory met twice (a loop in a damaged "
			 "image); not entered again", path);
		f->err = DBG_FAIL;
		return;
	}
	err = list_dir(f->d, dir, false, &l);
	if (err) {
		dbg_fail(f->d, err, "%s", path);
		f->err = DBG_FAIL;
		return;
	}
	for (size_t i = 0; i < l.n; i++) {
		char *sub;

		if (asprintf(&sub, "%s%s%s", path, strcmp(path, "/") ? "/" : "",
			     l.v[i].name) < 0)
			break;
		err = vx_stat(f->d->fs, dbg_tx(f->d), l.v[i].ino, &a);
		if (err) {
			dbg_fail(f->d, err, "%s", sub);
			f->err = DBG_FAIL;
		} else {
			find_match(f, sub, l.v[i].name, a.mode);
			if (S_ISDIR(a.mode))
				find_walk(f, sub, l.v[i].ino, depth + 1);
		}
		free(sub);
	}
	dlist_free(&l);
}

static int find_type(const char *s)
{
	static const char letters[] = "fdlcbps";
	static const int types[] = { S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR,
				     S_IFBLK, S_IFIFO, S_IFSOCK };
	const char *p = s[0] && !s[1] ? strchr(letters, s[0]) : NULL;

	return p ? types[p - letters] : 0;
}

int cmd_find(struct dbg *d, int argc, char **argv)
{
	struct find f = { .d = d };
	char dot[] = ".", *path = dot, *base;
	bool have_path = false;
	struct vx_attr a;
	vx_ino_t ino;
	size_t n;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-type") && i + 1 < argc) {
			f.type = find_type(argv[++i]);
			if (!f.type) {
				dbg_err(d, "-type %s: not one of f d l c b p s",
					argv[i]);
				return DBG_FAIL;
			}
		} else if (!strcmp(argv[i], "-name") && i + 1 < argc) {
			f.name = argv[++i];
		} else if (argv[i][0] != '-' && !have_path) {
			path = argv[i];	/* find PATH EXPR and find EXPR PATH */
			have_path = true;
		} else {
			dbg_usage(d, dbg_find_cmd("find"));
			return DBG_FAIL;
		}
	}
	if (dbg_inode_arg(d, path, &ino) || stat_checked(d, ino, path, &a))
		return DBG_FAIL;
	/* "/x/" is shown as "/x": its entries are "/x/NAME", not "/x//NAME" */
	for (n = strlen(path); n > 1 && path[n - 1] == '/'; )
		path[--n] = 0;
	base = strrchr(path, '/');
	base = base && path[1] ? base + 1 : path;
	find_match(&f, path, base, a.mode);
	if (S_ISDIR(a.mode))
		find_walk(&f, path, ino, 0);
	free(f.seen);
	return f.err;
}
