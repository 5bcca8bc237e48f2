/*
 * test_txn_crash.c: transactions (lib/txn*.c) and the image on disk, on
 * the in-memory io, against the invariants of the header comment of
 * lib/txn.c:
 *   (I3) a crash at any write of a commit, or of the checkpoint after
 *        it, recovers all of the transaction or none of it, and all of
 *        it once the commit's flush was reached (I2); what a durable
 *        commit freed is free after recovery too;
 *   (T5) the journal image of a block two running transactions share
 *        holds only what the committed one did;
 *   (I4) a transaction that ran out of space (VX_ENOSPC) and aborts
 *        leaves no trace on the image.
 *
 * Crashes are simulated as in test_journal.c, with a recording io layer
 * in place of the cut one: it keeps the writes a commit (and the sync
 * after it) makes, and a "crash after write k" image is the image from
 * before the transaction with only the first k of them applied.  A copy
 * of a running filesystem's image is a crash at that moment.  The
 * fixture and the consistency walk are in txn_fixture.h.
 */
#include <pthread.h>

#include "txn_fixture.h"
#include "rec_io.h"

/* ---- crashes ---- */

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
		cmocka_unit_test(test_crash_cut_recovery),
		cmocka_unit_test(test_enospc_abort),
		cmocka_unit_test(test_T5_shared_block_images),
		cmocka_unit_test(test_I3_committed_frees_survive_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
