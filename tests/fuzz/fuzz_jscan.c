/*
 * fuzz_jscan.c: libFuzzer target for the read-only log scan
 * (vx_journal_scan, lib/journal_scan.c), against recovery's dry run.
 *
 * At start-up the target formats a small image (1 KiB blocks, 2 MiB, a
 * 256-block journal) and logs through one journal handle: three
 * transactions, a checkpoint, then four more (the second and third in
 * one flush batch), so that the log holds live transactions over the
 * leftovers of checkpointed ones (a fragment and a whole one):
 * descriptors, logged blocks (escaped ones), data tags, op records,
 * revoke blocks and commits.  The input
 * then rewrites it:
 *
 *     0  u8    flags: bit 0 re-seal every log block that starts with the
 *              journal magic (so mutations get past the header crc);
 *              bit 1 mark the log empty (tail 0); bit 2 also recompute
 *              each commit's crc over the blocks it counts (so mutated
 *              transactions can still validate); bits 4-7 where a third
 *              scan's callback stops it
 *     1  le64  journal superblock tail (taken modulo the region; 0 keeps)
 *     9  le64  first_seq (0 keeps)
 *    17  ..    bytes written over the log from region block 1 on
 *
 * Every open goes through an io layer that aborts on any write or flush.
 * A dry-run recovery, then scans with VX_JSCAN_ALL | VX_JSCAN_DATA, with
 * no flag and a from_seq, and one stopped by its callback: every report
 * must be sane (positions in the region, counts within what the blocks
 * read can hold, op records well formed, no log block in two reports,
 * the committed ones first and numbered in a row), the committed ones
 * exactly those recovery would replay, the stop reason and next sequence
 * number recovery's, and nothing may crash, hang or leak.
 *
 * With VX_FUZZ_SEEDS=DIR the binary writes its seeds to DIR and exits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fs_int.h"
#include "fuzz_common.h"
#include "fuzz_jlog.h"

#define BS		1024u
#define NBLOCKS		2048u
#define NOW		1700000000
#define HDR		17

static uint8_t *g_img, *g_work;
static struct vx_super g_sb;

/* ---- an io layer over the image that must never be written ---- */

struct ro_io {
	struct vx_io io;
	struct vx_io *lower;
};

static int ro_read(struct vx_io *io, uint64_t off, void *b, size_t n)
{
	return vx_io_read(((struct ro_io *)io)->lower, off, b, n);
}

static int ro_write(struct vx_io *io, uint64_t off, const void *b, size_t n)
{
	CHECK(!"the scan or a dry run wrote");
	return -EIO;
}

static int ro_flush(struct vx_io *io)
{
	CHECK(!"the scan or a dry run flushed");
	return -EIO;
}

static int ro_size(struct vx_io *io, uint64_t *size)
{
	return vx_io_get_size(((struct ro_io *)io)->lower, size);
}

static int ro_close(struct vx_io *io)
{
	vx_io_close(((struct ro_io *)io)->lower);
	free(io);
	return 0;
}

static const struct vx_io_ops ro_ops = {
	.name = "ro", .read = ro_read, .write = ro_write, .flush = ro_flush,
	.get_size = ro_size, .close = ro_close,
};

static struct vx_io *ro_open(uint8_t *img)
{
	struct ro_io *r = calloc(1, sizeof(*r));

	CHECK(r);
	CHECK(vx_io_mem_wrap(img, (uint64_t)NBLOCKS * BS, &r->lower) == 0);
	r->io.ops = &ro_ops;
	r->io.sector_size = 512;
	return &r->io;
}

/* ---- the image ---- */

/* one transaction (fuzz_jlog.h) written to the log; flushed when
 * @flush */
static void log_one(struct vx_journal *j, vx_blk_t first, unsigned n,
		    unsigned pat, bool escape, vx_blk_t revoke, vx_blk_t run,
		    bool flush)
{
	static struct fuzz_jlog x;

	CHECK(vx_journal_write(j, fuzz_jlog_init(&x, g_img, BS, first, n, pat,
						 escape, revoke, run),
			       NULL) == 0);
	if (flush)
		CHECK(vx_journal_flush(j) == 0);
}

static void build_image(void)
{
	struct vx_mkfs_params p = { .block_log = 10, .block_count = NBLOCKS,
				    .journal_blocks = VX_MIN_JOURNAL_BLOCKS,
				    .hash_seed = 11, .now = NOW };
	struct vx_journal *j;
	struct vx_io *io;
	vx_blk_t d0;

	memset(p.uuid, 0x3c, 16);
	g_img = big_alloc((size_t)NBLOCKS * BS);
	g_work = big_alloc((size_t)NBLOCKS * BS);
	CHECK(vx_io_mem_wrap(g_img, (uint64_t)NBLOCKS * BS, &io) == 0);
	CHECK(vx_fs_plan(&p, (uint64_t)NBLOCKS * BS, &g_sb) == 0);
	CHECK(vx_fs_format(io, &g_sb, 0) == 0);
	d0 = g_sb.journal_start + g_sb.journal_blocks + 50;
	CHECK(vx_journal_open(io, &g_sb, &j) == 0);
	vx_journal_set_time(j, NOW);
	/* log blocks 1-11, 12-23, 24-31, checkpointed */
	log_one(j, d0, 8, 10, true, 0, d0 + 100, true);
	log_one(j, d0 + 8, 8, 20, false, d0 + 1, 0, true);
	log_one(j, d0 + 16, 4, 25, false, d0 + 2, d0 + 120, true);
	CHECK(vx_journal_checkpoint(j, NULL) == 0);
	/* live at 1-22: what is left is the second one's commit (a
	 * fragment) and the third one whole */
	log_one(j, d0 + 1, 1, 30, false, 0, 0, true);
	log_one(j, d0 + 3, 2, 40, false, d0 + 7, d0 + 104, false);
	log_one(j, d0 + 5, 3, 50, true, 0, d0 + 108, true);
	log_one(j, d0 + 9, 2, 60, false, d0 + 30, d0 + 112, true);
	vx_journal_close(j);
	vx_io_close(io);
}

static uint8_t *lblk(uint8_t *img, uint64_t pos)
{
	return img + (g_sb.journal_start + pos) * BS;
}

static void seal(uint8_t *b)
{
	vx_put32(b + 8, 0);
	vx_put32(b + 8, vx_crc32c(0, b, BS));
}

/* re-seal the journal blocks; with @commits, each commit's crc over the
 * blocks it says precede it, first */
static void reseal(uint8_t *img, bool commits)
{
	uint64_t cap = g_sb.journal_blocks - 1;

	for (uint64_t p = 1; p <= cap; p++)
		if (vx_get32(lblk(img, p)) == VX_JOURNAL_MAGIC)
			seal(lblk(img, p));
	for (uint64_t p = 1; commits && p <= cap; p++) {
		uint8_t *b = lblk(img, p);
		uint32_t n = vx_get32(b + 48), crc = 0;

		if (vx_get32(b) != VX_JOURNAL_MAGIC ||
		    vx_get16(b + 4) != VX_JB_COMMIT || n >= cap)
			continue;
		for (uint64_t k = n; k > 0; k--)
			crc = vx_crc32c(crc, lblk(img, (p - 1 + cap - k) % cap + 1),
					BS);
		vx_put32(b + 52, crc);
		seal(b);
	}
}

static void set_jsuper(uint8_t *img, bool empty, uint64_t tail, uint64_t seq)
{
	uint8_t *b = img + g_sb.journal_start * BS;
	struct vx_jsuper js;

	CHECK(vx_jsuper_decode(b, BS, g_sb.journal_start, g_sb.hdr.uuid,
			       &js) == 0);
	if (tail)
		js.tail = tail % g_sb.journal_blocks;
	if (empty)
		js.tail = 0;
	if (seq)
		js.first_seq = seq;
	vx_jsuper_encode(b, BS, &js);
}

/* ---- what one scan reported ---- */

struct seen {
	uint64_t from;
	uint8_t covered[VX_MIN_JOURNAL_BLOCKS];
	size_t calls, committed, stop_after;
	bool past_live;
	uint64_t first, last;
};

static void check_tags(const struct vx_jscan_txn *t, uint64_t cap)
{
	for (size_t i = 0; i < t->ntags; i++) {
		const struct vx_jscan_tag *g = &t->tags[i];

		CHECK(g->crc_ok >= -1 && g->crc_ok <= 1);
		CHECK(g->pos <= cap && g->desc >= 1 && g->desc <= cap);
		if (g->flags & VX_JT_DATA) {
			CHECK(g->count == (g->flags >> 16) + 1 && !g->pos);
		} else {
			CHECK(g->count == 1);
			CHECK(!g->pos == (g->crc_ok == -1));
		}
	}
}

static int on_txn(void *ctx, const struct vx_jscan_txn *t)
{
	struct seen *s = ctx;
	uint64_t cap = g_sb.journal_blocks - 1, room = BS - VX_JDESC_HDR;
	bool valid = t->state == VX_JSCAN_COMMITTED ||
		     t->state == VX_JSCAN_CHECKPOINTED ||
		     t->state == VX_JSCAN_DISCARDED;

	s->calls++;
	CHECK(t->state >= VX_JSCAN_COMMITTED && t->state <= VX_JSCAN_INVALID);
	CHECK(t->seq >= s->from);
	CHECK(t->pos >= 1 && t->pos <= cap && t->len <= cap);
	CHECK(t->bad_pos <= cap && t->commit_pos <= cap);
	CHECK(valid == !t->error && valid == !t->bad_pos);
	if (valid)
		CHECK(t->commit_pos && t->commit_crc == t->computed_crc &&
		      t->commit_blocks + 1 == t->len && t->batch <= t->seq);
	if (t->state == VX_JSCAN_COMMITTED) {	/* first, in a row */
		CHECK(!s->past_live);
		CHECK(!s->committed || t->seq == s->last + 1);
		if (!s->committed++)
			s->first = t->seq;
		s->last = t->seq;
	} else {
		s->past_live = true;
	}
	CHECK(t->nblocks_desc + t->nblocks_ops + t->nblocks_revoke <= t->len);
	CHECK(t->ntags <= t->nblocks_desc * (room / VX_JTAG_SIZE));
	CHECK(t->nrevoke <= t->nblocks_revoke * (room / 16));
	CHECK(t->ops_len <= t->nblocks_ops * room);
	check_tags(t, cap);
	for (size_t off = 0; off < t->ops_len;) {
		size_t rl = vx_get16(t->ops + off + 2);

		CHECK(rl >= 8 && rl % 8 == 0 && off + rl <= t->ops_len);
		off += rl;
	}
	for (uint64_t b = 0; b < t->len; b++) {	/* (S3) */
		uint64_t p = (t->pos - 1 + b) % cap + 1;

		CHECK(!s->covered[p]);
		s->covered[p] = 1;
	}
	return s->stop_after && s->calls == s->stop_after ? 77 : 0;
}

static int scan(struct vx_journal *j, unsigned flags, uint64_t from,
		size_t stop_after, struct seen *s, struct vx_jscan_info *info)
{
	memset(s, 0, sizeof(*s));
	s->from = from;
	s->stop_after = stop_after;
	return vx_journal_scan(j, flags, from, on_txn, s, info);
}

static void run(const uint8_t *data)
{
	static struct seen all, some;
	struct vx_jscan_info si, si2;
	struct vx_jrecovery ri;
	struct vx_io *io = ro_open(g_work);
	struct vx_journal *j;
	size_t stop = (size_t)(data[0] >> 4) + 1;
	int rerr;

	if (vx_journal_open(io, &g_sb, &j)) {
		vx_io_close(io);
		return;
	}
	rerr = vx_journal_recover(j, VX_RECOVER_DRY_RUN, &ri);
	CHECK(scan(j, VX_JSCAN_ALL | VX_JSCAN_DATA, 0, 0, &all, &si) == rerr);
	CHECK(all.committed == si.live && si.live == ri.txns);
	CHECK(!ri.txns || (all.first == ri.first_seq && all.last == ri.last_seq));
	CHECK(si.stop_reason == ri.discard_reason);
	CHECK(!ri.discard_reason || si.stop_seq == ri.discarded_seq);
	CHECK(si.next_seq == ri.next_seq);
	/* without (J7) the live log can only be longer; from_seq filters */
	CHECK(scan(j, 0, si.stop_seq, 0, &some, &si2) == 0);
	CHECK(si2.live >= si.live && si2.tail == si.tail);
	/* a callback's stop */
	CHECK(scan(j, VX_JSCAN_ALL | VX_JSCAN_DATA, 0, stop, &some, NULL) ==
	      (all.calls >= stop ? 77 : rerr));
	CHECK(some.calls == (all.calls < stop ? all.calls : stop));
	vx_journal_close(j);
	vx_io_close(io);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t log_bytes = (g_sb.journal_blocks - 1) * BS;

	if (size < HDR)
		return 0;
	memcpy(g_work, g_img, (size_t)NBLOCKS * BS);
	memcpy(g_work + (g_sb.journal_start + 1) * BS, data + HDR,
	       size - HDR < log_bytes ? size - HDR : log_bytes);
	if (data[0] & 5)
		reseal(g_work, data[0] & 4);
	set_jsuper(g_work, data[0] & 2, vx_get64(data + 1), vx_get64(data + 9));
	run(data);
	return 0;
}

static void write_seed(const char *dir, const char *name, int flags)
{
	size_t len = HDR + (size_t)(g_sb.journal_blocks - 1) * BS;
	uint8_t *s = calloc(1, len);

	CHECK(s);
	s[0] = (uint8_t)flags;
	memcpy(s + HDR, g_img + (g_sb.journal_start + 1) * BS, len - HDR);
	while (len > HDR && !s[len - 1])	/* trailing zeros add nothing */
		len--;
	fuzz_seed_file(dir, name, s, len);
	free(s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("VX_FUZZ_SEEDS");

	build_image();
	if (dir) {
		write_seed(dir, "log", 0);
		write_seed(dir, "log-resealed", 1);
		write_seed(dir, "log-empty", 2);
		write_seed(dir, "log-commits-resealed", 5 | 0x30);
		exit(0);
	}
	return 0;
}
