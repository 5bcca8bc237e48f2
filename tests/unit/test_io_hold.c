/*
 * test_io_hold.c: the hold layer (lib/io_hold.c) that debugfs.vexfs
 * opens read-write images through, against the invariants of its header
 * comment:
 *   (H1) while holding, the lower device is never written (its bytes are
 *        compared with a copy) and reads see it with every held write on
 *        top (partial pages, reads across held and unheld pages);
 *   (H2) a release writes what is held in the order it was made, with a
 *        flush wherever the layer was flushed and one at the end: the
 *        sequence a recording layer below sees is the sequence made
 *        above, and a crash at every point of a release that carries a
 *        committed transaction recovers all of it or none of it, all of
 *        it from the point the commit's flush stood at;
 *   (H3) after a release the layer passes through until
 *        vx_io_hold_start; closing discards what is held and leaves the
 *        lower device open;
 *   (H4) past the limit what is held is pushed, in order, and the layer
 *        goes on holding.
 * Besides: sizes (set_size refused while holding), the vx_io_hold_*
 * calls on another io, and a filesystem on top: a session that aborts
 * (or commits without releasing) leaves the device byte for byte as it
 * was, one that releases leaves what a fresh open sees.
 *
 * Everything runs on the in-memory io.  Writes are recorded with
 * rec_io.h (each 1 KiB piece of a write in order); the flush points are
 * noted by a small layer above it (struct ftap), since rec_io keeps only
 * the last one.  Filesystems come from txn_fixture.h.
 */
#include <pthread.h>

#include "txn_fixture.h"
#include "rec_io.h"

#define DEV	(64 * KiB)	/* raw tests: a device of this size */

/* ---- a flush tap: where every flush fell ---- */

/* forwards everything to a rec_io and notes, for every flush made while
 * the rec_io records, how many pieces it had recorded then */
struct ftap {
	struct vx_io io;
	struct rec_io *rec;
	size_t *pts;
	size_t npts, cap;
};

static int tap_read(struct vx_io *io, uint64_t off, void *b, size_t n)
{
	return vx_io_read(&((struct ftap *)io)->rec->io, off, b, n);
}

static int tap_write(struct vx_io *io, uint64_t off, const void *b, size_t n)
{
	return vx_io_write(&((struct ftap *)io)->rec->io, off, b, n);
}

static int tap_flush(struct vx_io *io)
{
	struct ftap *t = (struct ftap *)io;
	int err = vx_io_flush(&t->rec->io);

	if (t->rec->on) {
		if (t->npts == t->cap) {
			t->cap = t->cap ? 2 * t->cap : 64;
			t->pts = realloc(t->pts, t->cap * sizeof(*t->pts));
			assert_non_null(t->pts);
		}
		t->pts[t->npts++] = t->rec->n;
	}
	return err;
}

static int tap_size(struct vx_io *io, uint64_t *size)
{
	return vx_io_get_size(&((struct ftap *)io)->rec->io, size);
}

static int tap_close(struct vx_io *io)
{
	free(((struct ftap *)io)->pts);
	free(io);
	return 0;
}

static const struct vx_io_ops tap_ops = {
	.name = "tap", .read = tap_read, .write = tap_write,
	.flush = tap_flush, .get_size = tap_size, .close = tap_close,
};

/* mem <- rec <- tap: the tap is the device a hold layer goes over */
static struct ftap *tap_new(struct rec_io *rec)
{
	struct ftap *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->io.ops = &tap_ops;
	t->io.sector_size = rec->io.sector_size;
	t->rec = rec;
	return t;
}

static void tap_free(struct ftap *t)
{
	struct rec_io *rec = t->rec;

	assert_int_equal(vx_io_close(&t->io), 0);
	assert_int_equal(vx_io_close(&rec->io), 0);
}

/* ---- raw devices ---- */

/* a mem device of @size bytes holding pattern 1, and a copy of it */
static struct vx_io *lower_new(uint64_t size, uint8_t **copy)
{
	struct vx_io *io;
	uint8_t *d;

	assert_int_equal(vx_io_mem_open(size, &io), 0);
	d = vx_io_mem_data(io, NULL);
	assert_non_null(d);
	for (uint64_t i = 0; i < size; i++)
		d[i] = pat(i, 1);
	*copy = malloc(size);
	assert_non_null(*copy);
	memcpy(*copy, d, size);
	return io;
}

static void fill(uint8_t *buf, size_t len, uint64_t off, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pat(off + i, seed);
}

/* write @len bytes of pattern @seed at @off through @io, and into the
 * model @want (may be NULL) */
static void put(struct vx_io *io, uint8_t *want, uint64_t off, size_t len,
		unsigned seed)
{
	uint8_t *buf = malloc(len);

	assert_non_null(buf);
	fill(buf, len, off, seed);
	assert_int_equal(vx_io_write(io, off, buf, len), 0);
	if (want)
		memcpy(want + off, buf, len);
	free(buf);
}

/* @io reads @want[off, off + len) */
static void reads_as(struct vx_io *io, const uint8_t *want, uint64_t off,
		     size_t len)
{
	uint8_t *buf = malloc(len);

	assert_non_null(buf);
	assert_int_equal(vx_io_read(io, off, buf, len), 0);
	assert_memory_equal(buf, want + off, len);
	free(buf);
}

static void mem_is(struct vx_io *mem, const uint8_t *want, uint64_t size)
{
	uint64_t have;
	const uint8_t *d = vx_io_mem_data(mem, &have);

	assert_non_null(d);
	assert_int_equal(have, size);
	assert_memory_equal(d, want, size);
}

/* ---- holding (H1) ---- */

/*
 * (H1) writes of parts of pages, of whole pages, across a page boundary
 * and over each other stay off the lower device; reads of the whole
 * device and of ranges across held and unheld pages see them on top of
 * it; vx_io_hold_bytes counts every byte written; a flush while holding
 * reaches nothing below.
 */
static void test_H1_writes_held(void **state)
{
	uint8_t *copy, *want = malloc(DEV);
	struct vx_io *lower = lower_new(DEV, &copy), *h;
	struct rec_io *rec = rec_new(lower);
	struct ftap *tap = tap_new(rec);
	static const struct { uint64_t off; size_t len; } w[] = {
		{ 100, 50 },		/* part of page 0 */
		{ 4090, 20 },		/* across pages 0 and 1 */
		{ 8192, 4096 },		/* all of page 2 */
		{ 12278, 30 },		/* the end of 2, the start of 3 */
		{ 30000, 1 },		/* one byte of page 7 */
		{ 125, 50 },		/* over half of the first */
		{ 60000, 5536 },	/* the last pages, to the end */
	};
	uint64_t held = 0, size;

	(void)state;
	assert_non_null(want);
	memcpy(want, copy, DEV);
	rec->on = true;
	assert_int_equal(vx_io_hold_open(&tap->io, &h), 0);
	assert_string_equal(h->ops->name, "hold");
	assert_int_equal(h->sector_size, lower->sector_size);
	assert_true(vx_io_holding(h));
	assert_int_equal(vx_io_hold_bytes(h), 0);
	reads_as(h, copy, 0, DEV);		/* nothing held yet */
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		put(h, want, w[i].off, w[i].len, 10 + (unsigned)i);
		held += w[i].len;
		assert_int_equal(vx_io_hold_bytes(h), held);
		mem_is(lower, copy, DEV);	/* (H1) */
		reads_as(h, want, 0, DEV);
	}
	/* a zero-length write holds nothing */
	assert_int_equal(vx_io_write(h, 500, "", 0), 0);
	assert_int_equal(vx_io_hold_bytes(h), held);
	/* reads across held and unheld pages, at odd offsets */
	reads_as(h, want, 4000, 9000);
	reads_as(h, want, 4095, 2);
	reads_as(h, want, 12270, 50);
	reads_as(h, want, 13000, 20000);
	reads_as(h, want, 29999, 3);
	reads_as(h, want, 110, 100);
	reads_as(h, want, 59000, DEV - 59000);
	reads_as(h, want, DEV - 1, 1);
	/* flushes while holding reach nothing below */
	assert_int_equal(vx_io_flush(h), 0);
	assert_int_equal(vx_io_flush(h), 0);
	assert_int_equal(vx_io_hold_bytes(h), held);
	assert_int_equal(rec->n, 0);
	assert_int_equal(tap->npts, 0);
	mem_is(lower, copy, DEV);
	assert_int_equal(vx_io_get_size(h, &size), 0);
	assert_int_equal(size, DEV);
	assert_true(vx_io_holding(h));
	assert_int_equal(vx_io_close(h), 0);
	mem_is(lower, copy, DEV);
	tap_free(tap);
	assert_int_equal(vx_io_close(lower), 0);
	free(copy);
	free(want);
}

/* ---- releasing (H2, H3) ---- */

/*
 * (H2) two writes to the same offset and one over both: after the
 * release the lower device holds the newest bytes everywhere.  (H3)
 * then the layer passes through: a write reaches the lower device at
 * once, and reads see it, until vx_io_hold_start holds again.
 */
static void test_H2_release_newest_wins(void **state)
{
	uint8_t *copy, *want = malloc(DEV), *before = malloc(DEV);
	struct vx_io *lower = lower_new(DEV, &copy), *h;

	(void)state;
	assert_non_null(want);
	assert_non_null(before);
	memcpy(want, copy, DEV);
	assert_int_equal(vx_io_hold_open(lower, &h), 0);
	put(h, want, 1000, 500, 2);
	put(h, want, 1000, 500, 3);		/* the same offset */
	put(h, want, 1200, 100, 4);		/* over both */
	put(h, want, 40000, 3000, 5);
	mem_is(lower, copy, DEV);
	assert_int_equal(vx_io_hold_bytes(h), 4100);
	assert_int_equal(vx_io_hold_release(h), 0);
	mem_is(lower, want, DEV);
	reads_as(h, want, 0, DEV);
	assert_false(vx_io_holding(h));
	assert_int_equal(vx_io_hold_bytes(h), 0);

	/* (H3) passing through: each write is on the device at once */
	put(h, want, 5000, 10, 6);
	mem_is(lower, want, DEV);
	put(h, want, 5005, 4096, 7);
	mem_is(lower, want, DEV);
	reads_as(h, want, 4000, 8000);
	assert_int_equal(vx_io_hold_bytes(h), 0);
	assert_int_equal(vx_io_hold_release(h), 0);	/* nothing to do */
	mem_is(lower, want, DEV);

	/* holding again: the device stays as it is now */
	assert_int_equal(vx_io_hold_start(h), 0);
	assert_true(vx_io_holding(h));
	assert_int_equal(vx_io_hold_start(h), 0);	/* twice: still one */
	memcpy(before, want, DEV);
	put(h, want, 6000, 300, 8);
	put(h, want, 5000, 10, 9);
	mem_is(lower, before, DEV);
	reads_as(h, want, 0, DEV);
	assert_int_equal(vx_io_hold_bytes(h), 310);
	assert_int_equal(vx_io_hold_release(h), 0);
	mem_is(lower, want, DEV);
	assert_int_equal(vx_io_close(h), 0);
	mem_is(lower, want, DEV);
	assert_int_equal(vx_io_close(lower), 0);
	free(copy);
	free(want);
	free(before);
}

/* a write (len > 0) or a flush (len 0) made above the hold layer */
struct op {
	uint64_t off;
	size_t len;
	unsigned seed;
};

/*
 * (H2) the sequence a recording device below sees during a release is
 * the sequence made above: the same writes with the same bytes in the
 * same order (two to one offset among them), a flush where the layer
 * was flushed (a flush with nothing held, or right after another, is no
 * point of its own), and one at the end.  (H3) afterwards writes and
 * flushes reach the device as they are made.
 */
static void test_H2_release_sequence(void **state)
{
	static const struct op ops[] = {
		{ 0, 0, 0 },		/* a flush with nothing held */
		{ 0, 700, 2 },
		{ 0, 700, 3 },		/* the same offset again */
		{ 0, 0, 0 },
		{ 0, 0, 0 },		/* a flush right after one */
		{ 3000, 2500, 4 },	/* three pieces for rec_io */
		{ 10000, 1024, 5 },
		{ 0, 0, 0 },
		{ 20000, 10, 6 },
	};
	/* pieces recorded before each flush: after the second write, after
	 * the fourth (6 pieces), and the final flush after all 7 */
	static const size_t want_pts[] = { 2, 6, 7 };
	uint8_t *copy, *want = malloc(DEV);
	struct vx_io *lower = lower_new(DEV, &copy), *h;
	struct rec_io *rec = rec_new(lower);
	struct ftap *tap = tap_new(rec);
	size_t np = 0;

	(void)state;
	assert_non_null(want);
	memcpy(want, copy, DEV);
	rec->on = true;
	assert_int_equal(vx_io_hold_open(&tap->io, &h), 0);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].len)
			put(h, want, ops[i].off, ops[i].len, ops[i].seed);
		else
			assert_int_equal(vx_io_flush(h), 0);
	assert_int_equal(rec->n, 0);		/* (H1) */
	assert_int_equal(tap->npts, 0);
	mem_is(lower, copy, DEV);

	assert_int_equal(vx_io_hold_release(h), 0);
	/* every write, cut into rec_io's 1 KiB pieces, in order */
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		for (size_t done = 0; done < ops[i].len; done += 1024, np++) {
			size_t k = ops[i].len - done < 1024 ?
				   ops[i].len - done : 1024;
			uint8_t buf[1024];

			assert_true(np < rec->n);
			fill(buf, k, ops[i].off + done, ops[i].seed);
			assert_int_equal(rec->w[np].off, ops[i].off + done);
			assert_int_equal(rec->w[np].len, k);
			assert_memory_equal(rec->w[np].data, buf, k);
		}
	}
	assert_int_equal(rec->n, np);
	assert_int_equal(tap->npts, sizeof(want_pts) / sizeof(want_pts[0]));
	for (size_t i = 0; i < tap->npts; i++)
		assert_int_equal(tap->pts[i], want_pts[i]);
	assert_int_equal(rec->flushed, rec->n);	/* ends with a flush */
	mem_is(lower, want, DEV);

	/* (H3) passing through: the device sees each call as it comes */
	put(h, want, 33000, 100, 7);
	assert_int_equal(rec->n, np + 1);
	assert_int_equal(rec->w[np].off, 33000);
	mem_is(lower, want, DEV);
	assert_int_equal(vx_io_flush(h), 0);
	assert_int_equal(tap->npts, 4);
	assert_int_equal(tap->pts[3], np + 1);
	/* and holds again once told to */
	assert_int_equal(vx_io_hold_start(h), 0);
	put(h, NULL, 34000, 100, 8);
	assert_int_equal(vx_io_flush(h), 0);
	assert_int_equal(rec->n, np + 1);
	assert_int_equal(tap->npts, 4);
	assert_int_equal(vx_io_close(h), 0);	/* discards that */
	assert_int_equal(rec->n, np + 1);
	mem_is(lower, want, DEV);
	tap_free(tap);
	assert_int_equal(vx_io_close(lower), 0);
	free(copy);
	free(want);
}

/*
 * (H3) closing a layer that holds writes discards them: the lower
 * device is as it was, and still open (read, written and closed by the
 * test afterwards).  Closing after a release keeps what was released.
 */
static void test_H3_close_discards(void **state)
{
	uint8_t *copy, *want = malloc(DEV);
	struct vx_io *lower = lower_new(DEV, &copy), *h;

	(void)state;
	assert_non_null(want);
	memcpy(want, copy, DEV);
	assert_int_equal(vx_io_hold_open(lower, &h), 0);
	put(h, NULL, 0, 8192, 2);
	put(h, NULL, 50000, 100, 3);
	assert_int_equal(vx_io_flush(h), 0);
	put(h, NULL, 20000, 1, 4);
	assert_int_equal(vx_io_hold_bytes(h), 8293);
	assert_int_equal(vx_io_close(h), 0);
	mem_is(lower, copy, DEV);
	/* the lower device is still open: it reads, writes and closes */
	reads_as(lower, copy, 0, DEV);
	put(lower, want, 7, 3, 5);
	mem_is(lower, want, DEV);

	/* what was released stays; what is held after it does not */
	assert_int_equal(vx_io_hold_open(lower, &h), 0);
	put(h, want, 100, 200, 6);
	assert_int_equal(vx_io_hold_release(h), 0);
	assert_int_equal(vx_io_hold_start(h), 0);
	put(h, NULL, 100, 200, 7);
	put(h, NULL, 9000, 50, 8);
	assert_int_equal(vx_io_close(h), 0);
	mem_is(lower, want, DEV);
	reads_as(lower, want, 0, DEV);
	assert_int_equal(vx_io_close(lower), 0);
	free(copy);
	free(want);
}

/* ---- the limit (H4) ---- */

/*
 * (H4) with a limit, writes up to it are held; the write that takes the
 * total past it pushes everything held (its own bytes too) in order,
 * with the flushes where they were and one at the end, and the layer
 * goes on holding: the next small write is held again.  A single write
 * larger than the limit goes down at once.  Limit 0 holds without end.
 */
static void test_H4_limit(void **state)
{
	uint8_t *copy, *want = malloc(DEV), *pushed = malloc(DEV);
	struct vx_io *lower = lower_new(DEV, &copy), *h;
	struct rec_io *rec = rec_new(lower);
	struct ftap *tap = tap_new(rec);
	static const struct op w[] = {
		{ 0, 1000, 2 }, { 0, 1000, 3 }, { 0, 0, 0 }, { 2048, 1000, 4 },
		{ 5000, 1000, 5 },	/* 4000 bytes: past the limit */
	};

	(void)state;
	assert_non_null(want);
	assert_non_null(pushed);
	memcpy(want, copy, DEV);
	rec->on = true;
	assert_int_equal(vx_io_hold_open(&tap->io, &h), 0);
	vx_io_hold_set_limit(h, 3000);
	for (size_t i = 0; i < 4; i++)
		if (w[i].len)
			put(h, want, w[i].off, w[i].len, w[i].seed);
		else
			assert_int_equal(vx_io_flush(h), 0);
	/* 3000 bytes: at the limit, not past it */
	assert_int_equal(vx_io_hold_bytes(h), 3000);
	assert_int_equal(rec->n, 0);
	mem_is(lower, copy, DEV);

	put(h, want, w[4].off, w[4].len, w[4].seed);
	assert_int_equal(vx_io_hold_bytes(h), 0);
	assert_true(vx_io_holding(h));
	mem_is(lower, want, DEV);
	/* in order, the flush where it was, one at the end */
	assert_int_equal(rec->n, 4);
	for (size_t i = 0, k = 0; i < 5; i++) {
		uint8_t buf[1000];

		if (!w[i].len)
			continue;
		fill(buf, w[i].len, w[i].off, w[i].seed);
		assert_int_equal(rec->w[k].off, w[i].off);
		assert_int_equal(rec->w[k].len, w[i].len);
		assert_memory_equal(rec->w[k].data, buf, w[i].len);
		k++;
	}
	assert_int_equal(tap->npts, 2);
	assert_int_equal(tap->pts[0], 2);
	assert_int_equal(tap->pts[1], 4);

	/* still holding: the next small write stays off the device */
	memcpy(pushed, want, DEV);
	put(h, want, 9000, 100, 6);
	assert_int_equal(vx_io_hold_bytes(h), 100);
	assert_int_equal(rec->n, 4);
	mem_is(lower, pushed, DEV);
	reads_as(h, want, 0, DEV);
	/* one write larger than the limit goes down with what is held */
	put(h, want, 16384, 5000, 7);
	assert_int_equal(vx_io_hold_bytes(h), 0);
	mem_is(lower, want, DEV);
	assert_int_equal(rec->w[4].off, 9000);
	assert_int_equal(rec->w[5].off, 16384);
	assert_true(vx_io_holding(h));

	/* no limit: nothing goes down on its own */
	vx_io_hold_set_limit(h, 0);
	memcpy(pushed, want, DEV);
	for (unsigned i = 0; i < 8; i++)
		put(h, want, 4096 * i, 4096, 20 + i);
	assert_int_equal(vx_io_hold_bytes(h), 8 * 4096);
	mem_is(lower, pushed, DEV);
	reads_as(h, want, 0, DEV);
	assert_int_equal(vx_io_close(h), 0);	/* discarded */
	mem_is(lower, pushed, DEV);
	tap_free(tap);
	assert_int_equal(vx_io_close(lower), 0);
	free(copy);
	free(want);
	free(pushed);
}

/* ---- sizes, and other layers ---- */

/*
 * get_size is the lower device's (also when the lower device is resized
 * under a holding layer); set_size is refused while holding
 * (the lower device keeps its size) and reaches the lower device after
 * a release; holding again then covers the new size.  On an io that is
 * no hold layer the vx_io_hold_* calls refuse (-EINVAL), count 0, say
 * false, and a limit changes nothing.
 */
static void test_sizes_and_other_io(void **state)
{
	uint8_t *copy, *want = calloc(1, 2 * DEV);
	struct vx_io *lower = lower_new(DEV, &copy), *h, *ov;
	uint64_t size;

	(void)state;
	assert_non_null(want);
	memcpy(want, copy, DEV);
	assert_int_equal(vx_io_hold_open(lower, &h), 0);
	assert_int_equal(vx_io_get_size(h, &size), 0);
	assert_int_equal(size, DEV);
	assert_int_equal(vx_io_set_size(h, 2 * DEV), -ENOTSUP);
	put(h, want, 10, 10, 2);
	assert_int_equal(vx_io_set_size(h, DEV / 2), -ENOTSUP);
	mem_is(lower, copy, DEV);
	assert_int_equal(vx_io_hold_release(h), 0);
	assert_int_equal(vx_io_set_size(h, 2 * DEV), 0);
	assert_int_equal(vx_io_get_size(h, &size), 0);
	assert_int_equal(size, 2 * DEV);
	mem_is(lower, want, 2 * DEV);		/* the new tail is zero */
	assert_int_equal(vx_io_hold_start(h), 0);
	put(h, want, DEV + 100, 5000, 3);	/* past the old end */
	reads_as(h, want, DEV - 50, 6000);
	assert_int_equal(vx_io_get_size(h, &size), 0);
	assert_int_equal(size, 2 * DEV);
	assert_int_equal(vx_io_hold_release(h), 0);
	mem_is(lower, want, 2 * DEV);
	/* holding, get_size follows the lower device, resized under it */
	assert_int_equal(vx_io_hold_start(h), 0);
	assert_int_equal(vx_io_set_size(lower, 3 * DEV), 0);
	assert_int_equal(vx_io_get_size(h, &size), 0);
	assert_int_equal(size, 3 * DEV);
	assert_int_equal(vx_io_close(h), 0);
	assert_int_equal(vx_io_set_size(lower, 2 * DEV), 0);

	/* not a hold layer: a mem device, an overlay */
	assert_int_equal(vx_io_overlay_open(lower, 4096, &ov), 0);
	for (int i = 0; i < 2; i++) {
		struct vx_io *io = i ? ov : lower;

		assert_int_equal(vx_io_hold_start(io), -EINVAL);
		assert_int_equal(vx_io_hold_release(io), -EINVAL);
		assert_int_equal(vx_io_hold_bytes(io), 0);
		assert_false(vx_io_holding(io));
		vx_io_hold_set_limit(io, 1);
		assert_int_equal(vx_io_get_size(io, &size), 0);
		assert_int_equal(size, 2 * DEV);
		reads_as(io, want, 0, 2 * DEV);
	}
	put(lower, want, 0, 3000, 4);		/* an ordinary device */
	mem_is(lower, want, 2 * DEV);
	assert_int_equal(vx_io_close(ov), 0);
	assert_int_equal(vx_io_close(lower), 0);
	free(copy);
	free(want);
}

/* ---- a filesystem on top ---- */

/* a formatted mem device of 4 MiB (1 KiB blocks, 1024 a group, 256
 * journal blocks), not opened */
static struct tfs *fmt_mem(void)
{
	struct vx_mkfs_params p = { .block_log = 10, .group_blocks = 1024,
				    .journal_blocks = 256, .hash_seed = 7,
				    .now = T0 };
	struct tfs *t = calloc(1, sizeof(*t));
	struct vx_super sb;

	assert_non_null(t);
	memset(p.uuid, 0x5a, sizeof(p.uuid));
	t->bytes = 4 * MiB;
	t->bsize = 1024;
	assert_int_equal(vx_io_mem_open(t->bytes, &t->mem), 0);
	assert_int_equal(vx_fs_plan(&p, t->bytes, &sb), 0);
	assert_int_equal(vx_fs_format(t->mem, &sb, 0), 0);
	return t;
}

static struct vx_fs *open_on(struct vx_io *io)
{
	struct vx_open_opts o = { .flags = VX_OPEN_BORROW_IO,
				  .fixed_time = T0 };
	struct vx_fs *fs;

	assert_int_equal(vx_fs_open(io, &o, &fs), 0);
	return fs;
}

static void image_is(struct tfs *t, const uint8_t *want)
{
	assert_memory_equal(image(t), want, t->bytes);
}

/*
 * What debugfs.vexfs relies on: a filesystem opened read-write on a
 * hold layer, a transaction that makes a directory and writes a file
 * and aborts, the filesystem closed (its clean superblock written) and
 * the layer closed: the device is byte for byte what it was before the
 * open, though the open, the transaction and the close all wrote.  The
 * same for work committed without a transaction (each call commits) but
 * never released.
 */
static void test_fs_abort_writes_nothing(void **state)
{
	struct tfs *t = fmt_mem();
	uint8_t *pre = snapshot(t);
	struct vx_io *h;
	struct vx_txn *tx;
	struct vx_fs *fs;
	struct base base;
	vx_ino_t d, f;

	(void)state;
	assert_int_equal(vx_io_hold_open(t->mem, &h), 0);
	fs = open_on(h);
	assert_true(vx_io_hold_bytes(h) > 0);	/* the open's "in use" */
	image_is(t, pre);
	check_tree(fs, NULL, &base);
	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);
	d = mkdir_(fs, tx, ROOT, "d");
	f = mkfile_pat(fs, tx, d, "f", 20 * KiB, 3);
	check_pat(fs, tx, f, 20 * KiB, 3);
	assert_int_equal(vx_txn_abort(tx), 0);
	assert_int_equal(find(fs, NULL, ROOT, "d"), 0);
	image_is(t, pre);
	assert_int_equal(vx_fs_close(fs), 0);
	assert_true(vx_io_holding(h));
	image_is(t, pre);
	assert_int_equal(vx_io_close(h), 0);
	image_is(t, pre);

	/* committed, but never released */
	assert_int_equal(vx_io_hold_open(t->mem, &h), 0);
	fs = open_on(h);
	d = mkdir_(fs, NULL, ROOT, "d2");
	f = mkfile_pat(fs, NULL, d, "f2", 5000, 4);
	assert_int_equal(vx_fs_sync(fs), 0);
	check_pat(fs, NULL, f, 5000, 4);
	assert_int_equal(vx_fs_close(fs), 0);
	image_is(t, pre);
	assert_int_equal(vx_io_close(h), 0);
	image_is(t, pre);

	/* and the device opens as it was */
	tfs_open(t);
	assert_int_equal(vx_fs_journal(t->fs, NULL), 0);
	assert_int_equal(find(t->fs, NULL, ROOT, "d"), 0);
	assert_int_equal(find(t->fs, NULL, ROOT, "d2"), 0);
	check_tree(t->fs, &base, NULL);
	free(pre);
	tfs_free(t);
}

/* a fresh open of @t's device sees directory "d" holding "f" (20 KiB of
 * pattern 3) and root's "g" (3000 bytes of pattern 4) */
static void sees_commit(struct tfs *t, const struct base *base)
{
	vx_ino_t d;

	tfs_open(t);
	d = find(t->fs, NULL, ROOT, "d");
	assert_int_not_equal(d, 0);
	check_pat(t->fs, NULL, find(t->fs, NULL, d, "f"), 20 * KiB, 3);
	check_pat(t->fs, NULL, find(t->fs, NULL, ROOT, "g"), 3000, 4);
	check_tree(t->fs, base, NULL);
	tfs_reopen(t);
	check_pat(t->fs, NULL, find(t->fs, NULL, d, "f"), 20 * KiB, 3);
	assert_int_equal(vx_fs_close(t->fs), 0);
	t->fs = NULL;
}

/*
 * A committed transaction and vx_io_hold_release: a fresh open of the
 * device sees the directory and the file's bytes.  Released before the
 * filesystem is closed (the close then passes through and leaves the
 * image clean) and after it (debugfs.vexfs's order).  Until the
 * release, the device is as it was.
 */
static void test_fs_commit_release(void **state)
{
	(void)state;
	for (int late = 0; late < 2; late++) {
		struct tfs *t = fmt_mem();
		uint8_t *pre = snapshot(t);
		struct vx_super sb;
		struct vx_io *h;
		struct vx_txn *tx;
		struct vx_fs *fs;
		struct base base;
		vx_ino_t d;

		assert_int_equal(vx_io_hold_open(t->mem, &h), 0);
		fs = open_on(h);
		check_tree(fs, NULL, &base);
		assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);
		d = mkdir_(fs, tx, ROOT, "d");
		mkfile_pat(fs, tx, d, "f", 20 * KiB, 3);
		mkfile_pat(fs, tx, ROOT, "g", 3000, 4);
		assert_int_equal(vx_txn_commit(tx, NULL), 0);
		image_is(t, pre);
		if (!late) {
			assert_int_equal(vx_io_hold_release(h), 0);
			assert_false(vx_io_holding(h));
			assert_memory_not_equal(image(t), pre, t->bytes);
		}
		assert_int_equal(vx_fs_close(fs), 0);
		if (late) {
			image_is(t, pre);
			assert_int_equal(vx_io_hold_release(h), 0);
		}
		assert_int_equal(vx_io_hold_bytes(h), 0);
		assert_int_equal(vx_io_close(h), 0);
		/* the close reached the device: clean, the journal empty */
		assert_int_equal(vx_super_decode(image(t), t->bsize, 0, &sb),
				 0);
		assert_true(sb.state & VX_STATE_CLEAN);
		sees_commit(t, &base);
		free(pre);
		tfs_free(t);
	}
}

/*
 * A session that releases one transaction and holds again (what
 * debugfs.vexfs does after each command that succeeded), then commits
 * a second that is never released: the device holds the first only.
 * Its superblock still says "in use" (the clean one of the close was
 * discarded), and an open finds the first, and nothing of the second.
 */
static void test_fs_release_then_hold(void **state)
{
	struct tfs *t = fmt_mem();
	uint8_t *released;
	struct vx_super sb;
	struct vx_io *h;
	struct vx_txn *tx;
	struct vx_fs *fs;
	struct base base;
	vx_ino_t d;

	(void)state;
	assert_int_equal(vx_io_hold_open(t->mem, &h), 0);
	fs = open_on(h);
	check_tree(fs, NULL, &base);
	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);
	d = mkdir_(fs, tx, ROOT, "d");
	mkfile_pat(fs, tx, d, "f", 20 * KiB, 3);
	mkfile_pat(fs, tx, ROOT, "g", 3000, 4);
	assert_int_equal(vx_txn_commit(tx, NULL), 0);
	assert_int_equal(vx_io_hold_release(h), 0);
	assert_int_equal(vx_io_hold_start(h), 0);
	released = snapshot(t);

	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);
	mkdir_(fs, tx, ROOT, "later");
	mkfile_pat(fs, tx, d, "f3", 9000, 5);
	assert_int_equal(vx_txn_commit(tx, NULL), 0);
	assert_int_equal(vx_fs_close(fs), 0);
	image_is(t, released);
	assert_int_equal(vx_io_close(h), 0);
	image_is(t, released);
	assert_int_equal(vx_super_decode(image(t), t->bsize, 0, &sb), 0);
	assert_false(sb.state & VX_STATE_CLEAN);

	tfs_open(t);
	assert_int_equal(find(t->fs, NULL, ROOT, "later"), 0);
	assert_int_equal(find(t->fs, NULL, d, "f3"), 0);
	assert_int_equal(vx_fs_close(t->fs), 0);
	t->fs = NULL;
	sees_commit(t, &base);
	free(released);
	tfs_free(t);
}

/* ---- a crash during a release (H2) ---- */

struct h2_state {
	vx_ino_t a, old, f1;
};

/* the state before: a/f1, old; the transaction adds a/new and nd and
 * renames old to a/renamed */
static void h2_before(struct vx_fs *fs, struct h2_state *s)
{
	s->a = mkdir_(fs, NULL, ROOT, "a");
	s->f1 = mkfile_pat(fs, NULL, s->a, "f1", 3000, 1);
	s->old = mkfile_pat(fs, NULL, ROOT, "old", 6000, 4);
	assert_int_equal(vx_fs_sync(fs), 0);
}

/* the transaction, committed (durable), then a sync (its checkpoint);
 * *@committed: what the hold layer held when the commit returned */
static void h2_txn(struct vx_fs *fs, const struct h2_state *s,
		   struct vx_io *h, uint64_t *committed)
{
	struct vx_txn *tx;

	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);
	mkfile_pat(fs, tx, s->a, "new", 8 * KiB, 5);
	mkdir_(fs, tx, ROOT, "nd");
	assert_int_equal(vx_rename(fs, tx, ROOT, "old", s->a, "renamed", 0), 0);
	assert_int_equal(vx_txn_commit(tx, NULL), 0);
	if (h)
		*committed = vx_io_hold_bytes(h);
	assert_int_equal(vx_fs_sync(fs), 0);
}

/* 1: all of the transaction is there, 0: none of it; else fails */
static int h2_check(struct vx_fs *fs, const struct h2_state *s,
		    const struct base *base)
{
	vx_ino_t nf = find(fs, NULL, s->a, "new");
	vx_ino_t nd = find(fs, NULL, ROOT, "nd");
	vx_ino_t old = find(fs, NULL, ROOT, "old");
	vx_ino_t ren = find(fs, NULL, s->a, "renamed");
	bool all = nf && nd && !old && ren == s->old;
	bool none = !nf && !nd && old == s->old && !ren;

	if (!all && !none)
		print_message("mixed state: new %llu nd %llu old %llu "
			      "renamed %llu\n", (unsigned long long)nf,
			      (unsigned long long)nd, (unsigned long long)old,
			      (unsigned long long)ren);
	assert_true(all || none);
	check_pat(fs, NULL, s->old, 6000, 4);
	check_pat(fs, NULL, s->f1, 3000, 1);
	if (all) {
		struct listing l;

		check_pat(fs, NULL, nf, 8 * KiB, 5);
		list_dir(fs, nd, ROOT, &l);
		assert_int_equal(l.n, 0);
		free(l.v);
	}
	check_tree(fs, base, NULL);
	return all;
}

/* the distinct flush points of @t, in order */
static size_t dedup_pts(const struct ftap *t, size_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < t->npts; i++)
		if (!n || out[n - 1] != t->pts[i])
			out[n++] = t->pts[i];
	return n;
}

/*
 * (H2) a committed transaction and the sync after it (its checkpoint),
 * made on a filesystem over a hold layer with a recording device below
 * it, then released.  The release writes what the same session without
 * the hold layer writes, in the same order, with flushes at the same
 * points (and one at the end).  A crash after every prefix of it (the
 * image before the release with the first k pieces applied) recovers to
 * all of the transaction or none of it, never back to none once all,
 * and all from the piece the commit's flush stood at, so certainly once
 * the final flush is covered; each such image is consistent.
 */
static void test_H2_crash_during_release(void **state)
{
	struct tfs *t = fmt_mem(), *u = fmt_mem();
	struct rec_io *rec = rec_new(t->mem), *urec = rec_new(u->mem);
	struct ftap *tap = tap_new(rec), *utap = tap_new(urec);
	size_t total, durable, npts, nupts, *pts, *upts;
	uint64_t committed = 0, held;
	unsigned nall = 0, nnone = 0;
	struct h2_state s, us;
	struct vx_fs *fs, *ufs;
	struct base base;
	struct vx_io *h;
	uint8_t *pre;
	int seen_all = 0;

	(void)state;
	/* the session on the hold layer: the state before, released */
	assert_int_equal(vx_io_hold_open(&tap->io, &h), 0);
	fs = open_on(h);
	h2_before(fs, &s);
	check_tree(fs, NULL, &base);
	assert_int_equal(vx_io_hold_release(h), 0);
	assert_int_equal(vx_io_hold_start(h), 0);
	pre = snapshot(t);
	/* the transaction, held */
	h2_txn(fs, &s, h, &committed);
	held = vx_io_hold_bytes(h);
	assert_true(committed > 0 && held > committed);
	image_is(t, pre);				/* (H1) */
	assert_int_equal(h2_check(fs, &s, &base), 1);
	rec->on = true;
	assert_int_equal(vx_io_hold_release(h), 0);
	rec->on = false;
	total = rec->n;

	/* the same session straight on a device */
	ufs = open_on(&utap->io);
	h2_before(ufs, &us);
	assert_memory_equal(&us, &s, sizeof(s));
	assert_memory_equal(image(u), pre, u->bytes);
	urec->on = true;
	h2_txn(ufs, &us, NULL, NULL);
	urec->on = false;
	assert_int_equal(urec->n, total);
	for (size_t i = 0; i < total; i++) {
		assert_int_equal(rec->w[i].off, urec->w[i].off);
		assert_int_equal(rec->w[i].len, urec->w[i].len);
		assert_memory_equal(rec->w[i].data, urec->w[i].data,
				    rec->w[i].len);
	}
	assert_memory_equal(image(t), image(u), t->bytes);
	pts = calloc(tap->npts + 1, sizeof(*pts));
	upts = calloc(utap->npts + 2, sizeof(*upts));
	assert_non_null(pts);
	assert_non_null(upts);
	npts = dedup_pts(tap, pts);
	nupts = dedup_pts(utap, upts);
	if (!nupts || upts[nupts - 1] != total)
		upts[nupts++] = total;	/* the release's last flush */
	assert_int_equal(npts, nupts);
	for (size_t i = 0; i < npts; i++)
		assert_int_equal(pts[i], upts[i]);
	assert_int_equal(pts[npts - 1], total);

	/* every piece is a whole 1 KiB block: the commit's flush stood
	 * after committed / 1 KiB of them */
	for (size_t i = 0; i < total; i++)
		assert_int_equal(rec->w[i].len, 1024);
	assert_int_equal((uint64_t)total * 1024, held);
	durable = (size_t)(committed / 1024);
	assert_int_equal(committed % 1024, 0);
	for (size_t i = 0; i < npts && pts[i] != durable; i++)
		assert_true(i + 1 < npts);

	for (size_t k = 0; k <= total; k++) {
		struct tfs *c = calloc(1, sizeof(*c));
		int all;

		assert_non_null(c);
		assert_int_equal(vx_io_mem_open(t->bytes, &c->mem), 0);
		c->bytes = t->bytes;
		c->bsize = t->bsize;
		memcpy(image(c), pre, t->bytes);
		rec_apply(image(c), rec, k);
		tfs_open(c);			/* recovery runs */
		all = h2_check(c->fs, &s, &base);
		if (k >= durable)
			assert_int_equal(all, 1);
		if (seen_all)
			assert_int_equal(all, 1);
		seen_all |= all;
		nall += all;
		nnone += !all;
		tfs_reopen(c);
		assert_int_equal(h2_check(c->fs, &s, &base), all);
		tfs_free(c);
	}
	assert_true(nall > 0 && nnone > 0);

	free(pts);
	free(upts);
	free(pre);
	assert_int_equal(vx_fs_close(fs), 0);
	assert_int_equal(vx_io_close(h), 0);
	assert_int_equal(vx_fs_close(ufs), 0);
	tap_free(tap);
	tap_free(utap);
	tfs_free(t);
	tfs_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_H1_writes_held),
		cmocka_unit_test(test_H2_release_newest_wins),
		cmocka_unit_test(test_H2_release_sequence),
		cmocka_unit_test(test_H3_close_discards),
		cmocka_unit_test(test_H4_limit),
		cmocka_unit_test(test_sizes_and_other_io),
		cmocka_unit_test(test_fs_abort_writes_nothing),
		cmocka_unit_test(test_fs_commit_release),
		cmocka_unit_test(test_fs_release_then_hold),
		cmocka_unit_test(test_H2_crash_during_release),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
