/*
 * session.c: the open image of a debugfs.vexfs session.
 *
 * Opening stacks io layers, bottom to top:
 *   dev   the file or block device (read-only unless -w)
 *   undo  with -z, the undo layer that saves every block before its
 *         first overwrite
 *   view  read-only and not catastrophic, when the journal holds
 *         committed transactions: an in-memory overlay the journal is
 *         replayed into, so the session shows the image as recovery
 *         would leave it while the device is not written
 *   hold  read-write: holds every write in memory until something is
 *         committed (lib/io_hold.c), so a session that commits nothing
 *         (only reads, failed commands, begin ... abort) leaves the
 *         device as it was, byte for byte; released after a command
 *         that changed the image outside a transaction and after the
 *         outermost commit.  Past DBG_HOLD_LIMIT bytes held, the layer
 *         writes what it holds early (superblock state and file data in
 *         free blocks: the image stays consistent, but is not
 *         byte-identical any more if the transaction is then aborted)
 * and the filesystem handle on top (VX_OPEN_BORROW_IO: the session owns
 * the layers).  A read-write open never replays silently: a dirty
 * journal is reported, the session shows the recovered view, and
 * editing waits for journal_recover.  With -c nothing is replayed and
 * group headers that do not decode are taken from the geometry; when
 * even that fails, the session keeps the device for the block-level
 * commands (fs is NULL).
 *
 * Raw commands (block_dump, zap_block, ...) read and write d->io.  A
 * raw write bypasses the filesystem's cache, so the handle is opened
 * again after it (dbg_reopen_fs).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <vexfs/undo.h>

#include "debugfs.h"

static void log_cb(void *ctx, int level, const char *msg)
{
	struct dbg *d = ctx;

	if (level <= VX_LOG_WARN) {
		const char *cmd = d->cmd;

		d->cmd = NULL;
		dbg_warn(d, "%s: %s", d->path ? d->path : "", msg);
		d->cmd = cmd;
	}
}

uint32_t dbg_bsize(const struct dbg *d)
{
	return d->have_sb ? 1u << d->sb.block_log : 4096;
}

int dbg_read_block(struct dbg *d, vx_blk_t blk, void *buf)
{
	return vx_io_read(d->io, blk * dbg_bsize(d), buf, dbg_bsize(d));
}

int dbg_write_block(struct dbg *d, vx_blk_t blk, const void *buf)
{
	int err = vx_io_write(d->io, blk * dbg_bsize(d), buf, dbg_bsize(d));

	return err ? err : vx_io_flush(d->io);
}

/* the primary superblock, decoded without the filesystem handle */
static int read_super(struct dbg *d)
{
	uint64_t size;
	size_t len = 1u << VX_MAX_BLOCK_LOG;
	uint8_t *buf;
	int err = vx_io_get_size(d->io, &size);

	if (err)
		return err;
	if (size < 1024)
		return VX_EBADMAGIC;
	if (size < len)
		len = (size_t)size;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	err = vx_io_read(d->io, 0, buf, len);
	if (!err)
		err = vx_super_decode(buf, len, 0, &d->sb);
	free(buf);
	d->have_sb = !err;
	return err;
}

/* replay a dirty journal into an in-memory overlay (read-only view) */
static int open_view(struct dbg *d)
{
	struct vx_jrecovery info;
	struct vx_journal *j;
	int err = vx_journal_open(d->io, &d->sb, &j);

	if (err || !vx_journal_dirty(j)) {
		if (!err)
			vx_journal_close(j);
		return err;
	}
	vx_journal_close(j);
	err = vx_io_overlay_open(d->io, dbg_bsize(d), &d->view);
	if (!err)
		err = vx_journal_open(d->view, &d->sb, &j);
	if (err)
		return err;
	err = vx_journal_recover(j, 0, &info);
	vx_journal_close(j);
	if (err)
		return err;
	d->io = d->view;
	d->jdirty = true;
	if (info.txns)
		fprintf(stderr, "debugfs.vexfs: %s: the journal holds %llu "
			"committed transaction%s (%llu-%llu) not yet written "
			"home; showing the image as recovery would leave it (run "
			"journal_recover with -w to write them; -c shows the "
			"image as it is)\n", d->path,
			(unsigned long long)info.txns, info.txns == 1 ? "" : "s",
			(unsigned long long)info.first_seq,
			(unsigned long long)info.last_seq);
	else
		fprintf(stderr, "debugfs.vexfs: %s: the journal is not empty but "
			"its first transaction (%llu) is not complete (%s): "
			"recovery replays nothing and empties it (logdump shows "
			"it; journal_recover with -w empties it)\n", d->path,
			(unsigned long long)info.discarded_seq,
			vx_strerror(info.discard_reason));
	return read_super(d);
}

static int open_fs(struct dbg *d, bool write, bool cat)
{
	struct vx_open_opts oo = { .flags = VX_OPEN_BORROW_IO, .log = log_cb,
				   .log_ctx = d };
	int err;

	if (cat)
		oo.flags |= VX_OPEN_CATASTROPHIC | VX_OPEN_RDONLY;
	else if (!write)
		oo.flags |= VX_OPEN_RDONLY;
	else
		oo.flags |= VX_OPEN_NORECOVER;
	err = vx_fs_open(d->io, &oo, &d->fs);
	if (err == VX_EJOURNAL && write) {
		/* edits wait for journal_recover; show the recovered view */
		err = open_view(d);
		if (!err) {
			oo.flags = VX_OPEN_BORROW_IO | VX_OPEN_RDONLY;
			err = vx_fs_open(d->io, &oo, &d->fs);
		}
		return err;
	}
	d->rw = !err && write && !cat;
	if (d->rw) {
		/* the user's levels, plus the one a command opens inside */
		struct vx_txn_tunables t;

		if (!vx_txn_get_tunables(d->fs, &t) &&
		    t.max_depth < DBG_MAX_DEPTH + 1) {
			t.max_depth = DBG_MAX_DEPTH + 1;
			vx_txn_set_tunables(d->fs, &t);
		}
	}
	return err;
}

static void drop_layers(struct dbg *d)
{
	if (d->view)
		vx_io_close(d->view);
	if (d->hold)
		vx_io_close(d->hold);	/* discards what it still holds */
	if (d->undo)
		vx_io_close(d->undo);
	if (d->dev)
		vx_io_close(d->dev);
	d->view = d->hold = d->undo = d->dev = d->io = NULL;
	d->released = false;
}

struct vx_io *dbg_base_io(struct dbg *d)
{
	return d->hold ? d->hold : d->undo ? d->undo : d->dev;
}

int dbg_release(struct dbg *d)
{
	int err;

	if (!d->hold || !vx_io_hold_bytes(d->hold))
		return 0;
	err = vx_io_hold_release(d->hold);
	if (!err)	/* hold the next command's writes again */
		err = vx_io_hold_start(d->hold);
	if (err)
		return dbg_fail(d, err, "writing the session's changes to %s "
				"(the journal keeps the image consistent: "
				"fsck.vexfs -p)", d->path);
	d->released = true;
	return 0;
}

int dbg_open(struct dbg *d, const char *path, bool write, bool cat)
{
	int err;

	if (d->dev && dbg_close(d))
		return DBG_FAIL;
	free(d->path);
	d->path = strdup(path);
	d->want_write = write;
	d->cat = cat;
	err = vx_io_unix_open(path, write ? 0 : VX_IO_OPEN_RDONLY, &d->dev);
	if (err) {
		if (err == VX_ELOCKED)
			dbg_err(d, "%s is open for writing by another program; "
				"close it there first", path);
		else
			dbg_fail(d, err, "cannot open %s", path);
		return DBG_FAIL;
	}
	d->io = d->dev;
	err = read_super(d);
	if (err && !cat) {
		dbg_fail(d, err, "%s: no VexFS superblock at block 0 (-c opens "
			 "it for block-level commands anyway)", path);
		goto out_close;
	}
	if (write && d->o->undo) {
		err = vx_io_undo_open(d->dev, d->o->undo, dbg_bsize(d), 0,
				      &d->undo);
		if (err) {
			dbg_fail(d, err, "cannot create the undo file %s%s",
				 d->o->undo, err == -EEXIST ?
				 " (it exists: move it away or name another)" :
				 "");
			goto out_close;
		}
		d->io = d->undo;
	}
	if (write) {
		err = vx_io_hold_open(d->io, &d->hold);
		if (err) {
			dbg_fail(d, err, "%s", path);
			goto out_close;
		}
		vx_io_hold_set_limit(d->hold, DBG_HOLD_LIMIT);
		d->io = d->hold;
	}
	if (!cat && !write)
		err = open_view(d);
	if (!err && d->have_sb)
		err = open_fs(d, write, cat);
	if (err && !cat) {
		dbg_fail(d, err, "cannot open the filesystem on %s%s", path,
			 err == VX_ECORRUPT || err == VX_EBADCRC ?
			 " (fsck.vexfs repairs it; -c opens it as best it can)" :
			 "");
		goto out_close;
	}
	if (err)
		dbg_warn(d, "%s: the filesystem does not open (%s); only "
			 "block-level commands work", path, vx_strerror(err));
	d->cwd = d->fs ? vx_fs_super(d->fs)->root_ino : 0;
	free(d->cwd_path);
	d->cwd_path = strdup("/");
	return 0;
out_close:
	drop_layers(d);
	d->have_sb = false;
	return DBG_FAIL;
}

int dbg_close(struct dbg *d)
{
	int err = 0;

	dbg_abort_all(d, "closing the image");
	if (d->fs)
		err = vx_fs_close(d->fs);
	d->fs = NULL;
	if (err)
		dbg_fail(d, err, "closing %s", d->path);
	/* a session that changed the device ends writing its clean state;
	 * one that committed nothing leaves it untouched */
	if (!err && d->released && dbg_release(d))
		err = -EIO;
	drop_layers(d);
	d->have_sb = d->rw = d->jdirty = false;
	d->cwd = 0;
	return err ? DBG_FAIL : 0;
}

struct vx_txn *dbg_tx(struct dbg *d)
{
	if (d->cur)
		return d->cur;
	return d->depth ? d->txn[d->depth - 1] : NULL;
}

void dbg_abort_all(struct dbg *d, const char *why)
{
	if (!d->depth)
		return;
	dbg_warn(d, "%s: aborting %u open transaction level%s", why, d->depth,
		 d->depth == 1 ? "" : "s");
	/* aborting the outermost aborts its open children too */
	vx_txn_abort(d->txn[0]);
	d->depth = 0;
}

void dbg_sync_for_raw(struct dbg *d)
{
	if (d->fs && d->rw && !d->depth)
		vx_fs_sync(d->fs);
}

int dbg_reopen_fs(struct dbg *d)
{
	int err = 0;

	if (d->fs)
		err = vx_fs_close(d->fs);
	d->fs = NULL;
	d->rw = false;
	if (err)
		return dbg_fail(d, err, "closing the filesystem");
	err = read_super(d);
	if (!err)
		err = open_fs(d, d->want_write && !d->view, d->cat);
	if (err) {
		dbg_warn(d, "%s no longer opens as a filesystem (%s); only "
			 "block-level commands work", d->path,
			 vx_strerror(err));
		return 0;
	}
	/* the working directory may be gone: fall back to the root */
	struct vx_attr a;

	if (vx_stat(d->fs, NULL, d->cwd, &a) || (a.mode & S_IFMT) != S_IFDIR) {
		d->cwd = vx_fs_super(d->fs)->root_ino;
		free(d->cwd_path);
		d->cwd_path = strdup("/");
	}
	return 0;
}

int cmd_open(struct dbg *d, int argc, char **argv)
{
	bool w = false, c = false;
	int ch;

	while ((ch = getopt(argc, argv, "wc")) != -1) {
		if (ch == 'w')
			w = true;
		else if (ch == 'c')
			c = true;
		else
			goto usage;
	}
	if (optind != argc - 1)
		goto usage;
	return dbg_open(d, argv[optind], w, c);
usage:
	dbg_usage(d, dbg_find_cmd("open"));
	return DBG_FAIL;
}

int cmd_close(struct dbg *d, int argc, char **argv)
{
	if (argc != 1) {
		dbg_usage(d, dbg_find_cmd("close"));
		return DBG_FAIL;
	}
	return dbg_close(d);
}
