/*
 * undo_int.h: the undo file format, shared by the writer (io_undo.c), the
 * reader (undo_apply.c), the fuzz target and the unit tests.
 *
 * An undo file is a header, then records of a fixed size, one per saved
 * block, in the order they were saved, then (when the session closed) a
 * footer.  All integers little-endian.  S, the session seed, is the
 * crc32c of the 128 header bytes (its crc field included): it salts
 * every record's and the footer's checksum, so that nothing from
 * another session or file checks out in this one.
 *
 * Header, UNDO_HDR_SIZE (128) bytes at offset 0:
 *    0 u8[8]  magic      "VEXUNDO\0"
 *    8 le32   version    1
 *   12 le32   hdr_size   128
 *   16 le32   bsize      undo block size: a power of two, 512..65536
 *   20 le32   flags      bit 0: fs_uuid is valid; other bits 0
 *   24 le64   dev_size   device bytes when the session began (<= 2^63-1)
 *   32 le64   created    seconds since the epoch (signed)
 *   40 le64   nonce      random: this session's own
 *   48 u8[16] fs_uuid    UUID of the VexFS superblock in block 0, or 0
 *   64 u8[60] reserved   0
 *  124 le32   crc        crc32c of bytes 0..123
 *
 * Record i, R = 32 + bsize bytes at offset 128 + i * R:
 *    0 le32   magic      UNDO_REC_MAGIC
 *    4 le32   len        bytes saved: min(bsize, dev_size - blkno*bsize)
 *    8 le64   index      i
 *   16 le64   blkno      the block: bytes [blkno*bsize, +len) of the device
 *   24 le32   dcrc       crc32c of the len data bytes
 *   28 le32   rcrc       crc32c of bytes 0..27, continuing from S
 *   32 u8[bsize] data    the original bytes, zero after len
 * Every blkno is below ceil(dev_size / bsize) and appears once.
 *
 * Footer, at offset 128 + n * R for n records:
 *    0 le32   magic      UNDO_FOOT_MAGIC
 *    4 le32   b0len      min(bsize, dev_size, dev_size_after)
 *    8 le64   count      n
 *   16 le64   dev_size_after  device bytes after the session (<= 2^63-1)
 *   24 le64   closed     seconds since the epoch (signed)
 *   32 le32   b0crc      crc32c of the device's first b0len bytes after
 *                        the session
 *   36 le32   tcrc       crc32c of the after[] table
 *   40 le32   reserved   0
 *   44 le32   fcrc       crc32c of bytes 0..43, continuing from S
 *   48 le32   after[n]   per record: crc32c of the bytes [blkno*bsize,
 *                        +len) that lie below dev_size_after, as the
 *                        session left them
 * The file's valid part is the header, the longest run of records from
 * index 0 that check out (magic, rcrc, dcrc), and the footer if one that
 * checks out (magic, fcrc, tcrc) follows that run directly.  Bytes after
 * it are a torn tail, ignored.  A record or footer whose checksums hold
 * but whose fields break the rules above makes the file corrupt.
 */
#ifndef VEXFS_UNDO_INT_H
#define VEXFS_UNDO_INT_H

#include <stdint.h>
#include <string.h>

#include <vexfs/crc.h>
#include <vexfs/format.h>
#include <vexfs/undo.h>

#define UNDO_MAGIC		"VEXUNDO"	/* 8 bytes with the NUL */
#define UNDO_VERSION		1u
#define UNDO_HDR_SIZE		128u
#define UNDO_REC_HDR		32u
#define UNDO_FOOT_SIZE		48u
#define UNDO_REC_MAGIC		0x52565855u	/* "UXVR" */
#define UNDO_FOOT_MAGIC		0x46565855u	/* "UXVF" */
#define UNDO_HF_UUID		0x1u
#define UNDO_MAX_DEV		((uint64_t)INT64_MAX)

/* the header, decoded */
struct undo_hdr {
	uint32_t version, bsize, flags;
	uint64_t dev_size;
	int64_t created;
	uint64_t nonce;
	uint8_t fs_uuid[16];
	uint32_t seed;			/* S */
};

/* one record's 32-byte head, decoded */
struct undo_rec {
	uint32_t len;
	uint64_t index, blkno;
	uint32_t dcrc;
};

/* the footer's fixed part, decoded */
struct undo_foot {
	uint32_t b0len;
	uint64_t count, dev_size_after;
	int64_t closed;
	uint32_t b0crc, tcrc;
};

static inline uint64_t undo_rec_size(uint32_t bsize)
{
	return UNDO_REC_HDR + (uint64_t)bsize;
}

/* bytes of block @blkno that existed on a device of @dev_size bytes */
static inline uint32_t undo_blk_len(uint64_t dev_size, uint32_t bsize,
				    uint64_t blkno)
{
	uint64_t off = blkno * bsize;

	return dev_size - off < bsize ? (uint32_t)(dev_size - off) : bsize;
}

/* blocks that had bytes on a device of @dev_size bytes */
static inline uint64_t undo_nblocks(uint64_t dev_size, uint32_t bsize)
{
	return dev_size / bsize + (dev_size % bsize != 0);
}

/* header bytes from @h (all but seed); stores the crc, returns S */
static inline uint32_t undo_hdr_encode(uint8_t *b, const struct undo_hdr *h)
{
	memset(b, 0, UNDO_HDR_SIZE);
	memcpy(b, UNDO_MAGIC, 8);
	vx_put32(b + 8, h->version);
	vx_put32(b + 12, UNDO_HDR_SIZE);
	vx_put32(b + 16, h->bsize);
	vx_put32(b + 20, h->flags);
	vx_put64(b + 24, h->dev_size);
	vx_put64(b + 32, (uint64_t)h->created);
	vx_put64(b + 40, h->nonce);
	memcpy(b + 48, h->fs_uuid, 16);
	vx_put32(b + 124, vx_crc32c(0, b, 124));
	return vx_crc32c(0, b, UNDO_HDR_SIZE);
}

/* seal a record head at @b (fields already in place, data at b + 32):
 * dcrc over the len bytes (len taken as at most bsize), then rcrc */
static inline void undo_rec_seal(uint8_t *b, uint32_t bsize, uint32_t seed)
{
	uint32_t len = vx_get32(b + 4);

	vx_put32(b + 24, vx_crc32c(0, b + UNDO_REC_HDR,
				   len < bsize ? len : bsize));
	vx_put32(b + 28, vx_crc32c(seed, b, 28));
}

static inline void undo_rec_encode(uint8_t *b, const struct undo_rec *r,
				   uint32_t bsize, uint32_t seed)
{
	vx_put32(b, UNDO_REC_MAGIC);
	vx_put32(b + 4, r->len);
	vx_put64(b + 8, r->index);
	vx_put64(b + 16, r->blkno);
	undo_rec_seal(b, bsize, seed);
}

/* the footer's fixed part (tcrc given in @f), fcrc computed */
static inline void undo_foot_encode(uint8_t *b, const struct undo_foot *f,
				    uint32_t seed)
{
	memset(b, 0, UNDO_FOOT_SIZE);
	vx_put32(b, UNDO_FOOT_MAGIC);
	vx_put32(b + 4, f->b0len);
	vx_put64(b + 8, f->count);
	vx_put64(b + 16, f->dev_size_after);
	vx_put64(b + 24, (uint64_t)f->closed);
	vx_put32(b + 32, f->b0crc);
	vx_put32(b + 36, f->tcrc);
	vx_put32(b + 44, vx_crc32c(seed, b, 44));
}

struct vx_io;

/* undo_apply.c: the same as the public calls, on an undo file already
 * open as @file (a mem device for the fuzzer, the unix file otherwise) */
int vx_undo_scan_io(struct vx_io *file, struct vx_undo_info *out);
int vx_undo_apply_io(struct vx_io *dev, struct vx_io *file, unsigned flags,
		     struct vx_undo_info *out);

#endif /* VEXFS_UNDO_INT_H */
