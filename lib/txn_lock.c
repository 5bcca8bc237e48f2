/*
 * txn_lock.c: inode locks for transactions.
 *
 * Two-phase locking (T3): shared locks to read an inode, exclusive to
 * change it, held to the end of the transaction.  A request that
 * conflicts waits (at most commit_timeout, then VX_ETIMEOUT), unless
 * waiting would close a cycle in the wait-for graph (T4): then it fails
 * at once with VX_EDEADLOCK.  Each waiter waits on one lock, for the
 * holders in its way; the graph is checked by the one about to wait,
 * whose edge would be the last of any cycle, and again after each
 * wake-up.
 *
 * One mutex guards the table (a hash of lock records); waiters sleep on
 * one condition variable, woken whenever a lock is released.  Lock
 * calls are never made with the filesystem lock held.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "txn_int.h"

struct ilock {
	vx_ino_t ino;
	struct vx_txfam *x;		/* exclusive holder */
	struct vx_txfam **s;		/* shared holders */
	size_t ns, cs;
	unsigned waiters;
	struct ilock *next;
};

#define NBUCKETS 4096

static struct ilock **bucket(struct vx_txstate *t, vx_ino_t ino)
{
	uint64_t h = ino * 0x9E3779B97F4A7C15ull;

	return &t->lbuckets[(h >> 20) & (NBUCKETS - 1)];
}

static struct ilock *find(struct vx_txstate *t, vx_ino_t ino, bool make)
{
	struct ilock **b = bucket(t, ino), *l;

	for (l = *b; l; l = l->next)
		if (l->ino == ino)
			return l;
	if (!make || !(l = calloc(1, sizeof(*l))))
		return NULL;
	l->ino = ino;
	l->next = *b;
	*b = l;
	return l;
}

static void maybe_free(struct vx_txstate *t, struct ilock *l)
{
	struct ilock **p;

	if (l->x || l->ns || l->waiters)
		return;
	for (p = bucket(t, l->ino); *p != l; p = &(*p)->next)
		;
	*p = l->next;
	free(l->s);
	free(l);
}

static bool holds_s(const struct ilock *l, const struct vx_txfam *f)
{
	for (size_t i = 0; i < l->ns; i++)
		if (l->s[i] == f)
			return true;
	return false;
}

/* is some other holder of @l in the way of @f asking for @mode? */
static bool conflict(const struct ilock *l, const struct vx_txfam *f,
		     int mode)
{
	if (l->x && l->x != f)
		return true;
	if (mode == LK_X)
		for (size_t i = 0; i < l->ns; i++)
			if (l->s[i] != f)
				return true;
	return false;
}

/* does @from wait, directly or through others, for @target? */
static bool waits_for(const struct vx_txfam *from,
		      const struct vx_txfam *target, unsigned depth)
{
	const struct ilock *l = from->waiting;

	if (!l || depth > 4096)
		return depth > 4096;	/* absurdly deep: call it a cycle */
	if (l->x && l->x != from &&
	    (l->x == target || waits_for(l->x, target, depth + 1)))
		return true;
	if (from->wmode == LK_X)
		for (size_t i = 0; i < l->ns; i++)
			if (l->s[i] != from && (l->s[i] == target ||
			    waits_for(l->s[i], target, depth + 1)))
				return true;
	return false;
}

/* (T4) would @f waiting for @l (in @mode) close a cycle? */
static bool would_deadlock(struct vx_txfam *f, const struct ilock *l,
			   int mode)
{
	if (l->x && l->x != f && waits_for(l->x, f, 0))
		return true;
	if (mode == LK_X)
		for (size_t i = 0; i < l->ns; i++)
			if (l->s[i] != f && waits_for(l->s[i], f, 0))
				return true;
	return false;
}

static int remember(struct vx_txfam *f, vx_ino_t ino, int mode)
{
	int64_t i;

	if (kmap_get(&f->lockmap, ino, &i)) {
		if (mode > f->locks[i].mode)
			f->locks[i].mode = mode;
		return 0;
	}
	if (f->nlocks == f->clocks) {
		size_t n = f->clocks ? f->clocks * 2 : 16;
		struct lockref *p = realloc(f->locks, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		f->locks = p;
		f->clocks = n;
	}
	if (kmap_put(&f->lockmap, ino, (int64_t)f->nlocks))
		return -ENOMEM;
	f->locks[f->nlocks++] = (struct lockref){ .ino = ino, .mode = mode };
	return 0;
}

static void forget(struct vx_txfam *f, vx_ino_t ino)
{
	int64_t i;

	if (!kmap_get(&f->lockmap, ino, &i))
		return;
	kmap_put(&f->lockmap, ino, -1);
	f->locks[i] = f->locks[--f->nlocks];
	if ((size_t)i < f->nlocks)
		kmap_put(&f->lockmap, f->locks[i].ino, i);
}

static int grant(struct ilock *l, struct vx_txfam *f, int mode)
{
	if (mode == LK_X) {
		l->x = f;
		return 0;
	}
	if (l->x == f || holds_s(l, f))
		return 0;
	if (l->ns == l->cs) {
		size_t n = l->cs ? l->cs * 2 : 4;
		struct vx_txfam **p = realloc(l->s, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		l->s = p;
		l->cs = n;
	}
	l->s[l->ns++] = f;
	return 0;
}

int vx_lock_inode(struct vx_txfam *f, vx_ino_t ino, int mode)
{
	struct vx_fs *fs = f->fs;
	struct vx_txstate *t = fs->tx;
	struct timespec ts, w0, w1;
	bool waited = false;
	struct ilock *l;
	int err = 0;

	pthread_mutex_lock(&t->lk);
	l = find(t, ino, true);
	if (!l) {
		pthread_mutex_unlock(&t->lk);
		return -ENOMEM;
	}
	while (conflict(l, f, mode)) {
		if (would_deadlock(f, l, mode)) {	/* (T4) */
			err = VX_EDEADLOCK;
			break;
		}
		if (!waited) {
			waited = true;
			clock_gettime(CLOCK_MONOTONIC, &w0);
			vx_tx_deadline(fs, &ts);
		}
		l->waiters++;
		__atomic_store_n(&f->waiting, l, __ATOMIC_RELEASE);
		f->wmode = mode;
		err = pthread_cond_timedwait(&t->lk_cond, &t->lk, &ts);
		__atomic_store_n(&f->waiting, NULL, __ATOMIC_RELEASE);
		l->waiters--;
		if (err == ETIMEDOUT) {
			err = conflict(l, f, mode) ? VX_ETIMEOUT : 0;
			break;
		}
		err = 0;
	}
	if (!err)
		err = grant(l, f, mode);
	if (!err)
		err = remember(f, ino, mode);
	if (err)
		maybe_free(t, l);
	pthread_mutex_unlock(&t->lk);
	if (waited) {
		clock_gettime(CLOCK_MONOTONIC, &w1);
		TX_STAT(fs, lock_waits, 1);
		TX_STAT(fs, lock_wait_ns,
			(uint64_t)((w1.tv_sec - w0.tv_sec) * 1000000000ll +
				   (w1.tv_nsec - w0.tv_nsec)));
	}
	if (err == VX_EDEADLOCK)
		TX_STAT(fs, deadlocks, 1);
	else if (err == VX_ETIMEOUT)
		TX_STAT(fs, timeouts, 1);
	return err;
}

/* a freshly allocated inode: nobody can be waiting for it; take it */
void vx_lock_grant_new(struct vx_txfam *f, vx_ino_t ino)
{
	struct vx_txstate *t = f->fs->tx;
	struct ilock *l;

	pthread_mutex_lock(&t->lk);
	l = find(t, ino, true);
	if (l && !l->x) {
		l->x = f;
		if (remember(f, ino, LK_X))
			l->x = NULL;
		maybe_free(t, l);
	}
	pthread_mutex_unlock(&t->lk);
}

static void release(struct vx_txstate *t, struct vx_txfam *f, vx_ino_t ino)
{
	struct ilock *l = find(t, ino, false);

	if (!l)
		return;
	if (l->x == f)
		l->x = NULL;
	for (size_t i = 0; i < l->ns; i++)
		if (l->s[i] == f) {
			l->s[i] = l->s[--l->ns];
			break;
		}
	maybe_free(t, l);
}

void vx_unlock_inode(struct vx_txfam *f, vx_ino_t ino)
{
	struct vx_txstate *t = f->fs->tx;

	pthread_mutex_lock(&t->lk);
	release(t, f, ino);
	forget(f, ino);
	pthread_cond_broadcast(&t->lk_cond);
	pthread_mutex_unlock(&t->lk);
}

void vx_unlock_all(struct vx_txfam *f)
{
	struct vx_txstate *t = f->fs->tx;

	if (!f->nlocks)
		return;
	pthread_mutex_lock(&t->lk);
	for (size_t i = 0; i < f->nlocks; i++)
		release(t, f, f->locks[i].ino);
	f->nlocks = 0;
	kmap_free(&f->lockmap);
	pthread_cond_broadcast(&t->lk_cond);
	pthread_mutex_unlock(&t->lk);
}

/* the transaction holding @ino exclusively, if any (commit images) */
struct vx_txfam *vx_lock_writer(struct vx_fs *fs, vx_ino_t ino)
{
	struct vx_txstate *t = fs->tx;
	struct vx_txfam *f = NULL;
	struct ilock *l;

	pthread_mutex_lock(&t->lk);
	l = find(t, ino, false);
	if (l)
		f = l->x;
	pthread_mutex_unlock(&t->lk);
	return f;
}

void vx_locks_free(struct vx_fs *fs)
{
	struct vx_txstate *t = fs->tx;

	for (size_t i = 0; t->lbuckets && i < NBUCKETS; i++)
		while (t->lbuckets[i]) {
			struct ilock *l = t->lbuckets[i];

			t->lbuckets[i] = l->next;
			free(l->s);
			free(l);
		}
	free(t->lbuckets);
	t->lbuckets = NULL;
}

int vx_locks_init(struct vx_fs *fs)
{
	fs->tx->lbuckets = calloc(NBUCKETS, sizeof(*fs->tx->lbuckets));
	return fs->tx->lbuckets ? 0 : -ENOMEM;
}
