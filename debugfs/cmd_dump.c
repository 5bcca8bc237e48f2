/*
 * cmd_dump.c: dump and rdump, copying files and trees out of the image
 * onto the host.
 *
 * dump copies one regular file to HOSTFILE.  Contents are read with
 * vx_read in the open transaction, run by run as vx_bmap maps them:
 * holes are not written but skipped (pwrite at the next offset, the size
 * set with ftruncate at the end), so a sparse file stays sparse.  The
 * host file is opened with O_NOFOLLOW: a symlink there is refused, never
 * followed.  An existing regular file is overwritten (truncated first);
 * a character device or a fifo is written as a stream (holes as zeroes);
 * anything else is refused.  -p sets the mode, the times and, as root,
 * the owner of a regular HOSTFILE.  Symlinks, directories and special
 * files are refused: rdump copies those.
 *
 * rdump copies trees into HOSTDIR and never writes outside it, whatever
 * the image holds (e2fsprogs' rdump can be made to):
 *   (R1) every host call is relative to a directory descriptor (openat,
 *        mkdirat, symlinkat, mknodat, fchownat/fchmodat/utimensat with
 *        AT_SYMLINK_NOFOLLOW); no host path is ever built and resolved;
 *   (R2) a name from the image is used only when it is one path
 *        component: empty names, names holding '/' or a NUL byte, "."
 *        and ".." are refused with a warning naming the directory and
 *        the (escaped) name, and skipped;
 *   (R3) nothing on the host is followed or replaced: files are created
 *        O_CREAT|O_EXCL|O_NOFOLLOW, a directory is entered with
 *        O_DIRECTORY|O_NOFOLLOW right after mkdirat made it, and a name
 *        that already exists on the host (a second entry of the same
 *        name, a symlink made earlier in the same run, or a previous
 *        run's output) is skipped with a warning;
 *   (R4) symlinks are made as symlinks: their targets are strings,
 *        never resolved;
 *   (R5) a directory is copied once: one that is its own ancestor (a
 *        loop in a corrupted image) or was already copied under another
 *        name is skipped with a warning, and nesting deeper than
 *        RD_MAX_DEPTH is skipped too, so the walk always ends.
 * Hard links in the image become separate copies.  Fifos and sockets
 * are made; device nodes only with -D (rdump's or debugfs.vexfs's),
 * otherwise skipped with a warning.  Without -p the permission bits are
 * kept as cp(1) keeps them (umask applied, no setuid/setgid/sticky);
 * -p keeps modes, times and, as root, owners.  A directory whose index
 * the library refuses (a name with '/' fails its leaf check) is read leaf
 * by leaf from the device, so each of its names is still judged by R2;
 * those raw reads see what is committed, not a transaction's changes.
 * rdump copies everything it can, prints "rdump: N files, N directories,
 * N symlinks, N special files, N skipped" and fails when anything was
 * skipped or failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debugfs.h"

#define CHUNK		(1u << 20)	/* bytes read and written at once */
#define RD_MAX_DEPTH	256		/* directory levels rdump enters */
#define ESC_MAX		(4 * VX_NAME_MAX + 1)

/* ---- shared by dump and rdump ---- */

static int write_all(int fd, bool seek, const char *p, size_t n,
		     uint64_t off)
{
	while (n) {
		ssize_t w = seek ? pwrite(fd, p, n, (off_t)off) :
				   write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -ENOSPC;
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/*
 * copy_data - the contents of regular file @ino (@size bytes) to @fd,
 * at its offsets when @seek (holes skipped, size set at the end), as a
 * stream otherwise (holes read as zeroes).  @buf holds CHUNK bytes.
 * Returns 0 or the error, *@host telling whether writing the host side
 * failed (else reading the image did) and *@at where.
 */
static int copy_data(struct dbg *d, vx_ino_t ino, uint64_t size, int fd,
		     bool seek, char *buf, bool *host, uint64_t *at)
{
	uint64_t bs = dbg_bsize(d), off = 0, end, run, lblk, nblk;
	vx_blk_t pblk;
	size_t n, done;
	int err = 0;

	*host = false;
	nblk = size / bs + (size % bs != 0);
	while (off < size && !err) {
		lblk = off / bs;
		err = vx_bmap(d->fs, dbg_tx(d), ino, lblk, &pblk, &run);
		if (err)
			break;
		end = run >= nblk - lblk ? size : (lblk + run) * bs;
		if (!pblk && seek) {
			off = end;
			continue;
		}
		while (off < end && !err) {
			n = end - off > CHUNK ? CHUNK : (size_t)(end - off);
			err = vx_read(d->fs, dbg_tx(d), ino, off, buf, n, &done);
			if (!err && !done)
				err = -EIO;	/* shorter than its size */
			if (err)
				break;
			err = write_all(fd, seek, buf, done, off);
			*host = err != 0;
			if (!err)
				off += done;
		}
	}
	if (!err && seek && ftruncate(fd, (off_t)size)) {
		err = -errno;
		*host = true;
	}
	*at = off;
	return err;
}

/* a name as text: bytes outside printable ASCII, '\\' and '\'' as \xHH */
static const char *esc(const char *s, size_t n, char out[ESC_MAX])
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;

	for (size_t i = 0; i < n && i < VX_NAME_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e || c == '\\' || c == '\'') {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		} else {
			*o++ = (char)c;
		}
	}
	*o = 0;
	return out;
}

static const char *type_word(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return "regular file";
	case S_IFDIR: return "directory";
	case S_IFLNK: return "symlink";
	case S_IFIFO: return "fifo";
	case S_IFSOCK: return "socket";
	case S_IFCHR: return "character device";
	case S_IFBLK: return "block device";
	}
	return "file of unknown type";
}

/*
 * set_attrs - owner (@owner), permission bits (@mode, unless
 * (mode_t)-1) and times (@times) of what @fd is or, when @fd < 0, of
 * @name in @dfd, never following a symlink there.  Returns 0 or -errno.
 */
static int set_attrs(int fd, int dfd, const char *name,
		     const struct vx_attr *a, bool owner, mode_t mode,
		     bool times)
{
	const struct timespec ts[2] = { a->atime, a->mtime };
	const int nf = AT_SYMLINK_NOFOLLOW;

	if (owner && (fd >= 0 ? fchown(fd, a->uid, a->gid) :
		      fchownat(dfd, name, a->uid, a->gid, nf)))
		return -errno;
	if (mode != (mode_t)-1 && (fd >= 0 ? fchmod(fd, mode) :
				   fchmodat(dfd, name, mode, nf)))
		return -errno;
	if (times && (fd >= 0 ? futimens(fd, ts) :
		      utimensat(dfd, name, ts, nf)))
		return -errno;
	return 0;
}

/* ---- dump ---- */

/* open HOSTFILE for dump: *@seek for a regular file (truncated) */
static int dump_open(struct dbg *d, const char *host, bool *seek)
{
	struct stat st;
	int fd = open(host, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);

	if (fd < 0 && errno == ELOOP) {
		dbg_err(d, "%s is a symlink; dump does not follow it (name "
			"the file it points to, or remove it)", host);
		return -1;
	}
	if (fd < 0 || fstat(fd, &st)) {
		dbg_fail(d, -errno, "cannot open %s for writing", host);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*seek = S_ISREG(st.st_mode);
	if (!*seek && !S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode)) {
		dbg_err(d, "%s is a %s; dump writes regular files, character "
			"devices and fifos only", host, type_word(st.st_mode));
		close(fd);
		return -1;
	}
	if (*seek && ftruncate(fd, 0)) {
		dbg_fail(d, -errno, "cannot truncate %s", host);
		close(fd);
		return -1;
	}
	return fd;
}

int cmd_dump(struct dbg *d, int argc, char **argv)
{
	bool keep = false, seek, host;
	const char *src, *dst;
	struct vx_attr a;
	uint64_t at;
	vx_ino_t ino;
	char *buf;
	int ch, fd, err;

	while ((ch = getopt(argc, argv, "p")) != -1) {
		if (ch != 'p')
			goto usage;
		keep = true;
	}
	if (optind != argc - 2)
		goto usage;
	src = argv[optind];
	dst = argv[optind + 1];
	if (dbg_inode_arg(d, src, &ino))
		return DBG_FAIL;
	err = vx_stat(d->fs, dbg_tx(d), ino, &a);
	if (err)
		return dbg_fail(d, err, "%s", src);
	if (!S_ISREG(a.mode)) {
		dbg_err(d, "%s is a %s, not a regular file (%s)", src,
			type_word(a.mode), S_ISDIR(a.mode) ? "rdump copies trees" :
			"rdump copies links and special files");
		return DBG_FAIL;
	}
	buf = malloc(CHUNK);
	if (!buf)
		return dbg_fail(d, -ENOMEM, "%s", src);
	fd = dump_open(d, dst, &seek);
	if (fd < 0) {
		free(buf);
		return DBG_FAIL;
	}
	err = copy_data(d, ino, a.size, fd, seek, buf, &host, &at);
	free(buf);
	if (err) {
		close(fd);
		if (host)
			return dbg_fail(d, err, "writing %s at byte %llu (it is "
					"incomplete)", dst,
					(unsigned long long)at);
		return dbg_fail(d, err, "reading %s at byte %llu (%s is "
				"incomplete)", src, (unsigned long long)at, dst);
	}
	if (keep && !seek)
		dbg_warn(d, "%s is not a regular file: -p leaves its owner, "
			 "mode and times alone", dst);
	if (keep && seek && (err = set_attrs(fd, -1, NULL, &a, geteuid() == 0,
					     a.mode & 07777, true))) {
		close(fd);
		return dbg_fail(d, err, "setting owner, mode and times of %s",
				dst);
	}
	if (close(fd))
		return dbg_fail(d, -errno, "writing %s", dst);
	return 0;
usage:
	dbg_usage(d, dbg_find_cmd("dump"));
	return DBG_FAIL;
}

/* ---- rdump: the directories copied (R5) ---- */

struct iset {
	vx_ino_t *v;			/* open addressing, 0 = free */
	size_t cap, n;
};

/* 1 when @ino was added, 0 when it was there, -ENOMEM */
static int iset_add(struct iset *s, vx_ino_t ino)
{
	size_t i;

	if (2 * (s->n + 1) > s->cap) {
		struct iset t = { .cap = s->cap ? 2 * s->cap : 64 };

		t.v = calloc(t.cap, sizeof(*t.v));
		if (!t.v)
			return -ENOMEM;
		for (i = 0; i < s->cap; i++)
			if (s->v[i])
				iset_add(&t, s->v[i]);
		free(s->v);
		*s = t;
	}
	for (i = (ino * 0x9E3779B97F4A7C15ull) & (s->cap - 1); s->v[i];
	     i = (i + 1) & (s->cap - 1))
		if (s->v[i] == ino)
			return 0;
	s->v[i] = ino;
	s->n++;
	return 1;
}

/* ---- rdump: directory entries ---- */

struct ent {
	char *name;			/* len bytes, NUL added */
	size_t len;
	vx_ino_t ino;
};

struct ents {
	struct ent *v;
	size_t n, cap;
	unsigned calls;
};

static int ents_add(struct ents *l, const char *name, size_t len,
		    vx_ino_t ino)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 32;
		struct ent *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].name = malloc(len + 1);
	if (!l->v[l->n].name)
		return -ENOMEM;
	memcpy(l->v[l->n].name, name, len);
	l->v[l->n].name[len] = 0;
	l->v[l->n].len = len;
	l->v[l->n++].ino = ino;
	return 0;
}

static void ents_free(struct ents *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int collect(void *ctx, const char *name, size_t len, vx_ino_t ino,
		   unsigned type)
{
	struct ents *l = ctx;

	/* vx_readdir gives "." and ".." first; a "." or ".." stored in a
	 * leaf comes later and is judged like any name (R2) */
	if (l->calls++ < 2)
		return 0;
	return ents_add(l, name, len, ino);
}

struct rd {
	struct dbg *d;
	bool keep;			/* -p */
	bool devices;			/* -D */
	bool owner;			/* -p as root */
	mode_t umask;
	char *buf;			/* CHUNK bytes for copy_data */
	struct iset seen;		/* directories copied */
	vx_ino_t anc[RD_MAX_DEPTH];	/* the directories being copied */
	unsigned depth;
	unsigned long files, dirs, links, special, skipped;
};

static void rd_skip(struct rd *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void rd_skip(struct rd *r, const char *fmt, ...)
{
	char msg[1024 + 2 * ESC_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dbg_warn(r->d, "%s", msg);
	r->skipped++;
}

/* the names of one leaf read from the device; 0 or the leaf is bad */
static void salvage_leaf(struct rd *r, const char *ip, const uint8_t *b,
			 vx_blk_t pblk, struct ents *l)
{
	uint32_t bs = dbg_bsize(r->d), used = vx_get32(b + 52), off = 0, nl;
	const uint8_t *e = b + VX_DIR_NODE_HDR;
	unsigned count = vx_get16(b + 50);

	if (used > bs - VX_DIR_NODE_HDR)
		used = bs - VX_DIR_NODE_HDR;
	for (unsigned i = 0; i < count; i++) {
		if (off + VX_DIRENT_HDR > used ||
		    off + VX_DIRENT_HDR + (nl = e[off + 17]) > used) {
			rd_skip(r, "%s: leaf block %llu: entries %u to %u run "
				"past the leaf's end; skipped", ip,
				(unsigned long long)pblk, i + 1, count);
			return;
		}
		if (ents_add(l, (const char *)e + off + VX_DIRENT_HDR, nl,
			      vx_get64(e + off + 8))) {
			rd_skip(r, "%s: out of memory", ip);
			return;
		}
		off += VX_DIRENT_HDR + nl;
	}
}

/* read directory @dir's leaves from the device (its index is refused) */
static void salvage(struct rd *r, vx_ino_t dir, const char *ip,
		    struct ents *l)
{
	struct dbg *d = r->d;
	uint32_t bs = dbg_bsize(d);
	uint64_t nblk, run;
	struct vx_attr a;
	vx_blk_t pblk;
	uint8_t *b = (uint8_t *)r->buf;
	int err = vx_stat(d->fs, dbg_tx(d), dir, &a);

	nblk = err ? 0 : a.size / bs;
	if (nblk > d->sb.block_count)
		nblk = d->sb.block_count;
	dbg_sync_for_raw(d);
	for (uint64_t lb = 0; lb < nblk && !err; lb++) {
		err = vx_bmap(d->fs, dbg_tx(d), dir, lb, &pblk, &run);
		if (err || !pblk)
			continue;	/* holes hold nothing */
		err = dbg_read_block(d, pblk, b);
		if (!err)
			err = vx_mhdr_check(b, bs, VX_BT_DIR, pblk,
					    d->sb.hdr.uuid, NULL);
		if (!err && vx_get16(b + 48) == 0)
			salvage_leaf(r, ip, b, pblk, l);
		if (err)
			rd_skip(r, "%s: block %llu (logical %llu) is not a "
				"directory node (%s); its names are skipped",
				ip, (unsigned long long)pblk,
				(unsigned long long)lb, vx_strerror(err));
		err = 0;
	}
	if (err)
		rd_skip(r, "%s: %s; its names are skipped", ip,
			vx_strerror(err));
}

static void rd_entry(struct rd *r, int dfd, const char *dip, const char *dhp,
		     const struct ent *e);

/* copy directory @dir's entries into @dfd */
static void rd_contents(struct rd *r, vx_ino_t dir, const char *ip,
			const char *hp, int dfd)
{
	struct ents l = { 0 };
	int err = vx_readdir(r->d->fs, dbg_tx(r->d), dir, collect, &l);

	if (err) {
		ents_free(&l);
		dbg_warn(r->d, "%s: the library refuses its index (%s); reading "
			 "its leaves from the device", ip, vx_strerror(err));
		salvage(r, dir, ip, &l);
	}
	for (size_t i = 0; i < l.n; i++)
		rd_entry(r, dfd, ip, hp, &l.v[i]);
	ents_free(&l);
}

/* why a directory is not entered (R5), or NULL */
static const char *rd_dir_refused(struct rd *r, vx_ino_t ino)
{
	for (unsigned i = 0; i < r->depth; i++)
		if (r->anc[i] == ino)
			return "a loop: it contains itself";
	if (r->depth >= RD_MAX_DEPTH)
		return "nested too deep";
	switch (iset_add(&r->seen, ino)) {
	case 0: return "already copied under another name";
	case 1: return NULL;
	}
	return "out of memory";
}

static void rd_dir(struct rd *r, int dfd, const char *name, const char *ip,
		   const char *hp, const struct vx_attr *a)
{
	const char *why = rd_dir_refused(r, a->ino);
	mode_t mode = r->keep ? a->mode & 07777 : a->mode & 0777 & ~r->umask;
	int fd, err;

	if (why) {
		rd_skip(r, "%s: directory inode %llu not copied: %s", ip,
			(unsigned long long)a->ino, why);
		return;
	}
	if (mkdirat(dfd, name, 0700)) {
		rd_skip(r, "%s: cannot make %s: %s%s", ip, hp, strerror(errno),
			errno == EEXIST ? " (never replaced)" : "");
		return;
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0) {
		rd_skip(r, "%s: cannot enter %s: %s", ip, hp, strerror(errno));
		return;
	}
	r->anc[r->depth++] = a->ino;
	rd_contents(r, a->ino, ip, hp, fd);
	r->depth--;
	err = set_attrs(fd, -1, NULL, a, r->owner, mode, r->keep);
	if (err)
		rd_skip(r, "%s: setting the attributes of %s: %s", ip, hp,
			vx_strerror(err));
	close(fd);
	r->dirs++;
}

static void rd_file(struct rd *r, int dfd, const char *name, const char *ip,
		    const char *hp, const struct vx_attr *a)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			O_CLOEXEC, a->mode & 0777);
	uint64_t at;
	bool host;
	int err;

	if (fd < 0) {
		rd_skip(r, "%s: cannot make %s: %s%s", ip, hp, strerror(errno),
			errno == EEXIST ? " (never replaced)" : "");
		return;
	}
	err = copy_data(r->d, a->ino, a->size, fd, true, r->buf, &host, &at);
	if (err) {
		close(fd);
		unlinkat(dfd, name, 0);
		rd_skip(r, "%s: %s %s at byte %llu: %s; not copied", ip,
			host ? "writing" : "reading", host ? hp : ip,
			(unsigned long long)at, vx_strerror(err));
		return;
	}
	if (r->keep && (err = set_attrs(fd, -1, NULL, a, r->owner,
					a->mode & 07777, true)))
		rd_skip(r, "%s: setting the attributes of %s: %s", ip, hp,
			vx_strerror(err));
	if (close(fd)) {
		rd_skip(r, "%s: writing %s: %s", ip, hp, strerror(errno));
		return;
	}
	r->files++;
}

static void rd_link(struct rd *r, int dfd, const char *name, const char *ip,
		    const char *hp, const struct vx_attr *a)
{
	char target[4097];
	size_t len;
	int err = vx_readlink(r->d->fs, dbg_tx(r->d), a->ino, target,
			      sizeof(target), &len);

	if (!err && (len >= sizeof(target) || strlen(target) != len))
		err = VX_ECORRUPT;	/* too long, or a NUL inside */
	if (err) {
		rd_skip(r, "%s: reading the symlink: %s", ip, vx_strerror(err));
		return;
	}
	if (symlinkat(target, dfd, name)) {	/* (R4) */
		rd_skip(r, "%s: cannot make %s: %s%s", ip, hp, strerror(errno),
			errno == EEXIST ? " (never replaced)" : "");
		return;
	}
	if (r->keep && (err = set_attrs(-1, dfd, name, a, r->owner,
					(mode_t)-1, true)))
		rd_skip(r, "%s: setting the attributes of %s: %s", ip, hp,
			vx_strerror(err));
	r->links++;
}

static void rd_special(struct rd *r, int dfd, const char *name,
		       const char *ip, const char *hp, const struct vx_attr *a)
{
	int err;

	if ((S_ISCHR(a->mode) || S_ISBLK(a->mode)) && !r->devices) {
		rd_skip(r, "%s: %s not made (rdump -D makes device nodes)", ip,
			type_word(a->mode));
		return;
	}
	if (mknodat(dfd, name, (a->mode & S_IFMT) | (a->mode & 0777),
		    (dev_t)a->rdev)) {
		rd_skip(r, "%s: cannot make %s: %s%s", ip, hp, strerror(errno),
			errno == EEXIST ? " (never replaced)" : "");
		return;
	}
	if (r->keep && (err = set_attrs(-1, dfd, name, a, r->owner,
					a->mode & 07777, true)))
		rd_skip(r, "%s: setting the attributes of %s: %s", ip, hp,
			vx_strerror(err));
	r->special++;
}

/* why a name from the image is not used (R2), or NULL */
static const char *bad_name(const char *s, size_t n)
{
	if (!n)
		return "an empty name";
	if (memchr(s, 0, n))
		return "a NUL byte in the name";
	if (memchr(s, '/', n))
		return "a '/' in the name";
	if (s[0] == '.' && (n == 1 || (n == 2 && s[1] == '.')))
		return "'.' and '..' are not names of their own";
	return NULL;
}

/* @dir/@name for messages ("" + @name is @name) */
static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	char *p;

	if (asprintf(&p, "%s%s%s", dir, !n || dir[n - 1] == '/' ? "" : "/",
		     name) < 0)
		return NULL;
	return p;
}

static void rd_entry(struct rd *r, int dfd, const char *dip, const char *dhp,
		     const struct ent *e)
{
	const char *why = bad_name(e->name, e->len);
	char name[ESC_MAX], *ip, *hp;
	struct vx_attr a;
	int err;

	if (why) {
		rd_skip(r, "%s: entry '%s' (inode %llu) refused: %s", dip,
			esc(e->name, e->len, name), (unsigned long long)e->ino,
			why);
		return;
	}
	ip = join(dip, e->name);
	hp = join(dhp, e->name);
	if (!ip || !hp) {
		rd_skip(r, "%s: out of memory", dip);
		goto out;
	}
	err = vx_stat(r->d->fs, dbg_tx(r->d), e->ino, &a);
	if (err) {
		rd_skip(r, "%s: inode %llu: %s; not copied", ip,
			(unsigned long long)e->ino, vx_strerror(err));
		goto out;
	}
	if (S_ISDIR(a.mode))
		rd_dir(r, dfd, e->name, ip, hp, &a);
	else if (S_ISREG(a.mode))
		rd_file(r, dfd, e->name, ip, hp, &a);
	else if (S_ISLNK(a.mode))
		rd_link(r, dfd, e->name, ip, hp, &a);
	else
		rd_special(r, dfd, e->name, ip, hp, &a);
out:
	free(ip);
	free(hp);
}

/* one PATH argument: HOSTDIR/NAME, or for "/", "." and ".." (no name of
 * their own) the directory's contents straight into HOSTDIR */
static void rd_top(struct rd *r, const char *path, const char *hostdir,
		   int hfd)
{
	size_t n = strlen(path);
	const char *last;
	struct ent e;
	vx_ino_t ino;

	if (dbg_lookup(r->d, path, false, &ino)) {
		r->skipped++;
		return;
	}
	while (n > 1 && path[n - 1] == '/')
		n--;
	last = memrchr(path, '/', n);
	last = last ? last + 1 : path;
	e = (struct ent){ .name = strndup(last, n - (size_t)(last - path)),
			  .ino = ino };
	if (!e.name) {
		rd_skip(r, "%s: out of memory", path);
		return;
	}
	e.len = strlen(e.name);
	if (bad_name(e.name, e.len)) {
		const char *why = rd_dir_refused(r, ino);

		if (why) {
			rd_skip(r, "%s: directory inode %llu not copied: %s",
				path, (unsigned long long)ino, why);
		} else {
			r->anc[r->depth++] = ino;
			rd_contents(r, ino, path, hostdir, hfd);
			r->depth--;
		}
	} else {
		/* the entry's directory as typed, for messages */
		char *dip = strndup(path, (size_t)(last - path));

		if (dip)
			rd_entry(r, hfd, dip, hostdir, &e);
		else
			rd_skip(r, "%s: out of memory", path);
		free(dip);
	}
	free(e.name);
}

int cmd_rdump(struct dbg *d, int argc, char **argv)
{
	struct rd r = { .d = d };
	const char *hostdir;
	int ch, hfd;

	while ((ch = getopt(argc, argv, "pD")) != -1) {
		if (ch == 'p')
			r.keep = true;
		else if (ch == 'D')
			r.devices = true;
		else
			goto usage;
	}
	if (argc - optind < 2)
		goto usage;
	hostdir = argv[argc - 1];
	hfd = open(hostdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (hfd < 0)
		return dbg_fail(d, -errno, "HOSTDIR %s", hostdir);
	r.buf = malloc(CHUNK);
	if (!r.buf) {
		close(hfd);
		return dbg_fail(d, -ENOMEM, "%s", hostdir);
	}
	r.owner = r.keep && geteuid() == 0;
	r.umask = umask(0);
	umask(r.umask);
	for (int i = optind; i < argc - 1; i++)
		rd_top(&r, argv[i], hostdir, hfd);
	close(hfd);
	free(r.buf);
	free(r.seen.v);
	printf("rdump: %lu files, %lu directories, %lu symlinks, %lu special "
	       "files, %lu skipped\n", r.files, r.dirs, r.links, r.special,
	       r.skipped);
	if (r.skipped) {
		dbg_err(d, "%lu entr%s skipped or not copied (named above); "
			"everything else is in %s", r.skipped,
			r.skipped == 1 ? "y was" : "ies were", hostdir);
		return DBG_FAIL;
	}
	return 0;
usage:
	dbg_usage(d, dbg_find_cmd("rdump"));
	return DBG_FAIL;
}
