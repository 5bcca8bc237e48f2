/*
 * fuzz_extent.c: libFuzzer target for extent trees read from a crafted
 * image (vx_extent_map, vx_extent_walk, vx_extent_truncate,
 * vx_extent_insert through vx_bmap, vx_read, vx_truncate, vx_write).
 *
 * At start-up the target formats a small image (1 KiB blocks, 2 MiB)
 * holding "frag", a file of 200 one-block extents at every other block,
 * so that its extent tree has depth 2 and about a dozen node blocks.
 * The input rewrites that file's inode root and node blocks:
 *
 *     0  u8    flags: bit 0 re-seal edited node blocks (otherwise their
 *              old crc stays and the checksum path is fuzzed), bit 1 also
 *              run the read-write phase
 *     1  u8[128]  inode area (inline extents or index entries)
 *   129  le16  depth       131  le16  nentries      133  le64  size
 *   141  le64  where the read-write phase truncates
 *   149  ..    node payloads: (block size - 48) bytes each, written over
 *              the node blocks (in breadth-first order of the original
 *              tree) after their 48-byte header; blocks the input does
 *              not reach keep their contents
 *
 * The inode is re-encoded with a correct crc.  The image is opened
 * read-only (on a copy, through vx_io_mem_open): stat, bmap at several
 * blocks, read up to 1 MiB of the file, walk the tree.  With bit 1 a
 * second copy is opened read-write: truncate, write a block, close
 * (which syncs).  Nothing may crash, hang or leak; results are not
 * checked (the image is hostile) beyond extents lying inside the device.
 *
 * With VX_FUZZ_SEEDS=DIR the binary writes its seeds (the original tree,
 * the tree with each flag, an inline-only root) to DIR and exits.
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
#define HDR		149
#define MAX_NODES	64
#define NOW		1700000000

static uint8_t *g_img, *g_work, *g_rw;	/* pristine, patched, changed */
static struct vx_inode g_ino;		/* "frag" as written */
static size_t g_slot;			/* byte offset of its inode slot */
static vx_blk_t g_nodes[MAX_NODES];	/* its node blocks, BFS order */
static unsigned g_nnodes;
static uint8_t g_uuid[16];

/* the node blocks of @in, breadth first, read from the raw image */
static void list_nodes(const uint8_t *img, const struct vx_inode *in)
{
	unsigned head = 0;

	g_nnodes = 0;
	for (unsigned i = 0; in->depth && i < in->nentries; i++)
		g_nodes[g_nnodes++] = vx_get64(in->area + i * VX_INDEX_SIZE + 8);
	while (head < g_nnodes) {
		const uint8_t *b = img + g_nodes[head++] * BS;
		unsigned level = vx_get16(b + 48), count = vx_get16(b + 50);

		for (unsigned i = 0; level && i < count; i++) {
			CHECK(g_nnodes < MAX_NODES);
			g_nodes[g_nnodes++] = vx_get64(b + VX_EXT_NODE_HDR +
						       i * VX_INDEX_SIZE + 8);
		}
	}
}

static void build_image(void)
{
	struct vx_mkfs_params p = { .block_log = 10, .block_count = NBLOCKS,
				    .group_blocks = 1024, .inode_count = 64,
				    .hash_seed = 5, .now = NOW };
	struct vx_open_opts o = { .flags = VX_OPEN_BORROW_IO,
				  .fixed_time = NOW };
	uint8_t buf[BS];
	struct vx_super sb;
	struct vx_io *io;
	struct vx_fs *fs;
	vx_ino_t ino, other;
	uint64_t s;

	memset(p.uuid, 0xe7, 16);
	memset(buf, 0x5a, sizeof(buf));
	CHECK(vx_io_mem_open((uint64_t)NBLOCKS * BS, &io) == 0);
	CHECK(vx_fs_plan(&p, (uint64_t)NBLOCKS * BS, &sb) == 0);
	CHECK(vx_fs_format(io, &sb, 0) == 0);
	CHECK(vx_fs_open(io, &o, &fs) == 0);
	CHECK(vx_create(fs, NULL, VX_ROOT_INO, "frag", NULL, &ino) == 0);
	for (unsigned i = 0; i < 200; i++)
		CHECK(vx_write(fs, NULL, ino, (uint64_t)i * 2 * BS, buf, BS) == 0);
	CHECK(vx_create(fs, NULL, VX_ROOT_INO, "other", NULL, &other) == 0);
	for (unsigned i = 0; i < 3; i++)
		CHECK(vx_write(fs, NULL, other, (uint64_t)i * BS, buf, BS) == 0);
	CHECK(vx_inode_read(fs, ino, &g_ino) == 0);
	CHECK(g_ino.depth == 2);
	s = (ino - 1) % fs->sb.inodes_per_group;
	g_slot = (fs->groups[vx_ino_group(fs, ino)].itable +
		  s / fs->inodes_per_block) * BS +
		 (s % fs->inodes_per_block) * VX_INODE_SIZE;
	memcpy(g_uuid, fs->sb.hdr.uuid, 16);
	CHECK(vx_fs_close(fs) == 0);
	g_img = big_alloc((size_t)NBLOCKS * BS);
	g_work = big_alloc((size_t)NBLOCKS * BS);
	g_rw = big_alloc((size_t)NBLOCKS * BS);
	memcpy(g_img, vx_io_mem_data(io, NULL), (size_t)NBLOCKS * BS);
	vx_io_close(io);
	list_nodes(g_img, &g_ino);
	CHECK(g_nnodes > 8);
}

static int count_ext(void *ctx, const struct vx_extent *e)
{
	CHECK(e->len >= 1 && e->pblk >= 1 && e->pblk < NBLOCKS &&
	      e->len <= NBLOCKS - e->pblk);
	return ++*(unsigned *)ctx >= 1000000;	/* stop, do not hang */
}

static void read_phase(uint8_t *img, uint64_t size)
{
	static const uint64_t lblks[] = { 0, 1, 2, 7, 100, 199, 398, 399,
					  4096, UINT64_MAX / 2, UINT64_MAX };
	struct vx_fs *fs = fuzz_open(img, (uint64_t)NBLOCKS * BS, NOW, true);
	struct vx_inode in;
	struct vx_attr a;
	uint8_t *buf;
	unsigned n = 0;

	if (!fs)
		return;
	vx_stat(fs, NULL, g_ino.ino, &a);
	for (size_t i = 0; i < sizeof(lblks) / sizeof(lblks[0]); i++) {
		vx_blk_t p;
		uint64_t run;

		if (vx_bmap(fs, NULL, g_ino.ino, lblks[i], &p, &run) == 0)
			CHECK(run >= 1 && p < NBLOCKS);
	}
	buf = malloc(64 * 1024);
	CHECK(buf);
	for (uint64_t off = 0; off < size && off < (1u << 20);
	     off += 64 * 1024) {
		size_t done;

		if (vx_read(fs, NULL, g_ino.ino, off, buf, 64 * 1024, &done))
			break;
		CHECK(done <= 64 * 1024);
	}
	if (size > 4096) {
		size_t done;

		vx_read(fs, NULL, g_ino.ino, size - 4096, buf, 4096, &done);
	}
	free(buf);
	if (vx_inode_read(fs, g_ino.ino, &in) == 0)
		CHECK(vx_extent_walk(fs, &in, count_ext, &n) <= 1);
	CHECK(vx_fs_close(fs) == 0);
}

static void write_phase(const uint8_t *img, uint64_t cut)
{
	struct vx_fs *fs;
	uint8_t buf[BS];
	struct vx_attr a;

	memcpy(g_rw, img, (size_t)NBLOCKS * BS);
	fs = fuzz_open(g_rw, (uint64_t)NBLOCKS * BS, NOW, false);
	if (!fs)
		return;
	memset(buf, 0xa5, sizeof(buf));
	if (vx_stat(fs, NULL, g_ino.ino, &a) == 0) {
		vx_truncate(fs, NULL, g_ino.ino, a.size ? cut % a.size : 0);
		vx_write(fs, NULL, g_ino.ino, (cut % 512) * BS, buf, BS);
		vx_write(fs, NULL, g_ino.ino, 5 * BS + 100, buf, 300);
	}
	vx_fs_close(fs);	/* its sync may fail on a hostile image */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vx_inode in;
	uint8_t *img;
	size_t off = HDR;

	if (!g_img)
		build_image();
	if (size < HDR)
		return 0;
	in = g_ino;	/* only now: the first call builds it */
	img = g_work;
	memcpy(img, g_img, (size_t)NBLOCKS * BS);
	memcpy(in.area, data + 1, VX_INLINE_AREA);
	in.depth = vx_get16(data + 129);
	in.nentries = vx_get16(data + 131);
	in.size = vx_get64(data + 133);
	vx_inode_encode(img + g_slot, &in, g_uuid);
	for (unsigned i = 0; i < g_nnodes && off < size; i++) {
		uint8_t *b = img + g_nodes[i] * BS;
		size_t n = size - off < PAYLOAD ? size - off : PAYLOAD;

		memcpy(b + VX_MHDR_SIZE, data + off, n);
		if (data[0] & 1)
			vx_mhdr_seal(b, BS);
		off += n;
	}
	read_phase(img, in.size);
	if (data[0] & 2)
		write_phase(img, vx_get64(data + 141));
	return 0;
}

/* ---- seed corpus ---- */

static void write_seed(const char *dir, const char *name, uint8_t flags,
		       const struct vx_inode *in, uint64_t cut, bool nodes)
{
	char path[4096];
	uint8_t head[HDR] = { flags };
	FILE *f;

	memcpy(head + 1, in->area, VX_INLINE_AREA);
	vx_put16(head + 129, in->depth);
	vx_put16(head + 131, in->nentries);
	vx_put64(head + 133, in->size);
	vx_put64(head + 141, cut);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	CHECK(f && fwrite(head, 1, HDR, f) == HDR);
	for (unsigned i = 0; nodes && i < g_nnodes; i++)
		CHECK(fwrite(g_img + g_nodes[i] * BS + VX_MHDR_SIZE, 1, PAYLOAD,
			     f) == PAYLOAD);
	CHECK(fclose(f) == 0);
}

static void seeds(const char *dir)
{
	struct vx_inode in;

	build_image();
	write_seed(dir, "tree", 1, &g_ino, 0, true);
	write_seed(dir, "tree-rw", 3, &g_ino, 150 * BS + 17, true);
	write_seed(dir, "tree-raw", 0, &g_ino, 0, true);
	write_seed(dir, "root-only", 1, &g_ino, 0, false);
	/* three inline extents over blocks of the original data */
	in = g_ino;
	memset(in.area, 0, sizeof(in.area));
	in.depth = 0;
	in.nentries = 3;
	for (unsigned i = 0; i < 3; i++) {
		vx_put64(in.area + i * VX_EXTENT_SIZE, i * 4);
		vx_put64(in.area + i * VX_EXTENT_SIZE + 8, 1000 + i * 10);
		vx_put32(in.area + i * VX_EXTENT_SIZE + 16, 2);
	}
	in.size = 12 * BS;
	write_seed(dir, "inline-rw", 3, &in, 5 * BS, false);
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
