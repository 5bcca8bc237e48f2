/*
 * cmd_txn.c: begin, commit, abort and txn: the transaction stack of a
 * debugfs.vexfs session.
 *
 * The session keeps the open levels in d->txn[0 .. depth-1]; every
 * command runs in the innermost (dbg_tx), editing commands outside any
 * run in a transaction of their own.  What the library guarantees holds
 * here: a level's abort restores what the level did, a child's commit
 * merges into its parent and reaches the image only with the outermost
 * commit, and a level that met a fatal error stays FAILED until it is
 * aborted (its commit aborts it and fails).
 */
#include <getopt.h>
#include <string.h>

#include "debugfs.h"

int cmd_begin(struct dbg *d, int argc, char **argv)
{
	bool nested = argc == 2 && !strcmp(argv[1], "--nested");
	struct vx_txn *tx;
	int err;

	if (argc > 2 || (argc == 2 && !nested)) {
		dbg_usage(d, dbg_find_cmd("begin"));
		return DBG_FAIL;
	}
	if (d->depth && !nested) {
		dbg_err(d, "a transaction is open (level %u); use begin --nested "
			"for a child, or commit/abort it first", d->depth);
		return DBG_FAIL;
	}
	if (d->depth >= DBG_MAX_DEPTH) {
		dbg_err(d, "%u levels are open, the most debugfs.vexfs keeps",
			d->depth);
		return DBG_FAIL;
	}
	if (d->depth) {
		err = vx_txn_begin_nested(dbg_tx(d), 0, &tx);
	} else {
		/* hold the device's writes until the outermost commit */
		err = d->hold ? vx_io_hold_start(d->hold) : 0;
		if (!err)
			err = vx_txn_begin(d->fs, 0, 0, &tx);
	}
	if (err)
		return dbg_fail(d, err, "cannot open a transaction");
	d->txn[d->depth++] = tx;
	printf("transaction level %u open\n", d->depth);
	return 0;
}

int cmd_commit(struct dbg *d, int argc, char **argv)
{
	uint64_t seq = 0;
	unsigned level = d->depth;
	int err;

	if (argc != 1) {
		dbg_usage(d, dbg_find_cmd("commit"));
		return DBG_FAIL;
	}
	if (!d->depth) {
		dbg_err(d, "no transaction is open (begin opens one)");
		return DBG_FAIL;
	}
	err = vx_txn_commit(d->txn[--d->depth], level > 1 ? NULL : &seq);
	if (err == VX_ETXNFAILED) {
		/* a failed transaction's commit aborts every level of it */
		d->depth = 0;
		return dbg_fail(d, err, "the transaction had failed: all %u "
				"level%s aborted, nothing of it is kept", level,
				level == 1 ? " was" : "s were");
	}
	if (err)
		return dbg_fail(d, err, "level %u was aborted, nothing of it "
				"is kept", level);
	if (level == 1 && dbg_release(d))
		return DBG_FAIL;
	if (level > 1)
		printf("level %u committed into level %u\n", level, level - 1);
	else if (seq)
		printf("committed (commit %llu)\n", (unsigned long long)seq);
	else
		printf("committed (nothing changed)\n");
	return 0;
}

int cmd_abort(struct dbg *d, int argc, char **argv)
{
	unsigned level = d->depth;
	int err;

	if (argc != 1) {
		dbg_usage(d, dbg_find_cmd("abort"));
		return DBG_FAIL;
	}
	if (!d->depth) {
		dbg_err(d, "no transaction is open");
		return DBG_FAIL;
	}
	err = vx_txn_abort(d->txn[--d->depth]);
	if (err)
		return dbg_fail(d, err, "aborting level %u", level);
	printf("level %u aborted\n", level);
	return 0;
}

static const char *state_name(int state)
{
	return state == VX_TXN_FAILED ? "failed" : "active";
}

int cmd_txn(struct dbg *d, int argc, char **argv)
{
	bool json = argc == 2 && !strcmp(argv[1], "--json");
	json_object *arr = json ? json_object_new_array() : NULL;
	struct vx_txn_info ti;

	if (argc > 2 || (argc == 2 && !json)) {
		dbg_usage(d, dbg_find_cmd("txn"));
		return DBG_FAIL;
	}
	if (!json && !d->depth)
		printf("no transaction open\n");
	for (unsigned i = 0; i < d->depth; i++) {
		if (vx_txn_info(d->txn[i], &ti))
			continue;
		if (json) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "level",
					       json_object_new_int((int)i + 1));
			json_object_object_add(o, "id",
					       json_object_new_uint64(ti.id));
			json_object_object_add(o, "state", json_object_new_string(
						       state_name(ti.state)));
			if (ti.error)
				json_object_object_add(o, "error",
					json_object_new_string(vx_errname(ti.error)));
			json_object_object_add(o, "ops",
					       json_object_new_uint64(ti.ops));
			json_object_object_add(o, "blocks",
					       json_object_new_uint64(ti.blocks));
			json_object_object_add(o, "locks",
					       json_object_new_uint64(ti.locks));
			json_object_array_add(arr, o);
			continue;
		}
		printf("level %u: transaction %llu, %s%s%s, %llu operation%s, "
		       "up to %llu block%s to log, %llu inode lock%s\n", i + 1,
		       (unsigned long long)ti.id, state_name(ti.state),
		       ti.error ? " by " : "",
		       ti.error ? vx_strerror(ti.error) : "",
		       (unsigned long long)ti.ops, ti.ops == 1 ? "" : "s",
		       (unsigned long long)ti.blocks, ti.blocks == 1 ? "" : "s",
		       (unsigned long long)ti.locks, ti.locks == 1 ? "" : "s");
	}
	if (json)
		dbg_json_print(arr);
	return 0;
}
