/*
 * cmd_inspect.c: where blocks, names and index nodes are: icheck
 * (block -> inode), ncheck (inode -> paths), dirsearch (a name's place in
 * its directory's index, in cmd_dirindex.c) and htree (a directory's
 * whole index, in cmd_dirindex.c).
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

const char *dbg_ftype_name(unsigned t)
{
	static const char *const names[] = {
		"unknown", "regular", "directory", "char device",
		"block device", "fifo", "socket", "symlink" };

	return t <= VX_FT_LNK ? names[t] : "invalid";
}

void dbg_raw_note(struct dbg *d)
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
	dbg_raw_note(d);
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
				       "the inode is %s>", dbg_ftype_name(w->types[k]),
				       dbg_ftype_name(w->ftype));
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
