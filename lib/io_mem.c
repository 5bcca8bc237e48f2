/*
 * io_mem.c: the in-memory io backend, for tests.
 *
 * Design: the device is one calloc'd byte array owned by struct mem_io
 * (struct vx_io first).  Reads and writes are bounds-checked: any byte
 * past the end gives -EIO, as a short transfer on a real device would.
 * set_size reallocates and zero-fills the new tail; flush has nothing to
 * make durable.  Concurrent reads and writes of any ranges are as safe as
 * memcpy on the same bytes; set_size and close must not race with
 * anything.  vx_io_mem_data() recognises a mem device by its ops table.
 * vx_io_mem_wrap() makes the same device over a caller's buffer, which
 * it never frees or resizes (fuzzers run images in place this way).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vexfs/io.h>

struct mem_io {
	struct vx_io io;		/* must be first */
	unsigned char *data;
	uint64_t size;
	int borrowed;			/* data is the caller's (mem_wrap) */
};

static struct mem_io *to_mem(struct vx_io *io)
{
	return (struct mem_io *)io;
}

/* 0 when [off, off + len) lies inside the device, else -EIO */
static int mem_range(const struct mem_io *m, uint64_t off, size_t len)
{
	if (off > m->size || (uint64_t)len > m->size - off)
		return -EIO;
	return 0;
}

static int mem_read(struct vx_io *io, uint64_t off, void *buf, size_t len)
{
	struct mem_io *m = to_mem(io);
	int err = mem_range(m, off, len);

	if (err)
		return err;
	memcpy(buf, m->data + off, len);
	return 0;
}

static int mem_write(struct vx_io *io, uint64_t off, const void *buf,
		     size_t len)
{
	struct mem_io *m = to_mem(io);
	int err = mem_range(m, off, len);

	if (err)
		return err;
	memcpy(m->data + off, buf, len);
	return 0;
}

static int mem_flush(struct vx_io *io)
{
	return 0;
}

static int mem_get_size(struct vx_io *io, uint64_t *size)
{
	*size = to_mem(io)->size;
	return 0;
}

/* calloc/realloc of 0 bytes may return NULL; keep at least one byte */
static size_t mem_alloc_len(uint64_t size)
{
	return size ? (size_t)size : 1;
}

static int mem_set_size(struct vx_io *io, uint64_t size)
{
	struct mem_io *m = to_mem(io);
	unsigned char *p;

	if (m->borrowed)
		return -ENOTSUP;	/* not ours to reallocate */
	if (size > SIZE_MAX)
		return -ENOMEM;
	p = realloc(m->data, mem_alloc_len(size));
	if (!p)
		return -ENOMEM;
	if (size > m->size)
		memset(p + m->size, 0, size - m->size);
	m->data = p;
	m->size = size;
	return 0;
}

static int mem_close(struct vx_io *io)
{
	struct mem_io *m = to_mem(io);

	if (!m->borrowed)
		free(m->data);
	free(m->io.path);
	free(m);
	return 0;
}

static const struct vx_io_ops mem_ops = {
	.name = "mem",
	.read = mem_read,
	.write = mem_write,
	.flush = mem_flush,
	.get_size = mem_get_size,
	.set_size = mem_set_size,
	.close = mem_close,
};

int vx_io_mem_open(uint64_t size, struct vx_io **out)
{
	struct mem_io *m;

	if (!out)
		return -EINVAL;
	if (size > SIZE_MAX)
		return -ENOMEM;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->data = calloc(mem_alloc_len(size), 1);
	if (!m->data) {
		free(m);
		return -ENOMEM;
	}
	m->size = size;
	m->io.ops = &mem_ops;
	m->io.sector_size = 512;
	m->io.flags = 0;
	m->io.path = NULL;
	*out = &m->io;
	return 0;
}

int vx_io_mem_wrap(void *buf, uint64_t size, struct vx_io **out)
{
	struct mem_io *m;

	if (!out || (!buf && size))
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->data = buf;
	m->size = size;
	m->borrowed = 1;
	m->io.ops = &mem_ops;
	m->io.sector_size = 512;
	*out = &m->io;
	return 0;
}

unsigned char *vx_io_mem_data(struct vx_io *io, uint64_t *size)
{
	struct mem_io *m;

	if (!io || io->ops != &mem_ops)
		return NULL;
	m = to_mem(io);
	if (size)
		*size = m->size;
	return m->data;
}
