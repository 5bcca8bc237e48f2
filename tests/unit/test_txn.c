/*
 * test_txn.c: transactions (lib/txn*.c), one test per invariant of the
 * header comment of lib/txn.c (I1-I4, T1-T5) and of include/vexfs/txn.h,
 * on the in-memory io.
 *
 * Every test formats a filesystem on a mem device and opens it with
 * VX_OPEN_BORROW_IO and a fixed time, so that images are reproducible
 * byte for byte: an aborted transaction can then be checked against a
 * snapshot of the image taken before it began, and a filesystem can be
 * closed and opened again (or a copy of its image opened, which runs
 * recovery) to read back what was committed.  Contents are patterns of
 * (offset, seed), so every read is compared with what was written.
 *
 * Crashes are simulated as in test_journal.c, with a recording io layer
 * in place of the cut one: it keeps the writes a commit (and the sync
 * after it) makes, and a "crash after write k" image is the image from
 * before the transaction with only the first k of them applied.  A copy
 * of a running filesystem's image is a crash at that moment.
 *
 * Consistency after any of that is checked by walking the tree from the
 * root (check_tree): names resolve, link counts match, no block is
 * mapped twice, and the inodes and blocks in use are exactly the
 * reachable ones plus the fixed metadata.  Free blocks may hold bytes
 * of an aborted write: file data goes in place, before the commit, to
 * blocks the writing transaction allocated (file.c, J7), so the byte
 * comparisons leave free blocks out (image_traces).
 *
 * The concurrency tests use threads with their own transactions and
 * rand_r seeds, a bounded number of transactions each, and never call
 * cmocka from a thread: workers record, the main thread asserts.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fs_int.h"

#define KiB	1024ull
#define MiB	(1024ull * 1024)
#define ROOT	VX_ROOT_INO
#define T0	1700000000	/* every timestamp the library sets */

/* ---- fixture ---- */

struct tfs {
	struct vx_io *mem;
	struct vx_fs *fs;
	uint64_t bytes;
	uint32_t bsize;
};

static void tfs_open(struct tfs *t)
{
	struct vx_open_opts o = { .flags = VX_OPEN_BORROW_IO,
				  .fixed_time = T0 };

	assert_int_equal(vx_fs_open(t->mem, &o, &t->fs), 0);
}

/* format @bytes at block size 2^@blog (@gblocks blocks a group, 0 for
 * the default; @jblocks journal blocks) and open it */
static struct tfs *tfs_make(uint32_t blog, uint64_t bytes, uint32_t gblocks,
			    uint64_t jblocks)
{
	struct vx_mkfs_params p = { .block_log = blog, .group_blocks = gblocks,
				    .journal_blocks = jblocks, .hash_seed = 7,
				    .now = T0 };
	struct tfs *t = calloc(1, sizeof(*t));
	struct vx_super sb;

	assert_non_null(t);
	memset(p.uuid, 0x5a, sizeof(p.uuid));
	assert_int_equal(vx_io_mem_open(bytes, &t->mem), 0);
	assert_int_equal(vx_fs_plan(&p, bytes, &sb), 0);
	assert_int_equal(vx_fs_format(t->mem, &sb, 0), 0);
	t->bytes = bytes;
	t->bsize = 1u << blog;
	tfs_open(t);
	return t;
}

static void tfs_reopen(struct tfs *t)
{
	assert_int_equal(vx_fs_close(t->fs), 0);
	tfs_open(t);
}

static void tfs_free(struct tfs *t)
{
	if (t->fs)
		assert_int_equal(vx_fs_close(t->fs), 0);
	assert_int_equal(vx_io_close(t->mem), 0);
	free(t);
}

static uint8_t *image(struct tfs *t)
{
	return vx_io_mem_data(t->mem, NULL);
}

static uint8_t *snapshot(struct tfs *t)
{
	uint8_t *s = malloc(t->bytes);

	assert_non_null(s);
	memcpy(s, image(t), t->bytes);
	return s;
}

/* open a copy of @img (recovery runs on it) */
static struct tfs *tfs_copy(const uint8_t *img, uint64_t bytes, uint32_t bsize)
{
	struct tfs *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	assert_int_equal(vx_io_mem_open(bytes, &t->mem), 0);
	memcpy(image(t), img, bytes);
	t->bytes = bytes;
	t->bsize = bsize;
	tfs_open(t);
	return t;
}

static struct vx_txn_stats stats(struct vx_fs *fs)
{
	struct vx_txn_stats s;

	assert_int_equal(vx_txn_stats(fs, &s), 0);
	return s;
}

/* a counter that is not what it should be, said before failing */
static int stat_differs(const char *what, uint64_t got, uint64_t want)
{
	if (got == want)
		return 0;
	print_message("%s: %llu, want %llu\n", what, (unsigned long long)got,
		      (unsigned long long)want);
	return 1;
}

static struct vx_txn_info info(struct vx_txn *tx)
{
	struct vx_txn_info i;

	assert_int_equal(vx_txn_info(tx, &i), 0);
	return i;
}

static void set_tunables(struct vx_fs *fs, unsigned timeout_ms,
			 unsigned max_depth)
{
	struct vx_txn_tunables tun;

	assert_int_equal(vx_txn_get_tunables(fs, &tun), 0);
	if (timeout_ms)
		tun.commit_timeout_ms = timeout_ms;
	if (max_depth)
		tun.max_depth = max_depth;
	assert_int_equal(vx_txn_set_tunables(fs, &tun), 0);
}

/* ---- contents ---- */

static unsigned char pat(uint64_t off, unsigned seed)
{
	uint64_t x = (off + 1) * 0x9e3779b97f4a7c15ull ^ seed * 0x5851f42dull;

	return (unsigned char)(x >> 29 | 1);	/* never zero */
}

static int write_pat(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino,
		     uint64_t off, size_t len, unsigned seed)
{
	unsigned char *buf = malloc(len ? len : 1);
	int err;

	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++)
		buf[i] = pat(off + i, seed);
	err = vx_write(fs, tx, ino, off, buf, len);
	free(buf);
	return err;
}

/* does @ino hold exactly @len bytes of pattern @seed?  0 when it does,
 * an error, or 1 for a mismatch (reported) */
static int pat_cmp(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino,
		   uint64_t len, unsigned seed)
{
	unsigned char *buf = malloc(len + 16);
	struct vx_attr a;
	size_t done = 0;
	int err;

	if (!buf)
		return -ENOMEM;
	err = vx_stat(fs, tx, ino, &a);
	if (!err && a.size != len) {
		print_message("inode %llu: size %llu, want %llu\n",
			      (unsigned long long)ino,
			      (unsigned long long)a.size,
			      (unsigned long long)len);
		err = 1;
	}
	if (!err)
		err = vx_read(fs, tx, ino, 0, buf, len + 16, &done);
	if (!err && done != len)
		err = 1;
	for (uint64_t i = 0; !err && i < len; i++)
		if (buf[i] != pat(i, seed)) {
			print_message("inode %llu: byte %llu is %02x, want "
				      "%02x (seed %u)\n",
				      (unsigned long long)ino,
				      (unsigned long long)i, buf[i],
				      pat(i, seed), seed);
			err = 1;
		}
	free(buf);
	return err;
}

/* check_pat - assert pat_cmp() == 0, failing at the caller's line */
#define check_pat(fs, tx, ino, len, seed) \
	_assert_int_equal((uintmax_t)(int64_t)pat_cmp(fs, tx, ino, len, seed), \
			  0, __FILE__, __LINE__)

/* the inode @name in @dir leads to, or 0 when there is no such name */
static vx_ino_t find(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dir,
		     const char *name)
{
	vx_ino_t ino = 0;
	int err = vx_lookup(fs, tx, dir, name, &ino);

	if (err == -ENOENT)
		return 0;
	assert_int_equal(err, 0);
	assert_int_not_equal(ino, 0);
	return ino;
}

static vx_ino_t mkfile(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dir,
		       const char *name)
{
	struct vx_attr a = { .mode = S_IFREG | 0644 };
	vx_ino_t ino = 0;

	assert_int_equal(vx_create(fs, tx, dir, name, &a, &ino), 0);
	return ino;
}

static vx_ino_t mkdir_(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dir,
		       const char *name)
{
	struct vx_attr a = { .mode = S_IFDIR | 0755 };
	vx_ino_t ino = 0;

	assert_int_equal(vx_mkdir(fs, tx, dir, name, &a, &ino), 0);
	return ino;
}

/* a file @name in @dir holding @len bytes of pattern @seed */
static vx_ino_t mkfile_pat(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dir,
			   const char *name, size_t len, unsigned seed)
{
	vx_ino_t ino = mkfile(fs, tx, dir, name);

	assert_int_equal(write_pat(fs, tx, ino, 0, len, seed), 0);
	return ino;
}

/* ---- directory listings ---- */

struct ent {
	char name[VX_NAME_MAX + 1];
	vx_ino_t ino;
	unsigned type;
};

struct listing {
	struct ent *v;
	size_t n, cap;
};

static int collect(void *ctx, const char *name, size_t len, vx_ino_t ino,
		   unsigned type)
{
	struct listing *l = ctx;

	if (len > VX_NAME_MAX)
		return -1;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct ent *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	memcpy(l->v[l->n].name, name, len);
	l->v[l->n].name[len] = 0;
	l->v[l->n].ino = ino;
	l->v[l->n].type = type;
	l->n++;
	return 0;
}

/* the entries of @dir without "." and ".." (checked: @dir, @parent) */
static void list_dir(struct vx_fs *fs, vx_ino_t dir, vx_ino_t parent,
		     struct listing *l)
{
	memset(l, 0, sizeof(*l));
	assert_int_equal(vx_readdir(fs, NULL, dir, collect, l), 0);
	assert_true(l->n >= 2);
	assert_string_equal(l->v[0].name, ".");
	assert_int_equal(l->v[0].ino, dir);
	assert_string_equal(l->v[1].name, "..");
	assert_int_equal(l->v[1].ino, parent);
	memmove(l->v, l->v + 2, (l->n - 2) * sizeof(*l->v));
	l->n -= 2;
}

static const struct ent *find_ent(const struct listing *l, const char *name)
{
	const struct ent *found = NULL;

	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name)) {
			assert_null(found);	/* listed once */
			found = &l->v[i];
		}
	return found;
}

/* ---- images ---- */

static bool is_meta_block(const struct vx_super *sb, vx_blk_t b)
{
	uint32_t g = (uint32_t)(b / sb->group_blocks);
	struct vx_glayout gl;

	if (b == 0 || (b >= sb->journal_start &&
		       b < sb->journal_start + sb->journal_blocks))
		return true;
	vx_group_layout(sb, g, &gl);
	return b < gl.itable + sb->itable_blocks;
}

static const char *block_kind(const struct vx_super *sb, vx_blk_t b)
{
	uint32_t g = (uint32_t)(b / sb->group_blocks);
	struct vx_glayout gl;

	vx_group_layout(sb, g, &gl);
	if (b == 0)
		return "superblock";
	if (b >= sb->journal_start && b < sb->journal_start + sb->journal_blocks)
		return "journal";
	if (b == gl.sb_copy && gl.sb_copy)
		return "superblock backup";
	if (b == gl.header)
		return "group header";
	if (b >= gl.bbitmap && b < gl.ibitmap)
		return "block bitmap";
	if (b >= gl.ibitmap && b < gl.itable)
		return "inode bitmap";
	if (b >= gl.itable && b < gl.itable + sb->itable_blocks)
		return "inode table";
	return "allocated block";
}

/*
 * Compare the image of @t (synced) with @snap block by block and return
 * how many blocks differ, each reported with what it is and the bytes
 * that differ.  A block that is free now may differ: file data is
 * written in place, before the commit, into blocks the writing
 * transaction allocated (file.c, J7), so an aborted write leaves bytes
 * in blocks that are free again; those are no part of the filesystem.
 * *@loose (may be NULL) gets how many free blocks differ.
 */
static uint64_t image_traces(struct tfs *t, const uint8_t *snap,
			     uint64_t *loose)
{
	const struct vx_super *sb = vx_fs_super(t->fs);
	uint64_t n = 0, nfree = 0, nblk = t->bytes / t->bsize;

	for (uint64_t b = 0; b < nblk; b++) {
		const uint8_t *x = image(t) + b * t->bsize;
		const uint8_t *y = snap + b * t->bsize;
		bool used = true;
		int shown = 0;

		if (!memcmp(x, y, t->bsize))
			continue;
		if (!is_meta_block(sb, b)) {
			assert_int_equal(vx_block_in_use(t->fs, b, &used), 0);
			if (!used) {
				nfree++;
				continue;
			}
		}
		n++;
		print_message("block %llu (%s) differs:",
			      (unsigned long long)b, block_kind(sb, b));
		for (size_t k = 0; k < t->bsize && shown < 12; k++)
			if (x[k] != y[k]) {
				print_message(" @%zu %02x (was %02x)", k,
					      x[k], y[k]);
				shown++;
			}
		print_message("\n");
	}
	if (loose)
		*loose = nfree;
	return n;
}

/*
 * The first use of inode-table blocks (and of a group's bitmaps) is set
 * up outside any transaction and stays (lib/txn.c, I4): allocate and
 * free @n inodes first, so that what a test aborts later lives in
 * inode-table blocks that are already set up.
 */
static void warm_itable(struct vx_fs *fs, unsigned n)
{
	char name[32];

	for (unsigned i = 0; i < n; i++) {
		vx_ino_t ino;

		snprintf(name, sizeof(name), ".warm%u", i);
		assert_int_equal(vx_create(fs, NULL, ROOT, name, NULL, &ino), 0);
	}
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), ".warm%u", i);
		assert_int_equal(vx_unlink(fs, NULL, ROOT, name), 0);
	}
}

/* ---- consistency ---- */

/* the superblock's counts are the sums of the group headers' */
static void check_counts(struct vx_fs *fs)
{
	const struct vx_super *sb = vx_fs_super(fs);
	uint64_t fb = 0, fi = 0;
	struct vx_group g;

	for (uint32_t i = 0; i < sb->group_count; i++) {
		assert_int_equal(vx_fs_group(fs, i, &g), 0);
		assert_true(g.free_blocks <= g.nblocks - g.meta_blocks);
		assert_true(g.free_inodes <= sb->inodes_per_group);
		fb += g.free_blocks;
		fi += g.free_inodes;
	}
	assert_int_equal(fb, sb->free_blocks);
	assert_int_equal(fi, sb->free_inodes);
}

struct seen {
	vx_ino_t ino;
	uint32_t names;		/* files: names found; dirs: subdirectories */
	uint32_t mode;
};

struct tree {
	struct vx_fs *fs;
	struct seen *v;
	size_t n, cap;
	uint64_t blocks;		/* sum of the inodes' blocks */
	vx_blk_t *data;		/* blocks mapped by regular files */
	size_t ndata, cdata;
};

static struct seen *tree_seen(struct tree *w, vx_ino_t ino, bool *fresh)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].ino == ino) {
			*fresh = false;
			return &w->v[i];
		}
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 256;
		w->v = realloc(w->v, w->cap * sizeof(*w->v));
		assert_non_null(w->v);
	}
	*fresh = true;
	w->v[w->n] = (struct seen){ .ino = ino };
	return &w->v[w->n++];
}

/* every block regular file @ino maps */
static void tree_file_blocks(struct tree *w, vx_ino_t ino, uint64_t size)
{
	uint64_t nblk = (size + w->fs->bsize - 1) / w->fs->bsize;

	for (uint64_t l = 0; l < nblk;) {
		vx_blk_t p;
		uint64_t run;

		assert_int_equal(vx_bmap(w->fs, NULL, ino, l, &p, &run), 0);
		assert_true(run >= 1);
		if (run > nblk - l)
			run = nblk - l;
		for (uint64_t k = 0; p && k < run; k++) {
			if (w->ndata == w->cdata) {
				w->cdata = w->cdata ? 2 * w->cdata : 1024;
				w->data = realloc(w->data,
						  w->cdata * sizeof(*w->data));
				assert_non_null(w->data);
			}
			w->data[w->ndata++] = p + k;
		}
		l += run;
	}
}

static void tree_walk(struct tree *w, vx_ino_t dir, vx_ino_t parent)
{
	struct listing l;

	list_dir(w->fs, dir, parent, &l);
	for (size_t i = 0; i < l.n; i++) {
		const struct ent *e = &l.v[i];
		struct vx_attr a;
		struct seen *s;
		bool fresh;

		assert_int_equal(vx_stat(w->fs, NULL, e->ino, &a), 0);
		assert_int_equal(e->type, vx_ftype_of_mode(a.mode));
		s = tree_seen(w, e->ino, &fresh);
		if (S_ISDIR(a.mode)) {
			assert_true(fresh);	/* one name a directory */
			s->mode = a.mode;
			w->blocks += a.blocks;
			tree_walk(w, e->ino, dir);
			/* s may have moved: find it again */
			s = tree_seen(w, e->ino, &fresh);
			assert_int_equal(a.nlink, 2 + s->names);
			/* the parent counts it */
			s = tree_seen(w, dir, &fresh);
			s->names++;
			continue;
		}
		s->names++;
		if (!fresh)
			continue;
		s->mode = a.mode;
		w->blocks += a.blocks;
		if (S_ISREG(a.mode)) {
			unsigned char *buf = malloc(a.size + 1);
			size_t done;

			assert_non_null(buf);
			assert_int_equal(vx_read(w->fs, NULL, e->ino, 0, buf,
						 a.size + 1, &done), 0);
			assert_int_equal(done, a.size);
			free(buf);
			tree_file_blocks(w, e->ino, a.size);
		} else if (S_ISLNK(a.mode)) {
			char target[4100];
			size_t len;

			assert_int_equal(vx_readlink(w->fs, NULL, e->ino, target,
						     sizeof(target), &len), 0);
			assert_int_equal(len, a.size);
		}
	}
	free(l.v);
}

static int cmp_blk(const void *a, const void *b)
{
	vx_blk_t x = *(const vx_blk_t *)a, y = *(const vx_blk_t *)b;

	return x < y ? -1 : x > y;
}

/* what is in use besides the tree's inodes and blocks (fixed for a
 * geometry: metadata, journal) */
struct base {
	uint64_t inodes, blocks;
};

/*
 * Walk the whole tree from the root: every name resolves, its type is
 * its inode's, files read to their size, link counts match the names
 * found, no two files map one block and every mapped block is in use;
 * the inodes and blocks in use are exactly those the tree holds plus
 * @base (NULL: fill @out with what they are).  With @soft, a count that
 * differs is reported and counted, not asserted.  Returns how many
 * counts differ.
 */
static int tree_check(struct vx_fs *fs, const struct base *base,
		      struct base *out, bool soft)
{
	const struct vx_super *sb = vx_fs_super(fs);
	struct tree w = { .fs = fs };
	uint64_t used_i = (uint64_t)sb->inodes_per_group * sb->group_count -
			  sb->free_inodes;
	uint64_t used_b = sb->block_count - sb->free_blocks;
	struct vx_attr a;
	struct seen *root;
	bool fresh;
	int bad = 0;

	check_counts(fs);
	root = tree_seen(&w, ROOT, &fresh);
	assert_int_equal(vx_stat(fs, NULL, ROOT, &a), 0);
	root->mode = a.mode;
	w.blocks += a.blocks;
	tree_walk(&w, ROOT, ROOT);
	assert_int_equal(a.nlink, 2 + w.v[0].names);
	for (size_t i = 1; i < w.n; i++) {
		if (S_ISDIR(w.v[i].mode))
			continue;
		assert_int_equal(vx_stat(fs, NULL, w.v[i].ino, &a), 0);
		assert_int_equal(a.nlink, w.v[i].names);
	}
	if (w.ndata)
		qsort(w.data, w.ndata, sizeof(*w.data), cmp_blk);
	for (size_t i = 0; i < w.ndata; i++) {
		bool used;

		if (i)
			assert_true(w.data[i] > w.data[i - 1]); /* unshared */
		assert_int_equal(vx_block_in_use(fs, w.data[i], &used), 0);
		assert_true(used);
	}
	if (base && soft) {
		if (used_i != w.n + base->inodes) {
			print_message("inodes in use %llu, reachable %llu\n",
				      (unsigned long long)used_i,
				      (unsigned long long)(w.n + base->inodes));
			bad++;
		}
		if (used_b != w.blocks + base->blocks) {
			print_message("blocks in use %llu, reachable %llu\n",
				      (unsigned long long)used_b,
				      (unsigned long long)(w.blocks +
							   base->blocks));
			bad++;
		}
	} else if (base) {
		assert_int_equal(used_i, w.n + base->inodes);
		assert_int_equal(used_b, w.blocks + base->blocks);
	}
	if (out) {
		out->inodes = used_i - w.n;
		out->blocks = used_b - w.blocks;
	}
	free(w.v);
	free(w.data);
	return bad;
}

static void check_tree(struct vx_fs *fs, const struct base *base,
		       struct base *out)
{
	tree_check(fs, base, out, false);
}

/* ---- (I4) abort ---- */

/*
 * (I4) an aborted transaction leaves no trace: ten kinds of change in
 * one transaction, each visible inside it, then an abort; after a sync
 * the image is byte for byte what it was before the transaction began
 * (fixed_time keeps the superblock's write time, so block 0 is compared
 * too), except the contents of free blocks (see image_traces), and the
 * free counts are unchanged.
 */
static void test_I4_abort_leaves_no_trace(void **state)
{
	struct tfs *t = tfs_make(10, 8 * MiB, 2048, 512);
	struct vx_fs *fs = t->fs;
	struct vx_attr sa = { .mode = 0600, .uid = 42, .gid = 43 };
	vx_ino_t d, old, victim, tr, nd, nf, ln, ino;
	uint64_t fb, fi, aborts, loose;
	struct vx_txn *tx;
	struct vx_attr a;
	struct base base;
	uint8_t *snap;
	char buf[64];
	size_t len;

	(void)state;
	/* the state before: a directory and three files */
	d = mkdir_(fs, NULL, ROOT, "d");
	old = mkfile_pat(fs, NULL, ROOT, "old", 5000, 1);
	victim = mkfile_pat(fs, NULL, d, "victim", 3 * KiB, 2);
	tr = mkfile_pat(fs, NULL, ROOT, "tr", 7 * KiB, 3);
	warm_itable(fs, 64);
	assert_int_equal(vx_fs_sync(fs), 0);
	check_tree(fs, NULL, &base);
	snap = snapshot(t);
	fb = vx_fs_super(fs)->free_blocks;
	fi = vx_fs_super(fs)->free_inodes;
	aborts = stats(fs).aborts;

	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);
	nd = mkdir_(fs, tx, ROOT, "new");				/* 1 */
	nf = mkfile(fs, tx, nd, "f");					/* 2 */
	assert_int_equal(write_pat(fs, tx, nf, 0, 10 * KiB, 4), 0);	/* 3 */
	assert_int_equal(vx_symlink(fs, tx, ROOT, "ln", "new/f", NULL,
				    &ln), 0);				/* 4 */
	assert_int_equal(vx_link(fs, tx, old, d, "old2"), 0);		/* 5 */
	assert_int_equal(vx_rename(fs, tx, ROOT, "old", d, "moved", 0),
			 0);						/* 6 */
	assert_int_equal(vx_truncate(fs, tx, tr, 100), 0);		/* 7 */
	assert_int_equal(vx_setattr(fs, tx, tr, &sa, VX_SET_MODE |
				    VX_SET_UID | VX_SET_GID), 0);	/* 8 */
	assert_int_equal(vx_unlink(fs, tx, d, "victim"), 0);		/* 9 */
	assert_int_equal(write_pat(fs, tx, old, 4000, 3000, 5), 0);	/* 10 */

	/* all of it visible inside the transaction */
	check_pat(fs, tx, nf, 10 * KiB, 4);
	assert_int_equal(vx_lookup_path(fs, tx, ROOT, "ln", VX_LOOKUP_FOLLOW,
					&ino), 0);
	assert_int_equal(ino, nf);
	assert_int_equal(vx_readlink(fs, tx, ln, buf, sizeof(buf), &len), 0);
	assert_string_equal(buf, "new/f");
	assert_int_equal(find(fs, tx, d, "old2"), old);
	assert_int_equal(find(fs, tx, d, "moved"), old);
	assert_int_equal(find(fs, tx, ROOT, "old"), 0);
	assert_int_equal(find(fs, tx, d, "victim"), 0);
	assert_int_equal(vx_stat(fs, tx, tr, &a), 0);
	assert_int_equal(a.size, 100);
	assert_int_equal(a.mode, S_IFREG | 0600);
	assert_int_equal(a.uid, 42);
	assert_int_equal(vx_stat(fs, tx, old, &a), 0);
	assert_int_equal(a.size, 7000);
	assert_int_equal(a.nlink, 2);
	assert_int_equal(info(tx).state, VX_TXN_ACTIVE);
	assert_int_equal(info(tx).ops, 10);
	assert_true(vx_fs_super(fs)->free_inodes < fi);
	assert_true(vx_fs_super(fs)->free_blocks < fb);

	assert_int_equal(vx_txn_abort(tx), 0);
	assert_int_equal(stats(fs).aborts, aborts + 1);
	assert_int_equal(vx_fs_super(fs)->free_blocks, fb);
	assert_int_equal(vx_fs_super(fs)->free_inodes, fi);
	/* the old view, from the cache */
	assert_int_equal(find(fs, NULL, ROOT, "new"), 0);
	assert_int_equal(find(fs, NULL, ROOT, "ln"), 0);
	assert_int_equal(find(fs, NULL, ROOT, "old"), old);
	assert_int_equal(find(fs, NULL, d, "old2"), 0);
	assert_int_equal(find(fs, NULL, d, "moved"), 0);
	assert_int_equal(find(fs, NULL, d, "victim"), victim);
	check_pat(fs, NULL, old, 5000, 1);
	check_pat(fs, NULL, victim, 3 * KiB, 2);
	check_pat(fs, NULL, tr, 7 * KiB, 3);
	assert_int_equal(vx_stat(fs, NULL, tr, &a), 0);
	assert_int_equal(a.mode, S_IFREG | 0644);
	assert_int_equal(a.uid, 0);
	assert_int_equal(vx_stat(fs, NULL, old, &a), 0);
	assert_int_equal(a.nlink, 1);
	check_tree(fs, &base, NULL);

	/* and on disk, byte for byte */
	assert_int_equal(vx_fs_sync(fs), 0);
	assert_int_equal(vx_fs_super(fs)->free_blocks, fb);
	assert_int_equal(vx_fs_super(fs)->free_inodes, fi);
	assert_int_equal(image_traces(t, snap, &loose), 0);
	/* the data the three writes put in place: 10 blocks, 4 redirected
	 * from old's, and tr's last block with its tail zeroed */
	assert_true(loose <= 10 * KiB / t->bsize + 4 + 1);
	tfs_reopen(t);
	check_tree(t->fs, &base, NULL);
	free(snap);
	tfs_free(t);
}

/* ---- nesting ---- */

/*
 * Three levels, every combination of commit and abort: level i creates
 * its own file, which must exist afterwards iff level i and every level
 * above it committed; each level sees what its committed children merged
 * into it and nothing of an aborted one.
 */
static void test_nested_three_levels(void **state)
{
	struct tfs *t = tfs_make(10, 8 * MiB, 2048, 512);
	struct vx_fs *fs = t->fs;
	vx_ino_t dirs[8];
	uint64_t rollbacks = stats(fs).rollbacks, nested_aborts = 0;

	(void)state;
	for (unsigned c = 0; c < 8; c++) {
		struct vx_txn *lv[4] = { NULL };
		char name[16];

		snprintf(name, sizeof(name), "c%u", c);
		dirs[c] = mkdir_(fs, NULL, ROOT, name);
		assert_int_equal(vx_txn_begin(fs, 0, 0, &lv[1]), 0);
		for (unsigned l = 1; l <= 3; l++) {
			if (l > 1)
				assert_int_equal(vx_txn_begin_nested(lv[l - 1], 0,
								     &lv[l]), 0);
			assert_int_equal(info(lv[l]).depth, l);
			snprintf(name, sizeof(name), "l%u", l);
			mkfile_pat(fs, lv[l], dirs[c], name, 500 + 300 * l,
				   c * 10 + l);
		}
		/* bit l-1 of c: level l commits */
		for (unsigned l = 3; l >= 1; l--) {
			bool commit = c & (1u << (l - 1));

			if (commit)
				assert_int_equal(vx_txn_commit(lv[l], NULL), 0);
			else
				assert_int_equal(vx_txn_abort(lv[l]), 0);
			if (l == 1)
				break;
			nested_aborts += !commit;
			/* the parent sees its own file and a committed
			 * child's, as long as the child's chain committed */
			for (unsigned k = 1; k <= 3; k++) {
				bool want = true;
				vx_ino_t ino;

				for (unsigned m = l; m <= k; m++)
					want = want && (c & (1u << (m - 1)));
				snprintf(name, sizeof(name), "l%u", k);
				ino = find(fs, lv[l - 1], dirs[c], name);
				assert_int_equal(ino != 0, want);
				if (ino)
					check_pat(fs, lv[l - 1], ino, 500 + 300 * k,
						  c * 10 + k);
			}
		}
	}
	assert_int_equal(stats(fs).rollbacks, rollbacks + nested_aborts);
	for (int round = 0; round < 2; round++) {
		fs = t->fs;
		for (unsigned c = 0; c < 8; c++) {
			bool want = true;
			char name[16];
			struct listing l;
			size_t n = 0;

			list_dir(fs, dirs[c], ROOT, &l);
			for (unsigned k = 1; k <= 3; k++) {
				const struct ent *e;

				want = want && (c & (1u << (k - 1)));
				snprintf(name, sizeof(name), "l%u", k);
				e = find_ent(&l, name);
				assert_int_equal(e != NULL, want);
				if (e)
					check_pat(fs, NULL, e->ino, 500 + 300 * k,
						  c * 10 + k);
				n += want;
			}
			assert_int_equal(l.n, n);
			free(l.v);
		}
		check_tree(fs, NULL, NULL);
		tfs_reopen(t);		/* and once more from the disk */
	}
	tfs_free(t);
}

/*
 * A nested abort restores the parent's view (read your writes): the
 * parent's file, overwritten, grown, truncated and renamed by children
 * that abort, reads back as the parent wrote it, and the free counts
 * are the parent's again.
 */
static void test_nested_abort_restores_parent(void **state)
{
	struct tfs *t = tfs_make(10, 8 * MiB, 2048, 512);
	struct vx_fs *fs = t->fs;
	struct vx_txn *p, *c, *g;
	uint64_t fb, fi;
	vx_ino_t f, x;

	(void)state;
	assert_int_equal(vx_txn_begin(fs, 0, 0, &p), 0);
	f = mkfile_pat(fs, p, ROOT, "p", 3000, 50);
	fb = vx_fs_super(fs)->free_blocks;
	fi = vx_fs_super(fs)->free_inodes;

	assert_int_equal(vx_txn_begin_nested(p, 0, &c), 0);
	assert_int_equal(write_pat(fs, c, f, 0, 9000, 51), 0);
	check_pat(fs, c, f, 9000, 51);
	x = mkfile_pat(fs, c, ROOT, "x", 2000, 52);
	assert_int_equal(vx_txn_begin_nested(c, 0, &g), 0);
	check_pat(fs, g, x, 2000, 52);
	assert_int_equal(vx_truncate(fs, g, f, 10), 0);
	assert_int_equal(vx_rename(fs, g, ROOT, "p", ROOT, "q", 0), 0);
	assert_int_equal(vx_txn_commit(g, NULL), 0);	/* into c */
	assert_int_equal(find(fs, c, ROOT, "q"), f);
	assert_int_equal(vx_txn_abort(c), 0);		/* takes g's too */

	check_pat(fs, p, f, 3000, 50);
	assert_int_equal(find(fs, p, ROOT, "p"), f);
	assert_int_equal(find(fs, p, ROOT, "q"), 0);
	assert_int_equal(find(fs, p, ROOT, "x"), 0);
	assert_int_equal(vx_fs_super(fs)->free_blocks, fb);
	assert_int_equal(vx_fs_super(fs)->free_inodes, fi);

	/* a child that commits, then one that aborts over it */
	assert_int_equal(vx_txn_begin_nested(p, 0, &c), 0);
	assert_int_equal(write_pat(fs, c, f, 0, 4000, 53), 0);
	assert_int_equal(vx_txn_commit(c, NULL), 0);
	check_pat(fs, p, f, 4000, 53);
	assert_int_equal(vx_txn_begin_nested(p, 0, &c), 0);
	assert_int_equal(vx_unlink(fs, c, ROOT, "p"), 0);
	assert_int_equal(vx_txn_abort(c), 0);
	check_pat(fs, p, f, 4000, 53);
	assert_int_equal(vx_txn_commit(p, NULL), 0);

	tfs_reopen(t);
	fs = t->fs;
	assert_int_equal(find(fs, NULL, ROOT, "p"), f);
	assert_int_equal(find(fs, NULL, ROOT, "x"), 0);
	check_pat(fs, NULL, f, 4000, 53);
	check_tree(fs, NULL, NULL);
	tfs_free(t);
}

/* ---- nesting and isolation errors ---- */

/*
 * At most max_depth levels (VX_ENESTING past them), and only the
 * innermost open level may be used: begin_nested, operations and commit
 * on an outer level fail with VX_ENESTING and leave it ACTIVE.
 */
static void test_nesting_limit(void **state)
{
	struct tfs *t = tfs_make(10, 8 * MiB, 2048, 512);
	struct vx_fs *fs = t->fs;
	struct vx_txn *l1, *l2, *l3, *x;
	vx_ino_t ino;

	(void)state;
	set_tunables(fs, 0, 3);
	assert_int_equal(vx_txn_begin(fs, 0, 0, &l1), 0);
	assert_int_equal(vx_txn_begin_nested(l1, 0, &l2), 0);
	assert_int_equal(vx_txn_begin_nested(l2, 0, &l3), 0);
	x = (struct vx_txn *)&x;
	assert_int_equal(vx_txn_begin_nested(l3, 0, &x), VX_ENESTING);
	assert_null(x);
	/* outer levels are not usable while a child is open */
	assert_int_equal(vx_txn_begin_nested(l1, 0, &x), VX_ENESTING);
	assert_int_equal(vx_txn_begin_nested(l2, 0, &x), VX_ENESTING);
	assert_int_equal(vx_create(fs, l2, ROOT, "no", NULL, &ino), VX_ENESTING);
	assert_int_equal(vx_lookup(fs, l1, ROOT, "lost+found", &ino),
			 VX_ENESTING);
	assert_int_equal(vx_write(fs, l1, ROOT, 0, "x", 1), VX_ENESTING);
	assert_int_equal(vx_txn_commit(l1, NULL), VX_ENESTING);
	assert_int_equal(vx_txn_commit(l2, NULL), VX_ENESTING);
	/* none of that failed the transaction */
	assert_int_equal(info(l1).state, VX_TXN_ACTIVE);
	assert_int_equal(info(l3).state, VX_TXN_ACTIVE);
	mkfile_pat(fs, l3, ROOT, "deep", 100, 1);
	assert_int_equal(vx_txn_commit(l3, NULL), 0);
	mkfile_pat(fs, l2, ROOT, "mid", 200, 2);	/* innermost again */
	assert_int_equal(vx_txn_commit(l2, NULL), 0);
	assert_int_equal(vx_txn_commit(l1, NULL), 0);
	assert_int_equal(find(fs, NULL, ROOT, "no"), 0);
	check_pat(fs, NULL, find(fs, NULL, ROOT, "deep"), 100, 1);
	check_pat(fs, NULL, find(fs, NULL, ROOT, "mid"), 200, 2);
	tfs_free(t);
}

/*
 * A child may not ask for stronger isolation than its parent
 * (VX_EISOLATION), and takes the parent's by default; a VX_TXN_RDONLY
 * transaction's changes fail with VX_EISOLATION, have no effect and
 * leave it ACTIVE.
 */
static void test_isolation_errors(void **state)
{
	struct tfs *t = tfs_make(10, 8 * MiB, 2048, 512);
	struct vx_fs *fs = t->fs;
	struct vx_attr a = { .mode = 0600 };
	struct vx_txn *r, *c, *x;
	vx_ino_t f, ino;
	uint64_t fb;

	(void)state;
	f = mkfile_pat(fs, NULL, ROOT, "f", 1500, 7);
	/* a child never promises more than its parent */
	assert_int_equal(vx_txn_begin(fs, 0, VX_ISO_READ_COMMITTED, &r), 0);
	assert_int_equal(info(r).isolation, VX_ISO_READ_COMMITTED);
	x = (struct vx_txn *)&x;
	assert_int_equal(vx_txn_begin_nested(r, VX_ISO_SERIALIZABLE, &x),
			 VX_EISOLATION);
	assert_null(x);
	assert_int_equal(info(r).state, VX_TXN_ACTIVE);
	assert_int_equal(vx_txn_begin_nested(r, 0, &c), 0);
	assert_int_equal(info(c).isolation, VX_ISO_READ_COMMITTED);
	assert_int_equal(vx_txn_abort(c), 0);
	assert_int_equal(vx_txn_abort(r), 0);
	assert_int_equal(vx_txn_begin(fs, 0, 0, &r), 0);
	assert_int_equal(info(r).isolation, VX_ISO_SERIALIZABLE);
	assert_int_equal(vx_txn_begin_nested(r, VX_ISO_READ_COMMITTED, &c), 0);
	assert_int_equal(info(c).isolation, VX_ISO_READ_COMMITTED);
	assert_int_equal(vx_txn_commit(c, NULL), 0);
	assert_int_equal(vx_txn_commit(r, NULL), 0);

	/* a read-only transaction reads, and changes nothing */
	fb = vx_fs_super(fs)->free_blocks;
	assert_int_equal(vx_txn_begin(fs, VX_TXN_RDONLY, 0, &r), 0);
	assert_int_equal(info(r).flags & VX_TXN_RDONLY, VX_TXN_RDONLY);
	assert_int_equal(write_pat(fs, r, f, 0, 100, 8), VX_EISOLATION);
	assert_int_equal(vx_create(fs, r, ROOT, "g", NULL, &ino), VX_EISOLATION);
	assert_int_equal(vx_mkdir(fs, r, ROOT, "d", NULL, &ino), VX_EISOLATION);
	assert_int_equal(vx_unlink(fs, r, ROOT, "f"), VX_EISOLATION);
	assert_int_equal(vx_truncate(fs, r, f, 0), VX_EISOLATION);
	assert_int_equal(vx_setattr(fs, r, f, &a, VX_SET_MODE), VX_EISOLATION);
	assert_int_equal(vx_rename(fs, r, ROOT, "f", ROOT, "h", 0),
			 VX_EISOLATION);
	assert_int_equal(info(r).state, VX_TXN_ACTIVE);
	assert_int_equal(find(fs, r, ROOT, "f"), f);
	check_pat(fs, r, f, 1500, 7);
	assert_int_equal(vx_txn_commit(r, NULL), 0);
	check_pat(fs, NULL, f, 1500, 7);
	assert_int_equal(find(fs, NULL, ROOT, "g"), 0);
	assert_int_equal(find(fs, NULL, ROOT, "h"), 0);
	assert_int_equal(vx_fs_super(fs)->free_blocks, fb);
	tfs_free(t);
}

/* ---- failed transactions ---- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct writer {
	struct vx_fs *fs;
	struct vx_txn *tx;
	vx_ino_t ino;
	size_t len;
	unsigned seed;
	int err;
};

static void *wait_write(void *arg)
{
	struct writer *w = arg;

	w->err = write_pat(w->fs, w->tx, w->ino, 0, w->len, w->seed);
	return NULL;
}

/*
 * Deadlock (T4): a waits for g, which b holds; b asking for f, which a
 * holds, would close the cycle, so b fails at once with VX_EDEADLOCK and
 * is FAILED from then on: every call but abort returns VX_ETXNFAILED,
 * commit aborts it (what it did before is undone), and a nested level's
 * abort does not make it usable again.  a then gets g and goes on.
 */
static void test_failed_stays_failed(void **state)
{
	struct tfs *t = tfs_make(10, 8 * MiB, 2048, 512);
	struct vx_fs *fs = t->fs;
	struct vx_txn *a, *b, *c, *c2, *x;
	struct vx_txn_stats s0, s1;
	vx_ino_t f, g, ino;
	struct vx_attr at;
	struct writer w;
	pthread_t th;
	char buf[16];
	size_t done;
	double t0;

	(void)state;
	set_tunables(fs, 5000, 0);
	f = mkfile_pat(fs, NULL, ROOT, "f", 2000, 1);
	g = mkfile_pat(fs, NULL, ROOT, "g", 1000, 2);
	s0 = stats(fs);
	assert_int_equal(vx_txn_begin(fs, 0, 0, &a), 0);
	assert_int_equal(write_pat(fs, a, f, 0, 2000, 3), 0);
	assert_int_equal(vx_txn_begin(fs, 0, 0, &b), 0);
	mkfile_pat(fs, b, ROOT, "before", 700, 4);
	assert_int_equal(write_pat(fs, b, g, 0, 1000, 6), 0);
	/* a waits for g (the same bytes g holds now, so g reads back as
	 * before whoever wins) */
	w = (struct writer){ .fs = fs, .tx = a, .ino = g, .len = 1000,
			     .seed = 2 };
	assert_int_equal(pthread_create(&th, NULL, wait_write, &w), 0);
	usleep(200 * 1000);
	t0 = now_s();
	assert_int_equal(write_pat(fs, b, f, 0, 10, 5), VX_EDEADLOCK);
	assert_true(now_s() - t0 < 2.0);	/* at once, not after a wait */
	assert_int_equal(info(b).state, VX_TXN_FAILED);
	assert_int_equal(info(b).error, VX_EDEADLOCK);
	assert_int_equal(info(a).state, VX_TXN_ACTIVE);

	assert_int_equal(write_pat(fs, b, g, 0, 10, 6), VX_ETXNFAILED);
	assert_int_equal(vx_lookup(fs, b, ROOT, "g", &ino), VX_ETXNFAILED);
	assert_int_equal(vx_read(fs, b, g, 0, buf, sizeof(buf), &done),
			 VX_ETXNFAILED);
	assert_int_equal(vx_stat(fs, b, g, &at), VX_ETXNFAILED);
	assert_int_equal(vx_create(fs, b, ROOT, "after", NULL, &ino),
			 VX_ETXNFAILED);
	assert_int_equal(vx_unlink(fs, b, ROOT, "g"), VX_ETXNFAILED);
	assert_int_equal(vx_txn_begin_nested(b, 0, &x), VX_ETXNFAILED);
	assert_int_equal(info(b).state, VX_TXN_FAILED);
	assert_int_equal(info(b).error, VX_EDEADLOCK);	/* the first cause */
	assert_int_equal(vx_txn_commit(b, NULL), VX_ETXNFAILED);
	assert_int_equal(pthread_join(th, NULL), 0);	/* a got g */
	assert_int_equal(w.err, 0);
	s1 = stats(fs);
	assert_int_equal(s1.deadlocks, s0.deadlocks + 1);
	assert_int_equal(s1.aborts, s0.aborts + 1);
	assert_int_equal(s1.errors, s0.errors + 1);
	assert_int_equal(s1.commits, s0.commits);
	assert_int_equal(s1.running, 1);

	/* the same from a nested level, after a wait that times out: the
	 * whole family fails */
	set_tunables(fs, 300, 0);
	assert_int_equal(vx_txn_begin(fs, 0, 0, &c), 0);
	mkfile_pat(fs, c, ROOT, "c_outer", 300, 7);
	assert_int_equal(vx_txn_begin_nested(c, 0, &c2), 0);
	assert_int_equal(write_pat(fs, c2, f, 0, 10, 8), VX_ETIMEOUT);
	assert_int_equal(info(c2).state, VX_TXN_FAILED);
	assert_int_equal(info(c).state, VX_TXN_FAILED);
	assert_int_equal(vx_txn_abort(c2), 0);
	assert_int_equal(info(c).state, VX_TXN_FAILED);
	assert_int_equal(vx_create(fs, c, ROOT, "c_after", NULL, &ino),
			 VX_ETXNFAILED);
	assert_int_equal(vx_txn_commit(c, NULL), VX_ETXNFAILED);
	s1 = stats(fs);
	assert_int_equal(s1.deadlocks, s0.deadlocks + 1);
	assert_int_equal(s1.timeouts, s0.timeouts + 1);
	assert_int_equal(s1.aborts, s0.aborts + 2);

	assert_int_equal(vx_txn_commit(a, NULL), 0);
	s1 = stats(fs);
	assert_int_equal(s1.commits, s0.commits + 1);
	assert_int_equal(s1.running, 0);
	check_pat(fs, NULL, f, 2000, 3);
	check_pat(fs, NULL, g, 1000, 2);
	assert_int_equal(find(fs, NULL, ROOT, "before"), 0);
	assert_int_equal(find(fs, NULL, ROOT, "after"), 0);
	assert_int_equal(find(fs, NULL, ROOT, "c_outer"), 0);
	assert_int_equal(find(fs, NULL, ROOT, "c_after"), 0);
	tfs_reopen(t);
	check_pat(t->fs, NULL, f, 2000, 3);
	assert_int_equal(find(t->fs, NULL, ROOT, "before"), 0);
	check_tree(t->fs, NULL, NULL);
	tfs_free(t);
}

/* ---- isolation ---- */

struct waiter {
	struct vx_fs *fs;
	struct vx_txn *tx;
	const char *name;
	vx_ino_t ino;
	int err;
};

static void *wait_lookup(void *arg)
{
	struct waiter *w = arg;

	w->err = vx_lookup(w->fs, w->tx, ROOT, w->name, &w->ino);
	return NULL;
}

/*
 * A name a running transaction created is seen by no one else: a reader
 * (with a transaction of its own or none) waits for it and times out,
 * without the inode.  An older
 * reader that waits while the creator commits sees the committed name;
 * while it aborts, no name.
 */
static void test_isolation(void **state)
{
	struct tfs *t = tfs_make(10, 8 * MiB, 2048, 512);
	struct vx_fs *fs = t->fs;
	struct vx_txn *r, *a, *r2;
	struct listing l = { 0 };
	struct vx_attr at;
	struct waiter w;
	pthread_t th;
	vx_ino_t s, ino, sec, later = 0;
	uint64_t waits;
	double t0;

	(void)state;
	set_tunables(fs, 200, 0);
	assert_int_equal(vx_txn_begin(fs, 0, 0, &r), 0);	/* older */
	assert_int_equal(vx_txn_begin(fs, 0, 0, &a), 0);
	s = mkfile_pat(fs, a, ROOT, "secret", 100, 9);
	assert_int_equal(find(fs, a, ROOT, "secret"), s);

	ino = 0;
	t0 = now_s();
	assert_int_equal(vx_lookup(fs, r, ROOT, "secret", &ino), VX_ETIMEOUT);
	assert_true(now_s() - t0 >= 0.15);
	assert_int_equal(ino, 0);
	assert_int_equal(info(r).state, VX_TXN_FAILED);
	assert_int_equal(vx_txn_abort(r), 0);

	assert_int_equal(vx_lookup(fs, NULL, ROOT, "secret", &ino), VX_ETIMEOUT);
	assert_int_equal(ino, 0);
	assert_int_equal(vx_stat(fs, NULL, s, &at), VX_ETIMEOUT);
	assert_int_equal(vx_readdir(fs, NULL, ROOT, collect, &l), VX_ETIMEOUT);
	assert_int_equal(l.n, 0);
	assert_int_equal(vx_txn_begin(fs, 0, VX_ISO_READ_COMMITTED, &r2), 0);
	assert_int_equal(vx_lookup(fs, r2, ROOT, "secret", &ino), VX_ETIMEOUT);
	assert_int_equal(ino, 0);
	assert_int_equal(vx_txn_abort(r2), 0);

	assert_int_equal(vx_txn_commit(a, NULL), 0);
	assert_int_equal(find(fs, NULL, ROOT, "secret"), s);
	check_pat(fs, NULL, s, 100, 9);
	sec = s;

	/* an older reader waiting while the writer commits, then aborts */
	set_tunables(fs, 10000, 0);
	for (int commit = 1; commit >= 0; commit--) {
		const char *name = commit ? "later" : "never";

		assert_int_equal(vx_txn_begin(fs, 0, 0, &r), 0);
		assert_int_equal(vx_txn_begin(fs, 0, 0, &a), 0);
		s = mkfile_pat(fs, a, ROOT, name, 300, 10);
		waits = stats(fs).lock_waits;
		w = (struct waiter){ .fs = fs, .tx = r, .name = name };
		assert_int_equal(pthread_create(&th, NULL, wait_lookup, &w), 0);
		usleep(200 * 1000);
		if (commit)
			assert_int_equal(vx_txn_commit(a, NULL), 0);
		else
			assert_int_equal(vx_txn_abort(a), 0);
		assert_int_equal(pthread_join(th, NULL), 0);
		assert_int_equal(stats(fs).lock_waits, waits + 1);
		if (commit) {
			later = s;
			assert_int_equal(w.err, 0);
			assert_int_equal(w.ino, s);
			check_pat(fs, r, s, 300, 10);
		} else {
			assert_int_equal(w.err, -ENOENT);
			assert_int_equal(w.ino, 0);
		}
		assert_int_equal(vx_txn_commit(r, NULL), 0);
	}
	assert_int_equal(find(fs, NULL, ROOT, "never"), 0);
	tfs_reopen(t);
	assert_int_equal(find(t->fs, NULL, ROOT, "secret"), sec);
	assert_int_equal(find(t->fs, NULL, ROOT, "later"), later);
	assert_int_equal(find(t->fs, NULL, ROOT, "never"), 0);
	check_pat(t->fs, NULL, sec, 100, 9);
	check_pat(t->fs, NULL, later, 300, 10);
	check_tree(t->fs, NULL, NULL);
	tfs_free(t);
}

/* ---- concurrency ---- */

#define NWORKERS	8
#define NTXNS		300	/* transactions per worker */
#define NFILES		12	/* private names f0..f11 */
#define NSLOTS		16	/* and directories d0..d3 */

struct slot {
	bool present;
	vx_ino_t ino;
	uint8_t *data;		/* a file's contents */
	size_t len;
};

/* what one worker has committed: its private directory, and the names
 * it owns in the shared one */
struct model {
	struct slot s[NSLOTS];
	unsigned *shared;
	size_t nshared, cshared;
};

struct worker {
	struct vx_fs *fs;
	unsigned id, seed;
	vx_ino_t pdir, sdir, sa, sb;
	struct model m;
	uint64_t commits, aborts, deadlocks, timeouts;
	uint64_t late;		/* commits that returned VX_ETIMEOUT */
	int bad;		/* first unexpected error */
	char why[160];
};

static void slot_name(unsigned i, char *buf, size_t size)
{
	if (i < NFILES)
		snprintf(buf, size, "f%u", i);
	else
		snprintf(buf, size, "d%u", i - NFILES);
}

static void model_free(struct model *m)
{
	for (unsigned i = 0; i < NSLOTS; i++)
		free(m->s[i].data);
	free(m->shared);
	memset(m, 0, sizeof(*m));
}

static int model_copy(struct model *d, const struct model *s)
{
	memset(d, 0, sizeof(*d));
	for (unsigned i = 0; i < NSLOTS; i++) {
		d->s[i] = s->s[i];
		d->s[i].data = NULL;
		if (s->s[i].len) {
			d->s[i].data = malloc(s->s[i].len);
			if (!d->s[i].data)
				return -ENOMEM;
			memcpy(d->s[i].data, s->s[i].data, s->s[i].len);
		}
	}
	if (s->nshared) {
		d->shared = malloc(s->nshared * sizeof(*d->shared));
		if (!d->shared)
			return -ENOMEM;
		memcpy(d->shared, s->shared, s->nshared * sizeof(*d->shared));
		d->nshared = d->cshared = s->nshared;
	}
	return 0;
}

static int slot_resize(struct slot *s, size_t len)
{
	uint8_t *p = realloc(s->data, len ? len : 1);

	if (!p)
		return -ENOMEM;
	if (len > s->len)
		memset(p + s->len, 0, len - s->len);
	s->data = p;
	s->len = len;
	return 0;
}

/* a random slot in [lo, hi) that is (or is not) present, or -1 */
static int pick(struct worker *w, const struct model *m, unsigned lo,
		unsigned hi, bool present)
{
	unsigned n = hi - lo, r = (unsigned)rand_r(&w->seed) % n;

	for (unsigned k = 0; k < n; k++) {
		unsigned i = lo + (r + k) % n;

		if (m->s[i].present == present)
			return (int)i;
	}
	return -1;
}

/* one operation on the private directory, valid in the model @m */
static int private_op(struct worker *w, struct vx_txn *tx, struct model *m,
		      const char **what)
{
	struct vx_fs *fs = w->fs;
	unsigned r = (unsigned)rand_r(&w->seed) % 100;
	char name[16], name2[16];
	struct slot *s;
	int i, j, err;

	i = r < 25 ? pick(w, m, 0, NFILES, false) :
	    r < 85 ? pick(w, m, 0, NFILES, true) :
	    r < 93 ? pick(w, m, NFILES, NSLOTS, false) :
		     pick(w, m, NFILES, NSLOTS, true);
	if (i < 0) {		/* not possible now: create or write */
		r = 0;
		i = pick(w, m, 0, NFILES, false);
		if (i < 0) {
			r = 30;
			i = pick(w, m, 0, NFILES, true);
		}
	}
	s = &m->s[i];
	slot_name((unsigned)i, name, sizeof(name));
	if (r < 25) {
		*what = "create";
		err = vx_create(fs, tx, w->pdir, name, NULL, &s->ino);
		if (!err)
			*s = (struct slot){ .present = true, .ino = s->ino };
	} else if (r < 55) {
		size_t off = (unsigned)rand_r(&w->seed) % 8192;
		size_t len = 1 + (unsigned)rand_r(&w->seed) % 3000;
		uint8_t *buf = malloc(len);

		*what = "write";
		if (!buf)
			return -ENOMEM;
		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)rand_r(&w->seed);
		err = vx_write(fs, tx, s->ino, off, buf, len);
		if (!err && off + len > s->len)
			err = slot_resize(s, off + len);
		if (!err)
			memcpy(s->data + off, buf, len);
		free(buf);
	} else if (r < 65) {
		size_t len = (unsigned)rand_r(&w->seed) % 10000;

		*what = "truncate";
		err = vx_truncate(fs, tx, s->ino, len);
		if (!err)
			err = slot_resize(s, len);
	} else if (r < 75) {
		*what = "unlink";
		err = vx_unlink(fs, tx, w->pdir, name);
		if (!err) {
			free(s->data);
			memset(s, 0, sizeof(*s));
		}
	} else if (r < 85) {
		j = (int)((unsigned)rand_r(&w->seed) % NFILES);
		slot_name((unsigned)j, name2, sizeof(name2));
		*what = "rename";
		err = vx_rename(fs, tx, w->pdir, name, w->pdir, name2, 0);
		if (!err && j != i) {	/* replaces f<j> if it is there */
			free(m->s[j].data);
			m->s[j] = *s;
			memset(s, 0, sizeof(*s));
		}
	} else if (r < 93) {
		*what = "mkdir";
		err = vx_mkdir(fs, tx, w->pdir, name, NULL, &s->ino);
		if (!err)
			*s = (struct slot){ .present = true, .ino = s->ino };
	} else {
		*what = "rmdir";
		err = vx_rmdir(fs, tx, w->pdir, name);
		if (!err)
			memset(s, 0, sizeof(*s));
	}
	return err;
}

/*
 * One operation on the shared directory: most often the same bytes
 * written at the same offset of shared/a and shared/b, in either order,
 * holding the first lock a moment (so that transactions deadlock); or a
 * name of this worker's made or removed there.
 */
static int shared_op(struct worker *w, struct vx_txn *tx, struct model *m,
		     unsigned it, const char **what)
{
	struct vx_fs *fs = w->fs;
	unsigned r = (unsigned)rand_r(&w->seed) % 100;
	char name[24];
	int err;

	if (r < 60) {
		size_t off = (unsigned)rand_r(&w->seed) % 4096;
		size_t len = 1 + (unsigned)rand_r(&w->seed) % 512;
		bool ab = rand_r(&w->seed) & 1;
		struct timespec pause = { 0, 200 * 1000 };
		uint8_t buf[512];

		*what = "write a, b";
		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)rand_r(&w->seed);
		err = vx_write(fs, tx, ab ? w->sa : w->sb, off, buf, len);
		if (!err) {
			nanosleep(&pause, NULL);
			err = vx_write(fs, tx, ab ? w->sb : w->sa, off, buf, len);
		}
		return err;
	}
	if (r < 85 || !m->nshared) {
		vx_ino_t ino;

		*what = "create shared";
		snprintf(name, sizeof(name), "t%u_%u", w->id, it);
		err = vx_create(fs, tx, w->sdir, name, NULL, &ino);
		if (!err && m->nshared == m->cshared) {
			size_t n = m->cshared ? 2 * m->cshared : 16;
			unsigned *p = realloc(m->shared, n * sizeof(*p));

			if (!p)
				return -ENOMEM;
			m->shared = p;
			m->cshared = n;
		}
		if (!err)
			m->shared[m->nshared++] = it;
		return err;
	}
	*what = "unlink shared";
	{
		size_t k = (unsigned)rand_r(&w->seed) % m->nshared;

		snprintf(name, sizeof(name), "t%u_%u", w->id, m->shared[k]);
		err = vx_unlink(fs, tx, w->sdir, name);
		if (!err)
			m->shared[k] = m->shared[--m->nshared];
	}
	return err;
}

static void worker_bad(struct worker *w, unsigned it, const char *what,
		       int err)
{
	if (w->bad)
		return;
	w->bad = err ? err : -1;
	snprintf(w->why, sizeof(w->why), "worker %u txn %u: %s: %s (%s)",
		 w->id, it, what, vx_errname(err), vx_strerror(err));
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;

	for (unsigned it = 0; it < NTXNS && !w->bad; it++) {
		unsigned nops = 1 + (unsigned)rand_r(&w->seed) % 3;
		bool shared = (unsigned)rand_r(&w->seed) % 100 < 30;
		unsigned at = (unsigned)rand_r(&w->seed) % (nops + 1);
		bool voluntary = (unsigned)rand_r(&w->seed) % 10 == 0;
		const char *what = "begin";
		struct vx_txn *tx;
		struct model m;
		int err;

		if (model_copy(&m, &w->m)) {
			worker_bad(w, it, "model", -ENOMEM);
			model_free(&m);
			break;
		}
		err = vx_txn_begin(w->fs, 0, 0, &tx);
		for (unsigned k = 0; k <= nops && !err; k++) {
			if (k == at && shared)
				err = shared_op(w, tx, &m, it, &what);
			if (!err && k < nops)
				err = private_op(w, tx, &m, &what);
		}
		if (!tx) {
			worker_bad(w, it, what, err);
		} else if (err || voluntary) {
			int e2 = vx_txn_abort(tx);

			w->aborts++;
			if (e2)
				worker_bad(w, it, "abort", e2);
		} else {
			/* VX_ETIMEOUT from the durability wait: committed in
			 * memory, on its way to the journal (txn.h) */
			what = "commit";
			err = vx_txn_commit(tx, NULL);
			if (err && err != VX_ETIMEOUT) {
				w->aborts++;
			} else {
				w->commits++;
				w->late += err == VX_ETIMEOUT;
				model_free(&w->m);
				w->m = m;
				memset(&m, 0, sizeof(m));
			}
		}
		if (err == VX_EDEADLOCK)
			w->deadlocks++;
		else if (err == VX_ETIMEOUT)
			w->timeouts++;
		else if (err)
			worker_bad(w, it, what, err);
		model_free(&m);
	}
	return NULL;
}

/* the worker's private directory holds exactly its model, and its
 * names in the shared directory are there */
static void check_worker(struct vx_fs *fs, const struct worker *w)
{
	struct listing l;
	size_t n = 0;

	list_dir(fs, w->pdir, ROOT, &l);
	for (unsigned i = 0; i < NSLOTS; i++) {
		const struct slot *s = &w->m.s[i];
		const struct ent *e;
		char name[16];

		slot_name(i, name, sizeof(name));
		e = find_ent(&l, name);
		assert_int_equal(e != NULL, s->present);
		if (!e)
			continue;
		n++;
		assert_int_equal(e->ino, s->ino);
		if (i >= NFILES) {
			struct listing sub;

			assert_int_equal(e->type, VX_FT_DIR);
			list_dir(fs, e->ino, w->pdir, &sub);
			assert_int_equal(sub.n, 0);
			free(sub.v);
		} else {
			unsigned char *buf = malloc(s->len + 10);
			size_t done;

			assert_non_null(buf);
			assert_int_equal(e->type, VX_FT_REG);
			assert_int_equal(vx_read(fs, NULL, e->ino, 0, buf,
						 s->len + 10, &done), 0);
			assert_int_equal(done, s->len);
			assert_memory_equal(buf, s->data, s->len);
			free(buf);
		}
	}
	assert_int_equal(l.n, n);
	free(l.v);
}

static void check_shared(struct vx_fs *fs, const struct worker *w)
{
	struct listing l;
	size_t n = 2;
	unsigned char *a, *b;
	struct vx_attr sa, sb;
	size_t done;

	list_dir(fs, w[0].sdir, ROOT, &l);
	assert_int_equal(find_ent(&l, "a")->ino, w[0].sa);
	assert_int_equal(find_ent(&l, "b")->ino, w[0].sb);
	for (unsigned i = 0; i < NWORKERS; i++) {
		for (size_t k = 0; k < w[i].m.nshared; k++) {
			char name[24];

			snprintf(name, sizeof(name), "t%u_%u", i,
				 w[i].m.shared[k]);
			assert_non_null(find_ent(&l, name));
		}
		n += w[i].m.nshared;
	}
	assert_int_equal(l.n, n);
	free(l.v);
	/* every transaction wrote a and b alike, or neither */
	assert_int_equal(vx_stat(fs, NULL, w[0].sa, &sa), 0);
	assert_int_equal(vx_stat(fs, NULL, w[0].sb, &sb), 0);
	assert_int_equal(sa.size, sb.size);
	assert_true(sa.size > 0);
	a = malloc(sa.size);
	b = malloc(sb.size);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(vx_read(fs, NULL, w[0].sa, 0, a, sa.size, &done), 0);
	assert_int_equal(done, sa.size);
	assert_int_equal(vx_read(fs, NULL, w[0].sb, 0, b, sb.size, &done), 0);
	assert_int_equal(done, sb.size);
	assert_memory_equal(a, b, sa.size);
	free(a);
	free(b);
}

/* everything a worker committed is there; returns how many counts of
 * inodes and blocks in use differ from the tree's (@soft) */
static int check_all(struct vx_fs *fs, const struct worker *w,
		     const struct base *base, bool soft)
{
	for (unsigned i = 0; i < NWORKERS; i++)
		check_worker(fs, &w[i]);
	check_shared(fs, w);
	return tree_check(fs, base, NULL, soft);
}

/*
 * Eight threads, each running NTXNS transactions of random operations
 * on its private directory, some also on a shared directory, some of
 * those writing shared/a and shared/b in opposite orders (wait-die
 * deadlocks), one in ten aborted on purpose.  Each worker keeps a model
 * of its directory, updated on a successful commit only.  Afterwards the
 * directories equal the models, a and b are equal and the inodes and
 * blocks in use are exactly the reachable ones, and the statistics add
 * up; then the same in a copy of the image recovered from the journal,
 * and after a close and an open.
 */
static void test_concurrency_8_threads(void **state)
{
	struct tfs *t = tfs_make(12, 64 * MiB, 0, 2048);
	struct vx_fs *fs = t->fs;
	struct worker *w = calloc(NWORKERS, sizeof(*w));
	uint64_t commits = 0, aborts = 0, deadlocks = 0, timeouts = 0, late = 0;
	struct vx_txn_stats s0, s1;
	pthread_t th[NWORKERS];
	vx_ino_t sdir, sa, sb;
	struct tfs *copy;
	struct base base;
	uint8_t *img;
	int bad = 0;

	(void)state;
	assert_non_null(w);
	/* bounds every wait (and the test's run time) */
	set_tunables(fs, 1000, 0);
	check_tree(fs, NULL, &base);
	sdir = mkdir_(fs, NULL, ROOT, "shared");
	sa = mkfile(fs, NULL, sdir, "a");
	sb = mkfile(fs, NULL, sdir, "b");
	for (unsigned i = 0; i < NWORKERS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "p%u", i);
		w[i] = (struct worker){ .fs = fs, .id = i, .seed = 1000 + i,
					.sdir = sdir, .sa = sa, .sb = sb };
		w[i].pdir = mkdir_(fs, NULL, ROOT, name);
	}
	s0 = stats(fs);
	for (unsigned i = 0; i < NWORKERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]),
				 0);
	for (unsigned i = 0; i < NWORKERS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (unsigned i = 0; i < NWORKERS; i++) {
		if (w[i].bad)
			print_message("%s\n", w[i].why);
		assert_int_equal(w[i].bad, 0);
		assert_int_equal(w[i].commits + w[i].aborts, NTXNS);
		commits += w[i].commits;
		aborts += w[i].aborts;
		deadlocks += w[i].deadlocks;
		timeouts += w[i].timeouts;
		late += w[i].late;
	}
	assert_int_equal(vx_txn_sync(fs), 0);
	s1 = stats(fs);
	assert_true(deadlocks > 0);		/* wait-die did its job */
	assert_true(commits > NWORKERS * NTXNS / 2);
	check_all(fs, w, &base, false);

	bad += stat_differs("begun", s1.begun - s0.begun, NWORKERS * NTXNS);
	bad += stat_differs("commits", s1.commits - s0.commits, commits);
	bad += stat_differs("aborts", s1.aborts - s0.aborts, aborts);
	bad += stat_differs("deadlocks", s1.deadlocks - s0.deadlocks,
			    deadlocks);
	bad += stat_differs("timeouts", s1.timeouts - s0.timeouts, timeouts);
	bad += stat_differs("running", s1.running, 0);
	if (s1.batches - s0.batches > s1.commits - s0.commits) {
		print_message("batches %llu, more than commits %llu\n",
			      (unsigned long long)(s1.batches - s0.batches),
			      (unsigned long long)(s1.commits - s0.commits));
		bad++;
	}
	/* nothing here waits for long: a commit that timed out waiting for
	 * its flush (the device is memory) is a lost wakeup */
	bad += stat_differs("commits that returned VX_ETIMEOUT", late, 0);

	/* a crash now: the journal holds what the home blocks may not */
	img = snapshot(t);
	copy = tfs_copy(img, t->bytes, t->bsize);
	free(img);
	bad += check_all(copy->fs, w, &base, true);
	tfs_free(copy);
	/* a clean close and open */
	tfs_reopen(t);
	bad += check_all(t->fs, w, &base, true);
	assert_int_equal(bad, 0);
	for (unsigned i = 0; i < NWORKERS; i++)
		model_free(&w[i].m);
	free(w);
	tfs_free(t);
}

/* ---- crashes ---- */

struct rec_w {
	uint64_t off;
	size_t len;
	uint8_t *data;
};

/* an io layer that forwards everything to @lower and, while on, keeps a
 * copy of every write and where the flushes fell */
struct rec_io {
	struct vx_io io;
	struct vx_io *lower;
	pthread_mutex_t lock;
	bool on;
	struct rec_w *w;
	size_t n, cap;
	size_t flushed;		/* writes before the last flush */
};

static int rec_read(struct vx_io *io, uint64_t off, void *b, size_t n)
{
	return vx_io_read(((struct rec_io *)io)->lower, off, b, n);
}

static int rec_write(struct vx_io *io, uint64_t off, const void *b, size_t n)
{
	struct rec_io *r = (struct rec_io *)io;
	int err = 0;

	pthread_mutex_lock(&r->lock);
	/* a crash can tear a write of several blocks anywhere: each 1 KiB
	 * (the smallest block) is recorded as a write of its own */
	for (size_t done = 0; r->on && !err && done < n; done += 1024) {
		size_t k = n - done < 1024 ? n - done : 1024;

		if (r->n == r->cap) {
			r->cap = r->cap ? 2 * r->cap : 64;
			r->w = realloc(r->w, r->cap * sizeof(*r->w));
		}
		if (r->w)
			r->w[r->n].data = malloc(k);
		if (!r->w || !r->w[r->n].data) {
			err = -ENOMEM;
		} else {
			r->w[r->n].off = off + done;
			r->w[r->n].len = k;
			memcpy(r->w[r->n].data, (const uint8_t *)b + done, k);
			r->n++;
		}
	}
	if (!err)
		err = vx_io_write(r->lower, off, b, n);
	pthread_mutex_unlock(&r->lock);
	return err;
}

static int rec_flush(struct vx_io *io)
{
	struct rec_io *r = (struct rec_io *)io;

	pthread_mutex_lock(&r->lock);
	if (r->on)
		r->flushed = r->n;
	pthread_mutex_unlock(&r->lock);
	return vx_io_flush(r->lower);
}

static int rec_size(struct vx_io *io, uint64_t *size)
{
	return vx_io_get_size(((struct rec_io *)io)->lower, size);
}

static int rec_close(struct vx_io *io)
{
	struct rec_io *r = (struct rec_io *)io;

	for (size_t i = 0; i < r->n; i++)
		free(r->w[i].data);
	free(r->w);
	pthread_mutex_destroy(&r->lock);
	free(r);
	return 0;
}

static const struct vx_io_ops rec_ops = {
	.name = "rec", .read = rec_read, .write = rec_write,
	.flush = rec_flush, .get_size = rec_size, .close = rec_close,
};

static struct rec_io *rec_new(struct vx_io *lower)
{
	struct rec_io *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->io.ops = &rec_ops;
	r->io.sector_size = lower->sector_size;
	r->lower = lower;
	pthread_mutex_init(&r->lock, NULL);
	return r;
}

/* what test_crash_cut_recovery's transaction does */
#define CUT_NEW_LEN	(8 * KiB)
#define CUT_OLD_LEN	6000

struct cut_state {
	vx_ino_t a, b, old, f1, f2, f3;
};

/* 1: the transaction is all there, 0: none of it; anything else fails */
static int cut_check(struct vx_fs *fs, const struct cut_state *cs,
		     const struct base *base)
{
	vx_ino_t nf = find(fs, NULL, cs->a, "new");
	vx_ino_t nd = find(fs, NULL, cs->b, "nd");
	vx_ino_t old = find(fs, NULL, ROOT, "old");
	vx_ino_t ren = find(fs, NULL, cs->a, "renamed");
	bool all = nf && nd && !old && ren == cs->old;
	bool none = !nf && !nd && old == cs->old && !ren;

	if (!all && !none)
		print_message("mixed state: new %llu nd %llu old %llu "
			      "renamed %llu\n", (unsigned long long)nf,
			      (unsigned long long)nd, (unsigned long long)old,
			      (unsigned long long)ren);
	assert_true(all || none);
	check_pat(fs, NULL, cs->old, CUT_OLD_LEN, 4);
	check_pat(fs, NULL, cs->f1, 3000, 1);
	check_pat(fs, NULL, cs->f2, 12 * KiB, 2);
	check_pat(fs, NULL, cs->f3, 1, 3);
	if (all) {
		struct listing l;

		check_pat(fs, NULL, nf, CUT_NEW_LEN, 5);
		list_dir(fs, nd, cs->b, &l);
		assert_int_equal(l.n, 0);
		free(l.v);
	}
	check_tree(fs, base, NULL);
	return all;
}

/* a fresh file on the recovered image: the allocators agree with the
 * tree (nothing allocated twice), and everything still reads back */
static void cut_alloc_more(struct vx_fs *fs, const struct cut_state *cs,
			   const struct base *base)
{
	vx_ino_t x = mkfile_pat(fs, NULL, ROOT, "more", 40 * KiB, 6);

	mkdir_(fs, NULL, cs->b, "more_dir");
	check_pat(fs, NULL, x, 40 * KiB, 6);
	check_tree(fs, base, NULL);
}

/*
 * (I3) a crash at every write of one transaction's commit, and of the
 * sync that follows it (the checkpoint writing it home): the image from
 * before the transaction with only the first k of those writes applied,
 * opened (recovery runs), holds all of the transaction or none of it,
 * and all of it once the commit's flush was reached.  Each such image is
 * consistent, and takes new files without harm.
 */
static void test_crash_cut_recovery(void **state)
{
	struct tfs *t = calloc(1, sizeof(*t));
	struct vx_mkfs_params p = { .block_log = 10, .group_blocks = 1024,
				    .journal_blocks = 256, .hash_seed = 7,
				    .now = T0 };
	struct vx_open_opts o = { .flags = VX_OPEN_BORROW_IO, .fixed_time = T0 };
	struct vx_super sb;
	struct cut_state cs;
	struct rec_io *rec;
	struct vx_txn *tx;
	struct base base;
	size_t durable, committed, total;
	unsigned nall = 0, nnone = 0;
	uint8_t *pre;
	vx_ino_t ino;

	(void)state;
	assert_non_null(t);
	t->bytes = 4 * MiB;
	t->bsize = 1024;
	memset(p.uuid, 0x5a, sizeof(p.uuid));
	assert_int_equal(vx_io_mem_open(t->bytes, &t->mem), 0);
	assert_int_equal(vx_fs_plan(&p, t->bytes, &sb), 0);
	assert_int_equal(vx_fs_format(t->mem, &sb, 0), 0);
	rec = rec_new(t->mem);
	assert_int_equal(vx_fs_open(&rec->io, &o, &t->fs), 0);

	/* the state before */
	cs.a = mkdir_(t->fs, NULL, ROOT, "a");
	cs.b = mkdir_(t->fs, NULL, ROOT, "b");
	cs.f1 = mkfile_pat(t->fs, NULL, cs.a, "f1", 3000, 1);
	cs.f2 = mkfile_pat(t->fs, NULL, cs.a, "f2", 12 * KiB, 2);
	cs.f3 = mkfile_pat(t->fs, NULL, cs.b, "f3", 1, 3);
	cs.old = mkfile_pat(t->fs, NULL, ROOT, "old", CUT_OLD_LEN, 4);
	assert_int_equal(vx_fs_sync(t->fs), 0);
	check_tree(t->fs, NULL, &base);
	pre = snapshot(t);

	rec->on = true;
	assert_int_equal(vx_txn_begin(t->fs, 0, 0, &tx), 0);
	ino = mkfile_pat(t->fs, tx, cs.a, "new", CUT_NEW_LEN, 5);
	mkdir_(t->fs, tx, cs.b, "nd");
	assert_int_equal(vx_rename(t->fs, tx, ROOT, "old", cs.a, "renamed", 0),
			 0);
	assert_int_equal(vx_txn_commit(tx, NULL), 0);
	committed = rec->n;
	durable = rec->flushed;
	assert_int_equal(vx_fs_sync(t->fs), 0);
	rec->on = false;
	total = rec->n;
	assert_true(durable > 0 && durable <= committed);
	assert_true(total > committed);	/* the checkpoint wrote home */
	assert_int_equal(cut_check(t->fs, &cs, &base), 1);
	check_pat(t->fs, NULL, ino, CUT_NEW_LEN, 5);

	for (size_t k = 0; k <= total; k++) {
		struct tfs *c = calloc(1, sizeof(*c));
		int all;

		assert_non_null(c);
		assert_int_equal(vx_io_mem_open(t->bytes, &c->mem), 0);
		c->bytes = t->bytes;
		c->bsize = t->bsize;
		memcpy(image(c), pre, t->bytes);
		for (size_t i = 0; i < k; i++)
			memcpy(image(c) + rec->w[i].off, rec->w[i].data,
			       rec->w[i].len);
		tfs_open(c);
		all = cut_check(c->fs, &cs, &base);
		if (k >= durable)
			assert_int_equal(all, 1);	/* (I2) durable */
		nall += all;
		nnone += !all;
		cut_alloc_more(c->fs, &cs, &base);
		tfs_reopen(c);
		assert_int_equal(cut_check(c->fs, &cs, &base), all);
		tfs_free(c);
	}
	assert_true(nall > 0 && nnone > 0);
	free(pre);
	assert_int_equal(vx_fs_close(t->fs), 0);
	t->fs = NULL;
	vx_io_close(&rec->io);
	tfs_free(t);
}

/* ---- no space ---- */

/*
 * A write that finds no space fails with VX_ENOSPC, has no effect, and
 * leaves the transaction ACTIVE; aborting it then leaves no trace.
 */
static void test_enospc_abort(void **state)
{
	struct tfs *t = tfs_make(10, 1 * MiB, 0, 256);
	struct vx_fs *fs = t->fs;
	struct vx_attr sa = { .mode = 0640 };
	uint64_t fb, fi, loose;
	struct vx_txn *tx;
	struct vx_attr a;
	struct base base;
	vx_ino_t ino = 0, keep;
	unsigned i;
	uint8_t *snap;
	int err = 0;

	(void)state;
	keep = mkfile_pat(fs, NULL, ROOT, "keep", 5000, 1);
	warm_itable(fs, (unsigned)vx_fs_super(fs)->free_inodes);
	assert_int_equal(vx_fs_sync(fs), 0);
	check_tree(fs, NULL, &base);
	snap = snapshot(t);
	fb = vx_fs_super(fs)->free_blocks;
	fi = vx_fs_super(fs)->free_inodes;
	assert_true(fb > 64);

	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);
	for (i = 0; i < 1000 && !err; i++) {
		char name[16];

		snprintf(name, sizeof(name), "fill%u", i);
		ino = mkfile(fs, tx, ROOT, name);
		err = write_pat(fs, tx, ino, 0, 32 * KiB, 10 + i);
	}
	assert_int_equal(err, VX_ENOSPC);
	assert_true(i > 1);
	assert_int_equal(info(tx).state, VX_TXN_ACTIVE);
	assert_int_equal(info(tx).error, 0);
	/* the failed write had no effect: the file is still empty */
	assert_int_equal(vx_stat(fs, tx, ino, &a), 0);
	assert_int_equal(a.size, 0);
	assert_int_equal(a.blocks, 0);
	/* earlier files of the transaction are whole */
	check_pat(fs, tx, find(fs, tx, ROOT, "fill0"), 32 * KiB, 10);
	/* and the transaction goes on */
	assert_int_equal(vx_setattr(fs, tx, keep, &sa, VX_SET_MODE), 0);
	check_pat(fs, tx, keep, 5000, 1);
	assert_int_equal(vx_txn_abort(tx), 0);

	assert_int_equal(vx_fs_super(fs)->free_blocks, fb);
	assert_int_equal(vx_fs_super(fs)->free_inodes, fi);
	assert_int_equal(find(fs, NULL, ROOT, "fill0"), 0);
	assert_int_equal(vx_stat(fs, NULL, keep, &a), 0);
	assert_int_equal(a.mode, S_IFREG | 0644);
	assert_int_equal(vx_fs_sync(fs), 0);
	assert_int_equal(image_traces(t, snap, &loose), 0);
	check_tree(fs, &base, NULL);
	/* the space is usable again */
	ino = mkfile_pat(fs, NULL, ROOT, "after", 32 * KiB, 99);
	tfs_reopen(t);
	check_pat(t->fs, NULL, ino, 32 * KiB, 99);
	check_pat(t->fs, NULL, keep, 5000, 1);
	free(snap);
	tfs_free(t);
}

/* ---- committed frees ---- */

/*
 * (I3) what a durable commit freed is free after a crash too: a file and
 * a directory removed and the blocks a truncate dropped, in a committed
 * transaction, are free in the image recovered from the journal just as
 * in the running filesystem (else they are lost: in use, reachable from
 * nowhere).
 */
static void test_I3_committed_frees_survive_crash(void **state)
{
	struct tfs *t = tfs_make(10, 8 * MiB, 2048, 512);
	struct vx_fs *fs = t->fs;
	struct vx_txn *tx;
	struct tfs *copy;
	struct base base;
	vx_ino_t g;
	uint8_t *img;
	int bad;

	(void)state;
	check_tree(fs, NULL, &base);
	mkfile_pat(fs, NULL, ROOT, "f", 20 * KiB, 1);
	mkdir_(fs, NULL, ROOT, "d");
	g = mkfile_pat(fs, NULL, ROOT, "g", 30 * KiB, 2);
	assert_int_equal(vx_fs_sync(fs), 0);

	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);
	assert_int_equal(vx_unlink(fs, tx, ROOT, "f"), 0);
	assert_int_equal(vx_rmdir(fs, tx, ROOT, "d"), 0);
	assert_int_equal(vx_truncate(fs, tx, g, 1000), 0);
	assert_int_equal(vx_txn_commit(tx, NULL), 0);	/* durable */
	check_tree(fs, &base, NULL);

	img = snapshot(t);
	copy = tfs_copy(img, t->bytes, t->bsize);
	free(img);
	assert_int_equal(find(copy->fs, NULL, ROOT, "f"), 0);
	assert_int_equal(find(copy->fs, NULL, ROOT, "d"), 0);
	check_pat(copy->fs, NULL, g, 1000, 2);
	bad = tree_check(copy->fs, &base, NULL, true);
	bad += stat_differs("free inodes after recovery",
			    vx_fs_super(copy->fs)->free_inodes,
			    vx_fs_super(fs)->free_inodes);
	bad += stat_differs("free blocks after recovery",
			    vx_fs_super(copy->fs)->free_blocks,
			    vx_fs_super(fs)->free_blocks);
	assert_int_equal(bad, 0);
	tfs_free(copy);
	tfs_free(t);
}

/* ---- failed operations ---- */

/*
 * (T2) an operation that fails has no effect (ops.h): a write that
 * first overwrites blocks its own transaction wrote, then finds no space
 * for the rest, leaves those blocks as they were, and the transaction
 * commits what it had.
 */
static void test_T2_failed_write_has_no_effect(void **state)
{
	struct tfs *t = tfs_make(10, 1 * MiB, 0, 256);
	struct vx_fs *fs = t->fs;
	struct vx_txn *tx;
	vx_ino_t f, g;
	uint64_t off = 0;
	int err = 0;

	(void)state;
	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);
	f = mkfile_pat(fs, tx, ROOT, "f", 16 * KiB, 1);
	g = mkfile(fs, tx, ROOT, "g");
	while (!err) {		/* fill the rest, a block at a time */
		err = write_pat(fs, tx, g, off, t->bsize, 2);
		if (!err)
			off += t->bsize;
	}
	assert_int_equal(err, VX_ENOSPC);
	check_pat(fs, tx, g, off, 2);
	/* 16 KiB over f's own blocks, then 16 KiB more than there is */
	assert_int_equal(write_pat(fs, tx, f, 0, 32 * KiB, 3), VX_ENOSPC);
	assert_int_equal(info(tx).state, VX_TXN_ACTIVE);
	check_pat(fs, tx, f, 16 * KiB, 1);
	assert_int_equal(vx_txn_commit(tx, NULL), 0);
	tfs_reopen(t);
	check_pat(t->fs, NULL, f, 16 * KiB, 1);
	check_pat(t->fs, NULL, g, off, 2);
	check_tree(t->fs, NULL, NULL);
	tfs_free(t);
}

/* ---- locks ---- */

/*
 * (T3) a new inode is locked by the transaction that made it, even when
 * its number was freed a moment ago by another transaction that still
 * holds its lock: here a nested level of A made an inode and was rolled
 * back (the inode is free at once, A keeps its lock to its end), and B
 * gets the same number.  B may use its own file, and A, older, must not
 * see it before B commits (it waits, and times out).
 */
static void test_T3_new_inode_locked_by_creator(void **state)
{
	struct tfs *t = tfs_make(10, 8 * MiB, 2048, 512);
	struct vx_fs *fs = t->fs;
	vx_ino_t da, db, n, g;
	struct vx_txn *a, *a1, *b;
	struct vx_attr at;

	(void)state;
	set_tunables(fs, 200, 0);
	da = mkdir_(fs, NULL, ROOT, "da");
	db = mkdir_(fs, NULL, ROOT, "db");
	assert_int_equal(vx_txn_begin(fs, 0, 0, &a), 0);
	assert_int_equal(vx_txn_begin_nested(a, 0, &a1), 0);
	n = mkfile(fs, a1, da, "tmp");
	assert_int_equal(vx_txn_abort(a1), 0);
	assert_int_equal(vx_txn_begin(fs, 0, 0, &b), 0);
	g = mkfile(fs, b, db, "g");
	assert_int_equal(g, n);		/* the number is used again */
	assert_int_equal(write_pat(fs, b, g, 0, 3000, 1), 0);
	check_pat(fs, b, g, 3000, 1);
	assert_int_equal(vx_stat(fs, a, g, &at), VX_ETIMEOUT);
	assert_int_equal(vx_txn_abort(a), 0);
	assert_int_equal(vx_txn_commit(b, NULL), 0);
	check_pat(fs, NULL, g, 3000, 1);
	assert_int_equal(find(fs, NULL, db, "g"), g);
	assert_int_equal(find(fs, NULL, da, "tmp"), 0);
	tfs_free(t);
}

/* ---- statistics ---- */

/*
 * Every transaction that ends is counted once, as a commit or an abort,
 * whether or not it changed anything: once none runs, begun = commits +
 * aborts.
 */
static void test_stats_every_commit_counts(void **state)
{
	struct tfs *t = tfs_make(10, 8 * MiB, 2048, 512);
	struct vx_fs *fs = t->fs;
	struct vx_txn_stats s0, s1;
	struct vx_txn *tx;
	struct vx_attr a;
	int bad = 0;

	(void)state;
	mkfile(fs, NULL, ROOT, "f");
	s0 = stats(fs);
	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);	/* reads */
	assert_int_not_equal(find(fs, tx, ROOT, "f"), 0);
	assert_int_equal(vx_txn_commit(tx, NULL), 0);
	assert_int_equal(vx_txn_begin(fs, VX_TXN_RDONLY, 0, &tx), 0);
	assert_int_equal(vx_stat(fs, tx, ROOT, &a), 0);
	assert_int_equal(vx_txn_commit(tx, NULL), 0);
	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);	/* a no-op */
	assert_int_equal(vx_rename(fs, tx, ROOT, "f", ROOT, "f", 0), 0);
	assert_int_equal(vx_txn_commit(tx, NULL), 0);
	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);	/* a change */
	mkfile(fs, tx, ROOT, "g");
	assert_int_equal(vx_txn_commit(tx, NULL), 0);
	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);
	mkfile(fs, tx, ROOT, "h");
	assert_int_equal(vx_txn_abort(tx), 0);
	s1 = stats(fs);
	bad += stat_differs("begun", s1.begun - s0.begun, 5);
	bad += stat_differs("commits", s1.commits - s0.commits, 4);
	bad += stat_differs("aborts", s1.aborts - s0.aborts, 1);
	bad += stat_differs("running", s1.running, 0);
	assert_int_equal(bad, 0);
	tfs_free(t);
}

/* ---- group commit ---- */

#define NCOMMITS	500	/* per thread */

struct committer {
	struct vx_fs *fs;
	vx_ino_t dir;
	unsigned n, late;
	int bad;
};

static void *commit_run(void *arg)
{
	struct committer *c = arg;

	for (unsigned i = 0; i < c->n && !c->bad; i++) {
		struct vx_txn *tx;
		char name[16];
		vx_ino_t ino;
		int err;

		snprintf(name, sizeof(name), "c%u", i);
		err = vx_txn_begin(c->fs, 0, 0, &tx);
		if (!err)
			err = vx_create(c->fs, tx, c->dir, name, NULL, &ino);
		if (err) {
			c->bad = err;
			if (tx)
				vx_txn_abort(tx);
			break;
		}
		err = vx_txn_commit(tx, NULL);
		if (err == VX_ETIMEOUT)
			c->late++;
		else if (err)
			c->bad = err;
	}
	return NULL;
}

/*
 * (I2) a synchronous commit returns once a flush covered it: with eight
 * threads committing at once (a new file each), one of them writes each
 * batch and wakes the others; none is left waiting for a flush nobody
 * will do (which ends in VX_ETIMEOUT after commit_timeout, on a memory
 * device).  A race: it does not fail on every run when it is broken.
 */
static void test_I2_group_commit_wakes_every_committer(void **state)
{
	struct tfs *t = tfs_make(10, 96 * MiB, 8192, 1024);
	struct vx_fs *fs = t->fs;
	struct committer c[NWORKERS];
	pthread_t th[NWORKERS];
	struct vx_txn_stats s0, s1;
	unsigned late = 0;

	(void)state;
	set_tunables(fs, 200, 0);
	for (unsigned i = 0; i < NWORKERS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "w%u", i);
		c[i] = (struct committer){ .fs = fs, .n = NCOMMITS,
					   .dir = mkdir_(fs, NULL, ROOT, name) };
	}
	s0 = stats(fs);
	for (unsigned i = 0; i < NWORKERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, commit_run, &c[i]),
				 0);
	for (unsigned i = 0; i < NWORKERS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	s1 = stats(fs);
	for (unsigned i = 0; i < NWORKERS; i++) {
		assert_int_equal(c[i].bad, 0);
		late += c[i].late;
	}
	assert_int_equal(vx_txn_sync(fs), 0);
	/* everything committed, late or not, is there */
	for (unsigned i = 0; i < NWORKERS; i++) {
		struct listing l;

		list_dir(fs, c[i].dir, ROOT, &l);
		assert_int_equal(l.n, NCOMMITS);
		free(l.v);
	}
	assert_true(s1.batches - s0.batches <= s1.batched - s0.batched);
	assert_int_equal(s1.batched - s0.batched, NWORKERS * NCOMMITS);
	stat_differs("commits that returned VX_ETIMEOUT", late, 0);
	assert_int_equal(late, 0);
	tfs_free(t);
}

/*
 * Asynchronous commits return before the flush; vx_txn_sync makes them
 * durable (a copy of the image then recovers every one of them); the
 * journal wrote them in at most as many batches as commits.
 */
static void test_group_commit_async(void **state)
{
	struct tfs *t = tfs_make(10, 8 * MiB, 2048, 512);
	struct vx_fs *fs = t->fs;
	struct vx_txn_stats s0, s1;
	vx_ino_t ino[60];
	uint64_t last = 0;
	struct tfs *copy;
	uint8_t *img;

	(void)state;
	s0 = stats(fs);
	for (unsigned i = 0; i < 60; i++) {
		struct vx_txn *tx;
		char name[16];
		uint64_t seq;

		snprintf(name, sizeof(name), "a%u", i);
		assert_int_equal(vx_txn_begin(fs, VX_TXN_ASYNC, 0, &tx), 0);
		ino[i] = mkfile_pat(fs, tx, ROOT, name, 500 + 37 * i, i);
		assert_int_equal(vx_txn_commit(tx, &seq), 0);
		assert_true(seq > last);
		last = seq;
	}
	assert_int_equal(vx_txn_sync(fs), 0);
	s1 = stats(fs);
	assert_int_equal(s1.commits - s0.commits, 60);
	assert_int_equal(s1.batched - s0.batched, 60);
	assert_true(s1.batches - s0.batches >= 1);
	assert_true(s1.batches - s0.batches <= s1.commits - s0.commits);
	assert_int_equal(s1.running, 0);

	/* durable: a crash now loses none of them */
	img = snapshot(t);
	copy = tfs_copy(img, t->bytes, t->bsize);
	free(img);
	for (unsigned i = 0; i < 60; i++) {
		char name[16];

		snprintf(name, sizeof(name), "a%u", i);
		assert_int_equal(find(copy->fs, NULL, ROOT, name), ino[i]);
		check_pat(copy->fs, NULL, ino[i], 500 + 37 * i, i);
	}
	check_tree(copy->fs, NULL, NULL);
	tfs_free(copy);

	tfs_reopen(t);
	for (unsigned i = 0; i < 60; i++) {
		char name[16];

		snprintf(name, sizeof(name), "a%u", i);
		assert_int_equal(find(t->fs, NULL, ROOT, name), ino[i]);
		check_pat(t->fs, NULL, ino[i], 500 + 37 * i, i);
	}
	tfs_free(t);
}

/* ---- (T5) ---- */

/*
 * (T5) two running transactions change the same bitmap, inode-table and
 * group-header blocks; the first commits.  A crash right then (a copy of
 * the image: the commit is in the journal, nothing home yet) recovers
 * the first and nothing of the second, with consistent counts, and new
 * files go into blocks of their own.  The second then aborts, and the
 * original ends where the copy did.
 */
static void test_T5_shared_block_images(void **state)
{
	struct tfs *t = tfs_make(10, 8 * MiB, 2048, 512);
	struct vx_fs *fs = t->fs;
	vx_ino_t da, db, fa, fb1, fb2, sub, x;
	struct vx_txn *a, *b;
	struct tfs *copy;
	struct base base;
	uint8_t *img;

	(void)state;
	da = mkdir_(fs, NULL, ROOT, "da");
	db = mkdir_(fs, NULL, ROOT, "db");
	assert_int_equal(vx_fs_sync(fs), 0);
	check_tree(fs, NULL, &base);

	assert_int_equal(vx_txn_begin(fs, 0, 0, &a), 0);
	assert_int_equal(vx_txn_begin(fs, 0, 0, &b), 0);
	fb1 = mkfile(fs, b, db, "fb1");
	fa = mkfile(fs, a, da, "fa");
	sub = mkdir_(fs, b, db, "sub");
	assert_int_equal(write_pat(fs, b, fb1, 0, 7000, 2), 0);
	assert_int_equal(write_pat(fs, a, fa, 0, 5000, 1), 0);
	fb2 = mkfile_pat(fs, b, db, "fb2", 3000, 3);
	/* the same group: the same bitmap and inode-table blocks */
	assert_int_equal(vx_ino_group(fs, fa), vx_ino_group(fs, fb1));
	assert_int_equal((fa - 1) / fs->inodes_per_block,
			 (fb1 - 1) / fs->inodes_per_block);
	assert_int_equal(vx_txn_commit(a, NULL), 0);

	img = snapshot(t);
	copy = tfs_copy(img, t->bytes, t->bsize);
	free(img);
	assert_int_equal(find(copy->fs, NULL, da, "fa"), fa);
	check_pat(copy->fs, NULL, fa, 5000, 1);
	assert_int_equal(find(copy->fs, NULL, db, "fb1"), 0);
	assert_int_equal(find(copy->fs, NULL, db, "fb2"), 0);
	assert_int_equal(find(copy->fs, NULL, db, "sub"), 0);
	check_tree(copy->fs, &base, NULL);
	/* the allocators of the copy agree with its tree */
	for (unsigned i = 0; i < 6; i++) {
		char name[16];

		snprintf(name, sizeof(name), "n%u", i);
		mkfile_pat(copy->fs, NULL, i % 2 ? da : db, name, 20 * KiB,
			   20 + i);
	}
	mkdir_(copy->fs, NULL, db, "sub2");
	check_tree(copy->fs, &base, NULL);
	check_pat(copy->fs, NULL, fa, 5000, 1);
	tfs_reopen(copy);
	check_tree(copy->fs, &base, NULL);
	check_pat(copy->fs, NULL, fa, 5000, 1);
	for (unsigned i = 0; i < 6; i++) {
		char name[16];

		snprintf(name, sizeof(name), "n%u", i);
		x = find(copy->fs, NULL, i % 2 ? da : db, name);
		check_pat(copy->fs, NULL, x, 20 * KiB, 20 + i);
	}
	tfs_free(copy);

	/* b is still running on the original */
	check_pat(fs, b, fb1, 7000, 2);
	check_pat(fs, b, fb2, 3000, 3);
	assert_int_equal(find(fs, b, db, "sub"), sub);
	assert_int_equal(vx_txn_abort(b), 0);
	assert_int_equal(vx_fs_sync(fs), 0);
	assert_int_equal(find(fs, NULL, da, "fa"), fa);
	assert_int_equal(find(fs, NULL, db, "fb1"), 0);
	check_tree(fs, &base, NULL);
	tfs_reopen(t);
	check_pat(t->fs, NULL, fa, 5000, 1);
	assert_int_equal(find(t->fs, NULL, db, "sub"), 0);
	check_tree(t->fs, &base, NULL);
	tfs_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_I4_abort_leaves_no_trace),
		cmocka_unit_test(test_nested_three_levels),
		cmocka_unit_test(test_nested_abort_restores_parent),
		cmocka_unit_test(test_nesting_limit),
		cmocka_unit_test(test_isolation_errors),
		cmocka_unit_test(test_failed_stays_failed),
		cmocka_unit_test(test_isolation),
		cmocka_unit_test(test_concurrency_8_threads),
		cmocka_unit_test(test_crash_cut_recovery),
		cmocka_unit_test(test_enospc_abort),
		cmocka_unit_test(test_group_commit_async),
		cmocka_unit_test(test_T5_shared_block_images),
		cmocka_unit_test(test_I3_committed_frees_survive_crash),
		cmocka_unit_test(test_T2_failed_write_has_no_effect),
		cmocka_unit_test(test_T3_new_inode_locked_by_creator),
		cmocka_unit_test(test_stats_every_commit_counts),
		cmocka_unit_test(test_I2_group_commit_wakes_every_committer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
