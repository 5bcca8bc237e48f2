/*
 * journal.c: the write-ahead log: opening it and writing transactions.
 * Recovery and checkpoint (scan, revoke, replay) are journal_recover.c.
 *
 * Format and invariants (J1)-(J8): include/vexfs/journal.h and
 * man/vexfs.5.  Log positions are region-relative block indexes in
 * [1, journal_blocks - 1], used circularly; block 0 is the journal
 * superblock.
 *
 * A transaction is written as descriptors (each followed by the blocks
 * its metadata tags log), op record blocks, revoke blocks and a commit
 * block that carries a crc over everything before it.  vx_journal_write
 * leaves the flush to the caller so that group commit can write a batch
 * and flush once; vx_journal_commit is write + flush.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "journal_int.h"

static uint64_t used(const struct vx_journal *j)
{
	if (!j->js.tail)
		return 0;
	return (j->head + jl_cap(j) - j->js.tail) % jl_cap(j);
}

/* ---- block i/o and headers ---- */

int jl_read(struct vx_journal *j, uint64_t pos, void *buf)
{
	return vx_io_read(j->io, (j->start + pos) * j->bsize, buf, j->bsize);
}

int jl_write(struct vx_journal *j, uint64_t pos, const void *buf)
{
	return vx_io_write(j->io, (j->start + pos) * j->bsize, buf, j->bsize);
}

static void jhdr_init(struct vx_journal *j, uint8_t *b, uint16_t type,
		      uint64_t pos, uint64_t seq)
{
	memset(b, 0, j->bsize);
	vx_put32(b, VX_JOURNAL_MAGIC);
	vx_put16(b + 4, type);
	vx_put64(b + 16, j->start + pos);
	vx_put64(b + 24, seq);
	memcpy(b + 32, j->uuid, 16);
}

static void jhdr_seal(struct vx_journal *j, uint8_t *b)
{
	vx_put32(b + 8, 0);
	vx_put32(b + 8, vx_crc32c(0, b, j->bsize));
}

/* 0: a sound journal block of @seq at @pos; 1: not a journal block of
 * this transaction at all (no magic, other place, filesystem or
 * sequence); <0: it claims to be one but is damaged (VX_EBADCRC) */
int jl_hdr_check(struct vx_journal *j, const uint8_t *b, uint64_t pos,
		 uint64_t seq)
{
	uint32_t want = vx_get32(b + 8), crc;
	static const uint8_t zero[4];

	if (vx_get32(b) != VX_JOURNAL_MAGIC || vx_get64(b + 16) != j->start + pos ||
	    memcmp(b + 32, j->uuid, 16) || vx_get64(b + 24) != seq)
		return 1;	/* (J5) an older cycle's block is not ours */
	crc = vx_crc32c(0, b, 8);
	crc = vx_crc32c(crc, zero, 4);
	crc = vx_crc32c(crc, b + 12, j->bsize - 12);
	return crc == want ? 0 : VX_EBADCRC;
}

bool jl_home_ok(const struct vx_journal *j, vx_blk_t home)
{
	/* block 0, the superblock, is logged like any metadata block */
	return home < j->fs_blocks &&
	       !(home >= j->start && home < j->start + j->len);
}

int jl_data_crc(struct vx_journal *j, vx_blk_t start, uint32_t count,
		uint32_t *crc)
{
	uint32_t c = 0;

	for (uint32_t i = 0; i < count; i++) {
		uint8_t le[4];
		int err = vx_io_read(j->io, (start + i) * j->bsize, j->buf2,
				     j->bsize);
		if (err)
			return err;
		vx_put32(le, vx_crc32c(0, j->buf2, j->bsize));
		c = vx_crc32c(c, le, 4);
	}
	*crc = c;
	return 0;
}

void vx_journal_set_time(struct vx_journal *j, int64_t fixed)
{
	j->fixed_time = fixed;
}

void jl_emptied(struct vx_journal *j, uint64_t next_seq)
{
	j->head = 1;
	j->head_known = true;
	j->next_seq = next_seq;
	j->unflushed = false;
	j->cycle++;
	kmap_free(&j->idx);
	j->idx_valid = true;
}

uint64_t vx_journal_cycle(const struct vx_journal *j)
{
	return j->cycle;
}

/* ---- open ---- */

int vx_journal_open(struct vx_io *io, const struct vx_super *sb,
		    struct vx_journal **out)
{
	struct vx_journal *j = calloc(1, sizeof(*j));
	int err;

	if (!j)
		return -ENOMEM;
	j->io = io;
	j->bsize = 1u << sb->block_log;
	j->start = sb->journal_start;
	j->len = sb->journal_blocks;
	j->fs_blocks = sb->block_count;
	memcpy(j->uuid, sb->hdr.uuid, 16);
	j->buf = malloc(j->bsize);
	j->buf2 = malloc(j->bsize);
	err = j->buf && j->buf2 ? jl_read(j, 0, j->buf) : -ENOMEM;
	if (!err)
		err = vx_jsuper_decode(j->buf, j->bsize, j->start, j->uuid,
				       &j->js);
	if (!err && (j->js.blocks != j->len || j->len < 4))
		err = VX_ECORRUPT;
	if (err) {
		vx_journal_close(j);
		return err;
	}
	j->next_seq = j->js.first_seq ? j->js.first_seq : 1;
	j->head = 1;
	j->head_known = !j->js.tail;	/* a dirty log is scanned first */
	j->idx_valid = !j->js.tail;
	j->cycle = 1;
	*out = j;
	return 0;
}

void vx_journal_close(struct vx_journal *j)
{
	if (!j)
		return;
	free(j->buf);
	free(j->buf2);
	free(j->stage);
	kmap_free(&j->idx);
	free(j);
}

int vx_journal_dirty(const struct vx_journal *j)
{
	return j->js.tail != 0;
}

uint64_t vx_journal_next_seq(const struct vx_journal *j)
{
	return j->next_seq;
}

uint64_t vx_journal_capacity(const struct vx_journal *j)
{
	return jl_cap(j) - 1;
}

int jl_write_jsuper(struct vx_journal *j, uint64_t tail, uint64_t seq)
{
	struct vx_jsuper js = j->js;
	uint8_t *b = malloc(j->bsize);
	int err;

	if (!b)
		return -ENOMEM;
	js.tail = tail;
	js.first_seq = seq;
	js.hdr.type = VX_BT_JSUPER;
	js.hdr.blkno = j->start;
	js.hdr.seq = seq;
	memcpy(js.hdr.uuid, j->uuid, 16);
	vx_jsuper_encode(b, j->bsize, &js);
	err = vx_io_write(j->io, j->start * j->bsize, b, j->bsize);
	free(b);
	if (!err)
		j->js = js;
	return err;
}

/* ---- writing a transaction ---- */

/* crc32c of a block as the log stores it (escaped when it starts with
 * the journal magic) */
static uint32_t stored_crc(const struct vx_journal *j, const uint8_t *d,
			   bool escaped)
{
	static const uint8_t zero[4];

	if (!escaped)
		return vx_crc32c(0, d, j->bsize);
	return vx_crc32c(vx_crc32c(0, zero, 4), d + 4, j->bsize - 4);
}

static bool needs_escape(const uint8_t *d)
{
	return vx_get32(d) == VX_JOURNAL_MAGIC;
}

/* stage one sealed header block or one logged block, chaining the crc;
 * a transaction goes to the device in as few writes as the circle
 * allows (stage_flush) */
static int put_block(struct vx_journal *j, uint64_t *pos, const uint8_t *b,
		     uint32_t *crc)
{
	if (j->nstage == j->cstage)
		return -EOVERFLOW;	/* vx_journal_blocks miscounted */
	memcpy(j->stage + j->nstage++ * j->bsize, b, j->bsize);
	*crc = vx_crc32c(*crc, b, j->bsize);
	*pos = jl_next(j, *pos);
	return 0;
}

/* write the staged blocks from log position @pos0 on */
static int stage_flush(struct vx_journal *j, uint64_t pos0)
{
	uint64_t done = 0;

	while (done < j->nstage) {
		uint64_t room = j->len - pos0, n = j->nstage - done;
		int err;

		if (n > room)
			n = room;	/* up to the end of the circle */
		err = vx_io_write(j->io, (j->start + pos0) * j->bsize,
				  j->stage + done * j->bsize, n * j->bsize);
		if (err)
			return err;
		done += n;
		pos0 = 1;
	}
	j->nstage = 0;
	return 0;
}

static int stage_reserve(struct vx_journal *j, uint64_t blocks)
{
	uint8_t *p;

	j->nstage = 0;
	if (blocks <= j->cstage)
		return 0;
	p = realloc(j->stage, blocks * j->bsize);
	if (!p)
		return -ENOMEM;
	j->stage = p;
	j->cstage = blocks;
	return 0;
}

static uint64_t tags_per_desc(const struct vx_journal *j)
{
	return (j->bsize - VX_JDESC_HDR) / VX_JTAG_SIZE;
}

/* the tags: metadata blocks first (i < nblocks), then data runs */
static void put_tag(struct vx_journal *j, const struct vx_jtxn *t,
		    uint64_t i, uint8_t *tag)
{
	if (i < t->nblocks) {
		const uint8_t *d = t->data[i];
		bool esc = needs_escape(d);

		vx_put64(tag, t->home[i]);
		vx_put32(tag + 8, esc ? VX_JT_ESCAPED : 0);
		vx_put32(tag + 12, stored_crc(j, d, esc));
	} else {
		const struct vx_jdata *r = &t->runs[i - t->nblocks];

		vx_put64(tag, r->start);
		vx_put32(tag + 8, VX_JT_DATA | ((r->count - 1) << 16));
		vx_put32(tag + 12, r->crc);
	}
}

static int write_descs(struct vx_journal *j, const struct vx_jtxn *t,
		       uint64_t seq, uint64_t *pos, uint32_t *crc)
{
	uint64_t tpd = tags_per_desc(j), ntags = t->nblocks + t->ndata;
	int err = 0;

	for (uint64_t i = 0; i < ntags && !err; i += tpd) {
		uint64_t n = ntags - i < tpd ? ntags - i : tpd;

		jhdr_init(j, j->buf, VX_JB_DESC, *pos, seq);
		vx_put32(j->buf + 48, (uint32_t)n);
		for (uint64_t k = 0; k < n; k++)
			put_tag(j, t, i + k,
				j->buf + VX_JDESC_HDR + k * VX_JTAG_SIZE);
		jhdr_seal(j, j->buf);
		err = put_block(j, pos, j->buf, crc);
		for (uint64_t k = i; k < i + n && k < t->nblocks && !err; k++) {
			int64_t at = (int64_t)*pos;

			memcpy(j->buf2, t->data[k], j->bsize);
			if (needs_escape(j->buf2)) {
				vx_put32(j->buf2, 0);
				at |= 1ll << 62;
			}
			err = put_block(j, pos, j->buf2, crc);
			if (!err && j->idx_valid &&
			    kmap_put(&j->idx, t->home[k] + 1, at))
				j->idx_valid = false;	/* recover instead */
		}
	}
	return err;
}

/* walk the op records: call @fn for each block's worth; returns the
 * number of op blocks (fn NULL: count only) */
static uint64_t op_blocks(const struct vx_journal *j, const struct vx_jtxn *t,
			  int (*fn)(struct vx_journal *, const uint8_t *,
				    size_t, uint32_t, void *),
			  void *ctx, int *err)
{
	size_t room = j->bsize - VX_JDESC_HDR, off = 0;
	uint64_t blocks = 0;

	while (off < t->ops_len) {
		size_t used = 0;
		uint32_t nrec = 0;

		while (off + used < t->ops_len) {
			size_t rl = vx_get16(t->ops + off + used + 2);
			if (rl < 8 || used + rl > room)
				break;
			used += rl;
			nrec++;
		}
		if (!nrec) {		/* a record too long for a block */
			*err = -EINVAL;
			return blocks;
		}
		if (fn && (*err = fn((struct vx_journal *)j, t->ops + off, used,
				     nrec, ctx)))
			return blocks;
		off += used;
		blocks++;
	}
	return blocks;
}

struct opw {
	uint64_t seq, *pos;
	uint32_t *crc;
};

static int write_op_block(struct vx_journal *j, const uint8_t *recs,
			  size_t len, uint32_t nrec, void *ctx)
{
	struct opw *w = ctx;

	jhdr_init(j, j->buf, VX_JB_OPS, *w->pos, w->seq);
	vx_put32(j->buf + 48, nrec);
	vx_put32(j->buf + 52, (uint32_t)len);
	memcpy(j->buf + VX_JDESC_HDR, recs, len);
	jhdr_seal(j, j->buf);
	return put_block(j, w->pos, j->buf, w->crc);
}

/* a revoked block's older images must not go home at the checkpoint */
static void idx_revoke(struct vx_journal *j, vx_blk_t b0, uint64_t n)
{
	if (!j->idx_valid || !j->idx.n)
		return;
	if (n <= j->idx.cap) {
		for (uint64_t b = b0; b < b0 + n; b++) {
			int64_t v;

			if (kmap_get(&j->idx, b + 1, &v))
				kmap_put(&j->idx, b + 1, -1);
		}
		return;
	}
	for (size_t i = 0; i < j->idx.cap; i++)
		if (j->idx.keys[i] && j->idx.keys[i] - 1 >= b0 &&
		    j->idx.keys[i] - 1 - b0 < n)
			j->idx.vals[i] = -1;
}

static int write_revokes(struct vx_journal *j, const struct vx_jtxn *t,
			 uint64_t seq, uint64_t *pos, uint32_t *crc)
{
	uint64_t rpb = (j->bsize - VX_JDESC_HDR) / 16;
	int err = 0;

	for (uint64_t i = 0; i < t->nrevoke && !err; i += rpb) {
		uint64_t n = t->nrevoke - i < rpb ? t->nrevoke - i : rpb;

		jhdr_init(j, j->buf, VX_JB_REVOKE, *pos, seq);
		vx_put32(j->buf + 48, (uint32_t)n);
		for (uint64_t k = 0; k < n; k++) {
			uint8_t *r = j->buf + VX_JDESC_HDR + k * 16;

			vx_put64(r, t->revoke[2 * (i + k)]);
			vx_put64(r + 8, t->revoke[2 * (i + k) + 1]);
			idx_revoke(j, t->revoke[2 * (i + k)],
				   t->revoke[2 * (i + k) + 1]);
		}
		jhdr_seal(j, j->buf);
		err = put_block(j, pos, j->buf, crc);
	}
	return err;
}

uint64_t vx_journal_blocks(const struct vx_journal *j, const struct vx_jtxn *t)
{
	uint64_t tpd = tags_per_desc(j), ntags = t->nblocks + t->ndata;
	uint64_t rpb = (j->bsize - VX_JDESC_HDR) / 16;
	int err = 0;

	return (ntags + tpd - 1) / tpd + t->nblocks +
	       op_blocks(j, t, NULL, NULL, &err) +
	       (t->nrevoke + rpb - 1) / rpb + 1;
}

static int check_txn(const struct vx_journal *j, const struct vx_jtxn *t)
{
	int err = 0;

	for (uint64_t i = 0; i < t->nblocks; i++)
		if (!jl_home_ok(j, t->home[i]))
			return -EINVAL;
	for (uint64_t i = 0; i < t->ndata; i++)
		if (!t->runs[i].count || t->runs[i].count > VX_JDATA_MAX ||
		    !jl_home_ok(j, t->runs[i].start) ||
		    !jl_home_ok(j, t->runs[i].start + t->runs[i].count - 1))
			return -EINVAL;
	for (uint64_t i = 0; i < t->nrevoke; i++)
		if (!t->revoke[2 * i + 1] || t->revoke[2 * i] >= j->fs_blocks ||
		    t->revoke[2 * i + 1] > j->fs_blocks - t->revoke[2 * i])
			return -EINVAL;
	op_blocks(j, t, NULL, NULL, &err);
	return err;
}

int vx_journal_write(struct vx_journal *j, const struct vx_jtxn *t,
		     uint64_t *seq_out)
{
	uint64_t total, pos, pos0, seq;
	struct timespec now;
	struct opw w;
	uint32_t crc = 0;
	int err;

	if ((err = check_txn(j, t)))
		return err;
	total = vx_journal_blocks(j, t);
	if (total > vx_journal_capacity(j))
		return VX_ETXNFULL;	/* nothing written */
	/* a log not scanned since open, or without room: make it empty,
	 * flushing what this batch wrote first (J8) */
	if (!j->head_known || (j->js.tail && used(j) + total > jl_cap(j) - 1)) {
		if (j->unflushed && (err = vx_journal_flush(j)))
			return err;
		if ((err = vx_journal_checkpoint(j, NULL)))
			return err;
	}
	seq = j->next_seq;
	if (!j->unflushed)
		j->batch_first = seq;
	pos = pos0 = j->js.tail ? j->head : 1;
	err = stage_reserve(j, total);
	if (!err)
		err = write_descs(j, t, seq, &pos, &crc);
	w = (struct opw){ .seq = seq, .pos = &pos, .crc = &crc };
	if (!err)
		op_blocks(j, t, write_op_block, &w, &err);
	if (!err)
		err = write_revokes(j, t, seq, &pos, &crc);
	if (!err) {
		clock_gettime(CLOCK_REALTIME, &now);
		if (j->fixed_time) {	/* reproducible images (mkfs) */
			now.tv_sec = (time_t)j->fixed_time;
			now.tv_nsec = 0;
		}
		jhdr_init(j, j->buf, VX_JB_COMMIT, pos, seq);
		vx_put32(j->buf + 48, (uint32_t)(total - 1));
		vx_put32(j->buf + 52, crc);
		vx_put64(j->buf + 56, (uint64_t)now.tv_sec);
		vx_put32(j->buf + 64, (uint32_t)now.tv_nsec);
		vx_put64(j->buf + 72, j->batch_first);
		jhdr_seal(j, j->buf);
		err = put_block(j, &pos, j->buf, &crc);
	}
	if (!err)
		err = stage_flush(j, pos0);
	/* an empty log must say where it now starts, in the same flush */
	if (!err && !j->js.tail)
		err = jl_write_jsuper(j, pos0, seq);
	if (err) {
		j->head_known = false;	/* what reached the disk is unknown */
		return err;
	}
	j->head = pos;
	j->next_seq = seq + 1;		/* (J5) */
	j->unflushed = true;
	if (seq_out)
		*seq_out = seq;
	return 0;
}

int vx_journal_flush(struct vx_journal *j)
{
	int err = vx_io_flush(j->io);

	if (err) {
		j->head_known = false;
		return err;
	}
	j->unflushed = false;
	return 0;
}

int vx_journal_commit(struct vx_journal *j, const struct vx_jtxn *t,
		      uint64_t *seq_out)
{
	int err = vx_journal_write(j, t, seq_out);

	return err ? err : vx_journal_flush(j);	/* (J1) durable before success */
}
