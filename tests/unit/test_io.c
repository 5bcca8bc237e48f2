/*
 * test_io.c: unit tests for the io layer (vx_io_* wrappers, mem and unix
 * backends).
 *
 * Mem backend: read back what was written, bounds (-EIO past the end),
 * set_size with zero fill, vx_io_mem_data.  Unix backend, on files in a
 * private temporary directory under /tmp: create (mode from the umask),
 * write/read back across a reopen, sizes, read past end of file, the
 * writer lock (OFD locks conflict between two opens in one process),
 * read-only handles, and the errors of bad paths.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <vexfs/error.h>
#include <vexfs/io.h>

/* byte i of pattern @seed */
static unsigned char pat(uint64_t i, unsigned seed)
{
	return (unsigned char)((i * 131 + seed * 7 + (i >> 8)) & 0xff);
}

static void fill(unsigned char *buf, size_t len, uint64_t base, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pat(base + i, seed);
}

static int all_zero(const unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i])
			return 0;
	return 1;
}

/* ---- wrappers ---- */

static void test_wrapper_args(void **state)
{
	struct vx_io *io;
	unsigned char b[4];
	uint64_t size;

	assert_int_equal(vx_io_read(NULL, 0, b, 1), -EINVAL);
	assert_int_equal(vx_io_write(NULL, 0, b, 1), -EINVAL);
	assert_int_equal(vx_io_flush(NULL), -EINVAL);
	assert_int_equal(vx_io_get_size(NULL, &size), -EINVAL);
	assert_int_equal(vx_io_set_size(NULL, 0), -EINVAL);
	assert_int_equal(vx_io_close(NULL), 0);
	assert_int_equal(vx_io_mem_open(16, NULL), -EINVAL);

	assert_int_equal(vx_io_mem_open(16, &io), 0);
	assert_int_equal(vx_io_read(io, 0, NULL, 1), -EINVAL);
	assert_int_equal(vx_io_write(io, 0, NULL, 1), -EINVAL);
	assert_int_equal(vx_io_get_size(io, NULL), -EINVAL);
	/* a range that wraps around 2^64 */
	assert_int_equal(vx_io_read(io, UINT64_MAX, b, 2), -EINVAL);
	assert_int_equal(vx_io_write(io, UINT64_MAX - 1, b, 4), -EINVAL);
	/* zero-length transfers succeed */
	assert_int_equal(vx_io_read(io, 16, b, 0), 0);
	assert_int_equal(vx_io_write(io, 0, NULL, 0), 0);
	assert_int_equal(vx_io_close(io), 0);
}

/* ---- mem backend ---- */

static void test_mem_open(void **state)
{
	struct vx_io *io;
	unsigned char *data;
	uint64_t size = 0, dsize = 0;

	assert_int_equal(vx_io_mem_open(65536, &io), 0);
	assert_non_null(io);
	assert_string_equal(io->ops->name, "mem");
	assert_int_equal(io->sector_size, 512);
	assert_int_equal(io->flags & (VX_IO_RDONLY | VX_IO_BLKDEV), 0);
	assert_int_equal(vx_io_get_size(io, &size), 0);
	assert_int_equal(size, 65536);
	data = vx_io_mem_data(io, &dsize);
	assert_non_null(data);
	assert_int_equal(dsize, 65536);
	assert_true(all_zero(data, 65536));
	assert_non_null(vx_io_mem_data(io, NULL));
	assert_int_equal(vx_io_flush(io), 0);
	assert_int_equal(vx_io_close(io), 0);
}

static void test_mem_write_read(void **state)
{
	static const uint64_t offs[] = { 0, 1, 511, 4096, 65536 - 700 };
	unsigned char w[700], r[700], *data;
	struct vx_io *io;

	assert_int_equal(vx_io_mem_open(65536, &io), 0);
	data = vx_io_mem_data(io, NULL);
	for (size_t k = 0; k < sizeof(offs) / sizeof(offs[0]); k++) {
		fill(w, sizeof(w), offs[k], (unsigned)k + 1);
		assert_int_equal(vx_io_write(io, offs[k], w, sizeof(w)), 0);
		memset(r, 0xee, sizeof(r));
		assert_int_equal(vx_io_read(io, offs[k], r, sizeof(r)), 0);
		assert_memory_equal(r, w, sizeof(w));
		/* the bytes really are where the write put them */
		assert_memory_equal(data + offs[k], w, sizeof(w));
	}
	/* untouched bytes stay zero */
	assert_true(all_zero(data + 1300, 4096 - 1300));
	/* a change through mem_data is what the next read sees */
	data[10000] = 0xab;
	assert_int_equal(vx_io_read(io, 10000, r, 1), 0);
	assert_int_equal(r[0], 0xab);
	assert_int_equal(vx_io_close(io), 0);
}

static void test_mem_out_of_range(void **state)
{
	unsigned char b[32], *data;
	struct vx_io *io;

	assert_int_equal(vx_io_mem_open(1024, &io), 0);
	data = vx_io_mem_data(io, NULL);
	memset(b, 0x77, sizeof(b));
	assert_int_equal(vx_io_read(io, 1024 - 16, b, 32), -EIO);
	assert_int_equal(vx_io_read(io, 1024, b, 1), -EIO);
	assert_int_equal(vx_io_read(io, 5000, b, 1), -EIO);
	assert_int_equal(vx_io_read(io, UINT64_MAX - 40, b, 32), -EIO);
	assert_int_equal(vx_io_write(io, 1024 - 16, b, 32), -EIO);
	assert_int_equal(vx_io_write(io, 1024, b, 1), -EIO);
	/* a refused write changed nothing */
	assert_true(all_zero(data, 1024));
	/* the last bytes are reachable */
	assert_int_equal(vx_io_write(io, 1024 - 32, b, 32), 0);
	memset(b, 0, sizeof(b));
	assert_int_equal(vx_io_read(io, 1024 - 32, b, 32), 0);
	for (int i = 0; i < 32; i++)
		assert_int_equal(b[i], 0x77);
	assert_int_equal(vx_io_close(io), 0);
}

static void test_mem_set_size(void **state)
{
	unsigned char w[4096], r[8192], *data;
	struct vx_io *io;
	uint64_t size, dsize;

	assert_int_equal(vx_io_mem_open(4096, &io), 0);
	fill(w, sizeof(w), 0, 3);
	assert_int_equal(vx_io_write(io, 0, w, sizeof(w)), 0);

	/* shrink: the head survives, the end moves */
	assert_int_equal(vx_io_set_size(io, 1000), 0);
	assert_int_equal(vx_io_get_size(io, &size), 0);
	assert_int_equal(size, 1000);
	assert_int_equal(vx_io_read(io, 0, r, 1000), 0);
	assert_memory_equal(r, w, 1000);
	assert_int_equal(vx_io_read(io, 1000, r, 1), -EIO);
	assert_int_equal(vx_io_read(io, 990, r, 20), -EIO);

	/* grow: the old bytes past 1000 must not come back */
	assert_int_equal(vx_io_set_size(io, 8192), 0);
	assert_int_equal(vx_io_get_size(io, &size), 0);
	assert_int_equal(size, 8192);
	assert_int_equal(vx_io_read(io, 0, r, 8192), 0);
	assert_memory_equal(r, w, 1000);
	assert_true(all_zero(r + 1000, 8192 - 1000));
	data = vx_io_mem_data(io, &dsize);
	assert_int_equal(dsize, 8192);
	assert_memory_equal(data, w, 1000);
	assert_int_equal(vx_io_write(io, 8192 - 100, w, 100), 0);
	assert_int_equal(vx_io_read(io, 8192 - 100, r, 100), 0);
	assert_memory_equal(r, w, 100);

	/* down to nothing and back */
	assert_int_equal(vx_io_set_size(io, 0), 0);
	assert_int_equal(vx_io_get_size(io, &size), 0);
	assert_int_equal(size, 0);
	assert_int_equal(vx_io_read(io, 0, r, 1), -EIO);
	assert_int_equal(vx_io_set_size(io, 512), 0);
	assert_int_equal(vx_io_read(io, 0, r, 512), 0);
	assert_true(all_zero(r, 512));
	assert_int_equal(vx_io_close(io), 0);
}

static void test_mem_zero_size(void **state)
{
	struct vx_io *io;
	unsigned char b[8];
	uint64_t size = 99;

	assert_int_equal(vx_io_mem_open(0, &io), 0);
	assert_int_equal(vx_io_get_size(io, &size), 0);
	assert_int_equal(size, 0);
	assert_int_equal(vx_io_read(io, 0, b, 1), -EIO);
	assert_int_equal(vx_io_write(io, 0, b, 1), -EIO);
	assert_int_equal(vx_io_close(io), 0);
}

/* ---- unix backend ---- */

struct tmpdir {
	char dir[64];
	char file[96];
};

static int tmp_setup(void **state)
{
	struct tmpdir *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	strcpy(t->dir, "/tmp/vexfs-test-io-XXXXXX");
	if (!mkdtemp(t->dir)) {
		free(t);
		return -1;
	}
	snprintf(t->file, sizeof(t->file), "%s/image", t->dir);
	*state = t;
	return 0;
}

static int tmp_teardown(void **state)
{
	struct tmpdir *t = *state;
	char p[128];

	unlink(t->file);
	snprintf(p, sizeof(p), "%s/fifo", t->dir);
	unlink(p);
	rmdir(t->dir);
	free(t);
	return 0;
}

/* make t->file with @len bytes of pattern @seed */
static void make_file(const struct tmpdir *t, size_t len, unsigned seed)
{
	unsigned char *buf = malloc(len ? len : 1);
	FILE *f;

	assert_non_null(buf);
	fill(buf, len, 0, seed);
	f = fopen(t->file, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	free(buf);
}

static void test_unix_create_write_read(void **state)
{
	struct tmpdir *t = *state;
	unsigned char w[8192], r[12288];
	struct vx_io *io;
	struct stat st;
	uint64_t size = 1;
	mode_t old;

	old = umask(022);
	assert_int_equal(vx_io_unix_open(t->file, VX_IO_OPEN_CREATE, &io), 0);
	umask(old);
	assert_int_equal(stat(t->file, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_string_equal(io->ops->name, "unix");
	assert_string_equal(io->path, t->file);
	assert_int_equal(io->sector_size, 512);
	assert_int_equal(io->flags & (VX_IO_RDONLY | VX_IO_BLKDEV), 0);
	assert_null(vx_io_mem_data(io, NULL));
	assert_int_equal(vx_io_get_size(io, &size), 0);
	assert_int_equal(size, 0);

	fill(w, sizeof(w), 4096, 5);
	assert_int_equal(vx_io_write(io, 4096, w, sizeof(w)), 0);
	assert_int_equal(vx_io_flush(io), 0);
	assert_int_equal(vx_io_get_size(io, &size), 0);
	assert_int_equal(size, 12288);
	memset(r, 0xee, sizeof(r));
	assert_int_equal(vx_io_read(io, 0, r, sizeof(r)), 0);
	assert_true(all_zero(r, 4096));
	assert_memory_equal(r + 4096, w, sizeof(w));
	assert_int_equal(vx_io_close(io), 0);

	/* the data is in the file: reopen without CREATE and read again */
	assert_int_equal(vx_io_unix_open(t->file, 0, &io), 0);
	memset(r, 0, sizeof(r));
	assert_int_equal(vx_io_read(io, 4096 + 100, r, 5000), 0);
	assert_memory_equal(r, w + 100, 5000);
	assert_int_equal(vx_io_close(io), 0);
	assert_int_equal(stat(t->file, &st), 0);
	assert_int_equal(st.st_size, 12288);
}

static void test_unix_set_size(void **state)
{
	struct tmpdir *t = *state;
	unsigned char w[4096], r[4096];
	struct vx_io *io;
	struct stat st;
	uint64_t size;

	make_file(t, 4096, 9);
	fill(w, sizeof(w), 0, 9);
	assert_int_equal(vx_io_unix_open(t->file, 0, &io), 0);
	assert_int_equal(vx_io_set_size(io, 1 << 20), 0);
	assert_int_equal(vx_io_get_size(io, &size), 0);
	assert_int_equal(size, 1 << 20);
	assert_int_equal(stat(t->file, &st), 0);
	assert_int_equal(st.st_size, 1 << 20);
	assert_int_equal(vx_io_read(io, (1 << 20) - 4096, r, 4096), 0);
	assert_true(all_zero(r, 4096));

	assert_int_equal(vx_io_set_size(io, 100), 0);
	assert_int_equal(vx_io_get_size(io, &size), 0);
	assert_int_equal(size, 100);
	assert_int_equal(vx_io_read(io, 0, r, 100), 0);
	assert_memory_equal(r, w, 100);
	assert_int_equal(vx_io_read(io, 96, r, 8), -EIO);

	/* grow again: the bytes cut off come back as zeroes */
	assert_int_equal(vx_io_set_size(io, 4096), 0);
	assert_int_equal(vx_io_read(io, 0, r, 4096), 0);
	assert_memory_equal(r, w, 100);
	assert_true(all_zero(r + 100, 4096 - 100));
	assert_int_equal(vx_io_close(io), 0);
}

static void test_unix_read_past_eof(void **state)
{
	struct tmpdir *t = *state;
	unsigned char w[100], r[200];
	struct vx_io *io;

	make_file(t, 100, 4);
	fill(w, sizeof(w), 0, 4);
	assert_int_equal(vx_io_unix_open(t->file, VX_IO_OPEN_RDONLY, &io), 0);
	assert_int_equal(vx_io_read(io, 50, r, 100), -EIO);
	assert_int_equal(vx_io_read(io, 100, r, 1), -EIO);
	assert_int_equal(vx_io_read(io, 200, r, 1), -EIO);
	assert_int_equal(vx_io_read(io, UINT64_MAX - 300, r, 200), -EIO);
	assert_int_equal(vx_io_read(io, 0, r, 100), 0);
	assert_memory_equal(r, w, 100);
	assert_int_equal(vx_io_close(io), 0);
}

static void test_unix_write_lock(void **state)
{
	struct tmpdir *t = *state;
	struct vx_io *a, *b = NULL, *c;
	unsigned char w[64], r[64];

	make_file(t, 4096, 1);
	assert_int_equal(vx_io_unix_open(t->file, 0, &a), 0);
	/* OFD locks conflict between open file descriptions, same process */
	assert_int_equal(vx_io_unix_open(t->file, 0, &b), VX_ELOCKED);
	assert_null(b);
	/* a reader still gets in, without a lock, and cannot write */
	assert_int_equal(vx_io_unix_open(t->file, VX_IO_OPEN_RDONLY, &c), 0);
	fill(w, sizeof(w), 0, 2);
	assert_int_equal(vx_io_write(a, 0, w, sizeof(w)), 0);
	assert_int_equal(vx_io_read(c, 0, r, sizeof(r)), 0);
	assert_memory_equal(r, w, sizeof(w));
	assert_int_equal(vx_io_write(c, 0, w, sizeof(w)), -EBADF);
	assert_int_equal(vx_io_close(c), 0);
	/* NOLOCK bypasses the lock */
	assert_int_equal(vx_io_unix_open(t->file, VX_IO_OPEN_NOLOCK, &b), 0);
	assert_int_equal(vx_io_close(b), 0);
	/* still locked after those closes, free after the writer closes */
	b = NULL;
	assert_int_equal(vx_io_unix_open(t->file, 0, &b), VX_ELOCKED);
	assert_null(b);
	assert_int_equal(vx_io_close(a), 0);
	assert_int_equal(vx_io_unix_open(t->file, 0, &b), 0);
	assert_int_equal(vx_io_close(b), 0);
}

static void test_unix_read_lock(void **state)
{
	struct tmpdir *t = *state;
	struct vx_io *r1, *r2, *w = NULL;

	make_file(t, 4096, 1);
	assert_int_equal(vx_io_unix_open(t->file, VX_IO_OPEN_RDONLY, &r1), 0);
	assert_int_equal(vx_io_unix_open(t->file, VX_IO_OPEN_RDONLY, &r2), 0);
	/* readers hold shared locks: a writer must wait for both to go */
	assert_int_equal(vx_io_unix_open(t->file, 0, &w), VX_ELOCKED);
	assert_int_equal(vx_io_close(r1), 0);
	assert_int_equal(vx_io_unix_open(t->file, 0, &w), VX_ELOCKED);
	assert_int_equal(vx_io_close(r2), 0);
	assert_int_equal(vx_io_unix_open(t->file, 0, &w), 0);
	assert_int_equal(vx_io_close(w), 0);
}

static void test_unix_rdonly(void **state)
{
	struct tmpdir *t = *state;
	unsigned char w[512], r[512];
	struct vx_io *io;
	uint64_t size;

	make_file(t, 512, 6);
	fill(w, sizeof(w), 0, 6);
	assert_int_equal(vx_io_unix_open(t->file, VX_IO_OPEN_RDONLY, &io), 0);
	assert_true(io->flags & VX_IO_RDONLY);
	memset(r, 0, sizeof(r));
	assert_int_equal(vx_io_write(io, 0, r, sizeof(r)), -EBADF);
	assert_int_equal(vx_io_set_size(io, 0), -EBADF);
	assert_int_equal(vx_io_flush(io), 0);
	assert_int_equal(vx_io_get_size(io, &size), 0);
	assert_int_equal(size, 512);
	assert_int_equal(vx_io_read(io, 0, r, sizeof(r)), 0);
	assert_memory_equal(r, w, sizeof(w));
	assert_int_equal(vx_io_close(io), 0);
}

static void test_unix_bad_paths(void **state)
{
	struct tmpdir *t = *state;
	struct vx_io *io = NULL;
	char fifo[128];

	assert_int_equal(vx_io_unix_open(t->file, 0, &io), -ENOENT);
	assert_int_equal(vx_io_unix_open(t->file, VX_IO_OPEN_RDONLY, &io),
			 -ENOENT);
	assert_null(io);
	assert_int_equal(access(t->file, F_OK), -1);
	assert_int_equal(vx_io_unix_open(t->dir, VX_IO_OPEN_RDONLY, &io),
			 -EISDIR);
	assert_int_equal(vx_io_unix_open(t->dir, 0, &io), -EISDIR);
	/* neither a regular file nor a block device; must not hang */
	snprintf(fifo, sizeof(fifo), "%s/fifo", t->dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(vx_io_unix_open(fifo, VX_IO_OPEN_RDONLY, &io),
			 -EINVAL);
	assert_int_equal(vx_io_unix_open("/dev/null", VX_IO_OPEN_RDONLY, &io),
			 -EINVAL);
	assert_int_equal(vx_io_unix_open(NULL, 0, &io), -EINVAL);
	assert_int_equal(vx_io_unix_open("", 0, &io), -EINVAL);
	assert_int_equal(vx_io_unix_open(t->file, VX_IO_OPEN_CREATE, NULL),
			 -EINVAL);
	assert_null(io);
}

/* vx_io_mem_wrap: the caller's buffer, used in place, never freed */
static void test_mem_wrap(void **state)
{
	static unsigned char img[8192];
	unsigned char out[16];
	struct vx_io *io;
	uint64_t size;

	(void)state;
	memset(img, 0x5a, sizeof(img));
	assert_int_equal(vx_io_mem_wrap(NULL, 16, &io), -EINVAL);
	assert_int_equal(vx_io_mem_wrap(img, sizeof(img), NULL), -EINVAL);
	assert_int_equal(vx_io_mem_wrap(img, sizeof(img), &io), 0);
	assert_ptr_equal(vx_io_mem_data(io, &size), img);
	assert_int_equal(size, sizeof(img));
	/* reads see the caller's bytes, writes land in them */
	assert_int_equal(vx_io_read(io, 100, out, sizeof(out)), 0);
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0x5a);
	assert_int_equal(vx_io_write(io, 4096, "wrapped", 7), 0);
	assert_memory_equal(img + 4096, "wrapped", 7);
	assert_int_equal(vx_io_read(io, 8190, out, 4), -EIO);
	assert_int_equal(vx_io_set_size(io, 16384), -ENOTSUP);
	assert_int_equal(vx_io_close(io), 0);
	/* still the caller's: untouched by the close */
	assert_memory_equal(img + 4096, "wrapped", 7);
	img[0] = 1;
}

/* vx_io_advise is a hint: on a file, inside and past the end, through
 * an overlay and on a backend without it, reads stay what they were and
 * nothing fails */
static void test_advise(void **state)
{
	struct tmpdir *t = *state;
	unsigned char want[20000], got[20000];
	struct vx_io *io, *ov, *mem;

	make_file(t, sizeof(want), 9);
	fill(want, sizeof(want), 0, 9);
	assert_int_equal(vx_io_unix_open(t->file, VX_IO_OPEN_RDONLY, &io), 0);
	vx_io_advise(io, 0, sizeof(want));
	vx_io_advise(io, 4096, 1u << 30);	/* past the end */
	vx_io_advise(io, UINT64_MAX - 10, 100);	/* out of range */
	vx_io_advise(io, 0, 0);
	vx_io_advise(NULL, 0, 4096);
	assert_int_equal(vx_io_read(io, 0, got, sizeof(got)), 0);
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(vx_io_overlay_open(io, 4096, &ov), 0);
	vx_io_advise(ov, 8192, 8192);
	memset(got, 0, sizeof(got));
	assert_int_equal(vx_io_read(ov, 0, got, sizeof(got)), 0);
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(vx_io_close(ov), 0);
	assert_int_equal(vx_io_close(io), 0);
	assert_int_equal(vx_io_mem_open(8192, &mem), 0);
	vx_io_advise(mem, 0, 8192);
	assert_int_equal(vx_io_close(mem), 0);
}

#define TMP_TEST(fn) cmocka_unit_test_setup_teardown(fn, tmp_setup, tmp_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrapper_args),
		TMP_TEST(test_advise),
		cmocka_unit_test(test_mem_open),
		cmocka_unit_test(test_mem_write_read),
		cmocka_unit_test(test_mem_out_of_range),
		cmocka_unit_test(test_mem_set_size),
		cmocka_unit_test(test_mem_zero_size),
		cmocka_unit_test(test_mem_wrap),
		TMP_TEST(test_unix_create_write_read),
		TMP_TEST(test_unix_set_size),
		TMP_TEST(test_unix_read_past_eof),
		TMP_TEST(test_unix_write_lock),
		TMP_TEST(test_unix_read_lock),
		TMP_TEST(test_unix_rdonly),
		TMP_TEST(test_unix_bad_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
