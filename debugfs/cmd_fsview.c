/*
 * cmd_fsview.c: the filesystem as a whole: stats (show_super), groups,
 * freefrag and txstats.
 *
 * stats works from the superblock alone, so that it also runs on a
 * device whose filesystem does not open (d->fs NULL) or under -c: the
 * superblock is the filesystem's in-memory one when it is open (free
 * counts kept current from the group headers), else the decoded primary
 * (d->sb, free counts marked as the superblock's hint).  Group headers
 * come from the filesystem when it is open and trusted; without one, or
 * under -c (where the library replaces a header that does not decode by
 * the one its geometry implies, counts zero), each header is decoded
 * from the device and one that does not decode is shown as such.
 *
 * freefrag reads the block bitmaps raw (after dbg_sync_for_raw, so it
 * sees what is committed) and cross-checks their free total with the
 * group headers' counts.  txstats shows the library's counters, which
 * start at zero when the filesystem is opened.
 *
 * Every --json output is one object built with json-c; numbers stay
 * numbers.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "debugfs.h"

#define J_ADD(o, k, v)	json_object_object_add((o), (k), (v))
#define J_U64(v)	json_object_new_uint64((uint64_t)(v))
#define J_STR(s)	json_object_new_string(s)

static const struct option json_only[] = {
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 }
};

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

static void fmt_uuid(const uint8_t u[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[u[i] >> 4];
		*p++ = hex[u[i] & 15];
	}
	*p = 0;
}

/* ISO 8601 UTC, or "invalid" for a time gmtime cannot take */
static void fmt_time(uint64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((uint64_t)tt != t || (int64_t)t < 0 || !gmtime_r(&tt, &tm) ||
	    !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "invalid");
}

static void add_word(json_object *arr, const char *fmt, unsigned v)
{
	char w[32];

	snprintf(w, sizeof(w), fmt, v);
	json_object_array_add(arr, J_STR(w));
}

/* the state bits as words: clean or not, errors, incomplete, the rest */
static json_object *state_words(uint16_t st)
{
	json_object *a = json_object_new_array();

	add_word(a, st & VX_STATE_CLEAN ? "clean" : "not clean", 0);
	if (st & VX_STATE_ERRORS)
		add_word(a, "errors", 0);
	if (st & VX_STATE_INCOMPLETE)
		add_word(a, "incomplete", 0);
	st &= (uint16_t)~(VX_STATE_CLEAN | VX_STATE_ERRORS | VX_STATE_INCOMPLETE);
	if (st)
		add_word(a, "0x%x", st);
	return a;
}

/* feature names; bits v1 does not know as "incompat:0x..." */
static json_object *feature_words(const struct vx_super *sb)
{
	json_object *a = json_object_new_array();
	uint32_t inc = sb->feature_incompat & ~VX_FEATURE_INCOMPAT_JOURNAL;

	if (sb->feature_incompat & VX_FEATURE_INCOMPAT_JOURNAL)
		add_word(a, "journal", 0);
	if (sb->feature_compat)
		add_word(a, "compat:0x%x", sb->feature_compat);
	if (inc)
		add_word(a, "incompat:0x%x", inc);
	if (sb->feature_ro_compat)
		add_word(a, "ro_compat:0x%x", sb->feature_ro_compat);
	return a;
}

static json_object *group_flag_words(uint32_t fl)
{
	json_object *a = json_object_new_array();

	if (fl & VX_GF_BLOCK_UNINIT)
		add_word(a, "block_uninit", 0);
	if (fl & VX_GF_INODE_UNINIT)
		add_word(a, "inode_uninit", 0);
	fl &= ~(uint32_t)(VX_GF_BLOCK_UNINIT | VX_GF_INODE_UNINIT);
	if (fl)
		add_word(a, "0x%x", fl);
	return a;
}

/* ---- text from the JSON object: one table of rows per output ----
 * kinds: 'v' the value as it is, 'w' an array joined by ", " ("none"
 * when empty), 'x' hexadecimal, 't' seconds with their ISO form (the
 * key with "_iso"), 'n' a number where 0 means "none", 'h' a free count
 * (with "(hint)" when the object's free_counts says so) */
struct row {
	const char *label, *key;
	char kind;
};

static void print_words(json_object *a)
{
	size_t n = json_object_array_length(a);

	if (!n)
		fputs("none", stdout);
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? ", " : "",
		       json_object_get_string(json_object_array_get_idx(a, i)));
}

static void print_rows(json_object *o, const struct row *r, int width)
{
	json_object *v, *iso, *src;
	char key[64];

	for (; r->label; r++) {
		if (!json_object_object_get_ex(o, r->key, &v))
			continue;
		printf("%-*s", width, r->label);
		if (r->kind == 'w') {
			print_words(v);
		} else if (r->kind == 'x') {
			printf("0x%016llx", (unsigned long long)
			       json_object_get_uint64(v));
		} else if (r->kind == 't') {
			snprintf(key, sizeof(key), "%s_iso", r->key);
			json_object_object_get_ex(o, key, &iso);
			printf("%s (%s)", json_object_get_string(iso),
			       json_object_get_string(v));
		} else if (r->kind == 'n' && !json_object_get_uint64(v)) {
			fputs("none", stdout);
		} else {
			const char *s = json_object_get_string(v);

			fputs(*s ? s : "<none>", stdout);
		}
		if (r->kind == 'h' && json_object_object_get_ex(o, "free_counts",
								&src) &&
		    strcmp(json_object_get_string(src), "groups"))
			fputs(" (hint)", stdout);
		putchar('\n');
	}
}

/* every number and array of @o as "key: value", in the object's order */
static void print_fields(json_object *o, const char *indent)
{
	json_object_object_foreach(o, key, v) {
		json_type t = json_object_get_type(v);
		char k[64];

		if (t == json_type_object || t == json_type_null)
			continue;
		snprintf(k, sizeof(k), "%s:", key);
		printf("%s%-20s", indent, k);
		if (t == json_type_array)
			print_words(v);
		else
			fputs(json_object_get_string(v), stdout);
		putchar('\n');
	}
}

/* the block of group @g's header (format.h: after the superblock copy
 * that groups 0, 1 and the last hold) */
static vx_blk_t header_block(const struct vx_super *sb, uint32_t g)
{
	vx_blk_t start = (vx_blk_t)g * sb->group_blocks, bk[2];
	int n = vx_fs_backup_blocks(sb, bk);
	bool copy = g == 0;

	for (int i = 0; i < n; i++)
		copy |= bk[i] == start;
	return start + (copy ? 1 : 0);
}

/* whether group headers are taken from the open filesystem */
static bool trust_fs(const struct dbg *d)
{
	return d->fs && !d->cat;
}

/* group @g's header (see the top of the file); returns 0 or why the
 * header on the device does not decode */
static int get_group(struct dbg *d, const struct vx_super *sb, uint32_t g,
		     struct vx_group *grp)
{
	vx_blk_t blk = header_block(sb, g);
	uint8_t *buf;
	int err;

	if (trust_fs(d))
		return vx_fs_group(d->fs, g, grp);
	buf = malloc(dbg_bsize(d));
	if (!buf)
		return -ENOMEM;
	err = dbg_read_block(d, blk, buf);
	if (!err)
		err = vx_group_decode(buf, dbg_bsize(d), blk, sb, g, grp);
	free(buf);
	return err;
}

/* ---- the journal's state ---- */

struct jstate {
	const char *word;	/* none, clean, dirty, unreadable */
	struct vx_jrecovery info;
	int err;
};

static void journal_state(struct dbg *d, const struct vx_super *sb,
			  struct jstate *js)
{
	struct vx_journal *j;
	struct vx_io *io = d->io;
	int err;

	memset(js, 0, sizeof(*js));
	if (!(sb->feature_incompat & VX_FEATURE_INCOMPAT_JOURNAL) ||
	    !sb->journal_blocks) {
		js->word = "none";
		return;
	}
	if (trust_fs(d) && !d->jdirty) {
		js->word = vx_fs_journal(d->fs, &js->info) ? "dirty" : "clean";
		return;
	}
	/* read the log itself: under the session's in-memory replay (the
	 * device below it), with -c, or without a filesystem */
	if (d->jdirty)
		io = d->undo ? d->undo : d->dev;
	err = vx_journal_open(io, sb, &j);
	if (!err) {
		js->word = "clean";
		if (vx_journal_dirty(j)) {
			js->word = "dirty";
			err = vx_journal_recover(j, VX_RECOVER_DRY_RUN,
						 &js->info);
		}
		vx_journal_close(j);
	}
	if (err) {
		js->word = "unreadable";
		js->err = err;
	}
}

/* the journal's state as one line, for the text output and the JSON */
static void journal_words(struct dbg *d, const struct jstate *js, char *buf,
			  size_t n)
{
	const struct vx_jrecovery *i = &js->info;
	int len = snprintf(buf, n, "%s", js->word);

#define ADD(...) ((size_t)len < n ? \
		  (len += snprintf(buf + len, n - (size_t)len, __VA_ARGS__)) : 0)
	if (js->err)
		ADD(" (%s)", vx_strerror(js->err));
	if (!strcmp(js->word, "clean") && i->txns)
		ADD(" (the open replayed %llu transaction%s)",
		    (unsigned long long)i->txns, plural(i->txns));
	if (strcmp(js->word, "dirty"))
		return;
	ADD(": %llu committed transaction%s", (unsigned long long)i->txns,
	    plural(i->txns));
	if (i->txns)
		ADD(" (sequence %llu-%llu)", (unsigned long long)i->first_seq,
		    (unsigned long long)i->last_seq);
	ADD(" not yet written home");
	if (i->discarded_seq)
		ADD("; transaction %llu is incomplete or invalid (%s) and will "
		    "not be applied", (unsigned long long)i->discarded_seq,
		    vx_strerror(i->discard_reason));
	if (d->jdirty)
		ADD("; this session shows the image as recovery would leave "
		    "it, replayed in memory (read-only view; journal_recover "
		    "with -w writes it)");
	else if (d->cat)
		ADD("; -c shows the image as it is, without them");
#undef ADD
}

static json_object *journal_json(struct dbg *d, const struct jstate *js)
{
	json_object *o = json_object_new_object();
	char buf[512];

	journal_words(d, js, buf, sizeof(buf));
	J_ADD(o, "state", J_STR(js->word));
	J_ADD(o, "description", J_STR(buf));
	if (js->err)
		J_ADD(o, "error", J_STR(vx_errname(js->err)));
	J_ADD(o, "transactions", J_U64(js->info.txns));
	J_ADD(o, "first_seq", J_U64(js->info.first_seq));
	J_ADD(o, "last_seq", J_U64(js->info.last_seq));
	J_ADD(o, "discarded_seq", J_U64(js->info.discarded_seq));
	return o;
}

/* ---- stats ---- */

static json_object *stats_group(struct dbg *d, const struct vx_super *sb,
				uint32_t g)
{
	json_object *o = json_object_new_object();
	struct vx_group grp;
	int err = get_group(d, sb, g, &grp);

	J_ADD(o, "group", J_U64(g));
	if (err) {
		J_ADD(o, "header_block", J_U64(header_block(sb, g)));
		J_ADD(o, "error", J_STR(vx_errname(err)));
		J_ADD(o, "message", J_STR(vx_strerror(err)));
		return o;
	}
	J_ADD(o, "start", J_U64(grp.start));
	J_ADD(o, "nblocks", J_U64(grp.nblocks));
	J_ADD(o, "free_blocks", J_U64(grp.free_blocks));
	J_ADD(o, "free_inodes", J_U64(grp.free_inodes));
	J_ADD(o, "used_dirs", J_U64(grp.used_dirs));
	J_ADD(o, "flags", J_U64(grp.flags));
	J_ADD(o, "flag_names", group_flag_words(grp.flags));
	return o;
}

static void stats_group_text(json_object *o)
{
	json_object *f;
	uint64_t start, n;

#define U(k) (json_object_object_get_ex(o, k, &f) ? \
	      (unsigned long long)json_object_get_uint64(f) : 0ull)
	if (json_object_object_get_ex(o, "error", &f)) {
		json_object_object_get_ex(o, "message", &f);
		printf("Group %llu: header at block %llu does not decode: %s\n",
		       U("group"), U("header_block"), json_object_get_string(f));
		return;
	}
	start = U("start");
	n = U("nblocks");
	printf("Group %llu: blocks %llu-%llu, %llu free blocks, %llu free "
	       "inodes, %llu directories, flags: ", U("group"),
	       (unsigned long long)start, (unsigned long long)(start + n - 1),
	       U("free_blocks"), U("free_inodes"), U("used_dirs"));
#undef U
	json_object_object_get_ex(o, "flag_names", &f);
	print_words(f);
	putchar('\n');
}

static const struct row stats_rows[] = {
	{ "Filesystem label:", "label", 'v' },
	{ "Filesystem UUID:", "uuid", 'v' },
	{ "Filesystem state:", "state_words", 'w' },
	{ "Filesystem features:", "features", 'w' },
	{ "Format version:", "version", 'v' },
	{ "Block size:", "block_size", 'v' },
	{ "Block count:", "block_count", 'v' },
	{ "Blocks per group:", "group_blocks", 'v' },
	{ "Group count:", "group_count", 'v' },
	{ "Inodes per group:", "inodes_per_group", 'v' },
	{ "Inode count:", "inode_count", 'v' },
	{ "Inode size:", "inode_size", 'v' },
	{ "Block bitmap blocks:", "bbitmap_blocks", 'v' },
	{ "Inode bitmap blocks:", "ibitmap_blocks", 'v' },
	{ "Inode table blocks:", "itable_blocks", 'v' },
	{ "Free blocks:", "free_blocks", 'h' },
	{ "Free inodes:", "free_inodes", 'h' },
	{ "Root inode:", "root_ino", 'v' },
	{ "lost+found inode:", "lost_found_ino", 'n' },
	{ "Journal start:", "journal_start", 'v' },
	{ "Journal blocks:", "journal_blocks", 'v' },
	{ "Journal state:", "journal_state", 'v' },
	{ "Hash seed:", "hash_seed", 'x' },
	{ "Created:", "mkfs_time", 't' },
	{ "Last written:", "write_time", 't' },
	{ "Last sequence:", "last_seq", 'v' },
	{ "Mount count:", "mount_count", 'v' },
	{ "Error count:", "error_count", 'v' },
	{ "Creator:", "creator", 'v' },
	{ "Superblock backups:", "backups", 'w' },
	{ NULL, NULL, 0 }
};

/* every field of @sb; @trusted: its free counts come from the groups */
static json_object *stats_json(struct dbg *d, const struct vx_super *sb,
			       bool trusted)
{
	json_object *o = json_object_new_object(), *a, *j;
	struct jstate js;
	vx_blk_t bk[2];
	int nbk = vx_fs_backup_blocks(sb, bk);
	char buf[64];

	J_ADD(o, "label", J_STR(sb->label));
	fmt_uuid(sb->hdr.uuid, buf);
	J_ADD(o, "uuid", J_STR(buf));
	J_ADD(o, "state", J_U64(sb->state));
	J_ADD(o, "state_words", state_words(sb->state));
	J_ADD(o, "features", feature_words(sb));
	J_ADD(o, "feature_compat", J_U64(sb->feature_compat));
	J_ADD(o, "feature_incompat", J_U64(sb->feature_incompat));
	J_ADD(o, "feature_ro_compat", J_U64(sb->feature_ro_compat));
	J_ADD(o, "version", J_U64(sb->version));
	J_ADD(o, "block_size", J_U64(1u << sb->block_log));
#define F(k) J_ADD(o, #k, J_U64(sb->k))
	F(block_count); F(group_blocks); F(group_count); F(inodes_per_group);
	J_ADD(o, "inode_count", J_U64((uint64_t)sb->inodes_per_group *
				      sb->group_count));
	F(inode_size); F(bbitmap_blocks); F(ibitmap_blocks); F(itable_blocks);
	F(free_blocks); F(free_inodes);
	J_ADD(o, "free_counts", J_STR(trusted ? "groups" : "superblock hint"));
	F(root_ino); F(lost_found_ino); F(journal_start); F(journal_blocks);
	journal_state(d, sb, &js);
	j = journal_json(d, &js);
	J_ADD(o, "journal", j);
	json_object_object_get_ex(j, "description", &a);
	J_ADD(o, "journal_state", json_object_get(a));
	F(hash_seed); F(mkfs_time);
	fmt_time(sb->mkfs_time, buf);
	J_ADD(o, "mkfs_time_iso", J_STR(buf));
	F(write_time);
	fmt_time(sb->write_time, buf);
	J_ADD(o, "write_time_iso", J_STR(buf));
	F(last_seq); F(mount_count); F(error_count);
#undef F
	J_ADD(o, "creator", J_STR(sb->creator));
	a = json_object_new_array();
	for (int i = 0; i < nbk; i++)
		json_object_array_add(a, J_U64(bk[i]));
	J_ADD(o, "backups", a);
	return o;
}

int cmd_stats(struct dbg *d, int argc, char **argv)
{
	bool json = false, headers = false;
	struct vx_super sb;
	json_object *o, *arr;
	int ch;

	while ((ch = getopt_long(argc, argv, "h", json_only, NULL)) != -1) {
		if (ch == 'h')
			headers = true;
		else if (ch == 'j')
			json = true;
		else
			goto usage;
	}
	if (optind != argc)
		goto usage;
	if (!d->fs && !d->have_sb) {
		dbg_err(d, "%s has no valid VexFS superblock at block 0: there "
			"is nothing to show (block_dump 0 shows its bytes)",
			d->path);
		return DBG_FAIL;
	}
	sb = d->fs ? *vx_fs_super(d->fs) : d->sb;
	if (!trust_fs(d)) {
		sb.free_blocks = d->sb.free_blocks;
		sb.free_inodes = d->sb.free_inodes;
	}
	o = stats_json(d, &sb, trust_fs(d));
	arr = headers ? NULL : json_object_new_array();
	for (uint32_t g = 0; arr && g < sb.group_count; g++)
		json_object_array_add(arr, stats_group(d, &sb, g));
	if (json) {
		json_object_object_del(o, "journal_state");
		if (arr)
			J_ADD(o, "groups", arr);
		dbg_json_print(o);
		return 0;
	}
	print_rows(o, stats_rows, 28);
	if (arr)
		putchar('\n');
	for (size_t g = 0; arr && g < json_object_array_length(arr); g++)
		stats_group_text(json_object_array_get_idx(arr, g));
	json_object_put(arr);
	json_object_put(o);
	return 0;
usage:
	dbg_usage(d, dbg_find_cmd("stats"));
	return DBG_FAIL;
}

/* ---- groups ---- */

static json_object *group_json(const struct vx_group *g)
{
	json_object *o = json_object_new_object();

#define F(k) J_ADD(o, #k, J_U64(g->k))
	F(group_no); F(start); F(nblocks); F(meta_blocks); F(free_blocks);
	F(free_inodes); F(used_dirs); F(itable_init); F(bbitmap); F(ibitmap);
	F(itable); F(flags);
#undef F
	J_ADD(o, "flag_names", group_flag_words(g->flags));
	return o;
}

/* one group; under -c a header that does not decode on the device is
 * said so, then shown as the filesystem took it (from the geometry) */
static int show_group(struct dbg *d, uint32_t g, json_object *arr)
{
	const struct vx_super *sb = vx_fs_super(d->fs);
	struct vx_group grp;
	int bad = d->cat ? get_group(d, sb, g, &grp) : 0;
	int err = vx_fs_group(d->fs, g, &grp);
	json_object *o;

	if (err)
		return dbg_fail(d, err, "group %u", g);
	o = group_json(&grp);
	if (bad)
		J_ADD(o, "header_error", J_STR(vx_errname(bad)));
	if (arr) {
		json_object_array_add(arr, o);
		return 0;
	}
	printf("Group %u:\n", g);
	if (bad)
		printf("  the header at block %llu does not decode (%s); shown "
		       "as its geometry implies\n",
		       (unsigned long long)header_block(sb, g), vx_strerror(bad));
	print_fields(o, "  ");
	json_object_put(o);
	return 0;
}

int cmd_groups(struct dbg *d, int argc, char **argv)
{
	uint32_t count = vx_fs_super(d->fs)->group_count;
	json_object *arr = NULL, *o;
	unsigned long long g;
	int ch, ret = 0;

	while ((ch = getopt_long(argc, argv, "", json_only, NULL)) != -1) {
		if (ch != 'j') {
			dbg_usage(d, dbg_find_cmd("groups"));
			return DBG_FAIL;
		}
		if (!arr)
			arr = json_object_new_array();
	}
	for (int i = optind; i < argc; i++) {
		if (dbg_number(argv[i], UINT32_MAX, &g)) {
			dbg_err(d, "%s: not a group number", argv[i]);
			goto fail;
		}
		if (g >= count) {
			dbg_err(d, "group %llu: out of range (the filesystem has "
				"%u group%s: 0-%u)", g, count, plural(count),
				count - 1);
			goto fail;
		}
	}
	for (int i = optind; i < argc && !ret; i++) {
		dbg_number(argv[i], UINT32_MAX, &g);
		ret = show_group(d, (uint32_t)g, arr);
	}
	for (uint32_t i = 0; optind == argc && i < count && !ret; i++)
		ret = show_group(d, i, arr);
	if (ret)
		goto fail;
	if (arr) {
		o = json_object_new_object();
		J_ADD(o, "groups", arr);
		dbg_json_print(o);
	}
	return 0;
fail:
	json_object_put(arr);
	return DBG_FAIL;
}

/* ---- freefrag ---- */

#define FF_BUCKETS	64

struct ffrag {
	uint64_t free, extents, min, max;
	uint64_t hist_n[FF_BUCKETS], hist_b[FF_BUCKETS];
	uint64_t chunk, chunks_free;	/* chunk size in blocks (0: none) */
	vx_blk_t run_start;
	uint64_t run_len;
};

static void ff_end_run(struct ffrag *f)
{
	uint64_t len = f->run_len;
	int b = 63 - __builtin_clzll(len ? len : 1);

	if (!len)
		return;
	f->extents++;
	f->free += len;
	if (!f->min || len < f->min)
		f->min = len;
	if (len > f->max)
		f->max = len;
	f->hist_n[b]++;
	f->hist_b[b] += len;
	if (f->chunk) {
		uint64_t first = (f->run_start + f->chunk - 1) / f->chunk;
		uint64_t end = (f->run_start + len) / f->chunk;

		if (end > first)
			f->chunks_free += end - first;
	}
	f->run_len = 0;
}

/* @n blocks from @blk, all used or all free */
static void ff_span(struct ffrag *f, vx_blk_t blk, uint64_t n, bool used)
{
	if (!n)
		return;
	if (used) {
		ff_end_run(f);
		return;
	}
	if (!f->run_len)
		f->run_start = blk;
	f->run_len += n;
}

/* @nbits bits of @bits for the blocks from @blk (a set bit: in use) */
static void ff_scan(struct ffrag *f, const uint8_t *bits, uint64_t nbits,
		    vx_blk_t blk)
{
	uint64_t i = 0;

	while (i < nbits) {
		if (!(i & 7) && i + 8 <= nbits &&
		    (bits[i / 8] == 0 || bits[i / 8] == 0xff)) {
			ff_span(f, blk + i, 8, bits[i / 8] == 0xff);
			i += 8;
			continue;
		}
		ff_span(f, blk + i, 1, bits[i / 8] >> (i & 7) & 1);
		i++;
	}
}

/* one group's block bitmap, every block of it read and checked first */
static int ff_group(struct dbg *d, struct ffrag *f, const struct vx_group *g,
		    const uint8_t *uuid, vx_blk_t *bad)
{
	uint32_t bs = dbg_bsize(d);
	uint64_t per = (uint64_t)(bs - VX_MHDR_SIZE) * 8;
	uint64_t nbm = (g->nblocks + per - 1) / per;
	uint8_t *buf;
	int err = 0;

	if (g->flags & VX_GF_BLOCK_UNINIT) {
		ff_span(f, g->start, g->meta_blocks, true);
		ff_span(f, g->start + g->meta_blocks,
			g->nblocks - g->meta_blocks, false);
		return 0;
	}
	buf = malloc(nbm * bs);
	if (!buf)
		return -ENOMEM;
	for (uint64_t i = 0; i < nbm && !err; i++) {
		*bad = g->bbitmap + i;
		err = dbg_read_block(d, *bad, buf + i * bs);
		if (!err)
			err = vx_mhdr_check(buf + i * bs, bs, VX_BT_BBITMAP,
					    *bad, uuid, NULL);
	}
	for (uint64_t i = 0; i < nbm && !err; i++) {
		uint64_t n = g->nblocks - i * per < per ? g->nblocks - i * per
							: per;

		ff_scan(f, buf + i * bs + VX_MHDR_SIZE, n, g->start + i * per);
	}
	free(buf);
	return err;
}

static void ff_size(uint64_t bytes, char *out, size_t n)
{
	static const char unit[] = "KMGTPE";
	int u = 0;

	bytes /= 1024;
	while (bytes >= 1024 && !(bytes % 1024) && unit[u + 1]) {
		bytes /= 1024;
		u++;
	}
	snprintf(out, n, "%llu%c", (unsigned long long)bytes, unit[u]);
}

static void ff_report(const struct ffrag *f, const struct vx_super *sb,
		      uint64_t chunk_kb)
{
	uint64_t bs = 1ull << sb->block_log, total = sb->block_count;
	char lo[24], hi[24];

	printf("Device blocks:      %llu (%llu KiB blocks)\n",
	       (unsigned long long)total, (unsigned long long)bs / 1024);
	printf("Free blocks:        %llu (%.2f%%)\n", (unsigned long long)f->free,
	       total ? 100.0 * (double)f->free / (double)total : 0.0);
	printf("Free extents:       %llu\n", (unsigned long long)f->extents);
	printf("Min. free extent:   %llu KiB\n",
	       (unsigned long long)(f->min * bs / 1024));
	printf("Max. free extent:   %llu KiB\n",
	       (unsigned long long)(f->max * bs / 1024));
	printf("Avg. free extent:   %llu KiB\n", (unsigned long long)
	       (f->extents ? f->free * bs / 1024 / f->extents : 0));
	if (chunk_kb) {
		uint64_t all = total / f->chunk;

		printf("Chunk size:         %llu KiB (%llu block%s)\n",
		       (unsigned long long)chunk_kb,
		       (unsigned long long)f->chunk, plural(f->chunk));
		printf("Free chunks:        %llu of %llu (%.2f%%)\n",
		       (unsigned long long)f->chunks_free,
		       (unsigned long long)all, all ? 100.0 *
		       (double)f->chunks_free / (double)all : 0.0);
	}
	printf("\nHISTOGRAM OF FREE EXTENT SIZES:\n");
	printf("%-20s :  %12s  %12s  %7s\n", "Extent size range", "Free extents",
	       "Free blocks", "Percent");
	for (int i = 0; i < FF_BUCKETS; i++) {
		if (!f->hist_n[i])
			continue;
		ff_size(bs << i, lo, sizeof(lo));
		ff_size(bs << (i + 1), hi, sizeof(hi));
		printf("%7s...%7s-   :  %12llu  %12llu  %6.2f%%\n", lo, hi,
		       (unsigned long long)f->hist_n[i],
		       (unsigned long long)f->hist_b[i],
		       100.0 * (double)f->hist_b[i] / (double)f->free);
	}
}

static int ff_parse(struct dbg *d, int argc, char **argv, uint64_t *kb)
{
	unsigned long long v;
	int ch;

	*kb = 0;
	while ((ch = getopt(argc, argv, "c:")) != -1) {
		if (ch != 'c')
			goto usage;
		if (dbg_number(optarg, 1ull << 40, &v) || !v) {
			dbg_err(d, "-c %s: not a chunk size in KiB", optarg);
			return DBG_FAIL;
		}
		if ((v & (v - 1)) || v * 1024 < dbg_bsize(d)) {
			dbg_err(d, "-c %llu: the chunk size must be a power of "
				"two, at least the block size (%u KiB)", v,
				dbg_bsize(d) / 1024);
			return DBG_FAIL;
		}
		*kb = v;
	}
	if (optind == argc)
		return 0;
usage:
	dbg_usage(d, dbg_find_cmd("freefrag"));
	return DBG_FAIL;
}

int cmd_freefrag(struct dbg *d, int argc, char **argv)
{
	const struct vx_super *sb = vx_fs_super(d->fs);
	struct ffrag *f;
	struct vx_group g;
	uint64_t kb, hdr_free = 0, skipped = 0;
	vx_blk_t bad;
	int err;

	if (ff_parse(d, argc, argv, &kb))
		return DBG_FAIL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return dbg_fail(d, -ENOMEM, "freefrag");
	f->chunk = kb * 1024 / dbg_bsize(d);
	dbg_sync_for_raw(d);
	for (uint32_t i = 0; i < sb->group_count; i++) {
		bad = 0;
		err = vx_fs_group(d->fs, i, &g);
		if (!err)
			err = ff_group(d, f, &g, sb->hdr.uuid, &bad);
		ff_end_run(f);
		if (err) {
			dbg_warn(d, "group %u: %s%llu: %s; the group is left out",
				 i, bad ? "block bitmap block " : "header ",
				 (unsigned long long)bad, vx_strerror(err));
			skipped++;
			continue;
		}
		hdr_free += g.free_blocks;
	}
	ff_report(f, sb, kb);
	if (d->depth)
		dbg_warn(d, "a transaction is open: the bitmaps read show the "
			 "committed state, the group headers' counts its own; "
			 "not compared");
	else if (hdr_free != f->free)
		dbg_warn(d, "the block bitmaps hold %llu free blocks, the group "
			 "headers count %llu%s (fsck.vexfs checks which is right)",
			 (unsigned long long)f->free,
			 (unsigned long long)hdr_free,
			 skipped ? " in the groups read" : "");
	free(f);
	return 0;
}

/* ---- txstats ---- */

/* the histogram bucket of the slowest commit, or -1 for none */
static int max_bucket(const struct vx_txn_stats *s)
{
	for (int i = VX_LAT_BUCKETS - 1; i >= 0; i--)
		if (s->latency[i])
			return i;
	return -1;
}

static json_object *txstats_json(const struct vx_txn_stats *s)
{
	json_object *o = json_object_new_object(), *lat, *h;
	int top = max_bucket(s);

#define F(name) J_ADD(o, #name, J_U64(s->name))
	F(begun); F(commits); F(aborts); F(rollbacks); F(ops); F(op_errors);
	J_ADD(o, "failed", J_U64(s->errors));
	F(deadlocks); F(timeouts); F(lock_waits); F(lock_wait_ns); F(batches);
	F(batched);
	J_ADD(o, "batched_per_batch", json_object_new_double(s->batches ?
		(double)s->batched / (double)s->batches : 0.0));
	F(log_bytes); F(data_bytes); F(checkpoints); F(running);
#undef F
	J_ADD(o, "since", J_STR("open"));
	lat = json_object_new_object();
	J_ADD(lat, "p50_ns", J_U64(vx_txn_latency_pct(s, 50)));
	J_ADD(lat, "p90_ns", J_U64(vx_txn_latency_pct(s, 90)));
	J_ADD(lat, "p99_ns", J_U64(vx_txn_latency_pct(s, 99)));
	J_ADD(lat, "max_bucket_us", top < 0 ? NULL : J_U64(1ull << top));
	J_ADD(lat, "total_ns", J_U64(s->latency_ns_total));
	h = json_object_new_array();
	for (int i = 0; i < VX_LAT_BUCKETS; i++) {
		json_object *b;

		if (!s->latency[i])
			continue;
		b = json_object_new_object();
		J_ADD(b, "below_us", J_U64(1ull << i));
		J_ADD(b, "count", J_U64(s->latency[i]));
		json_object_array_add(h, b);
	}
	J_ADD(lat, "histogram", h);
	J_ADD(o, "commit_latency", lat);
	return o;
}

static void txstats_text(const struct vx_txn_stats *s, json_object *o)
{
	int top = max_bucket(s);

	printf("Transaction statistics of this session (since the filesystem "
	       "was opened):\n");
	print_fields(o, "");
	if (top < 0) {
		printf("%-20s%s\n", "commit latency:", "no commit timed");
		return;
	}
	printf("%-20sp50 < %llu us, p90 < %llu us, p99 < %llu us, max < %llu "
	       "us\n", "commit latency:",
	       (unsigned long long)vx_txn_latency_pct(s, 50) / 1000,
	       (unsigned long long)vx_txn_latency_pct(s, 90) / 1000,
	       (unsigned long long)vx_txn_latency_pct(s, 99) / 1000,
	       1ull << top);
	for (int i = 0; i < VX_LAT_BUCKETS; i++)
		if (s->latency[i])
			printf("  < %8llu us: %llu\n", 1ull << i,
			       (unsigned long long)s->latency[i]);
}

int cmd_txstats(struct dbg *d, int argc, char **argv)
{
	struct vx_txn_stats s;
	json_object *o;
	bool json = false;
	int ch, err;

	while ((ch = getopt_long(argc, argv, "", json_only, NULL)) != -1) {
		if (ch != 'j')
			goto usage;
		json = true;
	}
	if (optind != argc)
		goto usage;
	err = vx_txn_stats(d->fs, &s);
	if (err)
		return dbg_fail(d, err, "no transaction statistics for %s",
				d->path);
	o = txstats_json(&s);
	if (json) {
		dbg_json_print(o);
		return 0;
	}
	txstats_text(&s, o);
	json_object_put(o);
	return 0;
usage:
	dbg_usage(d, dbg_find_cmd("txstats"));
	return DBG_FAIL;
}
