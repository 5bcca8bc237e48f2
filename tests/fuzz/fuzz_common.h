/*
 * fuzz_common.h: what every libFuzzer target of tests/fuzz/ shares: the
 * CHECK macro for the harness's own expectations (a failed one aborts,
 * which libFuzzer reports like a crash), the entry-point prototypes, and
 * for the whole-image targets a long-lived image buffer and an open of
 * the filesystem in it, in place.
 */
#ifndef VEXFS_FUZZ_COMMON_H
#define VEXFS_FUZZ_COMMON_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "fs_int.h"

#define CHECK(c) do { if (!(c)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
	abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* fuzz_seed_file - write @len bytes at @p as seed file @dir/@name (the
 * VX_FUZZ_SEEDS corpus); exits on failure: a seed that cannot be
 * written is a broken build of the corpus */
static inline void fuzz_seed_file(const char *dir, const char *name,
				  const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* image buffers live as long as the process; mapped rather than
 * malloc'd so that the leak checker, which runs after many inputs, does
 * not scan megabytes of image for pointers */
static inline uint8_t *big_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	return p;
}

/* open the filesystem in the @bytes at @img, in place (a read-write open
 * changes them); NULL when it does not open */
static inline struct vx_fs *fuzz_open(uint8_t *img, uint64_t bytes,
				      int64_t now, bool rdonly)
{
	struct vx_open_opts o = { .flags = rdonly ? VX_OPEN_RDONLY : 0,
				  .fixed_time = now, .cache_bytes = 1u << 20 };
	struct vx_io *io;
	struct vx_fs *fs;

	CHECK(vx_io_mem_wrap(img, bytes, &io) == 0);
	if (vx_fs_open(io, &o, &fs)) {
		vx_io_close(io);
		return NULL;
	}
	return fs;
}

#endif /* VEXFS_FUZZ_COMMON_H */
