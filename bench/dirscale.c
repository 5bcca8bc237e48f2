/*
 * dirscale.c: how directory insert and lookup scale with the number of
 * names in one directory (the hashed B+tree of man/vexfs.5).
 *
 * Usage: dirscale IMAGE [NAMES [STEP [CACHE_MIB]]]
 * Formats IMAGE (a sparse file, made or overwritten) with enough inodes,
 * inserts NAMES (default 1,000,000) names into one directory in steps of
 * STEP (default 100,000), and after each step prints the insert rate of
 * that step, the rate of STEP random lookups of names already present,
 * and the depth of the directory tree.  Flat rates with a depth growing
 * by one per ~fanout-fold growth is what O(log n) looks like.
 * CACHE_MIB (default 32, the library default) sets the block cache; with
 * a cache smaller than the inode table the rates also show the I/O of
 * evicting and re-reading blocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "vexfs/vexfs.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "dirscale: %s: %s\n", what, vx_strerror(err));
	exit(1);
}

static void name_of(char *buf, size_t n, uint64_t i)
{
	snprintf(buf, n, "entry-%010llu.dat", (unsigned long long)i);
}

static int tree_depth(struct vx_fs *fs, vx_ino_t dir)
{
	const struct vx_super *sb = vx_fs_super(fs);
	size_t bs = (size_t)1 << sb->block_log;
	unsigned char *b = malloc(bs);
	vx_blk_t p;
	uint64_t run;
	int depth = -1;

	if (b && vx_bmap(fs, NULL, dir, 0, &p, &run) == 0 && p &&
	    vx_io_read(vx_fs_io(fs), p * bs, b, bs) == 0)
		depth = vx_get16(b + 48) + 1;
	free(b);
	return depth;
}

int main(int argc, char **argv)
{
	uint64_t names = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
	uint64_t step = argc > 3 ? strtoull(argv[3], NULL, 10) : 100000;
	uint64_t cache = argc > 4 ? strtoull(argv[4], NULL, 10) : 32;
	struct vx_mkfs_params p = { .inode_count = names + 1024 };
	struct vx_open_opts o = { .cache_bytes = (size_t)cache << 20 };
	struct vx_super sb;
	struct vx_io *io;
	struct vx_fs *fs;
	vx_ino_t dir, ino;
	char name[64];
	int err, fd;

	if (argc < 2 || !names || !step) {
		fprintf(stderr, "usage: dirscale IMAGE [NAMES [STEP]]\n");
		return 2;
	}
	fd = open(argv[1], O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0 || ftruncate(fd, 8ll << 30) || close(fd)) {
		perror(argv[1]);
		return 1;
	}
	if ((err = vx_io_unix_open(argv[1], 0, &io)))
		die(argv[1], err);
	if ((err = vx_fs_plan(&p, 8ull << 30, &sb)) ||
	    (err = vx_fs_format(io, &sb, 0)))
		die("format", err);
	if ((err = vx_fs_open(io, &o, &fs)))
		die("open", err);
	if ((err = vx_mkdir(fs, NULL, VX_ROOT_INO, "d", NULL, &dir)))
		die("mkdir", err);
	printf("%12s %14s %14s %6s\n", "names", "inserts/s", "lookups/s",
	       "depth");
	srand(1);
	for (uint64_t done = 0; done < names;) {
		uint64_t end = done + step > names ? names : done + step;
		double t0 = now(), t1, t2;

		for (uint64_t i = done; i < end; i++) {
			name_of(name, sizeof(name), i);
			if ((err = vx_create(fs, NULL, dir, name, NULL, &ino)))
				die(name, err);
		}
		t1 = now();
		for (uint64_t i = 0; i < step; i++) {
			uint64_t k = ((uint64_t)rand() << 31 ^ (uint64_t)rand()) % end;
			name_of(name, sizeof(name), k);
			if ((err = vx_lookup(fs, NULL, dir, name, &ino)))
				die(name, err);
		}
		t2 = now();
		done = end;
		if ((err = vx_fs_sync(fs)))
			die("sync", err);
		printf("%12llu %14.0f %14.0f %6d\n", (unsigned long long)done,
		       (double)step / (t1 - t0), (double)step / (t2 - t1),
		       tree_depth(fs, dir));
		fflush(stdout);
	}
	if ((err = vx_fs_close(fs)))
		die("close", err);
	return 0;
}
