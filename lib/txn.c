/*
 * txn.c: transaction handles, nesting, rollback entries, and the hooks
 * the structure modules call as they change blocks.
 *
 * Changes are made in place in the shared block cache, under the
 * filesystem lock, one operation at a time; transactions interleave
 * between operations and are kept apart by inode locks (txn_lock.c).
 * What keeps a running transaction's changes off the disk, and lets it
 * be undone, is stated here; what makes a commit durable and all or
 * nothing is txn_commit.c and the journal.
 *
 * Invariants (the unit tests in tests/unit/test_txn*.c are named after
 * them):
 *  (I1) a home location is never written before the transaction that
 *       changed it is durable in the journal: the cache writes a buffer
 *       home only when no running transaction holds it, its last
 *       committed change is durable, and the live log holds no image of
 *       it (C5, cache.c); the journal writes home only from flushed,
 *       validated transactions (J2, J8).
 *  (I2) commit reports success only after the flush that made it
 *       durable returned success (J1, txn_commit.c).
 *  (I3) recovery replays committed transactions in sequence order,
 *       stops at the first incomplete or invalid one, and is idempotent
 *       (J3, J4, J7).
 *  (I4) an aborted transaction, or a rolled-back nested one, leaves no
 *       trace on disk or in the cache: by (T1) none of its changes can
 *       be written home, and by (T2) undoing its entries restores every
 *       block and inode it changed and frees everything it allocated.
 *       Two things are not part of any transaction and stay: the first
 *       set-up of a group's bitmaps and inode-table blocks (written home
 *       at once, in the state their "uninitialised" flag stands for, so
 *       any header agrees with them; alloc.c), and the contents of
 *       blocks that are free again (file data it wrote in place).
 *  (T1) every buffer a transaction changes is held (txns > 0) from its
 *       first change until the transaction ends.
 *  (T2) every change is preceded by a rollback entry of the innermost
 *       scope (a nested level, or the operation running in it): a
 *       before-image for a directory or extent block or an inode slot,
 *       the range for an allocation; frees are deferred to the
 *       outermost commit, so undoing needs nothing for them.
 *  (T3) locks are two-phase: taken during the transaction, released
 *       at its end (read committed releases shared locks after each
 *       read); an operation's error undoes the operation's scope only.
 *  (T4) no transaction waits in a cycle: one about to wait checks the
 *       wait-for graph and fails with VX_EDEADLOCK instead of closing a
 *       cycle; every other wait ends within commit_timeout (txn_lock.c).
 *  (T5) the journal image of a block shared between transactions (a
 *       bitmap, an inode-table block, a group header) holds exactly the
 *       committed state: other running transactions' allocations and
 *       inode changes are taken out (txn_commit.c).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "txn_int.h"
#include "vexfs/journal.h"

/* ---- statistics ---- */

_Static_assert(sizeof(struct vx_txn_stats) % sizeof(uint64_t) == 0,
	       "vx_txn_stats is read counter by counter (uint64_t each)");

void vx_tx_stat_add(struct vx_fs *fs, size_t field, uint64_t n)
{
	struct vx_txstate *t = fs->tx;

	/* counters only: atomic adds, no lock on the operations' path */
	__atomic_add_fetch((uint64_t *)((char *)&t->st + field), n,
			   __ATOMIC_RELAXED);
}

int vx_txn_stats(struct vx_fs *fs, struct vx_txn_stats *out)
{
	struct vx_txstate *t = fs->tx;

	if (!t)
		return -EINVAL;
	/* each counter is read whole (atomic); the set is not a snapshot */
	for (size_t i = 0; i < sizeof(t->st) / sizeof(uint64_t); i++)
		((uint64_t *)out)[i] = __atomic_load_n(&((uint64_t *)&t->st)[i],
						       __ATOMIC_RELAXED);
	pthread_mutex_lock(&t->dlock);
	out->running = t->running;
	pthread_mutex_unlock(&t->dlock);
	return 0;
}

uint64_t vx_txn_latency_pct(const struct vx_txn_stats *s, double pct)
{
	uint64_t total = 0, seen = 0;

	for (int i = 0; i < VX_LAT_BUCKETS; i++)
		total += s->latency[i];
	if (!total)
		return 0;
	for (int i = 0; i < VX_LAT_BUCKETS; i++) {
		seen += s->latency[i];
		if ((double)seen * 100.0 >= pct * (double)total)
			return (1ull << i) * 1000;
	}
	return (1ull << (VX_LAT_BUCKETS - 1)) * 1000;
}

/* ---- tunables ---- */

int vx_txn_get_tunables(struct vx_fs *fs, struct vx_txn_tunables *out)
{
	if (!fs->tx)
		return -EINVAL;
	pthread_mutex_lock(&fs->tx->dlock);
	*out = fs->tx->tun;
	pthread_mutex_unlock(&fs->tx->dlock);
	return 0;
}

int vx_txn_set_tunables(struct vx_fs *fs, const struct vx_txn_tunables *t)
{
	if (!fs->tx)
		return -EINVAL;
	if (!t->max_txns || !t->batch_size || !t->commit_timeout_ms ||
	    !t->max_depth || t->max_txns > 4096 || t->batch_size > 4096 ||
	    t->max_depth > 64)
		return -EINVAL;
	pthread_mutex_lock(&fs->tx->dlock);
	fs->tx->tun = *t;
	pthread_cond_broadcast(&fs->tx->slot_cond);
	pthread_mutex_unlock(&fs->tx->dlock);
	return 0;
}

bool vx_tx_fatal(int err)
{
	return err == VX_EDEADLOCK || err == VX_ETIMEOUT || err == -EIO ||
	       err == VX_ECORRUPT || err == VX_EBADCRC || err == VX_EROLLBACK ||
	       err == -ENOMEM || err == VX_ETXNFAILED;
}

static void unlink_running(struct vx_txfam *f)
{
	struct vx_fs *fs = f->fs;

	if (f->prev)
		f->prev->next = f->next;
	else
		fs->tx->list = f->next;
	if (f->next)
		f->next->prev = f->prev;
	f->prev = f->next = NULL;
}

/* the end of an outermost transaction, committed or aborted: fs->lock
 * held on entry, released on return */
void vx_tx_release(struct vx_txfam *f)
{
	struct vx_fs *fs = f->fs;
	struct vx_txstate *t = fs->tx;

	vx_tx_drop_holds(f);
	unlink_running(f);
	/* (T3) at the end, and before fs->lock goes: once a commit's frees
	 * can be applied, no lock of it may name an inode reused */
	vx_unlock_all(f);
	pthread_mutex_unlock(&fs->lock);
	for (unsigned i = 0; i < f->depth; i++)
		free(f->levels[i]);
	free(f->levels);
	free(f->ents);
	free(f->pins);
	free(f->locks);
	free(f->ops);
	kmap_free(&f->map);
	kmap_free(&f->lockmap);
	free(f);
	pthread_mutex_lock(&t->dlock);
	t->running--;
	pthread_cond_signal(&t->slot_cond);
	pthread_mutex_unlock(&t->dlock);
}

/* ---- the API ---- */

void vx_tx_deadline(struct vx_fs *fs, struct timespec *ts)
{
	uint64_t ms = fs->tx->tun.commit_timeout_ms;

	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

int vx_txn_begin(struct vx_fs *fs, unsigned flags, int iso,
		 struct vx_txn **out)
{
	struct vx_txstate *t = fs->tx;
	struct vx_txfam *f;
	struct vx_txn *tx;
	struct timespec ts;
	int err = 0;

	*out = NULL;
	if (!t)
		return -EINVAL;
	if (flags & ~(VX_TXN_ASYNC | VX_TXN_RDONLY))
		return -EINVAL;
	if (iso == 0)
		iso = VX_ISO_SERIALIZABLE;
	if (iso != VX_ISO_READ_COMMITTED && iso != VX_ISO_SERIALIZABLE)
		return -EINVAL;
	if (vx_fs_rdonly(fs) && !(flags & VX_TXN_RDONLY))
		return VX_EROFS;
	if (t->error && !(flags & VX_TXN_RDONLY))
		return t->error;
	f = calloc(1, sizeof(*f));
	tx = calloc(1, sizeof(*tx));
	if (f)
		f->levels = calloc(t->tun.max_depth + 1, sizeof(*f->levels));
	if (!f || !tx || !f->levels) {
		if (f)
			free(f->levels);
		free(f);
		free(tx);
		return -ENOMEM;
	}
	vx_tx_deadline(fs, &ts);
	pthread_mutex_lock(&t->dlock);
	while (t->running >= t->tun.max_txns && !err)
		err = pthread_cond_timedwait(&t->slot_cond, &t->dlock, &ts);
	if (!err)
		t->running++;
	pthread_mutex_unlock(&t->dlock);
	if (err) {
		free(f->levels);
		free(f);
		free(tx);
		TX_STAT(fs, timeouts, 1);
		return VX_ETIMEOUT;
	}
	clock_gettime(CLOCK_MONOTONIC, &f->t0);
	f->fs = fs;
	f->flags = flags;
	f->iso = iso;
	f->state = VX_TXN_ACTIVE;
	f->depth = 1;
	f->levels[0] = tx;
	tx->fam = f;
	tx->level = 1;
	tx->iso = iso;
	pthread_mutex_lock(&fs->lock);
	f->id = ++t->next_id;
	f->scope = tx->scope = ++f->next_scope;
	f->next = t->list;
	if (t->list)
		t->list->prev = f;
	t->list = f;
	pthread_mutex_unlock(&fs->lock);
	TX_STAT(fs, begun, 1);
	*out = tx;
	return 0;
}

static bool innermost(const struct vx_txn *tx)
{
	return tx->fam->levels[tx->fam->depth - 1] == tx;
}

int vx_txn_begin_nested(struct vx_txn *parent, int iso, struct vx_txn **out)
{
	struct vx_txfam *f;
	struct vx_txn *tx;

	*out = NULL;
	if (!parent)
		return -EINVAL;
	f = parent->fam;
	if (!innermost(parent) || f->depth >= f->fs->tx->tun.max_depth)
		return VX_ENESTING;
	if (f->state == VX_TXN_FAILED)
		return VX_ETXNFAILED;
	if (iso == 0)
		iso = parent->iso;
	if (iso != VX_ISO_READ_COMMITTED && iso != VX_ISO_SERIALIZABLE)
		return -EINVAL;
	if (iso > parent->iso)
		return VX_EISOLATION;	/* a child cannot promise more */
	tx = calloc(1, sizeof(*tx));
	if (!tx)
		return -ENOMEM;
	tx->fam = f;
	tx->level = f->depth + 1;
	tx->iso = iso;
	pthread_mutex_lock(&f->fs->lock);
	tx->mark = f->nents;
	tx->ops_mark = f->ops_len;
	tx->nops_mark = f->nops;
	f->scope = tx->scope = ++f->next_scope;
	pthread_mutex_unlock(&f->fs->lock);
	f->levels[f->depth++] = tx;
	*out = tx;
	return 0;
}

static void pop_level(struct vx_txfam *f)
{
	struct vx_txn *tx = f->levels[--f->depth];

	f->levels[f->depth] = NULL;
	f->scope = f->levels[f->depth - 1]->scope;
	free(tx);
}

int vx_txn_abort(struct vx_txn *tx)
{
	struct vx_txfam *f;
	struct vx_fs *fs;
	int err = 0;

	if (!tx)
		return -EINVAL;
	f = tx->fam;
	fs = f->fs;
	while (!innermost(tx))			/* open children go first */
		err = vx_txn_abort(f->levels[f->depth - 1]) ? VX_EROLLBACK : err;
	pthread_mutex_lock(&fs->lock);
	if (vx_tx_undo(f, tx->mark))		/* (I4) */
		err = VX_EROLLBACK;
	if (tx->level > 1) {
		f->ops_len = tx->ops_mark;
		f->nops = tx->nops_mark;
		pthread_mutex_unlock(&fs->lock);
		pop_level(f);
		TX_STAT(fs, rollbacks, 1);
		return err;
	}
	vx_tx_release(f);			/* unlocks fs->lock */
	TX_STAT(fs, aborts, 1);
	return err;
}

int vx_txn_commit(struct vx_txn *tx, uint64_t *seq)
{
	struct vx_txfam *f;

	if (seq)
		*seq = 0;
	if (!tx)
		return -EINVAL;
	f = tx->fam;
	if (!innermost(tx))
		return VX_ENESTING;
	if (f->state == VX_TXN_FAILED) {
		while (f->depth > 1)
			vx_txn_abort(f->levels[f->depth - 1]);
		vx_txn_abort(f->levels[0]);
		return VX_ETXNFAILED;
	}
	if (tx->level > 1) {		/* merge into the parent */
		pthread_mutex_lock(&f->fs->lock);
		f->scope = f->levels[f->depth - 2]->scope;
		vx_tx_clear_scope(f, tx->mark);
		pthread_mutex_unlock(&f->fs->lock);
		pop_level(f);
		return 0;
	}
	return vx_tx_commit_outer(f, seq);
}

int vx_txn_info(const struct vx_txn *tx, struct vx_txn_info *out)
{
	const struct vx_txfam *f;
	uint64_t blocks = 0;

	if (!tx)
		return -EINVAL;
	f = tx->fam;
	memset(out, 0, sizeof(*out));
	out->id = f->id;
	out->state = f->state;
	out->error = f->error;
	out->isolation = tx->iso;
	out->flags = f->flags;
	out->depth = tx->level;
	out->ops = f->nops;
	out->locks = f->nlocks;
	/* an upper bound: every held buffer, a header per group, a tag per
	 * data block, the descriptors, op records, revokes and commit */
	{
		uint64_t tags, per = (f->fs->bsize - 56) / 16;
		uint64_t g = f->n_alloc + f->n_free, gc = f->fs->sb.group_count;

		blocks = f->npins + (g < gc ? g : gc);
		tags = blocks + f->n_data;
		out->blocks = blocks + (tags + per - 1) / per +
			      (f->ops_len + f->fs->bsize - 57) /
			      (f->fs->bsize - 56) +
			      (f->n_free + per - 1) / per + 1;
	}
	return 0;
}

/* ---- operations ---- */

int vx_op_begin(struct vx_fs *fs, struct vx_txn *tx, bool write,
		struct vx_opctx *c)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->fs = fs;
	c->write = write;
	if (write && vx_fs_rdonly(fs))
		return VX_EROFS;
	if (!tx) {
		err = vx_txn_begin(fs, write ? 0 : VX_TXN_RDONLY,
				   write ? VX_ISO_SERIALIZABLE :
					   VX_ISO_READ_COMMITTED, &tx);
		if (err)
			return err;
		c->own = true;
	}
	c->tx = tx;
	c->f = tx->fam;
	if (!innermost(tx))
		err = VX_ENESTING;
	else if (c->f->state == VX_TXN_FAILED)
		err = VX_ETXNFAILED;
	else if (write && (c->f->flags & VX_TXN_RDONLY))
		err = VX_EISOLATION;
	else
		err = write && fs->tx->error ? fs->tx->error : 0;
	if (err && c->own) {
		vx_txn_abort(tx);
		c->tx = NULL;
		c->own = false;
	}
	return err;
}

int vx_op_lock(struct vx_opctx *c, vx_ino_t ino, int mode)
{
	return vx_lock_inode(c->f, ino, mode);
}

void vx_op_enter(struct vx_opctx *c)
{
	struct vx_txfam *f = c->f;

	pthread_mutex_lock(&c->fs->lock);
	c->entered = true;
	c->mark = f->nents;
	c->ops_mark = f->ops_len;
	c->nops_mark = f->nops;
	c->outer_scope = f->scope;
	f->scope = ++f->next_scope;
	if (c->write)
		c->fs->cur = f;
}

int vx_op_leave(struct vx_opctx *c, int err)
{
	struct vx_txfam *f = c->f;

	if (!c->entered)
		return err;
	if (!err && f->hook_err)
		err = f->hook_err;
	f->hook_err = 0;
	if (err) {
		if (vx_tx_undo(f, c->mark))	/* (T3) the operation only */
			err = VX_EROLLBACK;
		f->ops_len = c->ops_mark;
		f->nops = c->nops_mark;
		f->scope = c->outer_scope;
	} else {
		f->scope = c->outer_scope;
		vx_tx_clear_scope(f, c->mark);
	}
	c->fs->cur = NULL;
	c->entered = false;
	pthread_mutex_unlock(&c->fs->lock);
	return err;
}

int vx_op_end(struct vx_opctx *c, int err)
{
	struct vx_fs *fs = c->fs;

	err = vx_op_leave(c, err);
	if (!c->tx)
		return err;
	TX_STAT(fs, ops, 1);
	if (err)
		TX_STAT(fs, op_errors, 1);
	if (err && vx_tx_fatal(err) && c->f->state == VX_TXN_ACTIVE) {
		c->f->state = VX_TXN_FAILED;
		c->f->error = err;
		TX_STAT(fs, errors, 1);
	}
	if (c->own) {
		int e2 = err ? vx_txn_abort(c->tx) : vx_txn_commit(c->tx, NULL);
		if (!err)
			err = e2;
	} else if (c->tx->iso == VX_ISO_READ_COMMITTED) {
		/* read committed: shared locks go after each operation */
		for (size_t i = c->f->nlocks; i-- > 0;)
			if (c->f->locks[i].mode == LK_S)
				vx_unlock_inode(c->f, c->f->locks[i].ino);
	}
	return err;
}

const char *vx_op_name(unsigned op)
{
	static const char *const names[] = {
		[VX_OP_CREATE] = "create", [VX_OP_MKDIR] = "mkdir",
		[VX_OP_SYMLINK] = "symlink", [VX_OP_LINK] = "link",
		[VX_OP_UNLINK] = "unlink", [VX_OP_RMDIR] = "rmdir",
		[VX_OP_RENAME] = "rename", [VX_OP_WRITE] = "write",
		[VX_OP_TRUNCATE] = "truncate", [VX_OP_SETATTR] = "setattr",
	};

	return op < sizeof(names) / sizeof(names[0]) ? names[op] : NULL;
}

int vx_op_record(struct vx_opctx *c, unsigned op, uint32_t mode,
		 vx_ino_t ino, vx_ino_t dir, vx_ino_t ino2, uint64_t off,
		 uint64_t len, const char *name, const char *name2)
{
	struct vx_txfam *f = c->f;
	size_t n1 = name ? strlen(name) : 0, n2 = name2 ? strlen(name2) : 0;
	size_t rl = (VX_OPREC_HDR + n1 + n2 + 7) & ~(size_t)7;
	uint8_t *r;

	size_t room = c->fs->bsize - VX_JDESC_HDR;

	if (rl > room) {	/* a long symlink target is cut short */
		n2 = room - VX_OPREC_HDR - n1;
		rl = (VX_OPREC_HDR + n1 + n2) & ~(size_t)7;
		n2 = rl - VX_OPREC_HDR - n1;
	}
	if (f->ops_len + rl > f->ops_cap) {
		size_t cap = f->ops_cap ? f->ops_cap * 2 : 1024;
		uint8_t *p;

		while (cap < f->ops_len + rl)
			cap *= 2;
		p = realloc(f->ops, cap);
		if (!p)
			return -ENOMEM;
		f->ops = p;
		f->ops_cap = cap;
	}
	r = f->ops + f->ops_len;
	memset(r, 0, rl);
	vx_put16(r, (uint16_t)op);
	vx_put16(r + 2, (uint16_t)rl);
	vx_put32(r + 4, mode);
	vx_put64(r + 8, ino);
	vx_put64(r + 16, dir);
	vx_put64(r + 24, ino2);
	vx_put64(r + 32, off);
	vx_put64(r + 40, len);
	vx_put16(r + 48, (uint16_t)n1);
	vx_put16(r + 50, (uint16_t)n2);
	if (n1)
		memcpy(r + VX_OPREC_HDR, name, n1);
	if (n2)
		memcpy(r + VX_OPREC_HDR + n1, name2, n2);
	f->ops_len += rl;
	f->nops++;
	return 0;
}
