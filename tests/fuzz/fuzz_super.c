/*
 * fuzz_super.c: libFuzzer target for the superblock decoder
 * (vx_super_decode, vx_super_check, vx_group_layout).
 *
 * The input is one superblock, 1 KiB to 64 KiB.  It is decoded twice:
 * as it is (so the magic, crc and block-number checks are fuzzed), and
 * re-sealed with a correct crc over the block size it names (so the
 * range checks behind the crc are fuzzed too; random bytes would almost
 * never get past the crc otherwise), each at block 0 and at the block
 * number its header claims.  Whatever decodes must be sane: the
 * geometry check passes, the first, second and last groups lie inside
 * the filesystem with their metadata in order, and encoding the result
 * and decoding it again gives the same superblock.  Violations abort.
 *
 * With VX_FUZZ_SEEDS=DIR in the environment the binary writes its seed
 * corpus (superblocks planned at several block sizes and sizes) to DIR
 * and exits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fs_int.h"
#include "fuzz_common.h"

static void same_super(const struct vx_super *a, const struct vx_super *b)
{
	CHECK(a->hdr.blkno == b->hdr.blkno && a->hdr.seq == b->hdr.seq &&
	      a->hdr.flags == b->hdr.flags);
	CHECK(!memcmp(a->hdr.uuid, b->hdr.uuid, 16));
	CHECK(a->version == b->version && a->block_log == b->block_log);
	CHECK(a->block_count == b->block_count);
	CHECK(a->group_blocks == b->group_blocks &&
	      a->group_count == b->group_count);
	CHECK(a->inodes_per_group == b->inodes_per_group &&
	      a->inode_size == b->inode_size && a->state == b->state);
	CHECK(a->feature_compat == b->feature_compat &&
	      a->feature_incompat == b->feature_incompat &&
	      a->feature_ro_compat == b->feature_ro_compat);
	CHECK(a->bbitmap_blocks == b->bbitmap_blocks &&
	      a->ibitmap_blocks == b->ibitmap_blocks &&
	      a->itable_blocks == b->itable_blocks);
	CHECK(a->free_blocks == b->free_blocks &&
	      a->free_inodes == b->free_inodes);
	CHECK(a->root_ino == b->root_ino &&
	      a->lost_found_ino == b->lost_found_ino);
	CHECK(a->journal_start == b->journal_start &&
	      a->journal_blocks == b->journal_blocks);
	CHECK(a->hash_seed == b->hash_seed && a->mkfs_time == b->mkfs_time &&
	      a->write_time == b->write_time && a->last_seq == b->last_seq);
	CHECK(a->mount_count == b->mount_count &&
	      a->error_count == b->error_count);
	CHECK(!strcmp(a->label, b->label) && !strcmp(a->creator, b->creator));
}

static void check_group(const struct vx_super *sb, uint32_t g)
{
	struct vx_glayout gl;

	vx_group_layout(sb, g, &gl);
	CHECK(gl.start == (uint64_t)g * sb->group_blocks);
	CHECK(gl.nblocks >= 1 && gl.start + gl.nblocks <= sb->block_count);
	CHECK(gl.header >= gl.start && gl.bbitmap == gl.header + 1);
	CHECK(gl.ibitmap == gl.bbitmap + sb->bbitmap_blocks);
	CHECK(gl.itable == gl.ibitmap + sb->ibitmap_blocks);
	/* a full group's metadata fits; the last may be short (it is
	 * checked when the filesystem is opened) */
	if (gl.nblocks == sb->group_blocks)
		CHECK(gl.meta_blocks < gl.nblocks);
	if (g == 0)
		CHECK(sb->journal_start + sb->journal_blocks <= gl.nblocks);
}

/* a decoded superblock must be sane and survive a round trip */
static void check_super(const struct vx_super *sb, vx_blk_t blkno)
{
	size_t bs = (size_t)1 << sb->block_log;
	struct vx_super again;
	vx_blk_t bk[2];
	uint8_t *buf;
	int n;

	CHECK(sb->block_log >= VX_MIN_BLOCK_LOG &&
	      sb->block_log <= VX_MAX_BLOCK_LOG);
	CHECK(vx_super_check(sb) == 0);
	CHECK(sb->group_count >= 1 && sb->group_count <= VX_MAX_GROUPS);
	check_group(sb, 0);
	if (sb->group_count > 1)
		check_group(sb, 1);
	check_group(sb, sb->group_count - 1);
	n = vx_fs_backup_blocks(sb, bk);
	CHECK(n >= 0 && n <= 2);
	for (int i = 0; i < n; i++)
		CHECK(bk[i] > 0 && bk[i] < sb->block_count);
	buf = malloc(bs);
	CHECK(buf);
	vx_super_encode(buf, bs, sb);
	CHECK(vx_super_decode(buf, bs, blkno, &again) == 0);
	same_super(sb, &again);
	free(buf);
}

static void try_decode(const uint8_t *blk, size_t size)
{
	vx_blk_t at[2] = { 0, vx_get64(blk + 16) };
	struct vx_super sb;

	for (int i = 0; i < 2; i++) {
		int err = vx_super_decode(blk, size, at[i], &sb);

		CHECK(err <= 0);
		if (err == 0)
			check_super(&sb, at[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *blk;
	uint32_t blog;

	if (size < 1024 || size > (1u << VX_MAX_BLOCK_LOG))
		return 0;
	/* an exact-size copy: reads past the end are caught */
	blk = malloc(size);
	CHECK(blk);
	memcpy(blk, data, size);
	try_decode(blk, size);
	/* with a correct crc over the block size it names */
	blog = vx_get32(blk + 52);
	if (blog >= VX_MIN_BLOCK_LOG && blog <= VX_MAX_BLOCK_LOG &&
	    ((size_t)1 << blog) <= size) {
		vx_mhdr_seal(blk, (size_t)1 << blog);
		try_decode(blk, size);
	}
	free(blk);
	return 0;
}

/* ---- seed corpus ---- */

static void write_seed(const char *dir, const char *name, const void *p,
		       size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void seeds(const char *dir)
{
	static const struct { uint32_t blog; uint64_t blocks, gb; } plans[] = {
		{ 10, 960, 320 }, { 10, 7892, 1024 }, { 12, 262144 + 9000, 0 },
		{ 12, 5000, 1024 }, { 16, 70000, 32768 },
	};
	for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++) {
		struct vx_mkfs_params p = { .block_log = plans[i].blog,
			.block_count = plans[i].blocks,
			.group_blocks = (uint32_t)plans[i].gb,
			.hash_seed = 0x5eed + i, .now = 1700000000 };
		size_t bs = (size_t)1 << plans[i].blog;
		uint8_t *buf = calloc(1, bs);
		struct vx_super sb;
		vx_blk_t bk[2];
		char name[64];
		int n;

		memset(p.uuid, 0x11 * (int)(i + 1), 16);
		snprintf(p.label, sizeof(p.label), "seed-%zu", i);
		if (!buf || vx_fs_plan(&p, plans[i].blocks << plans[i].blog,
				       &sb)) {
			fprintf(stderr, "fuzz_super: cannot plan seed %zu\n", i);
			exit(1);
		}
		sb.hdr.blkno = 0;
		vx_super_encode(buf, bs, &sb);
		snprintf(name, sizeof(name), "plan-%zu", i);
		write_seed(dir, name, buf, bs);
		n = vx_fs_backup_blocks(&sb, bk);
		if (n) {	/* a backup names its own block */
			sb.hdr.blkno = bk[n - 1];
			vx_super_encode(buf, bs, &sb);
			snprintf(name, sizeof(name), "backup-%zu", i);
			write_seed(dir, name, buf, bs);
		}
		free(buf);
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
