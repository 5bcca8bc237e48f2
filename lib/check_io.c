/*
 * check_io.c: the checker's block access and its block-level repairs.
 *
 * Reads go straight to the device (or the read-only overlay): the passes
 * must see damaged blocks that the filesystem handle would refuse.
 * Block-level repairs are staged as whole block images (ck_stage) and
 * ck_commit logs all of them as one journal transaction, flushed, then
 * checkpoints the log so that the images are home before the next pass
 * reads the device.  A crash before the commit block is durable loses
 * the pass's repairs (the next run finds the same problems); after it,
 * recovery writes them all.  Without a usable journal (its superblock
 * was damaged and not rebuilt) the images are written in place, block
 * by block, and flushed.
 * The used-block map is one bit per block, set with atomic operations
 * by the scanning threads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "check_int.h"

int ck_read(struct ck *c, vx_blk_t b, void *buf, size_t n)
{
	if (b >= c->sb.block_count || n > c->sb.block_count - b)
		return VX_ECORRUPT;
	return vx_io_read(c->io, b * c->bsize, buf, n * c->bsize);
}

int ck_get(struct ck *c, vx_blk_t b, void *buf)
{
	int64_t i;

	if (kmap_get(&c->smap, b + 1, &i)) {
		memcpy(buf, c->stage[i].data, c->bsize);
		return 0;
	}
	return ck_read(c, b, buf, 1);
}

int ck_stage(struct ck *c, vx_blk_t b, const void *img)
{
	int64_t i;
	int err;

	if (c->rdonly)
		return VX_EROFS;
	if (kmap_get(&c->smap, b + 1, &i)) {
		memcpy(c->stage[i].data, img, c->bsize);
		return 0;
	}
	if ((err = vx_grow((void **)&c->stage, &c->cstage, c->nstage + 1,
			   sizeof(*c->stage))))
		return err;
	if (!(c->stage[c->nstage].data = malloc(c->bsize)))
		return -ENOMEM;
	memcpy(c->stage[c->nstage].data, img, c->bsize);
	c->stage[c->nstage].blk = b;
	if ((err = kmap_put(&c->smap, b + 1, (int64_t)c->nstage))) {
		free(c->stage[c->nstage].data);
		return err;
	}
	c->nstage++;
	return 0;
}

void ck_stage_free(struct ck *c)
{
	for (size_t i = 0; i < c->nstage; i++)
		free(c->stage[i].data);
	free(c->stage);
	c->stage = NULL;
	c->nstage = c->cstage = 0;
	kmap_free(&c->smap);
}

static int cmp_img(const void *a, const void *b)
{
	const struct ck_img *x = a, *y = b;

	return x->blk < y->blk ? -1 : x->blk > y->blk;
}

/* no journal: in place, then flush */
static int write_direct(struct ck *c)
{
	int err = 0;

	for (size_t i = 0; i < c->nstage && !err; i++)
		err = vx_io_write(c->io, c->stage[i].blk * c->bsize,
				  c->stage[i].data, c->bsize);
	return err ? err : vx_io_flush(c->io);
}

/* log [from, to) of the stage as one transaction */
static int log_part(struct ck *c, size_t from, size_t to)
{
	size_t n = to - from;
	vx_blk_t *home = malloc(n * sizeof(*home));
	const void **data = malloc(n * sizeof(*data));
	struct vx_jtxn t = { .nblocks = n };
	uint64_t seq;
	int err = -ENOMEM;

	if (home && data) {
		for (size_t i = 0; i < n; i++) {
			home[i] = c->stage[from + i].blk;
			data[i] = c->stage[from + i].data;
		}
		t.home = home;
		t.data = (const void *const *)data;
		err = vx_journal_commit(c->j, &t, &seq);
	}
	free(home);
	free(data);
	return err;
}

int ck_commit(struct ck *c)
{
	size_t per, from = 0;
	int err = 0;

	if (c->rdonly || !c->nstage)
		return 0;
	/* the first repair also marks the image not clean: a crash before
	 * the run ends must not leave a half-repaired image that a run
	 * without -f would pass over (the run's close marks it clean) */
	if (!c->unclean) {
		struct vx_super sb = c->sb;

		sb.state &= ~(uint32_t)VX_STATE_CLEAN;
		if ((err = ck_put_super(c, &sb, 0)))
			return err;
		c->unclean = true;
	}
	qsort(c->stage, c->nstage, sizeof(*c->stage), cmp_img);
	if (!c->j) {
		err = write_direct(c);
		ck_stage_free(c);
		return err;
	}
	/* a transaction must fit in the log: a pass with more repairs than
	 * that commits them in parts, each whole or not at all */
	per = (size_t)(vx_journal_capacity(c->j) / 2);
	if (per < 1)
		per = 1;
	while (!err && from < c->nstage) {
		size_t to = c->nstage - from > per ? from + per : c->nstage;
		err = log_part(c, from, to);
		from = to;
	}
	if (!err)
		err = vx_journal_checkpoint(c->j, NULL);
	c->next_seq = vx_journal_next_seq(c->j);
	ck_stage_free(c);
	return err;
}

/* the bits of word @x / 64 that [x, end) covers, and how many */
static uint64_t span(vx_blk_t x, vx_blk_t end, uint64_t *k)
{
	uint64_t lo = x % 64;

	*k = end - x < 64 - lo ? end - x : 64 - lo;
	return (*k == 64 ? ~0ull : ((1ull << *k) - 1)) << lo;
}

int ck_claim_runs(struct ck *c, vx_blk_t b, uint64_t n,
		  int (*dup)(void *ctx, vx_blk_t first, uint64_t count),
		  void *ctx)
{
	vx_blk_t run0 = 0;
	uint64_t run = 0, k;
	int err = 0;

	/* a word at a time; bit by bit only where some were claimed */
	for (vx_blk_t x = b; x < b + n && !err; x += k) {
		uint64_t mask = span(x, b + n, &k);
		uint64_t old = atomic_fetch_or_explicit(&c->used[x / 64], mask,
						memory_order_relaxed) & mask;

		for (uint64_t i = 0; (old || run) && i < k && !err; i++) {
			if (old & (1ull << ((x + i) % 64))) {
				if (!run++)
					run0 = x + i;
			} else if (run) {
				err = dup(ctx, run0, run);
				run = 0;
			}
		}
	}
	if (!err && run)
		err = dup(ctx, run0, run);
	return err;
}

static int count_dup(void *ctx, vx_blk_t first, uint64_t count)
{
	(void)first;
	*(uint64_t *)ctx += count;
	return 0;
}

uint64_t ck_claim(struct ck *c, vx_blk_t b, uint64_t n)
{
	uint64_t dups = 0;

	ck_claim_runs(c, b, n, count_dup, &dups);
	return dups;
}

void ck_unclaim(struct ck *c, vx_blk_t b, uint64_t n)
{
	uint64_t k;

	for (vx_blk_t x = b; x < b + n; x += k)
		atomic_fetch_and_explicit(&c->used[x / 64], ~span(x, b + n, &k),
					  memory_order_relaxed);
}

void ck_slot_where(struct ck *c, vx_ino_t ino, vx_blk_t *blk, size_t *off)
{
	uint64_t g = (ino - 1) / c->sb.inodes_per_group;
	uint64_t s = (ino - 1) % c->sb.inodes_per_group;

	*blk = c->grp[g].lay.itable + s / c->ipb;
	*off = (size_t)(s % c->ipb) * VX_INODE_SIZE;
}

/* read (@put false) or stage (@put true) inode @ino's slot */
static int slot_io(struct ck *c, vx_ino_t ino, uint8_t *slot, bool put)
{
	uint8_t *buf = malloc(c->bsize);
	vx_blk_t b;
	size_t off;
	int err;

	if (!buf)
		return -ENOMEM;
	ck_slot_where(c, ino, &b, &off);
	err = ck_get(c, b, buf);
	if (!err && put) {
		memcpy(buf + off, slot, VX_INODE_SIZE);
		err = ck_stage(c, b, buf);
	} else if (!err) {
		memcpy(slot, buf + off, VX_INODE_SIZE);
	}
	free(buf);
	return err;
}

int ck_slot_get(struct ck *c, vx_ino_t ino, uint8_t *slot)
{
	return slot_io(c, ino, slot, false);
}

int ck_slot_put(struct ck *c, vx_ino_t ino, const uint8_t *slot)
{
	return slot_io(c, ino, (uint8_t *)slot, true);
}

bool ck_is_meta(struct ck *c, vx_blk_t b)
{
	const struct vx_glayout *l;

	if (b >= c->sb.block_count)
		return true;
	l = &c->grp[b / c->sb.group_blocks].lay;
	return b < l->start + l->meta_blocks;
}
