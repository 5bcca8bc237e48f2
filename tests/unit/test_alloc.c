/*
 * test_alloc.c: unit tests for block and inode allocation (lib/alloc.c)
 * and the inode table (lib/inode.c).
 *
 * Each test formats an 8-group filesystem of 1 KiB blocks on the
 * in-memory io (the last group shorter) and opens it with
 * VX_OPEN_BORROW_IO, so that it can be closed and reopened on the same
 * device and the raw bitmaps inspected through vx_io_mem_data.
 *
 * What is checked: contiguous runs and next-fit from a goal; a group
 * never touched since mkfs (VX_GF_BLOCK_UNINIT) gets a real bitmap on its
 * first allocation, with its metadata and the bits past its end set;
 * freeing restores the group and superblock counts exactly; metadata is
 * never freed; exhaustion gives VX_ENOSPC / VX_ENOINODES and frees are
 * reused; the inode table's itable_init watermark moves block by block
 * and slots past it read as free even over stale bytes; and after a
 * close and reopen the counts, the group headers and every bit of the
 * bitmaps agree (the used bits of a group equal nblocks - free_blocks).
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

#define BS		1024u
#define GB		1024u		/* blocks per group */
#define NGROUPS		8
#define NBLOCKS		(GB * NGROUPS - 300)	/* last group: 724 blocks */
#define IPG		64

struct fix {
	struct vx_io *io;
	struct vx_fs *fs;
	struct vx_open_opts o;
};

static int fs_open(struct fix *f)
{
	return vx_fs_open(f->io, &f->o, &f->fs);
}

static void fs_reopen(struct fix *f)
{
	assert_int_equal(vx_fs_close(f->fs), 0);
	f->fs = NULL;
	assert_int_equal(fs_open(f), 0);
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct vx_mkfs_params p = { .block_log = 10, .block_count = NBLOCKS,
				    .group_blocks = GB,
				    .inode_count = IPG * NGROUPS,
				    .hash_seed = 7, .now = 1700000000 };
	struct vx_super sb;

	assert_non_null(f);
	memset(p.uuid, 0xa1, 16);
	assert_int_equal(vx_io_mem_open((uint64_t)NBLOCKS * BS, &f->io), 0);
	assert_int_equal(vx_fs_plan(&p, (uint64_t)NBLOCKS * BS, &sb), 0);
	assert_int_equal(sb.group_count, NGROUPS);
	assert_int_equal(sb.inodes_per_group, IPG);
	assert_int_equal(vx_fs_format(f->io, &sb, 0), 0);
	f->o.flags = VX_OPEN_BORROW_IO;
	f->o.fixed_time = 1700000001;
	assert_int_equal(fs_open(f), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	if (f->fs)
		assert_int_equal(vx_fs_close(f->fs), 0);
	vx_io_close(f->io);
	free(f);
	return 0;
}

static bool in_use(struct vx_fs *fs, vx_blk_t b)
{
	bool used = false;

	assert_int_equal(vx_block_in_use(fs, b, &used), 0);
	return used;
}

static uint64_t sum_free(struct vx_fs *fs)
{
	uint64_t n = 0;

	for (uint32_t g = 0; g < fs->sb.group_count; g++)
		n += fs->groups[g].free_blocks;
	return n;
}

static uint64_t sum_free_inodes(struct vx_fs *fs)
{
	uint64_t n = 0;

	for (uint32_t g = 0; g < fs->sb.group_count; g++)
		n += fs->groups[g].free_inodes;
	return n;
}

/* every group: metadata used, used bits == nblocks - free_blocks */
static void check_bitmaps(struct vx_fs *fs)
{
	for (uint32_t g = 0; g < fs->sb.group_count; g++) {
		struct vx_group *grp = &fs->groups[g];
		uint32_t used = 0;

		for (uint32_t i = 0; i < grp->nblocks; i++) {
			bool u = in_use(fs, grp->start + i);

			if (i < grp->meta_blocks)
				assert_true(u);
			used += u;
		}
		assert_int_equal(used, grp->nblocks - grp->free_blocks);
	}
	assert_int_equal(fs->sb.free_blocks, sum_free(fs));
	assert_int_equal(fs->sb.free_inodes, sum_free_inodes(fs));
}

static vx_blk_t data_start(struct vx_fs *fs, uint32_t g)
{
	return fs->groups[g].start + fs->groups[g].meta_blocks;
}

/* ---- blocks ---- */

static void test_after_format(void **state)
{
	struct fix *f = *state;
	struct vx_fs *fs = f->fs;

	/* mkfs allocated in group 0 only (root, lost+found) */
	assert_false(fs->groups[0].flags & VX_GF_BLOCK_UNINIT);
	assert_false(fs->groups[0].flags & VX_GF_INODE_UNINIT);
	assert_true(fs->groups[0].free_blocks <
		    fs->groups[0].nblocks - fs->groups[0].meta_blocks);
	for (uint32_t g = 1; g < NGROUPS; g++) {
		assert_int_equal(fs->groups[g].flags,
				 VX_GF_BLOCK_UNINIT | VX_GF_INODE_UNINIT);
		assert_int_equal(fs->groups[g].free_blocks,
				 fs->groups[g].nblocks - fs->groups[g].meta_blocks);
		assert_int_equal(fs->groups[g].itable_init, 0);
	}
	assert_int_equal(fs->groups[NGROUPS - 1].nblocks, GB - 300);
	/* an uninitialised group answers from its header's rule */
	assert_true(in_use(fs, fs->groups[3].start));
	assert_true(in_use(fs, data_start(fs, 3) - 1));
	assert_false(in_use(fs, data_start(fs, 3)));
	assert_false(in_use(fs, fs->groups[3].start + GB - 1));
	{
		bool u;

		assert_int_equal(vx_block_in_use(fs, NBLOCKS, &u), -EINVAL);
	}
	check_bitmaps(fs);
}

static void test_contiguous_next_fit(void **state)
{
	struct fix *f = *state;
	struct vx_fs *fs = f->fs;
	vx_blk_t goal = data_start(fs, 2), s, s2;
	uint64_t got, got2, gfree = fs->groups[2].free_blocks;
	uint64_t sfree = fs->sb.free_blocks;

	assert_int_equal(vx_alloc_blocks(fs, goal, 100, &s, &got), 0);
	assert_int_equal(s, goal);
	assert_int_equal(got, 100);
	assert_false(fs->groups[2].flags & VX_GF_BLOCK_UNINIT);
	assert_int_equal(fs->groups[2].free_blocks, gfree - 100);
	assert_int_equal(fs->sb.free_blocks, sfree - 100);
	for (vx_blk_t b = s; b < s + 100; b++)
		assert_true(in_use(fs, b));
	assert_false(in_use(fs, s + 100));
	/* next-fit: no goal continues where the last allocation ended */
	assert_int_equal(vx_alloc_blocks(fs, 0, 10, &s2, &got2), 0);
	assert_int_equal(s2, s + 100);
	assert_int_equal(got2, 10);
	/* a goal inside a used run: the first free block after it */
	assert_int_equal(vx_alloc_blocks(fs, s + 5, 1, &s2, &got2), 0);
	assert_int_equal(s2, s + 110);
	/* a run is cut short by a used block */
	assert_int_equal(vx_free_blocks(fs, s + 20, 7), 0);
	assert_int_equal(vx_alloc_blocks(fs, s + 20, 50, &s2, &got2), 0);
	assert_int_equal(s2, s + 20);
	assert_int_equal(got2, 7);
	/* a run stops at the end of the group */
	goal = fs->groups[2].start + GB - 30;
	assert_int_equal(vx_alloc_blocks(fs, goal, 100, &s2, &got2), 0);
	assert_int_equal(s2, goal);
	assert_int_equal(got2, 30);
	/* the group's free blocks before the goal are found (wrap) */
	assert_int_equal(vx_alloc_blocks(fs, goal + 10, 5, &s2, &got2), 0);
	assert_int_equal(s2, s + 111);
	assert_int_equal(got2, 5);
	/* a goal past the end uses the cursor */
	assert_int_equal(vx_alloc_blocks(fs, NBLOCKS + 5, 1, &s, &got), 0);
	assert_int_equal(s, s2 + 5);
	check_bitmaps(fs);
}

static void test_uninit_group_init(void **state)
{
	struct fix *f = *state;
	struct vx_fs *fs = f->fs;
	uint32_t last = NGROUPS - 1;
	uint8_t *raw;
	vx_blk_t s;
	uint64_t got;
	uint32_t bits = (BS - VX_MHDR_SIZE) * 8;

	for (uint32_t g = 5; g <= last; g += last - 5) {
		struct vx_group grp = fs->groups[g];

		assert_true(grp.flags & VX_GF_BLOCK_UNINIT);
		assert_int_equal(vx_alloc_blocks(fs, data_start(fs, g) + 3, 4,
						 &s, &got), 0);
		assert_int_equal(s, data_start(fs, g) + 3);
		assert_false(fs->groups[g].flags & VX_GF_BLOCK_UNINIT);
		assert_true(fs->groups[g].flags & VX_GF_INODE_UNINIT);
		assert_int_equal(fs->groups[g].free_blocks, grp.free_blocks - 4);
	}
	assert_int_equal(vx_fs_sync(fs), 0);
	raw = vx_io_mem_data(f->io, NULL);
	for (uint32_t g = 5; g <= last; g += last - 5) {
		struct vx_group *grp = &fs->groups[g], hdr;
		const uint8_t *bm = raw + grp->bbitmap * BS;
		struct vx_glayout gl;
		uint32_t ds = grp->meta_blocks;

		assert_int_equal(vx_mhdr_check(bm, BS, VX_BT_BBITMAP,
					       grp->bbitmap, fs->sb.hdr.uuid,
					       NULL), 0);
		bm += VX_MHDR_SIZE;
		for (uint32_t i = 0; i < bits; i++) {
			bool set = bm[i / 8] >> (i % 8) & 1;
			bool want = i < ds || (i >= ds + 3 && i < ds + 7) ||
				    i >= grp->nblocks;
			assert_int_equal(set, want);
		}
		/* the header on the device says the bitmap is real now */
		vx_group_layout(&fs->sb, g, &gl);
		assert_int_equal(vx_group_decode(raw + gl.header * BS, BS,
						 gl.header, &fs->sb, g, &hdr), 0);
		assert_int_equal(hdr.flags, VX_GF_INODE_UNINIT);
		assert_int_equal(hdr.free_blocks, grp->free_blocks);
	}
	/* metadata stays used through a reopen */
	fs_reopen(f);
	fs = f->fs;
	for (vx_blk_t b = fs->groups[5].start; b < data_start(fs, 5); b++)
		assert_true(in_use(fs, b));
	check_bitmaps(fs);
}

static void test_free_restores_counts(void **state)
{
	struct fix *f = *state;
	struct vx_fs *fs = f->fs;
	struct vx_group before[NGROUPS];
	uint64_t sfree = fs->sb.free_blocks;
	vx_blk_t s[6];
	uint64_t got[6];

	memcpy(before, fs->groups, sizeof(before));
	assert_int_equal(vx_alloc_blocks(fs, data_start(fs, 1), 500, &s[0],
					 &got[0]), 0);
	assert_int_equal(vx_alloc_blocks(fs, data_start(fs, 4) + 7, 3, &s[1],
					 &got[1]), 0);
	assert_int_equal(vx_alloc_blocks(fs, data_start(fs, 7), 2000, &s[2],
					 &got[2]), 0);
	assert_int_equal(got[2], fs->groups[7].nblocks -
			 fs->groups[7].meta_blocks);	/* whole last group */
	assert_int_equal(vx_alloc_blocks(fs, 0, 1, &s[3], &got[3]), 0);
	assert_int_equal(fs->sb.free_blocks,
			 sfree - got[0] - got[1] - got[2] - got[3]);
	/* free in pieces, out of order; the middle of a run first */
	assert_int_equal(vx_free_blocks(fs, s[0] + 100, 50), 0);
	assert_int_equal(fs->groups[1].free_blocks,
			 before[1].free_blocks - got[0] + 50);
	for (vx_blk_t b = s[0] + 100; b < s[0] + 150; b++)
		assert_false(in_use(fs, b));
	assert_true(in_use(fs, s[0] + 99));
	assert_true(in_use(fs, s[0] + 150));
	assert_int_equal(vx_free_blocks(fs, s[0], 100), 0);
	assert_int_equal(vx_free_blocks(fs, s[0] + 150, got[0] - 150), 0);
	assert_int_equal(vx_free_blocks(fs, s[3], got[3]), 0);
	assert_int_equal(vx_free_blocks(fs, s[2], got[2]), 0);
	assert_int_equal(vx_free_blocks(fs, s[1], got[1]), 0);
	assert_int_equal(fs->sb.free_blocks, sfree);
	for (uint32_t g = 0; g < NGROUPS; g++)
		assert_int_equal(fs->groups[g].free_blocks,
				 before[g].free_blocks);
	for (int k = 0; k < 4; k++)
		for (vx_blk_t b = s[k]; b < s[k] + got[k]; b++)
			assert_false(in_use(fs, b));
	check_bitmaps(fs);
	/* and the same after a reopen */
	fs_reopen(f);
	assert_int_equal(f->fs->sb.free_blocks, sfree);
	check_bitmaps(f->fs);
}

static void test_free_meta_refused(void **state)
{
	struct fix *f = *state;
	struct vx_fs *fs = f->fs;
	uint64_t sfree = fs->sb.free_blocks;
	struct vx_group g3 = fs->groups[3];
	vx_blk_t meta[] = { 0, 1, fs->groups[0].bbitmap, fs->sb.journal_start,
			    fs->sb.journal_start + fs->sb.journal_blocks - 1,
			    fs->groups[1].start, fs->groups[3].start,
			    fs->groups[3].itable, fs->groups[3].itable + 15,
			    fs->groups[7].start, fs->groups[7].ibitmap };

	for (size_t i = 0; i < sizeof(meta) / sizeof(meta[0]); i++) {
		assert_true(in_use(fs, meta[i]));
		assert_int_equal(vx_free_blocks(fs, meta[i], 1), VX_ECORRUPT);
		assert_true(in_use(fs, meta[i]));
	}
	/* beyond the last group */
	assert_int_equal(vx_free_blocks(fs, (vx_blk_t)GB * NGROUPS, 1),
			 VX_ECORRUPT);
	assert_int_equal(vx_free_blocks(fs, UINT64_MAX / 2, 1), VX_ECORRUPT);
	assert_int_equal(fs->sb.free_blocks, sfree);
	assert_int_equal(fs->groups[3].free_blocks, g3.free_blocks);
	/* refusing did not initialise group 3's bitmap */
	assert_int_equal(fs->groups[3].flags, g3.flags);
	check_bitmaps(fs);
}

static void test_exhaust(void **state)
{
	struct fix *f = *state;
	struct vx_fs *fs = f->fs;
	uint64_t total = 0, sfree = fs->sb.free_blocks, got;
	vx_blk_t s, hole;
	int err, n = 0;

	while ((err = vx_alloc_blocks(fs, 0, 700, &s, &got)) == 0) {
		total += got;
		assert_true(++n < 1000);
	}
	assert_int_equal(err, VX_ENOSPC);
	assert_int_equal(total, sfree);
	assert_int_equal(fs->sb.free_blocks, 0);
	for (uint32_t g = 0; g < NGROUPS; g++)
		assert_int_equal(fs->groups[g].free_blocks, 0);
	for (vx_blk_t b = 0; b < NBLOCKS; b++)
		assert_true(in_use(fs, b));
	/* a freed block is the only one to be had */
	hole = data_start(fs, 4) + 17;
	assert_int_equal(vx_free_blocks(fs, hole, 1), 0);
	assert_int_equal(vx_alloc_blocks(fs, 0, 50, &s, &got), 0);
	assert_int_equal(s, hole);
	assert_int_equal(got, 1);
	assert_int_equal(vx_alloc_blocks(fs, 0, 1, &s, &got), VX_ENOSPC);
	check_bitmaps(fs);
	/* a full filesystem survives a reopen */
	fs_reopen(f);
	assert_int_equal(f->fs->sb.free_blocks, 0);
	assert_int_equal(vx_alloc_blocks(f->fs, 0, 1, &s, &got), VX_ENOSPC);
}

/* a header that counts free blocks its bitmap does not have */
static void test_bitmap_disagrees(void **state)
{
	struct fix *f = *state;
	struct vx_fs *fs = f->fs;
	uint8_t *raw = vx_io_mem_data(f->io, NULL);
	vx_blk_t s, bm;
	uint64_t got;

	assert_int_equal(vx_alloc_blocks(fs, data_start(fs, 2), 1, &s, &got), 0);
	bm = fs->groups[2].bbitmap;
	fs_reopen(f);
	assert_int_equal(vx_fs_close(f->fs), 0);
	f->fs = NULL;
	memset(raw + bm * BS + VX_MHDR_SIZE, 0xff, BS - VX_MHDR_SIZE);
	vx_mhdr_seal(raw + bm * BS, BS);
	assert_int_equal(fs_open(f), 0);
	fs = f->fs;
	assert_int_equal(vx_alloc_blocks(fs, data_start(fs, 2), 1, &s, &got),
			 VX_ECORRUPT);
	/* a bitmap with a bad checksum */
	assert_int_equal(vx_fs_close(f->fs), 0);
	f->fs = NULL;
	raw[bm * BS + 500] ^= 0x10;
	assert_int_equal(fs_open(f), 0);
	assert_int_equal(vx_alloc_blocks(f->fs, data_start(f->fs, 2), 1, &s,
					 &got), VX_EBADCRC);
	assert_int_equal(vx_block_in_use(f->fs, data_start(f->fs, 2), &(bool){0}),
			 VX_EBADCRC);
}

static void test_rdonly(void **state)
{
	struct fix *f = *state;
	vx_blk_t s;
	uint64_t got;
	vx_ino_t ino;

	assert_int_equal(vx_fs_close(f->fs), 0);
	f->o.flags |= VX_OPEN_RDONLY;
	assert_int_equal(fs_open(f), 0);
	assert_int_equal(vx_alloc_blocks(f->fs, 0, 1, &s, &got), VX_EROFS);
	assert_int_equal(vx_alloc_inode(f->fs, 0, false, &ino), VX_EROFS);
	check_bitmaps(f->fs);
}

/* ---- inodes ---- */

static void mk_inode(struct vx_inode *in, vx_ino_t ino)
{
	memset(in, 0, sizeof(*in));
	in->ino = ino;
	in->mode = S_IFREG | 0600;
	in->nlink = 1;
	in->uid = (uint32_t)ino * 3;
	in->size = ino * 1000;
	in->mtime_sec = 1700000000 + (int64_t)ino;
}

static void test_inode_alloc(void **state)
{
	struct fix *f = *state;
	struct vx_fs *fs = f->fs;
	uint64_t ipb = BS / VX_INODE_SIZE, sfree = fs->sb.free_inodes;
	struct vx_inode in, out;
	vx_ino_t ino, first = 3 * IPG + 1;
	uint8_t *raw = vx_io_mem_data(f->io, NULL);
	vx_blk_t itable = fs->groups[3].itable;

	/* stale bytes in group 3's never-used inode table */
	assert_int_equal(vx_fs_close(fs), 0);
	f->fs = NULL;
	memset(raw + itable * BS, 0xab, 16 * BS);
	assert_int_equal(fs_open(f), 0);
	fs = f->fs;
	/* nothing there is an inode: past the watermark, all read free */
	for (vx_ino_t i = first; i < first + IPG; i++)
		assert_int_equal(vx_inode_read(fs, i, &out), -ENOENT);
	assert_int_equal(vx_alloc_inode(fs, 3, false, &ino), 0);
	assert_int_equal(ino, first);
	assert_false(fs->groups[3].flags & VX_GF_INODE_UNINIT);
	assert_int_equal(fs->groups[3].itable_init, ipb);
	assert_int_equal(fs->groups[3].free_inodes, IPG - 1);
	assert_int_equal(fs->sb.free_inodes, sfree - 1);
	/* the first table block was zeroed, the next still is not */
	assert_int_equal(vx_inode_read(fs, ino, &out), -ENOENT);
	assert_int_equal(vx_inode_read(fs, ino + 1, &out), -ENOENT);
	mk_inode(&in, ino);
	assert_int_equal(vx_inode_write(fs, &in), 0);
	assert_int_equal(vx_inode_read(fs, ino, &out), 0);
	assert_int_equal(out.size, in.size);
	assert_int_equal(out.uid, in.uid);
	/* a slot past the watermark cannot be written */
	mk_inode(&in, first + ipb);
	assert_int_equal(vx_inode_write(fs, &in), VX_ECORRUPT);
	/* the watermark moves one table block at a time */
	for (uint64_t k = 1; k <= ipb; k++) {
		assert_int_equal(vx_alloc_inode(fs, 3, k % 2, &ino), 0);
		assert_int_equal(ino, first + k);
	}
	assert_int_equal(fs->groups[3].itable_init, 2 * ipb);
	assert_int_equal(fs->groups[3].used_dirs, (ipb + 1) / 2);
	mk_inode(&in, first + ipb);
	assert_int_equal(vx_inode_write(fs, &in), 0);
	assert_int_equal(vx_fs_sync(fs), 0);
	/* on the device: zeroed blocks under the watermark, stale above */
	for (size_t i = 0; i < BS; i++)
		assert_int_equal(raw[(itable + 2) * BS + i], 0xab);
	for (size_t i = VX_INODE_SIZE; i < BS; i++)
		assert_int_equal(raw[itable * BS + i], 0);
	/* free one in the middle: it is the next one handed out */
	assert_int_equal(vx_free_inode(fs, first + 2, false), 0);
	assert_int_equal(fs->groups[3].free_inodes, IPG - ipb);
	assert_int_equal(vx_alloc_inode(fs, 3, false, &ino), 0);
	assert_int_equal(ino, first + 2);
	/* a directory freed decrements used_dirs */
	assert_int_equal(vx_free_inode(fs, first + 1, true), 0);
	assert_int_equal(fs->groups[3].used_dirs, (ipb + 1) / 2 - 1);
	/* bad numbers */
	assert_int_equal(vx_inode_read(fs, 0, &out), -EINVAL);
	assert_int_equal(vx_inode_read(fs, IPG * NGROUPS + 1, &out), -EINVAL);
	assert_int_equal(vx_inode_read(fs, IPG * NGROUPS, &out), -ENOENT);
	/* persisted */
	fs_reopen(f);
	assert_int_equal(vx_inode_read(f->fs, first, &out), 0);
	assert_int_equal(out.mtime_sec, 1700000000 + (int64_t)first);
	assert_int_equal(vx_inode_read(f->fs, first + ipb, &out), 0);
	assert_int_equal(f->fs->groups[3].itable_init, 2 * ipb);
	assert_int_equal(f->fs->groups[3].free_inodes, IPG - ipb);
	assert_int_equal(vx_alloc_inode(f->fs, 3, false, &ino), 0);
	assert_int_equal(ino, first + 1);
	check_bitmaps(f->fs);
}

static void test_inode_exhaust(void **state)
{
	struct fix *f = *state;
	struct vx_fs *fs = f->fs;
	uint64_t sfree = fs->sb.free_inodes, n = 0;
	uint8_t *seen = calloc(IPG * NGROUPS + 1, 1);
	vx_ino_t ino;
	int err;

	assert_non_null(seen);
	while ((err = vx_alloc_inode(fs, 5, false, &ino)) == 0) {
		assert_true(ino >= 1 && ino <= IPG * NGROUPS);
		assert_int_equal(seen[ino], 0);
		seen[ino] = 1;
		n++;
	}
	assert_int_equal(err, VX_ENOINODES);
	assert_int_equal(n, sfree);
	assert_int_equal(fs->sb.free_inodes, 0);
	/* root and lost+found were never handed out again */
	assert_int_equal(seen[1], 0);
	assert_int_equal(seen[fs->sb.lost_found_ino], 0);
	for (uint32_t g = 0; g < NGROUPS; g++) {
		assert_int_equal(fs->groups[g].free_inodes, 0);
		assert_int_equal(fs->groups[g].itable_init, IPG);
	}
	assert_int_equal(vx_free_inode(fs, 7 * IPG + 9, false), 0);
	assert_int_equal(vx_alloc_inode(fs, 0, false, &ino), 0);
	assert_int_equal(ino, 7 * IPG + 9);
	assert_int_equal(vx_alloc_inode(fs, 0, false, &ino), VX_ENOINODES);
	fs_reopen(f);
	assert_int_equal(f->fs->sb.free_inodes, 0);
	assert_int_equal(vx_alloc_inode(f->fs, 0, false, &ino), VX_ENOINODES);
	free(seen);
}

/* counts and bitmaps persist across close and reopen */
static void test_persist(void **state)
{
	struct fix *f = *state;
	struct vx_fs *fs = f->fs;
	struct vx_group before[NGROUPS];
	uint8_t *used = calloc(NBLOCKS, 1);
	vx_blk_t s;
	uint64_t got, sfree, sfreei;
	vx_ino_t ino;

	assert_non_null(used);
	for (vx_blk_t b = 0; b < NBLOCKS; b++)
		used[b] = in_use(fs, b);
	for (int k = 0; k < 40; k++) {
		uint32_t g = (uint32_t)(k * 3) % NGROUPS;

		assert_int_equal(vx_alloc_blocks(fs, data_start(fs, g) + k * 11,
						 (uint64_t)k % 9 + 1, &s, &got), 0);
		for (vx_blk_t b = s; b < s + got; b++) {
			assert_int_equal(used[b], 0);
			used[b] = 1;
		}
		if (k % 4 == 0) {	/* give some back */
			assert_int_equal(vx_free_blocks(fs, s, 1), 0);
			used[s] = 0;
		}
		assert_int_equal(vx_alloc_inode(fs, g, k % 5 == 0, &ino), 0);
	}
	memcpy(before, fs->groups, sizeof(before));
	sfree = fs->sb.free_blocks;
	sfreei = fs->sb.free_inodes;
	fs_reopen(f);
	fs = f->fs;
	assert_int_equal(fs->sb.free_blocks, sfree);
	assert_int_equal(fs->sb.free_inodes, sfreei);
	for (uint32_t g = 0; g < NGROUPS; g++) {
		struct vx_group now;

		assert_int_equal(vx_fs_group(fs, g, &now), 0);
		assert_int_equal(now.flags, before[g].flags);
		assert_int_equal(now.free_blocks, before[g].free_blocks);
		assert_int_equal(now.free_inodes, before[g].free_inodes);
		assert_int_equal(now.used_dirs, before[g].used_dirs);
		assert_int_equal(now.itable_init, before[g].itable_init);
	}
	for (vx_blk_t b = 0; b < NBLOCKS; b++)
		assert_int_equal(in_use(fs, b), used[b]);
	check_bitmaps(fs);
	/* the inode bitmaps too: new inodes are new numbers */
	assert_int_equal(vx_alloc_inode(fs, 0, false, &ino), 0);
	assert_int_equal(fs->sb.free_inodes, sfreei - 1);
	free(used);
}

/* (A1) freeing what is already free is refused and changes no count */
static void test_double_free_refused(void **state)
{
	struct fix *f = *state;
	struct vx_fs *fs = f->fs;
	vx_blk_t s;
	uint64_t got, sfree;
	vx_ino_t ino;
	uint64_t sfreei;

	assert_int_equal(vx_alloc_blocks(fs, 0, 8, &s, &got), 0);
	assert_int_equal(got, 8);
	assert_int_equal(vx_free_blocks(fs, s + 2, 2), 0);
	sfree = fs->sb.free_blocks;
	/* all of it free already, and a range half free */
	assert_int_equal(vx_free_blocks(fs, s + 2, 2), VX_ECORRUPT);
	assert_int_equal(vx_free_blocks(fs, s + 1, 2), VX_ECORRUPT);
	assert_int_equal(fs->sb.free_blocks, sfree);
	assert_true(in_use(fs, s + 1));
	assert_false(in_use(fs, s + 2));
	assert_int_equal(vx_free_blocks(fs, s + 4, 4), 0);
	assert_int_equal(fs->sb.free_blocks, sfree + 4);

	assert_int_equal(vx_alloc_inode(fs, 0, false, &ino), 0);
	assert_int_equal(vx_free_inode(fs, ino, false), 0);
	sfreei = fs->sb.free_inodes;
	assert_int_equal(vx_free_inode(fs, ino, false), VX_ECORRUPT);
	assert_int_equal(fs->sb.free_inodes, sfreei);
	check_bitmaps(fs);
}

/* a start past block_count inside the last group's span must not loop */
static void test_free_past_end(void **state)
{
	struct vx_mkfs_params p = { .block_log = 10, .block_count = 7892,
				    .group_blocks = 1024, .hash_seed = 3,
				    .now = 1700000000 };
	struct vx_open_opts o = { .flags = VX_OPEN_BORROW_IO };
	struct vx_super sb;
	struct vx_io *io;
	struct vx_fs *fs;

	(void)state;
	assert_int_equal(vx_io_mem_open(7892ull * 1024, &io), 0);
	assert_int_equal(vx_fs_plan(&p, 7892ull * 1024, &sb), 0);
	assert_int_equal(vx_fs_format(io, &sb, 0), 0);
	assert_int_equal(vx_fs_open(io, &o, &fs), 0);
	assert_true(fs->sb.block_count < (uint64_t)fs->sb.group_count * 1024);
	assert_int_equal(vx_free_blocks(fs, fs->sb.block_count, 1),
			 VX_ECORRUPT);
	assert_int_equal(vx_fs_close(fs), 0);
	vx_io_close(io);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_after_format),
		T(test_contiguous_next_fit),
		T(test_uninit_group_init),
		T(test_free_restores_counts),
		T(test_free_meta_refused),
		T(test_double_free_refused),
		T(test_free_past_end),
		T(test_exhaust),
		T(test_bitmap_disagrees),
		T(test_rdonly),
		T(test_inode_alloc),
		T(test_inode_exhaust),
		T(test_persist),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
