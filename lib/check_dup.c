/*
 * check_dup.c: pass 3's second half, blocks claimed twice.
 *
 * The scan notes every run of blocks it found claimed already, but not
 * by whom (the threads race).  When there are any, every block map is
 * read again, without claiming, to list each claimant of those runs:
 * extents and extent-tree nodes.  A node keeps its block (a node cannot
 * be copied without its tree); otherwise the lowest-numbered inode
 * keeps the blocks.  Every other inode is asked to take its own copy:
 * its map is rebuilt (check_fix.c) with those extents cloned into
 * fresh blocks, so no data is lost and no block stays shared.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check_int.h"

struct claimant {
	vx_blk_t lo, hi;		/* the dup run it touches, inclusive */
	vx_ino_t ino;
	bool node;
};

struct dscan {
	vx_blk_t *run;			/* disjoint sorted runs: lo, hi */
	size_t nrun;
	struct claimant *cl;
	size_t ncl, ccl;
	pthread_mutex_t lock;
};

static int cmp_u64(const void *a, const void *b)
{
	const vx_blk_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* merge the noted (first, count) runs into disjoint [lo, hi] runs */
static int merge_runs(struct ck *c, struct dscan *d)
{
	size_t n = c->ndups / 2;

	if (n)
		qsort(c->dups, n, 2 * sizeof(*c->dups), cmp_u64);
	d->run = malloc(n * 2 * sizeof(*d->run));
	if (!d->run)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		vx_blk_t lo = c->dups[2 * i], hi = lo + c->dups[2 * i + 1] - 1;

		if (d->nrun && lo <= d->run[2 * d->nrun - 1] + 1) {
			if (hi > d->run[2 * d->nrun - 1])
				d->run[2 * d->nrun - 1] = hi;
			continue;
		}
		d->run[2 * d->nrun] = lo;
		d->run[2 * d->nrun + 1] = hi;
		d->nrun++;
	}
	return 0;
}

static int note(struct dscan *d, vx_blk_t b, uint64_t n, vx_ino_t ino,
		bool node)
{
	int err = 0;

	for (size_t i = 0; i < d->nrun && !err; i++) {
		vx_blk_t lo = d->run[2 * i], hi = d->run[2 * i + 1];

		if (b > hi || b + n - 1 < lo)
			continue;
		pthread_mutex_lock(&d->lock);
		err = vx_grow((void **)&d->cl, &d->ccl, d->ncl + 1,
			      sizeof(*d->cl));
		if (!err)
			d->cl[d->ncl++] = (struct claimant){ lo, hi, ino, node };
		pthread_mutex_unlock(&d->lock);
	}
	return err;
}

static int rescan_group(struct ck *c, uint64_t g, void *arg)
{
	struct dscan *d = arg;
	uint8_t slot[VX_INODE_SIZE];
	int err = 0;

	for (uint32_t s = 0; s < c->grp[g].ninit && !err; s++) {
		vx_ino_t ino = g * c->sb.inodes_per_group + s + 1;
		struct ck_ino *ci = &c->grp[g].inos[s];
		struct vx_inode in;
		struct ck_map m = { 0 };

		if (!ci->type || ci->type == VX_FT_CHR || ci->type == VX_FT_BLK ||
		    ci->type == VX_FT_FIFO || ci->type == VX_FT_SOCK)
			continue;
		if ((err = ck_slot_get(c, ino, slot)))
			break;
		if (vx_inode_decode(slot, ino, c->sb.hdr.uuid, &in))
			continue;
		if ((err = ck_map_scan(c, &in, false, &m)))
			break;
		for (size_t i = 0; i < m.n && !err; i++)
			err = note(d, m.ext[i].pblk, m.ext[i].len, ino, false);
		for (size_t i = 0; i < m.nnode && !err; i++)
			if (!kmap_get(&c->remapped, ino, &(int64_t){ 0 }))
				err = note(d, m.nodeblk[i], 1, ino, true);
		ck_map_free(&m);
	}
	return err;
}

static int cmp_cl(const void *a, const void *b)
{
	const struct claimant *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->node != y->node)
		return x->node ? -1 : 1;	/* a node keeps its block */
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* the rebuild record of @ino, made from its map when it has none */
static int remap_of(struct ck *c, vx_ino_t ino, struct ck_remap **out)
{
	uint8_t slot[VX_INODE_SIZE];
	struct vx_inode in;
	struct ck_map m = { 0 };
	struct ck_remap *rm;
	int err;

	for (size_t i = 0; i < c->nremaps; i++)
		if (c->remaps[i].ino == ino) {
			*out = &c->remaps[i];
			return 0;
		}
	if ((err = ck_slot_get(c, ino, slot)))
		return err;
	if ((err = vx_inode_decode(slot, ino, c->sb.hdr.uuid, &in)))
		return err < 0 ? err : VX_ECORRUPT;
	if ((err = ck_map_scan(c, &in, false, &m)))
		return err;
	err = vx_grow((void **)&c->remaps, &c->cremaps, c->nremaps + 1,
		      sizeof(*c->remaps));
	if (!err) {
		rm = &c->remaps[c->nremaps++];
		*rm = (struct ck_remap){ .ino = ino, .ext = m.ext, .n = m.n,
					 .nodes = m.nodes };
		m.ext = NULL;
		/* the rebuilt map will not use the old nodes */
		for (size_t i = 0; i < m.nnode; i++)
			ck_unclaim(c, m.nodeblk[i], 1);
		err = kmap_put(&c->remapped, ino, 1);
		*out = rm;
	}
	ck_map_free(&m);
	return err;
}

/* extent *@i of @rm: the part inside [lo, hi] is to be copied, the parts
 * before and after stay mapped where they are; *@i ends on the last
 * piece */
static int split_clone(struct ck_remap *rm, size_t *i, vx_blk_t lo,
		       vx_blk_t hi)
{
	struct ck_ext e = rm->ext[*i], part[3];
	vx_blk_t end = e.pblk + e.len - 1;
	vx_blk_t a = e.pblk > lo ? e.pblk : lo, b = end < hi ? end : hi;
	size_t n = 0;
	struct ck_ext *v;

	if (a > e.pblk)
		part[n++] = (struct ck_ext){ e.lblk, e.pblk,
					     (uint32_t)(a - e.pblk), 0 };
	part[n++] = (struct ck_ext){ e.lblk + (a - e.pblk), a,
				     (uint32_t)(b - a + 1), 1 };
	if (b < end)
		part[n++] = (struct ck_ext){ e.lblk + (b + 1 - e.pblk), b + 1,
					     (uint32_t)(end - b), 0 };
	v = realloc(rm->ext, (rm->n + n - 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memmove(v + *i + n, v + *i + 1, (rm->n - *i - 1) * sizeof(*v));
	memcpy(v + *i, part, n * sizeof(*v));
	rm->ext = v;
	rm->n += n - 1;
	*i += n - 1;
	return 0;
}

static int ask_clone(struct ck *c, const struct claimant *cl, vx_ino_t keeper)
{
	struct vx_finding f;
	struct ck_remap *rm = NULL;
	char what[48];
	bool yes;
	int err = 0;

	snprintf(what, sizeof(what), "inode %llu", (unsigned long long)cl->ino);
	ck_finding(&f, VX_PR_BLOCK_DUP, cl->ino, what,
		   (unsigned long long)cl->lo, (unsigned long long)cl->hi,
		   (unsigned long long)keeper);
	yes = ck_ask(c, &f);
	if (yes && !(err = remap_of(c, cl->ino, &rm)))
		for (size_t i = 0; i < rm->n && !err; i++)
			if (!rm->ext[i].clone && rm->ext[i].pblk <= cl->hi &&
			    rm->ext[i].pblk + rm->ext[i].len - 1 >= cl->lo)
				err = split_clone(rm, &i, cl->lo, cl->hi);
	ck_done(c, &f, yes, err);
	return err == -ENOMEM ? err : 0;
}

int ck_pass_dups(struct ck *c)
{
	struct dscan d = { 0 };
	int err;

	pthread_mutex_init(&d.lock, NULL);
	err = merge_runs(c, &d);
	if (!err)
		err = ck_parallel(c, c->sb.group_count, rescan_group, &d);
	if (!err)
		if (d.ncl)
			qsort(d.cl, d.ncl, sizeof(*d.cl), cmp_cl);
	for (size_t i = 0; i < d.ncl && !err && !c->stop;) {
		size_t j = i + 1;

		while (j < d.ncl && d.cl[j].lo == d.cl[i].lo)
			j++;
		/* d.cl[i] keeps the run; other inodes' extents are copied */
		for (size_t k = i + 1; k < j && !err; k++)
			if (!d.cl[k].node && d.cl[k].ino != d.cl[i].ino &&
			    (k == i + 1 || d.cl[k].ino != d.cl[k - 1].ino))
				err = ask_clone(c, &d.cl[k], d.cl[i].ino);
		i = j;
	}
	pthread_mutex_destroy(&d.lock);
	free(d.run);
	free(d.cl);
	return err;
}
