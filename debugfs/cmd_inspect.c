/*
 * cmd_inspect.c: where blocks, names and index nodes are: icheck
 * (block -> inode), ncheck (inode -> paths), dirsearch (a name's place in
 * its directory's index) and htree (a directory's whole index).
 *
 * icheck, dirsearch and htree read blocks raw, through d->io, after
 * dbg_sync_for_raw: they show what is committed (inside an open
 * transaction they say so).  icheck makes one pass over every group's
 * inode table, decoding each slot (vx_inode_decode) and walking its
 * extent tree with format.h's layout: the inline area, then the extent
 * node blocks, each checked (metadata header, level one below its
 * parent's, owner, count within the block) before it is used, so a
 * damaged tree is skipped and counted, never followed blindly.  ncheck
 * walks the namespace through the library (vx_readdir in the open
 * transaction) from the root, breadth first, entering each directory
 * once.  Directory nodes are read by logical block (mapped with vx_bmap)
 * and validated like the library does (format.h "directories"): header
 * magic, type, own block number and UUID (vx_mhdr_check), owner, level,
 * used bytes and every entry's bounds; htree prints a problem for what
 * fails instead of stopping, and visits each node once.  The name hash
 * is private to the library, so dirsearch finds the leaf by scanning
 * the leaves for the name and shows the hash stored in its entry.
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

static const char *ftype_name(unsigned t)
{
	static const char *const names[] = {
		"unknown", "regular", "directory", "char device",
		"block device", "fifo", "socket", "symlink" };

	return t <= VX_FT_LNK ? names[t] : "invalid";
}

static void raw_note(struct dbg *d)
{
	dbg_sync_for_raw(d);
	if (d->depth)
		dbg_warn(d, "a transaction is open: the blocks read raw show "
			 "the committed state, not its changes");
}

/* ---- icheck ---- */

struct want {
	vx_blk_t blk;
	vx_ino_t ino;		/* owner; 0 while none found */
	bool node;		/* an extent tree node, not data */
};

struct icheck {
	struct dbg *d;
	const struct vx_super *sb;
	uint32_t bs;
	struct want *w;		/* sorted by block */
	size_t n, left;
	uint64_t bad_inodes, bad_nodes;
	uint64_t budget;	/* nodes the inode may still have: its block
				 * count bounds the walk of a crafted tree */
};

static int want_cmp(const void *a, const void *b)
{
	const struct want *x = a, *y = b;

	return x->blk < y->blk ? -1 : x->blk > y->blk;
}

/* claim the wanted blocks in [@start, @start + @len) for @ino */
static void ic_mark(struct icheck *c, vx_blk_t start, uint64_t len,
		    vx_ino_t ino, bool node)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->w[mid].blk < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < c->n && c->w[lo].blk - start < len; lo++) {
		if (c->w[lo].ino)
			continue;
		c->w[lo].ino = ino;
		c->w[lo].node = node;
		c->left--;
	}
}

/* @count entries at @ents of a node of inode @ino's tree at @level */
static void ic_walk(struct icheck *c, vx_ino_t ino, const uint8_t *ents,
		    unsigned count, unsigned level)
{
	uint8_t *buf;

	for (unsigned i = 0; i < count && c->left; i++) {
		const uint8_t *e = ents + (size_t)i * (level ? VX_INDEX_SIZE :
							      VX_EXTENT_SIZE);
		vx_blk_t p = vx_get64(e + 8);
		unsigned cnt, cap;

		if (!level) {
			uint64_t len = vx_get32(e + 16);

			if (p && p < c->sb->block_count)
				ic_mark(c, p, len < c->sb->block_count - p ?
					len : c->sb->block_count - p, ino, false);
			continue;
		}
		if (!p || p >= c->sb->block_count || !c->budget) {
			c->bad_nodes++;
			continue;
		}
		c->budget--;
		ic_mark(c, p, 1, ino, true);
		buf = malloc(c->bs);
		cap = (c->bs - VX_EXT_NODE_HDR) / (level > 1 ? VX_INDEX_SIZE :
						  VX_EXTENT_SIZE);
		if (!buf || dbg_read_block(c->d, p, buf) ||
		    vx_mhdr_check(buf, c->bs, VX_BT_EXTENT, p, c->sb->hdr.uuid,
				  NULL) ||
		    vx_get16(buf + 48) != level - 1 || vx_get64(buf + 56) != ino ||
		    (cnt = vx_get16(buf + 50)) > cap)
			c->bad_nodes++;
		else
			ic_walk(c, ino, buf + VX_EXT_NODE_HDR, cnt, level - 1);
		free(buf);
	}
}

/* every inode in use in group @g's table */
static int ic_group(struct icheck *c, uint32_t g, uint8_t *buf, size_t bufblks)
{
	uint32_t ipb = c->bs / VX_INODE_SIZE, ipg = c->sb->inodes_per_group;
	struct vx_group grp;
	struct vx_inode in;
	uint64_t slots, nblk;
	int err = vx_fs_group(c->d->fs, g, &grp);

	if (err || (grp.flags & VX_GF_INODE_UNINIT))
		return err;
	slots = grp.itable_init < ipg ? grp.itable_init : ipg;
	nblk = (slots + ipb - 1) / ipb;
	for (uint64_t b = 0; b < nblk && c->left; b += bufblks) {
		size_t k = nblk - b < bufblks ? nblk - b : bufblks;

		err = vx_io_read(c->d->io, (grp.itable + b) * c->bs, buf,
				 k * c->bs);
		if (err)
			return err;
		for (uint64_t s = 0; s < k * ipb && b * ipb + s < slots; s++) {
			vx_ino_t ino = (vx_ino_t)g * ipg + b * ipb + s + 1;
			int r = vx_inode_decode(buf + s * VX_INODE_SIZE, ino,
						c->sb->hdr.uuid, &in);

			if (r < 0 || in.depth > VX_MAX_EXT_DEPTH ||
			    in.nentries > (in.depth ? VX_INLINE_INDEX :
					   VX_INLINE_EXTENTS))
				c->bad_inodes++;
			else if (r == 0 && !(in.flags & VX_IF_INLINE_DATA)) {
				c->budget = in.blocks < c->sb->block_count ?
					    in.blocks : c->sb->block_count;
				ic_walk(c, ino, in.area, in.nentries, in.depth);
			}
		}
	}
	return 0;
}

/* what a block no inode owns is: metadata by the layout, else by the
 * bitmap; NULL when an inode may own it */
static const char *ic_meta(struct icheck *c, vx_blk_t blk)
{
	const struct vx_super *sb = c->sb;
	vx_blk_t bk[2];
	int n = vx_fs_backup_blocks(sb, bk);
	struct vx_group g;

	if (blk == 0)
		return "<metadata: superblock>";
	for (int i = 0; i < n; i++)
		if (blk == bk[i])
			return "<metadata: superblock backup>";
	if (blk - sb->journal_start < sb->journal_blocks)
		return "<metadata: journal>";
	if (vx_fs_group(c->d->fs, (uint32_t)(blk / sb->group_blocks), &g))
		return "<unknown: no group header>";
	if (blk == g.bbitmap - 1)
		return "<metadata: group header>";
	if (blk - g.bbitmap < sb->bbitmap_blocks)
		return "<metadata: block bitmap>";
	if (blk - g.ibitmap < sb->ibitmap_blocks)
		return "<metadata: inode bitmap>";
	if (blk - g.itable < sb->itable_blocks)
		return "<metadata: inode table>";
	return NULL;
}

static const char *ic_bitmap(struct icheck *c, vx_blk_t blk)
{
	uint64_t per = (uint64_t)(c->bs - VX_MHDR_SIZE) * 8, off;
	struct vx_group g;
	uint8_t *buf;
	int err, set;

	if (vx_fs_group(c->d->fs, (uint32_t)(blk / c->sb->group_blocks), &g))
		return "<unknown: no group header>";
	off = blk - g.start;
	if (g.flags & VX_GF_BLOCK_UNINIT)
		return off < g.meta_blocks ? "<unused, allocated>" : "<free>";
	buf = malloc(c->bs);
	if (!buf)
		return "<unknown: out of memory>";
	err = dbg_read_block(c->d, g.bbitmap + off / per, buf);
	if (!err)
		err = vx_mhdr_check(buf, c->bs, VX_BT_BBITMAP,
				    g.bbitmap + off / per, c->sb->hdr.uuid, NULL);
	set = !err && (buf[VX_MHDR_SIZE + off % per / 8] >> (off % 8) & 1);
	free(buf);
	if (err)
		return "<unknown: block bitmap unreadable>";
	return set ? "<unused, allocated>" : "<free>";
}

static int ic_parse(struct icheck *c, int argc, char **argv)
{
	unsigned long long v;

	c->n = c->left = (size_t)argc - 1;
	c->w = calloc(c->n, sizeof(*c->w));
	if (!c->w)
		return dbg_fail(c->d, -ENOMEM, "icheck");
	for (int i = 1; i < argc; i++) {
		if (dbg_number(argv[i], UINT64_MAX, &v)) {
			dbg_err(c->d, "%s: not a block number", argv[i]);
			return DBG_FAIL;
		}
		if (v >= c->sb->block_count) {
			dbg_err(c->d, "block %llu: beyond the end of the "
				"filesystem (%llu blocks)", v, (unsigned long long)
				c->sb->block_count);
			return DBG_FAIL;
		}
		c->w[i - 1].blk = v;
	}
	qsort(c->w, c->n, sizeof(*c->w), want_cmp);
	/* metadata needs no inode: take it out of the search */
	for (size_t i = 0; i < c->n; i++)
		if (ic_meta(c, c->w[i].blk)) {
			c->w[i].ino = (vx_ino_t)-1;
			c->left--;
		}
	return 0;
}

int cmd_icheck(struct dbg *d, int argc, char **argv)
{
	struct icheck c = { .d = d, .sb = vx_fs_super(d->fs),
			    .bs = dbg_bsize(d) };
	size_t bufblks = (256u << 10) / c.bs ? (256u << 10) / c.bs : 1;
	uint8_t *buf = NULL;
	int err = 0;

	if (argc < 2) {
		dbg_usage(d, dbg_find_cmd("icheck"));
		return DBG_FAIL;
	}
	if (ic_parse(&c, argc, argv))
		goto fail;
	raw_note(d);
	buf = malloc(bufblks * c.bs);
	if (!buf)
		err = -ENOMEM;
	for (uint32_t g = 0; !err && c.left && g < c.sb->group_count; g++)
		if ((err = ic_group(&c, g, buf, bufblks)))
			dbg_fail(d, err, "reading the inode table of group %u",
				 g);
	if (err)
		goto fail;
	printf("Block\tInode number\n");
	for (int i = 1; i < argc; i++) {
		struct want key = { .blk = strtoull(argv[i], NULL, 0) }, *w;
		unsigned long long b = key.blk;

		w = bsearch(&key, c.w, c.n, sizeof(*w), want_cmp);
		if (w->ino == (vx_ino_t)-1)
			printf("%llu\t%s\n", b, ic_meta(&c, b));
		else if (w->ino)
			printf("%llu\t%llu%s\n", b, (unsigned long long)w->ino,
			       w->node ? " (extent tree node)" : "");
		else
			printf("%llu\t%s\n", b, ic_bitmap(&c, b));
	}
	if (c.bad_inodes || c.bad_nodes)
		dbg_warn(d, "%llu inode slot%s and %llu extent node%s did not "
			 "decode and were skipped (check shows why)",
			 (unsigned long long)c.bad_inodes,
			 c.bad_inodes == 1 ? "" : "s",
			 (unsigned long long)c.bad_nodes,
			 c.bad_nodes == 1 ? "" : "s");
	free(buf);
	free(c.w);
	return 0;
fail:
	free(buf);
	free(c.w);
	return DBG_FAIL;
}

/* ---- ncheck ---- */

struct nwant {
	vx_ino_t ino;		/* 0: not in use, left out */
	unsigned ftype;		/* the inode's VX_FT_* */
	uint64_t expect;	/* names that may exist (the walk stops when
				 * every inode has all of its) */
	char **paths;
	unsigned char *types;	/* each name's entry type */
	size_t n;
};

struct ncheck {
	struct dbg *d;
	struct nwant *w;
	size_t nw, done;
	struct { vx_ino_t ino; char *path; } *q;	/* directories to read */
	size_t qhead, qlen, qcap;
	uint8_t *seen;		/* a bit per inode: directories entered */
	uint64_t ninodes;	/* inode numbers are below this */
	const char *dir;	/* path of the directory being read */
};

/* mark directory @ino entered; 1 the first time, 0 after (an inode
 * number beyond the filesystem's counts as entered: not walked) */
static int nc_seen(struct ncheck *c, vx_ino_t ino)
{
	uint8_t bit = (uint8_t)(1u << (ino & 7));

	if (ino >= c->ninodes || (c->seen[ino / 8] & bit))
		return 0;
	c->seen[ino / 8] |= bit;
	return 1;
}

static int nc_add(struct ncheck *c, struct nwant *w, const char *path,
		  unsigned type)
{
	char **p = realloc(w->paths, (w->n + 1) * sizeof(*p));
	unsigned char *t;

	if (!p)
		return -ENOMEM;
	w->paths = p;
	t = realloc(w->types, w->n + 1);
	if (!t)
		return -ENOMEM;
	w->types = t;
	p[w->n] = strdup(path);
	if (!p[w->n])
		return -ENOMEM;
	t[w->n++] = (unsigned char)type;
	if (w->n == w->expect)
		c->done++;
	return 0;
}

/* queue directory @ino (named @path, which the queue then owns) */
static int nc_push(struct ncheck *c, vx_ino_t ino, char *path)
{
	if (!path)
		return -ENOMEM;
	if (c->qlen == c->qcap) {
		size_t cap = c->qcap ? 2 * c->qcap : 64;
		void *q = realloc(c->q, cap * sizeof(*c->q));

		if (!q) {
			free(path);
			return -ENOMEM;
		}
		c->q = q;
		c->qcap = cap;
	}
	c->q[c->qlen].ino = ino;
	c->q[c->qlen++].path = path;
	return 0;
}

static int nc_entry(void *ctx, const char *name, size_t len, vx_ino_t ino,
		    unsigned type)
{
	struct ncheck *c = ctx;
	bool root = !strcmp(c->dir, "/");
	char *path;
	int err = 0;

	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return 0;
	if (asprintf(&path, "%s/%.*s", root ? "" : c->dir, (int)len,
		     name) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < c->nw && !err; i++)
		if (c->w[i].ino == ino)
			err = nc_add(c, &c->w[i], path, type);
	if (!err && type == VX_FT_DIR && nc_seen(c, ino))
		err = nc_push(c, ino, path);
	else
		free(path);
	return err ? err : c->done == c->nw;	/* 1: all found, stop */
}

/* breadth first from the root, each directory once */
static int nc_walk(struct ncheck *c)
{
	vx_ino_t root = vx_fs_super(c->d->fs)->root_ino;
	int err = 0;

	for (size_t i = 0; i < c->nw && !err; i++)
		if (c->w[i].ino == root)
			err = nc_add(c, &c->w[i], "/", VX_FT_DIR);
	if (!err) {
		nc_seen(c, root);
		err = nc_push(c, root, strdup("/"));
	}
	for (; !err && c->qhead < c->qlen; c->qhead++) {
		char *path = c->q[c->qhead].path;

		c->dir = path;
		if (c->done < c->nw) {
			err = vx_readdir(c->d->fs, dbg_tx(c->d),
					 c->q[c->qhead].ino, nc_entry, c);
			if (err < 0 && err != -ENOMEM)
				dbg_warn(c->d, "directory %s: %s; not searched",
					 path, vx_strerror(err));
			if (err != -ENOMEM)
				err = 0;
		}
		free(path);
		c->q[c->qhead].path = NULL;
	}
	return err;
}

static int nc_parse(struct ncheck *c, int argc, char **argv, int first)
{
	struct dbg *d = c->d;
	unsigned long long v;
	struct vx_attr a;
	int err, bad = 0;

	for (int i = first; i < argc; i++) {
		const char *s = argv[i];
		char num[32];
		size_t n = strlen(s);

		if (n > 2 && n < sizeof(num) && s[0] == '<' && s[n - 1] == '>') {
			memcpy(num, s + 1, n - 2);
			num[n - 2] = 0;
			s = num;
		}
		if (dbg_number(s, UINT64_MAX, &v) || !v) {
			dbg_err(d, "%s: not an inode number", argv[i]);
			return -1;
		}
		err = vx_stat(d->fs, dbg_tx(d), v, &a);
		if (err == -ENOENT)
			dbg_err(d, "inode %llu: not in use", v);
		else if (err)
			dbg_fail(d, err, "inode %llu", v);
		if (err) {
			bad = 1;
			continue;
		}
		c->w[c->nw].ino = v;
		c->w[c->nw].ftype = vx_ftype_of_mode(a.mode);
		c->w[c->nw++].expect = S_ISDIR(a.mode) ? 1 : a.nlink;
	}
	return bad;
}

static void nc_print(struct ncheck *c, bool check)
{
	printf("Inode\tPathname\n");
	for (size_t i = 0; i < c->nw; i++) {
		struct nwant *w = &c->w[i];

		if (!w->n)
			printf("%llu\t<no name found>\n",
			       (unsigned long long)w->ino);
		for (size_t k = 0; k < w->n; k++) {
			printf("%llu\t%s", (unsigned long long)w->ino,
			       w->paths[k]);
			if (check && w->types[k] != w->ftype)
				printf("\t<bad file type: the entry says %s, "
				       "the inode is %s>", ftype_name(w->types[k]),
				       ftype_name(w->ftype));
			putchar('\n');
		}
	}
}

static void nc_free(struct ncheck *c)
{
	for (size_t i = 0; i < c->nw; i++) {
		for (size_t k = 0; k < c->w[i].n; k++)
			free(c->w[i].paths[k]);
		free(c->w[i].paths);
		free(c->w[i].types);
	}
	for (size_t i = c->qhead; i < c->qlen; i++)
		free(c->q[i].path);
	free(c->q);
	free(c->seen);
	free(c->w);
}

int cmd_ncheck(struct dbg *d, int argc, char **argv)
{
	struct ncheck c = { .d = d };
	bool check = false;
	int ch, bad, err;

	while ((ch = getopt(argc, argv, "c")) != -1) {
		if (ch != 'c')
			goto usage;
		check = true;
	}
	if (optind == argc)
		goto usage;
	c.ninodes = (uint64_t)vx_fs_super(d->fs)->inodes_per_group *
		    vx_fs_super(d->fs)->group_count + 1;
	c.w = calloc((size_t)(argc - optind), sizeof(*c.w));
	c.seen = calloc(c.ninodes / 8 + 1, 1);
	if (!c.w || !c.seen) {
		free(c.w);
		free(c.seen);
		return dbg_fail(d, -ENOMEM, "ncheck");
	}
	bad = nc_parse(&c, argc, argv, optind);
	err = bad >= 0 && c.nw ? nc_walk(&c) : 0;
	if (err)
		dbg_fail(d, err, "walking the namespace");
	else if (bad >= 0)
		nc_print(&c, check);
	nc_free(&c);
	return err || bad ? DBG_FAIL : 0;
usage:
	dbg_usage(d, dbg_find_cmd("ncheck"));
	return DBG_FAIL;
}

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
	raw_note(d);
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
		printf("%-8s%s\n", "type:", ftype_name(vx_ftype_of_mode(a.mode)));
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
		printf("%-8s%s\n%-8s0x%016llx\n", "entry:", ftype_name(e.type),
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
		       ftype_name(e.type), (int)e.len, e.name);
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
