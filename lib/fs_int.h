/*
 * fs_int.h: libvexfs internals shared by the lib's modules (never
 * installed).  The open filesystem handle, the block cache, allocation,
 * inodes, extent maps and directories.
 */
#ifndef VEXFS_FS_INT_H
#define VEXFS_FS_INT_H

#include <pthread.h>
#include <stdbool.h>
#include "vexfs/vexfs.h"

/* ---- block cache (cache.c) ---- */
struct vx_buf {
	vx_blk_t blkno;
	unsigned refcnt;
	unsigned flags;			/* VX_BUF_* */
	uint64_t seq;			/* journal sequence of the last
					 * committed change (C5) */
	unsigned txns;			/* running transactions that changed
					 * it and hold it (C5) */
	uint64_t log_epoch;		/* log cycle that holds an image of
					 * it (C5); 0: none */
	struct vx_buf *hnext;		/* hash chain */
	struct vx_buf *lprev, *lnext;	/* LRU list of unreferenced buffers */
	uint8_t *data;
};
#define VX_BUF_DIRTY	0x1
#define VX_BUF_META	0x2	/* starts with a metadata header: seal on write */
#define VX_BUF_VERIFIED	0x4	/* header checked since it was read */
#define VX_BUF_CHECKED	0x8	/* contents checked by the owning module
				 * (or built by it) since it was read */

struct vx_cache;

#define VX_GET_NOREAD	0x1	/* caller overwrites the block: zero-fill */

int vx_cache_new(struct vx_io *io, size_t bsize, size_t max_bytes,
		 struct vx_cache **out);
void vx_cache_free(struct vx_cache *c);
int vx_cache_get(struct vx_cache *c, vx_blk_t blkno, unsigned flags,
		 struct vx_buf **out);
void vx_cache_put(struct vx_cache *c, struct vx_buf *b);
void vx_cache_dirty(struct vx_cache *c, struct vx_buf *b, bool meta);
/* write back every dirty buffer, in block order; does not flush the io */
int vx_cache_writeback(struct vx_cache *c);
/* the journal sequence number known durable and the current log cycle
 * (C5); NULL: everything may be written */
void vx_cache_set_durable(struct vx_cache *c, const uint64_t *durable,
			  const uint64_t *epoch);
/* take another reference on a buffer the caller holds */
void vx_cache_ref(struct vx_cache *c, struct vx_buf *b);
/* (C5) the held buffers @bufs got their last committed change from
 * commit @seq */
void vx_cache_committed(struct vx_cache *c, struct vx_buf *const *bufs,
			size_t n, uint64_t seq);
/* (C5) the cached ones of blocks @blks have an image in log cycle @cycle */
void vx_cache_logged(struct vx_cache *c, const vx_blk_t *blks, size_t n,
		     uint64_t cycle);
/* drop a cached block without writing it (it was freed) */
void vx_cache_forget(struct vx_cache *c, vx_blk_t blkno);

/* ---- the open filesystem ---- */
struct vx_fs {
	struct vx_io *io;
	struct vx_cache *cache;
	struct vx_super sb;
	struct vx_group *groups;	/* sb.group_count headers */
	uint8_t *gdirty;		/* per group: header needs writing */
	uint32_t *ihint;		/* per group: no free inode below this */
	unsigned flags;			/* VX_OPEN_* */
	vx_blk_t sb_block;		/* where the superblock came from */
	uint32_t bsize;
	uint32_t bits_per_bitmap;	/* (bsize - 48) * 8 */
	uint32_t inodes_per_block;
	vx_blk_t alloc_cursor;		/* next-fit goal for data blocks */
	bool sb_dirty;
	bool backups_dirty;		/* rewrite the superblock backups */
	vx_log_fn log;
	void *log_ctx;
	int64_t fixed_time;		/* see vx_open_opts */
	struct vx_jrecovery jinfo;	/* what the open's recovery did */
	bool jdirty;			/* read-only open of a dirty journal */
	bool own_io;			/* close the io in vx_fs_close */
	pthread_mutex_t lock;		/* one operation at a time in the
					 * structures; transactions interleave
					 * between operations */
	struct vx_txstate *tx;		/* transactions (read-write opens) */
	struct vx_txfam *cur;		/* transaction of the running op */
	uint8_t *scratch;		/* one block, under fs->lock */
	bool undoing;			/* a rollback runs: stamp nothing */
};

/* ---- transaction hooks (txn.c): the structure modules call these as
 * they change blocks; outside an operation of a transaction (fs->cur
 * NULL: mkfs layout, replay) they do nothing ---- */
/* an owned metadata block (directory, extent node) is about to change */
int vx_tx_note_block(struct vx_fs *fs, struct vx_buf *b);
/* an owned metadata block was built afresh */
int vx_tx_note_fresh(struct vx_fs *fs, struct vx_buf *b);
/* the inode slot at @off of table block @b is about to change */
int vx_tx_note_inode(struct vx_fs *fs, vx_ino_t ino, struct vx_buf *b,
		     size_t off);
/* @b was changed: hold it until the transaction ends */
int vx_tx_note_dirty(struct vx_fs *fs, struct vx_buf *b);
int vx_tx_note_alloc(struct vx_fs *fs, vx_blk_t start, uint64_t count);
int vx_tx_note_ialloc(struct vx_fs *fs, vx_ino_t ino, bool dir);
/* 1: the free is deferred to the commit; 0: free now; <0 error */
int vx_tx_defer_free(struct vx_fs *fs, vx_blk_t start, uint64_t count);
int vx_tx_defer_ifree(struct vx_fs *fs, vx_ino_t ino, bool dir);
/* file data block @blk was written in place with contents of @crc */
int vx_tx_note_data(struct vx_fs *fs, vx_blk_t blk, uint32_t crc);
/* was @blk allocated (and written) for data by this transaction? */
bool vx_tx_own_data(struct vx_fs *fs, vx_blk_t blk);

void vx_log(struct vx_fs *fs, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* current time, or the fixed mkfs time while formatting */
void vx_now(struct vx_fs *fs, struct timespec *ts);
/* stamp a metadata header into a freshly created block */
void vx_meta_init(struct vx_fs *fs, struct vx_buf *b, uint16_t type);
/* mark a metadata buffer dirty with the current sequence number */
void vx_meta_dirty(struct vx_fs *fs, struct vx_buf *b);
/* read a metadata block through the cache and verify its header */
int vx_meta_read(struct vx_fs *fs, vx_blk_t blkno, uint16_t type,
		 struct vx_buf **out);
static inline bool vx_fs_rdonly(const struct vx_fs *fs)
{
	return fs->flags & VX_OPEN_RDONLY;
}

/* an image marked incomplete (mkfs filling it): no tool opens or
 * recovers it after a crash, so what makes commits durable and
 * checkable (a flush per batch, data crcs for J7) is not needed before
 * the sync that clears the mark, which flushes everything */
static inline bool vx_fs_unfinished(const struct vx_fs *fs)
{
	return fs->sb.state & VX_STATE_INCOMPLETE;
}

/* the fields of an inode slot / group header as stored, unchecked (the
 * checker reads damaged ones; the decoders validate after these) */
void vx_inode_unpack(const void *slot, vx_ino_t ino, struct vx_inode *in);
void vx_group_unpack(const void *blk, struct vx_group *g);

/* read and decode the superblock at @blkno (0: the primary; else a
 * backup, whatever the block size) (super.c) */
int vx_super_read(struct vx_io *io, vx_blk_t blkno, struct vx_super *sb);

/* ---- whole-buffer descriptor I/O (io_unix.c), for the io layers that
 * own a file: all of @len or -errno (-EIO at the end of the file) ---- */
int vx_fd_pread(int fd, void *buf, size_t len, uint64_t off);
int vx_fd_pwrite(int fd, const void *buf, size_t len, uint64_t off);
/* fdatasync (fsync when @full), retried on EINTR */
int vx_fd_sync(int fd, bool full);

/* full geometry check of a superblock (format.c) */
int vx_super_check(const struct vx_super *sb);

/* a handle on a filesystem just laid out by vx_fs_format: superblock
 * and group headers from memory, nothing read; @io stays the caller's */
int vx_fs_open_new(struct vx_io *io, const struct vx_super *sb,
		   const struct vx_group *groups, const struct vx_open_opts *opts,
		   struct vx_fs **out);

/* ---- geometry (layout.c) ---- */
struct vx_glayout {
	vx_blk_t start;		/* first block of the group */
	uint32_t nblocks;
	vx_blk_t sb_copy;	/* 0: none (group 0's primary is block 0) */
	vx_blk_t header, bbitmap, ibitmap, itable;
	uint32_t meta_blocks;	/* incl. the journal in group 0 */
};
void vx_group_layout(const struct vx_super *sb, uint32_t g,
		     struct vx_glayout *out);
bool vx_group_has_backup(const struct vx_super *sb, uint32_t g);
/* the header of group @g as mkfs writes it: nothing used but metadata,
 * bitmaps and inode table uninitialised */
void vx_group_fresh(const struct vx_super *sb, uint32_t g,
		    struct vx_group *grp);

/* ---- allocation (alloc.c) ---- */
/* allocate up to @want contiguous blocks near @goal; *@got >= 1 */
int vx_alloc_blocks(struct vx_fs *fs, vx_blk_t goal, uint64_t want,
		    vx_blk_t *start, uint64_t *got);
/* inside a transaction frees are deferred to its commit (txn.c) */
int vx_free_blocks(struct vx_fs *fs, vx_blk_t start, uint64_t count);
int vx_free_blocks_now(struct vx_fs *fs, vx_blk_t start, uint64_t count);
int vx_free_inode_now(struct vx_fs *fs, vx_ino_t ino, bool dir);
int vx_alloc_inode(struct vx_fs *fs, uint32_t group_hint, bool dir,
		   vx_ino_t *ino);
int vx_free_inode(struct vx_fs *fs, vx_ino_t ino, bool dir);
/* is block @b allocated (bitmap read)? for tests and the checker */
int vx_block_in_use(struct vx_fs *fs, vx_blk_t b, bool *used);

/* ---- inodes (inode.c) ---- */
int vx_inode_read(struct vx_fs *fs, vx_ino_t ino, struct vx_inode *out);
int vx_inode_write(struct vx_fs *fs, struct vx_inode *ino);
/* zero the slot of a freed inode */
int vx_inode_clear(struct vx_fs *fs, vx_ino_t ino);
static inline uint32_t vx_ino_group(const struct vx_fs *fs, vx_ino_t ino)
{
	return (uint32_t)((ino - 1) / fs->sb.inodes_per_group);
}

/* ---- extent maps (extent.c) ---- */
/* map @lblk: *pblk 0 for a hole; *run = blocks in the same state */
int vx_extent_map(struct vx_fs *fs, struct vx_inode *ino, uint64_t lblk,
		  vx_blk_t *pblk, uint64_t *run);
/* map lblk..lblk+len-1 (all mapped by one extent) to new blocks at
 * @pblk; the old blocks are freed */
int vx_extent_remap(struct vx_fs *fs, struct vx_inode *ino, uint64_t lblk,
		    uint32_t len, vx_blk_t pblk);
/* add the mapping lblk..lblk+len-1 -> pblk.. (range must be a hole) */
int vx_extent_insert(struct vx_fs *fs, struct vx_inode *ino, uint64_t lblk,
		     vx_blk_t pblk, uint32_t len);
/* free every block mapped at or after @lblk, and tree nodes left empty */
int vx_extent_truncate(struct vx_fs *fs, struct vx_inode *ino, uint64_t lblk);
/* call @fn for every extent in logical order */
typedef int (*vx_extent_fn)(void *ctx, const struct vx_extent *e);
int vx_extent_walk(struct vx_fs *fs, struct vx_inode *ino, vx_extent_fn fn,
		   void *ctx);

/* ---- directories (dir.c) ---- */
uint64_t vx_name_hash(uint64_t seed, const char *name, size_t len);
/* the order of directory entries: by hash, then name bytes, then length */
int vx_dir_key_cmp(uint64_t h1, const char *n1, size_t l1,
		   uint64_t h2, const uint8_t *n2, size_t l2);
int vx_dir_init(struct vx_fs *fs, struct vx_inode *dir, vx_ino_t parent);
int vx_dir_find(struct vx_fs *fs, struct vx_inode *dir, const char *name,
		size_t len, vx_ino_t *ino, unsigned *type);
int vx_dir_add(struct vx_fs *fs, struct vx_inode *dir, const char *name,
	       size_t len, vx_ino_t ino, unsigned type);
int vx_dir_remove(struct vx_fs *fs, struct vx_inode *dir, const char *name,
		  size_t len);
int vx_dir_count(struct vx_fs *fs, struct vx_inode *dir, uint64_t *n);
int vx_dir_set_parent(struct vx_fs *fs, struct vx_inode *dir, vx_ino_t p);
int vx_dir_iterate(struct vx_fs *fs, struct vx_inode *dir, vx_dirent_fn fn,
		   void *ctx);

/* ---- mkfs (mkfs.c) ---- */
/* a new, empty root directory in inode VX_ROOT_INO, which must be the
 * lowest free inode (VX_ECORRUPT otherwise), dated @sec; mkfs and the
 * checker (a lost root) make it */
int vx_root_make(struct vx_fs *fs, int64_t sec);

/* ---- operations (ops.c) ---- */
/* one path component: not empty, no '/', not "." or "..", at most
 * VX_NAME_MAX bytes (-EINVAL, -ENAMETOOLONG); *@len its length */
int vx_check_name(const char *name, size_t *len);

/* growable array: room for @need elements of @elem bytes in *@v, whose
 * capacity is *@cap (doubling); 0 or -ENOMEM */
int vx_grow(void **v, size_t *cap, size_t need, size_t elem);

/* uint64 -> int64 open-addressing map (grow.c): key 0 unused; a
 * negative value reads as absent */
struct kmap {
	uint64_t *keys;
	int64_t *vals;
	size_t cap, n;
};
int kmap_put(struct kmap *m, uint64_t key, int64_t val);
bool kmap_get(const struct kmap *m, uint64_t key, int64_t *val);
void kmap_free(struct kmap *m);


/* ---- file data (file.c) ---- */
int vx_file_read(struct vx_fs *fs, struct vx_inode *ino, uint64_t off,
		 void *buf, size_t len, size_t *done);
int vx_file_write(struct vx_fs *fs, struct vx_inode *ino, uint64_t off,
		  const void *buf, size_t len);
int vx_file_truncate(struct vx_fs *fs, struct vx_inode *ino, uint64_t size);

#endif /* VEXFS_FS_INT_H */
