/*
 * io_unix.c: the io backend for image files and block devices.
 *
 * Design: struct unix_io (struct vx_io first) owns one file descriptor.
 * Reads and writes loop on pread/pwrite until the whole range moved,
 * retrying EINTR and short transfers; a read that meets end of file is a
 * short read and returns -EIO.  flush is fdatasync (fsync for a block
 * device).  Sizes come from fstat for regular files and BLKGETSIZE64 for
 * block devices, the sector size from BLKSSZGET (512 for files).
 *
 * Locking (the "one writer" rule of the design brief):
 *  - read-write open of a regular file: an OFD write lock on the whole
 *    file (F_OFD_SETLK).  OFD locks belong to the open file description,
 *    so they conflict even between two opens in one process, and they go
 *    away with the last descriptor.  A conflict is VX_ELOCKED.
 *  - read-write open of a block device: the device is reopened with
 *    O_EXCL, which the kernel refuses (EBUSY) while it is mounted or held
 *    exclusively by someone else: VX_ELOCKED.
 *  - read-only open of a regular file: an OFD read lock, so that a writer
 *    cannot start while we read; if a writer already holds the file the
 *    read-only open goes ahead without a lock.
 *  - VX_IO_OPEN_NOLOCK skips all of the above.
 * The file is opened O_NONBLOCK (so that a fifo given by mistake cannot
 * hang the open), then anything but a regular file or block device is
 * refused and O_NONBLOCK is cleared.  pread/pwrite keep no file position,
 * so concurrent reads and writes from several threads are safe.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <vexfs/error.h>
#include <vexfs/io.h>
#include "fs_int.h"

struct unix_io {
	struct vx_io io;		/* must be first */
	int fd;
};

static struct unix_io *to_unix(struct vx_io *io)
{
	return (struct unix_io *)io;
}

/* byte offsets beyond off_t cannot exist on any device */
static int range_fits(uint64_t off, size_t len)
{
	return off <= (uint64_t)INT64_MAX &&
	       (uint64_t)len <= (uint64_t)INT64_MAX - off;
}

/* ---- whole-buffer descriptor I/O, shared with io_undo.c ---- */

int vx_fd_pread(int fd, void *buf, size_t len, uint64_t off)
{
	unsigned char *p = buf;
	ssize_t n;

	if (!range_fits(off, len))
		return -EIO;
	while (len) {
		n = pread(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;	/* end of file: short read */
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int vx_fd_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	const unsigned char *p = buf;
	ssize_t n;

	if (!range_fits(off, len))
		return -EFBIG;
	while (len) {
		n = pwrite(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;	/* no progress: end of device */
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int vx_fd_sync(int fd, bool full)
{
	int r;

	do {
		r = full ? fsync(fd) : fdatasync(fd);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

static int unix_read(struct vx_io *io, uint64_t off, void *buf, size_t len)
{
	return vx_fd_pread(to_unix(io)->fd, buf, len, off);
}

static int unix_write(struct vx_io *io, uint64_t off, const void *buf,
		      size_t len)
{
	if (io->flags & VX_IO_RDONLY)
		return -EBADF;
	return vx_fd_pwrite(to_unix(io)->fd, buf, len, off);
}

static int unix_flush(struct vx_io *io)
{
	if (io->flags & VX_IO_RDONLY)
		return 0;	/* nothing written through this handle */
	return vx_fd_sync(to_unix(io)->fd, io->flags & VX_IO_BLKDEV);
}

static int unix_get_size(struct vx_io *io, uint64_t *size)
{
	int fd = to_unix(io)->fd;
	struct stat st;
	uint64_t bytes;

	if (io->flags & VX_IO_BLKDEV) {
		if (ioctl(fd, BLKGETSIZE64, &bytes) < 0)
			return -errno;
		*size = bytes;
		return 0;
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	*size = (uint64_t)st.st_size;
	return 0;
}

static int unix_set_size(struct vx_io *io, uint64_t size)
{
	int fd = to_unix(io)->fd;
	int r;

	if (io->flags & VX_IO_BLKDEV)
		return -ENOTSUP;
	if (io->flags & VX_IO_RDONLY)
		return -EBADF;
	if (size > (uint64_t)INT64_MAX)
		return -EFBIG;
	do {
		r = ftruncate(fd, (off_t)size);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

static int unix_close(struct vx_io *io)
{
	struct unix_io *u = to_unix(io);
	int err = 0;

	/* never retry close(): on Linux the descriptor is gone either way */
	if (close(u->fd) < 0 && errno != EINTR)
		err = -errno;
	free(u->io.path);
	free(u);
	return err;
}

/* read-ahead: the kernel starts the reads and returns at once */
static void unix_advise(struct vx_io *io, uint64_t off, uint64_t len)
{
	if (range_fits(off, len))
		(void)posix_fadvise(to_unix(io)->fd, (off_t)off, (off_t)len,
				    POSIX_FADV_WILLNEED);
}

static const struct vx_io_ops unix_ops = {
	.name = "unix",
	.advise = unix_advise,
	.read = unix_read,
	.write = unix_write,
	.flush = unix_flush,
	.get_size = unix_get_size,
	.set_size = unix_set_size,
	.close = unix_close,
};

static int open_retry(const char *path, int oflags, mode_t mode)
{
	int fd;

	do {
		fd = open(path, oflags, mode);
	} while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

/* take the whole-file OFD lock of type @type (F_RDLCK or F_WRLCK) */
static int ofd_lock(int fd, short type)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 0;		/* to end of file, however it grows */
	if (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
		if (errno == EAGAIN || errno == EACCES)
			return VX_ELOCKED;
		return -errno;
	}
	return 0;
}

/*
 * Replace *@fd, a read-write descriptor of block device @st, by one opened
 * with O_EXCL, after checking that @path still names the same device.
 */
static int blkdev_claim(const char *path, int *fd, const struct stat *st)
{
	struct stat st2;
	int efd;

	efd = open_retry(path, O_RDWR | O_CLOEXEC | O_EXCL, 0);
	if (efd == -EBUSY)
		return VX_ELOCKED;
	if (efd < 0)
		return efd;
	if (fstat(efd, &st2) < 0 || !S_ISBLK(st2.st_mode) ||
	    st2.st_rdev != st->st_rdev) {
		close(efd);
		return -ESTALE;	/* the path changed under us */
	}
	close(*fd);
	*fd = efd;
	return 0;
}

/* lock as described at the top of the file; 0, VX_ELOCKED or -errno */
static int unix_lock(const char *path, unsigned flags, int *fd,
		     const struct stat *st)
{
	int err;

	if (flags & VX_IO_OPEN_NOLOCK)
		return 0;
	if (S_ISBLK(st->st_mode))
		return (flags & VX_IO_OPEN_RDONLY) ? 0 :
		       blkdev_claim(path, fd, st);
	if (!(flags & VX_IO_OPEN_RDONLY))
		return ofd_lock(*fd, F_WRLCK);
	err = ofd_lock(*fd, F_RDLCK);
	/* a reader that cannot lock (a writer holds the file) still reads */
	return err == VX_ELOCKED ? 0 : err;
}

/* the block device's logical sector size, at least 512 */
static unsigned blkdev_sector_size(int fd)
{
	int ssz = 0;

	if (ioctl(fd, BLKSSZGET, &ssz) < 0 || ssz < 512)
		return 512;
	return (unsigned)ssz;
}

/* open @path and check its type; returns the descriptor or -errno */
static int unix_open_fd(const char *path, unsigned flags, struct stat *st)
{
	int oflags = O_CLOEXEC | O_NONBLOCK;
	int fd, fl;

	oflags |= (flags & VX_IO_OPEN_RDONLY) ? O_RDONLY : O_RDWR;
	if (flags & VX_IO_OPEN_CREATE)
		oflags |= O_CREAT;
	fd = open_retry(path, oflags, 0666);
	if (fd < 0)
		return fd;
	if (fstat(fd, st) < 0)
		goto out_errno;
	if (S_ISDIR(st->st_mode)) {
		errno = EISDIR;
		goto out_errno;
	}
	if (!S_ISREG(st->st_mode) && !S_ISBLK(st->st_mode)) {
		errno = EINVAL;
		goto out_errno;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		goto out_errno;
	return fd;

out_errno:
	fl = -errno;
	close(fd);
	return fl;
}

int vx_io_unix_open(const char *path, unsigned flags, struct vx_io **out)
{
	struct unix_io *u;
	struct stat st;
	int fd, err;

	if (!path || !*path || !out)
		return -EINVAL;
	fd = unix_open_fd(path, flags, &st);
	if (fd < 0)
		return fd;
	err = unix_lock(path, flags, &fd, &st);
	if (err)
		goto out_close;
	err = -ENOMEM;
	u = calloc(1, sizeof(*u));
	if (!u)
		goto out_close;
	u->io.path = strdup(path);
	if (!u->io.path)
		goto out_free;
	u->fd = fd;
	u->io.ops = &unix_ops;
	u->io.flags = (flags & VX_IO_OPEN_RDONLY) ? VX_IO_RDONLY : 0;
	u->io.sector_size = 512;
	if (S_ISBLK(st.st_mode)) {
		u->io.flags |= VX_IO_BLKDEV;
		u->io.sector_size = blkdev_sector_size(fd);
	}
	*out = &u->io;
	return 0;

out_free:
	free(u);
out_close:
	close(fd);
	return err;
}
