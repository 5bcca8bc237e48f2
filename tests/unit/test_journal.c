/*
 * test_journal.c: the write-ahead log (lib/journal.c), one test per
 * invariant of include/vexfs/journal.h, on the in-memory io.
 *
 * Crashes are simulated by a "cut" io layer (cut_io.h) between the
 * journal and the mem device: it forwards the first N writes (or all
 * but write K) and silently drops the rest, as a power cut loses writes
 * that had not reached the disk.  After every simulated crash the
 * journal is opened again on the mem device, recovered, and the home
 * blocks must hold either every block of the transaction or none of it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fs_int.h"
#include "cut_io.h"

#define BS	1024u
#define NBLK	8192u

struct fix {
	struct vx_io *mem;
	struct vx_super sb;
	vx_blk_t data0;		/* first block past the journal: homes */
	uint64_t s0;		/* the first sequence number after mkfs */
};

/* ---- fixture ---- */

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct vx_mkfs_params p = { .block_log = 10, .block_count = NBLK,
				    .journal_blocks = VX_MIN_JOURNAL_BLOCKS, .hash_seed = 9,
				    .now = 1700000000 };

	assert_non_null(f);
	memset(p.uuid, 0x4a, 16);
	assert_int_equal(vx_io_mem_open((uint64_t)NBLK * BS, &f->mem), 0);
	assert_int_equal(vx_fs_plan(&p, (uint64_t)NBLK * BS, &f->sb), 0);
	assert_int_equal(vx_fs_format(f->mem, &f->sb, 0), 0);
	f->data0 = f->sb.journal_start + f->sb.journal_blocks + 100;
	{
		struct vx_journal *j;

		/* mkfs commits transactions of its own (lost+found) */
		assert_int_equal(vx_journal_open(f->mem, &f->sb, &j), 0);
		f->s0 = vx_journal_next_seq(j);
		vx_journal_close(j);
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	vx_io_close(f->mem);
	free(f);
	return 0;
}

static uint8_t *blk(struct fix *f, vx_blk_t b)
{
	return vx_io_mem_data(f->mem, NULL) + b * BS;
}

static void fill(uint8_t *b, unsigned pattern)
{
	for (unsigned i = 0; i < BS; i++)
		b[i] = (uint8_t)(pattern * 31 + i * 7);
}

static bool holds(struct fix *f, vx_blk_t b, unsigned pattern)
{
	uint8_t want[BS];

	fill(want, pattern);
	return memcmp(blk(f, b), want, BS) == 0;
}

/* commit @n blocks data0+first.. with @pattern through journal @j */
static int commit_j(struct fix *f, struct vx_journal *j, vx_blk_t first,
		    unsigned n, unsigned pattern, uint64_t *seq)
{
	static uint8_t bufs[64][BS];
	vx_blk_t home[64];
	const void *data[64];
	struct vx_jtxn t = { .nblocks = n, .home = home, .data = data };

	assert_true(n <= 64);
	for (unsigned i = 0; i < n; i++) {
		home[i] = f->data0 + first + i;
		fill(bufs[i], pattern + i);
		data[i] = bufs[i];
	}
	return vx_journal_commit(j, &t, seq);
}

/* the same through a journal opened on @io just for it */
static int commit_n(struct fix *f, struct vx_io *io, vx_blk_t first,
		    unsigned n, unsigned pattern, uint64_t *seq)
{
	struct vx_journal *j;
	int err;

	assert_int_equal(vx_journal_open(io, &f->sb, &j), 0);
	err = commit_j(f, j, first, n, pattern, seq);
	vx_journal_close(j);
	return err;
}

static struct vx_journal *jopen(struct fix *f)
{
	struct vx_journal *j;

	assert_int_equal(vx_journal_open(f->mem, &f->sb, &j), 0);
	return j;
}

static void recover(struct fix *f, unsigned flags, struct vx_jrecovery *info)
{
	struct vx_journal *j;

	assert_int_equal(vx_journal_open(f->mem, &f->sb, &j), 0);
	assert_int_equal(vx_journal_recover(j, flags, info), 0);
	vx_journal_close(j);
}

static void preset(struct fix *f, vx_blk_t first, unsigned n, unsigned pat)
{
	for (unsigned i = 0; i < n; i++)
		fill(blk(f, f->data0 + first + i), pat + i);
}

static bool all_hold(struct fix *f, vx_blk_t first, unsigned n, unsigned pat)
{
	for (unsigned i = 0; i < n; i++)
		if (!holds(f, f->data0 + first + i, pat + i))
			return false;
	return true;
}

/* (J1)(J2) a commit is in the log, not home; recovery puts it home */
static void test_J1_commit_then_recover(void **state)
{
	struct fix *f = *state;
	struct vx_jrecovery info;
	struct vx_journal *j;
	uint64_t seq;

	preset(f, 0, 5, 100);
	assert_int_equal(commit_n(f, f->mem, 0, 5, 200, &seq), 0);
	assert_int_equal(seq, f->s0 + 0);
	assert_true(all_hold(f, 0, 5, 100));	/* home untouched (J2) */
	assert_int_equal(vx_journal_open(f->mem, &f->sb, &j), 0);
	assert_int_equal(vx_journal_dirty(j), 1);
	vx_journal_close(j);
	recover(f, 0, &info);
	assert_int_equal(info.txns, 1);
	assert_int_equal(info.first_seq, f->s0 + 0);
	assert_int_equal(info.last_seq, f->s0 + 0);
	assert_int_equal(info.blocks, 5);
	assert_int_equal(info.discarded_seq, 0);
	assert_int_equal(info.next_seq, f->s0 + 1);
	assert_true(all_hold(f, 0, 5, 200));
	assert_int_equal(vx_journal_open(f->mem, &f->sb, &j), 0);
	assert_int_equal(vx_journal_dirty(j), 0);
	vx_journal_close(j);
}

/* (J3) replay in order, stop at the first invalid transaction: a valid
 * one after it is not applied either */
static void test_J3_stops_at_first_invalid(void **state)
{
	struct fix *f = *state;
	struct vx_jrecovery info;
	uint64_t s1, s2, s3;

	struct vx_journal *j = jopen(f);

	preset(f, 0, 9, 1);
	assert_int_equal(commit_j(f, j, 0, 3, 10, &s1), 0);
	assert_int_equal(commit_j(f, j, 3, 3, 20, &s2), 0);
	assert_int_equal(commit_j(f, j, 6, 3, 30, &s3), 0);
	vx_journal_close(j);
	assert_int_equal(s3, f->s0 + 2);
	/* damage the second logged block of transaction 2: the log holds
	 * t1 at 1..5 (desc, 3 data, commit), t2's desc at 6, data at 7.. */
	blk(f, f->sb.journal_start + 8)[100] ^= 0x40;
	recover(f, 0, &info);
	assert_int_equal(info.txns, 1);
	assert_int_equal(info.last_seq, f->s0 + 0);
	assert_int_equal(info.discarded_seq, f->s0 + 1);
	assert_int_equal(info.discard_reason, VX_EBADCRC);
	assert_true(all_hold(f, 0, 3, 10));
	assert_true(all_hold(f, 3, 3, 4));	/* t2 not applied, not in part */
	assert_true(all_hold(f, 6, 3, 7));	/* t3 valid but after t2 */
}

/* a crash at every block of a transaction's journal write: prefixes of
 * the writes, and each single write lost, give all or nothing */
static void test_J3_crash_at_every_block(void **state)
{
	struct fix *f = *state;
	struct vx_jrecovery info;
	long total;

	{	/* how many writes one commit makes */
		struct cut_io *c = cut_new(f->mem, -1, -1);

		preset(f, 0, 4, 50);
		assert_int_equal(commit_n(f, &c->io, 0, 4, 60, NULL), 0);
		total = c->writes;
		vx_io_close(&c->io);
		recover(f, 0, &info);
		assert_true(all_hold(f, 0, 4, 60));
		assert_true(total >= 7);	/* desc, 4 data, commit, jsuper */
	}
	for (int mode = 0; mode < 2; mode++) {
		for (long k = 0; k <= total; k++) {
			struct cut_io *c;
			bool all, none;

			if (mode == 1 && k == total)
				break;
			/* a pattern of its own, so that no copy left in the
			 * log by an earlier round can stand in for a lost one */
			unsigned pat = 100 + (unsigned)(mode * 100 + k) * 8;

			preset(f, 0, 4, 50);
			c = mode == 0 ? cut_new(f->mem, k, -1) :
					cut_new(f->mem, -1, k);
			assert_int_equal(commit_n(f, &c->io, 0, 4, pat, NULL), 0);
			vx_io_close(&c->io);
			recover(f, 0, &info);
			all = all_hold(f, 0, 4, pat);
			none = all_hold(f, 0, 4, 50);
			assert_true(all || none);
			/* every write landed: the whole transaction */
			if (mode == 0 && k == total)
				assert_true(all);
			/* the commit block or data lost: nothing */
			if (mode == 1)
				assert_true(none || k == total - 1);
		}
	}
}

/* (J4) recovery cut short by a crash, then run again, ends where one
 * uninterrupted recovery does */
static void test_J4_recovery_idempotent(void **state)
{
	struct fix *f = *state;
	struct vx_jrecovery info;
	uint8_t *snap = malloc((size_t)NBLK * BS), *done = malloc((size_t)NBLK * BS);

	assert_non_null(snap);
	assert_non_null(done);
	struct vx_journal *jw = jopen(f);

	preset(f, 0, 8, 1);
	assert_int_equal(commit_j(f, jw, 0, 4, 70, NULL), 0);
	assert_int_equal(commit_j(f, jw, 2, 6, 80, NULL), 0);
	vx_journal_close(jw);
	memcpy(snap, vx_io_mem_data(f->mem, NULL), (size_t)NBLK * BS);
	recover(f, 0, &info);
	assert_int_equal(info.txns, 2);
	memcpy(done, vx_io_mem_data(f->mem, NULL), (size_t)NBLK * BS);
	for (long k = 0; k < 14; k++) {
		struct cut_io *c;
		struct vx_journal *j;

		memcpy(vx_io_mem_data(f->mem, NULL), snap, (size_t)NBLK * BS);
		c = cut_new(f->mem, k, -1);
		assert_int_equal(vx_journal_open(&c->io, &f->sb, &j), 0);
		assert_int_equal(vx_journal_recover(j, 0, &info), 0);
		vx_journal_close(j);
		vx_io_close(&c->io);
		recover(f, 0, &info);
		assert_memory_equal(vx_io_mem_data(f->mem, NULL), done,
				    (size_t)NBLK * BS);
	}
	/* a second recovery of a recovered journal changes nothing */
	recover(f, 0, &info);
	assert_int_equal(info.txns, 0);
	assert_memory_equal(vx_io_mem_data(f->mem, NULL), done,
			    (size_t)NBLK * BS);
	free(snap);
	free(done);
}

/* (J5) after a checkpoint the old transactions left in the log never
 * replay: the scan stops at the first block of an older cycle */
static void test_J5_old_cycle_ignored(void **state)
{
	struct fix *f = *state;
	struct vx_jrecovery info;
	struct vx_journal *j;
	uint64_t seq;

	preset(f, 0, 10, 1);
	assert_int_equal(commit_n(f, f->mem, 0, 10, 40, &seq), 0);
	recover(f, 0, &info);		/* checkpoint: log empty again */
	preset(f, 0, 10, 1);		/* later direct writes home */
	assert_int_equal(commit_n(f, f->mem, 0, 1, 90, &seq), 0);
	assert_int_equal(seq, f->s0 + 1);
	recover(f, 0, &info);
	assert_int_equal(info.txns, 1);
	assert_int_equal(info.first_seq, f->s0 + 1);
	assert_int_equal(info.discarded_seq, 0);
	assert_true(all_hold(f, 0, 1, 90));
	assert_true(all_hold(f, 1, 9, 2));	/* txn 1's copies stayed old */
	assert_int_equal(vx_journal_open(f->mem, &f->sb, &j), 0);
	assert_int_equal(vx_journal_dirty(j), 0);
	vx_journal_close(j);
}

/* (J6) a block revoked by a newer transaction is not replayed from an
 * older one; logged again after the revoke, it is */
static void test_J6_revoke(void **state)
{
	struct fix *f = *state;
	struct vx_jrecovery info;
	struct vx_journal *j;
	vx_blk_t x = f->data0, y = f->data0 + 1;
	uint8_t a[BS], b[BS];
	const void *da[] = { a }, *db[] = { b };
	struct vx_jtxn t1 = { .nblocks = 1, .home = &x, .data = da };
	vx_blk_t rx[2] = { x, 1 }, ry[2] = { y, 1 };	/* ranges */
	struct vx_jtxn t2 = { .nrevoke = 1, .revoke = rx };
	struct vx_jtxn t3 = { .nblocks = 1, .home = &y, .data = da };
	struct vx_jtxn t4 = { .nrevoke = 1, .revoke = ry };
	struct vx_jtxn t5 = { .nblocks = 1, .home = &y, .data = db };

	fill(a, 11);
	fill(b, 12);
	preset(f, 0, 2, 1);
	assert_int_equal(vx_journal_open(f->mem, &f->sb, &j), 0);
	assert_int_equal(vx_journal_commit(j, &t1, NULL), 0);
	assert_int_equal(vx_journal_commit(j, &t2, NULL), 0);
	assert_int_equal(vx_journal_commit(j, &t3, NULL), 0);
	assert_int_equal(vx_journal_commit(j, &t4, NULL), 0);
	assert_int_equal(vx_journal_commit(j, &t5, NULL), 0);
	vx_journal_close(j);
	recover(f, 0, &info);
	assert_int_equal(info.txns, 5);
	assert_int_equal(info.revoked, 2);
	assert_true(holds(f, x, 1));		/* revoked: left alone */
	assert_true(holds(f, y, 12));		/* logged after its revoke */
}

/* a logged block that starts with the journal magic is escaped in the
 * log and comes home byte for byte */
static void test_escape(void **state)
{
	struct fix *f = *state;
	struct vx_jrecovery info;
	struct vx_journal *j;
	vx_blk_t h = f->data0 + 3;
	uint8_t d[BS];
	const void *data[] = { d };
	struct vx_jtxn t = { .nblocks = 1, .home = &h, .data = data };

	fill(d, 5);
	vx_put32(d, VX_JOURNAL_MAGIC);
	assert_int_equal(vx_journal_open(f->mem, &f->sb, &j), 0);
	assert_int_equal(vx_journal_commit(j, &t, NULL), 0);
	vx_journal_close(j);
	/* the stored copy (after t's descriptor at log block 1) is escaped */
	assert_int_equal(vx_get32(blk(f, f->sb.journal_start + 2)), 0);
	recover(f, 0, &info);
	assert_memory_equal(blk(f, h), d, BS);
}

/* a transaction bigger than the log: VX_ETXNFULL and nothing written */
static void test_txn_full(void **state)
{
	struct fix *f = *state;
	uint8_t *before = malloc((size_t)NBLK * BS);
	static uint8_t d[BS];
	vx_blk_t *home = calloc(300, sizeof(*home));
	const void **data = calloc(300, sizeof(*data));
	struct vx_jtxn t = { .nblocks = 300, .home = home, .data = data };
	struct vx_journal *j;

	assert_non_null(before);
	for (int i = 0; i < 300; i++) {
		home[i] = f->data0 + i;
		data[i] = d;
	}
	memcpy(before, vx_io_mem_data(f->mem, NULL), (size_t)NBLK * BS);
	assert_int_equal(vx_journal_open(f->mem, &f->sb, &j), 0);
	assert_int_equal(vx_journal_commit(j, &t, NULL), VX_ETXNFULL);
	t.nblocks = 1;
	home[0] = f->sb.journal_start + 3;	/* a home inside the log */
	assert_int_equal(vx_journal_commit(j, &t, NULL), -EINVAL);
	vx_journal_close(j);
	assert_memory_equal(vx_io_mem_data(f->mem, NULL), before,
			    (size_t)NBLK * BS);
	free(before);
	free(home);
	free(data);
}

/* many transactions through a small log: it wraps, checkpoints when
 * full, and recovery leaves the newest contents home */
static void test_wrap_and_checkpoint(void **state)
{
	struct fix *f = *state;
	struct vx_jrecovery info;

	preset(f, 0, 5, 1);
	/* 80 transactions of 5 log blocks: 400 blocks through a 255-block
	 * log, so it wraps and checkpoints on its own */
	{
		struct vx_journal *j = jopen(f);

		for (unsigned r = 0; r < 80; r++)
			assert_int_equal(commit_j(f, j, r % 3, 3, 1000 + r,
						  NULL), 0);
		vx_journal_close(j);
	}
	recover(f, 0, &info);
	assert_true(info.txns >= 1 && info.txns < 80);
	assert_int_equal(info.discarded_seq, 0);
	assert_int_equal(info.next_seq, f->s0 + 80);
	/* the last writer of each block wins: r = 79 wrote 1..3, r = 78
	 * wrote 0..2, r = 77 wrote 2..4 */
	assert_true(holds(f, f->data0 + 0, 1078 + 0));
	assert_true(holds(f, f->data0 + 1, 1079 + 0));
	assert_true(holds(f, f->data0 + 2, 1079 + 1));
	assert_true(holds(f, f->data0 + 3, 1079 + 2));
	assert_true(holds(f, f->data0 + 4, 1077 + 2));
}

/* a dry run reports and writes nothing */
static void test_dry_run(void **state)
{
	struct fix *f = *state;
	struct vx_jrecovery info;
	uint8_t *before = malloc((size_t)NBLK * BS);

	struct vx_journal *j = jopen(f);

	assert_non_null(before);
	assert_int_equal(commit_j(f, j, 0, 2, 300, NULL), 0);
	assert_int_equal(commit_j(f, j, 2, 2, 400, NULL), 0);
	vx_journal_close(j);
	memcpy(before, vx_io_mem_data(f->mem, NULL), (size_t)NBLK * BS);
	recover(f, VX_RECOVER_DRY_RUN, &info);
	assert_int_equal(info.txns, 2);
	assert_int_equal(info.blocks, 4);
	assert_int_equal(info.next_seq, f->s0 + 2);
	assert_memory_equal(vx_io_mem_data(f->mem, NULL), before,
			    (size_t)NBLK * BS);
	free(before);
}


/* a transaction logging a data block and the superblock (block 0, with a
 * new label), left in the log as after a crash */
static void log_label_change(struct fix *f, vx_blk_t x)
{
	static uint8_t sbb[BS], xb[BS];
	struct vx_super sb;
	vx_blk_t home[2] = { 0, x };
	const void *data[2] = { sbb, xb };
	struct vx_jtxn t = { .nblocks = 2, .home = home, .data = data };
	struct vx_journal *j;

	memcpy(sbb, blk(f, 0), BS);
	assert_int_equal(vx_super_decode(sbb, BS, 0, &sb), 0);
	memset(sb.label, 0, sizeof(sb.label));
	strcpy(sb.label, "replayed");
	vx_super_encode(sbb, BS, &sb);
	fill(xb, 77);
	j = jopen(f);
	assert_int_equal(vx_journal_commit(j, &t, NULL), 0);
	vx_journal_close(j);
}

/* a read-write open recovers first, and sees the replayed superblock */
static void test_open_recovers(void **state)
{
	struct fix *f = *state;
	struct vx_open_opts o = { .flags = VX_OPEN_BORROW_IO };
	struct vx_jrecovery info;
	struct vx_fs *fs;
	vx_blk_t x = f->data0 + 7;

	log_label_change(f, x);
	assert_int_equal(vx_fs_open(f->mem, &o, &fs), 0);
	assert_string_equal(vx_fs_super(fs)->label, "replayed");
	assert_int_equal(vx_fs_journal(fs, &info), 0);
	assert_int_equal(info.txns, 1);
	assert_int_equal(info.blocks, 2);
	assert_int_equal(vx_fs_close(fs), 0);
	assert_true(holds(f, x, 77));
	/* the next open finds a clean journal */
	assert_int_equal(vx_fs_open(f->mem, &o, &fs), 0);
	assert_int_equal(vx_fs_journal(fs, &info), 0);
	assert_int_equal(info.txns, 0);
	assert_string_equal(vx_fs_super(fs)->label, "replayed");
	assert_int_equal(vx_fs_close(fs), 0);
}

/* read-only never writes: the image stays as it is, and the open says
 * what recovery would do; NORECOVER refuses a read-write open */
static void test_open_rdonly_and_norecover(void **state)
{
	struct fix *f = *state;
	struct vx_open_opts ro = { .flags = VX_OPEN_BORROW_IO | VX_OPEN_RDONLY };
	struct vx_open_opts nr = { .flags = VX_OPEN_BORROW_IO |
					    VX_OPEN_NORECOVER };
	uint8_t *before = malloc((size_t)NBLK * BS);
	struct vx_jrecovery info;
	struct vx_fs *fs;

	assert_non_null(before);
	log_label_change(f, f->data0 + 7);
	memcpy(before, vx_io_mem_data(f->mem, NULL), (size_t)NBLK * BS);
	assert_int_equal(vx_fs_open(f->mem, &ro, &fs), 0);
	assert_int_equal(vx_fs_journal(fs, &info), 1);
	assert_int_equal(info.txns, 1);
	assert_string_equal(vx_fs_super(fs)->label, "");
	assert_int_equal(vx_fs_close(fs), 0);
	assert_int_equal(vx_fs_open(f->mem, &nr, &fs), VX_EJOURNAL);
	assert_memory_equal(vx_io_mem_data(f->mem, NULL), before,
			    (size_t)NBLK * BS);
	free(before);
}

/* a checkpoint of a log written since the open writes only the newest
 * image of each block from its index, without reading the log back;
 * recovery of the same log (a copy) must give the same image */
static void test_checkpoint_indexed(void **state)
{
	struct fix *f = *state;
	struct vx_jrecovery info;
	struct vx_journal *j, *j2;
	struct vx_io *copy;
	vx_blk_t x = f->data0, y = f->data0 + 1, z = f->data0 + 2;
	vx_blk_t xy[2] = { x, y }, ry[2] = { y, 1 };
	uint8_t a[BS], b[BS], c[BS], d[BS];
	const void *da[] = { a }, *dbc[] = { b, c }, *dd[] = { d };
	struct vx_jtxn t1 = { .nblocks = 1, .home = &x, .data = da };
	struct vx_jtxn t2 = { .nblocks = 2, .home = xy, .data = dbc };
	struct vx_jtxn t3 = { .nrevoke = 1, .revoke = ry };
	struct vx_jtxn t4 = { .nblocks = 1, .home = &z, .data = dd };
	uint64_t bytes = (uint64_t)NBLK * BS;

	fill(a, 41);
	fill(b, 42);
	fill(c, 43);
	fill(d, 44);
	vx_put32(d, VX_JOURNAL_MAGIC);		/* escaped in the log */
	preset(f, 0, 3, 1);
	j = jopen(f);
	assert_int_equal(vx_journal_commit(j, &t1, NULL), 0);
	assert_int_equal(vx_journal_commit(j, &t2, NULL), 0);
	assert_int_equal(vx_journal_commit(j, &t3, NULL), 0);
	assert_int_equal(vx_journal_commit(j, &t4, NULL), 0);
	/* the same log, recovered from a copy */
	assert_int_equal(vx_io_mem_open(bytes, &copy), 0);
	memcpy(vx_io_mem_data(copy, NULL), vx_io_mem_data(f->mem, NULL), bytes);
	assert_int_equal(vx_journal_open(copy, &f->sb, &j2), 0);
	assert_int_equal(vx_journal_recover(j2, 0, NULL), 0);
	vx_journal_close(j2);
	/* the indexed checkpoint */
	assert_int_equal(vx_journal_checkpoint(j, &info), 0);
	assert_int_equal(info.blocks, 2);		/* x and z: y revoked */
	assert_int_equal(vx_journal_dirty(j), 0);
	vx_journal_close(j);
	assert_true(holds(f, x, 42));
	assert_true(holds(f, y, 2));			/* untouched */
	assert_memory_equal(blk(f, z), d, BS);		/* magic restored */
	assert_memory_equal(vx_io_mem_data(f->mem, NULL) + f->data0 * BS,
			    vx_io_mem_data(copy, NULL) + f->data0 * BS, 3 * BS);
	vx_io_close(copy);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_J1_commit_then_recover),
		T(test_J3_stops_at_first_invalid),
		T(test_J3_crash_at_every_block),
		T(test_J4_recovery_idempotent),
		T(test_J5_old_cycle_ignored),
		T(test_J6_revoke),
		T(test_checkpoint_indexed),
		T(test_escape),
		T(test_txn_full),
		T(test_wrap_and_checkpoint),
		T(test_dry_run),
		T(test_open_recovers),
		T(test_open_rdonly_and_norecover),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
