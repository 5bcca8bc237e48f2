/*
 * test_error.c: unit tests for vx_strerror and vx_errname.
 *
 * Every VX_E* code has its own message and its own name, negative errno
 * values map to the C library's descriptions and names, and anything
 * else is "unknown error".
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <vexfs/error.h>

#define FIRST_CODE (VX_ERR_BASE - 1)
#define NCODES (VX_ERR_BASE - VX_ERR_LAST - 1)

static void test_success(void **state)
{
	assert_string_equal(vx_strerror(0), "success");
	assert_non_null(vx_errname(0));
	assert_string_not_equal(vx_errname(0), "UNKNOWN");
}

static void test_vx_codes_distinct(void **state)
{
	const char *msg[NCODES], *name[NCODES];
	int i, j;

	assert_true(NCODES >= 21);
	for (i = 0; i < NCODES; i++) {
		int code = FIRST_CODE - i;

		msg[i] = vx_strerror(code);
		name[i] = vx_errname(code);
		assert_non_null(msg[i]);
		assert_non_null(name[i]);
		assert_string_not_equal(msg[i], "unknown error");
		assert_true(strlen(msg[i]) > 5);
		assert_string_not_equal(name[i], "UNKNOWN");
		assert_int_equal(strncmp(name[i], "VX_E", 4), 0);
	}
	for (i = 0; i < NCODES; i++) {
		for (j = i + 1; j < NCODES; j++) {
			assert_string_not_equal(msg[i], msg[j]);
			assert_string_not_equal(name[i], name[j]);
		}
	}
}

/* the table is indexed by code: spot-check that rows sit where they belong */
static void test_vx_names_match_codes(void **state)
{
	assert_string_equal(vx_errname(VX_ECORRUPT), "VX_ECORRUPT");
	assert_string_equal(vx_errname(VX_EBADCRC), "VX_EBADCRC");
	assert_string_equal(vx_errname(VX_ENOSPC), "VX_ENOSPC");
	assert_string_equal(vx_errname(VX_ELOCKED), "VX_ELOCKED");
	assert_string_equal(vx_errname(VX_EDEADLOCK), "VX_EDEADLOCK");
	assert_string_equal(vx_errname(VX_ETXNFAILED), "VX_ETXNFAILED");
	assert_non_null(strstr(vx_strerror(VX_EBADCRC), "checksum"));
	assert_non_null(strstr(vx_strerror(VX_ELOCKED), "in use"));
	assert_non_null(strstr(vx_strerror(VX_ENESTING), "nesting"));
	assert_non_null(strstr(vx_strerror(VX_EDEADLOCK), "deadlock"));
}

static void test_errno_values(void **state)
{
	assert_string_equal(vx_strerror(-ENOENT), "No such file or directory");
	assert_string_equal(vx_errname(-ENOENT), "ENOENT");
	assert_string_equal(vx_strerror(-EIO), "Input/output error");
	assert_string_equal(vx_errname(-EIO), "EIO");
	assert_string_equal(vx_errname(-EBADF), "EBADF");
	assert_string_equal(vx_errname(-ENOSPC), "ENOSPC");
	assert_string_equal(vx_errname(-EINVAL), "EINVAL");
	assert_string_equal(vx_strerror(-ENOMEM), "Cannot allocate memory");
	/* a VX_E code and the errno of the same idea stay distinct */
	assert_string_not_equal(vx_strerror(-ENOSPC), vx_strerror(VX_ENOSPC));
	assert_string_not_equal(vx_errname(-ENOSPC), vx_errname(VX_ENOSPC));
}

static void test_unknown(void **state)
{
	static const int bad[] = { 1, ENOENT, 4096, INT_MAX, INT_MIN,
		VX_ERR_BASE, VX_ERR_LAST, VX_ERR_LAST - 1, -9999, -5000 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_string_equal(vx_strerror(bad[i]), "unknown error");
		assert_string_equal(vx_errname(bad[i]), "UNKNOWN");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_success),
		cmocka_unit_test(test_vx_codes_distinct),
		cmocka_unit_test(test_vx_names_match_codes),
		cmocka_unit_test(test_errno_values),
		cmocka_unit_test(test_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
