/*
 * test_io_overlay.c: the copy-on-write overlay (lib/io_overlay.c) that
 * read-only checks recover the journal into.
 *
 * Over a mem device (and a unix file opened read-only): reads see the
 * lower device, writes land in the overlay only (the lower device is
 * compared byte for byte with a copy taken before), a write covering
 * part of a page keeps the rest of that page as the lower device had
 * it, reads spanning held and lower pages join them, pages the overlay
 * does not hold keep following the lower device, writes (and reads)
 * past the end are -EIO, bad page sizes -EINVAL, vx_io_overlay_pages
 * counts the pages held, closing the overlay leaves the lower device
 * open.  A seeded random run compares every read with a model.
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
#include <cmocka.h>

#include <vexfs/error.h>
#include <vexfs/io.h>

#define PAGE	4096u

/* byte i of pattern @seed (never the same for two seeds at one offset
 * in a way that matters: seeds differ by a constant per byte) */
static unsigned char pat(uint64_t i, unsigned seed)
{
	return (unsigned char)((i * 131 + seed * 7 + (i >> 9)) & 0xff);
}

static void fill(unsigned char *buf, size_t len, uint64_t base, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pat(base + i, seed);
}

/* a mem device of @size bytes holding pattern 1, and a copy of it */
static struct vx_io *lower_new(uint64_t size, unsigned char **copy)
{
	struct vx_io *io;
	unsigned char *d;

	assert_int_equal(vx_io_mem_open(size, &io), 0);
	d = vx_io_mem_data(io, NULL);
	assert_non_null(d);
	fill(d, size, 0, 1);
	*copy = malloc(size);
	assert_non_null(*copy);
	memcpy(*copy, d, size);
	return io;
}

static void assert_lower_unchanged(struct vx_io *lower,
				   const unsigned char *copy, uint64_t size)
{
	uint64_t have;
	unsigned char *d = vx_io_mem_data(lower, &have);

	assert_int_equal(have, size);
	assert_memory_equal(d, copy, size);
}

/* ---- reads and writes ---- */

static void test_reads_see_lower(void **state)
{
	uint64_t size = 64 * 1024, got;
	unsigned char *copy, *buf = malloc(size);
	struct vx_io *lower = lower_new(size, &copy), *ov;

	(void)state;
	assert_non_null(buf);
	assert_int_equal(vx_io_overlay_open(lower, PAGE, &ov), 0);
	assert_string_equal(ov->ops->name, "overlay");
	assert_int_equal(ov->sector_size, lower->sector_size);
	assert_int_equal(vx_io_get_size(ov, &got), 0);
	assert_int_equal(got, size);
	/* the whole device, and pieces at odd offsets */
	assert_int_equal(vx_io_read(ov, 0, buf, size), 0);
	assert_memory_equal(buf, copy, size);
	assert_int_equal(vx_io_read(ov, 4095, buf, 2), 0);
	assert_memory_equal(buf, copy + 4095, 2);
	assert_int_equal(vx_io_read(ov, 12345, buf, 20000), 0);
	assert_memory_equal(buf, copy + 12345, 20000);
	assert_int_equal(vx_io_read(ov, size - 1, buf, 1), 0);
	assert_int_equal(buf[0], copy[size - 1]);
	assert_int_equal(vx_io_overlay_pages(ov), 0);
	/* nothing held: pages follow later changes of the lower device */
	vx_io_mem_data(lower, NULL)[100] ^= 0xff;
	assert_int_equal(vx_io_read(ov, 100, buf, 1), 0);
	assert_int_equal(buf[0], copy[100] ^ 0xff);
	vx_io_mem_data(lower, NULL)[100] ^= 0xff;
	assert_int_equal(vx_io_flush(ov), 0);
	assert_int_equal(vx_io_close(ov), 0);
	assert_lower_unchanged(lower, copy, size);
	assert_int_equal(vx_io_close(lower), 0);
	free(copy);
	free(buf);
}

static void test_writes_stay_in_overlay(void **state)
{
	uint64_t size = 64 * 1024;
	unsigned char *copy, *buf = malloc(size), *want = malloc(size);
	unsigned char w[3 * PAGE];
	struct vx_io *lower = lower_new(size, &copy), *ov;

	(void)state;
	assert_non_null(buf);
	assert_non_null(want);
	memcpy(want, copy, size);
	assert_int_equal(vx_io_overlay_open(lower, PAGE, &ov), 0);

	/* whole pages 2 and 3 */
	fill(w, 2 * PAGE, 2 * PAGE, 2);
	assert_int_equal(vx_io_write(ov, 2 * PAGE, w, 2 * PAGE), 0);
	memcpy(want + 2 * PAGE, w, 2 * PAGE);
	assert_int_equal(vx_io_overlay_pages(ov), 2);
	assert_lower_unchanged(lower, copy, size);
	assert_int_equal(vx_io_read(ov, 0, buf, size), 0);
	assert_memory_equal(buf, want, size);

	/* rewriting a held page holds no new one */
	fill(w, 100, 2 * PAGE + 50, 3);
	assert_int_equal(vx_io_write(ov, 2 * PAGE + 50, w, 100), 0);
	memcpy(want + 2 * PAGE + 50, w, 100);
	assert_int_equal(vx_io_overlay_pages(ov), 2);

	/* flush writes nothing down */
	assert_int_equal(vx_io_flush(ov), 0);
	assert_lower_unchanged(lower, copy, size);
	assert_int_equal(vx_io_read(ov, 0, buf, size), 0);
	assert_memory_equal(buf, want, size);

	/* a held page no longer follows the lower device; others do */
	vx_io_mem_data(lower, NULL)[2 * PAGE + 10] ^= 0x5a;
	vx_io_mem_data(lower, NULL)[5 * PAGE + 10] ^= 0x5a;
	assert_int_equal(vx_io_read(ov, 2 * PAGE + 10, buf, 1), 0);
	assert_int_equal(buf[0], want[2 * PAGE + 10]);
	assert_int_equal(vx_io_read(ov, 5 * PAGE + 10, buf, 1), 0);
	assert_int_equal(buf[0], copy[5 * PAGE + 10] ^ 0x5a);
	vx_io_mem_data(lower, NULL)[2 * PAGE + 10] ^= 0x5a;
	vx_io_mem_data(lower, NULL)[5 * PAGE + 10] ^= 0x5a;

	/* set_size is not for an overlay */
	assert_int_equal(vx_io_set_size(ov, size / 2), -ENOTSUP);
	assert_int_equal(vx_io_close(ov), 0);

	/* the lower device stays open and as it was */
	assert_lower_unchanged(lower, copy, size);
	assert_int_equal(vx_io_read(lower, 2 * PAGE, buf, PAGE), 0);
	assert_memory_equal(buf, copy + 2 * PAGE, PAGE);
	assert_int_equal(vx_io_close(lower), 0);
	free(copy);
	free(buf);
	free(want);
}

static void test_partial_page_writes(void **state)
{
	uint64_t size = 32 * 1024;
	unsigned char *copy, *buf = malloc(size), *want = malloc(size);
	unsigned char w[2 * PAGE];
	struct vx_io *lower = lower_new(size, &copy), *ov;

	(void)state;
	assert_non_null(buf);
	assert_non_null(want);
	memcpy(want, copy, size);
	assert_int_equal(vx_io_overlay_open(lower, PAGE, &ov), 0);

	/* 10 bytes in the middle of page 1: the rest of page 1 is kept */
	fill(w, 10, PAGE + 1000, 4);
	assert_int_equal(vx_io_write(ov, PAGE + 1000, w, 10), 0);
	memcpy(want + PAGE + 1000, w, 10);
	assert_int_equal(vx_io_overlay_pages(ov), 1);
	assert_int_equal(vx_io_read(ov, PAGE, buf, PAGE), 0);
	assert_memory_equal(buf, want + PAGE, PAGE);

	/* a write across a page boundary, partial at both ends */
	fill(w, PAGE, 3 * PAGE + 3000, 5);
	assert_int_equal(vx_io_write(ov, 3 * PAGE + 3000, w, PAGE), 0);
	memcpy(want + 3 * PAGE + 3000, w, PAGE);
	assert_int_equal(vx_io_overlay_pages(ov), 3);

	/* one byte at the very start and at the very end */
	w[0] = 0xee;
	assert_int_equal(vx_io_write(ov, 0, w, 1), 0);
	want[0] = 0xee;
	w[0] = 0xdd;
	assert_int_equal(vx_io_write(ov, size - 1, w, 1), 0);
	want[size - 1] = 0xdd;
	assert_int_equal(vx_io_overlay_pages(ov), 5);

	assert_int_equal(vx_io_read(ov, 0, buf, size), 0);
	assert_memory_equal(buf, want, size);
	assert_lower_unchanged(lower, copy, size);
	assert_int_equal(vx_io_close(ov), 0);
	assert_lower_unchanged(lower, copy, size);
	assert_int_equal(vx_io_close(lower), 0);
	free(copy);
	free(buf);
	free(want);
}

static void test_reads_span_overlay_and_lower(void **state)
{
	uint64_t size = 16 * PAGE;
	unsigned char *copy, *buf = malloc(size), *want = malloc(size);
	unsigned char w[PAGE];
	struct vx_io *lower = lower_new(size, &copy), *ov;
	/* held: pages 1, 4, 5 and 15 (partly written) */
	static const unsigned held[] = { 1, 4, 5, 15 };

	(void)state;
	assert_non_null(buf);
	assert_non_null(want);
	memcpy(want, copy, size);
	assert_int_equal(vx_io_overlay_open(lower, PAGE, &ov), 0);
	for (unsigned i = 0; i < 4; i++) {
		uint64_t off = (uint64_t)held[i] * PAGE + 100 * i;
		size_t n = PAGE - 100 * i;

		fill(w, n, off, 10 + i);
		assert_int_equal(vx_io_write(ov, off, w, n), 0);
		memcpy(want + off, w, n);
	}
	assert_int_equal(vx_io_overlay_pages(ov), 4);
	/* every (start, length) on a grid that crosses held and lower
	 * pages in every combination */
	for (uint64_t off = 0; off < size; off += 1531)
		for (uint64_t len = 1; off + len <= size; len += 2777) {
			memset(buf, 0, len);
			assert_int_equal(vx_io_read(ov, off, buf, len), 0);
			assert_memory_equal(buf, want + off, len);
		}
	/* lower, held, lower exactly at page boundaries */
	assert_int_equal(vx_io_read(ov, 0, buf, 3 * PAGE), 0);
	assert_memory_equal(buf, want, 3 * PAGE);
	assert_int_equal(vx_io_read(ov, 3 * PAGE, buf, 4 * PAGE), 0);
	assert_memory_equal(buf, want + 3 * PAGE, 4 * PAGE);
	assert_int_equal(vx_io_read(ov, 0, buf, size), 0);
	assert_memory_equal(buf, want, size);
	assert_lower_unchanged(lower, copy, size);
	assert_int_equal(vx_io_close(ov), 0);
	assert_int_equal(vx_io_close(lower), 0);
	free(copy);
	free(buf);
	free(want);
}

/* ---- limits ---- */

static void test_past_the_end(void **state)
{
	uint64_t size = 10000;	/* ends inside page 2 */
	unsigned char *copy, buf[PAGE * 2], w[PAGE];
	struct vx_io *lower = lower_new(size, &copy), *ov;

	(void)state;
	assert_int_equal(vx_io_overlay_open(lower, PAGE, &ov), 0);
	fill(w, sizeof(w), 0, 7);
	assert_int_equal(vx_io_write(ov, size, w, 1), -EIO);
	assert_int_equal(vx_io_write(ov, size - 10, w, 11), -EIO);
	assert_int_equal(vx_io_write(ov, size + PAGE, w, 1), -EIO);
	/* an offset that wraps is refused by the wrapper already */
	assert_int_equal(vx_io_write(ov, UINT64_MAX - 2, w, 10), -EINVAL);
	assert_int_equal(vx_io_write(ov, UINT64_MAX - 20, w, 10), -EIO);
	assert_int_equal(vx_io_overlay_pages(ov), 0);	/* nothing held */
	/* up to the last byte is fine, in the page the device ends in */
	assert_int_equal(vx_io_write(ov, size - 10, w, 10), 0);
	assert_int_equal(vx_io_overlay_pages(ov), 1);
	assert_int_equal(vx_io_read(ov, 2 * PAGE, buf, size - 2 * PAGE), 0);
	assert_memory_equal(buf, copy + 2 * PAGE, size - 10 - 2 * PAGE);
	assert_memory_equal(buf + size - 10 - 2 * PAGE, w, 10);
	/* reads past the end are -EIO, whether the page is held or not */
	assert_int_equal(vx_io_read(ov, size - 1, buf, 2), -EIO);
	assert_int_equal(vx_io_read(ov, size, buf, 1), -EIO);
	assert_int_equal(vx_io_read(ov, PAGE, buf, 2 * PAGE), -EIO);
	assert_int_equal(vx_io_read(ov, 0, buf, PAGE), 0);
	assert_memory_equal(buf, copy, PAGE);
	assert_int_equal(vx_io_close(ov), 0);
	assert_lower_unchanged(lower, copy, size);
	assert_int_equal(vx_io_close(lower), 0);
	free(copy);
}

static void test_bad_arguments(void **state)
{
	static const size_t bad[] = { 0, 1, 256, 511, 513, 1000, 3000, 4095,
				      4097, 12288 };
	static const size_t good[] = { 512, 1024, 4096, 65536 };
	unsigned char *copy;
	struct vx_io *lower = lower_new(8192, &copy), *ov = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ov = NULL;
		assert_int_equal(vx_io_overlay_open(lower, bad[i], &ov), -EINVAL);
		assert_null(ov);
	}
	assert_int_equal(vx_io_overlay_open(NULL, PAGE, &ov), -EINVAL);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		unsigned char w[100], r[100];

		assert_int_equal(vx_io_overlay_open(lower, good[i], &ov), 0);
		fill(w, sizeof(w), 7100, 9);
		assert_int_equal(vx_io_write(ov, 7100, w, sizeof(w)), 0);
		assert_int_equal(vx_io_read(ov, 7100, r, sizeof(r)), 0);
		assert_memory_equal(r, w, sizeof(w));
		/* 7100..7199 crosses 7168: two pages of 512 or 1 KiB */
		assert_int_equal(vx_io_overlay_pages(ov),
				 good[i] <= 1024 ? 2 : 1);
		assert_int_equal(vx_io_close(ov), 0);
	}
	/* not an overlay */
	assert_int_equal(vx_io_overlay_pages(lower), 0);
	assert_int_equal(vx_io_overlay_pages(NULL), 0);
	assert_lower_unchanged(lower, copy, 8192);
	assert_int_equal(vx_io_close(lower), 0);
	free(copy);
}

static void test_page_count(void **state)
{
	uint64_t size = 1024 * 1024;
	unsigned char *copy, *w = malloc(9 * 1024);
	struct vx_io *lower = lower_new(size, &copy), *ov;

	(void)state;
	assert_non_null(w);
	assert_int_equal(vx_io_overlay_open(lower, 1024, &ov), 0);
	fill(w, 9 * 1024, 0, 3);
	/* 9 KiB at a page boundary: 9 pages; at an odd offset: 10 */
	assert_int_equal(vx_io_write(ov, 0, w, 9 * 1024), 0);
	assert_int_equal(vx_io_overlay_pages(ov), 9);
	assert_int_equal(vx_io_write(ov, 100 * 1024 + 1, w, 9 * 1024), 0);
	assert_int_equal(vx_io_overlay_pages(ov), 19);
	/* overlapping what is held: only the new pages count */
	assert_int_equal(vx_io_write(ov, 8 * 1024, w, 4 * 1024), 0);
	assert_int_equal(vx_io_overlay_pages(ov), 22);
	/* zero bytes hold nothing */
	assert_int_equal(vx_io_write(ov, 500 * 1024, w, 0), 0);
	assert_int_equal(vx_io_overlay_pages(ov), 22);
	assert_lower_unchanged(lower, copy, size);
	assert_int_equal(vx_io_close(ov), 0);
	assert_int_equal(vx_io_close(lower), 0);
	free(copy);
	free(w);
}

/* ---- a device opened read-only ---- */

static void test_over_readonly_file(void **state)
{
	char dir[] = "/tmp/vx_ovXXXXXX", path[64];
	uint64_t size = 40 * 1024;
	unsigned char *data = malloc(size), *buf = malloc(size);
	unsigned char w[5000];
	struct vx_io *rw, *ro, *ov;

	(void)state;
	assert_non_null(data);
	assert_non_null(buf);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/img", dir);
	fill(data, size, 0, 6);
	assert_int_equal(vx_io_unix_open(path, VX_IO_OPEN_CREATE, &rw), 0);
	assert_int_equal(vx_io_write(rw, 0, data, size), 0);
	assert_int_equal(vx_io_close(rw), 0);

	assert_int_equal(vx_io_unix_open(path, VX_IO_OPEN_RDONLY, &ro), 0);
	assert_int_equal(vx_io_write(ro, 0, w, 1), -EBADF);
	assert_int_equal(vx_io_overlay_open(ro, PAGE, &ov), 0);
	assert_false(ov->flags & VX_IO_RDONLY);	/* it takes writes */
	fill(w, sizeof(w), 7777, 8);
	assert_int_equal(vx_io_write(ov, 7777, w, sizeof(w)), 0);
	memcpy(data + 7777, w, sizeof(w));
	assert_int_equal(vx_io_flush(ov), 0);
	assert_int_equal(vx_io_read(ov, 0, buf, size), 0);
	assert_memory_equal(buf, data, size);
	assert_int_equal(vx_io_close(ov), 0);
	/* the file is as it was */
	fill(data, size, 0, 6);
	assert_int_equal(vx_io_read(ro, 0, buf, size), 0);
	assert_memory_equal(buf, data, size);
	assert_int_equal(vx_io_close(ro), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	free(data);
	free(buf);
}

/* ---- a model ---- */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* random writes and reads of random sizes against a byte model, with
 * two page sizes; the lower device never changes */
static void test_random_against_model(void **state)
{
	uint64_t size = 256 * 1024 + 700;	/* not a page multiple */
	size_t pages[] = { 512, 8192 };

	(void)state;
	for (size_t p = 0; p < 2; p++) {
		unsigned char *copy, *model = malloc(size), *buf = malloc(size);
		struct vx_io *lower = lower_new(size, &copy), *ov;
		uint64_t s = 0x9e3779b97f4a7c15ull + p;

		assert_non_null(model);
		assert_non_null(buf);
		memcpy(model, copy, size);
		assert_int_equal(vx_io_overlay_open(lower, pages[p], &ov), 0);
		for (unsigned i = 0; i < 3000; i++) {
			uint64_t off = rnd(&s) % size;
			size_t len = (size_t)(rnd(&s) % (i % 10 ? 3000 : 40000));

			if (len > size - off)
				len = (size_t)(size - off);
			if (rnd(&s) % 3 == 0) {
				fill(buf, len, off, 20 + i);
				assert_int_equal(vx_io_write(ov, off, buf, len),
						 0);
				memcpy(model + off, buf, len);
			} else {
				assert_int_equal(vx_io_read(ov, off, buf, len),
						 0);
				assert_memory_equal(buf, model + off, len);
			}
		}
		assert_true(vx_io_overlay_pages(ov) > 0);
		assert_true(vx_io_overlay_pages(ov) <=
			    (size + pages[p] - 1) / pages[p]);
		assert_int_equal(vx_io_read(ov, 0, buf, size), 0);
		assert_memory_equal(buf, model, size);
		assert_int_equal(vx_io_close(ov), 0);
		assert_lower_unchanged(lower, copy, size);
		assert_int_equal(vx_io_close(lower), 0);
		free(copy);
		free(model);
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_see_lower),
		cmocka_unit_test(test_writes_stay_in_overlay),
		cmocka_unit_test(test_partial_page_writes),
		cmocka_unit_test(test_reads_span_overlay_and_lower),
		cmocka_unit_test(test_past_the_end),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_page_count),
		cmocka_unit_test(test_over_readonly_file),
		cmocka_unit_test(test_random_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
