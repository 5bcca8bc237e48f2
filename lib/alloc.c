/*
 * alloc.c: block and inode allocation through the group bitmaps.
 *
 * Bitmaps are metadata blocks: a header, then (bsize - 48) * 8 bits.
 * A group whose header says VX_GF_BLOCK_UNINIT (or VX_GF_INODE_UNINIT)
 * has never had its bitmap written; the first allocation in it builds the
 * bitmap from the rule the flag stands for (only the group's metadata in
 * use / no inode in use).  Bits past the end of the group are set, so a
 * search never returns them.  Inode-table blocks are zeroed on demand as
 * the inode allocator moves past the group's itable_init watermark.
 *
 * Block allocation is next-fit from a goal and returns the longest free
 * run it finds there (up to what was asked), which keeps files contiguous.
 * Counts are kept in the group headers and the superblock together.
 *
 * (A1) a block or inode is freed only when its bit is set: a double free
 *      (cross-linked metadata on a damaged image) returns VX_ECORRUPT and
 *      changes nothing in that group.
 */
#include <errno.h>
#include <string.h>
#include "fs_int.h"

struct bitmap {
	struct vx_fs *fs;
	vx_blk_t base;		/* first bitmap block */
	uint64_t nbits;		/* bits that name real items */
	uint16_t type;
	struct vx_buf *buf;	/* block currently held */
	uint64_t bufidx;	/* which bitmap block @buf is */
};

static int bm_block(struct bitmap *bm, uint64_t idx)
{
	int err;

	if (bm->buf && bm->bufidx == idx)
		return 0;
	vx_cache_put(bm->fs->cache, bm->buf);
	bm->buf = NULL;
	err = vx_meta_read(bm->fs, bm->base + idx, bm->type, &bm->buf);
	if (!err)
		bm->bufidx = idx;
	return err;
}

static void bm_release(struct bitmap *bm)
{
	vx_cache_put(bm->fs->cache, bm->buf);
	bm->buf = NULL;
}

static int bm_test(struct bitmap *bm, uint64_t bit, bool *set)
{
	uint64_t per = bm->fs->bits_per_bitmap, off = bit % per;
	int err = bm_block(bm, bit / per);

	if (!err)
		*set = bm->buf->data[VX_MHDR_SIZE + off / 8] >> (off % 8) & 1;
	return err;
}

/* set (@val) or clear @n bits from @bit */
static int bm_set(struct bitmap *bm, uint64_t bit, uint64_t n, bool val)
{
	uint64_t per = bm->fs->bits_per_bitmap;

	while (n) {
		uint64_t off = bit % per;
		int err = bm_block(bm, bit / per);

		if (err)
			return err;
		for (; n && off < per; n--, off++, bit++) {
			uint8_t *p = &bm->buf->data[VX_MHDR_SIZE + off / 8];
			uint8_t m = (uint8_t)(1u << (off % 8));

			if (val)
				*p |= m;
			else
				*p &= (uint8_t)~m;
		}
		vx_meta_dirty(bm->fs, bm->buf);
	}
	return 0;
}

/* VX_ECORRUPT unless all @n bits from @bit are set: freeing something
 * that is already free means two owners claimed it (cross-linked) */
static int bm_all_set(struct bitmap *bm, uint64_t bit, uint64_t n)
{
	bool set;

	for (uint64_t i = 0; i < n; i++) {
		int err = bm_test(bm, bit + i, &set);
		if (err)
			return err;
		if (!set)
			return VX_ECORRUPT;
	}
	return 0;
}

/* first clear bit in [from, to), or to */
static int bm_find_zero(struct bitmap *bm, uint64_t from, uint64_t to,
			uint64_t *found)
{
	uint64_t per = bm->fs->bits_per_bitmap, bit = from;

	while (bit < to) {
		uint64_t off = bit % per;
		const uint8_t *d;
		int err = bm_block(bm, bit / per);

		if (err)
			return err;
		d = bm->buf->data + VX_MHDR_SIZE;
		/* whole bytes of ones are skipped eight bits at a time */
		while (off < per && bit < to) {
			if (off % 8 == 0 && d[off / 8] == 0xff) {
				off += 8;
				bit += 8;
				continue;
			}
			if (!(d[off / 8] >> (off % 8) & 1)) {
				*found = bit;
				return 0;
			}
			off++;
			bit++;
		}
	}
	*found = to;
	return 0;
}

/* length of the run of clear bits at @bit, at most @max */
static int bm_zero_run(struct bitmap *bm, uint64_t bit, uint64_t max,
		       uint64_t *len)
{
	uint64_t n = 0;
	bool set;
	int err;

	while (n < max && bit + n < bm->nbits) {
		err = bm_test(bm, bit + n, &set);
		if (err)
			return err;
		if (set)
			break;
		n++;
	}
	*len = n;
	return 0;
}

/* build a never-written bitmap: bits [0, used) and [nbits, capacity) set */
static int bm_create(struct vx_fs *fs, vx_blk_t base, uint32_t nblocks,
		     uint16_t type, uint64_t used, uint64_t nbits)
{
	struct bitmap bm = { .fs = fs, .base = base, .type = type,
			     .nbits = nbits };
	uint64_t cap = (uint64_t)nblocks * fs->bits_per_bitmap;
	int err = 0;

	for (uint32_t i = 0; i < nblocks && !err; i++) {
		struct vx_buf *b;

		err = vx_cache_get(fs->cache, base + i, VX_GET_NOREAD, &b);
		if (err)
			break;
		vx_meta_init(fs, b, type);
		vx_meta_dirty(fs, b);
		vx_cache_put(fs->cache, b);
	}
	if (!err && used)
		err = bm_set(&bm, 0, used, true);
	if (!err && cap > nbits)
		err = bm_set(&bm, nbits, cap - nbits, true);
	bm_release(&bm);
	/* the set-up is no transaction's: home at once, in the state the
	 * "uninitialised" flag stands for, so that a header saying either
	 * agrees with the disk whatever becomes of the transaction */
	for (uint32_t i = 0; i < nblocks && !err; i++) {
		struct vx_buf *b;

		err = vx_cache_get(fs->cache, base + i, 0, &b);
		if (err)
			break;
		memcpy(fs->scratch, b->data, fs->bsize);
		vx_mhdr_seal(fs->scratch, fs->bsize);
		err = vx_io_write(fs->io, (base + i) * fs->bsize, fs->scratch,
				  fs->bsize);
		vx_cache_put(fs->cache, b);
	}
	return err;
}

static int group_bbitmap(struct vx_fs *fs, uint32_t g, struct bitmap *bm)
{
	struct vx_group *grp = &fs->groups[g];
	int err = 0;

	if (grp->flags & VX_GF_BLOCK_UNINIT) {
		err = bm_create(fs, grp->bbitmap, fs->sb.bbitmap_blocks,
				VX_BT_BBITMAP, grp->meta_blocks, grp->nblocks);
		if (err)
			return err;
		grp->flags &= ~(uint32_t)VX_GF_BLOCK_UNINIT;
		fs->gdirty[g] = 1;
	}
	*bm = (struct bitmap){ .fs = fs, .base = grp->bbitmap,
			       .nbits = grp->nblocks, .type = VX_BT_BBITMAP };
	return 0;
}

static int group_ibitmap(struct vx_fs *fs, uint32_t g, struct bitmap *bm)
{
	struct vx_group *grp = &fs->groups[g];
	int err;

	if (grp->flags & VX_GF_INODE_UNINIT) {
		err = bm_create(fs, grp->ibitmap, fs->sb.ibitmap_blocks,
				VX_BT_IBITMAP, 0, fs->sb.inodes_per_group);
		if (err)
			return err;
		grp->flags &= ~(uint32_t)VX_GF_INODE_UNINIT;
		fs->gdirty[g] = 1;
	}
	*bm = (struct bitmap){ .fs = fs, .base = grp->ibitmap,
			       .nbits = fs->sb.inodes_per_group,
			       .type = VX_BT_IBITMAP };
	return 0;
}

static int alloc_in_group(struct vx_fs *fs, uint32_t g, uint64_t from,
			  uint64_t want, vx_blk_t *start, uint64_t *got)
{
	struct vx_group *grp = &fs->groups[g];
	struct bitmap bm;
	uint64_t bit, len = 0;
	int err = group_bbitmap(fs, g, &bm);

	if (err)
		return err;
	if (from < grp->meta_blocks || from >= grp->nblocks)
		from = grp->meta_blocks;
	err = bm_find_zero(&bm, from, grp->nblocks, &bit);
	if (!err && bit == grp->nblocks)
		err = bm_find_zero(&bm, grp->meta_blocks, from, &bit);
	if (!err && bit < grp->nblocks)
		err = bm_zero_run(&bm, bit, want, &len);
	if (!err && len) {
		err = bm_set(&bm, bit, len, true);
		if (!err) {
			grp->free_blocks -= (uint32_t)len;
			fs->sb.free_blocks -= len;
			fs->gdirty[g] = 1;
			*start = grp->start + bit;
			*got = len;
		}
	}
	bm_release(&bm);
	if (!err && !len)
		err = VX_ECORRUPT;	/* header counted free blocks: none */
	return err;
}

int vx_alloc_blocks(struct vx_fs *fs, vx_blk_t goal, uint64_t want,
		    vx_blk_t *start, uint64_t *got)
{
	uint32_t gc = fs->sb.group_count, g0;

	if (vx_fs_rdonly(fs))
		return VX_EROFS;
	if (goal == 0 || goal >= fs->sb.block_count)
		goal = fs->alloc_cursor;
	if (want > VX_EXT_MAX_LEN)
		want = VX_EXT_MAX_LEN;
	g0 = (uint32_t)(goal / fs->sb.group_blocks);
	for (uint32_t i = 0; i < gc; i++) {
		uint32_t g = (g0 + i) % gc;
		uint64_t from = i == 0 ? goal - fs->groups[g].start : 0;
		int err;

		if (!fs->groups[g].free_blocks)
			continue;
		err = alloc_in_group(fs, g, from, want, start, got);
		if (!err && (err = vx_tx_note_alloc(fs, *start, *got)))
			vx_free_blocks_now(fs, *start, *got);
		if (err)
			return err;
		fs->alloc_cursor = *start + *got;
		return 0;
	}
	return VX_ENOSPC;
}

/* check that every block of the range is in use and not metadata (A1:
 * no double free), group by group; with @apply, free them too (a range
 * that fails the check in a later group leaves the earlier freed) */
static int free_range(struct vx_fs *fs, vx_blk_t start, uint64_t count,
		      bool apply)
{
	while (count) {
		uint32_t g = (uint32_t)(start / fs->sb.group_blocks);
		struct vx_group *grp;
		struct bitmap bm;
		uint64_t bit, n;
		int err;

		if (start >= fs->sb.block_count || g >= fs->sb.group_count)
			return VX_ECORRUPT;	/* past the end: never loop */
		grp = &fs->groups[g];
		bit = start - grp->start;
		n = grp->nblocks - bit < count ? grp->nblocks - bit : count;
		if (bit < grp->meta_blocks)
			return VX_ECORRUPT;	/* never free metadata */
		err = group_bbitmap(fs, g, &bm);
		if (!err)
			err = bm_all_set(&bm, bit, n);	/* (A1) */
		if (!err && apply)
			err = bm_set(&bm, bit, n, false);
		bm_release(&bm);
		if (err)
			return err;
		if (apply) {
			for (uint64_t i = 0; i < n; i++)
				vx_cache_forget(fs->cache, start + i);
			grp->free_blocks += (uint32_t)n;
			fs->sb.free_blocks += n;
			fs->gdirty[g] = 1;
		}
		start += n;
		count -= n;
	}
	return 0;
}

int vx_free_blocks(struct vx_fs *fs, vx_blk_t start, uint64_t count)
{
	int err;

	if (fs->cur) {		/* inside a transaction: at its commit */
		err = free_range(fs, start, count, false);
		if (!err)
			err = vx_tx_defer_free(fs, start, count);
		return err < 0 ? err : 0;
	}
	return free_range(fs, start, count, true);
}

int vx_free_blocks_now(struct vx_fs *fs, vx_blk_t start, uint64_t count)
{
	return free_range(fs, start, count, true);
}

int vx_block_in_use(struct vx_fs *fs, vx_blk_t b, bool *used)
{
	uint32_t g = (uint32_t)(b / fs->sb.group_blocks);
	struct vx_group *grp;
	struct bitmap bm;
	int err;

	if (b >= fs->sb.block_count)
		return -EINVAL;
	grp = &fs->groups[g];
	if (grp->flags & VX_GF_BLOCK_UNINIT) {
		*used = b - grp->start < grp->meta_blocks;
		return 0;
	}
	bm = (struct bitmap){ .fs = fs, .base = grp->bbitmap,
			      .nbits = grp->nblocks, .type = VX_BT_BBITMAP };
	err = bm_test(&bm, b - grp->start, used);
	bm_release(&bm);
	return err;
}

/* zero inode-table blocks up to the one holding @slot (lazy init) */
static int itable_extend(struct vx_fs *fs, uint32_t g, uint64_t slot)
{
	struct vx_group *grp = &fs->groups[g];
	uint64_t ipb = fs->inodes_per_block;
	uint64_t first = grp->itable_init / ipb, last = slot / ipb;
	for (uint64_t i = first; i <= last; i++) {
		struct vx_buf *b;
		int err = vx_cache_get(fs->cache, grp->itable + i,
				       VX_GET_NOREAD, &b);
		if (err)
			return err;
		vx_cache_dirty(fs->cache, b, false);
		err = vx_tx_note_dirty(fs, b);
		/* zeroes home at once: no transaction's (see bm_create) */
		if (!err)
			err = vx_io_write(fs->io, b->blkno * fs->bsize, b->data,
					  fs->bsize);
		vx_cache_put(fs->cache, b);
		if (err)
			return err;
	}
	grp->itable_init = (uint32_t)((last + 1) * ipb);
	fs->gdirty[g] = 1;
	return 0;
}

int vx_alloc_inode(struct vx_fs *fs, uint32_t hint, bool dir, vx_ino_t *ino)
{
	uint32_t gc = fs->sb.group_count;

	if (vx_fs_rdonly(fs))
		return VX_EROFS;
	for (uint32_t i = 0; i < gc; i++) {
		uint32_t g = (hint + i) % gc;
		struct vx_group *grp = &fs->groups[g];
		struct bitmap bm;
		uint64_t bit;
		int err;

		if (!grp->free_inodes)
			continue;
		err = group_ibitmap(fs, g, &bm);
		if (!err)
			err = bm_find_zero(&bm, fs->ihint[g], bm.nbits, &bit);
		if (!err && bit == bm.nbits && fs->ihint[g])
			err = bm_find_zero(&bm, 0, fs->ihint[g], &bit);
		if (!err && bit >= bm.nbits)
			err = VX_ECORRUPT;
		if (!err)
			err = bm_set(&bm, bit, 1, true);
		bm_release(&bm);
		if (!err && bit >= grp->itable_init)
			err = itable_extend(fs, g, bit);
		if (!err && (err = vx_tx_note_ialloc(fs, (vx_blk_t)g *
				fs->sb.inodes_per_group + bit + 1, dir)))
			vx_free_inode_now(fs, (vx_blk_t)g *
					  fs->sb.inodes_per_group + bit + 1, dir);
		if (err)
			return err;
		fs->ihint[g] = (uint32_t)bit + 1;
		grp->free_inodes--;
		fs->sb.free_inodes--;
		if (dir)
			grp->used_dirs++;
		fs->gdirty[g] = 1;
		*ino = (vx_ino_t)g * fs->sb.inodes_per_group + bit + 1;
		return 0;
	}
	return VX_ENOINODES;
}

int vx_free_inode(struct vx_fs *fs, vx_ino_t ino, bool dir)
{
	uint32_t g = vx_ino_group(fs, ino);
	uint32_t slot = (uint32_t)((ino - 1) % fs->sb.inodes_per_group);
	struct bitmap bm;
	int err;

	if (fs->cur) {		/* inside a transaction: at its commit */
		err = group_ibitmap(fs, g, &bm);
		if (!err)
			err = bm_all_set(&bm, slot, 1);	/* (A1) */
		bm_release(&bm);
		if (!err)
			err = vx_tx_defer_ifree(fs, ino, dir);
		return err < 0 ? err : 0;
	}
	return vx_free_inode_now(fs, ino, dir);
}

int vx_free_inode_now(struct vx_fs *fs, vx_ino_t ino, bool dir)
{
	uint32_t g = vx_ino_group(fs, ino);
	struct vx_group *grp = &fs->groups[g];
	struct bitmap bm;
	int err = group_ibitmap(fs, g, &bm);

	uint32_t slot = (uint32_t)((ino - 1) % fs->sb.inodes_per_group);

	if (!err)
		err = bm_all_set(&bm, slot, 1);	/* (A1) */
	if (!err)
		err = bm_set(&bm, slot, 1, false);
	bm_release(&bm);
	if (err)
		return err;
	if (slot < fs->ihint[g])
		fs->ihint[g] = slot;
	grp->free_inodes++;
	fs->sb.free_inodes++;
	if (dir && grp->used_dirs)
		grp->used_dirs--;
	fs->gdirty[g] = 1;
	return 0;
}
