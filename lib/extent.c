/*
 * extent.c: the extent map of an inode: logical block -> physical block.
 *
 * Up to five extents live inline in the inode (depth 0).  Beyond that the
 * inline area holds up to eight index entries and the tree continues in
 * extent node blocks (metadata header, level, count, owner, entries).  A
 * B+tree keyed by logical block: descent picks the last entry whose key is
 * <= the block looked for (or the first entry).  The first key of every
 * leftmost index node is 0, and a split's separator is the first key of
 * its right half, so keys stay strictly increasing lower bounds.
 *
 * Invariants checked on every node read (hostile images return
 * VX_ECORRUPT, never a crash or a loop):
 *  (E1) a child's level is its parent's level minus one; depth <= 5;
 *  (E2) entries in a node are sorted by lblk and do not overlap;
 *  (E3) every extent lies inside the device and outside block 0;
 *  (E4) a node's owner is the inode that points at it;
 *  (E5) a child holds at least one entry, all inside the key range its
 *       parent entry covers, so crafted trees sharing children fail
 *       instead of making a walk visit a node more than once.
 * Truncation frees data past the cut, then rebuilds the tree from the
 * extents that remain (simple and rare; appends are the hot path and
 * extend the last extent in place).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fs_int.h"

struct xnode {
	struct vx_buf *buf;	/* NULL: the inode's inline root */
	uint8_t *ents;
	uint16_t level, count, cap;
};

static size_t esize(const struct xnode *n)
{
	return n->level ? VX_INDEX_SIZE : VX_EXTENT_SIZE;
}

static void get_ext(const struct xnode *n, unsigned i, struct vx_extent *e)
{
	const uint8_t *p = n->ents + (size_t)i * VX_EXTENT_SIZE;

	e->lblk = vx_get64(p);
	e->pblk = vx_get64(p + 8);
	e->len = vx_get32(p + 16);
	e->flags = vx_get32(p + 20);
}

static void put_ext(struct xnode *n, unsigned i, const struct vx_extent *e)
{
	uint8_t *p = n->ents + (size_t)i * VX_EXTENT_SIZE;

	vx_put64(p, e->lblk);
	vx_put64(p + 8, e->pblk);
	vx_put32(p + 16, e->len);
	vx_put32(p + 20, e->flags);
}

static uint64_t key(const struct xnode *n, unsigned i)
{
	return vx_get64(n->ents + i * esize(n));
}

static vx_blk_t child(const struct xnode *n, unsigned i)
{
	return vx_get64(n->ents + i * VX_INDEX_SIZE + 8);
}

static void root_node(struct vx_inode *ino, struct xnode *n)
{
	n->buf = NULL;
	n->ents = ino->area;
	n->level = ino->depth;
	n->count = ino->nentries;
	n->cap = ino->depth ? VX_INLINE_INDEX : VX_INLINE_EXTENTS;
}

static uint16_t block_cap(struct vx_fs *fs, uint16_t level)
{
	return (uint16_t)((fs->bsize - VX_EXT_NODE_HDR) /
			  (level ? VX_INDEX_SIZE : VX_EXTENT_SIZE));
}

/* (E2)(E3) */
static int node_check(struct vx_fs *fs, const struct xnode *n)
{
	uint64_t prev_end = 0;

	if (n->count > n->cap)
		return VX_ECORRUPT;
	for (unsigned i = 0; i < n->count; i++) {
		if (n->level) {
			vx_blk_t c = child(n, i);
			if (c == 0 || c >= fs->sb.block_count ||
			    (i && key(n, i) <= key(n, i - 1)))
				return VX_ECORRUPT;
			continue;
		}
		struct vx_extent e;
		get_ext(n, i, &e);
		if (e.len == 0 || e.len > VX_EXT_MAX_LEN || e.pblk == 0 ||
		    e.pblk >= fs->sb.block_count ||
		    e.len > fs->sb.block_count - e.pblk ||
		    e.lblk > UINT64_MAX - e.len || (i && e.lblk < prev_end))
			return VX_ECORRUPT;
		prev_end = e.lblk + e.len;
	}
	return 0;
}

/* (E5) every entry of the child that parent entry i points at lies in
 * [key_i, key_i+1): disjoint ranges, so no node can be reached twice */
static int node_in_range(const struct xnode *n, uint64_t lo, uint64_t hi)
{
	struct vx_extent e;

	if (n->count == 0 || key(n, 0) < lo)
		return VX_ECORRUPT;
	if (n->level)
		return key(n, n->count - 1) < hi ? 0 : VX_ECORRUPT;
	get_ext(n, n->count - 1, &e);
	return e.lblk + e.len <= hi ? 0 : VX_ECORRUPT;
}

/* the range parent entry @i covers, inside the parent's own [lo, hi) */
static void child_range(const struct xnode *n, unsigned i, uint64_t lo,
			uint64_t hi, uint64_t *clo, uint64_t *chi)
{
	*clo = key(n, i) > lo ? key(n, i) : lo;
	*chi = i + 1 < n->count ? key(n, i + 1) : hi;
}

static int load_node(struct vx_fs *fs, struct vx_inode *ino, vx_blk_t blk,
		     uint16_t level, uint64_t lo, uint64_t hi, struct xnode *n)
{
	int err;

	n->buf = NULL;
	err = vx_meta_read(fs, blk, VX_BT_EXTENT, &n->buf);
	if (err)
		return err;
	n->ents = n->buf->data + VX_EXT_NODE_HDR;
	n->level = vx_get16(n->buf->data + 48);
	n->count = vx_get16(n->buf->data + 50);
	n->cap = block_cap(fs, level);
	if (n->level != level || vx_get64(n->buf->data + 56) != ino->ino)
		err = VX_ECORRUPT;	/* (E1)(E4) */
	if (!err && !(n->buf->flags & VX_BUF_CHECKED)) {
		err = node_check(fs, n);	/* (E2)(E3) once per read */
		if (!err)
			n->buf->flags |= VX_BUF_CHECKED;
	}
	if (!err)
		err = node_in_range(n, lo, hi);	/* (E5) */
	if (err) {
		vx_cache_put(fs->cache, n->buf);
		n->buf = NULL;
	}
	return err;
}

static void store_node(struct vx_fs *fs, struct vx_inode *ino, struct xnode *n)
{
	if (!n->buf) {
		ino->nentries = n->count;
		ino->depth = n->level;
		return;
	}
	vx_put16(n->buf->data + 48, n->level);
	vx_put16(n->buf->data + 50, n->count);
	vx_put64(n->buf->data + 56, ino->ino);
	vx_meta_dirty(fs, n->buf);
}

static void put_node(struct vx_fs *fs, struct xnode *n)
{
	if (n->buf)
		vx_cache_put(fs->cache, n->buf);
	n->buf = NULL;
}

/* index of the last entry with key <= lblk, or 0 */
static unsigned find_slot(const struct xnode *n, uint64_t lblk)
{
	unsigned lo = 0, hi = n->count;

	while (hi - lo > 1) {
		unsigned mid = (lo + hi) / 2;
		if (key(n, mid) <= lblk)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int vx_extent_map(struct vx_fs *fs, struct vx_inode *ino, uint64_t lblk,
		  vx_blk_t *pblk, uint64_t *run)
{
	uint64_t bound = UINT64_MAX, lo = 0, clo;
	struct xnode n;
	int err;

	if (ino->flags & VX_IF_INLINE_DATA)
		return -EINVAL;
	root_node(ino, &n);
	if ((err = node_check(fs, &n)))
		return err;
	while (n.level) {
		unsigned i = find_slot(&n, lblk);
		struct xnode c;

		if (n.count == 0) {
			put_node(fs, &n);
			return VX_ECORRUPT;
		}
		child_range(&n, i, lo, bound, &clo, &bound);
		lo = clo;
		err = load_node(fs, ino, child(&n, i), n.level - 1, lo, bound,
				&c);
		put_node(fs, &n);
		if (err)
			return err;
		n = c;
	}
	*pblk = 0;
	*run = bound - lblk;
	for (unsigned i = 0; i < n.count; i++) {
		struct vx_extent e;

		get_ext(&n, i, &e);
		if (lblk < e.lblk) {
			*run = e.lblk - lblk;
			break;
		}
		if (lblk < e.lblk + e.len) {
			*pblk = e.pblk + (lblk - e.lblk);
			*run = e.len - (lblk - e.lblk);
			break;
		}
	}
	put_node(fs, &n);
	if (*run == 0)
		*run = 1;
	return 0;
}

static int new_node(struct vx_fs *fs, struct vx_inode *ino, uint16_t level,
		    vx_blk_t goal, struct xnode *n)
{
	vx_blk_t blk;
	uint64_t got;
	int err = vx_alloc_blocks(fs, goal, 1, &blk, &got);

	if (err)
		return err;
	err = vx_cache_get(fs->cache, blk, VX_GET_NOREAD, &n->buf);
	if (err) {
		vx_free_blocks(fs, blk, 1);
		return err;
	}
	vx_meta_init(fs, n->buf, VX_BT_EXTENT);
	n->buf->flags |= VX_BUF_CHECKED;
	ino->blocks++;
	n->ents = n->buf->data + VX_EXT_NODE_HDR;
	n->level = level;
	n->count = 0;
	n->cap = block_cap(fs, level);
	return 0;
}

static void ins_entry(struct xnode *n, unsigned pos, const void *ent)
{
	size_t es = esize(n);

	memmove(n->ents + (pos + 1) * es, n->ents + pos * es,
		(n->count - pos) * es);
	memcpy(n->ents + pos * es, ent, es);
	n->count++;
}

struct xpath {
	struct xnode node[VX_MAX_EXT_DEPTH + 2];
	unsigned pos[VX_MAX_EXT_DEPTH + 2];	/* slot taken in node[l] */
	int top;				/* node[0] is the root */
};

static int insert_at(struct vx_fs *fs, struct vx_inode *ino,
		     struct xpath *p, int l, unsigned pos, const uint8_t *ent);

/* the inline root is full: move it into a block, root points at it */
static int grow_root(struct vx_fs *fs, struct vx_inode *ino, struct xpath *p)
{
	struct xnode *root = &p->node[0], nn;
	uint8_t ient[VX_INDEX_SIZE];
	int err;

	if (root->level >= VX_MAX_EXT_DEPTH)
		return VX_ETOOBIG;
	err = new_node(fs, ino, root->level, 0, &nn);
	if (err)
		return err;
	memcpy(nn.ents, root->ents, root->count * esize(root));
	nn.count = root->count;
	store_node(fs, ino, &nn);
	/* key 0: the leftmost child is the lower bound of everything, so an
	 * insert below its first extent never leaves a stale, larger key */
	vx_put64(ient, 0);
	vx_put64(ient + 8, nn.buf->blkno);
	memset(ino->area, 0, VX_INLINE_AREA);
	root->level++;
	root->cap = VX_INLINE_INDEX;
	root->count = 0;
	ins_entry(root, 0, ient);
	store_node(fs, ino, root);
	/* shift the path down one level: the new block sits under the root */
	memmove(&p->node[2], &p->node[1], (size_t)p->top * sizeof(p->node[0]));
	memmove(&p->pos[2], &p->pos[1], (size_t)p->top * sizeof(p->pos[0]));
	p->node[1] = nn;
	p->pos[1] = p->pos[0];
	p->pos[0] = 0;
	p->top++;
	return 0;
}

static int split_node(struct vx_fs *fs, struct vx_inode *ino,
		      struct xpath *p, int l, unsigned pos, const uint8_t *ent)
{
	struct xnode *n = &p->node[l], nn;
	unsigned half = n->count / 2;
	size_t es = esize(n);
	uint8_t ient[VX_INDEX_SIZE];
	int err = new_node(fs, ino, n->level, n->buf->blkno, &nn);

	if (err)
		return err;
	memcpy(nn.ents, n->ents + half * es, (n->count - half) * es);
	nn.count = (uint16_t)(n->count - half);
	n->count = (uint16_t)half;
	if (pos <= half)
		ins_entry(n, pos, ent);
	else
		ins_entry(&nn, pos - half, ent);
	store_node(fs, ino, n);
	store_node(fs, ino, &nn);
	vx_put64(ient, key(&nn, 0));
	vx_put64(ient + 8, nn.buf->blkno);
	put_node(fs, &nn);
	return insert_at(fs, ino, p, l - 1, p->pos[l - 1] + 1, ient);
}

static int insert_at(struct vx_fs *fs, struct vx_inode *ino,
		     struct xpath *p, int l, unsigned pos, const uint8_t *ent)
{
	struct xnode *n = &p->node[l];

	if (n->count < n->cap) {
		ins_entry(n, pos, ent);
		store_node(fs, ino, n);
		return 0;
	}
	if (l == 0) {
		int err = grow_root(fs, ino, p);
		if (err)
			return err;
		return insert_at(fs, ino, p, 1, pos, ent);
	}
	return split_node(fs, ino, p, l, pos, ent);
}

static int descend(struct vx_fs *fs, struct vx_inode *ino, uint64_t lblk,
		   struct xpath *p)
{
	uint64_t lo = 0, hi = UINT64_MAX;
	int err;

	p->top = 0;
	root_node(ino, &p->node[0]);
	if ((err = node_check(fs, &p->node[0])))
		return err;
	while (p->node[p->top].level) {
		struct xnode *n = &p->node[p->top];
		unsigned i;

		if (n->count == 0)
			return VX_ECORRUPT;
		i = find_slot(n, lblk);
		p->pos[p->top] = i;
		child_range(n, i, lo, hi, &lo, &hi);
		err = load_node(fs, ino, child(n, i), n->level - 1, lo, hi,
				&p->node[p->top + 1]);
		if (err)
			return err;
		p->top++;
	}
	return 0;
}

static void path_release(struct vx_fs *fs, struct xpath *p)
{
	for (int l = 0; l <= p->top; l++)
		put_node(fs, &p->node[l]);
}

int vx_extent_insert(struct vx_fs *fs, struct vx_inode *ino, uint64_t lblk,
		     vx_blk_t pblk, uint32_t len)
{
	struct vx_extent e = { .lblk = lblk, .pblk = pblk, .len = len }, prev;
	uint8_t ent[VX_EXTENT_SIZE];
	struct xpath p;
	struct xnode *leaf;
	unsigned pos = 0;
	int err = descend(fs, ino, lblk, &p);

	if (err)
		goto out;
	leaf = &p.node[p.top];
	while (pos < leaf->count && key(leaf, pos) < lblk)
		pos++;
	if (pos > 0) {
		get_ext(leaf, pos - 1, &prev);
		if (prev.lblk + prev.len > lblk) {
			err = -EEXIST;	/* caller maps holes only */
			goto out;
		}
		/* the hot path: append to the previous extent in place */
		if (prev.lblk + prev.len == lblk && prev.pblk + prev.len == pblk &&
		    (uint64_t)prev.len + len <= VX_EXT_MAX_LEN) {
			prev.len += len;
			put_ext(leaf, pos - 1, &prev);
			store_node(fs, ino, leaf);
			goto out;
		}
	}
	if (pos < leaf->count && key(leaf, pos) < lblk + len) {
		err = -EEXIST;
		goto out;
	}
	put_ext(&(struct xnode){ .ents = ent }, 0, &e);
	err = insert_at(fs, ino, &p, p.top, pos, ent);
out:
	path_release(fs, &p);
	return err;
}

int vx_extent_remap(struct vx_fs *fs, struct vx_inode *ino, uint64_t lblk,
		    uint32_t len, vx_blk_t pblk)
{
	struct vx_extent e, orig;
	struct xpath p;
	struct xnode *leaf;
	uint64_t tail;
	vx_blk_t old;
	unsigned i;
	int err = descend(fs, ino, lblk, &p);

	if (err) {
		path_release(fs, &p);
		return err;
	}
	leaf = &p.node[p.top];
	for (i = 0; i < leaf->count; i++) {
		get_ext(leaf, i, &e);
		if (lblk >= e.lblk && lblk < e.lblk + e.len)
			break;
	}
	if (i == leaf->count || len == 0 || lblk + len > e.lblk + e.len) {
		path_release(fs, &p);
		return -EINVAL;		/* caller remaps inside one extent */
	}
	orig = e;
	old = e.pblk + (lblk - e.lblk);
	/* the entry keeps its key: it becomes the new head, or the part
	 * before the range; the rest goes in through insert */
	if (lblk == e.lblk) {
		e.pblk = pblk;
		e.len = len;
	} else {
		e.len = (uint32_t)(lblk - e.lblk);
	}
	put_ext(leaf, i, &e);
	store_node(fs, ino, leaf);
	path_release(fs, &p);
	err = 0;
	if (lblk != orig.lblk)
		err = vx_extent_insert(fs, ino, lblk, pblk, len);
	tail = orig.lblk + orig.len - (lblk + len);
	if (!err && tail)
		err = vx_extent_insert(fs, ino, lblk + len,
				       orig.pblk + (lblk + len - orig.lblk),
				       (uint32_t)tail);
	if (!err)
		err = vx_free_blocks(fs, old, len);
	return err;
}

struct ext_vec {
	struct vx_extent *v;
	size_t n, cap;
};

/* visit the subtree of @n, whose entries lie in [lo, hi) */
static int walk_node(struct vx_fs *fs, struct vx_inode *ino, struct xnode *n,
		     uint64_t lo, uint64_t hi, vx_extent_fn fn, void *ctx,
		     struct ext_vec *nodes)
{
	int err = 0;

	for (unsigned i = 0; i < n->count && !err; i++) {
		if (n->level == 0) {
			struct vx_extent e;
			get_ext(n, i, &e);
			err = fn ? fn(ctx, &e) : 0;
			continue;
		}
		struct xnode c;
		uint64_t clo, chi;

		child_range(n, i, lo, hi, &clo, &chi);
		err = load_node(fs, ino, child(n, i), n->level - 1, clo, chi, &c);
		if (err)
			break;
		if (nodes) {
			if (nodes->n == nodes->cap) {
				size_t cap = nodes->cap ? nodes->cap * 2 : 16;
				void *v = realloc(nodes->v, cap * sizeof(*nodes->v));
				if (!v) {
					put_node(fs, &c);
					return -ENOMEM;
				}
				nodes->v = v;
				nodes->cap = cap;
			}
			nodes->v[nodes->n++] = (struct vx_extent){
				.pblk = c.buf->blkno, .len = 1 };
		}
		err = walk_node(fs, ino, &c, clo, chi, fn, ctx, nodes);
		put_node(fs, &c);
	}
	return err;
}

int vx_extent_walk(struct vx_fs *fs, struct vx_inode *ino, vx_extent_fn fn,
		   void *ctx)
{
	struct xnode root;
	int err;

	if (ino->flags & VX_IF_INLINE_DATA)
		return 0;
	root_node(ino, &root);
	err = node_check(fs, &root);
	return err ? err : walk_node(fs, ino, &root, 0, UINT64_MAX, fn, ctx, NULL);
}

static int collect(void *ctx, const struct vx_extent *e)
{
	struct ext_vec *v = ctx;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void *p = realloc(v->v, cap * sizeof(*v->v));
		if (!p)
			return -ENOMEM;
		v->v = p;
		v->cap = cap;
	}
	v->v[v->n++] = *e;
	return 0;
}

int vx_extent_truncate(struct vx_fs *fs, struct vx_inode *ino, uint64_t lblk)
{
	struct ext_vec ext = { 0 }, nodes = { 0 };
	struct xnode root;
	int err;

	if (ino->flags & VX_IF_INLINE_DATA)
		return 0;
	root_node(ino, &root);
	err = node_check(fs, &root);
	if (!err)
		err = walk_node(fs, ino, &root, 0, UINT64_MAX, collect, &ext,
				 &nodes);
	if (err)
		goto out;
	/* free the tree nodes and the data past the cut */
	for (size_t i = 0; i < nodes.n && !err; i++)
		err = vx_free_blocks(fs, nodes.v[i].pblk, 1);
	ino->blocks -= nodes.n;
	for (size_t i = 0; i < ext.n && !err; i++) {
		struct vx_extent *e = &ext.v[i];
		uint64_t keep = lblk <= e->lblk ? 0 :
				lblk - e->lblk < e->len ? lblk - e->lblk : e->len;

		if (keep < e->len) {
			err = vx_free_blocks(fs, e->pblk + keep, e->len - keep);
			ino->blocks -= e->len - keep;
			e->len = (uint32_t)keep;
		}
	}
	/* rebuild from what is left */
	memset(ino->area, 0, VX_INLINE_AREA);
	ino->depth = ino->nentries = 0;
	for (size_t i = 0; i < ext.n && !err; i++)
		if (ext.v[i].len)
			err = vx_extent_insert(fs, ino, ext.v[i].lblk,
					       ext.v[i].pblk, ext.v[i].len);
out:
	free(ext.v);
	free(nodes.v);
	return err;
}
