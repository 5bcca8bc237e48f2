/*
 * txn_commit.c: committing an outermost transaction.
 *
 * Commit, under the filesystem lock, turns the transaction into a
 * payload for the journal: an image of every block it changed as the
 * committed state has it (T5), a header image for every group whose
 * counts changed, the data runs it wrote in place with their crcs, its
 * op records, and revoke ranges for the blocks it frees.  It takes the
 * next sequence number and goes onto a lock-free queue (liburcu's
 * wfcqueue) in that order; then its buffers and locks are released.
 *
 * Group commit (writing the queue to the log) is txn_group.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "txn_int.h"
#include "vexfs/journal.h"

struct builder {
	struct vx_fs *fs;
	struct vx_txfam *f;
	struct txpay *p;
	size_t nblocks, cblocks, cdata;
	size_t nruns, cruns;
	size_t nrev, crev;
};

void vx_tx_pay_free(struct txpay *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->jt.nblocks; i++)
		free(p->data[i]);
	free(p->home);
	free(p->data);
	free(p->runs);
	free(p->revoke);
	free(p->ops);
	free(p->frees);
	free(p);
}

static int add_image(struct builder *b, vx_blk_t home, void *img)
{
	struct txpay *p = b->p;

	if (vx_grow((void **)&p->home, &b->cblocks, b->nblocks + 1,
		 sizeof(*p->home)) ||
	    vx_grow((void **)&p->data, &b->cdata, b->nblocks + 1, sizeof(*p->data)))
		return -ENOMEM;
	p->home[b->nblocks] = home;
	p->data[b->nblocks] = img;
	b->nblocks++;
	p->jt.nblocks = b->nblocks;
	return 0;
}

/* is @blk freed by this commit? */
static bool freed_here(const struct txpay *p, vx_blk_t blk)
{
	for (size_t i = 0; i < p->nfrees; i++)
		if (p->frees[i].kind == RB_FREE && blk >= p->frees[i].key &&
		    blk - p->frees[i].key < p->frees[i].count)
			return true;
	return false;
}

static void clear_bits(uint8_t *img, uint64_t first_bit, uint64_t per,
		       uint64_t lo, uint64_t n)
{
	/* bits [lo, lo+n) of the group, clipped to this block's range */
	uint64_t a = lo > first_bit ? lo : first_bit;
	uint64_t z = lo + n < first_bit + per ? lo + n : first_bit + per;

	for (uint64_t bit = a; bit < z; bit++) {
		uint64_t off = bit - first_bit;
		img[VX_MHDR_SIZE + off / 8] &= (uint8_t)~(1u << (off % 8));
	}
}

/* (T5) a bitmap block as committed: others' allocations, and frees that
 * are committed but not yet applied, taken out of the live bits */
static void bitmap_image(struct builder *b, uint8_t *img, uint32_t g,
			 bool inodes, uint64_t idx)
{
	struct vx_fs *fs = b->fs;
	struct vx_txstate *t = fs->tx;
	uint64_t per = fs->bits_per_bitmap, first = idx * per;
	vx_blk_t gstart = fs->groups[g].start;
	uint64_t ipg = fs->sb.inodes_per_group;

	for (struct vx_txfam *o = t->list; o; o = o->next) {
		if (o == b->f)
			continue;
		for (size_t i = 0; i < o->nents; i++) {
			const struct rb_ent *e = &o->ents[i];

			if (!inodes && e->kind == RB_ALLOC &&
			    e->key / fs->sb.group_blocks == g)
				clear_bits(img, first, per, e->key - gstart,
					   e->count);
			else if (inodes && e->kind == RB_IALLOC &&
				 vx_ino_group(fs, e->key) == g)
				clear_bits(img, first, per, (e->key - 1) % ipg, 1);
		}
	}
	for (size_t i = 0; i < t->npend; i++) {
		const struct rb_ent *e = &t->pend[i];

		if (!inodes && e->kind == RB_FREE &&
		    e->key / fs->sb.group_blocks == g)
			clear_bits(img, first, per, e->key - gstart, e->count);
		else if (inodes && e->kind == RB_IFREE &&
			 vx_ino_group(fs, e->key) == g)
			clear_bits(img, first, per, (e->key - 1) % ipg, 1);
	}
}

/* the oldest before-image family @o holds of inode @ino, or NULL */
static const uint8_t *inode_before(const struct vx_txfam *o, vx_ino_t ino)
{
	int64_t i;

	if (!kmap_get(&o->map, K_INODE | ino, &i) || (size_t)i >= o->nents)
		return NULL;
	while (o->ents[i].prev >= 0)
		i = o->ents[i].prev;
	return o->ents[i].image;
}

/* (T5) an inode-table block as committed: slots other running
 * transactions changed go back to their before-images */
static void itable_image(struct builder *b, uint8_t *img, uint32_t g,
			 uint64_t idx)
{
	struct vx_fs *fs = b->fs;
	uint64_t ipb = fs->inodes_per_block;
	vx_ino_t first = (vx_ino_t)g * fs->sb.inodes_per_group + idx * ipb + 1;

	for (struct vx_txfam *o = fs->tx->list; o; o = o->next) {
		if (o == b->f || !o->nents)
			continue;
		for (uint64_t k = 0; k < ipb; k++) {
			const uint8_t *before = inode_before(o, first + k);

			if (before)
				memcpy(img + k * VX_INODE_SIZE, before,
				       VX_INODE_SIZE);
		}
	}
}

static void block_image(struct builder *b, struct vx_buf *buf, uint8_t *img)
{
	struct vx_fs *fs = b->fs;
	uint32_t g = (uint32_t)(buf->blkno / fs->sb.group_blocks);
	struct vx_glayout gl;
	vx_blk_t n = buf->blkno;

	memcpy(img, buf->data, fs->bsize);
	if (g >= fs->sb.group_count)
		return;
	vx_group_layout(&fs->sb, g, &gl);
	if (n >= gl.bbitmap && n < gl.bbitmap + fs->sb.bbitmap_blocks)
		bitmap_image(b, img, g, false, n - gl.bbitmap);
	else if (n >= gl.ibitmap && n < gl.ibitmap + fs->sb.ibitmap_blocks)
		bitmap_image(b, img, g, true, n - gl.ibitmap);
	else if (n >= gl.itable && n < gl.itable + fs->sb.itable_blocks)
		itable_image(b, img, g, n - gl.itable);
}

/* (T5) group @g's header as committed, encoded into @blk */
void vx_tx_group_image(struct vx_fs *fs, uint32_t g, void *blk, uint64_t seq)
{
	struct vx_group grp = fs->groups[g];
	struct gtx *x = fs->tx ? &fs->tx->gtx[g] : NULL;
	struct vx_glayout gl;

	if (x) {
		grp.free_blocks += x->un_blocks + x->pend_blocks;
		grp.free_inodes += x->un_inodes + x->pend_inodes;
		grp.used_dirs -= x->un_dirs + x->pend_dirs;
	}
	vx_group_layout(&fs->sb, g, &gl);
	grp.hdr.type = VX_BT_GROUP;
	grp.hdr.blkno = gl.header;
	grp.hdr.seq = seq;
	memcpy(grp.hdr.uuid, fs->sb.hdr.uuid, 16);
	vx_group_encode(blk, fs->bsize, &grp);
}

void vx_tx_committed_counts(struct vx_fs *fs, uint64_t *blocks,
			    uint64_t *inodes)
{
	*blocks = fs->sb.free_blocks;
	*inodes = fs->sb.free_inodes;
	if (!fs->tx)
		return;
	for (uint32_t g = 0; g < fs->sb.group_count; g++) {
		*blocks += fs->tx->gtx[g].un_blocks + fs->tx->gtx[g].pend_blocks;
		*inodes += fs->tx->gtx[g].un_inodes + fs->tx->gtx[g].pend_inodes;
	}
}

static int cmp_blk(const void *a, const void *b)
{
	vx_blk_t x = *(const vx_blk_t *)a, y = *(const vx_blk_t *)b;

	return x < y ? -1 : x > y;
}

struct dcrc {
	vx_blk_t blk;
	uint32_t crc;
};

static int cmp_dcrc(const void *a, const void *b)
{
	return cmp_blk(&((const struct dcrc *)a)->blk,
		       &((const struct dcrc *)b)->blk);
}

/* data runs written in place, with the crc of their block crcs (J7) */
static int add_runs(struct builder *b)
{
	struct vx_txfam *f = b->f;
	struct dcrc *d = NULL;
	size_t n = 0, cap = 0;
	int err = 0;

	for (size_t i = 0; i < f->nents; i++) {
		if (f->ents[i].kind != RB_DATA ||
		    freed_here(b->p, f->ents[i].key & ~K_DATA))
			continue;
		if (vx_grow((void **)&d, &cap, n + 1, sizeof(*d))) {
			free(d);
			return -ENOMEM;
		}
		d[n++] = (struct dcrc){ .blk = f->ents[i].key & ~K_DATA,
					.crc = f->ents[i].aux };
	}
	if (n)
		qsort(d, n, sizeof(*d), cmp_dcrc);
	for (size_t i = 0; i < n && !err;) {
		size_t k = 1;
		uint32_t crc = 0;

		while (i + k < n && k < VX_JDATA_MAX &&
		       d[i + k].blk == d[i].blk + k)
			k++;
		for (size_t m = 0; m < k; m++) {
			uint8_t le[4];

			vx_put32(le, d[i + m].crc);
			crc = vx_crc32c(crc, le, 4);
		}
		err = vx_grow((void **)&b->p->runs, &b->cruns, b->nruns + 1,
			   sizeof(*b->p->runs));
		if (!err)
			b->p->runs[b->nruns++] = (struct vx_jdata){
				.start = d[i].blk, .count = (uint32_t)k,
				.crc = crc };
		i += k;
	}
	free(d);
	b->p->jt.runs = b->p->runs;
	b->p->jt.ndata = b->nruns;
	return err;
}

static int add_frees(struct builder *b)
{
	struct vx_txfam *f = b->f;
	struct txpay *p = b->p;
	size_t cap = 0;

	for (size_t i = 0; i < f->nents; i++) {
		const struct rb_ent *e = &f->ents[i];

		if (e->kind != RB_FREE && e->kind != RB_IFREE)
			continue;
		if (vx_grow((void **)&p->frees, &cap, p->nfrees + 1,
			 sizeof(*p->frees)))
			return -ENOMEM;
		p->frees[p->nfrees] = *e;
		p->frees[p->nfrees].buf = NULL;
		p->frees[p->nfrees].image = NULL;
		p->nfrees++;
		if (e->kind == RB_FREE) {	/* (J6) revoke ranges */
			if (vx_grow((void **)&p->revoke, &b->crev, b->nrev + 2,
				 sizeof(*p->revoke)))
				return -ENOMEM;
			p->revoke[b->nrev++] = e->key;
			p->revoke[b->nrev++] = e->count;
		}
	}
	p->jt.revoke = p->revoke;
	p->jt.nrevoke = b->nrev / 2;
	return 0;
}

/* the pending frees of this commit, applied once it is durable */
static int pend_add(struct vx_fs *fs, struct txpay *p, bool undo)
{
	struct vx_txstate *t = fs->tx;

	if (!undo && vx_grow((void **)&t->pend, &t->cpend, t->npend + p->nfrees,
			  sizeof(*t->pend)))
		return -ENOMEM;
	if (!undo && p->nfrees) {
		uint64_t *s = realloc(t->pend_seq, t->cpend * sizeof(*s));

		if (!s)
			return -ENOMEM;
		t->pend_seq = s;
	}
	for (size_t i = 0; i < p->nfrees; i++) {
		const struct rb_ent *e = &p->frees[i];
		struct gtx *x = &t->gtx[e->kind == RB_FREE ?
			(uint32_t)(e->key / fs->sb.group_blocks) :
			vx_ino_group(fs, e->key)];
		uint32_t sign = undo ? (uint32_t)-1 : 1;

		if (e->kind == RB_FREE) {
			x->pend_blocks += sign * (uint32_t)e->count;
		} else {
			x->pend_inodes += sign;
			x->pend_dirs += sign * e->aux;
		}
		if (!undo) {
			t->pend[t->npend] = *e;
			t->pend_seq[t->npend] = p->seq;
			__atomic_store_n(&t->npend, t->npend + 1,
					 __ATOMIC_RELEASE);
		}
	}
	return 0;
}

/* the groups this commit must log a header for */
static int add_groups(struct builder *b, uint64_t seq)
{
	struct vx_fs *fs = b->fs;
	struct vx_txfam *f = b->f;
	uint8_t *want = calloc(fs->sb.group_count, 1);
	int err = 0;

	if (!want)
		return -ENOMEM;
	for (size_t i = 0; i < f->nents; i++) {
		const struct rb_ent *e = &f->ents[i];

		if (e->kind == RB_ALLOC || e->kind == RB_FREE)
			want[e->key / fs->sb.group_blocks] = 1;
		else if (e->kind == RB_IALLOC || e->kind == RB_IFREE)
			want[vx_ino_group(fs, e->key)] = 1;
	}
	for (uint32_t g = 0; g < fs->sb.group_count && !err; g++) {
		struct vx_glayout gl;
		uint8_t *img;

		if (!want[g] && !fs->gdirty[g])
			continue;
		img = malloc(fs->bsize);
		if (!img) {
			err = -ENOMEM;
			break;
		}
		vx_group_layout(&fs->sb, g, &gl);
		vx_tx_group_image(fs, g, img, seq);
		err = add_image(b, gl.header, img);
		if (err)
			free(img);
		else
			fs->gdirty[g] = 0;	/* logged: the log takes it home */
	}
	free(want);
	return err;
}

/* hold @b for @f as if it changed it (T1) */
static int pin(struct vx_fs *fs, struct vx_txfam *f, struct vx_buf *b)
{
	int64_t v;

	if (kmap_get(&f->map, K_PIN | b->blkno, &v)) {
		vx_cache_put(fs->cache, b);
		return 0;
	}
	if (vx_grow((void **)&f->pins, &f->cpins, f->npins + 1, sizeof(*f->pins)) ||
	    kmap_put(&f->map, K_PIN | b->blkno, 0)) {
		vx_cache_put(fs->cache, b);
		return -ENOMEM;
	}
	vx_cache_dirty(fs->cache, b, true);
	__atomic_add_fetch(&b->txns, 1, __ATOMIC_RELEASE);
	f->pins[f->npins++] = b;	/* keeps the reference taken */
	return 0;
}

/* the bitmap blocks holding the bits this commit frees: they are logged
 * with the bits clear (the frees reach the live bitmap once durable) */
static int pin_free_bitmaps(struct builder *b)
{
	struct vx_fs *fs = b->fs;
	const struct txpay *p = b->p;
	uint64_t per = fs->bits_per_bitmap;
	int err = 0;

	for (size_t i = 0; i < p->nfrees && !err; i++) {
		const struct rb_ent *e = &p->frees[i];
		struct vx_glayout gl;
		uint64_t first, last;
		vx_blk_t base;
		uint32_t g;

		if (e->kind == RB_FREE) {
			g = (uint32_t)(e->key / fs->sb.group_blocks);
			vx_group_layout(&fs->sb, g, &gl);
			first = e->key - gl.start;
			last = first + e->count - 1;
			base = gl.bbitmap;
		} else {
			g = vx_ino_group(fs, e->key);
			vx_group_layout(&fs->sb, g, &gl);
			first = last = (e->key - 1) % fs->sb.inodes_per_group;
			base = gl.ibitmap;
		}
		for (uint64_t k = first / per; k <= last / per && !err; k++) {
			struct vx_buf *buf;

			err = vx_cache_get(fs->cache, base + k, 0, &buf);
			if (!err)
				err = pin(fs, b->f, buf);
		}
	}
	return err;
}

/* build the payload of @f as commit @seq; fs->lock held */
static int build(struct vx_fs *fs, struct vx_txfam *f, uint64_t seq,
		 struct txpay *p)
{
	struct builder b = { .fs = fs, .f = f, .p = p };
	int err;

	p->seq = seq;
	err = add_frees(&b);
	if (!err)	/* pending from here: the images show them free */
		err = pend_add(fs, p, false);
	if (!err)
		err = pin_free_bitmaps(&b);
	for (size_t i = 0; i < f->npins && !err; i++) {
		struct vx_buf *buf = f->pins[i];
		uint8_t *img;

		if (!(buf->flags & VX_BUF_DIRTY) || freed_here(p, buf->blkno))
			continue;	/* undone fresh block, or freed */
		img = malloc(fs->bsize);
		if (!img) {
			err = -ENOMEM;
			break;
		}
		if (buf->flags & VX_BUF_META)
			vx_put64(buf->data + 24, seq);
		block_image(&b, buf, img);
		if (buf->flags & VX_BUF_META)
			vx_mhdr_seal(img, fs->bsize);
		err = add_image(&b, buf->blkno, img);
		if (err)
			free(img);
	}
	if (!err)
		err = add_runs(&b);
	if (!err)
		err = add_groups(&b, seq);
	if (!err && f->ops_len) {
		p->ops = malloc(f->ops_len);
		if (!p->ops)
			err = -ENOMEM;
		else
			memcpy(p->ops, f->ops, f->ops_len);
		p->jt.ops = p->ops;
		p->jt.ops_len = f->ops_len;
	}
	p->jt.home = p->home;
	p->jt.data = (const void *const *)p->data;
	return err;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void account(struct vx_fs *fs, const struct timespec *start)
{
	uint64_t t0 = (uint64_t)start->tv_sec * 1000000000ull +
		      (uint64_t)start->tv_nsec;
	uint64_t ns = now_ns() - t0, us = ns / 1000;
	int bucket = 0;

	while (bucket < VX_LAT_BUCKETS - 1 && (1ull << bucket) <= us)
		bucket++;
	TX_STAT(fs, commits, 1);
	TX_STAT(fs, latency[bucket], 1);
	TX_STAT(fs, latency_ns_total, ns);
}

int vx_tx_commit_outer(struct vx_txfam *f, uint64_t *seq_out)
{
	struct vx_fs *fs = f->fs;
	struct vx_txstate *t = fs->tx;
	struct txpay *p = NULL;
	uint64_t seq = 0;
	bool async = f->flags & VX_TXN_ASYNC;
	struct timespec t0 = f->t0;
	int err = 0;

	pthread_mutex_lock(&fs->lock);
	if (t->error)
		err = t->error;
	if (!err && (f->wrote || f->nops)) {
		p = calloc(1, sizeof(*p));
		err = p ? 0 : -ENOMEM;
		seq = t->next_seq;
		/* its own allocations are committed from here on */
		for (size_t i = 0; i < f->nents && !err; i++) {
			struct rb_ent *e = &f->ents[i];
			struct gtx *x;

			if (e->kind == RB_ALLOC) {
				t->gtx[e->key / fs->sb.group_blocks].un_blocks -=
					(uint32_t)e->count;
			} else if (e->kind == RB_IALLOC) {
				x = &t->gtx[vx_ino_group(fs, e->key)];
				x->un_inodes--;
				x->un_dirs -= e->aux;
			}
		}
		if (!err)
			err = build(fs, f, seq, p);
		if (!err && vx_journal_blocks(t->j, &p->jt) >
			    vx_journal_capacity(t->j))
			err = VX_ETXNFULL;
		if (err) {
			/* back to running: the abort below undoes it all */
			for (size_t i = 0; i < f->nents; i++) {
				struct rb_ent *e = &f->ents[i];
				if (e->kind == RB_ALLOC)
					t->gtx[e->key / fs->sb.group_blocks]
						.un_blocks += (uint32_t)e->count;
				else if (e->kind == RB_IALLOC) {
					struct gtx *x =
						&t->gtx[vx_ino_group(fs, e->key)];
					x->un_inodes++;
					x->un_dirs += e->aux;
				}
			}
			if (p && p->nfrees && t->npend >= p->nfrees &&
			    t->pend_seq[t->npend - 1] == seq) {
				pend_add(fs, p, true);
				__atomic_store_n(&t->npend,
						 t->npend - p->nfrees,
						 __ATOMIC_RELEASE);
			}
			for (uint32_t g = 0; g < fs->sb.group_count; g++)
				fs->gdirty[g] = 1;	/* re-log headers */
		}
	}
	if (err) {
		vx_tx_pay_free(p);
		vx_tx_undo(f, 0);
		vx_tx_release(f);
		TX_STAT(fs, aborts, 1);
		return err;
	}
	if (p) {
		t->next_seq = seq + 1;
		fs->sb.last_seq = seq;
		vx_cache_committed(fs->cache, f->pins, f->npins, seq);
		p->async = async;
		cds_wfcq_node_init(&p->node);
		cds_wfcq_enqueue(&t->qhead, &t->qtail, &p->node); /* in order */
	}
	vx_tx_release(f);		/* buffers and locks; unlocks fs */
	if (seq_out)
		*seq_out = seq;
	if (p && async) {
		pthread_mutex_lock(&t->dlock);
		t->async_pending++;
		pthread_cond_signal(&t->fcond);	/* the flusher */
		pthread_mutex_unlock(&t->dlock);
	} else if (p) {
		err = vx_tx_drain(fs, seq, true);	/* (I2) */
	}
	/* committed (in memory at least, even on VX_ETIMEOUT) */
	if (!err || err == VX_ETIMEOUT)
		account(fs, &t0);
	return err;
}

