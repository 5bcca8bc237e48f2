/*
 * journal_scan.c: a read-only walk of the log for inspection tools
 * (vx_journal_scan, behind debugfs.vexfs logdump).
 *
 * Format and invariants (J1)-(J8): include/vexfs/journal.h.  The scan
 * owns only its buffers; it reads the log and, with VX_JSCAN_DATA, the
 * data runs that data tags name.  Three passes:
 *   live    parse the log from the tail as recovery's scan does (same
 *           checks, order and block budget as journal_recover.c's
 *           scan_txn), keeping where each valid transaction is and, for
 *           (J7), its data tags and revoke ranges; then check the last
 *           batch's data as recovery does.  Nothing is reported yet:
 *           (J7) may still discard the newest transactions.
 *   report  parse each live transaction again and hand it to the
 *           caller, then the one that failed.  The tags, revokes and op
 *           records of one transaction are held at a time.
 *   rest    (VX_JSCAN_ALL) the log blocks the live log did not cover,
 *           in circle order: each journal block of this filesystem met
 *           there starts a transaction (or fragment), parsed with its
 *           own sequence number.
 *
 *  (S1) the scan never writes or flushes: jl_read and jl_data_crc only.
 *  (S2) parse_txn applies recovery's checks in recovery's order; the
 *       first that fails decides state, error and bad_pos.  It reads on
 *       past a failed crc or field range only to show more, never to
 *       change the verdict: COMMITTED is what recovery would replay
 *       (with VX_JSCAN_DATA; without it (J7) is not applied).
 *  (S3) a parse reads at most its budget of blocks: the live log, as in
 *       recovery, the log's capacity; the rest pass only blocks no
 *       reported transaction covers.  No log block belongs to two
 *       reported transactions, each is read a bounded number of times,
 *       and memory is bounded by the region's size.  Data runs are read
 *       for (J7) as recovery reads them, and for crc_ok up to as many
 *       blocks as the filesystem has.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "journal_int.h"

/* a data tag of a live transaction, kept for (J7) */
struct ltag {
	vx_blk_t home;
	uint32_t count, crc;
	uint64_t desc;			/* log block of its descriptor */
	int match;			/* -1 not read yet, else 0 or 1 */
};

/* a revoke range of a live transaction, kept for (J7) */
struct lrev {
	vx_blk_t blk;
	uint64_t count, seq;
};

/* a transaction of the live log as the live pass found it */
struct ltxn {
	uint64_t seq, pos, len, limit, batch;
	size_t tag0, ntags;		/* slice of jscan.ltags */
};

struct jscan {
	struct vx_journal *j;
	bool read_data;			/* parse_txn checks data runs */
	uint64_t data_left;		/* data blocks it may still read */
	uint8_t *blk;
	int ioerr;			/* the first read error met */
	/* the transaction parse_txn read last */
	struct vx_jscan_txn t;
	struct vx_jscan_tag *tags;
	size_t ctags;
	vx_blk_t *revs;
	size_t crevs;			/* in vx_blk_t, two per range */
	uint8_t *ops;
	size_t cops;
	/* the live log: valid transactions, then the one that failed */
	struct ltxn *live;
	size_t nlive, clive;
	struct ltag *ltags;
	size_t nltags, cltags;
	struct lrev *lrevs;
	size_t nlrevs, clrevs;
	bool failed;
	struct ltxn ftxn;		/* the one that failed, */
	int ferr;			/* its error */
	uint64_t fpos;			/* and bad_pos */
};

static uint64_t advance(const struct vx_journal *j, uint64_t pos, uint64_t n)
{
	return (pos - 1 + n) % jl_cap(j) + 1;
}

/* (S2) the first failure decides */
static void fail(struct jscan *s, int state, int err, uint64_t pos)
{
	if (s->t.error)
		return;
	s->t.state = state;
	s->t.error = err;
	s->t.bad_pos = pos;
}

static void read_fail(struct jscan *s, int err, uint64_t pos)
{
	if (!s->ioerr)
		s->ioerr = err;
	fail(s, VX_JSCAN_PARTIAL, err, pos);
}

/* recovery's check of one tag (journal_recover.c, scan_desc) */
static bool tag_ok(const struct vx_journal *j, const struct vx_jscan_tag *t)
{
	if (t->flags & VX_JT_DATA)
		return !(t->flags & 0xFFFC) && jl_home_ok(j, t->home) &&
		       jl_home_ok(j, t->home + t->count - 1);
	return jl_home_ok(j, t->home) && !(t->flags & ~VX_JT_ESCAPED);
}

/* crc_ok of the data tags [first, first + n): the runs as they are now,
 * as long as the scan has read fewer data blocks than the filesystem
 * holds (S3: a hostile log could name its runs again and again) */
static void check_runs(struct jscan *s, size_t first, size_t n)
{
	for (size_t i = first; s->read_data && i < first + n; i++) {
		struct vx_jscan_tag *tag = &s->tags[i];
		uint32_t crc;
		int err = 0;

		if (!(tag->flags & VX_JT_DATA) || !tag_ok(s->j, tag) ||
		    tag->count > s->data_left)
			continue;
		s->data_left -= tag->count;
		if (!(err = jl_data_crc(s->j, tag->home, tag->count, &crc)))
			tag->crc_ok = crc == tag->crc;
		if (err && !s->ioerr)
			s->ioerr = err;
	}
}

/* a descriptor, in s->blk at @dpos: its tags, then the logged blocks of
 * its metadata tags.  0: go on; 1: stop (failed); -ENOMEM */
static int parse_desc(struct jscan *s, uint64_t dpos, uint64_t *pos,
		      uint64_t *k, uint64_t limit, uint32_t *crc)
{
	struct vx_journal *j = s->j;
	uint32_t n = vx_get32(s->blk + 48);
	size_t first = s->t.ntags;

	s->t.nblocks_desc++;
	if (n == 0 || n > (j->bsize - VX_JDESC_HDR) / VX_JTAG_SIZE) {
		fail(s, VX_JSCAN_INVALID, VX_ECORRUPT, dpos);
		return 1;
	}
	if (vx_grow((void **)&s->tags, &s->ctags, first + n, sizeof(*s->tags)))
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *b = s->blk + VX_JDESC_HDR + i * VX_JTAG_SIZE;
		struct vx_jscan_tag *tag = &s->tags[first + i];

		*tag = (struct vx_jscan_tag){ .home = vx_get64(b),
			.flags = vx_get32(b + 8), .crc = vx_get32(b + 12),
			.count = 1, .crc_ok = -1, .desc = dpos };
		if (tag->flags & VX_JT_DATA)
			tag->count = (tag->flags >> 16) + 1;
		if (!tag_ok(j, tag))	/* every tag before any block */
			fail(s, VX_JSCAN_INVALID, VX_ECORRUPT, dpos);
	}
	s->t.ntags = first + n;
	for (uint32_t i = 0; i < n; i++) {
		struct vx_jscan_tag *tag = &s->tags[first + i];
		int err;

		if (tag->flags & VX_JT_DATA)
			continue;		/* written in place (J7) */
		if (*k >= limit) {
			fail(s, VX_JSCAN_PARTIAL, VX_ECORRUPT, *pos);
			return 1;
		}
		if ((err = jl_read(j, *pos, s->blk))) {
			read_fail(s, err, *pos);
			return 1;
		}
		tag->pos = *pos;
		tag->crc_ok = vx_crc32c(0, s->blk, j->bsize) == tag->crc;
		if (!tag->crc_ok)	/* torn or stale copy */
			fail(s, VX_JSCAN_INVALID, VX_EBADCRC, *pos);
		*crc = vx_crc32c(*crc, s->blk, j->bsize);
		*pos = jl_next(j, *pos);
		(*k)++;
	}
	check_runs(s, first, n);
	return 0;
}

static int parse_revoke(struct jscan *s, uint64_t bpos)
{
	struct vx_journal *j = s->j;
	uint32_t n = vx_get32(s->blk + 48);

	s->t.nblocks_revoke++;
	if (n > (j->bsize - VX_JDESC_HDR) / 16) {
		fail(s, VX_JSCAN_INVALID, VX_ECORRUPT, bpos);
		return 1;
	}
	if (vx_grow((void **)&s->revs, &s->crevs, 2 * (s->t.nrevoke + n),
		    sizeof(*s->revs)))
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		vx_blk_t blk = vx_get64(s->blk + VX_JDESC_HDR + i * 16);
		uint64_t cnt = vx_get64(s->blk + VX_JDESC_HDR + i * 16 + 8);

		if (!cnt || blk >= j->fs_blocks || cnt > j->fs_blocks - blk)
			fail(s, VX_JSCAN_INVALID, VX_ECORRUPT, bpos);
		s->revs[2 * s->t.nrevoke] = blk;
		s->revs[2 * s->t.nrevoke + 1] = cnt;
		s->t.nrevoke++;
	}
	return 0;
}

/* an op record block: the records must tile the bytes it says it uses;
 * the caller gets the well-formed records before any flaw */
static int parse_ops(struct jscan *s, uint64_t bpos)
{
	const uint8_t *b = s->blk + VX_JDESC_HDR;
	uint32_t n = vx_get32(s->blk + 48), len = vx_get32(s->blk + 52);
	uint32_t off = 0, k = 0;

	s->t.nblocks_ops++;
	if (len > s->j->bsize - VX_JDESC_HDR) {
		fail(s, VX_JSCAN_INVALID, VX_ECORRUPT, bpos);
		return 1;
	}
	while (off < len) {
		uint32_t rl = vx_get16(b + off + 2);

		if (rl < 8 || rl % 8 || off + rl > len)
			break;
		off += rl;
		k++;
	}
	if (off != len || k != n)
		fail(s, VX_JSCAN_INVALID, VX_ECORRUPT, bpos);
	if (vx_grow((void **)&s->ops, &s->cops, s->t.ops_len + off + 1, 1))
		return -ENOMEM;
	memcpy(s->ops + s->t.ops_len, b, off);
	s->t.ops_len += off;
	return 0;
}

/* the commit block in s->blk at @pos, after @k blocks of crc @crc */
static void parse_commit(struct jscan *s, uint64_t pos, uint64_t k,
			 uint32_t crc)
{
	const uint8_t *b = s->blk;

	s->t.commit_pos = pos;
	s->t.commit_blocks = vx_get32(b + 48);
	s->t.commit_crc = vx_get32(b + 52);
	s->t.time_sec = (int64_t)vx_get64(b + 56);
	s->t.time_nsec = vx_get32(b + 64);
	s->t.batch = vx_get64(b + 72);
	if (s->t.commit_blocks != k || s->t.batch > s->t.seq)
		fail(s, VX_JSCAN_INVALID, VX_ECORRUPT, pos);
	else if (s->t.commit_crc != crc)
		fail(s, VX_JSCAN_INVALID, VX_EBADCRC, pos);
}

/* parse the transaction @seq at @pos into s->t, reading at most @limit
 * log blocks (S2, S3).  0: parsed, s->t.state says how it ended; 1: no
 * block of transaction @seq at @pos (the end of the log); -ENOMEM */
static int parse_txn(struct jscan *s, uint64_t pos, uint64_t seq,
		     uint64_t limit)
{
	struct vx_journal *j = s->j;
	uint64_t k = 0;
	uint32_t crc = 0;
	int r = 0;

	memset(&s->t, 0, sizeof(s->t));
	s->t.seq = seq;
	s->t.pos = pos;
	if (limit == 0)
		return 1;	/* the log is full up to here: its end */
	while (r == 0) {
		uint64_t bpos = pos;
		uint16_t type;
		int h;

		if (k >= limit) {
			fail(s, VX_JSCAN_PARTIAL, VX_ECORRUPT, pos);
			break;
		}
		if ((h = jl_read(j, pos, s->blk))) {
			read_fail(s, h, pos);
			break;
		}
		h = jl_hdr_check(j, s->blk, pos, seq);
		if (h == 1 && k == 0)
			return 1;
		if (h == 1) {	/* (J5) not ours: this one is missing */
			fail(s, VX_JSCAN_PARTIAL, VX_ECORRUPT, pos);
			break;
		}
		s->t.len = k + 1;
		if (h) {
			fail(s, VX_JSCAN_INVALID, h, pos);	/* torn */
			break;
		}
		type = vx_get16(s->blk + 4);
		if (type == VX_JB_COMMIT) {
			parse_commit(s, pos, k, crc);
			break;
		}
		crc = vx_crc32c(crc, s->blk, j->bsize);
		pos = jl_next(j, pos);
		k++;
		if (type == VX_JB_DESC)
			r = parse_desc(s, bpos, &pos, &k, limit, &crc);
		else if (type == VX_JB_REVOKE)
			r = parse_revoke(s, bpos);
		else if (type == VX_JB_OPS)
			r = parse_ops(s, bpos);
		else
			fail(s, VX_JSCAN_INVALID, VX_ECORRUPT, bpos), r = 1;
		s->t.len = k;
	}
	if (r < 0)
		return r;
	s->t.computed_crc = crc;
	if (!s->t.error)	/* only a sound commit ends without one */
		s->t.state = VX_JSCAN_COMMITTED;
	return 0;
}

/* keep a valid live transaction (in s->t) and, for (J7), its data tags
 * and revoke ranges */
static int keep_live(struct jscan *s, struct ltxn *lt, bool data)
{
	lt->tag0 = s->nltags;
	for (size_t i = 0; data && i < s->t.ntags; i++) {
		const struct vx_jscan_tag *tag = &s->tags[i];

		if (!(tag->flags & VX_JT_DATA))
			continue;
		if (vx_grow((void **)&s->ltags, &s->cltags, s->nltags + 1,
			    sizeof(*s->ltags)))
			return -ENOMEM;
		s->ltags[s->nltags++] = (struct ltag){ .home = tag->home,
			.count = tag->count, .crc = tag->crc,
			.desc = tag->desc, .match = -1 };
	}
	lt->ntags = s->nltags - lt->tag0;
	for (size_t i = 0; data && i < s->t.nrevoke; i++) {
		if (vx_grow((void **)&s->lrevs, &s->clrevs, s->nlrevs + 1,
			    sizeof(*s->lrevs)))
			return -ENOMEM;
		s->lrevs[s->nlrevs++] = (struct lrev){ .blk = s->revs[2 * i],
			.count = s->revs[2 * i + 1], .seq = lt->seq };
	}
	if (vx_grow((void **)&s->live, &s->clive, s->nlive + 1,
		    sizeof(*s->live)))
		return -ENOMEM;
	s->live[s->nlive++] = *lt;
	return 0;
}

/* pass 1: the live log from the tail, as recovery's scan reads it (J3);
 * *@next: the sequence number after the last valid transaction */
static int live_pass(struct jscan *s, bool data, uint64_t *next)
{
	struct vx_journal *j = s->j;
	uint64_t pos = j->js.tail, seq = j->js.first_seq, scanned = 0;

	while (j->js.tail) {
		struct ltxn lt = { .seq = seq, .pos = pos,
				   .limit = jl_cap(j) - 1 - scanned };
		int r = parse_txn(s, pos, seq, lt.limit);

		if (r == 1)
			break;
		if (r < 0)
			return r;
		lt.len = s->t.len;
		lt.batch = s->t.batch;
		if (s->t.state != VX_JSCAN_COMMITTED) {
			s->failed = true;
			s->ftxn = lt;
			s->ferr = s->t.error;
			s->fpos = s->t.bad_pos;
			break;
		}
		if ((r = keep_live(s, &lt, data)))
			return r;
		scanned += lt.len;
		pos = advance(j, pos, lt.len);
		seq++;
	}
	*next = j->js.tail ? seq : j->next_seq;
	return 0;
}

/* a revoke by a transaction after @seq, up to @last, holds a block of
 * the run (recovery's revoked_by over the run, J6) */
static bool run_revoked(const struct jscan *s, const struct ltag *g,
			uint64_t seq, uint64_t last)
{
	for (size_t i = 0; i < s->nlrevs; i++) {
		const struct lrev *r = &s->lrevs[i];

		if (r->seq > seq && r->seq <= last && r->blk < g->home + g->count &&
		    g->home < r->blk + r->count)
			return true;
	}
	return false;
}

/* (J7) as recovery applies it: the first transaction of the last batch
 * whose data does not match is discarded with every later one, and the
 * batch then last is checked in turn.  Returns how many transactions
 * stay (*bad: the data tag that failed the first discarded one) or a
 * read error.  Each run is read once. */
static long check_batches(struct jscan *s, const struct ltag **bad)
{
	size_t n = s->nlive;

	*bad = NULL;
	while (n) {
		uint64_t batch = s->live[n - 1].batch, last = s->live[n - 1].seq;
		size_t cut = n;

		for (size_t i = 0; i < n && cut == n; i++) {
			const struct ltxn *t = &s->live[i];

			for (size_t k = t->tag0; t->seq >= batch &&
			     k < t->tag0 + t->ntags; k++) {
				struct ltag *g = &s->ltags[k];
				uint32_t crc;
				int err;

				if (run_revoked(s, g, t->seq, last))
					continue;
				if (g->match < 0) {
					err = jl_data_crc(s->j, g->home,
							  g->count, &crc);
					if (err)
						return err;
					g->match = crc == g->crc;
				}
				if (!g->match) {
					cut = i;
					*bad = g;
					break;
				}
			}
		}
		if (cut == n)
			break;
		n = cut;
	}
	return (long)n;
}

static void fill_info(struct jscan *s, struct vx_jscan_info *info, size_t n,
		      const struct ltag *bad, uint64_t seq)
{
	struct vx_journal *j = s->j;
	uint64_t head = j->js.tail;

	for (size_t i = 0; i < n; i++)
		head = advance(j, head, s->live[i].len);
	info->tail = j->js.tail;
	info->first_seq = j->js.first_seq;
	info->head = head;
	info->live = n;
	if (bad) {
		info->stop_reason = VX_EBADCRC;
		info->stop_seq = s->live[n].seq;
		info->stop_pos = bad->desc;
	} else if (s->failed) {
		info->stop_reason = s->ferr;
		info->stop_seq = s->ftxn.seq;
		info->stop_pos = s->fpos;
	} else {
		info->stop_seq = seq;
		info->stop_pos = head;
	}
	/* as recovery: numbering goes on past a discarded one (J5) */
	info->next_seq = info->stop_reason && info->stop_seq ? seq + 1 : seq;
	if (info->next_seq < j->next_seq)
		info->next_seq = j->next_seq;
}

static int deliver(struct jscan *s, uint64_t from_seq, vx_jscan_fn fn,
		   void *ctx)
{
	if (s->t.seq < from_seq)
		return 0;
	s->t.tags = s->tags;
	s->t.revoke = s->revs;
	s->t.ops = s->ops;
	return fn(ctx, &s->t);
}

/* pass 2: the @n committed transactions, then the one that failed;
 * *@covered: the log blocks they take */
static int report_live(struct jscan *s, size_t n, const struct ltag *bad,
		       uint64_t from_seq, vx_jscan_fn fn, void *ctx,
		       uint64_t *covered)
{
	for (size_t i = 0; i <= n; i++) {
		const struct ltxn *lt = i < n || bad ? &s->live[i] : &s->ftxn;
		int r;

		if (i == n && !bad && !s->failed)
			break;
		*covered += lt->len;
		r = parse_txn(s, lt->pos, lt->seq, lt->limit);
		if (r < 0)
			return r;
		if (r == 1)
			continue;	/* the log changed under the scan */
		if (i == n && bad) {	/* (J7) its data does not match */
			s->t.state = VX_JSCAN_INVALID;
			s->t.error = VX_EBADCRC;
			s->t.bad_pos = bad->desc;
		}
		if ((r = deliver(s, from_seq, fn, ctx)))
			return r;
	}
	return 0;
}

/* pass 3 (VX_JSCAN_ALL): the @n log blocks from @pos no reported
 * transaction covers; valid ones numbered below @base are older than
 * the live log */
static int walk_rest(struct jscan *s, uint64_t pos, uint64_t n, uint64_t base,
		     uint64_t from_seq, vx_jscan_fn fn, void *ctx)
{
	struct vx_journal *j = s->j;

	while (n) {
		uint64_t used = 1;
		int r = jl_read(j, pos, s->blk);

		if (r && !s->ioerr)
			s->ioerr = r;
		if (!r && vx_get32(s->blk) == VX_JOURNAL_MAGIC &&
		    vx_get64(s->blk + 16) == j->start + pos &&
		    !memcmp(s->blk + 32, j->uuid, 16)) {
			r = parse_txn(s, pos, vx_get64(s->blk + 24), n);
			if (r < 0)
				return r;
			if (r == 0 && s->t.len > used)
				used = s->t.len;	/* (S3) never over n */
			if (r == 0 && s->t.state == VX_JSCAN_COMMITTED)
				s->t.state = s->t.seq < base ?
					     VX_JSCAN_CHECKPOINTED :
					     VX_JSCAN_DISCARDED;
			if (r == 0 && (r = deliver(s, from_seq, fn, ctx)))
				return r;
		}
		pos = advance(j, pos, used);
		n -= used;
	}
	return 0;
}

int vx_journal_scan(struct vx_journal *j, unsigned flags, uint64_t from_seq,
		    vx_jscan_fn fn, void *ctx, struct vx_jscan_info *info)
{
	bool data = flags & VX_JSCAN_DATA;
	struct jscan s = { .j = j };
	struct vx_jscan_info local;
	const struct ltag *bad = NULL;
	uint64_t seq, covered = 0;
	long n;
	int err;

	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	s.blk = malloc(j->bsize);
	err = s.blk ? live_pass(&s, data, &seq) : -ENOMEM;
	n = err ? err : (long)s.nlive;
	if (!err && data)
		n = check_batches(&s, &bad);		/* (J7) */
	if (n < 0) {
		err = (int)n;
		goto out;
	}
	fill_info(&s, info, (size_t)n, bad, seq);
	s.read_data = data;
	s.data_left = j->fs_blocks;
	err = report_live(&s, (size_t)n, bad, from_seq, fn, ctx, &covered);
	if (!err && (flags & VX_JSCAN_ALL) && j->js.tail)
		err = walk_rest(&s, advance(j, j->js.tail, covered),
				jl_cap(j) - covered, j->js.first_seq,
				from_seq, fn, ctx);
	else if (!err && (flags & VX_JSCAN_ALL))	/* an empty log */
		err = walk_rest(&s, 1, jl_cap(j), j->next_seq, from_seq, fn,
				ctx);
	if (!err)
		err = s.ioerr;	/* like recovery: the first, at the end */
out:
	free(s.blk);
	free(s.tags);
	free(s.revs);
	free(s.ops);
	free(s.live);
	free(s.ltags);
	free(s.lrevs);
	return err;
}

const char *vx_jscan_state_name(int state)
{
	static const char *const names[] = { "?", "committed",
		"checkpointed", "discarded", "partial", "invalid" };

	return state >= 1 && state <= VX_JSCAN_INVALID ? names[state] : "?";
}
