/*
 * txn_int.h: transaction internals shared by txn.c (handles, rollback
 * entries, hooks), txn_lock.c (inode locks) and txn_commit.c (commit
 * images, group commit).  The numbered invariants are in txn.c.
 */
#ifndef VEXFS_TXN_INT_H
#define VEXFS_TXN_INT_H

#include <pthread.h>
#include <urcu/wfcqueue.h>
#include "fs_int.h"

struct ilock;

/* rollback entry kinds */
enum {
	RB_BLOCK = 1,	/* before-image of an owned metadata block */
	RB_FRESH,	/* a block first built in this scope (no image) */
	RB_INODE,	/* before-image of one inode slot */
	RB_ALLOC,	/* blocks allocated: undo frees them */
	RB_IALLOC,	/* inode allocated (aux: 1 for a directory) */
	RB_FREE,	/* blocks to free at commit (deferred) */
	RB_IFREE,	/* inode to free at commit (aux: directory) */
	RB_DATA,	/* crc32c of a data block written in place (aux) */
};

/* map key spaces */
#define K_BLOCK	(1ull << 60)
#define K_INODE	(2ull << 60)
#define K_DATA	(3ull << 60)
#define K_PIN	(4ull << 60)
#define K_LOCK	(5ull << 60)

struct rb_ent {
	uint8_t kind;
	uint32_t aux;
	uint64_t scope;		/* the scope that recorded it */
	uint64_t key;		/* block, inode or first block */
	uint64_t count;
	int64_t prev;		/* map value before this entry (-1: none) */
	struct vx_buf *buf;	/* BLOCK, FRESH, INODE: held buffer */
	uint8_t *image;
};


struct lockref {
	vx_ino_t ino;
	int mode;		/* LK_S or LK_X */
};
#define LK_S	1
#define LK_X	2

/* one outermost transaction with its open nested levels */
struct vx_txfam {
	struct vx_fs *fs;
	uint64_t id;
	unsigned flags;
	int iso;
	int state, error;
	unsigned depth;
	struct vx_txn **levels;		/* depth handles, outermost first */
	uint64_t next_scope;
	uint64_t scope;			/* scope of the running op or level */
	struct rb_ent *ents;
	size_t nents, cents;
	struct kmap map;		/* key -> latest entry (or pin, lock) */
	struct vx_buf **pins;		/* buffers this family changed */
	size_t npins, cpins;
	struct lockref *locks;
	size_t nlocks, clocks;
	struct kmap lockmap;		/* inode -> index in locks */
	struct ilock *waiting;		/* the lock it waits for (T4) */
	int wmode;
	uint64_t n_alloc, n_free, n_data;	/* entries of those kinds */
	uint8_t *ops;			/* op records */
	size_t ops_len, ops_cap;
	uint64_t nops;
	bool wrote;			/* changed anything */
	int hook_err;			/* a hook could not record (ENOMEM) */
	struct vx_txfam *prev, *next;	/* fs->running list */
	struct timespec t0;
};

struct vx_txn {
	struct vx_txfam *fam;
	unsigned level;			/* 1 = outermost */
	size_t mark;			/* entries before this level */
	size_t ops_mark;
	uint64_t nops_mark;
	uint64_t scope;
	int iso;
};

/* a committed transaction on its way to the journal */
struct txpay {
	struct cds_wfcq_node node;
	uint64_t seq;
	struct vx_jtxn jt;
	vx_blk_t *home;
	void **data;
	uint8_t *images;
	struct vx_jdata *runs;
	vx_blk_t *revoke;
	uint8_t *ops;
	struct rb_ent *frees;		/* applied once durable */
	size_t nfrees;
	bool async;
};

/* per group: uncommitted allocations of running transactions, and frees
 * committed but not yet durable (their blocks are not reused before) */
struct gtx {
	uint32_t un_blocks, un_inodes, un_dirs;
	uint32_t pend_blocks, pend_inodes, pend_dirs;
};

struct vx_txstate {
	struct vx_txn_tunables tun;
	struct vx_journal *j;
	uint64_t next_id;
	uint64_t next_seq;		/* journal seq the next commit gets */
	uint64_t durable;		/* highest seq known durable (C5) */
	uint64_t written;		/* highest seq written to the log */
	uint64_t epoch;			/* log cycle (checkpoints) */
	int error;			/* journal failed: refuse writes */
	unsigned running;
	struct vx_txfam *list;		/* running families */
	struct gtx *gtx;
	struct rb_ent *pend;		/* committed frees not yet durable */
	size_t npend, cpend;
	uint64_t *pend_seq;
	/* group commit */
	struct cds_wfcq_head qhead;
	struct cds_wfcq_tail qtail;
	pthread_mutex_t wlock;		/* the writer role */
	uint64_t wgen;			/* writer turns ended (under dlock) */
	pthread_mutex_t dlock;		/* durable, waits */
	pthread_cond_t dcond;		/* durable moved, or a writer's turn
					 * ended (committers wait) */
	pthread_cond_t fcond;		/* async commits queued (flusher) */
	pthread_cond_t slot_cond;	/* waits for a transaction slot */
	pthread_t flusher;
	bool flusher_on, stop;
	unsigned async_pending;
	/* inode locks */
	pthread_mutex_t lk;
	pthread_cond_t lk_cond;
	struct ilock **lbuckets;
	size_t nlbuckets;
	/* statistics: every field a uint64_t counter, added to atomically */
	struct vx_txn_stats st;
};

/* txn.c, txn_undo.c */
int vx_tx_setup(struct vx_fs *fs);	/* at open, read-write */
void vx_tx_teardown(struct vx_fs *fs);
void vx_tx_clear_scope(struct vx_txfam *f, size_t mark);
int vx_tx_undo(struct vx_txfam *f, size_t mark);
/* unhold every buffer, free every entry (fs->lock held) */
void vx_tx_drop_holds(struct vx_txfam *f);
void vx_tx_release(struct vx_txfam *f);
void vx_tx_stat_add(struct vx_fs *fs, size_t field, uint64_t n);
#define TX_STAT(fs, f, n) \
	vx_tx_stat_add(fs, offsetof(struct vx_txn_stats, f), n)
bool vx_tx_fatal(int err);
/* now + commit_timeout, for the timed waits */
void vx_tx_deadline(struct vx_fs *fs, struct timespec *ts);

/* an operation's hold on its transaction (ops*.c) */
struct vx_opctx {
	struct vx_fs *fs;
	struct vx_txn *tx;
	struct vx_txfam *f;
	bool own;		/* a transaction of its own (tx was NULL) */
	bool write;
	bool entered;		/* holds fs->lock */
	size_t mark, ops_mark;
	uint64_t nops_mark, outer_scope;
};
int vx_op_begin(struct vx_fs *fs, struct vx_txn *tx, bool write,
		struct vx_opctx *c);
/* lock @ino (LK_S / LK_X) for the operation; never with fs->lock held */
int vx_op_lock(struct vx_opctx *c, vx_ino_t ino, int mode);
/* take fs->lock and open the operation's scope */
void vx_op_enter(struct vx_opctx *c);
/* close the scope (undo it on @err) and drop fs->lock */
int vx_op_leave(struct vx_opctx *c, int err);
/* finish: drop read-committed shared locks, commit or abort an own
 * transaction, make the transaction FAILED on a fatal error */
int vx_op_end(struct vx_opctx *c, int err);
/* append a semantic op record (VX_OP_*) to the transaction */
int vx_op_record(struct vx_opctx *c, unsigned op, uint32_t mode,
		 vx_ino_t ino, vx_ino_t dir, vx_ino_t ino2, uint64_t off,
		 uint64_t len, const char *name, const char *name2);

/* txn_lock.c */
int vx_lock_inode(struct vx_txfam *f, vx_ino_t ino, int mode);
void vx_unlock_inode(struct vx_txfam *f, vx_ino_t ino);
void vx_unlock_all(struct vx_txfam *f);
void vx_lock_grant_new(struct vx_txfam *f, vx_ino_t ino);
struct vx_txfam *vx_lock_writer(struct vx_fs *fs, vx_ino_t ino);
void vx_locks_free(struct vx_fs *fs);
int vx_locks_init(struct vx_fs *fs);

/* txn_commit.c, txn_group.c */
void vx_tx_pay_free(struct txpay *p);

int vx_tx_commit_outer(struct vx_txfam *f, uint64_t *seq);
int vx_tx_drain(struct vx_fs *fs, uint64_t upto, bool wait);
int vx_tx_checkpoint(struct vx_fs *fs);
void vx_tx_group_image(struct vx_fs *fs, uint32_t g, void *blk, uint64_t seq);
void vx_tx_committed_counts(struct vx_fs *fs, uint64_t *blocks,
			    uint64_t *inodes);
int vx_tx_flusher_start(struct vx_fs *fs);
void vx_tx_flusher_stop(struct vx_fs *fs);

#endif /* VEXFS_TXN_INT_H */
