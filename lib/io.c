/*
 * io.c: the vx_io_* entry points.
 *
 * Design: thin wrappers.  They check their arguments, then call through
 * io->ops, which every backend and layer fills (struct vx_io is the first
 * member of each backend's private struct, so a backend casts back).  The
 * wrappers hold no state and take no locks; thread-safety is the
 * backend's.  Optional ops: a NULL flush means nothing to make durable
 * (returns 0), a NULL set_size means resizing is not possible (-ENOTSUP).
 * A zero-length read or write succeeds without reaching the backend.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <vexfs/io.h>

static int io_valid(const struct vx_io *io)
{
	return io && io->ops;
}

/* reject a NULL buffer and a range that wraps past 2^64 */
static int io_check_range(struct vx_io *io, uint64_t off, const void *buf,
			  size_t len)
{
	if (!io_valid(io))
		return -EINVAL;
	if (len && !buf)
		return -EINVAL;
	if ((uint64_t)len > UINT64_MAX - off)
		return -EINVAL;
	return 0;
}

int vx_io_read(struct vx_io *io, uint64_t off, void *buf, size_t len)
{
	int err = io_check_range(io, off, buf, len);

	if (err)
		return err;
	if (!io->ops->read)
		return -ENOTSUP;
	if (!len)
		return 0;
	return io->ops->read(io, off, buf, len);
}

int vx_io_write(struct vx_io *io, uint64_t off, const void *buf, size_t len)
{
	int err = io_check_range(io, off, buf, len);

	if (err)
		return err;
	if (!io->ops->write)
		return -ENOTSUP;
	if (!len)
		return 0;
	return io->ops->write(io, off, buf, len);
}

void vx_io_advise(struct vx_io *io, uint64_t off, uint64_t len)
{
	if (io_valid(io) && io->ops->advise && len)
		io->ops->advise(io, off, len);
}

int vx_io_flush(struct vx_io *io)
{
	if (!io_valid(io))
		return -EINVAL;
	if (!io->ops->flush)
		return 0;
	return io->ops->flush(io);
}

int vx_io_get_size(struct vx_io *io, uint64_t *size)
{
	if (!io_valid(io) || !size)
		return -EINVAL;
	if (!io->ops->get_size)
		return -ENOTSUP;
	return io->ops->get_size(io, size);
}

int vx_io_set_size(struct vx_io *io, uint64_t size)
{
	if (!io_valid(io))
		return -EINVAL;
	if (!io->ops->set_size)
		return -ENOTSUP;
	return io->ops->set_size(io, size);
}

/* vx_io_close(NULL) is a no-op, like free(NULL) */
int vx_io_close(struct vx_io *io)
{
	if (!io)
		return 0;
	if (!io->ops || !io->ops->close)
		return -EINVAL;
	return io->ops->close(io);
}
