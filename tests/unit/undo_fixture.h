/*
 * undo_fixture.h: what the undo tests (test_io_undo.c, test_undo_apply.c)
 * share: a temporary directory with a fresh undo file name per test,
 * mem devices holding a pattern, byte comparisons of whole devices,
 * whole-file reads and writes, and a small session (two blocks written)
 * whose image before and after the tests apply to copies of.  Helpers
 * are static inline: each test file is a binary of its own.
 */
#ifndef VEXFS_UNDO_FIXTURE_H
#define VEXFS_UNDO_FIXTURE_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "fs_int.h"
#include "undo_int.h"

#define KiB	1024u
#define H	UNDO_HDR_SIZE

static char g_dir[] = "/tmp/vx_undo_XXXXXX";
static char g_path[4200];	/* the undo file of the running test */

static inline int group_setup(void **state)
{
	(void)state;
	return mkdtemp(g_dir) ? 0 : -1;
}

static inline int group_teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static inline const char *tpath(const char *name)
{
	static char p[4200];

	snprintf(p, sizeof(p), "%s/%s", g_dir, name);
	return p;
}

/* a fresh undo file name per test */
static inline int test_setup(void **state)
{
	static unsigned seq;

	(void)state;
	snprintf(g_path, sizeof(g_path), "%s/u%u.undo", g_dir, ++seq);
	return 0;
}

static inline void fill(uint8_t *b, size_t len, uint64_t base, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)((base + i) * 131 + seed * 29 + ((base + i) >> 9));
}

/* a mem device of @size bytes holding pattern 1; *@copy its bytes */
static inline struct vx_io *dev_new(uint64_t size, uint8_t **copy)
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
static inline struct vx_io *dev_copy(const uint8_t *img, uint64_t size)
{
	struct vx_io *io;

	assert_int_equal(vx_io_mem_open(size, &io), 0);
	memcpy(vx_io_mem_data(io, NULL), img, size);
	return io;
}

static inline void assert_dev(struct vx_io *dev, const uint8_t *want, uint64_t size)
{
	uint64_t have;
	uint8_t *d = vx_io_mem_data(dev, &have);

	assert_int_equal(have, size);
	assert_memory_equal(d, want, size);
}

static inline uint8_t *dev_snap(struct vx_io *dev, uint64_t *size)
{
	uint8_t *d = vx_io_mem_data(dev, size), *s = malloc(*size ? *size : 1);

	assert_non_null(s);
	memcpy(s, d, *size);
	return s;
}

/* write @len bytes of pattern @seed at @off through @io, read back */
static inline void put(struct vx_io *io, uint64_t off, size_t len, unsigned seed)
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

static inline uint8_t *file_get(const char *path, size_t *len)
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

static inline void file_put(const char *path, const uint8_t *b, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static inline struct vx_io *undo_new(struct vx_io *lower, uint32_t bsize)
{
	struct vx_io *u;

	assert_int_equal(vx_io_undo_open(lower, g_path, bsize, 0, &u), 0);
	assert_string_equal(u->ops->name, "undo");
	return u;
}

/* apply g_path to a copy of @img, expect @err, @state; returns the device */
static inline struct vx_io *apply_copy(const uint8_t *img, uint64_t size,
				       unsigned flags, int err, int state)
{
	struct vx_io *dev = dev_copy(img, size);
	struct vx_undo_info in;

	assert_int_equal(vx_undo_apply(dev, g_path, flags, &in), err);
	if (!err || err == VX_EUNDO_MISMATCH)
		assert_int_equal(in.dev_state, state);
	return dev;
}

/* a session writing blocks 2 and 5 of a 64 KiB device; *@after the
 * device after it */
static inline struct vx_io *two_blocks(uint8_t **orig, uint8_t **after)
{
	uint64_t size = 64 * KiB;
	struct vx_io *dev = dev_new(size, orig), *u = undo_new(dev, 4096);

	put(u, 2 * 4096 + 7, 100, 2);
	put(u, 5 * 4096, 4096, 3);
	assert_int_equal(vx_io_close(u), 0);
	*after = dev_snap(dev, &size);
	return dev;
}

#define T(f) cmocka_unit_test_setup(f, test_setup)

#endif /* VEXFS_UNDO_FIXTURE_H */
