/*
 * file.c: file contents: read, write and truncate through the extent map.
 *
 * Regular-file data never passes through the block cache: reads and
 * writes go straight to the io in runs as long as the extent map allows,
 * and a new run is allocated contiguously after the previous block of
 * the file (so a file written front to back is one extent).  Holes read
 * as zeroes; a partial block is read, patched and written, and a newly
 * allocated block's bytes outside the write are zeroed.  Data is written
 * once, in place, to blocks the writing transaction allocated; the
 * journal gets their crcs (J7), not their contents.
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

/* note the crc of every data block written in place (J7); not in an
 * unfinished image, whose check could never run */
static int note_blocks(struct vx_fs *fs, vx_blk_t blk, const uint8_t *d,
		       size_t nblocks)
{
	int err = 0;

	if (vx_fs_unfinished(fs))
		return 0;
	for (size_t i = 0; i < nblocks && !err && fs->cur; i++)
		err = vx_tx_note_data(fs, blk + i,
				      vx_crc32c(0, d + i * fs->bsize, fs->bsize));
	return err;
}

/* an edge block: the old contents from @from (0: zeroes), patched */
static int edge(struct vx_fs *fs, vx_blk_t from, vx_blk_t to, uint8_t *tmp,
		uint64_t at, const uint8_t *src, size_t k)
{
	int err = 0;

	if (from)
		err = vx_io_read(fs->io, from * fs->bsize, tmp, fs->bsize);
	else
		memset(tmp, 0, fs->bsize);
	if (!err) {
		memcpy(tmp + at, src, k);
		err = vx_io_write(fs->io, to * fs->bsize, tmp, fs->bsize);
	}
	if (!err)
		err = note_blocks(fs, to, tmp, 1);
	return err;
}

/* write @n bytes at byte @in of the run at @to; partial edge blocks
 * take the rest of their bytes from the run at @from (0: zeroes) */
static int write_run(struct vx_fs *fs, vx_blk_t from, vx_blk_t to,
		     uint64_t in, const uint8_t *src, size_t n)
{
	uint64_t bs = fs->bsize, head = in, tail = (in + n) % bs;
	uint8_t *tmp;
	int err = 0;

	if (head == 0 && tail == 0) {
		err = vx_io_write(fs->io, to * bs, src, n);
		return err ? err : note_blocks(fs, to, src, n / bs);
	}
	tmp = malloc(bs);
	if (!tmp)
		return -ENOMEM;
	if (head || n < bs) {
		size_t k = (size_t)(bs - head) < n ? (size_t)(bs - head) : n;

		err = edge(fs, from, to, tmp, head, src, k);
		src += k;
		n -= k;
		to++;
		from = from ? from + 1 : 0;
	}
	if (!err && n >= bs) {
		size_t whole = n - n % bs;

		err = vx_io_write(fs->io, to * bs, src, whole);
		if (!err)
			err = note_blocks(fs, to, src, whole / bs);
		src += whole;
		n -= whole;
		to += whole / bs;
		from = from ? from + whole / bs : 0;
	}
	if (!err && n)
		err = edge(fs, from, to, tmp, 0, src, n);
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

/*
 * Blocks this transaction allocated are written in place.  Blocks a
 * committed state points at are never overwritten: the new contents go
 * to fresh blocks (redirect-on-write), the extent map is pointed at
 * them and the old blocks are freed by the commit, so a crash shows the
 * old contents or the new, never a mix.
 */
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
		vx_blk_t pblk, from = 0, to;
		size_t n;
		int err = vx_extent_map(fs, ino, lblk, &pblk, &run);

		if (err)
			return err;
		if (run > nblk)
			run = nblk;
		if (!pblk) {
			err = vx_alloc_blocks(fs, write_goal(fs, ino, lblk), run,
					      &to, &got);
			if (err)
				return err;
			err = vx_extent_insert(fs, ino, lblk, to, (uint32_t)got);
			if (err) {
				vx_free_blocks(fs, to, got);
				return err;
			}
			ino->blocks += got;
		} else if (fs->cur && !vx_tx_own_data(fs, pblk)) {
			err = vx_alloc_blocks(fs, pblk + run, run, &to, &got);
			if (err)
				return err;
			err = vx_extent_remap(fs, ino, lblk, (uint32_t)got, to);
			if (err) {
				vx_free_blocks(fs, to, got);
				return err;
			}
			from = pblk;
		} else {
			to = from = pblk;
			got = run;
		}
		n = (size_t)(got * bs - in) < len ? (size_t)(got * bs - in) : len;
		err = write_run(fs, from, to, in, src, n);
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
			 * reads zeroes there (a write: redirected if need be) */
			vx_blk_t pblk;
			uint64_t run, keep_size = ino->size;
			err = vx_extent_map(fs, ino, keep - 1, &pblk, &run);
			if (!err && pblk) {
				uint8_t *z = calloc(1, bs - size % bs);
				err = z ? vx_file_write(fs, ino, size, z,
							bs - size % bs) : -ENOMEM;
				free(z);
				ino->size = keep_size;
			}
		}
	}
	if (!err)
		ino->size = size;
	return err;
}
