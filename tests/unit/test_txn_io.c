/*
 * test_txn_io.c: the transaction invariants that are about what reaches
 * the device and when (lib/txn.c I1, I2), seen through an io layer that
 * watches every write and can make flushes fail.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "fs_int.h"

#define BS	1024u
#define NBLK	16384u
#define ROOT	VX_ROOT_INO

/* ---- the watching layer ---- */

struct watch {
	struct vx_io io;
	struct vx_io *lower;
	const uint8_t *before;	/* the image when watching began */
	const uint8_t *freemap;	/* 1: the block was free then */
	vx_blk_t jstart, jlen;
	unsigned home_writes;	/* writes to blocks in use then (not log) */
	unsigned flushes;
	int fail_flush;		/* error the next flushes return */
};

static int w_read(struct vx_io *io, uint64_t off, void *b, size_t n)
{
	return vx_io_read(((struct watch *)io)->lower, off, b, n);
}

static int w_write(struct vx_io *io, uint64_t off, const void *b, size_t n)
{
	struct watch *w = (struct watch *)io;

	for (uint64_t blk = off / BS; w->before && blk < (off + n + BS - 1) / BS;
	     blk++) {
		bool log = blk >= w->jstart && blk < w->jstart + w->jlen;

		if (!log && !w->freemap[blk])
			w->home_writes++;
	}
	return vx_io_write(w->lower, off, b, n);
}

static int w_flush(struct vx_io *io)
{
	struct watch *w = (struct watch *)io;

	w->flushes++;
	return w->fail_flush ? w->fail_flush : vx_io_flush(w->lower);
}

static int w_size(struct vx_io *io, uint64_t *size)
{
	return vx_io_get_size(((struct watch *)io)->lower, size);
}

static int w_close(struct vx_io *io)
{
	free(io);
	return 0;
}

static const struct vx_io_ops watch_ops = {
	.name = "watch", .read = w_read, .write = w_write, .flush = w_flush,
	.get_size = w_size, .close = w_close,
};

struct fix {
	struct vx_io *mem;
	struct watch *w;
	struct vx_fs *fs;
	uint8_t *freemap;
	uint8_t *snap;		/* the image when watching began */
};

static void fix_open(struct fix *f, size_t cache_bytes)
{
	struct vx_open_opts o = { .flags = VX_OPEN_BORROW_IO,
				  .cache_bytes = cache_bytes,
				  .fixed_time = 1700000000 };

	f->w = calloc(1, sizeof(*f->w));
	assert_non_null(f->w);
	f->w->io.ops = &watch_ops;
	f->w->io.sector_size = 512;
	f->w->lower = f->mem;
	assert_int_equal(vx_fs_open(&f->w->io, &o, &f->fs), 0);
	f->w->jstart = vx_fs_super(f->fs)->journal_start;
	f->w->jlen = vx_fs_super(f->fs)->journal_blocks;
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct vx_mkfs_params p = { .block_log = 10, .block_count = NBLK,
				    .journal_blocks = 1024, .now = 1700000000 };
	struct vx_super sb;

	assert_non_null(f);
	assert_int_equal(vx_io_mem_open((uint64_t)NBLK * BS, &f->mem), 0);
	assert_int_equal(vx_fs_plan(&p, (uint64_t)NBLK * BS, &sb), 0);
	assert_int_equal(vx_fs_format(f->mem, &sb, 0), 0);
	f->freemap = calloc(NBLK, 1);
	assert_non_null(f->freemap);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	if (f->fs)
		vx_fs_close(f->fs);
	vx_io_close(&f->w->io);
	vx_io_close(f->mem);
	free(f->freemap);
	free(f->snap);
	free(f);
	return 0;
}

/* start counting home writes: note which blocks are free now */
static void watch_homes(struct fix *f)
{
	for (vx_blk_t b = 0; b < NBLK; b++) {
		bool used;

		assert_int_equal(vx_block_in_use(f->fs, b, &used), 0);
		f->freemap[b] = !used;
	}
	f->w->freemap = f->freemap;
	f->w->before = f->freemap;	/* watching */
	f->w->home_writes = 0;
	free(f->snap);
	f->snap = malloc((size_t)NBLK * BS);
	assert_non_null(f->snap);
	memcpy(f->snap, vx_io_mem_data(f->mem, NULL), (size_t)NBLK * BS);
}

/* blocks in use when watching began, changed since (the log aside) */
static unsigned changed_homes(struct fix *f)
{
	const uint8_t *now = vx_io_mem_data(f->mem, NULL);
	unsigned n = 0;

	for (vx_blk_t b = 0; b < NBLK; b++) {
		if (f->freemap[b] || (b >= f->w->jstart &&
				      b < f->w->jstart + f->w->jlen))
			continue;
		if (memcmp(now + b * BS, f->snap + b * BS, BS))
			n++;
	}
	return n;
}

/*
 * (I1) a home location is never written before the transaction that
 * changed it is durable: with a cache far too small for a transaction of
 * 300 creations, nothing but fresh blocks (file data in blocks that were
 * free) is written outside the log until the commit, and nothing at all
 * of an aborted one.
 */
static void test_I1_no_home_write_before_commit(void **state)
{
	struct fix *f = *state;
	struct vx_txn *tx;
	char name[32];
	vx_ino_t ino;

	fix_open(f, 64 * BS);			/* the smallest cache */
	/* the first use of inode-table blocks is set up (zeroed at home) at
	 * once, outside any transaction (lib/txn.c I4): do that first */
	assert_int_equal(vx_txn_begin(f->fs, 0, 0, &tx), 0);
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "warm%d", i);
		assert_int_equal(vx_create(f->fs, tx, ROOT, name, NULL, &ino), 0);
	}
	assert_int_equal(vx_txn_abort(tx), 0);
	assert_int_equal(vx_fs_sync(f->fs), 0);
	watch_homes(f);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(vx_txn_begin(f->fs, 0, 0, &tx), 0);
		for (int i = 0; i < 300; i++) {
			snprintf(name, sizeof(name), "r%d-f%d", round, i);
			assert_int_equal(vx_create(f->fs, tx, ROOT, name, NULL,
						   &ino), 0);
			assert_int_equal(vx_write(f->fs, tx, ino, 0, name,
						  strlen(name)), 0);
		}
		assert_int_equal(f->w->home_writes, 0);
		/* a sync meanwhile writes back what may go home (the
		 * superblock and group headers as committed): nothing of the
		 * running transaction */
		assert_int_equal(vx_fs_sync(f->fs), 0);
		assert_int_equal(changed_homes(f), 0);
		f->w->home_writes = 0;
		if (round == 0) {
			assert_int_equal(vx_txn_abort(tx), 0);
			assert_int_equal(vx_fs_sync(f->fs), 0);
			/* the abort's undo left nothing different at home
			 * (the sync may write back the restored images) */
			assert_int_equal(changed_homes(f), 0);
			f->w->home_writes = 0;
		} else {
			unsigned fl = f->w->flushes;

			assert_int_equal(vx_txn_commit(tx, NULL), 0);
			assert_true(f->w->flushes > fl);
			/* the checkpoint at sync puts it home */
			assert_int_equal(vx_fs_sync(f->fs), 0);
			assert_true(f->w->home_writes > 0);
		}
	}
	assert_int_equal(vx_lookup(f->fs, NULL, ROOT, "r0-f0", &ino), -ENOENT);
	assert_int_equal(vx_lookup(f->fs, NULL, ROOT, "r1-f299", &ino), 0);
}

/*
 * (I2) commit reports success only after the flush returned success: a
 * failing flush makes the commit fail with that error, the filesystem
 * takes no more changes, and after a reopen (recovery) the image holds
 * either all of the transaction or none of it, never a part.
 */
static void test_I2_failed_flush_never_durable(void **state)
{
	struct fix *f = *state;
	struct vx_txn *tx;
	vx_ino_t a, b, ino;
	struct vx_attr at;
	int ra, rb;

	fix_open(f, 0);
	assert_int_equal(vx_txn_begin(f->fs, 0, 0, &tx), 0);
	assert_int_equal(vx_create(f->fs, tx, ROOT, "a", NULL, &a), 0);
	assert_int_equal(vx_create(f->fs, tx, ROOT, "b", NULL, &b), 0);
	assert_int_equal(vx_write(f->fs, tx, b, 0, "bbbb", 4), 0);
	f->w->fail_flush = -EIO;
	assert_int_equal(vx_txn_commit(tx, NULL), -EIO);
	/* no more changes until reopened */
	assert_int_equal(vx_txn_begin(f->fs, 0, 0, &tx), -EIO);
	assert_int_equal(vx_create(f->fs, NULL, ROOT, "c", NULL, &ino), -EIO);
	assert_int_not_equal(vx_fs_close(f->fs), 0);	/* nothing durable */
	f->fs = NULL;
	vx_io_close(&f->w->io);

	/* the writes reached the device (a flush failure does not undo
	 * them); recovery decides by the commit block alone: all or none */
	fix_open(f, 0);
	ra = vx_lookup(f->fs, NULL, ROOT, "a", &ino);
	rb = vx_lookup(f->fs, NULL, ROOT, "b", &ino);
	assert_int_equal(ra, rb);
	if (rb == 0) {
		char buf[8];
		size_t done;

		assert_int_equal(vx_read(f->fs, NULL, ino, 0, buf, sizeof(buf),
					 &done), 0);
		assert_int_equal(done, 4);
		assert_memory_equal(buf, "bbbb", 4);
	} else {
		assert_int_equal(rb, -ENOENT);
	}
	assert_int_equal(vx_lookup(f->fs, NULL, ROOT, "c", &ino), -ENOENT);
	assert_int_equal(vx_stat(f->fs, NULL, ROOT, &at), 0);
	/* and it takes changes again */
	assert_int_equal(vx_create(f->fs, NULL, ROOT, "d", NULL, &ino), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_I1_no_home_write_before_commit,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_I2_failed_flush_never_durable,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
