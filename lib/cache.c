/*
 * cache.c: the block cache between the format code and the io layer.
 *
 * Owns one buffer per cached block, found through liburcu's RCU hash
 * table (cds_lfht) keyed by block number.  Buffers are reference counted;
 * unreferenced ones sit on an LRU list and are evicted (written back
 * first when dirty) once the cache holds more than its byte budget.
 * Metadata buffers are sealed (header crc computed) as they are written,
 * never while they are being edited.
 *
 * Invariants:
 *  (C1) at most one buffer per block number is in the table;
 *  (C2) a buffer with refcnt > 0 is never evicted or freed;
 *  (C3) a dirty buffer is written before it is dropped, except through
 *       vx_cache_forget (the block was freed);
 *  (C4) writeback writes in ascending block order, coalescing runs;
 *  (C5) a dirty buffer is written home only when no running transaction
 *       holds a change in it (txns == 0), its last committed change is
 *       durable in the journal (seq <= the durable sequence) and the
 *       live log holds no image of it (log_epoch is not the current log
 *       cycle: the checkpoint writes those): design brief invariant I1.
 *       Buffers that may not be written yet are passed over by
 *       eviction, so the budget is soft.
 * One mutex serialises changes; lookups run under the RCU read lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <urcu-bp.h>
#include <urcu/rculfhash.h>
#include "fs_int.h"

struct vx_cnode {
	struct vx_buf buf;		/* first: vx_buf * <-> vx_cnode * */
	struct cds_lfht_node node;
	struct rcu_head rcu;
};

struct vx_cache {
	struct vx_io *io;
	size_t bsize;
	size_t max_bufs;
	size_t nbufs;
	struct cds_lfht *ht;
	struct vx_buf lru;		/* list head: lnext = oldest */
	const uint64_t *durable;	/* journal sequence known durable */
	const uint64_t *epoch;		/* current log cycle */
	pthread_mutex_t lock;
};

#define WB_MAX_RUN	256		/* blocks coalesced into one write */

static struct vx_buf *cache_lookup(struct vx_cache *c, vx_blk_t blkno);

static unsigned long blk_hash(vx_blk_t b)
{
	uint64_t h = b * 0x9E3779B97F4A7C15ull;
	return (unsigned long)(h ^ (h >> 29));
}

static int blk_match(struct cds_lfht_node *node, const void *key)
{
	struct vx_cnode *n = caa_container_of(node, struct vx_cnode, node);

	return n->buf.blkno == *(const vx_blk_t *)key;
}

static void lru_del(struct vx_buf *b)
{
	if (b->lnext) {
		b->lnext->lprev = b->lprev;
		b->lprev->lnext = b->lnext;
		b->lnext = b->lprev = NULL;
	}
}

static void lru_add_tail(struct vx_cache *c, struct vx_buf *b)
{
	b->lprev = c->lru.lprev;
	b->lnext = &c->lru;
	c->lru.lprev->lnext = b;
	c->lru.lprev = b;
}

int vx_cache_new(struct vx_io *io, size_t bsize, size_t max_bytes,
		 struct vx_cache **out)
{
	struct vx_cache *c = calloc(1, sizeof(*c));
	unsigned long buckets;

	if (!c)
		return -ENOMEM;
	c->io = io;
	c->bsize = bsize;
	c->max_bufs = max_bytes / bsize;
	if (c->max_bufs < 64)
		c->max_bufs = 64;
	c->lru.lnext = c->lru.lprev = &c->lru;
	/* the cache never holds much more than max_bufs buffers: size the
	 * table for that up front (one bucket per buffer) and never resize
	 * (lazy resizing lagged behind a fast-filling cache, and without a
	 * resize worker nothing but our own locked callers walks the table) */
	for (buckets = 1024; buckets < c->max_bufs; buckets <<= 1)
		;
	c->ht = cds_lfht_new(buckets, buckets, buckets, 0, NULL);
	if (!c->ht) {
		free(c);
		return -ENOMEM;
	}
	pthread_mutex_init(&c->lock, NULL);
	*out = c;
	return 0;
}

static void cnode_free_rcu(struct rcu_head *head)
{
	struct vx_cnode *n = caa_container_of(head, struct vx_cnode, rcu);

	free(n->buf.data);
	free(n);
}

/* unhash and free @b; caller holds the lock and b->refcnt == 0 */
static void buf_drop(struct vx_cache *c, struct vx_buf *b)
{
	struct vx_cnode *n = (struct vx_cnode *)b;

	lru_del(b);
	cds_lfht_del(c->ht, &n->node);
	c->nbufs--;
	call_rcu(&n->rcu, cnode_free_rcu);
}

static int buf_write(struct vx_cache *c, struct vx_buf *b)
{
	int err;

	if (b->flags & VX_BUF_META)
		vx_mhdr_seal(b->data, c->bsize);
	err = vx_io_write(c->io, b->blkno * c->bsize, b->data, c->bsize);
	if (!err)
		b->flags &= ~VX_BUF_DIRTY;
	return err;
}

/* (C5) may @b be written home now? */
static bool writable(const struct vx_cache *c, const struct vx_buf *b)
{
	uint64_t d, e;

	if (!c->durable)
		return true;
	d = __atomic_load_n(c->durable, __ATOMIC_ACQUIRE);
	e = __atomic_load_n(c->epoch, __ATOMIC_ACQUIRE);
	/* a block the live log holds is written home by the checkpoint,
	 * which must not race with (or be overtaken by) the cache */
	return !__atomic_load_n(&b->txns, __ATOMIC_ACQUIRE) && b->seq <= d && b->log_epoch != e;
}

void vx_cache_set_durable(struct vx_cache *c, const uint64_t *durable,
			  const uint64_t *epoch)
{
	pthread_mutex_lock(&c->lock);
	c->durable = durable;
	c->epoch = epoch;
	pthread_mutex_unlock(&c->lock);
}

void vx_cache_ref(struct vx_cache *c, struct vx_buf *b)
{
	pthread_mutex_lock(&c->lock);
	if (b->refcnt++ == 0)
		lru_del(b);
	pthread_mutex_unlock(&c->lock);
}

void vx_cache_committed(struct vx_cache *c, struct vx_buf *const *bufs,
			size_t n, uint64_t seq)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < n; i++)
		bufs[i]->seq = seq;
	pthread_mutex_unlock(&c->lock);
}

void vx_cache_logged(struct vx_cache *c, const vx_blk_t *blks, size_t n,
		     uint64_t cycle)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < n; i++) {
		struct vx_buf *b = cache_lookup(c, blks[i]);

		if (b)
			b->log_epoch = cycle;
	}
	pthread_mutex_unlock(&c->lock);
}

/* evict unreferenced buffers, oldest first, until under budget */
static int cache_shrink(struct vx_cache *c)
{
	struct vx_buf *b = c->lru.lnext;

	while (c->nbufs > c->max_bufs && b != &c->lru) {
		struct vx_buf *next = b->lnext;

		if (b->flags & VX_BUF_DIRTY) {
			int err;

			if (!writable(c, b)) {		/* (C5) */
				b = next;
				continue;
			}
			if ((err = buf_write(c, b)))
				return err;
		}
		buf_drop(c, b);
		b = next;
	}
	return 0;
}

static struct vx_buf *cache_lookup(struct vx_cache *c, vx_blk_t blkno)
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;

	rcu_read_lock();
	cds_lfht_lookup(c->ht, blk_hash(blkno), blk_match, &blkno, &iter);
	node = cds_lfht_iter_get_node(&iter);
	rcu_read_unlock();
	return node ? &caa_container_of(node, struct vx_cnode, node)->buf : NULL;
}

int vx_cache_get(struct vx_cache *c, vx_blk_t blkno, unsigned flags,
		 struct vx_buf **out)
{
	struct vx_cnode *n;
	struct vx_buf *b;
	int err = 0;

	pthread_mutex_lock(&c->lock);
	b = cache_lookup(c, blkno);
	if (b) {
		if (b->refcnt++ == 0)
			lru_del(b);
		if (flags & VX_GET_NOREAD) {
			/* a new life for the block: nothing about it holds */
			memset(b->data, 0, c->bsize);
			b->flags &= VX_BUF_DIRTY;
		}
		*out = b;
		goto out_unlock;
	}
	err = cache_shrink(c);
	if (err)
		goto out_unlock;
	n = calloc(1, sizeof(*n));
	if (!n || !(n->buf.data = malloc(c->bsize))) {
		free(n);
		err = -ENOMEM;
		goto out_unlock;
	}
	b = &n->buf;
	b->blkno = blkno;
	if (flags & VX_GET_NOREAD) {
		memset(b->data, 0, c->bsize);
	} else {
		err = vx_io_read(c->io, blkno * c->bsize, b->data, c->bsize);
		if (err) {
			free(b->data);
			free(n);
			goto out_unlock;
		}
	}
	b->refcnt = 1;
	cds_lfht_node_init(&n->node);
	cds_lfht_add(c->ht, blk_hash(blkno), &n->node);	/* (C1) under lock */
	c->nbufs++;
	*out = b;
out_unlock:
	pthread_mutex_unlock(&c->lock);
	return err;
}

void vx_cache_put(struct vx_cache *c, struct vx_buf *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&c->lock);
	if (--b->refcnt == 0)
		lru_add_tail(c, b);
	pthread_mutex_unlock(&c->lock);
}

void vx_cache_dirty(struct vx_cache *c, struct vx_buf *b, bool meta)
{
	pthread_mutex_lock(&c->lock);
	b->flags |= VX_BUF_DIRTY | (meta ? VX_BUF_META : 0);
	pthread_mutex_unlock(&c->lock);
}

void vx_cache_forget(struct vx_cache *c, vx_blk_t blkno)
{
	struct vx_buf *b;

	pthread_mutex_lock(&c->lock);
	b = cache_lookup(c, blkno);
	if (b) {
		b->flags &= ~VX_BUF_DIRTY;
		b->seq = 0;
		b->log_epoch = 0;
		if (b->refcnt == 0)
			buf_drop(c, b);
	}
	pthread_mutex_unlock(&c->lock);
}

/* first / next buffer of the table, NULL at the end (the library's
 * cds_lfht_for_each_entry macro offsets a NULL pointer at its end, which
 * UBSan reports; this walks the same iterator without doing so) */
static struct vx_cnode *ht_first(struct vx_cache *c, struct cds_lfht_iter *it)
{
	struct cds_lfht_node *node;

	cds_lfht_first(c->ht, it);
	node = cds_lfht_iter_get_node(it);
	return node ? caa_container_of(node, struct vx_cnode, node) : NULL;
}

static struct vx_cnode *ht_next(struct vx_cache *c, struct cds_lfht_iter *it)
{
	struct cds_lfht_node *node;

	cds_lfht_next(c->ht, it);
	node = cds_lfht_iter_get_node(it);
	return node ? caa_container_of(node, struct vx_cnode, node) : NULL;
}

static int cmp_buf(const void *a, const void *b)
{
	vx_blk_t x = (*(struct vx_buf *const *)a)->blkno;
	vx_blk_t y = (*(struct vx_buf *const *)b)->blkno;

	return x < y ? -1 : x > y;
}

/* write dirty[i..i+n) (consecutive blocks) with one io call (C4) */
static int write_run(struct vx_cache *c, struct vx_buf **run, size_t n,
		     uint8_t *bounce)
{
	int err;

	if (n == 1)
		return buf_write(c, run[0]);
	for (size_t k = 0; k < n; k++) {
		if (run[k]->flags & VX_BUF_META)
			vx_mhdr_seal(run[k]->data, c->bsize);
		memcpy(bounce + k * c->bsize, run[k]->data, c->bsize);
	}
	err = vx_io_write(c->io, run[0]->blkno * c->bsize, bounce, n * c->bsize);
	if (!err)
		for (size_t k = 0; k < n; k++)
			run[k]->flags &= ~VX_BUF_DIRTY;
	return err;
}

int vx_cache_writeback(struct vx_cache *c)
{
	struct cds_lfht_iter iter;
	struct vx_cnode *n;
	struct vx_buf **dirty = NULL;
	uint8_t *bounce = NULL;
	size_t nd = 0, i = 0;
	int err = 0;

	pthread_mutex_lock(&c->lock);
	dirty = malloc((c->nbufs + 1) * sizeof(*dirty));
	bounce = malloc(WB_MAX_RUN * c->bsize);
	if (!dirty || !bounce) {
		err = -ENOMEM;
		goto out;
	}
	rcu_read_lock();
	for (n = ht_first(c, &iter); n; n = ht_next(c, &iter))
		if ((n->buf.flags & VX_BUF_DIRTY) && writable(c, &n->buf))
			dirty[nd++] = &n->buf;	/* (C5) */
	rcu_read_unlock();
	qsort(dirty, nd, sizeof(*dirty), cmp_buf);
	while (i < nd && !err) {
		size_t r = 1;

		while (i + r < nd && r < WB_MAX_RUN &&
		       dirty[i + r]->blkno == dirty[i]->blkno + r)
			r++;
		err = write_run(c, dirty + i, r, bounce);
		i += r;
	}
	if (!err)
		err = cache_shrink(c);
out:
	pthread_mutex_unlock(&c->lock);
	free(dirty);
	free(bounce);
	return err;
}

void vx_cache_free(struct vx_cache *c)
{
	struct cds_lfht_iter iter;
	struct vx_cnode *n, *next;

	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	rcu_read_lock();
	for (n = ht_first(c, &iter); n; n = next) {
		next = ht_next(c, &iter);
		cds_lfht_del(c->ht, &n->node);
		/* the owner is done with the cache and no resize worker
		 * exists: no reader can hold @n, free it now */
		free(n->buf.data);
		free(n);
	}
	rcu_read_unlock();
	pthread_mutex_unlock(&c->lock);
	cds_lfht_destroy(c->ht, NULL);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
