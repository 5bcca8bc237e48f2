/*
 * txn_fixture.h: what the transaction tests (test_txn.c,
 * test_txn_concurrency.c, test_txn_crash.c) share: a filesystem on the
 * in-memory io, file contents that check themselves, directory
 * listings, image comparisons, and the walk that checks a filesystem is
 * consistent.  Every helper is static inline: each test file is a
 * binary of its own and uses what it needs.
 *
 * Every test formats a filesystem on a mem device and opens it with
 * VX_OPEN_BORROW_IO and a fixed time, so that images are reproducible
 * byte for byte: an aborted transaction can then be checked against a
 * snapshot of the image taken before it began, and a filesystem can be
 * closed and opened again (or a copy of its image opened, which runs
 * recovery) to read back what was committed.  Contents are patterns of
 * (offset, seed), so every read is compared with what was written.
 *
 * Consistency after any of that is checked by walking the tree from the
 * root (check_tree): names resolve, link counts match, no block is
 * mapped twice, and the inodes and blocks in use are exactly the
 * reachable ones plus the fixed metadata.  Free blocks may hold bytes
 * of an aborted write: file data goes in place, before the commit, to
 * blocks the writing transaction allocated (file.c, J7), so the byte
 * comparisons leave free blocks out (image_traces).
 */
#ifndef VEXFS_TXN_FIXTURE_H
#define VEXFS_TXN_FIXTURE_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

static inline void tfs_open(struct tfs *t)
{
	struct vx_open_opts o = { .flags = VX_OPEN_BORROW_IO,
				  .fixed_time = T0 };

	assert_int_equal(vx_fs_open(t->mem, &o, &t->fs), 0);
}

/* format @bytes at block size 2^@blog (@gblocks blocks a group, 0 for
 * the default; @jblocks journal blocks) and open it */
static inline struct tfs *tfs_make(uint32_t blog, uint64_t bytes,
				   uint32_t gblocks, uint64_t jblocks)
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

static inline void tfs_reopen(struct tfs *t)
{
	assert_int_equal(vx_fs_close(t->fs), 0);
	tfs_open(t);
}

static inline void tfs_free(struct tfs *t)
{
	if (t->fs)
		assert_int_equal(vx_fs_close(t->fs), 0);
	assert_int_equal(vx_io_close(t->mem), 0);
	free(t);
}

static inline uint8_t *image(struct tfs *t)
{
	return vx_io_mem_data(t->mem, NULL);
}

static inline uint8_t *snapshot(struct tfs *t)
{
	uint8_t *s = malloc(t->bytes);

	assert_non_null(s);
	memcpy(s, image(t), t->bytes);
	return s;
}

/* open a copy of @img (recovery runs on it) */
static inline struct tfs *tfs_copy(const uint8_t *img, uint64_t bytes,
				   uint32_t bsize)
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

static inline struct vx_txn_stats stats(struct vx_fs *fs)
{
	struct vx_txn_stats s;

	assert_int_equal(vx_txn_stats(fs, &s), 0);
	return s;
}

/* a counter that is not what it should be, said before failing */
static inline int stat_differs(const char *what, uint64_t got, uint64_t want)
{
	if (got == want)
		return 0;
	print_message("%s: %llu, want %llu\n", what, (unsigned long long)got,
		      (unsigned long long)want);
	return 1;
}

static inline struct vx_txn_info info(struct vx_txn *tx)
{
	struct vx_txn_info i;

	assert_int_equal(vx_txn_info(tx, &i), 0);
	return i;
}

static inline void set_tunables(struct vx_fs *fs, unsigned timeout_ms,
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

static inline unsigned char pat(uint64_t off, unsigned seed)
{
	uint64_t x = (off + 1) * 0x9e3779b97f4a7c15ull ^ seed * 0x5851f42dull;

	return (unsigned char)(x >> 29 | 1);	/* never zero */
}

static inline int write_pat(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino,
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
static inline int pat_cmp(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t ino,
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
static inline vx_ino_t find(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dir,
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

static inline vx_ino_t mkfile(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dir,
			      const char *name)
{
	struct vx_attr a = { .mode = S_IFREG | 0644 };
	vx_ino_t ino = 0;

	assert_int_equal(vx_create(fs, tx, dir, name, &a, &ino), 0);
	return ino;
}

static inline vx_ino_t mkdir_(struct vx_fs *fs, struct vx_txn *tx, vx_ino_t dir,
			      const char *name)
{
	struct vx_attr a = { .mode = S_IFDIR | 0755 };
	vx_ino_t ino = 0;

	assert_int_equal(vx_mkdir(fs, tx, dir, name, &a, &ino), 0);
	return ino;
}

/* a file @name in @dir holding @len bytes of pattern @seed */
static inline vx_ino_t mkfile_pat(struct vx_fs *fs, struct vx_txn *tx,
				  vx_ino_t dir, const char *name, size_t len,
				  unsigned seed)
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

static inline int collect(void *ctx, const char *name, size_t len, vx_ino_t ino,
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
static inline void list_dir(struct vx_fs *fs, vx_ino_t dir, vx_ino_t parent,
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

static inline const struct ent *find_ent(const struct listing *l,
					 const char *name)
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

static inline bool is_meta_block(const struct vx_super *sb, vx_blk_t b)
{
	uint32_t g = (uint32_t)(b / sb->group_blocks);
	struct vx_glayout gl;

	if (b == 0 || (b >= sb->journal_start &&
		       b < sb->journal_start + sb->journal_blocks))
		return true;
	vx_group_layout(sb, g, &gl);
	return b < gl.itable + sb->itable_blocks;
}

static inline const char *block_kind(const struct vx_super *sb, vx_blk_t b)
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
static inline uint64_t image_traces(struct tfs *t, const uint8_t *snap,
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
static inline void warm_itable(struct vx_fs *fs, unsigned n)
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
static inline void check_counts(struct vx_fs *fs)
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

static inline struct seen *tree_seen(struct tree *w, vx_ino_t ino, bool *fresh)
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
static inline void tree_file_blocks(struct tree *w, vx_ino_t ino, uint64_t size)
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

static inline void tree_walk(struct tree *w, vx_ino_t dir, vx_ino_t parent)
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

static inline int cmp_blk(const void *a, const void *b)
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
static inline int tree_check(struct vx_fs *fs, const struct base *base,
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

static inline void check_tree(struct vx_fs *fs, const struct base *base,
			      struct base *out)
{
	tree_check(fs, base, out, false);
}

#endif /* VEXFS_TXN_FIXTURE_H */
