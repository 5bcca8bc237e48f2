/*
 * file.c: file contents: read, write and truncate through the extent map.
 *
 * Regular-file data never passes through the block cache: reads and
 * writes go straight to the io in runs as long as the extent map allows,
 * and a new run is allocated contiguously after the previous block of
 * the file (so a file written front to back is one extent).  Holes read
 * as zeroes; a partial block is read, patched and written back, and a
 * newly allocated block's bytes outside the write are zeroed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fs_int.h"

int vx_file_read(struct vx_fs *fs, struct vx_inode *ino, uint64_t off,
		 void *buf, size_t len, size_t *done)
{
	uint8_t *out = buf;
	uint64_t bs = fs->bsize;
	size_t total;

	*done = 0;
	if (off >= ino->size)
		return 0;
	if (len > ino->size - off)
		len = (size_t)(ino->size - off);
	total = len;
	while (len) {
		uint64_t lblk = off >> fs->sb.block_log, run, in = off % bs;
		vx_blk_t pblk;
		size_t n;
		int err = vx_extent_map(fs, ino, lblk, &pblk, &run);

		if (err)
			return err;
		if (run > (in + len + bs - 1) / bs)
			run = (in + len + bs - 1) / bs;
		n = (size_t)(run * bs - in) < len ? (size_t)(run * bs - in) : len;
		if (pblk)
			err = vx_io_read(fs->io, pblk * bs + in, out, n);
		else
			memset(out, 0, n);
		if (err)
			return err;
		out += n;
		off += n;
		len -= n;
	}
	*done = total;
	return 0;
}

/* write @n bytes at byte @in of the mapped run at @pblk; partial edge
 * blocks of a run that was just allocated (@fresh) are zero-padded,
 * those of an existing run are read first */
static int write_run(struct vx_fs *fs, vx_blk_t pblk, uint64_t in,
		     const uint8_t *src, size_t n, bool fresh)
{
	uint64_t bs = fs->bsize, head = in, tail = (in + n) % bs;
	uint8_t *tmp;
	int err;

	if (head == 0 && tail == 0)
		return vx_io_write(fs->io, pblk * bs, src, n);
	/* edges: assemble the first and last blocks in a bounce buffer */
	tmp = malloc(bs);
	if (!tmp)
		return -ENOMEM;
	err = 0;
	if (head || n < bs) {
		size_t k = (size_t)(bs - head) < n ? (size_t)(bs - head) : n;

		if (fresh)
			memset(tmp, 0, bs);
		else
			err = vx_io_read(fs->io, pblk * bs, tmp, bs);
		if (!err) {
			memcpy(tmp + head, src, k);
			err = vx_io_write(fs->io, pblk * bs, tmp, bs);
		}
		src += k;
		n -= k;
		pblk++;
	}
	if (!err && n >= bs) {
		size_t whole = n - n % bs;
		err = vx_io_write(fs->io, pblk * bs, src, whole);
		src += whole;
		n -= whole;
		pblk += whole / bs;
	}
	if (!err && n) {
		if (fresh)
			memset(tmp, 0, bs);
		else
			err = vx_io_read(fs->io, pblk * bs, tmp, bs);
		if (!err) {
			memcpy(tmp, src, n);
			err = vx_io_write(fs->io, pblk * bs, tmp, bs);
		}
	}
	free(tmp);
	return err;
}

static vx_blk_t write_goal(struct vx_fs *fs, struct vx_inode *ino,
			   uint64_t lblk)
{
	vx_blk_t p;
	uint64_t run;

	if (lblk && vx_extent_map(fs, ino, lblk - 1, &p, &run) == 0 && p)
		return p + 1;
	return 0;
}

int vx_file_write(struct vx_fs *fs, struct vx_inode *ino, uint64_t off,
		  const void *buf, size_t len)
{
	const uint8_t *src = buf;
	uint64_t bs = fs->bsize;

	if (off + len < off || (off + len) >> fs->sb.block_log >= (1ull << 48))
		return -EFBIG;
	while (len) {
		uint64_t lblk = off >> fs->sb.block_log, run, in = off % bs, got;
		uint64_t nblk = (in + len + bs - 1) / bs;
		vx_blk_t pblk;
		bool fresh = false;
		size_t n;
		int err = vx_extent_map(fs, ino, lblk, &pblk, &run);

		if (err)
			return err;
		if (run > nblk)
			run = nblk;
		if (!pblk) {
			err = vx_alloc_blocks(fs, write_goal(fs, ino, lblk), run,
					      &pblk, &got);
			if (err)
				return err;
			err = vx_extent_insert(fs, ino, lblk, pblk, (uint32_t)got);
			if (err) {
				vx_free_blocks(fs, pblk, got);
				return err;
			}
			ino->blocks += got;
			run = got;
			fresh = true;
		}
		n = (size_t)(run * bs - in) < len ? (size_t)(run * bs - in) : len;
		err = write_run(fs, pblk, in, src, n, fresh);
		if (err)
			return err;
		src += n;
		off += n;
		len -= n;
		if (off > ino->size)
			ino->size = off;
	}
	return 0;
}

int vx_file_truncate(struct vx_fs *fs, struct vx_inode *ino, uint64_t size)
{
	uint64_t bs = fs->bsize, keep = (size + bs - 1) / bs;
	int err = 0;

	if (size >> fs->sb.block_log >= (1ull << 48))
		return -EFBIG;
	if (size < ino->size) {
		err = vx_extent_truncate(fs, ino, keep);
		if (!err && size % bs) {
			/* zero the tail of the last block, so a later grow
			 * reads zeroes there */
			vx_blk_t pblk;
			uint64_t run;
			err = vx_extent_map(fs, ino, keep - 1, &pblk, &run);
			if (!err && pblk) {
				uint8_t *z = calloc(1, bs - size % bs);
				err = z ? vx_io_write(fs->io, pblk * bs + size % bs,
						      z, bs - size % bs) : -ENOMEM;
				free(z);
			}
		}
	}
	if (!err)
		ino->size = size;
	return err;
}
