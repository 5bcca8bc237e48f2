/*
 * check_dir.c: pass 5, directories.
 *
 * Every block of every directory is read (in parallel, a batch of
 * directories at a time) and checked: its header (magic, checksum, own
 * block number, UUID), owner, level
 * and used bytes; leaf entries parse exactly, have valid names (1-255
 * bytes, no '/' or NUL) and types, sit in (hash, name) order under the
 * hash of their name; index nodes hold ascending keys of child blocks of
 * the next level down.  Then the tree: from the root every leaf is
 * reached exactly once, each inside the key range its parent gives it,
 * the leaf chain follows the same order, and the root's entry count is
 * the number of entries.  Each entry names an inode in range that is in
 * use, with the type the inode has, and no name appears twice.
 * Entries are then counted as links (pass 7) and subdirectory entries
 * kept as edges (pass 6).  A directory with an accepted repair is
 * rebuilt from the entries kept (check_fix.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check_int.h"

#define BATCH		64	/* directories read at a time, at most */
#define BATCH_BLOCKS	16	/* ... and their blocks: the entries of
				 * one batch are in memory at once */

enum { A_REBUILD = 1, A_DROP, A_RETYPE };

struct dent {
	uint64_t hash;
	vx_ino_t ino;
	uint32_t name;			/* offset in the names pool */
	uint8_t len, type;
	uint8_t drop;			/* the entry goes (once accepted) */
	uint8_t newtype;		/* retype to this (once accepted) */
};

struct dfind {
	struct vx_finding f;
	int act;
	size_t ent;
	unsigned type;
};

struct dres {
	struct dent *e;
	size_t n, cap;
	char *names;
	size_t nlen, ncap;
	struct dfind *f;
	size_t nf, cf;
	vx_ino_t node_parent;		/* '..' in the root node; 0: unread */
	uint64_t node_count;		/* the root node's entry count */
};

struct dnode {
	uint64_t lblk;
	bool ok;
	uint16_t level, count;
	uint64_t next;
	size_t first, n;		/* leaf: its entries in e[] */
	uint8_t *data;			/* index: a copy of its entries */
	uint64_t lo_hash, hi_hash;	/* leaf: first and last hash */
	bool reached;
};

struct dscan {
	struct ck *c;
	const struct ck_dir *d;
	struct dres *r;
	struct dnode *nodes;
	uint64_t nblk;
	char what[48];
	uint8_t *buf;
	bool structural;
	uint64_t *order;		/* leaves in key order (check_tree) */
	size_t nord;
};

static int add_f(struct dscan *s, int act, size_t ent, unsigned type,
		 int code, ...)
{
	struct dres *r = s->r;
	struct dfind *df;
	va_list ap;
	int err = vx_grow((void **)&r->f, &r->cf, r->nf + 1, sizeof(*r->f));

	if (err)
		return err;
	df = &r->f[r->nf++];
	memset(df, 0, sizeof(*df));
	df->act = act;
	df->ent = ent;
	df->type = type;
	va_start(ap, code);
	ck_vfinding(&df->f, code, s->d->ino, s->what, ap);
	va_end(ap);
	if (act == A_REBUILD)
		s->structural = true;
	return 0;
}

static const char *ename(const struct dres *r, const struct dent *e,
			 char *out)
{
	for (unsigned i = 0; i < e->len; i++) {
		char ch = r->names[e->name + i];
		out[i] = (ch == 0 || ch == '/') ? '?' : ch;
	}
	out[e->len] = 0;
	return out;
}

static vx_blk_t map_lblk(const struct dscan *s, uint64_t lblk)
{
	const struct ck_ext *x = s->c->dext + s->d->ext;

	for (size_t i = 0; i < s->d->next; i++)
		if (lblk >= x[i].lblk && lblk - x[i].lblk < x[i].len)
			return x[i].pblk + (lblk - x[i].lblk);
	return 0;
}

static int add_entry(struct dscan *s, const uint8_t *p)
{
	struct dres *r = s->r;
	uint8_t nl = p[17];
	int err = vx_grow((void **)&r->e, &r->cap, r->n + 1, sizeof(*r->e));

	if (!err)
		err = vx_grow((void **)&r->names, &r->ncap, r->nlen + nl,
			      sizeof(char));
	if (err)
		return err;
	r->e[r->n++] = (struct dent){ .hash = vx_get64(p),
		.ino = vx_get64(p + 8), .type = p[16], .len = nl,
		.name = (uint32_t)r->nlen };
	memcpy(r->names + r->nlen, p + 18, nl);
	r->nlen += nl;
	return 0;
}

static int parse_leaf(struct dscan *s, struct dnode *nd, const uint8_t *b,
		      uint32_t used)
{
	const uint8_t *e = b + VX_DIR_NODE_HDR;
	uint32_t off = 0;
	int err = 0;

	nd->first = s->r->n;
	for (unsigned i = 0; i < nd->count && !err; i++) {
		uint32_t nl;

		if (off + VX_DIRENT_HDR > used ||
		    (nl = e[off + 17]) == 0 || off + VX_DIRENT_HDR + nl > used)
			return add_f(s, A_REBUILD, 0, 0, VX_PR_DIR_BAD_NODE,
				     (unsigned long long)nd->lblk,
				     "entries overrun the block");
		err = add_entry(s, e + off);
		off += VX_DIRENT_HDR + nl;
	}
	nd->n = s->r->n - nd->first;
	if (!err && off != used)
		err = add_f(s, A_REBUILD, 0, 0, VX_PR_DIR_BAD_NODE,
			    (unsigned long long)nd->lblk, "used bytes wrong");
	if (nd->n) {
		nd->lo_hash = s->r->e[nd->first].hash;
		nd->hi_hash = s->r->e[nd->first + nd->n - 1].hash;
	}
	return err;
}

static int read_node(struct dscan *s, uint64_t lblk)
{
	struct ck *c = s->c;
	struct dnode *nd = &s->nodes[lblk];
	vx_blk_t pb = map_lblk(s, lblk);
	uint32_t used = 0, cap = c->bsize - VX_DIR_NODE_HDR;
	struct vx_mhdr h;
	const char *why = NULL;
	int err;

	nd->lblk = lblk;
	if (!pb)
		why = "not mapped";
	else if ((err = ck_read(c, pb, s->buf, 1)) ||
		 (err = vx_mhdr_check(s->buf, c->bsize, VX_BT_DIR, pb,
				      c->sb.hdr.uuid, &h)))
		why = vx_strerror(err);
	else if (vx_get64(s->buf + 56) != s->d->ino)
		why = "belongs to another directory";
	else if (vx_get16(s->buf + 48) > VX_MAX_DIR_DEPTH)
		why = "bad level";
	else if ((used = vx_get32(s->buf + 52)) > cap)
		why = "used bytes beyond the block";
	if (why)
		return add_f(s, A_REBUILD, 0, 0, VX_PR_DIR_BAD_NODE,
			     (unsigned long long)lblk, why);
	nd->ok = true;
	nd->level = vx_get16(s->buf + 48);
	nd->count = vx_get16(s->buf + 50);
	nd->next = vx_get64(s->buf + 64);
	if (lblk == 0) {
		s->r->node_parent = vx_get64(s->buf + 72);
		s->r->node_count = vx_get64(s->buf + 80);
	}
	if (nd->level == 0)
		return parse_leaf(s, nd, s->buf, used);
	if (used != (uint32_t)nd->count * VX_DINDEX_SIZE || !nd->count) {
		nd->ok = false;
		return add_f(s, A_REBUILD, 0, 0, VX_PR_DIR_BAD_NODE,
			     (unsigned long long)lblk, "bad index entry count");
	}
	if (!(nd->data = malloc(used)))
		return -ENOMEM;
	memcpy(nd->data, s->buf + VX_DIR_NODE_HDR, used);
	return 0;
}

/* walk from the root; @order receives the leaves in key order */
static int walk(struct dscan *s, uint64_t lblk, unsigned level,
		uint64_t lo, uint64_t hi, bool has_hi, uint64_t *order,
		size_t *nord, const char **why)
{
	struct dnode *nd = &s->nodes[lblk];
	int err = 0;

	if (!nd->ok)
		return 0;	/* reported already */
	if (nd->reached) {
		*why = "a block is reached twice";
		return 0;
	}
	nd->reached = true;
	if (level != UINT32_MAX && nd->level != level) {
		*why = "a child's level is wrong";
		return 0;
	}
	if (nd->level == 0) {
		if (nd->n && (nd->lo_hash < lo || (has_hi && nd->hi_hash >= hi)))
			*why = "a leaf holds keys outside its range";
		order[(*nord)++] = lblk;
		return 0;
	}
	for (unsigned i = 0; i < nd->count && !err; i++) {
		uint64_t key = vx_get64(nd->data + i * VX_DINDEX_SIZE);
		uint64_t child = vx_get64(nd->data + i * VX_DINDEX_SIZE + 8);
		bool last = i + 1 == nd->count;
		uint64_t nkey = last ? hi :
			vx_get64(nd->data + (i + 1) * VX_DINDEX_SIZE);

		if ((i && key <= vx_get64(nd->data + (i - 1) * VX_DINDEX_SIZE)) ||
		    child == 0 || child >= s->nblk) {
			*why = "index keys or children invalid";
			continue;
		}
		err = walk(s, child, nd->level - 1u, i ? key : lo,
			   nkey, last ? has_hi : true, order, nord, why);
	}
	return err;
}

static int check_tree(struct dscan *s)
{
	uint64_t *order = calloc(s->nblk ? s->nblk : 1, sizeof(*order));
	const char *why = NULL;
	size_t nord = 0;
	int err;

	if (!order)
		return -ENOMEM;
	err = walk(s, 0, UINT32_MAX, 0, 0, false, order, &nord, &why);
	for (uint64_t l = 0; l < s->nblk && !why; l++)
		if (s->nodes[l].ok && !s->nodes[l].level && !s->nodes[l].reached)
			why = "a leaf is not reachable from the root";
	for (size_t i = 0; i < nord && !why; i++) {
		struct dnode *a = &s->nodes[order[i]];
		uint64_t want = i + 1 < nord ? order[i + 1] : 0;

		if (a->next != want)
			why = "the leaf chain is out of order";
		else if (i + 1 < nord && a->n && s->nodes[want].n &&
			 a->hi_hash >= s->nodes[want].lo_hash)
			why = "one hash spans two leaves";
	}
	s->order = order;
	s->nord = nord;
	if (!err && why && !s->structural)
		err = add_f(s, A_REBUILD, 0, 0, VX_PR_DIR_BAD_INDEX, why);
	return err;
}

static int key_cmp(const struct dres *r, const struct dent *a,
		   const struct dent *b)
{
	return vx_dir_key_cmp(a->hash, r->names + a->name, a->len, b->hash,
			      (const uint8_t *)r->names + b->name, b->len);
}

/* per-entry checks, one finding per entry at most */
static int check_entry(struct dscan *s, size_t i)
{
	struct ck *c = s->c;
	struct dres *r = s->r;
	struct dent *e = &r->e[i];
	const char *nm = r->names + e->name;
	char name[VX_NAME_MAX + 1];
	struct ck_ino *t;
	unsigned long long ino = e->ino;

	ename(r, e, name);
	if (memchr(nm, '/', e->len) || memchr(nm, 0, e->len)) {
		e->drop = 1;
		return add_f(s, A_DROP, i, 0, VX_PR_DIR_BAD_NAME, name, ino);
	}
	if (e->ino == 0 || e->ino > (uint64_t)c->sb.inodes_per_group *
					c->sb.group_count) {
		e->drop = 1;
		return add_f(s, A_DROP, i, 0, VX_PR_DIR_BAD_INO, name, ino);
	}
	t = ck_inode(c, e->ino);
	if (!t || !t->type) {
		e->drop = 1;
		return add_f(s, A_DROP, i, 0, VX_PR_DIR_FREE_INO, name, ino);
	}
	if (e->type != t->type) {
		static const char *const tn[] = { "unknown", "a file",
			"a directory", "a character device", "a block device",
			"a fifo", "a socket", "a symlink" };
		e->newtype = t->type;
		return add_f(s, A_RETYPE, i, t->type, VX_PR_DIR_BAD_TYPE, name,
			     tn[e->type <= VX_FT_LNK ? e->type : 0], ino,
			     tn[t->type]);
	}
	if (e->hash != vx_name_hash(c->sb.hash_seed, nm, e->len))
		return add_f(s, A_REBUILD, i, 0, VX_PR_DIR_BAD_HASH, name);
	return 0;
}

static int cmp_name(const void *a, const void *b, void *arg)
{
	const struct dres *r = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct dent *x = &r->e[i], *y = &r->e[j];
	int c = memcmp(r->names + x->name, r->names + y->name,
		       x->len < y->len ? x->len : y->len);

	c = c ? c : (x->len > y->len) - (x->len < y->len);
	return c ? c : (i > j) - (i < j);
}

/* the entries in key order: along the leaf chain when the tree is
 * sound (equal names share a hash, so they are neighbours), else sorted
 * by name */
static size_t *key_order(struct dscan *s)
{
	struct dres *r = s->r;
	size_t *ix = malloc((r->n ? r->n : 1) * sizeof(*ix)), n = 0;

	if (!ix)
		return NULL;
	if (!s->structural) {
		for (size_t k = 0; k < s->nord; k++) {
			const struct dnode *nd = &s->nodes[s->order[k]];
			for (size_t i = 0; i < nd->n; i++)
				ix[n++] = nd->first + i;
		}
		if (n == r->n)
			return ix;
	}
	for (size_t i = 0; i < r->n; i++)
		ix[i] = i;
	qsort_r(ix, r->n, sizeof(*ix), cmp_name, r);
	return ix;
}

/* the second of two equal names goes */
static int check_dups(struct dscan *s)
{
	struct dres *r = s->r;
	size_t *ix = key_order(s);
	char name[VX_NAME_MAX + 1];
	int err = 0;

	if (!ix)
		return -ENOMEM;
	for (size_t k = 1; k < r->n && !err; k++) {
		struct dent *a = &r->e[ix[k - 1]], *b = &r->e[ix[k]];

		if (a->len != b->len || b->drop ||
		    memcmp(r->names + a->name, r->names + b->name, a->len))
			continue;
		b->drop = 1;
		err = add_f(s, A_DROP, ix[k], 0, VX_PR_DIR_DUP_NAME,
			    ename(r, b, name));
	}
	free(ix);
	return err;
}

static int scan_dir(struct ck *c, const struct ck_dir *d, struct dres *r)
{
	struct dscan s = { .c = c, .d = d, .r = r };
	struct ck_ino *ci = ck_inode(c, d->ino);
	uint64_t count = 0, stored = 0;
	int err = 0;

	if (!ci || ci->type != VX_FT_DIR)
		return 0;
	snprintf(s.what, sizeof(s.what), "directory inode %llu",
		 (unsigned long long)d->ino);
	s.nblk = d->size >> c->sb.block_log;
	if (d->size % c->bsize || !s.nblk)
		return add_f(&s, A_REBUILD, 0, 0, VX_PR_DIR_BAD_NODE, 0ull,
			     "size is not a whole number of blocks");
	if (d->next) {	/* a size past the mapped blocks: read those only */
		uint64_t mapped = 0;

		for (size_t k = 0; k < d->next; k++)
			mapped += c->dext[d->ext + k].len;
		if (s.nblk > mapped) {
			s.nblk = mapped;
			err = add_f(&s, A_REBUILD, 0, 0, VX_PR_DIR_BAD_NODE,
				    (unsigned long long)s.nblk,
				    "size goes past the mapped blocks");
		}
	} else {
		return add_f(&s, A_REBUILD, 0, 0, VX_PR_DIR_BAD_NODE, 0ull,
			     "not mapped");
	}
	s.nodes = err ? NULL : calloc(s.nblk, sizeof(*s.nodes));
	s.buf = malloc(c->bsize);
	if (!err && (!s.nodes || !s.buf))
		err = -ENOMEM;
	for (uint64_t l = 0; l < s.nblk && !err; l++)
		err = read_node(&s, l);
	if (!err)
		err = check_tree(&s);
	/* (hash, name) order inside each leaf; across leaves it is the
	 * leaf chain's, checked with the tree */
	for (uint64_t l = 0; l < s.nblk && !err; l++) {
		const struct dnode *nd = &s.nodes[l];

		for (size_t k = nd->first + 1; nd->ok && !nd->level &&
		     k < nd->first + nd->n && !err && !s.structural; k++)
			if (key_cmp(s.r, &s.r->e[k - 1], &s.r->e[k]) > 0)
				err = add_f(&s, A_REBUILD, 0, 0,
					    VX_PR_DIR_BAD_INDEX,
					    "entries out of order");
	}
	for (size_t k = 0; k < s.r->n && !err; k++)
		err = check_entry(&s, k);
	if (!err)
		err = check_dups(&s);
	if (!err && s.nodes[0].ok && !s.structural) {
		count = s.r->n;
		stored = s.r->node_count;	/* read with the root */
		if (stored != count)
			err = add_f(&s, A_REBUILD, 0, 0, VX_PR_DIR_BAD_COUNT,
				    (unsigned long long)stored,
				    (unsigned long long)count);
	}
	for (uint64_t l = 0; s.nodes && l < s.nblk; l++)
		free(s.nodes[l].data);
	free(s.nodes);
	free(s.buf);
	free(s.order);
	return err;
}

/* ---- the serial half ---- */

static int rebuild(struct ck *c, const struct ck_dir *d, struct dres *r)
{
	struct ck_dent *v = malloc((r->n ? r->n : 1) * sizeof(*v));
	size_t n = 0;
	int err;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < r->n; i++) {
		const struct dent *e = &r->e[i];

		if (e->drop)
			continue;
		v[n].ino = e->ino;
		v[n].type = e->newtype ? e->newtype : e->type;
		v[n].len = e->len;
		memcpy(v[n].name, r->names + e->name, e->len);
		v[n].name[e->len] = 0;
		n++;
	}
	err = ck_fix_dir_rebuild(c, d->ino, r->node_parent ? r->node_parent :
				 d->parent, v, n);
	free(v);
	return err;
}

static int settle(struct ck *c, struct ck_dir *d, struct dres *r)
{
	bool rebuild_it = false;
	char name[VX_NAME_MAX + 1];
	int err = 0;

	size_t asked = 0;

	for (size_t k = 0; k < r->nf; k++) {
		struct dfind *df = &r->f[k];
		bool before = c->stop, yes = !before && ck_ask(c, &df->f);

		if (!before)
			asked = k + 1;	/* put to the caller */
		if (!yes && df->act == A_DROP)
			r->e[df->ent].drop = 0;	/* kept as it is */
		if (!yes && df->act == A_RETYPE)
			r->e[df->ent].newtype = 0;
		rebuild_it |= yes;
		df->f.fixed = yes;
	}
	d->node_parent = r->node_parent;
	if (rebuild_it && !(err = rebuild(c, d, r)))
		d->node_parent = r->node_parent ? r->node_parent : d->parent;
	for (size_t k = 0; k < asked; k++)
		ck_done(c, &r->f[k].f, r->f[k].f.fixed, err);
	if (err == -ENOMEM)
		return err;
	/* what stays: links and subdirectory edges */
	for (size_t i = 0; i < r->n && !err; i++) {
		const struct dent *e = &r->e[i];
		struct ck_ino *t;

		if (e->drop || !(t = ck_inode(c, e->ino)) || !t->type)
			continue;
		err = ck_add_refs(c, e->ino, 1);
		if (!err && t->type == VX_FT_DIR)
			err = ck_add_edge(c, e->ino, d->ino, ename(r, e, name));
	}
	return err;
}

static void dres_free(struct dres *r)
{
	free(r->e);
	free(r->names);
	free(r->f);
	memset(r, 0, sizeof(*r));
}

static int cmp_dir(const void *a, const void *b)
{
	const struct ck_dir *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

struct range {
	uint64_t base;
	struct dres *res;
};

static int scan_one(struct ck *c, uint64_t i, void *arg)
{
	struct range *rg = arg;

	return scan_dir(c, &c->dirs[rg->base + i], &rg->res[i]);
}

/* read ahead the blocks of directories [from, from + n) */
static void advise(struct ck *c, size_t from, size_t n)
{
	for (size_t i = from; i < from + n && i < c->ndirs; i++) {
		const struct ck_dir *d = &c->dirs[i];

		for (size_t k = 0; k < d->next; k++) {
			const struct ck_ext *x = &c->dext[d->ext + k];
			vx_io_advise(c->io, x->pblk * c->bsize,
				     (uint64_t)x->len * c->bsize);
		}
	}
}

int ck_pass_dirs(struct ck *c)
{
	struct dres *res = calloc(BATCH, sizeof(*res));
	int err = 0;

	if (!res)
		return -ENOMEM;
	if (c->ndirs)
		qsort(c->dirs, c->ndirs, sizeof(*c->dirs), cmp_dir);
	advise(c, 0, BATCH);
	for (size_t b = 0, n; b < c->ndirs && !err && !c->stop; b += n) {
		struct range rg = { b, res };
		uint64_t blocks = 0;

		/* a batch: enough directories to keep the threads busy, few
		 * enough blocks to keep the entries small */
		for (n = 0; b + n < c->ndirs && n < BATCH &&
		     (n == 0 || blocks < BATCH_BLOCKS); n++)
			blocks += c->dirs[b + n].size >> c->sb.block_log;
		advise(c, b + n, BATCH);	/* the next batch, read ahead */
		err = ck_parallel(c, n, scan_one, &rg);
		for (size_t i = 0; i < n && !err && !c->stop; i++)
			err = settle(c, &c->dirs[b + i], &res[i]);
		for (size_t i = 0; i < n; i++)
			dres_free(&res[i]);
		ck_progress(c, VX_PASS_DIRS, b + n, c->ndirs);
	}
	free(res);
	return err;
}
