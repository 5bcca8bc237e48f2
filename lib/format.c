/*
 * format.c: encode and decode every on-disk structure of format v1.
 *
 * This is the one place that knows byte offsets (the tables are in
 * include/vexfs/format.h and man/vexfs.5).  Decoders trust nothing: they
 * check magic, type, checksum, self block number, UUID and the range of
 * every field they return, so that callers never see an insane value.
 */
#include <errno.h>
#include <string.h>
#include "fs_int.h"

/* ---- metadata header ---- */

void vx_mhdr_encode(void *blk, const struct vx_mhdr *h)
{
	uint8_t *p = blk;

	vx_put32(p + 0, VX_META_MAGIC);
	vx_put16(p + 4, h->type);
	vx_put16(p + 6, h->flags);
	vx_put32(p + 8, 0);
	vx_put32(p + 12, 0);
	vx_put64(p + 16, h->blkno);
	vx_put64(p + 24, h->seq);
	memcpy(p + 32, h->uuid, 16);
}

void vx_mhdr_seal(void *blk, size_t bsize)
{
	uint8_t *p = blk;

	vx_put32(p + 8, 0);
	vx_put32(p + 8, vx_crc32c(0, p, bsize));
}

int vx_mhdr_check(const void *blk, size_t bsize, uint16_t type,
		  vx_blk_t blkno, const uint8_t *uuid, struct vx_mhdr *out)
{
	const uint8_t *p = blk;
	uint32_t crc, want;
	static const uint8_t zero[4];

	if (vx_get32(p) != VX_META_MAGIC)
		return VX_EBADMAGIC;
	want = vx_get32(p + 8);
	crc = vx_crc32c(0, p, 8);
	crc = vx_crc32c(crc, zero, 4);
	crc = vx_crc32c(crc, p + 12, bsize - 12);
	if (crc != want)
		return VX_EBADCRC;
	if (vx_get16(p + 4) != type)
		return VX_ECORRUPT;
	if (vx_get64(p + 16) != blkno)
		return VX_EMISDIRECTED;
	if (uuid && memcmp(p + 32, uuid, 16) != 0)
		return VX_EWRONGFS;
	if (out) {
		out->magic = VX_META_MAGIC;
		out->type = type;
		out->flags = vx_get16(p + 6);
		out->crc = want;
		out->blkno = blkno;
		out->seq = vx_get64(p + 24);
		memcpy(out->uuid, p + 32, 16);
	}
	return 0;
}

/* ---- superblock ---- */

void vx_super_encode(void *blk, size_t bsize, const struct vx_super *sb)
{
	uint8_t *p = blk;

	memset(p, 0, bsize);
	vx_mhdr_encode(p, &sb->hdr);
	vx_put32(p + 48, sb->version);
	vx_put32(p + 52, sb->block_log);
	vx_put64(p + 56, sb->block_count);
	vx_put32(p + 64, sb->group_blocks);
	vx_put32(p + 68, sb->group_count);
	vx_put32(p + 72, sb->inodes_per_group);
	vx_put16(p + 76, sb->inode_size);
	vx_put16(p + 78, sb->state);
	vx_put32(p + 80, sb->feature_compat);
	vx_put32(p + 84, sb->feature_incompat);
	vx_put32(p + 88, sb->feature_ro_compat);
	vx_put32(p + 92, sb->bbitmap_blocks);
	vx_put32(p + 96, sb->ibitmap_blocks);
	vx_put32(p + 100, sb->itable_blocks);
	vx_put64(p + 104, sb->free_blocks);
	vx_put64(p + 112, sb->free_inodes);
	vx_put64(p + 120, sb->root_ino);
	vx_put64(p + 128, sb->lost_found_ino);
	vx_put64(p + 136, sb->journal_start);
	vx_put64(p + 144, sb->journal_blocks);
	vx_put64(p + 152, sb->hash_seed);
	vx_put64(p + 160, sb->mkfs_time);
	vx_put64(p + 168, sb->write_time);
	vx_put64(p + 176, sb->last_seq);
	vx_put32(p + 184, sb->mount_count);
	vx_put32(p + 188, sb->error_count);
	memcpy(p + 192, sb->label, strnlen(sb->label, VX_LABEL_MAX));
	memcpy(p + 256, sb->creator, strnlen(sb->creator, 32));
	vx_mhdr_seal(p, bsize);
}

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/* geometry checks shared by decode and plan: every derived count must be
 * what the primary fields imply */
static int super_check_geometry(const struct vx_super *sb)
{
	uint64_t bsize, bits, ipb;

	if (sb->block_log < VX_MIN_BLOCK_LOG || sb->block_log > VX_MAX_BLOCK_LOG)
		return VX_ECORRUPT;
	bsize = 1ull << sb->block_log;
	bits = (bsize - VX_MHDR_SIZE) * 8;
	ipb = bsize / VX_INODE_SIZE;
	if (sb->inode_size != VX_INODE_SIZE)
		return VX_ECORRUPT;
	if (sb->group_blocks < 64 || sb->group_blocks % 8 ||
	    sb->group_count == 0 || sb->group_count > VX_MAX_GROUPS)
		return VX_ECORRUPT;
	if (sb->block_count == 0 ||
	    div_up(sb->block_count, sb->group_blocks) != sb->group_count)
		return VX_ECORRUPT;
	if (sb->inodes_per_group == 0 || sb->inodes_per_group % ipb ||
	    sb->inodes_per_group % 8)
		return VX_ECORRUPT;
	if (sb->bbitmap_blocks != div_up(sb->group_blocks, bits) ||
	    sb->ibitmap_blocks != div_up(sb->inodes_per_group, bits) ||
	    sb->itable_blocks != sb->inodes_per_group / ipb)
		return VX_ECORRUPT;
	/* the metadata of a full group must leave room for data */
	if (2ull + sb->bbitmap_blocks + sb->ibitmap_blocks + sb->itable_blocks >=
	    sb->group_blocks)
		return VX_ECORRUPT;
	if (sb->journal_blocks < VX_MIN_JOURNAL_BLOCKS ||
	    sb->journal_blocks > VX_MAX_JOURNAL_BLOCKS)
		return VX_ECORRUPT;
	{
		uint64_t j0 = 2ull + sb->bbitmap_blocks + sb->ibitmap_blocks +
			      sb->itable_blocks;
		uint64_t g0 = sb->block_count < sb->group_blocks ?
			      sb->block_count : sb->group_blocks;
		if (sb->journal_start != j0 || j0 + sb->journal_blocks >= g0)
			return VX_ECORRUPT;
	}
	if (sb->root_ino != VX_ROOT_INO)
		return VX_ECORRUPT;
	if (sb->lost_found_ino >
	    (uint64_t)sb->inodes_per_group * sb->group_count)
		return VX_ECORRUPT;
	return 0;
}

int vx_super_decode(const void *blk, size_t bsize, vx_blk_t blkno,
		    struct vx_super *sb)
{
	const uint8_t *p = blk;
	uint32_t block_log;
	int err;

	if (bsize < 1024)
		return -EINVAL;
	if (vx_get32(p) != VX_META_MAGIC || vx_get16(p + 4) != VX_BT_SUPER)
		return VX_EBADMAGIC;
	block_log = vx_get32(p + 52);
	if (block_log < VX_MIN_BLOCK_LOG || block_log > VX_MAX_BLOCK_LOG)
		return VX_ECORRUPT;
	sb->block_log = block_log;
	if ((1ull << block_log) > bsize)
		return -EAGAIN;	/* caller must read sb->block_log bytes */
	err = vx_mhdr_check(p, 1ull << block_log, VX_BT_SUPER, blkno, NULL,
			    &sb->hdr);
	if (err)
		return err;
	sb->version = vx_get32(p + 48);
	if (sb->version != VX_FORMAT_VERSION)
		return VX_EBADVERSION;
	sb->block_log = block_log;
	sb->block_count = vx_get64(p + 56);
	sb->group_blocks = vx_get32(p + 64);
	sb->group_count = vx_get32(p + 68);
	sb->inodes_per_group = vx_get32(p + 72);
	sb->inode_size = vx_get16(p + 76);
	sb->state = vx_get16(p + 78);
	sb->feature_compat = vx_get32(p + 80);
	sb->feature_incompat = vx_get32(p + 84);
	sb->feature_ro_compat = vx_get32(p + 88);
	sb->bbitmap_blocks = vx_get32(p + 92);
	sb->ibitmap_blocks = vx_get32(p + 96);
	sb->itable_blocks = vx_get32(p + 100);
	sb->free_blocks = vx_get64(p + 104);
	sb->free_inodes = vx_get64(p + 112);
	sb->root_ino = vx_get64(p + 120);
	sb->lost_found_ino = vx_get64(p + 128);
	sb->journal_start = vx_get64(p + 136);
	sb->journal_blocks = vx_get64(p + 144);
	sb->hash_seed = vx_get64(p + 152);
	sb->mkfs_time = vx_get64(p + 160);
	sb->write_time = vx_get64(p + 168);
	sb->last_seq = vx_get64(p + 176);
	sb->mount_count = vx_get32(p + 184);
	sb->error_count = vx_get32(p + 188);
	memcpy(sb->label, p + 192, VX_LABEL_MAX);
	sb->label[VX_LABEL_MAX] = 0;
	memcpy(sb->creator, p + 256, 32);
	sb->creator[32] = 0;
	return super_check_geometry(sb);
}

int vx_super_check(const struct vx_super *sb)
{
	return super_check_geometry(sb);
}

/* ---- group header ---- */

void vx_group_encode(void *blk, size_t bsize, const struct vx_group *g)
{
	uint8_t *p = blk;

	memset(p, 0, bsize);
	vx_mhdr_encode(p, &g->hdr);
	vx_put32(p + 48, g->group_no);
	vx_put32(p + 52, g->flags);
	vx_put64(p + 56, g->start);
	vx_put32(p + 64, g->nblocks);
	vx_put32(p + 68, g->meta_blocks);
	vx_put32(p + 72, g->free_blocks);
	vx_put32(p + 76, g->free_inodes);
	vx_put32(p + 80, g->used_dirs);
	vx_put32(p + 84, g->itable_init);
	vx_put64(p + 88, g->bbitmap);
	vx_put64(p + 96, g->ibitmap);
	vx_put64(p + 104, g->itable);
	vx_mhdr_seal(p, bsize);
}

void vx_group_unpack(const void *blk, struct vx_group *g)
{
	const uint8_t *p = blk;

	g->group_no = vx_get32(p + 48);
	g->flags = vx_get32(p + 52);
	g->start = vx_get64(p + 56);
	g->nblocks = vx_get32(p + 64);
	g->meta_blocks = vx_get32(p + 68);
	g->free_blocks = vx_get32(p + 72);
	g->free_inodes = vx_get32(p + 76);
	g->used_dirs = vx_get32(p + 80);
	g->itable_init = vx_get32(p + 84);
	g->bbitmap = vx_get64(p + 88);
	g->ibitmap = vx_get64(p + 96);
	g->itable = vx_get64(p + 104);
}

int vx_group_decode(const void *blk, size_t bsize, vx_blk_t blkno,
		    const struct vx_super *sb, uint32_t group_no,
		    struct vx_group *g)
{
	const uint8_t *p = blk;
	uint64_t start, nblocks;
	int err;

	err = vx_mhdr_check(p, bsize, VX_BT_GROUP, blkno, sb->hdr.uuid, &g->hdr);
	if (err)
		return err;
	vx_group_unpack(p, g);
	start = (uint64_t)group_no * sb->group_blocks;
	nblocks = sb->block_count - start;
	if (nblocks > sb->group_blocks)
		nblocks = sb->group_blocks;
	if (group_no >= sb->group_count)
		return -EINVAL;
	if (g->group_no != group_no || g->start != start ||
	    g->nblocks != nblocks || g->meta_blocks >= nblocks ||
	    g->free_blocks > nblocks - g->meta_blocks ||
	    g->free_inodes > sb->inodes_per_group ||
	    g->used_dirs > sb->inodes_per_group ||
	    g->itable_init > sb->inodes_per_group ||
	    (g->flags & ~(uint32_t)(VX_GF_BLOCK_UNINIT | VX_GF_INODE_UNINIT)))
		return VX_ECORRUPT;
	return 0;
}

/* ---- inode ---- */

uint32_t vx_inode_crc(const void *slotp, const uint8_t *uuid)
{
	const uint8_t *slot = slotp;
	static const uint8_t zero[4];
	uint32_t crc = vx_crc32c(0, uuid, 16);

	crc = vx_crc32c(crc, slot, 4);
	crc = vx_crc32c(crc, zero, 4);
	return vx_crc32c(crc, slot + 8, VX_INODE_SIZE - 8);
}

void vx_inode_encode(void *slot, const struct vx_inode *in,
		     const uint8_t *uuid)
{
	uint8_t *p = slot;

	memset(p, 0, VX_INODE_SIZE);
	vx_put16(p + 0, VX_INODE_MAGIC);
	vx_put16(p + 2, in->mode);
	vx_put64(p + 8, in->ino);
	vx_put64(p + 16, in->seq);
	vx_put32(p + 24, in->uid);
	vx_put32(p + 28, in->gid);
	vx_put64(p + 32, in->size);
	vx_put64(p + 40, in->blocks);
	vx_put32(p + 48, in->nlink);
	vx_put32(p + 52, in->flags);
	vx_put64(p + 56, (uint64_t)in->atime_sec);
	vx_put64(p + 64, (uint64_t)in->mtime_sec);
	vx_put64(p + 72, (uint64_t)in->ctime_sec);
	vx_put64(p + 80, (uint64_t)in->crtime_sec);
	vx_put32(p + 88, in->atime_nsec);
	vx_put32(p + 92, in->mtime_nsec);
	vx_put32(p + 96, in->ctime_nsec);
	vx_put32(p + 100, in->crtime_nsec);
	vx_put64(p + 104, in->rdev);
	vx_put32(p + 112, in->generation);
	vx_put16(p + 116, in->depth);
	vx_put16(p + 118, in->nentries);
	vx_put64(p + 120, in->parent);
	memcpy(p + 128, in->area, VX_INLINE_AREA);
	vx_put32(p + 4, vx_inode_crc(p, uuid));
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

void vx_inode_unpack(const void *slot, vx_ino_t ino, struct vx_inode *in)
{
	const uint8_t *p = slot;

	memset(in, 0, sizeof(*in));
	in->ino = ino;
	in->mode = vx_get16(p + 2);
	in->seq = vx_get64(p + 16);
	in->uid = vx_get32(p + 24);
	in->gid = vx_get32(p + 28);
	in->size = vx_get64(p + 32);
	in->blocks = vx_get64(p + 40);
	in->nlink = vx_get32(p + 48);
	in->flags = vx_get32(p + 52);
	in->atime_sec = (int64_t)vx_get64(p + 56);
	in->mtime_sec = (int64_t)vx_get64(p + 64);
	in->ctime_sec = (int64_t)vx_get64(p + 72);
	in->crtime_sec = (int64_t)vx_get64(p + 80);
	in->atime_nsec = vx_get32(p + 88);
	in->mtime_nsec = vx_get32(p + 92);
	in->ctime_nsec = vx_get32(p + 96);
	in->crtime_nsec = vx_get32(p + 100);
	in->rdev = vx_get64(p + 104);
	in->generation = vx_get32(p + 112);
	in->depth = vx_get16(p + 116);
	in->nentries = vx_get16(p + 118);
	in->parent = vx_get64(p + 120);
	memcpy(in->area, p + 128, VX_INLINE_AREA);
}

int vx_inode_decode(const void *slot, vx_ino_t ino, const uint8_t *uuid,
		    struct vx_inode *in)
{
	const uint8_t *p = slot;
	unsigned type;

	if (all_zero(p, VX_INODE_SIZE))
		return 1;
	if (vx_get16(p) != VX_INODE_MAGIC)
		return VX_EBADMAGIC;
	if (vx_get32(p + 4) != vx_inode_crc(p, uuid))
		return VX_EBADCRC;
	if (vx_get64(p + 8) != ino)
		return VX_EMISDIRECTED;
	vx_inode_unpack(p, ino, in);
	type = vx_ftype_of_mode(in->mode);
	if (type == VX_FT_UNKNOWN || in->depth > VX_MAX_EXT_DEPTH ||
	    in->atime_nsec >= 1000000000u || in->mtime_nsec >= 1000000000u ||
	    in->ctime_nsec >= 1000000000u || in->crtime_nsec >= 1000000000u ||
	    (in->flags & ~(uint32_t)VX_IF_INLINE_DATA))
		return VX_ECORRUPT;
	if (in->flags & VX_IF_INLINE_DATA) {
		if (type != VX_FT_LNK || in->depth ||
		    in->size > VX_INLINE_SYMLINK_MAX || in->size == 0)
			return VX_ECORRUPT;
	} else if (in->nentries > (in->depth ? VX_INLINE_INDEX :
				   VX_INLINE_EXTENTS)) {
		return VX_ECORRUPT;
	}
	return 0;
}

/* ---- journal superblock ---- */

void vx_jsuper_encode(void *blk, size_t bsize, const struct vx_jsuper *j)
{
	uint8_t *p = blk;

	memset(p, 0, bsize);
	vx_mhdr_encode(p, &j->hdr);
	vx_put32(p + 48, j->version);
	vx_put32(p + 52, j->flags);
	vx_put64(p + 56, j->blocks);
	vx_put64(p + 64, j->first_seq);
	vx_put64(p + 72, j->tail);
	vx_mhdr_seal(p, bsize);
}

int vx_jsuper_decode(const void *blk, size_t bsize, vx_blk_t blkno,
		     const uint8_t *uuid, struct vx_jsuper *j)
{
	const uint8_t *p = blk;
	int err = vx_mhdr_check(p, bsize, VX_BT_JSUPER, blkno, uuid, &j->hdr);

	if (err)
		return err;
	j->version = vx_get32(p + 48);
	j->flags = vx_get32(p + 52);
	j->blocks = vx_get64(p + 56);
	j->first_seq = vx_get64(p + 64);
	j->tail = vx_get64(p + 72);
	if (j->version != 1 || j->blocks < VX_MIN_JOURNAL_BLOCKS ||
	    (j->tail && j->tail >= j->blocks))
		return VX_ECORRUPT;
	return 0;
}
