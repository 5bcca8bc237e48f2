/*
 * dir.c: directories as B+trees keyed by a seeded 64-bit name hash.
 *
 * A directory's logical blocks (mapped by its extents) are tree nodes;
 * logical block 0 is always the root.  Leaves hold entries sorted by
 * (hash, name) and are chained left to right; internal nodes hold
 * (lowest hash in child, child logical block).  Lookup, insert and
 * remove make one descent: O(log n) block reads, three levels for a
 * million names in 4 KiB blocks.  "." is implicit and ".." is the root's
 * parent field.  Nodes are never merged; a directory never shrinks.
 *
 * Invariants, checked as nodes are read (VX_ECORRUPT otherwise):
 *  (D1) all entries with one hash live in one leaf (splits happen only
 *       between different hashes), so a descent finds every candidate;
 *  (D2) a child's level is its parent's level minus one, depth <= 8;
 *  (D3) entries parse exactly to `used` bytes, are sorted strictly by
 *       (hash, name), have 1..255-byte names without '/' or NUL and a
 *       known type;
 *  (D4) a leaf chain visits at most size/bsize leaves (no loops).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fs_int.h"

#define H_LEVEL		48
#define H_COUNT		50
#define H_USED		52
#define H_OWNER		56
#define H_NEXT		64
#define H_PARENT	72
#define H_NENTRIES	80

struct dnode {
	struct vx_buf *buf;
	uint64_t lblk;
	uint16_t level, count;
	uint32_t used;
};

uint64_t vx_name_hash(uint64_t seed, const char *name, size_t len)
{
	const uint64_t m1 = 0x9E3779B97F4A7C15ull, m2 = 0xBF58476D1CE4E5B9ull;
	uint64_t h = seed ^ (len * m1);
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t k = vx_get64(name + i);	/* little-endian, always */

		k *= m2;
		k ^= k >> 31;
		h = (h ^ k) * m1;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 0x100000001B3ull;
	h ^= h >> 33;
	h *= 0xFF51AFD7ED558CCDull;
	h ^= h >> 33;
	h *= 0xC4CEB9FE1A85EC53ull;
	return h ^ (h >> 33);
}

static uint8_t *ents(const struct dnode *n)
{
	return n->buf->data + VX_DIR_NODE_HDR;
}

static uint32_t dcap(const struct vx_fs *fs)
{
	return fs->bsize - VX_DIR_NODE_HDR;
}

int vx_dir_key_cmp(uint64_t h1, const char *n1, size_t l1,
		   uint64_t h2, const uint8_t *n2, size_t l2)
{
	int c;

	if (h1 != h2)
		return h1 < h2 ? -1 : 1;
	c = memcmp(n1, n2, l1 < l2 ? l1 : l2);
	if (c)
		return c;
	return l1 < l2 ? -1 : l1 > l2;
}

/* (D3) */
static int leaf_check(struct vx_fs *fs, const struct dnode *n)
{
	const uint8_t *e = ents(n), *prev = NULL;
	uint32_t off = 0;

	for (unsigned i = 0; i < n->count; i++) {
		uint32_t nl;

		if (off + VX_DIRENT_HDR > n->used)
			return VX_ECORRUPT;
		nl = e[off + 17];
		if (nl == 0 || off + VX_DIRENT_HDR + nl > n->used ||
		    e[off + 16] == VX_FT_UNKNOWN || e[off + 16] > VX_FT_LNK ||
		    memchr(e + off + 18, '/', nl) || memchr(e + off + 18, 0, nl))
			return VX_ECORRUPT;
		if (prev && vx_dir_key_cmp(vx_get64(prev),
					   (const char *)prev + 18, prev[17],
					   vx_get64(e + off), e + off + 18,
					   nl) >= 0)
			return VX_ECORRUPT;
		prev = e + off;
		off += VX_DIRENT_HDR + nl;
	}
	return off == n->used ? 0 : VX_ECORRUPT;
}

static int node_check(struct vx_fs *fs, struct vx_inode *dir,
		      const struct dnode *n)
{
	if (n->used > dcap(fs) || vx_get64(n->buf->data + H_OWNER) != dir->ino)
		return VX_ECORRUPT;
	if (n->level == 0)
		return leaf_check(fs, n);
	if (n->count == 0 || n->used != n->count * VX_DINDEX_SIZE)
		return VX_ECORRUPT;
	for (unsigned i = 0; i < n->count; i++) {
		uint64_t c = vx_get64(ents(n) + i * VX_DINDEX_SIZE + 8);
		if (c == 0 || c >= dir->size >> fs->sb.block_log ||
		    (i && vx_get64(ents(n) + i * VX_DINDEX_SIZE) <=
			      vx_get64(ents(n) + (i - 1) * VX_DINDEX_SIZE)))
			return VX_ECORRUPT;
	}
	return 0;
}

/* @level: expected level, or -1 for the root */
static int dnode_load(struct vx_fs *fs, struct vx_inode *dir, uint64_t lblk,
		      int level, struct dnode *n)
{
	vx_blk_t pblk;
	uint64_t run;
	int err;

	n->buf = NULL;	/* callers may put it whatever happens */
	if (lblk >= dir->size >> fs->sb.block_log)
		return VX_ECORRUPT;
	err = vx_extent_map(fs, dir, lblk, &pblk, &run);
	if (err)
		return err;
	if (!pblk)
		return VX_ECORRUPT;	/* directories have no holes */
	err = vx_meta_read(fs, pblk, VX_BT_DIR, &n->buf);
	if (err)
		return err;
	n->lblk = lblk;
	n->level = vx_get16(n->buf->data + H_LEVEL);
	n->count = vx_get16(n->buf->data + H_COUNT);
	n->used = vx_get32(n->buf->data + H_USED);
	if ((level >= 0 && n->level != level) || n->level >= VX_MAX_DIR_DEPTH)
		err = VX_ECORRUPT;	/* (D2) */
	if (!err && !(n->buf->flags & VX_BUF_CHECKED)) {
		err = node_check(fs, dir, n);	/* (D3) once per read */
		if (!err)
			n->buf->flags |= VX_BUF_CHECKED;
	}
	if (err) {
		vx_log(fs, VX_LOG_ERR, "directory %llu block %llu: %s",
		       (unsigned long long)dir->ino, (unsigned long long)lblk,
		       vx_strerror(err));
		vx_cache_put(fs->cache, n->buf);
		n->buf = NULL;
	}
	return err;
}

static void dnode_store(struct vx_fs *fs, struct dnode *n)
{
	vx_put16(n->buf->data + H_LEVEL, n->level);
	vx_put16(n->buf->data + H_COUNT, n->count);
	vx_put32(n->buf->data + H_USED, n->used);
	vx_meta_dirty(fs, n->buf);
}

static void dnode_put(struct vx_fs *fs, struct dnode *n)
{
	if (n->buf)
		vx_cache_put(fs->cache, n->buf);
	n->buf = NULL;
}

/* append a fresh node block to @dir */
static int dnode_new(struct vx_fs *fs, struct vx_inode *dir, uint16_t level,
		     struct dnode *n)
{
	uint64_t lblk = dir->size >> fs->sb.block_log, got, run;
	vx_blk_t pblk, goal = 0;
	int err;

	if (lblk && vx_extent_map(fs, dir, lblk - 1, &goal, &run) == 0 && goal)
		goal++;
	err = vx_alloc_blocks(fs, goal, 1, &pblk, &got);
	if (err)
		return err;
	err = vx_extent_insert(fs, dir, lblk, pblk, 1);
	if (!err)
		err = vx_cache_get(fs->cache, pblk, VX_GET_NOREAD, &n->buf);
	if (err) {
		vx_extent_truncate(fs, dir, lblk);
		return err;
	}
	vx_meta_init(fs, n->buf, VX_BT_DIR);
	n->buf->flags |= VX_BUF_CHECKED;	/* valid by construction */
	vx_put64(n->buf->data + H_OWNER, dir->ino);
	dir->size += fs->bsize;
	dir->blocks++;
	n->lblk = lblk;
	n->level = level;
	n->count = 0;
	n->used = 0;
	dnode_store(fs, n);
	return 0;
}

int vx_dir_init(struct vx_fs *fs, struct vx_inode *dir, vx_ino_t parent)
{
	struct dnode n;
	int err;

	dir->size = 0;
	err = dnode_new(fs, dir, 0, &n);
	if (err)
		return err;
	vx_put64(n.buf->data + H_PARENT, parent);
	vx_put64(n.buf->data + H_NENTRIES, 0);
	dir->parent = parent;
	dnode_store(fs, &n);
	dnode_put(fs, &n);
	return 0;
}

struct dpath {
	struct dnode node[VX_MAX_DIR_DEPTH + 1];
	unsigned pos[VX_MAX_DIR_DEPTH + 1];
	int top;
};

static void path_put(struct vx_fs *fs, struct dpath *p)
{
	for (int l = 0; l <= p->top; l++)
		dnode_put(fs, &p->node[l]);
}

static int descend(struct vx_fs *fs, struct vx_inode *dir, uint64_t h,
		   struct dpath *p)
{
	int err = dnode_load(fs, dir, 0, -1, &p->node[0]);

	p->top = 0;
	if (err)
		return err;
	while (p->node[p->top].level) {
		struct dnode *n = &p->node[p->top];
		unsigned lo = 0, hi = n->count;

		while (hi - lo > 1) {
			unsigned mid = (lo + hi) / 2;
			if (vx_get64(ents(n) + mid * VX_DINDEX_SIZE) <= h)
				lo = mid;
			else
				hi = mid;
		}
		p->pos[p->top] = lo;
		err = dnode_load(fs, dir,
				 vx_get64(ents(n) + lo * VX_DINDEX_SIZE + 8),
				 n->level - 1, &p->node[p->top + 1]);
		if (err)
			return err;
		p->top++;
	}
	return 0;
}

/* offset of the first entry >= key in a leaf; *found when equal */
static uint32_t leaf_find(const struct dnode *n, uint64_t h, const char *name,
			  size_t len, bool *found)
{
	const uint8_t *e = ents(n);
	uint32_t off = 0;

	*found = false;
	for (unsigned i = 0; i < n->count; i++) {
		int c = vx_dir_key_cmp(h, name, len, vx_get64(e + off),
				       e + off + 18, e[off + 17]);
		if (c <= 0) {
			*found = c == 0;
			return off;
		}
		off += VX_DIRENT_HDR + e[off + 17];
	}
	return off;
}

int vx_dir_find(struct vx_fs *fs, struct vx_inode *dir, const char *name,
		size_t len, vx_ino_t *ino, unsigned *type)
{
	uint64_t h = vx_name_hash(fs->sb.hash_seed, name, len);
	struct dpath p;
	bool found;
	int err = descend(fs, dir, h, &p);

	if (!err) {
		struct dnode *leaf = &p.node[p.top];
		uint32_t off = leaf_find(leaf, h, name, len, &found);

		if (!found) {
			err = -ENOENT;
		} else {
			*ino = vx_get64(ents(leaf) + off + 8);
			if (type)
				*type = ents(leaf)[off + 16];
		}
	}
	path_put(fs, &p);
	return err;
}

static void root_add_count(struct vx_fs *fs, struct dpath *p, int64_t d)
{
	struct dnode *r = &p->node[0];
	uint64_t n = vx_get64(r->buf->data + H_NENTRIES);

	vx_put64(r->buf->data + H_NENTRIES, n + (uint64_t)d);
	vx_meta_dirty(fs, r->buf);
}

/* the root must split: copy it to a new block and point the root at it */
static int grow_root(struct vx_fs *fs, struct vx_inode *dir, struct dpath *p)
{
	struct dnode *r = &p->node[0], x;
	int err;

	if (r->level + 1 >= VX_MAX_DIR_DEPTH || p->top + 1 > VX_MAX_DIR_DEPTH)
		return VX_ETOOBIG;
	err = dnode_new(fs, dir, r->level, &x);
	if (err)
		return err;
	memcpy(ents(&x), ents(r), r->used);
	x.count = r->count;
	x.used = r->used;
	vx_put64(x.buf->data + H_NEXT, 0);
	dnode_store(fs, &x);
	r->level++;
	r->count = 1;
	r->used = VX_DINDEX_SIZE;
	vx_put64(ents(r), 0);
	vx_put64(ents(r) + 8, x.lblk);
	vx_put64(r->buf->data + H_NEXT, 0);
	dnode_store(fs, r);
	memmove(&p->node[2], &p->node[1], (size_t)p->top * sizeof(p->node[0]));
	memmove(&p->pos[2], &p->pos[1], (size_t)p->top * sizeof(p->pos[0]));
	p->node[1] = x;
	p->pos[1] = p->pos[0];
	p->pos[0] = 0;
	p->top++;
	return 0;
}

static int index_insert(struct vx_fs *fs, struct vx_inode *dir,
			struct dpath *p, int l, uint64_t key, uint64_t child);

/* write entries [from, to) of the packed list @buf/@offs into @n */
static void leaf_fill(struct dnode *n, const uint8_t *buf,
		      const uint32_t *offs, unsigned from, unsigned to)
{
	n->used = offs[to] - offs[from];
	n->count = (uint16_t)(to - from);
	memcpy(ents(n), buf + offs[from], n->used);
}

/* split a full leaf while inserting @ent at byte offset @at (D1) */
static int leaf_split(struct vx_fs *fs, struct vx_inode *dir, struct dpath *p,
		      uint32_t at, const uint8_t *ent, uint32_t elen)
{
	struct dnode *n, y;
	uint32_t total, *offs, best = UINT32_MAX;
	unsigned cnt, k = 0;
	uint8_t *buf;
	int err = 0;

	if (p->top == 0 && (err = grow_root(fs, dir, p)))
		return err;
	n = &p->node[p->top];
	total = n->used + elen;
	cnt = n->count + 1u;
	buf = malloc(total);
	offs = malloc((cnt + 1) * sizeof(*offs));
	if (!buf || !offs) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(buf, ents(n), at);
	memcpy(buf + at, ent, elen);
	memcpy(buf + at + elen, ents(n) + at, n->used - at);
	offs[0] = 0;
	for (unsigned i = 0; i < cnt; i++)
		offs[i + 1] = offs[i] + VX_DIRENT_HDR + buf[offs[i] + 17];
	/* the hash boundary closest to half the bytes where both halves fit */
	for (unsigned i = 1; i < cnt; i++) {
		uint32_t d;
		if (vx_get64(buf + offs[i]) == vx_get64(buf + offs[i - 1]) ||
		    offs[i] > dcap(fs) || total - offs[i] > dcap(fs))
			continue;
		d = offs[i] > total / 2 ? offs[i] - total / 2 : total / 2 - offs[i];
		if (d < best) {
			best = d;
			k = i;
		}
	}
	if (!k) {
		err = VX_EHASHFULL;
		goto out;
	}
	err = dnode_new(fs, dir, 0, &y);
	if (err)
		goto out;
	n = &p->node[p->top];	/* dnode_new may not move it, but be plain */
	leaf_fill(n, buf, offs, 0, k);
	leaf_fill(&y, buf, offs, k, cnt);
	vx_put64(y.buf->data + H_NEXT, vx_get64(n->buf->data + H_NEXT));
	vx_put64(n->buf->data + H_NEXT, y.lblk);
	dnode_store(fs, n);
	dnode_store(fs, &y);
	err = index_insert(fs, dir, p, p->top - 1, vx_get64(buf + offs[k]),
			   y.lblk);
	dnode_put(fs, &y);
out:
	free(buf);
	free(offs);
	return err;
}

static int index_insert(struct vx_fs *fs, struct vx_inode *dir,
			struct dpath *p, int l, uint64_t key, uint64_t child)
{
	struct dnode *n = &p->node[l], y;
	unsigned pos = p->pos[l] + 1, half;
	uint8_t *e;
	int err;

	if (n->used + VX_DINDEX_SIZE > dcap(fs)) {
		if (l == 0) {
			if ((err = grow_root(fs, dir, p)))
				return err;
			l = 1;
			n = &p->node[1];
		}
		err = dnode_new(fs, dir, n->level, &y);
		if (err)
			return err;
		half = n->count / 2;
		memcpy(ents(&y), ents(n) + half * VX_DINDEX_SIZE,
		       (n->count - half) * VX_DINDEX_SIZE);
		y.count = (uint16_t)(n->count - half);
		y.used = y.count * VX_DINDEX_SIZE;
		n->count = (uint16_t)half;
		n->used = half * VX_DINDEX_SIZE;
		if (pos > half) {
			pos -= half;
			n = &y;
		}
		e = ents(n) + pos * VX_DINDEX_SIZE;
		memmove(e + VX_DINDEX_SIZE, e, n->used - pos * VX_DINDEX_SIZE);
		vx_put64(e, key);
		vx_put64(e + 8, child);
		n->count++;
		n->used += VX_DINDEX_SIZE;
		dnode_store(fs, &p->node[l]);
		dnode_store(fs, &y);
		err = index_insert(fs, dir, p, l - 1, vx_get64(ents(&y)), y.lblk);
		dnode_put(fs, &y);
		return err;
	}
	e = ents(n) + pos * VX_DINDEX_SIZE;
	memmove(e + VX_DINDEX_SIZE, e, n->used - pos * VX_DINDEX_SIZE);
	vx_put64(e, key);
	vx_put64(e + 8, child);
	n->count++;
	n->used += VX_DINDEX_SIZE;
	dnode_store(fs, n);
	return 0;
}

int vx_dir_add(struct vx_fs *fs, struct vx_inode *dir, const char *name,
	       size_t len, vx_ino_t ino, unsigned type)
{
	uint64_t h = vx_name_hash(fs->sb.hash_seed, name, len);
	uint8_t ent[VX_DIRENT_HDR + VX_NAME_MAX];
	uint32_t elen = (uint32_t)(VX_DIRENT_HDR + len), at;
	struct dpath p;
	struct dnode *leaf;
	bool found;
	int err;

	if (len == 0 || len > VX_NAME_MAX)
		return -EINVAL;
	err = descend(fs, dir, h, &p);
	if (err)
		goto out;
	leaf = &p.node[p.top];
	at = leaf_find(leaf, h, name, len, &found);
	if (found) {
		err = -EEXIST;
		goto out;
	}
	vx_put64(ent, h);
	vx_put64(ent + 8, ino);
	ent[16] = (uint8_t)type;
	ent[17] = (uint8_t)len;
	memcpy(ent + 18, name, len);
	if (leaf->used + elen <= dcap(fs)) {
		uint8_t *e = ents(leaf);
		memmove(e + at + elen, e + at, leaf->used - at);
		memcpy(e + at, ent, elen);
		leaf->count++;
		leaf->used += elen;
		dnode_store(fs, leaf);
	} else {
		err = leaf_split(fs, dir, &p, at, ent, elen);
	}
	if (!err)
		root_add_count(fs, &p, 1);
out:
	path_put(fs, &p);
	return err;
}

int vx_dir_remove(struct vx_fs *fs, struct vx_inode *dir, const char *name,
		  size_t len)
{
	uint64_t h = vx_name_hash(fs->sb.hash_seed, name, len);
	struct dpath p;
	bool found;
	int err = descend(fs, dir, h, &p);

	if (!err) {
		struct dnode *leaf = &p.node[p.top];
		uint32_t at = leaf_find(leaf, h, name, len, &found);
		uint32_t elen = VX_DIRENT_HDR + (uint32_t)len;
		uint8_t *e = ents(leaf);

		if (!found) {
			err = -ENOENT;
		} else {
			memmove(e + at, e + at + elen, leaf->used - at - elen);
			memset(e + leaf->used - elen, 0, elen);
			leaf->count--;
			leaf->used -= elen;
			dnode_store(fs, leaf);
			root_add_count(fs, &p, -1);
		}
	}
	path_put(fs, &p);
	return err;
}

int vx_dir_count(struct vx_fs *fs, struct vx_inode *dir, uint64_t *n)
{
	struct dnode r;
	int err = dnode_load(fs, dir, 0, -1, &r);

	if (!err)
		*n = vx_get64(r.buf->data + H_NENTRIES);
	dnode_put(fs, &r);
	return err;
}

int vx_dir_set_parent(struct vx_fs *fs, struct vx_inode *dir, vx_ino_t parent)
{
	struct dnode r;
	int err = dnode_load(fs, dir, 0, -1, &r);

	if (!err) {
		vx_put64(r.buf->data + H_PARENT, parent);
		vx_meta_dirty(fs, r.buf);
		dir->parent = parent;
	}
	dnode_put(fs, &r);
	return err;
}

int vx_dir_iterate(struct vx_fs *fs, struct vx_inode *dir, vx_dirent_fn fn,
		   void *ctx)
{
	uint64_t leaves = dir->size >> fs->sb.block_log, seen = 0, next;
	struct dnode n;
	int err = dnode_load(fs, dir, 0, -1, &n);

	while (!err && n.level) {	/* leftmost leaf */
		uint64_t c = vx_get64(ents(&n) + 8);
		uint16_t lvl = n.level;
		dnode_put(fs, &n);
		err = dnode_load(fs, dir, c, lvl - 1, &n);
	}
	while (!err) {
		const uint8_t *e = ents(&n);
		uint32_t off = 0;
		char name[VX_NAME_MAX + 1];

		for (unsigned i = 0; i < n.count && !err; i++) {
			memcpy(name, e + off + 18, e[off + 17]);
			name[e[off + 17]] = 0;
			err = fn(ctx, name, e[off + 17], vx_get64(e + off + 8),
				 e[off + 16]);
			off += VX_DIRENT_HDR + e[off + 17];
		}
		next = vx_get64(n.buf->data + H_NEXT);
		dnode_put(fs, &n);
		if (err || !next)
			break;
		if (++seen >= leaves)
			return VX_ECORRUPT;	/* (D4) */
		err = dnode_load(fs, dir, next, 0, &n);
	}
	return err;
}
