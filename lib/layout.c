/*
 * layout.c: geometry of a filesystem: plan a new one from mkfs
 * parameters, and place every group's metadata.
 *
 * Group g holds, from its first block: a superblock copy (block 0 for
 * g = 0; backups in group 1 and the last group), the group header, the
 * block bitmap, the inode bitmap, the inode table; group 0 then holds the
 * journal.  Everything here is a pure function of the superblock, so the
 * checker and the tools can recompute where things must be.
 *
 * Defaults (documented in man/vexfs.5 and mkfs.vexfs(8)):
 *   block size 4096; group size 64 * block size blocks (1 GiB at 4 KiB),
 *   doubled until there are at most 64 groups (16 GiB groups for 1 TiB);
 *   one inode per 16384 bytes; journal size by filesystem size as below;
 *   a last group too small for its metadata plus 16 data blocks is dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <uuid/uuid.h>
#include "fs_int.h"

#define DEFAULT_BYTES_PER_INODE	16384
#define MIN_DATA_BLOCKS		16
#define DEFAULT_MAX_GROUPS	64

bool vx_group_has_backup(const struct vx_super *sb, uint32_t g)
{
	return g == 1 || (g > 1 && g == sb->group_count - 1);
}

void vx_group_layout(const struct vx_super *sb, uint32_t g,
		     struct vx_glayout *out)
{
	bool has_sb = g == 0 || vx_group_has_backup(sb, g);
	uint64_t left;

	out->start = (vx_blk_t)g * sb->group_blocks;
	left = sb->block_count - out->start;
	out->nblocks = left < sb->group_blocks ? (uint32_t)left : sb->group_blocks;
	out->sb_copy = (g > 0 && has_sb) ? out->start : 0;
	out->header = out->start + (has_sb ? 1 : 0);
	out->bbitmap = out->header + 1;
	out->ibitmap = out->bbitmap + sb->bbitmap_blocks;
	out->itable = out->ibitmap + sb->ibitmap_blocks;
	out->meta_blocks = (uint32_t)(out->itable + sb->itable_blocks -
				      out->start);
	if (g == 0)
		out->meta_blocks += (uint32_t)sb->journal_blocks;
}

void vx_group_fresh(const struct vx_super *sb, uint32_t g,
		    struct vx_group *grp)
{
	struct vx_glayout gl;

	vx_group_layout(sb, g, &gl);
	memset(grp, 0, sizeof(*grp));
	grp->hdr.type = VX_BT_GROUP;
	grp->hdr.blkno = gl.header;
	grp->hdr.seq = sb->last_seq;
	memcpy(grp->hdr.uuid, sb->hdr.uuid, 16);
	grp->group_no = g;
	grp->flags = VX_GF_BLOCK_UNINIT | VX_GF_INODE_UNINIT;
	grp->start = gl.start;
	grp->nblocks = gl.nblocks;
	grp->meta_blocks = gl.meta_blocks;
	grp->free_blocks = gl.nblocks - gl.meta_blocks;
	grp->free_inodes = sb->inodes_per_group;
	grp->bbitmap = gl.bbitmap;
	grp->ibitmap = gl.ibitmap;
	grp->itable = gl.itable;
}

int vx_fs_backup_blocks(const struct vx_super *sb, vx_blk_t out[2])
{
	int n = 0;

	if (sb->group_count > 1)
		out[n++] = sb->group_blocks;
	if (sb->group_count > 2)
		out[n++] = (vx_blk_t)(sb->group_count - 1) * sb->group_blocks;
	return n;
}

/* the journal size mke2fs would pick for this many blocks, at least the
 * VexFS minimum */
static uint64_t default_journal(uint64_t blocks)
{
	static const struct { uint64_t below, jb; } tab[] = {
		{ 2048, 256 }, { 32768, 1024 }, { 256 * 1024, 4096 },
		{ 512 * 1024, 8192 }, { 4096 * 1024, 16384 },
		{ 8192 * 1024, 32768 }, { 16384 * 1024, 65536 },
		{ 32768 * 1024, 131072 },
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (blocks < tab[i].below)
			return tab[i].jb;
	return 262144;
}

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

static int plan_inodes(const struct vx_mkfs_params *p, struct vx_super *sb)
{
	uint64_t bsize = 1ull << sb->block_log;
	uint64_t ipb = bsize / VX_INODE_SIZE, unit = ipb < 8 ? 8 : ipb;
	uint64_t bits = (bsize - VX_MHDR_SIZE) * 8, total, ipg;

	if (p->inode_count) {
		total = p->inode_count;
	} else {
		uint64_t bpi = p->bytes_per_inode ? p->bytes_per_inode :
			       DEFAULT_BYTES_PER_INODE;
		if (bpi < 1024 || bpi > (64u << 20))
			return -EINVAL;
		total = sb->block_count / (bpi / bsize ? bpi / bsize : 1);
		if (bpi < bsize)
			total = sb->block_count * (bsize / bpi);
	}
	ipg = div_up(total, sb->group_count);
	ipg = div_up(ipg ? ipg : 1, unit) * unit;
	if (ipg < 2 * unit)
		ipg = 2 * unit;
	if (ipg / ipb > sb->group_blocks / 2 || ipg > UINT32_MAX / 2)
		return VX_ETOOBIG;
	sb->inodes_per_group = (uint32_t)ipg;
	sb->itable_blocks = (uint32_t)(ipg / ipb);
	sb->ibitmap_blocks = (uint32_t)div_up(ipg, bits);
	sb->bbitmap_blocks = (uint32_t)div_up(sb->group_blocks, bits);
	return 0;
}

/* drop a last group that cannot hold its metadata plus some data */
static void plan_trim_last(struct vx_super *sb)
{
	struct vx_glayout gl;

	while (sb->group_count > 1) {
		vx_group_layout(sb, sb->group_count - 1, &gl);
		if ((uint64_t)gl.nblocks >= gl.meta_blocks + MIN_DATA_BLOCKS)
			break;
		sb->group_count--;
		sb->block_count = (uint64_t)sb->group_count * sb->group_blocks;
	}
}

static int plan_journal(const struct vx_mkfs_params *p, struct vx_super *sb)
{
	uint64_t g0 = sb->block_count < sb->group_blocks ?
		      sb->block_count : sb->group_blocks;
	uint64_t j0 = 2ull + sb->bbitmap_blocks + sb->ibitmap_blocks +
		      sb->itable_blocks;
	uint64_t room = g0 > j0 + MIN_DATA_BLOCKS ? g0 - j0 - MIN_DATA_BLOCKS : 0;
	uint64_t jb = p->journal_blocks;

	if (jb) {
		if (jb < VX_MIN_JOURNAL_BLOCKS || jb > VX_MAX_JOURNAL_BLOCKS)
			return -EINVAL;
		if (jb > room)
			return room >= VX_MIN_JOURNAL_BLOCKS ? VX_ETOOBIG :
							       VX_ENOSPC;
	} else {
		jb = default_journal(sb->block_count);
		if (jb > room / 2)
			jb = room / 2;
		if (jb < VX_MIN_JOURNAL_BLOCKS)
			jb = VX_MIN_JOURNAL_BLOCKS;
		if (jb > room)
			return VX_ENOSPC;
	}
	sb->journal_start = j0;
	sb->journal_blocks = jb;
	return 0;
}

static int plan_identity(const struct vx_mkfs_params *p, struct vx_super *sb)
{
	static const uint8_t zero[16];

	if (memcmp(p->uuid, zero, 16))
		memcpy(sb->hdr.uuid, p->uuid, 16);
	else
		uuid_generate(sb->hdr.uuid);
	sb->hash_seed = p->hash_seed;
	while (!sb->hash_seed)
		if (getrandom(&sb->hash_seed, sizeof(sb->hash_seed), 0) < 0)
			return -errno;
	if (strnlen(p->label, sizeof(p->label)) > VX_LABEL_MAX)
		return -EINVAL;
	memcpy(sb->label, p->label, strnlen(p->label, VX_LABEL_MAX));
	snprintf(sb->creator, sizeof(sb->creator), "vexfs-progs %s",
		 VEXFS_VERSION);
	sb->mkfs_time = sb->write_time =
		(uint64_t)(p->now ? p->now : (int64_t)time(NULL));
	return 0;
}

int vx_fs_plan(const struct vx_mkfs_params *p, uint64_t dev_bytes,
	       struct vx_super *sb)
{
	uint32_t blog = p->block_log ? p->block_log : VX_DEFAULT_BLOCK_LOG;
	uint64_t bsize, gb;
	struct vx_glayout gl;
	int err;

	memset(sb, 0, sizeof(*sb));
	if (blog < VX_MIN_BLOCK_LOG || blog > VX_MAX_BLOCK_LOG)
		return -EINVAL;
	bsize = 1ull << blog;
	sb->block_log = blog;
	sb->block_count = p->block_count ? p->block_count : dev_bytes >> blog;
	if (sb->block_count > dev_bytes >> blog)
		return VX_ENOSPC;
	gb = p->group_blocks;
	if (!gb) {
		/* 64 * block size blocks, grown so that there are at most
		 * DEFAULT_MAX_GROUPS groups: a big device gets big groups, and
		 * mkfs writes a few hundred group headers at most */
		for (gb = 64 * bsize; gb < (1u << 31) &&
		     div_up(sb->block_count, gb) > DEFAULT_MAX_GROUPS; gb <<= 1)
			;
	}
	if (gb < 256 || gb % 8 || gb > (1u << 31))
		return -EINVAL;
	if (sb->block_count > gb * VX_MAX_GROUPS ||
	    sb->block_count > (UINT64_MAX >> blog) / 2)
		return VX_ETOOBIG;
	sb->group_blocks = (uint32_t)gb;
	sb->group_count = (uint32_t)div_up(sb->block_count, gb);
	if (sb->block_count < 64)
		return VX_ENOSPC;
	sb->version = VX_FORMAT_VERSION;
	sb->inode_size = VX_INODE_SIZE;
	sb->hdr.type = VX_BT_SUPER;
	sb->state = VX_STATE_CLEAN;
	sb->feature_incompat = VX_FEATURE_INCOMPAT_JOURNAL;
	err = plan_inodes(p, sb);
	if (err)
		return err;
	if (2ull + sb->bbitmap_blocks + sb->ibitmap_blocks + sb->itable_blocks +
	    MIN_DATA_BLOCKS > (sb->block_count < gb ? sb->block_count : gb))
		return VX_ENOSPC;
	plan_trim_last(sb);
	err = plan_journal(p, sb);
	if (err)
		return err;
	err = plan_identity(p, sb);
	if (err)
		return err;
	sb->root_ino = VX_ROOT_INO;
	sb->lost_found_ino = 0;
	sb->last_seq = 1;
	sb->free_inodes = (uint64_t)sb->inodes_per_group * sb->group_count;
	for (uint32_t g = 0; g < sb->group_count; g++) {
		vx_group_layout(sb, g, &gl);
		sb->free_blocks += gl.nblocks - gl.meta_blocks;
	}
	return vx_super_check(sb);
}
