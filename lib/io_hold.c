/*
 * io_hold.c: a layer that holds writes back until the caller releases
 * them, in the order they were made.
 *
 * debugfs.vexfs opens a read-write image through it so that a session
 * which ends without committing anything (begin, edits, abort) leaves
 * the device byte for byte as it was: not even the superblock's mount
 * count or the file data a transaction writes in place before its
 * commit reach the device.  Releasing pushes everything held.
 *
 * Invariants:
 *  (H1) while holding, the lower device is never written; reads see the
 *       lower device with every held write on top (an overlay layer,
 *       io_overlay.c, keeps the newest bytes).
 *  (H2) a release writes the held writes to the lower device in the
 *       order they were made, with a flush of the lower device wherever
 *       the layer was flushed, and a final flush: a crash during a
 *       release leaves the device as a crash at the same point of the
 *       original run would have (so every journal invariant, J1 and J4
 *       in particular, holds on the device as it held above).
 *  (H3) after a release the layer passes everything through until
 *       vx_io_hold_start; closing a holding layer discards what it held.
 *  (H4) with a limit set, a write that takes what is held past it
 *       pushes everything held as a release would (H2) and goes on
 *       holding: memory stays bounded, at the price of writing the
 *       device before the caller decided to.
 * Memory: a copy of every held write plus the overlay's pages; callers
 * hold only what one transaction writes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "fs_int.h"

struct hrec {
	uint64_t off;
	size_t len;			/* 0: a flush */
	uint8_t *data;
};

struct hold_io {
	struct vx_io io;		/* must be first */
	struct vx_io *lower;
	struct vx_io *ov;		/* the held view; NULL: passing through */
	struct hrec *recs;
	size_t nrecs, crecs;
	uint64_t bytes;
	uint64_t limit;			/* push on its own past this (0: never) */
	pthread_mutex_t lock;
};

static int push_locked(struct hold_io *h);

static struct hold_io *to_h(struct vx_io *io)
{
	return (struct hold_io *)io;
}

static int add_rec(struct hold_io *h, uint64_t off, const void *buf,
		   size_t len)
{
	if (h->nrecs == h->crecs) {
		size_t cap = h->crecs ? h->crecs * 2 : 64;
		struct hrec *v = realloc(h->recs, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->recs = v;
		h->crecs = cap;
	}
	h->recs[h->nrecs] = (struct hrec){ off, len, NULL };
	if (len) {
		h->recs[h->nrecs].data = malloc(len);
		if (!h->recs[h->nrecs].data)
			return -ENOMEM;
		memcpy(h->recs[h->nrecs].data, buf, len);
		h->bytes += len;
	}
	h->nrecs++;
	return 0;
}

static void drop_recs(struct hold_io *h)
{
	for (size_t i = 0; i < h->nrecs; i++)
		free(h->recs[i].data);
	h->nrecs = 0;
	h->bytes = 0;
	if (h->ov)
		vx_io_close(h->ov);
	h->ov = NULL;
}

static int h_read(struct vx_io *io, uint64_t off, void *buf, size_t len)
{
	struct hold_io *h = to_h(io);
	int err;

	pthread_mutex_lock(&h->lock);
	err = vx_io_read(h->ov ? h->ov : h->lower, off, buf, len);	/* (H1) */
	pthread_mutex_unlock(&h->lock);
	return err;
}

static int h_write(struct vx_io *io, uint64_t off, const void *buf,
		   size_t len)
{
	struct hold_io *h = to_h(io);
	int err;

	pthread_mutex_lock(&h->lock);
	if (!h->ov) {
		err = vx_io_write(h->lower, off, buf, len);	/* (H3) */
	} else {
		err = vx_io_write(h->ov, off, buf, len);	/* (H1) */
		if (!err)
			err = add_rec(h, off, buf, len);
		/* (H4) past the limit, what is held goes down now */
		if (!err && h->limit && h->bytes > h->limit &&
		    !(err = push_locked(h)))
			err = vx_io_overlay_open(h->lower, 4096 <
						 h->io.sector_size ?
						 h->io.sector_size : 4096,
						 &h->ov);
	}
	pthread_mutex_unlock(&h->lock);
	return err;
}

static int h_flush(struct vx_io *io)
{
	struct hold_io *h = to_h(io);
	int err = 0;

	pthread_mutex_lock(&h->lock);
	if (!h->ov)
		err = vx_io_flush(h->lower);
	else if (h->nrecs && h->recs[h->nrecs - 1].len)
		err = add_rec(h, 0, NULL, 0);	/* a barrier for (H2) */
	pthread_mutex_unlock(&h->lock);
	return err;
}

static int h_get_size(struct vx_io *io, uint64_t *size)
{
	return vx_io_get_size(to_h(io)->lower, size);
}

static int h_set_size(struct vx_io *io, uint64_t size)
{
	struct hold_io *h = to_h(io);

	return h->ov ? -ENOTSUP : vx_io_set_size(h->lower, size);
}

static int h_close(struct vx_io *io)
{
	struct hold_io *h = to_h(io);

	drop_recs(h);		/* (H3) what was held is discarded */
	free(h->recs);
	pthread_mutex_destroy(&h->lock);
	free(h->io.path);
	free(h);
	return 0;
}

static void h_advise(struct vx_io *io, uint64_t off, uint64_t len)
{
	vx_io_advise(to_h(io)->lower, off, len);
}

static const struct vx_io_ops hold_ops = {
	.name = "hold",
	.read = h_read,
	.write = h_write,
	.flush = h_flush,
	.get_size = h_get_size,
	.set_size = h_set_size,
	.close = h_close,
	.advise = h_advise,
};

int vx_io_hold_start(struct vx_io *io)
{
	struct hold_io *h = to_h(io);
	int err = 0;

	if (io->ops != &hold_ops)
		return -EINVAL;
	pthread_mutex_lock(&h->lock);
	if (!h->ov)
		err = vx_io_overlay_open(h->lower, 4096 < io->sector_size ?
					 io->sector_size : 4096, &h->ov);
	pthread_mutex_unlock(&h->lock);
	return err;
}

int vx_io_hold_open(struct vx_io *lower, struct vx_io **out)
{
	struct hold_io *h = calloc(1, sizeof(*h));
	int err;

	if (!h)
		return -ENOMEM;
	h->io.ops = &hold_ops;
	h->io.sector_size = lower->sector_size;
	h->io.flags = lower->flags;
	h->io.path = lower->path ? strdup(lower->path) : NULL;
	h->lower = lower;
	pthread_mutex_init(&h->lock, NULL);
	err = vx_io_hold_start(&h->io);
	if (err) {
		h_close(&h->io);
		return err;
	}
	*out = &h->io;
	return 0;
}

/* write what is held down in order (H2), then drop it */
static int push_locked(struct hold_io *h)
{
	int err = 0;

	for (size_t i = 0; i < h->nrecs && !err; i++)		/* (H2) */
		err = h->recs[i].len ? vx_io_write(h->lower, h->recs[i].off,
						   h->recs[i].data,
						   h->recs[i].len) :
				       vx_io_flush(h->lower);
	if (!err && h->ov)
		err = vx_io_flush(h->lower);
	if (!err)
		drop_recs(h);
	return err;
}

int vx_io_hold_release(struct vx_io *io)
{
	struct hold_io *h = to_h(io);
	int err;

	if (io->ops != &hold_ops)
		return -EINVAL;
	pthread_mutex_lock(&h->lock);
	err = push_locked(h);	/* (H3) passing through from here */
	pthread_mutex_unlock(&h->lock);
	return err;
}

void vx_io_hold_set_limit(struct vx_io *io, uint64_t bytes)
{
	if (io->ops == &hold_ops)
		to_h(io)->limit = bytes;
}

uint64_t vx_io_hold_bytes(struct vx_io *io)
{
	struct hold_io *h = to_h(io);
	uint64_t n;

	if (io->ops != &hold_ops)
		return 0;
	pthread_mutex_lock(&h->lock);
	n = h->bytes;
	pthread_mutex_unlock(&h->lock);
	return n;
}

bool vx_io_holding(struct vx_io *io)
{
	return io->ops == &hold_ops && to_h(io)->ov != NULL;
}
