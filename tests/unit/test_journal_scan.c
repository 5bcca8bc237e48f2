/*
 * test_journal_scan.c: the read-only log scan (lib/journal_scan.c,
 * vx_journal_scan), on the in-memory io.
 *
 * Transactions are logged through the journal (vx_journal_commit and
 * vx_journal_write) from specs the tests keep, then the log is scanned
 * and what the scan reports is read back and compared with the specs:
 * sequence numbers, positions, tags, op record bytes, revoke ranges,
 * commit crcs.  Damaged logs (blocks zeroed or flipped, writes lost in a
 * crash, data changed in place) must be reported as recovery sees them:
 * the committed transactions are exactly those a dry-run recovery
 * counts, and the first failure carries recovery's reason.
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
#define NOW	1700000123
#define MAXT	128

struct fix {
	struct vx_io *mem;
	struct vx_super sb;
	vx_blk_t data0;		/* first block past the journal: homes */
	uint64_t s0;		/* the first sequence number after mkfs */
	uint64_t cap;		/* log blocks */
};

/* ---- what the scan reported, copied out of the callback ---- */

struct rtxn {
	struct vx_jscan_txn t;	/* its pointers to the arrays below */
	struct vx_jscan_tag tags[256];
	vx_blk_t rev[64];
	uint8_t ops[2048];
};

struct rec {
	struct rtxn x[MAXT];
	size_t n;
	size_t stop_after;	/* return stop_ret after this many (0: no) */
	int stop_ret;
};

static int record(void *ctx, const struct vx_jscan_txn *t)
{
	struct rec *r = ctx;
	struct rtxn *x;

	assert_true(r->n < MAXT);
	x = &r->x[r->n++];
	assert_true(t->ntags <= 256 && t->nrevoke <= 32 &&
		    t->ops_len <= sizeof(x->ops));
	x->t = *t;
	if (t->ntags)
		memcpy(x->tags, t->tags, t->ntags * sizeof(*t->tags));
	if (t->nrevoke)
		memcpy(x->rev, t->revoke, 2 * t->nrevoke * sizeof(vx_blk_t));
	if (t->ops_len)
		memcpy(x->ops, t->ops, t->ops_len);
	x->t.tags = x->tags;
	x->t.revoke = x->rev;
	x->t.ops = x->ops;
	return r->stop_after && r->n == r->stop_after ? r->stop_ret : 0;
}

/* ---- fixture ---- */

static uint8_t *blk(struct fix *f, vx_blk_t b)
{
	return vx_io_mem_data(f->mem, NULL) + b * BS;
}

/* log block @pos */
static uint8_t *lblk(struct fix *f, uint64_t pos)
{
	return blk(f, f->sb.journal_start + pos);
}

/* a journal block changed in place keeps a good header crc */
static void reseal(uint8_t *b)
{
	vx_put32(b + 8, 0);
	vx_put32(b + 8, vx_crc32c(0, b, BS));
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct vx_mkfs_params p = { .block_log = 10, .block_count = NBLK,
				    .journal_blocks = VX_MIN_JOURNAL_BLOCKS,
				    .hash_seed = 9, .now = 1700000000 };
	struct vx_journal *j;

	assert_non_null(f);
	memset(p.uuid, 0x4a, 16);
	assert_int_equal(vx_io_mem_open((uint64_t)NBLK * BS, &f->mem), 0);
	assert_int_equal(vx_fs_plan(&p, (uint64_t)NBLK * BS, &f->sb), 0);
	assert_int_equal(vx_fs_format(f->mem, &f->sb, 0), 0);
	f->data0 = f->sb.journal_start + f->sb.journal_blocks + 100;
	f->cap = f->sb.journal_blocks - 1;
	assert_int_equal(vx_journal_open(f->mem, &f->sb, &j), 0);
	assert_int_equal(vx_journal_dirty(j), 0);
	f->s0 = vx_journal_next_seq(j);
	vx_journal_close(j);
	*state = f;
	return 0;
}

/* the same with a log of zeros: what mkfs's own transactions left there
 * would show up in every VX_JSCAN_ALL scan */
static int setup_clean(void **state)
{
	struct fix *f;

	setup(state);
	f = *state;
	memset(lblk(f, 1), 0, f->cap * BS);
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	vx_io_close(f->mem);
	free(f);
	return 0;
}

static void fill(uint8_t *b, unsigned pattern)
{
	for (unsigned i = 0; i < BS; i++)
		b[i] = (uint8_t)(pattern * 31 + i * 7);
}

static struct vx_journal *jopen(struct fix *f)
{
	struct vx_journal *j;

	assert_int_equal(vx_journal_open(f->mem, &f->sb, &j), 0);
	vx_journal_set_time(j, NOW);
	return j;
}

static int scan(struct fix *f, unsigned flags, uint64_t from, struct rec *r,
		struct vx_jscan_info *info)
{
	struct vx_journal *j = jopen(f);
	int err;

	r->n = 0;
	err = vx_journal_scan(j, flags, from, record, r, info);
	vx_journal_close(j);
	return err;
}

static struct rec *rec_new(void)
{
	struct rec *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	return r;
}

static uint8_t *snapshot(struct fix *f)
{
	uint8_t *s = malloc((size_t)NBLK * BS);

	assert_non_null(s);
	memcpy(s, blk(f, 0), (size_t)NBLK * BS);
	return s;
}

static void restore(struct fix *f, const uint8_t *s)
{
	memcpy(blk(f, 0), s, (size_t)NBLK * BS);
}

/* ---- the transactions the tests log ---- */

struct want {
	struct vx_jtxn t;
	vx_blk_t home[4];
	uint8_t data[4][BS];
	const void *dp[4];
	uint8_t ops[256];
	vx_blk_t rev[2];
	struct vx_jdata run;
};

/* transaction @i: i % 4 + 1 metadata blocks at data0 + 16 i (the first
 * starting with the journal magic when i % 4 == 2, so logged escaped),
 * i % 3 op records, a revoke range when i is odd, a data run of i % 3
 * blocks written in place at data0 + 1000 + 16 i; number 5 has only its
 * op records and revoke range (no descriptor at all) */
static void want_build(struct fix *f, unsigned i, struct want *w)
{
	unsigned nb = i == 5 ? 0 : i % 4 + 1, nrun = i == 5 ? 0 : i % 3;
	size_t off = 0;

	memset(w, 0, sizeof(*w));
	for (unsigned k = 0; k < nb; k++) {
		w->home[k] = f->data0 + 16 * i + k;
		fill(w->data[k], 1000 + 10 * i + k);
		w->dp[k] = w->data[k];
	}
	if (i % 4 == 2)
		vx_put32(w->data[0], VX_JOURNAL_MAGIC);
	for (unsigned r = 0; r < i % 3; r++) {	/* 64 and 72 bytes */
		size_t len = VX_OPREC_HDR + 8 + 8 * r;

		for (size_t b = 0; b < len; b++)
			w->ops[off + b] = (uint8_t)(i * 13 + r * 5 + b);
		vx_put16(w->ops + off, (uint16_t)(VX_OP_CREATE + r));
		vx_put16(w->ops + off + 2, (uint16_t)len);
		off += len;
	}
	if (i % 2) {
		w->rev[0] = f->data0 + 500 + i;
		w->rev[1] = 1 + i % 3;
	}
	if (nrun) {
		uint8_t le[4];

		w->run.start = f->data0 + 1000 + 16 * i;
		w->run.count = nrun;
		for (unsigned b = 0; b < nrun; b++) {
			fill(blk(f, w->run.start + b), 5000 + 10 * i + b);
			vx_put32(le, vx_crc32c(0, blk(f, w->run.start + b), BS));
			w->run.crc = vx_crc32c(w->run.crc, le, 4);
		}
	}
	w->t = (struct vx_jtxn){ .nblocks = nb, .home = w->home,
		.data = w->dp, .ndata = nrun ? 1 : 0, .runs = &w->run,
		.ops_len = off, .ops = w->ops, .nrevoke = i % 2,
		.revoke = w->rev };
}

/* log transactions @first .. @first + @n - 1 through @j: flushed after
 * each one whose bit is set in @flush_after (bit k: the k-th logged) */
static void log_txns(struct fix *f, struct vx_journal *j, unsigned first,
		     unsigned n, unsigned flush_after, struct want *w)
{
	for (unsigned k = 0; k < n; k++) {
		want_build(f, first + k, &w[k]);
		assert_int_equal(vx_journal_write(j, &w[k].t, NULL), 0);
		if (flush_after & (1u << k))
			assert_int_equal(vx_journal_flush(j), 0);
	}
}

/* @x is transaction @i (@w) as logged with @seq at @pos */
static void check_txn(struct fix *f, const struct rtxn *x,
		      const struct want *w, uint64_t seq, uint64_t pos,
		      uint64_t len, bool data)
{
	const struct vx_jscan_txn *t = &x->t;
	size_t nb = w->t.nblocks;

	assert_int_equal(t->seq, seq);
	assert_int_equal(t->pos, pos);
	assert_int_equal(t->len, len);
	assert_int_equal(t->state, VX_JSCAN_COMMITTED);
	assert_int_equal(t->error, 0);
	assert_int_equal(t->bad_pos, 0);
	assert_int_equal(t->commit_pos, pos + len - 1);
	assert_int_equal(t->commit_blocks, len - 1);
	assert_int_equal(t->commit_crc, t->computed_crc);
	assert_int_equal(t->time_sec, NOW);
	assert_int_equal(t->time_nsec, 0);
	assert_int_equal(t->ntags, nb + w->t.ndata);
	assert_int_equal(t->nblocks_desc, t->ntags ? 1 : 0);
	assert_int_equal(t->nblocks_ops, w->t.ops_len ? 1 : 0);
	assert_int_equal(t->nblocks_revoke, w->t.nrevoke ? 1 : 0);
	for (size_t k = 0; k < nb; k++) {
		const struct vx_jscan_tag *g = &t->tags[k];
		bool esc = vx_get32(w->data[k]) == VX_JOURNAL_MAGIC;

		assert_int_equal(g->home, w->home[k]);
		assert_int_equal(g->flags, esc ? VX_JT_ESCAPED : 0);
		assert_int_equal(g->pos, pos + 1 + k);
		assert_int_equal(g->desc, pos);
		assert_int_equal(g->count, 1);
		assert_int_equal(g->crc_ok, 1);
		/* the logged copy at g->pos is the block, escaped */
		assert_memory_equal(lblk(f, g->pos) + 4, w->data[k] + 4, BS - 4);
	}
	if (w->t.ndata) {
		const struct vx_jscan_tag *g = &t->tags[nb];

		assert_int_equal(g->home, w->run.start);
		assert_int_equal(g->flags,
				 VX_JT_DATA | (w->run.count - 1) << 16);
		assert_int_equal(g->count, w->run.count);
		assert_int_equal(g->crc, w->run.crc);
		assert_int_equal(g->pos, 0);
		assert_int_equal(g->crc_ok, data ? 1 : -1);
	}
	assert_int_equal(t->ops_len, w->t.ops_len);
	if (t->ops_len)
		assert_memory_equal(t->ops, w->ops, t->ops_len);
	assert_int_equal(t->nrevoke, w->t.nrevoke);
	if (t->nrevoke)
		assert_memory_equal(t->revoke, w->rev, 2 * sizeof(vx_blk_t));
}

/* ---- tests ---- */

static void test_state_names(void **state)
{
	assert_string_equal(vx_jscan_state_name(VX_JSCAN_COMMITTED),
			    "committed");
	assert_string_equal(vx_jscan_state_name(VX_JSCAN_CHECKPOINTED),
			    "checkpointed");
	assert_string_equal(vx_jscan_state_name(VX_JSCAN_DISCARDED),
			    "discarded");
	assert_string_equal(vx_jscan_state_name(VX_JSCAN_PARTIAL), "partial");
	assert_string_equal(vx_jscan_state_name(VX_JSCAN_INVALID), "invalid");
	assert_string_equal(vx_jscan_state_name(0), "?");
	assert_string_equal(vx_jscan_state_name(99), "?");
}

/* an empty log of zeros: nothing, even looking everywhere */
static void test_empty(void **state)
{
	struct fix *f = *state;
	struct vx_jscan_info info;
	struct rec *r = rec_new();

	for (unsigned fl = 0; fl < 4; fl++) {
		assert_int_equal(scan(f, fl, 0, r, &info), 0);
		assert_int_equal(r->n, 0);
		assert_int_equal(info.tail, 0);
		assert_int_equal(info.head, 0);
		assert_int_equal(info.live, 0);
		assert_int_equal(info.stop_reason, 0);
		assert_int_equal(info.next_seq, f->s0);
	}
	free(r);
}

/* mkfs's own transactions, checkpointed: only VX_JSCAN_ALL sees them,
 * as checkpointed, numbered before the next one, from log block 1 on */
static void test_mkfs_log_checkpointed(void **state)
{
	struct fix *f = *state;
	struct rec *r = rec_new();
	uint64_t pos = 1;

	assert_int_equal(scan(f, 0, 0, r, NULL), 0);
	assert_int_equal(r->n, 0);
	assert_int_equal(scan(f, VX_JSCAN_ALL | VX_JSCAN_DATA, 0, r, NULL), 0);
	assert_true(r->n >= 1);
	for (size_t i = 0; i < r->n; i++) {
		assert_int_equal(r->x[i].t.state, VX_JSCAN_CHECKPOINTED);
		assert_int_equal(r->x[i].t.pos, pos);
		assert_int_equal(r->x[i].t.seq, f->s0 - r->n + i);
		pos += r->x[i].t.len;
	}
	free(r);
}

/* six transactions in three batches: reported exactly as logged */
static void test_committed(void **state)
{
	struct fix *f = *state;
	static struct want w[6];
	struct vx_jscan_info info;
	struct rec *r = rec_new();
	struct vx_journal *j = jopen(f);
	uint64_t len[6], pos = 1, batch[6] = { 0, 1, 1, 3, 3, 3 };

	log_txns(f, j, 0, 6, 1u << 0 | 1u << 2 | 1u << 5, w);
	for (int i = 0; i < 6; i++)
		len[i] = vx_journal_blocks(j, &w[i].t);
	/* the writing handle itself may scan */
	r->n = 0;
	assert_int_equal(vx_journal_scan(j, 0, 0, record, r, &info), 0);
	assert_int_equal(r->n, 6);
	vx_journal_close(j);
	for (unsigned fl = 0; fl < 4; fl++) {
		assert_int_equal(scan(f, fl, 0, r, &info), 0);
		assert_int_equal(r->n, 6);
		pos = 1;
		for (int i = 0; i < 6; i++) {
			check_txn(f, &r->x[i], &w[i], f->s0 + i, pos, len[i],
				  fl & VX_JSCAN_DATA);
			assert_int_equal(r->x[i].t.batch, f->s0 + batch[i]);
			pos += len[i];
		}
		assert_int_equal(info.tail, 1);
		assert_int_equal(info.first_seq, f->s0);
		assert_int_equal(info.head, pos);
		assert_int_equal(info.live, 6);
		assert_int_equal(info.stop_reason, 0);
		assert_int_equal(info.stop_seq, f->s0 + 6);
		assert_int_equal(info.stop_pos, pos);
		assert_int_equal(info.next_seq, f->s0 + 6);
	}
	free(r);
}

/* the reported transactions against a dry-run recovery of the image:
 * the same committed ones, the same reason and sequence for the first
 * that failed; no log block reported twice, nothing written */
static void agree(struct fix *f, struct rec *r)
{
	struct vx_jrecovery ri;
	struct vx_jscan_info si;
	struct vx_journal *j;
	struct cut_io *c = cut_new(f->mem, -1, -1);
	uint8_t seen[256] = { 0 };
	size_t k = 0;

	assert_int_equal(vx_journal_open(f->mem, &f->sb, &j), 0);
	assert_int_equal(vx_journal_recover(j, VX_RECOVER_DRY_RUN, &ri), 0);
	vx_journal_close(j);
	assert_int_equal(vx_journal_open(&c->io, &f->sb, &j), 0);
	r->n = 0;
	assert_int_equal(vx_journal_scan(j, VX_JSCAN_ALL | VX_JSCAN_DATA, 0,
					 record, r, &si), 0);
	vx_journal_close(j);
	assert_int_equal(c->writes + c->flushes, 0);
	vx_io_close(&c->io);
	for (; k < r->n && r->x[k].t.state == VX_JSCAN_COMMITTED; k++)
		assert_int_equal(r->x[k].t.seq, ri.first_seq + k);
	assert_int_equal(k, ri.txns);
	assert_int_equal(si.live, ri.txns);
	if (k)
		assert_int_equal(r->x[k - 1].t.seq, ri.last_seq);
	assert_int_equal(si.stop_reason, ri.discard_reason);
	assert_int_equal(si.next_seq, ri.next_seq);
	if (ri.discard_reason) {
		assert_int_equal(si.stop_seq, ri.discarded_seq);
		assert_true(k < r->n);
		assert_int_equal(r->x[k].t.seq, ri.discarded_seq);
		assert_int_equal(r->x[k].t.error, ri.discard_reason);
		assert_int_equal(r->x[k].t.bad_pos, si.stop_pos);
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct vx_jscan_txn *t = &r->x[i].t;

		if (i >= k)
			assert_int_not_equal(t->state, VX_JSCAN_COMMITTED);
		assert_true(t->pos >= 1 && t->pos <= f->cap);
		for (uint64_t b = 0; b < t->len; b++) {
			uint64_t p = (t->pos - 1 + b) % f->cap + 1;

			assert_int_equal(seen[p], 0);
			seen[p] = 1;
		}
	}
}

/* the last transaction torn in each way a crash or a bad block can tear
 * it: the earlier ones stay committed, it is reported with its reason */
static void test_torn_last(void **state)
{
	struct fix *f = *state;
	static struct want w[3];
	struct vx_jscan_info info;
	struct rec *r = rec_new(), *ok = rec_new();
	struct vx_journal *j = jopen(f);
	const struct vx_jscan_txn *t3;
	uint64_t p3, c3;
	uint8_t *snap;

	/* 5 (no descriptor), 6 (escaped), 7 (4 blocks, an op record, a
	 * revoke range, a data run) */
	log_txns(f, j, 5, 3, 1u << 2, w);
	vx_journal_close(j);
	assert_int_equal(scan(f, 0, 0, ok, NULL), 0);
	assert_int_equal(ok->n, 3);
	t3 = &ok->x[2].t;
	p3 = t3->pos;
	c3 = t3->commit_pos;
	snap = snapshot(f);

	/* commit block never written */
	memset(lblk(f, c3), 0, BS);
	assert_int_equal(scan(f, 0, 0, r, &info), 0);
	assert_int_equal(r->n, 3);
	assert_int_equal(r->x[0].t.state, VX_JSCAN_COMMITTED);
	assert_int_equal(r->x[1].t.state, VX_JSCAN_COMMITTED);
	assert_int_equal(r->x[2].t.state, VX_JSCAN_PARTIAL);
	assert_int_equal(r->x[2].t.error, VX_ECORRUPT);
	assert_int_equal(r->x[2].t.bad_pos, c3);
	assert_int_equal(r->x[2].t.commit_pos, 0);
	assert_int_equal(r->x[2].t.len, t3->len - 1);
	assert_int_equal(r->x[2].t.seq, f->s0 + 2);
	assert_int_equal(info.live, 2);
	assert_int_equal(info.head, p3);
	assert_int_equal(info.stop_reason, VX_ECORRUPT);
	assert_int_equal(info.stop_seq, f->s0 + 2);
	assert_int_equal(info.stop_pos, c3);
	agree(f, r);

	/* commit block damaged: its header crc fails */
	restore(f, snap);
	lblk(f, c3)[600] ^= 1;
	assert_int_equal(scan(f, 0, 0, r, &info), 0);
	assert_int_equal(r->n, 3);
	assert_int_equal(r->x[2].t.state, VX_JSCAN_INVALID);
	assert_int_equal(r->x[2].t.error, VX_EBADCRC);
	assert_int_equal(r->x[2].t.bad_pos, c3);
	assert_int_equal(r->x[2].t.len, t3->len);
	agree(f, r);

	/* one bit of the third logged block: that tag alone fails, the rest
	 * of the transaction is still read and shown */
	restore(f, snap);
	lblk(f, p3 + 3)[100] ^= 0x10;
	assert_int_equal(scan(f, 0, 0, r, &info), 0);
	assert_int_equal(r->n, 3);
	assert_int_equal(r->x[2].t.state, VX_JSCAN_INVALID);
	assert_int_equal(r->x[2].t.error, VX_EBADCRC);
	assert_int_equal(r->x[2].t.bad_pos, p3 + 3);
	assert_int_equal(r->x[2].t.len, t3->len);
	assert_int_equal(r->x[2].t.commit_pos, c3);
	assert_int_equal(r->x[2].t.commit_crc, t3->commit_crc);
	assert_int_not_equal(r->x[2].t.computed_crc, t3->computed_crc);
	assert_int_equal(r->x[2].t.ntags, t3->ntags);
	for (size_t k = 0; k < 4; k++)
		assert_int_equal(r->x[2].tags[k].crc_ok, k == 2 ? 0 : 1);
	assert_int_equal(r->x[2].t.ops_len, w[2].t.ops_len);
	assert_memory_equal(r->x[2].ops, w[2].ops, w[2].t.ops_len);
	assert_int_equal(info.stop_reason, VX_EBADCRC);
	assert_int_equal(info.stop_pos, p3 + 3);
	agree(f, r);

	/* the commit's count re-sealed wrong: a header that checks, a field
	 * that does not */
	restore(f, snap);
	vx_put32(lblk(f, c3) + 48, (uint32_t)t3->len);
	reseal(lblk(f, c3));
	assert_int_equal(scan(f, 0, 0, r, NULL), 0);
	assert_int_equal(r->x[2].t.state, VX_JSCAN_INVALID);
	assert_int_equal(r->x[2].t.error, VX_ECORRUPT);
	assert_int_equal(r->x[2].t.bad_pos, c3);
	assert_int_equal(r->x[2].t.commit_blocks, t3->len);
	agree(f, r);

	/* a commit naming a batch after its own transaction */
	restore(f, snap);
	vx_put64(lblk(f, c3) + 72, f->s0 + 3);
	reseal(lblk(f, c3));
	assert_int_equal(scan(f, 0, 0, r, NULL), 0);
	assert_int_equal(r->x[2].t.error, VX_ECORRUPT);
	assert_int_equal(r->x[2].t.bad_pos, c3);
	assert_int_equal(r->x[2].t.batch, f->s0 + 3);
	agree(f, r);

	/* a tag whose home is inside the journal: the descriptor fails
	 * before any of its blocks is read (the commit crc fails later) */
	restore(f, snap);
	vx_put64(lblk(f, p3) + VX_JDESC_HDR + VX_JTAG_SIZE,
		 f->sb.journal_start + 7);
	reseal(lblk(f, p3));
	assert_int_equal(scan(f, 0, 0, r, NULL), 0);
	assert_int_equal(r->x[2].t.state, VX_JSCAN_INVALID);
	assert_int_equal(r->x[2].t.error, VX_ECORRUPT);
	assert_int_equal(r->x[2].t.bad_pos, p3);
	assert_int_equal(r->x[2].t.len, t3->len);
	assert_int_equal(r->x[2].tags[1].home, f->sb.journal_start + 7);
	agree(f, r);

	/* an op record block whose count is not its records' */
	restore(f, snap);
	vx_put32(lblk(f, p3 + 5) + 48, 2);
	reseal(lblk(f, p3 + 5));
	assert_int_equal(scan(f, 0, 0, r, NULL), 0);
	assert_int_equal(r->x[2].t.error, VX_ECORRUPT);
	assert_int_equal(r->x[2].t.bad_pos, p3 + 5);
	assert_int_equal(r->x[2].t.nblocks_ops, 1);
	assert_int_equal(r->x[2].t.ops_len, w[2].t.ops_len);
	agree(f, r);
	free(snap);
	free(r);
	free(ok);
}

/* a transaction that failed in the middle of the log: the valid one
 * after it is not live, and only VX_JSCAN_ALL shows it (discarded); a
 * descriptor lost at the head ends the live log cleanly, and its
 * leftovers are a fragment */
static void test_after_failure(void **state)
{
	struct fix *f = *state;
	static struct want w[3];
	struct vx_jscan_info info;
	struct rec *r = rec_new(), *ok = rec_new();
	struct vx_journal *j = jopen(f);
	uint8_t *snap;

	log_txns(f, j, 0, 3, 7, w);	/* 0, 1, 2 */
	vx_journal_close(j);
	assert_int_equal(scan(f, 0, 0, ok, NULL), 0);
	snap = snapshot(f);
	lblk(f, ok->x[1].t.pos + 1)[9] ^= 4;	/* t1's first logged block */
	assert_int_equal(scan(f, 0, 0, r, &info), 0);
	assert_int_equal(r->n, 2);
	assert_int_equal(r->x[1].t.state, VX_JSCAN_INVALID);
	assert_int_equal(scan(f, VX_JSCAN_ALL, 0, r, &info), 0);
	assert_int_equal(r->n, 3);
	assert_int_equal(r->x[2].t.state, VX_JSCAN_DISCARDED);
	assert_int_equal(r->x[2].t.seq, f->s0 + 2);
	assert_int_equal(r->x[2].t.pos, ok->x[2].t.pos);
	assert_int_equal(r->x[2].t.error, 0);
	agree(f, r);

	/* t1's descriptor gone: the live log ends after t0 as far as
	 * recovery can tell; the rest of t1 is a fragment that starts at
	 * its op record block and whose commit does not count it all */
	restore(f, snap);
	memset(lblk(f, ok->x[1].t.pos), 0, BS);
	assert_int_equal(scan(f, VX_JSCAN_ALL, 0, r, &info), 0);
	assert_int_equal(info.live, 1);
	assert_int_equal(info.stop_reason, 0);
	assert_int_equal(info.stop_pos, ok->x[1].t.pos);
	assert_int_equal(r->n, 3);
	assert_int_equal(r->x[1].t.seq, f->s0 + 1);
	assert_int_equal(r->x[1].t.pos, ok->x[1].t.pos + 1 + 2);
	assert_int_equal(r->x[1].t.state, VX_JSCAN_INVALID);
	assert_int_equal(r->x[1].t.error, VX_ECORRUPT);
	assert_int_equal(r->x[1].t.bad_pos, ok->x[1].t.commit_pos);
	assert_int_equal(r->x[1].t.nblocks_ops, 1);
	assert_memory_equal(r->x[1].ops, w[1].ops, w[1].t.ops_len);
	assert_int_equal(r->x[2].t.state, VX_JSCAN_DISCARDED);
	agree(f, r);
	free(snap);
	free(r);
	free(ok);
}

/* from_seq filters what is reported, not what is checked; a callback's
 * non-zero return ends the scan and is returned */
static void test_from_seq_and_stop(void **state)
{
	struct fix *f = *state;
	static struct want w[5];
	struct vx_jscan_info info;
	struct rec *r = rec_new();
	struct vx_journal *j = jopen(f);

	log_txns(f, j, 0, 5, 1u << 4, w);
	vx_journal_close(j);
	assert_int_equal(scan(f, 0, f->s0 + 3, r, &info), 0);
	assert_int_equal(r->n, 2);
	assert_int_equal(r->x[0].t.seq, f->s0 + 3);
	assert_int_equal(r->x[1].t.seq, f->s0 + 4);
	assert_memory_equal(r->x[0].ops, w[3].ops, w[3].t.ops_len);
	assert_int_equal(info.live, 5);
	assert_int_equal(scan(f, 0, f->s0 + 5, r, &info), 0);
	assert_int_equal(r->n, 0);
	r->stop_after = 2;
	r->stop_ret = 42;
	assert_int_equal(scan(f, VX_JSCAN_ALL, 0, r, &info), 42);
	assert_int_equal(r->n, 2);
	assert_int_equal(r->x[1].t.seq, f->s0 + 1);
	assert_int_equal(info.live, 5);		/* filled before the calls */
	r->stop_ret = -7;
	assert_int_equal(scan(f, 0, f->s0 + 1, r, &info), -7);
	assert_int_equal(r->n, 2);
	assert_int_equal(r->x[1].t.seq, f->s0 + 2);
	free(r);
}

/* after a checkpoint the live log is empty; VX_JSCAN_ALL still finds
 * the old transactions, whole, as checkpointed; a new transaction then
 * overwrites the start of the first: what is left of it is a fragment */
static void test_checkpointed(void **state)
{
	struct fix *f = *state;
	static struct want w[4], w6;
	struct vx_jscan_info info;
	struct rec *r = rec_new(), *ok = rec_new();
	struct vx_journal *j = jopen(f);
	uint64_t pos = 1;

	log_txns(f, j, 3, 3, 7, w);		/* 3 (5 logged blocks), 4, 5 */
	assert_int_equal(scan(f, 0, 0, ok, NULL), 0);
	assert_int_equal(vx_journal_checkpoint(j, NULL), 0);
	vx_journal_close(j);
	assert_int_equal(scan(f, 0, 0, r, &info), 0);
	assert_int_equal(r->n, 0);
	assert_int_equal(info.tail, 0);
	assert_int_equal(info.live, 0);
	assert_int_equal(info.next_seq, f->s0 + 3);
	assert_int_equal(scan(f, VX_JSCAN_ALL, 0, r, &info), 0);
	assert_int_equal(r->n, 3);
	for (int i = 0; i < 3; i++) {
		struct rtxn x = r->x[i];

		assert_int_equal(x.t.state, VX_JSCAN_CHECKPOINTED);
		x.t.state = VX_JSCAN_COMMITTED;
		check_txn(f, &x, &w[i], f->s0 + i, pos, ok->x[i].t.len, false);
		pos += ok->x[i].t.len;
	}
	agree(f, r);
	/* one small new transaction (number 0: 3 blocks) from log block 1 */
	j = jopen(f);
	want_build(f, 0, &w6);
	assert_int_equal(vx_journal_commit(j, &w6.t, NULL), 0);
	vx_journal_close(j);
	assert_int_equal(scan(f, VX_JSCAN_ALL, 0, r, &info), 0);
	assert_int_equal(info.live, 1);
	assert_int_equal(r->n, 4);
	check_txn(f, &r->x[0], &w6, f->s0 + 3, 1, r->x[0].t.len, false);
	/* the fragment: number 3's revoke block and commit */
	assert_int_equal(r->x[1].t.seq, f->s0);
	assert_int_equal(r->x[1].t.pos, ok->x[0].t.commit_pos - 1);
	assert_int_equal(r->x[1].t.state, VX_JSCAN_INVALID);
	assert_int_equal(r->x[1].t.error, VX_ECORRUPT);
	assert_int_equal(r->x[1].t.nrevoke, 1);
	assert_memory_equal(r->x[1].rev, w[0].rev, 2 * sizeof(vx_blk_t));
	assert_int_equal(r->x[2].t.state, VX_JSCAN_CHECKPOINTED);
	assert_int_equal(r->x[2].t.seq, f->s0 + 1);
	assert_int_equal(r->x[3].t.seq, f->s0 + 2);
	agree(f, r);
	free(r);
	free(ok);
}

/* VX_JSCAN_DATA: data written in place and changed after the commit.
 * In the last batch recovery discards the transaction (J7) and so does
 * the scan; in an older batch it only shows in the tag */
static void test_data_changed(void **state)
{
	struct fix *f = *state;
	static struct want w[3];
	struct vx_jscan_info info;
	struct rec *r = rec_new();
	struct vx_journal *j = jopen(f);
	uint8_t *snap;
	vx_blk_t run1, run2;

	log_txns(f, j, 1, 3, 1u << 0 | 1u << 2, w);	/* 1 | 2 3 */
	vx_journal_close(j);
	run1 = w[0].run.start;
	run2 = w[1].run.start + 1;
	snap = snapshot(f);
	blk(f, run2)[77] ^= 1;	/* txn 2, in the last batch */
	assert_int_equal(scan(f, 0, 0, r, &info), 0);
	assert_int_equal(info.live, 3);
	assert_int_equal(r->x[1].tags[w[1].t.nblocks].crc_ok, -1);
	assert_int_equal(scan(f, VX_JSCAN_DATA, 0, r, &info), 0);
	assert_int_equal(info.live, 1);
	assert_int_equal(info.stop_reason, VX_EBADCRC);
	assert_int_equal(info.stop_seq, f->s0 + 1);
	assert_int_equal(info.stop_pos, r->x[1].t.pos);	/* its descriptor */
	assert_int_equal(r->n, 2);
	assert_int_equal(r->x[1].t.state, VX_JSCAN_INVALID);
	assert_int_equal(r->x[1].t.error, VX_EBADCRC);
	assert_int_equal(r->x[1].t.commit_crc, r->x[1].t.computed_crc);
	assert_int_equal(r->x[1].tags[w[1].t.nblocks].crc_ok, 0);
	agree(f, r);			/* txn 3 is discarded too */
	assert_int_equal(r->x[2].t.state, VX_JSCAN_DISCARDED);

	restore(f, snap);
	blk(f, run1)[5] ^= 1;	/* txn 1, flushed in a batch of its own */
	assert_int_equal(scan(f, VX_JSCAN_DATA, 0, r, &info), 0);
	assert_int_equal(info.live, 3);
	assert_int_equal(r->x[0].t.state, VX_JSCAN_COMMITTED);
	assert_int_equal(r->x[0].tags[w[0].t.nblocks].crc_ok, 0);
	assert_int_equal(r->x[1].tags[w[1].t.nblocks].crc_ok, 1);
	agree(f, r);
	free(snap);
	free(r);
}

/* rewrite the log so that it starts at log block @tail: each transaction
 * (as @ok reported them, from block 1) moved, headers re-sealed for
 * their new place, commit crcs recomputed */
static void rotate_log(struct fix *f, const struct rec *ok, uint64_t tail)
{
	uint8_t *old = malloc(f->cap * BS), *b;
	struct vx_jsuper js;

	assert_non_null(old);
	memcpy(old, lblk(f, 1), f->cap * BS);
	memset(lblk(f, 1), 0, f->cap * BS);
	for (size_t i = 0; i < ok->n; i++) {
		uint32_t crc = 0;

		for (uint64_t k = 0; k < ok->x[i].t.len; k++) {
			uint64_t from = ok->x[i].t.pos + k;
			uint64_t to = (from - 1 + tail - 1) % f->cap + 1;

			b = lblk(f, to);
			memcpy(b, old + (from - 1) * BS, BS);
			if (vx_get32(b) == VX_JOURNAL_MAGIC) {
				vx_put64(b + 16, f->sb.journal_start + to);
				if (k + 1 == ok->x[i].t.len)
					vx_put32(b + 52, crc);
				vx_put32(b + 8, 0);
				vx_put32(b + 8, vx_crc32c(0, b, BS));
			}
			crc = vx_crc32c(crc, b, BS);
		}
	}
	b = lblk(f, 0);
	assert_int_equal(vx_jsuper_decode(b, BS, f->sb.journal_start,
					  f->sb.hdr.uuid, &js), 0);
	js.tail = tail;
	vx_jsuper_encode(b, BS, &js);
	free(old);
}

/* a log that wraps around the end of the region reads the same */
static void test_wrapped(void **state)
{
	struct fix *f = *state;
	static struct want w[6];
	struct vx_jscan_info info;
	struct rec *r = rec_new(), *ok = rec_new();
	struct vx_journal *j = jopen(f);
	uint64_t tail = f->cap - 10, pos;

	log_txns(f, j, 0, 6, 1u << 5, w);
	vx_journal_close(j);
	assert_int_equal(scan(f, VX_JSCAN_DATA, 0, ok, NULL), 0);
	assert_int_equal(ok->n, 6);
	rotate_log(f, ok, tail);
	assert_int_equal(scan(f, VX_JSCAN_ALL | VX_JSCAN_DATA, 0, r, &info), 0);
	assert_int_equal(info.live, 6);
	assert_int_equal(info.tail, tail);
	assert_int_equal(r->n, 6);
	for (int i = 0; i < 6; i++) {
		pos = (ok->x[i].t.pos - 1 + tail - 1) % f->cap + 1;
		assert_int_equal(r->x[i].t.pos, pos);
		assert_int_equal(r->x[i].t.seq, ok->x[i].t.seq);
		assert_int_equal(r->x[i].t.len, ok->x[i].t.len);
		assert_int_equal(r->x[i].t.state, VX_JSCAN_COMMITTED);
		assert_int_equal(r->x[i].t.ntags, ok->x[i].t.ntags);
		for (size_t k = 0; k < r->x[i].t.ntags; k++) {
			assert_int_equal(r->x[i].tags[k].home,
					 ok->x[i].tags[k].home);
			assert_int_equal(r->x[i].tags[k].crc_ok, 1);
		}
		assert_int_equal(r->x[i].t.ops_len, w[i].t.ops_len);
		if (w[i].t.ops_len)
			assert_memory_equal(r->x[i].ops, w[i].ops,
					    w[i].t.ops_len);
	}
	assert_true(r->x[5].t.pos < tail);	/* it did wrap */
	agree(f, r);
	free(r);
	free(ok);
}

/* damage every block of a log of six transactions in three batches, one
 * at a time and in three ways, and change each data run: the scan agrees
 * with a dry-run recovery every time, and writes nothing */
static void test_agrees_with_recovery(void **state)
{
	struct fix *f = *state;
	static struct want w[6];
	struct rec *r = rec_new();
	struct vx_journal *j = jopen(f);
	uint64_t used = 0;
	unsigned runs = 0;
	uint8_t *snap, *after;

	log_txns(f, j, 0, 6, 1u << 0 | 1u << 2 | 1u << 5, w);
	for (int i = 0; i < 6; i++)
		used += vx_journal_blocks(j, &w[i].t);
	vx_journal_close(j);
	snap = snapshot(f);
	agree(f, r);
	assert_int_equal(r->n, 6);
	for (uint64_t p = 1; p <= used + 1; p++) {
		static const int at[3] = { -1, 300, 17 };  /* zero, data, blkno */

		for (int m = 0; m < 3; m++) {
			restore(f, snap);
			if (at[m] < 0)
				memset(lblk(f, p), 0, BS);
			else
				lblk(f, p)[at[m]] ^= 0x20;
			agree(f, r);
			after = snapshot(f);
			restore(f, snap);
			if (at[m] < 0)
				memset(lblk(f, p), 0, BS);
			else
				lblk(f, p)[at[m]] ^= 0x20;
			assert_memory_equal(after, blk(f, 0), (size_t)NBLK * BS);
			free(after);
		}
	}
	for (int i = 0; i < 6; i++) {
		if (!w[i].t.ndata)
			continue;
		restore(f, snap);
		blk(f, w[i].run.start + w[i].run.count - 1)[0] ^= 0x80;
		agree(f, r);
		runs++;
	}
	assert_int_equal(runs, 3);
	free(snap);
	free(r);
}

/* a crash while a third transaction is written: each single write lost,
 * and the writes cut at every point: the scan agrees with recovery */
static void test_agrees_after_crash(void **state)
{
	struct fix *f = *state;
	static struct want w[3];
	struct rec *r = rec_new();
	struct vx_journal *j = jopen(f);
	uint8_t *snap;
	long total;

	log_txns(f, j, 0, 2, 3, w);
	vx_journal_close(j);
	snap = snapshot(f);
	for (int mode = 0; mode < 2; mode++) {
		for (long k = 0;; k++) {
			struct cut_io *c = cut_new(f->mem, mode ? -1 : k,
						   mode ? k : -1);

			restore(f, snap);
			assert_int_equal(vx_journal_open(&c->io, &f->sb, &j), 0);
			want_build(f, 3, &w[2]);
			assert_int_equal(vx_journal_commit(j, &w[2].t, NULL), 0);
			vx_journal_close(j);
			total = c->writes;
			vx_io_close(&c->io);
			agree(f, r);
			if (k >= total)
				break;
		}
	}
	free(snap);
	free(r);
}

/* (J6)(J7) a data run a later transaction of the batch revoked is not
 * checked; once that transaction is discarded, its revoke no longer
 * counts and the run is checked again (as recovery does) */
static void test_data_revoked(void **state)
{
	struct fix *f = *state;
	static struct want w[3];
	struct rec *r = rec_new();
	struct vx_journal *j = jopen(f);
	struct vx_jscan_info info;
	vx_blk_t rv[2];
	struct vx_jtxn z = { .nrevoke = 1, .revoke = rv };
	uint8_t *snap;

	/* batches: 1 | 2, z (z revokes 1's data run) */
	log_txns(f, j, 1, 2, 1u << 0, w);
	rv[0] = w[0].run.start;
	rv[1] = 1;
	assert_int_equal(vx_journal_commit(j, &z, NULL), 0);
	vx_journal_close(j);
	snap = snapshot(f);
	blk(f, w[0].run.start)[1] ^= 1;		/* not in the last batch */
	assert_int_equal(scan(f, VX_JSCAN_DATA, 0, r, &info), 0);
	assert_int_equal(info.live, 3);
	agree(f, r);
	blk(f, w[1].run.start)[1] ^= 1;		/* 2 discarded, z with it:
						 * then 1 is the last batch */
	assert_int_equal(scan(f, VX_JSCAN_DATA, 0, r, &info), 0);
	assert_int_equal(info.live, 0);
	assert_int_equal(info.stop_seq, f->s0);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->x[0].t.error, VX_EBADCRC);
	agree(f, r);
	/* the same batch: 1, z flushed together, z revoking 1's run */
	restore(f, snap);
	memset(lblk(f, 1), 0, f->cap * BS);
	j = jopen(f);
	assert_int_equal(vx_journal_checkpoint(j, NULL), 0);
	want_build(f, 1, &w[0]);
	assert_int_equal(vx_journal_write(j, &w[0].t, NULL), 0);
	assert_int_equal(vx_journal_write(j, &z, NULL), 0);
	assert_int_equal(vx_journal_flush(j), 0);
	vx_journal_close(j);
	blk(f, w[0].run.start)[1] ^= 1;
	assert_int_equal(scan(f, VX_JSCAN_DATA, 0, r, &info), 0);
	assert_int_equal(info.live, 2);
	assert_int_equal(r->x[0].tags[w[0].t.nblocks].crc_ok, 0);
	agree(f, r);
	free(snap);
	free(r);
}

/* data runs are read for crc_ok up to as many blocks as the filesystem
 * has, whatever the log names; (J7) reads what recovery reads */
static void test_data_budget(void **state)
{
	struct fix *f = *state;
	struct vx_jdata runs[3];
	struct vx_jtxn t = { .ndata = 3, .runs = runs };
	struct vx_jscan_info info;
	struct rec *r = rec_new();
	struct vx_journal *j = jopen(f);
	uint32_t crc = 0;
	uint8_t le[4];

	for (vx_blk_t b = 0; b < 3000; b++) {	/* three times the same */
		vx_put32(le, vx_crc32c(0, blk(f, f->data0 + b), BS));
		crc = vx_crc32c(crc, le, 4);
	}
	for (int i = 0; i < 3; i++)
		runs[i] = (struct vx_jdata){ .start = f->data0, .count = 3000,
					     .crc = crc };
	assert_true(3 * 3000 > NBLK && 2 * 3000 <= NBLK);
	assert_int_equal(vx_journal_commit(j, &t, NULL), 0);
	vx_journal_close(j);
	assert_int_equal(scan(f, VX_JSCAN_DATA, 0, r, &info), 0);
	assert_int_equal(info.live, 1);
	assert_int_equal(r->x[0].t.ntags, 3);
	assert_int_equal(r->x[0].tags[0].crc_ok, 1);
	assert_int_equal(r->x[0].tags[1].crc_ok, 1);
	assert_int_equal(r->x[0].tags[2].crc_ok, -1);
	blk(f, f->data0 + 2999)[0] ^= 1;	/* (J7) reads all three */
	assert_int_equal(scan(f, VX_JSCAN_DATA, 0, r, &info), 0);
	assert_int_equal(info.live, 0);
	assert_int_equal(r->x[0].tags[0].crc_ok, 0);
	assert_int_equal(r->x[0].tags[2].crc_ok, -1);
	agree(f, r);
	free(r);
}

/* a log filled to its capacity by one transaction ends there, as in
 * recovery, even when the one block left holds a commit that would
 * pass for the next transaction (an empty one) */
static void test_full_log(void **state)
{
	struct fix *f = *state;
	static uint8_t d[BS];
	vx_blk_t *home = calloc(248, sizeof(*home));
	const void **data = calloc(248, sizeof(*data));
	struct vx_jtxn t = { .nblocks = 248, .home = home, .data = data };
	struct vx_jscan_info info;
	struct rec *r = rec_new();
	struct vx_journal *j = jopen(f);
	uint8_t *b = lblk(f, f->cap);

	assert_non_null(home);
	assert_non_null(data);
	fill(d, 3);
	for (int i = 0; i < 248; i++) {
		home[i] = f->data0 + i;
		data[i] = d;
	}
	assert_int_equal(vx_journal_blocks(j, &t), vx_journal_capacity(j));
	assert_int_equal(vx_journal_commit(j, &t, NULL), 0);
	vx_journal_close(j);
	/* an empty transaction s0 + 1 in the last log block */
	memset(b, 0, BS);
	vx_put32(b, VX_JOURNAL_MAGIC);
	vx_put16(b + 4, VX_JB_COMMIT);
	vx_put64(b + 16, f->sb.journal_start + f->cap);
	vx_put64(b + 24, f->s0 + 1);
	memcpy(b + 32, f->sb.hdr.uuid, 16);
	vx_put64(b + 72, f->s0 + 1);
	reseal(b);
	assert_int_equal(scan(f, VX_JSCAN_ALL, 0, r, &info), 0);
	assert_int_equal(info.live, 1);
	assert_int_equal(info.stop_reason, 0);
	assert_int_equal(r->n, 2);
	assert_int_equal(r->x[0].t.len, f->cap - 1);
	assert_int_equal(r->x[0].t.ntags, 248);
	assert_int_equal(r->x[0].t.nblocks_desc, 5);
	assert_int_equal(r->x[1].t.state, VX_JSCAN_DISCARDED);
	assert_int_equal(r->x[1].t.pos, f->cap);
	assert_int_equal(r->x[1].t.len, 1);
	agree(f, r);
	free(home);
	free(data);
	free(r);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_clean, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_names),
		T(test_empty),
		cmocka_unit_test_setup_teardown(test_mkfs_log_checkpointed,
						setup, teardown),
		T(test_committed),
		T(test_torn_last),
		T(test_after_failure),
		T(test_from_seq_and_stop),
		T(test_checkpointed),
		T(test_data_changed),
		T(test_data_revoked),
		T(test_data_budget),
		T(test_full_log),
		T(test_wrapped),
		T(test_agrees_with_recovery),
		T(test_agrees_after_crash),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
