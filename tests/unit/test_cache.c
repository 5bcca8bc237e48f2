/*
 * test_cache.c: unit tests for the block cache (lib/cache.c).
 *
 * The cache sits on a "spy" io: a vx_io that forwards to a mem device and
 * records every write (offset, length, in order), counts reads, and can
 * be told to fail writes.  The tests check the invariants of cache.c:
 *  (C1) one buffer per block: two gets return the same buffer;
 *  (C2) a referenced buffer is never evicted: ten held buffers stay at
 *       the same address with the same bytes while hundreds of other
 *       blocks pass through a cache of the minimum size (64 buffers);
 *  (C3) a dirty buffer is written before it is dropped: data dirtied in
 *       a tiny cache is on the device after eviction, before any
 *       writeback; a failed eviction write keeps the data for later;
 *       vx_cache_forget drops a dirty block without writing it;
 *  (C4) writeback writes in ascending block order, one write per run of
 *       consecutive blocks, and metadata buffers are sealed on the way.
 * NOREAD gets zero-fill (new and cached buffers); read errors leave
 * nothing cached.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fs_int.h"

#define BS	1024u
#define NBLK	4096u
#define MAXW	8192

/* ---- the spy io ---- */

struct spy_io {
	struct vx_io io;
	struct vx_io *lower;
	size_t nw;
	uint64_t woff[MAXW];
	size_t wlen[MAXW];
	size_t nreads;
	int fail_writes;	/* non-zero: writes return this */
};

#define SPY(io) ((struct spy_io *)(io))

static int spy_read(struct vx_io *io, uint64_t off, void *buf, size_t len)
{
	SPY(io)->nreads++;
	return vx_io_read(SPY(io)->lower, off, buf, len);
}

static int spy_write(struct vx_io *io, uint64_t off, const void *buf,
		     size_t len)
{
	struct spy_io *s = SPY(io);

	if (s->fail_writes)
		return s->fail_writes;
	assert_true(s->nw < MAXW);
	s->woff[s->nw] = off;
	s->wlen[s->nw++] = len;
	return vx_io_write(s->lower, off, buf, len);
}

static int spy_flush(struct vx_io *io)
{
	return vx_io_flush(SPY(io)->lower);
}

static int spy_get_size(struct vx_io *io, uint64_t *size)
{
	return vx_io_get_size(SPY(io)->lower, size);
}

static int spy_set_size(struct vx_io *io, uint64_t size)
{
	return -ENOTSUP;
}

static int spy_close(struct vx_io *io)
{
	int err = vx_io_close(SPY(io)->lower);

	free(io);
	return err;
}

static const struct vx_io_ops spy_ops = {
	.name = "spy", .read = spy_read, .write = spy_write,
	.flush = spy_flush, .get_size = spy_get_size,
	.set_size = spy_set_size, .close = spy_close,
};

static struct spy_io *spy_open(void)
{
	struct spy_io *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	assert_int_equal(vx_io_mem_open((uint64_t)NBLK * BS, &s->lower), 0);
	s->io.ops = &spy_ops;
	s->io.sector_size = 512;
	return s;
}

static uint8_t *dev(struct spy_io *s, vx_blk_t b)
{
	return vx_io_mem_data(s->lower, NULL) + b * BS;
}

static uint8_t pat(vx_blk_t b, size_t i, unsigned seed)
{
	return (uint8_t)(b * 31 + i * 7 + seed * 13 + (i >> 8));
}

static void fill(uint8_t *p, vx_blk_t b, unsigned seed)
{
	for (size_t i = 0; i < BS; i++)
		p[i] = pat(b, i, seed);
}

static int is_pat(const uint8_t *p, vx_blk_t b, unsigned seed)
{
	for (size_t i = 0; i < BS; i++)
		if (p[i] != pat(b, i, seed))
			return 0;
	return 1;
}

static int is_zero(const uint8_t *p)
{
	for (size_t i = 0; i < BS; i++)
		if (p[i])
			return 0;
	return 1;
}

/* was block @b written (alone or inside a run) since write @from? */
static int written(struct spy_io *s, size_t from, vx_blk_t b)
{
	for (size_t k = from; k < s->nw; k++)
		if (b * BS >= s->woff[k] && b * BS < s->woff[k] + s->wlen[k])
			return 1;
	return 0;
}

struct fix {
	struct spy_io *spy;
	struct vx_cache *c;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->spy = spy_open();
	/* a budget of 0 bytes gives the minimum: 64 buffers */
	assert_int_equal(vx_cache_new(&f->spy->io, BS, 0, &f->c), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	vx_cache_free(f->c);
	vx_io_close(&f->spy->io);
	free(f);
	return 0;
}

/* ---- tests ---- */

static void test_get_reads(void **state)
{
	struct fix *f = *state;
	struct vx_buf *a, *b;

	fill(dev(f->spy, 7), 7, 1);
	assert_int_equal(vx_cache_get(f->c, 7, 0, &a), 0);
	assert_int_equal(a->blkno, 7);
	assert_int_equal(a->refcnt, 1);
	assert_true(is_pat(a->data, 7, 1));
	assert_int_equal(f->spy->nreads, 1);
	/* (C1) a second get finds the same buffer, without reading */
	assert_int_equal(vx_cache_get(f->c, 7, 0, &b), 0);
	assert_ptr_equal(a, b);
	assert_int_equal(a->refcnt, 2);
	assert_int_equal(f->spy->nreads, 1);
	vx_cache_put(f->c, b);
	vx_cache_put(f->c, a);
	assert_int_equal(a->refcnt, 0);
	/* still cached after the last put */
	assert_int_equal(vx_cache_get(f->c, 7, 0, &b), 0);
	assert_ptr_equal(a, b);
	assert_int_equal(f->spy->nreads, 1);
	vx_cache_put(f->c, b);
	vx_cache_put(f->c, NULL);	/* allowed, does nothing */
	assert_int_equal(f->spy->nw, 0);
}

static void test_noread_zero_fills(void **state)
{
	struct fix *f = *state;
	struct vx_buf *b;

	fill(dev(f->spy, 3), 3, 2);
	assert_int_equal(vx_cache_get(f->c, 3, VX_GET_NOREAD, &b), 0);
	assert_true(is_zero(b->data));
	assert_int_equal(f->spy->nreads, 0);
	vx_cache_put(f->c, b);
	/* a cached buffer is zeroed too */
	fill(dev(f->spy, 4), 4, 2);
	assert_int_equal(vx_cache_get(f->c, 4, 0, &b), 0);
	assert_true(is_pat(b->data, 4, 2));
	vx_cache_put(f->c, b);
	assert_int_equal(vx_cache_get(f->c, 4, VX_GET_NOREAD, &b), 0);
	assert_true(is_zero(b->data));
	vx_cache_put(f->c, b);
	/* the device is untouched until something is dirtied */
	assert_true(is_pat(dev(f->spy, 3), 3, 2));
	assert_true(is_pat(dev(f->spy, 4), 4, 2));
	assert_int_equal(vx_cache_writeback(f->c), 0);
	assert_int_equal(f->spy->nw, 0);
}

static void test_read_error(void **state)
{
	struct fix *f = *state;
	struct vx_buf *b = NULL;

	assert_int_equal(vx_cache_get(f->c, NBLK, 0, &b), -EIO);
	assert_int_equal(vx_cache_get(f->c, NBLK + 100, 0, &b), -EIO);
	assert_int_equal(f->spy->nreads, 2);
	/* nothing was cached: the next get reads (and fails) again */
	assert_int_equal(vx_cache_get(f->c, NBLK, 0, &b), -EIO);
	assert_int_equal(f->spy->nreads, 3);
}

/* dirty @n blocks @blks[] with pattern @seed, releasing each */
static void dirty_blocks(struct vx_cache *c, const vx_blk_t *blks, size_t n,
			 unsigned seed)
{
	for (size_t i = 0; i < n; i++) {
		struct vx_buf *b;

		assert_int_equal(vx_cache_get(c, blks[i], VX_GET_NOREAD, &b), 0);
		fill(b->data, blks[i], seed);
		vx_cache_dirty(c, b, false);
		assert_true(b->flags & VX_BUF_DIRTY);
		vx_cache_put(c, b);
	}
}

static void test_writeback_order(void **state)
{
	static const vx_blk_t blks[] = { 40, 7, 12, 3, 5, 4, 11, 20, 6, 1000,
					 999, 13 };
	struct fix *f = *state;
	size_t n = sizeof(blks) / sizeof(blks[0]);
	struct vx_buf *b;
	uint64_t end = 0;
	size_t total = 0;

	dirty_blocks(f->c, blks, n, 3);
	assert_int_equal(f->spy->nw, 0);	/* nothing written yet */
	for (size_t i = 0; i < n; i++)
		assert_true(is_zero(dev(f->spy, blks[i])));
	assert_int_equal(vx_cache_writeback(f->c), 0);
	/* (C4) ascending, non-overlapping, runs coalesced:
	 * 3-7, 11-13, 20, 40, 999-1000 */
	assert_int_equal(f->spy->nw, 5);
	for (size_t k = 0; k < f->spy->nw; k++) {
		assert_true(f->spy->woff[k] >= end);
		assert_int_equal(f->spy->woff[k] % BS, 0);
		end = f->spy->woff[k] + f->spy->wlen[k];
		total += f->spy->wlen[k];
	}
	assert_int_equal(total, n * BS);
	assert_int_equal(f->spy->woff[0], 3 * BS);
	assert_int_equal(f->spy->wlen[0], 5 * BS);
	assert_int_equal(f->spy->woff[1], 11 * BS);
	assert_int_equal(f->spy->wlen[1], 3 * BS);
	assert_int_equal(f->spy->woff[4], 999 * BS);
	assert_int_equal(f->spy->wlen[4], 2 * BS);
	/* read back: the device and the cache agree with what was written */
	for (size_t i = 0; i < n; i++) {
		assert_true(is_pat(dev(f->spy, blks[i]), blks[i], 3));
		assert_int_equal(vx_cache_get(f->c, blks[i], 0, &b), 0);
		assert_false(b->flags & VX_BUF_DIRTY);
		assert_true(is_pat(b->data, blks[i], 3));
		vx_cache_put(f->c, b);
	}
	/* neighbours untouched; a second writeback has nothing to do */
	assert_true(is_zero(dev(f->spy, 2)));
	assert_true(is_zero(dev(f->spy, 8)));
	f->spy->nw = 0;
	assert_int_equal(vx_cache_writeback(f->c), 0);
	assert_int_equal(f->spy->nw, 0);
}

/* a run longer than one coalesced write is still written in order */
static void test_writeback_long_run(void **state)
{
	struct fix *f = *state;
	struct vx_cache *c;
	vx_blk_t *blks = malloc(600 * sizeof(*blks));
	uint64_t end = 0;

	assert_non_null(blks);
	/* a cache big enough to hold them all */
	assert_int_equal(vx_cache_new(&f->spy->io, BS, 1024 * BS, &c), 0);
	for (size_t i = 0; i < 600; i++)
		blks[i] = 2000 + (i * 7) % 600;	/* a permutation */
	dirty_blocks(c, blks, 600, 4);
	assert_int_equal(f->spy->nw, 0);
	assert_int_equal(vx_cache_writeback(c), 0);
	assert_true(f->spy->nw >= 3);	/* at most 256 blocks per write */
	for (size_t k = 0; k < f->spy->nw; k++) {
		assert_int_equal(f->spy->woff[k], end ? end : 2000 * BS);
		assert_true(f->spy->wlen[k] <= 256 * BS);
		end = f->spy->woff[k] + f->spy->wlen[k];
	}
	assert_int_equal(end, 2600 * BS);
	for (vx_blk_t b = 2000; b < 2600; b++)
		assert_true(is_pat(dev(f->spy, b), b, 4));
	vx_cache_free(c);
	free(blks);
}

static void test_meta_sealed(void **state)
{
	struct fix *f = *state;
	struct vx_mhdr h = { .type = VX_BT_EXTENT, .blkno = 9, .seq = 4 };
	struct vx_buf *b;

	memset(h.uuid, 0x77, 16);
	assert_int_equal(vx_cache_get(f->c, 9, VX_GET_NOREAD, &b), 0);
	vx_mhdr_encode(b->data, &h);
	memset(b->data + VX_MHDR_SIZE, 0x5a, BS - VX_MHDR_SIZE);
	vx_cache_dirty(f->c, b, true);
	assert_true(b->flags & VX_BUF_META);
	vx_cache_put(f->c, b);
	/* a plain data block next to it is written as it is */
	assert_int_equal(vx_cache_get(f->c, 10, VX_GET_NOREAD, &b), 0);
	fill(b->data, 10, 5);
	vx_cache_dirty(f->c, b, false);
	vx_cache_put(f->c, b);
	assert_int_equal(vx_cache_writeback(f->c), 0);
	assert_int_equal(vx_mhdr_check(dev(f->spy, 9), BS, VX_BT_EXTENT, 9,
				       h.uuid, NULL), 0);
	assert_int_equal(dev(f->spy, 9)[BS - 1], 0x5a);
	assert_true(is_pat(dev(f->spy, 10), 10, 5));
	/* an edit after the writeback is sealed by the next one */
	assert_int_equal(vx_cache_get(f->c, 9, 0, &b), 0);
	b->data[100] = 0x11;
	vx_cache_dirty(f->c, b, true);
	vx_cache_put(f->c, b);
	assert_int_equal(vx_cache_writeback(f->c), 0);
	assert_int_equal(dev(f->spy, 9)[100], 0x11);
	assert_int_equal(vx_mhdr_check(dev(f->spy, 9), BS, VX_BT_EXTENT, 9,
				       h.uuid, NULL), 0);
}

/* (C3) data dirtied in a 64-buffer cache survives eviction */
static void test_eviction_writes_dirty(void **state)
{
	struct fix *f = *state;
	vx_blk_t blks[300];
	struct vx_buf *b;
	size_t evicted = 0;

	for (size_t i = 0; i < 300; i++)
		blks[i] = 100 + (i * 37) % 300;
	dirty_blocks(f->c, blks, 300, 6);
	/* no writeback yet: all but the last ~64 went to the device when
	 * they were evicted, oldest first */
	for (size_t i = 0; i < 300; i++)
		if (written(f->spy, 0, blks[i])) {
			assert_true(is_pat(dev(f->spy, blks[i]), blks[i], 6));
			evicted++;
		}
	assert_true(evicted >= 300 - 65);
	for (size_t i = 0; i < 200; i++)
		assert_true(written(f->spy, 0, blks[i]));
	/* the newest are still only in the cache */
	assert_false(written(f->spy, 0, blks[299]));
	assert_true(is_zero(dev(f->spy, blks[299])));
	assert_int_equal(vx_cache_writeback(f->c), 0);
	for (size_t i = 0; i < 300; i++)
		assert_true(is_pat(dev(f->spy, blks[i]), blks[i], 6));
	/* read back through the cache: evicted blocks come from the io */
	f->spy->nreads = 0;
	for (size_t i = 0; i < 300; i++) {
		assert_int_equal(vx_cache_get(f->c, blks[i], 0, &b), 0);
		assert_true(is_pat(b->data, blks[i], 6));
		vx_cache_put(f->c, b);
	}
	assert_true(f->spy->nreads >= 300 - 65);
}

/* a failed eviction write keeps the dirty data for a later writeback */
static void test_eviction_write_error(void **state)
{
	struct fix *f = *state;
	vx_blk_t blks[65];
	struct vx_buf *b;

	for (size_t i = 0; i < 65; i++)
		blks[i] = 500 + i;
	dirty_blocks(f->c, blks, 65, 7);
	assert_int_equal(f->spy->nw, 0);
	f->spy->fail_writes = -EIO;
	/* the 66th buffer needs room: the oldest dirty one must go first */
	assert_int_equal(vx_cache_get(f->c, 900, 0, &b), -EIO);
	assert_int_equal(vx_cache_writeback(f->c), -EIO);
	f->spy->fail_writes = 0;
	assert_int_equal(vx_cache_get(f->c, 900, 0, &b), 0);
	vx_cache_put(f->c, b);
	assert_int_equal(vx_cache_writeback(f->c), 0);
	for (size_t i = 0; i < 65; i++)
		assert_true(is_pat(dev(f->spy, blks[i]), blks[i], 7));
}

static void test_forget(void **state)
{
	struct fix *f = *state;
	struct vx_buf *b, *held;

	fill(dev(f->spy, 30), 30, 8);
	assert_int_equal(vx_cache_get(f->c, 30, 0, &b), 0);
	memset(b->data, 0xcc, BS);
	vx_cache_dirty(f->c, b, false);
	vx_cache_put(f->c, b);
	vx_cache_forget(f->c, 30);
	assert_int_equal(vx_cache_writeback(f->c), 0);
	assert_int_equal(f->spy->nw, 0);
	assert_true(is_pat(dev(f->spy, 30), 30, 8));
	/* it is gone from the cache: the next get reads the device */
	f->spy->nreads = 0;
	assert_int_equal(vx_cache_get(f->c, 30, 0, &b), 0);
	assert_int_equal(f->spy->nreads, 1);
	assert_true(is_pat(b->data, 30, 8));
	vx_cache_put(f->c, b);
	/* a referenced buffer is kept (C2) but no longer written */
	assert_int_equal(vx_cache_get(f->c, 31, VX_GET_NOREAD, &held), 0);
	memset(held->data, 0xdd, BS);
	vx_cache_dirty(f->c, held, false);
	vx_cache_forget(f->c, 31);
	assert_false(held->flags & VX_BUF_DIRTY);
	assert_int_equal(held->data[BS - 1], 0xdd);
	assert_int_equal(vx_cache_writeback(f->c), 0);
	assert_int_equal(f->spy->nw, 0);
	assert_int_equal(vx_cache_get(f->c, 31, 0, &b), 0);
	assert_ptr_equal(b, held);
	vx_cache_put(f->c, b);
	vx_cache_put(f->c, held);
	/* forgetting an uncached block does nothing */
	vx_cache_forget(f->c, 3000);
}

/* (C2) ten held buffers survive heavy traffic in a 64-buffer cache */
static void test_held_never_evicted(void **state)
{
	struct fix *f = *state;
	struct vx_buf *held[10], *b;

	for (vx_blk_t i = 0; i < 10; i++) {
		assert_int_equal(vx_cache_get(f->c, 50 + i * 3, VX_GET_NOREAD,
					      &held[i]), 0);
		fill(held[i]->data, 50 + i * 3, 9);
		if (i % 2)
			vx_cache_dirty(f->c, held[i], i % 4 == 1);
	}
	for (int round = 0; round < 3; round++) {
		for (vx_blk_t k = 1000; k < 1500; k++) {
			assert_int_equal(vx_cache_get(f->c, k, 0, &b), 0);
			if (k % 5 == 0) {
				fill(b->data, k, 10);
				vx_cache_dirty(f->c, b, false);
			}
			vx_cache_put(f->c, b);
		}
		assert_int_equal(vx_cache_writeback(f->c), 0);
	}
	for (vx_blk_t i = 0; i < 10; i++) {
		vx_blk_t blk = 50 + i * 3;

		assert_int_equal(held[i]->blkno, blk);
		assert_int_equal(held[i]->refcnt, 1);
		if (i % 4 != 1)	/* metadata buffers were sealed */
			assert_true(is_pat(held[i]->data, blk, 9));
		assert_int_equal(vx_cache_get(f->c, blk, 0, &b), 0);
		assert_ptr_equal(b, held[i]);
		vx_cache_put(f->c, b);
		/* dirty ones were written by writeback, clean ones never */
		assert_int_equal(written(f->spy, 0, blk), i % 2);
		if (i % 2 && i % 4 != 1)
			assert_true(is_pat(dev(f->spy, blk), blk, 9));
	}
	for (vx_blk_t k = 1000; k < 1500; k += 5)
		assert_true(is_pat(dev(f->spy, k), k, 10));
	for (int i = 0; i < 10; i++)
		vx_cache_put(f->c, held[i]);
}

/* when every buffer is held the cache grows past its budget rather
 * than evict one (C2) */
static void test_all_held(void **state)
{
	struct fix *f = *state;
	struct vx_buf *held[100];

	for (vx_blk_t i = 0; i < 100; i++) {
		assert_int_equal(vx_cache_get(f->c, 200 + i, VX_GET_NOREAD,
					      &held[i]), 0);
		fill(held[i]->data, 200 + i, 11);
	}
	for (vx_blk_t i = 0; i < 100; i++) {
		assert_int_equal(held[i]->blkno, 200 + i);
		assert_true(is_pat(held[i]->data, 200 + i, 11));
		vx_cache_put(f->c, held[i]);
	}
	assert_int_equal(f->spy->nw, 0);
}

/*
 * (C5) a dirty buffer goes home only when no transaction holds it, its
 * last committed change is durable and no image of it is in the live
 * log; writeback and eviction pass over the others, which go once the
 * rule lets them
 */
static void test_C5_not_before_durable(void **state)
{
	static const vx_blk_t held[] = { 10 }, late[] = { 11 }, logged[] = { 12 },
			      free_[] = { 13 };
	struct fix *f = *state;
	uint64_t durable = 5, cycle = 2;
	struct vx_buf *h, *l;

	vx_cache_set_durable(f->c, &durable, &cycle);
	dirty_blocks(f->c, held, 1, 1);
	dirty_blocks(f->c, late, 1, 2);
	dirty_blocks(f->c, logged, 1, 3);
	dirty_blocks(f->c, free_, 1, 4);
	assert_int_equal(vx_cache_get(f->c, 10, 0, &h), 0);
	h->txns = 1;				/* a running transaction's */
	assert_int_equal(vx_cache_get(f->c, 11, 0, &l), 0);
	vx_cache_committed(f->c, &l, 1, 6);	/* committed, not durable */
	vx_cache_put(f->c, l);
	vx_cache_logged(f->c, logged, 1, 2);	/* in the live log */
	assert_int_equal(vx_cache_writeback(f->c), 0);
	assert_true(is_pat(dev(f->spy, 13), 13, 4));	/* free to go */
	assert_true(is_zero(dev(f->spy, 10)));
	assert_true(is_zero(dev(f->spy, 11)));
	assert_true(is_zero(dev(f->spy, 12)));
	/* eviction passes over them too: 100 more blocks through a cache
	 * of 64 buffers */
	for (vx_blk_t b = 100; b < 200; b++) {
		struct vx_buf *x;

		assert_int_equal(vx_cache_get(f->c, b, 0, &x), 0);
		vx_cache_put(f->c, x);
	}
	assert_true(is_zero(dev(f->spy, 11)));
	assert_true(is_zero(dev(f->spy, 12)));
	/* durable, next log cycle, released: all go home */
	durable = 6;
	cycle = 3;
	h->txns = 0;
	vx_cache_put(f->c, h);
	assert_int_equal(vx_cache_writeback(f->c), 0);
	assert_true(is_pat(dev(f->spy, 10), 10, 1));
	assert_true(is_pat(dev(f->spy, 11), 11, 2));
	assert_true(is_pat(dev(f->spy, 12), 12, 3));
	vx_cache_set_durable(f->c, NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_noread_zero_fills, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writeback_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_writeback_long_run, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_meta_sealed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_eviction_writes_dirty,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_eviction_write_error,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_forget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_never_evicted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_all_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_C5_not_before_durable,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
