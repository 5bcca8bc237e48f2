/*
 * test_io_undo.c: the undo layer (lib/io_undo.c) and applying undo files
 * (lib/undo_apply.c).
 *
 * The lower device is a mem device holding a pattern (or a filesystem);
 * the undo file is a file in a temporary directory.  Every test compares
 * bytes: after a session and an apply the device must equal the copy
 * taken before the session, byte for byte.  Covered: raw writes at odd
 * offsets and sizes with undo blocks of 512, 4096 and 65536 bytes, a
 * device whose size is not a multiple of the block; a real filesystem
 * (format, ops through the layer, close, apply); a block written twice
 * is saved once; growing and shrinking the device; refusal on a changed
 * or different device unless forced; dry runs; applying twice and
 * resuming an interrupted apply; a session that never closed (the
 * tool's crash); undo files cut at every record boundary and inside
 * records; hostile headers, records and footers; existing files, bad
 * arguments, locking; a failing undo file (RLIMIT_FSIZE) stops the
 * write before the device is touched, and stays failed; writes from
 * several threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "fs_int.h"
#include "undo_int.h"

#define KiB	1024u
#define H	UNDO_HDR_SIZE

static char g_dir[] = "/tmp/vx_undo_XXXXXX";
static char g_path[4200];	/* the undo file of the running test */

static int group_setup(void **state)
{
	(void)state;
	return mkdtemp(g_dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *tpath(const char *name)
{
	static char p[4200];

	snprintf(p, sizeof(p), "%s/%s", g_dir, name);
	return p;
}

/* a fresh undo file name per test */
static int test_setup(void **state)
{
	static unsigned seq;

	(void)state;
	snprintf(g_path, sizeof(g_path), "%s/u%u.undo", g_dir, ++seq);
	return 0;
}

static void fill(uint8_t *b, size_t len, uint64_t base, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)((base + i) * 131 + seed * 29 + ((base + i) >> 9));
}

/* a mem device of @size bytes holding pattern 1; *@copy its bytes */
static struct vx_io *dev_new(uint64_t size, uint8_t **copy)
{
	struct vx_io *io;

	assert_int_equal(vx_io_mem_open(size, &io), 0);
	fill(vx_io_mem_data(io, NULL), size, 0, 1);
	*copy = malloc(size);
	assert_non_null(*copy);
	memcpy(*copy, vx_io_mem_data(io, NULL), size);
	return io;
}

/* a mem device holding a copy of @img */
static struct vx_io *dev_copy(const uint8_t *img, uint64_t size)
{
	struct vx_io *io;

	assert_int_equal(vx_io_mem_open(size, &io), 0);
	memcpy(vx_io_mem_data(io, NULL), img, size);
	return io;
}

static void assert_dev(struct vx_io *dev, const uint8_t *want, uint64_t size)
{
	uint64_t have;
	uint8_t *d = vx_io_mem_data(dev, &have);

	assert_int_equal(have, size);
	assert_memory_equal(d, want, size);
}

static uint8_t *dev_snap(struct vx_io *dev, uint64_t *size)
{
	uint8_t *d = vx_io_mem_data(dev, size), *s = malloc(*size ? *size : 1);

	assert_non_null(s);
	memcpy(s, d, *size);
	return s;
}

/* write @len bytes of pattern @seed at @off through @io, read back */
static void put(struct vx_io *io, uint64_t off, size_t len, unsigned seed)
{
	uint8_t *b = malloc(len), *r = malloc(len);

	assert_non_null(b);
	assert_non_null(r);
	fill(b, len, off, seed);
	assert_int_equal(vx_io_write(io, off, b, len), 0);
	assert_int_equal(vx_io_read(io, off, r, len), 0);
	assert_memory_equal(r, b, len);
	free(b);
	free(r);
}

static uint8_t *file_get(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void file_put(const char *path, const uint8_t *b, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static struct vx_io *undo_new(struct vx_io *lower, uint32_t bsize)
{
	struct vx_io *u;

	assert_int_equal(vx_io_undo_open(lower, g_path, bsize, 0, &u), 0);
	assert_string_equal(u->ops->name, "undo");
	return u;
}

/* apply g_path to a copy of @img, expect @err, @state; returns the device */
static struct vx_io *apply_copy(const uint8_t *img, uint64_t size,
				unsigned flags, int err, int state)
{
	struct vx_io *dev = dev_copy(img, size);
	struct vx_undo_info in;

	assert_int_equal(vx_undo_apply(dev, g_path, flags, &in), err);
	if (!err || err == VX_EUNDO_MISMATCH)
		assert_int_equal(in.dev_state, state);
	return dev;
}

/* ---- sessions and applies ---- */

static void raw_session(uint32_t bsize)
{
	uint64_t size = 1024 * KiB + 1000, after_size;
	uint8_t *orig, *after;
	struct vx_io *dev = dev_new(size, &orig), *u = undo_new(dev, bsize);
	struct vx_undo_info in;
	uint64_t want;

	put(u, 4000, 300, 2);			/* straddles a 4 KiB edge */
	put(u, 100000, 64 * KiB, 3);		/* many blocks at once */
	put(u, size - 10, 10, 4);		/* the short last block */
	put(u, 0, 1, 5);			/* block 0 */
	put(u, 100001, 5, 6);			/* saved already */
	want = vx_io_undo_blocks(u);
	assert_true(want >= 4);
	assert_int_equal(vx_io_close(u), 0);
	assert_memory_not_equal(vx_io_mem_data(dev, NULL), orig, size);
	after = dev_snap(dev, &after_size);

	assert_int_equal(vx_undo_read_info(g_path, &in), 0);
	assert_int_equal(in.version, 1);
	assert_int_equal(in.bsize, bsize);
	assert_int_equal(in.dev_size, size);
	assert_int_equal(in.dev_size_after, size);
	assert_int_equal(in.blocks, want);
	assert_true(in.complete);
	assert_false(in.has_uuid);
	assert_int_equal(in.valid_bytes, in.file_bytes);
	assert_int_equal(in.file_bytes, H + want * (32 + bsize) + 48 + 4 * want);
	assert_true(in.created > 1600000000 && in.closed >= in.created);

	assert_int_equal(vx_undo_apply(dev, g_path, 0, &in), 0);
	assert_int_equal(in.dev_state, VX_UNDO_DEV_AFTER);
	assert_int_equal(in.written, want);
	assert_dev(dev, orig, size);
	/* again: nothing to do, nothing written */
	assert_int_equal(vx_undo_apply(dev, g_path, 0, &in), 0);
	assert_int_equal(in.dev_state, VX_UNDO_DEV_BEFORE);
	assert_int_equal(in.written, 0);
	assert_dev(dev, orig, size);
	assert_int_equal(vx_io_close(dev), 0);
	free(orig);
	free(after);
}

static void test_raw_4k(void **state) { (void)state; raw_session(4096); }
static void test_raw_512(void **state) { (void)state; raw_session(512); }
static void test_raw_64k(void **state) { (void)state; raw_session(65536); }

static void fs_ops(struct vx_fs *fs, int step)
{
	struct vx_attr a = { .mode = S_IFREG | 0644 };
	struct vx_attr d = { .mode = S_IFDIR | 0755 };
	static uint8_t buf[300 * KiB];
	char name[32];
	vx_ino_t dir, f;

	fill(buf, sizeof(buf), 0, 9 + (unsigned)step);
	snprintf(name, sizeof(name), "d%d", step);
	assert_int_equal(vx_mkdir(fs, NULL, VX_ROOT_INO, name, &d, &dir), 0);
	assert_int_equal(vx_create(fs, NULL, dir, "f", &a, &f), 0);
	assert_int_equal(vx_write(fs, NULL, f, 0, buf, sizeof(buf)), 0);
	assert_int_equal(vx_write(fs, NULL, f, 5000, buf, 7000), 0);
	assert_int_equal(vx_symlink(fs, NULL, dir, "l", "f", NULL, NULL), 0);
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "n%02d", i);
		assert_int_equal(vx_create(fs, NULL, dir, name, &a, NULL), 0);
	}
	assert_int_equal(vx_rename(fs, NULL, dir, "n01", VX_ROOT_INO, "moved",
				   0), 0);
	assert_int_equal(vx_unlink(fs, NULL, dir, "n02"), 0);
	assert_int_equal(vx_truncate(fs, NULL, f, 1000), 0);
}

static struct vx_io *fs_image(uint64_t size, uint32_t blog, uint8_t **copy,
			      struct vx_super *sb)
{
	struct vx_mkfs_params p = { .block_log = blog, .hash_seed = 3,
				    .now = 1700000000 };
	struct vx_io *dev;

	memset(p.uuid, 0x6b, 16);
	assert_int_equal(vx_io_mem_open(size, &dev), 0);
	assert_int_equal(vx_fs_plan(&p, size, sb), 0);
	assert_int_equal(vx_fs_format(dev, sb, 0), 0);
	*copy = dev_snap(dev, &size);
	return dev;
}

static struct vx_fs *fs_on(struct vx_io *io)
{
	struct vx_open_opts o = { .flags = VX_OPEN_BORROW_IO,
				  .fixed_time = 1700000100 };
	struct vx_fs *fs;

	assert_int_equal(vx_fs_open(io, &o, &fs), 0);
	return fs;
}

static void test_filesystem(void **state)
{
	uint64_t size = 16 * 1024 * KiB, mid_size;
	struct vx_super sb;
	uint8_t *orig, *mid, *mid_undo;
	struct vx_io *dev = fs_image(size, 12, &orig, &sb), *u, *d2;
	struct vx_undo_info in;
	struct vx_fs *fs;
	size_t mid_len;
	vx_ino_t ino;

	(void)state;
	u = undo_new(dev, 4096);
	fs = fs_on(u);
	fs_ops(fs, 1);
	assert_int_equal(vx_fs_sync(fs), 0);
	/* the tool "crashes" here: the device and the undo file as they are */
	mid = dev_snap(dev, &mid_size);
	mid_undo = file_get(g_path, &mid_len);
	fs_ops(fs, 2);
	assert_int_equal(vx_fs_close(fs), 0);
	assert_int_equal(vx_io_close(u), 0);
	assert_memory_not_equal(vx_io_mem_data(dev, NULL), orig, size);

	assert_int_equal(vx_undo_read_info(g_path, &in), 0);
	assert_true(in.complete);
	assert_true(in.has_uuid);
	assert_memory_equal(in.fs_uuid, sb.hdr.uuid, 16);
	assert_int_equal(vx_undo_apply(dev, g_path, 0, &in), 0);
	assert_int_equal(in.dev_state, VX_UNDO_DEV_AFTER);
	assert_dev(dev, orig, size);
	fs = fs_on(dev);
	assert_int_equal(vx_lookup(fs, NULL, VX_ROOT_INO, "d1", &ino), -ENOENT);
	assert_int_equal(vx_fs_close(fs), 0);

	/* the crash: incomplete, refused unless forced; forced, exact */
	file_put(g_path, mid_undo, mid_len);
	assert_int_equal(vx_undo_read_info(g_path, &in), 0);
	assert_false(in.complete);
	assert_true(in.blocks > 0);
	d2 = apply_copy(mid, size, 0, VX_EUNDO_INCOMPLETE, 0);
	assert_dev(d2, mid, size);
	assert_int_equal(vx_undo_apply(d2, g_path, VX_UNDO_FORCE, &in), 0);
	assert_int_equal(in.dev_state, VX_UNDO_DEV_UNKNOWN);
	assert_int_equal(in.written, in.blocks);
	assert_dev(d2, orig, size);
	assert_int_equal(vx_undo_apply(d2, g_path, VX_UNDO_FORCE, &in), 0);
	assert_int_equal(in.dev_state, VX_UNDO_DEV_BEFORE);
	assert_int_equal(in.written, 0);
	vx_io_close(d2);
	vx_io_close(dev);
	free(orig);
	free(mid);
	free(mid_undo);
}

static void test_saved_once(void **state)
{
	uint64_t size = 64 * KiB;
	uint8_t *orig, *undo;
	struct vx_io *dev = dev_new(size, &orig), *u = undo_new(dev, 4096);
	struct vx_undo_info in;
	size_t len;

	(void)state;
	put(u, 3 * 4096 + 100, 200, 2);
	put(u, 3 * 4096, 4096, 3);
	put(u, 3 * 4096 + 4000, 50, 4);
	assert_int_equal(vx_io_undo_blocks(u), 1);
	assert_int_equal(vx_io_close(u), 0);
	undo = file_get(g_path, &len);
	assert_int_equal(len, H + 32 + 4096 + 48 + 4);
	/* the record holds the block as it was before the first write */
	assert_int_equal(vx_get64(undo + H + 16), 3);
	assert_memory_equal(undo + H + 32, orig + 3 * 4096, 4096);
	assert_int_equal(vx_undo_apply(dev, g_path, 0, &in), 0);
	assert_int_equal(in.written, 1);
	assert_dev(dev, orig, size);
	vx_io_close(dev);
	free(orig);
	free(undo);
}

/* a session writing blocks 2 and 5 of a 64 KiB device; *@after the
 * device after it */
static struct vx_io *two_blocks(uint8_t **orig, uint8_t **after)
{
	uint64_t size = 64 * KiB;
	struct vx_io *dev = dev_new(size, orig), *u = undo_new(dev, 4096);

	put(u, 2 * 4096 + 7, 100, 2);
	put(u, 5 * 4096, 4096, 3);
	assert_int_equal(vx_io_close(u), 0);
	*after = dev_snap(dev, &size);
	return dev;
}

static void test_refused_unless_forced(void **state)
{
	uint64_t size = 64 * KiB;
	uint8_t *orig, *after, *img = malloc(size), *want = malloc(size);
	struct vx_io *dev = two_blocks(&orig, &after), *d;
	static const uint64_t poke[] = { 2 * 4096 + 3000, 10 };

	(void)state;
	assert_non_null(img);
	assert_non_null(want);
	for (unsigned i = 0; i < 2; i++) {
		/* a saved block, then block 0 (not saved) changed since */
		memcpy(img, after, size);
		img[poke[i]] ^= 0x40;
		d = apply_copy(img, size, 0, VX_EUNDO_MISMATCH,
			       VX_UNDO_DEV_OTHER);
		assert_dev(d, img, size);
		assert_int_equal(vx_undo_apply(d, g_path, VX_UNDO_FORCE |
					       VX_UNDO_DRY_RUN, NULL), 0);
		assert_dev(d, img, size);
		assert_int_equal(vx_undo_apply(d, g_path, VX_UNDO_FORCE, NULL),
				 0);
		memcpy(want, img, size);
		memcpy(want + 2 * 4096, orig + 2 * 4096, 4096);
		memcpy(want + 5 * 4096, orig + 5 * 4096, 4096);
		assert_dev(d, want, size);
		vx_io_close(d);
	}
	/* another image altogether */
	memset(img, 0, size);
	d = apply_copy(img, size, 0, VX_EUNDO_MISMATCH, VX_UNDO_DEV_OTHER);
	assert_dev(d, img, size);
	vx_io_close(d);
	/* another size */
	d = dev_copy(after, size);
	assert_int_equal(vx_io_set_size(d, size + 4096), 0);
	assert_int_equal(vx_undo_apply(d, g_path, 0, NULL), VX_EUNDO_MISMATCH);
	assert_int_equal(vx_undo_apply(d, g_path, VX_UNDO_FORCE, NULL), 0);
	assert_dev(d, orig, size);	/* forced: the size goes back too */
	vx_io_close(d);
	/* a block the session did not write is not checked (as documented):
	 * only saved blocks and block 0 are */
	memcpy(img, after, size);
	img[9 * 4096] ^= 1;
	d = apply_copy(img, size, 0, 0, VX_UNDO_DEV_AFTER);
	memcpy(want, orig, size);
	want[9 * 4096] ^= 1;
	assert_dev(d, want, size);
	vx_io_close(d);
	vx_io_close(dev);
	free(orig);
	free(after);
	free(img);
	free(want);
}

static void test_dry_run(void **state)
{
	uint64_t size = 64 * KiB;
	uint8_t *orig, *after;
	struct vx_io *dev = two_blocks(&orig, &after);
	struct vx_undo_info in;

	(void)state;
	assert_int_equal(vx_undo_apply(dev, g_path, VX_UNDO_DRY_RUN, &in), 0);
	assert_int_equal(in.dev_state, VX_UNDO_DEV_AFTER);
	assert_int_equal(in.blocks, 2);
	assert_int_equal(in.written, 0);
	assert_dev(dev, after, size);
	assert_int_equal(vx_undo_apply(dev, g_path, 0x40, &in), -EINVAL);
	assert_int_equal(vx_undo_apply(dev, g_path, 0, &in), 0);
	assert_int_equal(in.written, 2);
	assert_dev(dev, orig, size);
	assert_int_equal(vx_undo_apply(dev, g_path, VX_UNDO_DRY_RUN, &in), 0);
	assert_int_equal(in.dev_state, VX_UNDO_DEV_BEFORE);
	assert_dev(dev, orig, size);
	vx_io_close(dev);
	free(orig);
	free(after);
}

static void test_interrupted_apply(void **state)
{
	uint64_t size = 64 * KiB;
	uint8_t *orig, *after;
	struct vx_io *dev = two_blocks(&orig, &after);

	(void)state;
	/* the apply wrote block 5 back (newest first), then stopped */
	memcpy(vx_io_mem_data(dev, NULL) + 5 * 4096, orig + 5 * 4096, 4096);
	vx_io_close(apply_copy(vx_io_mem_data(dev, NULL), size, VX_UNDO_DRY_RUN,
			       0, VX_UNDO_DEV_PARTIAL));
	vx_io_close(apply_copy(vx_io_mem_data(dev, NULL), size, 0, 0,
			       VX_UNDO_DEV_PARTIAL));
	assert_int_equal(vx_undo_apply(dev, g_path, 0, NULL), 0);
	assert_dev(dev, orig, size);
	vx_io_close(dev);
	free(orig);
	free(after);
}

static void test_size_changes(void **state)
{
	uint64_t size = 64 * KiB + 100, got;
	uint8_t *orig;
	struct vx_io *dev = dev_new(size, &orig), *u = undo_new(dev, 4096);
	struct vx_undo_info in;

	(void)state;
	/* grow: the new part saves nothing; the old short block is saved */
	assert_int_equal(vx_io_set_size(u, 128 * KiB), 0);
	assert_int_equal(vx_io_undo_blocks(u), 0);
	put(u, 100 * KiB, 8 * KiB, 2);
	assert_int_equal(vx_io_undo_blocks(u), 0);
	put(u, 64 * KiB, 200, 3);
	assert_int_equal(vx_io_undo_blocks(u), 1);
	/* shrink below the original: every block cut into is saved first */
	assert_int_equal(vx_io_set_size(u, 40 * KiB + 1), 0);
	assert_int_equal(vx_io_undo_blocks(u), 1 + 16 - 10);
	assert_int_equal(vx_io_set_size(u, 50 * KiB), 0);
	put(u, 44 * KiB, 100, 4);
	assert_int_equal(vx_io_close(u), 0);
	assert_int_equal(vx_undo_read_info(g_path, &in), 0);
	assert_int_equal(in.dev_size, size);
	assert_int_equal(in.dev_size_after, 50 * KiB);
	assert_int_equal(vx_undo_apply(dev, g_path, 0, &in), 0);
	assert_int_equal(vx_io_get_size(dev, &got), 0);
	assert_int_equal(got, size);
	assert_dev(dev, orig, size);
	assert_int_equal(vx_undo_apply(dev, g_path, 0, &in), 0);
	assert_int_equal(in.dev_state, VX_UNDO_DEV_BEFORE);
	vx_io_close(dev);
	free(orig);
}

/* ---- torn and hostile files ---- */

static void test_torn(void **state)
{
	const uint32_t bs = 1024;
	const uint64_t size = 16 * KiB, rs = 32 + bs;
	uint8_t *orig, *after, *full, *want = malloc(size);
	struct vx_io *dev = dev_new(size, &orig), *u = undo_new(dev, bs), *d;
	uint64_t cuts[64], ncut = 0, n = 5, foot = H + n * rs;
	struct vx_undo_info in;
	size_t len;

	(void)state;
	assert_non_null(want);
	for (unsigned b = 0; b < n; b++)
		put(u, (b * 3 + 1) * bs + 5, 10, 2 + b);
	assert_int_equal(vx_io_close(u), 0);
	after = dev_snap(dev, (uint64_t[]){ 0 });
	full = file_get(g_path, &len);
	assert_int_equal(len, foot + 48 + 4 * n);
	for (uint64_t i = 0; i <= n; i++) {	/* boundaries and inside */
		cuts[ncut++] = H + i * rs;
		cuts[ncut++] = H + i * rs + 10;
		cuts[ncut++] = H + i * rs + 32 + 500;
	}
	cuts[ncut++] = 0;
	cuts[ncut++] = 100;
	cuts[ncut++] = foot + 48;
	cuts[ncut++] = len - 1;
	cuts[ncut++] = len;
	for (uint64_t c = 0; c < ncut; c++) {
		uint64_t cut = cuts[c] < len ? cuts[c] : len;
		uint64_t k = cut < H ? 0 : (cut - H) / rs;
		int complete = cut == len;

		if (k > n)
			k = n;
		file_put(g_path, full, cut);
		if (cut < H) {
			assert_int_equal(vx_undo_read_info(g_path, &in),
					 VX_EUNDO_CORRUPT);
			continue;
		}
		assert_int_equal(vx_undo_read_info(g_path, &in), 0);
		assert_int_equal(in.blocks, k);
		assert_int_equal(in.complete, complete);
		assert_int_equal(in.file_bytes, cut);
		assert_int_equal(in.valid_bytes, complete ? len : H + k * rs);
		d = apply_copy(after, size, 0, complete ? 0 : VX_EUNDO_INCOMPLETE,
			       VX_UNDO_DEV_AFTER);
		assert_dev(d, complete ? orig : after, size);
		vx_io_close(d);
		/* forced: the records of the valid prefix go back */
		memcpy(want, after, size);
		for (uint64_t b = 0; b < k; b++)
			memcpy(want + (b * 3 + 1) * bs,
			       orig + (b * 3 + 1) * bs, bs);
		d = apply_copy(after, size, VX_UNDO_FORCE, 0,
			       complete ? VX_UNDO_DEV_AFTER :
			       k ? VX_UNDO_DEV_UNKNOWN : VX_UNDO_DEV_BEFORE);
		assert_dev(d, want, size);
		vx_io_close(d);
	}
	/* a bad byte in record 2's data: the valid part ends before it */
	full[H + 2 * rs + 32 + 5] ^= 1;
	file_put(g_path, full, len);
	assert_int_equal(vx_undo_read_info(g_path, &in), 0);
	assert_int_equal(in.blocks, 2);
	assert_false(in.complete);
	full[H + 2 * rs + 32 + 5] ^= 1;
	/* bytes after the footer are ignored */
	full = realloc(full, len + 100);
	memset(full + len, 0xee, 100);
	file_put(g_path, full, len + 100);
	assert_int_equal(vx_undo_read_info(g_path, &in), 0);
	assert_true(in.complete);
	assert_int_equal(in.valid_bytes, len);
	assert_int_equal(in.file_bytes, len + 100);
	vx_io_close(dev);
	free(orig);
	free(after);
	free(full);
	free(want);
}

/* header field at @off set to @v (le32, or le64 when @wide), crc redone */
static void hdr_poke(uint8_t *b, unsigned off, uint64_t v, int wide)
{
	if (wide)
		vx_put64(b + off, v);
	else
		vx_put32(b + off, (uint32_t)v);
	vx_put32(b + 124, vx_crc32c(0, b, 124));
}

static void expect_bad(const uint8_t *file, size_t len, int err,
		       const uint8_t *img, uint64_t size)
{
	struct vx_undo_info in;
	struct vx_io *d;

	file_put(g_path, file, len);
	assert_int_equal(vx_undo_read_info(g_path, &in), err);
	d = dev_copy(img, size);
	assert_int_equal(vx_undo_apply(d, g_path, VX_UNDO_FORCE, &in), err);
	assert_dev(d, img, size);
	vx_io_close(d);
}

static void test_hostile(void **state)
{
	uint64_t size = 64 * KiB, rs = 32 + 4096;
	uint8_t *orig, *after, *good, *b;
	struct vx_io *dev = two_blocks(&orig, &after);
	static const struct { unsigned off; uint64_t v; int wide, err; } h[] = {
		{ 8, 2, 0, VX_EBADVERSION }, { 12, 64, 0, VX_EUNDO_CORRUPT },
		{ 16, 0, 0, VX_EUNDO_CORRUPT }, { 16, 256, 0, VX_EUNDO_CORRUPT },
		{ 16, 3000, 0, VX_EUNDO_CORRUPT },
		{ 16, 131072, 0, VX_EUNDO_CORRUPT },
		{ 16, 1u << 31, 0, VX_EUNDO_CORRUPT },
		{ 20, 2, 0, VX_EUNDO_CORRUPT },
		{ 24, 1ull << 63, 1, VX_EUNDO_CORRUPT },
		{ 24, UINT64_MAX, 1, VX_EUNDO_CORRUPT },
		{ 80, 1, 0, VX_EUNDO_CORRUPT },
	};
	size_t len;
	uint32_t seed;

	(void)state;
	good = file_get(g_path, &len);
	b = malloc(len);
	assert_non_null(b);
	seed = vx_crc32c(0, good, H);
	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		memcpy(b, good, len);
		hdr_poke(b, h[i].off, h[i].v, h[i].wide);
		expect_bad(b, len, h[i].err, after, size);
	}
	memcpy(b, good, len);
	b[3] ^= 1;				/* magic */
	expect_bad(b, len, VX_EUNDO_CORRUPT, after, size);
	memcpy(b, good, len);
	b[30] ^= 1;				/* crc */
	expect_bad(b, len, VX_EUNDO_CORRUPT, after, size);
	expect_bad(good, 0, VX_EUNDO_CORRUPT, after, size);
	expect_bad(good, H - 1, VX_EUNDO_CORRUPT, after, size);
	/* records whose checksums hold, fields do not */
	for (int k = 0; k < 4; k++) {
		uint8_t *r1 = b + H + rs;

		memcpy(b, good, len);
		if (k == 0)
			vx_put64(r1 + 8, 7);		/* index */
		else if (k == 1)
			vx_put64(r1 + 16, 16);		/* past the end */
		else if (k == 2)
			vx_put32(r1 + 4, 100);		/* length */
		else
			vx_put64(r1 + 16, 2);		/* block 2 twice */
		undo_rec_seal(r1, 4096, seed);
		expect_bad(b, len, VX_EUNDO_CORRUPT, after, size);
	}
	/* footers whose checksums hold, fields do not */
	for (int k = 0; k < 4; k++) {
		uint8_t *f = b + H + 2 * rs;

		memcpy(b, good, len);
		if (k == 0)
			vx_put64(f + 8, 3);		/* count */
		else if (k == 1)
			vx_put64(f + 8, UINT64_MAX);
		else if (k == 2)
			vx_put32(f + 4, 17);		/* b0len */
		else
			vx_put32(f + 40, 1);		/* reserved */
		vx_put32(f + 44, vx_crc32c(seed, f, 44));
		expect_bad(b, len, VX_EUNDO_CORRUPT, after, size);
	}
	/* a footer whose table is cut or wrong: incomplete, not corrupt */
	memcpy(b, good, len);
	b[len - 1] ^= 1;
	file_put(g_path, b, len);
	vx_io_close(apply_copy(after, size, 0, VX_EUNDO_INCOMPLETE, 0));
	vx_io_close(dev);
	free(orig);
	free(after);
	free(good);
	free(b);
}

/* ---- opening ---- */

static void test_open_errors(void **state)
{
	uint64_t size = 64 * KiB;
	uint8_t *orig, junk[100];
	struct vx_io *dev = dev_new(size, &orig), *u, *u2, *img;
	char *ipath = strdup(tpath("image"));
	uint8_t *back;
	size_t len;

	(void)state;
	memset(junk, 'j', sizeof(junk));
	file_put(g_path, junk, sizeof(junk));
	assert_int_equal(vx_io_undo_open(dev, g_path, 4096, 0, &u), -EEXIST);
	back = file_get(g_path, &len);
	assert_int_equal(len, sizeof(junk));
	assert_memory_equal(back, junk, len);
	free(back);
	assert_int_equal(vx_io_undo_open(dev, g_path, 4096, VX_UNDO_OVERWRITE,
					 &u), 0);
	/* held by a session: a second one is refused */
	assert_int_equal(vx_io_undo_open(dev, g_path, 4096, VX_UNDO_OVERWRITE,
					 &u2), VX_ELOCKED);
	put(u, 100, 10, 2);
	assert_int_equal(vx_io_close(u), 0);
	assert_int_equal(vx_undo_apply(dev, g_path, 0, NULL), 0);
	assert_dev(dev, orig, size);

	assert_int_equal(vx_io_undo_open(dev, tpath("no/such"), 4096, 0, &u),
			 -ENOENT);
	assert_int_equal(vx_io_undo_open(dev, g_dir, 4096, VX_UNDO_OVERWRITE,
					 &u), -EISDIR);
	for (uint32_t bs = 0; bs < 4; bs++)
		assert_int_equal(vx_io_undo_open(dev, tpath("x"),
			(uint32_t[]){ 0, 256, 3000, 131072 }[bs], 0, &u),
			-EINVAL);
	assert_int_equal(vx_io_undo_open(dev, tpath("x"), 4096, VX_UNDO_FORCE,
					 &u), -EINVAL);
	assert_int_equal(access(tpath("x"), F_OK), -1);
	/* the device's own file, and a read-only device */
	file_put(ipath, orig, size);
	assert_int_equal(vx_io_unix_open(ipath, 0, &img), 0);
	assert_int_equal(vx_io_undo_open(img, ipath, 4096, VX_UNDO_OVERWRITE,
					 &u), -EINVAL);
	vx_io_close(img);
	back = file_get(ipath, &len);
	assert_int_equal(len, size);
	assert_memory_equal(back, orig, size);
	free(back);
	assert_int_equal(vx_io_unix_open(ipath, VX_IO_OPEN_RDONLY, &img), 0);
	assert_int_equal(vx_io_undo_open(img, tpath("y"), 4096, 0, &u), -EBADF);
	vx_io_close(img);
	/* VX_UNDO_OWN_LOWER: the close closes the device */
	assert_int_equal(vx_io_unix_open(ipath, 0, &img), 0);
	assert_int_equal(vx_io_undo_open(img, tpath("z"), 4096,
					 VX_UNDO_OWN_LOWER, &u), 0);
	put(u, 5000, 3, 3);
	assert_int_equal(vx_io_close(u), 0);
	assert_int_equal(vx_io_unix_open(ipath, 0, &img), 0);
	assert_int_equal(vx_undo_apply(img, tpath("z"), 0, NULL), 0);
	vx_io_close(img);
	back = file_get(ipath, &len);
	assert_memory_equal(back, orig, size);
	free(back);
	assert_int_equal(vx_undo_read_info(tpath("none"), NULL), -EINVAL);
	vx_io_close(dev);
	free(orig);
	free(ipath);
}

/* writing the undo file fails after @allow bytes of records */
static void write_fails(uint64_t allow, uint64_t saved_ok)
{
	uint64_t size = 64 * KiB;
	struct rlimit old, lim;
	uint8_t *orig, *want;
	struct vx_io *dev = dev_new(size, &orig), *u = undo_new(dev, 4096);
	struct vx_undo_info in;
	uint8_t b[10] = { 0 };
	int err;

	want = dev_snap(dev, &size);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = H + allow;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	if (saved_ok) {
		put(u, 4096, 10, 2);
		fill(want + 4096, 10, 4096, 2);
	}
	err = vx_io_write(u, 3 * 4096 + 1, b, sizeof(b));
	assert_int_equal(err, -EFBIG);
	assert_dev(dev, want, size);		/* not touched */
	/* failed for good: writes to saved blocks, flushes too */
	assert_int_equal(vx_io_write(u, 3 * 4096 + 1, b, 1), err);
	assert_int_equal(vx_io_write(u, 4096, b, 1), err);
	assert_int_equal(vx_io_set_size(u, size + 4096), err);
	assert_int_equal(vx_io_flush(u), err);
	assert_int_equal(vx_io_read(u, 4096, b, 10), 0);
	assert_memory_equal(b, want + 4096, 10);
	assert_dev(dev, want, size);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(vx_io_close(u), err);
	assert_int_equal(vx_undo_read_info(g_path, &in), 0);
	assert_int_equal(in.blocks, saved_ok);
	assert_false(in.complete);
	assert_int_equal(in.file_bytes, H + allow);
	assert_int_equal(vx_undo_apply(dev, g_path, 0, NULL), VX_EUNDO_INCOMPLETE);
	assert_int_equal(vx_undo_apply(dev, g_path, VX_UNDO_FORCE, &in), 0);
	assert_dev(dev, orig, size);
	vx_io_close(dev);
	free(orig);
	free(want);
}

static void test_undo_file_error(void **state)
{
	(void)state;
	signal(SIGXFSZ, SIG_IGN);
	write_fails(2000, 0);			/* the first record is torn */
	test_setup(NULL);
	write_fails(32 + 4096 + 100, 1);	/* the second one is */
}

/* ---- threads ---- */

struct thr {
	struct vx_io *u;
	unsigned t;
};

static void *writer(void *arg)
{
	struct thr *w = arg;
	uint8_t b[700];

	for (unsigned i = 0; i < 200; i++) {
		uint64_t off = ((i * 37 + w->t * 101) % 250) * 1024 + w->t * 7;

		fill(b, sizeof(b), off, w->t);
		if (vx_io_write(w->u, off, b, sizeof(b)))
			return arg;
	}
	return NULL;
}

static void test_threads(void **state)
{
	uint64_t size = 256 * KiB;
	uint8_t *orig;
	struct vx_io *dev = dev_new(size, &orig), *u = undo_new(dev, 1024);
	struct thr w[4];
	pthread_t th[4];
	void *ret;

	(void)state;
	for (unsigned t = 0; t < 4; t++) {
		w[t] = (struct thr){ .u = u, .t = t };
		assert_int_equal(pthread_create(&th[t], NULL, writer, &w[t]), 0);
	}
	for (unsigned t = 0; t < 4; t++) {
		assert_int_equal(pthread_join(th[t], &ret), 0);
		assert_null(ret);
	}
	assert_int_equal(vx_io_close(u), 0);
	assert_int_equal(vx_undo_apply(dev, g_path, 0, NULL), 0);
	assert_dev(dev, orig, size);
	vx_io_close(dev);
	free(orig);
}

static void test_strerror(void **state)
{
	(void)state;
	assert_non_null(strstr(vx_strerror(VX_EUNDO_CORRUPT), "undo file"));
	assert_non_null(strstr(vx_strerror(VX_EUNDO_INCOMPLETE), "incomplete"));
	assert_non_null(strstr(vx_strerror(VX_EUNDO_MISMATCH), "state"));
	assert_string_equal(vx_errname(VX_EUNDO_MISMATCH), "VX_EUNDO_MISMATCH");
}

#define T(f) cmocka_unit_test_setup(f, test_setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_raw_4k),
		T(test_raw_512),
		T(test_raw_64k),
		T(test_filesystem),
		T(test_saved_once),
		T(test_refused_unless_forced),
		T(test_dry_run),
		T(test_interrupted_apply),
		T(test_size_changes),
		T(test_torn),
		T(test_hostile),
		T(test_open_errors),
		T(test_undo_file_error),
		T(test_threads),
		T(test_strerror),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
