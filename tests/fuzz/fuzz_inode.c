/*
 * fuzz_inode.c: libFuzzer target for the inode decoder
 * (vx_inode_decode) and the inline parts of an inode: the inline
 * extent root (vx_extent_map, vx_extent_walk) and inline symlinks.
 *
 * Input layout:
 *   0  le64  the inode number to decode the slot as
 *   8  ..    the 256-byte slot (cut or zero-padded)
 * The slot is decoded as it is, then with a crc recomputed the way
 * format.h defines it (crc32c of the uuid, then of the slot with the crc
 * field as zero), so the field checks behind the crc are reached.  A
 * slot that decodes must be sane (known type, nanoseconds < 1e9, depth
 * <= 5, inline counts within the area, inline data only for short
 * symlinks), and encoding it again must give back the very same 256
 * bytes (every byte of the slot is a field).  A decoded inode is then
 * handed to the extent code on a small empty filesystem: mapping and
 * walking its inline root must fail cleanly or give extents inside the
 * device.  Violations abort.
 *
 * With VX_FUZZ_SEEDS=DIR the binary writes its seeds (the inodes of a
 * small populated filesystem: directories, files with inline and
 * tree-rooted extents, symlinks, device nodes) to DIR and exits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "fs_int.h"
#include "fuzz_common.h"

#define BS	1024u
#define NBLOCKS	2048u

static const uint8_t UUID[16] = {
	0x66, 0x75, 0x7a, 0x7a, 0x2d, 0x69, 0x6e, 0x6f,
	0x64, 0x65, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05
};

/* a small, empty, read-only filesystem for the extent calls */
static struct vx_fs *g_fs;

static struct vx_fs *make_fs(bool rdonly, struct vx_io **iop)
{
	struct vx_mkfs_params p = { .block_log = 10, .block_count = NBLOCKS,
				    .group_blocks = 1024, .inode_count = 64,
				    .hash_seed = 99, .now = 1700000000 };
	struct vx_open_opts o = { .fixed_time = 1700000000 };
	struct vx_super sb;
	struct vx_io *io;
	struct vx_fs *fs;

	memcpy(p.uuid, UUID, 16);
	CHECK(vx_io_mem_open((uint64_t)NBLOCKS * BS, &io) == 0);
	CHECK(vx_fs_plan(&p, (uint64_t)NBLOCKS * BS, &sb) == 0);
	CHECK(vx_fs_format(io, &sb, 0) == 0);
	o.flags = VX_OPEN_BORROW_IO | (rdonly ? VX_OPEN_RDONLY : 0);
	CHECK(vx_fs_open(io, &o, &fs) == 0);
	*iop = io;
	return fs;
}

static uint32_t slot_crc(const uint8_t *slot)
{
	static const uint8_t zero[4];
	uint32_t crc = vx_crc32c(0, UUID, 16);

	crc = vx_crc32c(crc, slot, 4);
	crc = vx_crc32c(crc, zero, 4);
	return vx_crc32c(crc, slot + 8, VX_INODE_SIZE - 8);
}

static int count_ext(void *ctx, const struct vx_extent *e)
{
	CHECK(e->len >= 1 && e->pblk >= 1 && e->pblk < NBLOCKS &&
	      e->len <= NBLOCKS - e->pblk);
	return ++*(unsigned *)ctx > 100000;	/* bounded */
}

static void check_inode(const uint8_t *slot, const struct vx_inode *in)
{
	uint8_t again[VX_INODE_SIZE];
	unsigned type = vx_ftype_of_mode(in->mode), n = 0;
	vx_blk_t pblk;
	uint64_t run;
	struct vx_inode copy;
	int err;

	CHECK(type != VX_FT_UNKNOWN);
	CHECK(in->atime_nsec < 1000000000u && in->mtime_nsec < 1000000000u &&
	      in->ctime_nsec < 1000000000u && in->crtime_nsec < 1000000000u);
	CHECK(in->depth <= VX_MAX_EXT_DEPTH);
	if (in->flags & VX_IF_INLINE_DATA)
		CHECK(type == VX_FT_LNK && in->depth == 0 && in->size >= 1 &&
		      in->size <= VX_INLINE_SYMLINK_MAX);
	else
		CHECK(in->nentries <= (in->depth ? VX_INLINE_INDEX :
				       VX_INLINE_EXTENTS));
	vx_inode_encode(again, in, UUID);
	CHECK(memcmp(again, slot, VX_INODE_SIZE) == 0);
	/* the inline root, on a filesystem where it points at nothing */
	copy = *in;
	err = vx_extent_map(g_fs, &copy, 0, &pblk, &run);
	CHECK(err <= 0);
	if (!err)
		CHECK(run >= 1 && (pblk == 0 || pblk < NBLOCKS));
	err = vx_extent_map(g_fs, &copy, in->size / BS, &pblk, &run);
	CHECK(err <= 0);
	err = vx_extent_walk(g_fs, &copy, count_ext, &n);
	CHECK(err <= 1);
}

static void try_decode(const uint8_t *slot, vx_ino_t ino)
{
	struct vx_inode in;
	int err = vx_inode_decode(slot, ino, UUID, &in);

	CHECK(err <= 1);
	if (err == 1) {
		for (int i = 0; i < VX_INODE_SIZE; i++)
			CHECK(slot[i] == 0);
	} else if (err == 0) {
		CHECK(in.ino == ino);
		check_inode(slot, &in);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *slot;
	vx_ino_t ino;

	if (!g_fs) {
		struct vx_io *io;

		g_fs = make_fs(true, &io);	/* lives for the whole run */
	}
	if (size < 8)
		return 0;
	ino = vx_get64(data);
	slot = calloc(1, VX_INODE_SIZE);
	CHECK(slot);
	memcpy(slot, data + 8, size - 8 < VX_INODE_SIZE ? size - 8 :
	       VX_INODE_SIZE);
	try_decode(slot, ino);
	vx_put32(slot + 4, slot_crc(slot));
	try_decode(slot, ino);
	free(slot);
	return 0;
}

/* ---- seed corpus ---- */

static void write_seed(const char *dir, vx_ino_t ino, const uint8_t *slot)
{
	char path[4096];
	uint8_t head[8];
	FILE *f;

	vx_put64(head, ino);
	snprintf(path, sizeof(path), "%s/inode-%llu", dir,
		 (unsigned long long)ino);
	f = fopen(path, "wb");
	if (!f || fwrite(head, 1, 8, f) != 8 ||
	    fwrite(slot, 1, VX_INODE_SIZE, f) != VX_INODE_SIZE || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void seeds(const char *dir)
{
	struct vx_io *io;
	struct vx_fs *fs = make_fs(false, &io);
	struct vx_attr dev = { .mode = S_IFCHR | 0600, .rdev = makedev(4, 2) };
	char target[300], buf[4096];
	vx_ino_t ino, d;
	uint8_t *raw;

	memset(target, 't', sizeof(target) - 1);
	target[sizeof(target) - 1] = 0;
	memset(buf, 'd', sizeof(buf));
	CHECK(vx_mkdir(fs, NULL, VX_ROOT_INO, "dir", NULL, &d) == 0);
	CHECK(vx_create(fs, NULL, d, "small", NULL, &ino) == 0);
	CHECK(vx_write(fs, NULL, ino, 0, buf, 100) == 0);
	CHECK(vx_create(fs, NULL, d, "frag", NULL, &ino) == 0);
	for (int i = 0; i < 12; i++)	/* six extents: a tree of depth 1 */
		CHECK(vx_write(fs, NULL, ino, (uint64_t)i * 2 * BS, buf, BS) == 0);
	CHECK(vx_create(fs, NULL, d, "sparse", NULL, &ino) == 0);
	CHECK(vx_write(fs, NULL, ino, 3 * BS, buf, 10) == 0);
	CHECK(vx_symlink(fs, NULL, d, "short", "a/b/c", NULL, &ino) == 0);
	CHECK(vx_symlink(fs, NULL, d, "long", target, NULL, &ino) == 0);
	CHECK(vx_create(fs, NULL, d, "tty", &dev, &ino) == 0);
	CHECK(vx_create(fs, NULL, d, "fifo", &(struct vx_attr){
		.mode = S_IFIFO | 0644 }, &ino) == 0);
	CHECK(vx_fs_sync(fs) == 0);
	raw = vx_io_mem_data(io, NULL);
	for (vx_ino_t i = 1; i <= (vx_ino_t)fs->sb.inodes_per_group; i++) {
		uint32_t g = vx_ino_group(fs, i);
		uint64_t s = (i - 1) % fs->sb.inodes_per_group;
		const uint8_t *slot;

		if (s >= fs->groups[g].itable_init)
			break;
		slot = raw + (fs->groups[g].itable + s / fs->inodes_per_block) *
		       BS + (s % fs->inodes_per_block) * VX_INODE_SIZE;
		if (vx_get16(slot) == VX_INODE_MAGIC)
			write_seed(dir, i, slot);
	}
	CHECK(vx_fs_close(fs) == 0);
	vx_io_close(io);
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
