/*
 * fuzz_seed_images.h: what the whole-image targets (fuzz_image,
 * fuzz_check) share: the seed images (two small populated filesystems:
 * 1 KiB blocks, three groups, the minimum journal) and fix_up, which
 * re-seals every block that starts with the metadata magic and gives
 * every slot that starts with the inode magic a correct crc, so that
 * mutations reach the checks behind the checksums.
 */
#ifndef VEXFS_FUZZ_SEED_IMAGES_H
#define VEXFS_FUZZ_SEED_IMAGES_H

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "fuzz_common.h"

#ifndef NOW
#define NOW		1700000000
#endif

/* re-seal what looks like metadata, recompute what looks like inodes */
static inline void fix_up(uint8_t *img, size_t size)
{
	uint32_t blog = vx_get32(img + 52);
	size_t bs = (vx_get32(img) == VX_META_MAGIC &&
		     blog >= VX_MIN_BLOCK_LOG && blog <= VX_MAX_BLOCK_LOG) ?
		    (size_t)1 << blog : 1024;
	uint8_t uuid[16];

	memcpy(uuid, img + 32, 16);
	for (size_t off = 0; off + bs <= size; off += bs) {
		uint8_t *b = img + off;

		if (vx_get32(b) == VX_META_MAGIC) {
			vx_mhdr_seal(b, bs);
			continue;
		}
		for (size_t s = 0; s + VX_INODE_SIZE <= bs; s += VX_INODE_SIZE) {
			uint8_t *slot = b + s;
			uint32_t crc;

			if (vx_get16(slot) != VX_INODE_MAGIC)
				continue;
			vx_put32(slot + 4, 0);
			crc = vx_crc32c(0, uuid, 16);
			crc = vx_crc32c(crc, slot, VX_INODE_SIZE);
			vx_put32(slot + 4, crc);
		}
	}
}

/* ---- seed corpus ---- */

static inline void populate(struct vx_fs *fs, int variant)
{
	struct vx_attr dev = { .mode = S_IFBLK | 0600, .rdev = makedev(8, 1) };
	char target[300], name[32];
	uint8_t buf[20000];
	vx_ino_t a, b, c, f, ino;

	memset(target, 'T', sizeof(target) - 1);
	target[sizeof(target) - 1] = 0;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + variant);
	CHECK(vx_mkdir(fs, NULL, VX_ROOT_INO, "a", NULL, &a) == 0);
	CHECK(vx_mkdir(fs, NULL, a, "b", NULL, &b) == 0);
	CHECK(vx_mkdir(fs, NULL, b, "c", NULL, &c) == 0);
	CHECK(vx_mkdir(fs, NULL, VX_ROOT_INO, "empty", NULL, &ino) == 0);
	CHECK(vx_create(fs, NULL, VX_ROOT_INO, "f0", NULL, &f) == 0);
	CHECK(vx_create(fs, NULL, a, "small", NULL, &f) == 0);
	CHECK(vx_write(fs, NULL, f, 0, buf, 100) == 0);
	CHECK(vx_create(fs, NULL, b, "medium", NULL, &f) == 0);
	CHECK(vx_write(fs, NULL, f, 0, buf, 5000) == 0);
	CHECK(vx_link(fs, NULL, f, c, "hardlink") == 0);
	CHECK(vx_create(fs, NULL, c, "sparse", NULL, &f) == 0);
	CHECK(vx_write(fs, NULL, f, 40000, buf, 1) == 0);
	CHECK(vx_write(fs, NULL, f, 3000, buf, 10) == 0);
	CHECK(vx_create(fs, NULL, VX_ROOT_INO, "big", NULL, &f) == 0);
	CHECK(vx_write(fs, NULL, f, 0, buf, variant ? 20000 : 9000) == 0);
	CHECK(vx_symlink(fs, NULL, VX_ROOT_INO, "link", "a/b/c", NULL, &ino) == 0);
	CHECK(vx_symlink(fs, NULL, c, "lnk", target, NULL, &ino) == 0);
	CHECK(vx_create(fs, NULL, a, "disk", &dev, &ino) == 0);
	CHECK(vx_create(fs, NULL, a, "pipe", &(struct vx_attr){
		.mode = S_IFIFO | 0600 }, &ino) == 0);
	if (variant) {	/* a directory over several leaves */
		CHECK(vx_mkdir(fs, NULL, VX_ROOT_INO, "many", NULL, &ino) == 0);
		for (int i = 0; i < 80; i++) {
			snprintf(name, sizeof(name), "entry-number-%d", i);
			CHECK(vx_link(fs, NULL, f, ino, name) == 0);
		}
	}
}

static inline void seeds(const char *dir)
{
	static const uint64_t blocks[2] = { 960, 900 };

	for (int v = 0; v < 2; v++) {
		struct vx_mkfs_params p = { .block_log = 10,
			.block_count = blocks[v], .group_blocks = 320,
			.inode_count = 48, .journal_blocks = 256,
			.hash_seed = 0xf00d + (uint64_t)v, .now = NOW };
		struct vx_open_opts o = { .flags = VX_OPEN_BORROW_IO,
					  .fixed_time = NOW };
		struct vx_super sb;
		struct vx_io *io;
		struct vx_fs *fs;
		char path[4096];
		size_t size = blocks[v] * 1024;
		FILE *f;

		memset(p.uuid, 0x70 + v, 16);
		CHECK(vx_io_mem_open(size, &io) == 0);
		CHECK(vx_fs_plan(&p, size, &sb) == 0);
		CHECK(sb.group_count == 3);
		CHECK(vx_fs_format(io, &sb, 0) == 0);
		CHECK(vx_fs_open(io, &o, &fs) == 0);
		populate(fs, v);
		CHECK(vx_fs_close(fs) == 0);
		snprintf(path, sizeof(path), "%s/image-%d", dir, v);
		f = fopen(path, "wb");
		CHECK(f && fwrite(vx_io_mem_data(io, NULL), 1, size, f) == size);
		CHECK(fclose(f) == 0);
		vx_io_close(io);
	}
}

#endif /* VEXFS_FUZZ_SEED_IMAGES_H */
