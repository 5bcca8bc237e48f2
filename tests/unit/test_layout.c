/*
 * test_layout.c: unit tests for lib/layout.c: where every group's
 * metadata goes (vx_group_layout, vx_group_has_backup,
 * vx_fs_backup_blocks) and how vx_fs_plan sizes a new filesystem.
 *
 * The expected positions are recomputed here from the description in
 * format.h (superblock copy in groups 0, 1 and the last; then header,
 * block bitmap, inode bitmap, inode table; the journal after group 0's
 * inode table).  The plan tests pin the documented defaults: group size
 * 64 * block size blocks, doubled until there are at most 64 groups,
 * the journal-size table (capped at half the room
 * in group 0), the dropping of a last group too small for its metadata
 * plus 16 data blocks, and every error class: -EINVAL for a bad
 * parameter, VX_ETOOBIG beyond a format limit, VX_ENOSPC for a device
 * too small.  Plans are pure computations, so a 16 TiB and a maximal
 * (2^24 groups) filesystem are planned without any device.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fs_int.h"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define TiB (1024ull * 1024 * MiB)

static void params(struct vx_mkfs_params *p, uint32_t blog)
{
	memset(p, 0, sizeof(*p));
	p->block_log = blog;
	memset(p->uuid, 0x42, 16);
	p->hash_seed = 99;
	p->now = 1700000000;
}

/* what format.h says group @g must look like */
static void expect_group(const struct vx_super *sb, uint32_t g)
{
	struct vx_glayout gl;
	uint64_t start = (uint64_t)g * sb->group_blocks;
	uint64_t nb = sb->block_count - start;
	bool backup = g == 1 || (g > 1 && g == sb->group_count - 1);
	vx_blk_t hdr = start + (g == 0 || backup ? 1 : 0);
	vx_blk_t itable_end;

	if (nb > sb->group_blocks)
		nb = sb->group_blocks;
	vx_group_layout(sb, g, &gl);
	assert_int_equal(vx_group_has_backup(sb, g), backup);
	assert_int_equal(gl.start, start);
	assert_int_equal(gl.nblocks, nb);
	assert_int_equal(gl.sb_copy, backup ? start : 0);
	assert_int_equal(gl.header, hdr);
	assert_int_equal(gl.bbitmap, hdr + 1);
	assert_int_equal(gl.ibitmap, hdr + 1 + sb->bbitmap_blocks);
	assert_int_equal(gl.itable, hdr + 1 + sb->bbitmap_blocks +
			 sb->ibitmap_blocks);
	itable_end = gl.itable + sb->itable_blocks;
	if (g == 0) {
		assert_int_equal(sb->journal_start, itable_end);
		assert_int_equal(gl.meta_blocks, itable_end +
				 sb->journal_blocks);
	} else {
		assert_int_equal(gl.meta_blocks, itable_end - start);
	}
	/* the metadata fits, with room for data */
	assert_true(gl.meta_blocks < gl.nblocks);
}

static void test_group_layout(void **state)
{
	struct vx_mkfs_params p;
	struct vx_super sb;
	uint64_t free = 0;
	vx_blk_t bk[2];

	params(&p, 10);
	p.group_blocks = 1024;
	p.block_count = 1024 * 6 + 600;		/* last group: 600 blocks */
	assert_int_equal(vx_fs_plan(&p, p.block_count * KiB, &sb), 0);
	assert_int_equal(sb.group_count, 7);
	/* group 0, group 1, a middle group, the last group */
	expect_group(&sb, 0);
	expect_group(&sb, 1);
	expect_group(&sb, 3);
	expect_group(&sb, 6);
	for (uint32_t g = 0; g < sb.group_count; g++) {
		struct vx_glayout gl;

		expect_group(&sb, g);
		vx_group_layout(&sb, g, &gl);
		free += gl.nblocks - gl.meta_blocks;
	}
	assert_int_equal(sb.free_blocks, free);
	assert_int_equal(vx_fs_backup_blocks(&sb, bk), 2);
	assert_int_equal(bk[0], 1024);
	assert_int_equal(bk[1], 6 * 1024);
	{
		struct vx_glayout gl;

		vx_group_layout(&sb, 6, &gl);
		assert_int_equal(gl.nblocks, 600);
		assert_int_equal(gl.sb_copy, bk[1]);
		vx_group_layout(&sb, 1, &gl);
		assert_int_equal(gl.sb_copy, bk[0]);
		vx_group_layout(&sb, 0, &gl);
		assert_int_equal(gl.sb_copy, 0);	/* block 0 itself */
	}
}

/* two groups: group 1 is both the first backup and the last group;
 * one group: no backup at all */
static void test_few_groups(void **state)
{
	struct vx_mkfs_params p;
	struct vx_super sb;
	vx_blk_t bk[2];

	params(&p, 12);
	p.group_blocks = 2048;
	p.block_count = 2048 + 1000;
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), 0);
	assert_int_equal(sb.group_count, 2);
	expect_group(&sb, 0);
	expect_group(&sb, 1);
	assert_true(vx_group_has_backup(&sb, 1));
	assert_int_equal(vx_fs_backup_blocks(&sb, bk), 1);
	assert_int_equal(bk[0], 2048);

	p.block_count = 2000;
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), 0);
	assert_int_equal(sb.group_count, 1);
	expect_group(&sb, 0);
	assert_false(vx_group_has_backup(&sb, 0));
	assert_int_equal(vx_fs_backup_blocks(&sb, bk), 0);
}

/* the default group: 64 * block size blocks, doubled (up to 2^31)
 * until there are at most 64 groups */
static uint64_t default_group(uint64_t blocks, uint32_t blog)
{
	uint64_t gb = 64ull << blog;

	while (gb < (1ull << 31) && (blocks + gb - 1) / gb > 64)
		gb <<= 1;
	return gb;
}

static void test_plan_default_group_size(void **state)
{
	static const struct { uint32_t blog; uint64_t bytes, gb; } cases[] = {
		{ 10, 4096 * MiB, 65536 },		/* 64 groups */
		{ 11, 4096 * MiB, 131072 },
		{ 12, 4096 * MiB, 262144 },		/* one group */
		{ 16, 4096 * MiB, 4194304 },
		{ 12, 64 * 1024 * MiB, 262144 },	/* 64 groups exactly */
		{ 12, 65 * 1024 * MiB, 524288 },	/* 65 groups of 2^18 */
		{ 12, 1024 * 1024 * MiB, 1 << 22 },	/* 1 TiB: 16 GiB groups */
		{ 10, 1024 * 1024 * MiB, 1u << 24 },
	};
	struct vx_mkfs_params p;
	struct vx_super sb;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		params(&p, cases[i].blog);
		assert_int_equal(vx_fs_plan(&p, cases[i].bytes, &sb), 0);
		assert_int_equal(sb.block_count, cases[i].bytes >> cases[i].blog);
		assert_int_equal(sb.group_blocks, cases[i].gb);
		assert_int_equal(sb.group_blocks,
				 default_group(sb.block_count, cases[i].blog));
		assert_true(sb.group_count <= 64);
		assert_int_equal(sb.group_count,
				 (sb.block_count + sb.group_blocks - 1) /
				 sb.group_blocks);
	}
	/* block_log 0 means 4 KiB */
	params(&p, 0);
	assert_int_equal(vx_fs_plan(&p, 4096 * MiB + 123, &sb), 0);
	assert_int_equal(sb.block_log, 12);
	assert_int_equal(sb.group_blocks, 64 * 4096);
	assert_int_equal(sb.block_count, 4096 * MiB / 4096);	/* rounded down */
	/* an explicit group size is kept, however many groups it makes */
	params(&p, 10);
	p.group_blocks = 1024;
	assert_int_equal(vx_fs_plan(&p, 1024 * MiB, &sb), 0);
	assert_int_equal(sb.group_blocks, 1024);
	assert_int_equal(sb.group_count, 1024);
}

/* the documented table, then capped at half the room left in group 0 */
static uint64_t table_journal(uint64_t blocks)
{
	if (blocks < 2048)
		return 256;
	if (blocks < 32768)
		return 1024;
	if (blocks < 256 * 1024)
		return 4096;
	if (blocks < 512 * 1024)
		return 8192;
	if (blocks < 4096 * 1024)
		return 16384;
	if (blocks < 8192 * 1024)
		return 32768;
	if (blocks < 16384 * 1024)
		return 65536;
	if (blocks < 32768 * 1024)
		return 131072;
	return 262144;
}

static void test_plan_journal_default(void **state)
{
	static const uint64_t counts[] = {
		1024, 2047, 2048, 4096, 32767, 32768, 262143, 262144,
		524287, 524288, 4194303, 4194304, 8388608, 16777215,
		16777216, 33554431, 33554432, 100000000,
	};
	struct vx_mkfs_params p;
	struct vx_super sb;
	bool capped = false, uncapped = false;

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		uint64_t g0, j0, room, want;

		params(&p, 12);
		p.block_count = counts[i];
		assert_int_equal(vx_fs_plan(&p, counts[i] * 4096, &sb), 0);
		g0 = sb.block_count < sb.group_blocks ? sb.block_count :
		     sb.group_blocks;
		j0 = 2 + sb.bbitmap_blocks + sb.ibitmap_blocks +
		     sb.itable_blocks;
		room = g0 - j0 - 16;
		want = table_journal(counts[i]);
		if (want > room / 2) {
			want = room / 2 < 256 ? 256 : room / 2;
			capped = true;
		} else {
			uncapped = true;
		}
		assert_int_equal(sb.journal_blocks, want);
		assert_int_equal(sb.journal_start, j0);
	}
	assert_true(capped && uncapped);	/* both rules were used */
	/* an explicit size is kept */
	params(&p, 12);
	p.journal_blocks = 300;
	assert_int_equal(vx_fs_plan(&p, 1024 * MiB, &sb), 0);
	assert_int_equal(sb.journal_blocks, 300);
}

static void test_plan_trim_last(void **state)
{
	struct vx_mkfs_params p;
	struct vx_super sb;
	uint64_t meta_last;

	/* fixed inodes per group, so that the metadata size does not move */
	params(&p, 10);
	p.group_blocks = 1024;
	p.inode_count = 4 * 48;
	p.block_count = 4 * 1024;
	assert_int_equal(vx_fs_plan(&p, 16 * MiB, &sb), 0);
	assert_int_equal(sb.inodes_per_group, 48);
	meta_last = 2 + sb.bbitmap_blocks + sb.ibitmap_blocks +
		    sb.itable_blocks;
	/* a last group of 10 blocks is dropped */
	p.inode_count = 4 * 48;
	p.block_count = 3 * 1024 + 10;
	assert_int_equal(vx_fs_plan(&p, 16 * MiB, &sb), 0);
	assert_int_equal(sb.group_count, 3);
	assert_int_equal(sb.block_count, 3 * 1024);
	for (uint32_t g = 0; g < 3; g++)
		expect_group(&sb, g);
	/* one block short of metadata + 16 data blocks: dropped */
	p.block_count = 3 * 1024 + meta_last + 15;
	assert_int_equal(vx_fs_plan(&p, 16 * MiB, &sb), 0);
	assert_int_equal(sb.group_count, 3);
	assert_int_equal(sb.block_count, 3 * 1024);
	/* exactly metadata + 16 data blocks: kept */
	p.block_count = 3 * 1024 + meta_last + 16;
	assert_int_equal(vx_fs_plan(&p, 16 * MiB, &sb), 0);
	assert_int_equal(sb.group_count, 4);
	assert_int_equal(sb.block_count, 3 * 1024 + meta_last + 16);
	expect_group(&sb, 3);
	{
		struct vx_glayout gl;

		vx_group_layout(&sb, 3, &gl);
		assert_int_equal(gl.nblocks - gl.meta_blocks, 16);
	}
	/* down to a single group (no backup left) */
	p.block_count = 1024 + 5;
	assert_int_equal(vx_fs_plan(&p, 16 * MiB, &sb), 0);
	assert_int_equal(sb.group_count, 1);
	assert_int_equal(sb.block_count, 1024);
	assert_int_equal(vx_super_check(&sb), 0);
}

static void test_plan_einval(void **state)
{
	struct vx_mkfs_params p;
	struct vx_super sb;

	params(&p, 9);
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), -EINVAL);
	params(&p, 17);
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), -EINVAL);
	params(&p, 12);
	p.group_blocks = 248;			/* < 256 */
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), -EINVAL);
	p.group_blocks = 1028;			/* not a multiple of 8 */
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), -EINVAL);
	p.group_blocks = (1u << 31) + 8;	/* beyond 2^31 */
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), -EINVAL);
	p.group_blocks = 256;			/* the smallest is fine */
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), VX_ENOSPC);
	params(&p, 12);
	p.bytes_per_inode = 1023;
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), -EINVAL);
	p.bytes_per_inode = (64 * MiB) + 1;
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), -EINVAL);
	p.bytes_per_inode = 64 * MiB;
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), 0);
	params(&p, 12);
	p.journal_blocks = VX_MIN_JOURNAL_BLOCKS - 1;
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), -EINVAL);
	p.journal_blocks = VX_MAX_JOURNAL_BLOCKS + 1ull;
	assert_int_equal(vx_fs_plan(&p, 64 * TiB, &sb), -EINVAL);
	/* a label without its NUL */
	params(&p, 12);
	memset(p.label, 'x', sizeof(p.label));
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), -EINVAL);
	p.label[VX_LABEL_MAX] = 0;
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), 0);
	assert_int_equal(strlen(sb.label), VX_LABEL_MAX);
}

static void test_plan_limits(void **state)
{
	struct vx_mkfs_params p;
	struct vx_super sb;

	/* more than 2^24 groups */
	params(&p, 10);
	p.group_blocks = 256;
	p.block_count = 256ull * VX_MAX_GROUPS + 8;
	assert_int_equal(vx_fs_plan(&p, UINT64_MAX, &sb), VX_ETOOBIG);
	/* a block count whose byte size overflows */
	params(&p, 16);
	p.group_blocks = 1u << 31;
	p.block_count = (UINT64_MAX >> 16) / 2 + 1;
	assert_int_equal(vx_fs_plan(&p, UINT64_MAX, &sb), VX_ETOOBIG);
	/* 2^24 groups of 2^18 blocks is the most */
	params(&p, 12);
	p.group_blocks = 1u << 18;
	p.block_count = (1ull << 18) * VX_MAX_GROUPS + 1;
	assert_int_equal(vx_fs_plan(&p, UINT64_MAX, &sb), VX_ETOOBIG);
	/* default groups grow, but the byte size must still fit */
	params(&p, 12);
	p.block_count = (UINT64_MAX >> 12) / 2 + 1;
	assert_int_equal(vx_fs_plan(&p, UINT64_MAX, &sb), VX_ETOOBIG);
	/* inodes that cannot fit in half a group */
	params(&p, 10);
	p.group_blocks = 1024;
	p.inode_count = 8 * 2100;	/* 526 table blocks per group */
	assert_int_equal(vx_fs_plan(&p, 8 * MiB, &sb), VX_ETOOBIG);
	p.inode_count = 8 * 2048;	/* 512: exactly half a group */
	assert_int_equal(vx_fs_plan(&p, 8 * MiB, &sb), 0);
	assert_int_equal(sb.itable_blocks, 512);
	/* an explicit journal larger than group 0 can hold */
	params(&p, 10);
	p.group_blocks = 1024;
	p.journal_blocks = 1000;
	assert_int_equal(vx_fs_plan(&p, 8 * MiB, &sb), VX_ETOOBIG);
	p.journal_blocks = 900;
	assert_int_equal(vx_fs_plan(&p, 8 * MiB, &sb), 0);
	assert_int_equal(sb.journal_blocks, 900);
}

static void test_plan_enospc(void **state)
{
	struct vx_mkfs_params p;
	struct vx_super sb;

	params(&p, 10);
	assert_int_equal(vx_fs_plan(&p, 63 * KiB, &sb), VX_ENOSPC);
	assert_int_equal(vx_fs_plan(&p, 0, &sb), VX_ENOSPC);
	/* more blocks than the device */
	p.block_count = 4097;
	assert_int_equal(vx_fs_plan(&p, 4 * MiB, &sb), VX_ENOSPC);
	p.block_count = 4096;
	assert_int_equal(vx_fs_plan(&p, 4 * MiB, &sb), 0);
	/* group 0 too small for the minimum journal: with or without an
	 * explicit size */
	params(&p, 10);
	p.block_count = 260;
	assert_int_equal(vx_fs_plan(&p, 1 * MiB, &sb), VX_ENOSPC);
	p.journal_blocks = 256;
	assert_int_equal(vx_fs_plan(&p, 1 * MiB, &sb), VX_ENOSPC);
	/* the smallest 1 KiB filesystem there is: 256 journal blocks,
	 * 16 data blocks, the metadata */
	params(&p, 10);
	p.inode_count = 16;
	for (uint64_t n = 260; n < 400; n++) {
		p.block_count = n;
		if (vx_fs_plan(&p, 1 * MiB, &sb) == 0) {
			struct vx_glayout gl;

			vx_group_layout(&sb, 0, &gl);
			assert_int_equal(gl.nblocks - gl.meta_blocks, 16);
			break;
		}
		assert_true(n < 399);
	}
}

/* 16 TiB of 4 KiB blocks: 2^32 blocks in 64 groups of 256 GiB */
static void test_plan_16tib(void **state)
{
	struct vx_mkfs_params p;
	struct vx_super sb;
	uint64_t free = 0;

	params(&p, 12);
	assert_int_equal(vx_fs_plan(&p, 16 * TiB, &sb), 0);
	assert_int_equal(sb.block_count, 1ull << 32);
	assert_int_equal(sb.group_blocks, 1u << 26);
	assert_int_equal(sb.group_count, 64);
	assert_int_equal(sb.inodes_per_group, (1u << 30) / 64);
	assert_int_equal(sb.journal_blocks, 262144);
	assert_int_equal(vx_super_check(&sb), 0);
	for (uint32_t g = 0; g < sb.group_count; g++) {
		struct vx_glayout gl;

		expect_group(&sb, g);
		vx_group_layout(&sb, g, &gl);
		free += gl.nblocks - gl.meta_blocks;
	}
	assert_int_equal(sb.free_blocks, free);
	/* with 2^18-block groups: 16384 of them */
	params(&p, 12);
	p.group_blocks = 1u << 18;
	assert_int_equal(vx_fs_plan(&p, 16 * TiB, &sb), 0);
	assert_int_equal(sb.group_count, 16384);
	assert_int_equal(vx_super_check(&sb), 0);
	expect_group(&sb, 0);
	expect_group(&sb, 1);
	expect_group(&sb, 8000);
	expect_group(&sb, 16383);
	/* the most groups: 2^24 of 2^18 blocks */
	params(&p, 12);
	p.group_blocks = 1u << 18;
	p.block_count = (1ull << 18) * VX_MAX_GROUPS;
	assert_int_equal(vx_fs_plan(&p, UINT64_MAX, &sb), 0);
	assert_int_equal(sb.group_count, VX_MAX_GROUPS);
	expect_group(&sb, VX_MAX_GROUPS - 1);
	assert_int_equal(vx_super_check(&sb), 0);
	/* the most blocks at 4 KiB: default groups of 2^31 blocks */
	params(&p, 12);
	p.block_count = (UINT64_MAX >> 12) / 2;
	assert_int_equal(vx_fs_plan(&p, UINT64_MAX, &sb), 0);
	assert_int_equal(sb.group_blocks, 1u << 31);
	expect_group(&sb, sb.group_count - 1);
	assert_int_equal(vx_super_check(&sb), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_layout),
		cmocka_unit_test(test_few_groups),
		cmocka_unit_test(test_plan_default_group_size),
		cmocka_unit_test(test_plan_journal_default),
		cmocka_unit_test(test_plan_trim_last),
		cmocka_unit_test(test_plan_einval),
		cmocka_unit_test(test_plan_limits),
		cmocka_unit_test(test_plan_enospc),
		cmocka_unit_test(test_plan_16tib),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
