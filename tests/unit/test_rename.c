/*
 * test_rename.c: vx_rename (every replacing and refusing case, loops,
 * link counts and "..", atomicity), the op records a commit puts in the
 * journal, what tells read committed from serializable, a transaction
 * too big for the journal, and the API's answers to bad arguments.
 */
#include <pthread.h>
#include <unistd.h>
#include "txn_fixture.h"
#include "vexfs/journal.h"

static struct tfs *fresh(void)
{
	return tfs_make(10, 8 * MiB, 2048, 512);
}

static uint32_t nlink_of(struct vx_fs *fs, vx_ino_t ino)
{
	struct vx_attr a;

	assert_int_equal(vx_stat(fs, NULL, ino, &a), 0);
	return a.nlink;
}

static vx_ino_t parent_of(struct vx_fs *fs, vx_ino_t dir)
{
	vx_ino_t p;

	assert_int_equal(vx_lookup(fs, NULL, dir, "..", &p), 0);
	return p;
}

/* a file moves within a directory and across, contents intact */
static void test_rename_file(void **state)
{
	struct tfs *t = fresh();
	struct vx_fs *fs = t->fs;
	vx_ino_t d = mkdir_(fs, NULL, ROOT, "d");
	vx_ino_t f = mkfile_pat(fs, NULL, ROOT, "f", 5000, 1);

	(void)state;
	assert_int_equal(vx_rename(fs, NULL, ROOT, "f", ROOT, "g", 0), 0);
	assert_int_equal(find(fs, NULL, ROOT, "f"), 0);
	assert_int_equal(find(fs, NULL, ROOT, "g"), f);
	assert_int_equal(vx_rename(fs, NULL, ROOT, "g", d, "h", 0), 0);
	assert_int_equal(find(fs, NULL, ROOT, "g"), 0);
	assert_int_equal(find(fs, NULL, d, "h"), f);
	assert_int_equal(nlink_of(fs, f), 1);
	tfs_reopen(t);
	check_pat(t->fs, NULL, f, 5000, 1);
	check_tree(t->fs, NULL, NULL);
	tfs_free(t);
}

/* over an existing file: the old one goes (its inode and blocks free),
 * one with another name stays with one link less */
static void test_rename_replaces_file(void **state)
{
	struct tfs *t = fresh();
	struct vx_fs *fs = t->fs;
	vx_ino_t a = mkfile_pat(fs, NULL, ROOT, "a", 3000, 2);
	vx_ino_t b = mkfile_pat(fs, NULL, ROOT, "b", 9000, 3);
	vx_ino_t c = mkfile_pat(fs, NULL, ROOT, "c", 100, 4);
	uint64_t fi = vx_fs_super(fs)->free_inodes;
	struct vx_attr at;

	(void)state;
	assert_int_equal(vx_rename(fs, NULL, ROOT, "a", ROOT, "b", 0), 0);
	assert_int_equal(find(fs, NULL, ROOT, "b"), a);
	assert_int_equal(find(fs, NULL, ROOT, "a"), 0);
	assert_int_equal(vx_stat(fs, NULL, b, &at), -ENOENT);
	assert_int_equal(vx_txn_sync(fs), 0);
	assert_int_equal(vx_fs_sync(fs), 0);
	assert_int_equal(vx_fs_super(fs)->free_inodes, fi + 1);
	/* c has two names; replacing one leaves the inode */
	assert_int_equal(vx_link(fs, NULL, c, ROOT, "c2"), 0);
	assert_int_equal(vx_rename(fs, NULL, ROOT, "b", ROOT, "c2", 0), 0);
	assert_int_equal(nlink_of(fs, c), 1);
	assert_int_equal(find(fs, NULL, ROOT, "c"), c);
	check_pat(fs, NULL, a, 3000, 2);
	tfs_reopen(t);
	check_tree(t->fs, NULL, NULL);
	tfs_free(t);
}

/* directories: moved with their "..", link counts of both parents, over
 * an empty directory; the refusals change nothing */
static void test_rename_dirs(void **state)
{
	struct tfs *t = fresh();
	struct vx_fs *fs = t->fs;
	vx_ino_t p = mkdir_(fs, NULL, ROOT, "p");
	vx_ino_t q = mkdir_(fs, NULL, ROOT, "q");
	vx_ino_t s = mkdir_(fs, NULL, p, "s");
	vx_ino_t e = mkdir_(fs, NULL, q, "empty");
	vx_ino_t f = mkfile(fs, NULL, q, "file");
	vx_ino_t full = mkdir_(fs, NULL, q, "full");

	(void)state;
	mkfile(fs, NULL, full, "x");
	assert_int_equal(nlink_of(fs, p), 3);
	assert_int_equal(nlink_of(fs, q), 4);
	/* the refusals */
	assert_int_equal(vx_rename(fs, NULL, p, "s", q, "file", 0), -ENOTDIR);
	assert_int_equal(vx_rename(fs, NULL, q, "file", q, "empty", 0), -EISDIR);
	assert_int_equal(vx_rename(fs, NULL, p, "s", q, "full", 0), -ENOTEMPTY);
	assert_int_equal(vx_rename(fs, NULL, p, "s", q, "empty",
				   VX_RENAME_NOREPLACE), -EEXIST);
	assert_int_equal(vx_rename(fs, NULL, ROOT, "p", s, "loop", 0), -EINVAL);
	assert_int_equal(vx_rename(fs, NULL, ROOT, "p", p, "self", 0), -EINVAL);
	assert_int_equal(vx_rename(fs, NULL, p, "none", q, "x", 0), -ENOENT);
	assert_int_equal(vx_rename(fs, NULL, p, "s", 999999, "x", 0), -ENOENT);
	assert_int_equal(vx_rename(fs, NULL, p, "s", q, "a/b", 0), -EINVAL);
	assert_int_equal(find(fs, NULL, p, "s"), s);
	assert_int_equal(parent_of(fs, s), p);
	/* over the empty directory: s takes its place, e goes */
	assert_int_equal(vx_rename(fs, NULL, p, "s", q, "empty", 0), 0);
	assert_int_equal(find(fs, NULL, q, "empty"), s);
	assert_int_equal(find(fs, NULL, p, "s"), 0);
	assert_int_equal(parent_of(fs, s), q);
	assert_int_equal(nlink_of(fs, p), 2);
	assert_int_equal(nlink_of(fs, q), 4);	/* s in, e out */
	{
		struct vx_attr at;

		assert_int_equal(vx_stat(fs, NULL, e, &at), -ENOENT);
	}
	/* a directory up the tree, onto a new name */
	assert_int_equal(vx_rename(fs, NULL, q, "empty", ROOT, "up", 0), 0);
	assert_int_equal(parent_of(fs, s), ROOT);
	assert_int_equal(nlink_of(fs, q), 3);
	(void)f;
	tfs_reopen(t);
	assert_int_equal(parent_of(t->fs, s), ROOT);
	check_tree(t->fs, NULL, NULL);
	tfs_free(t);
}

/* a name onto itself, or onto another name of the same inode: nothing */
static void test_rename_same_inode(void **state)
{
	struct tfs *t = fresh();
	struct vx_fs *fs = t->fs;
	vx_ino_t a = mkfile(fs, NULL, ROOT, "a");

	(void)state;
	assert_int_equal(vx_link(fs, NULL, a, ROOT, "b"), 0);
	assert_int_equal(vx_rename(fs, NULL, ROOT, "a", ROOT, "a", 0), 0);
	assert_int_equal(vx_rename(fs, NULL, ROOT, "a", ROOT, "b", 0), 0);
	assert_int_equal(find(fs, NULL, ROOT, "a"), a);
	assert_int_equal(find(fs, NULL, ROOT, "b"), a);
	assert_int_equal(nlink_of(fs, a), 2);
	tfs_free(t);
}

/* inside an aborted transaction a rename (with its replacement) leaves
 * nothing; two concurrent moves that would make a loop: one is refused
 * or fails, never both done */
static void test_rename_atomic(void **state)
{
	struct tfs *t = fresh();
	struct vx_fs *fs = t->fs;
	vx_ino_t a = mkdir_(fs, NULL, ROOT, "a");
	vx_ino_t b = mkdir_(fs, NULL, ROOT, "b");
	vx_ino_t f = mkfile_pat(fs, NULL, a, "f", 2000, 5);
	vx_ino_t g = mkfile_pat(fs, NULL, b, "g", 2000, 6);
	struct vx_txn *tx, *t2;
	int r1, r2;

	(void)state;
	set_tunables(fs, 300, 0);
	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);
	assert_int_equal(vx_rename(fs, tx, a, "f", b, "g", 0), 0);
	assert_int_equal(find(fs, tx, b, "g"), f);
	assert_int_equal(vx_txn_abort(tx), 0);
	assert_int_equal(find(fs, NULL, a, "f"), f);
	assert_int_equal(find(fs, NULL, b, "g"), g);
	check_pat(fs, NULL, g, 2000, 6);
	/* a under b and b under a, in two transactions */
	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);
	assert_int_equal(vx_txn_begin(fs, 0, 0, &t2), 0);
	r1 = vx_rename(fs, tx, ROOT, "a", b, "a", 0);
	r2 = vx_rename(fs, t2, ROOT, "b", a, "b", 0);
	assert_int_equal(r1, 0);
	assert_true(r2 == VX_ETIMEOUT || r2 == VX_EDEADLOCK);
	assert_int_equal(vx_txn_commit(tx, NULL), 0);
	assert_int_equal(vx_txn_abort(t2), 0);
	assert_int_equal(parent_of(fs, a), b);
	assert_int_equal(parent_of(fs, b), ROOT);
	assert_int_equal(vx_rename(fs, NULL, ROOT, "b", a, "b", 0), -EINVAL);
	tfs_reopen(t);
	check_tree(t->fs, NULL, NULL);
	tfs_free(t);
}

/* a commit's op records are in the journal: a copy of the image taken
 * right after the commit (before anything went home) recovers with as
 * many records as operations */
static void test_op_records(void **state)
{
	struct tfs *t = fresh();
	struct vx_fs *fs = t->fs;
	struct vx_jrecovery info;
	struct vx_journal *j;
	struct vx_txn *tx;
	struct vx_io *copy;
	vx_ino_t d, f;
	uint8_t *img;

	(void)state;
	assert_int_equal(vx_fs_sync(fs), 0);
	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);
	d = mkdir_(fs, tx, ROOT, "d");				/* 1 */
	f = mkfile(fs, tx, d, "f");				/* 2 */
	assert_int_equal(write_pat(fs, tx, f, 0, 3000, 7), 0);	/* 3 */
	assert_int_equal(vx_rename(fs, tx, d, "f", ROOT, "g", 0), 0); /* 4 */
	assert_int_equal(vx_truncate(fs, tx, f, 10), 0);	/* 5 */
	assert_int_equal(vx_txn_commit(tx, NULL), 0);
	img = snapshot(t);
	assert_int_equal(vx_io_mem_open(t->bytes, &copy), 0);
	memcpy(vx_io_mem_data(copy, NULL), img, t->bytes);
	assert_int_equal(vx_journal_open(copy, vx_fs_super(fs), &j), 0);
	assert_int_equal(vx_journal_dirty(j), 1);
	assert_int_equal(vx_journal_recover(j, VX_RECOVER_DRY_RUN, &info), 0);
	assert_int_equal(info.txns, 1);
	assert_int_equal(info.ops, 5);
	vx_journal_close(j);
	vx_io_close(copy);
	free(img);
	tfs_free(t);
}

struct reader {
	struct vx_fs *fs;
	struct vx_txn *tx;
	vx_ino_t ino;
	int err;
};

static void *write_now(void *arg)
{
	struct reader *r = arg;

	r->err = write_pat(r->fs, NULL, r->ino, 0, 100, 9);
	return NULL;
}

/*
 * Read committed lets a writer change what it read and sees the new
 * contents on its next read; serializable keeps its shared lock, so the
 * writer waits (here: times out) and the second read is the same.
 */
static void test_isolation_levels(void **state)
{
	struct tfs *t = fresh();
	struct vx_fs *fs = t->fs;
	vx_ino_t f = mkfile_pat(fs, NULL, ROOT, "f", 100, 8);
	struct reader r = { .fs = fs, .ino = f };
	struct vx_txn *tx;
	pthread_t th;

	(void)state;
	set_tunables(fs, 300, 0);
	/* read committed */
	assert_int_equal(vx_txn_begin(fs, 0, VX_ISO_READ_COMMITTED, &tx), 0);
	check_pat(fs, tx, f, 100, 8);
	assert_int_equal(info(tx).locks, 0);	/* let go after the read */
	assert_int_equal(pthread_create(&th, NULL, write_now, &r), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(r.err, 0);
	check_pat(fs, tx, f, 100, 9);		/* a non-repeatable read */
	assert_int_equal(vx_txn_commit(tx, NULL), 0);
	/* serializable */
	assert_int_equal(vx_txn_begin(fs, 0, VX_ISO_SERIALIZABLE, &tx), 0);
	check_pat(fs, tx, f, 100, 9);
	assert_true(info(tx).locks >= 1);
	r.err = 0;
	assert_int_equal(pthread_create(&th, NULL, write_now, &r), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(r.err, VX_ETIMEOUT);	/* it had to wait for us */
	check_pat(fs, tx, f, 100, 9);		/* the same as before */
	assert_int_equal(vx_txn_commit(tx, NULL), 0);
	assert_int_equal(write_pat(fs, NULL, f, 0, 100, 10), 0);
	check_pat(fs, NULL, f, 100, 10);
	tfs_free(t);
}

/* a transaction that does not fit in the journal: its commit fails with
 * VX_ETXNFULL and leaves nothing; the filesystem goes on */
static void test_txn_full(void **state)
{
	struct tfs *t = tfs_make(10, 32 * MiB, 0, 256);	/* a small log */
	struct vx_fs *fs = t->fs;
	uint64_t fi, fb;
	struct vx_txn *tx;
	struct base base;
	char name[32];
	int i;

	(void)state;
	mkfile_pat(fs, NULL, ROOT, "keep", 2000, 1);
	warm_itable(fs, 1200);
	assert_int_equal(vx_fs_sync(fs), 0);
	check_tree(fs, NULL, &base);
	fi = vx_fs_super(fs)->free_inodes;
	fb = vx_fs_super(fs)->free_blocks;
	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);
	for (i = 0; i < 1200; i++) {
		snprintf(name, sizeof(name), "big%d", i);
		mkfile(fs, tx, ROOT, name);
	}
	assert_true(info(tx).blocks > 256);
	assert_int_equal(vx_txn_commit(tx, NULL), VX_ETXNFULL);
	assert_int_equal(stats(fs).running, 0);
	assert_int_equal(find(fs, NULL, ROOT, "big0"), 0);
	assert_int_equal(vx_fs_sync(fs), 0);
	assert_int_equal(vx_fs_super(fs)->free_inodes, fi);
	assert_int_equal(vx_fs_super(fs)->free_blocks, fb);
	check_tree(fs, &base, NULL);
	/* smaller ones still go through */
	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "small%d", i);
		mkfile(fs, tx, ROOT, name);
	}
	assert_int_equal(vx_txn_commit(tx, NULL), 0);
	tfs_reopen(t);
	assert_int_not_equal(find(t->fs, NULL, ROOT, "small19"), 0);
	assert_int_equal(find(t->fs, NULL, ROOT, "big0"), 0);
	check_tree(t->fs, NULL, NULL);
	tfs_free(t);
}

/* bad arguments: -EINVAL and nothing started; tunables refused keep the
 * old ones; a close with a transaction open is refused (-EBUSY) and the
 * filesystem goes on */
static void test_bad_arguments(void **state)
{
	struct tfs *t = fresh();
	struct vx_fs *fs = t->fs;
	struct vx_txn_tunables tun, bad, now;
	struct vx_txn *tx = (struct vx_txn *)&tx;

	(void)state;
	assert_int_equal(vx_txn_begin(fs, 0x80, 0, &tx), -EINVAL);
	assert_null(tx);
	assert_int_equal(vx_txn_begin(fs, 0, 7, &tx), -EINVAL);
	assert_int_equal(vx_txn_begin_nested(NULL, 0, &tx), -EINVAL);
	assert_int_equal(vx_txn_commit(NULL, NULL), -EINVAL);
	assert_int_equal(vx_txn_abort(NULL), -EINVAL);
	assert_int_equal(stats(fs).running, 0);
	assert_int_equal(vx_txn_get_tunables(fs, &tun), 0);
	assert_int_equal(tun.max_txns, 256);
	assert_int_equal(tun.batch_size, 64);
	assert_int_equal(tun.commit_timeout_ms, 10000);
	assert_true(tun.batching);
	assert_int_equal(tun.max_depth, 8);
	bad = tun;
	bad.batch_size = 0;
	assert_int_equal(vx_txn_set_tunables(fs, &bad), -EINVAL);
	bad = tun;
	bad.max_txns = 5000;
	assert_int_equal(vx_txn_set_tunables(fs, &bad), -EINVAL);
	bad = tun;
	bad.commit_timeout_ms = 0;
	assert_int_equal(vx_txn_set_tunables(fs, &bad), -EINVAL);
	assert_int_equal(vx_txn_get_tunables(fs, &now), 0);
	assert_memory_equal(&now, &tun, sizeof(now));
	/* close with a transaction open */
	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);
	mkfile(fs, tx, ROOT, "open");
	assert_int_equal(vx_fs_close(fs), -EBUSY);
	assert_int_equal(vx_txn_commit(tx, NULL), 0);
	assert_int_not_equal(find(fs, NULL, ROOT, "open"), 0);
	tfs_reopen(t);
	assert_int_not_equal(find(t->fs, NULL, ROOT, "open"), 0);
	tfs_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rename_file),
		cmocka_unit_test(test_rename_replaces_file),
		cmocka_unit_test(test_rename_dirs),
		cmocka_unit_test(test_rename_same_inode),
		cmocka_unit_test(test_rename_atomic),
		cmocka_unit_test(test_op_records),
		cmocka_unit_test(test_isolation_levels),
		cmocka_unit_test(test_txn_full),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
