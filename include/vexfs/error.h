/*
 * error.h: libvexfs error codes.
 *
 * Every libvexfs function that can fail returns an int: 0 on success, a
 * negative errno value (-ENOENT, -EIO, ...) for failures the C library
 * already names, or one of the VX_E* codes below.  The VX_E* codes live in
 * a reserved negative range well below any errno value, so the two never
 * collide.  vx_strerror() turns either kind into a message.
 */
#ifndef VEXFS_ERROR_H
#define VEXFS_ERROR_H

#define VX_ERR_BASE (-10000)

enum vx_err {
	VX_ECORRUPT = VX_ERR_BASE - 1,	/* on-disk structure is inconsistent */
	VX_EBADCRC = VX_ERR_BASE - 2,	/* metadata checksum mismatch */
	VX_EBADMAGIC = VX_ERR_BASE - 3,	/* not a VexFS block / filesystem */
	VX_EMISDIRECTED = VX_ERR_BASE - 4, /* block header names another block */
	VX_EWRONGFS = VX_ERR_BASE - 5,	/* block belongs to another filesystem */
	VX_ENOSPC = VX_ERR_BASE - 6,	/* no free blocks */
	VX_ENOINODES = VX_ERR_BASE - 7,	/* no free inodes */
	VX_EUNSUPPORTED = VX_ERR_BASE - 8, /* unknown incompat feature */
	VX_EBADVERSION = VX_ERR_BASE - 9,	/* unsupported format version */
	VX_EINCOMPLETE = VX_ERR_BASE - 10, /* mkfs did not finish this image */
	VX_EHASHFULL = VX_ERR_BASE - 11,	/* too many names share one hash */
	VX_ETOOBIG = VX_ERR_BASE - 12,	/* value beyond a format limit */
	VX_EROFS = VX_ERR_BASE - 13,	/* filesystem opened read-only */
	VX_ELOCKED = VX_ERR_BASE - 14,	/* image in use by another writer */
	VX_ETXNFULL = VX_ERR_BASE - 15,	/* transaction larger than journal */
	VX_ENESTING = VX_ERR_BASE - 16,	/* nesting depth limit reached */
	VX_EROLLBACK = VX_ERR_BASE - 17,	/* rollback failed */
	VX_EISOLATION = VX_ERR_BASE - 18,	/* isolation violation */
	VX_EDEADLOCK = VX_ERR_BASE - 19,	/* aborted to break a deadlock */
	VX_ETIMEOUT = VX_ERR_BASE - 20,	/* wait exceeded commit_timeout */
	VX_ETXNFAILED = VX_ERR_BASE - 21,	/* transaction failed earlier */
	VX_EBLOCKSIZE = VX_ERR_BASE - 22,	/* block < device sector size */
	VX_EJOURNAL = VX_ERR_BASE - 23,	/* journal needs recovery */
	VX_EUNDO_CORRUPT = VX_ERR_BASE - 24,	/* not an undo file, or corrupt */
	VX_EUNDO_INCOMPLETE = VX_ERR_BASE - 25, /* undo session never closed */
	VX_EUNDO_MISMATCH = VX_ERR_BASE - 26,	/* device not in the undo
						 * file's state */
	VX_ERR_LAST = VX_ERR_BASE - 27
};

/*
 * vx_strerror - describe an error code.
 * @err: 0, a negative errno value or a VX_E* code.
 * Returns a static string; never NULL.  Thread-safe.
 */
const char *vx_strerror(int err);

/*
 * vx_errname - the symbolic name of a VX_E* code ("VX_ECORRUPT") or of a
 * negative errno ("ENOENT"), for machine-readable output.  Never NULL.
 */
const char *vx_errname(int err);

#endif /* VEXFS_ERROR_H */
