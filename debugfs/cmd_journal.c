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
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* ---- logdump ---- */

struct ldump {
	struct dbg *d;
	uint32_t bsize;
	bool json;
	json_object *txns;
	uint64_t shown;
	const struct vx_jscan_info *info;	/* filled before the first txn */
};

static void info_text(struct dbg *d, const struct vx_jscan_info *i);

static const char *crc_word(int ok)
{
	return ok > 0 ? "ok" : ok == 0 ? "MISMATCH" : "unchecked";
}

/* one op record (txn.h layout) as text or JSON; its length, 0 if bad */
static size_t op_record(const uint8_t *p, size_t left, json_object *arr)
{
	size_t len = left >= VX_OPREC_HDR ? vx_get16(p + 2) : 0;
	unsigned op, n1, n2;
	const char *name;

	if (len < VX_OPREC_HDR || len > left)
		return 0;
	op = vx_get16(p);
	n1 = vx_get16(p + 48);
	n2 = vx_get16(p + 50);
	if ((size_t)VX_OPREC_HDR + n1 + n2 > len)
		return 0;
	name = vx_op_name(op);
	if (arr) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "op", json_object_new_string(
					       name ? name : "unknown"));
		json_object_object_add(o, "mode", json_object_new_int64(
					       vx_get32(p + 4)));
		json_object_object_add(o, "ino", json_object_new_uint64(
					       vx_get64(p + 8)));
		json_object_object_add(o, "dir", json_object_new_uint64(
					       vx_get64(p + 16)));
		json_object_object_add(o, "ino2", json_object_new_uint64(
					       vx_get64(p + 24)));
		json_object_object_add(o, "offset", json_object_new_uint64(
					       vx_get64(p + 32)));
		json_object_object_add(o, "length", json_object_new_uint64(
					       vx_get64(p + 40)));
		json_object_object_add(o, "name", json_object_new_string_len(
					       (const char *)p + 56, (int)n1));
		if (n2)
			json_object_object_add(o, "name2",
				json_object_new_string_len(
					(const char *)p + 56 + n1, (int)n2));
		json_object_array_add(arr, o);
		return len;
	}
	printf("    %-8s ino %llu dir %llu", name ? name : "unknown",
	       (unsigned long long)vx_get64(p + 8),
	       (unsigned long long)vx_get64(p + 16));
	if (vx_get64(p + 24))
		printf(" ino2 %llu", (unsigned long long)vx_get64(p + 24));
	if (op == VX_OP_WRITE || op == VX_OP_TRUNCATE)
		printf(" offset %llu length %llu",
		       (unsigned long long)vx_get64(p + 32),
		       (unsigned long long)vx_get64(p + 40));
	if (vx_get32(p + 4))
		printf(" mode %06o", vx_get32(p + 4));
	if (n1)
		printf(" name \"%.*s\"", (int)n1, (const char *)p + 56);
	if (n2)
		printf(" %s \"%.*s\"", op == VX_OP_SYMLINK ? "target" : "to",
		       (int)n2, (const char *)p + 56 + n1);
	putchar('\n');
	return len;
}

static json_object *txn_json(const struct vx_jscan_txn *t)
{
	json_object *o = json_object_new_object(), *a;

	json_object_object_add(o, "seq", json_object_new_uint64(t->seq));
	json_object_object_add(o, "state", json_object_new_string(
				       vx_jscan_state_name(t->state)));
	if (t->error)
		json_object_object_add(o, "error", json_object_new_string(
					       vx_errname(t->error)));
	if (t->bad_pos)
		json_object_object_add(o, "bad_pos",
				       json_object_new_uint64(t->bad_pos));
	json_object_object_add(o, "pos", json_object_new_uint64(t->pos));
	json_object_object_add(o, "len", json_object_new_uint64(t->len));
	json_object_object_add(o, "commit_pos",
			       json_object_new_uint64(t->commit_pos));
	json_object_object_add(o, "commit_crc",
			       json_object_new_int64(t->commit_crc));
	json_object_object_add(o, "computed_crc",
			       json_object_new_int64(t->computed_crc));
	json_object_object_add(o, "batch", json_object_new_uint64(t->batch));
	json_object_object_add(o, "time", json_object_new_int64(t->time_sec));
	json_object_object_add(o, "time_nsec",
			       json_object_new_int64(t->time_nsec));
	a = json_object_new_array();
	for (size_t i = 0; i < t->ntags; i++) {
		const struct vx_jscan_tag *g = &t->tags[i];
		json_object *j = json_object_new_object();

		json_object_object_add(j, "home", json_object_new_uint64(g->home));
		json_object_object_add(j, "kind", json_object_new_string(
			g->flags & VX_JT_DATA ? "data" : "metadata"));
		json_object_object_add(j, "count", json_object_new_int64(g->count));
		json_object_object_add(j, "flags", json_object_new_int64(g->flags));
		json_object_object_add(j, "crc", json_object_new_int64(g->crc));
		json_object_object_add(j, "crc_ok", g->crc_ok < 0 ? NULL :
				       json_object_new_boolean(g->crc_ok));
		json_object_object_add(j, "pos", json_object_new_uint64(g->pos));
		json_object_array_add(a, j);
	}
	json_object_object_add(o, "tags", a);
	a = json_object_new_array();
	for (size_t i = 0; i < t->nrevoke; i++) {
		json_object *j = json_object_new_object();

		json_object_object_add(j, "first", json_object_new_uint64(
					       t->revoke[2 * i]));
		json_object_object_add(j, "count", json_object_new_uint64(
					       t->revoke[2 * i + 1]));
		json_object_array_add(a, j);
	}
	json_object_object_add(o, "revoke", a);
	a = json_object_new_array();
	for (size_t off = 0, n; off < t->ops_len; off += n)
		if (!(n = op_record(t->ops + off, t->ops_len - off, a)))
			break;
	json_object_object_add(o, "ops", a);
	return o;
}

static void txn_text(const struct vx_jscan_txn *t)
{
	char when[64] = "";
	time_t s = t->time_sec;
	struct tm tm;

	if (t->commit_pos && gmtime_r(&s, &tm))
		strftime(when, sizeof(when), ", %Y-%m-%d %H:%M:%S UTC", &tm);
	printf("transaction %llu: %s, log blocks %llu-%llu (%llu)%s\n",
	       (unsigned long long)t->seq, vx_jscan_state_name(t->state),
	       (unsigned long long)t->pos,
	       (unsigned long long)(t->pos + (t->len ? t->len - 1 : 0)),
	       (unsigned long long)t->len, when);
	if (t->error)
		printf("  not valid: %s at log block %llu\n",
		       vx_strerror(t->error), (unsigned long long)t->bad_pos);
	if (t->commit_pos)
		printf("  commit at log block %llu, batch %llu, %u blocks before "
		       "it, crc 0x%08x computed 0x%08x %s\n",
		       (unsigned long long)t->commit_pos,
		       (unsigned long long)t->batch, t->commit_blocks,
		       t->commit_crc, t->computed_crc,
		       t->commit_crc == t->computed_crc ? "ok" : "MISMATCH");
	else
		printf("  no commit block\n");
	printf("  %zu tag%s\n", t->ntags, t->ntags == 1 ? "" : "s");
	for (size_t i = 0; i < t->ntags; i++) {
		const struct vx_jscan_tag *g = &t->tags[i];

		if (g->flags & VX_JT_DATA)
			printf("    data     home %llu-%llu (%u blocks in place) "
			       "crc 0x%08x %s\n", (unsigned long long)g->home,
			       (unsigned long long)(g->home + g->count - 1),
			       g->count, g->crc, crc_word(g->crc_ok));
		else
			printf("    metadata home %llu at log block %llu%s crc "
			       "0x%08x %s\n", (unsigned long long)g->home,
			       (unsigned long long)g->pos,
			       g->flags & VX_JT_ESCAPED ? " (escaped)" : "",
			       g->crc, crc_word(g->crc_ok));
	}
	for (size_t i = 0; i < t->nrevoke; i++)
		printf("    revoke   %llu (%llu blocks)\n",
		       (unsigned long long)t->revoke[2 * i],
		       (unsigned long long)t->revoke[2 * i + 1]);
	if (t->ops_len)
		printf("  op records:\n");
	for (size_t off = 0, n; off < t->ops_len; off += n)
		if (!(n = op_record(t->ops + off, t->ops_len - off, NULL)))
			break;
}

static int ldump_one(void *ctx, const struct vx_jscan_txn *t)
{
	struct ldump *l = ctx;

	if (!l->shown++ && !l->json)
		info_text(l->d, l->info);
	if (l->json)
		json_object_array_add(l->txns, txn_json(t));
	else
		txn_text(t);
	return 0;
}

static void info_text(struct dbg *d, const struct vx_jscan_info *i)
{
	printf("journal: blocks %llu-%llu (%llu), ",
	       (unsigned long long)d->sb.journal_start,
	       (unsigned long long)(d->sb.journal_start + d->sb.journal_blocks - 1),
	       (unsigned long long)d->sb.journal_blocks);
	if (!i->tail)
		printf("empty (next transaction %llu)\n",
		       (unsigned long long)i->next_seq);
	else
		printf("tail at log block %llu, first transaction %llu, %llu "
		       "committed (not yet home), head at log block %llu\n",
		       (unsigned long long)i->tail,
		       (unsigned long long)i->first_seq,
		       (unsigned long long)i->live,
		       (unsigned long long)i->head);
	if (i->stop_reason)
		printf("journal: the live log stops at transaction %llu (log "
		       "block %llu): %s; recovery replays nothing from there\n",
		       (unsigned long long)i->stop_seq,
		       (unsigned long long)i->stop_pos,
		       vx_strerror(i->stop_reason));
}

static json_object *info_json(struct dbg *d, const struct vx_jscan_info *i)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "start",
			       json_object_new_uint64(d->sb.journal_start));
	json_object_object_add(o, "blocks",
			       json_object_new_uint64(d->sb.journal_blocks));
	json_object_object_add(o, "tail", json_object_new_uint64(i->tail));
	json_object_object_add(o, "first_seq",
			       json_object_new_uint64(i->first_seq));
	json_object_object_add(o, "head", json_object_new_uint64(i->head));
	json_object_object_add(o, "next_seq",
			       json_object_new_uint64(i->next_seq));
	json_object_object_add(o, "live", json_object_new_uint64(i->live));
	json_object_object_add(o, "stop_reason", i->stop_reason ?
			       json_object_new_string(vx_errname(i->stop_reason)) :
			       NULL);
	json_object_object_add(o, "stop_seq", json_object_new_uint64(i->stop_seq));
	json_object_object_add(o, "stop_pos", json_object_new_uint64(i->stop_pos));
	return o;
}

static const struct option ldump_long[] = {
	{ "json", no_argument, NULL, 'J' },
	{ NULL, 0, NULL, 0 }
};

int cmd_logdump(struct dbg *d, int argc, char **argv)
{
	struct ldump l = { .d = d };
	struct vx_jscan_info info;
	unsigned long long from = 0;
	unsigned flags = 0;
	struct vx_journal *j;
	int c, err;

	while ((c = getopt_long(argc, argv, "ads:", ldump_long, NULL)) != -1) {
		switch (c) {
		case 'a': flags |= VX_JSCAN_ALL; break;
		case 'd': flags |= VX_JSCAN_DATA; break;
		case 'J': l.json = true; break;
		case 's':
			if (!dbg_number(optarg, UINT64_MAX, &from))
				break;
			dbg_err(d, "-s %s: not a sequence number", optarg);
			return DBG_FAIL;
		default:
			dbg_usage(d, dbg_find_cmd("logdump"));
			return DBG_FAIL;
		}
	}
	if (optind != argc) {
		dbg_usage(d, dbg_find_cmd("logdump"));
		return DBG_FAIL;
	}
	if (!d->have_sb) {
		dbg_err(d, "%s has no readable superblock: the journal cannot be "
			"found", d->path);
		return DBG_FAIL;
	}
	/* the log as it is on the device, under any recovered view */
	err = vx_journal_open(dbg_base_io(d), &d->sb, &j);
	if (err)
		return dbg_fail(d, err, "%s: the journal superblock (block %llu)",
				d->path, (unsigned long long)d->sb.journal_start);
	if (l.json)
		l.txns = json_object_new_array();
	l.info = &info;
	err = vx_journal_scan(j, flags, from, ldump_one, &l, &info);
	vx_journal_close(j);
	if (l.json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "journal", info_json(d, &info));
		json_object_object_add(o, "transactions", l.txns);
		dbg_json_print(o);
	} else if (!err && !l.shown) {
		info_text(d, &info);
		if (!l.shown)
			printf("no transaction%s%s\n", from ? " from the one asked" :
			       "", flags & VX_JSCAN_ALL ? "" :
			       " in the live log (-a: also the older ones)");
	}
	return err ? dbg_fail(d, err, "reading the journal of %s", d->path) : 0;
}
