/*
 * inode.c: read and write inodes in the inode tables, through the cache.
 *
 * Inode N lives in group (N-1) / inodes_per_group, slot (N-1) % ipg.  A
 * slot at or past the group's itable_init watermark has never been
 * written and reads as free (-ENOENT) without touching the disk.
 */
#include <errno.h>
#include <string.h>
#include "fs_int.h"

static int inode_slot(struct vx_fs *fs, vx_ino_t ino, vx_blk_t *blk,
		      size_t *off, bool *uninit)
{
	uint64_t ipg = fs->sb.inodes_per_group, slot;
	uint32_t g;

	if (ino == 0 || ino > ipg * fs->sb.group_count)
		return -EINVAL;
	g = vx_ino_group(fs, ino);
	slot = (ino - 1) % ipg;
	*uninit = slot >= fs->groups[g].itable_init;
	*blk = fs->groups[g].itable + slot / fs->inodes_per_block;
	*off = (size_t)(slot % fs->inodes_per_block) * VX_INODE_SIZE;
	return 0;
}

int vx_inode_read(struct vx_fs *fs, vx_ino_t ino, struct vx_inode *out)
{
	struct vx_buf *b;
	vx_blk_t blk;
	size_t off;
	bool uninit;
	int err = inode_slot(fs, ino, &blk, &off, &uninit);

	if (err)
		return err;
	if (uninit)
		return -ENOENT;
	err = vx_cache_get(fs->cache, blk, 0, &b);
	if (err)
		return err;
	err = vx_inode_decode(b->data + off, ino, fs->sb.hdr.uuid, out);
	vx_cache_put(fs->cache, b);
	if (err == 1)
		return -ENOENT;
	if (err)
		vx_log(fs, VX_LOG_ERR, "inode %llu: %s", (unsigned long long)ino,
		       vx_strerror(err));
	return err;
}

int vx_inode_write(struct vx_fs *fs, struct vx_inode *ino)
{
	struct vx_buf *b;
	vx_blk_t blk;
	size_t off;
	bool uninit;
	int err = inode_slot(fs, ino->ino, &blk, &off, &uninit);

	if (err)
		return err;
	if (vx_fs_rdonly(fs))
		return VX_EROFS;
	if (uninit)
		return VX_ECORRUPT;	/* allocation always zeroes first */
	err = vx_cache_get(fs->cache, blk, 0, &b);
	if (err)
		return err;
	err = vx_tx_note_inode(fs, ino->ino, b, off);		/* (T2) */
	if (!err) {
		ino->seq = fs->sb.last_seq;
		vx_inode_encode(b->data + off, ino, fs->sb.hdr.uuid);
		vx_cache_dirty(fs->cache, b, false);
		err = vx_tx_note_dirty(fs, b);			/* (T1) */
	}
	vx_cache_put(fs->cache, b);
	return err;
}

int vx_inode_clear(struct vx_fs *fs, vx_ino_t ino)
{
	struct vx_buf *b;
	vx_blk_t blk;
	size_t off;
	bool uninit;
	int err = inode_slot(fs, ino, &blk, &off, &uninit);

	if (err || uninit)
		return err;
	err = vx_cache_get(fs->cache, blk, 0, &b);
	if (err)
		return err;
	err = vx_tx_note_inode(fs, ino, b, off);
	if (!err) {
		memset(b->data + off, 0, VX_INODE_SIZE);
		vx_cache_dirty(fs->cache, b, false);
		err = vx_tx_note_dirty(fs, b);
	}
	vx_cache_put(fs->cache, b);
	return err;
}
