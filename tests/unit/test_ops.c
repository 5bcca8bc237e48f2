/*
 * test_ops.c: unit tests for the file operations of ops.h.
 *
 * Each test formats a filesystem on the in-memory io and opens it with
 * VX_OPEN_BORROW_IO (closing the filesystem leaves the mem device alive),
 * so that the test can close and reopen the filesystem and read back what
 * the previous open wrote.  Every
 * operation is checked after such a reopen, against what the test
 * recorded: attributes, contents (a shadow copy of every file written),
 * directory listings, and the free block and inode counts, which must
 * return exactly to their earlier values when files are truncated or
 * removed.  The counts of the superblock must always equal the sum of the
 * group headers.  Filling the filesystem right after freeing directory
 * and extent-tree blocks checks that no stale cached metadata is written
 * over the file data that reuses those blocks.
 *
 * The basic operations run at block sizes 1 KiB, 4 KiB and 64 KiB (the
 * cmocka prestate is the block size's log).  Error codes, no space, no
 * inodes, a 20,000-entry directory and path lookup run at 4 KiB (1 KiB
 * for no space: a small image fills fast).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <cmocka.h>

#include <vexfs/vexfs.h>

#define MiB (1024ull * 1024)
#define ROOT VX_ROOT_INO

/* ---- fixture ---- */

struct tfs {
	struct vx_io *mem;
	struct vx_fs *fs;
	uint32_t bsize;
};

static void tfs_open(struct tfs *t, unsigned flags)
{
	struct vx_open_opts o = { .flags = flags | VX_OPEN_BORROW_IO };

	assert_int_equal(vx_fs_open(t->mem, &o, &t->fs), 0);
}

static void tfs_make(struct tfs *t, uint32_t blog, uint64_t size,
		     uint64_t inodes)
{
	struct vx_mkfs_params p = { .block_log = blog, .inode_count = inodes,
				    .journal_blocks = VX_MIN_JOURNAL_BLOCKS };
	struct vx_super sb;

	assert_int_equal(vx_io_mem_open(size, &t->mem), 0);
	assert_int_equal(vx_fs_plan(&p, size, &sb), 0);
	assert_int_equal(vx_fs_format(t->mem, &sb, 0), 0);
	t->bsize = 1u << blog;
	tfs_open(t, 0);
}

static void tfs_reopen(struct tfs *t)
{
	assert_int_equal(vx_fs_close(t->fs), 0);
	tfs_open(t, 0);
}

static void tfs_free(struct tfs *t)
{
	assert_int_equal(vx_fs_close(t->fs), 0);
	assert_int_equal(vx_io_close(t->mem), 0);
	free(t);
}

static int setup(void **state)
{
	uint32_t blog = *(uint32_t *)*state;
	struct tfs *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	/* the journal alone is 256 blocks: 16 MiB at 64 KiB */
	tfs_make(t, blog, blog > 12 ? 128 * MiB : 32 * MiB, 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	tfs_free(*state);
	return 0;
}

static uint64_t free_blocks(struct tfs *t)
{
	return vx_fs_super(t->fs)->free_blocks;
}

static uint64_t free_inodes(struct tfs *t)
{
	return vx_fs_super(t->fs)->free_inodes;
}

/* the superblock's counts are the sums of the group headers' */
static void check_counts(struct tfs *t)
{
	const struct vx_super *sb = vx_fs_super(t->fs);
	uint64_t fb = 0, fi = 0;
	struct vx_group g;

	for (uint32_t i = 0; i < sb->group_count; i++) {
		assert_int_equal(vx_fs_group(t->fs, i, &g), 0);
		assert_true(g.free_blocks <= g.nblocks - g.meta_blocks);
		assert_true(g.free_inodes <= sb->inodes_per_group);
		fb += g.free_blocks;
		fi += g.free_inodes;
	}
	assert_int_equal(fb, sb->free_blocks);
	assert_int_equal(fi, sb->free_inodes);
}

/* ---- attributes ---- */

static struct vx_attr mkattr(uint32_t mode, uint32_t uid, uint32_t gid,
			     int64_t t0)
{
	struct vx_attr a = { .mode = mode, .uid = uid, .gid = gid };

	a.atime = (struct timespec){ t0, 111111111 };
	a.mtime = (struct timespec){ t0 + 1, 222 };
	a.ctime = (struct timespec){ t0 + 2, 999999999 };
	a.crtime = (struct timespec){ t0 + 3, 1 };
	return a;
}

static void assert_ts(struct timespec a, struct timespec b)
{
	assert_int_equal(a.tv_sec, b.tv_sec);
	assert_int_equal(a.tv_nsec, b.tv_nsec);
}

static void check_attr(struct tfs *t, vx_ino_t ino, const struct vx_attr *w,
		       uint32_t nlink)
{
	struct vx_attr a;

	assert_int_equal(vx_stat(t->fs, NULL, ino, &a), 0);
	assert_int_equal(a.ino, ino);
	assert_int_equal(a.mode, (w->mode & S_IFMT ? w->mode : w->mode | S_IFREG));
	assert_int_equal(a.uid, w->uid);
	assert_int_equal(a.gid, w->gid);
	assert_int_equal(a.nlink, nlink);
	if (S_ISCHR(w->mode) || S_ISBLK(w->mode))
		assert_int_equal(a.rdev, w->rdev);
	assert_ts(a.atime, w->atime);
	assert_ts(a.mtime, w->mtime);
	assert_ts(a.ctime, w->ctime);
	assert_ts(a.crtime, w->crtime);
}

/* ---- directory listings ---- */

struct ent {
	char name[VX_NAME_MAX + 1];
	vx_ino_t ino;
	unsigned type;
};

struct listing {
	struct ent *v;
	size_t n, cap;
};

static int collect(void *ctx, const char *name, size_t len, vx_ino_t ino,
		   unsigned type)
{
	struct listing *l = ctx;

	if (len > VX_NAME_MAX)
		return -1;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			return -1;
	}
	memcpy(l->v[l->n].name, name, len);
	l->v[l->n].name[len] = 0;
	l->v[l->n].ino = ino;
	l->v[l->n].type = type;
	l->n++;
	return 0;
}

/* list @dir: "." and ".." first, then the names */
static void list_dir(struct tfs *t, vx_ino_t dir, vx_ino_t parent,
		     struct listing *l)
{
	memset(l, 0, sizeof(*l));
	assert_int_equal(vx_readdir(t->fs, NULL, dir, collect, l), 0);
	assert_true(l->n >= 2);
	assert_string_equal(l->v[0].name, ".");
	assert_int_equal(l->v[0].ino, dir);
	assert_string_equal(l->v[1].name, "..");
	assert_int_equal(l->v[1].ino, parent);
}

static const struct ent *find_ent(const struct listing *l, const char *name)
{
	const struct ent *found = NULL;

	for (size_t i = 2; i < l->n; i++)
		if (!strcmp(l->v[i].name, name)) {
			assert_null(found);	/* listed once */
			found = &l->v[i];
		}
	return found;
}

/* ---- contents: a shadow copy of the file ---- */

struct shadow {
	unsigned char *b;
	uint64_t size;
};

static unsigned char pat(uint64_t off, unsigned seed)
{
	uint64_t x = (off + 1) * 0x9e3779b97f4a7c15ull ^ seed * 0x5851f42dull;

	return (unsigned char)(x >> 29 | 1);	/* never zero */
}

/* write @len pattern bytes at @off to @ino and to the shadow */
static void swrite(struct tfs *t, struct shadow *s, vx_ino_t ino,
		   uint64_t off, size_t len, unsigned seed)
{
	unsigned char *buf = malloc(len);

	assert_non_null(buf);
	for (size_t i = 0; i < len; i++)
		buf[i] = pat(off + i, seed);
	assert_int_equal(vx_write(t->fs, NULL, ino, off, buf, len), 0);
	if (off + len > s->size) {
		s->b = realloc(s->b, off + len);
		assert_non_null(s->b);
		memset(s->b + s->size, 0, off + len - s->size);
		s->size = off + len;
	}
	memcpy(s->b + off, buf, len);
	free(buf);
}

/* the whole file equals the shadow, and reads stop at its end */
static void scheck(struct tfs *t, const struct shadow *s, vx_ino_t ino)
{
	unsigned char *buf = malloc(s->size + 100);
	struct vx_attr a;
	size_t done;

	assert_non_null(buf);
	assert_int_equal(vx_stat(t->fs, NULL, ino, &a), 0);
	assert_int_equal(a.size, s->size);
	assert_int_equal(vx_read(t->fs, NULL, ino, 0, buf, s->size + 100, &done), 0);
	assert_int_equal(done, s->size);
	assert_memory_equal(buf, s->b, s->size);
	assert_int_equal(vx_read(t->fs, NULL, ino, s->size, buf, 10, &done), 0);
	assert_int_equal(done, 0);
	free(buf);
}

static void strunc(struct tfs *t, struct shadow *s, vx_ino_t ino,
		   uint64_t size)
{
	assert_int_equal(vx_truncate(t->fs, NULL, ino, size), 0);
	s->b = realloc(s->b, size ? size : 1);
	assert_non_null(s->b);
	if (size > s->size)
		memset(s->b + s->size, 0, size - s->size);
	s->size = size;
}

static uint64_t blocks_of(struct tfs *t, vx_ino_t ino)
{
	struct vx_attr a;

	assert_int_equal(vx_stat(t->fs, NULL, ino, &a), 0);
	return a.blocks;
}

static vx_ino_t mkfile(struct tfs *t, vx_ino_t dir, const char *name)
{
	struct vx_attr a = { .mode = S_IFREG | 0644 };
	vx_ino_t ino;

	assert_int_equal(vx_create(t->fs, NULL, dir, name, &a, &ino), 0);
	return ino;
}

static vx_ino_t mkdir_(struct tfs *t, vx_ino_t dir, const char *name)
{
	struct vx_attr a = { .mode = S_IFDIR | 0755 };
	vx_ino_t ino;

	assert_int_equal(vx_mkdir(t->fs, NULL, dir, name, &a, &ino), 0);
	return ino;
}

/* ---- every kind of object, read back after a reopen ---- */

static void test_create_objects(void **state)
{
	struct tfs *t = *state;
	int64_t t0 = -315619200;		/* 1960: times are signed */
	struct vx_attr ad = mkattr(S_IFDIR | 0750, 10, 20, t0);
	struct vx_attr as = mkattr(S_IFDIR | 01777, 0, 0, 1 << 30);
	struct vx_attr af = mkattr(04755, 4000000000u, 7, 1700000000);
	struct vx_attr ap = mkattr(S_IFIFO | 0600, 1, 1, 2);
	struct vx_attr ac = mkattr(S_IFCHR | 0660, 2, 2, 3);
	struct vx_attr ab = mkattr(S_IFBLK | 0640, 3, 3, 4);
	struct vx_attr ak = mkattr(S_IFSOCK | 0777, 4, 4, 5);
	struct vx_attr al = mkattr(S_IFLNK | 0777, 5, 6, 6);
	vx_ino_t d, s, f, p, c, b, k, l1, l2, l3, ino;
	char long_target[4096], buf[4200];
	struct listing ls;
	size_t len;

	memset(long_target, 'x', sizeof(long_target));
	long_target[4095] = 0;
	ac.rdev = makedev(4095, 1048575);
	ab.rdev = makedev(8, 1);
	assert_int_equal(vx_mkdir(t->fs, NULL, ROOT, "dir", &ad, &d), 0);
	assert_int_equal(vx_mkdir(t->fs, NULL, d, "sub", &as, &s), 0);
	assert_int_equal(vx_create(t->fs, NULL, s, "file", &af, &f), 0);
	assert_int_equal(vx_create(t->fs, NULL, ROOT, "fifo", &ap, &p), 0);
	assert_int_equal(vx_create(t->fs, NULL, ROOT, "chr", &ac, &c), 0);
	assert_int_equal(vx_create(t->fs, NULL, ROOT, "blk", &ab, &b), 0);
	assert_int_equal(vx_create(t->fs, NULL, ROOT, "sock", &ak, &k), 0);
	assert_int_equal(vx_symlink(t->fs, NULL, d, "short", "sub/file", &al, &l1), 0);
	assert_int_equal(vx_symlink(t->fs, NULL, d, "long", long_target, &al, &l2), 0);
	long_target[VX_INLINE_SYMLINK_MAX] = 0;		/* 127: still inline */
	assert_int_equal(vx_symlink(t->fs, NULL, d, "edge", long_target, &al, &l3), 0);
	/* new names changed the directories' times: set them back */
	assert_int_equal(vx_setattr(t->fs, NULL, d, &ad, VX_SET_ATIME | VX_SET_MTIME |
				    VX_SET_CTIME), 0);
	assert_int_equal(vx_setattr(t->fs, NULL, s, &as, VX_SET_ATIME | VX_SET_MTIME |
				    VX_SET_CTIME), 0);
	tfs_reopen(t);

	check_attr(t, d, &ad, 3);
	check_attr(t, s, &as, 2);
	check_attr(t, f, &af, 1);
	check_attr(t, p, &ap, 1);
	check_attr(t, c, &ac, 1);
	check_attr(t, b, &ab, 1);
	check_attr(t, k, &ak, 1);
	check_attr(t, l1, &al, 1);
	check_attr(t, l2, &al, 1);
	assert_int_equal(vx_readlink(t->fs, NULL, l1, buf, sizeof(buf), &len), 0);
	assert_string_equal(buf, "sub/file");
	assert_int_equal(len, 8);
	assert_int_equal(vx_readlink(t->fs, NULL, l2, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 4095);
	assert_int_equal(strlen(buf), 4095);
	assert_int_equal(strspn(buf, "x"), 4095);
	assert_int_equal(vx_readlink(t->fs, NULL, l3, buf, 10, &len), 0);
	assert_int_equal(len, 127);
	assert_string_equal(buf, "xxxxxxxxx");	/* truncated to size - 1 */
	assert_int_equal(vx_lookup_path(t->fs, NULL, ROOT, "/dir/sub/file", 0, &ino), 0);
	assert_int_equal(ino, f);
	assert_int_equal(vx_lookup_path(t->fs, NULL, ROOT, "dir/short",
					VX_LOOKUP_FOLLOW, &ino), 0);
	assert_int_equal(ino, f);

	list_dir(t, d, ROOT, &ls);
	assert_int_equal(ls.n, 2 + 4);
	assert_int_equal(find_ent(&ls, "sub")->type, VX_FT_DIR);
	assert_int_equal(find_ent(&ls, "sub")->ino, s);
	assert_int_equal(find_ent(&ls, "short")->type, VX_FT_LNK);
	assert_int_equal(find_ent(&ls, "long")->ino, l2);
	assert_int_equal(find_ent(&ls, "edge")->ino, l3);
	free(ls.v);
	list_dir(t, ROOT, ROOT, &ls);
	assert_int_equal(ls.n, 2 + 6);		/* with lost+found */
	assert_int_equal(find_ent(&ls, "fifo")->type, VX_FT_FIFO);
	assert_int_equal(find_ent(&ls, "chr")->type, VX_FT_CHR);
	assert_int_equal(find_ent(&ls, "blk")->type, VX_FT_BLK);
	assert_int_equal(find_ent(&ls, "sock")->type, VX_FT_SOCK);
	assert_int_equal(find_ent(&ls, "dir")->ino, d);
	assert_non_null(find_ent(&ls, "lost+found"));
	free(ls.v);
	check_counts(t);
}

static void test_links(void **state)
{
	struct tfs *t = *state;
	vx_ino_t d = mkdir_(t, ROOT, "d"), f = mkfile(t, ROOT, "f"), ino;
	struct shadow s = { 0 };
	struct vx_attr a;

	swrite(t, &s, f, 0, 3 * t->bsize + 7, 1);
	assert_int_equal(vx_link(t->fs, NULL, f, d, "f2"), 0);
	assert_int_equal(vx_link(t->fs, NULL, f, ROOT, "f3"), 0);
	tfs_reopen(t);
	assert_int_equal(vx_stat(t->fs, NULL, f, &a), 0);
	assert_int_equal(a.nlink, 3);
	assert_int_equal(vx_lookup_path(t->fs, NULL, ROOT, "/d/f2", 0, &ino), 0);
	assert_int_equal(ino, f);
	assert_int_equal(vx_unlink(t->fs, NULL, ROOT, "f"), 0);
	tfs_reopen(t);
	assert_int_equal(vx_lookup(t->fs, NULL, ROOT, "f", &ino), -ENOENT);
	assert_int_equal(vx_stat(t->fs, NULL, f, &a), 0);
	assert_int_equal(a.nlink, 2);
	scheck(t, &s, f);
	free(s.b);
	check_counts(t);
}

/* ---- data ---- */

static void test_write_read(void **state)
{
	struct tfs *t = *state;
	uint64_t bs = t->bsize;
	vx_ino_t f = mkfile(t, ROOT, "data");
	struct shadow s = { 0 };

	swrite(t, &s, f, 0, 1, 1);
	swrite(t, &s, f, bs - 1, 2, 2);			/* across a boundary */
	swrite(t, &s, f, 3 * bs - 5, 2 * bs + 10, 3);
	swrite(t, &s, f, 10 * bs, MiB + 3, 4);		/* big, extends */
	swrite(t, &s, f, 10 * bs + 100, bs, 5);		/* overwrite inside */
	swrite(t, &s, f, 2 * bs, 4 * bs, 6);		/* over a hole edge */
	scheck(t, &s, f);
	tfs_reopen(t);
	scheck(t, &s, f);
	/* a short read at the end */
	{
		unsigned char buf[64];
		size_t done;

		assert_int_equal(vx_read(t->fs, NULL, f, s.size - 10, buf, 64, &done), 0);
		assert_int_equal(done, 10);
		assert_memory_equal(buf, s.b + s.size - 10, 10);
		assert_int_equal(vx_read(t->fs, NULL, f, s.size + bs * 5, buf, 64,
					 &done), 0);
		assert_int_equal(done, 0);
	}
	free(s.b);
	check_counts(t);
}

static void test_holes(void **state)
{
	struct tfs *t = *state;
	uint64_t bs = t->bsize, run;
	vx_ino_t f = mkfile(t, ROOT, "sparse");
	struct shadow s = { 0 };
	vx_blk_t pblk;

	swrite(t, &s, f, 10 * bs + 5, 100, 1);
	tfs_reopen(t);
	scheck(t, &s, f);			/* zeroes before the data */
	assert_int_equal(blocks_of(t, f), 1);
	assert_int_equal(vx_bmap(t->fs, NULL, f, 0, &pblk, &run), 0);
	assert_int_equal(pblk, 0);
	assert_int_equal(run, 10);
	assert_int_equal(vx_bmap(t->fs, NULL, f, 10, &pblk, &run), 0);
	assert_int_not_equal(pblk, 0);
	assert_int_equal(run, 1);
	assert_int_equal(vx_bmap(t->fs, NULL, f, 3, &pblk, &run), 0);
	assert_int_equal(pblk, 0);
	assert_int_equal(run, 7);
	swrite(t, &s, f, 0, 10, 2);
	tfs_reopen(t);
	assert_int_equal(blocks_of(t, f), 2);
	assert_int_equal(vx_bmap(t->fs, NULL, f, 1, &pblk, &run), 0);
	assert_int_equal(pblk, 0);
	assert_int_equal(run, 9);
	scheck(t, &s, f);
	free(s.b);
	check_counts(t);
}

static void test_truncate(void **state)
{
	struct tfs *t = *state;
	uint64_t bs = t->bsize, f0, run;
	vx_ino_t f = mkfile(t, ROOT, "t");
	struct shadow s = { 0 };
	vx_blk_t pblk;

	f0 = free_blocks(t);
	swrite(t, &s, f, 0, 100 * bs, 1);	/* one extent, inline */
	assert_int_equal(f0 - free_blocks(t), 100);
	assert_int_equal(blocks_of(t, f), 100);
	strunc(t, &s, f, 10 * bs + 1);		/* shrink: frees 89 */
	tfs_reopen(t);
	assert_int_equal(free_blocks(t), f0 - 11);
	assert_int_equal(blocks_of(t, f), 11);
	scheck(t, &s, f);
	strunc(t, &s, f, 12 * bs);		/* grow: a hole, tail zero */
	tfs_reopen(t);
	scheck(t, &s, f);
	assert_int_equal(blocks_of(t, f), 11);
	assert_int_equal(free_blocks(t), f0 - 11);
	assert_int_equal(vx_bmap(t->fs, NULL, f, 11, &pblk, &run), 0);
	assert_int_equal(pblk, 0);
	strunc(t, &s, f, 0);
	tfs_reopen(t);
	assert_int_equal(free_blocks(t), f0);
	assert_int_equal(blocks_of(t, f), 0);
	scheck(t, &s, f);

	/* 24 separate extents: an extent tree, freed entirely too */
	for (unsigned i = 0; i < 24; i++)
		swrite(t, &s, f, 2 * i * bs, bs, 2);
	tfs_reopen(t);
	scheck(t, &s, f);
	assert_true(blocks_of(t, f) > 24);	/* data plus tree nodes */
	assert_int_equal(f0 - free_blocks(t), blocks_of(t, f));
	strunc(t, &s, f, 7 * bs - 3);		/* keeps blocks 0, 2, 4, 6 */
	tfs_reopen(t);
	scheck(t, &s, f);
	assert_int_equal(f0 - free_blocks(t), blocks_of(t, f));
	strunc(t, &s, f, 0);
	tfs_reopen(t);
	assert_int_equal(free_blocks(t), f0);
	free(s.b);
	check_counts(t);
}

static void test_unlink_frees(void **state)
{
	struct tfs *t = *state;
	uint64_t bs = t->bsize, f0, i0, f1;
	vx_ino_t d = mkdir_(t, ROOT, "d"), f, x;
	struct shadow s = { 0 };
	char target[3000], name[32];

	f0 = free_blocks(t);
	i0 = free_inodes(t);
	f = mkfile(t, ROOT, "a");
	swrite(t, &s, f, 0, 20 * bs, 1);
	for (unsigned i = 0; i < 12; i++)
		swrite(t, &s, f, (22 + 2 * i) * bs, 10, 2);
	assert_int_equal(vx_link(t->fs, NULL, f, d, "b"), 0);
	f1 = free_blocks(t);
	assert_int_equal(vx_unlink(t->fs, NULL, ROOT, "a"), 0);
	assert_int_equal(free_blocks(t), f1);	/* one name left */
	assert_int_equal(free_inodes(t), i0 - 1);
	tfs_reopen(t);
	scheck(t, &s, f);
	assert_int_equal(vx_unlink(t->fs, NULL, d, "b"), 0);
	assert_int_equal(free_blocks(t), f0);
	assert_int_equal(free_inodes(t), i0);

	/* an out-of-line symlink, and a directory full of files */
	memset(target, 't', sizeof(target) - 1);
	target[sizeof(target) - 1] = 0;
	assert_int_equal(vx_symlink(t->fs, NULL, ROOT, "l", target, NULL, &x), 0);
	x = mkdir_(t, d, "full");
	for (unsigned i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "file-with-a-long-name-%u", i);
		swrite(t, &s, mkfile(t, x, name), 0, 1, 3);
	}
	tfs_reopen(t);
	assert_true(free_blocks(t) < f0 - 300);
	assert_int_equal(vx_rmdir(t->fs, NULL, d, "full"), -ENOTEMPTY);
	for (unsigned i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "file-with-a-long-name-%u", i);
		assert_int_equal(vx_unlink(t->fs, NULL, x, name), 0);
	}
	assert_int_equal(vx_rmdir(t->fs, NULL, d, "full"), 0);
	assert_int_equal(vx_unlink(t->fs, NULL, ROOT, "l"), 0);
	tfs_reopen(t);
	assert_int_equal(free_blocks(t), f0);
	assert_int_equal(free_inodes(t), i0);
	{
		struct vx_attr a;

		assert_int_equal(vx_stat(t->fs, NULL, d, &a), 0);
		assert_int_equal(a.nlink, 2);	/* "full" took its link along */
	}
	free(s.b);
	check_counts(t);
}

static void test_setattr(void **state)
{
	struct tfs *t = *state;
	struct vx_attr w = mkattr(S_IFREG | 0640, 1, 2, 1000), a;
	vx_ino_t f;

	assert_int_equal(vx_create(t->fs, NULL, ROOT, "f", &w, &f), 0);
	a = mkattr(S_IFDIR | 06711, 77, 88, 5000);	/* the type is kept */
	assert_int_equal(vx_setattr(t->fs, NULL, f, &a, VX_SET_MODE), 0);
	w.mode = S_IFREG | 06711;
	assert_int_equal(vx_setattr(t->fs, NULL, f, &a, VX_SET_UID), 0);
	w.uid = 77;
	assert_int_equal(vx_setattr(t->fs, NULL, f, &a, VX_SET_GID), 0);
	w.gid = 88;
	assert_int_equal(vx_setattr(t->fs, NULL, f, &a, VX_SET_ATIME), 0);
	w.atime = a.atime;
	assert_int_equal(vx_setattr(t->fs, NULL, f, &a, VX_SET_MTIME | VX_SET_CRTIME),
			 0);
	w.mtime = a.mtime;
	w.crtime = a.crtime;
	assert_int_equal(vx_setattr(t->fs, NULL, f, &a, VX_SET_CTIME), 0);
	w.ctime = a.ctime;
	tfs_reopen(t);
	check_attr(t, f, &w, 1);
	a.mtime.tv_nsec = 1000000000;			/* not a time */
	assert_int_equal(vx_setattr(t->fs, NULL, f, &a, VX_SET_MTIME), -EINVAL);
	tfs_reopen(t);
	check_attr(t, f, &w, 1);
}

/* ---- error codes ---- */

static void test_errors_names(void **state)
{
	struct tfs *t = *state;
	static const char *const bad[] = { ".", "..", "a/b", "/", "" };
	struct vx_attr fa = { .mode = S_IFREG | 0644 };
	struct vx_attr da = { .mode = S_IFDIR | 0755 };
	vx_ino_t f = mkfile(t, ROOT, "file"), d = mkdir_(t, ROOT, "dir"), ino;
	char name[VX_NAME_MAX + 2];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(vx_create(t->fs, NULL, ROOT, bad[i], &fa, &ino), -EINVAL);
		assert_int_equal(vx_mkdir(t->fs, NULL, ROOT, bad[i], &da, &ino), -EINVAL);
		assert_int_equal(vx_symlink(t->fs, NULL, ROOT, bad[i], "x", NULL, &ino),
				 -EINVAL);
		assert_int_equal(vx_link(t->fs, NULL, f, ROOT, bad[i]), -EINVAL);
		assert_int_equal(vx_unlink(t->fs, NULL, ROOT, bad[i]), -EINVAL);
		assert_int_equal(vx_rmdir(t->fs, NULL, ROOT, bad[i]), -EINVAL);
	}
	memset(name, 'n', sizeof(name) - 1);
	name[VX_NAME_MAX + 1] = 0;			/* 256 bytes */
	assert_int_equal(vx_create(t->fs, NULL, ROOT, name, &fa, &ino), -ENAMETOOLONG);
	assert_int_equal(vx_mkdir(t->fs, NULL, ROOT, name, &da, &ino), -ENAMETOOLONG);
	assert_int_equal(vx_lookup(t->fs, NULL, ROOT, name, &ino), -ENAMETOOLONG);
	assert_int_equal(vx_link(t->fs, NULL, f, ROOT, name), -ENAMETOOLONG);
	name[VX_NAME_MAX] = 0;				/* 255: fine */
	assert_int_equal(vx_create(t->fs, NULL, ROOT, name, &fa, &ino), 0);
	assert_int_equal(vx_lookup(t->fs, NULL, ROOT, name, &ino), 0);

	/* EEXIST, whatever kind of object is asked for, and nothing is
	 * left allocated by the refused call */
	uint64_t fb0 = vx_fs_super(t->fs)->free_blocks, fi0 = free_inodes(t);
	assert_int_equal(vx_create(t->fs, NULL, ROOT, "file", &fa, &ino), -EEXIST);
	assert_int_equal(vx_create(t->fs, NULL, ROOT, "dir", &fa, &ino), -EEXIST);
	assert_int_equal(vx_mkdir(t->fs, NULL, ROOT, "file", &da, &ino), -EEXIST);
	assert_int_equal(vx_symlink(t->fs, NULL, ROOT, "dir", "x", NULL, &ino), -EEXIST);
	{	/* a refused link leaves the target as it was */
		struct vx_attr before, after;
		uint64_t fi = free_inodes(t);

		assert_int_equal(vx_stat(t->fs, NULL, f, &before), 0);
		assert_int_equal(vx_link(t->fs, NULL, f, ROOT, "dir"), -EEXIST);
		assert_int_equal(vx_stat(t->fs, NULL, f, &after), 0);
		assert_int_equal(after.nlink, before.nlink);
		assert_int_equal(after.ctime.tv_sec, before.ctime.tv_sec);
		assert_int_equal(after.ctime.tv_nsec, before.ctime.tv_nsec);
		assert_int_equal(free_inodes(t), fi);
	}
	assert_int_equal(vx_create(t->fs, NULL, ROOT, "lost+found", &fa, &ino), -EEXIST);
	assert_int_equal(vx_fs_super(t->fs)->free_blocks, fb0);
	assert_int_equal(free_inodes(t), fi0);
	/* symlink targets: 1..4095 bytes */
	assert_int_equal(vx_symlink(t->fs, NULL, ROOT, "s", "", NULL, &ino), -EINVAL);
	{
		char *big = malloc(4097);
		int err;

		assert_non_null(big);
		memset(big, 'b', 4096);
		big[4096] = 0;
		err = vx_symlink(t->fs, NULL, ROOT, "s", big, NULL, &ino);
		assert_true(err == -EINVAL || err == -ENAMETOOLONG);
		assert_int_equal(vx_lookup(t->fs, NULL, ROOT, "s", &ino), -ENOENT);
		free(big);
	}
	assert_int_equal(vx_create(t->fs, NULL, d, "file", &fa, &ino), 0);
	tfs_reopen(t);
	assert_int_equal(vx_lookup(t->fs, NULL, ROOT, "file", &ino), 0);
	assert_int_equal(ino, f);
	check_counts(t);
}

static void test_errors_types(void **state)
{
	struct tfs *t = *state;
	struct vx_attr fa = { .mode = S_IFREG | 0644 };
	vx_ino_t f = mkfile(t, ROOT, "file"), d = mkdir_(t, ROOT, "dir"), ino;
	vx_ino_t sub = mkdir_(t, d, "sub");
	unsigned char buf[16];
	struct listing ls;
	size_t done;
	char tb[8];

	/* ENOENT */
	assert_int_equal(vx_lookup(t->fs, NULL, ROOT, "nope", &ino), -ENOENT);
	assert_int_equal(vx_unlink(t->fs, NULL, ROOT, "nope"), -ENOENT);
	assert_int_equal(vx_rmdir(t->fs, NULL, ROOT, "nope"), -ENOENT);
	assert_int_equal(vx_lookup_path(t->fs, NULL, ROOT, "/dir/nope/sub", 0, &ino),
			 -ENOENT);
	/* ENOTDIR */
	assert_int_equal(vx_lookup(t->fs, NULL, f, "x", &ino), -ENOTDIR);
	assert_int_equal(vx_create(t->fs, NULL, f, "x", &fa, &ino), -ENOTDIR);
	assert_int_equal(vx_lookup_path(t->fs, NULL, ROOT, "/file/x", 0, &ino),
			 -ENOTDIR);
	assert_int_equal(vx_rmdir(t->fs, NULL, ROOT, "file"), -ENOTDIR);
	assert_int_equal(vx_readdir(t->fs, NULL, f, collect, &ls), -ENOTDIR);
	/* EISDIR */
	assert_int_equal(vx_unlink(t->fs, NULL, ROOT, "dir"), -EISDIR);
	assert_int_equal(vx_read(t->fs, NULL, d, 0, buf, 16, &done), -EISDIR);
	assert_int_equal(vx_write(t->fs, NULL, d, 0, buf, 16), -EISDIR);
	assert_int_equal(vx_truncate(t->fs, NULL, d, 0), -EISDIR);
	/* ENOTEMPTY; directories get no hard links; not a symlink */
	assert_int_equal(vx_rmdir(t->fs, NULL, ROOT, "dir"), -ENOTEMPTY);
	assert_int_equal(vx_link(t->fs, NULL, sub, ROOT, "sub2"), -EPERM);
	assert_int_equal(vx_readlink(t->fs, NULL, f, tb, sizeof(tb), &done), -EINVAL);
	/* the root cannot be removed: it has no name to remove it by */
	assert_int_equal(vx_rmdir(t->fs, NULL, ROOT, ".."), -EINVAL);
	assert_int_equal(vx_rmdir(t->fs, NULL, d, ".."), -EINVAL);
	assert_int_equal(vx_rmdir(t->fs, NULL, sub, "."), -EINVAL);
	tfs_reopen(t);
	list_dir(t, ROOT, ROOT, &ls);
	assert_int_equal(ls.n, 2 + 3);		/* file, dir, lost+found */
	free(ls.v);
	assert_int_equal(vx_lookup_path(t->fs, NULL, ROOT, "/dir/sub", 0, &ino), 0);
	assert_int_equal(ino, sub);
	assert_int_equal(vx_rmdir(t->fs, NULL, d, "sub"), 0);
	assert_int_equal(vx_rmdir(t->fs, NULL, ROOT, "dir"), 0);
	check_counts(t);
}

static void test_lookup_path(void **state)
{
	struct tfs *t = *state;
	vx_ino_t a = mkdir_(t, ROOT, "a"), b = mkdir_(t, a, "b");
	vx_ino_t c = mkdir_(t, b, "c"), f = mkfile(t, c, "f"), l, ino;
	char path[4200];

	assert_int_equal(vx_symlink(t->fs, NULL, a, "rel", "b", NULL, &l), 0);
	assert_int_equal(vx_symlink(t->fs, NULL, a, "abs", "/a/b/c", NULL, &ino), 0);
	assert_int_equal(vx_symlink(t->fs, NULL, ROOT, "loop1", "loop2", NULL, &ino), 0);
	assert_int_equal(vx_symlink(t->fs, NULL, ROOT, "loop2", "loop1", NULL, &ino), 0);
	assert_int_equal(vx_symlink(t->fs, NULL, ROOT, "self", "self/x", NULL, &ino), 0);
	tfs_reopen(t);
	assert_int_equal(vx_lookup_path(t->fs, NULL, ROOT, "/", 0, &ino), 0);
	assert_int_equal(ino, ROOT);
	assert_int_equal(vx_lookup_path(t->fs, NULL, ROOT, "/a/rel/c/f", 0, &ino), 0);
	assert_int_equal(ino, f);
	assert_int_equal(vx_lookup_path(t->fs, NULL, ROOT, "a/abs/f", 0, &ino), 0);
	assert_int_equal(ino, f);
	assert_int_equal(vx_lookup_path(t->fs, NULL, a, "b/c/f", 0, &ino), 0);
	assert_int_equal(ino, f);
	assert_int_equal(vx_lookup_path(t->fs, NULL, c, "/a//b/", 0, &ino), 0);
	assert_int_equal(ino, b);
	assert_int_equal(vx_lookup_path(t->fs, NULL, c, "../../b/./c/f", 0, &ino), 0);
	assert_int_equal(ino, f);
	/* the last component: the link itself unless asked to follow */
	assert_int_equal(vx_lookup_path(t->fs, NULL, ROOT, "/a/rel", 0, &ino), 0);
	assert_int_equal(ino, l);
	assert_int_equal(vx_lookup_path(t->fs, NULL, ROOT, "/a/rel",
					VX_LOOKUP_FOLLOW, &ino), 0);
	assert_int_equal(ino, b);
	/* loops */
	assert_int_equal(vx_lookup_path(t->fs, NULL, ROOT, "/loop1/x", 0, &ino), -ELOOP);
	assert_int_equal(vx_lookup_path(t->fs, NULL, ROOT, "loop1", VX_LOOKUP_FOLLOW,
					&ino), -ELOOP);
	assert_int_equal(vx_lookup_path(t->fs, NULL, ROOT, "self", VX_LOOKUP_FOLLOW,
					&ino), -ELOOP);
	assert_int_equal(vx_lookup_path(t->fs, NULL, ROOT, "loop1", 0, &ino), 0);
	/* a component longer than a name */
	memset(path, 'p', 300);
	path[0] = '/';
	path[300] = 0;
	assert_int_equal(vx_lookup_path(t->fs, NULL, ROOT, path, 0, &ino),
			 -ENAMETOOLONG);
	assert_int_equal(vx_lookup_path(t->fs, NULL, ROOT, "/a/missing", 0, &ino),
			 -ENOENT);
}

static int stop_after_three(void *ctx, const char *name, size_t len,
			    vx_ino_t ino, unsigned type)
{
	int *calls = ctx;

	return ++*calls == 3 ? 42 : 0;
}

static void test_readdir_stop(void **state)
{
	struct tfs *t = *state;
	char name[16];
	int calls = 0;

	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		mkfile(t, ROOT, name);
	}
	assert_int_equal(vx_readdir(t->fs, NULL, ROOT, stop_after_three, &calls), 42);
	assert_int_equal(calls, 3);
}

static void test_read_only(void **state)
{
	struct tfs *t = *state;
	struct vx_attr fa = { .mode = S_IFREG | 0644 };
	vx_ino_t f = mkfile(t, ROOT, "f"), ino;

	assert_int_equal(vx_fs_close(t->fs), 0);
	tfs_open(t, VX_OPEN_RDONLY);
	assert_int_equal(vx_create(t->fs, NULL, ROOT, "g", &fa, &ino), VX_EROFS);
	assert_int_equal(vx_mkdir(t->fs, NULL, ROOT, "g", &fa, &ino), VX_EROFS);
	assert_int_equal(vx_write(t->fs, NULL, f, 0, "x", 1), VX_EROFS);
	assert_int_equal(vx_truncate(t->fs, NULL, f, 10), VX_EROFS);
	assert_int_equal(vx_unlink(t->fs, NULL, ROOT, "f"), VX_EROFS);
	assert_int_equal(vx_link(t->fs, NULL, f, ROOT, "h"), VX_EROFS);
	assert_int_equal(vx_setattr(t->fs, NULL, f, &fa, VX_SET_UID), VX_EROFS);
	assert_int_equal(vx_lookup(t->fs, NULL, ROOT, "f", &ino), 0);
	tfs_reopen(t);
}

/* ---- running out of space and inodes ---- */

/* make and free directory and extent-tree blocks, without a sync */
static void churn(struct tfs *t)
{
	vx_ino_t d = mkdir_(t, ROOT, "churn"), f = mkfile(t, d, "frag");
	struct shadow s = { 0 };
	char name[48];

	for (unsigned i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "a-rather-long-file-name-%u", i);
		mkfile(t, d, name);
	}
	for (unsigned i = 0; i < 40; i++)
		swrite(t, &s, f, 2ull * i * t->bsize, 1, 9);
	for (unsigned i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "a-rather-long-file-name-%u", i);
		assert_int_equal(vx_unlink(t->fs, NULL, d, name), 0);
	}
	assert_int_equal(vx_unlink(t->fs, NULL, d, "frag"), 0);
	assert_int_equal(vx_rmdir(t->fs, NULL, ROOT, "churn"), 0);
	free(s.b);
}

static void test_enospc(void **state)
{
	struct tfs *t = calloc(1, sizeof(*t));
	struct shadow keep = { 0 }, big = { 0 };
	uint64_t chunk = 64 * 1024, f_before, off = 0;
	vx_ino_t k, b;
	unsigned char *buf = malloc(chunk);
	int err;

	assert_non_null(buf);
	tfs_make(t, 10, 4 * MiB, 0);
	k = mkfile(t, ROOT, "keep");
	swrite(t, &keep, k, 0, 10000, 7);
	/* metadata blocks freed just before (directory and extent-tree
	 * nodes, still cached) must not come back over the data below */
	churn(t);
	f_before = free_blocks(t);
	b = mkfile(t, ROOT, "big");
	for (;;) {
		for (uint64_t i = 0; i < chunk; i++)
			buf[i] = pat(off + i, 1);
		err = vx_write(t->fs, NULL, b, off, buf, chunk);
		if (err)
			break;
		off += chunk;
	}
	assert_int_equal(err, VX_ENOSPC);
	/* then block by block until not even one fits */
	do {
		for (uint64_t i = 0; i < t->bsize; i++)
			buf[i] = pat(off + i, 1);
		err = vx_write(t->fs, NULL, b, off, buf, t->bsize);
		off += t->bsize;
	} while (!err);
	assert_int_equal(err, VX_ENOSPC);
	assert_true(free_blocks(t) < 8);	/* at most tree-node slack */
	check_counts(t);
	tfs_reopen(t);
	check_counts(t);
	scheck(t, &keep, k);
	/* what the big file holds is what was written */
	{
		struct vx_attr a;
		size_t done;
		unsigned char *all;

		assert_int_equal(vx_stat(t->fs, NULL, b, &a), 0);
		assert_true(a.size > f_before * t->bsize / 2);
		assert_int_equal(a.size % t->bsize, 0);
		all = malloc(a.size);
		assert_non_null(all);
		assert_int_equal(vx_read(t->fs, NULL, b, 0, all, a.size, &done), 0);
		assert_int_equal(done, a.size);
		for (uint64_t i = 0; i < a.size; i++)
			if (all[i] != pat(i, 1))
				fail_msg("big: byte %llu differs",
					 (unsigned long long)i);
		free(all);
	}
	assert_int_equal(vx_unlink(t->fs, NULL, ROOT, "big"), 0);
	assert_int_equal(free_blocks(t), f_before);
	tfs_reopen(t);
	assert_int_equal(free_blocks(t), f_before);
	scheck(t, &keep, k);
	check_counts(t);
	free(keep.b);
	free(big.b);
	free(buf);
	tfs_free(t);
}

static void test_enoinodes(void **state)
{
	struct tfs *t = calloc(1, sizeof(*t));
	struct vx_attr fa = { .mode = S_IFREG | 0644 };
	uint64_t i0, n = 0;
	char name[32];
	vx_ino_t ino;
	int err;

	tfs_make(t, 12, 16 * MiB, 1);		/* the fewest inodes there are */
	i0 = free_inodes(t);
	assert_true(i0 > 0 && i0 < 1000);
	for (;;) {
		snprintf(name, sizeof(name), "f%llu", (unsigned long long)n);
		err = vx_create(t->fs, NULL, ROOT, name, &fa, &ino);
		if (err)
			break;
		n++;
	}
	assert_int_equal(err, VX_ENOINODES);
	assert_int_equal(n, i0);
	assert_int_equal(free_inodes(t), 0);
	assert_int_equal(vx_mkdir(t->fs, NULL, ROOT, "d", &fa, &ino), VX_ENOINODES);
	assert_int_equal(vx_lookup(t->fs, NULL, ROOT, "d", &ino), -ENOENT);
	/* a name that exists is reported before the lack of inodes */
	assert_int_equal(vx_create(t->fs, NULL, ROOT, "f0", &fa, &ino), -EEXIST);
	assert_int_equal(vx_mkdir(t->fs, NULL, ROOT, "f1", &fa, &ino), -EEXIST);
	assert_int_equal(free_inodes(t), 0);
	tfs_reopen(t);
	check_counts(t);
	assert_int_equal(vx_unlink(t->fs, NULL, ROOT, "f0"), 0);
	assert_int_equal(free_inodes(t), 1);
	assert_int_equal(vx_create(t->fs, NULL, ROOT, "again", &fa, &ino), 0);
	assert_int_equal(free_inodes(t), 0);
	tfs_reopen(t);
	check_counts(t);
	assert_int_equal(vx_lookup(t->fs, NULL, ROOT, "again", &ino), 0);
	tfs_free(t);
}

/* ---- a big directory ---- */

#define BIG_N 20000

static void big_name(char *buf, size_t size, unsigned i)
{
	/* names of varied lengths: leaves split at different points */
	snprintf(buf, size, "entry-%05u-%.*s", i, (int)(i % 53),
		 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz!");
}

/* readdir lists each live entry exactly once, nothing else */
static void big_check_list(struct tfs *t, vx_ino_t d, const vx_ino_t *inos,
			   bool odd_only)
{
	unsigned char *seen = calloc(BIG_N, 1);
	struct listing ls;
	unsigned want = odd_only ? BIG_N / 2 : BIG_N;

	assert_non_null(seen);
	list_dir(t, d, ROOT, &ls);
	assert_int_equal(ls.n, 2 + want);
	for (size_t i = 2; i < ls.n; i++) {
		unsigned k;
		char name[80];

		assert_int_equal(sscanf(ls.v[i].name, "entry-%5u-", &k), 1);
		assert_true(k < BIG_N);
		big_name(name, sizeof(name), k);
		assert_string_equal(ls.v[i].name, name);
		assert_int_equal(ls.v[i].ino, inos[k]);
		assert_int_equal(ls.v[i].type, VX_FT_REG);
		assert_false(seen[k]);
		assert_false(odd_only && k % 2 == 0);
		seen[k] = 1;
	}
	free(ls.v);
	free(seen);
}

static void test_big_directory(void **state)
{
	struct tfs *t = calloc(1, sizeof(*t));
	vx_ino_t *inos = calloc(BIG_N, sizeof(*inos)), d, ino;
	uint64_t f0, i0;
	char name[80];

	assert_non_null(inos);
	tfs_make(t, 12, 256 * MiB, BIG_N + 1000);
	f0 = free_blocks(t);
	i0 = free_inodes(t);
	d = mkdir_(t, ROOT, "big");
	for (unsigned i = 0; i < BIG_N; i++) {
		big_name(name, sizeof(name), i);
		inos[i] = mkfile(t, d, name);
	}
	for (unsigned i = 0; i < BIG_N; i++) {
		big_name(name, sizeof(name), i);
		assert_int_equal(vx_lookup(t->fs, NULL, d, name, &ino), 0);
		assert_int_equal(ino, inos[i]);
	}
	big_check_list(t, d, inos, false);
	tfs_reopen(t);
	big_check_list(t, d, inos, false);
	for (unsigned i = 0; i < BIG_N; i += 2) {
		big_name(name, sizeof(name), i);
		assert_int_equal(vx_unlink(t->fs, NULL, d, name), 0);
	}
	tfs_reopen(t);
	for (unsigned i = 0; i < BIG_N; i++) {
		big_name(name, sizeof(name), i);
		assert_int_equal(vx_lookup(t->fs, NULL, d, name, &ino),
				 i % 2 ? 0 : -ENOENT);
		if (i % 2)
			assert_int_equal(ino, inos[i]);
	}
	big_check_list(t, d, inos, true);
	assert_int_equal(vx_rmdir(t->fs, NULL, ROOT, "big"), -ENOTEMPTY);
	for (unsigned i = 1; i < BIG_N; i += 2) {
		big_name(name, sizeof(name), i);
		assert_int_equal(vx_unlink(t->fs, NULL, d, name), 0);
	}
	assert_int_equal(vx_rmdir(t->fs, NULL, ROOT, "big"), 0);
	tfs_reopen(t);
	assert_int_equal(free_blocks(t), f0);
	assert_int_equal(free_inodes(t), i0);
	check_counts(t);
	free(inos);
	tfs_free(t);
}

/* ---- the table: basic operations at three block sizes ---- */

static uint32_t bs1k = 10, bs4k = 12, bs64k = 16;

/* one test at one block size, named for both */
#define AT(f, bs) { #f "/" #bs, f, setup, teardown, &bs }
#define AT3(f) AT(f, bs1k), AT(f, bs4k), AT(f, bs64k)

int main(void)
{
	const struct CMUnitTest tests[] = {
		AT3(test_create_objects),
		AT3(test_links),
		AT3(test_write_read),
		AT3(test_holes),
		AT3(test_truncate),
		AT3(test_unlink_frees),
		AT3(test_setattr),
		AT(test_errors_names, bs4k),
		AT(test_errors_types, bs4k),
		AT(test_lookup_path, bs4k),
		AT(test_readdir_stop, bs4k),
		AT(test_read_only, bs4k),
		cmocka_unit_test(test_enospc),
		cmocka_unit_test(test_enoinodes),
		cmocka_unit_test(test_big_directory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
