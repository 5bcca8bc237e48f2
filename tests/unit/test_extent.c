/*
 * test_extent.c: unit tests for inode extent maps (lib/extent.c).
 *
 * A filesystem of 1 KiB blocks (40 extents per leaf, 60 index entries
 * per node, 5 extents or 8 index entries inline) on the in-memory io,
 * opened with VX_OPEN_BORROW_IO so that it can be closed, edited on the
 * device and reopened.  Trees are built by inserting one-block extents
 * at every other logical block (never adjacent, so never merged) in a
 * pseudo-random order; each data block is allocated and zeroed, so the
 * only extent-node blocks on the device are the live ones.
 *
 * What is checked: merging with the previous extent, -EEXIST on overlap,
 * holes and runs; growth to depth 3 and a map of every block back; walk
 * order; truncation at random points frees exactly the data past the cut
 * plus the old tree (free counts move by exactly the inode's block count,
 * which equals kept data + live node blocks found on the device); and
 * corrupted nodes (bad crc, wrong level/count/owner/type/block number,
 * bad entries, a child pointing at its parent) give VX_EBADCRC,
 * VX_ECORRUPT, ... from map, walk, insert and truncate, never a crash.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "fs_int.h"

#define BS	1024u
#define NBLOCKS	32768u

struct fix {
	struct vx_io *io;
	struct vx_fs *fs;
	struct vx_open_opts o;
	struct vx_inode in;
	size_t n;		/* extents: lblk 2*i -> pblk[i] */
	vx_blk_t *pblk;
	uint64_t free0;		/* free blocks before the tree */
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct vx_mkfs_params p = { .block_log = 10, .block_count = NBLOCKS,
				    .group_blocks = 8192, .inode_count = 256,
				    .hash_seed = 3, .now = 1700000000 };
	struct vx_super sb;
	vx_ino_t ino;

	assert_non_null(f);
	memset(p.uuid, 0x5c, 16);
	assert_int_equal(vx_io_mem_open((uint64_t)NBLOCKS * BS, &f->io), 0);
	assert_int_equal(vx_fs_plan(&p, (uint64_t)NBLOCKS * BS, &sb), 0);
	assert_int_equal(vx_fs_format(f->io, &sb, 0), 0);
	f->o.flags = VX_OPEN_BORROW_IO;
	assert_int_equal(vx_fs_open(f->io, &f->o, &f->fs), 0);
	assert_int_equal(vx_alloc_inode(f->fs, 0, false, &ino), 0);
	f->in.ino = ino;
	f->in.mode = S_IFREG | 0644;
	f->in.nlink = 1;
	assert_int_equal(vx_inode_write(f->fs, &f->in), 0);
	f->free0 = f->fs->sb.free_blocks;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	if (f->fs)
		assert_int_equal(vx_fs_close(f->fs), 0);
	vx_io_close(f->io);
	free(f->pblk);
	free(f);
	return 0;
}

static void reopen(struct fix *f)
{
	assert_int_equal(vx_inode_write(f->fs, &f->in), 0);
	assert_int_equal(vx_fs_close(f->fs), 0);
	assert_int_equal(vx_fs_open(f->io, &f->o, &f->fs), 0);
	assert_int_equal(vx_inode_read(f->fs, f->in.ino, &f->in), 0);
}

static uint8_t *raw(struct fix *f, vx_blk_t b)
{
	return vx_io_mem_data(f->io, NULL) + b * BS;
}

/* allocate @len zeroed blocks */
static vx_blk_t data_blocks(struct fix *f, uint32_t len)
{
	static const uint8_t zero[BS];
	vx_blk_t s;
	uint64_t got;

	assert_int_equal(vx_alloc_blocks(f->fs, 0, len, &s, &got), 0);
	assert_int_equal(got, len);
	for (uint32_t i = 0; i < len; i++)
		assert_int_equal(vx_io_write(f->io, (s + i) * BS, zero, BS), 0);
	return s;
}

static uint64_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/* insert extents 2*i -> one block each, for i in [0, n): shuffled by
 * @seed, or in ascending (seed 0) or descending (seed 1) order */
static void build(struct fix *f, size_t n, uint64_t seed)
{
	size_t *order = malloc(n * sizeof(*order));

	assert_non_null(order);
	f->n = n;
	f->pblk = realloc(f->pblk, n * sizeof(*f->pblk));
	assert_non_null(f->pblk);
	for (size_t i = 0; i < n; i++)
		order[i] = seed == 1 ? n - 1 - i : i;
	for (size_t i = n - 1; seed > 1 && i > 0; i--) {
		size_t j = rnd(&seed) % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (size_t k = 0; k < n; k++) {
		size_t i = order[k];

		f->pblk[i] = data_blocks(f, 1);
		assert_int_equal(vx_extent_insert(f->fs, &f->in, 2 * i,
						  f->pblk[i], 1), 0);
		f->in.blocks++;
	}
	f->in.size = (uint64_t)2 * n * BS;
	free(order);
}

static void expect_map(struct fix *f, uint64_t lblk, vx_blk_t pblk,
		       uint64_t run)
{
	vx_blk_t p = 12345;
	uint64_t r = 0;

	assert_int_equal(vx_extent_map(f->fs, &f->in, lblk, &p, &r), 0);
	assert_int_equal(p, pblk);
	assert_int_equal(r, run);
}

/* every block of the first @keep extents mapped, the rest holes */
static void check_map(struct fix *f, size_t keep)
{
	for (size_t i = 0; i < f->n; i++) {
		if (i < keep) {
			expect_map(f, 2 * i, f->pblk[i], 1);
			/* the hole after the last extent never ends */
			expect_map(f, 2 * i + 1, 0, i + 1 < keep ? 1 :
				   UINT64_MAX - (2 * i + 1));
		} else {
			vx_blk_t p;
			uint64_t r;

			assert_int_equal(vx_extent_map(f->fs, &f->in, 2 * i,
						       &p, &r), 0);
			assert_int_equal(p, 0);
		}
	}
}

struct walk {
	size_t n;
	uint64_t next;
	const vx_blk_t *pblk;
};

static int walk_fn(void *ctx, const struct vx_extent *e)
{
	struct walk *w = ctx;

	assert_int_equal(e->lblk, 2 * w->n);	/* in order, none missing */
	assert_int_equal(e->pblk, w->pblk[w->n]);
	assert_int_equal(e->len, 1);
	assert_true(e->lblk >= w->next);
	w->next = e->lblk + e->len;
	w->n++;
	return 0;
}

/* is block @b (as last synced) an extent node of the inode? */
static bool is_node(struct fix *f, vx_blk_t b)
{
	return vx_mhdr_check(raw(f, b), BS, VX_BT_EXTENT, b,
			     f->fs->sb.hdr.uuid, NULL) == 0 &&
	       vx_get64(raw(f, b) + 56) == f->in.ino;
}

/* live extent-tree blocks of the inode on the device (syncs first) */
static uint64_t count_nodes(struct fix *f)
{
	uint64_t n = 0;

	assert_int_equal(vx_fs_sync(f->fs), 0);
	for (vx_blk_t b = 1; b < NBLOCKS; b++) {
		bool used;

		assert_int_equal(vx_block_in_use(f->fs, b, &used), 0);
		if (used && is_node(f, b))
			n++;
	}
	return n;
}

/* ---- tests ---- */

static struct vx_extent seen[64];
static size_t nseen;

static int collect(void *ctx, const struct vx_extent *e)
{
	assert_true(nseen < 64);
	seen[nseen++] = *e;
	return 0;
}

static int stop_at_two(void *ctx, const struct vx_extent *e)
{
	return ++*(int *)ctx == 2 ? 42 : 0;
}


static void test_inline_merge(void **state)
{
	struct fix *f = *state;
	vx_blk_t p = data_blocks(f, 20), q = data_blocks(f, 5);

	expect_map(f, 0, 0, UINT64_MAX);	/* empty: one endless hole */
	assert_int_equal(vx_extent_insert(f->fs, &f->in, 10, p, 4), 0);
	assert_int_equal(f->in.nentries, 1);
	assert_int_equal(f->in.depth, 0);
	expect_map(f, 10, p, 4);
	expect_map(f, 12, p + 2, 2);
	expect_map(f, 9, 0, 1);
	expect_map(f, 0, 0, 10);
	expect_map(f, 14, 0, UINT64_MAX - 14);
	/* adjacent logically and physically: merged into the previous */
	assert_int_equal(vx_extent_insert(f->fs, &f->in, 14, p + 4, 4), 0);
	assert_int_equal(f->in.nentries, 1);
	expect_map(f, 10, p, 8);
	/* logically adjacent only: a new extent */
	assert_int_equal(vx_extent_insert(f->fs, &f->in, 18, p + 10, 2), 0);
	assert_int_equal(f->in.nentries, 2);
	expect_map(f, 17, p + 7, 1);
	expect_map(f, 18, p + 10, 2);
	/* before the first one */
	assert_int_equal(vx_extent_insert(f->fs, &f->in, 5, q, 5), 0);
	assert_int_equal(f->in.nentries, 3);
	expect_map(f, 9, q + 4, 1);
	expect_map(f, 10, p, 8);
	/* overlaps are refused */
	assert_int_equal(vx_extent_insert(f->fs, &f->in, 12, p + 15, 1),
			 -EEXIST);
	assert_int_equal(vx_extent_insert(f->fs, &f->in, 3, p + 15, 3),
			 -EEXIST);
	assert_int_equal(vx_extent_insert(f->fs, &f->in, 19, p + 15, 1),
			 -EEXIST);
	assert_int_equal(vx_extent_insert(f->fs, &f->in, 0, p + 15, 100),
			 -EEXIST);
	assert_int_equal(f->in.nentries, 3);
	/* walk: in logical order */
	nseen = 0;
	assert_int_equal(vx_extent_walk(f->fs, &f->in, collect, NULL), 0);
	assert_int_equal(nseen, 3);
	assert_int_equal(seen[0].lblk, 5);
	assert_int_equal(seen[0].len, 5);
	assert_int_equal(seen[1].lblk, 10);
	assert_int_equal(seen[1].pblk, p);
	assert_int_equal(seen[1].len, 8);
	assert_int_equal(seen[2].lblk, 18);
	assert_int_equal(seen[2].len, 2);
}

static void test_walk_order_inline(void **state)
{
	struct fix *f = *state;
	vx_blk_t p = data_blocks(f, 30);
	static const uint64_t lb[] = { 40, 0, 20, 10, 30 };
	int calls = 0;

	for (int i = 0; i < 5; i++)
		assert_int_equal(vx_extent_insert(f->fs, &f->in, lb[i],
						  p + lb[i] / 2, 2), 0);
	assert_int_equal(f->in.depth, 0);
	assert_int_equal(f->in.nentries, 5);
	nseen = 0;
	assert_int_equal(vx_extent_walk(f->fs, &f->in, collect, NULL), 0);
	assert_int_equal(nseen, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(seen[i].lblk, 10 * i);
		assert_int_equal(seen[i].pblk, p + 5 * i);
		assert_int_equal(seen[i].len, 2);
	}
	/* a non-zero return stops the walk and is returned */
	assert_int_equal(vx_extent_walk(f->fs, &f->in, stop_at_two, &calls),
			 42);
	assert_int_equal(calls, 2);
	/* the sixth moves the root into a block: depth 1 */
	assert_int_equal(vx_extent_insert(f->fs, &f->in, 50, p + 25, 2), 0);
	assert_int_equal(f->in.depth, 1);
	assert_int_equal(f->in.nentries, 1);
	nseen = 0;
	assert_int_equal(vx_extent_walk(f->fs, &f->in, collect, NULL), 0);
	assert_int_equal(nseen, 6);
	assert_int_equal(seen[5].lblk, 50);
	for (uint64_t l = 0; l < 52; l++) {
		uint64_t i = l / 10, o = l % 10;

		if (o < 2)
			expect_map(f, l, p + 5 * i + o, 2 - o);
		else
			expect_map(f, l, 0, 10 - o);
	}
}

static void test_deep_random(void **state)
{
	struct fix *f = *state;
	struct walk w = { 0 };
	uint64_t nodes;

	build(f, 16000, 0x1234);
	assert_true(f->in.depth >= 3);
	check_map(f, f->n);
	expect_map(f, 2 * f->n, 0, UINT64_MAX - 2 * f->n);
	w.pblk = f->pblk;
	assert_int_equal(vx_extent_walk(f->fs, &f->in, walk_fn, &w), 0);
	assert_int_equal(w.n, f->n);
	/* the inode counts data and tree blocks; the free count agrees */
	nodes = count_nodes(f);
	assert_true(nodes > 16000 / 40);
	assert_int_equal(f->in.blocks, f->n + nodes);
	assert_int_equal(f->free0 - f->fs->sb.free_blocks, f->in.blocks);
	/* the same after a reopen, from the device */
	reopen(f);
	assert_true(f->in.depth >= 3);
	check_map(f, f->n);
	w = (struct walk){ .pblk = f->pblk };
	assert_int_equal(vx_extent_walk(f->fs, &f->in, walk_fn, &w), 0);
	assert_int_equal(w.n, f->n);
}

/* every insert lands before all others: the leftmost path only */
static void test_descending(void **state)
{
	struct fix *f = *state;
	struct walk w = { 0 };

	build(f, 400, 1);
	assert_int_equal(f->in.depth, 2);
	check_map(f, f->n);
	w.pblk = f->pblk;
	assert_int_equal(vx_extent_walk(f->fs, &f->in, walk_fn, &w), 0);
	assert_int_equal(w.n, f->n);
	assert_int_equal(f->in.blocks, f->n + count_nodes(f));
}

static void test_truncate(void **state)
{
	struct fix *f = *state;
	uint64_t seed = 99;
	uint64_t cuts[8];

	build(f, 3000, 0xbeef);
	assert_int_equal(f->in.depth, 2);
	/* random cuts, descending, then a cut on an extent, then 1 and 0 */
	cuts[0] = 2 * 3000 + 10;	/* past the end: nothing freed */
	for (int k = 1; k < 5; k++)
		cuts[k] = cuts[k - 1] * (rnd(&seed) % 900 + 50) / 1000;
	cuts[5] = cuts[4] & ~1ull;	/* exactly at an extent */
	cuts[6] = 1;
	cuts[7] = 0;
	for (int k = 0; k < 8; k++) {
		uint64_t free_before = f->fs->sb.free_blocks;
		uint64_t blocks_before = f->in.blocks;
		size_t keep = (size_t)((cuts[k] + 1) / 2);	/* 2i < cut */

		if (keep > f->n)
			keep = f->n;
		assert_int_equal(vx_extent_truncate(f->fs, &f->in, cuts[k]), 0);
		assert_int_equal(f->fs->sb.free_blocks - free_before,
				 blocks_before - f->in.blocks);
		assert_int_equal(f->in.blocks, keep + count_nodes(f));
		check_map(f, keep);
		/* data past the cut is free, or reused for the new tree */
		for (size_t i = 0; i < f->n; i++) {
			bool used;

			assert_int_equal(vx_block_in_use(f->fs, f->pblk[i],
							 &used), 0);
			if (i < keep)
				assert_true(used);
			else if (used)
				assert_true(is_node(f, f->pblk[i]));
		}
		f->n = keep;
		if (k == 2)
			reopen(f);
	}
	assert_int_equal(f->in.blocks, 0);
	assert_int_equal(f->in.depth, 0);
	assert_int_equal(f->in.nentries, 0);
	assert_int_equal(f->fs->sb.free_blocks, f->free0);
	expect_map(f, 0, 0, UINT64_MAX);
}

/* a cut inside a long extent keeps its head */
static void test_truncate_partial(void **state)
{
	struct fix *f = *state;
	vx_blk_t p = data_blocks(f, 10);
	uint64_t free_before = f->fs->sb.free_blocks;
	bool used;

	assert_int_equal(vx_extent_insert(f->fs, &f->in, 0, p, 10), 0);
	f->in.blocks = 10;
	assert_int_equal(vx_extent_truncate(f->fs, &f->in, 4), 0);
	assert_int_equal(f->in.blocks, 4);
	assert_int_equal(f->fs->sb.free_blocks, free_before + 6);
	expect_map(f, 0, p, 4);
	expect_map(f, 3, p + 3, 1);
	expect_map(f, 4, 0, UINT64_MAX - 4);
	assert_int_equal(vx_block_in_use(f->fs, p + 3, &used), 0);
	assert_true(used);
	assert_int_equal(vx_block_in_use(f->fs, p + 4, &used), 0);
	assert_false(used);
}

/* ---- corruption ---- */

struct nodes {
	vx_blk_t l1, leaf;	/* first index node, its first leaf */
};

static void find_nodes(struct fix *f, struct nodes *nd)
{
	assert_int_equal(f->in.depth, 2);
	nd->l1 = vx_get64(f->in.area + 8);
	assert_int_equal(vx_get16(raw(f, nd->l1) + 48), 1);
	nd->leaf = vx_get64(raw(f, nd->l1) + VX_EXT_NODE_HDR + 8);
	assert_int_equal(vx_get16(raw(f, nd->leaf) + 48), 0);
}

/* close, save block @b, let @edit change it, reopen and check that
 * map, walk, insert and truncate all fail with @want (map of lblk 0,
 * which lies under the edited node) */
typedef void (*edit_fn)(struct fix *f, uint8_t *blk, const struct nodes *nd);

static void try_edit(struct fix *f, vx_blk_t b, edit_fn edit, bool reseal,
		     int want)
{
	uint8_t save[BS];
	struct nodes nd;
	struct vx_inode copy;
	vx_blk_t p;
	uint64_t r;

	find_nodes(f, &nd);
	assert_int_equal(vx_inode_write(f->fs, &f->in), 0);
	assert_int_equal(vx_fs_close(f->fs), 0);
	memcpy(save, raw(f, b), BS);
	edit(f, raw(f, b), &nd);
	if (reseal)
		vx_mhdr_seal(raw(f, b), BS);
	assert_int_equal(vx_fs_open(f->io, &f->o, &f->fs), 0);
	assert_int_equal(vx_inode_read(f->fs, f->in.ino, &f->in), 0);
	assert_int_equal(vx_extent_map(f->fs, &f->in, 0, &p, &r), want);
	assert_int_equal(vx_extent_walk(f->fs, &f->in, NULL, NULL), want);
	copy = f->in;
	assert_int_equal(vx_extent_insert(f->fs, &copy, 1, f->pblk[0], 1),
			 want);
	copy = f->in;
	assert_int_equal(vx_extent_truncate(f->fs, &copy, 0), want);
	/* put it back: everything works again */
	assert_int_equal(vx_fs_close(f->fs), 0);
	memcpy(raw(f, b), save, BS);
	assert_int_equal(vx_fs_open(f->io, &f->o, &f->fs), 0);
	assert_int_equal(vx_inode_read(f->fs, f->in.ino, &f->in), 0);
	check_map(f, f->n);
}

static void e_flip(struct fix *f, uint8_t *b, const struct nodes *nd)
{
	b[300] ^= 0x08;
}

static void e_level(struct fix *f, uint8_t *b, const struct nodes *nd)
{
	vx_put16(b + 48, vx_get16(b + 48) + 1);
}

static void e_count(struct fix *f, uint8_t *b, const struct nodes *nd)
{
	vx_put16(b + 50, vx_get16(b + 48) ? 61 : 41);	/* > capacity */
}

static void e_owner(struct fix *f, uint8_t *b, const struct nodes *nd)
{
	vx_put64(b + 56, f->in.ino + 1);
}

static void e_type(struct fix *f, uint8_t *b, const struct nodes *nd)
{
	vx_put16(b + 4, VX_BT_DIR);
}

static void e_blkno(struct fix *f, uint8_t *b, const struct nodes *nd)
{
	vx_put64(b + 16, vx_get64(b + 16) + 1);
}

static void e_uuid(struct fix *f, uint8_t *b, const struct nodes *nd)
{
	b[40] ^= 1;
}

static void e_pblk0(struct fix *f, uint8_t *b, const struct nodes *nd)
{
	vx_put64(b + VX_EXT_NODE_HDR + 8, 0);
}

static void e_pblk_end(struct fix *f, uint8_t *b, const struct nodes *nd)
{
	vx_put64(b + VX_EXT_NODE_HDR + 8, NBLOCKS);
}

static void e_len0(struct fix *f, uint8_t *b, const struct nodes *nd)
{
	vx_put32(b + VX_EXT_NODE_HDR + 16, 0);
}

static void e_len_past(struct fix *f, uint8_t *b, const struct nodes *nd)
{
	uint64_t p = vx_get64(b + VX_EXT_NODE_HDR + 8);

	vx_put32(b + VX_EXT_NODE_HDR + 16, (uint32_t)(NBLOCKS - p + 1));
}

static void e_overlap(struct fix *f, uint8_t *b, const struct nodes *nd)
{
	/* the second extent starts inside the first */
	vx_put32(b + VX_EXT_NODE_HDR + 16,
		 (uint32_t)(vx_get64(b + VX_EXT_NODE_HDR + 24) -
			    vx_get64(b + VX_EXT_NODE_HDR) + 1));
}

static void e_child0(struct fix *f, uint8_t *b, const struct nodes *nd)
{
	vx_put64(b + VX_EXT_NODE_HDR + 8, 0);
}

static void e_child_end(struct fix *f, uint8_t *b, const struct nodes *nd)
{
	vx_put64(b + VX_EXT_NODE_HDR + 8, NBLOCKS + 5);
}

static void e_child_self(struct fix *f, uint8_t *b, const struct nodes *nd)
{
	vx_put64(b + VX_EXT_NODE_HDR + 8, nd->l1);	/* loop to parent */
}

static void e_child_data(struct fix *f, uint8_t *b, const struct nodes *nd)
{
	vx_put64(b + VX_EXT_NODE_HDR + 8, f->pblk[0]);	/* zeroes */
}

static void e_keys_unsorted(struct fix *f, uint8_t *b, const struct nodes *nd)
{
	vx_put64(b + VX_EXT_NODE_HDR + 16, vx_get64(b + VX_EXT_NODE_HDR));
}

static void test_corrupt_nodes(void **state)
{
	struct fix *f = *state;
	struct nodes nd;

	build(f, 1000, 0);
	reopen(f);
	find_nodes(f, &nd);
	/* the leaf under lblk 0 */
	try_edit(f, nd.leaf, e_flip, false, VX_EBADCRC);
	try_edit(f, nd.leaf, e_level, true, VX_ECORRUPT);
	try_edit(f, nd.leaf, e_count, true, VX_ECORRUPT);
	try_edit(f, nd.leaf, e_owner, true, VX_ECORRUPT);
	try_edit(f, nd.leaf, e_type, true, VX_ECORRUPT);
	try_edit(f, nd.leaf, e_blkno, true, VX_EMISDIRECTED);
	try_edit(f, nd.leaf, e_uuid, true, VX_EWRONGFS);
	try_edit(f, nd.leaf, e_pblk0, true, VX_ECORRUPT);
	try_edit(f, nd.leaf, e_pblk_end, true, VX_ECORRUPT);
	try_edit(f, nd.leaf, e_len0, true, VX_ECORRUPT);
	try_edit(f, nd.leaf, e_len_past, true, VX_ECORRUPT);
	try_edit(f, nd.leaf, e_overlap, true, VX_ECORRUPT);
	/* the index node above it */
	try_edit(f, nd.l1, e_flip, false, VX_EBADCRC);
	try_edit(f, nd.l1, e_level, true, VX_ECORRUPT);
	try_edit(f, nd.l1, e_count, true, VX_ECORRUPT);
	try_edit(f, nd.l1, e_owner, true, VX_ECORRUPT);
	try_edit(f, nd.l1, e_child0, true, VX_ECORRUPT);
	try_edit(f, nd.l1, e_child_end, true, VX_ECORRUPT);
	try_edit(f, nd.l1, e_child_self, true, VX_ECORRUPT);
	try_edit(f, nd.l1, e_child_data, true, VX_EBADMAGIC);
	try_edit(f, nd.l1, e_keys_unsorted, true, VX_ECORRUPT);
}

/* the inline root is checked like any node */
static void test_corrupt_inline(void **state)
{
	struct fix *f = *state;
	struct vx_inode save;
	vx_blk_t p;
	uint64_t r;

	build(f, 1000, 0);
	save = f->in;
	f->in.nentries = VX_INLINE_INDEX + 1;
	assert_int_equal(vx_extent_map(f->fs, &f->in, 0, &p, &r), VX_ECORRUPT);
	assert_int_equal(vx_extent_walk(f->fs, &f->in, NULL, NULL), VX_ECORRUPT);
	f->in = save;
	f->in.nentries = 0;		/* an index root with no entry */
	assert_int_equal(vx_extent_map(f->fs, &f->in, 0, &p, &r), VX_ECORRUPT);
	f->in = save;
	vx_put64(f->in.area + 8, 0);	/* a null child */
	assert_int_equal(vx_extent_map(f->fs, &f->in, 0, &p, &r), VX_ECORRUPT);
	f->in = save;
	assert_int_equal(f->in.nentries, 1);
	f->in.nentries = 2;		/* keys not increasing */
	memcpy(f->in.area + 16, f->in.area, 16);
	assert_int_equal(vx_extent_walk(f->fs, &f->in, NULL, NULL), VX_ECORRUPT);
	/* increasing keys, but both entries name the same child: its
	 * extents cannot lie in both ranges (E5), so this is corruption,
	 * never a walk that visits one node twice */
	vx_put64(f->in.area + 16, vx_get64(f->in.area) + 1);
	assert_int_equal(vx_extent_walk(f->fs, &f->in, NULL, NULL), VX_ECORRUPT);
	f->in = save;
	f->in.depth = 3;		/* children at the wrong level */
	assert_int_equal(vx_extent_map(f->fs, &f->in, 0, &p, &r), VX_ECORRUPT);
	f->in = save;
	f->in.flags = VX_IF_INLINE_DATA;
	assert_int_equal(vx_extent_map(f->fs, &f->in, 0, &p, &r), -EINVAL);
	f->in = save;
	check_map(f, f->n);
	/* an inline leaf with bad extents */
	memset(&f->in.area, 0, sizeof(f->in.area));
	f->in.depth = 0;
	f->in.nentries = 2;
	vx_put64(f->in.area + 8, f->pblk[0]);
	vx_put32(f->in.area + 16, 1);
	vx_put64(f->in.area + 24, 0);		/* second starts inside first */
	vx_put64(f->in.area + 32, f->pblk[1]);
	vx_put32(f->in.area + 40, 1);
	assert_int_equal(vx_extent_map(f->fs, &f->in, 0, &p, &r), VX_ECORRUPT);
	vx_put64(f->in.area + 24, 1);
	assert_int_equal(vx_extent_map(f->fs, &f->in, 1, &p, &r), 0);
	assert_int_equal(p, f->pblk[1]);
	vx_put32(f->in.area + 40, VX_EXT_MAX_LEN + 1);
	assert_int_equal(vx_extent_map(f->fs, &f->in, 0, &p, &r), VX_ECORRUPT);
	vx_put32(f->in.area + 40, 1);
	vx_put64(f->in.area + 24, UINT64_MAX);	/* lblk + len wraps */
	assert_int_equal(vx_extent_map(f->fs, &f->in, 0, &p, &r), VX_ECORRUPT);
	f->in = save;
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_inline_merge),
		T(test_walk_order_inline),
		T(test_deep_random),
		T(test_descending),
		T(test_truncate),
		T(test_truncate_partial),
		T(test_corrupt_nodes),
		T(test_corrupt_inline),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
