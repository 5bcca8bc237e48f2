/*
 * journal_recover.c: recovery and checkpoint of the write-ahead log.
 *
 * Recovery, in three passes over the log from its tail:
 *   scan    parse and validate whole transactions (every header, tag
 *           crc, the commit's count and crc over the transaction) in
 *           sequence order; stop at the first that is not complete (J3);
 *           then check the file data the last batch names (J7)
 *   revoke  collect, for every revoked block, the newest transaction
 *           that revoked it (J6)
 *   replay  write each logged block of each valid transaction home,
 *           unless revoked by a newer one; flush; only then mark the log
 *           empty in the journal superblock and flush again (J4)
 * One replay implementation serves recovery and checkpoint: a checkpoint
 * is a recovery of a journal known to be consistent.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "journal_int.h"

struct jtag {
	vx_blk_t home;
	uint64_t pos;			/* log position of the logged copy */
	uint32_t flags;
	uint32_t crc;
	bool newer;			/* a later valid tag logs this home */
};

struct jtxn {
	uint64_t seq, pos, len, batch;
	size_t tag0, ntags;		/* slice of scan.tags */
	size_t rev0, nrev;		/* slice of scan.revs */
	uint64_t ops;
};

struct jrev {
	vx_blk_t blk;
	uint64_t count;
	uint64_t seq;
};

struct scan {
	struct jtxn *txns;
	size_t ntxns, ctxns;
	struct jtag *tags;
	size_t ntags, ctags;
	struct jrev *revs;
	size_t nrevs, crevs;
	uint64_t ops;			/* op records of the txn being read */
};

static uint32_t data_count(uint32_t flags)
{
	return (flags >> 16) + 1;
}

/* ---- pass 1: scan ---- */

/* read the logged blocks of the metadata tags a descriptor announced,
 * checking each tag's crc and chaining the transaction crc */
static int scan_data(struct vx_journal *j, struct jtag *tags, size_t n,
		     uint64_t *pos, uint64_t *k, uint64_t limit, uint32_t *crc)
{
	for (size_t i = 0; i < n; i++) {
		int err;

		if (tags[i].flags & VX_JT_DATA)
			continue;		/* written in place (J7) */
		if (*k >= limit)
			return VX_ECORRUPT;
		err = jl_read(j, *pos, j->buf);
		if (err)
			return err;
		if (vx_crc32c(0, j->buf, j->bsize) != tags[i].crc)
			return VX_EBADCRC;	/* torn or stale copy */
		*crc = vx_crc32c(*crc, j->buf, j->bsize);
		tags[i].pos = *pos;
		*pos = jl_next(j, *pos);
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
	if (vx_grow((void **)&s->tags, &s->ctags, s->ntags + n, sizeof(*s->tags)))
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *t = b + VX_JDESC_HDR + i * VX_JTAG_SIZE;
		struct jtag *tag = &s->tags[s->ntags++];
		bool ok;

		tag->home = vx_get64(t);
		tag->flags = vx_get32(t + 8);
		tag->crc = vx_get32(t + 12);
		tag->pos = 0;
		if (tag->flags & VX_JT_DATA)
			ok = !(tag->flags & 0xFFFC) &&
			     jl_home_ok(j, tag->home) &&
			     jl_home_ok(j, tag->home + data_count(tag->flags) - 1);
		else
			ok = jl_home_ok(j, tag->home) &&
			     !(tag->flags & ~VX_JT_ESCAPED);
		if (!ok)
			return VX_ECORRUPT;
	}
	return scan_data(j, s->tags + first, n, pos, k, limit, crc);
}

static int scan_revoke(struct vx_journal *j, struct scan *s, uint64_t seq)
{
	const uint8_t *b = j->buf;
	uint32_t n = vx_get32(b + 48);

	if (n > (j->bsize - VX_JDESC_HDR) / 16)
		return VX_ECORRUPT;
	for (uint32_t i = 0; i < n; i++) {
		vx_blk_t blk = vx_get64(b + VX_JDESC_HDR + i * 16);
		uint64_t cnt = vx_get64(b + VX_JDESC_HDR + i * 16 + 8);

		if (!cnt || blk >= j->fs_blocks || cnt > j->fs_blocks - blk)
			return VX_ECORRUPT;
		if (vx_grow((void **)&s->revs, &s->crevs, s->nrevs + 1,
			    sizeof(*s->revs)))
			return -ENOMEM;
		s->revs[s->nrevs++] = (struct jrev){ .blk = blk, .count = cnt,
						     .seq = seq };
	}
	return 0;
}

/* an op record block: the records must tile the bytes it says it uses */
static int scan_ops(struct vx_journal *j, struct scan *s)
{
	const uint8_t *b = j->buf;
	uint32_t n = vx_get32(b + 48), len = vx_get32(b + 52), off = 0, k = 0;

	if (len > j->bsize - VX_JDESC_HDR)
		return VX_ECORRUPT;
	while (off < len) {
		uint32_t rl = vx_get16(b + VX_JDESC_HDR + off + 2);
		if (rl < 8 || rl % 8 || off + rl > len)
			return VX_ECORRUPT;
		off += rl;
		k++;
	}
	if (k != n)
		return VX_ECORRUPT;
	s->ops += n;
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

	s->ops = 0;
	if (limit == 0)
		return 1;	/* the log is full up to here: its end */
	for (;;) {
		int h;
		uint16_t type;

		err = k >= limit ? VX_ECORRUPT : jl_read(j, pos, j->buf);
		if (err)
			break;
		h = jl_hdr_check(j, j->buf, pos, seq);
		if (h == 1 && k == 0)
			return 1;
		if (h) {
			err = h == 1 ? VX_ECORRUPT : h;	/* missing or torn */
			break;
		}
		type = vx_get16(j->buf + 4);
		if (type == VX_JB_COMMIT) {
			uint64_t batch = vx_get64(j->buf + 72);

			if (vx_get32(j->buf + 48) != k || batch > seq)
				err = VX_ECORRUPT;
			else if (vx_get32(j->buf + 52) != crc)
				err = VX_EBADCRC;
			if (err)
				break;
			if (vx_grow((void **)&s->txns, &s->ctxns, s->ntxns + 1,
				    sizeof(*s->txns))) {
				err = -ENOMEM;
				break;
			}
			s->txns[s->ntxns++] = (struct jtxn){
				.seq = seq, .pos = pos0, .len = k + 1,
				.batch = batch, .ops = s->ops,
				.tag0 = tag0, .ntags = s->ntags - tag0,
				.rev0 = rev0, .nrev = s->nrevs - rev0 };
			return 0;
		}
		crc = vx_crc32c(crc, j->buf, j->bsize);
		pos = jl_next(j, pos);
		k++;
		if (type == VX_JB_DESC)
			err = scan_desc(j, s, &pos, &k, limit, &crc);
		else if (type == VX_JB_REVOKE)
			err = scan_revoke(j, s, seq);
		else if (type == VX_JB_OPS)
			err = scan_ops(j, s);
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

/* the newest transaction that revoked @blk, 0 if none (J6) */
static uint64_t revoked_by(const struct scan *s, vx_blk_t blk)
{
	uint64_t seq = 0;

	for (size_t i = 0; i < s->nrevs; i++)
		if (blk >= s->revs[i].blk &&
		    blk - s->revs[i].blk < s->revs[i].count &&
		    s->revs[i].seq > seq)
			seq = s->revs[i].seq;
	return seq;
}

/* keep only the first @n transactions and the revokes they made */
static void cut(struct scan *s, size_t n)
{
	size_t k = 0;
	uint64_t limit = n ? s->txns[n - 1].seq : 0;

	for (size_t i = 0; i < s->nrevs; i++)
		if (s->revs[i].seq <= limit)
			s->revs[k++] = s->revs[i];
	s->nrevs = k;
	s->ntxns = n;
}

/* (J7) the data runs of the last batch: index of the first transaction
 * whose data does not match, s->ntxns if all do; <0 on a read error */
static long check_batch(struct vx_journal *j, const struct scan *s,
			struct vx_jrecovery *info)
{
	uint64_t batch = s->txns[s->ntxns - 1].batch;

	for (size_t i = 0; i < s->ntxns; i++) {
		const struct jtxn *t = &s->txns[i];

		if (t->seq < batch)
			continue;
		for (size_t k = 0; k < t->ntags; k++) {
			const struct jtag *tag = &s->tags[t->tag0 + k];
			uint32_t n = data_count(tag->flags), crc;
			bool skip = false;
			int err;

			if (!(tag->flags & VX_JT_DATA))
				continue;
			for (uint32_t b = 0; b < n && !skip; b++)
				skip = revoked_by(s, tag->home + b) > t->seq;
			if (skip)
				continue;
			err = jl_data_crc(j, tag->home, n, &crc);
			if (err)
				return err;
			info->data_runs++;
			if (crc != tag->crc)
				return (long)i;
		}
	}
	return (long)s->ntxns;
}

/* ---- pass 3: replay ---- */

struct hidx {
	vx_blk_t home;
	size_t i;
};

static int cmp_hidx(const void *a, const void *b)
{
	const struct hidx *x = a, *y = b;

	if (x->home != y->home)
		return x->home < y->home ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* mark the tags a later valid transaction logs again: only the newest
 * image of a block needs writing home (the log replays to the same
 * result, with far fewer writes for blocks every transaction logs) */
static int mark_newer(struct scan *s)
{
	size_t n = s->ntxns ? s->txns[s->ntxns - 1].tag0 +
			      s->txns[s->ntxns - 1].ntags : 0, k = 0;
	struct hidx *h = malloc((n + 1) * sizeof(*h));

	if (!h)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		s->tags[i].newer = false;
		if (!(s->tags[i].flags & VX_JT_DATA))
			h[k++] = (struct hidx){ .home = s->tags[i].home, .i = i };
	}
	qsort(h, k, sizeof(*h), cmp_hidx);
	for (size_t i = 0; i + 1 < k; i++)
		if (h[i].home == h[i + 1].home)
			s->tags[h[i].i].newer = true;
	free(h);
	return 0;
}

static int replay_txn(struct vx_journal *j, const struct scan *s,
		      const struct jtxn *t, bool dry, struct vx_jrecovery *info)
{
	for (size_t i = 0; i < t->ntags; i++) {
		const struct jtag *tag = &s->tags[t->tag0 + i];
		int err;

		if (tag->flags & VX_JT_DATA)
			continue;
		if (revoked_by(s, tag->home) > t->seq) {	/* (J6) */
			info->revoked++;
			continue;
		}
		info->blocks++;
		if (dry || tag->newer)	/* a newer image follows */
			continue;
		err = jl_read(j, tag->pos, j->buf);
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
	uint64_t pos = j->js.tail, scanned = 0;
	/* the oldest live transaction: first_seq (next_seq runs ahead of it
	 * in a log written since the open) */
	uint64_t seq = j->js.tail ? j->js.first_seq : j->next_seq;
	int err = 0, r;

	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	while (j->js.tail) {				/* pass 1 (J3) */
		r = scan_txn(j, &s, pos, seq, jl_cap(j) - 1 - scanned);
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
			pos = jl_next(j, pos);
		seq++;
	}
	/* pass 2: the revoke ranges are looked up as they are (J6) */
	while (s.ntxns) {				/* (J7) */
		long bad = check_batch(j, &s, info);

		if (bad < 0) {
			err = (int)bad;
			cut(&s, 0);
			break;
		}
		if ((size_t)bad == s.ntxns)
			break;
		info->discarded_seq = s.txns[bad].seq;
		info->discard_reason = VX_EBADCRC;
		cut(&s, (size_t)bad);	/* and check again without its revokes */
	}
	if (s.ntxns && mark_newer(&s))
		cut(&s, 0), err = -ENOMEM;	/* nothing replayed */
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
		info->ops += s.txns[i].ops;
	}
	/* numbering goes on past a discarded transaction, so none of its
	 * leftover blocks can pass for the next one (J5) */
	info->next_seq = info->discarded_seq ? seq + 1 : seq;
	if (info->next_seq < j->next_seq)
		info->next_seq = j->next_seq;
	if (!dry && !err && j->js.tail) {		/* (J4) */
		err = vx_io_flush(j->io);
		if (!err)
			err = jl_write_jsuper(j, 0, info->next_seq);
		if (!err)
			err = vx_io_flush(j->io);
	}
	if (!dry && !err)
		jl_emptied(j, info->next_seq);
	free(s.txns);
	free(s.tags);
	free(s.revs);
	return err;
}

struct home {
	vx_blk_t blk;
	int64_t at;
};

static int cmp_home(const void *a, const void *b)
{
	vx_blk_t x = ((const struct home *)a)->blk;
	vx_blk_t y = ((const struct home *)b)->blk;

	return x < y ? -1 : x > y;
}

/* a log this session wrote: its index names the newest image of every
 * block (revoked ones gone); write those home, in block order, without
 * reading the rest of the log back (J2: all of it flushed, J8) */
static int checkpoint_indexed(struct vx_journal *j, struct vx_jrecovery *info)
{
	struct home *h = malloc((j->idx.n + 1) * sizeof(*h));
	size_t n = 0;
	int err = 0;

	if (!h)
		return -ENOMEM;
	for (size_t i = 0; i < j->idx.cap; i++)
		if (j->idx.keys[i] && j->idx.vals[i] >= 0)
			h[n++] = (struct home){ .blk = j->idx.keys[i] - 1,
						.at = j->idx.vals[i] };
	qsort(h, n, sizeof(*h), cmp_home);
	for (size_t i = 0; i < n && !err; i++) {
		err = jl_read(j, (uint64_t)(h[i].at & ~(1ll << 62)), j->buf);
		if (!err && (h[i].at & (1ll << 62)))
			vx_put32(j->buf, VX_JOURNAL_MAGIC);
		if (!err)
			err = vx_io_write(j->io, h[i].blk * j->bsize, j->buf,
					  j->bsize);
	}
	free(h);
	if (!err)		/* (J4) home first, then the empty log */
		err = vx_io_flush(j->io);
	if (!err)
		err = jl_write_jsuper(j, 0, j->next_seq);
	if (!err)
		err = vx_io_flush(j->io);
	if (err) {
		j->head_known = false;	/* recovery will sort it out */
		j->idx_valid = false;
		return err;
	}
	info->blocks = n;
	info->next_seq = j->next_seq;
	jl_emptied(j, j->next_seq);
	return 0;
}

int vx_journal_checkpoint(struct vx_journal *j, struct vx_jrecovery *info)
{
	struct vx_jrecovery local;
	int err;

	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	if (j->js.tail && j->idx_valid && j->head_known) {
		if (j->unflushed && (err = vx_journal_flush(j)))
			return err;
		return checkpoint_indexed(j, info);
	}
	return vx_journal_recover(j, 0, info);
}
