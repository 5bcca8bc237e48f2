/*
 * txn_group.c: group commit: writing committed transactions from the
 * queue to the journal, one batch per flush, and waiting for that.
 *
 * Group commit: a committing thread that finds no writer becomes the
 * writer.  It takes up to batch_size payloads off the queue, merges them
 * into one journal transaction (the newest image of each block), writes
 * it, flushes once, publishes the new durable commit number and wakes
 * the others (I2: nobody is told "durable" before that flush returned).
 * Blocks a commit frees stay allocated in memory until it is durable, so
 * no data can be written into them while a crash could still bring back
 * the transaction that used them.
 * Asynchronous commits leave the writing to a background flusher.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "txn_int.h"
#include "vexfs/journal.h"

/* apply the frees of commits now durable; fs->lock taken here */
static void apply_frees(struct vx_fs *fs, uint64_t durable)
{
	struct vx_txstate *t = fs->tx;
	size_t k = 0;

	/* most batches free nothing: no filesystem lock for them (a free
	 * queued meanwhile waits for the next batch, which is allowed) */
	if (!__atomic_load_n(&t->npend, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&fs->lock);
	for (size_t i = 0; i < t->npend; i++) {
		struct rb_ent *e = &t->pend[i];
		struct gtx *x;

		if (t->pend_seq[i] > durable) {
			t->pend_seq[k] = t->pend_seq[i];
			t->pend[k++] = *e;
			continue;
		}
		if (e->kind == RB_FREE) {
			x = &t->gtx[e->key / fs->sb.group_blocks];
			x->pend_blocks -= (uint32_t)e->count;
			if (vx_free_blocks_now(fs, e->key, e->count))
				vx_log(fs, VX_LOG_ERR, "freeing blocks %llu+%llu "
				       "after commit failed",
				       (unsigned long long)e->key,
				       (unsigned long long)e->count);
		} else {
			x = &t->gtx[vx_ino_group(fs, e->key)];
			x->pend_inodes--;
			x->pend_dirs -= e->aux;
			vx_free_inode_now(fs, e->key, e->aux);
		}
	}
	__atomic_store_n(&t->npend, k, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&fs->lock);
}

/* one journal transaction for a whole batch (what jbd2 calls a compound
 * transaction): the newest image of each block, every data run, op
 * record and revoke.  All of it is acknowledged after the one flush, so
 * all or nothing for the batch is all or nothing for each commit in it */
struct merged {
	struct vx_jtxn jt;
	vx_blk_t *home;
	const void **data;
	size_t nb, cb;
	struct vx_jdata *runs;
	size_t nr, cr;
	vx_blk_t *rev;
	size_t nv, cv;
	uint8_t *ops;
	size_t no, co;
	struct kmap at;			/* home -> index in home[] */
};

static void merged_free(struct merged *m)
{
	free(m->home);
	free(m->data);
	free(m->runs);
	free(m->rev);
	free(m->ops);
	kmap_free(&m->at);
}

static int merge(struct merged *m, const struct txpay *p)
{
	int64_t i;

	/* a block freed here loses the older images of the batch: a
	 * revoke spares the images of its own transaction (J6) */
	for (uint64_t r = 0; r < p->jt.nrevoke; r++) {
		vx_blk_t b0 = p->revoke[2 * r], n = p->revoke[2 * r + 1];

		for (size_t k = 0; k < m->nb; k++)
			if (m->data[k] && m->home[k] >= b0 && m->home[k] - b0 < n)
				m->data[k] = NULL;	/* dropped below */
		if (vx_grow((void **)&m->rev, &m->cv, m->nv + 2, sizeof(*m->rev)))
			return -ENOMEM;
		m->rev[m->nv++] = b0;
		m->rev[m->nv++] = n;
	}
	for (size_t k = 0; k < p->jt.nblocks; k++) {
		if (kmap_get(&m->at, p->home[k] + 1, &i)) {
			m->data[i] = p->data[k];	/* the newer image */
			continue;
		}
		if (vx_grow((void **)&m->home, &m->cb, m->nb + 1, sizeof(*m->home)) ||
		    kmap_put(&m->at, p->home[k] + 1, (int64_t)m->nb))
			return -ENOMEM;
		m->data = realloc(m->data, m->cb * sizeof(*m->data));
		if (!m->data)
			return -ENOMEM;
		m->home[m->nb] = p->home[k];
		m->data[m->nb++] = p->data[k];
	}
	for (size_t k = 0; k < p->jt.ndata; k++) {
		if (vx_grow((void **)&m->runs, &m->cr, m->nr + 1, sizeof(*m->runs)))
			return -ENOMEM;
		m->runs[m->nr++] = p->runs[k];
	}
	if (p->jt.ops_len) {
		if (vx_grow((void **)&m->ops, &m->co, m->no + p->jt.ops_len, 1))
			return -ENOMEM;
		memcpy(m->ops + m->no, p->ops, p->jt.ops_len);
		m->no += p->jt.ops_len;
	}
	return 0;
}

static void merged_done(struct merged *m)
{
	size_t k = 0;

	for (size_t i = 0; i < m->nb; i++)	/* the images a revoke dropped */
		if (m->data[i]) {
			m->home[k] = m->home[i];
			m->data[k++] = m->data[i];
		}
	m->nb = k;
	m->jt = (struct vx_jtxn){
		.nblocks = m->nb, .home = m->home,
		.data = (const void *const *)m->data,
		.ndata = m->nr, .runs = m->runs,
		.ops_len = m->no, .ops = m->ops,
		.nrevoke = m->nv / 2, .revoke = m->rev };
}

/* write @jt to the log: its blocks are in the live log from then on */
static int log_one(struct vx_fs *fs, const struct vx_jtxn *jt,
		   uint64_t *blocks)
{
	struct vx_txstate *t = fs->tx;
	uint64_t cycle;
	int err = vx_journal_write(t->j, jt, NULL);

	if (err)
		return err;
	*blocks += vx_journal_blocks(t->j, jt);
	cycle = vx_journal_cycle(t->j);
	vx_cache_logged(fs->cache, jt->home, jt->nblocks, cycle);
	__atomic_store_n(&t->epoch, cycle, __ATOMIC_RELEASE);
	return 0;
}

/* the writer: one batch; t->wlock held */
static int write_batch(struct vx_fs *fs)
{
	struct vx_txstate *t = fs->tx;
	unsigned max = t->tun.batching ? t->tun.batch_size : 1;
	struct txpay **batch = calloc(max, sizeof(*batch));
	struct merged m = { 0 };
	uint64_t last = 0, blocks = 0;
	unsigned n = 0;
	int err = batch ? 0 : -ENOMEM;

	while (!err && n < max) {
		struct cds_wfcq_node *node =
			__cds_wfcq_dequeue_blocking(&t->qhead, &t->qtail);

		if (!node)
			break;
		batch[n++] = caa_container_of(node, struct txpay, node);
		last = batch[n - 1]->seq;
		err = t->error ? t->error : merge(&m, batch[n - 1]);
	}
	if (!err && n) {
		merged_done(&m);
		/* a batch too big for the log goes in one by one */
		if (vx_journal_blocks(t->j, &m.jt) <=
		    vx_journal_capacity(t->j) / 2)
			err = log_one(fs, &m.jt, &blocks);
		else
			for (unsigned i = 0; i < n && !err; i++)
				err = log_one(fs, &batch[i]->jt, &blocks);
	}
	/* (I2) one flush a batch (none for an unfinished image) */
	if (!err && n && !vx_fs_unfinished(fs))
		err = vx_journal_flush(t->j);
	if (!err && n) {
		__atomic_store_n(&t->durable, last, __ATOMIC_RELEASE);
		/* the committers may go before the frees are applied */
		pthread_mutex_lock(&t->dlock);
		pthread_cond_broadcast(&t->dcond);
		pthread_mutex_unlock(&t->dlock);
		apply_frees(fs, last);
		TX_STAT(fs, batches, 1);
		TX_STAT(fs, batched, n);
		TX_STAT(fs, log_bytes, blocks * fs->bsize);
	}
	if (err && !t->error) {
		vx_log(fs, VX_LOG_ERR, "journal write failed: %s; the "
		       "filesystem takes no more changes", vx_strerror(err));
		t->error = err;
	}
	merged_free(&m);
	for (unsigned i = 0; i < n; i++)
		vx_tx_pay_free(batch[i]);
	free(batch);
	pthread_mutex_lock(&t->dlock);
	pthread_cond_broadcast(&t->dcond);
	pthread_mutex_unlock(&t->dlock);
	return err;
}

/*
 * vx_tx_drain - wait until sequence @upto is durable, writing batches
 * whenever nobody else is.  VX_ETIMEOUT after commit_timeout.
 */
int vx_tx_drain(struct vx_fs *fs, uint64_t upto, bool wait)
{
	struct vx_txstate *t = fs->tx;
	struct timespec ts;

	vx_tx_deadline(fs, &ts);
	for (;;) {
		uint64_t gen;
		int err;

		if (__atomic_load_n(&t->durable, __ATOMIC_ACQUIRE) >= upto)
			return 0;
		if (t->error)
			return t->error;
		/* a writer that finishes after our try bumps the generation
		 * (once it let go of the role), so no wake-up is missed */
		gen = __atomic_load_n(&t->wgen, __ATOMIC_ACQUIRE);
		if (pthread_mutex_trylock(&t->wlock) == 0) {
			if (__atomic_load_n(&t->durable, __ATOMIC_ACQUIRE) < upto)
				write_batch(fs);
			pthread_mutex_unlock(&t->wlock);
			pthread_mutex_lock(&t->dlock);
			__atomic_add_fetch(&t->wgen, 1, __ATOMIC_RELEASE);
			pthread_cond_broadcast(&t->dcond);
			pthread_mutex_unlock(&t->dlock);
			continue;
		}
		if (!wait)
			return 0;
		pthread_mutex_lock(&t->dlock);
		err = 0;
		while (!err && t->wgen == gen && !t->error &&
		       __atomic_load_n(&t->durable, __ATOMIC_ACQUIRE) < upto)
			err = pthread_cond_timedwait(&t->dcond, &t->dlock, &ts);
		pthread_mutex_unlock(&t->dlock);
		if (err == ETIMEDOUT &&
		    __atomic_load_n(&t->durable, __ATOMIC_ACQUIRE) < upto) {
			TX_STAT(fs, timeouts, 1);
			return VX_ETIMEOUT;
		}
	}
}

int vx_txn_sync(struct vx_fs *fs)
{
	uint64_t upto;

	if (!fs->tx || !fs->tx->j)
		return 0;
	pthread_mutex_lock(&fs->lock);
	upto = fs->tx->next_seq - 1;
	pthread_mutex_unlock(&fs->lock);
	return vx_tx_drain(fs, upto, true);
}

/* everything durable, then written home: the log is empty after */
int vx_tx_checkpoint(struct vx_fs *fs)
{
	struct vx_txstate *t = fs->tx;
	struct vx_jrecovery info;
	uint64_t cycle;
	int err = vx_txn_sync(fs);

	if (err)
		return err;
	pthread_mutex_lock(&t->wlock);
	err = vx_journal_checkpoint(t->j, &info);
	cycle = vx_journal_cycle(t->j);
	__atomic_store_n(&t->epoch, cycle, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&t->wlock);
	if (!err)
		TX_STAT(fs, checkpoints, 1);
	return err;
}

/* the background writer of asynchronous commits */
static void *flusher(void *arg)
{
	struct vx_fs *fs = arg;
	struct vx_txstate *t = fs->tx;

	pthread_mutex_lock(&t->dlock);
	while (!t->stop) {
		if (!t->async_pending) {
			pthread_cond_wait(&t->fcond, &t->dlock);
			continue;
		}
		t->async_pending = 0;
		pthread_mutex_unlock(&t->dlock);
		vx_txn_sync(fs);
		pthread_mutex_lock(&t->dlock);
	}
	pthread_mutex_unlock(&t->dlock);
	return NULL;
}

int vx_tx_flusher_start(struct vx_fs *fs)
{
	if (pthread_create(&fs->tx->flusher, NULL, flusher, fs))
		return -ENOMEM;
	fs->tx->flusher_on = true;
	return 0;
}

void vx_tx_flusher_stop(struct vx_fs *fs)
{
	struct vx_txstate *t = fs->tx;

	if (!t->flusher_on)
		return;
	pthread_mutex_lock(&t->dlock);
	t->stop = true;
	pthread_cond_signal(&t->fcond);
	pthread_mutex_unlock(&t->dlock);
	pthread_join(t->flusher, NULL);
	t->flusher_on = false;
}
