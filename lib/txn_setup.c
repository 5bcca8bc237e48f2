/*
 * txn_setup.c: the transaction state of an open filesystem: tunables,
 * the open journal, group counters, the lock table, the commit queue
 * and the background flusher.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "txn_int.h"
#include "vexfs/journal.h"

static const struct vx_txn_tunables defaults = {
	.max_txns = 256, .batch_size = 64, .commit_timeout_ms = 10000,
	.batching = true, .max_depth = 8,
};

int vx_tx_setup(struct vx_fs *fs)
{
	struct vx_txstate *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	fs->tx = t;
	t->tun = defaults;
	t->gtx = calloc(fs->sb.group_count, sizeof(*t->gtx));
	pthread_mutex_init(&t->wlock, NULL);
	pthread_mutex_init(&t->dlock, NULL);
	pthread_mutex_init(&t->lk, NULL);
	pthread_cond_init(&t->dcond, NULL);
	pthread_cond_init(&t->fcond, NULL);
	pthread_cond_init(&t->slot_cond, NULL);
	pthread_cond_init(&t->lk_cond, NULL);
	cds_wfcq_init(&t->qhead, &t->qtail);
	err = t->gtx ? vx_locks_init(fs) : -ENOMEM;
	if (!err && !vx_fs_rdonly(fs)) {
		err = vx_journal_open(fs->io, &fs->sb, &t->j);
		if (!err && vx_journal_dirty(t->j))
			err = VX_EJOURNAL;	/* recovered before this */
		if (!err) {
			vx_journal_set_time(t->j, fs->fixed_time);
			t->next_seq = vx_journal_next_seq(t->j);
			t->durable = t->next_seq - 1;
			t->epoch = vx_journal_cycle(t->j);
			vx_cache_set_durable(fs->cache, &t->durable, &t->epoch);
			err = vx_tx_flusher_start(fs);
		}
	}
	if (err)
		vx_tx_teardown(fs);
	return err;
}

void vx_tx_teardown(struct vx_fs *fs)
{
	struct vx_txstate *t = fs->tx;

	if (!t)
		return;
	vx_tx_flusher_stop(fs);
	if (fs->cache)
		vx_cache_set_durable(fs->cache, NULL, NULL);
	vx_journal_close(t->j);
	vx_locks_free(fs);
	pthread_mutex_destroy(&t->wlock);
	pthread_mutex_destroy(&t->dlock);
	pthread_mutex_destroy(&t->lk);
	pthread_cond_destroy(&t->dcond);
	pthread_cond_destroy(&t->fcond);
	pthread_cond_destroy(&t->slot_cond);
	pthread_cond_destroy(&t->lk_cond);
	cds_wfcq_destroy(&t->qhead, &t->qtail);
	free(t->gtx);
	free(t->pend);
	free(t->pend_seq);
	free(t);
	fs->tx = NULL;
}
