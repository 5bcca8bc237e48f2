/*
 * vxtree.c: test helper that reads a VexFS image through the public API.
 *
 * Like git's test-tool: shell tests call it to look inside an image with
 * no private knowledge.  It includes only <vexfs/vexfs.h> and opens every
 * image read-only (VX_OPEN_RDONLY).
 *
 *   vxtree super IMG            superblock fields, "name: value" per line
 *   vxtree ls IMG [PATH]        recursive listing, one object per line:
 *                               TYPE MODE UID GID NLINK SIZE MTIME PATH
 *                               [-> TARGET], sorted by path (byte order)
 *   vxtree stat IMG PATH        attributes of one object, "name: value"
 *   vxtree cat IMG PATH         contents of a file (symlinks followed)
 *   vxtree compare IMG HOSTDIR  compare the image with a host tree
 *
 * TYPE is one of reg dir lnk chr blk fifo sock; MODE the permission bits
 * in octal (4 digits); MTIME seconds.nanoseconds.  compare checks, for
 * every path: type, permission bits, uid, gid, size (not of
 * directories), nlink, mtime, rdev of devices, symlink targets, file
 * contents, sparse layout, hard-link structure and the names of every
 * directory both ways; atime, ctime and crtime are not compared (a host
 * cannot set ctime, and reading updates atime).  The root is compared
 * with HOSTDIR itself; a lost+found only in the image is ignored.  One
 * line per difference, "PATH: what: image X host Y", then
 * "N objects compared, M differences" (N counts paths in both trees).
 *
 * Exit codes: 0 success (compare: no difference), 1 compare found
 * differences, 2 usage error or any failure (the message names the image
 * or object and gives vx_strerror()).
 *
 * Design: names are printed escaped, bytes outside printable ASCII and
 * the backslash as \xNN, so that one object is always one line.  super,
 * ls, stat and cat accept an incomplete image (VX_OPEN_INCOMPLETE; super
 * says so in its state line); compare refuses one: a half-written image
 * is never a successful round trip.  compare walks both trees at once,
 * directory by directory, merging the two sorted name lists; the host
 * side uses *at() calls on directory descriptors, so depth is not bounded
 * by PATH_MAX.
 * File contents are compared chunk by chunk over the host's data ranges
 * (SEEK_DATA/SEEK_HOLE); over the host's holes the image must read zero
 * and must not map any block lying wholly inside the hole.  Hard-link
 * structure is checked at the end from the (host inode, image inode)
 * pairs of every non-directory, sorted one way and then the other.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include <vexfs/vexfs.h>

#define CHUNK		(1u << 20)
#define EXIT_DIFF	1
#define EXIT_FAIL	2

/* ---- small utilities ---- */

/* escape @len bytes of @s into a new string (see the design note) */
static char *esc(const char *s, size_t len)
{
	char *out = malloc(len * 4 + 1), *p = out;

	if (!out) {
		perror("vxtree");
		exit(EXIT_FAIL);
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c > 0x20 && c < 0x7f && c != '\\')
			*p++ = (char)c;
		else if (c == ' ')
			*p++ = ' ';
		else
			p += sprintf(p, "\\x%02x", c);
	}
	*p = 0;
	return out;
}

static void put_esc(const char *s, size_t len)
{
	char *e = esc(s, len);

	fputs(e, stdout);
	free(e);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		perror("vxtree");
		exit(EXIT_FAIL);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		perror("vxtree");
		exit(EXIT_FAIL);
	}
	return d;
}

/* "/" + name or dir + "/" + name */
static char *join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	bool slash = !(dl && dir[dl - 1] == '/');
	char *p = xrealloc(NULL, dl + nl + 2);

	memcpy(p, dir, dl);
	if (slash)
		p[dl++] = '/';
	memcpy(p + dl, name, nl + 1);
	return p;
}

static const char *type_name(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "reg";
	case S_IFDIR: return "dir";
	case S_IFLNK: return "lnk";
	case S_IFCHR: return "chr";
	case S_IFBLK: return "blk";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "sock";
	default: return "unknown";
	}
}

static const char *ftype_name(unsigned t)
{
	static const char *const names[] = {
		[VX_FT_UNKNOWN] = "unknown", [VX_FT_REG] = "reg",
		[VX_FT_DIR] = "dir", [VX_FT_CHR] = "chr", [VX_FT_BLK] = "blk",
		[VX_FT_FIFO] = "fifo", [VX_FT_SOCK] = "sock",
		[VX_FT_LNK] = "lnk",
	};

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "invalid";
}

static void errmsg(const char *img, const char *path, const char *what,
		   int err)
{
	fprintf(stderr, "vxtree: %s", img);
	if (path) {
		char *e = esc(path, strlen(path));

		fprintf(stderr, ":%s", e);
		free(e);
	}
	fprintf(stderr, ": %s: %s\n", what, vx_strerror(err));
}

/* the target of symlink @ino in a new buffer; *@len its length */
static int read_target(struct vx_fs *fs, vx_ino_t ino, char **out,
		       size_t *len)
{
	size_t size = 256;
	char *buf = NULL;
	int err;

	for (;;) {
		buf = xrealloc(buf, size);
		err = vx_readlink(fs, NULL, ino, buf, size, len);
		if (err || *len < size)
			break;
		size = *len + 1;
	}
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	return 0;
}

/* ---- image directories ---- */

struct dent {
	char *name;
	vx_ino_t ino;
	unsigned type;
};

struct dlist {
	struct dent *v;
	size_t n, cap;
};

static void dlist_add(struct dlist *l, const char *name, vx_ino_t ino,
		      unsigned type)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n].name = xstrdup(name);
	l->v[l->n].ino = ino;
	l->v[l->n].type = type;
	l->n++;
}

static void dlist_free(struct dlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static int dent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dent *)a)->name,
		      ((const struct dent *)b)->name);
}

static int collect_dent(void *ctx, const char *name, size_t namelen,
			vx_ino_t ino, unsigned type)
{
	char buf[VX_NAME_MAX + 1];

	if (namelen > VX_NAME_MAX || memchr(name, 0, namelen))
		return VX_ECORRUPT;
	memcpy(buf, name, namelen);
	buf[namelen] = 0;
	if (!strcmp(buf, ".") || !strcmp(buf, ".."))
		return 0;
	dlist_add(ctx, buf, ino, type);
	return 0;
}

/* the entries of image directory @dir but "." and "..", sorted by name */
static int read_image_dir(struct vx_fs *fs, vx_ino_t dir, struct dlist *l)
{
	int err = vx_readdir(fs, NULL, dir, collect_dent, l);

	if (err) {
		dlist_free(l);
		return err;
	}
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), dent_cmp);
	return 0;
}

/* ---- super ---- */

static void print_state(unsigned state)
{
	fputs("state: ", stdout);
	fputs(state & VX_STATE_CLEAN ? "clean" : "not clean", stdout);
	if (state & VX_STATE_ERRORS)
		fputs(" errors", stdout);
	if (state & VX_STATE_INCOMPLETE)
		fputs(" incomplete", stdout);
	state &= ~(unsigned)(VX_STATE_CLEAN | VX_STATE_ERRORS |
			     VX_STATE_INCOMPLETE);
	if (state)
		printf(" 0x%x", state);
	putchar('\n');
}

static void print_features(const struct vx_super *sb)
{
	uint32_t inc = sb->feature_incompat;
	int n = 0;

	fputs("features:", stdout);
	if (inc & VX_FEATURE_INCOMPAT_JOURNAL) {
		fputs(" journal", stdout);
		inc &= ~VX_FEATURE_INCOMPAT_JOURNAL;
		n++;
	}
	if (sb->feature_compat)
		n += printf(" compat:0x%x", sb->feature_compat) > 0;
	if (inc)
		n += printf(" incompat:0x%x", inc) > 0;
	if (sb->feature_ro_compat)
		n += printf(" ro_compat:0x%x", sb->feature_ro_compat) > 0;
	if (!n)
		fputs(" none", stdout);
	putchar('\n');
}

static int cmd_super(struct vx_fs *fs, const char *img, int argc, char **argv)
{
	const struct vx_super *sb = vx_fs_super(fs);
	char uuid[37];

	uuid_unparse(sb->hdr.uuid, uuid);
	printf("version: %" PRIu32 "\n", sb->version);
	printf("block_size: %u\n", 1u << sb->block_log);
	printf("block_count: %" PRIu64 "\n", sb->block_count);
	printf("group_count: %" PRIu32 "\n", sb->group_count);
	printf("group_blocks: %" PRIu32 "\n", sb->group_blocks);
	printf("inodes_per_group: %" PRIu32 "\n", sb->inodes_per_group);
	printf("inode_count: %" PRIu64 "\n",
	       (uint64_t)sb->inodes_per_group * sb->group_count);
	printf("inode_size: %u\n", sb->inode_size);
	printf("free_blocks: %" PRIu64 "\n", sb->free_blocks);
	printf("free_inodes: %" PRIu64 "\n", sb->free_inodes);
	printf("root_ino: %" PRIu64 "\n", sb->root_ino);
	printf("lost_found_ino: %" PRIu64 "\n", sb->lost_found_ino);
	printf("journal_start: %" PRIu64 "\n", sb->journal_start);
	printf("journal_blocks: %" PRIu64 "\n", sb->journal_blocks);
	printf("uuid: %s\n", uuid);
	fputs("label: ", stdout);
	put_esc(sb->label, strlen(sb->label));
	putchar('\n');
	print_state(sb->state);
	print_features(sb);
	printf("mkfs_time: %" PRIu64 "\n", sb->mkfs_time);
	printf("mount_count: %" PRIu32 "\n", sb->mount_count);
	printf("error_count: %" PRIu32 "\n", sb->error_count);
	fputs("creator: ", stdout);
	put_esc(sb->creator, strlen(sb->creator));
	putchar('\n');
	return 0;
}

/* ---- ls ---- */

struct ls_line {
	char *path;
	char *text;	/* everything but the path and the target */
	char *target;	/* escaped, or NULL */
};

struct ls_ctx {
	struct vx_fs *fs;
	const char *img;
	struct ls_line *v;
	size_t n, cap;
};

static int ls_add(struct ls_ctx *c, const char *path, vx_ino_t ino)
{
	struct vx_attr a;
	struct ls_line *l;
	char *t;
	size_t tlen;
	int err = vx_stat(c->fs, NULL, ino, &a);

	if (err) {
		errmsg(c->img, path, "stat", err);
		return err;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	l = &c->v[c->n++];
	l->path = xstrdup(path);
	l->target = NULL;
	if (asprintf(&l->text, "%s %04o %u %u %u %" PRIu64 " %lld.%09ld",
		     type_name(a.mode), a.mode & 07777, a.uid, a.gid, a.nlink,
		     a.size, (long long)a.mtime.tv_sec, a.mtime.tv_nsec) < 0)
		exit(EXIT_FAIL);
	if (S_ISLNK(a.mode)) {
		err = read_target(c->fs, ino, &t, &tlen);
		if (err) {
			errmsg(c->img, path, "readlink", err);
			return err;
		}
		l->target = esc(t, tlen);
		free(t);
	}
	return 0;
}

static int ls_walk(struct ls_ctx *c, const char *path, vx_ino_t ino,
		   bool dir)
{
	struct dlist l = { 0 };
	int err = ls_add(c, path, ino);

	if (err || !dir)
		return err;
	err = read_image_dir(c->fs, ino, &l);
	if (err) {
		errmsg(c->img, path, "readdir", err);
		return err;
	}
	for (size_t i = 0; i < l.n && !err; i++) {
		char *child = join(path, l.v[i].name);

		err = ls_walk(c, child, l.v[i].ino, l.v[i].type == VX_FT_DIR);
		free(child);
	}
	dlist_free(&l);
	return err;
}

static int ls_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ls_line *)a)->path,
		      ((const struct ls_line *)b)->path);
}

static int cmd_ls(struct vx_fs *fs, const char *img, int argc, char **argv)
{
	struct ls_ctx c = { .fs = fs, .img = img };
	const char *path = argc ? argv[0] : "/";
	struct vx_attr a;
	vx_ino_t ino;
	int err;

	err = vx_lookup_path(fs, NULL, vx_fs_super(fs)->root_ino, path, 0, &ino);
	if (!err)
		err = vx_stat(fs, NULL, ino, &a);
	if (err) {
		errmsg(img, path, "lookup", err);
		return EXIT_FAIL;
	}
	err = ls_walk(&c, path, ino, S_ISDIR(a.mode));
	if (c.n)
		qsort(c.v, c.n, sizeof(*c.v), ls_cmp);
	for (size_t i = 0; i < c.n; i++) {
		if (!err) {
			printf("%s ", c.v[i].text);
			put_esc(c.v[i].path, strlen(c.v[i].path));
			if (c.v[i].target)
				printf(" -> %s", c.v[i].target);
			putchar('\n');
		}
		free(c.v[i].path);
		free(c.v[i].text);
		free(c.v[i].target);
	}
	free(c.v);
	return err ? EXIT_FAIL : 0;
}

/* ---- stat and cat ---- */

static void print_time(const char *name, const struct timespec *ts)
{
	printf("%s: %lld.%09ld\n", name, (long long)ts->tv_sec, ts->tv_nsec);
}

static int cmd_stat(struct vx_fs *fs, const char *img, int argc, char **argv)
{
	struct vx_attr a;
	vx_ino_t ino;
	char *t;
	size_t tlen;
	int err;

	err = vx_lookup_path(fs, NULL, vx_fs_super(fs)->root_ino, argv[0], 0, &ino);
	if (!err)
		err = vx_stat(fs, NULL, ino, &a);
	if (err) {
		errmsg(img, argv[0], "stat", err);
		return EXIT_FAIL;
	}
	fputs("path: ", stdout);
	put_esc(argv[0], strlen(argv[0]));
	printf("\nino: %" PRIu64 "\ntype: %s\nmode: %04o\n", a.ino,
	       type_name(a.mode), a.mode & 07777);
	printf("uid: %u\ngid: %u\nnlink: %u\n", a.uid, a.gid, a.nlink);
	printf("size: %" PRIu64 "\nblocks: %" PRIu64 "\n", a.size, a.blocks);
	printf("rdev: %u:%u\n", major(a.rdev), minor(a.rdev));
	printf("generation: %u\n", a.generation);
	print_time("atime", &a.atime);
	print_time("mtime", &a.mtime);
	print_time("ctime", &a.ctime);
	print_time("crtime", &a.crtime);
	if (S_ISLNK(a.mode)) {
		err = read_target(fs, ino, &t, &tlen);
		if (err) {
			errmsg(img, argv[0], "readlink", err);
			return EXIT_FAIL;
		}
		fputs("target: ", stdout);
		put_esc(t, tlen);
		putchar('\n');
		free(t);
	}
	return 0;
}

static int cmd_cat(struct vx_fs *fs, const char *img, int argc, char **argv)
{
	unsigned char *buf = xrealloc(NULL, CHUNK);
	uint64_t off = 0;
	struct vx_attr a;
	vx_ino_t ino;
	size_t done;
	int err;

	err = vx_lookup_path(fs, NULL, vx_fs_super(fs)->root_ino, argv[0],
			     VX_LOOKUP_FOLLOW, &ino);
	if (!err)
		err = vx_stat(fs, NULL, ino, &a);
	if (!err && S_ISDIR(a.mode))
		err = -EISDIR;
	while (!err && off < a.size) {
		err = vx_read(fs, NULL, ino, off, buf, CHUNK, &done);
		if (!err && !done)
			err = VX_ECORRUPT;	/* short of the size */
		if (!err && fwrite(buf, 1, done, stdout) != done)
			err = -errno;
		off += done;
	}
	free(buf);
	if (err) {
		errmsg(img, argv[0], "cat", err);
		return EXIT_FAIL;
	}
	return 0;
}

/* ---- compare ---- */

struct pair {			/* one non-directory path seen in both trees */
	dev_t hdev;
	ino_t hino;
	vx_ino_t vino;
	char *path;
};

struct cmp_ctx {
	struct vx_fs *fs;
	const char *img, *host;
	uint64_t bsize;
	unsigned long objects, diffs;
	struct pair *pairs;
	size_t npairs, cap;
	unsigned char *hbuf, *vbuf;
};

struct fcmp {			/* one regular file being compared */
	struct cmp_ctx *c;
	const char *path;
	int fd;
	vx_ino_t ino;
	uint64_t size;		/* the smaller of the two sizes */
	bool content_diff;
	uint64_t sparse_blocks, sparse_first;
};

/* one difference: the escaped PATH, ": ", then the formatted rest */
static void report(struct cmp_ctx *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void report(struct cmp_ctx *c, const char *path, const char *fmt, ...)
{
	va_list ap;

	put_esc(path, strlen(path));
	fputs(": ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	c->diffs++;
}

/* a failure (not a difference): message on stderr, error code back */
static int fail(const char *where, const char *path, const char *what,
		int err)
{
	errmsg(where, path, what, err);
	return err ? err : -EIO;
}

static void add_pair(struct cmp_ctx *c, const struct stat *st,
		     vx_ino_t vino, const char *path)
{
	if (c->npairs == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->pairs = xrealloc(c->pairs, c->cap * sizeof(*c->pairs));
	}
	c->pairs[c->npairs++] = (struct pair){ st->st_dev, st->st_ino, vino,
					       xstrdup(path) };
}

struct nlist {
	char **v;
	size_t n, cap;
};

static void nlist_free(struct nlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* names in host directory @fd but "." and "..", sorted; 0 or -errno */
static int read_host_dir(int fd, struct nlist *l)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), err;
	struct dirent *e;
	DIR *d;

	if (dfd < 0 || !(d = fdopendir(dfd))) {
		err = -errno;
		if (dfd >= 0)
			close(dfd);
		return err;
	}
	for (errno = 0; (e = readdir(d)); errno = 0) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 64;
			l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
		}
		l->v[l->n++] = xstrdup(e->d_name);
	}
	err = -errno;
	closedir(d);
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), name_cmp);
	return err;
}

/* type, permissions, owner, size, links, mtime, rdev; false when the
 * types differ (nothing more to compare then) */
static bool compare_attrs(struct cmp_ctx *c, const char *path,
			  const struct vx_attr *a, const struct stat *st,
			  unsigned extra_links)
{
	unsigned ht = st->st_mode & S_IFMT;

	if ((a->mode & S_IFMT) != ht) {
		report(c, path, "type: image %s host %s", type_name(a->mode),
		       type_name(st->st_mode));
		return false;
	}
	if ((a->mode & 07777) != (st->st_mode & 07777))
		report(c, path, "mode: image %04o host %04o", a->mode & 07777,
		       st->st_mode & 07777);
	if (a->uid != st->st_uid)
		report(c, path, "uid: image %u host %u", a->uid, st->st_uid);
	if (a->gid != st->st_gid)
		report(c, path, "gid: image %u host %u", a->gid, st->st_gid);
	if (ht != S_IFDIR && a->size != (uint64_t)st->st_size)
		report(c, path, "size: image %" PRIu64 " host %lld", a->size,
		       (long long)st->st_size);
	/* a host directory with nlink 1 does not count its links */
	if (!(ht == S_IFDIR && st->st_nlink == 1) &&
	    a->nlink != st->st_nlink + extra_links)
		report(c, path, "nlink: image %u host %lu", a->nlink,
		       (unsigned long)st->st_nlink + extra_links);
	if (a->mtime.tv_sec != st->st_mtim.tv_sec ||
	    a->mtime.tv_nsec != st->st_mtim.tv_nsec)
		report(c, path, "mtime: image %lld.%09ld host %lld.%09ld",
		       (long long)a->mtime.tv_sec, a->mtime.tv_nsec,
		       (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	if ((ht == S_IFCHR || ht == S_IFBLK) && a->rdev != st->st_rdev)
		report(c, path, "rdev: image %u:%u host %u:%u",
		       major(a->rdev), minor(a->rdev), major(st->st_rdev),
		       minor(st->st_rdev));
	return true;
}

static int compare_link(struct cmp_ctx *c, int hfd, const struct dent *d,
			const struct stat *st, const char *path)
{
	size_t hsize = (size_t)st->st_size + 2, vlen;
	char *ht = xrealloc(NULL, hsize), *vt, *e1, *e2;
	ssize_t hlen = readlinkat(hfd, d->name, ht, hsize);
	int err;

	if (hlen < 0 || (size_t)hlen >= hsize) {
		free(ht);
		return fail(c->host, path, "readlink", hlen < 0 ? -errno :
			    -EOVERFLOW);
	}
	err = read_target(c->fs, d->ino, &vt, &vlen);
	if (err) {
		free(ht);
		return fail(c->img, path, "readlink", err);
	}
	if (vlen != (size_t)hlen || memcmp(vt, ht, vlen)) {
		e1 = esc(vt, vlen);
		e2 = esc(ht, (size_t)hlen);
		report(c, path, "target: image '%s' host '%s'", e1, e2);
		free(e1);
		free(e2);
	}
	free(vt);
	free(ht);
	return 0;
}

/* @n bytes at @off of the host file and of the image file */
static int read_both(struct fcmp *f, uint64_t off, size_t n, bool host)
{
	size_t got, done;
	ssize_t r;
	int err;

	for (got = 0; host && got < n; got += (size_t)r) {
		r = pread(f->fd, f->c->hbuf + got, n - got, (off_t)(off + got));
		if (r <= 0)
			return fail(f->c->host, f->path, "read",
				    r < 0 ? -errno : -EIO);
	}
	for (got = 0; got < n; got += done) {
		err = vx_read(f->c->fs, NULL, f->ino, off + got, f->c->vbuf + got,
			      n - got, &done);
		if (!err && !done)
			err = VX_ECORRUPT;	/* short of the size */
		if (err)
			return fail(f->c->img, f->path, "read", err);
	}
	return 0;
}

/* compare [@a, @b) of the image with the host buffer (zero for holes) */
static int cmp_range(struct fcmp *f, uint64_t a, uint64_t b, bool host)
{
	struct cmp_ctx *c = f->c;
	int err;

	if (!host)
		memset(c->hbuf, 0, CHUNK);
	while (a < b && !f->content_diff) {
		size_t n = b - a < CHUNK ? (size_t)(b - a) : CHUNK, i = 0;

		err = read_both(f, a, n, host);
		if (err)
			return err;
		if (memcmp(c->vbuf, c->hbuf, n)) {
			while (c->vbuf[i] == c->hbuf[i])
				i++;
			report(c, f->path, "content at offset %" PRIu64
			       ": image 0x%02x host 0x%02x", a + i,
			       c->vbuf[i], c->hbuf[i]);
			f->content_diff = true;
		}
		a += n;
	}
	return 0;
}

/* host hole [@a, @b): image blocks wholly inside must be holes, and the
 * image must read zero over all of it */
static int cmp_hole(struct fcmp *f, uint64_t a, uint64_t b)
{
	uint64_t bs = f->c->bsize, lblk = a / bs, last = (b + bs - 1) / bs;
	uint64_t kfirst = (a + bs - 1) / bs, kend = b >= f->size ? last : b / bs;
	vx_blk_t pblk;
	uint64_t run, s, e;
	int err;

	while (lblk < last) {
		err = vx_bmap(f->c->fs, NULL, f->ino, lblk, &pblk, &run);
		if (!err && !run)
			err = VX_ECORRUPT;
		if (err)
			return fail(f->c->img, f->path, "bmap", err);
		if (run > last - lblk)
			run = last - lblk;
		if (pblk) {
			s = lblk > kfirst ? lblk : kfirst;
			e = lblk + run < kend ? lblk + run : kend;
			if (s < e && !f->sparse_blocks)
				f->sparse_first = s;
			if (s < e)
				f->sparse_blocks += e - s;
			s = lblk * bs > a ? lblk * bs : a;
			e = (lblk + run) * bs < b ? (lblk + run) * bs : b;
			err = cmp_range(f, s, e, false);
			if (err)
				return err;
		}
		lblk += run;
	}
	return 0;
}

/* contents over the host's data ranges, layout over its holes */
static int compare_file(struct cmp_ctx *c, int hfd, const struct dent *d,
			const struct vx_attr *a, const struct stat *st,
			const char *path)
{
	struct fcmp f = { .c = c, .path = path, .ino = d->ino };
	uint64_t off = 0, end;
	off_t pos;
	int err = 0;

	f.size = a->size < (uint64_t)st->st_size ? a->size :
						    (uint64_t)st->st_size;
	f.fd = openat(hfd, d->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (f.fd < 0)
		return fail(c->host, path, "open", -errno);
	while (!err && off < f.size) {
		pos = lseek(f.fd, (off_t)off, SEEK_DATA);
		if (pos < 0 && errno != ENXIO) {
			err = fail(c->host, path, "seek", -errno);
		} else if (pos < 0 || (uint64_t)pos > off) {
			end = pos < 0 || (uint64_t)pos > f.size ? f.size :
								 (uint64_t)pos;
			err = cmp_hole(&f, off, end);
			off = end;
		} else {
			pos = lseek(f.fd, (off_t)off, SEEK_HOLE);
			if (pos < 0)
				return fail(c->host, path, "seek", -errno);
			end = (uint64_t)pos > f.size || (uint64_t)pos <= off ?
			      f.size : (uint64_t)pos;
			err = cmp_range(&f, off, end, true);
			off = end;
		}
	}
	close(f.fd);
	if (!err && f.sparse_blocks)
		report(c, path, "sparse: image maps %" PRIu64 " blocks (first"
		       " lblk %" PRIu64 ") host holes", f.sparse_blocks,
		       f.sparse_first);
	return err;
}

static int compare_dir(struct cmp_ctx *c, int hfd, vx_ino_t ino,
		       const char *path, bool root);

static int compare_entry(struct cmp_ctx *c, int hfd, const struct dent *d,
			 const char *path)
{
	struct vx_attr a;
	struct stat st;
	int err, fd;

	if (fstatat(hfd, d->name, &st, AT_SYMLINK_NOFOLLOW))
		return fail(c->host, path, "stat", -errno);
	err = vx_stat(c->fs, NULL, d->ino, &a);
	if (err)
		return fail(c->img, path, "stat", err);
	c->objects++;
	/* the directory entry's type must agree with the inode's */
	if ((a.mode & S_IFMT) == (st.st_mode & S_IFMT) &&
	    d->type != vx_ftype_of_mode(st.st_mode))
		report(c, path, "entry type: image %s host %s",
		       ftype_name(d->type), type_name(st.st_mode));
	if (!compare_attrs(c, path, &a, &st, 0))
		return 0;
	if (!S_ISDIR(st.st_mode))
		add_pair(c, &st, d->ino, path);
	if (S_ISREG(st.st_mode))
		return compare_file(c, hfd, d, &a, &st, path);
	if (S_ISLNK(st.st_mode))
		return compare_link(c, hfd, d, &st, path);
	if (!S_ISDIR(st.st_mode))
		return 0;
	fd = openat(hfd, d->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0)
		return fail(c->host, path, "open", -errno);
	err = compare_dir(c, fd, d->ino, path, false);
	close(fd);
	return err;
}

/* merge the sorted name lists of one directory */
static int compare_dir(struct cmp_ctx *c, int hfd, vx_ino_t ino,
		       const char *path, bool root)
{
	struct nlist h = { 0 };
	struct dlist v = { 0 };
	size_t i = 0, j = 0;
	int err, r;

	err = read_host_dir(hfd, &h);
	if (err) {
		nlist_free(&h);
		return fail(c->host, path, "readdir", err);
	}
	err = read_image_dir(c->fs, ino, &v);
	if (err) {
		nlist_free(&h);
		return fail(c->img, path, "readdir", err);
	}
	while (!err && (i < h.n || j < v.n)) {
		r = i == h.n ? 1 : j == v.n ? -1 : strcmp(h.v[i], v.v[j].name);
		char *child = join(path, r <= 0 ? h.v[i] : v.v[j].name);

		if (r < 0)
			report(c, child, "presence: image missing host present");
		else if (r > 0 && !(root && !strcmp(v.v[j].name, "lost+found")))
			report(c, child, "presence: image present host missing");
		else if (!r)
			err = compare_entry(c, hfd, &v.v[j], child);
		for (; r >= 0 && j + 1 < v.n &&
		       !strcmp(v.v[j].name, v.v[j + 1].name); j++)
			report(c, child, "readdir: image lists the name again"
			       " host once");
		free(child);
		i += r <= 0;
		j += r >= 0;
	}
	nlist_free(&h);
	dlist_free(&v);
	return err;
}

static int pair_host_cmp(const void *pa, const void *pb)
{
	const struct pair *a = pa, *b = pb;

	if (a->hdev != b->hdev)
		return a->hdev < b->hdev ? -1 : 1;
	if (a->hino != b->hino)
		return a->hino < b->hino ? -1 : 1;
	return strcmp(a->path, b->path);
}

static int pair_img_cmp(const void *pa, const void *pb)
{
	const struct pair *a = pa, *b = pb;

	if (a->vino != b->vino)
		return a->vino < b->vino ? -1 : 1;
	return strcmp(a->path, b->path);
}

/* paths sharing a host inode share an image inode, and the reverse */
static void check_links(struct cmp_ctx *c)
{
	struct pair *v = c->pairs, *g;
	char *e;

	if (c->npairs)
		qsort(v, c->npairs, sizeof(*v), pair_host_cmp);
	for (size_t i = 1, s = 0; i < c->npairs; i++) {
		g = &v[s];
		if (v[i].hdev != g->hdev || v[i].hino != g->hino) {
			s = i;
		} else if (v[i].vino != g->vino) {
			e = esc(g->path, strlen(g->path));
			report(c, v[i].path, "hard link: image inode %" PRIu64
			       " host same inode as %s (image inode %" PRIu64
			       ")", v[i].vino, e, g->vino);
			free(e);
		}
	}
	if (c->npairs)
		qsort(v, c->npairs, sizeof(*v), pair_img_cmp);
	for (size_t i = 1, s = 0; i < c->npairs; i++) {
		g = &v[s];
		if (v[i].vino != g->vino) {
			s = i;
		} else if (v[i].hdev != g->hdev || v[i].hino != g->hino) {
			e = esc(g->path, strlen(g->path));
			report(c, v[i].path, "hard link: image same inode as"
			       " %s host another inode", e);
			free(e);
		}
	}
}

/* the root against HOSTDIR itself, then everything below */
static int compare_root(struct cmp_ctx *c, int hfd)
{
	vx_ino_t root = vx_fs_super(c->fs)->root_ino, lf;
	struct vx_attr a, la;
	struct stat st, lst;
	unsigned extra = 0;
	int err;

	if (fstat(hfd, &st))
		return fail(c->host, NULL, "stat", -errno);
	err = vx_stat(c->fs, NULL, root, &a);
	if (err)
		return fail(c->img, "/", "stat", err);
	/* an image-only lost+found is ignored, and so is its ".." link */
	if (!vx_lookup(c->fs, NULL, root, "lost+found", &lf) &&
	    !vx_stat(c->fs, NULL, lf, &la) && S_ISDIR(la.mode) &&
	    fstatat(hfd, "lost+found", &lst, AT_SYMLINK_NOFOLLOW) &&
	    errno == ENOENT)
		extra = 1;
	c->objects++;
	if (!compare_attrs(c, "/", &a, &st, extra) || !S_ISDIR(a.mode))
		return 0;
	return compare_dir(c, hfd, root, "/", true);
}

static int cmd_compare(struct vx_fs *fs, const char *img, int argc,
		       char **argv)
{
	struct cmp_ctx c = { .fs = fs, .img = img, .host = argv[0] };
	int fd, err;

	c.bsize = 1u << vx_fs_super(fs)->block_log;
	fd = open(c.host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fail(c.host, NULL, "open", -errno);
		return EXIT_FAIL;
	}
	c.hbuf = xrealloc(NULL, CHUNK);
	c.vbuf = xrealloc(NULL, CHUNK);
	err = compare_root(&c, fd);
	close(fd);
	if (!err)
		check_links(&c);
	for (size_t i = 0; i < c.npairs; i++)
		free(c.pairs[i].path);
	free(c.pairs);
	free(c.hbuf);
	free(c.vbuf);
	if (err)
		return EXIT_FAIL;
	printf("%lu objects compared, %lu differences\n", c.objects, c.diffs);
	return c.diffs ? EXIT_DIFF : 0;
}

/* ---- command table and main ---- */

struct cmd {
	const char *name;
	int (*fn)(struct vx_fs *fs, const char *img, int argc, char **argv);
	int min_args, max_args;		/* after IMG */
	unsigned open_flags;		/* besides VX_OPEN_RDONLY */
	const char *args, *help;
};

static const struct cmd cmds[] = {
	{ "super", cmd_super, 0, 0, VX_OPEN_INCOMPLETE, "IMG",
	  "superblock fields, one 'name: value' per line" },
	{ "ls", cmd_ls, 0, 1, VX_OPEN_INCOMPLETE, "IMG [PATH]",
	  "recursive listing sorted by path" },
	{ "stat", cmd_stat, 1, 1, VX_OPEN_INCOMPLETE, "IMG PATH",
	  "attributes of one object" },
	{ "cat", cmd_cat, 1, 1, VX_OPEN_INCOMPLETE, "IMG PATH",
	  "file contents to stdout" },
	{ "compare", cmd_compare, 1, 1, 0, "IMG HOSTDIR",
	  "compare the image with a host tree (exit 1: differences)" },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	fputs("usage: vxtree COMMAND IMG [ARGS]\n", f);
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(f, "  vxtree %-8s %-12s %s\n", cmds[i].name,
			cmds[i].args, cmds[i].help);
	fputs("exit: 0 ok, 1 differences (compare), 2 error\n", f);
}

static void log_stderr(void *ctx, int level, const char *msg)
{
	if (level <= VX_LOG_WARN)
		fprintf(stderr, "vxtree: %s: %s\n", (const char *)ctx, msg);
}

static int open_image(const char *img, unsigned flags, struct vx_fs **fs)
{
	struct vx_open_opts opts = {
		.flags = VX_OPEN_RDONLY | flags,
		.log = log_stderr, .log_ctx = (void *)img,
	};
	struct vx_io *io;
	int err = vx_io_unix_open(img, VX_IO_OPEN_RDONLY, &io);

	if (err) {
		errmsg(img, NULL, "cannot open image", err);
		return err;
	}
	err = vx_fs_open(io, &opts, fs);
	if (err) {
		errmsg(img, NULL, "cannot open filesystem", err);
		vx_io_close(io);
	}
	return err;
}

int main(int argc, char **argv)
{
	const struct cmd *cmd = NULL;
	struct vx_fs *fs;
	int rc, err, nargs = argc - 3;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")
			  || !strcmp(argv[1], "help"))) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; argc >= 2 && i < NCMDS; i++)
		if (!strcmp(argv[1], cmds[i].name))
			cmd = &cmds[i];
	if (!cmd || nargs < cmd->min_args || nargs > cmd->max_args) {
		if (argc < 2)
			fputs("vxtree: no command given\n", stderr);
		else if (!cmd)
			fprintf(stderr, "vxtree: unknown command '%s'\n",
				argv[1]);
		else
			fprintf(stderr, "vxtree: %s: wrong number of "
				"arguments\n", cmd->name);
		usage(stderr);
		return EXIT_FAIL;
	}
	if (open_image(argv[2], cmd->open_flags, &fs))
		return EXIT_FAIL;
	rc = cmd->fn(fs, argv[2], nargs, argv + 3);
	err = vx_fs_close(fs);
	if (err) {
		errmsg(argv[2], NULL, "close", err);
		rc = EXIT_FAIL;
	}
	if (fflush(stdout) || ferror(stdout)) {
		perror("vxtree: stdout");
		rc = EXIT_FAIL;
	}
	return rc;
}
