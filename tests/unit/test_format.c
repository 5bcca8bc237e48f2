/*
 * test_format.c: unit tests for lib/format.c, the encoders and decoders
 * of every on-disk structure (metadata header, superblock, group header,
 * inode, journal superblock).
 *
 * Each structure is encoded with distinctive values in every field and
 * decoded back at 1, 4 and 64 KiB blocks.  Then each decoder is fed
 * hostile input and must refuse it with the right code:
 *  - every single-byte change anywhere in the block or slot (two masks
 *    per byte): VX_EBADCRC, or VX_EBADMAGIC in the magic;
 *  - the wrong block number (VX_EMISDIRECTED) and the wrong UUID
 *    (VX_EWRONGFS; for inodes the UUID seeds the crc: VX_EBADCRC);
 *  - insane fields under a correct crc: the raw bytes are edited at the
 *    offsets of format.h and the block is re-sealed with vx_mhdr_seal, so
 *    only the range checks stand between the value and the caller.  Each
 *    such case has a control: the same edit to a legal value decodes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "fs_int.h"

#define MiB (1024ull * 1024)

static const uint8_t UUID[16] = {
	0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef
};
static const uint8_t MASKS[] = { 0x01, 0xff };

/* a valid superblock of @blog-sized blocks and several groups */
static void plan_sb(uint32_t blog, struct vx_super *sb)
{
	struct vx_mkfs_params p = { 0 };

	p.block_log = blog;
	p.group_blocks = blog == 10 ? 2048 : 8192;
	p.block_count = (uint64_t)p.group_blocks * 5 + 700;
	memcpy(p.uuid, UUID, 16);
	p.hash_seed = 0x5eed5eed5eed5eedull;
	p.now = 1700000000;
	strcpy(p.label, "format-test");
	assert_int_equal(vx_fs_plan(&p, p.block_count << blog, sb), 0);
	assert_true(sb->group_count >= 5);
}

/* ---- metadata header ---- */

static void mk_mhdr(uint8_t *blk, size_t bs, uint16_t type, vx_blk_t blkno)
{
	struct vx_mhdr h = { .type = type, .blkno = blkno, .seq = 77 };

	memcpy(h.uuid, UUID, 16);
	memset(blk, 0, bs);
	vx_mhdr_encode(blk, &h);
	for (size_t i = VX_MHDR_SIZE; i < bs; i++)
		blk[i] = (uint8_t)(i * 7 + 3);
	vx_mhdr_seal(blk, bs);
}

static void test_mhdr_roundtrip(void **state)
{
	uint8_t blk[4096];
	struct vx_mhdr h;

	mk_mhdr(blk, sizeof(blk), VX_BT_EXTENT, 123456789012ull);
	assert_int_equal(vx_get32(blk), VX_META_MAGIC);
	assert_int_equal(vx_get32(blk + 12), 0);
	assert_int_equal(vx_mhdr_check(blk, sizeof(blk), VX_BT_EXTENT,
				       123456789012ull, UUID, &h), 0);
	assert_int_equal(h.magic, VX_META_MAGIC);
	assert_int_equal(h.type, VX_BT_EXTENT);
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.blkno, 123456789012ull);
	assert_int_equal(h.seq, 77);
	assert_int_equal(h.crc, vx_get32(blk + 8));
	assert_memory_equal(h.uuid, UUID, 16);
	/* the crc is crc32c of the block with its crc field as zero */
	{
		uint8_t copy[4096];

		memcpy(copy, blk, sizeof(copy));
		vx_put32(copy + 8, 0);
		assert_int_equal(vx_crc32c(0, copy, sizeof(copy)),
				 vx_get32(blk + 8));
	}
	/* a NULL uuid skips the filesystem check; a NULL out is allowed */
	assert_int_equal(vx_mhdr_check(blk, sizeof(blk), VX_BT_EXTENT,
				       123456789012ull, NULL, NULL), 0);
}

static void test_mhdr_rejects(void **state)
{
	uint8_t blk[1024], other[16];

	mk_mhdr(blk, sizeof(blk), VX_BT_DIR, 42);
	assert_int_equal(vx_mhdr_check(blk, sizeof(blk), VX_BT_EXTENT, 42,
				       UUID, NULL), VX_ECORRUPT);
	assert_int_equal(vx_mhdr_check(blk, sizeof(blk), VX_BT_DIR, 43,
				       UUID, NULL), VX_EMISDIRECTED);
	memcpy(other, UUID, 16);
	other[15] ^= 1;
	assert_int_equal(vx_mhdr_check(blk, sizeof(blk), VX_BT_DIR, 42,
				       other, NULL), VX_EWRONGFS);
	/* a wrong magic, even re-sealed */
	vx_put32(blk, VX_META_MAGIC ^ 0x100);
	vx_mhdr_seal(blk, sizeof(blk));
	assert_int_equal(vx_mhdr_check(blk, sizeof(blk), VX_BT_DIR, 42,
				       UUID, NULL), VX_EBADMAGIC);
	/* every single-byte change */
	mk_mhdr(blk, sizeof(blk), VX_BT_DIR, 42);
	for (size_t i = 0; i < sizeof(blk); i++) {
		for (size_t m = 0; m < sizeof(MASKS); m++) {
			int err;

			blk[i] ^= MASKS[m];
			err = vx_mhdr_check(blk, sizeof(blk), VX_BT_DIR, 42,
					    UUID, NULL);
			blk[i] ^= MASKS[m];
			assert_int_equal(err, i < 4 ? VX_EBADMAGIC : VX_EBADCRC);
		}
	}
	assert_int_equal(vx_mhdr_check(blk, sizeof(blk), VX_BT_DIR, 42,
				       UUID, NULL), 0);
}

/* ---- superblock ---- */

static void fill_super(struct vx_super *sb, uint32_t blog)
{
	plan_sb(blog, sb);
	sb->state = VX_STATE_ERRORS;
	sb->free_blocks = 1234567;
	sb->free_inodes = 7654321;
	sb->lost_found_ino = 2;
	sb->mkfs_time = 0x1122334455ull;
	sb->write_time = 0x5544332211ull;
	sb->last_seq = 0xfedcba9876543210ull;
	sb->mount_count = 0xabcdef01;
	sb->error_count = 0x10fedcba;
	memset(sb->label, 'L', VX_LABEL_MAX);	/* full: no NUL on disk */
	sb->label[VX_LABEL_MAX] = 0;
	strcpy(sb->creator, "vexfs-progs 9.8.7");
}

static void assert_super_equal(const struct vx_super *a,
			       const struct vx_super *b)
{
	assert_int_equal(a->hdr.type, b->hdr.type);
	assert_int_equal(a->hdr.blkno, b->hdr.blkno);
	assert_int_equal(a->hdr.seq, b->hdr.seq);
	assert_memory_equal(a->hdr.uuid, b->hdr.uuid, 16);
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->block_log, b->block_log);
	assert_int_equal(a->block_count, b->block_count);
	assert_int_equal(a->group_blocks, b->group_blocks);
	assert_int_equal(a->group_count, b->group_count);
	assert_int_equal(a->inodes_per_group, b->inodes_per_group);
	assert_int_equal(a->inode_size, b->inode_size);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->feature_compat, b->feature_compat);
	assert_int_equal(a->feature_incompat, b->feature_incompat);
	assert_int_equal(a->feature_ro_compat, b->feature_ro_compat);
	assert_int_equal(a->bbitmap_blocks, b->bbitmap_blocks);
	assert_int_equal(a->ibitmap_blocks, b->ibitmap_blocks);
	assert_int_equal(a->itable_blocks, b->itable_blocks);
	assert_int_equal(a->free_blocks, b->free_blocks);
	assert_int_equal(a->free_inodes, b->free_inodes);
	assert_int_equal(a->root_ino, b->root_ino);
	assert_int_equal(a->lost_found_ino, b->lost_found_ino);
	assert_int_equal(a->journal_start, b->journal_start);
	assert_int_equal(a->journal_blocks, b->journal_blocks);
	assert_int_equal(a->hash_seed, b->hash_seed);
	assert_int_equal(a->mkfs_time, b->mkfs_time);
	assert_int_equal(a->write_time, b->write_time);
	assert_int_equal(a->last_seq, b->last_seq);
	assert_int_equal(a->mount_count, b->mount_count);
	assert_int_equal(a->error_count, b->error_count);
	assert_string_equal(a->label, b->label);
	assert_string_equal(a->creator, b->creator);
}

static void test_super_roundtrip(void **state)
{
	static const uint32_t logs[] = { 10, 12, 16 };

	for (size_t k = 0; k < 3; k++) {
		size_t bs = (size_t)1 << logs[k];
		uint8_t *blk = malloc(bs);
		struct vx_super sb, out;
		vx_blk_t bk[2];

		assert_non_null(blk);
		fill_super(&sb, logs[k]);
		sb.hdr.seq = 99;
		/* the primary, then a backup naming its own block */
		vx_super_encode(blk, bs, &sb);
		memset(&out, 0xa5, sizeof(out));
		assert_int_equal(vx_super_decode(blk, bs, 0, &out), 0);
		assert_super_equal(&sb, &out);
		/* fixed offsets of format.h */
		assert_int_equal(vx_get32(blk + 52), logs[k]);
		assert_int_equal(vx_get64(blk + 56), sb.block_count);
		assert_int_equal(vx_get64(blk + 152), sb.hash_seed);
		assert_memory_equal(blk + 192, sb.label, VX_LABEL_MAX);
		for (size_t i = 288; i < bs; i++)
			assert_int_equal(blk[i], 0);
		assert_int_equal(vx_fs_backup_blocks(&sb, bk), 2);
		sb.hdr.blkno = bk[1];
		vx_super_encode(blk, bs, &sb);
		assert_int_equal(vx_super_decode(blk, bs, bk[1], &out), 0);
		assert_super_equal(&sb, &out);
		assert_int_equal(vx_super_decode(blk, bs, 0, &out),
				 VX_EMISDIRECTED);
		free(blk);
	}
}

/* a superblock bigger than the bytes given asks for a second read */
static void test_super_needs_more(void **state)
{
	uint8_t blk[4096];
	struct vx_super sb, out;

	fill_super(&sb, 12);
	vx_super_encode(blk, sizeof(blk), &sb);
	assert_int_equal(vx_super_decode(blk, 1024, 0, &out), -EAGAIN);
	assert_int_equal(out.block_log, 12);
	assert_int_equal(vx_super_decode(blk, 1023, 0, &out), -EINVAL);
	assert_int_equal(vx_super_decode(blk, 4096, 0, &out), 0);
}

static void test_super_flips(void **state)
{
	static const uint32_t logs[] = { 10, 12 };

	for (size_t k = 0; k < 2; k++) {
		size_t bs = (size_t)1 << logs[k];
		uint8_t *blk = malloc(bs);
		struct vx_super sb, out;

		assert_non_null(blk);
		fill_super(&sb, logs[k]);
		vx_super_encode(blk, bs, &sb);
		for (size_t i = 0; i < bs; i++) {
			for (size_t m = 0; m < sizeof(MASKS); m++) {
				int err;

				blk[i] ^= MASKS[m];
				err = vx_super_decode(blk, bs, 0, &out);
				blk[i] ^= MASKS[m];
				if (i < 6)		/* magic, type */
					assert_int_equal(err, VX_EBADMAGIC);
				else if (i >= 52 && i < 56)	/* block_log */
					assert_true(err == VX_EBADCRC ||
						    err == VX_ECORRUPT ||
						    err == -EAGAIN);
				else
					assert_int_equal(err, VX_EBADCRC);
			}
		}
		assert_int_equal(vx_super_decode(blk, bs, 0, &out), 0);
		free(blk);
	}
}

/* encode @sb, apply one raw edit, re-seal, decode */
enum { W16, W32, W64 };
static int super_edit(const struct vx_super *sb, size_t off, int w,
		      uint64_t val)
{
	uint8_t blk[1u << 12];
	size_t bs = (size_t)1 << sb->block_log;
	struct vx_super out;

	assert_true(bs <= sizeof(blk));
	vx_super_encode(blk, bs, sb);
	if (w == W16)
		vx_put16(blk + off, (uint16_t)val);
	else if (w == W32)
		vx_put32(blk + off, (uint32_t)val);
	else
		vx_put64(blk + off, val);
	vx_mhdr_seal(blk, bs);
	return vx_super_decode(blk, bs, 0, &out);
}

static void test_super_insane(void **state)
{
	struct vx_super sb;
	uint64_t ipb, j0;

	fill_super(&sb, 12);
	ipb = 4096 / VX_INODE_SIZE;
	j0 = 2ull + sb.bbitmap_blocks + sb.ibitmap_blocks + sb.itable_blocks;
	/* controls: re-sealing the same values decodes */
	assert_int_equal(super_edit(&sb, 56, W64, sb.block_count), 0);
	assert_int_equal(super_edit(&sb, 56, W64, sb.block_count + 1), 0);
	/* version */
	assert_int_equal(super_edit(&sb, 48, W32, 2), VX_EBADVERSION);
	assert_int_equal(super_edit(&sb, 48, W32, 0), VX_EBADVERSION);
	/* block_log out of range (a 4 KiB buffer: 13 asks for more) */
	assert_int_equal(super_edit(&sb, 52, W32, 9), VX_ECORRUPT);
	assert_int_equal(super_edit(&sb, 52, W32, 17), VX_ECORRUPT);
	assert_int_equal(super_edit(&sb, 52, W32, 13), -EAGAIN);
	/* block_count */
	assert_int_equal(super_edit(&sb, 56, W64, 0), VX_ECORRUPT);
	assert_int_equal(super_edit(&sb, 56, W64, sb.block_count + 10000),
			 VX_ECORRUPT);	/* now one more group than counted */
	/* group_blocks: < 64, not a multiple of 8 */
	assert_int_equal(super_edit(&sb, 64, W32, 56), VX_ECORRUPT);
	assert_int_equal(super_edit(&sb, 64, W32, sb.group_blocks + 4),
			 VX_ECORRUPT);
	/* group_count mismatch, zero, beyond VX_MAX_GROUPS */
	assert_int_equal(super_edit(&sb, 68, W32, sb.group_count + 1),
			 VX_ECORRUPT);
	assert_int_equal(super_edit(&sb, 68, W32, sb.group_count - 1),
			 VX_ECORRUPT);
	assert_int_equal(super_edit(&sb, 68, W32, 0), VX_ECORRUPT);
	assert_int_equal(super_edit(&sb, 68, W32, VX_MAX_GROUPS + 1),
			 VX_ECORRUPT);
	/* inodes_per_group: zero, not a multiple of the inodes per block */
	assert_int_equal(super_edit(&sb, 72, W32, 0), VX_ECORRUPT);
	assert_int_equal(super_edit(&sb, 72, W32, sb.inodes_per_group + 1),
			 VX_ECORRUPT);
	assert_int_equal(super_edit(&sb, 72, W32, sb.inodes_per_group + ipb),
			 VX_ECORRUPT);	/* itable_blocks no longer matches */
	/* inode_size */
	assert_int_equal(super_edit(&sb, 76, W16, 128), VX_ECORRUPT);
	assert_int_equal(super_edit(&sb, 76, W16, 512), VX_ECORRUPT);
	/* derived counts */
	assert_int_equal(super_edit(&sb, 92, W32, sb.bbitmap_blocks + 1),
			 VX_ECORRUPT);
	assert_int_equal(super_edit(&sb, 96, W32, sb.ibitmap_blocks + 1),
			 VX_ECORRUPT);
	assert_int_equal(super_edit(&sb, 100, W32, sb.itable_blocks - 1),
			 VX_ECORRUPT);
	/* root inode */
	assert_int_equal(super_edit(&sb, 120, W64, 2), VX_ECORRUPT);
	assert_int_equal(super_edit(&sb, 120, W64, 0), VX_ECORRUPT);
	/* lost+found beyond the inodes */
	assert_int_equal(super_edit(&sb, 128, W64, (uint64_t)sb.group_count *
				    sb.inodes_per_group), 0);
	assert_int_equal(super_edit(&sb, 128, W64, (uint64_t)sb.group_count *
				    sb.inodes_per_group + 1), VX_ECORRUPT);
	/* journal outside group 0, or not right after the inode table */
	assert_int_equal(super_edit(&sb, 136, W64, sb.group_blocks + 5),
			 VX_ECORRUPT);
	assert_int_equal(super_edit(&sb, 136, W64, j0 + 1), VX_ECORRUPT);
	assert_int_equal(super_edit(&sb, 136, W64, 0), VX_ECORRUPT);
	/* journal size: below the minimum, above the maximum, past group 0 */
	assert_int_equal(super_edit(&sb, 144, W64, VX_MIN_JOURNAL_BLOCKS - 1),
			 VX_ECORRUPT);
	assert_int_equal(super_edit(&sb, 144, W64, VX_MAX_JOURNAL_BLOCKS + 1ull),
			 VX_ECORRUPT);
	assert_int_equal(super_edit(&sb, 144, W64, sb.group_blocks - j0),
			 VX_ECORRUPT);
	assert_int_equal(super_edit(&sb, 144, W64, sb.group_blocks - j0 - 1),
			 0);	/* control: exactly the rest of group 0 */
}

/* ---- group header ---- */

static void layout_group(const struct vx_super *sb, uint32_t g,
			 struct vx_group *grp)
{
	struct vx_glayout gl;

	vx_group_layout(sb, g, &gl);
	memset(grp, 0, sizeof(*grp));
	grp->hdr.type = VX_BT_GROUP;
	grp->hdr.blkno = gl.header;
	grp->hdr.seq = 5;
	memcpy(grp->hdr.uuid, sb->hdr.uuid, 16);
	grp->group_no = g;
	grp->flags = VX_GF_INODE_UNINIT;
	grp->start = gl.start;
	grp->nblocks = gl.nblocks;
	grp->meta_blocks = gl.meta_blocks;
	grp->free_blocks = gl.nblocks - gl.meta_blocks - 3;
	grp->free_inodes = sb->inodes_per_group - 2;
	grp->used_dirs = 1;
	grp->itable_init = (uint32_t)(4096 / VX_INODE_SIZE);
	grp->bbitmap = gl.bbitmap;
	grp->ibitmap = gl.ibitmap;
	grp->itable = gl.itable;
}

static void assert_group_equal(const struct vx_group *a,
			       const struct vx_group *b)
{
	assert_int_equal(a->hdr.blkno, b->hdr.blkno);
	assert_int_equal(a->hdr.seq, b->hdr.seq);
	assert_memory_equal(a->hdr.uuid, b->hdr.uuid, 16);
	assert_int_equal(a->group_no, b->group_no);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->start, b->start);
	assert_int_equal(a->nblocks, b->nblocks);
	assert_int_equal(a->meta_blocks, b->meta_blocks);
	assert_int_equal(a->free_blocks, b->free_blocks);
	assert_int_equal(a->free_inodes, b->free_inodes);
	assert_int_equal(a->used_dirs, b->used_dirs);
	assert_int_equal(a->itable_init, b->itable_init);
	assert_int_equal(a->bbitmap, b->bbitmap);
	assert_int_equal(a->ibitmap, b->ibitmap);
	assert_int_equal(a->itable, b->itable);
}

static void test_group_roundtrip(void **state)
{
	static const uint32_t logs[] = { 10, 12, 16 };

	for (size_t k = 0; k < 3; k++) {
		size_t bs = (size_t)1 << logs[k];
		uint8_t *blk = malloc(bs);
		struct vx_super sb;

		assert_non_null(blk);
		plan_sb(logs[k], &sb);
		for (uint32_t g = 0; g < sb.group_count; g++) {
			struct vx_group grp, out;

			layout_group(&sb, g, &grp);
			vx_group_encode(blk, bs, &grp);
			assert_int_equal(vx_get32(blk + 48), g);
			assert_int_equal(vx_get64(blk + 104), grp.itable);
			assert_int_equal(vx_group_decode(blk, bs, grp.hdr.blkno,
							 &sb, g, &out), 0);
			assert_group_equal(&grp, &out);
			/* another group's slot or number */
			assert_int_equal(vx_group_decode(blk, bs,
				grp.hdr.blkno + 1, &sb, g, &out),
				VX_EMISDIRECTED);
			assert_int_equal(vx_group_decode(blk, bs, grp.hdr.blkno,
				&sb, (g + 1) % sb.group_count, &out),
				VX_ECORRUPT);
		}
		free(blk);
	}
}

static void test_group_rejects(void **state)
{
	uint8_t blk[1024];
	struct vx_super sb, other;
	struct vx_group grp, out;
	vx_blk_t at;

	plan_sb(10, &sb);
	layout_group(&sb, 2, &grp);
	at = grp.hdr.blkno;
	vx_group_encode(blk, sizeof(blk), &grp);
	other = sb;
	other.hdr.uuid[3] ^= 0x40;
	assert_int_equal(vx_group_decode(blk, sizeof(blk), at, &other, 2, &out),
			 VX_EWRONGFS);
	for (size_t i = 0; i < sizeof(blk); i++) {
		for (size_t m = 0; m < sizeof(MASKS); m++) {
			int err;

			blk[i] ^= MASKS[m];
			err = vx_group_decode(blk, sizeof(blk), at, &sb, 2, &out);
			blk[i] ^= MASKS[m];
			assert_int_equal(err, i < 4 ? VX_EBADMAGIC : VX_EBADCRC);
		}
	}
	/* a superblock's type where a group header belongs */
	vx_put16(blk + 4, VX_BT_SUPER);
	vx_mhdr_seal(blk, sizeof(blk));
	assert_int_equal(vx_group_decode(blk, sizeof(blk), at, &sb, 2, &out),
			 VX_ECORRUPT);
}

static int group_edit(const struct vx_super *sb, uint32_t g, size_t off,
		      int w, uint64_t val)
{
	uint8_t blk[1024];
	struct vx_group grp, out;

	layout_group(sb, g, &grp);
	vx_group_encode(blk, sizeof(blk), &grp);
	if (w == W32)
		vx_put32(blk + off, (uint32_t)val);
	else
		vx_put64(blk + off, val);
	vx_mhdr_seal(blk, sizeof(blk));
	return vx_group_decode(blk, sizeof(blk), grp.hdr.blkno, sb, g, &out);
}

static void test_group_insane(void **state)
{
	struct vx_super sb;
	uint32_t last;

	plan_sb(10, &sb);
	last = sb.group_count - 1;
	for (uint32_t g = 0; g <= last; g += last) {
		struct vx_group grp;

		layout_group(&sb, g, &grp);
		/* controls: the limits themselves */
		assert_int_equal(group_edit(&sb, g, 72, W32,
				 grp.nblocks - grp.meta_blocks), 0);
		assert_int_equal(group_edit(&sb, g, 76, W32,
				 sb.inodes_per_group), 0);
		assert_int_equal(group_edit(&sb, g, 84, W32,
				 sb.inodes_per_group), 0);
		assert_int_equal(group_edit(&sb, g, 52, W32,
				 VX_GF_BLOCK_UNINIT | VX_GF_INODE_UNINIT), 0);
		/* group_no, start, nblocks */
		assert_int_equal(group_edit(&sb, g, 48, W32, g + 1), VX_ECORRUPT);
		assert_int_equal(group_edit(&sb, g, 56, W64, grp.start + 1),
				 VX_ECORRUPT);
		assert_int_equal(group_edit(&sb, g, 64, W32, grp.nblocks + 1),
				 VX_ECORRUPT);
		assert_int_equal(group_edit(&sb, g, 64, W32, grp.nblocks - 1),
				 VX_ECORRUPT);
		/* meta_blocks filling the group */
		assert_int_equal(group_edit(&sb, g, 68, W32, grp.nblocks),
				 VX_ECORRUPT);
		/* free counts beyond capacity */
		assert_int_equal(group_edit(&sb, g, 72, W32,
				 grp.nblocks - grp.meta_blocks + 1), VX_ECORRUPT);
		assert_int_equal(group_edit(&sb, g, 72, W32, UINT32_MAX),
				 VX_ECORRUPT);
		assert_int_equal(group_edit(&sb, g, 76, W32,
				 sb.inodes_per_group + 1), VX_ECORRUPT);
		assert_int_equal(group_edit(&sb, g, 80, W32,
				 sb.inodes_per_group + 1), VX_ECORRUPT);
		assert_int_equal(group_edit(&sb, g, 84, W32,
				 sb.inodes_per_group + 1), VX_ECORRUPT);
		/* unknown flags */
		assert_int_equal(group_edit(&sb, g, 52, W32, 0x4), VX_ECORRUPT);
		assert_int_equal(group_edit(&sb, g, 52, W32, 0x80000000u),
				 VX_ECORRUPT);
	}
}

/* ---- inode ---- */

static void fill_inode(struct vx_inode *in, vx_ino_t ino)
{
	memset(in, 0, sizeof(*in));
	in->ino = ino;
	in->seq = 0x0102030405060708ull;
	in->mode = S_IFREG | 04755;
	in->uid = 1000001;
	in->gid = 2000002;
	in->size = 0x123456789abull;
	in->blocks = 0xabcdef;
	in->nlink = 65000;
	in->atime_sec = -1234567890123ll;
	in->mtime_sec = 1700000001;
	in->ctime_sec = 1700000002;
	in->crtime_sec = INT64_MIN;
	in->atime_nsec = 999999999;
	in->mtime_nsec = 1;
	in->ctime_nsec = 500000000;
	in->crtime_nsec = 0;
	in->rdev = 0x0000000100000002ull;
	in->generation = 0xdeadbeef;
	in->depth = 1;
	in->nentries = VX_INLINE_INDEX;
	in->parent = 77;
	for (size_t i = 0; i < VX_INLINE_AREA; i++)
		in->area[i] = (uint8_t)(255 - i);
}

static void assert_inode_equal(const struct vx_inode *a,
			       const struct vx_inode *b)
{
	assert_int_equal(a->ino, b->ino);
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->uid, b->uid);
	assert_int_equal(a->gid, b->gid);
	assert_int_equal(a->size, b->size);
	assert_int_equal(a->blocks, b->blocks);
	assert_int_equal(a->nlink, b->nlink);
	assert_int_equal(a->flags, b->flags);
	assert_true(a->atime_sec == b->atime_sec);
	assert_true(a->mtime_sec == b->mtime_sec);
	assert_true(a->ctime_sec == b->ctime_sec);
	assert_true(a->crtime_sec == b->crtime_sec);
	assert_int_equal(a->atime_nsec, b->atime_nsec);
	assert_int_equal(a->mtime_nsec, b->mtime_nsec);
	assert_int_equal(a->ctime_nsec, b->ctime_nsec);
	assert_int_equal(a->crtime_nsec, b->crtime_nsec);
	assert_int_equal(a->rdev, b->rdev);
	assert_int_equal(a->generation, b->generation);
	assert_int_equal(a->depth, b->depth);
	assert_int_equal(a->nentries, b->nentries);
	assert_int_equal(a->parent, b->parent);
	assert_memory_equal(a->area, b->area, VX_INLINE_AREA);
}

static void test_inode_roundtrip(void **state)
{
	uint8_t slot[VX_INODE_SIZE];
	struct vx_inode in, out;

	fill_inode(&in, 0x1122334455ull);
	vx_inode_encode(slot, &in, UUID);
	assert_int_equal(vx_get16(slot), VX_INODE_MAGIC);
	assert_int_equal(vx_get64(slot + 8), in.ino);
	assert_int_equal(vx_get16(slot + 116), 1);
	assert_int_equal(vx_inode_decode(slot, in.ino, UUID, &out), 0);
	assert_inode_equal(&in, &out);
	/* an inline symlink at the size limit */
	memset(&in, 0, sizeof(in));
	in.ino = 9;
	in.mode = S_IFLNK | 0777;
	in.nlink = 1;
	in.flags = VX_IF_INLINE_DATA;
	in.size = VX_INLINE_SYMLINK_MAX;
	memset(in.area, 'x', VX_INLINE_SYMLINK_MAX);
	vx_inode_encode(slot, &in, UUID);
	assert_int_equal(vx_inode_decode(slot, 9, UUID, &out), 0);
	assert_inode_equal(&in, &out);
	/* every file type decodes */
	{
		static const uint32_t types[] = { S_IFREG, S_IFDIR, S_IFCHR,
			S_IFBLK, S_IFIFO, S_IFSOCK, S_IFLNK };
		for (size_t i = 0; i < 7; i++) {
			fill_inode(&in, 3);
			in.mode = (uint16_t)(types[i] | 0640);
			in.depth = 0;
			in.nentries = VX_INLINE_EXTENTS;
			vx_inode_encode(slot, &in, UUID);
			assert_int_equal(vx_inode_decode(slot, 3, UUID, &out), 0);
			assert_int_equal(out.mode, in.mode);
		}
	}
}

static void test_inode_free_slot(void **state)
{
	uint8_t slot[VX_INODE_SIZE] = { 0 };
	struct vx_inode out;

	assert_int_equal(vx_inode_decode(slot, 1, UUID, &out), 1);
	assert_int_equal(vx_inode_decode(slot, 12345, UUID, &out), 1);
	/* one stray byte makes it neither free nor valid */
	slot[200] = 1;
	assert_true(vx_inode_decode(slot, 1, UUID, &out) < 0);
	slot[200] = 0;
	slot[0] = 0x56;
	assert_int_equal(vx_inode_decode(slot, 1, UUID, &out), VX_EBADMAGIC);
}

static void test_inode_rejects(void **state)
{
	uint8_t slot[VX_INODE_SIZE];
	uint8_t other[16];
	struct vx_inode in, out;

	fill_inode(&in, 4242);
	vx_inode_encode(slot, &in, UUID);
	assert_int_equal(vx_inode_decode(slot, 4243, UUID, &out),
			 VX_EMISDIRECTED);
	assert_int_equal(vx_inode_decode(slot, 4241, UUID, &out),
			 VX_EMISDIRECTED);
	/* the uuid seeds the crc: an inode of another filesystem */
	memcpy(other, UUID, 16);
	other[0] ^= 0x80;
	assert_int_equal(vx_inode_decode(slot, 4242, other, &out), VX_EBADCRC);
	for (size_t i = 0; i < VX_INODE_SIZE; i++) {
		for (size_t m = 0; m < sizeof(MASKS); m++) {
			int err;

			slot[i] ^= MASKS[m];
			err = vx_inode_decode(slot, 4242, UUID, &out);
			slot[i] ^= MASKS[m];
			assert_int_equal(err, i < 2 ? VX_EBADMAGIC : VX_EBADCRC);
		}
	}
	assert_int_equal(vx_inode_decode(slot, 4242, UUID, &out), 0);
}

/* encode @in (which computes a correct crc) and decode */
static int inode_try(const struct vx_inode *in)
{
	uint8_t slot[VX_INODE_SIZE];
	struct vx_inode out;

	vx_inode_encode(slot, in, UUID);
	return vx_inode_decode(slot, in->ino, UUID, &out);
}

static void test_inode_insane(void **state)
{
	struct vx_inode in, base;

	fill_inode(&base, 10);
	assert_int_equal(inode_try(&base), 0);
	/* nanoseconds: 999999999 is the largest */
	for (int f = 0; f < 4; f++) {
		uint32_t *ns[] = { &in.atime_nsec, &in.mtime_nsec,
				   &in.ctime_nsec, &in.crtime_nsec };
		in = base;
		*ns[f] = 999999999;
		assert_int_equal(inode_try(&in), 0);
		*ns[f] = 1000000000;
		assert_int_equal(inode_try(&in), VX_ECORRUPT);
		*ns[f] = UINT32_MAX;
		assert_int_equal(inode_try(&in), VX_ECORRUPT);
	}
	/* unknown flags */
	in = base;
	in.flags = 0x2;
	assert_int_equal(inode_try(&in), VX_ECORRUPT);
	in.flags = 0x80000000u;
	assert_int_equal(inode_try(&in), VX_ECORRUPT);
	/* no file type */
	in = base;
	in.mode = 0755;
	assert_int_equal(inode_try(&in), VX_ECORRUPT);
	in.mode = 0xf000 | 0755;	/* not an S_IF* type */
	assert_int_equal(inode_try(&in), VX_ECORRUPT);
	/* depth */
	in = base;
	in.depth = VX_MAX_EXT_DEPTH;
	assert_int_equal(inode_try(&in), 0);
	in.depth = VX_MAX_EXT_DEPTH + 1;
	assert_int_equal(inode_try(&in), VX_ECORRUPT);
	in.depth = UINT16_MAX;
	assert_int_equal(inode_try(&in), VX_ECORRUPT);
	/* too many inline entries: 5 extents, 8 index entries */
	in = base;
	in.depth = 0;
	in.nentries = VX_INLINE_EXTENTS;
	assert_int_equal(inode_try(&in), 0);
	in.nentries = VX_INLINE_EXTENTS + 1;
	assert_int_equal(inode_try(&in), VX_ECORRUPT);
	in.depth = 2;
	in.nentries = VX_INLINE_INDEX + 1;
	assert_int_equal(inode_try(&in), VX_ECORRUPT);
	/* inline data: symlinks only, no tree, 1..127 bytes */
	memset(&in, 0, sizeof(in));
	in.ino = 10;
	in.mode = S_IFLNK | 0777;
	in.flags = VX_IF_INLINE_DATA;
	in.size = 5;
	assert_int_equal(inode_try(&in), 0);
	in.size = 0;
	assert_int_equal(inode_try(&in), VX_ECORRUPT);
	in.size = VX_INLINE_SYMLINK_MAX + 1;
	assert_int_equal(inode_try(&in), VX_ECORRUPT);
	in.size = 5;
	in.depth = 1;
	assert_int_equal(inode_try(&in), VX_ECORRUPT);
	in.depth = 0;
	in.mode = S_IFREG | 0644;
	assert_int_equal(inode_try(&in), VX_ECORRUPT);
}

/* ---- journal superblock ---- */

static void mk_jsuper(struct vx_jsuper *j, vx_blk_t at)
{
	memset(j, 0, sizeof(*j));
	j->hdr.type = VX_BT_JSUPER;
	j->hdr.blkno = at;
	j->hdr.seq = 31;
	memcpy(j->hdr.uuid, UUID, 16);
	j->version = 1;
	j->flags = 0;
	j->blocks = 1024;
	j->first_seq = 0x0123456789ull;
	j->tail = 200;
}

static void test_jsuper(void **state)
{
	static const uint32_t logs[] = { 10, 12, 16 };
	struct vx_jsuper j, out;
	uint8_t other[16];

	for (size_t k = 0; k < 3; k++) {
		size_t bs = (size_t)1 << logs[k];
		uint8_t *blk = malloc(bs);

		assert_non_null(blk);
		mk_jsuper(&j, 19);
		vx_jsuper_encode(blk, bs, &j);
		assert_int_equal(vx_jsuper_decode(blk, bs, 19, UUID, &out), 0);
		assert_int_equal(out.version, 1);
		assert_int_equal(out.flags, 0);
		assert_int_equal(out.blocks, 1024);
		assert_int_equal(out.first_seq, j.first_seq);
		assert_int_equal(out.tail, 200);
		assert_int_equal(out.hdr.seq, 31);
		assert_int_equal(vx_jsuper_decode(blk, bs, 20, UUID, &out),
				 VX_EMISDIRECTED);
		memcpy(other, UUID, 16);
		other[8] ^= 2;
		assert_int_equal(vx_jsuper_decode(blk, bs, 19, other, &out),
				 VX_EWRONGFS);
		if (logs[k] == 10) {
			for (size_t i = 0; i < bs; i++) {
				for (size_t m = 0; m < sizeof(MASKS); m++) {
					int err;

					blk[i] ^= MASKS[m];
					err = vx_jsuper_decode(blk, bs, 19, UUID,
							       &out);
					blk[i] ^= MASKS[m];
					assert_int_equal(err, i < 4 ?
						VX_EBADMAGIC : VX_EBADCRC);
				}
			}
		}
		free(blk);
	}
}

static int jsuper_edit(size_t off, int w, uint64_t val)
{
	uint8_t blk[1024];
	struct vx_jsuper j, out;

	mk_jsuper(&j, 19);
	vx_jsuper_encode(blk, sizeof(blk), &j);
	if (w == W32)
		vx_put32(blk + off, (uint32_t)val);
	else
		vx_put64(blk + off, val);
	vx_mhdr_seal(blk, sizeof(blk));
	return vx_jsuper_decode(blk, sizeof(blk), 19, UUID, &out);
}

static void test_jsuper_insane(void **state)
{
	assert_int_equal(jsuper_edit(48, W32, 1), 0);
	assert_int_equal(jsuper_edit(48, W32, 2), VX_ECORRUPT);
	assert_int_equal(jsuper_edit(48, W32, 0), VX_ECORRUPT);
	assert_int_equal(jsuper_edit(56, W64, VX_MIN_JOURNAL_BLOCKS), 0);
	assert_int_equal(jsuper_edit(56, W64, VX_MIN_JOURNAL_BLOCKS - 1),
			 VX_ECORRUPT);
	assert_int_equal(jsuper_edit(56, W64, 0), VX_ECORRUPT);
	/* the tail inside the region; 0 is an empty journal */
	assert_int_equal(jsuper_edit(72, W64, 0), 0);
	assert_int_equal(jsuper_edit(72, W64, 1024), VX_ECORRUPT);
	assert_int_equal(jsuper_edit(72, W64, UINT64_MAX), VX_ECORRUPT);
	/* a group header's type where the journal superblock belongs */
	{
		uint8_t blk[1024];
		struct vx_jsuper j, out;

		mk_jsuper(&j, 19);
		vx_jsuper_encode(blk, sizeof(blk), &j);
		vx_put16(blk + 4, VX_BT_GROUP);
		vx_mhdr_seal(blk, sizeof(blk));
		assert_int_equal(vx_jsuper_decode(blk, sizeof(blk), 19, UUID,
						  &out), VX_ECORRUPT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mhdr_roundtrip),
		cmocka_unit_test(test_mhdr_rejects),
		cmocka_unit_test(test_super_roundtrip),
		cmocka_unit_test(test_super_needs_more),
		cmocka_unit_test(test_super_flips),
		cmocka_unit_test(test_super_insane),
		cmocka_unit_test(test_group_roundtrip),
		cmocka_unit_test(test_group_rejects),
		cmocka_unit_test(test_group_insane),
		cmocka_unit_test(test_inode_roundtrip),
		cmocka_unit_test(test_inode_free_slot),
		cmocka_unit_test(test_inode_rejects),
		cmocka_unit_test(test_inode_insane),
		cmocka_unit_test(test_jsuper),
		cmocka_unit_test(test_jsuper_insane),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
