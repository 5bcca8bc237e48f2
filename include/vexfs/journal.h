/*
 * journal.h: the write-ahead log in the journal region: writing committed
 * transactions, checkpointing them home, recovery, and a read-only scan
 * for inspection tools.
 *
 * Log format (the region's block 0 is the journal superblock, format.h;
 * log blocks are region blocks 1 .. journal_blocks-1, used circularly).
 * Every descriptor, revoke and commit block starts with a 48-byte header
 * laid out like the metadata header but with its own magic:
 *   0 le32 magic  VX_JOURNAL_MAGIC    4 le16 type (VX_JB_*)   6 le16 0
 *   8 le32 crc32c of the block, this field as 0               12 le32 0
 *  16 le64 its own (absolute) block number
 *  24 le64 sequence number of its transaction     32 u8 uuid[16]
 * A transaction is, in log order: one or more descriptor blocks each
 * followed by the blocks it logs, then op record blocks (if any), then
 * revoke blocks (if any), then one commit block.
 *   descriptor: 48 le32 ntags, 52 le32 0, 56.. tags of 16 bytes:
 *               0 le64 home block, 8 le32 flags, 12 le32 crc32c.
 *               A metadata tag (flags VX_JT_ESCAPED or 0) is followed, in
 *               tag order after the descriptor, by its logged block; its
 *               crc is of the block as stored.  A data tag (VX_JT_DATA,
 *               bits 16-31 the run length - 1) logs nothing: it names a
 *               run of file data written in place before the commit, and
 *               its crc is the crc32c of the runs' per-block crc32c
 *               values (le32 each, in block order).
 *   op records: 48 le32 records, 52 le32 bytes used, 56.. records, each
 *               starting with le16 op, le16 length (a multiple of 8, the
 *               record's header included); the layout of a record is
 *               vx_oprec's (txn.h, man/vexfs.5)
 *   revoke:     48 le32 count, 52 le32 0, 56.. ranges of 16 bytes:
 *               le64 first block, le64 number of blocks
 *   commit:     48 le32 blocks of the transaction before the commit,
 *               52 le32 crc32c over those blocks in log order,
 *               56 le64 seconds, 64 le32 nanoseconds (commit time),
 *               72 le64 sequence number of the first transaction written
 *               since the last flush (its "batch")
 * A logged block whose first four bytes are VX_JOURNAL_MAGIC is stored
 * with them zeroed and VX_JT_ESCAPED set; replay restores them.
 * The journal superblock's tail is the log block where the oldest live
 * transaction starts (0: the log is empty) and first_seq the sequence
 * number of that transaction (or of the next one, when empty).
 *
 * Invariants (cited in lib/journal.c):
 *  (J1) vx_journal_commit reports success only after every block of the
 *       transaction, commit block included, was written and a flush of
 *       the device returned success (design brief I2).
 *  (J2) the journal writes a home location only from a transaction that
 *       is committed and fully validated (I1, on the journal's side).
 *  (J3) recovery validates a whole transaction before writing any of its
 *       blocks, replays transactions in sequence order and stops at the
 *       first one that is incomplete or invalid (I3).
 *  (J4) the journal superblock is reset only after the replayed blocks
 *       were flushed, so recovery interrupted by a crash and run again
 *       gives the same image (idempotent).
 *  (J5) sequence numbers only grow; blocks left in the log by an earlier
 *       cycle never validate as the transaction expected next.
 *  (J6) a block revoked by transaction R is not replayed from any
 *       transaction older than R.
 *  (J7) the file data a transaction names in data tags is checked at
 *       recovery for every transaction of the last batch (the only ones
 *       whose flush may not have completed), except blocks a later valid
 *       transaction revoked; a mismatch discards that transaction and
 *       every later one, so data torn by a crash is never exposed.
 *  (J8) when the log must be checkpointed while transactions written
 *       since the last flush are in it, they are flushed first: a home
 *       location is written only from flushed transactions.
 */
#ifndef VEXFS_JOURNAL_H
#define VEXFS_JOURNAL_H

#include <stdint.h>
#include "format.h"
#include "io.h"

#define VX_JOURNAL_MAGIC	0x4C4A5856u	/* bytes "VXJL" */
#define VX_JB_DESC		1
#define VX_JB_COMMIT		2
#define VX_JB_REVOKE		3
#define VX_JB_OPS		4
#define VX_JT_ESCAPED		0x1
#define VX_JT_DATA		0x2
#define VX_JDATA_MAX		65536u	/* blocks per data tag */
#define VX_JDESC_HDR		56
#define VX_JTAG_SIZE		16

struct vx_journal;

/* a run of file data written in place (see the data tag) */
struct vx_jdata {
	vx_blk_t start;
	uint32_t count;		/* 1 .. VX_JDATA_MAX */
	uint32_t crc;		/* crc32c of the le32 crc32c of each block */
};

/* one transaction to log: @nblocks block images for their home blocks,
 * the data runs it wrote in place, its op records, and the blocks it
 * frees (whose older logged images must not replay) */
struct vx_jtxn {
	uint64_t nblocks;
	const vx_blk_t *home;
	const void *const *data;	/* each one block long */
	uint64_t ndata;
	const struct vx_jdata *runs;
	size_t ops_len;			/* encoded op records, 8-aligned */
	const uint8_t *ops;
	uint64_t nrevoke;		/* ranges */
	const vx_blk_t *revoke;		/* nrevoke pairs: first, count */
};

/* what recovery (or a checkpoint) found and did */
struct vx_jrecovery {
	uint64_t txns;			/* committed transactions replayed */
	uint64_t first_seq, last_seq;	/* their sequence numbers (0: none) */
	uint64_t blocks;		/* home blocks written */
	uint64_t revoked;		/* logged blocks skipped as revoked */
	uint64_t discarded_seq;		/* first transaction found partial or
					 * invalid and not applied (0: none) */
	int discard_reason;		/* why: VX_EBADCRC, VX_ECORRUPT, ... */
	uint64_t next_seq;		/* sequence the next commit will use */
	uint64_t ops;			/* op records in replayed transactions */
	uint64_t data_runs;		/* data runs checked (J7) */
};

/*
 * vx_journal_open - the journal of the filesystem described by @sb on
 * @io (which stays the caller's).  Reads and checks the journal
 * superblock.  Does not recover: call vx_journal_recover first when
 * vx_journal_dirty says so.  Returns 0, -ENOMEM or a decode error.
 */
int vx_journal_open(struct vx_io *io, const struct vx_super *sb,
		    struct vx_journal **out);
void vx_journal_close(struct vx_journal *j);

/* vx_journal_dirty - 1 when the log holds transactions not yet home. */
int vx_journal_dirty(const struct vx_journal *j);

/*
 * vx_journal_commit - log @t as one transaction and make it durable (J1).
 * A journal without room checkpoints first.  @seq receives its sequence
 * number.  Returns 0, VX_ETXNFULL when @t alone does not fit in the log
 * (nothing written), or an I/O error (the transaction then did not
 * commit; recovery discards whatever part of it reached the disk).
 */
int vx_journal_commit(struct vx_journal *j, const struct vx_jtxn *t,
		      uint64_t *seq);

/*
 * vx_journal_write - as vx_journal_commit without the flush: the
 * transaction is durable only after the next vx_journal_flush returns 0.
 * Group commit writes a batch this way and flushes once.
 */
int vx_journal_write(struct vx_journal *j, const struct vx_jtxn *t,
		     uint64_t *seq);
/* vx_journal_flush - make every written transaction durable (J1). */
int vx_journal_flush(struct vx_journal *j);
/* vx_journal_blocks - log blocks @t would take (VX_ETXNFULL when more
 * than vx_journal_capacity) */
uint64_t vx_journal_blocks(const struct vx_journal *j, const struct vx_jtxn *t);
uint64_t vx_journal_capacity(const struct vx_journal *j);
/* vx_journal_set_time - record @fixed (seconds) as every commit's time
 * instead of the clock (0: the clock again); for reproducible images */
void vx_journal_set_time(struct vx_journal *j, int64_t fixed);

/* vx_journal_cycle - how many times the log was emptied (checkpoint or
 * recovery), plus one: blocks logged in the current cycle are written
 * home by the next checkpoint */
uint64_t vx_journal_cycle(const struct vx_journal *j);
/* vx_journal_next_seq - the sequence number the next write will use */
uint64_t vx_journal_next_seq(const struct vx_journal *j);

/* vx_journal_checkpoint - write the newest image of every logged block
 * home, flush, empty the log (a log written through this handle from
 * empty: from its index, without reading the rest back; else as
 * recovery).  @info may be NULL. */
int vx_journal_checkpoint(struct vx_journal *j, struct vx_jrecovery *info);

/* vx_journal_recover flags */
#define VX_RECOVER_DRY_RUN	0x1	/* scan and report; write nothing */

/*
 * vx_journal_recover - three passes over the log (scan, revoke, replay):
 * replay the committed transactions in order, stop at the first partial
 * or invalid one (J3), flush, then mark the log empty (J4).  @info
 * receives the counts and sequence numbers.  With VX_RECOVER_DRY_RUN
 * nothing is written.  Returns 0 or the first I/O error.
 */
int vx_journal_recover(struct vx_journal *j, unsigned flags,
		       struct vx_jrecovery *info);

/* ---- reading the log, for inspection (lib/journal_scan.c) ---- */

/* what became of a transaction vx_journal_scan found */
#define VX_JSCAN_COMMITTED	1	/* valid and live: recovery replays it */
#define VX_JSCAN_CHECKPOINTED	2	/* valid, numbered before the live log:
					 * already home (VX_JSCAN_ALL only) */
#define VX_JSCAN_DISCARDED	3	/* valid, but not live: after one that
					 * failed, or numbered past the live
					 * log (VX_JSCAN_ALL only) */
#define VX_JSCAN_PARTIAL	4	/* cut short: a block missing (not of
					 * this transaction) or unreadable */
#define VX_JSCAN_INVALID	5	/* a crc, header or field is wrong */

/* vx_journal_scan flags */
#define VX_JSCAN_ALL	0x1	/* also every log block past the live log:
				 * older transactions and stale fragments */
#define VX_JSCAN_DATA	0x2	/* also read the data runs: data tag crcs,
				 * and the live scan applies (J7) */

struct vx_jscan_tag {
	vx_blk_t home;		/* home block; data tag: the run's first */
	uint32_t flags;		/* VX_JT_* (data: run length - 1 << 16) */
	uint32_t crc;		/* as stored in the tag */
	uint32_t count;		/* blocks: 1, or the data run's length */
	int crc_ok;		/* 1 the logged copy (data: the run in place)
				 * matches crc, 0 it does not, -1 unchecked
				 * (data tags without VX_JSCAN_DATA, or once
				 * the scan read as many data blocks as the
				 * filesystem has; blocks not reached) */
	uint64_t pos;		/* log block of the logged copy (0: none) */
	uint64_t desc;		/* log block of the tag's descriptor */
};

/* one transaction, or a fragment of one; the arrays are the scan's and
 * valid during the callback only */
struct vx_jscan_txn {
	uint64_t seq;			/* from its headers */
	uint64_t pos;			/* log block where it starts */
	uint64_t len;			/* log blocks read, commit included */
	int state;			/* VX_JSCAN_* */
	int error;			/* the first check that failed: VX_E*
					 * or -errno; 0 when valid */
	uint64_t bad_pos;		/* log block of that check (0: none) */
	uint64_t commit_pos;		/* its commit block (0: none found) */
	uint32_t commit_blocks;		/* blocks the commit says precede it */
	uint32_t commit_crc;		/* crc stored in the commit block */
	uint32_t computed_crc;		/* crc of the blocks read before it */
	uint64_t batch;			/* first seq of its flush batch */
	int64_t time_sec;		/* commit time */
	uint32_t time_nsec;
	size_t ntags;
	const struct vx_jscan_tag *tags;
	size_t nrevoke;			/* revoke ranges */
	const vx_blk_t *revoke;		/* nrevoke pairs: first, count */
	size_t ops_len;			/* well-formed op records (txn.h) */
	const uint8_t *ops;
	uint64_t nblocks_desc, nblocks_ops, nblocks_revoke;
};

/* the live log as recovery sees it */
struct vx_jscan_info {
	uint64_t tail, first_seq;	/* the journal superblock's */
	uint64_t head;			/* past the last committed transaction
					 * (tail if none; 0: log empty) */
	uint64_t next_seq;		/* as vx_jrecovery's */
	uint64_t live;			/* committed transactions */
	int stop_reason;		/* 0: the live log ended; else the
					 * error of the one that failed */
	uint64_t stop_seq;		/* the sequence number expected there */
	uint64_t stop_pos;		/* head, or the failed one's bad_pos */
};

/* a non-zero return stops the scan, which returns it */
typedef int (*vx_jscan_fn)(void *ctx, const struct vx_jscan_txn *t);

/*
 * vx_journal_scan - report the transactions of the log to @fn, in log
 * order, writing nothing.  First the live log from the tail, checked as
 * recovery's scan checks it (J3, J5; J7 with VX_JSCAN_DATA): each one
 * recovery would replay as COMMITTED, in sequence order, then the first
 * one that failed (PARTIAL or INVALID, with its error).  With
 * VX_JSCAN_ALL, then every other log block in circle order: each
 * journal block of this filesystem found there starts a transaction or
 * fragment, reported once (a log recovery emptied keeps no record of
 * what it discarded: its leftovers read as CHECKPOINTED).
 * @from_seq: report only transactions numbered from it (0: all).
 * @info (may be NULL) is filled before the first call of @fn.
 * Returns 0, -ENOMEM, @fn's non-zero value, or the first read error: the
 * scan goes on past what it cannot read, except a data run (J7) of the
 * last batch, which ends it before any report.  Not while another thread
 * uses @j.
 */
int vx_journal_scan(struct vx_journal *j, unsigned flags, uint64_t from_seq,
		    vx_jscan_fn fn, void *ctx, struct vx_jscan_info *info);
/* vx_jscan_state_name - "committed", "checkpointed", ...; "?" if unknown */
const char *vx_jscan_state_name(int state);

#endif /* VEXFS_JOURNAL_H */
