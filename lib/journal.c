/*
 * journal.c: the write-ahead log: commit, checkpoint, recovery.
 *
 * Format and invariants (J1)-(J6): include/vexfs/journal.h and
 * man/vexfs.5.  Log positions are region-relative block indexes in
 * [1, journal_blocks - 1], used circularly; block 0 is the journal
 * superblock.  One replay implementation serves recovery and checkpoint:
 * a checkpoint is a recovery of a journal known to be consistent.
 *
 * Recovery, in three passes over the log from its tail:
 *   scan    parse and validate whole transactions (every header, tag
 *           crc, the commit's count and crc over the transaction) in
 *           sequence order; stop at the first that is not complete (J3)
 *   revoke  collect, for every revoked block, the newest transaction
 *           that revoked it (J6)
 *   replay  write each logged block of each valid transaction home,
 *           unless revoked by a newer one; flush; only then mark the log
 *           empty in the journal superblock and flush again (J4)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fs_int.h"

struct vx_journal {
	struct vx_io *io;
	uint32_t bsize;
	vx_blk_t start;			/* region's first block (jsuper) */
	uint64_t len;			/* region blocks, jsuper included */
	uint64_t fs_blocks;
	uint8_t uuid[16];
	struct vx_jsuper js;
	uint64_t head;			/* where the next transaction goes */
	bool head_known;		/* false until a scan found the head */
	uint64_t next_seq;
	uint8_t *buf, *buf2;		/* one block of scratch each */
};

struct jtag {
	vx_blk_t home;
	uint64_t pos;			/* log position of the logged copy */
	uint32_t flags;
	uint32_t crc;
};

struct jtxn {
	uint64_t seq, pos, len;
	size_t tag0, ntags;		/* slice of scan.tags */
	size_t rev0, nrev;		/* slice of scan.revs */
};

struct jrev {
	vx_blk_t blk;
	uint64_t seq;
};

struct scan {
	struct jtxn *txns;
	size_t ntxns, ctxns;
	struct jtag *tags;
	size_t ntags, ctags;
	struct jrev *revs;
	size_t nrevs, crevs;
};

static uint64_t cap(const struct vx_journal *j)
{
	return j->len - 1;
}

static uint64_t next_pos(const struct vx_journal *j, uint64_t pos)
{
	return pos + 1 >= j->len ? 1 : pos + 1;
}

static uint64_t used(const struct vx_journal *j)
{
	if (!j->js.tail)
		return 0;
	return (j->head + cap(j) - j->js.tail) % cap(j);
}

static int grow(void **v, size_t *c, size_t need, size_t elem)
{
	void *p;
	size_t n = *c ? *c : 16;

	if (need <= *c)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*v, n * elem);
	if (!p)
		return -ENOMEM;
	*v = p;
	*c = n;
	return 0;
}

/* ---- block i/o and headers ---- */

static int log_read(struct vx_journal *j, uint64_t pos, void *buf)
{
	return vx_io_read(j->io, (j->start + pos) * j->bsize, buf, j->bsize);
}

static int log_write(struct vx_journal *j, uint64_t pos, const void *buf)
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
static int jhdr_check(struct vx_journal *j, const uint8_t *b, uint64_t pos,
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
	err = j->buf && j->buf2 ? log_read(j, 0, j->buf) : -ENOMEM;
	if (!err)
		err = vx_jsuper_decode(j->buf, j->bsize, j->start, j->uuid,
				       &j->js);
	if (!err && j->js.blocks != j->len)
		err = VX_ECORRUPT;
	if (err) {
		vx_journal_close(j);
		return err;
	}
	j->next_seq = j->js.first_seq ? j->js.first_seq : 1;
	j->head = 1;
	j->head_known = !j->js.tail;	/* a dirty log is scanned first */
	*out = j;
	return 0;
}

void vx_journal_close(struct vx_journal *j)
{
	if (!j)
		return;
	free(j->buf);
	free(j->buf2);
	free(j);
}

int vx_journal_dirty(const struct vx_journal *j)
{
	return j->js.tail != 0;
}

static int write_jsuper(struct vx_journal *j, uint64_t tail, uint64_t seq)
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

/* ---- pass 1: scan ---- */

static bool home_ok(const struct vx_journal *j, vx_blk_t home)
{
	/* block 0, the superblock, is logged like any metadata block */
	return home < j->fs_blocks &&
	       !(home >= j->start && home < j->start + j->len);
}

/* read the @n logged blocks a descriptor announced, checking each tag's
 * crc and chaining the transaction crc */
static int scan_data(struct vx_journal *j, struct jtag *tags, size_t n,
		     uint64_t *pos, uint64_t *k, uint64_t limit, uint32_t *crc)
{
	for (size_t i = 0; i < n; i++) {
		int err;

		if (*k >= limit)
			return VX_ECORRUPT;
		err = log_read(j, *pos, j->buf);
		if (err)
			return err;
		if (vx_crc32c(0, j->buf, j->bsize) != tags[i].crc)
			return VX_EBADCRC;	/* torn or stale copy */
		*crc = vx_crc32c(*crc, j->buf, j->bsize);
		tags[i].pos = *pos;
		*pos = next_pos(j, *pos);
		(*k)++;
	}
	return 0;
}

static int scan_desc(struct vx_journal *j, struct scan *s, uint64_t *pos,
		     uint64_t *k, uint64_t limit, uint32_t *crc)
{
	const uint8_t *b = j->buf;
	uint32_t n = vx_get32(b + 48);
	size_t first = s->ntags;

	if (n == 0 || n > (j->bsize - VX_JDESC_HDR) / VX_JTAG_SIZE)
		return VX_ECORRUPT;
	if (grow((void **)&s->tags, &s->ctags, s->ntags + n, sizeof(*s->tags)))
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *t = b + VX_JDESC_HDR + i * VX_JTAG_SIZE;
		struct jtag *tag = &s->tags[s->ntags++];

		tag->home = vx_get64(t);
		tag->flags = vx_get32(t + 8);
		tag->crc = vx_get32(t + 12);
		if (!home_ok(j, tag->home) || (tag->flags & ~VX_JT_ESCAPED))
			return VX_ECORRUPT;
	}
	return scan_data(j, s->tags + first, n, pos, k, limit, crc);
}

static int scan_revoke(struct vx_journal *j, struct scan *s, uint64_t seq)
{
	const uint8_t *b = j->buf;
	uint32_t n = vx_get32(b + 48);

	if (n > (j->bsize - VX_JDESC_HDR) / 8)
		return VX_ECORRUPT;
	if (grow((void **)&s->revs, &s->crevs, s->nrevs + n, sizeof(*s->revs)))
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		vx_blk_t blk = vx_get64(b + VX_JDESC_HDR + i * 8);

		if (blk >= j->fs_blocks)
			return VX_ECORRUPT;
		s->revs[s->nrevs++] = (struct jrev){ .blk = blk, .seq = seq };
	}
	return 0;
}

/* parse the transaction @seq starting at @pos, using at most @limit log
 * blocks.  0: valid, appended to @s; 1: no transaction there (the end of
 * the log); <0: partial or invalid, nothing appended (J3) */
static int scan_txn(struct vx_journal *j, struct scan *s, uint64_t pos,
		    uint64_t seq, uint64_t limit)
{
	size_t tag0 = s->ntags, rev0 = s->nrevs;
	uint64_t k = 0, pos0 = pos;
	uint32_t crc = 0;
	int err;

	for (;;) {
		int h;

		err = k >= limit ? VX_ECORRUPT : log_read(j, pos, j->buf);
		if (err)
			break;
		h = jhdr_check(j, j->buf, pos, seq);
		if (h == 1 && k == 0)
			return 1;
		if (h) {
			err = h == 1 ? VX_ECORRUPT : h;	/* missing or torn */
			break;
		}
		if (vx_get16(j->buf + 4) == VX_JB_COMMIT) {
			if (vx_get32(j->buf + 48) != k)
				err = VX_ECORRUPT;
			else if (vx_get32(j->buf + 52) != crc)
				err = VX_EBADCRC;
			if (err)
				break;
			if (grow((void **)&s->txns, &s->ctxns, s->ntxns + 1,
				 sizeof(*s->txns))) {
				err = -ENOMEM;
				break;
			}
			s->txns[s->ntxns++] = (struct jtxn){
				.seq = seq, .pos = pos0, .len = k + 1,
				.tag0 = tag0, .ntags = s->ntags - tag0,
				.rev0 = rev0, .nrev = s->nrevs - rev0 };
			return 0;
		}
		crc = vx_crc32c(crc, j->buf, j->bsize);
		pos = next_pos(j, pos);
		k++;
		if (vx_get16(j->buf + 4) == VX_JB_DESC)
			err = scan_desc(j, s, &pos, &k, limit, &crc);
		else if (vx_get16(j->buf + 4) == VX_JB_REVOKE)
			err = scan_revoke(j, s, seq);
		else
			err = VX_ECORRUPT;
		if (err)
			break;
	}
	s->ntags = tag0;
	s->nrevs = rev0;
	return err;
}

/* ---- pass 2: revoke ---- */

static int cmp_rev(const void *a, const void *b)
{
	const struct jrev *x = a, *y = b;

	if (x->blk != y->blk)
		return x->blk < y->blk ? -1 : 1;
	return x->seq > y->seq ? -1 : x->seq < y->seq;	/* newest first */
}

/* the newest transaction that revoked @blk, 0 if none */
static uint64_t revoked_by(const struct scan *s, vx_blk_t blk)
{
	size_t lo = 0, hi = s->nrevs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->revs[mid].blk < blk)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nrevs && s->revs[lo].blk == blk ? s->revs[lo].seq : 0;
}

/* ---- pass 3: replay ---- */

static int replay_txn(struct vx_journal *j, const struct scan *s,
		      const struct jtxn *t, bool dry, struct vx_jrecovery *info)
{
	for (size_t i = 0; i < t->ntags; i++) {
		const struct jtag *tag = &s->tags[t->tag0 + i];
		int err;

		if (revoked_by(s, tag->home) > t->seq) {	/* (J6) */
			info->revoked++;
			continue;
		}
		info->blocks++;
		if (dry)
			continue;
		err = log_read(j, tag->pos, j->buf);
		if (!err && (tag->flags & VX_JT_ESCAPED))
			vx_put32(j->buf, VX_JOURNAL_MAGIC);
		if (!err)	/* (J2) only validated transactions get here */
			err = vx_io_write(j->io, tag->home * j->bsize, j->buf,
					  j->bsize);
		if (err)
			return err;
	}
	return 0;
}

int vx_journal_recover(struct vx_journal *j, unsigned flags,
		       struct vx_jrecovery *info)
{
	bool dry = flags & VX_RECOVER_DRY_RUN;
	struct vx_jrecovery local;
	struct scan s = { 0 };
	uint64_t pos = j->js.tail, seq = j->next_seq, scanned = 0;
	int err = 0, r;

	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	while (j->js.tail) {				/* pass 1 (J3) */
		r = scan_txn(j, &s, pos, seq, cap(j) - 1 - scanned);
		if (r == 1)
			break;
		if (r < 0) {
			info->discarded_seq = seq;
			info->discard_reason = r;
			if (r == -EIO || r == -ENOMEM)
				err = r;	/* reported after the replay */
			break;
		}
		scanned += s.txns[s.ntxns - 1].len;
		for (uint64_t i = 0; i < s.txns[s.ntxns - 1].len; i++)
			pos = next_pos(j, pos);
		seq++;
	}
	if (s.nrevs)					/* pass 2 */
		qsort(s.revs, s.nrevs, sizeof(*s.revs), cmp_rev);
	for (size_t i = 0; i < s.ntxns; i++) {		/* pass 3 */
		int e = replay_txn(j, &s, &s.txns[i], dry, info);

		if (e) {
			err = e;
			break;
		}
		if (!info->first_seq)
			info->first_seq = s.txns[i].seq;
		info->last_seq = s.txns[i].seq;
		info->txns++;
	}
	info->next_seq = seq;
	if (!dry && !err && j->js.tail) {		/* (J4) */
		err = vx_io_flush(j->io);
		if (!err)
			err = write_jsuper(j, 0, seq);
		if (!err)
			err = vx_io_flush(j->io);
	}
	if (!dry && !err) {
		j->head = 1;
		j->head_known = true;
		j->next_seq = seq;
	}
	free(s.txns);
	free(s.tags);
	free(s.revs);
	return err;
}

int vx_journal_checkpoint(struct vx_journal *j, struct vx_jrecovery *info)
{
	return vx_journal_recover(j, 0, info);
}

/* ---- commit ---- */

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

/* write one sealed header block or one logged block, chaining the crc */
static int put_block(struct vx_journal *j, uint64_t *pos, const uint8_t *b,
		     uint32_t *crc)
{
	int err = log_write(j, *pos, b);

	if (!err) {
		*crc = vx_crc32c(*crc, b, j->bsize);
		*pos = next_pos(j, *pos);
	}
	return err;
}

static int write_descs(struct vx_journal *j, const struct vx_jtxn *t,
		       uint64_t seq, uint64_t *pos, uint32_t *crc)
{
	uint64_t tpd = (j->bsize - VX_JDESC_HDR) / VX_JTAG_SIZE;
	int err = 0;

	for (uint64_t i = 0; i < t->nblocks && !err; i += tpd) {
		uint64_t n = t->nblocks - i < tpd ? t->nblocks - i : tpd;

		jhdr_init(j, j->buf, VX_JB_DESC, *pos, seq);
		vx_put32(j->buf + 48, (uint32_t)n);
		for (uint64_t k = 0; k < n; k++) {
			const uint8_t *d = t->data[i + k];
			uint8_t *tag = j->buf + VX_JDESC_HDR + k * VX_JTAG_SIZE;
			bool esc = needs_escape(d);

			vx_put64(tag, t->home[i + k]);
			vx_put32(tag + 8, esc ? VX_JT_ESCAPED : 0);
			vx_put32(tag + 12, stored_crc(j, d, esc));
		}
		jhdr_seal(j, j->buf);
		err = put_block(j, pos, j->buf, crc);
		for (uint64_t k = 0; k < n && !err; k++) {
			memcpy(j->buf2, t->data[i + k], j->bsize);
			if (needs_escape(j->buf2))
				vx_put32(j->buf2, 0);
			err = put_block(j, pos, j->buf2, crc);
		}
	}
	return err;
}

static int write_revokes(struct vx_journal *j, const struct vx_jtxn *t,
			 uint64_t seq, uint64_t *pos, uint32_t *crc)
{
	uint64_t rpb = (j->bsize - VX_JDESC_HDR) / 8;
	int err = 0;

	for (uint64_t i = 0; i < t->nrevoke && !err; i += rpb) {
		uint64_t n = t->nrevoke - i < rpb ? t->nrevoke - i : rpb;

		jhdr_init(j, j->buf, VX_JB_REVOKE, *pos, seq);
		vx_put32(j->buf + 48, (uint32_t)n);
		for (uint64_t k = 0; k < n; k++)
			vx_put64(j->buf + VX_JDESC_HDR + k * 8, t->revoke[i + k]);
		jhdr_seal(j, j->buf);
		err = put_block(j, pos, j->buf, crc);
	}
	return err;
}

static uint64_t txn_blocks(const struct vx_journal *j, const struct vx_jtxn *t)
{
	uint64_t tpd = (j->bsize - VX_JDESC_HDR) / VX_JTAG_SIZE;
	uint64_t rpb = (j->bsize - VX_JDESC_HDR) / 8;

	return (t->nblocks + tpd - 1) / tpd + t->nblocks +
	       (t->nrevoke + rpb - 1) / rpb + 1;
}

int vx_journal_commit(struct vx_journal *j, const struct vx_jtxn *t,
		      uint64_t *seq_out)
{
	uint64_t total = txn_blocks(j, t), pos, pos0, seq;
	struct timespec now;
	uint32_t crc = 0;
	int err = 0;

	if (total > cap(j) - 1)
		return VX_ETXNFULL;	/* nothing written */
	for (uint64_t i = 0; i < t->nblocks; i++)
		if (!home_ok(j, t->home[i]))
			return -EINVAL;
	for (uint64_t i = 0; i < t->nrevoke; i++)
		if (t->revoke[i] >= j->fs_blocks)
			return -EINVAL;
	/* a log not scanned since open, or without room: make it empty */
	if (!j->head_known || (j->js.tail && used(j) + total > cap(j) - 1))
		err = vx_journal_checkpoint(j, NULL);
	if (err)
		return err;
	seq = j->next_seq;
	pos = pos0 = j->js.tail ? j->head : 1;
	err = write_descs(j, t, seq, &pos, &crc);
	if (!err)
		err = write_revokes(j, t, seq, &pos, &crc);
	if (!err) {
		clock_gettime(CLOCK_REALTIME, &now);
		jhdr_init(j, j->buf, VX_JB_COMMIT, pos, seq);
		vx_put32(j->buf + 48, (uint32_t)(total - 1));
		vx_put32(j->buf + 52, crc);
		vx_put64(j->buf + 56, (uint64_t)now.tv_sec);
		vx_put32(j->buf + 64, (uint32_t)now.tv_nsec);
		jhdr_seal(j, j->buf);
		err = log_write(j, pos, j->buf);
		pos = next_pos(j, pos);
	}
	/* an empty log must say where it now starts, in the same flush */
	if (!err && !j->js.tail)
		err = write_jsuper(j, pos0, seq);
	if (!err)
		err = vx_io_flush(j->io);	/* (J1) durable before success */
	if (err) {
		j->head_known = false;	/* what reached the disk is unknown */
		return err;
	}
	j->head = pos;
	j->next_seq = seq + 1;		/* (J5) */
	if (seq_out)
		*seq_out = seq;
	return 0;
}
