/*
 * io_overlay.c: a copy-on-write layer that keeps every write in memory.
 *
 * vx_io_overlay_open puts a layer over a device (usually opened
 * read-only): reads see the device with the layer's writes on top,
 * writes never reach the device.  fsck -n runs journal recovery into it
 * and then checks the image "as it would be after recovery" without
 * changing a byte of the device; debugfs -c can do the same.
 *
 * Design: the layer holds whole pages of @page bytes (a power of two,
 * >= 512), found through a uint64 -> index map.  A write covering part
 * of a page reads the rest of it from the lower device first.  Reads
 * are split into runs: pages the layer holds are copied, every run of
 * pages it does not hold is one read of the lower device.  Memory grows
 * with the bytes written (recovery writes at most the journal's blocks).
 * The lower device's size is taken once, at open: it cannot change under
 * the layer (set_size is refused).
 * Reads may run in parallel with each other; writes must not race with
 * anything (recovery runs before the checker's threads start).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fs_int.h"

struct ov_io {
	struct vx_io io;		/* must be first */
	struct vx_io *lower;
	uint64_t size;			/* the lower device's, taken at open */
	size_t page;
	struct kmap map;		/* page number + 1 -> index in pages */
	uint8_t **pages;
	size_t npages, cpages;
};

static struct ov_io *to_ov(struct vx_io *io)
{
	return (struct ov_io *)io;
}

static uint8_t *ov_find(struct ov_io *o, uint64_t pno)
{
	int64_t idx;

	return kmap_get(&o->map, pno + 1, &idx) ? o->pages[idx] : NULL;
}

static int ov_read(struct vx_io *io, uint64_t off, void *buf, size_t len)
{
	struct ov_io *o = to_ov(io);
	uint8_t *out = buf;
	int err;

	if (off > o->size || len > o->size - off)
		return -EIO;	/* as the device would answer */
	while (len) {
		uint64_t pno = off / o->page;
		size_t in = (size_t)(off % o->page), n = o->page - in;
		const uint8_t *p = ov_find(o, pno);

		if (n > len)
			n = len;
		if (!p) {
			/* extend over the following pages the layer lacks */
			while (n < len && !ov_find(o, (off + n) / o->page))
				n = len - n < o->page ? len : n + o->page;
			if ((err = vx_io_read(o->lower, off, out, n)))
				return err;
		} else {
			memcpy(out, p + in, n);
		}
		out += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int ov_page(struct ov_io *o, uint64_t pno, uint8_t **out)
{
	uint8_t *p = ov_find(o, pno);
	int err = 0;

	if (p) {
		*out = p;
		return 0;
	}
	if ((err = vx_grow((void **)&o->pages, &o->cpages, o->npages + 1,
			   sizeof(*o->pages))))
		return err;
	if (!(p = calloc(1, o->page)))
		return -ENOMEM;
	/* the lower device may end inside the page: read what exists */
	if (pno * o->page < o->size) {
		uint64_t have = o->size - pno * o->page;
		err = vx_io_read(o->lower, pno * o->page, p,
				 have < o->page ? (size_t)have : o->page);
	}
	if (!err)
		err = kmap_put(&o->map, pno + 1, (int64_t)o->npages);
	if (err) {
		free(p);
		return err;
	}
	o->pages[o->npages++] = p;
	*out = p;
	return 0;
}

static int ov_write(struct vx_io *io, uint64_t off, const void *buf,
		    size_t len)
{
	struct ov_io *o = to_ov(io);
	const uint8_t *in = buf;
	int err;

	if (off > o->size || len > o->size - off)
		return -EIO;	/* as the device would answer */
	while (len) {
		uint64_t pno = off / o->page;
		size_t at = (size_t)(off % o->page), n = o->page - at;
		uint8_t *p;

		if (n > len)
			n = len;
		if ((err = ov_page(o, pno, &p)))
			return err;
		memcpy(p + at, in, n);
		in += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int ov_flush(struct vx_io *io)
{
	(void)io;
	return 0;
}

static int ov_get_size(struct vx_io *io, uint64_t *size)
{
	*size = to_ov(io)->size;
	return 0;
}

static int ov_set_size(struct vx_io *io, uint64_t size)
{
	(void)io;
	(void)size;
	return -ENOTSUP;
}

static int ov_close(struct vx_io *io)
{
	struct ov_io *o = to_ov(io);

	for (size_t i = 0; i < o->npages; i++)
		free(o->pages[i]);
	free(o->pages);
	kmap_free(&o->map);
	free(o);
	return 0;
}

static void ov_advise(struct vx_io *io, uint64_t off, uint64_t len)
{
	vx_io_advise(to_ov(io)->lower, off, len);
}

static const struct vx_io_ops ov_ops = {
	.name = "overlay",
	.advise = ov_advise,
	.read = ov_read,
	.write = ov_write,
	.flush = ov_flush,
	.get_size = ov_get_size,
	.set_size = ov_set_size,
	.close = ov_close,
};

int vx_io_overlay_open(struct vx_io *lower, size_t page, struct vx_io **out)
{
	struct ov_io *o;
	int err;

	if (!lower || page < 512 || (page & (page - 1)))
		return -EINVAL;
	if (!(o = calloc(1, sizeof(*o))))
		return -ENOMEM;
	if ((err = vx_io_get_size(lower, &o->size))) {
		free(o);
		return err;
	}
	o->io.ops = &ov_ops;
	o->io.sector_size = lower->sector_size;
	o->io.flags = lower->flags & ~VX_IO_RDONLY;
	o->io.path = lower->path;
	o->lower = lower;
	o->page = page;
	*out = &o->io;
	return 0;
}

size_t vx_io_overlay_pages(struct vx_io *io)
{
	return io && io->ops == &ov_ops ? to_ov(io)->npages : 0;
}
