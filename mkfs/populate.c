/*
 * populate.c: mkfs.vexfs -d, copy a host directory tree into the new
 * filesystem.
 *
 * Design: a depth-first walk that never resolves a path, neither on the
 * host nor in the image.  On the host every entry is reached with
 * fstatat/openat/readlinkat relative to its parent's open directory fd
 * (O_NOFOLLOW, so a name swapped for a symlink is not followed); in the
 * image the walk carries the parent's inode number.  Only the
 * directories on the current path hold an fd, so the depth is bounded by
 * the open-file limit (raised to its hard maximum first), not by
 * PATH_MAX.  Each directory is listed whole with getdents64 into a
 * names arena that works as a stack (a child's names go above its
 * parent's and are dropped on return), then sorted bytewise so that the
 * same tree always gives the same image whatever the host's readdir
 * order.  One 1 MiB buffer serves every listing, file read and symlink
 * target: no per-file heap allocation.  A prefetch thread (prefetch.c)
 * walks the same order ahead of the copy so that a cold tree is read with
 * many requests in flight.
 *
 * Per entry: regular files are copied range by range (SEEK_DATA and
 * SEEK_HOLE, so sparse files stay sparse) and cut to their size with
 * vx_truncate; files with several links go through a (st_dev, st_ino) ->
 * inode table and later names become vx_link calls; symlinks, fifos and
 * device and socket nodes are created with their attributes (a socket
 * inode is only a name: mke2fs skips them, but VexFS has the type and a
 * faithful copy keeps it).  Mode, owner and nanosecond times are
 * set after the contents (a directory's after its children), so writing
 * does not disturb them.  With SOURCE_DATE_EPOCH, access times are not
 * copied but set to the modification time: reading a symlink (and any
 * read where O_NOATIME is refused) moves the host's atime, so two runs
 * over the same tree would otherwise differ.  The root takes the attributes of the source
 * directory; an existing lost+found in the source is merged into the
 * one mkfs made.  The first error stops the walk, with a message naming
 * the host path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/resource.h>

#include "mkfs.h"

#define BUF_SIZE	(1u << 20)
/* fds kept for everything else: stdio, the image, libblkid, and the
 * prefetch thread's own share */
#define FD_RESERVE	(32 + PREFETCH_FDS)
#define SET_ALL		(VX_SET_MODE | VX_SET_UID | VX_SET_GID | \
			 VX_SET_ATIME | VX_SET_MTIME | VX_SET_CTIME | \
			 VX_SET_CRTIME)

struct hl_ent {
	dev_t dev;
	ino_t ino;
	vx_ino_t vino;		/* 0: empty slot */
};

struct pop {
	struct vx_fs *fs;
	const struct mkfs_opts *o;
	struct populate_stats *st;
	const struct stat *image;	/* skip the image itself */
	unsigned char *buf;		/* BUF_SIZE bytes */
	char *path;			/* host path of the current entry */
	size_t plen, pcap;
	char *names;			/* arena of NUL-terminated names */
	size_t nlen, ncap;
	size_t *offs;			/* offsets into names, per level */
	size_t olen, ocap;
	struct hl_ent *hl;		/* open addressing, power of two */
	size_t hl_cap, hl_count;
	int max_depth;
	struct prefetch *pf;		/* read-ahead thread, may be NULL */
	struct vx_txn *tx;		/* the batch being built */
	uint64_t batch_blocks;		/* commit a batch past this size */
};

/* ---- batches: the copy goes through large transactions, committed
 * without waiting for the flush (the image says "incomplete" until the
 * end anyway); a batch is committed once its journal share is used */

static int image_fail(struct pop *p, int err);

static int batch_begin(struct pop *p)
{
	int err = vx_txn_begin(p->fs, VX_TXN_ASYNC, 0, &p->tx);

	if (err)
		return image_fail(p, err);
	return 0;
}

static int batch_step(struct pop *p)
{
	struct vx_txn_info info;
	int err;

	if (vx_txn_info(p->tx, &info) || info.blocks < p->batch_blocks)
		return 0;
	err = vx_txn_commit(p->tx, NULL);
	p->tx = NULL;
	if (err)
		return image_fail(p, err);
	return batch_begin(p);
}

/* the last batch: committed even after an error that failed only its
 * operation (no space), so what was copied stays there to look at in
 * the image marked incomplete; aborted after a fatal one */
static int batch_end(struct pop *p, int err)
{
	struct vx_txn_info info;
	int e2;

	if (!p->tx)
		return err;
	if (vx_txn_info(p->tx, &info) == 0 && info.state == VX_TXN_ACTIVE) {
		e2 = vx_txn_commit(p->tx, NULL);
		if (!e2)
			e2 = vx_txn_sync(p->fs);
		if (e2 && !err)
			err = image_fail(p, e2);
	} else {
		vx_txn_abort(p->tx);
	}
	p->tx = NULL;
	return err;
}

/* ---- growable buffers */

static int grow(void **ptr, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 64;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*ptr, n * elem);
	if (!p)
		return -ENOMEM;
	*ptr = p;
	*cap = n;
	return 0;
}

/* append "/name" to the path; returns the length to restore */
static size_t path_push(struct pop *p, const char *name)
{
	size_t old = p->plen, n = strlen(name);

	if (grow((void **)&p->path, &p->pcap, old + n + 2, 1))
		return old;	/* messages lose the name, nothing else */
	p->path[old] = '/';
	memcpy(p->path + old + 1, name, n + 1);
	p->plen = old + 1 + n;
	return old;
}

static void path_pop(struct pop *p, size_t mark)
{
	p->plen = mark;
	p->path[mark] = '\0';
}

/* ---- messages */

static int host_fail(struct pop *p, int errnum)
{
	fprintf(stderr, PROG ": cannot read '%s': %s\n", p->path,
		strerror(errnum));
	return -errnum;
}

static int image_fail(struct pop *p, int err)
{
	if (err == VX_ENOSPC || err == VX_ENOINODES || err == -ENOSPC)
		fprintf(stderr, PROG ": the tree does not fit: cannot copy "
			"'%s': %s (%s)\n", p->path, vx_strerror(err),
			vx_errname(err));
	else if (err == -ENAMETOOLONG)
		fprintf(stderr, PROG ": cannot copy '%s': name too long (at "
			"most %d bytes)\n", p->path, VX_NAME_MAX);
	else
		fprintf(stderr, PROG ": cannot copy '%s': %s (%s)\n", p->path,
			vx_strerror(err), vx_errname(err));
	return err;
}

/* ---- hard links: (st_dev, st_ino) -> image inode */

static size_t hl_slot(const struct pop *p, dev_t dev, ino_t ino)
{
	uint64_t h = ((uint64_t)ino ^ ((uint64_t)dev << 32 | dev >> 32)) *
		     0x9E3779B97F4A7C15ull;

	return (size_t)(h >> 17) & (p->hl_cap - 1);
}

static vx_ino_t hl_find(const struct pop *p, dev_t dev, ino_t ino)
{
	size_t i;

	if (!p->hl_cap)
		return 0;
	for (i = hl_slot(p, dev, ino); p->hl[i].vino;
	     i = (i + 1) & (p->hl_cap - 1))
		if (p->hl[i].dev == dev && p->hl[i].ino == ino)
			return p->hl[i].vino;
	return 0;
}

static int hl_add(struct pop *p, dev_t dev, ino_t ino, vx_ino_t vino)
{
	size_t i;

	if ((p->hl_count + 1) * 2 > p->hl_cap) {
		struct hl_ent *old = p->hl;
		size_t j, oldcap = p->hl_cap;

		p->hl_cap = oldcap ? oldcap * 2 : 256;
		p->hl = calloc(p->hl_cap, sizeof(*p->hl));
		if (!p->hl) {
			p->hl = old;
			p->hl_cap = oldcap;
			return -ENOMEM;
		}
		p->hl_count = 0;
		for (j = 0; j < oldcap; j++)
			if (old[j].vino)
				hl_add(p, old[j].dev, old[j].ino, old[j].vino);
		free(old);
	}
	for (i = hl_slot(p, dev, ino); p->hl[i].vino;
	     i = (i + 1) & (p->hl_cap - 1))
		;
	p->hl[i] = (struct hl_ent){ dev, ino, vino };
	p->hl_count++;
	return 0;
}

/* ---- attributes */

static void attr_of(const struct pop *p, const struct stat *st,
		    struct vx_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->mode = st->st_mode;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		a->rdev = st->st_rdev;
	a->atime = st->st_atim;
	a->mtime = st->st_mtim;
	a->ctime = st->st_ctim;
	a->crtime.tv_sec = p->o->now;
	/* reproducible builds: reading moves host access times (readlink
	 * always, reads where O_NOATIME is refused), so they are not input */
	if (p->o->now_fixed)
		a->atime = a->mtime;
}

static bool zero_time(const struct timespec *t)
{
	return !t->tv_sec && !t->tv_nsec;
}

/* vx_create takes zero times as "now": set them afterwards */
static bool needs_setattr(const struct vx_attr *a)
{
	return zero_time(&a->atime) || zero_time(&a->mtime) ||
	       zero_time(&a->ctime) || zero_time(&a->crtime);
}

/* open a host file or directory without touching its access time */
static int open_noatime(int dfd, const char *name, int flags)
{
	int fd = openat(dfd, name, flags | O_NOATIME);

	if (fd < 0 && errno == EPERM)
		fd = openat(dfd, name, flags);
	return fd;
}

/* ---- regular files */

/* copy bytes [pos, end) of the host file; *@eof set if it shrank */
static int copy_range(struct pop *p, int fd, vx_ino_t ino, off_t pos,
		      off_t end, bool *eof)
{
	ssize_t n;
	size_t want;
	int err;

	while (pos < end) {
		want = (size_t)(end - pos) < BUF_SIZE ? (size_t)(end - pos) :
		       BUF_SIZE;
		n = pread(fd, p->buf, want, pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return host_fail(p, errno);
		if (n == 0) {
			*eof = true;
			return 0;
		}
		err = vx_write(p->fs, p->tx, ino, (uint64_t)pos, p->buf, (size_t)n);
		if (err)
			return image_fail(p, err);
		p->st->bytes += (uint64_t)n;
		pos += n;
		if ((err = batch_step(p)))
			return err;
	}
	return 0;
}

static int copy_data(struct pop *p, int fd, vx_ino_t ino,
		     const struct stat *st)
{
	bool sparse = (uint64_t)st->st_blocks * 512 < (uint64_t)st->st_size;
	bool eof = false;
	off_t pos = 0, end, size = st->st_size, done = 0;
	int err;

	while (pos < size && !eof) {
		end = size;
		if (sparse) {
			off_t d = lseek(fd, pos, SEEK_DATA), h;

			if (d < 0 && errno == ENXIO)
				break;			/* a hole to the end */
			if (d < 0 && errno != EINVAL)
				return host_fail(p, errno);
			if (d >= 0) {
				h = lseek(fd, d, SEEK_HOLE);
				pos = d;
				end = h < 0 || h > size ? size : h;
			}
		}
		err = copy_range(p, fd, ino, pos, end, &eof);
		if (err)
			return err;
		done = pos = end;
	}
	if (done < size) {
		err = vx_truncate(p->fs, p->tx, ino, (uint64_t)size);
		if (err)
			return image_fail(p, err);
	}
	return 0;
}

static int copy_file(struct pop *p, int dfd, vx_ino_t dir, const char *name,
		     const struct stat *st, vx_ino_t *ino)
{
	struct vx_attr a;
	int fd = -1, err;

	if (p->image && st->st_dev == p->image->st_dev &&
	    st->st_ino == p->image->st_ino) {
		fprintf(stderr, PROG ": warning: skipping '%s': it is the "
			"image being written\n", p->path);
		p->st->skipped++;
		return 0;
	}
	if (st->st_size > 0) {
		fd = open_noatime(dfd, name, O_RDONLY | O_NOFOLLOW |
				  O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0)
			return host_fail(p, errno);
	}
	attr_of(p, st, &a);
	err = vx_create(p->fs, p->tx, dir, name, &a, ino);
	if (err) {
		err = image_fail(p, err);
		goto out;
	}
	p->st->files++;
	if (fd < 0) {
		if (needs_setattr(&a))
			err = vx_setattr(p->fs, p->tx, *ino, &a, SET_ALL);
		goto out_err;
	}
	err = copy_data(p, fd, *ino, st);
	if (err)
		goto out;
	prefetch_consumed(p->pf, (uint64_t)st->st_size);
	err = vx_setattr(p->fs, p->tx, *ino, &a, SET_ALL);
out_err:
	if (err)
		image_fail(p, err);
out:
	if (fd >= 0)
		close(fd);
	return err;
}

/* ---- other non-directories */

static int copy_symlink(struct pop *p, int dfd, vx_ino_t dir,
			const char *name, const struct stat *st,
			vx_ino_t *ino)
{
	struct vx_attr a;
	ssize_t n = readlinkat(dfd, name, (char *)p->buf, BUF_SIZE);
	int err;

	if (n < 0)
		return host_fail(p, errno);
	if (n >= 4096) {
		fprintf(stderr, PROG ": cannot copy '%s': symlink target too "
			"long (%zd bytes, at most 4095)\n", p->path, n);
		return -ENAMETOOLONG;
	}
	p->buf[n] = '\0';
	attr_of(p, st, &a);
	err = vx_symlink(p->fs, p->tx, dir, name, (const char *)p->buf, &a, ino);
	if (!err && needs_setattr(&a))
		err = vx_setattr(p->fs, p->tx, *ino, &a, SET_ALL & ~VX_SET_MODE);
	if (err)
		return image_fail(p, err);
	p->st->symlinks++;
	return 0;
}

static int copy_special(struct pop *p, vx_ino_t dir, const char *name,
			const struct stat *st, vx_ino_t *ino)
{
	struct vx_attr a;
	int err;

	attr_of(p, st, &a);
	err = vx_create(p->fs, p->tx, dir, name, &a, ino);
	if (!err && needs_setattr(&a))
		err = vx_setattr(p->fs, p->tx, *ino, &a, SET_ALL);
	if (err)
		return image_fail(p, err);
	p->st->special++;
	return 0;
}

/* ---- directories */

static int walk_dir(struct pop *p, int dfd, vx_ino_t vdir, int depth);

static int copy_dir(struct pop *p, int dfd, vx_ino_t dir, const char *name,
		    const struct stat *st, int depth)
{
	struct vx_attr a;
	vx_ino_t ino;
	int fd, err;

	if (depth + 1 >= p->max_depth) {
		fprintf(stderr, PROG ": cannot copy '%s': the tree is deeper "
			"than the open-file limit allows (%d levels)\n",
			p->path, p->max_depth);
		return -EMFILE;
	}
	fd = open_noatime(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			  O_CLOEXEC);
	if (fd < 0)
		return host_fail(p, errno);
	attr_of(p, st, &a);
	err = vx_mkdir(p->fs, p->tx, dir, name, &a, &ino);
	if (err == -EEXIST && depth == 0 && !strcmp(name, "lost+found"))
		err = vx_lookup(p->fs, p->tx, dir, name, &ino);	/* merge */
	else if (!err)
		p->st->dirs++;
	if (err) {
		close(fd);
		return image_fail(p, err);
	}
	err = walk_dir(p, fd, ino, depth + 1);
	close(fd);
	if (err)
		return err;
	err = vx_setattr(p->fs, p->tx, ino, &a, SET_ALL);
	return err ? image_fail(p, err) : 0;
}

static int copy_entry(struct pop *p, int dfd, vx_ino_t dir,
		      const char *name, int depth)
{
	size_t mark = path_push(p, name);
	bool linked = false;
	vx_ino_t ino = 0;
	struct stat st;
	int err;

	if (strlen(name) > VX_NAME_MAX) {
		err = image_fail(p, -ENAMETOOLONG);
		goto out;
	}
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		err = host_fail(p, errno);
		goto out;
	}
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		ino = hl_find(p, st.st_dev, st.st_ino);
		linked = ino != 0;
	}
	if (linked) {
		err = vx_link(p->fs, p->tx, ino, dir, name);
		if (err)
			err = image_fail(p, err);
		else
			p->st->hardlinks++;
		goto out;
	}
	if (S_ISREG(st.st_mode))
		err = copy_file(p, dfd, dir, name, &st, &ino);
	else if (S_ISDIR(st.st_mode))
		err = copy_dir(p, dfd, dir, name, &st, depth);
	else if (S_ISLNK(st.st_mode))
		err = copy_symlink(p, dfd, dir, name, &st, &ino);
	else
		err = copy_special(p, dir, name, &st, &ino);
	if (!err && ino && !S_ISDIR(st.st_mode) && st.st_nlink > 1 &&
	    hl_add(p, st.st_dev, st.st_ino, ino))
		err = image_fail(p, -ENOMEM);
out:
	path_pop(p, mark);
	return err;
}

/* append the names of the directory at @dfd to the arena */
static int list_dir(struct pop *p, int dfd)
{
	ssize_t n, off;
	size_t len;

	for (;;) {
		n = getdents64(dfd, p->buf, BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return host_fail(p, errno);
		if (n == 0)
			return 0;
		for (off = 0; off < n;) {
			struct dirent64 *de = (struct dirent64 *)(p->buf + off);
			const char *nm = de->d_name;

			off += de->d_reclen;
			if (nm[0] == '.' && (!nm[1] || (nm[1] == '.' && !nm[2])))
				continue;
			len = strlen(nm) + 1;
			if (grow((void **)&p->names, &p->ncap, p->nlen + len, 1) ||
			    grow((void **)&p->offs, &p->ocap, p->olen + 1,
				 sizeof(size_t)))
				return host_fail(p, ENOMEM);
			memcpy(p->names + p->nlen, nm, len);
			p->offs[p->olen++] = p->nlen;
			p->nlen += len;
		}
	}
}

static int cmp_name(const void *a, const void *b, void *names)
{
	return strcmp((const char *)names + *(const size_t *)a,
		      (const char *)names + *(const size_t *)b);
}

static int walk_dir(struct pop *p, int dfd, vx_ino_t vdir, int depth)
{
	size_t nbase = p->nlen, obase = p->olen, i;
	int err;

	err = list_dir(p, dfd);
	if (!err)
		qsort_r(p->offs + obase, p->olen - obase, sizeof(size_t),
			cmp_name, p->names);
	/* p->names may move while children list: index, never cache */
	for (i = obase; !err && i < p->olen; i++) {
		err = copy_entry(p, dfd, vdir, p->names + p->offs[i], depth);
		if (!err)
			err = batch_step(p);
	}
	p->nlen = nbase;
	p->olen = obase;
	return err;
}

/* ---- entry point */

static int fd_budget(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1024 - FD_RESERVE;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1u << 20))
		return 1 << 20;
	return (int)rl.rlim_cur > 2 * FD_RESERVE ?
	       (int)rl.rlim_cur - FD_RESERVE : FD_RESERVE;
}

static int set_root(struct pop *p, int dirfd)
{
	vx_ino_t root = vx_fs_super(p->fs)->root_ino;
	struct vx_attr a;
	struct stat st;
	int err;

	if (fstat(dirfd, &st))
		return host_fail(p, errno);
	attr_of(p, &st, &a);
	if (p->o->root_owner_set) {
		a.uid = p->o->root_uid;
		a.gid = p->o->root_gid;
	}
	err = vx_setattr(p->fs, p->tx, root, &a, SET_ALL);
	return err ? image_fail(p, err) : 0;
}

int populate_tree(struct vx_fs *fs, int dirfd, const char *dirname,
		  const struct mkfs_opts *o, const struct stat *image_st,
		  struct populate_stats *stats)
{
	struct pop p = { .fs = fs, .o = o, .st = stats };
	size_t n = strlen(dirname);
	int err;

	memset(stats, 0, sizeof(*stats));
	if (image_st && S_ISREG(image_st->st_mode))
		p.image = image_st;
	p.max_depth = fd_budget();
	/* a quarter of the log per batch: the flusher writes one while the
	 * next is built, and a checkpoint empties the log now and then */
	p.batch_blocks = vx_fs_super(fs)->journal_blocks / 4;
	while (n > 1 && dirname[n - 1] == '/')
		n--;
	p.buf = malloc(BUF_SIZE);
	if (!p.buf || grow((void **)&p.path, &p.pcap, n + 1, 1)) {
		free(p.buf);
		fprintf(stderr, PROG ": %s\n", strerror(ENOMEM));
		return -ENOMEM;
	}
	memcpy(p.path, dirname, n);
	p.path[n] = '\0';
	p.plen = n == 1 && dirname[0] == '/' ? 0 : n;	/* "/" + "/x" */
	if (lseek(dirfd, 0, SEEK_SET) < 0) {
		err = host_fail(&p, errno);
	} else if (!(err = batch_begin(&p))) {
		p.pf = prefetch_start(dirfd);	/* see prefetch.c */
		err = walk_dir(&p, dirfd, vx_fs_super(fs)->root_ino, 0);
		prefetch_stop(p.pf);
	}
	if (!err)
		err = set_root(&p, dirfd);
	err = batch_end(&p, err);
	free(p.buf);
	free(p.path);
	free(p.names);
	free(p.offs);
	free(p.hl);
	return err;
}
