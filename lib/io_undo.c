/*
 * io_undo.c: the undo layer, which saves every block's original contents
 * to an undo file before the first write to it (e2fsprogs' undo_io).
 *
 * A writing tool given -z UNDOFILE opens its device, then
 * vx_io_undo_open(lower, path, fs block size, ...), and works through the
 * layer.  vx_undo_apply (undo_apply.c) later puts the originals back.
 * The file format is in undo_int.h and man/vexfs.5 (UNDO FILES).
 *
 * Design: at open the layer reads block 0 (the UUID, and the block size
 * when the caller leaves it to the filesystem), creates the undo file
 * and writes its header durably.  The layer owns the undo file's
 * descriptor (only io code does pwrite/fsync) and, under one mutex, the
 * set of blocks saved so far (a kmap from block + 1 to record index) and
 * the list of saved blocks in record order.  A write first saves the blocks it touches that are not
 * saved yet, in batches of about 1 MiB of records: each batch is read
 * from the lower device, written at the end of the undo file and
 * fdatasync'd; then the write goes to the lower device (outside the
 * mutex).  Reads pass through untouched.  The lower device's size at
 * open is the original size: undo blocks past it had no original and
 * are never saved (the apply truncates the device back to it).  The
 * close computes the device's state after the session (its size, a
 * crc32c of each saved block and of block 0) and appends it as the
 * footer.
 *
 * Invariants:
 * (U1) An original is durable in the undo file (record written and
 *      fdatasync'd, after the header and the file's directory entry)
 *      before any byte of its block is written to the lower device or
 *      cut off by a set_size.
 * (U2) A block is saved at most once per session, the first time a
 *      write or a shrinking set_size touches it; until then the lower
 *      device holds its original bytes, so that is what is saved.
 * (U3) Records are written in order, record i at 128 + i * R, and a
 *      record counts (u->n, u->next_off) only once it is durable; the
 *      footer goes right after the last one.
 * (U4) The footer is written only by a close that met no error, after
 *      the lower device was flushed: a file without one is incomplete.
 * (U5) After an error writing the undo file (U1 cannot be kept any
 *      more) every later write, set_size and flush returns that error and
 *      nothing more reaches the lower device (LMDB's sticky error).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "fs_int.h"
#include "undo_int.h"

#define UNDO_BATCH_BYTES	(1u << 20)

struct undo_io {
	struct vx_io io;		/* must be first */
	struct vx_io *lower;
	unsigned flags;			/* VX_UNDO_OVERWRITE, _OWN_LOWER */
	int fd;				/* the undo file */
	uint32_t bsize;
	uint32_t seed;			/* S, crc32c of the header */
	uint64_t orig_size;		/* the lower device's, at open */
	uint64_t orig_blocks;		/* undo blocks with bytes then */
	pthread_mutex_t lock;		/* everything below */
	uint64_t n;			/* records durable (U3) */
	uint64_t next_off;		/* where record n goes */
	vx_blk_t *recs;			/* block of record i */
	size_t crecs;
	struct kmap saved;		/* block + 1 -> record index (U2) */
	uint8_t *batch;			/* room for batch_max records */
	size_t batch_max;
	int err;			/* sticky (U5) */
};

static struct undo_io *to_undo(struct vx_io *io)
{
	return (struct undo_io *)io;
}

/* ---- saving originals ---- */

/* write the @nb records built in the batch, make them durable, and only
 * then count them (U1, U3); any failure once writing began is sticky */
static int batch_commit(struct undo_io *u, size_t nb)
{
	uint64_t rsize = undo_rec_size(u->bsize);
	int err;

	if (!nb)
		return 0;
	/* room first: nothing is written yet, so no sticky error */
	if ((err = vx_grow((void **)&u->recs, &u->crecs, u->n + nb,
			   sizeof(*u->recs))))
		return err;
	if ((err = vx_fd_pwrite(u->fd, u->batch, nb * rsize, u->next_off)) ||
	    (err = vx_fd_sync(u->fd, false)))
		goto out_sticky;
	for (size_t i = 0; i < nb; i++) {
		vx_blk_t b = vx_get64(u->batch + i * rsize + 16);

		if ((err = kmap_put(&u->saved, b + 1, (int64_t)u->n)))
			goto out_sticky;
		u->recs[u->n++] = b;
	}
	u->next_off += nb * rsize;
	return 0;

out_sticky:
	u->err = err;	/* (U5) */
	return err;
}

/* build record @i of the batch: block @b as the lower device holds it,
 * which is its original (U2) */
static int batch_add(struct undo_io *u, size_t i, vx_blk_t b)
{
	uint8_t *rec = u->batch + i * undo_rec_size(u->bsize);
	struct undo_rec r = {
		.len = undo_blk_len(u->orig_size, u->bsize, b),
		.index = u->n + i,
		.blkno = b,
	};
	int err;

	memset(rec + UNDO_REC_HDR + r.len, 0, u->bsize - r.len);
	err = vx_io_read(u->lower, b * u->bsize, rec + UNDO_REC_HDR, r.len);
	if (err)
		return err;
	undo_rec_encode(rec, &r, u->bsize, u->seed);
	return 0;
}

static bool is_saved(const struct undo_io *u, vx_blk_t b)
{
	int64_t idx;

	return kmap_get(&u->saved, b + 1, &idx);
}

/* save every block of [@first, @last] that had an original and is not
 * saved yet (U1, U2); the caller holds the lock */
static int save_range(struct undo_io *u, vx_blk_t first, vx_blk_t last)
{
	size_t nb = 0;
	int err;

	if (u->err)
		return u->err;	/* (U5) */
	if (first >= u->orig_blocks)
		return 0;	/* all past the original end */
	if (last >= u->orig_blocks)
		last = u->orig_blocks - 1;
	for (vx_blk_t b = first; b <= last; b++) {
		if (is_saved(u, b))
			continue;
		if (nb == u->batch_max) {
			if ((err = batch_commit(u, nb)))
				return err;
			nb = 0;
		}
		if ((err = batch_add(u, nb, b)))
			return err;	/* the batch is dropped unwritten */
		nb++;
	}
	return batch_commit(u, nb);
}

/* ---- the ops ---- */

static int ud_read(struct vx_io *io, uint64_t off, void *buf, size_t len)
{
	return vx_io_read(to_undo(io)->lower, off, buf, len);
}

static int ud_write(struct vx_io *io, uint64_t off, const void *buf,
		    size_t len)
{
	struct undo_io *u = to_undo(io);
	int err;

	/* vx_io_write passes len > 0 and off + len <= 2^64 */
	pthread_mutex_lock(&u->lock);
	err = save_range(u, off / u->bsize, (off + len - 1) / u->bsize);
	pthread_mutex_unlock(&u->lock);
	if (err)
		return err;
	return vx_io_write(u->lower, off, buf, len);	/* (U1) */
}

static int ud_flush(struct vx_io *io)
{
	struct undo_io *u = to_undo(io);
	int err;

	pthread_mutex_lock(&u->lock);
	err = u->err;
	pthread_mutex_unlock(&u->lock);
	return err ? err : vx_io_flush(u->lower);
}

static int ud_get_size(struct vx_io *io, uint64_t *size)
{
	return vx_io_get_size(to_undo(io)->lower, size);
}

/* growing saves nothing (the new part had no original); shrinking below
 * the original size first saves every block it cuts into (U1) */
static int ud_set_size(struct vx_io *io, uint64_t size)
{
	struct undo_io *u = to_undo(io);
	int err;

	pthread_mutex_lock(&u->lock);
	err = u->err;
	if (!err && size < u->orig_size)
		err = save_range(u, size / u->bsize, u->orig_blocks - 1);
	if (!err)
		err = vx_io_set_size(u->lower, size);
	pthread_mutex_unlock(&u->lock);
	return err;
}

static void ud_advise(struct vx_io *io, uint64_t off, uint64_t len)
{
	vx_io_advise(to_undo(io)->lower, off, len);
}

/* crc32c of the device's bytes [@off, @end), read through @buf (bsize) */
static int dev_crc(struct undo_io *u, uint64_t off, uint64_t end,
		   uint8_t *buf, uint32_t *crc)
{
	int err = 0;

	*crc = 0;
	if (end > off && !(err = vx_io_read(u->lower, off, buf, end - off)))
		*crc = vx_crc32c(0, buf, end - off);
	return err;
}

/* the footer: the device's state after the session (U4) */
static int write_footer(struct undo_io *u)
{
	struct undo_foot f = { .count = u->n, .closed = (int64_t)time(NULL) };
	size_t tlen = (size_t)u->n * 4;
	uint8_t *foot, *blk;
	uint32_t crc;
	int err;

	if ((err = vx_io_get_size(u->lower, &f.dev_size_after)))
		return err;
	foot = malloc(UNDO_FOOT_SIZE + tlen);
	blk = malloc(u->bsize);
	err = -ENOMEM;
	if (!foot || !blk)
		goto out_free;
	for (uint64_t i = 0; i < u->n; i++) {
		uint64_t off = u->recs[i] * u->bsize;
		uint64_t end = off + undo_blk_len(u->orig_size, u->bsize,
						  u->recs[i]);

		if (end > f.dev_size_after)
			end = f.dev_size_after;
		if ((err = dev_crc(u, off, end, blk, &crc)))
			goto out_free;
		vx_put32(foot + UNDO_FOOT_SIZE + i * 4, crc);
	}
	f.tcrc = vx_crc32c(0, foot + UNDO_FOOT_SIZE, tlen);
	f.b0len = u->bsize;
	if (f.b0len > u->orig_size)
		f.b0len = (uint32_t)u->orig_size;
	if (f.b0len > f.dev_size_after)
		f.b0len = (uint32_t)f.dev_size_after;
	if ((err = dev_crc(u, 0, f.b0len, blk, &f.b0crc)))
		goto out_free;
	undo_foot_encode(foot, &f, u->seed);
	if (!(err = vx_fd_pwrite(u->fd, foot, UNDO_FOOT_SIZE + tlen,
			       u->next_off)))
		err = vx_fd_sync(u->fd, false);
out_free:
	free(blk);
	free(foot);
	return err;
}

static void undo_free(struct undo_io *u)
{
	pthread_mutex_destroy(&u->lock);
	kmap_free(&u->saved);
	free(u->recs);
	free(u->batch);
	free(u);
}

static int ud_close(struct vx_io *io)
{
	struct undo_io *u = to_undo(io);
	int err = u->err, e;

	e = vx_io_flush(u->lower);
	if (!err)
		err = e;
	if (!err)
		err = write_footer(u);	/* (U4) */
	if (close(u->fd) < 0 && errno != EINTR && !err)
		err = -errno;
	if (u->flags & VX_UNDO_OWN_LOWER) {
		e = vx_io_close(u->lower);
		if (!err)
			err = e;
	}
	undo_free(u);
	return err;
}

static const struct vx_io_ops undo_ops = {
	.name = "undo",
	.read = ud_read,
	.write = ud_write,
	.flush = ud_flush,
	.get_size = ud_get_size,
	.set_size = ud_set_size,
	.close = ud_close,
	.advise = ud_advise,
};

/* ---- opening ---- */

/* does @path name the file or device under @lower? */
static bool is_lower_file(const char *path, const struct vx_io *lower)
{
	struct stat a, b;

	if (!lower->path || stat(lower->path, &a) < 0 || stat(path, &b) < 0)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* open (create) the undo file: a regular file, locked, empty; *@created
 * says whether this call created it (so a failed open removes it) */
static int file_open(const char *path, unsigned flags, bool *created)
{
	int oflags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct stat st;
	int fd, err;

	do {
		fd = open(path, oflags | O_EXCL, 0600);
	} while (fd < 0 && errno == EINTR);
	*created = fd >= 0;
	if (fd < 0 && errno == EEXIST && (flags & VX_UNDO_OVERWRITE)) {
		do {
			fd = open(path, oflags, 0600);
		} while (fd < 0 && errno == EINTR);
	}
	if (fd < 0)
		return -errno;
	err = -EINVAL;
	if (fstat(fd, &st) < 0)
		goto out_errno;
	if (!S_ISREG(st.st_mode))
		goto out_close;
	if (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
		err = (errno == EAGAIN || errno == EACCES) ? VX_ELOCKED
							   : -errno;
		goto out_close;
	}
	if (ftruncate(fd, 0) < 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		goto out_errno;
	return fd;

out_errno:
	err = -errno;
out_close:
	close(fd);
	if (*created)
		unlink(path);
	return err;
}

/* make the new file's directory entry durable (U1) */
static int sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, err = 0;

	if (!slash)
		dir = strdup(".");
	else
		dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0 && errno != EINVAL)
		err = -errno;
	close(fd);
	return err;
}

/* a VexFS superblock in block 0: its UUID into @h, its block size into
 * *@fs_bsize (left alone when there is none) */
static int read_super(struct vx_io *lower, struct undo_hdr *h,
		      uint32_t *fs_bsize)
{
	size_t n = h->dev_size < VX_UNDO_MAX_BSIZE ? (size_t)h->dev_size
						   : VX_UNDO_MAX_BSIZE;
	struct vx_super sb;
	uint8_t *buf;
	int err;

	if (n < 1024)
		return 0;	/* too small to hold one */
	if (!(buf = malloc(n)))
		return -ENOMEM;
	err = vx_io_read(lower, 0, buf, n);
	if (!err && vx_super_decode(buf, n, 0, &sb) == 0) {
		h->flags |= UNDO_HF_UUID;
		memcpy(h->fs_uuid, sb.hdr.uuid, 16);
		*fs_bsize = 1u << sb.block_log;
	}
	free(buf);
	return err;
}

/* write the header @h durably; sets u->seed and u->next_off */
static int write_header(struct undo_io *u, struct undo_hdr *h,
			const char *path)
{
	uint8_t b[UNDO_HDR_SIZE];
	int err;

	h->created = (int64_t)time(NULL);
	if (getrandom(&h->nonce, sizeof(h->nonce), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(h->nonce))
		h->nonce = (uint64_t)h->created ^ (uint64_t)(uintptr_t)u ^
			   (uint64_t)getpid() << 32;
	u->seed = undo_hdr_encode(b, h);
	if ((err = vx_fd_pwrite(u->fd, b, sizeof(b), 0)) ||
	    (err = vx_fd_sync(u->fd, false)) || (err = sync_dir(path)))
		return err;
	u->next_off = UNDO_HDR_SIZE;
	return 0;
}

static int check_args(struct vx_io *lower, const char *path, uint32_t bsize,
		      unsigned flags, struct vx_io **out)
{
	if (!lower || !lower->ops || !path || !*path || !out ||
	    (flags & ~(VX_UNDO_OVERWRITE | VX_UNDO_OWN_LOWER)) ||
	    (bsize && (bsize < VX_UNDO_MIN_BSIZE ||
		       bsize > VX_UNDO_MAX_BSIZE || (bsize & (bsize - 1)))))
		return -EINVAL;
	if (lower->flags & VX_IO_RDONLY)
		return -EBADF;
	if (is_lower_file(path, lower))
		return -EINVAL;
	return 0;
}

/* what the file's header will say, and the block size (@bsize, or the
 * filesystem's, or the default) */
static int undo_setup(struct undo_io *u, uint32_t bsize, struct undo_hdr *h)
{
	uint32_t fs_bsize = VX_UNDO_DEFAULT_BSIZE;
	int err;

	memset(h, 0, sizeof(*h));
	h->version = UNDO_VERSION;
	if ((err = vx_io_get_size(u->lower, &h->dev_size)))
		return err;
	if (h->dev_size > UNDO_MAX_DEV)
		return -EFBIG;
	if ((err = read_super(u->lower, h, &fs_bsize)))
		return err;
	h->bsize = u->bsize = bsize ? bsize : fs_bsize;
	u->orig_size = h->dev_size;
	u->orig_blocks = undo_nblocks(u->orig_size, u->bsize);
	u->batch_max = UNDO_BATCH_BYTES / undo_rec_size(u->bsize);
	if (u->batch_max < 1)
		u->batch_max = 1;
	u->batch = malloc(u->batch_max * undo_rec_size(u->bsize));
	return u->batch ? 0 : -ENOMEM;
}

int vx_io_undo_open(struct vx_io *lower, const char *path, uint32_t bsize,
		    unsigned flags, struct vx_io **out)
{
	struct undo_hdr h;
	struct undo_io *u;
	bool created;
	int err;

	if ((err = check_args(lower, path, bsize, flags, out)))
		return err;
	if (!(u = calloc(1, sizeof(*u))))
		return -ENOMEM;
	pthread_mutex_init(&u->lock, NULL);
	u->fd = -1;
	u->lower = lower;
	u->flags = flags;
	if ((err = undo_setup(u, bsize, &h)))
		goto out_free;
	if ((u->fd = file_open(path, flags, &created)) < 0) {
		err = u->fd;
		goto out_free;
	}
	if ((err = write_header(u, &h, path)))
		goto out_close;
	u->io.ops = &undo_ops;
	u->io.sector_size = lower->sector_size;
	u->io.flags = lower->flags;
	u->io.path = lower->path;
	*out = &u->io;
	return 0;

out_close:
	close(u->fd);
	if (created)
		unlink(path);
out_free:
	undo_free(u);
	return err;
}

uint64_t vx_io_undo_blocks(struct vx_io *io)
{
	struct undo_io *u;
	uint64_t n;

	if (!io || io->ops != &undo_ops)
		return 0;
	u = to_undo(io);
	pthread_mutex_lock(&u->lock);
	n = u->n;
	pthread_mutex_unlock(&u->lock);
	return n;
}
