/*
 * check_bitmap.c: pass 4, bitmaps and free counts.
 *
 * Checks, group by group, that every block bitmap block and inode bitmap
 * block decodes; that the block bitmap marks exactly the blocks pass 3
 * found in use (group metadata, extents, extent-tree nodes) and the
 * inode bitmap exactly the valid inodes; and that the header's free-block,
 * free-inode and directory counts are what was counted.  A group whose
 * bitmap was never written ("uninitialised") reads as metadata only /
 * all inodes free.  Repairs write the whole bitmap from what was counted
 * (the bits past the end of the group set, as the library writes them;
 * they are not checked: nothing reads them) and the header with the
 * counted figures.  The superblock's free counts are hints the library
 * recomputes at every open from the group headers: not checked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check_int.h"

#define MAX_RUNS	8

struct bm {
	uint16_t type;
	vx_blk_t base;			/* first bitmap block */
	uint32_t nblk;			/* bitmap blocks */
	uint64_t nbits;			/* items in the group */
	uint8_t *disk;			/* bits only, blocks concatenated */
	bool uninit, bad;
	vx_blk_t bad_blk;
	int why;
};

static uint32_t bits_per(const struct ck *c)
{
	return (c->bsize - VX_MHDR_SIZE) * 8;
}

static bool bit(const uint8_t *v, uint64_t i)
{
	return v[i / 8] & (1u << (i % 8));
}

static int load(struct ck *c, struct bm *b, uint64_t uninit_used)
{
	uint32_t per = bits_per(c);
	uint8_t *buf = malloc(c->bsize);
	int err = 0;

	b->disk = calloc(b->nblk, per / 8);
	if (!buf || !b->disk) {
		free(buf);
		return -ENOMEM;
	}
	if (b->uninit) {
		for (uint64_t i = 0; i < uninit_used; i++)
			b->disk[i / 8] |= (uint8_t)(1u << (i % 8));
		free(buf);
		return 0;
	}
	for (uint32_t k = 0; k < b->nblk && !b->bad; k++) {
		int e = ck_read(c, b->base + k, buf, 1);

		if (!e)
			e = vx_mhdr_check(buf, c->bsize, b->type, b->base + k,
					  c->sb.hdr.uuid, NULL);
		if (e) {
			b->bad = true;
			b->bad_blk = b->base + k;
			b->why = e;
			break;
		}
		memcpy(b->disk + (size_t)k * (per / 8), buf + VX_MHDR_SIZE,
		       per / 8);
	}
	free(buf);
	return err;
}

/* "12-40, 77, and 3 more" */
static void runs_text(char *out, size_t size, const uint64_t *runs, size_t n,
		      uint64_t more)
{
	size_t len = 0;

	out[0] = 0;
	for (size_t i = 0; i < n && len < size; i++) {
		unsigned long long lo = runs[2 * i], hi = runs[2 * i + 1];

		len += (size_t)(lo == hi ?
			snprintf(out + len, size - len, "%s%llu", i ? ", " : "", lo) :
			snprintf(out + len, size - len, "%s%llu-%llu", i ? ", " : "",
				 lo, hi));
	}
	if (more && len < size)
		snprintf(out + len, size - len, ", and %llu more",
			 (unsigned long long)more);
}

/* report runs where counted (@want) and disk differ in direction @set:
 * items counted @set but stored !@set */
static bool diff(struct ck *c, uint32_t g, const struct bm *b,
		 const uint8_t *want, bool set, uint64_t first_no, int code)
{
	uint64_t runs[2 * MAX_RUNS], more = 0, lo = 0;
	size_t n = 0;
	bool in = false;
	char text[200], what[48];
	struct vx_finding f;

	for (uint64_t i = 0; i <= b->nbits; i++) {
		bool d;

		/* whole bytes that agree are passed over */
		if (!in && i % 8 == 0 && i + 8 <= b->nbits &&
		    want[i / 8] == b->disk[i / 8]) {
			i += 7;
			continue;
		}
		d = i < b->nbits && bit(want, i) == set && bit(b->disk, i) != set;
		if (d && !in) {
			lo = i;
			in = true;
		} else if (!d && in) {
			in = false;
			if (n < MAX_RUNS) {
				runs[2 * n] = first_no + lo;
				runs[2 * n + 1] = first_no + i - 1;
				n++;
			} else {
				more++;
			}
		}
	}
	if (!n)
		return false;
	runs_text(text, sizeof(text), runs, n, more);
	snprintf(what, sizeof(what), "group %u", g);
	ck_finding(&f, code, g, what, text);
	bool yes = ck_ask(c, &f);
	ck_done(c, &f, yes, 0);
	return yes;
}

/* the group's blocks in use, as bitmap bytes (groups start on a
 * multiple of 8 blocks) */
static void want_blocks(struct ck *c, uint32_t g, uint8_t *out)
{
	uint64_t first = c->grp[g].lay.start / 8;
	uint64_t nbytes = ((uint64_t)c->grp[g].lay.nblocks + 7) / 8;

	for (uint64_t i = 0; i < nbytes; i++) {
		uint64_t byte = first + i;
		out[i] = (uint8_t)(atomic_load_explicit(&c->used[byte / 8],
							memory_order_relaxed) >>
				   (byte % 8 * 8));
	}
	if (c->grp[g].lay.nblocks % 8)	/* not this group's */
		out[nbytes - 1] &= (uint8_t)((1u << (c->grp[g].lay.nblocks % 8)) - 1);
}

static void want_inodes(struct ck *c, uint32_t g, uint8_t *out)
{
	const struct ck_group *cg = &c->grp[g];

	for (uint32_t i = 0; i < cg->ninit; i++)
		if (cg->inos[i].type)
			out[i / 8] |= (uint8_t)(1u << (i % 8));
}

static uint32_t ones(const uint8_t *v, uint64_t nbits)
{
	uint32_t n = 0;

	for (uint64_t i = 0; i < nbits / 8; i++)
		n += (uint32_t)__builtin_popcount(v[i]);
	for (uint64_t i = nbits / 8 * 8; i < nbits; i++)
		n += bit(v, i);
	return n;
}

/* write the bitmap from what was counted; padding bits set */
static int put_bitmap(struct ck *c, const struct bm *b, const uint8_t *want)
{
	uint32_t per = bits_per(c);
	uint8_t *buf = malloc(c->bsize);
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (uint32_t k = 0; k < b->nblk && !err; k++) {
		struct vx_mhdr h = { .type = b->type, .blkno = b->base + k,
				     .seq = ck_seq(c) };

		memset(buf, 0, c->bsize);
		memcpy(h.uuid, c->sb.hdr.uuid, 16);
		vx_mhdr_encode(buf, &h);
		for (uint32_t i = 0; i < per; i++) {
			uint64_t item = (uint64_t)k * per + i;
			if (item >= b->nbits || bit(want, item))
				buf[VX_MHDR_SIZE + i / 8] |= (uint8_t)(1u << (i % 8));
		}
		vx_mhdr_seal(buf, c->bsize);
		err = ck_stage(c, b->base + k, buf);
	}
	free(buf);
	return err;
}

static bool bad_bitmap(struct ck *c, uint32_t g, const struct bm *b,
		       const char *kind)
{
	struct vx_finding f;
	char what[48];

	snprintf(what, sizeof(what), "group %u", g);
	ck_finding(&f, VX_PR_BITMAP_BAD, g, what, kind,
		   (unsigned long long)b->bad_blk, vx_strerror(b->why));
	bool yes = ck_ask(c, &f);
	ck_done(c, &f, yes, 0);
	return yes;
}

static bool count(struct ck *c, uint32_t g, int code, uint32_t *have,
		  uint32_t want)
{
	struct vx_finding f;
	char what[48];

	if (*have == want)
		return false;
	snprintf(what, sizeof(what), "group %u", g);
	ck_finding(&f, code, g, what, (unsigned long long)*have,
		   (unsigned long long)want);
	bool yes = ck_ask(c, &f);
	ck_done(c, &f, yes, 0);
	if (yes)
		*have = want;
	return yes;
}

static int one_group(struct ck *c, uint32_t g)
{
	struct ck_group *cg = &c->grp[g];
	struct bm bb = { .type = VX_BT_BBITMAP, .base = cg->lay.bbitmap,
			 .nblk = c->sb.bbitmap_blocks, .nbits = cg->lay.nblocks,
			 .uninit = cg->g.flags & VX_GF_BLOCK_UNINIT };
	struct bm ib = { .type = VX_BT_IBITMAP, .base = cg->lay.ibitmap,
			 .nblk = c->sb.ibitmap_blocks,
			 .nbits = c->sb.inodes_per_group,
			 .uninit = cg->g.flags & VX_GF_INODE_UNINIT };
	uint64_t first_ino = (uint64_t)g * c->sb.inodes_per_group + 1;
	uint8_t *wb_bits = calloc(1, bb.nbits / 8 + 1);
	uint8_t *wi_bits = calloc(1, ib.nbits / 8 + 1);
	uint32_t dirs = 0;
	bool wb = false, wi = false, wh = cg->hdr_dirty;
	int err = -ENOMEM;

	if (!wb_bits || !wi_bits)
		goto out;
	want_blocks(c, g, wb_bits);
	want_inodes(c, g, wi_bits);
	if ((err = load(c, &bb, cg->lay.meta_blocks)) ||
	    (err = load(c, &ib, 0)))
		goto out;
	if (bb.bad)
		wb = bad_bitmap(c, g, &bb, "block");
	else
		wb = diff(c, g, &bb, wb_bits, true, cg->lay.start,
			  VX_PR_BLOCK_USED_FREE) |
		     diff(c, g, &bb, wb_bits, false, cg->lay.start,
			  VX_PR_BLOCK_FREE_USED);
	if (ib.bad)
		wi = bad_bitmap(c, g, &ib, "inode");
	else
		wi = diff(c, g, &ib, wi_bits, true, first_ino,
			  VX_PR_INODE_USED_FREE) |
		     diff(c, g, &ib, wi_bits, false, first_ino,
			  VX_PR_INODE_FREE_USED);
	for (uint32_t i = 0; i < cg->ninit; i++)
		dirs += cg->inos[i].type == VX_FT_DIR;
	wh |= count(c, g, VX_PR_GROUP_FREE_BLOCKS, &cg->g.free_blocks,
		    cg->lay.nblocks - ones(wb_bits, bb.nbits));
	wh |= count(c, g, VX_PR_GROUP_FREE_INODES, &cg->g.free_inodes,
		    c->sb.inodes_per_group - ones(wi_bits, ib.nbits));
	wh |= count(c, g, VX_PR_GROUP_USED_DIRS, &cg->g.used_dirs, dirs);
	if (wb && !(err = put_bitmap(c, &bb, wb_bits)))
		cg->g.flags &= ~(uint32_t)VX_GF_BLOCK_UNINIT;
	if (!err && wi && !(err = put_bitmap(c, &ib, wi_bits)))
		cg->g.flags &= ~(uint32_t)VX_GF_INODE_UNINIT;
	if (!err && (wb || wi || wh))
		err = ck_put_group(c, g);
out:
	free(wb_bits);
	free(wi_bits);
	free(bb.disk);
	free(ib.disk);
	return err;
}

int ck_pass_bitmaps(struct ck *c)
{
	int err = 0;

	for (uint32_t g = 0; g < c->sb.group_count && !err && !c->stop; g++) {
		err = one_group(c, g);
		ck_progress(c, VX_PASS_BITMAPS, g + 1, c->sb.group_count);
	}
	return err;
}
