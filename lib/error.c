/*
 * error.c: messages and names for libvexfs error codes.
 *
 * Design: one static table, indexed by (VX_ERR_BASE - code), holds the
 * symbolic name and the message of every VX_E* code in error.h.  Negative
 * errno values are described by glibc's strerrordesc_np()/strerrorname_np(),
 * which return static strings and so stay thread-safe (no strerror()
 * buffer).  Anything else is "unknown error"; 0 is "success".  Adding a
 * code to enum vx_err means adding its row here: a static assertion keeps
 * the table and the enum the same length.
 */
#include <string.h>

#include <vexfs/error.h>

struct err_entry {
	const char *name;
	const char *msg;
};

#define VX_ERR_COUNT (VX_ERR_BASE - VX_ERR_LAST - 1)
#define ERR_ROW(code, text) [VX_ERR_BASE - (code) - 1] = { #code, text }

static const struct err_entry vx_err_table[] = {
	ERR_ROW(VX_ECORRUPT, "filesystem structure is corrupt"),
	ERR_ROW(VX_EBADCRC, "metadata checksum mismatch"),
	ERR_ROW(VX_EBADMAGIC, "not a VexFS filesystem or block (bad magic)"),
	ERR_ROW(VX_EMISDIRECTED, "block header names another block (misdirected write)"),
	ERR_ROW(VX_EWRONGFS, "block belongs to another filesystem"),
	ERR_ROW(VX_ENOSPC, "no free blocks left on the filesystem"),
	ERR_ROW(VX_ENOINODES, "no free inodes left on the filesystem"),
	ERR_ROW(VX_EUNSUPPORTED, "filesystem uses an unsupported incompatible feature"),
	ERR_ROW(VX_EBADVERSION, "unsupported on-disk format version"),
	ERR_ROW(VX_EINCOMPLETE, "filesystem creation did not complete"),
	ERR_ROW(VX_EHASHFULL, "too many names share one directory hash"),
	ERR_ROW(VX_ETOOBIG, "value beyond a format limit"),
	ERR_ROW(VX_EROFS, "filesystem is opened read-only"),
	ERR_ROW(VX_ELOCKED, "image or device is in use by another writer"),
	ERR_ROW(VX_ETXNFULL, "transaction is larger than the journal"),
	ERR_ROW(VX_ENESTING, "transaction nesting depth limit reached"),
	ERR_ROW(VX_EROLLBACK, "transaction rollback failed"),
	ERR_ROW(VX_EISOLATION, "transaction isolation violation"),
	ERR_ROW(VX_EDEADLOCK, "transaction aborted to break a deadlock"),
	ERR_ROW(VX_ETIMEOUT, "wait exceeded the commit timeout"),
	ERR_ROW(VX_ETXNFAILED, "transaction failed earlier and must be aborted"),
	ERR_ROW(VX_EBLOCKSIZE, "block size smaller than the device's logical sector size"),
	ERR_ROW(VX_EJOURNAL, "the journal holds transactions that need recovery"),
	ERR_ROW(VX_EUNDO_CORRUPT, "not an undo file, or a corrupt one"),
	ERR_ROW(VX_EUNDO_INCOMPLETE, "undo file is incomplete: the session that wrote it did not finish"),
	ERR_ROW(VX_EUNDO_MISMATCH, "device does not hold the state the undo file was made for"),
};

_Static_assert(sizeof(vx_err_table) / sizeof(vx_err_table[0]) == VX_ERR_COUNT,
	       "vx_err_table must have one row per VX_E* code");

static const char unknown_msg[] = "unknown error";

/* the table row for a VX_E* code, or NULL */
static const struct err_entry *vx_entry(int err)
{
	if (err >= VX_ERR_BASE || err <= VX_ERR_LAST)
		return NULL;
	return &vx_err_table[VX_ERR_BASE - err - 1];
}

const char *vx_strerror(int err)
{
	const struct err_entry *e;
	const char *s;

	if (err == 0)
		return "success";
	e = vx_entry(err);
	if (e)
		return e->msg ? e->msg : unknown_msg;
	if (err < 0 && err > VX_ERR_BASE) {
		s = strerrordesc_np(-err);
		if (s)
			return s;
	}
	return unknown_msg;
}

const char *vx_errname(int err)
{
	const struct err_entry *e;
	const char *s;

	if (err == 0)
		return "OK";
	e = vx_entry(err);
	if (e)
		return e->name ? e->name : "UNKNOWN";
	if (err < 0 && err > VX_ERR_BASE) {
		s = strerrorname_np(-err);
		if (s)
			return s;
	}
	return "UNKNOWN";
}
