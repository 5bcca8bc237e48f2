/*
 * fuzz_group.c: libFuzzer target for the group-header decoder
 * (vx_group_decode) and the jsuper decoder (vx_jsuper_decode).
 *
 * Input layout:
 *   0  u8    geometry: which of the fixed superblocks below (mod count)
 *   1  le32  group number (mod group_count)
 *   5  ..    the block (cut or zero-padded to the block size)
 * The block is decoded as a group header at the group's header block
 * and at the block number its header claims, as it is and re-sealed
 * with a correct crc (so the range checks behind the crc are reached),
 * and also as a journal superblock.  Whatever decodes must be sane: the
 * group's number, start and size match the geometry, its metadata fits,
 * its counts are within capacity, and encoding it and decoding it again
 * gives the same header.  Violations abort.
 *
 * With VX_FUZZ_SEEDS=DIR the binary writes its seeds (the headers mkfs
 * writes for groups 0, 1, a middle and the last group of each geometry,
 * and a group header after allocations) to DIR and exits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fs_int.h"
#include "fuzz_common.h"

#define NGEOM 4
static const struct { uint32_t blog; uint64_t blocks, gb; } geom[NGEOM] = {
	{ 10, 7892, 1024 }, { 10, 960, 320 }, { 12, 20000, 8192 },
	{ 16, 70000, 32768 },
};
static struct vx_super sbs[NGEOM];

static void plan_all(void)
{
	static int done;

	if (done)
		return;
	for (int i = 0; i < NGEOM; i++) {
		struct vx_mkfs_params p = { .block_log = geom[i].blog,
			.block_count = geom[i].blocks,
			.group_blocks = (uint32_t)geom[i].gb,
			.hash_seed = 77, .now = 1700000000 };

		memset(p.uuid, 0x3c + i, 16);
		CHECK(vx_fs_plan(&p, geom[i].blocks << geom[i].blog,
				 &sbs[i]) == 0);
	}
	done = 1;
}

static void same_group(const struct vx_group *a, const struct vx_group *b)
{
	CHECK(a->hdr.blkno == b->hdr.blkno && a->hdr.seq == b->hdr.seq &&
	      a->hdr.flags == b->hdr.flags);
	CHECK(!memcmp(a->hdr.uuid, b->hdr.uuid, 16));
	CHECK(a->group_no == b->group_no && a->flags == b->flags);
	CHECK(a->start == b->start && a->nblocks == b->nblocks);
	CHECK(a->meta_blocks == b->meta_blocks);
	CHECK(a->free_blocks == b->free_blocks &&
	      a->free_inodes == b->free_inodes && a->used_dirs == b->used_dirs);
	CHECK(a->itable_init == b->itable_init);
	CHECK(a->bbitmap == b->bbitmap && a->ibitmap == b->ibitmap &&
	      a->itable == b->itable);
}

static void check_group(const struct vx_super *sb, uint32_t g, vx_blk_t at,
			const struct vx_group *grp, size_t bs)
{
	struct vx_glayout gl;
	struct vx_group again;
	uint8_t *buf = malloc(bs);

	CHECK(buf);
	CHECK(g < sb->group_count);
	vx_group_layout(sb, g, &gl);
	CHECK(grp->group_no == g && grp->start == gl.start &&
	      grp->nblocks == gl.nblocks);
	CHECK(grp->meta_blocks < grp->nblocks);
	CHECK(grp->free_blocks <= grp->nblocks - grp->meta_blocks);
	CHECK(grp->free_inodes <= sb->inodes_per_group);
	CHECK(grp->used_dirs <= sb->inodes_per_group);
	CHECK(grp->itable_init <= sb->inodes_per_group);
	CHECK(!(grp->flags & ~(uint32_t)(VX_GF_BLOCK_UNINIT |
					 VX_GF_INODE_UNINIT)));
	vx_group_encode(buf, bs, grp);
	CHECK(vx_group_decode(buf, bs, at, sb, g, &again) == 0);
	same_group(grp, &again);
	free(buf);
}

static void try_decode(const struct vx_super *sb, uint32_t g,
		       const uint8_t *blk, size_t bs)
{
	struct vx_glayout gl;
	vx_blk_t at[2];
	struct vx_jsuper j;

	vx_group_layout(sb, g, &gl);
	at[0] = gl.header;
	at[1] = vx_get64(blk + 16);
	for (int i = 0; i < 2; i++) {
		struct vx_group grp;
		int err = vx_group_decode(blk, bs, at[i], sb, g, &grp);

		CHECK(err <= 0);
		if (!err)
			check_group(sb, g, at[i], &grp, bs);
	}
	if (vx_jsuper_decode(blk, bs, at[1], sb->hdr.uuid, &j) == 0)
		CHECK(j.version == 1 && j.blocks >= VX_MIN_JOURNAL_BLOCKS &&
		      (j.tail == 0 || j.tail < j.blocks));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct vx_super *sb;
	uint32_t g;
	size_t bs;
	uint8_t *blk;

	plan_all();
	if (size < 5)
		return 0;
	sb = &sbs[data[0] % NGEOM];
	g = vx_get32(data + 1) % sb->group_count;
	bs = (size_t)1 << sb->block_log;
	blk = calloc(1, bs);
	CHECK(blk);
	memcpy(blk, data + 5, size - 5 < bs ? size - 5 : bs);
	try_decode(sb, g, blk, bs);
	vx_mhdr_seal(blk, bs);
	try_decode(sb, g, blk, bs);
	free(blk);
	return 0;
}

/* ---- seed corpus ---- */

static void write_seed(const char *dir, const char *name, uint8_t geo,
		       uint32_t g, const void *blk, size_t bs)
{
	char path[4096];
	uint8_t head[5];
	FILE *f;

	head[0] = geo;
	vx_put32(head + 1, g);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(head, 1, 5, f) != 5 || fwrite(blk, 1, bs, f) != bs ||
	    fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void seeds(const char *dir)
{
	plan_all();
	for (uint8_t i = 0; i < NGEOM; i++) {
		const struct vx_super *sb = &sbs[i];
		size_t bs = (size_t)1 << sb->block_log;
		uint32_t gs[4] = { 0, 1, sb->group_count / 2,
				   sb->group_count - 1 };
		uint8_t *blk = calloc(1, bs);
		char name[64];

		CHECK(blk);
		for (int k = 0; k < 4; k++) {
			struct vx_group grp;

			if (gs[k] >= sb->group_count)
				continue;
			vx_group_fresh(sb, gs[k], &grp);
			if (k == 2) {	/* in use: real bitmaps, counts down */
				grp.flags = 0;
				grp.free_blocks -= 5;
				grp.free_inodes -= 3;
				grp.used_dirs = 1;
				grp.itable_init = (uint32_t)(bs / VX_INODE_SIZE);
			}
			vx_group_encode(blk, bs, &grp);
			snprintf(name, sizeof(name), "geo%u-group%u", i, gs[k]);
			write_seed(dir, name, i, gs[k], blk, bs);
		}
		{
			struct vx_jsuper j = { .version = 1 };

			j.hdr.type = VX_BT_JSUPER;
			j.hdr.blkno = sb->journal_start;
			memcpy(j.hdr.uuid, sb->hdr.uuid, 16);
			j.blocks = sb->journal_blocks;
			vx_jsuper_encode(blk, bs, &j);
			snprintf(name, sizeof(name), "geo%u-jsuper", i);
			write_seed(dir, name, i, 0, blk, bs);
		}
		free(blk);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("VX_FUZZ_SEEDS");

	if (dir) {
		seeds(dir);
		exit(0);
	}
	return 0;
}
