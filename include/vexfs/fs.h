/*
 * fs.h: making, opening and closing a VexFS filesystem.
 */
#ifndef VEXFS_FS_H
#define VEXFS_FS_H

#include <stdint.h>
#include <time.h>
#include "format.h"
#include "io.h"

struct vx_fs;

/* Parameters for vx_fs_plan().  Zero fields take the defaults. */
struct vx_mkfs_params {
	uint32_t block_log;		/* log2 block size (default 12) */
	uint64_t block_count;		/* 0: the whole device */
	uint32_t group_blocks;		/* 0: default for the block size */
	uint64_t inode_count;		/* 0: derived from bytes_per_inode */
	uint64_t bytes_per_inode;	/* 0: 16384 */
	uint64_t journal_blocks;	/* 0: default for the size */
	uint8_t uuid[16];		/* all zero: random */
	char label[VX_LABEL_MAX + 1];
	uint64_t hash_seed;		/* 0: random */
	int64_t now;			/* 0: time(NULL); for reproducible images */
};

/*
 * vx_fs_plan - compute the layout of a new filesystem without writing.
 * @p:         parameters (validated: block size, group size, counts).
 * @dev_bytes: size of the device in bytes.
 * @sb:        receives the superblock the format would write.
 * Returns 0, -EINVAL for a bad parameter, VX_ETOOBIG for a value beyond a
 * format limit, VX_ENOSPC when the device is too small.
 */
int vx_fs_plan(const struct vx_mkfs_params *p, uint64_t dev_bytes,
	       struct vx_super *sb);

/* vx_fs_format flags */
#define VX_FORMAT_INCOMPLETE	0x1	/* leave VX_STATE_INCOMPLETE set */

/*
 * vx_fs_format - write a new, empty filesystem laid out as @sb (from
 * vx_fs_plan) to @io: superblock and backups, group headers, the root
 * directory and lost+found, the journal superblock.  Writes a few blocks
 * per group only (bitmaps and inode tables are initialised lazily), then
 * flushes.  Returns 0 or an error (VX_EBLOCKSIZE when the block size is
 * below io->sector_size); on error the image is not usable.
 */
int vx_fs_format(struct vx_io *io, const struct vx_super *sb, unsigned flags);

/* log callback: the library never prints, it may tell this instead */
enum vx_log_level { VX_LOG_ERR, VX_LOG_WARN, VX_LOG_INFO, VX_LOG_DEBUG };
typedef void (*vx_log_fn)(void *ctx, int level, const char *msg);

/* vx_fs_open flags */
#define VX_OPEN_RDONLY		0x1	/* never write to the device */
#define VX_OPEN_INCOMPLETE	0x2	/* accept VX_STATE_INCOMPLETE */
#define VX_OPEN_BACKUP_SB	0x4	/* use @sb_block instead of block 0 */
#define VX_OPEN_BORROW_IO	0x8	/* the caller keeps @io: vx_fs_close
					 * does not close it (reopen tests) */
#define VX_OPEN_NORECOVER	0x10	/* a dirty journal fails a read-write
					 * open with VX_EJOURNAL instead of
					 * being recovered */
#define VX_OPEN_CATASTROPHIC	0x20	/* implies VX_OPEN_RDONLY: open a damaged
					 * image as best it can: the journal
					 * is not read, a group header that
					 * fails to decode is replaced by the
					 * one its geometry implies (counts
					 * zero, bitmaps taken as written) and
					 * logged, a short device is
					 * accepted */

struct vx_open_opts {
	unsigned flags;			/* VX_OPEN_* */
	vx_blk_t sb_block;		/* with VX_OPEN_BACKUP_SB */
	size_t cache_bytes;		/* 0: default (32 MiB) */
	vx_log_fn log;			/* may be NULL */
	void *log_ctx;
	int64_t fixed_time;		/* non-zero: every timestamp the
					 * library sets (inode times, the
					 * superblock's write time) is this
					 * many seconds since the epoch, for
					 * reproducible images */
};

/*
 * vx_fs_open - open the filesystem on @io (which the fs then owns and
 * closes in vx_fs_close, unless VX_OPEN_BORROW_IO; on error the caller
 * keeps it).
 * @opts: may be NULL for defaults (read-write).
 * Reads and validates the superblock and every group header.  A journal
 * holding committed transactions is recovered first by a read-write open
 * (VX_EJOURNAL instead with VX_OPEN_NORECOVER); a read-only open never
 * writes: it sees the image as it is and vx_fs_journal says what
 * recovery would do.
 * Returns 0, VX_EBADMAGIC when @io holds no VexFS, VX_EINCOMPLETE when mkfs
 * did not finish (unless VX_OPEN_INCOMPLETE), VX_EUNSUPPORTED for unknown
 * incompat features, VX_EROFS for unknown ro_compat features in a
 * read-write open, or another error.
 */
int vx_fs_open(struct vx_io *io, const struct vx_open_opts *opts,
	       struct vx_fs **out);

/* vx_fs_sync - make every committed transaction durable, write the log
 * home (checkpoint), write back what the cache may (nothing of a running
 * transaction), the group headers and the superblock as committed, then
 * flush the device.  Returns 0 or the first error. */
int vx_fs_sync(struct vx_fs *fs);

/* vx_fs_close - sync (read-write opens), mark clean, release everything,
 * close the io.  Returns the first error met; the handle is freed anyway,
 * except with transactions still open: then -EBUSY and nothing is done
 * (commit or abort them first). */
int vx_fs_close(struct vx_fs *fs);

/* vx_fs_super - the in-memory superblock (counts kept current). */
const struct vx_super *vx_fs_super(const struct vx_fs *fs);

/* vx_fs_group - copy of group @g's header.  Returns 0 or -EINVAL. */
int vx_fs_group(struct vx_fs *fs, uint32_t g, struct vx_group *out);

/* vx_fs_io - the device under the filesystem. */
struct vx_io *vx_fs_io(struct vx_fs *fs);

/* vx_fs_set_state - clear then set VX_STATE_* bits in the superblock;
 * written at the next sync.  Returns 0 or VX_EROFS. */
int vx_fs_set_state(struct vx_fs *fs, unsigned clear, unsigned set);

struct vx_jrecovery;

/*
 * vx_fs_journal - what the open found in the journal: copies into @info
 * what the open's recovery did, or, for a read-only open of a dirty
 * journal, what recovery would do (all zero when the journal was clean).
 * Returns 1 when the journal still needs recovery (read-only open), 0
 * otherwise.
 */
int vx_fs_journal(const struct vx_fs *fs, struct vx_jrecovery *info);

/* vx_fs_backup_blocks - block numbers of the superblock backups; returns
 * how many (0..2) were stored in @out. */
int vx_fs_backup_blocks(const struct vx_super *sb, vx_blk_t out[2]);

#endif /* VEXFS_FS_H */
