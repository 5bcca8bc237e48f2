/*
 * check.h: the checker core behind fsck.vexfs (and debugfs's check).
 *
 * vx_check runs on an open device: journal recovery first, then seven
 * passes, each over one kind of structure (lib/check_*.c says what each
 * checks).  Every inconsistency is a finding of one problem code from a
 * single table (vx_check_problem): the code, the message wording, the
 * question and whether a preen run may answer it alone.  The caller
 * answers each finding through a callback; accepted repairs are made
 * through journaled transactions, so a crash during a repair leaves the
 * image as it was before or after each repair step, and a second run
 * finishes the job.  The library never prints: findings, pass changes
 * and progress go to the callbacks.
 */
#ifndef VEXFS_CHECK_H
#define VEXFS_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include "journal.h"
#include "io.h"

/* the passes, in the order they run */
enum vx_check_pass {
	VX_PASS_JOURNAL = 0,	/* journal recovery */
	VX_PASS_SUPER = 1,	/* superblock, backups, journal superblock */
	VX_PASS_GROUPS,		/* allocation-group headers */
	VX_PASS_INODES,		/* inodes and extent trees */
	VX_PASS_BITMAPS,	/* bitmaps and free counts */
	VX_PASS_DIRS,		/* directories */
	VX_PASS_CONNECT,	/* connectivity, lost+found */
	VX_PASS_LINKS,		/* link counts */
	VX_PASS_COUNT
};

/* problem flags */
#define VX_PRF_PREEN	0x1	/* a preen run (-p) may fix it alone */

struct vx_problem {
	int code;		/* VX_PR_* */
	const char *name;	/* "INODE_BAD_CRC": stable, for JSON */
	int pass;		/* enum vx_check_pass */
	const char *fmt;	/* printf format of the message */
	const char *question;	/* "Clear", "Fix", ... (no '?') */
	const char *fixed;	/* what was done, for preen: "CLEARED" */
	unsigned flags;		/* VX_PRF_* */
	int def;		/* default answer: VX_ANS_YES or VX_ANS_NO */
};

/* the problem codes; the table in lib/check_problem.c gives each its
 * wording */
enum vx_problem_code {
	VX_PR_SUPER_PRIMARY_BAD = 1,
	VX_PR_SUPER_BACKUP_BAD,
	VX_PR_SUPER_BACKUP_DIFFERS,
	VX_PR_SUPER_STATE,
	VX_PR_JOURNAL_SUPER_BAD,
	VX_PR_GROUP_HEADER_BAD,
	VX_PR_GROUP_HEADER_FIELD,
	VX_PR_GROUP_FLAGS,
	VX_PR_INODE_BAD_CRC,
	VX_PR_INODE_BAD_HEADER,
	VX_PR_INODE_BAD_MODE,
	VX_PR_INODE_BAD_FLAGS,
	VX_PR_INODE_BAD_SYMLINK,
	VX_PR_INODE_SPECIAL_MAP,
	VX_PR_INODE_SIZE,
	VX_PR_INODE_BLOCKS,
	VX_PR_INODE_BEYOND_INIT,
	VX_PR_EXTENT_BAD_NODE,
	VX_PR_EXTENT_BAD_INDEX,
	VX_PR_EXTENT_BAD_RANGE,
	VX_PR_EXTENT_META,
	VX_PR_EXTENT_OVERLAP,
	VX_PR_BLOCK_DUP,
	VX_PR_BITMAP_BAD,
	VX_PR_BLOCK_USED_FREE,
	VX_PR_BLOCK_FREE_USED,
	VX_PR_INODE_USED_FREE,
	VX_PR_INODE_FREE_USED,
	VX_PR_GROUP_FREE_BLOCKS,
	VX_PR_GROUP_FREE_INODES,
	VX_PR_GROUP_USED_DIRS,
	VX_PR_DIR_BAD_NODE,
	VX_PR_DIR_BAD_INDEX,
	VX_PR_DIR_BAD_COUNT,
	VX_PR_DIR_BAD_HASH,
	VX_PR_DIR_BAD_NAME,
	VX_PR_DIR_BAD_INO,
	VX_PR_DIR_FREE_INO,
	VX_PR_DIR_BAD_TYPE,
	VX_PR_DIR_DUP_NAME,
	VX_PR_DIR_SECOND_LINK,
	VX_PR_DIR_PARENT,
	VX_PR_ROOT_BAD,
	VX_PR_LOST_FOUND_MISSING,
	VX_PR_DIR_UNCONNECTED,
	VX_PR_INODE_UNATTACHED,
	VX_PR_INODE_ORPHAN,
	VX_PR_INODE_NLINK,
	VX_PR_LAST
};

/* vx_check_problem - the table entry of @code, NULL for an unknown one */
const struct vx_problem *vx_check_problem(int code);

/* one finding, as the callbacks see it */
struct vx_finding {
	const struct vx_problem *pr;
	uint64_t object;	/* inode, block or group number it is about */
	char what[48];		/* "inode 12", "group 3", "block 700" */
	char msg[320];		/* the whole message, without the question */
	bool fixed;		/* after the answer: the repair was made */
	int error;		/* a repair that failed: its error */
};

/* answers */
enum vx_answer { VX_ANS_NO = 0, VX_ANS_YES = 1, VX_ANS_HALT = 2,
		 VX_ANS_CANCEL = 3 };

/* vx_check flags */
#define VX_CHECK_RDONLY		0x1	/* change nothing: recovery goes to an
					 * in-memory overlay, every answer is
					 * taken as no */
#define VX_CHECK_FORCE		0x2	/* check a clean image too */
#define VX_CHECK_BACKUP_SB	0x4	/* start from the superblock at
					 * sb_block */

struct vx_check_opts {
	unsigned flags;			/* VX_CHECK_* */
	vx_blk_t sb_block;		/* with VX_CHECK_BACKUP_SB */
	unsigned threads;		/* 0: one per CPU, at most 8 */
	void *ctx;
	/* a finding: return an answer (RDONLY runs ignore it, except
	 * CANCEL).  Called from one thread, in a deterministic order. */
	int (*ask)(void *ctx, struct vx_finding *f);
	/* after a repair was tried (f->fixed, f->error say how it went) */
	void (*done)(void *ctx, const struct vx_finding *f);
	/* a pass starts; VX_PASS_JOURNAL: recovery has run (the result's
	 * journal fields are filled) */
	void (*pass)(void *ctx, int pass, const char *title);
	/* non-zero when set (a signal handler may set it): the run stops
	 * at the next safe point, as for an answer of CANCEL */
	const volatile int *cancel;
	/* progress inside a pass: from any thread but one call at a time,
	 * @done never going down within a pass */
	void (*progress)(void *ctx, int pass, uint64_t done, uint64_t total);
};

struct vx_check_result {
	bool skipped;			/* clean and not forced: not checked */
	bool journal_dirty;		/* the log held transactions */
	bool journal_replayed;		/* ... and they were written home
					 * (false for RDONLY) */
	struct vx_jrecovery journal;	/* what recovery did or would do */
	vx_blk_t sb_block;		/* superblock the check started from */
	int sb_error;			/* why the primary did not decode (with
					 * VX_EBADMAGIC: and no backup did; with
					 * VX_CHECK_BACKUP_SB: why that block
					 * did not) */
	uint64_t dev_blocks;		/* blocks the device holds (with
					 * VX_ETOOBIG: fewer than the
					 * superblock's count) */
	uint64_t inodes_used, inodes_total;
	uint64_t blocks_used, blocks_total;
	uint64_t files, dirs, symlinks, devices, fifos, sockets;
	uint64_t findings;		/* problems found */
	uint64_t fixed;			/* repairs made */
	uint64_t left;			/* problems left unrepaired */
	bool modified;			/* a repair was made or the journal
					 * replayed (the state word alone is
					 * not counted) */
	bool halted;			/* an answer was HALT */
	bool cancelled;			/* an answer was CANCEL */
};

/* pass titles, for messages ("inodes and extent trees") */
const char *vx_check_pass_title(int pass);

/*
 * vx_check - check (and, unless VX_CHECK_RDONLY, repair) the VexFS on
 * @io, which stays the caller's.  A read-write check needs @io opened
 * read-write.  Fills @res.
 * Returns 0 when the check ran to its end (findings or not: see @res),
 * VX_EBADMAGIC when no superblock (primary or backup) is VexFS,
 * VX_ETOOBIG when the device is shorter than the superblock says,
 * VX_EUNSUPPORTED / VX_EBADVERSION for an image this library cannot
 * check, VX_EINCOMPLETE for an image mkfs did not finish, -ENOMEM, or
 * an I/O error that stopped the check.
 */
int vx_check(struct vx_io *io, const struct vx_check_opts *opts,
	     struct vx_check_result *res);

#endif /* VEXFS_CHECK_H */
