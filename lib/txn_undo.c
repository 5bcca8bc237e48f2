/*
 * txn_undo.c: rollback entries (T2): the hooks the structure modules
 * call before and after they change a block, an inode or an allocation,
 * how a scope that ends well merges into the one around it, and how one
 * that fails is undone.  The invariants are listed in txn.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "txn_int.h"

/* ---- rollback entries ---- */

static struct rb_ent *push(struct vx_txfam *f)
{
	if (f->nents == f->cents) {
		size_t n = f->cents ? f->cents * 2 : 64;
		struct rb_ent *e = realloc(f->ents, n * sizeof(*e));

		if (!e)
			return NULL;
		f->ents = e;
		f->cents = n;
	}
	memset(&f->ents[f->nents], 0, sizeof(f->ents[0]));
	f->ents[f->nents].scope = f->scope;
	f->ents[f->nents].prev = -1;
	return &f->ents[f->nents++];
}

/* the entry of @key recorded in the current scope, or -1 */
static int64_t in_scope(const struct vx_txfam *f, uint64_t key)
{
	int64_t i;

	if (kmap_get(&f->map, key, &i) && f->ents[i].scope == f->scope)
		return i;
	return -1;
}

/* append a keyed entry; the map points at it, it remembers the old */
static struct rb_ent *push_keyed(struct vx_txfam *f, uint8_t kind,
				 uint64_t key)
{
	int64_t old = -1;
	struct rb_ent *e;

	if (!kmap_get(&f->map, key, &old))
		old = -1;
	if (kmap_put(&f->map, key, (int64_t)f->nents))
		return NULL;
	e = push(f);
	if (!e) {
		kmap_put(&f->map, key, old);
		return NULL;
	}
	e->kind = kind;
	e->key = key;
	e->prev = old;
	return e;
}

static struct vx_txfam *writer(struct vx_fs *fs)
{
	return fs->cur;
}

/* record the before-image of @len bytes at @off of @b under @key, once
 * per scope (T2); @len 0: a block built afresh, nothing to keep */
static int note_image(struct vx_fs *fs, uint8_t kind, uint64_t key,
		      struct vx_buf *b, size_t off, size_t len)
{
	struct vx_txfam *f = writer(fs);
	uint8_t *img = NULL;
	struct rb_ent *e;

	if (!f || in_scope(f, key) >= 0)
		return 0;
	if (len && !(img = malloc(len)))
		return -ENOMEM;
	e = push_keyed(f, kind, key);
	if (!e) {
		free(img);
		return -ENOMEM;
	}
	if (len)
		memcpy(img, b->data + off, len);
	e->image = img;
	e->buf = b;
	e->count = off;
	vx_cache_ref(fs->cache, b);
	return 0;
}

int vx_tx_note_block(struct vx_fs *fs, struct vx_buf *b)
{
	return note_image(fs, RB_BLOCK, K_BLOCK | b->blkno, b, 0, fs->bsize);
}

int vx_tx_note_fresh(struct vx_fs *fs, struct vx_buf *b)
{
	return note_image(fs, RB_FRESH, K_BLOCK | b->blkno, b, 0, 0);
}

int vx_tx_note_inode(struct vx_fs *fs, vx_ino_t ino, struct vx_buf *b,
		     size_t off)
{
	return note_image(fs, RB_INODE, K_INODE | ino, b, off, VX_INODE_SIZE);
}

int vx_tx_note_dirty(struct vx_fs *fs, struct vx_buf *b)
{
	struct vx_txfam *f = writer(fs);
	int64_t v;

	if (!f)
		return 0;
	f->wrote = true;
	if (kmap_get(&f->map, K_PIN | b->blkno, &v))
		return 0;
	if (f->npins == f->cpins) {
		size_t n = f->cpins ? f->cpins * 2 : 32;
		struct vx_buf **p = realloc(f->pins, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		f->pins = p;
		f->cpins = n;
	}
	if (kmap_put(&f->map, K_PIN | b->blkno, 0))
		return -ENOMEM;
	vx_cache_ref(fs->cache, b);
	__atomic_add_fetch(&b->txns, 1, __ATOMIC_RELEASE);	/* (T1) */
	f->pins[f->npins++] = b;
	return 0;
}

static struct gtx *gtx_of(struct vx_fs *fs, uint64_t blk_or_group, bool group)
{
	uint32_t g = group ? (uint32_t)blk_or_group
			   : (uint32_t)(blk_or_group / fs->sb.group_blocks);

	return &fs->tx->gtx[g];
}

/* an allocation (undone by freeing it) or a deferred free (done at the
 * commit): 0 outside a transaction, 1 recorded, -ENOMEM */
static int push_range(struct vx_fs *fs, uint8_t kind, uint64_t key,
		      uint64_t count, uint32_t aux)
{
	struct vx_txfam *f = writer(fs);
	struct rb_ent *e;

	if (!f)
		return 0;
	e = push(f);
	if (!e)
		return -ENOMEM;
	e->kind = kind;
	e->key = key;
	e->count = count;
	e->aux = aux;
	if (kind == RB_ALLOC || kind == RB_IALLOC)
		f->n_alloc++;
	else
		f->n_free++;
	f->wrote = true;
	return 1;
}

int vx_tx_note_alloc(struct vx_fs *fs, vx_blk_t start, uint64_t count)
{
	int r = push_range(fs, RB_ALLOC, start, count, 0);

	if (r == 1)
		gtx_of(fs, start, false)->un_blocks += (uint32_t)count;
	return r < 0 ? r : 0;
}

int vx_tx_note_ialloc(struct vx_fs *fs, vx_ino_t ino, bool dir)
{
	int r = push_range(fs, RB_IALLOC, ino, 1, dir);
	struct gtx *g;

	if (r == 1) {
		g = gtx_of(fs, vx_ino_group(fs, ino), true);
		g->un_inodes++;
		g->un_dirs += dir;
	}
	return r < 0 ? r : 0;
}

int vx_tx_defer_free(struct vx_fs *fs, vx_blk_t start, uint64_t count)
{
	return push_range(fs, RB_FREE, start, count, 0);
}

int vx_tx_defer_ifree(struct vx_fs *fs, vx_ino_t ino, bool dir)
{
	return push_range(fs, RB_IFREE, ino, 1, dir);
}

int vx_tx_note_data(struct vx_fs *fs, vx_blk_t blk, uint32_t crc)
{
	struct vx_txfam *f = writer(fs);
	struct rb_ent *e;
	int64_t i;

	if (!f)
		return 0;
	i = in_scope(f, K_DATA | blk);
	if (i >= 0) {
		f->ents[i].aux = crc;
		return 0;
	}
	e = push_keyed(f, RB_DATA, K_DATA | blk);
	if (!e)
		return -ENOMEM;
	e->aux = crc;
	f->n_data++;
	return 0;
}

/* in place only in the scope that allocated the block: an earlier
 * scope's data may have to come back (T2), so it is redirected too */
bool vx_tx_own_data(struct vx_fs *fs, vx_blk_t blk)
{
	struct vx_txfam *f = writer(fs);

	return f && in_scope(f, K_DATA | blk) >= 0;
}

static bool keyed(uint8_t kind)
{
	return kind == RB_BLOCK || kind == RB_FRESH || kind == RB_INODE ||
	       kind == RB_DATA;
}

static void ent_free(struct vx_fs *fs, struct rb_ent *e)
{
	free(e->image);
	e->image = NULL;
	if (e->buf)
		vx_cache_put(fs->cache, e->buf);
	e->buf = NULL;
}

/*
 * vx_tx_clear_scope - the scope that recorded entries [mark, n) ended
 * well: its entries now belong to f->scope (the enclosing one).  An
 * entry whose key the enclosing scope already recorded is redundant (the
 * older before-image is the one an undo of that scope needs) and goes;
 * a data crc updates the older entry.
 */
void vx_tx_clear_scope(struct vx_txfam *f, size_t mark)
{
	size_t k = mark;

	for (size_t i = mark; i < f->nents; i++) {
		struct rb_ent *e = &f->ents[i];
		bool redundant = keyed(e->kind) && e->prev >= 0 &&
				 f->ents[e->prev].scope == f->scope;

		if (redundant) {
			if (e->kind == RB_DATA) {
				f->ents[e->prev].aux = e->aux;
				f->n_data--;
			}
			kmap_put(&f->map, e->key, e->prev);
			ent_free(f->fs, e);
			continue;
		}
		e->scope = f->scope;
		if (k != i) {
			f->ents[k] = *e;
			if (keyed(e->kind))
				kmap_put(&f->map, e->key, (int64_t)k);
		}
		k++;
	}
	f->nents = k;
}

/* vx_tx_undo - undo entries [mark, n) newest first (T2); fs->lock held */
int vx_tx_undo(struct vx_txfam *f, size_t mark)
{
	struct vx_fs *fs = f->fs;
	struct vx_txfam *saved = fs->cur;
	int err = 0;

	fs->cur = NULL;		/* the undo itself is not recorded */
	fs->undoing = true;
	while (f->nents > mark) {
		struct rb_ent *e = &f->ents[--f->nents];
		struct gtx *g;
		int e2 = 0;

		switch (e->kind) {
		case RB_BLOCK:
			memcpy(e->buf->data, e->image, fs->bsize);
			e->buf->flags &= ~VX_BUF_CHECKED;
			break;
		case RB_FRESH:
			vx_cache_forget(fs->cache, e->buf->blkno);
			e->buf->flags &= ~(VX_BUF_CHECKED | VX_BUF_VERIFIED);
			break;
		case RB_INODE:
			memcpy(e->buf->data + e->count, e->image, VX_INODE_SIZE);
			break;
		case RB_ALLOC:
			e2 = vx_free_blocks_now(fs, e->key, e->count);
			gtx_of(fs, e->key, false)->un_blocks -= (uint32_t)e->count;
			break;
		case RB_IALLOC:
			e2 = vx_free_inode_now(fs, e->key, e->aux);
			g = gtx_of(fs, vx_ino_group(fs, e->key), true);
			g->un_inodes--;
			g->un_dirs -= e->aux;
			/* the number is free again: so is its lock (T3's
			 * locks guard inodes, and this one never was) */
			vx_unlock_inode(f, e->key);
			break;

		default:		/* deferred frees, data crcs: dropped */
			break;
		}
		if (keyed(e->kind))
			kmap_put(&f->map, e->key, e->prev);
		if (e->kind == RB_ALLOC || e->kind == RB_IALLOC)
			f->n_alloc--;
		else if (e->kind == RB_FREE || e->kind == RB_IFREE)
			f->n_free--;
		else if (e->kind == RB_DATA)
			f->n_data--;
		ent_free(fs, e);
		if (e2 && !err)
			err = VX_EROLLBACK;
	}
	fs->cur = saved;
	fs->undoing = false;
	if (err) {
		vx_log(fs, VX_LOG_ERR, "transaction %llu: rollback failed",
		       (unsigned long long)f->id);
		fs->tx->error = VX_EROLLBACK;
	}
	return err;
}

/* unhold every buffer, free every entry; fs->lock held */
void vx_tx_drop_holds(struct vx_txfam *f)
{
	struct vx_fs *fs = f->fs;

	for (size_t i = 0; i < f->nents; i++)
		ent_free(fs, &f->ents[i]);
	f->nents = 0;
	for (size_t i = 0; i < f->npins; i++) {
		__atomic_sub_fetch(&f->pins[i]->txns, 1, __ATOMIC_RELEASE);
		vx_cache_put(fs->cache, f->pins[i]);
	}
	f->npins = 0;
}

