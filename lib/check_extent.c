/*
 * check_extent.c: the block map of one inode, checked (pass 3).
 *
 * ck_map_scan walks an inode's extent tree from its inline area down and
 * checks: every node's header (magic, checksum, its own block number,
 * this filesystem's UUID), its
 * level, its owner (this inode) and entry count; index entries in key
 * order, inside the range their parent gives them, pointing inside the
 * filesystem and not at metadata or at a node already seen (a loop or a
 * block shared with another map), each child's extents inside the key
 * range its entry gives it; extents of a valid length, inside the
 * filesystem, not over group metadata, in logical order without
 * overlap.  It keeps every extent that is sound on its own (what a
 * rebuilt map holds: an extent under a wrong key is kept, the key is
 * blamed; of two that overlap the later goes) and a finding for every
 * problem.
 * With @claim it marks the blocks of the valid extents and nodes in the
 * used-block map and notes runs that someone had claimed already.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check_int.h"

struct walk {
	struct ck *c;
	const struct vx_inode *in;
	struct ck_map *m;
	bool claim;
	uint64_t prev_end;
	bool disorder;			/* an extent below the end of one
					 * walked before it */
	bool misfiled;			/* an extent outside its index range */
	uint8_t *buf[VX_MAX_EXT_DEPTH];
};

static int bad(struct walk *w, int code, ...)
{
	char what[48];
	va_list ap;
	int err = vx_grow((void **)&w->m->bad, &w->m->cbad, w->m->nbad + 1,
			  sizeof(*w->m->bad));

	if (err)
		return err;
	snprintf(what, sizeof(what), "inode %llu",
		 (unsigned long long)w->in->ino);
	va_start(ap, code);
	ck_vfinding(&w->m->bad[w->m->nbad++], code, w->in->ino, what, ap);
	va_end(ap);
	return 0;
}

/* does [b, b+n) touch group metadata? */
static bool meta_overlap(struct ck *c, vx_blk_t b, uint64_t n)
{
	uint64_t gb = c->sb.group_blocks;

	for (uint64_t g = b / gb; g * gb < b + n && g < c->sb.group_count; g++) {
		const struct vx_glayout *l = &c->grp[g].lay;
		vx_blk_t me = l->start + l->meta_blocks;

		if (b < me && b + n > l->start)
			return true;
	}
	return false;
}

/* a run of blocks that someone had claimed already */
static int note_dup(void *ctx, vx_blk_t first, uint64_t count)
{
	struct ck_map *m = ctx;
	int err = vx_grow((void **)&m->dup, &m->cdup, m->ndup + 2,
			  sizeof(*m->dup));

	if (!err) {
		m->dup[m->ndup++] = first;
		m->dup[m->ndup++] = count;
	}
	return err;
}

static int leaf(struct walk *w, const uint8_t *e, uint64_t lo, uint64_t hi)
{
	struct ck *c = w->c;
	struct ck_ext x = { .lblk = vx_get64(e), .pblk = vx_get64(e + 8),
			    .len = vx_get32(e + 16) };
	unsigned long long l = x.lblk, p = x.pblk;
	const char *why = NULL;
	int err;

	if (x.len == 0 || x.len > VX_EXT_MAX_LEN)
		why = "bad length";
	else if (x.pblk == 0 || x.pblk >= c->sb.block_count ||
		 x.len > c->sb.block_count - x.pblk)
		why = "blocks outside the filesystem";
	else if (x.lblk > UINT64_MAX - x.len)
		why = "logical range overflows";
	if (why)
		return bad(w, VX_PR_EXTENT_BAD_RANGE, l, p, x.len, why);
	if (meta_overlap(c, x.pblk, x.len))
		return bad(w, VX_PR_EXTENT_META, p, p + x.len - 1);
	/* misfiled or out of order: kept (the extent is sound on its own);
	 * the index entry is blamed, overlaps are settled after the walk */
	if (x.lblk < lo || x.lblk + x.len > hi)
		w->misfiled = true;
	if (x.lblk < w->prev_end)
		w->disorder = true;
	else
		w->prev_end = x.lblk + x.len;
	if ((err = vx_grow((void **)&w->m->ext, &w->m->cap, w->m->n + 1,
			   sizeof(*w->m->ext))))
		return err;
	w->m->ext[w->m->n++] = x;
	return w->claim ? ck_claim_runs(c, x.pblk, x.len, note_dup, w->m) : 0;
}

static int node(struct walk *w, const uint8_t *ents, unsigned count,
		unsigned level, uint64_t lo, uint64_t hi);

/* index entry @i of @ents, its child at @level */
static int child(struct walk *w, const uint8_t *ents, unsigned i,
		 unsigned count, unsigned level, uint64_t lo, uint64_t hi)
{
	struct ck *c = w->c;
	uint64_t key = vx_get64(ents + i * VX_INDEX_SIZE);
	vx_blk_t blk = vx_get64(ents + i * VX_INDEX_SIZE + 8);
	uint64_t clo = key > lo ? key : lo;
	uint64_t chi = i + 1 < count ?
		       vx_get64(ents + (i + 1) * VX_INDEX_SIZE) : hi;
	uint8_t *buf = w->buf[level];
	struct vx_mhdr h;
	const char *why = NULL;
	bool key_bad = false;
	unsigned n = 0, cap = (c->bsize - VX_EXT_NODE_HDR) /
			  (level ? VX_INDEX_SIZE : VX_EXTENT_SIZE);
	int err;

	if (blk == 0 || blk >= c->sb.block_count)
		why = "child outside the filesystem";
	else if (meta_overlap(c, blk, 1))
		why = "child is filesystem metadata";
	if (why)
		return bad(w, VX_PR_EXTENT_BAD_INDEX, i,
			   (unsigned long long)key, (unsigned long long)blk, why);
	/* a bad key is redundant (it names the child's first block): the
	 * child is still read, within the parent's range, and the rebuilt
	 * map keeps what it holds */
	if ((i && key <= vx_get64(ents + (i - 1) * VX_INDEX_SIZE)) ||
	    key < lo || key >= hi) {
		key_bad = true;
		if ((err = bad(w, VX_PR_EXTENT_BAD_INDEX, i,
			       (unsigned long long)key, (unsigned long long)blk,
			       "key out of order or outside its parent's range")))
			return err;
		clo = lo;
		chi = hi;
	}
	if ((err = ck_read(c, blk, buf, 1)))
		why = vx_strerror(err);
	else if ((err = vx_mhdr_check(buf, c->bsize, VX_BT_EXTENT, blk,
				      c->sb.hdr.uuid, &h)))
		why = vx_strerror(err);
	else if (vx_get16(buf + 48) != level)
		why = "wrong level";
	else if (vx_get64(buf + 56) != w->in->ino)
		why = "belongs to another inode";
	else if ((n = vx_get16(buf + 50)) == 0 || n > cap)
		why = "bad entry count";
	if (why)
		return bad(w, VX_PR_EXTENT_BAD_NODE, (unsigned long long)blk, why);
	if (w->claim && ck_claim(c, blk, 1))
		return bad(w, VX_PR_EXTENT_BAD_INDEX, i,
			   (unsigned long long)key, (unsigned long long)blk,
			   "node block already in use");
	if ((err = vx_grow((void **)&w->m->nodeblk, &w->m->cnode,
			   w->m->nnode + 1, sizeof(*w->m->nodeblk))))
		return err;
	w->m->nodeblk[w->m->nnode++] = blk;
	w->m->nodes++;
	w->misfiled = false;
	if ((err = node(w, buf + VX_EXT_NODE_HDR, n, level, clo, chi)))
		return err;
	if (w->misfiled && !key_bad) {	/* a bad key not blamed yet */
		w->misfiled = false;
		return bad(w, VX_PR_EXTENT_BAD_INDEX, i, (unsigned long long)key,
			   (unsigned long long)blk,
			   "its child holds blocks outside its key range");
	}
	w->misfiled = false;
	return 0;
}

static int node(struct walk *w, const uint8_t *ents, unsigned count,
		unsigned level, uint64_t lo, uint64_t hi)
{
	int err = 0;

	for (unsigned i = 0; i < count && !err; i++)
		err = level ? child(w, ents, i, count, level - 1, lo, hi) :
			      leaf(w, ents + i * VX_EXTENT_SIZE, lo, hi);
	return err;
}

static int cmp_lblk(const void *a, const void *b)
{
	const struct ck_ext *x = a, *y = b;

	return x->lblk < y->lblk ? -1 : x->lblk > y->lblk;
}

/* extents met out of logical order: sort them; of two that overlap the
 * later one goes */
static int settle_order(struct walk *w)
{
	struct ck_map *m = w->m;
	uint64_t end = 0;
	size_t k = 0;
	int err = 0;

	qsort(m->ext, m->n, sizeof(*m->ext), cmp_lblk);
	for (size_t i = 0; i < m->n && !err; i++) {
		struct ck_ext *x = &m->ext[i];

		if (i && x->lblk < end) {
			err = bad(w, VX_PR_EXTENT_OVERLAP,
				  (unsigned long long)x->lblk);
			if (w->claim)
				ck_unclaim(w->c, x->pblk, x->len);
			continue;
		}
		end = x->lblk + x->len;
		m->ext[k++] = *x;
	}
	if (!err && k == m->n)	/* nothing overlapped: only the order */
		err = bad(w, VX_PR_EXTENT_BAD_RANGE,
			  (unsigned long long)m->ext[0].lblk,
			  (unsigned long long)m->ext[0].pblk, m->ext[0].len,
			  "the extents are out of logical order");
	m->n = k;
	return err;
}

int ck_map_scan(struct ck *c, const struct vx_inode *in, bool claim_blocks,
		struct ck_map *m)
{
	struct walk w = { .c = c, .in = in, .m = m, .claim = claim_blocks };
	int err = 0;

	m->n = m->nnode = m->nbad = m->ndup = 0;
	m->nodes = 0;
	if (in->flags & VX_IF_INLINE_DATA)
		return 0;
	for (unsigned l = 0; l < in->depth && !err; l++)
		if (!(w.buf[l] = malloc(c->bsize)))
			err = -ENOMEM;
	if (!err)
		err = node(&w, in->area, in->nentries, in->depth, 0, UINT64_MAX);
	if (!err && w.disorder)
		err = settle_order(&w);
	for (unsigned l = 0; l < in->depth; l++)
		free(w.buf[l]);
	return err;
}

void ck_map_free(struct ck_map *m)
{
	free(m->ext);
	free(m->nodeblk);
	free(m->bad);
	free(m->dup);
	memset(m, 0, sizeof(*m));
}
