/*
 * test_undo_apply.c: applying undo files (lib/undo_apply.c), made by
 * the undo layer over mem devices (undo_fixture.h).
 *
 * Covered, comparing whole devices byte for byte: refusal of a device
 * changed since the session (a saved block, block 0, the size, another
 * image) unless forced, and what a forced apply writes; dry runs write
 * nothing; an interrupted apply is recognised (partial) and finished;
 * undo files cut at every record boundary, inside records, the header
 * and the footer (the valid prefix counts, incomplete files only when
 * forced, restoring exactly the prefix's blocks), a bad byte in a
 * record, bytes after the footer; hostile headers, and records and
 * footers whose checksums hold but whose fields do not: refused with
 * the documented codes, the device untouched; the error messages.
 */
#include "undo_fixture.h"

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

static void test_strerror(void **state)
{
	(void)state;
	assert_non_null(strstr(vx_strerror(VX_EUNDO_CORRUPT), "undo file"));
	assert_non_null(strstr(vx_strerror(VX_EUNDO_INCOMPLETE), "incomplete"));
	assert_non_null(strstr(vx_strerror(VX_EUNDO_MISMATCH), "state"));
	assert_string_equal(vx_errname(VX_EUNDO_MISMATCH), "VX_EUNDO_MISMATCH");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_refused_unless_forced),
		T(test_dry_run),
		T(test_interrupted_apply),
		T(test_torn),
		T(test_hostile),
		T(test_strerror),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
