/*
 * test_fs.c: unit tests for making, opening and closing a filesystem
 * (vx_fs_plan, vx_fs_format, vx_fs_open/close, backups, state).
 *
 * Everything runs on the in-memory io, opened with VX_OPEN_BORROW_IO so
 * that closing a filesystem leaves the mem device to the test.  The mem
 * device and its bytes (vx_io_mem_data) thus outlive every open, and the
 * tests read and corrupt the raw blocks between opens.
 *
 * What is checked: parameter validation of vx_fs_plan; the layout
 * invariants of every plan over a range of sizes and block sizes,
 * recomputed here from the format.h description (groups tile the
 * filesystem, metadata in order after the optional superblock copy,
 * the journal inside group 0, backups in group 1 and the last group, free
 * counts); the blocks vx_fs_format writes, decoded with vx_super_decode,
 * vx_group_decode and vx_jsuper_decode; open/close/reopen; refusal of a
 * corrupted superblock with the right code (crc, magic, insane geometry,
 * version, features, truncated device); incomplete images; opening from
 * each backup superblock; read-only opens that write nothing;
 * catastrophic opens (VX_OPEN_CATASTROPHIC) of a zeroed group header, a
 * dirty journal, a short device and an incomplete image: read-only, the
 * journal never read, the damage logged, files read back, nothing
 * written.
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

#include <vexfs/vexfs.h>

#define MiB (1024ull * 1024)

/* ---- fixtures ---- */

struct img {
	struct vx_io *mem;
	struct vx_super sb;	/* as planned */
	uint32_t bsize;
	unsigned char *data;
	uint64_t size;
};

static void params_init(struct vx_mkfs_params *p, uint32_t block_log)
{
	memset(p, 0, sizeof(*p));
	p->block_log = block_log;
	p->hash_seed = 0x1234567890abcdefull;
	p->now = 1700000000;
	for (int i = 0; i < 16; i++)
		p->uuid[i] = (uint8_t)(0xa0 + i);
	strcpy(p->label, "unit-test");
}

/* plan and format a filesystem on a new mem device of @size bytes */
static void img_make(struct img *im, const struct vx_mkfs_params *p,
		     uint64_t size, unsigned fmt_flags)
{
	memset(im, 0, sizeof(*im));
	assert_int_equal(vx_io_mem_open(size, &im->mem), 0);
	assert_int_equal(vx_fs_plan(p, size, &im->sb), 0);
	im->bsize = 1u << im->sb.block_log;
	assert_int_equal(vx_fs_format(im->mem, &im->sb, fmt_flags), 0);
	im->data = vx_io_mem_data(im->mem, &im->size);
	assert_non_null(im->data);
	assert_int_equal(im->size, size);
}

static void img_default(struct img *im, uint32_t block_log, uint64_t size,
			uint32_t group_blocks)
{
	struct vx_mkfs_params p;

	params_init(&p, block_log);
	p.group_blocks = group_blocks;
	img_make(im, &p, size, 0);
}

static void img_free(struct img *im)
{
	assert_int_equal(vx_io_close(im->mem), 0);
}

/* open, leaving the mem device to the test (VX_OPEN_BORROW_IO) */
static int img_open(struct img *im, unsigned flags, vx_blk_t sb_block,
		    struct vx_fs **fs)
{
	struct vx_open_opts o = { .flags = flags | VX_OPEN_BORROW_IO,
				  .sb_block = sb_block };

	return vx_fs_open(im->mem, &o, fs);
}

static unsigned char *blk(struct img *im, vx_blk_t b)
{
	return im->data + b * im->bsize;
}

/* ---- layout invariants, recomputed from format.h ---- */

static int has_backup(const struct vx_super *sb, uint32_t g)
{
	return g == 1 || (g > 1 && g == sb->group_count - 1);
}

static uint64_t group_size(const struct vx_super *sb, uint32_t g)
{
	uint64_t start = (uint64_t)g * sb->group_blocks;
	uint64_t left = sb->block_count - start;

	return left < sb->group_blocks ? left : sb->group_blocks;
}

/* block of group @g's header */
static vx_blk_t header_of(const struct vx_super *sb, uint32_t g)
{
	return (uint64_t)g * sb->group_blocks +
	       (g == 0 || has_backup(sb, g) ? 1 : 0);
}

static void check_layout(const struct vx_super *sb, uint64_t dev_bytes)
{
	uint64_t bs = 1ull << sb->block_log, bits = (bs - VX_MHDR_SIZE) * 8;
	uint64_t total = 0, meta_total = 0, g0;
	vx_blk_t bk[2];
	int n;

	assert_true(sb->block_count * bs <= dev_bytes);
	assert_int_equal(sb->group_blocks % 8, 0);
	assert_int_equal(sb->group_count,
			 (sb->block_count + sb->group_blocks - 1) /
			 sb->group_blocks);
	assert_true(sb->bbitmap_blocks * bits >= sb->group_blocks);
	assert_true(sb->ibitmap_blocks * bits >= sb->inodes_per_group);
	assert_int_equal((uint64_t)sb->itable_blocks * bs / VX_INODE_SIZE,
			 sb->inodes_per_group);
	for (uint32_t g = 0; g < sb->group_count; g++) {
		uint64_t size = group_size(sb, g);
		uint64_t meta = header_of(sb, g) - (uint64_t)g * sb->group_blocks
				+ 1 + sb->bbitmap_blocks + sb->ibitmap_blocks +
				sb->itable_blocks;

		if (g == 0)
			meta += sb->journal_blocks;
		assert_true(size > meta);	/* room for data */
		total += size;
		meta_total += meta;
	}
	assert_int_equal(total, sb->block_count);	/* groups tile it */
	/* the journal: right after group 0's inode table, inside group 0 */
	g0 = group_size(sb, 0);
	assert_int_equal(sb->journal_start, 2 + sb->bbitmap_blocks +
			 sb->ibitmap_blocks + sb->itable_blocks);
	assert_true(sb->journal_start + sb->journal_blocks <= g0);
	assert_true(sb->journal_blocks >= VX_MIN_JOURNAL_BLOCKS);
	assert_int_equal(sb->free_blocks, sb->block_count - meta_total);
	assert_int_equal(sb->free_inodes,
			 (uint64_t)sb->inodes_per_group * sb->group_count);
	n = vx_fs_backup_blocks(sb, bk);
	assert_int_equal(n, sb->group_count > 2 ? 2 : sb->group_count - 1);
	if (n > 0)
		assert_int_equal(bk[0], sb->group_blocks);
	if (n > 1)
		assert_int_equal(bk[1], (uint64_t)(sb->group_count - 1) *
				 sb->group_blocks);
}

static void assert_same_geometry(const struct vx_super *a,
				 const struct vx_super *b)
{
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->block_log, b->block_log);
	assert_int_equal(a->block_count, b->block_count);
	assert_int_equal(a->group_blocks, b->group_blocks);
	assert_int_equal(a->group_count, b->group_count);
	assert_int_equal(a->inodes_per_group, b->inodes_per_group);
	assert_int_equal(a->inode_size, b->inode_size);
	assert_int_equal(a->bbitmap_blocks, b->bbitmap_blocks);
	assert_int_equal(a->ibitmap_blocks, b->ibitmap_blocks);
	assert_int_equal(a->itable_blocks, b->itable_blocks);
	assert_int_equal(a->journal_start, b->journal_start);
	assert_int_equal(a->journal_blocks, b->journal_blocks);
	assert_int_equal(a->root_ino, b->root_ino);
	assert_int_equal(a->hash_seed, b->hash_seed);
	assert_int_equal(a->feature_incompat, b->feature_incompat);
	assert_int_equal(a->feature_compat, b->feature_compat);
	assert_int_equal(a->feature_ro_compat, b->feature_ro_compat);
	assert_memory_equal(a->hdr.uuid, b->hdr.uuid, 16);
	assert_string_equal(a->label, b->label);
}

/* ---- vx_fs_plan ---- */

static void test_plan_defaults(void **state)
{
	struct vx_mkfs_params p = { 0 };
	struct vx_super sb;
	static const uint8_t zero[16];

	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), 0);
	assert_int_equal(sb.block_log, VX_DEFAULT_BLOCK_LOG);
	assert_int_equal(sb.block_count, 64 * MiB / 4096);
	assert_int_equal(sb.inode_size, VX_INODE_SIZE);
	assert_int_equal(sb.version, VX_FORMAT_VERSION);
	assert_int_equal(sb.root_ino, VX_ROOT_INO);
	assert_true(sb.feature_incompat & VX_FEATURE_INCOMPAT_JOURNAL);
	/* default one inode per 16 KiB, rounded up to whole groups/blocks */
	assert_true((uint64_t)sb.inodes_per_group * sb.group_count >=
		    64 * MiB / 16384);
	assert_memory_not_equal(sb.hdr.uuid, zero, 16);	/* random */
	assert_int_not_equal(sb.hash_seed, 0);
	assert_int_not_equal(sb.mkfs_time, 0);
	check_layout(&sb, 64 * MiB);
}

static void test_plan_params_kept(void **state)
{
	struct vx_mkfs_params p;
	struct vx_super sb;

	params_init(&p, 11);
	p.block_count = 20000;
	p.group_blocks = 4096;
	p.inode_count = 3000;
	p.journal_blocks = 512;
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), 0);
	assert_int_equal(sb.block_log, 11);
	assert_int_equal(sb.block_count, 20000);
	assert_int_equal(sb.group_blocks, 4096);
	assert_int_equal(sb.group_count, 5);
	assert_true((uint64_t)sb.inodes_per_group * sb.group_count >= 3000);
	assert_int_equal(sb.journal_blocks, 512);
	assert_memory_equal(sb.hdr.uuid, p.uuid, 16);
	assert_string_equal(sb.label, "unit-test");
	assert_int_equal(sb.hash_seed, p.hash_seed);
	assert_int_equal(sb.mkfs_time, 1700000000);
	check_layout(&sb, 64 * MiB);
}

static void test_plan_rejects(void **state)
{
	struct vx_mkfs_params p;
	struct vx_super sb;

	params_init(&p, 9);			/* 512-byte blocks */
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), -EINVAL);
	params_init(&p, 17);			/* 128 KiB blocks */
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), -EINVAL);
	params_init(&p, 12);
	p.group_blocks = 8196;			/* not a multiple of 8 */
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), -EINVAL);
	p.group_blocks = 8191;
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), -EINVAL);
	params_init(&p, 12);
	p.journal_blocks = VX_MIN_JOURNAL_BLOCKS - 1;
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), -EINVAL);
	params_init(&p, 12);
	p.bytes_per_inode = 100;		/* < the inode itself */
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), -EINVAL);
}

static void test_plan_too_small(void **state)
{
	struct vx_mkfs_params p;
	struct vx_super sb;
	int err;

	params_init(&p, 12);
	assert_int_equal(vx_fs_plan(&p, 0, &sb), VX_ENOSPC);
	assert_int_equal(vx_fs_plan(&p, 16 * 1024, &sb), VX_ENOSPC);
	/* not even room for the minimum journal */
	assert_int_equal(vx_fs_plan(&p, 256 * 4096, &sb), VX_ENOSPC);
	/* more blocks asked for than the device has */
	p.block_count = 64 * MiB / 4096 + 1;
	assert_int_equal(vx_fs_plan(&p, 64 * MiB, &sb), VX_ENOSPC);
	/* a journal that does not fit in group 0 */
	params_init(&p, 12);
	p.journal_blocks = 16300;		/* 16384 blocks in all */
	err = vx_fs_plan(&p, 64 * MiB, &sb);
	assert_true(err == VX_ENOSPC || err == VX_ETOOBIG);
	/* more inodes than half a group can hold */
	params_init(&p, 12);
	p.inode_count = 64 * MiB / 256;
	err = vx_fs_plan(&p, 64 * MiB, &sb);
	assert_true(err == VX_ENOSPC || err == VX_ETOOBIG);
}

/* plans over many sizes and block sizes keep every invariant */
static void test_plan_layouts(void **state)
{
	static const uint64_t sizes[] = {
		4 * MiB, 5 * MiB + 12345, 64 * MiB, 100 * MiB + 4096 * 7,
		1024 * MiB, 3 * 1024 * MiB + 65536 * 3,
	};
	struct vx_mkfs_params p;
	struct vx_super sb;
	unsigned planned = 0;

	for (uint32_t blog = VX_MIN_BLOCK_LOG; blog <= VX_MAX_BLOCK_LOG; blog++)
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			for (int gsmall = 0; gsmall < 2; gsmall++) {
				int err;

				params_init(&p, blog);
				/* small groups: many of them, with backups */
				if (gsmall)
					p.group_blocks = 2048;
				err = vx_fs_plan(&p, sizes[i], &sb);
				if (err == VX_ENOSPC &&
				    sizes[i] < (256ull + 64) << blog)
					continue;	/* journal cannot fit */
				if (err)
					fail_msg("plan bs %u size %llu gb %u: %s",
						 1u << blog,
						 (unsigned long long)sizes[i],
						 p.group_blocks, vx_strerror(err));
				check_layout(&sb, sizes[i]);
				/* at most one trimmed group short of the device */
				assert_true((sizes[i] >> blog) - sb.block_count <
					    sb.group_blocks);
				planned++;
			}
	assert_true(planned > 60);
}

/* ---- vx_fs_format and what it writes ---- */

static void check_written(struct img *im)
{
	struct vx_super sb, bsb;
	struct vx_jsuper js;
	uint64_t free_b = 0, free_i = 0;
	vx_blk_t bk[2];
	int n;

	assert_int_equal(vx_super_decode(blk(im, 0), im->bsize, 0, &sb), 0);
	assert_same_geometry(&sb, &im->sb);
	assert_true(sb.state & VX_STATE_CLEAN);
	assert_false(sb.state & VX_STATE_INCOMPLETE);
	assert_int_not_equal(sb.lost_found_ino, 0);
	for (uint32_t g = 0; g < sb.group_count; g++) {
		struct vx_group gr;
		vx_blk_t h = header_of(&sb, g);

		assert_int_equal(vx_group_decode(blk(im, h), im->bsize, h, &sb,
						 g, &gr), 0);
		assert_int_equal(gr.group_no, g);
		assert_int_equal(gr.start, (uint64_t)g * sb.group_blocks);
		assert_int_equal(gr.nblocks, group_size(&sb, g));
		assert_int_equal(gr.bbitmap, h + 1);
		assert_int_equal(gr.ibitmap, gr.bbitmap + sb.bbitmap_blocks);
		assert_int_equal(gr.itable, gr.ibitmap + sb.ibitmap_blocks);
		assert_int_equal(gr.meta_blocks, gr.itable + sb.itable_blocks -
				 gr.start + (g ? 0 : sb.journal_blocks));
		assert_true(gr.free_blocks <= gr.nblocks - gr.meta_blocks);
		assert_true(gr.free_inodes <= sb.inodes_per_group);
		free_b += gr.free_blocks;
		free_i += gr.free_inodes;
	}
	assert_int_equal(free_b, sb.free_blocks);
	assert_int_equal(free_i, sb.free_inodes);
	/* root and lost+found are the only inodes in use */
	assert_int_equal(free_i, im->sb.free_inodes - 2);
	assert_true(free_b < im->sb.free_blocks);
	n = vx_fs_backup_blocks(&sb, bk);
	for (int i = 0; i < n; i++) {
		assert_int_equal(vx_super_decode(blk(im, bk[i]), im->bsize,
						 bk[i], &bsb), 0);
		assert_same_geometry(&bsb, &im->sb);
	}
	assert_int_equal(vx_jsuper_decode(blk(im, sb.journal_start), im->bsize,
					  sb.journal_start, sb.hdr.uuid, &js),
			 0);
	assert_int_equal(js.blocks, sb.journal_blocks);
}

static void test_format_writes(void **state)
{
	static const struct { uint32_t blog; uint64_t size; uint32_t gb; } c[] = {
		{ 12, 64 * MiB, 0 }, { 10, 32 * MiB, 8192 },
		{ 12, 64 * MiB, 2048 }, { 16, 64 * MiB, 0 },
		{ 11, 48 * MiB + 2048 * 100, 4096 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct img im;

		img_default(&im, c[i].blog, c[i].size, c[i].gb);
		check_written(&im);
		img_free(&im);
	}
}

static void test_open_close_reopen(void **state)
{
	struct vx_attr root, lf;
	struct vx_fs *fs;
	struct img im;
	uint32_t mounts;
	vx_ino_t ino;

	img_default(&im, 12, 64 * MiB, 0);
	assert_int_equal(img_open(&im, 0, 0, &fs), 0);
	assert_same_geometry(vx_fs_super(fs), &im.sb);
	assert_false(vx_fs_super(fs)->state & VX_STATE_CLEAN);	/* in use */
	mounts = vx_fs_super(fs)->mount_count;
	assert_int_equal(vx_stat(fs, NULL, VX_ROOT_INO, &root), 0);
	assert_true(S_ISDIR(root.mode));
	assert_int_equal(root.nlink, 3);		/* ., .., lost+found */
	assert_int_equal(vx_lookup(fs, NULL, VX_ROOT_INO, "lost+found", &ino), 0);
	assert_int_equal(ino, vx_fs_super(fs)->lost_found_ino);
	assert_int_equal(vx_stat(fs, NULL, ino, &lf), 0);
	assert_true(S_ISDIR(lf.mode));
	assert_int_equal(lf.nlink, 2);
	assert_ptr_not_equal(vx_fs_io(fs), NULL);
	assert_int_equal(vx_fs_close(fs), 0);

	/* the close wrote a clean superblock; a reopen sees it all again */
	check_written(&im);
	assert_int_equal(img_open(&im, 0, 0, &fs), 0);
	assert_same_geometry(vx_fs_super(fs), &im.sb);
	assert_int_equal(vx_fs_super(fs)->mount_count, mounts + 1);
	assert_int_equal(vx_lookup(fs, NULL, VX_ROOT_INO, "lost+found", &ino), 0);
	assert_int_equal(vx_fs_close(fs), 0);
	img_free(&im);
}

static void test_open_rdonly_writes_nothing(void **state)
{
	struct vx_fs *fs;
	struct img im;
	unsigned char *copy;
	struct vx_group g;
	vx_ino_t ino;

	img_default(&im, 12, 64 * MiB, 2048);
	copy = malloc(im.size);
	assert_non_null(copy);
	memcpy(copy, im.data, im.size);
	assert_int_equal(img_open(&im, VX_OPEN_RDONLY, 0, &fs), 0);
	assert_int_equal(vx_lookup(fs, NULL, VX_ROOT_INO, "lost+found", &ino), 0);
	assert_int_equal(vx_fs_set_state(fs, 0, VX_STATE_ERRORS), VX_EROFS);
	assert_int_equal(vx_fs_group(fs, 1, &g), 0);
	assert_int_equal(g.group_no, 1);
	assert_int_equal(vx_fs_group(fs, vx_fs_super(fs)->group_count, &g),
			 -EINVAL);
	assert_int_equal(vx_fs_sync(fs), 0);
	assert_int_equal(vx_fs_close(fs), 0);
	assert_memory_equal(copy, im.data, im.size);
	free(copy);
	img_free(&im);
}

/* ---- refusing damaged superblocks ---- */

static void expect_open_what(struct img *im, unsigned flags, int want,
			     const char *what)
{
	struct vx_fs *fs = NULL;
	int err = img_open(im, flags, 0, &fs);

	if (err != want)
		fail_msg("%s: open (flags %#x): got %s (%d), want %s", what,
			 flags, vx_errname(err), err, vx_errname(want));
	if (!err)
		assert_int_equal(vx_fs_close(fs), 0);
}

#define expect_open(im, flags, want) \
	expect_open_what(im, flags, want, "line " STR(__LINE__))
#define STR(x) STR2(x)
#define STR2(x) #x

/* set a le32/le64 field of the primary superblock and reseal it */
static void poke_super(struct img *im, size_t off, uint64_t v, int width)
{
	if (width == 32)
		vx_put32(im->data + off, (uint32_t)v);
	else
		vx_put64(im->data + off, v);
	vx_mhdr_seal(im->data, im->bsize);
}

static void test_open_bad_crc(void **state)
{
	struct img im;

	img_default(&im, 12, 64 * MiB, 0);
	im.data[200] ^= 0x01;			/* inside the label */
	expect_open(&im, 0, VX_EBADCRC);
	expect_open(&im, VX_OPEN_RDONLY, VX_EBADCRC);
	im.data[200] ^= 0x01;
	im.data[4000] ^= 0x80;			/* the zero tail is covered too */
	expect_open(&im, VX_OPEN_RDONLY, VX_EBADCRC);
	im.data[4000] ^= 0x80;
	expect_open(&im, VX_OPEN_RDONLY, 0);
	img_free(&im);
}

static void test_open_bad_magic(void **state)
{
	struct img im;
	struct vx_io *empty;
	struct vx_fs *fs;

	img_default(&im, 12, 64 * MiB, 0);
	im.data[0] ^= 0xff;
	expect_open(&im, 0, VX_EBADMAGIC);
	im.data[0] ^= 0xff;
	vx_put16(im.data + 4, VX_BT_GROUP);	/* another block type */
	vx_mhdr_seal(im.data, im.bsize);
	assert_int_not_equal(img_open(&im, VX_OPEN_RDONLY, 0, &fs), 0);
	img_free(&im);

	/* a blank device */
	assert_int_equal(vx_io_mem_open(8 * MiB, &empty), 0);
	assert_int_equal(vx_fs_open(empty, NULL, &fs), VX_EBADMAGIC);
	vx_io_close(empty);	/* a failed open leaves the io to us */
}

struct gcase {
	const char *what;
	struct { size_t off; int width; uint64_t v; } p[2];	/* width 0: none */
};

static void test_open_insane_geometry(void **state)
{
	struct img im;
	uint8_t saved[4096];

	img_default(&im, 12, 64 * MiB, 2048);	/* 8 whole groups */
	const struct vx_super *sb = &im.sb;
	const struct gcase c[] = {
		{ "block_log 30", { { 52, 32, 30 } } },
		{ "block_log 9", { { 52, 32, 9 } } },
		{ "block_count 0", { { 56, 64, 0 } } },
		{ "block_count for more groups",
		  { { 56, 64, sb->block_count + 4 * sb->group_blocks } } },
		{ "block_count beyond the device",
		  { { 56, 64, sb->block_count + sb->group_blocks },
		    { 68, 32, sb->group_count + 1 } } },
		{ "group_count 0", { { 68, 32, 0 } } },
		{ "group_count + 1", { { 68, 32, sb->group_count + 1 } } },
		{ "group_blocks not a multiple of 8",
		  { { 64, 32, sb->group_blocks + 4 } } },
		{ "inodes_per_group 0", { { 72, 32, 0 } } },
		{ "journal past group 0", { { 144, 64, sb->group_blocks } } },
	};

	memcpy(saved, im.data, sizeof(saved));
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		for (int k = 0; k < 2 && c[i].p[k].width; k++)
			poke_super(&im, c[i].p[k].off, c[i].p[k].v,
				   c[i].p[k].width);
		expect_open_what(&im, VX_OPEN_RDONLY, VX_ECORRUPT, c[i].what);
		expect_open_what(&im, 0, VX_ECORRUPT, c[i].what);
		memcpy(im.data, saved, sizeof(saved));
	}
	expect_open(&im, VX_OPEN_RDONLY, 0);
	img_free(&im);
}

static void test_open_version_features(void **state)
{
	struct img im;
	uint8_t saved[4096];

	img_default(&im, 12, 64 * MiB, 0);
	memcpy(saved, im.data, sizeof(saved));
	poke_super(&im, 48, VX_FORMAT_VERSION + 1, 32);
	expect_open(&im, VX_OPEN_RDONLY, VX_EBADVERSION);
	memcpy(im.data, saved, sizeof(saved));
	poke_super(&im, 84, VX_FEATURE_INCOMPAT_JOURNAL | 0x100, 32);
	expect_open(&im, VX_OPEN_RDONLY, VX_EUNSUPPORTED);
	memcpy(im.data, saved, sizeof(saved));
	/* unknown ro_compat: read-only opens only */
	poke_super(&im, 88, 0x1, 32);
	expect_open(&im, 0, VX_EROFS);
	expect_open(&im, VX_OPEN_RDONLY, 0);
	memcpy(im.data, saved, sizeof(saved));
	/* a wrong block number in the header: a misdirected block */
	poke_super(&im, 16, 5, 64);
	expect_open(&im, VX_OPEN_RDONLY, VX_EMISDIRECTED);
	memcpy(im.data, saved, sizeof(saved));
	expect_open(&im, 0, 0);
	img_free(&im);
}

static void test_open_truncated_device(void **state)
{
	struct vx_io *small;
	struct vx_fs *fs;
	struct img im;
	unsigned char *d;
	uint64_t size;

	img_default(&im, 12, 64 * MiB, 2048);
	/* the same image on a device half the size */
	assert_int_equal(vx_io_mem_open(32 * MiB, &small), 0);
	d = vx_io_mem_data(small, &size);
	memcpy(d, im.data, size);
	assert_int_equal(vx_fs_open(small, &(struct vx_open_opts){
					    .flags = VX_OPEN_RDONLY }, &fs),
			 VX_ECORRUPT);
	vx_io_close(small);
	img_free(&im);
}

/* ---- incomplete images and state ---- */

static void test_incomplete(void **state)
{
	struct vx_mkfs_params p;
	struct vx_super dsb;
	struct vx_fs *fs;
	struct img im;

	params_init(&p, 12);
	img_make(&im, &p, 64 * MiB, VX_FORMAT_INCOMPLETE);
	assert_int_equal(vx_super_decode(im.data, im.bsize, 0, &dsb), 0);
	assert_true(dsb.state & VX_STATE_INCOMPLETE);
	expect_open(&im, 0, VX_EINCOMPLETE);
	expect_open(&im, VX_OPEN_RDONLY, VX_EINCOMPLETE);
	assert_int_equal(img_open(&im, VX_OPEN_RDONLY | VX_OPEN_INCOMPLETE, 0,
				  &fs), 0);
	assert_true(vx_fs_super(fs)->state & VX_STATE_INCOMPLETE);
	assert_int_equal(vx_fs_close(fs), 0);

	/* what mkfs does when population succeeds: clear the bit */
	assert_int_equal(img_open(&im, VX_OPEN_INCOMPLETE, 0, &fs), 0);
	assert_int_equal(vx_fs_set_state(fs, VX_STATE_INCOMPLETE, 0), 0);
	assert_int_equal(vx_fs_close(fs), 0);
	assert_int_equal(vx_super_decode(im.data, im.bsize, 0, &dsb), 0);
	assert_false(dsb.state & VX_STATE_INCOMPLETE);
	assert_true(dsb.state & VX_STATE_CLEAN);
	expect_open(&im, 0, 0);

	/* and the errors bit sticks across a close */
	assert_int_equal(img_open(&im, 0, 0, &fs), 0);
	assert_int_equal(vx_fs_set_state(fs, 0, VX_STATE_ERRORS), 0);
	assert_int_equal(vx_fs_close(fs), 0);
	assert_int_equal(vx_super_decode(im.data, im.bsize, 0, &dsb), 0);
	assert_true(dsb.state & VX_STATE_ERRORS);
	img_free(&im);
}

/* ---- backups ---- */

static void check_backups(uint32_t blog, uint64_t size, uint32_t gb)
{
	struct vx_fs *fs;
	struct img im;
	vx_blk_t bk[2];
	vx_ino_t ino;
	int n;

	img_default(&im, blog, size, gb);
	n = vx_fs_backup_blocks(&im.sb, bk);
	assert_int_equal(n, 2);
	memset(im.data, 0, im.bsize);		/* lose the primary */
	expect_open(&im, VX_OPEN_RDONLY, VX_EBADMAGIC);
	for (int i = 0; i < n; i++) {
		int err = img_open(&im, VX_OPEN_RDONLY | VX_OPEN_BACKUP_SB,
				   bk[i], &fs);

		if (err)
			fail_msg("bs %u: open with backup at block %llu: %s",
				 im.bsize, (unsigned long long)bk[i],
				 vx_strerror(err));
		assert_same_geometry(vx_fs_super(fs), &im.sb);
		assert_int_equal(vx_lookup(fs, NULL, VX_ROOT_INO, "lost+found",
					   &ino), 0);
		assert_int_equal(vx_fs_close(fs), 0);
	}
	/* a block that holds no superblock */
	assert_int_not_equal(img_open(&im, VX_OPEN_RDONLY | VX_OPEN_BACKUP_SB,
				      bk[0] + 1, &fs), 0);
	img_free(&im);
}

static void test_backup_open(void **state)
{
	check_backups(10, 32 * MiB, 8192);
	check_backups(12, 64 * MiB, 2048);
	check_backups(16, 256 * MiB, 1024);
}

/* ---- catastrophic opens ---- */

/*
 * VX_OPEN_CATASTROPHIC opens what a normal open refuses, read-only and
 * without a look at the journal.  The images: 16 MiB of 1 KiB blocks in
 * groups of 2048 (8 groups, backups in 1 and 7) holding files whose
 * data runs through groups 0, 1 and 2 (the block allocator goes on from
 * where it stopped), each of its own pattern, and sub/s.  Every open
 * goes through a watch layer that counts the writes that reach the
 * device and the reads of the journal region.
 */
#define CAT_FILES	40
#define CAT_LEN		(100 * 1024)

struct cat_file {
	char name[8];
	vx_ino_t ino;
	uint32_t glo, ghi;	/* groups its data lies in */
};

struct cat_img {
	struct img im;
	struct cat_file f[CAT_FILES];
	vx_ino_t sub, s;
};

static unsigned char cpat(uint64_t off, unsigned seed)
{
	return (unsigned char)((off * 2654435761u >> 7) + seed * 29 + 1);
}

/* a file @name in @dir with @len bytes of pattern @seed */
static vx_ino_t put_file(struct vx_fs *fs, vx_ino_t dir, const char *name,
			 size_t len, unsigned seed)
{
	struct vx_attr a = { .mode = S_IFREG | 0644 };
	unsigned char *buf = malloc(len);
	vx_ino_t ino;

	assert_non_null(buf);
	for (size_t i = 0; i < len; i++)
		buf[i] = cpat(i, seed);
	assert_int_equal(vx_create(fs, NULL, dir, name, &a, &ino), 0);
	assert_int_equal(vx_write(fs, NULL, ino, 0, buf, len), 0);
	free(buf);
	return ino;
}

/* @name in @dir is @ino and holds exactly @len bytes of pattern @seed
 * (a read past the end stops at the size) */
static void file_is(struct vx_fs *fs, vx_ino_t dir, const char *name,
		    vx_ino_t ino, size_t len, unsigned seed)
{
	unsigned char *buf = malloc(len + 16), *want = malloc(len);
	vx_ino_t found;
	size_t done;

	assert_non_null(buf);
	assert_non_null(want);
	for (size_t i = 0; i < len; i++)
		want[i] = cpat(i, seed);
	assert_int_equal(vx_lookup(fs, NULL, dir, name, &found), 0);
	assert_int_equal(found, ino);
	assert_int_equal(vx_read(fs, NULL, ino, 0, buf, len + 16, &done), 0);
	assert_int_equal(done, len);
	assert_memory_equal(buf, want, len);
	free(buf);
	free(want);
}

/* the groups the data of @ino (@len bytes) lies in */
static void data_groups(struct vx_fs *fs, vx_ino_t ino, uint64_t len,
			uint32_t *lo, uint32_t *hi)
{
	uint32_t bs = 1u << vx_fs_super(fs)->block_log;
	uint32_t gb = vx_fs_super(fs)->group_blocks;

	*lo = UINT32_MAX;
	*hi = 0;
	for (uint64_t l = 0, run; l < (len + bs - 1) / bs; l += run) {
		vx_blk_t p;

		assert_int_equal(vx_bmap(fs, NULL, ino, l, &p, &run), 0);
		assert_true(p && run >= 1);		/* no holes */
		*lo = p / gb < *lo ? (uint32_t)(p / gb) : *lo;
		*hi = (p + run - 1) / gb > *hi ? (uint32_t)((p + run - 1) / gb)
					       : *hi;
	}
}

static struct cat_img *cat_new(unsigned fmt_flags)
{
	struct cat_img *c = malloc(sizeof(*c));
	struct vx_mkfs_params p;
	struct vx_fs *fs;
	unsigned in0 = 0, in1 = 0, in2 = 0;

	assert_non_null(c);
	params_init(&p, 10);
	p.group_blocks = 2048;
	img_make(&c->im, &p, 16 * MiB, fmt_flags);
	assert_int_equal(c->im.sb.group_count, 8);
	assert_int_equal(img_open(&c->im, fmt_flags ? VX_OPEN_INCOMPLETE : 0,
				  0, &fs), 0);
	assert_int_equal(vx_mkdir(fs, NULL, VX_ROOT_INO, "sub",
				  &(struct vx_attr){ .mode = S_IFDIR | 0755 },
				  &c->sub), 0);
	c->s = put_file(fs, c->sub, "s", 3000, 7);
	for (unsigned i = 0; i < CAT_FILES; i++) {
		struct cat_file *f = &c->f[i];

		snprintf(f->name, sizeof(f->name), "f%02u", i);
		f->ino = put_file(fs, VX_ROOT_INO, f->name, CAT_LEN, 100 + i);
		data_groups(fs, f->ino, CAT_LEN, &f->glo, &f->ghi);
		in0 += f->ghi == 0;
		in1 += f->glo <= 1 && f->ghi >= 1;
		in2 += f->glo >= 2;
	}
	/* files wholly in group 0, in group 1, and past it */
	assert_true(in0 > 0 && in1 > 0 && in2 > 0);
	assert_int_equal(vx_fs_close(fs), 0);
	return c;
}

/* every file of @c whose data stays out of group @skip (-1: none) reads
 * back as written (and sub/s); returns how many were read */
static unsigned cat_read_back(struct vx_fs *fs, const struct cat_img *c,
			      int64_t skip)
{
	unsigned n = 0;

	file_is(fs, c->sub, "s", c->s, 3000, 7);
	for (unsigned i = 0; i < CAT_FILES; i++) {
		const struct cat_file *f = &c->f[i];

		if (f->glo <= skip && f->ghi >= skip)
			continue;
		file_is(fs, VX_ROOT_INO, f->name, f->ino, CAT_LEN, 100 + i);
		n++;
	}
	return n;
}

/* a layer counting the writes reaching @lower and reads of [lo, hi) */
struct watch_io {
	struct vx_io io;
	struct vx_io *lower;
	uint64_t lo, hi;
	unsigned reads_in, writes;
};

static int watch_read(struct vx_io *io, uint64_t off, void *b, size_t n)
{
	struct watch_io *w = (struct watch_io *)io;

	if (off < w->hi && off + n > w->lo)
		w->reads_in++;
	return vx_io_read(w->lower, off, b, n);
}

static int watch_write(struct vx_io *io, uint64_t off, const void *b,
		       size_t n)
{
	struct watch_io *w = (struct watch_io *)io;

	w->writes++;
	return vx_io_write(w->lower, off, b, n);
}

static int watch_size(struct vx_io *io, uint64_t *size)
{
	return vx_io_get_size(((struct watch_io *)io)->lower, size);
}

static int watch_close(struct vx_io *io)
{
	free(io);
	return 0;
}

static const struct vx_io_ops watch_ops = {
	.name = "watch", .read = watch_read, .write = watch_write,
	.get_size = watch_size, .close = watch_close,
};

/* a watch over @lower counting reads of @sb's journal */
static struct watch_io *watch_new(struct vx_io *lower,
				  const struct vx_super *sb)
{
	struct watch_io *w = calloc(1, sizeof(*w));
	uint64_t bs = 1ull << sb->block_log;

	assert_non_null(w);
	w->io.ops = &watch_ops;
	w->io.sector_size = lower->sector_size;
	w->lower = lower;
	w->lo = sb->journal_start * bs;
	w->hi = (sb->journal_start + sb->journal_blocks) * bs;
	return w;
}

/* what the log callback was told */
struct logged {
	unsigned n;
	int level[32];
	char msg[32][200];
};

static void log_keep(void *ctx, int level, const char *msg)
{
	struct logged *l = ctx;

	if (l->n < 32) {
		l->level[l->n] = level;
		snprintf(l->msg[l->n], sizeof(l->msg[0]), "%s", msg);
	}
	l->n++;
}

/* how many messages at VX_LOG_ERR start with @prefix */
static unsigned logged_err(const struct logged *l, const char *prefix)
{
	unsigned n = 0;

	for (unsigned i = 0; i < l->n && i < 32; i++)
		n += l->level[i] == VX_LOG_ERR &&
		     !strncmp(l->msg[i], prefix, strlen(prefix));
	return n;
}

static int open_with(struct vx_io *io, unsigned flags, struct logged *l,
		     struct vx_fs **fs)
{
	struct vx_open_opts o = { .flags = flags | VX_OPEN_BORROW_IO,
				  .log = log_keep, .log_ctx = l };

	return vx_fs_open(io, &o, fs);
}

/* a normal read-only open of @w's device fails with @err; a
 * catastrophic one (the log to @l, the watch counts reset) opens it */
static struct vx_fs *cat_open(struct watch_io *w, int err, struct logged *l)
{
	struct vx_fs *fs;

	assert_int_equal(open_with(&w->io, VX_OPEN_RDONLY, l, &fs), err);
	if (!err)
		assert_int_equal(vx_fs_close(fs), 0);
	memset(l, 0, sizeof(*l));
	w->reads_in = w->writes = 0;
	assert_int_equal(open_with(&w->io, VX_OPEN_CATASTROPHIC, l, &fs), 0);
	return fs;
}

/* the catastrophic open is read-only, and closes leaving @size bytes at
 * @dev as @copy (frees it), with no write and no read of the journal */
static void cat_close(struct vx_fs *fs, struct watch_io *w,
		      const unsigned char *dev, unsigned char *copy,
		      uint64_t size)
{
	struct vx_attr a = { .mode = S_IFDIR | 0755 };
	struct vx_txn *tx;
	vx_ino_t ino;

	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), VX_EROFS);
	assert_int_equal(vx_mkdir(fs, NULL, VX_ROOT_INO, "x", &a, &ino),
			 VX_EROFS);
	assert_int_equal(vx_write(fs, NULL, VX_ROOT_INO, 0, "x", 1), VX_EROFS);
	assert_int_equal(vx_fs_set_state(fs, 0, VX_STATE_ERRORS), VX_EROFS);
	assert_int_equal(vx_fs_sync(fs), 0);
	assert_int_equal(vx_fs_journal(fs, NULL), 0);
	assert_int_equal(vx_fs_close(fs), 0);
	assert_int_equal(w->reads_in, 0);
	assert_int_equal(w->writes, 0);
	assert_memory_equal(dev, copy, size);
	vx_io_close(&w->io);
	free(copy);
}

static unsigned char *dup_bytes(const unsigned char *d, uint64_t size)
{
	unsigned char *copy = malloc(size);

	assert_non_null(copy);
	return memcpy(copy, d, size);
}

/*
 * Group 1's header zeroed: a normal open (read-only or not) refuses the
 * image with VX_EBADMAGIC and writes nothing; a catastrophic one opens
 * it read-only, takes the header the geometry implies (counts zero, the
 * metadata where the geometry puts it), tells the log callback about
 * group 1 and no other, and reads back every file outside group 1 byte
 * for byte.  The journal is not read, and nothing is written.
 */
static void test_catastrophic_bad_group(void **state)
{
	struct cat_img *c = cat_new(0);
	struct logged l = { 0 };
	struct watch_io *w;
	struct vx_group g;
	struct vx_fs *fs;
	unsigned char *copy;
	vx_blk_t h1 = header_of(&c->im.sb, 1);
	uint64_t fb = 0;

	assert_int_equal(h1, 2048 + 1);	/* after group 1's backup */
	memset(blk(&c->im, h1), 0, c->im.bsize);
	copy = dup_bytes(c->im.data, c->im.size);
	w = watch_new(c->im.mem, &c->im.sb);
	assert_int_equal(open_with(&w->io, 0, &l, &fs), VX_EBADMAGIC);
	assert_int_equal(logged_err(&l, "group 1 header"), 1);
	assert_int_equal(w->writes, 0);

	fs = cat_open(w, VX_EBADMAGIC, &l);
	assert_int_equal(logged_err(&l, "group 1 header (block 2049)"), 1);
	assert_int_equal(logged_err(&l, "group "), 1);	/* no other */
	assert_int_equal(vx_fs_group(fs, 1, &g), 0);
	assert_int_equal(g.start, 2048);
	assert_int_equal(g.nblocks, 2048);
	assert_int_equal(g.free_blocks, 0);
	assert_int_equal(g.free_inodes, 0);
	assert_int_equal(g.bbitmap, h1 + 1);
	assert_int_equal(g.ibitmap, g.bbitmap + c->im.sb.bbitmap_blocks);
	assert_int_equal(g.itable, g.ibitmap + c->im.sb.ibitmap_blocks);
	for (uint32_t i = 0; i < c->im.sb.group_count; i++) {
		assert_int_equal(vx_fs_group(fs, i, &g), 0);
		fb += g.free_blocks;
	}
	assert_int_equal(vx_fs_super(fs)->free_blocks, fb);
	assert_true(cat_read_back(fs, c, 1) > 0);
	cat_close(fs, w, c->im.data, copy, c->im.size);
	img_free(&c->im);
	free(c);
}

/*
 * A dirty journal (a transaction committed, the image copied before the
 * checkpoint) is neither replayed nor read by a catastrophic open: it
 * shows the state before the commit, vx_fs_journal says nothing, and
 * no read touches the journal region; a normal read-only open of the
 * same image reads it and reports vx_fs_journal() == 1.  Nothing is
 * written: the commit is still there for a read-write open to recover.
 */
static void test_catastrophic_dirty_journal(void **state)
{
	struct cat_img *c = cat_new(0);
	struct vx_attr a = { .mode = S_IFDIR | 0755 }, sa = { .mode = 0600 };
	struct vx_jrecovery info;
	struct logged l = { 0 };
	struct vx_io *dirty;
	struct watch_io *w;
	struct vx_txn *tx;
	struct vx_fs *fs;
	unsigned char *d, *copy, buf[32];
	vx_ino_t nd, nf, ino;
	uint64_t size;
	size_t done;

	assert_int_equal(img_open(&c->im, 0, 0, &fs), 0);
	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);
	assert_int_equal(vx_mkdir(fs, tx, VX_ROOT_INO, "new", &a, &nd), 0);
	a.mode = S_IFREG | 0644;
	assert_int_equal(vx_create(fs, tx, nd, "nf", &a, &nf), 0);
	assert_int_equal(vx_write(fs, tx, nf, 0, "committed", 9), 0);
	assert_int_equal(vx_setattr(fs, tx, c->s, &sa, VX_SET_MODE), 0);
	assert_int_equal(vx_unlink(fs, tx, VX_ROOT_INO, "f00"), 0);
	assert_int_equal(vx_txn_commit(tx, NULL), 0);
	/* a crash now: the commit is in the journal only */
	assert_int_equal(vx_io_mem_open(c->im.size, &dirty), 0);
	d = vx_io_mem_data(dirty, &size);
	memcpy(d, c->im.data, size);
	assert_int_equal(vx_fs_close(fs), 0);
	copy = dup_bytes(d, size);
	w = watch_new(dirty, &c->im.sb);

	/* a normal read-only open looks, and says recovery is due */
	assert_int_equal(open_with(&w->io, VX_OPEN_RDONLY, &l, &fs), 0);
	assert_int_equal(vx_fs_journal(fs, &info), 1);
	assert_true(info.txns >= 1);
	assert_int_equal(vx_fs_close(fs), 0);
	assert_true(w->reads_in > 0);

	/* a catastrophic one does not even look */
	fs = cat_open(w, 0, &l);
	assert_int_equal(vx_fs_journal(fs, &info), 0);
	assert_int_equal(info.txns, 0);
	assert_int_equal(vx_lookup(fs, NULL, VX_ROOT_INO, "new", &ino),
			 -ENOENT);
	assert_int_equal(vx_stat(fs, NULL, c->s, &a), 0);
	assert_int_equal(a.mode, S_IFREG | 0644);
	assert_int_equal(cat_read_back(fs, c, -1), CAT_FILES); /* f00 too */
	cat_close(fs, w, d, copy, size);

	/* the commit is still there: a read-write open recovers it */
	assert_int_equal(open_with(dirty, 0, &l, &fs), 0);
	assert_int_equal(vx_fs_journal(fs, &info), 0);
	assert_true(info.txns >= 1);
	assert_int_equal(vx_lookup(fs, NULL, VX_ROOT_INO, "new", &ino), 0);
	assert_int_equal(ino, nd);
	assert_int_equal(vx_read(fs, NULL, nf, 0, buf, sizeof(buf), &done), 0);
	assert_int_equal(done, 9);
	assert_memory_equal(buf, "committed", 9);
	assert_int_equal(vx_lookup(fs, NULL, VX_ROOT_INO, "f00", &ino),
			 -ENOENT);
	assert_int_equal(vx_fs_close(fs), 0);
	vx_io_close(dirty);
	img_free(&c->im);
	free(c);
}

/*
 * The image on a device shorter than its block_count (the last group
 * and part of the one before it cut off): a normal open refuses it with
 * VX_ECORRUPT, a catastrophic one opens it, tells the log callback
 * about the group whose header is past the end, and reads back every
 * file; nothing is written.
 */
static void test_catastrophic_short_device(void **state)
{
	struct cat_img *c = cat_new(0);
	uint64_t cut = 13 * MiB, size;	/* groups 0-5, part of 6 */
	struct logged l = { 0 };
	struct vx_io *small;
	struct watch_io *w;
	struct vx_group g;
	struct vx_fs *fs;
	unsigned char *d, *copy;

	assert_int_equal(vx_io_mem_open(cut, &small), 0);
	d = vx_io_mem_data(small, &size);
	memcpy(d, c->im.data, size);
	copy = dup_bytes(d, size);
	w = watch_new(small, &c->im.sb);
	assert_int_equal(header_of(&c->im.sb, 7), 14337);	/* cut off */
	assert_true(header_of(&c->im.sb, 6) * c->im.bsize < cut &&
		    14337 * c->im.bsize >= cut);
	assert_int_equal(open_with(&w->io, 0, &l, &fs), VX_ECORRUPT);
	assert_int_equal(l.n, 0);	/* refused before the groups */

	fs = cat_open(w, VX_ECORRUPT, &l);
	assert_int_equal(logged_err(&l, "group 7 header (block 14337)"), 1);
	assert_int_equal(logged_err(&l, "group "), 1);
	assert_int_equal(vx_fs_group(fs, 7, &g), 0);
	assert_int_equal(g.free_blocks, 0);
	assert_int_equal(g.free_inodes, 0);
	assert_int_equal(cat_read_back(fs, c, -1), CAT_FILES);
	cat_close(fs, w, d, copy, size);
	vx_io_close(small);
	img_free(&c->im);
	free(c);
}

/*
 * An image mkfs left incomplete (VX_STATE_INCOMPLETE): a normal open
 * needs VX_OPEN_INCOMPLETE, a catastrophic one takes it as it is,
 * read-only, files and all, logging nothing; nothing is written.
 */
static void test_catastrophic_incomplete(void **state)
{
	struct cat_img *c = cat_new(VX_FORMAT_INCOMPLETE);
	struct logged l = { 0 };
	struct watch_io *w;
	struct vx_fs *fs;
	unsigned char *copy;
	vx_ino_t ino;

	copy = dup_bytes(c->im.data, c->im.size);
	w = watch_new(c->im.mem, &c->im.sb);
	fs = cat_open(w, VX_EINCOMPLETE, &l);
	assert_int_equal(l.n, 0);
	assert_true(vx_fs_super(fs)->state & VX_STATE_INCOMPLETE);
	assert_int_equal(vx_lookup(fs, NULL, VX_ROOT_INO, "lost+found", &ino),
			 0);
	assert_int_equal(ino, vx_fs_super(fs)->lost_found_ino);
	assert_int_equal(cat_read_back(fs, c, -1), CAT_FILES);
	cat_close(fs, w, c->im.data, copy, c->im.size);
	img_free(&c->im);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_defaults),
		cmocka_unit_test(test_plan_params_kept),
		cmocka_unit_test(test_plan_rejects),
		cmocka_unit_test(test_plan_too_small),
		cmocka_unit_test(test_plan_layouts),
		cmocka_unit_test(test_format_writes),
		cmocka_unit_test(test_open_close_reopen),
		cmocka_unit_test(test_open_rdonly_writes_nothing),
		cmocka_unit_test(test_open_bad_crc),
		cmocka_unit_test(test_open_bad_magic),
		cmocka_unit_test(test_open_insane_geometry),
		cmocka_unit_test(test_open_version_features),
		cmocka_unit_test(test_open_truncated_device),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_backup_open),
		cmocka_unit_test(test_catastrophic_bad_group),
		cmocka_unit_test(test_catastrophic_dirty_journal),
		cmocka_unit_test(test_catastrophic_short_device),
		cmocka_unit_test(test_catastrophic_incomplete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
