/*
 * fuzz_dir.c: libFuzzer target for directories read from a crafted
 * image (vx_dir_find, vx_dir_iterate, vx_dir_add, vx_dir_remove through
 * vx_lookup, vx_readdir, vx_create, vx_mkdir, vx_unlink, vx_rmdir).
 *
 * At start-up the target formats a small image (1 KiB blocks, 2 MiB)
 * with two directories: "small" (60 names: a root index over a few
 * leaves) and "big" (1,600 names: a tree of three levels), holding
 * files, subdirectories, symlinks and hard links.  The input rewrites
 * the blocks of one of them:
 *
 *     0  u8    bit 0: which directory ("small" / "big"); bit 1: re-seal
 *              edited blocks (otherwise their old crc stays and the
 *              checksum path is fuzzed); bit 2: also run the read-write
 *              phase
 *     1  ..    payloads: (block size - 48) bytes each, written after the
 *              48-byte header of the directory's blocks in logical order
 *              (block 0 is the root); blocks the input does not reach
 *              keep their contents
 *
 * The image is opened read-only on a copy: readdir (every name returned
 * is looked up again), lookups of every 25th original name, a path
 * lookup through the directory, stat.  With bit 2 a second copy is
 * opened read-write: create, mkdir, unlink and rmdir in the directory,
 * readdir, close (which syncs).  Nothing may crash, hang or leak.
 *
 * With VX_FUZZ_SEEDS=DIR the binary writes its seeds (each directory
 * whole, the first blocks of the big one, with each flag) to DIR and
 * exits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "fs_int.h"
#include "fuzz_common.h"

#define BS		1024u
#define NBLOCKS		2048u
#define PAYLOAD		(BS - VX_MHDR_SIZE)
#define NOW		1700000000
#define MAX_DBLK	256
#define MAX_ENTRIES	100000

static const unsigned NAMES[2] = { 60, 1600 };
static const char *const DIRS[2] = { "small", "big" };

static uint8_t *g_img, *g_work, *g_rw;	/* pristine, patched, changed */
static vx_ino_t g_dir[2];
static vx_blk_t g_blk[2][MAX_DBLK];	/* device block of each dir block */
static unsigned g_nblk[2];

static void name_of(unsigned i, char *buf, size_t len)
{
	snprintf(buf, len, "e%u-%.*s", i, (int)(i % 9), "xxxxxxxxx");
}

static void fill_dir(struct vx_fs *fs, vx_ino_t dir, unsigned n)
{
	char name[64];
	vx_ino_t file, ino;

	CHECK(vx_create(fs, NULL, dir, "file", NULL, &file) == 0);
	for (unsigned i = 0; i < n; i++) {
		name_of(i, name, sizeof(name));
		if (i % 50 == 1)
			CHECK(vx_mkdir(fs, NULL, dir, name, NULL, &ino) == 0);
		else if (i % 50 == 2)
			CHECK(vx_symlink(fs, NULL, dir, name, "file", NULL, &ino) == 0);
		else
			CHECK(vx_link(fs, NULL, file, dir, name) == 0);
	}
}

static void build_image(void)
{
	struct vx_mkfs_params p = { .block_log = 10, .block_count = NBLOCKS,
				    .group_blocks = 1024, .inode_count = 256,
				    .hash_seed = 0xd1d1, .now = NOW };
	struct vx_open_opts o = { .flags = VX_OPEN_BORROW_IO,
				  .fixed_time = NOW };
	struct vx_super sb;
	struct vx_io *io;
	struct vx_fs *fs;

	memset(p.uuid, 0xd1, 16);
	CHECK(vx_io_mem_open((uint64_t)NBLOCKS * BS, &io) == 0);
	CHECK(vx_fs_plan(&p, (uint64_t)NBLOCKS * BS, &sb) == 0);
	CHECK(vx_fs_format(io, &sb, 0) == 0);
	CHECK(vx_fs_open(io, &o, &fs) == 0);
	for (int d = 0; d < 2; d++) {
		struct vx_inode in;

		CHECK(vx_mkdir(fs, NULL, VX_ROOT_INO, DIRS[d], NULL, &g_dir[d]) == 0);
		fill_dir(fs, g_dir[d], NAMES[d]);
		CHECK(vx_inode_read(fs, g_dir[d], &in) == 0);
		g_nblk[d] = (unsigned)(in.size / BS);
		CHECK(g_nblk[d] >= 2 && g_nblk[d] <= MAX_DBLK);
		for (unsigned l = 0; l < g_nblk[d]; l++) {
			uint64_t run;

			CHECK(vx_extent_map(fs, &in, l, &g_blk[d][l], &run) == 0);
			CHECK(g_blk[d][l] != 0);
		}
	}
	CHECK(vx_fs_close(fs) == 0);
	g_img = big_alloc((size_t)NBLOCKS * BS);
	g_work = big_alloc((size_t)NBLOCKS * BS);
	g_rw = big_alloc((size_t)NBLOCKS * BS);
	memcpy(g_img, vx_io_mem_data(io, NULL), (size_t)NBLOCKS * BS);
	vx_io_close(io);
	/* "big" must be three levels deep to be worth fuzzing */
	CHECK(vx_get16(g_img + g_blk[1][0] * BS + 48) >= 2);
}

struct names {
	unsigned n;
	char (*name)[VX_NAME_MAX + 1];
};

static int collect(void *ctx, const char *name, size_t len, vx_ino_t ino,
		   unsigned type)
{
	struct names *ns = ctx;

	CHECK(len <= VX_NAME_MAX && strlen(name) == len);
	if (ns->n >= MAX_ENTRIES)
		return 1;	/* enough: a hostile tree can repeat leaves */
	if (ns->n < 64)
		memcpy(ns->name[ns->n], name, len + 1);
	ns->n++;
	return 0;
}

static void walk(struct vx_fs *fs, vx_ino_t dir, unsigned names)
{
	struct names ns = { 0 };
	char name[64], path[96];
	struct vx_attr a;
	vx_ino_t ino;

	ns.name = calloc(64, sizeof(*ns.name));
	CHECK(ns.name);
	vx_stat(fs, NULL, dir, &a);
	vx_readdir(fs, NULL, dir, collect, &ns);
	for (unsigned i = 0; i < ns.n && i < 64; i++)
		vx_lookup(fs, NULL, dir, ns.name[i], &ino);
	for (unsigned i = 0; i < names; i += 25) {
		name_of(i, name, sizeof(name));
		vx_lookup(fs, NULL, dir, name, &ino);
	}
	name_of(1, name, sizeof(name));	/* a subdirectory */
	snprintf(path, sizeof(path), "/%s/%s/..", dir == g_dir[0] ?
		 DIRS[0] : DIRS[1], name);
	vx_lookup_path(fs, NULL, VX_ROOT_INO, path, VX_LOOKUP_FOLLOW, &ino);
	free(ns.name);
}

static void write_phase(const uint8_t *img, int d)
{
	struct vx_fs *fs;
	char name[64];
	vx_ino_t ino;

	memcpy(g_rw, img, (size_t)NBLOCKS * BS);
	fs = fuzz_open(g_rw, (uint64_t)NBLOCKS * BS, NOW, false);
	if (!fs)
		return;
	vx_create(fs, NULL, g_dir[d], "fuzz-new", NULL, &ino);
	vx_mkdir(fs, NULL, g_dir[d], "fuzz-dir", NULL, &ino);
	name_of(3, name, sizeof(name));
	vx_unlink(fs, NULL, g_dir[d], name);
	name_of(51, name, sizeof(name));	/* an empty subdirectory */
	vx_rmdir(fs, NULL, g_dir[d], name);
	vx_rmdir(fs, NULL, g_dir[d], "fuzz-dir");
	walk(fs, g_dir[d], 0);
	vx_fs_close(fs);	/* its sync may fail on a hostile image */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int d;
	size_t off = 1;
	uint8_t *img;
	struct vx_fs *fs;

	if (!g_img)
		build_image();
	if (size < 1)
		return 0;
	d = data[0] & 1;
	img = g_work;
	memcpy(img, g_img, (size_t)NBLOCKS * BS);
	for (unsigned l = 0; l < g_nblk[d] && off < size; l++) {
		uint8_t *b = img + g_blk[d][l] * BS;
		size_t n = size - off < PAYLOAD ? size - off : PAYLOAD;

		memcpy(b + VX_MHDR_SIZE, data + off, n);
		if (data[0] & 2)
			vx_mhdr_seal(b, BS);
		off += n;
	}
	fs = fuzz_open(img, (uint64_t)NBLOCKS * BS, NOW, true);
	if (fs) {
		walk(fs, g_dir[d], NAMES[d]);
		CHECK(vx_fs_close(fs) == 0);
	}
	if (data[0] & 4)
		write_phase(img, d);
	return 0;
}

/* ---- seed corpus ---- */

static void write_seed(const char *dir, const char *name, uint8_t flags,
		       unsigned nblocks)
{
	int d = flags & 1;
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	CHECK(f && fwrite(&flags, 1, 1, f) == 1);
	for (unsigned l = 0; l < nblocks && l < g_nblk[d]; l++)
		CHECK(fwrite(g_img + g_blk[d][l] * BS + VX_MHDR_SIZE, 1,
			     PAYLOAD, f) == PAYLOAD);
	CHECK(fclose(f) == 0);
}

static void seeds(const char *dir)
{
	build_image();
	write_seed(dir, "small", 2, MAX_DBLK);
	write_seed(dir, "small-rw", 2 | 4, MAX_DBLK);
	write_seed(dir, "small-raw", 0, MAX_DBLK);
	write_seed(dir, "big-top", 1 | 2, 4);
	write_seed(dir, "big-top-rw", 1 | 2 | 4, 4);
	write_seed(dir, "big", 1 | 2, MAX_DBLK);
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
