/*
 * undo.h: undo files, for writing tools' -z UNDOFILE (e2fsprogs' undo_io
 * and e2undo).
 *
 * A tool opens its device, puts the undo layer over it and works through
 * the layer as usual.  Before the first write to any block the layer
 * saves that block's original contents to the undo file, durably; the
 * close finishes the file with the device's state after the session.
 * vx_undo_apply later writes every original back, which returns the
 * device to the state it had before the session, and refuses to do so
 * when the device no longer holds what the session left (unless forced).
 * The file format is in man/vexfs.5 (UNDO FILES) and lib/undo_int.h.
 */
#ifndef VEXFS_UNDO_H
#define VEXFS_UNDO_H

#include <stdint.h>
#include "io.h"

/* flags for vx_io_undo_open */
#define VX_UNDO_OVERWRITE	0x01	/* replace an existing undo file */
#define VX_UNDO_OWN_LOWER	0x02	/* closing the layer closes @lower */

/* flags for vx_undo_apply */
#define VX_UNDO_FORCE		0x10	/* apply whatever the device holds,
					 * and an incomplete file's records */
#define VX_UNDO_DRY_RUN		0x20	/* check and count, write nothing */

#define VX_UNDO_MIN_BSIZE	512u
#define VX_UNDO_MAX_BSIZE	65536u
#define VX_UNDO_DEFAULT_BSIZE	4096u	/* bsize 0 and no VexFS in block 0 */

/* what vx_undo_apply found on the device (vx_undo_info.dev_state) */
enum vx_undo_dev_state {
	VX_UNDO_DEV_UNKNOWN = 0,  /* not checked: an incomplete file (forced) */
	VX_UNDO_DEV_AFTER = 1,	  /* as the session left it: applied */
	VX_UNDO_DEV_PARTIAL = 2,  /* an earlier apply was interrupted; every
				   * block holds its original or the
				   * session's state: applied */
	VX_UNDO_DEV_BEFORE = 3,	  /* already holds every original: nothing
				   * to write */
	VX_UNDO_DEV_OTHER = 4	  /* changed since the session: refused,
				   * or applied with VX_UNDO_FORCE */
};

struct vx_undo_info {
	uint32_t version;		/* format version of the file (1) */
	uint32_t bsize;			/* undo block size */
	uint64_t dev_size;		/* device bytes when the session began */
	uint64_t dev_size_after;	/* device bytes at close (0: incomplete) */
	uint64_t blocks;		/* originals saved: valid records */
	uint64_t valid_bytes;		/* bytes of the file that are valid */
	uint64_t file_bytes;		/* bytes in the file; more than
					 * valid_bytes: a torn tail follows */
	int complete;			/* finished by a close */
	int has_uuid;			/* block 0 held a VexFS superblock */
	uint8_t fs_uuid[16];		/* its UUID (when has_uuid) */
	int64_t created;		/* session start, seconds since epoch */
	int64_t closed;			/* session end (0: incomplete) */
	/* set by vx_undo_apply only */
	int dev_state;			/* VX_UNDO_DEV_* */
	uint64_t written;		/* originals written back */
};

/*
 * vx_io_undo_open - a layer over @lower that, before the first write to
 * any block, saves that block's original contents to the undo file
 * @path.
 * @lower: the device; read-write.  Its size at open is the "original"
 *         size: writes beyond it save nothing for the new part (the apply
 *         truncates the device back); a set_size that shrinks it first
 *         saves every block it cuts off.
 * @path:  the undo file, created with mode 0600; an existing one is
 *         refused (-EEXIST) unless VX_UNDO_OVERWRITE; one that is @lower's
 *         own file is refused (-EINVAL).  It is locked (OFD write lock)
 *         while the layer is open: VX_ELOCKED when another holds it.
 * @bsize: undo block size, a power of two from 512 to 65536 (tools pass
 *         the filesystem's block size); 0: the block size of the VexFS
 *         superblock in block 0, or VX_UNDO_DEFAULT_BSIZE when there is
 *         none.
 * @flags: VX_UNDO_OVERWRITE, VX_UNDO_OWN_LOWER.
 * @out:   receives the layer.
 * Saved originals are written and fdatasync'd before the write that
 * needs them reaches @lower; a block is saved once per session.  Reads
 * pass through.  After an error writing the undo file, every later write
 * and flush returns that error (nothing more reaches @lower).  Closing
 * the layer flushes @lower and, when no error happened, finishes the
 * undo file with the device's state after the session; it closes @lower
 * only with VX_UNDO_OWN_LOWER (on a failed open the caller keeps
 * @lower either way).  Writes may come from several threads.
 * Returns 0, -EINVAL, -EBADF (@lower read-only), -EEXIST, VX_ELOCKED,
 * -ENOMEM or the error of creating or writing the file.
 */
int vx_io_undo_open(struct vx_io *lower, const char *path, uint32_t bsize,
		    unsigned flags, struct vx_io **out);

/*
 * vx_io_undo_blocks - originals the undo layer @io has saved so far
 * (0 when @io is not an undo layer).
 */
uint64_t vx_io_undo_blocks(struct vx_io *io);

/*
 * vx_undo_read_info - read and validate the undo file @path (header,
 * every record, the footer) into @out.  A torn tail is not an error: the
 * valid records before it count, @out->complete is 0.
 * Returns 0, VX_EUNDO_CORRUPT (not an undo file, a bad header, or a
 * record or footer whose checksums hold but whose fields do not),
 * VX_EBADVERSION, -ENOMEM or -errno from opening or reading it.
 */
int vx_undo_read_info(const char *path, struct vx_undo_info *out);

/*
 * vx_undo_apply - write every original saved in the undo file @path back
 * to @dev: the device's size is set back to the session's original size
 * first (when it changed), then the originals are written newest first,
 * then @dev is flushed.
 * @dev:   the device, read-write (read-only is enough for a dry run).
 * @flags: VX_UNDO_FORCE, VX_UNDO_DRY_RUN.
 * @out:   may be NULL; receives the file's info, what was found on the
 *         device (dev_state) and how many originals were written.
 * Before writing, @dev must hold a state the file accounts for: its size
 * is the size after the session or the original one, every saved block
 * holds the session's final contents or its original, and block 0 (when
 * the session did not write it) what the session left.  When every block
 * already holds its original, nothing is written and 0 is returned: so
 * applying twice is harmless, and an apply that was interrupted can be
 * run again.  Otherwise VX_EUNDO_MISMATCH, unless VX_UNDO_FORCE.
 * An incomplete file (the session never closed: the tool crashed) holds
 * no state to check against; it is refused with VX_EUNDO_INCOMPLETE
 * unless VX_UNDO_FORCE, which applies its valid records: every block
 * the session wrote is among them, so on the device as the crash left
 * it this restores the original exactly.  (e2undo applies such files
 * after checking a superblock copy saved at its last flush; ours keeps
 * none, so the caller must say that nothing wrote to the device since.)
 * With VX_UNDO_DRY_RUN the checks run and nothing is written.
 * Returns 0, VX_EUNDO_MISMATCH, VX_EUNDO_INCOMPLETE, the errors of
 * vx_undo_read_info, -ENOTSUP when the size must change and @dev cannot
 * (before anything is written), or the first error of writing or
 * flushing @dev (every original is still tried).
 */
int vx_undo_apply(struct vx_io *dev, const char *path, unsigned flags,
		  struct vx_undo_info *out);

#endif /* VEXFS_UNDO_H */
