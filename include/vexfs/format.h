/*
 * format.h: VexFS on-disk format v1, decoded.
 *
 * All on-disk integers are little-endian.  Each structure below is the
 * decoded, native form; lib/format.c is the one place that encodes and
 * decodes them, at the byte offsets given in the comments (the same
 * tables as man/vexfs.5).  Decoders validate what they read and return
 * VX_E* codes instead of trusting the image.
 *
 * Layout of a filesystem of N blocks, split into allocation groups of
 * group_blocks blocks (the last group may be shorter):
 *
 *   group g starts at block g * group_blocks and holds, in order:
 *     [superblock copy]  only in group 0 (the primary, block 0), group 1
 *                        and the last group (backups), when they exist
 *     group header       1 block
 *     block bitmap       bbitmap_blocks blocks
 *     inode bitmap       ibitmap_blocks blocks
 *     inode table        itable_blocks blocks
 *     data blocks        the rest
 *   the journal is a contiguous run of data blocks in group 0.
 */
#ifndef VEXFS_FORMAT_H
#define VEXFS_FORMAT_H

#include <stdint.h>
#include <stddef.h>
#include "io.h"

typedef uint64_t vx_ino_t;

#define VX_MIN_BLOCK_LOG	10	/* 1 KiB */
#define VX_MAX_BLOCK_LOG	16	/* 64 KiB */
#define VX_DEFAULT_BLOCK_LOG	12	/* 4 KiB */
#define VX_FORMAT_VERSION	1
#define VX_INODE_SIZE		256
#define VX_ROOT_INO		1
#define VX_NAME_MAX		255
#define VX_MAX_GROUPS		(1u << 24)
#define VX_MIN_JOURNAL_BLOCKS	256
#define VX_MAX_JOURNAL_BLOCKS	(1u << 22)

/* ---- self-describing metadata header: first 48 bytes of every metadata
 * block (superblock, group header, bitmaps, extent and directory nodes,
 * journal superblock).
 *   0  le32 magic      VX_META_MAGIC
 *   4  le16 type       VX_BT_*
 *   6  le16 flags      0
 *   8  le32 crc        crc32c of the whole block, this field taken as 0
 *  12  le32 reserved   0
 *  16  le64 blkno      the block's own number
 *  24  le64 seq        sequence number of the transaction that wrote it
 *  32  u8   uuid[16]   filesystem UUID
 */
#define VX_META_MAGIC	0x4258FE56u	/* bytes "V\xfeXB" */
#define VX_MHDR_SIZE	48

enum vx_block_type {
	VX_BT_SUPER = 1,
	VX_BT_GROUP = 2,
	VX_BT_BBITMAP = 3,
	VX_BT_IBITMAP = 4,
	VX_BT_EXTENT = 5,	/* extent tree node (index or leaf) */
	VX_BT_DIR = 6,		/* directory index node (internal or leaf) */
	VX_BT_JSUPER = 7,	/* journal superblock */
	VX_BT_MAX = 16
};

struct vx_mhdr {
	uint32_t magic;
	uint16_t type;
	uint16_t flags;
	uint32_t crc;
	vx_blk_t blkno;
	uint64_t seq;
	uint8_t uuid[16];
};

/* ---- superblock: block 0, after the metadata header
 *  48 le32 version          VX_FORMAT_VERSION
 *  52 le32 block_log        log2(block size), 10..16
 *  56 le64 block_count
 *  64 le32 group_blocks     blocks per group (multiple of 8)
 *  68 le32 group_count
 *  72 le32 inodes_per_group (multiple of inodes per block)
 *  76 le16 inode_size       256
 *  78 le16 state            VX_STATE_* bits
 *  80 le32 feature_compat
 *  84 le32 feature_incompat
 *  88 le32 feature_ro_compat
 *  92 le32 bbitmap_blocks   block-bitmap blocks per group
 *  96 le32 ibitmap_blocks   inode-bitmap blocks per group
 * 100 le32 itable_blocks    inode-table blocks per group
 * 104 le64 free_blocks      (hint; the group headers are authoritative)
 * 112 le64 free_inodes      (hint)
 * 120 le64 root_ino
 * 128 le64 lost_found_ino   0 if none
 * 136 le64 journal_start
 * 144 le64 journal_blocks
 * 152 le64 hash_seed        seed of the directory name hash
 * 160 le64 mkfs_time        seconds since the epoch
 * 168 le64 write_time       last time the superblock was written
 * 176 le64 last_seq         last transaction sequence number used
 * 184 le32 mount_count      (opens read-write)
 * 188 le32 error_count
 * 192 u8   label[64]        NUL-padded
 * 256 u8   creator[32]      "vexfs-progs X.Y", NUL-padded
 * 288 ..   zero to the end of the block
 */
#define VX_LABEL_MAX	64

/* state bits */
#define VX_STATE_CLEAN		0x0001	/* cleanly closed */
#define VX_STATE_ERRORS		0x0002	/* errors detected */
#define VX_STATE_INCOMPLETE	0x0004	/* mkfs did not finish */

/* feature bits; v1 defines none beyond these */
#define VX_FEATURE_COMPAT_SUPP		0u
#define VX_FEATURE_INCOMPAT_JOURNAL	0x0001u	/* internal journal region */
#define VX_FEATURE_INCOMPAT_SUPP	VX_FEATURE_INCOMPAT_JOURNAL
#define VX_FEATURE_RO_COMPAT_SUPP	0u

struct vx_super {
	struct vx_mhdr hdr;
	uint32_t version;
	uint32_t block_log;
	uint64_t block_count;
	uint32_t group_blocks;
	uint32_t group_count;
	uint32_t inodes_per_group;
	uint16_t inode_size;
	uint16_t state;
	uint32_t feature_compat, feature_incompat, feature_ro_compat;
	uint32_t bbitmap_blocks, ibitmap_blocks, itable_blocks;
	uint64_t free_blocks, free_inodes;
	vx_ino_t root_ino, lost_found_ino;
	vx_blk_t journal_start;
	uint64_t journal_blocks;
	uint64_t hash_seed;
	uint64_t mkfs_time, write_time;
	uint64_t last_seq;
	uint32_t mount_count, error_count;
	char label[VX_LABEL_MAX + 1];	/* NUL-terminated in memory */
	char creator[33];
};

/* ---- group header: the block after the superblock copy (if any)
 *  48 le32 group_no
 *  52 le32 flags            VX_GF_*
 *  56 le64 start            first block of the group
 *  64 le32 nblocks          blocks in this group
 *  68 le32 meta_blocks      blocks at the start used by sb/header/bitmaps/itable
 *  72 le32 free_blocks
 *  76 le32 free_inodes
 *  80 le32 used_dirs
 *  84 le32 itable_init      inodes whose slots have been zeroed (watermark)
 *  88 le64 bbitmap          first block-bitmap block
 *  96 le64 ibitmap          first inode-bitmap block
 * 104 le64 itable           first inode-table block
 */
#define VX_GF_BLOCK_UNINIT	0x1	/* bitmap not written: only meta used */
#define VX_GF_INODE_UNINIT	0x2	/* inode bitmap not written: all free */

struct vx_group {
	struct vx_mhdr hdr;
	uint32_t group_no;
	uint32_t flags;
	vx_blk_t start;
	uint32_t nblocks;
	uint32_t meta_blocks;
	uint32_t free_blocks;
	uint32_t free_inodes;
	uint32_t used_dirs;
	uint32_t itable_init;
	vx_blk_t bbitmap, ibitmap, itable;
};

/* Bitmap blocks: metadata header, then (block_size - 48) * 8 bits, bit i
 * of byte j is item j*8+i of the run the block covers. */

/* ---- inode: VX_INODE_SIZE bytes in the inode table; self-describing
 *   0 le16 magic       VX_INODE_MAGIC
 *   2 le16 mode        file type and permission bits (S_IF*)
 *   4 le32 crc         crc32c(uuid) continued over the 256 bytes, crc as 0
 *   8 le64 ino         its own number
 *  16 le64 seq         transaction that last wrote it
 *  24 le32 uid
 *  28 le32 gid
 *  32 le64 size        bytes
 *  40 le64 blocks      blocks allocated (data and extent-tree nodes)
 *  48 le32 nlink
 *  52 le32 flags       VX_IF_*
 *  56 le64 atime_sec   signed
 *  64 le64 mtime_sec
 *  72 le64 ctime_sec
 *  80 le64 crtime_sec
 *  88 le32 atime_nsec
 *  92 le32 mtime_nsec
 *  96 le32 ctime_nsec
 * 100 le32 crtime_nsec
 * 104 le64 rdev        device number for block/char nodes (Linux dev_t)
 * 112 le32 generation
 * 116 le16 depth       extent tree depth (0: extents are inline)
 * 118 le16 nentries    entries used in the inline area
 * 120 le64 parent      directories: parent inode (also in dir root)
 * 128 u8   area[128]   inline extents / index entries / symlink target
 *
 * A free inode slot is all zeroes (or beyond the group's itable_init).
 */
#define VX_INODE_MAGIC		0x4956u	/* "VI" */
#define VX_INLINE_AREA		128
#define VX_INLINE_SYMLINK_MAX	(VX_INLINE_AREA - 1)
#define VX_IF_INLINE_DATA	0x1	/* area holds a symlink target */

/* ---- extents: 24 bytes
 *   0 le64 lblk   first logical block
 *   8 le64 pblk   first physical block
 *  16 le32 len    blocks, 1..VX_EXT_MAX_LEN
 *  20 le32 flags  0
 * index entry: 16 bytes
 *   0 le64 lblk   first logical block covered by the child
 *   8 le64 child  physical block of the child node
 * Extent node block: metadata header, then
 *  48 le16 level   0 = leaf (extents), > 0 = index
 *  50 le16 count   entries used
 *  52 le32 reserved
 *  56 le64 owner   inode number
 *  64 ..  entries
 */
#define VX_EXTENT_SIZE		24
#define VX_INDEX_SIZE		16
#define VX_EXT_NODE_HDR		64
#define VX_EXT_MAX_LEN		(1u << 30)
#define VX_INLINE_EXTENTS	(VX_INLINE_AREA / VX_EXTENT_SIZE)	/* 5 */
#define VX_INLINE_INDEX		(VX_INLINE_AREA / VX_INDEX_SIZE)	/* 8 */
#define VX_MAX_EXT_DEPTH	5

struct vx_extent {
	uint64_t lblk;
	vx_blk_t pblk;
	uint32_t len;
	uint32_t flags;
};

struct vx_index {
	uint64_t lblk;
	vx_blk_t child;
};

struct vx_inode {
	vx_ino_t ino;
	uint64_t seq;
	uint16_t mode;
	uint32_t uid, gid;
	uint64_t size;
	uint64_t blocks;
	uint32_t nlink;
	uint32_t flags;
	int64_t atime_sec, mtime_sec, ctime_sec, crtime_sec;
	uint32_t atime_nsec, mtime_nsec, ctime_nsec, crtime_nsec;
	uint64_t rdev;
	uint32_t generation;
	uint16_t depth;
	uint16_t nentries;
	vx_ino_t parent;
	uint8_t area[VX_INLINE_AREA];
};

/* ---- directories
 * A directory's data (its logical blocks, mapped by its extents) is a
 * B+tree keyed by the 64-bit name hash; logical block 0 is the root.
 * Node block: metadata header, then
 *  48 le16 level     0 = leaf
 *  50 le16 count     entries in this node
 *  52 le32 used      bytes of the entry area in use
 *  56 le64 owner     directory inode
 *  64 le64 next      leaf: logical block of the next leaf, 0 = last
 *  72 le64 parent    root only: parent directory inode ("..")
 *  80 le64 nentries  root only: names in the whole directory
 *  88 ..  entries, sorted by (hash, name)
 * leaf entry (18 + namelen bytes):
 *   0 le64 hash  8 le64 ino  16 u8 type (VX_FT_*)  17 u8 namelen  18 name
 * internal entry (16 bytes): 0 le64 hash (lowest key in child), 8 le64 child lblk
 */
#define VX_DIR_NODE_HDR		88
#define VX_DIRENT_HDR		18
#define VX_DINDEX_SIZE		16
#define VX_MAX_DIR_DEPTH	8

enum vx_ftype {
	VX_FT_UNKNOWN = 0, VX_FT_REG = 1, VX_FT_DIR = 2, VX_FT_CHR = 3,
	VX_FT_BLK = 4, VX_FT_FIFO = 5, VX_FT_SOCK = 6, VX_FT_LNK = 7
};

/* ---- journal region: first block is the journal superblock
 * (VX_BT_JSUPER, metadata header, then)
 *  48 le32 version   1
 *  52 le32 flags     0
 *  56 le64 blocks    length of the region including this block
 *  64 le64 first_seq sequence at the tail (empty log: of the next one)
 *  72 le64 tail      log block where the oldest live transaction starts
 *                    (0: the log is empty)
 * The log format is in journal.h and man/vexfs.5.
 */
struct vx_jsuper {
	struct vx_mhdr hdr;
	uint32_t version, flags;
	uint64_t blocks;
	uint64_t first_seq;
	uint64_t tail;
};

/* ---- encode/decode (lib/format.c).  @blk is one whole block of
 * @bsize bytes.  Decoders check magic, type, crc, own block number and
 * UUID (when @uuid is non-NULL) and the ranges of every field. */
void vx_mhdr_seal(void *blk, size_t bsize);	/* compute and store crc */
int vx_mhdr_check(const void *blk, size_t bsize, uint16_t type,
		  vx_blk_t blkno, const uint8_t *uuid, struct vx_mhdr *out);
void vx_mhdr_encode(void *blk, const struct vx_mhdr *h);

void vx_super_encode(void *blk, size_t bsize, const struct vx_super *sb);
/* @bsize is the bytes available at @blk (>= 1024); the block size named
 * inside must not exceed it.  Validates geometry consistency. */
int vx_super_decode(const void *blk, size_t bsize, vx_blk_t blkno,
		    struct vx_super *sb);
void vx_group_encode(void *blk, size_t bsize, const struct vx_group *g);
int vx_group_decode(const void *blk, size_t bsize, vx_blk_t blkno,
		    const struct vx_super *sb, uint32_t group_no,
		    struct vx_group *g);
void vx_inode_encode(void *slot, const struct vx_inode *ino,
		     const uint8_t *uuid);
/* vx_inode_crc - the checksum an inode slot's crc field must hold:
 * crc32c of @uuid continued over the slot, the crc field taken as 0 */
uint32_t vx_inode_crc(const void *slot, const uint8_t *uuid);
/* Returns 1 for a free (all-zero) slot, 0 for a valid inode, <0 error. */
int vx_inode_decode(const void *slot, vx_ino_t ino, const uint8_t *uuid,
		    struct vx_inode *out);
void vx_jsuper_encode(void *blk, size_t bsize, const struct vx_jsuper *j);
int vx_jsuper_decode(const void *blk, size_t bsize, vx_blk_t blkno,
		     const uint8_t *uuid, struct vx_jsuper *j);

/* little-endian helpers */
static inline uint16_t vx_get16(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)(b[0] | b[1] << 8);
}
static inline uint32_t vx_get32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}
static inline uint64_t vx_get64(const void *p)
{
	return vx_get32(p) | (uint64_t)vx_get32((const uint8_t *)p + 4) << 32;
}
static inline void vx_put16(void *p, uint16_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}
static inline void vx_put32(void *p, uint32_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}
static inline void vx_put64(void *p, uint64_t v)
{
	vx_put32(p, (uint32_t)v);
	vx_put32((uint8_t *)p + 4, (uint32_t)(v >> 32));
}

#endif /* VEXFS_FORMAT_H */
