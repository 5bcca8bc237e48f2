/*
 * fuzz_undo.c: libFuzzer target for the undo file parser and apply
 * (vx_undo_scan_io, vx_undo_apply_io in lib/undo_apply.c), from memory:
 * the undo file is a mem device over the input, no file is written.
 *
 * At start-up the target formats a small image (1 KiB blocks, 512
 * blocks) and runs a session on a copy (mkdir, create, write, symlink,
 * rename, unlink, close): the image before and after the session stay in
 * memory.  The input is
 *
 *     0  u8   flags: bit 0 VX_UNDO_FORCE, bit 1 VX_UNDO_DRY_RUN,
 *             bit 2 re-seal the file first (header crc, every record's
 *             checksums, the footer's: so that mutations reach the
 *             checks behind them), bit 3 apply onto the image before the
 *             session instead of the one after it
 *     1  ..   the undo file
 *
 * The file is scanned, then applied onto a copy of the image (a mem
 * device over a buffer: its size cannot change).  Nothing may crash,
 * hang or leak; a scan that succeeds counts no more records than the
 * file holds; a refusal (or a dry run) leaves the device as it was; an
 * apply that succeeded and is run again with the same flags changes
 * nothing (and without VX_UNDO_FORCE finds every original in place).
 *
 * With VX_FUZZ_SEEDS=DIR the binary runs the session through the undo
 * layer with its undo file in DIR (undo blocks of 1 KiB and 4 KiB),
 * checks that the layer changed nothing in what the session wrote, and
 * writes the seeds: the file under each flag set, cut inside a record,
 * without its footer, and a small file of two raw writes; times and
 * nonces are fixed, so the seeds are the same on every run.  It checks
 * first that the session's file turns the image after it back into the
 * one before, byte for byte.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fs_int.h"
#include "undo_int.h"
#include "fuzz_common.h"

#define BS		1024u
#define NBLOCKS		512u
#define IMG		((size_t)NBLOCKS * BS)
#define NOW		1700000000
#define F_FORCE		0x1
#define F_DRY		0x2
#define F_RESEAL	0x4
#define F_BEFORE	0x8

static uint8_t *g_before, *g_after, *g_work, *g_snap;

static void session(struct vx_io *io)
{
	struct vx_open_opts o = { .flags = VX_OPEN_BORROW_IO,
				  .fixed_time = NOW + 100,
				  .cache_bytes = 1u << 20 };
	struct vx_attr a = { .mode = S_IFREG | 0644 };
	struct vx_attr d = { .mode = S_IFDIR | 0755 };
	static uint8_t data[5000];
	struct vx_fs *fs;
	vx_ino_t dir, f;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + (i >> 8));
	CHECK(vx_fs_open(io, &o, &fs) == 0);
	CHECK(vx_mkdir(fs, NULL, VX_ROOT_INO, "d", &d, &dir) == 0);
	CHECK(vx_create(fs, NULL, dir, "f", &a, &f) == 0);
	CHECK(vx_write(fs, NULL, f, 0, data, sizeof(data)) == 0);
	CHECK(vx_symlink(fs, NULL, dir, "l", "f", NULL, NULL) == 0);
	CHECK(vx_create(fs, NULL, VX_ROOT_INO, "g", &a, NULL) == 0);
	CHECK(vx_rename(fs, NULL, dir, "f", VX_ROOT_INO, "h", 0) == 0);
	CHECK(vx_unlink(fs, NULL, VX_ROOT_INO, "g") == 0);
	CHECK(vx_fs_close(fs) == 0);
}

static void build_images(void)
{
	struct vx_mkfs_params p = { .block_log = 10, .block_count = NBLOCKS,
				    .journal_blocks = VX_MIN_JOURNAL_BLOCKS,
				    .hash_seed = 5, .now = NOW };
	struct vx_super sb;
	struct vx_io *io;

	memset(p.uuid, 0x4d, 16);
	g_before = big_alloc(IMG);
	g_after = big_alloc(IMG);
	g_work = big_alloc(IMG);
	g_snap = big_alloc(IMG);
	CHECK(vx_io_mem_wrap(g_before, IMG, &io) == 0);
	CHECK(vx_fs_plan(&p, IMG, &sb) == 0);
	CHECK(vx_fs_format(io, &sb, 0) == 0);
	vx_io_close(io);
	memcpy(g_after, g_before, IMG);
	CHECK(vx_io_mem_wrap(g_after, IMG, &io) == 0);
	session(io);
	vx_io_close(io);
}

/* recompute every checksum of the undo file at @f, as far as it goes */
static void reseal(uint8_t *f, size_t len)
{
	uint64_t off = UNDO_HDR_SIZE, n = 0, rs;
	uint32_t bsize, seed;

	if (len < UNDO_HDR_SIZE)
		return;
	vx_put32(f + 124, vx_crc32c(0, f, 124));
	seed = vx_crc32c(0, f, UNDO_HDR_SIZE);
	bsize = vx_get32(f + 16);
	if (bsize < VX_UNDO_MIN_BSIZE || bsize > VX_UNDO_MAX_BSIZE)
		return;
	rs = undo_rec_size(bsize);
	while (len - off >= rs && vx_get32(f + off) == UNDO_REC_MAGIC) {
		undo_rec_seal(f + off, bsize, seed);
		off += rs;
		n++;
	}
	if (len - off >= UNDO_FOOT_SIZE + n * 4 &&
	    vx_get32(f + off) == UNDO_FOOT_MAGIC) {
		vx_put32(f + off + 36, vx_crc32c(0, f + off + UNDO_FOOT_SIZE,
						 n * 4));
		vx_put32(f + off + 44, vx_crc32c(seed, f + off, 44));
	}
}

static int apply(const uint8_t *file, size_t len, const uint8_t *img,
		 unsigned flags, struct vx_undo_info *info)
{
	struct vx_io *dev, *fio;
	int err;

	memcpy(g_work, img, IMG);
	CHECK(vx_io_mem_wrap(g_work, IMG, &dev) == 0);
	CHECK(vx_io_mem_wrap((void *)file, len, &fio) == 0);
	err = vx_undo_apply_io(dev, fio, flags, info);
	vx_io_close(fio);
	vx_io_close(dev);
	return err;
}

static bool refusal(int err)
{
	return err == VX_EUNDO_CORRUPT || err == VX_EUNDO_INCOMPLETE ||
	       err == VX_EUNDO_MISMATCH || err == VX_EBADVERSION ||
	       err == -ENOTSUP;
}

static void scan(uint8_t *file, size_t len)
{
	struct vx_undo_info info;
	struct vx_io *fio;

	CHECK(vx_io_mem_wrap(file, len, &fio) == 0);
	if (vx_undo_scan_io(fio, &info) == 0) {
		CHECK(info.valid_bytes <= info.file_bytes &&
		      info.file_bytes == len);
		CHECK(UNDO_HDR_SIZE + info.blocks *
		      undo_rec_size(info.bsize) <= len);
		CHECK(!info.complete || info.dev_size_after <= UNDO_MAX_DEV);
	}
	vx_io_close(fio);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *img;
	struct vx_undo_info info;
	unsigned flags;
	uint8_t *file;
	size_t len;
	int err;

	if (size < 1)
		return 0;
	len = size - 1;
	file = malloc(len ? len : 1);
	CHECK(file);
	memcpy(file, data + 1, len);
	if (data[0] & F_RESEAL)
		reseal(file, len);
	scan(file, len);
	img = (data[0] & F_BEFORE) ? g_before : g_after;
	flags = (data[0] & F_FORCE ? VX_UNDO_FORCE : 0) |
		(data[0] & F_DRY ? VX_UNDO_DRY_RUN : 0);
	err = apply(file, len, img, flags, &info);
	if (refusal(err) || (flags & VX_UNDO_DRY_RUN)) {
		CHECK(!memcmp(g_work, img, IMG));
	} else if (!err) {
		/* applying twice is harmless */
		memcpy(g_snap, g_work, IMG);
		CHECK(apply(file, len, g_snap, flags, &info) == 0);
		CHECK(!memcmp(g_work, g_snap, IMG));
		if (!(flags & VX_UNDO_FORCE))
			CHECK(info.dev_state == VX_UNDO_DEV_BEFORE &&
			      info.written == 0);
	}
	free(file);
	return 0;
}

/* ---- seeds ---- */

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long n;

	CHECK(f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0);
	rewind(f);
	b = malloc((size_t)n + 1);
	CHECK(b && fread(b, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void seed_out(const char *dir, const char *name, unsigned flags,
		     const uint8_t *file, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fputc((int)flags, f) == EOF ||
	    fwrite(file, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* the undo file of a session on a copy of @start (fs: the session of
 * the images; else raw writes of @after's bytes at two places), with
 * fixed times and nonce; the device must end as @after */
static uint8_t *make_undo(const char *dir, const uint8_t *start, bool fs,
			  uint32_t bsize, size_t *len)
{
	char path[4096];
	struct vx_io *dev, *u;
	uint8_t *f;
	uint64_t foot;

	snprintf(path, sizeof(path), "%s/undo.tmp", dir);
	memcpy(g_work, start, IMG);
	CHECK(vx_io_mem_wrap(g_work, IMG, &dev) == 0);
	CHECK(vx_io_undo_open(dev, path, bsize, VX_UNDO_OVERWRITE, &u) == 0);
	if (fs)
		session(u);
	else
		CHECK(vx_io_write(u, 3000, g_after + 3000, 100) == 0 &&
		      vx_io_write(u, 200000, g_after + 200000, 9) == 0);
	CHECK(vx_io_close(u) == 0);
	vx_io_close(dev);
	CHECK(!memcmp(g_work, g_after, IMG));
	f = slurp(path, len);
	unlink(path);
	vx_put64(f + 32, NOW);			/* created */
	vx_put64(f + 40, 0x5eed5eed5eed5eedull);	/* nonce */
	/* len = header + n records + footer + 4 n */
	foot = *len - UNDO_FOOT_SIZE - 4 * ((*len - UNDO_HDR_SIZE -
					     UNDO_FOOT_SIZE) /
					    (undo_rec_size(bsize) + 4));
	vx_put64(f + foot + 24, NOW + 200);	/* closed */
	reseal(f, *len);
	return f;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("VX_FUZZ_SEEDS");
	struct vx_undo_info info;
	uint8_t *f, *start;
	size_t len, rs;

	(void)argc;
	(void)argv;
	build_images();
	if (!dir)
		return 0;
	f = make_undo(dir, g_before, true, BS, &len);
	rs = undo_rec_size(BS);
	/* the seed does what it should: the after image back to before */
	CHECK(apply(f, len, g_after, 0, &info) == 0 &&
	      info.dev_state == VX_UNDO_DEV_AFTER && info.complete &&
	      info.written == info.blocks && info.blocks > 10);
	CHECK(!memcmp(g_work, g_before, IMG));
	seed_out(dir, "session", 0, f, len);
	seed_out(dir, "session-force", F_FORCE, f, len);
	seed_out(dir, "session-dry", F_DRY, f, len);
	seed_out(dir, "session-on-before", F_BEFORE, f, len);
	seed_out(dir, "session-torn", F_FORCE, f, UNDO_HDR_SIZE + 3 * rs + 77);
	seed_out(dir, "session-nofooter", F_FORCE | F_RESEAL, f,
		 UNDO_HDR_SIZE + (len - UNDO_HDR_SIZE) / rs * rs);
	free(f);
	f = make_undo(dir, g_before, true, 4096, &len);
	seed_out(dir, "session-4k", F_RESEAL, f, len);
	free(f);
	/* two raw writes that turn a changed copy into the after image */
	start = malloc(IMG);
	CHECK(start);
	memcpy(start, g_after, IMG);
	memset(start + 3000, 0xa5, 100);
	memset(start + 200000, 0x5a, 9);
	f = make_undo(dir, start, false, 512, &len);
	seed_out(dir, "raw", F_RESEAL, f, len);
	seed_out(dir, "raw-before-force", F_BEFORE | F_FORCE, f, len);
	free(f);
	free(start);
	exit(0);
}
