/*
 * test_dir.c: unit tests for directories (lib/dir.c): the seeded name
 * hash and the hash-keyed B+tree of entries.
 *
 * A filesystem of 1 KiB blocks on the in-memory io (so that trees get
 * deep fast: about 35 short names per leaf, 58 index entries per node),
 * opened with VX_OPEN_BORROW_IO to be closed, edited on the device and
 * reopened.  Directory inodes are made directly with vx_alloc_inode and
 * vx_dir_init; entries are added with vx_dir_add.
 *
 * What is checked: the hash is stable (golden values: it is part of the
 * on-disk format) and depends on the seed, the bytes and the length;
 * 50,000 names added, found, iterated exactly once each in hash order,
 * a third removed and re-added, across a reopen; 255-byte names; and
 * crafted nodes, re-sealed so that only the tree checks stand: duplicate
 * or unsorted entries (including equal hashes, which the API cannot
 * produce), empty names, '/' or NUL in a name, bad types, `used` not
 * what the entries parse to, bad index nodes, children at the wrong
 * level, and leaf chains that loop, all VX_ECORRUPT, never a hang.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "fs_int.h"

#define BS	1024u
#define NBLOCKS	16384u
#define SEED	0x0123456789abcdefull
#define BIG	50000u

struct fix {
	struct vx_io *io;
	struct vx_fs *fs;
	struct vx_open_opts o;
	struct vx_inode dir;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct vx_mkfs_params p = { .block_log = 10, .block_count = NBLOCKS,
				    .group_blocks = 8192, .inode_count = 256,
				    .hash_seed = SEED, .now = 1700000000 };
	struct vx_super sb;
	vx_ino_t ino;

	assert_non_null(f);
	memset(p.uuid, 0xd1, 16);
	assert_int_equal(vx_io_mem_open((uint64_t)NBLOCKS * BS, &f->io), 0);
	assert_int_equal(vx_fs_plan(&p, (uint64_t)NBLOCKS * BS, &sb), 0);
	assert_int_equal(vx_fs_format(f->io, &sb, 0), 0);
	f->o.flags = VX_OPEN_BORROW_IO;
	assert_int_equal(vx_fs_open(f->io, &f->o, &f->fs), 0);
	assert_int_equal(f->fs->sb.hash_seed, SEED);
	assert_int_equal(vx_alloc_inode(f->fs, 0, true, &ino), 0);
	f->dir.ino = ino;
	f->dir.mode = S_IFDIR | 0755;
	f->dir.nlink = 2;
	assert_int_equal(vx_dir_init(f->fs, &f->dir, VX_ROOT_INO), 0);
	assert_int_equal(vx_inode_write(f->fs, &f->dir), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	if (f->fs)
		assert_int_equal(vx_fs_close(f->fs), 0);
	vx_io_close(f->io);
	free(f);
	return 0;
}

static void fs_close(struct fix *f)
{
	assert_int_equal(vx_inode_write(f->fs, &f->dir), 0);
	assert_int_equal(vx_fs_close(f->fs), 0);
	f->fs = NULL;
}

static void fs_open(struct fix *f)
{
	assert_int_equal(vx_fs_open(f->io, &f->o, &f->fs), 0);
	assert_int_equal(vx_inode_read(f->fs, f->dir.ino, &f->dir), 0);
}

static uint8_t *raw(struct fix *f, vx_blk_t b)
{
	return vx_io_mem_data(f->io, NULL) + b * BS;
}

/* the device block of directory block @lblk */
static vx_blk_t dblock(struct fix *f, uint64_t lblk)
{
	vx_blk_t p;
	uint64_t run;

	assert_int_equal(vx_extent_map(f->fs, &f->dir, lblk, &p, &run), 0);
	assert_int_not_equal(p, 0);
	return p;
}

/* name @i: "f<i>." and 0..12 more letters; @long_: 255 bytes */
static size_t name_of(unsigned i, char *buf, bool long_)
{
	int n = snprintf(buf, VX_NAME_MAX + 1, "f%u.%.*s", i, (int)(i % 13),
			 "abcdefghijklm");

	if (long_) {
		memset(buf + n, 'z' - (char)(i % 26), VX_NAME_MAX - (size_t)n);
		n = VX_NAME_MAX;
		buf[n] = 0;
	}
	return (size_t)n;
}

static unsigned type_of(unsigned i)
{
	return 1 + i % 7;	/* VX_FT_REG .. VX_FT_LNK */
}

static void add_names(struct fix *f, unsigned from, unsigned to, bool long_)
{
	char name[VX_NAME_MAX + 1];

	for (unsigned i = from; i < to; i++) {
		size_t n = name_of(i, name, long_);

		assert_int_equal(vx_dir_add(f->fs, &f->dir, name, n, 1000 + i,
					    type_of(i)), 0);
	}
}

static void expect_found(struct fix *f, unsigned i, bool long_, bool there)
{
	char name[VX_NAME_MAX + 1];
	size_t n = name_of(i, name, long_);
	vx_ino_t ino = 0;
	unsigned type = 0;
	int err = vx_dir_find(f->fs, &f->dir, name, n, &ino, &type);

	if (!there) {
		assert_int_equal(err, -ENOENT);
		return;
	}
	assert_int_equal(err, 0);
	assert_int_equal(ino, 1000 + i);
	assert_int_equal(type, type_of(i));
}

static uint64_t count(struct fix *f)
{
	uint64_t n = ~0ull;

	assert_int_equal(vx_dir_count(f->fs, &f->dir, &n), 0);
	return n;
}

struct iter {
	struct fix *f;
	uint8_t *seen;		/* per name index: times seen */
	unsigned max;
	uint64_t n, last_hash;
	bool long_;
};

static int iter_fn(void *ctx, const char *name, size_t len, vx_ino_t ino,
		   unsigned type)
{
	struct iter *it = ctx;
	uint64_t h = vx_name_hash(SEED, name, len);
	char want[VX_NAME_MAX + 1];
	unsigned i;

	assert_int_equal(strlen(name), len);
	assert_true(ino >= 1000 && ino < 1000ull + it->max);
	i = (unsigned)(ino - 1000);
	assert_int_equal(name_of(i, want, it->long_), len);
	assert_memory_equal(name, want, len);
	assert_int_equal(type, type_of(i));
	assert_int_equal(it->seen[i], 0);	/* exactly once */
	it->seen[i] = 1;
	if (it->n)
		assert_true(h > it->last_hash);	/* hash order */
	it->last_hash = h;
	it->n++;
	return 0;
}

static void iterate(struct fix *f, unsigned max, bool long_,
		    struct iter *it)
{
	memset(it, 0, sizeof(*it));
	it->f = f;
	it->max = max;
	it->long_ = long_;
	it->seen = calloc(max, 1);
	assert_non_null(it->seen);
	assert_int_equal(vx_dir_iterate(f->fs, &f->dir, iter_fn, it), 0);
}

/* ---- hash ---- */

static void test_hash(void **state)
{
	char name[64];
	uint64_t *h = malloc(BIG * sizeof(*h));

	assert_non_null(h);
	/* golden values: the hash is part of the on-disk format */
	assert_int_equal(vx_name_hash(1, "a", 1), 0xc7dfafce5338ca47ull);
	assert_int_equal(vx_name_hash(SEED, "lost+found", 10),
			 0xeb6938cd986a6d73ull);
	assert_int_equal(vx_name_hash(42, "a-name-longer-than-sixteen-bytes",
				      32), 0x8cdcda84d0b402dfull);
	/* stable; only @len bytes count */
	assert_int_equal(vx_name_hash(7, "hello", 5),
			 vx_name_hash(7, "hello", 5));
	assert_int_equal(vx_name_hash(7, "hello!!", 5),
			 vx_name_hash(7, "hello", 5));
	assert_int_not_equal(vx_name_hash(7, "hello", 4),
			     vx_name_hash(7, "hello", 5));
	assert_int_not_equal(vx_name_hash(7, "a\0", 2), vx_name_hash(7, "a", 1));
	/* every name's hash changes with the seed */
	for (unsigned i = 0; i < BIG; i++) {
		size_t n = name_of(i, name, false);

		h[i] = vx_name_hash(SEED, name, n);
		assert_int_not_equal(h[i], vx_name_hash(SEED + 1, name, n));
		assert_int_not_equal(h[i], vx_name_hash(0, name, n));
	}
	free(h);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_hash_unique(void **state)
{
	char name[VX_NAME_MAX + 1];
	uint64_t *h = malloc(2 * BIG * sizeof(*h));

	assert_non_null(h);
	for (unsigned i = 0; i < BIG; i++) {
		h[i] = vx_name_hash(SEED, name, name_of(i, name, false));
		h[BIG + i] = vx_name_hash(SEED, name, name_of(i, name, true));
	}
	qsort(h, 2 * BIG, sizeof(*h), cmp_u64);
	for (unsigned i = 1; i < 2 * BIG; i++)
		assert_int_not_equal(h[i], h[i - 1]);
	free(h);
}

/* ---- the tree through the API ---- */

static void test_empty(void **state)
{
	struct fix *f = *state;
	struct iter it;

	assert_int_equal(count(f), 0);
	assert_int_equal(f->dir.size, BS);
	assert_int_equal(f->dir.parent, VX_ROOT_INO);
	expect_found(f, 0, false, false);
	assert_int_equal(vx_dir_remove(f->fs, &f->dir, "x", 1), -ENOENT);
	iterate(f, 1, false, &it);
	assert_int_equal(it.n, 0);
	free(it.seen);
	assert_int_equal(vx_dir_add(f->fs, &f->dir, "x", 0, 5, VX_FT_REG),
			 -EINVAL);
	{
		char big[VX_NAME_MAX + 2];

		memset(big, 'b', sizeof(big));
		assert_int_equal(vx_dir_add(f->fs, &f->dir, big, VX_NAME_MAX + 1,
					    5, VX_FT_REG), -EINVAL);
	}
	/* the parent */
	assert_int_equal(vx_dir_set_parent(f->fs, &f->dir, 77), 0);
	assert_int_equal(f->dir.parent, 77);
	fs_close(f);
	fs_open(f);
	assert_int_equal(f->dir.parent, 77);
	assert_int_equal(vx_get64(raw(f, dblock(f, 0)) + 72), 77);
}

static void test_50k(void **state)
{
	struct fix *f = *state;
	char name[VX_NAME_MAX + 1];
	struct iter it;
	unsigned removed = 0;

	add_names(f, 0, BIG, false);
	assert_int_equal(count(f), BIG);
	/* deep: the root is at least two levels above the leaves */
	assert_int_equal(vx_fs_sync(f->fs), 0);
	assert_true(vx_get16(raw(f, dblock(f, 0)) + 48) >= 2);
	for (unsigned i = 0; i < BIG; i++)
		expect_found(f, i, false, true);
	/* duplicates refused, nothing changes */
	name_of(123, name, false);
	assert_int_equal(vx_dir_add(f->fs, &f->dir, name, strlen(name), 9,
				    VX_FT_REG), -EEXIST);
	expect_found(f, 123, false, true);
	iterate(f, BIG, false, &it);
	assert_int_equal(it.n, BIG);
	free(it.seen);
	/* remove a third */
	for (unsigned i = 0; i < BIG; i += 3, removed++) {
		size_t n = name_of(i, name, false);

		assert_int_equal(vx_dir_remove(f->fs, &f->dir, name, n), 0);
		assert_int_equal(vx_dir_remove(f->fs, &f->dir, name, n),
				 -ENOENT);
	}
	assert_int_equal(count(f), BIG - removed);
	for (unsigned i = 0; i < BIG; i++)
		expect_found(f, i, false, i % 3 != 0);
	iterate(f, BIG, false, &it);
	assert_int_equal(it.n, BIG - removed);
	for (unsigned i = 0; i < BIG; i++)
		assert_int_equal(it.seen[i], i % 3 != 0);
	free(it.seen);
	/* through a reopen, then add them back */
	fs_close(f);
	fs_open(f);
	assert_int_equal(count(f), BIG - removed);
	for (unsigned i = 0; i < BIG; i += 7)
		expect_found(f, i, false, i % 3 != 0);
	for (unsigned i = 0; i < BIG; i += 3)
		add_names(f, i, i + 1, false);
	assert_int_equal(count(f), BIG);
	iterate(f, BIG, false, &it);
	assert_int_equal(it.n, BIG);
	free(it.seen);
	for (unsigned i = 0; i < BIG; i++)
		expect_found(f, i, false, true);
}

static void test_long_names(void **state)
{
	struct fix *f = *state;
	char name[VX_NAME_MAX + 1];
	struct iter it;

	add_names(f, 0, 400, true);		/* three per leaf */
	assert_int_equal(count(f), 400);
	assert_int_equal(vx_fs_sync(f->fs), 0);
	assert_true(vx_get16(raw(f, dblock(f, 0)) + 48) >= 2);
	for (unsigned i = 0; i < 400; i++)
		expect_found(f, i, true, true);
	/* the short name with the same prefix is another name */
	expect_found(f, 5, false, false);
	iterate(f, 400, true, &it);
	assert_int_equal(it.n, 400);
	free(it.seen);
	for (unsigned i = 0; i < 400; i++) {
		size_t n = name_of(i, name, true);

		assert_int_equal(vx_dir_remove(f->fs, &f->dir, name, n), 0);
	}
	assert_int_equal(count(f), 0);
	iterate(f, 400, true, &it);
	assert_int_equal(it.n, 0);
	free(it.seen);
}

static int stop_fn(void *ctx, const char *name, size_t len, vx_ino_t ino,
		   unsigned type)
{
	return ++*(int *)ctx == 10 ? -77 : 0;
}

static void test_iterate_stops(void **state)
{
	struct fix *f = *state;
	int calls = 0;

	add_names(f, 0, 200, false);
	assert_int_equal(vx_dir_iterate(f->fs, &f->dir, stop_fn, &calls), -77);
	assert_int_equal(calls, 10);
}

/* ---- crafted leaves ---- */

struct ent {
	uint64_t hash;		/* 0: the real hash of the name */
	vx_ino_t ino;
	uint8_t type;
	uint8_t len;		/* 0 with name: strlen */
	const char *name;
	bool zero_len;		/* store a name length of 0 */
};

/* rewrite the root leaf with @e[0..n) in that order; count and used
 * as given (or as parsed when negative); re-seal */
static void craft_leaf(struct fix *f, vx_blk_t b, const struct ent *e,
		       unsigned n, int cnt, int used)
{
	uint8_t *blk = raw(f, b), *p = blk + VX_DIR_NODE_HDR;
	uint32_t off = 0;

	memset(p, 0, BS - VX_DIR_NODE_HDR);
	for (unsigned i = 0; i < n; i++) {
		uint8_t len = e[i].zero_len ? 0 :
			      e[i].len ? e[i].len : (uint8_t)strlen(e[i].name);
		uint64_t h = e[i].hash ? e[i].hash :
			     vx_name_hash(SEED, e[i].name, len);

		vx_put64(p + off, h);
		vx_put64(p + off + 8, e[i].ino);
		p[off + 16] = e[i].type ? e[i].type : VX_FT_REG;
		p[off + 17] = len;
		memcpy(p + off + 18, e[i].name, len);
		off += VX_DIRENT_HDR + len;
	}
	vx_put16(blk + 48, 0);
	vx_put16(blk + 50, (uint16_t)(cnt < 0 ? (int)n : cnt));
	vx_put32(blk + 52, used < 0 ? off : (uint32_t)used);
	vx_put64(blk + 80, n);
	vx_mhdr_seal(blk, BS);
}

/* the offsets of three names in hash order */
static void sorted3(const char **out)
{
	static const char *names[] = { "alpha", "beta", "gamma" };
	uint64_t h[3];

	for (int i = 0; i < 3; i++) {
		h[i] = vx_name_hash(SEED, names[i], strlen(names[i]));
		out[i] = names[i];
	}
	for (int i = 0; i < 3; i++)
		for (int j = i + 1; j < 3; j++)
			if (h[j] < h[i]) {
				uint64_t t = h[i];
				const char *s = out[i];

				h[i] = h[j];
				out[i] = out[j];
				h[j] = t;
				out[j] = s;
			}
}

static int count_fn(void *ctx, const char *name, size_t len, vx_ino_t ino,
		    unsigned type)
{
	++*(uint64_t *)ctx;
	return 0;
}

/* craft, reopen, expect @want from find, iterate and add */
static void leaf_case(struct fix *f, const struct ent *e, unsigned n,
		      int cnt, int used, int want)
{
	vx_blk_t b = dblock(f, 0);
	vx_ino_t ino;
	uint64_t calls = 0;

	fs_close(f);
	craft_leaf(f, b, e, n, cnt, used);
	fs_open(f);
	assert_int_equal(vx_dir_find(f->fs, &f->dir, e[0].name,
				     strlen(e[0].name), &ino, NULL),
			 want ? want : 0);
	assert_int_equal(vx_dir_iterate(f->fs, &f->dir, count_fn, &calls),
			 want);
	if (!want) {
		assert_int_equal(ino, e[0].ino);
		assert_int_equal(calls, n);
	}
	assert_int_equal(vx_dir_add(f->fs, &f->dir, "newname", 7, 9,
				    VX_FT_REG), want);
}

static void test_crafted_leaf(void **state)
{
	struct fix *f = *state;
	const char *s[3];
	struct ent e[4];

	sorted3(s);
	for (int i = 0; i < 3; i++)
		e[i] = (struct ent){ .ino = 100 + (vx_ino_t)i, .name = s[i] };
	/* control: a well-formed crafted leaf works */
	leaf_case(f, e, 3, -1, -1, 0);
	/* duplicate entries */
	e[3] = e[2];
	leaf_case(f, e, 4, -1, -1, VX_ECORRUPT);
	/* unsorted */
	{
		struct ent u[3] = { e[0], e[2], e[1] };
		leaf_case(f, u, 3, -1, -1, VX_ECORRUPT);
	}
	/* used one byte more or less than the entries parse to */
	leaf_case(f, e, 3, -1, 18 * 3 + 14 + 1, VX_ECORRUPT);
	leaf_case(f, e, 3, -1, 18 * 3 + 14 - 1, VX_ECORRUPT);
	leaf_case(f, e, 3, -1, BS, VX_ECORRUPT);	/* beyond the block */
	/* count one more or less */
	leaf_case(f, e, 3, 4, -1, VX_ECORRUPT);
	leaf_case(f, e, 3, 2, -1, VX_ECORRUPT);
	/* name length 0 */
	e[2].zero_len = true;
	leaf_case(f, e, 3, -1, -1, VX_ECORRUPT);
	e[2].zero_len = false;
	/* bad types */
	e[1].type = 8;
	leaf_case(f, e, 3, -1, -1, VX_ECORRUPT);
	e[1].type = 0;	/* craft_leaf turns 0 into REG: write it raw */
	{
		vx_blk_t b = dblock(f, 0);

		fs_close(f);
		craft_leaf(f, b, e, 3, -1, -1);
		raw(f, b)[VX_DIR_NODE_HDR + 18 + strlen(s[0]) + 16] = 0;
		vx_mhdr_seal(raw(f, b), BS);
		fs_open(f);
		assert_int_equal(vx_dir_find(f->fs, &f->dir, "x", 1, &(vx_ino_t){0},
					     NULL), VX_ECORRUPT);
	}
}

static void test_crafted_names(void **state)
{
	struct fix *f = *state;
	const char *s[3];
	struct ent e[3];

	sorted3(s);
	for (int i = 0; i < 3; i++)
		e[i] = (struct ent){ .ino = 200 + (vx_ino_t)i, .name = s[i] };
	/* '/' and NUL inside a name, with its real hash: sorted fine */
	e[1].name = "be/ta";
	e[1].hash = vx_name_hash(SEED, s[1], strlen(s[1]));
	e[1].len = 5;
	leaf_case(f, e, 3, -1, -1, VX_ECORRUPT);
	e[1].name = "be\0ta";
	leaf_case(f, e, 3, -1, -1, VX_ECORRUPT);
	/* equal hashes (a collision): sorted by name is fine, otherwise
	 * not; the API cannot make these */
	e[1] = (struct ent){ .hash = 1000, .ino = 7, .name = "bbb" };
	e[2] = (struct ent){ .hash = 1000, .ino = 8, .name = "bbc" };
	e[0] = (struct ent){ .hash = 999, .ino = 6, .name = "zzz" };
	{
		vx_blk_t b = dblock(f, 0);
		uint64_t calls = 0;

		fs_close(f);
		craft_leaf(f, b, e, 3, -1, -1);
		fs_open(f);
		assert_int_equal(vx_dir_iterate(f->fs, &f->dir, count_fn,
						&calls), 0);
		assert_int_equal(calls, 3);
		/* a shorter name sorts first */
		e[2].name = "bb";
		fs_close(f);
		craft_leaf(f, b, e, 3, -1, -1);
		fs_open(f);
		assert_int_equal(vx_dir_iterate(f->fs, &f->dir, count_fn,
						&calls), VX_ECORRUPT);
		e[2].name = "bba";
		fs_close(f);
		craft_leaf(f, b, e, 3, -1, -1);
		fs_open(f);
		assert_int_equal(vx_dir_iterate(f->fs, &f->dir, count_fn,
						&calls), VX_ECORRUPT);
		e[2].name = "bbb";
		fs_close(f);
		craft_leaf(f, b, e, 3, -1, -1);
		fs_open(f);
		assert_int_equal(vx_dir_iterate(f->fs, &f->dir, count_fn,
						&calls), VX_ECORRUPT);
	}
}

/* edit directory block @lblk's header/fields raw, re-seal or not */
static void edit_block(struct fix *f, uint64_t lblk, size_t off, int w,
		       uint64_t val, bool reseal)
{
	vx_blk_t b = dblock(f, lblk);

	fs_close(f);
	if (w == 0)
		raw(f, b)[off] ^= (uint8_t)val;
	else if (w == 16)
		vx_put16(raw(f, b) + off, (uint16_t)val);
	else if (w == 32)
		vx_put32(raw(f, b) + off, (uint32_t)val);
	else
		vx_put64(raw(f, b) + off, val);
	if (reseal)
		vx_mhdr_seal(raw(f, b), BS);
	fs_open(f);
}

/* a damaged root: every call that reads it fails with @want */
static void expect_all(struct fix *f, int want)
{
	uint64_t calls = 0, n;
	vx_ino_t ino;

	assert_int_equal(vx_dir_find(f->fs, &f->dir, "f0.", 3, &ino, NULL),
			 want);
	assert_int_equal(vx_dir_iterate(f->fs, &f->dir, count_fn, &calls),
			 want);
	assert_int_equal(vx_dir_add(f->fs, &f->dir, "zz", 2, 9, VX_FT_REG),
			 want);
	assert_int_equal(vx_dir_count(f->fs, &f->dir, &n), want);
}

/* a damaged node below the root: the full walk fails with @want, and
 * so does a lookup of some name (not of every name: lookups read one
 * path) */
static void expect_walk(struct fix *f, unsigned names, int want)
{
	char name[VX_NAME_MAX + 1];
	uint64_t calls = 0;
	unsigned bad = 0;

	assert_int_equal(vx_dir_iterate(f->fs, &f->dir, count_fn, &calls),
			 want);
	for (unsigned i = 0; i < names; i++) {
		size_t n = name_of(i, name, false);
		vx_ino_t ino;
		int err = vx_dir_find(f->fs, &f->dir, name, n, &ino, NULL);

		assert_true(err == 0 || err == want);
		bad += err == want;
	}
	assert_true(bad > 0 && bad < names);
}

static void test_crafted_root(void **state)
{
	struct fix *f = *state;
	uint8_t save[BS];
	vx_blk_t b;

	add_names(f, 0, 5, false);
	fs_close(f);
	fs_open(f);
	b = dblock(f, 0);
	memcpy(save, raw(f, b), BS);
#define RESTORE() do { fs_close(f); memcpy(raw(f, b), save, BS); \
		       fs_open(f); } while (0)
	edit_block(f, 0, 300, 0, 0x20, false);		/* crc */
	expect_all(f, VX_EBADCRC);
	RESTORE();
	edit_block(f, 0, 56, 64, f->dir.ino + 1, true);	/* owner */
	expect_all(f, VX_ECORRUPT);
	RESTORE();
	edit_block(f, 0, 48, 16, VX_MAX_DIR_DEPTH, true);	/* level */
	expect_all(f, VX_ECORRUPT);
	RESTORE();
	edit_block(f, 0, 4, 16, VX_BT_EXTENT, true);	/* type */
	expect_all(f, VX_ECORRUPT);
	RESTORE();
	edit_block(f, 0, 16, 64, b + 1, true);		/* own number */
	expect_all(f, VX_EMISDIRECTED);
	RESTORE();
	edit_block(f, 0, 52, 32, BS, true);		/* used > space */
	expect_all(f, VX_ECORRUPT);
	RESTORE();
	/* the directory size says the root is not there */
	f->dir.size = 0;
	expect_all(f, VX_ECORRUPT);
	f->dir.size = BS;
	/* intact again */
	expect_all(f, 0);
#undef RESTORE
}

/* ---- crafted index nodes and leaf chains ---- */

/* lblk of child @i of directory block @lblk (an index node) */
static uint64_t child_of(struct fix *f, uint64_t lblk, unsigned i)
{
	return vx_get64(raw(f, dblock(f, lblk)) + VX_DIR_NODE_HDR +
			i * VX_DINDEX_SIZE + 8);
}

static void test_crafted_index(void **state)
{
	struct fix *f = *state;
	uint64_t size_blocks, mid;
	unsigned cnt;
	size_t e1 = VX_DIR_NODE_HDR + VX_DINDEX_SIZE;	/* entry 1 */
	uint8_t save[BS];
	vx_blk_t b;

	add_names(f, 0, 300, false);	/* root index over ~12 leaves */
	fs_close(f);
	fs_open(f);
	b = dblock(f, 0);
	assert_int_equal(vx_get16(raw(f, b) + 48), 1);
	cnt = vx_get16(raw(f, b) + 50);
	assert_true(cnt >= 4);
	size_blocks = f->dir.size / BS;
	mid = child_of(f, 0, 1);
	memcpy(save, raw(f, b), BS);
#define RESTORE() do { fs_close(f); memcpy(raw(f, b), save, BS); \
		       fs_open(f); } while (0)
	edit_block(f, 0, e1 + 8, 64, 0, true);		/* child 0 */
	expect_all(f, VX_ECORRUPT);
	RESTORE();
	edit_block(f, 0, e1 + 8, 64, size_blocks, true);	/* past the end */
	expect_all(f, VX_ECORRUPT);
	RESTORE();
	edit_block(f, 0, e1, 64, 0, true);		/* keys unsorted */
	expect_all(f, VX_ECORRUPT);
	RESTORE();
	edit_block(f, 0, 50, 16, 0, true);		/* empty index */
	expect_all(f, VX_ECORRUPT);
	RESTORE();
	edit_block(f, 0, 52, 32, cnt * VX_DINDEX_SIZE + 1, true); /* used */
	expect_all(f, VX_ECORRUPT);
	RESTORE();
	/* the first child is the root itself */
	edit_block(f, 0, VX_DIR_NODE_HDR + 8, 64, 0, true);
	expect_all(f, VX_ECORRUPT);
	RESTORE();
	/* a leaf that claims to be an index: a child of the wrong level */
	edit_block(f, mid, 48, 16, 1, true);
	expect_walk(f, 300, VX_ECORRUPT);
	fs_close(f);
	{
		vx_blk_t mb;

		fs_open(f);
		mb = dblock(f, mid);
		fs_close(f);
		vx_put16(raw(f, mb) + 48, 0);
		vx_mhdr_seal(raw(f, mb), BS);
	}
	fs_open(f);
	expect_all(f, 0);
#undef RESTORE
}

/* an index node at level 1 whose child is itself: a loop to a parent */
static void test_index_loop(void **state)
{
	struct fix *f = *state;
	uint64_t l1;

	add_names(f, 0, 3000, false);	/* root at level 2 */
	fs_close(f);
	fs_open(f);
	assert_int_equal(vx_get16(raw(f, dblock(f, 0)) + 48), 2);
	l1 = child_of(f, 0, 0);
	assert_int_equal(vx_get16(raw(f, dblock(f, l1)) + 48), 1);
	edit_block(f, l1, VX_DIR_NODE_HDR + 8, 64, l1, true);
	expect_walk(f, 3000, VX_ECORRUPT);
	edit_block(f, l1, VX_DIR_NODE_HDR + 8, 64, 0, true);	/* to root */
	expect_walk(f, 3000, VX_ECORRUPT);
}

static void test_leaf_chain_loop(void **state)
{
	struct fix *f = *state;
	uint64_t first, second, calls;

	add_names(f, 0, 300, false);
	fs_close(f);
	fs_open(f);
	first = child_of(f, 0, 0);
	second = vx_get64(raw(f, dblock(f, first)) + 64);
	assert_int_not_equal(second, 0);
	/* a leaf that is its own successor */
	edit_block(f, first, 64, 64, first, true);
	calls = 0;
	assert_int_equal(vx_dir_iterate(f->fs, &f->dir, count_fn, &calls),
			 VX_ECORRUPT);
	assert_true(calls <= 300 * (f->dir.size / BS));
	/* two leaves that point at each other */
	edit_block(f, first, 64, 64, second, true);
	edit_block(f, second, 64, 64, first, true);
	calls = 0;
	assert_int_equal(vx_dir_iterate(f->fs, &f->dir, count_fn, &calls),
			 VX_ECORRUPT);
	assert_true(calls <= 300 * (f->dir.size / BS));
	/* past the end of the directory */
	edit_block(f, first, 64, 64, f->dir.size / BS, true);
	assert_int_equal(vx_dir_iterate(f->fs, &f->dir, count_fn, &calls),
			 VX_ECORRUPT);
	edit_block(f, first, 64, 64, UINT64_MAX, true);
	assert_int_equal(vx_dir_iterate(f->fs, &f->dir, count_fn, &calls),
			 VX_ECORRUPT);
	/* lookups do not follow the chain: they still work */
	expect_found(f, 299, false, true);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_hash_unique),
		T(test_empty),
		T(test_50k),
		T(test_long_names),
		T(test_iterate_stops),
		T(test_crafted_leaf),
		T(test_crafted_names),
		T(test_crafted_index),
		T(test_index_loop),
		T(test_leaf_chain_loop),
		T(test_crafted_root),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
