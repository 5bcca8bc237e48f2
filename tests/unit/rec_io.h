/*
 * rec_io.h: a recording io layer for crash tests (test_txn_crash.c,
 * test_check.c).
 *
 * It forwards everything to a lower device and, while on, keeps a copy
 * of every write, cut into pieces of 1 KiB (the smallest block: a crash
 * can tear a write of several blocks anywhere), and how many pieces
 * were written before the last flush.  A "crash after write k" image is
 * the image from before recording began with only the first k pieces
 * applied (rec_apply).  Everything is static inline: each test file is
 * a binary of its own.  Include it after <cmocka.h> (rec_new asserts).
 */
#ifndef VEXFS_TEST_REC_IO_H
#define VEXFS_TEST_REC_IO_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vexfs/io.h"

struct rec_w {
	uint64_t off;
	size_t len;
	uint8_t *data;
};

/* an io layer that forwards everything to @lower and, while on, keeps a
 * copy of every write and where the flushes fell */
struct rec_io {
	struct vx_io io;
	struct vx_io *lower;
	pthread_mutex_t lock;
	bool on;
	struct rec_w *w;
	size_t n, cap;
	size_t flushed;		/* writes before the last flush */
};

static inline int rec_read(struct vx_io *io, uint64_t off, void *b,
			   size_t n)
{
	return vx_io_read(((struct rec_io *)io)->lower, off, b, n);
}

static inline int rec_write(struct vx_io *io, uint64_t off, const void *b,
			    size_t n)
{
	struct rec_io *r = (struct rec_io *)io;
	int err = 0;

	pthread_mutex_lock(&r->lock);
	/* a crash can tear a write of several blocks anywhere: each 1 KiB
	 * (the smallest block) is recorded as a write of its own */
	for (size_t done = 0; r->on && !err && done < n; done += 1024) {
		size_t k = n - done < 1024 ? n - done : 1024;

		if (r->n == r->cap) {
			r->cap = r->cap ? 2 * r->cap : 64;
			r->w = realloc(r->w, r->cap * sizeof(*r->w));
		}
		if (r->w)
			r->w[r->n].data = malloc(k);
		if (!r->w || !r->w[r->n].data) {
			err = -ENOMEM;
		} else {
			r->w[r->n].off = off + done;
			r->w[r->n].len = k;
			memcpy(r->w[r->n].data, (const uint8_t *)b + done, k);
			r->n++;
		}
	}
	if (!err)
		err = vx_io_write(r->lower, off, b, n);
	pthread_mutex_unlock(&r->lock);
	return err;
}

static inline int rec_flush(struct vx_io *io)
{
	struct rec_io *r = (struct rec_io *)io;

	pthread_mutex_lock(&r->lock);
	if (r->on)
		r->flushed = r->n;
	pthread_mutex_unlock(&r->lock);
	return vx_io_flush(r->lower);
}

static inline int rec_size(struct vx_io *io, uint64_t *size)
{
	return vx_io_get_size(((struct rec_io *)io)->lower, size);
}

static inline int rec_close(struct vx_io *io)
{
	struct rec_io *r = (struct rec_io *)io;

	for (size_t i = 0; i < r->n; i++)
		free(r->w[i].data);
	free(r->w);
	pthread_mutex_destroy(&r->lock);
	free(r);
	return 0;
}

static const struct vx_io_ops rec_ops = {
	.name = "rec", .read = rec_read, .write = rec_write,
	.flush = rec_flush, .get_size = rec_size, .close = rec_close,
};

static inline struct rec_io *rec_new(struct vx_io *lower)
{
	struct rec_io *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->io.ops = &rec_ops;
	r->io.sector_size = lower->sector_size;
	r->lower = lower;
	pthread_mutex_init(&r->lock, NULL);
	return r;
}

/* apply the first @k recorded pieces of @r to the image @img */
static inline void rec_apply(uint8_t *img, const struct rec_io *r, size_t k)
{
	for (size_t i = 0; i < k && i < r->n; i++)
		memcpy(img + r->w[i].off, r->w[i].data, r->w[i].len);
}

#endif /* VEXFS_TEST_REC_IO_H */
