/*
 * cmd_dirindex.c: a directory's index, read raw: dirsearch (where one
 * name is) and htree (the whole B+tree).
 *
 * Directory nodes are read by logical block (mapped with vx_bmap) from
 * d->io after dbg_sync_for_raw, so they show what is committed (inside
 * an open transaction dbg_raw_note says so), and validated as the
 * library does (format.h "directories"): header magic, type, own block
 * number and UUID (vx_mhdr_check), owner, level, used bytes and every
 * entry's bounds; htree prints a problem for what fails instead of
 * stopping, and visits each node once.  The name hash is private to
 * the library, so dirsearch finds the leaf by scanning the leaves for
 * the name and shows the hash stored in its entry.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "debugfs.h"

#define DH_LEVEL	48
#define DH_COUNT	50
#define DH_USED		52
#define DH_OWNER	56
#define DH_NEXT		64
#define DH_PARENT	72
#define DH_NENTRIES	80

/* ---- directory nodes, read raw ---- */

struct dtree {
	struct dbg *d;
	vx_ino_t ino;
	uint32_t bs;
	uint64_t nblocks;
	vx_blk_t *map;		/* logical block -> physical */
	const uint8_t *uuid;
	char why[160];		/* the last problem dt_read found */
	unsigned problems;
};

struct dnode {
	uint64_t lblk;
	vx_blk_t pblk;
	uint16_t level, count;
	uint32_t used;
	uint64_t next, parent, nentries;
	uint8_t *blk;
};

struct dent {
	uint64_t hash;
	vx_ino_t ino;
	unsigned type, len;
	const char *name;
};

/* the leaf entry at @off of the entry area; NULL or what is wrong */
static const char *dt_entry(const struct dnode *n, uint32_t off,
			    struct dent *e)
{
	const uint8_t *p = n->blk + VX_DIR_NODE_HDR + off;

	if (off + VX_DIRENT_HDR > n->used)
		return "an entry runs past the used bytes";
	e->hash = vx_get64(p);
	e->ino = vx_get64(p + 8);
	e->type = p[16];
	e->len = p[17];
	e->name = (const char *)p + VX_DIRENT_HDR;
	if (!e->len || off + VX_DIRENT_HDR + e->len > n->used)
		return "an entry's name is empty or runs past the used bytes";
	if (!e->type || e->type > VX_FT_LNK)
		return "an entry has an unknown file type";
	if (memchr(e->name, '/', e->len) || memchr(e->name, 0, e->len))
		return "an entry's name holds '/' or NUL";
	return NULL;
}

static const char *dt_bad(struct dtree *t, const char *fmt,
			  unsigned long long v)
{
	snprintf(t->why, sizeof(t->why), fmt, v);
	return t->why;
}

/* the entries of node @n: index keys strictly increasing and children
 * inside the directory, leaf entries parsing exactly to the used bytes
 * in (non-decreasing) hash order */
static const char *dt_check_entries(struct dtree *t, const struct dnode *n)
{
	const uint8_t *e = n->blk + VX_DIR_NODE_HDR;
	uint64_t prev = 0;
	uint32_t off = 0;
	struct dent de;
	const char *why;

	if (n->level) {
		if (!n->count || n->used != n->count * VX_DINDEX_SIZE)
			return dt_bad(t, "count %llu does not match the used "
				      "bytes of an index node", n->count);
		for (unsigned i = 0; i < n->count; i++) {
			uint64_t c = vx_get64(e + i * VX_DINDEX_SIZE + 8);

			if (!c || c >= t->nblocks)
				return dt_bad(t, "entry %llu's child is outside "
					      "the directory", i);
			if (i && vx_get64(e + i * VX_DINDEX_SIZE) <= prev)
				return dt_bad(t, "entry %llu's key is not above "
					      "the one before", i);
			prev = vx_get64(e + i * VX_DINDEX_SIZE);
		}
		return NULL;
	}
	for (unsigned i = 0; i < n->count; i++, off += VX_DIRENT_HDR + de.len) {
		if ((why = dt_entry(n, off, &de)))
			return why;
		if (i && de.hash < prev)
			return dt_bad(t, "entry %llu is out of hash order", i);
		prev = de.hash;
	}
	return off == n->used ? NULL : "the entries do not fill the used bytes";
}

/* read and check node @lblk (@level: expected, -1 for any); returns NULL
 * or the problem */
static const char *dt_read(struct dtree *t, uint64_t lblk, int level,
			   struct dnode *n)
{
	int err;

	n->lblk = lblk;
	if (lblk >= t->nblocks)
		return "beyond the directory's size";
	n->pblk = t->map[lblk];
	if (!n->pblk)
		return "a hole in the directory";
	err = dbg_read_block(t->d, n->pblk, n->blk);
	if (!err)
		err = vx_mhdr_check(n->blk, t->bs, VX_BT_DIR, n->pblk, t->uuid,
				    NULL);
	if (err) {
		snprintf(t->why, sizeof(t->why), "block %llu: %s",
			 (unsigned long long)n->pblk, vx_strerror(err));
		return t->why;
	}
	n->level = vx_get16(n->blk + DH_LEVEL);
	n->count = vx_get16(n->blk + DH_COUNT);
	n->used = vx_get32(n->blk + DH_USED);
	n->next = vx_get64(n->blk + DH_NEXT);
	n->parent = vx_get64(n->blk + DH_PARENT);
	n->nentries = vx_get64(n->blk + DH_NENTRIES);
	if ((level >= 0 && n->level != level) || n->level >= VX_MAX_DIR_DEPTH)
		return dt_bad(t, "level %llu is not the one expected", n->level);
	if (vx_get64(n->blk + DH_OWNER) != t->ino)
		return dt_bad(t, "owner is inode %llu",
			      vx_get64(n->blk + DH_OWNER));
	if (n->used > t->bs - VX_DIR_NODE_HDR)
		return dt_bad(t, "used bytes %llu run past the block", n->used);
	return dt_check_entries(t, n);
}

/* resolve @arg to a directory and map its logical blocks */
static int dt_open(struct dbg *d, const char *arg, struct dtree *t)
{
	const struct vx_super *sb = vx_fs_super(d->fs);
	struct vx_attr a;
	uint64_t run;
	vx_blk_t p;
	int err;

	memset(t, 0, sizeof(*t));
	t->d = d;
	t->bs = dbg_bsize(d);
	t->uuid = sb->hdr.uuid;
	if (dbg_inode_arg(d, arg, &t->ino))
		return DBG_FAIL;
	if ((err = vx_stat(d->fs, dbg_tx(d), t->ino, &a)))
		return dbg_fail(d, err, "%s", arg);
	if (!S_ISDIR(a.mode)) {
		dbg_err(d, "%s: not a directory", arg);
		return DBG_FAIL;
	}
	t->nblocks = a.size / t->bs;
	if (a.size % t->bs || !t->nblocks || t->nblocks > sb->block_count) {
		dbg_err(d, "%s: a directory of %llu bytes is not a whole number "
			"of blocks (a damaged inode: check shows it)", arg,
			(unsigned long long)a.size);
		return DBG_FAIL;
	}
	t->map = calloc(t->nblocks, sizeof(*t->map));
	if (!t->map)
		return dbg_fail(d, -ENOMEM, "%s", arg);
	for (uint64_t l = 0; l < t->nblocks;) {
		if ((err = vx_bmap(d->fs, dbg_tx(d), t->ino, l, &p, &run)))
			return dbg_fail(d, err, "%s: logical block %llu", arg,
					(unsigned long long)l);
		for (uint64_t k = 0; k < run && l < t->nblocks; k++)
			t->map[l++] = p ? p + k : 0;
	}
	dbg_raw_note(d);
	return 0;
}

/* ---- dirsearch ---- */

/* the index entries from the root down to the leaf that holds @hash */
static void ds_route(struct dtree *t, uint64_t hash, struct dnode *n)
{
	uint64_t lblk = 0;

	printf("%-8s", "route:");
	for (int depth = 0; depth <= VX_MAX_DIR_DEPTH; depth++) {
		unsigned i = 0;

		if (dt_read(t, lblk, -1, n)) {
			printf("logical block %llu (%s)\n",
			       (unsigned long long)lblk, t->why);
			return;
		}
		if (!n->level) {
			printf("logical block %llu (leaf)\n",
			       (unsigned long long)lblk);
			return;
		}
		while (i + 1 < n->count && vx_get64(n->blk + VX_DIR_NODE_HDR +
					      (i + 1) * VX_DINDEX_SIZE) <= hash)
			i++;
		printf("logical block %llu (level %u, entry %u) -> ",
		       (unsigned long long)lblk, n->level, i);
		lblk = vx_get64(n->blk + VX_DIR_NODE_HDR + i * VX_DINDEX_SIZE + 8);
	}
	printf("(deeper than %d levels)\n", VX_MAX_DIR_DEPTH);
}

/* scan every leaf for @name; 1 and *@e, *@idx when found */
static int ds_scan(struct dtree *t, const char *name, struct dnode *n,
		   struct dent *e, unsigned *idx)
{
	size_t len = strlen(name);

	for (uint64_t l = 0; l < t->nblocks; l++) {
		uint32_t off = 0;

		if (dt_read(t, l, -1, n)) {
			t->problems++;
			continue;
		}
		for (unsigned i = 0; !n->level && i < n->count; i++) {
			dt_entry(n, off, e);
			if (e->len == len && !memcmp(e->name, name, len)) {
				*idx = i;
				return 1;
			}
			off += VX_DIRENT_HDR + e->len;
		}
	}
	return 0;
}

static void ds_show(struct dbg *d, const char *name, vx_ino_t ino)
{
	struct vx_attr a;
	int err = vx_stat(d->fs, dbg_tx(d), ino, &a);

	printf("%-8s%s\n%-8s%llu\n", "name:", name, "inode:",
	       (unsigned long long)ino);
	if (err)
		printf("%-8s%s\n", "type:", vx_strerror(err));
	else
		printf("%-8s%s\n", "type:", dbg_ftype_name(vx_ftype_of_mode(a.mode)));
}

int cmd_dirsearch(struct dbg *d, int argc, char **argv)
{
	struct dtree t;
	struct dnode n = { 0 };
	struct dent e;
	unsigned idx;
	vx_ino_t ino;
	int err, ret = DBG_FAIL;

	if (argc != 3) {
		dbg_usage(d, dbg_find_cmd("dirsearch"));
		return DBG_FAIL;
	}
	if (!*argv[2] || strchr(argv[2], '/') || strlen(argv[2]) > VX_NAME_MAX) {
		dbg_err(d, "'%s': not a name (1 to %d bytes, no '/')", argv[2],
			VX_NAME_MAX);
		return DBG_FAIL;
	}
	if (dt_open(d, argv[1], &t))
		goto out;
	err = vx_lookup(d->fs, dbg_tx(d), t.ino, argv[2], &ino);
	if (err == -ENOENT) {
		dbg_err(d, "%s: not found in %s", argv[2], argv[1]);
		goto out;
	}
	if (err) {
		dbg_fail(d, err, "looking %s up in %s", argv[2], argv[1]);
		goto out;
	}
	ds_show(d, argv[2], ino);
	if (!strcmp(argv[2], ".") || !strcmp(argv[2], "..")) {
		printf("%-8s%s\n", "node:", "none: \".\" and \"..\" are not "
		       "stored as entries (\"..\" is the root node's parent)");
		ret = 0;
		goto out;
	}
	n.blk = malloc(t.bs);
	if (!n.blk) {
		dbg_fail(d, -ENOMEM, "dirsearch");
		goto out;
	}
	if (ds_scan(&t, argv[2], &n, &e, &idx)) {
		printf("%-8s%s\n%-8s0x%016llx\n", "entry:", dbg_ftype_name(e.type),
		       "hash:", (unsigned long long)e.hash);
		printf("%-8slogical block %llu, physical block %llu, entry %u "
		       "of %u\n", "leaf:", (unsigned long long)n.lblk,
		       (unsigned long long)n.pblk, idx, n.count);
		ds_route(&t, e.hash, &n);
		ret = 0;
	} else if (d->depth) {
		printf("%-8s%s\n", "node:", "none in the committed blocks: the "
		       "name was made in the open transaction");
		ret = 0;
	} else {
		dbg_err(d, "%s: found by lookup in %s but in no leaf read raw "
			"(%u node%s did not read back valid: htree shows them)",
			argv[2], argv[1], t.problems,
			t.problems == 1 ? "" : "s");
	}
out:
	free(n.blk);
	free(t.map);
	return ret;
}

/* ---- htree ---- */

struct hwalk {
	struct dtree *t;
	bool verbose;
	uint8_t *seen;		/* per logical block: reached */
	uint64_t internal, leaves, entries, reached;
	uint64_t prev_next;	/* the last leaf's next link */
	bool have_prev, root_read;
	unsigned root_level;
	uint64_t root_names;	/* the root's count of the names */
};

static void ht_problem(struct dtree *t, int indent, uint64_t lblk,
		       const char *why)
{
	printf("%*sproblem: logical block %llu: %s\n", indent, "",
	       (unsigned long long)lblk, why);
	t->problems++;
}

static void ht_leaf(struct hwalk *w, const struct dnode *n, int indent)
{
	struct dent e;
	uint32_t off = 0;

	printf("%*sleaf: logical block %llu, physical block %llu, count %u, "
	       "used %u bytes, next %llu\n", indent, "",
	       (unsigned long long)n->lblk, (unsigned long long)n->pblk,
	       n->count, n->used, (unsigned long long)n->next);
	if (w->have_prev && w->prev_next != n->lblk) {
		char why[96];

		snprintf(why, sizeof(why), "the leaf before links to logical "
			 "block %llu, not here", (unsigned long long)w->prev_next);
		ht_problem(w->t, indent, n->lblk, why);
	}
	w->have_prev = true;
	w->prev_next = n->next;
	w->leaves++;
	w->entries += n->count;
	for (unsigned i = 0; w->verbose && i < n->count; i++) {
		dt_entry(n, off, &e);
		printf("%*s  hash 0x%016llx  inode %llu  %-12s %.*s\n", indent, "",
		       (unsigned long long)e.hash, (unsigned long long)e.ino,
		       dbg_ftype_name(e.type), (int)e.len, e.name);
		off += VX_DIRENT_HDR + e.len;
	}
}

/* node @lblk at @level (-1: the root) and what is below it */
static void ht_node(struct hwalk *w, uint64_t lblk, int level, int indent)
{
	struct dtree *t = w->t;
	struct dnode n;
	const char *why;

	if (lblk < t->nblocks && w->seen[lblk]) {
		ht_problem(t, indent, lblk, "reached a second time");
		return;
	}
	if (lblk < t->nblocks) {
		w->seen[lblk] = 1;
		w->reached++;
	}
	n.blk = malloc(t->bs);
	why = n.blk ? dt_read(t, lblk, level, &n) : "out of memory";
	if (why) {
		ht_problem(t, indent, lblk, why);
		free(n.blk);
		return;
	}
	if (level < 0) {
		w->root_read = true;
		w->root_level = n.level;
		w->root_names = n.nentries;
		printf("root: logical block 0, physical block %llu, level %u, "
		       "%llu names, parent %llu\n", (unsigned long long)n.pblk,
		       n.level, (unsigned long long)n.nentries,
		       (unsigned long long)n.parent);
	}
	if (!n.level) {
		ht_leaf(w, &n, indent);
		free(n.blk);
		return;
	}
	w->internal++;
	printf("%*sindex: logical block %llu, physical block %llu, level %u, "
	       "count %u\n", indent, "", (unsigned long long)lblk,
	       (unsigned long long)n.pblk, n.level, n.count);
	for (unsigned i = 0; i < n.count; i++) {
		const uint8_t *e = n.blk + VX_DIR_NODE_HDR + i * VX_DINDEX_SIZE;

		printf("%*s  entry %u: hash 0x%016llx -> logical block %llu\n",
		       indent, "", i, (unsigned long long)vx_get64(e),
		       (unsigned long long)vx_get64(e + 8));
		ht_node(w, vx_get64(e + 8), n.level - 1, indent + 4);
	}
	free(n.blk);
}

/* what the walk adds up to, and the problems only the whole shows */
static void ht_summary(struct hwalk *w)
{
	struct dtree *t = w->t;
	char why[96];

	if (w->have_prev && w->prev_next)
		ht_problem(t, 0, w->prev_next, "the last leaf links here");
	if (w->reached < t->nblocks) {
		snprintf(why, sizeof(why), "%llu of the directory's blocks are "
			 "in no node's reach", (unsigned long long)
			 (t->nblocks - w->reached));
		ht_problem(t, 0, 0, why);
	}
	if (w->entries != w->root_names) {
		snprintf(why, sizeof(why), "the root counts %llu names, the "
			 "leaves hold %llu", (unsigned long long)w->root_names,
			 (unsigned long long)w->entries);
		ht_problem(t, 0, 0, why);
	}
	printf("summary: %u level%s (root level %u), %llu index node%s, %llu "
	       "lea%s, %llu entries in the leaves, %llu blocks\n",
	       w->root_level + 1, w->root_level ? "s" : "", w->root_level,
	       (unsigned long long)w->internal, w->internal == 1 ? "" : "s",
	       (unsigned long long)w->leaves, w->leaves == 1 ? "f" : "ves",
	       (unsigned long long)w->entries,
	       (unsigned long long)t->nblocks);
}

int cmd_htree(struct dbg *d, int argc, char **argv)
{
	struct hwalk w = { .verbose = false };
	struct dtree t;
	int ch;

	while ((ch = getopt(argc, argv, "v")) != -1) {
		if (ch != 'v')
			goto usage;
		w.verbose = true;
	}
	if (optind != argc - 1)
		goto usage;
	if (dt_open(d, argv[optind], &t)) {
		free(t.map);
		return DBG_FAIL;
	}
	w.t = &t;
	w.seen = calloc(t.nblocks, 1);
	if (!w.seen) {
		free(t.map);
		return dbg_fail(d, -ENOMEM, "htree");
	}
	printf("directory %s (inode %llu): %llu block%s of %u bytes\n",
	       argv[optind], (unsigned long long)t.ino,
	       (unsigned long long)t.nblocks, t.nblocks == 1 ? "" : "s", t.bs);
	ht_node(&w, 0, -1, 0);
	if (w.root_read)
		ht_summary(&w);
	if (t.problems)
		dbg_err(d, "%s: %u problem%s in the index (listed above)",
			argv[optind], t.problems, t.problems == 1 ? "" : "s");
	free(w.seen);
	free(t.map);
	return t.problems ? DBG_FAIL : 0;
usage:
	dbg_usage(d, dbg_find_cmd("htree"));
	return DBG_FAIL;
}
