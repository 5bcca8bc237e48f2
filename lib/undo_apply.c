/*
 * undo_apply.c: reading undo files and writing their originals back
 * (e2undo's job; the writer is io_undo.c, the format undo_int.h).
 *
 * Design: the undo file is read through a vx_io (the unix backend for a
 * path; a mem device for the fuzzer), never trusted.  A scan reads the
 * header, then record after record, keeping for each valid one only its
 * block, length and checksums (24 bytes: memory grows with the records
 * that check out, never with a count the file claims), then the footer.
 * The apply checks what the device holds against the scan, then sets
 * the size back, writes the originals newest first, and flushes.
 *
 * Invariants:
 * (U6) Parsing is bounded: every field is range-checked before use, no
 *      allocation is sized by a field (the buffer is one record of at most
 *      64 KiB + 32, the list grows with valid records), offsets cannot
 *      overflow (sizes <= 2^63 - 1, blocks below the device's end).
 * (U7) The valid part is the header, the longest run of records from
 *      index 0 whose checksums hold, and the footer only if it follows
 *      that run directly and its checksums hold (undo_int.h).  A record or
 *      footer whose checksums hold but whose fields are wrong (index,
 *      block, length, a block saved twice, a count) makes the file
 *      corrupt: it was written so, it is not torn.
 * (U8) Nothing is written to the device unless it holds a state the file
 *      accounts for (dev_check: every saved block its original or its
 *      state after the session, block 0 as the session left it, one of
 *      the two sizes), the file is complete, or VX_UNDO_FORCE says so.
 *      A device that already holds every original gets no write at all,
 *      so a second apply changes nothing and an interrupted one may be
 *      run again.
 * (U9) The apply sets the size first (the blocks it writes exist
 *      afterwards; -ENOTSUP stops it before any write), then writes the
 *      records newest first (for a block saved twice, which the writer
 *      never does, the oldest original would win), then flushes; a
 *      failed write does not stop the others: the first error is
 *      returned (jbd2's recovery).  VX_UNDO_DRY_RUN writes nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs_int.h"
#include "undo_int.h"

struct arec {
	vx_blk_t blk;
	uint32_t len, dcrc, acrc;
};

struct scan {
	struct vx_io *file;
	uint64_t fsize;			/* bytes in the file */
	struct undo_hdr h;
	uint64_t rsize;			/* R */
	uint8_t *buf;			/* one record */
	struct arec *recs;		/* the valid ones, in file order */
	size_t n, cap;
	struct kmap seen;		/* block + 1 -> index: duplicates */
	bool have0;			/* block 0 is saved */
	bool complete;
	struct undo_foot f;
};

static void scan_free(struct scan *s)
{
	free(s->buf);
	free(s->recs);
	kmap_free(&s->seen);
}

static uint64_t rec_off(const struct scan *s, uint64_t i)
{
	return UNDO_HDR_SIZE + i * s->rsize;
}

static int hdr_decode(const uint8_t *b, struct undo_hdr *h)
{
	static const uint8_t zero[60];

	if (memcmp(b, UNDO_MAGIC, 8) ||
	    vx_get32(b + 124) != vx_crc32c(0, b, 124))
		return VX_EUNDO_CORRUPT;
	h->version = vx_get32(b + 8);
	if (h->version != UNDO_VERSION)
		return VX_EBADVERSION;
	h->bsize = vx_get32(b + 16);
	h->flags = vx_get32(b + 20);
	h->dev_size = vx_get64(b + 24);
	h->created = (int64_t)vx_get64(b + 32);
	h->nonce = vx_get64(b + 40);
	memcpy(h->fs_uuid, b + 48, 16);
	if (vx_get32(b + 12) != UNDO_HDR_SIZE ||
	    h->bsize < VX_UNDO_MIN_BSIZE || h->bsize > VX_UNDO_MAX_BSIZE ||
	    (h->bsize & (h->bsize - 1)) || (h->flags & ~UNDO_HF_UUID) ||
	    h->dev_size > UNDO_MAX_DEV || memcmp(b + 64, zero, sizeof(zero)))
		return VX_EUNDO_CORRUPT;
	h->seed = vx_crc32c(0, b, UNDO_HDR_SIZE);
	return 0;
}

/* record @i at s->buf: 1 valid (appended), 0 torn, < 0 corrupt (U7) */
static int rec_take(struct scan *s, uint64_t i)
{
	const uint8_t *b = s->buf;
	uint32_t bsize = s->h.bsize;
	struct arec r;
	int64_t dup;
	int err;

	if (vx_get32(b) != UNDO_REC_MAGIC ||
	    vx_get32(b + 28) != vx_crc32c(s->h.seed, b, 28))
		return 0;
	r.len = vx_get32(b + 4);
	r.blk = vx_get64(b + 16);
	r.dcrc = vx_get32(b + 24);
	r.acrc = 0;
	/* (U6) the block lies below dev_size (<= 2^63 - 1): no overflow */
	if (vx_get64(b + 8) != i ||
	    r.blk >= undo_nblocks(s->h.dev_size, bsize) ||
	    r.len != undo_blk_len(s->h.dev_size, bsize, r.blk))
		return VX_EUNDO_CORRUPT;
	if (vx_crc32c(0, b + UNDO_REC_HDR, r.len) != r.dcrc)
		return 0;	/* torn in its data */
	if (kmap_get(&s->seen, r.blk + 1, &dup))
		return VX_EUNDO_CORRUPT;
	/* (U6) the list grows only with records that checked out */
	if ((err = kmap_put(&s->seen, r.blk + 1, (int64_t)i)) ||
	    (err = vx_grow((void **)&s->recs, &s->cap, s->n + 1,
			   sizeof(*s->recs))))
		return err;
	s->recs[s->n++] = r;
	s->have0 |= r.blk == 0;
	return 1;
}

/* the after[] table at @off: every crc read into s->recs; 1 when the
 * table is all there and its crc holds, 0 when torn */
static int table_take(struct scan *s, uint64_t off)
{
	size_t chunk = (size_t)(s->rsize / 4), done = 0;
	uint32_t crc = 0;
	int err;

	if (s->fsize - off < (uint64_t)s->n * 4)
		return 0;
	while (done < s->n) {
		size_t k = s->n - done < chunk ? s->n - done : chunk;

		if ((err = vx_io_read(s->file, off + done * 4, s->buf, k * 4)))
			return err;
		crc = vx_crc32c(crc, s->buf, k * 4);
		for (size_t j = 0; j < k; j++)
			s->recs[done + j].acrc = vx_get32(s->buf + j * 4);
		done += k;
	}
	return crc == s->f.tcrc;
}

/* the footer after the last valid record: 1 valid, 0 torn or absent,
 * < 0 corrupt (U7) */
static int foot_take(struct scan *s)
{
	uint64_t off = rec_off(s, s->n), b0len;
	const uint8_t *b = s->buf;
	int err;

	if (s->fsize < off || s->fsize - off < UNDO_FOOT_SIZE)
		return 0;
	if ((err = vx_io_read(s->file, off, s->buf, UNDO_FOOT_SIZE)))
		return err;
	if (vx_get32(b) != UNDO_FOOT_MAGIC ||
	    vx_get32(b + 44) != vx_crc32c(s->h.seed, b, 44))
		return 0;
	s->f.b0len = vx_get32(b + 4);
	s->f.count = vx_get64(b + 8);
	s->f.dev_size_after = vx_get64(b + 16);
	s->f.closed = (int64_t)vx_get64(b + 24);
	s->f.b0crc = vx_get32(b + 32);
	s->f.tcrc = vx_get32(b + 36);
	b0len = s->h.bsize;
	if (b0len > s->h.dev_size)
		b0len = s->h.dev_size;
	if (b0len > s->f.dev_size_after)
		b0len = s->f.dev_size_after;
	if (s->f.count != s->n || s->f.dev_size_after > UNDO_MAX_DEV ||
	    s->f.b0len != b0len || vx_get32(b + 40))
		return VX_EUNDO_CORRUPT;
	return table_take(s, off + UNDO_FOOT_SIZE);
}

static int scan_file(struct vx_io *file, struct scan *s)
{
	uint8_t hb[UNDO_HDR_SIZE];
	int err;

	memset(s, 0, sizeof(*s));
	s->file = file;
	if ((err = vx_io_get_size(file, &s->fsize)))
		return err;
	if (s->fsize < UNDO_HDR_SIZE)
		return VX_EUNDO_CORRUPT;
	if ((err = vx_io_read(file, 0, hb, sizeof(hb))) ||
	    (err = hdr_decode(hb, &s->h)))
		return err;
	s->rsize = undo_rec_size(s->h.bsize);
	/* (U6) one record at most 64 KiB + 32, whatever the file says */
	if (!(s->buf = malloc(s->rsize)))
		return -ENOMEM;
	for (;;) {
		uint64_t off = rec_off(s, s->n);

		if (s->fsize < off || s->fsize - off < s->rsize)
			break;
		if ((err = vx_io_read(file, off, s->buf, s->rsize)))
			return err;
		if ((err = rec_take(s, s->n)) <= 0)
			break;
	}
	if (err < 0)
		return err;
	if ((err = foot_take(s)) < 0)
		return err;
	s->complete = err == 1;
	return 0;
}

static void scan_info(const struct scan *s, struct vx_undo_info *out)
{
	memset(out, 0, sizeof(*out));
	out->version = s->h.version;
	out->bsize = s->h.bsize;
	out->dev_size = s->h.dev_size;
	out->blocks = s->n;
	out->valid_bytes = rec_off(s, s->n);
	out->file_bytes = s->fsize;
	out->complete = s->complete;
	out->has_uuid = !!(s->h.flags & UNDO_HF_UUID);
	memcpy(out->fs_uuid, s->h.fs_uuid, 16);
	out->created = s->h.created;
	if (s->complete) {
		out->dev_size_after = s->f.dev_size_after;
		out->closed = s->f.closed;
		out->valid_bytes += UNDO_FOOT_SIZE + (uint64_t)s->n * 4;
	}
}

int vx_undo_scan_io(struct vx_io *file, struct vx_undo_info *out)
{
	struct scan s;
	int err;

	if (!file || !out)
		return -EINVAL;
	err = scan_file(file, &s);
	if (!err)
		scan_info(&s, out);
	scan_free(&s);
	return err;
}

int vx_undo_read_info(const char *path, struct vx_undo_info *out)
{
	struct vx_io *file;
	int err;

	if (!path || !out)
		return -EINVAL;
	if ((err = vx_io_unix_open(path, VX_IO_OPEN_RDONLY, &file)))
		return err;
	err = vx_undo_scan_io(file, out);
	vx_io_close(file);
	return err;
}

/* ---- the device ---- */

/* does the device hold record @r's original (*@orig) or its state after
 * the session (*@after)?  @cur is the device's size */
static int dev_rec(struct scan *s, struct vx_io *dev, uint64_t cur,
		   const struct arec *r, bool *orig, bool *after)
{
	uint64_t off = r->blk * s->h.bsize, end = off + r->len, aend = end;
	uint64_t have;
	int err;

	if (aend > s->f.dev_size_after)
		aend = s->f.dev_size_after;
	if (aend < off)
		aend = off;
	have = end <= cur ? end : cur;
	if (have < off)
		have = off;
	if ((err = vx_io_read(dev, off, s->buf, have - off)))
		return err;
	*orig = have == end && vx_crc32c(0, s->buf, r->len) == r->dcrc;
	*after = s->complete && aend <= have &&
		 vx_crc32c(0, s->buf, aend - off) == r->acrc;
	return 0;
}

/* what the device holds, as a VX_UNDO_DEV_* state (U8) */
static int dev_check(struct scan *s, struct vx_io *dev, uint64_t cur,
		     int *state)
{
	bool all_orig = true, all_after = true, orig, after;
	int err;

	*state = VX_UNDO_DEV_OTHER;
	if (s->complete && !s->have0) {
		if (s->f.b0len > cur)
			return 0;
		if ((err = vx_io_read(dev, 0, s->buf, s->f.b0len)))
			return err;
		if (vx_crc32c(0, s->buf, s->f.b0len) != s->f.b0crc)
			return 0;
	}
	for (size_t i = 0; i < s->n; i++) {
		if ((err = dev_rec(s, dev, cur, &s->recs[i], &orig, &after)))
			return err;
		all_orig &= orig;
		all_after &= after;
		if (!orig && !after && s->complete)
			return 0;
	}
	if (all_orig && cur == s->h.dev_size)
		*state = VX_UNDO_DEV_BEFORE;
	else if (!s->complete)
		*state = VX_UNDO_DEV_UNKNOWN;
	else if (all_after && cur == s->f.dev_size_after)
		*state = VX_UNDO_DEV_AFTER;
	else if (cur == s->h.dev_size || cur == s->f.dev_size_after)
		*state = VX_UNDO_DEV_PARTIAL;
	return 0;
}

/* write the originals back, newest first (U9); *@written counts them */
static int write_back(struct scan *s, struct vx_io *dev, uint64_t *written)
{
	int first = 0, err;

	for (size_t i = s->n; i-- > 0;) {
		const struct arec *r = &s->recs[i];

		err = vx_io_read(s->file, rec_off(s, i) + UNDO_REC_HDR, s->buf,
				 r->len);
		if (!err && vx_crc32c(0, s->buf, r->len) != r->dcrc)
			err = VX_EUNDO_CORRUPT;	/* changed since the scan */
		if (!err)
			err = vx_io_write(dev, r->blk * s->h.bsize, s->buf,
					  r->len);
		if (!err)
			(*written)++;
		else if (!first)
			first = err;
	}
	err = vx_io_flush(dev);
	return first ? first : err;
}

static int apply_scanned(struct scan *s, struct vx_io *dev, unsigned flags,
			 struct vx_undo_info *info)
{
	uint64_t cur;
	int err;

	if (!s->complete && !(flags & VX_UNDO_FORCE))
		return VX_EUNDO_INCOMPLETE;
	if ((err = vx_io_get_size(dev, &cur)) ||
	    (err = dev_check(s, dev, cur, &info->dev_state)))
		return err;
	if (info->dev_state == VX_UNDO_DEV_OTHER && !(flags & VX_UNDO_FORCE))
		return VX_EUNDO_MISMATCH;
	if (info->dev_state == VX_UNDO_DEV_BEFORE ||
	    (flags & VX_UNDO_DRY_RUN))
		return 0;
	/* (U9) the size first: a device that cannot change stops here */
	if (cur != s->h.dev_size &&
	    (err = vx_io_set_size(dev, s->h.dev_size)))
		return err;
	return write_back(s, dev, &info->written);
}

int vx_undo_apply_io(struct vx_io *dev, struct vx_io *file, unsigned flags,
		     struct vx_undo_info *out)
{
	struct vx_undo_info info;
	struct scan s;
	int err;

	if (!dev || !file || (flags & ~(VX_UNDO_FORCE | VX_UNDO_DRY_RUN)))
		return -EINVAL;
	if (!(err = scan_file(file, &s))) {
		scan_info(&s, &info);
		err = apply_scanned(&s, dev, flags, &info);
		if (out)
			*out = info;
	}
	scan_free(&s);
	return err;
}

int vx_undo_apply(struct vx_io *dev, const char *path, unsigned flags,
		  struct vx_undo_info *out)
{
	struct vx_io *file;
	int err;

	if (!dev || !path)
		return -EINVAL;
	if ((err = vx_io_unix_open(path, VX_IO_OPEN_RDONLY, &file)))
		return err;
	err = vx_undo_apply_io(dev, file, flags, out);
	vx_io_close(file);
	return err;
}
