/*
 * test_crc.c: unit tests for vx_crc32c.
 *
 * Checks the standard crc32c check value and the RFC 3720 B.4 vectors,
 * compares against an independent bit-at-a-time reference on
 * pseudo-random buffers of many lengths and alignments, and checks that
 * chaining at every split point (two and three pieces) equals one call.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <vexfs/crc.h>

/* reflected crc32c, polynomial 0x82F63B78, one bit at a time */
static uint32_t ref_crc32c(uint32_t crc, const unsigned char *p, size_t len)
{
	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/* deterministic xorshift fill */
static void fill_random(unsigned char *buf, size_t len, uint32_t seed)
{
	uint32_t x = seed ? seed : 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)x;
	}
}

static void test_check_value(void **state)
{
	assert_int_equal(vx_crc32c(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(ref_crc32c(0, (const unsigned char *)"123456789", 9),
			 0xE3069283u);
}

static void test_empty(void **state)
{
	unsigned char b = 0x5a;

	assert_int_equal(vx_crc32c(0, &b, 0), 0);
	assert_int_equal(vx_crc32c(0xE3069283u, &b, 0), 0xE3069283u);
	assert_int_equal(vx_crc32c(0xdeadbeefu, NULL, 0), 0xdeadbeefu);
}

static void test_rfc3720_vectors(void **state)
{
	unsigned char buf[32];
	int i;

	memset(buf, 0, sizeof(buf));
	assert_int_equal(vx_crc32c(0, buf, 32), 0x8A9136AAu);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(vx_crc32c(0, buf, 32), 0x62A8AB43u);
	for (i = 0; i < 32; i++)
		buf[i] = (unsigned char)i;
	assert_int_equal(vx_crc32c(0, buf, 32), 0x46DD794Eu);
	for (i = 0; i < 32; i++)
		buf[i] = (unsigned char)(31 - i);
	assert_int_equal(vx_crc32c(0, buf, 32), 0x113FDB5Cu);
}

/* one data set: every two-piece split equals the whole */
static void check_splits(const unsigned char *buf, size_t len)
{
	uint32_t whole = vx_crc32c(0, buf, len);

	assert_int_equal(whole, ref_crc32c(0, buf, len));
	for (size_t i = 0; i <= len; i++) {
		uint32_t c = vx_crc32c(0, buf, i);

		c = vx_crc32c(c, buf + i, len - i);
		assert_int_equal(c, whole);
	}
}

static void test_chain_every_split(void **state)
{
	unsigned char buf[300];
	int i;

	check_splits((const unsigned char *)"123456789", 9);
	memset(buf, 0, 32);
	check_splits(buf, 32);
	memset(buf, 0xff, 32);
	check_splits(buf, 32);
	for (i = 0; i < 32; i++)
		buf[i] = (unsigned char)i;
	check_splits(buf, 32);
	fill_random(buf, sizeof(buf), 12345);
	check_splits(buf, sizeof(buf));
}

static void test_chain_three_pieces(void **state)
{
	unsigned char buf[97];
	uint32_t whole, c;

	fill_random(buf, sizeof(buf), 777);
	whole = vx_crc32c(0, buf, sizeof(buf));
	for (size_t i = 0; i <= sizeof(buf); i++) {
		for (size_t j = i; j <= sizeof(buf); j++) {
			c = vx_crc32c(0, buf, i);
			c = vx_crc32c(c, buf + i, j - i);
			c = vx_crc32c(c, buf + j, sizeof(buf) - j);
			assert_int_equal(c, whole);
		}
	}
}

/* lengths and alignments that exercise every path of the SIMD code */
static void test_against_reference(void **state)
{
	static unsigned char buf[70000];
	static const size_t lens[] = { 1, 2, 3, 7, 8, 15, 16, 31, 63, 64, 65,
		127, 255, 256, 257, 1023, 1024, 4095, 4096, 4097, 65536,
		69000 };

	fill_random(buf, sizeof(buf), 99);
	for (size_t a = 0; a < 8; a++) {
		for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
			size_t n = lens[k];

			assert_int_equal(vx_crc32c(0, buf + a, n),
					 ref_crc32c(0, buf + a, n));
			assert_int_equal(vx_crc32c(0x12345678u, buf + a, n),
					 ref_crc32c(0x12345678u, buf + a, n));
		}
	}
}

static void test_detects_change(void **state)
{
	unsigned char buf[4096];
	uint32_t orig;

	fill_random(buf, sizeof(buf), 4242);
	orig = vx_crc32c(0, buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i += 509) {
		buf[i] ^= 0x01;
		assert_int_not_equal(vx_crc32c(0, buf, sizeof(buf)), orig);
		buf[i] ^= 0x01;
	}
	assert_int_equal(vx_crc32c(0, buf, sizeof(buf)), orig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_value),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_rfc3720_vectors),
		cmocka_unit_test(test_chain_every_split),
		cmocka_unit_test(test_chain_three_pieces),
		cmocka_unit_test(test_against_reference),
		cmocka_unit_test(test_detects_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
