/*
 * test_io_undo.c: the undo layer (lib/io_undo.c): sessions through it,
 * then an apply (lib/undo_apply.c) must give back the device as it was
 * before, byte for byte.
 *
 * The lower device is a mem device holding a pattern (or a filesystem);
 * the undo file is a file in a temporary directory (undo_fixture.h).
 * Covered: raw writes at odd offsets and sizes with undo blocks of 512,
 * 4096 and 65536 bytes on a device whose size is not a multiple of the
 * block, and the default block size (the filesystem's); a real
 * filesystem (format, file operations through the layer, close, apply)
 * and the same session "crashed" half way (an incomplete file, applied
 * only when forced, then exactly); a block written twice is saved once,
 * as it was first; growing and shrinking the device; existing files,
 * the device's own file, locking, bad arguments, VX_UNDO_OWN_LOWER; a
 * failing undo file (RLIMIT_FSIZE, a torn record) stops the write
 * before the device is touched and stays failed; writes from several
 * threads.  Applying itself is test_undo_apply.c's.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include "undo_fixture.h"

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

/* bsize 0: the filesystem's block size, or the default without one */
static void test_bsize_default(void **state)
{
	uint64_t size = 2 * 1024 * KiB;
	struct vx_super sb;
	struct vx_undo_info in;
	uint8_t *orig;
	struct vx_io *dev, *u;

	(void)state;
	for (int fs = 0; fs < 2; fs++) {
		dev = fs ? fs_image(size, 10, &orig, &sb) : dev_new(size, &orig);
		assert_int_equal(vx_io_undo_open(dev, g_path, 0,
						 VX_UNDO_OVERWRITE, &u), 0);
		put(u, 1500, 1000, 2);
		assert_int_equal(vx_io_undo_blocks(u), fs ? 2 : 1);
		assert_int_equal(vx_io_close(u), 0);
		assert_int_equal(vx_undo_read_info(g_path, &in), 0);
		assert_int_equal(in.bsize, fs ? 1024 : VX_UNDO_DEFAULT_BSIZE);
		assert_int_equal(in.has_uuid, fs);
		assert_int_equal(vx_undo_apply(dev, g_path, 0, NULL), 0);
		assert_dev(dev, orig, size);
		vx_io_close(dev);
		free(orig);
	}
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
			(uint32_t[]){ 1, 256, 3000, 131072 }[bs], 0, &u),
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_raw_4k),
		T(test_raw_512),
		T(test_raw_64k),
		T(test_bsize_default),
		T(test_filesystem),
		T(test_saved_once),
		T(test_size_changes),
		T(test_open_errors),
		T(test_undo_file_error),
		T(test_threads),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
