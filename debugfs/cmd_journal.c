/*
 * cmd_journal.c: the journal commands: logdump (what the log holds) and
 * journal_recover (replay it into the image).
 *
 * journal_recover is the only way a debugfs.vexfs session writes a
 * dirty journal home: a read-write open of a dirty image shows the
 * recovered view from memory and refuses edits until it runs.  It drops
 * that view, recovers through the library (the one replay
 * implementation every tool uses) on the device (through the undo layer
 * with -z) and opens the filesystem read-write again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "debugfs.h"

int cmd_journal_recover(struct dbg *d, int argc, char **argv)
{
	struct vx_jrecovery info;
	struct vx_journal *j;
	int err;

	if (argc != 1) {
		dbg_usage(d, dbg_find_cmd("journal_recover"));
		return DBG_FAIL;
	}
	if (!d->have_sb) {
		dbg_err(d, "%s has no readable superblock: no journal to find",
			d->path);
		return DBG_FAIL;
	}
	if (d->fs) {
		err = vx_fs_close(d->fs);
		d->fs = NULL;
		d->rw = false;
		if (err)
			return dbg_fail(d, err, "closing the filesystem");
	}
	if (d->view) {
		vx_io_close(d->view);
		d->view = NULL;
		d->io = dbg_base_io(d);
	}
	err = vx_journal_open(d->io, &d->sb, &j);
	if (err) {
		dbg_fail(d, err, "%s: the journal superblock", d->path);
		dbg_reopen_fs(d);
		return DBG_FAIL;
	}
	if (!vx_journal_dirty(j)) {
		printf("journal: clean, nothing to replay\n");
		vx_journal_close(j);
		d->jdirty = false;
		return dbg_reopen_fs(d);
	}
	err = vx_journal_recover(j, 0, &info);
	vx_journal_close(j);
	if (err) {
		dbg_fail(d, err, "%s: recovery stopped", d->path);
		dbg_reopen_fs(d);
		return DBG_FAIL;
	}
	d->jdirty = false;
	if (info.txns)
		printf("journal: replayed transactions %llu-%llu (%llu "
		       "transaction%s, %llu block%s)\n",
		       (unsigned long long)info.first_seq,
		       (unsigned long long)info.last_seq,
		       (unsigned long long)info.txns, info.txns == 1 ? "" : "s",
		       (unsigned long long)info.blocks,
		       info.blocks == 1 ? "" : "s");
	else
		printf("journal: no committed transaction to replay\n");
	if (info.discarded_seq)
		printf("journal: transaction %llu was not complete (%s) and was "
		       "discarded, with everything after it\n",
		       (unsigned long long)info.discarded_seq,
		       vx_strerror(info.discard_reason));
	return dbg_reopen_fs(d);
}
