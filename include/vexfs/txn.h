/*
 * txn.h: transactions on an open filesystem.
 *
 * Every change libvexfs makes goes through a transaction: the file
 * operations of ops.h take a transaction (or NULL, and then run in one of
 * their own that commits before they return).  A transaction is all or
 * nothing on disk: its blocks reach their home locations only after the
 * journal holds all of them behind a valid commit block.
 *
 * State diagram of a transaction handle:
 *
 *      begin ──► ACTIVE ──commit──► (committed; handle freed)
 *                  │  ▲
 *     fatal error  │  │ begin_nested / child commit or abort
 *                  ▼  │
 *                FAILED ──abort──► (aborted; handle freed)
 *      ACTIVE ──abort──► (aborted; handle freed)
 *
 * An operation that fails with an ordinary error (-ENOENT, -EEXIST,
 * VX_ENOSPC, VX_ENOINODES, ...) has no effect and leaves the transaction
 * ACTIVE.  A fatal error (VX_EDEADLOCK, VX_ETIMEOUT, -EIO, VX_ECORRUPT,
 * VX_EBADCRC, VX_EROLLBACK) makes it FAILED: every later call on it but
 * abort returns VX_ETXNFAILED, and commit of a FAILED transaction aborts
 * it and returns VX_ETXNFAILED.
 *
 * Nesting: vx_txn_begin_nested opens a child on the innermost open level
 * (at most max_depth levels).  Only the innermost level may be used; a
 * call on an outer level while a child is open returns VX_ENESTING.  A
 * child's commit merges its changes into its parent; its abort restores
 * the parent's view from the rollback entries (before-images) the child
 * recorded on its first change to each block, inode or allocation.  Only
 * the outermost commit reaches the journal.
 *
 * Concurrency: any number of threads (at most max_txns at once), each
 * with its own transaction; a handle is used by one thread at a time.
 * Inodes are locked two-phase: shared to read, exclusive to change, held
 * to the end of the transaction (read committed drops shared locks as
 * soon as the read is done).  A conflicting request waits, unless the
 * wait would close a cycle of transactions waiting for each other: then
 * it fails at once with VX_EDEADLOCK (the transaction is FAILED; abort
 * it and retry).  No wait lasts longer than commit_timeout
 * (VX_ETIMEOUT).  Locks are released when the transaction is committed
 * in memory, before its flush: a transaction that saw its changes
 * commits after it.
 *
 * Group commit: committing transactions go onto a lock-free queue; one
 * of the committing threads takes up to batch_size of them, writes them
 * as one journal transaction (the newest image of each block they
 * changed) with one flush, and wakes the others.
 * VX_TXN_ASYNC commits return before the flush; vx_txn_sync waits for
 * everything committed so far.
 */
#ifndef VEXFS_TXN_H
#define VEXFS_TXN_H

#include <stdint.h>
#include <stdbool.h>

struct vx_fs;
struct vx_txn;

/* isolation levels */
#define VX_ISO_READ_COMMITTED	1
#define VX_ISO_SERIALIZABLE	2	/* the default (0 means this) */

/* vx_txn_begin flags */
#define VX_TXN_ASYNC	0x1	/* commit returns before the flush */
#define VX_TXN_RDONLY	0x2	/* changes fail with VX_EISOLATION */

/*
 * vx_txn_begin - start a transaction on @fs.  @isolation is one of
 * VX_ISO_* (0: serializable).  Waits for a slot when max_txns are
 * running (VX_ETIMEOUT after commit_timeout).  VX_EROFS on a read-only
 * filesystem unless VX_TXN_RDONLY.
 */
int vx_txn_begin(struct vx_fs *fs, unsigned flags, int isolation,
		 struct vx_txn **out);

/*
 * vx_txn_begin_nested - open a child of @parent (the innermost open
 * level).  VX_ENESTING past max_depth levels or when @parent has an open
 * child; VX_EISOLATION when @isolation (0: the parent's) is stronger than
 * the parent's.
 */
int vx_txn_begin_nested(struct vx_txn *parent, int isolation,
			struct vx_txn **out);

/*
 * vx_txn_commit - commit @tx and free the handle.  For a child: merge
 * into the parent.  For the outermost level: durable on return unless
 * VX_TXN_ASYNC; @seq (may be NULL) receives its commit number (commit
 * order, stamped in the headers of the blocks it changed; 0 for a
 * transaction that changed nothing).  The batch it was flushed in is one
 * journal transaction, with a sequence number of its own.  On an error
 * the transaction was aborted (nothing of it is on disk or in memory),
 * except VX_ETIMEOUT from the durability wait: the transaction is
 * committed in memory and will reach the journal; vx_txn_sync tells.
 */
int vx_txn_commit(struct vx_txn *tx, uint64_t *seq);

/* vx_txn_abort - undo everything @tx (and its open children) did and
 * free the handle.  VX_EROLLBACK if an undo step failed (the filesystem
 * is then marked with errors and refuses further transactions). */
int vx_txn_abort(struct vx_txn *tx);

/* vx_txn_sync - make every transaction committed so far durable. */
int vx_txn_sync(struct vx_fs *fs);

/* state of a handle */
#define VX_TXN_ACTIVE	1
#define VX_TXN_FAILED	2

struct vx_txn_info {
	uint64_t id;		/* begin order; older transactions are smaller */
	int state;		/* VX_TXN_ACTIVE / VX_TXN_FAILED */
	int error;		/* what made it FAILED (0 when ACTIVE) */
	int isolation;
	unsigned flags;
	unsigned depth;		/* 1 for an outermost transaction */
	uint64_t ops;		/* operations done (all levels) */
	uint64_t blocks;	/* upper bound of the blocks its commit logs */
	uint64_t locks;		/* inode locks held */
};
int vx_txn_info(const struct vx_txn *tx, struct vx_txn_info *out);

struct vx_txn_tunables {
	unsigned max_txns;		/* concurrent transactions (256) */
	unsigned batch_size;		/* transactions per group commit (64) */
	unsigned commit_timeout_ms;	/* bound on every wait (10000) */
	bool batching;			/* group commit on (true) */
	unsigned max_depth;		/* nesting levels (8) */
};
int vx_txn_get_tunables(struct vx_fs *fs, struct vx_txn_tunables *out);
/* -EINVAL for a zero value or batch_size/max_txns above 4096 */
int vx_txn_set_tunables(struct vx_fs *fs, const struct vx_txn_tunables *t);

/*
 * Semantic op records: every change an operation makes is described by
 * one record in the journal, next to the blocks it changed (for
 * inspection, replay tools and audits; recovery replays blocks).
 * Layout (little-endian, padded to a multiple of 8 bytes):
 *   0 le16 op (VX_OP_*)   2 le16 record length   4 le32 mode
 *   8 le64 inode          16 le64 directory      24 le64 second inode
 *     (link target, rename's new directory, replaced inode)
 *  32 le64 offset         40 le64 length (bytes written, new size)
 *  48 le16 name length    50 le16 second name length   52 le32 0
 *  56 name, then the second name (rename's new name, symlink target)
 */
#define VX_OP_CREATE	1
#define VX_OP_MKDIR	2
#define VX_OP_SYMLINK	3
#define VX_OP_LINK	4
#define VX_OP_UNLINK	5
#define VX_OP_RMDIR	6
#define VX_OP_RENAME	7
#define VX_OP_WRITE	8
#define VX_OP_TRUNCATE	9
#define VX_OP_SETATTR	10
#define VX_OPREC_HDR	56
/* vx_op_name - "create", "mkdir", ... or NULL */
const char *vx_op_name(unsigned op);

#define VX_LAT_BUCKETS	24	/* bucket i: latency < 2^i microseconds */

struct vx_txn_stats {
	uint64_t begun, commits, aborts;
	uint64_t rollbacks;		/* nested levels aborted */
	uint64_t ops;			/* file operations done in transactions */
	uint64_t op_errors;		/* operations that failed */
	uint64_t errors;		/* transactions made FAILED */
	uint64_t deadlocks, timeouts;
	uint64_t lock_waits;		/* lock requests that had to wait */
	uint64_t lock_wait_ns;		/* time spent waiting for locks */
	uint64_t batches;		/* journal transactions written */
	uint64_t batched;		/* transactions in them */
	uint64_t log_bytes;		/* bytes written to the journal */
	uint64_t data_bytes;		/* file data written in place */
	uint64_t checkpoints;
	uint64_t running;		/* transactions open now */
	uint64_t latency[VX_LAT_BUCKETS];	/* commit latency histogram */
	uint64_t latency_ns_total;
};
/* vx_txn_stats - the counters since the open; each is read whole, but
 * counters moving meanwhile are not one snapshot */
int vx_txn_stats(struct vx_fs *fs, struct vx_txn_stats *out);
/* the latency (ns) below which @pct percent of commits finished */
uint64_t vx_txn_latency_pct(const struct vx_txn_stats *s, double pct);

#endif /* VEXFS_TXN_H */
