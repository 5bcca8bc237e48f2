/*
 * fuzz_image.c: libFuzzer target for a whole mutated image: open it and
 * walk every file, as a reader of an untrusted image would.
 *
 * The input is the image itself (the seeds are small populated images:
 * 1 KiB blocks, under 1 MiB, three groups, the minimum journal).  Each
 * input is tried twice:
 *   1. as it is, on a copy opened read-only with vx_io_mem_open;
 *   2. "fixed up": every block that starts with the metadata magic is
 *      re-sealed and every inode slot that starts with the inode magic
 *      gets a correct crc, so that mutations reach the checks behind the
 *      checksums; opened read-only, then, on another copy, read-write
 *      for a few changes (create, write, mkdir, symlink, unlink, rmdir)
 *      and closed (which syncs), then walked again read-only.
 * The walk goes through every directory from the root (each directory
 * once, at most 64 deep and 20,000 entries): readdir, lookup of each
 * name, stat, read of regular files (the first 64 KiB and the last 4 KiB)
 * and of symlinks, bmap, and a few path lookups.  Nothing may crash,
 * hang or leak; results are not checked (the image is hostile).
 *
 * With VX_FUZZ_SEEDS=DIR the binary writes its seeds (two populated
 * images) to DIR and exits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "fs_int.h"
#include "fuzz_common.h"
#include "fuzz_seed_images.h"

#define NOW		1700000000
#define MAX_IMAGE	(4u << 20)
#define MAX_DIRS	4096
#define MAX_ENTRIES	20000
#define MAX_DEPTH	64

static struct vx_fs *open_copy(const uint8_t *img, size_t size, bool rdonly)
{
	struct vx_open_opts o = { .flags = rdonly ? VX_OPEN_RDONLY : 0,
				  .fixed_time = NOW, .cache_bytes = 1u << 20 };
	struct vx_io *io;
	struct vx_fs *fs;

	CHECK(vx_io_mem_open(size, &io) == 0);
	memcpy(vx_io_mem_data(io, NULL), img, size);
	if (vx_fs_open(io, &o, &fs)) {
		vx_io_close(io);
		return NULL;
	}
	return fs;
}

/* ---- the walk ---- */

struct ent {
	char name[VX_NAME_MAX + 1];
	vx_ino_t ino;
	unsigned type;
};

struct walker {
	struct vx_fs *fs;
	vx_ino_t *seen;		/* directories visited */
	unsigned nseen;
	unsigned entries;	/* over the whole walk */
	uint8_t *buf;
};

struct listing {
	struct ent *e;
	unsigned n, cap;
	struct walker *w;
};

static int collect(void *ctx, const char *name, size_t len, vx_ino_t ino,
		   unsigned type)
{
	struct listing *l = ctx;

	CHECK(len <= VX_NAME_MAX && strlen(name) == len);
	if (l->w->entries++ >= MAX_ENTRIES)
		return 1;
	if (l->n == l->cap) {
		unsigned cap = l->cap ? l->cap * 2 : 32;
		struct ent *e = realloc(l->e, cap * sizeof(*e));

		CHECK(e);
		l->e = e;
		l->cap = cap;
	}
	memcpy(l->e[l->n].name, name, len + 1);
	l->e[l->n].ino = ino;
	l->e[l->n].type = type;
	l->n++;
	return 0;
}

static void visit_file(struct walker *w, vx_ino_t ino,
		       const struct vx_attr *a)
{
	size_t done, len;
	vx_blk_t p;
	uint64_t run;

	if (S_ISREG(a->mode)) {
		vx_read(w->fs, NULL, ino, 0, w->buf, 64 * 1024, &done);
		if (a->size > 4096)
			vx_read(w->fs, NULL, ino, a->size - 4096, w->buf, 4096, &done);
		vx_bmap(w->fs, NULL, ino, 0, &p, &run);
		vx_bmap(w->fs, NULL, ino, a->size / 1024, &p, &run);
	} else if (S_ISLNK(a->mode)) {
		if (vx_readlink(w->fs, NULL, ino, (char *)w->buf, 4096, &len) == 0)
			CHECK(strlen((char *)w->buf) < 4096);
	}
}

static bool seen_dir(struct walker *w, vx_ino_t ino)
{
	for (unsigned i = 0; i < w->nseen; i++)
		if (w->seen[i] == ino)
			return true;
	if (w->nseen == MAX_DIRS)
		return true;	/* enough */
	w->seen[w->nseen++] = ino;
	return false;
}

static void walk_dir(struct walker *w, vx_ino_t dir, int depth)
{
	struct listing l = { .w = w };
	struct vx_attr a;
	vx_ino_t ino;

	if (depth > MAX_DEPTH || seen_dir(w, dir))
		return;
	vx_readdir(w->fs, NULL, dir, collect, &l);
	for (unsigned i = 0; i < l.n; i++) {
		struct ent *e = &l.e[i];

		if (!strcmp(e->name, ".") || !strcmp(e->name, ".."))
			continue;
		vx_lookup(w->fs, NULL, dir, e->name, &ino);
		if (vx_stat(w->fs, NULL, e->ino, &a))
			continue;
		if (S_ISDIR(a.mode))
			walk_dir(w, e->ino, depth + 1);
		else
			visit_file(w, e->ino, &a);
	}
	free(l.e);
}

static void walk(struct vx_fs *fs)
{
	static const char *paths[] = { "/a/b/c", "a/../a/b", "/link",
				       "/a/b/c/../../lnk/x", "/lost+found" };
	struct walker w = { .fs = fs };
	vx_ino_t ino;

	w.seen = calloc(MAX_DIRS, sizeof(*w.seen));
	w.buf = malloc(64 * 1024);
	CHECK(w.seen && w.buf);
	walk_dir(&w, VX_ROOT_INO, 0);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		vx_lookup_path(fs, NULL, VX_ROOT_INO, paths[i], VX_LOOKUP_FOLLOW, &ino);
	free(w.seen);
	free(w.buf);
}

/* ---- changes ---- */

static void change(struct vx_fs *fs)
{
	uint8_t buf[3000];
	vx_ino_t f, d, s;

	memset(buf, 0x6b, sizeof(buf));
	if (vx_create(fs, NULL, VX_ROOT_INO, "fz-file", NULL, &f) == 0) {
		vx_write(fs, NULL, f, 0, buf, sizeof(buf));
		vx_write(fs, NULL, f, 10000, buf, 10);
		vx_truncate(fs, NULL, f, 1500);
	}
	vx_mkdir(fs, NULL, VX_ROOT_INO, "fz-dir", NULL, &d);
	vx_symlink(fs, NULL, VX_ROOT_INO, "fz-link", "fz-file", NULL, &s);
	vx_unlink(fs, NULL, VX_ROOT_INO, "fz-link");
	vx_rmdir(fs, NULL, VX_ROOT_INO, "fz-dir");
	vx_unlink(fs, NULL, VX_ROOT_INO, "f0");	/* existing names, if any */
	vx_rmdir(fs, NULL, VX_ROOT_INO, "empty");
}

/* change a read-write copy of @img, then walk what the changes (and
 * the sync at close) left on it */
static void change_and_walk(const uint8_t *img, size_t size)
{
	struct vx_open_opts o = { .flags = VX_OPEN_BORROW_IO,
				  .fixed_time = NOW, .cache_bytes = 1u << 20 };
	struct vx_io *io;
	struct vx_fs *fs;

	CHECK(vx_io_mem_open(size, &io) == 0);
	memcpy(vx_io_mem_data(io, NULL), img, size);
	if (vx_fs_open(io, &o, &fs) == 0) {
		change(fs);
		vx_fs_close(fs);	/* may fail on a hostile image */
		fs = open_copy(vx_io_mem_data(io, NULL), size, true);
		if (fs) {
			walk(fs);
			CHECK(vx_fs_close(fs) == 0);
		}
	}
	vx_io_close(io);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vx_fs *fs;
	uint8_t *img;

	if (size < 1024 || size > MAX_IMAGE)
		return 0;
	fs = open_copy(data, size, true);
	if (fs) {
		walk(fs);
		CHECK(vx_fs_close(fs) == 0);
	}
	img = malloc(size);
	CHECK(img);
	memcpy(img, data, size);
	fix_up(img, size);
	fs = open_copy(img, size, true);
	if (fs) {
		walk(fs);
		CHECK(vx_fs_close(fs) == 0);
		change_and_walk(img, size);
	}
	free(img);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("VX_FUZZ_SEEDS");

	if (dir) {
		seeds(dir);
		exit(0);
	}
	return 0;
}
