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
 * each backup superblock; read-only opens that write nothing.
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
