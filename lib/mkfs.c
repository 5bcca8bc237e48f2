/*
 * mkfs.c: write a new, empty filesystem (vx_fs_format).
 *
 * Writes only what a reader needs: the superblock and its backups (first,
 * marked incomplete), every group header (bitmaps and inode tables left
 * uninitialised, see alloc.c) and the journal superblock.  Then it takes
 * a handle on the new filesystem from those in-memory headers (nothing is
 * read back) and makes the root directory (inode 1) and lost+found
 * through the ordinary code, so an image fresh from mkfs is built exactly
 * as any later change would build it.  The superblock says VX_STATE_INCOMPLETE
 * until the very end; a crash or error half way leaves an image that
 * every tool refuses as unfinished.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fs_int.h"

static int write_block(struct vx_io *io, vx_blk_t blk, uint32_t bsize,
		       const void *buf)
{
	return vx_io_write(io, blk * bsize, buf, bsize);
}

/* write every group header, keeping them in @groups for the open */
static int write_headers(struct vx_io *io, const struct vx_super *sb,
			 uint8_t *buf, struct vx_group *groups)
{
	uint32_t bsize = 1u << sb->block_log;
	int err = 0;

	for (uint32_t g = 0; g < sb->group_count && !err; g++) {
		vx_group_fresh(sb, g, &groups[g]);
		vx_group_encode(buf, bsize, &groups[g]);
		err = write_block(io, groups[g].hdr.blkno, bsize, buf);
	}
	return err;
}

/* the primary superblock and its backups, each naming its own block */
static int write_supers(struct vx_io *io, struct vx_super *sb, uint8_t *buf)
{
	uint32_t bsize = 1u << sb->block_log;
	vx_blk_t where[3] = { 0 };
	int n = 1 + vx_fs_backup_blocks(sb, where + 1), err = 0;

	for (int i = 0; i < n && !err; i++) {
		sb->hdr.blkno = where[i];
		vx_super_encode(buf, bsize, sb);
		err = write_block(io, where[i], bsize, buf);
	}
	sb->hdr.blkno = 0;
	return err;
}

static int write_journal_super(struct vx_io *io, const struct vx_super *sb,
			       uint8_t *buf)
{
	struct vx_jsuper j = { 0 };

	j.hdr.type = VX_BT_JSUPER;
	j.hdr.blkno = sb->journal_start;
	j.hdr.seq = sb->last_seq;
	memcpy(j.hdr.uuid, sb->hdr.uuid, 16);
	j.version = 1;
	j.blocks = sb->journal_blocks;
	vx_jsuper_encode(buf, 1u << sb->block_log, &j);
	return write_block(io, sb->journal_start, 1u << sb->block_log, buf);
}

int vx_root_make(struct vx_fs *fs, int64_t sec)
{
	struct vx_inode root;
	vx_ino_t ino;
	int err = vx_alloc_inode(fs, 0, true, &ino);

	if (err)
		return err;
	if (ino != VX_ROOT_INO)
		return VX_ECORRUPT;	/* its slot is taken */
	memset(&root, 0, sizeof(root));
	root.ino = ino;
	root.mode = S_IFDIR | 0755;
	root.nlink = 2;
	root.atime_sec = root.mtime_sec = root.ctime_sec = root.crtime_sec = sec;
	err = vx_dir_init(fs, &root, VX_ROOT_INO);
	return err ? err : vx_inode_write(fs, &root);
}

/* root (inode 1) and lost+found, dated at mkfs time */
static int make_root(struct vx_fs *fs)
{
	struct vx_attr lf = { .mode = 0700 };
	struct timespec t = { .tv_sec = (time_t)fs->sb.mkfs_time };
	vx_ino_t ino;
	int err = vx_root_make(fs, (int64_t)fs->sb.mkfs_time);

	lf.atime = lf.mtime = lf.ctime = lf.crtime = t;
	if (!err)
		err = vx_mkdir(fs, NULL, VX_ROOT_INO, "lost+found", &lf, &ino);
	if (!err) {
		fs->sb.lost_found_ino = ino;
		err = vx_setattr(fs, NULL, VX_ROOT_INO, &(struct vx_attr){
			.atime = t, .mtime = t, .ctime = t },
			VX_SET_ATIME | VX_SET_MTIME | VX_SET_CTIME);
	}
	return err;
}

int vx_fs_format(struct vx_io *io, const struct vx_super *plan,
		 unsigned flags)
{
	struct vx_super sb = *plan;
	struct vx_open_opts o = { .flags = VX_OPEN_INCOMPLETE,
				  .fixed_time = (int64_t)plan->mkfs_time };
	struct vx_group *groups = NULL;
	struct vx_fs *fs = NULL;
	uint64_t size;
	uint8_t *buf;
	int err = vx_super_check(&sb);

	if (err)
		return err;
	if (io->flags & VX_IO_RDONLY)
		return VX_EROFS;
	if ((1u << sb.block_log) < io->sector_size)
		return VX_EBLOCKSIZE;	/* writes would not be sector-aligned */
	err = vx_io_get_size(io, &size);
	if (err)
		return err;
	if (size >> sb.block_log < sb.block_count)
		return VX_ENOSPC;
	buf = calloc(1, 1u << sb.block_log);
	groups = calloc(sb.group_count, sizeof(*groups));
	if (!buf || !groups) {
		err = -ENOMEM;
		goto out_free;
	}
	/* the superblock says INCOMPLETE until the close below, whose sync
	 * flushes everything else before it writes the finished one */
	sb.state = VX_STATE_CLEAN | VX_STATE_INCOMPLETE;
	sb.hdr.type = VX_BT_SUPER;
	sb.hdr.seq = sb.last_seq;
	err = write_supers(io, &sb, buf);
	if (!err)
		err = write_headers(io, &sb, buf, groups);
	if (!err)
		err = write_journal_super(io, &sb, buf);
	if (!err) {
		sb.state &= (uint16_t)~VX_STATE_CLEAN;	/* in use until closed */
		err = vx_fs_open_new(io, &sb, groups, &o, &fs);
	}
out_free:
	free(buf);
	free(groups);
	if (err)
		return err;
	err = make_root(fs);
	fs->sb.mount_count = 0;	/* making it was not a use of it */
	if (!err && !(flags & VX_FORMAT_INCOMPLETE))
		vx_fs_set_state(fs, VX_STATE_INCOMPLETE, 0);
	{
		int err2 = vx_fs_close(fs);
		err = err ? err : err2;
	}
	return err;
}
