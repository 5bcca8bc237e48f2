/*
 * check_group.c: pass 2, the allocation-group headers.
 *
 * Checks, for every group, that its header block decodes (magic,
 * checksum, its own block number, this filesystem's UUID) and that every
 * field the geometry fixes (group number, first block, length, metadata
 * length, where the bitmaps and the inode table are) has the value the
 * superblock implies, that the flags have no unknown bits and that the
 * initialised inode-table mark is in range.  A header that does not
 * decode is rebuilt from the geometry: its bitmaps count as written when
 * their first block decodes, and its mark is found by scanning the inode
 * table for the last valid inode.  The counts (free blocks, free inodes,
 * directories) are pass 4's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check_int.h"

#define GF_KNOWN (VX_GF_BLOCK_UNINIT | VX_GF_INODE_UNINIT)

int ck_put_group(struct ck *c, uint32_t g)
{
	struct vx_group *grp = &c->grp[g].g;
	uint8_t *buf = malloc(c->bsize);
	int err;

	if (!buf)
		return -ENOMEM;
	grp->hdr.type = VX_BT_GROUP;
	grp->hdr.blkno = c->grp[g].lay.header;
	grp->hdr.seq = ck_seq(c);
	memcpy(grp->hdr.uuid, c->sb.hdr.uuid, 16);
	vx_group_encode(buf, c->bsize, grp);
	err = ck_stage(c, grp->hdr.blkno, buf);
	free(buf);
	return err;
}

/* does bitmap block @b decode as @type? */
static bool bitmap_written(struct ck *c, vx_blk_t b, uint16_t type,
			   uint8_t *buf)
{
	return !ck_read(c, b, buf, 1) &&
	       !vx_mhdr_check(buf, c->bsize, type, b, c->sb.hdr.uuid, NULL);
}

/* the initialised mark: just past the itable block of the last valid
 * inode of the group */
static uint32_t find_mark(struct ck *c, uint32_t g, uint8_t *buf)
{
	const struct vx_glayout *l = &c->grp[g].lay;
	uint32_t mark = 0;

	for (uint32_t b = 0; b < c->sb.itable_blocks; b++) {
		if (ck_read(c, l->itable + b, buf, 1))
			continue;
		for (uint32_t s = 0; s < c->ipb; s++) {
			uint64_t slot = (uint64_t)b * c->ipb + s;
			vx_ino_t ino = (uint64_t)g * c->sb.inodes_per_group +
				       slot + 1;
			struct vx_inode in;

			if (slot < c->sb.inodes_per_group &&
			    vx_inode_decode(buf + s * VX_INODE_SIZE, ino,
					    c->sb.hdr.uuid, &in) == 0)
				mark = (b + 1) * c->ipb;
		}
	}
	return mark;
}

static int rebuild(struct ck *c, uint32_t g, int why, uint8_t *buf)
{
	struct ck_group *cg = &c->grp[g];
	struct vx_finding f;
	char what[48];
	bool yes;
	int err = 0;

	snprintf(what, sizeof(what), "group %u", g);
	ck_finding(&f, VX_PR_GROUP_HEADER_BAD, g, what,
		   (unsigned long long)cg->lay.header, vx_strerror(why));
	yes = ck_ask(c, &f);
	/* what the run uses either way: the geometry, scanned */
	vx_group_fresh(&c->sb, g, &cg->g);
	cg->g.flags = 0;
	if (!bitmap_written(c, cg->lay.bbitmap, VX_BT_BBITMAP, buf))
		cg->g.flags |= VX_GF_BLOCK_UNINIT;
	if (!bitmap_written(c, cg->lay.ibitmap, VX_BT_IBITMAP, buf))
		cg->g.flags |= VX_GF_INODE_UNINIT;
	cg->g.itable_init = find_mark(c, g, buf);
	if (yes)
		err = ck_put_group(c, g);
	ck_done(c, &f, yes, err);
	cg->hdr_ok = true;
	return err == -ENOMEM ? err : 0;
}

static int field(struct ck *c, uint32_t g, const char *name, uint64_t *have,
		 uint64_t want, bool *dirty)
{
	struct vx_finding f;
	char what[48];
	bool yes;

	if (*have == want)
		return 0;
	snprintf(what, sizeof(what), "group %u", g);
	ck_finding(&f, VX_PR_GROUP_HEADER_FIELD, g, what, name,
		   (unsigned long long)*have, (unsigned long long)want);
	yes = ck_ask(c, &f);
	*have = want;	/* the run goes on with the right value */
	*dirty |= yes;
	ck_done(c, &f, yes, 0);
	return 0;
}

static int check_fields(struct ck *c, uint32_t g)
{
	struct ck_group *cg = &c->grp[g];
	struct vx_group *h = &cg->g;
	const struct vx_glayout *l = &cg->lay;
	bool dirty = false;
	uint64_t v;
	int err = 0;

#define F(name, want) do {						\
		v = h->name;						\
		field(c, g, #name, &v, (want), &dirty);			\
		h->name = (__typeof__(h->name))v;			\
	} while (0)
	F(group_no, g);
	F(start, l->start);
	F(nblocks, l->nblocks);
	F(meta_blocks, l->meta_blocks);
	F(bbitmap, l->bbitmap);
	F(ibitmap, l->ibitmap);
	F(itable, l->itable);
	if (h->itable_init > c->sb.inodes_per_group ||
	    h->itable_init % c->ipb)
		F(itable_init, h->itable_init > c->sb.inodes_per_group ?
		  c->sb.inodes_per_group : h->itable_init / c->ipb * c->ipb);
#undef F
	if (h->flags & ~(uint32_t)GF_KNOWN) {
		struct vx_finding f;
		char what[48];

		snprintf(what, sizeof(what), "group %u", g);
		ck_finding(&f, VX_PR_GROUP_FLAGS, g, what, h->flags);
		bool yes = ck_ask(c, &f);
		h->flags &= GF_KNOWN;
		dirty |= yes;
		ck_done(c, &f, yes, 0);
	}
	if (dirty)
		err = ck_put_group(c, g);
	return err;
}

int ck_pass_groups(struct ck *c)
{
	uint8_t *buf = malloc(c->bsize);
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (uint32_t g = 0; g < c->sb.group_count && !err && !c->stop; g++) {
		struct ck_group *cg = &c->grp[g];
		int e = ck_read(c, cg->lay.header, buf, 1);

		if (!e)
			e = vx_mhdr_check(buf, c->bsize, VX_BT_GROUP,
					  cg->lay.header, c->sb.hdr.uuid,
					  &cg->g.hdr);
		if (e == -ENOMEM) {
			err = e;
			break;
		}
		if (e) {
			err = rebuild(c, g, e, buf);
			continue;
		}
		vx_group_unpack(buf, &cg->g);
		cg->hdr_ok = true;
		err = check_fields(c, g);
		ck_progress(c, VX_PASS_GROUPS, g + 1, c->sb.group_count);
	}
	free(buf);
	return err;
}
