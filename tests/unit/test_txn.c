/*
 * test_txn.c: transactions (lib/txn*.c) one at a time or a few side by
 * side, on the in-memory io, against the invariants of the header
 * comment of lib/txn.c (I1-I4, T1-T5) and the interface of
 * include/vexfs/txn.h:
 *   (I4) an aborted transaction leaves no trace, in the cache or on
 *        disk (byte for byte, but for free blocks);
 *   nesting: three levels of commit and abort, a nested abort restores
 *        the parent's view, at most max_depth levels and only the
 *        innermost usable (VX_ENESTING), no child stronger than its
 *        parent and nothing changed by a read-only transaction
 *        (VX_EISOLATION);
 *   (T4) a wait that would close a cycle fails at once (VX_EDEADLOCK),
 *        any other ends within commit_timeout, and a failed
 *        transaction stays failed;
 *   isolation: what a running transaction made is seen by no one else
 *        before it commits (readers wait for its locks, T3);
 *   (T2) an operation that fails has no effect;
 *   (T3) a new inode is locked by the transaction that made it;
 *   statistics: every transaction that ends is counted once.
 *
 * The rest of the transaction tests: test_txn_concurrency.c (many
 * threads, group commit, I2), test_txn_crash.c (crashes and recovery,
 * I3, T5, ENOSPC), test_txn_io.c (what reaches the device and when, I1,
 * I2).  The fixture and the consistency walk are in txn_fixture.h.
 */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "txn_fixture.h"
#include "txn_int.h"	/* to see a transaction wait */

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
	/* until a waits (txn_int.h: the lock it waits for) */
	for (int i = 0; i < 10000 &&
	     !__atomic_load_n(&a->fam->waiting, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	assert_non_null(a->fam->waiting);
	/* at once: VX_EDEADLOCK, not VX_ETIMEOUT after a wait */
	assert_int_equal(write_pat(fs, b, f, 0, 10, 5), VX_EDEADLOCK);
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
		cmocka_unit_test(test_T2_failed_write_has_no_effect),
		cmocka_unit_test(test_T3_new_inode_locked_by_creator),
		cmocka_unit_test(test_stats_every_commit_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
