/*
 * io.h: the block I/O layer.
 *
 * A struct vx_io is an open image or device seen as an array of bytes with
 * a block size.  Backends fill struct vx_io_ops; layers (undo, fault,
 * record) open on top of a lower vx_io and forward to it.  Only io code
 * calls pread/pwrite/fsync.  No backend is global: callers hold handles.
 */
#ifndef VEXFS_IO_H
#define VEXFS_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef uint64_t vx_blk_t;

struct vx_io;

struct vx_io_ops {
	const char *name;	/* "unix", "mem", ... */
	/* read/write exactly @len bytes at byte offset @off; 0 or -errno.
	 * A read past the end of the device returns -EIO (short read). */
	int (*read)(struct vx_io *io, uint64_t off, void *buf, size_t len);
	int (*write)(struct vx_io *io, uint64_t off, const void *buf, size_t len);
	/* make every completed write durable (fdatasync for unix) */
	int (*flush)(struct vx_io *io);
	/* size of the device in bytes */
	int (*get_size)(struct vx_io *io, uint64_t *size);
	/* change the size of a regular-file image (ftruncate); -ENOTSUP for
	 * block devices and layers that cannot */
	int (*set_size)(struct vx_io *io, uint64_t size);
	/* release the handle; frees @io itself */
	int (*close)(struct vx_io *io);
	/* optional: @len bytes at @off will be read soon (read-ahead);
	 * a hint, never an error */
	void (*advise)(struct vx_io *io, uint64_t off, uint64_t len);
};

struct vx_io {
	const struct vx_io_ops *ops;	/* must be first */
	unsigned sector_size;		/* logical sector size, >= 512 */
	unsigned flags;			/* VX_IO_* */
	char *path;			/* for messages; may be NULL */
};

/* vx_io.flags */
#define VX_IO_RDONLY	0x1	/* opened read-only */
#define VX_IO_BLKDEV	0x2	/* a block device */

/* flags for vx_io_unix_open */
#define VX_IO_OPEN_RDONLY	0x1	/* O_RDONLY instead of O_RDWR */
#define VX_IO_OPEN_CREATE	0x2	/* create a regular file if missing */
#define VX_IO_OPEN_NOLOCK	0x4	/* do not take the writer lock */

/*
 * vx_io_unix_open - open an image file or block device.
 * @path:  file or device path.
 * @flags: VX_IO_OPEN_*.
 * @out:   receives the handle.
 * Read-write opens take an exclusive lock: an OFD write lock on a regular
 * file, O_EXCL on a block device.  A second writer gets VX_ELOCKED.
 * Block devices report their size through BLKGETSIZE64 and their logical
 * sector size through BLKSSZGET.
 * Returns 0, -errno from open/fstat, or VX_ELOCKED.
 */
int vx_io_unix_open(const char *path, unsigned flags, struct vx_io **out);

/*
 * vx_io_mem_open - an in-memory device of @size bytes, zero-filled, for
 * tests.  The contents live until vx_io_close().  Returns 0 or -ENOMEM.
 */
int vx_io_mem_open(uint64_t size, struct vx_io **out);

/*
 * vx_io_mem_wrap - an in-memory device over the caller's @size bytes at
 * @buf, used in place: vx_io_close() frees the handle, never @buf, and
 * set_size returns -ENOTSUP.  Returns 0, -EINVAL or -ENOMEM.
 */
int vx_io_mem_wrap(void *buf, uint64_t size, struct vx_io **out);

/*
 * vx_io_mem_data - direct access to a mem device's bytes (tests corrupt
 * images through it).  Returns NULL when @io is not a mem device.
 */
unsigned char *vx_io_mem_data(struct vx_io *io, uint64_t *size);

/*
 * vx_io_overlay_open - a layer over @lower that keeps every write in
 * memory, in pages of @page bytes (a power of two >= 512): reads see
 * @lower with those writes on top, @lower is never written.  fsck -n
 * recovers the journal into one to check the image as recovery would
 * leave it.  Closing the layer leaves @lower open (the caller's).
 * Writes must not race with reads.  Returns 0, -EINVAL, -ENOMEM or the
 * error of asking @lower its size.
 */
int vx_io_overlay_open(struct vx_io *lower, size_t page, struct vx_io **out);
/* vx_io_overlay_pages - pages an overlay holds (0: not an overlay) */
size_t vx_io_overlay_pages(struct vx_io *io);

/*
 * vx_io_hold_open - a layer over @lower that holds every write back, in
 * memory and in order, until vx_io_hold_release: reads see @lower with
 * the held writes on top; @lower is not written meanwhile.  Releasing
 * writes them to @lower in the order they were made, flushing @lower
 * wherever the layer was flushed and once at the end (a crash during a
 * release leaves what a crash at that point of the original run would
 * have), and then passes everything through until vx_io_hold_start
 * holds again.  Closing the layer discards what it holds and leaves
 * @lower open (the caller's).  debugfs.vexfs opens images through it so
 * that a session that commits nothing writes nothing.  Returns 0,
 * -ENOMEM or the error of asking @lower its size.
 */
int vx_io_hold_open(struct vx_io *lower, struct vx_io **out);
/* vx_io_hold_release - write what is held to the lower device (0 or the
 * first error: then the layer still holds everything, and the device
 * may hold a prefix of it) */
int vx_io_hold_release(struct vx_io *io);
/* vx_io_hold_set_limit - push what is held, in order, whenever it grows
 * past @bytes, and go on holding (0: no limit, the default) */
void vx_io_hold_set_limit(struct vx_io *io, uint64_t bytes);
/* vx_io_hold_start - hold writes again (0, or -EINVAL: not a hold layer) */
int vx_io_hold_start(struct vx_io *io);
/* vx_io_hold_bytes - bytes held now; vx_io_holding - whether it holds */
uint64_t vx_io_hold_bytes(struct vx_io *io);
bool vx_io_holding(struct vx_io *io);

/* Thin wrappers that call through io->ops. */
int vx_io_read(struct vx_io *io, uint64_t off, void *buf, size_t len);
int vx_io_write(struct vx_io *io, uint64_t off, const void *buf, size_t len);
int vx_io_flush(struct vx_io *io);
int vx_io_get_size(struct vx_io *io, uint64_t *size);
int vx_io_set_size(struct vx_io *io, uint64_t size);
int vx_io_close(struct vx_io *io);
/* vx_io_advise - hint that @len bytes at @off will be read soon (the
 * unix backend starts reading them ahead); does nothing where the
 * backend cannot */
void vx_io_advise(struct vx_io *io, uint64_t off, uint64_t len);

#endif /* VEXFS_IO_H */
