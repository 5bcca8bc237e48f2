/*
 * check_fix.c: the checker's repairs that go through the library.
 *
 * Once passes 1-4 have made the superblock, group headers, inode slots
 * and bitmaps sound, the first repair that needs it opens a filesystem
 * handle on the device (borrowing the io; a run without such repairs
 * never opens one) and makes the remaining repairs as operations: each
 * one runs in its own transaction, with the same scope, locks and undo
 * as the public operations (txn.c), and commits through the journal.  A
 * failed repair changes nothing; a crash leaves each repair done or not.
 *   remap       rebuild an inode's block map from the extents worth
 *               keeping, copying the shared ones into fresh blocks
 *   dir_rebuild rebuild a directory's tree from the entries kept
 *   parent      set a directory's ".." (root node and inode)
 *   lost_found  create /lost+found and name it in the superblock
 *   reattach    name an inode "#INO" in /lost+found
 *   unlink      drop one entry from a directory, nothing else
 *   nlink       set a link count
 *   release     free an inode nobody names, with its blocks
 * Old blocks of a rebuilt directory are freed through the transaction;
 * old extent-tree nodes of a rebuilt map are not (pass 4 counted them
 * free already).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "check_int.h"

int ck_fix_open(struct ck *c)
{
	struct vx_open_opts o = { .flags = VX_OPEN_BORROW_IO };
	int err;

	if (c->fs)
		return 0;
	if ((err = ck_commit(c)))	/* what is staged goes first */
		return err;
	if ((err = vx_fs_open(c->io, &o, &c->fs)))
		c->fs = NULL;
	return err;
}

int ck_fix_close(struct ck *c)
{
	const struct vx_super *sb = vx_fs_super(c->fs);
	int err;

	c->r->blocks_used = sb->block_count - sb->free_blocks;
	c->r->inodes_used = (uint64_t)sb->group_count * sb->inodes_per_group -
			    sb->free_inodes;
	if (c->r->left)
		vx_fs_set_state(c->fs, 0, VX_STATE_ERRORS);
	else
		vx_fs_set_state(c->fs, VX_STATE_ERRORS, 0);
	err = vx_fs_close(c->fs);
	c->fs = NULL;
	return err;
}

/* an operation on @a (and @b, 0 for none), exclusive locks */
static int op_start(struct ck *c, struct vx_opctx *o, vx_ino_t a, vx_ino_t b)
{
	int err = ck_fix_open(c);

	if (!err)
		err = vx_op_begin(c->fs, NULL, true, o);
	if (err)
		return err;
	if ((err = vx_op_lock(o, a, LK_X)) || (b && b != a &&
					       (err = vx_op_lock(o, b, LK_X))))
		return vx_op_end(o, err);
	vx_op_enter(o);
	return 0;
}

/* one inode's repair: read it, let @fn change it (and what it owns),
 * write it back, all in one operation of its own transaction */
typedef int (*inode_fn)(struct ck *c, struct vx_inode *in, const void *arg);

static int with_inode(struct ck *c, vx_ino_t ino, inode_fn fn, const void *arg)
{
	struct vx_opctx o;
	struct vx_inode in;
	int err = op_start(c, &o, ino, 0);

	if (err)
		return err;
	if (!(err = vx_inode_read(c->fs, ino, &in)) && !(err = fn(c, &in, arg)))
		err = vx_inode_write(c->fs, &in);
	return vx_op_end(&o, err);
}

/* copy @n blocks from @from to fresh blocks, mapped at @lblk */
static int clone_run(struct vx_fs *fs, struct vx_inode *in, uint64_t lblk,
		     vx_blk_t from, uint64_t n)
{
	uint8_t *buf = malloc(fs->bsize);
	int err = buf ? 0 : -ENOMEM;

	while (!err && n) {
		vx_blk_t to;
		uint64_t got;

		if ((err = vx_alloc_blocks(fs, from, n, &to, &got)))
			break;
		for (uint64_t i = 0; i < got && !err; i++) {
			err = vx_io_read(fs->io, (from + i) * fs->bsize, buf,
					 fs->bsize);
			/* a directory block's header names its block */
			if (!err && S_ISDIR(in->mode) &&
			    !vx_mhdr_check(buf, fs->bsize, VX_BT_DIR, from + i,
					   NULL, NULL)) {
				vx_put64(buf + 16, to + i);
				vx_mhdr_seal(buf, fs->bsize);
			}
			if (!err)
				err = vx_io_write(fs->io, (to + i) * fs->bsize,
						  buf, fs->bsize);
			if (!err)
				err = vx_tx_note_data(fs, to + i,
					vx_crc32c(0, buf, fs->bsize));
		}
		if (!err)
			err = vx_extent_insert(fs, in, lblk, to, (uint32_t)got);
		if (err) {
			vx_free_blocks(fs, to, got);
			break;
		}
		in->blocks += got;
		lblk += got;
		from += got;
		n -= got;
	}
	free(buf);
	return err;
}

static int remap(struct ck *c, struct vx_inode *in, const void *arg)
{
	const struct ck_remap *rm = arg;
	int err = 0;

	in->depth = in->nentries = 0;
	in->blocks = 0;
	memset(in->area, 0, sizeof(in->area));
	for (size_t i = 0; i < rm->n && !err; i++) {
		const struct ck_ext *e = &rm->ext[i];

		if (e->clone) {
			err = clone_run(c->fs, in, e->lblk, e->pblk, e->len);
			continue;
		}
		err = vx_extent_insert(c->fs, in, e->lblk, e->pblk, e->len);
		in->blocks += e->len;
	}
	/* a file keeps its size: what was lost reads as a hole */
	if (!err && S_ISDIR(in->mode))
		in->size = rm->n ? (rm->ext[rm->n - 1].lblk +
				    rm->ext[rm->n - 1].len) << c->sb.block_log : 0;
	return err;
}

int ck_fix_remap(struct ck *c, const struct ck_remap *rm)
{
	return with_inode(c, rm->ino, remap, rm);
}

struct rebuild {
	vx_ino_t parent;
	const struct ck_dent *ents;
	size_t n;
};

static int rebuild(struct ck *c, struct vx_inode *in, const void *arg)
{
	const struct rebuild *rb = arg;
	int err = vx_extent_truncate(c->fs, in, 0);

	if (!err)
		err = vx_dir_init(c->fs, in, rb->parent);
	for (size_t i = 0; i < rb->n && !err; i++) {
		err = vx_dir_add(c->fs, in, rb->ents[i].name, rb->ents[i].len,
				 rb->ents[i].ino, rb->ents[i].type);
		if (err == -EEXIST)
			err = 0;	/* a second copy of a name: dropped */
	}
	return err;
}

int ck_fix_dir_rebuild(struct ck *c, vx_ino_t dir, vx_ino_t parent,
		       const struct ck_dent *ents, size_t n)
{
	struct rebuild rb = { parent, ents, n };

	return with_inode(c, dir, rebuild, &rb);
}

static int set_parent(struct ck *c, struct vx_inode *in, const void *arg)
{
	return vx_dir_set_parent(c->fs, in, *(const vx_ino_t *)arg);
}

int ck_fix_parent(struct ck *c, vx_ino_t dir, vx_ino_t parent)
{
	return with_inode(c, dir, set_parent, &parent);
}

int ck_fix_lost_found(struct ck *c, vx_ino_t *out)
{
	struct vx_attr a = { .mode = 0700 };
	int err = ck_fix_open(c);

	if (!err)
		err = vx_mkdir(c->fs, NULL, c->sb.root_ino, "lost+found", &a,
			       out);

	if (err == -EEXIST)
		err = vx_lookup(c->fs, NULL, c->sb.root_ino, "lost+found", out);
	if (!err) {
		pthread_mutex_lock(&c->fs->lock);
		c->fs->sb.lost_found_ino = *out;
		c->fs->sb_dirty = true;
		pthread_mutex_unlock(&c->fs->lock);
	}
	return err;
}

int ck_fix_root(struct ck *c)
{
	struct vx_opctx o;
	struct timespec now;
	int err = ck_fix_open(c);

	if (!err)
		err = vx_op_begin(c->fs, NULL, true, &o);
	if (err)
		return err;
	vx_op_enter(&o);
	/* the lowest free inode of group 0: the root's, once pass 4 freed it */
	vx_now(c->fs, &now);
	if (!(err = vx_root_make(c->fs, now.tv_sec)))
		vx_lock_grant_new(o.f, c->sb.root_ino);
	return vx_op_end(&o, err);
}

int ck_fix_reattach(struct ck *c, vx_ino_t ino, unsigned type)
{
	struct vx_opctx o;
	struct vx_inode lf, child;
	char name[32];
	int len = snprintf(name, sizeof(name), "#%llu", (unsigned long long)ino);
	int err = op_start(c, &o, c->lost_found, ino);

	if (err)
		return err;
	if ((err = vx_inode_read(c->fs, c->lost_found, &lf)))
		goto out;
	err = vx_dir_add(c->fs, &lf, name, (size_t)len, ino, type);
	if (!err && type == VX_FT_DIR) {
		lf.nlink++;
		if (!(err = vx_inode_read(c->fs, ino, &child)) &&
		    !(err = vx_dir_set_parent(c->fs, &child, c->lost_found)))
			err = vx_inode_write(c->fs, &child);
	}
	if (!err)
		err = vx_inode_write(c->fs, &lf);
out:
	return vx_op_end(&o, err);
}

static int drop_name(struct ck *c, struct vx_inode *in, const void *arg)
{
	return vx_dir_remove(c->fs, in, arg, strlen(arg));
}

int ck_fix_unlink(struct ck *c, vx_ino_t dir, const char *name)
{
	return with_inode(c, dir, drop_name, name);
}

static int set_nlink(struct ck *c, struct vx_inode *in, const void *arg)
{
	(void)c;
	in->nlink = *(const uint32_t *)arg;
	return 0;
}

int ck_fix_nlink(struct ck *c, vx_ino_t ino, uint32_t nlink)
{
	return with_inode(c, ino, set_nlink, &nlink);
}

int ck_fix_release(struct ck *c, vx_ino_t ino)
{
	struct vx_opctx o;
	struct vx_inode in;
	int err = op_start(c, &o, ino, 0);

	if (err)
		return err;
	if (!(err = vx_inode_read(c->fs, ino, &in)) &&
	    !(err = vx_extent_truncate(c->fs, &in, 0)) &&
	    !(err = vx_inode_clear(c->fs, ino)))
		err = vx_free_inode(c->fs, ino, S_ISDIR(in.mode));
	return vx_op_end(&o, err);
}
