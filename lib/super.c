/*
 * super.c: open, sync and close a filesystem; superblock and group
 * headers in memory.
 *
 * vx_fs_open reads the superblock (block 0 or a backup), checks every
 * field (format.c) and every group header against the geometry the
 * superblock implies (layout.c), and refuses images that mkfs did not
 * finish or that use features this library does not know.  The group
 * headers live in memory while the filesystem is open and are written
 * back by vx_fs_sync, together with the dirty cached blocks and the
 * superblock (primary only; backups are written by mkfs).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "txn_int.h"

#define DEFAULT_CACHE_BYTES	(32u << 20)

void vx_log(struct vx_fs *fs, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!fs->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fs->log(fs->log_ctx, level, msg);
}

void vx_now(struct vx_fs *fs, struct timespec *ts)
{
	if (fs->fixed_time) {
		ts->tv_sec = (time_t)fs->fixed_time;
		ts->tv_nsec = 0;
		return;
	}
	clock_gettime(CLOCK_REALTIME, ts);
}

/* blocks that belong to one inode (its lock covers them): changes to
 * them are undone from before-images (T2) */
static bool owned_type(uint16_t type)
{
	return type == VX_BT_EXTENT || type == VX_BT_DIR;
}

/* a hook that could not record its entry fails the operation */
static void tx_hook(struct vx_fs *fs, int err)
{
	if (err && fs->cur && !fs->cur->hook_err)
		fs->cur->hook_err = err;
}

void vx_meta_init(struct vx_fs *fs, struct vx_buf *b, uint16_t type)
{
	struct vx_mhdr h = { .type = type, .blkno = b->blkno,
			     .seq = fs->sb.last_seq };

	memcpy(h.uuid, fs->sb.hdr.uuid, 16);
	vx_mhdr_encode(b->data, &h);
	if (owned_type(type))
		tx_hook(fs, vx_tx_note_fresh(fs, b));
}

void vx_meta_dirty(struct vx_fs *fs, struct vx_buf *b)
{
	/* a transaction's blocks get its sequence number at its commit */
	if (!fs->cur && !fs->undoing)
		vx_put64(b->data + 24, fs->sb.last_seq);
	vx_cache_dirty(fs->cache, b, true);
	tx_hook(fs, vx_tx_note_dirty(fs, b));
}

int vx_meta_read(struct vx_fs *fs, vx_blk_t blkno, uint16_t type,
		 struct vx_buf **out)
{
	struct vx_buf *b;
	int err;

	if (blkno == 0 || blkno >= fs->sb.block_count)
		return VX_ECORRUPT;
	err = vx_cache_get(fs->cache, blkno, 0, &b);
	if (err)
		return err;
	/* a dirty buffer is being edited: its crc is sealed at writeback */
	if (!(b->flags & (VX_BUF_DIRTY | VX_BUF_VERIFIED))) {
		err = vx_mhdr_check(b->data, fs->bsize, type, blkno,
				    fs->sb.hdr.uuid, NULL);
		if (err) {
			vx_cache_put(fs->cache, b);
			vx_cache_forget(fs->cache, blkno);
			return err;
		}
		b->flags |= VX_BUF_VERIFIED;
	} else if (vx_get16(b->data + 4) != type) {
		vx_cache_put(fs->cache, b);
		return VX_ECORRUPT;	/* one block claimed as two kinds */
	}
	if (owned_type(type) && (err = vx_tx_note_block(fs, b))) {
		vx_cache_put(fs->cache, b);
		return err;
	}
	*out = b;
	return 0;
}

/* read a backup superblock at block @blkno: its byte offset depends on
 * the block size, so try each; the one that decodes names its own size */
static int read_backup_super(struct vx_io *io, vx_blk_t blkno,
			     struct vx_super *sb)
{
	uint8_t *buf = malloc(1u << VX_MAX_BLOCK_LOG);
	int err = VX_EBADMAGIC, first = 0;

	if (!buf)
		return -ENOMEM;
	for (uint32_t blog = VX_MIN_BLOCK_LOG; blog <= VX_MAX_BLOCK_LOG; blog++) {
		if (blkno > (UINT64_MAX >> blog))
			break;
		err = vx_io_read(io, blkno << blog, buf, 1u << blog);
		if (!err)
			err = vx_super_decode(buf, 1u << blog, blkno, sb);
		if (!err && sb->block_log != blog)
			err = VX_ECORRUPT;
		if (!err)
			break;
		if (err != VX_EBADMAGIC && err != -EIO && err != -EAGAIN &&
		    !first)
			first = err;	/* a damaged copy: say so, not "none" */
	}
	free(buf);
	if (err && (err == VX_EBADMAGIC || err == -EIO || err == -EAGAIN))
		err = first ? first : VX_EBADMAGIC;
	return err;
}

/* read the superblock at @blkno whatever the block size */
int vx_super_read(struct vx_io *io, vx_blk_t blkno, struct vx_super *sb)
{
	size_t len = 1024;
	uint8_t *buf = NULL;
	int err;

	if (blkno)
		return read_backup_super(io, blkno, sb);
	for (;;) {
		uint64_t off = blkno * len;

		free(buf);
		buf = malloc(len);
		if (!buf)
			return -ENOMEM;
		/* a backup's byte offset depends on the block size we try */
		err = vx_io_read(io, off, buf, len);
		if (err == -EIO && blkno == 0)
			err = VX_EBADMAGIC;	/* device smaller than 1 KiB */
		if (!err)
			err = vx_super_decode(buf, len, blkno, sb);
		if (err != -EAGAIN || len >= (1u << VX_MAX_BLOCK_LOG))
			break;
		len = 1u << sb->block_log;
	}
	free(buf);
	return err;
}

static int check_features(const struct vx_super *sb, unsigned flags)
{
	if (sb->feature_incompat & ~VX_FEATURE_INCOMPAT_SUPP)
		return VX_EUNSUPPORTED;
	if (!(sb->feature_incompat & VX_FEATURE_INCOMPAT_JOURNAL))
		return VX_ECORRUPT;
	if ((sb->feature_ro_compat & ~VX_FEATURE_RO_COMPAT_SUPP) &&
	    !(flags & VX_OPEN_RDONLY))
		return VX_EROFS;
	if ((sb->state & VX_STATE_INCOMPLETE) && !(flags & VX_OPEN_INCOMPLETE))
		return VX_EINCOMPLETE;
	return 0;
}

static int load_groups(struct vx_fs *fs)
{
	uint8_t *buf = malloc(fs->bsize);
	struct vx_glayout gl;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (uint32_t g = 0; g < fs->sb.group_count && !err; g++) {
		struct vx_group *grp = &fs->groups[g];

		vx_group_layout(&fs->sb, g, &gl);
		if (gl.meta_blocks + 1 > gl.nblocks) {
			err = VX_ECORRUPT;
			break;
		}
		err = vx_io_read(fs->io, gl.header * fs->bsize, buf, fs->bsize);
		if (!err)
			err = vx_group_decode(buf, fs->bsize, gl.header, &fs->sb,
					      g, grp);
		if (!err && (grp->meta_blocks != gl.meta_blocks ||
			     grp->bbitmap != gl.bbitmap ||
			     grp->ibitmap != gl.ibitmap ||
			     grp->itable != gl.itable))
			err = VX_ECORRUPT;
		if (err)
			vx_log(fs, VX_LOG_ERR, "group %u header (block %llu): %s",
			       g, (unsigned long long)gl.header,
			       vx_strerror(err));
		if (err && (fs->flags & VX_OPEN_CATASTROPHIC) &&
		    gl.meta_blocks + 1 <= gl.nblocks) {
			/* take the header the geometry implies */
			memset(grp, 0, sizeof(*grp));
			grp->group_no = g;
			grp->start = gl.start;
			grp->nblocks = gl.nblocks;
			grp->meta_blocks = gl.meta_blocks;
			grp->bbitmap = gl.bbitmap;
			grp->ibitmap = gl.ibitmap;
			grp->itable = gl.itable;
			grp->itable_init = fs->sb.inodes_per_group;
			err = 0;
		}
	}
	free(buf);
	return err;
}

/* recompute the superblock's free counts from the group headers */
static void sum_groups(struct vx_fs *fs)
{
	fs->sb.free_blocks = fs->sb.free_inodes = 0;
	for (uint32_t g = 0; g < fs->sb.group_count; g++) {
		fs->sb.free_blocks += fs->groups[g].free_blocks;
		fs->sb.free_inodes += fs->groups[g].free_inodes;
	}
}

static void fs_free(struct vx_fs *fs)
{
	vx_tx_teardown(fs);
	vx_cache_free(fs->cache);
	free(fs->groups);
	free(fs->gdirty);
	free(fs->ihint);
	free(fs->scratch);
	pthread_mutex_destroy(&fs->lock);
	free(fs);
}

/* a handle on @io with the options applied; no superblock yet */
static struct vx_fs *fs_alloc(struct vx_io *io, const struct vx_open_opts *o,
			      bool own_io)
{
	struct vx_fs *fs = calloc(1, sizeof(*fs));

	if (!fs)
		return NULL;
	pthread_mutex_init(&fs->lock, NULL);
	fs->io = io;
	fs->flags = o->flags;
	if (io->flags & VX_IO_RDONLY)
		fs->flags |= VX_OPEN_RDONLY;
	if (fs->flags & VX_OPEN_CATASTROPHIC)
		fs->flags |= VX_OPEN_RDONLY | VX_OPEN_INCOMPLETE;
	fs->log = o->log;
	fs->log_ctx = o->log_ctx;
	fs->fixed_time = o->fixed_time;
	fs->own_io = own_io;
	fs->sb_block = (o->flags & VX_OPEN_BACKUP_SB) ? o->sb_block : 0;
	return fs;
}

/* derived sizes, group arrays and the cache, once fs->sb is known */
static int fs_setup(struct vx_fs *fs, const struct vx_open_opts *o)
{
	fs->bsize = 1u << fs->sb.block_log;
	fs->bits_per_bitmap = (fs->bsize - VX_MHDR_SIZE) * 8;
	fs->inodes_per_block = fs->bsize / VX_INODE_SIZE;
	fs->groups = calloc(fs->sb.group_count, sizeof(*fs->groups));
	fs->gdirty = calloc(fs->sb.group_count, 1);
	fs->ihint = calloc(fs->sb.group_count, sizeof(*fs->ihint));
	if (!fs->groups || !fs->gdirty || !fs->ihint)
		return -ENOMEM;
	fs->alloc_cursor = fs->sb.journal_start + fs->sb.journal_blocks;
	fs->scratch = malloc(fs->bsize);
	if (!fs->scratch)
		return -ENOMEM;
	return vx_cache_new(fs->io, fs->bsize, o->cache_bytes ? o->cache_bytes :
			    DEFAULT_CACHE_BYTES, &fs->cache);
}

/* recover a dirty journal before anything else is read (a read-only
 * open only looks); replay may rewrite the superblock, so read it again */
static int open_journal(struct vx_fs *fs)
{
	struct vx_journal *j;
	int err = vx_journal_open(fs->io, &fs->sb, &j);

	if (err && vx_fs_rdonly(fs)) {
		/* look anyway; say the journal needs attention */
		vx_log(fs, VX_LOG_WARN, "journal superblock: %s",
		       vx_strerror(err));
		fs->jinfo.discard_reason = err;
		fs->jdirty = true;
		return 0;
	}
	if (err)
		return err;
	if (!vx_journal_dirty(j)) {
		vx_journal_close(j);
		return 0;
	}
	if (vx_fs_rdonly(fs)) {
		err = vx_journal_recover(j, VX_RECOVER_DRY_RUN, &fs->jinfo);
		fs->jdirty = true;
	} else if (fs->flags & VX_OPEN_NORECOVER) {
		err = VX_EJOURNAL;
	} else {
		err = vx_journal_recover(j, 0, &fs->jinfo);
		if (!err)
			vx_log(fs, VX_LOG_INFO, "journal: replayed %llu "
			       "transactions", (unsigned long long)fs->jinfo.txns);
		if (!err)
			err = vx_super_read(fs->io, fs->sb_block, &fs->sb);
		if (!err)
			err = check_features(&fs->sb, fs->flags);
	}
	vx_journal_close(j);
	return err;
}

int vx_fs_journal(const struct vx_fs *fs, struct vx_jrecovery *info)
{
	if (info)
		*info = fs->jinfo;
	return fs->jdirty;
}

static int fs_open(struct vx_io *io, const struct vx_open_opts *opts,
		   bool own_io, struct vx_fs **out)
{
	struct vx_open_opts def = { 0 };
	struct vx_fs *fs;
	uint64_t size;
	int err;

	if (!opts)
		opts = &def;
	fs = fs_alloc(io, opts, own_io);
	if (!fs)
		return -ENOMEM;
	err = vx_super_read(io, fs->sb_block, &fs->sb);
	if (!err)
		err = check_features(&fs->sb, fs->flags);
	if (!err)
		err = vx_io_get_size(io, &size);
	if (!err && size / (1ull << fs->sb.block_log) < fs->sb.block_count &&
	    !(fs->flags & VX_OPEN_CATASTROPHIC))
		err = VX_ECORRUPT;	/* truncated image */
	if (!err && !(fs->flags & VX_OPEN_CATASTROPHIC))
		err = open_journal(fs);
	if (!err)
		err = fs_setup(fs, opts);
	if (!err)
		err = load_groups(fs);
	if (err)
		goto out_free;
	sum_groups(fs);
	if (!vx_fs_rdonly(fs)) {
		fs->sb.mount_count++;
		fs->sb.state &= ~VX_STATE_CLEAN;
		fs->sb_dirty = true;
		err = vx_fs_sync(fs);	/* the image says "in use" from now */
		if (err)
			goto out_free;
	}
	err = vx_tx_setup(fs);
	if (err)
		goto out_free;
	*out = fs;
	return 0;
out_free:
	fs_free(fs);
	return err;
}

int vx_fs_open_new(struct vx_io *io, const struct vx_super *sb,
		   const struct vx_group *groups, const struct vx_open_opts *opts,
		   struct vx_fs **out)
{
	struct vx_fs *fs = fs_alloc(io, opts, false);
	int err;

	if (!fs)
		return -ENOMEM;
	fs->sb = *sb;
	err = fs_setup(fs, opts);
	if (err) {
		fs_free(fs);
		return err;
	}
	memcpy(fs->groups, groups, sb->group_count * sizeof(*groups));
	sum_groups(fs);
	err = vx_tx_setup(fs);
	if (err) {
		fs_free(fs);
		return err;
	}
	*out = fs;
	return 0;
}

int vx_fs_open(struct vx_io *io, const struct vx_open_opts *opts,
	       struct vx_fs **out)
{
	return fs_open(io, opts, !(opts && (opts->flags & VX_OPEN_BORROW_IO)),
		       out);
}

static int write_super(struct vx_fs *fs)
{
	uint8_t *buf = malloc(fs->bsize);
	struct timespec now;
	int err;

	if (!buf)
		return -ENOMEM;
	vx_now(fs, &now);
	fs->sb.write_time = (uint64_t)now.tv_sec;
	fs->sb.hdr.blkno = 0;
	fs->sb.hdr.seq = fs->sb.last_seq;
	vx_super_encode(buf, fs->bsize, &fs->sb);
	err = vx_io_write(fs->io, 0, buf, fs->bsize);
	if (!err && fs->backups_dirty && fs->sb_block == 0) {
		vx_blk_t bk[2];
		int n = vx_fs_backup_blocks(&fs->sb, bk);

		for (int i = 0; i < n && !err; i++) {
			fs->sb.hdr.blkno = bk[i];
			vx_super_encode(buf, fs->bsize, &fs->sb);
			err = vx_io_write(fs->io, bk[i] * fs->bsize, buf,
					  fs->bsize);
		}
		fs->sb.hdr.blkno = 0;
		if (!err)
			fs->backups_dirty = false;
	}
	free(buf);
	return err;
}

static int write_groups(struct vx_fs *fs)
{
	uint8_t *buf = malloc(fs->bsize);
	struct vx_glayout gl;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (uint32_t g = 0; g < fs->sb.group_count && !err; g++) {
		if (!fs->gdirty[g])
			continue;
		vx_group_layout(&fs->sb, g, &gl);
		/* the committed counts (T5): running transactions' are not */
		vx_tx_group_image(fs, g, buf, fs->sb.last_seq);
		err = vx_io_write(fs->io, gl.header * fs->bsize, buf, fs->bsize);
		if (!err)
			fs->gdirty[g] = 0;
	}
	free(buf);
	return err;
}

int vx_fs_sync(struct vx_fs *fs)
{
	int err = 0;

	if (vx_fs_rdonly(fs))
		return 0;
	/* committed transactions durable, and the log written home: what
	 * the cache holds may then go home too (C5) */
	if (fs->tx && fs->tx->j)
		err = vx_tx_checkpoint(fs);
	if (err)
		return err;
	pthread_mutex_lock(&fs->lock);
	err = vx_cache_writeback(fs->cache);
	if (!err)
		err = write_groups(fs);
	/* everything the superblock describes is durable before it is
	 * written: a superblock saying "clean" or "complete" never reaches
	 * the disk ahead of the blocks it vouches for */
	if (!err)
		err = vx_io_flush(fs->io);
	if (!err) {
		uint64_t blocks, inodes;

		sum_groups(fs);
		vx_tx_committed_counts(fs, &blocks, &inodes);
		blocks -= fs->sb.free_blocks;
		inodes -= fs->sb.free_inodes;
		fs->sb.free_blocks += blocks;	/* as committed, for a moment */
		fs->sb.free_inodes += inodes;
		err = write_super(fs);
		fs->sb.free_blocks -= blocks;
		fs->sb.free_inodes -= inodes;
	}
	if (!err)
		err = vx_io_flush(fs->io);
	if (!err)
		fs->sb_dirty = false;
	pthread_mutex_unlock(&fs->lock);
	return err;
}

int vx_fs_close(struct vx_fs *fs)
{
	int err = 0, err2;

	if (!fs)
		return 0;
	if (fs->tx && fs->tx->running) {
		vx_log(fs, VX_LOG_ERR, "close: %u transactions still open",
		       fs->tx->running);
		return -EBUSY;		/* nothing closed: finish them first */
	}
	if (!vx_fs_rdonly(fs)) {
		fs->sb.state |= VX_STATE_CLEAN;
		err = vx_fs_sync(fs);
	}
	err2 = fs->own_io ? vx_io_close(fs->io) : 0;
	fs_free(fs);
	return err ? err : err2;
}

const struct vx_super *vx_fs_super(const struct vx_fs *fs)
{
	return &fs->sb;
}

struct vx_io *vx_fs_io(struct vx_fs *fs)
{
	return fs->io;
}

int vx_fs_group(struct vx_fs *fs, uint32_t g, struct vx_group *out)
{
	if (g >= fs->sb.group_count)
		return -EINVAL;
	*out = fs->groups[g];
	return 0;
}

int vx_fs_set_state(struct vx_fs *fs, unsigned clear, unsigned set)
{
	if (vx_fs_rdonly(fs))
		return VX_EROFS;
	uint16_t old = fs->sb.state;

	fs->sb.state = (uint16_t)((fs->sb.state & ~clear) | set);
	if ((old ^ fs->sb.state) & VX_STATE_INCOMPLETE)
		fs->backups_dirty = true;	/* backups must agree */
	fs->sb_dirty = true;
	return 0;
}
