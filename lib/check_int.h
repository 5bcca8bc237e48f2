/*
 * check_int.h: the checker's shared state (lib/check*.c).
 *
 * The passes read the device directly, block by block (never through the
 * filesystem handle, which refuses damaged images), and keep what they
 * learn in compact tables whose size grows with what is in use:
 *   - one struct ck_ino (1 byte) per inode slot below each group's
 *     initialised mark, so about 1 MiB for 1,000,000 inodes, and maps
 *     for the few counts a byte cannot hold;
 *   - one bit per block for the blocks in use (32 MiB per TiB of 4 KiB
 *     blocks);
 *   - for directories only, their extents and the subdirectory edges.
 * Repairs come in two kinds.  Block-level ones (passes 1-4: superblock,
 * group headers, inode slots, bitmaps) are staged as whole block images
 * and committed to the journal as one transaction per pass, then written
 * home (ck_stage, ck_commit).  Namespace ones (passes 5-7: directory
 * rebuilds, '..', lost+found, reattaching, link counts) and block-map
 * rebuilds run as library operations, each in its own transaction, on a
 * filesystem handle opened once the block-level state is sound
 * (check_fix.c).  A crash anywhere leaves every repair step done or not
 * done, and the next run finds what is left.
 */
#ifndef VEXFS_CHECK_INT_H
#define VEXFS_CHECK_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include "txn_int.h"

/* per inode slot: one byte.  A link count or a count of names of 3 or
 * more reads CK_BIG and lives in an overflow map (ck_nlink, ck_refs):
 * most inodes have one of each, as e2fsck's icount observes;
 * directories' kept subdirectory counts live in another (ck_subdirs) */
struct ck_ino {
	uint8_t type : 3;		/* VX_FT_* of a valid inode, 0: free */
	uint8_t nlink : 2;		/* as stored, or CK_BIG */
	uint8_t refs : 2;		/* names found in directories, or CK_BIG */
	uint8_t reached : 1;		/* connected to the root (pass 6) */
};
#define CK_BIG	3

struct ck_group {
	struct vx_group g;		/* header as read, or as repaired */
	struct vx_glayout lay;
	bool hdr_ok;			/* g can be trusted */
	bool hdr_dirty;			/* g changed: pass 4 writes it */
	uint32_t ninit;			/* slots tracked in inos */
	struct ck_ino *inos;
	uint32_t used_inodes, used_dirs;	/* counted in pass 3 */
};

/* an extent as the checker keeps it */
struct ck_ext {
	uint64_t lblk;
	vx_blk_t pblk;
	uint32_t len;
	uint32_t clone;			/* blocks shared with an earlier owner */
};

/* a directory to read in pass 5 */
struct ck_dir {
	vx_ino_t ino;
	vx_ino_t parent;		/* the inode's parent field */
	vx_ino_t node_parent;		/* the root node's (pass 5; 0 unread) */
	uint64_t size;
	size_t ext, next;		/* its extents: c->dext[ext .. ext+next) */
};

/* a subdirectory edge found in pass 5 */
struct ck_edge {
	vx_ino_t child, parent;		/* parent 0: the name was removed */
	uint32_t name;			/* offset in c->enames */
};

/* block map to rebuild: the extents worth keeping */
struct ck_remap {
	vx_ino_t ino;
	struct ck_ext *ext;
	size_t n;
	uint64_t nodes;			/* node blocks the old map had */
};

/* a staged block image */
struct ck_img {
	vx_blk_t blk;
	uint8_t *data;
};

struct ck {
	struct vx_io *io;		/* the device, or the overlay (RDONLY) */
	const struct vx_check_opts *o;
	struct vx_check_result *r;
	struct vx_super sb;
	uint32_t bsize;
	uint32_t ipb;			/* inodes per block */
	bool rdonly;
	bool unclean;			/* the superblock says "not clean" */
	unsigned threads;
	volatile bool stop;		/* halted, cancelled or fatal */
	int err;			/* fatal error */
	struct vx_journal *j;		/* block-level repairs */
	uint64_t next_seq;		/* no committed block has seq >= this */
	struct ck_group *grp;
	_Atomic uint64_t *used;		/* blocks in use, one bit each */
	/* staged block images (serial phases only) */
	struct kmap smap;		/* block + 1 -> index in stage */
	struct ck_img *stage;
	size_t nstage, cstage;
	/* directories and their extents */
	struct ck_dir *dirs;
	size_t ndirs, cdirs;
	struct ck_ext *dext;
	size_t ndext, cdext;
	struct ck_edge *edges;
	size_t nedges, cedges;
	char *enames;			/* the edges' names, NUL-terminated */
	size_t nenames, cenames;
	struct ck_remap *remaps;
	size_t nremaps, cremaps;
	vx_blk_t *dups;			/* ranges claimed twice: first, count */
	size_t ndups, cdups;
	pthread_mutex_t lock;		/* threads appending to the lists */
	struct ck_pool *pool;		/* the worker threads (check.c) */
	_Atomic uint64_t progress;
	pthread_mutex_t plock;		/* the progress callback */
	int ppass;			/* what it was last told */
	uint64_t pdone;
	struct kmap big_nlink;		/* inode -> link count >= CK_BIG */
	struct kmap big_refs;		/* inode -> names >= CK_BIG */
	struct kmap subdirs;		/* directory -> kept subdirectories */
	struct kmap remapped;		/* inodes whose map is rebuilt */
	vx_ino_t fresh[2];		/* made by the checker (root,
					 * lost+found): their counts are right */
	struct vx_fs *fs;		/* passes 5-7 (read-write runs) */
	vx_ino_t lost_found;
};

/* ---- findings (check.c) ---- */
/* fill @f for @code about @object ("inode 12"), message from the table's
 * format and the arguments */
void ck_finding(struct vx_finding *f, int code, uint64_t object,
		const char *what, ...);
void ck_vfinding(struct vx_finding *f, int code, uint64_t object,
		 const char *what, va_list ap);
/* put @f to the caller: true when the repair should be made */
bool ck_ask(struct ck *c, struct vx_finding *f);
/* after the repair (err 0: made) or after a refusal */
void ck_done(struct ck *c, struct vx_finding *f, bool asked_yes, int err);
/* report and ask in one go; the object is formatted by the caller */
bool ck_problem(struct ck *c, struct vx_finding *f);
void ck_progress(struct ck *c, int pass, uint64_t done, uint64_t total);
/* tell the caller pass @pass starts */
void ck_pass_start(struct ck *c, int pass);
/* run @fn(c, i, arg) for i in [0, n) on the checker's threads */
int ck_parallel(struct ck *c, uint64_t n, int (*fn)(struct ck *, uint64_t,
						     void *), void *arg);

/* the counts of the model (check.c); ck_set_nlink may run on the
 * scanning threads, the others run in the serial phases only */
uint32_t ck_nlink(struct ck *c, vx_ino_t ino);
int ck_set_nlink(struct ck *c, vx_ino_t ino, uint32_t v);
uint32_t ck_refs(struct ck *c, vx_ino_t ino);
int ck_add_refs(struct ck *c, vx_ino_t ino, int d);
uint32_t ck_subdirs(struct ck *c, vx_ino_t ino);
int ck_add_subdirs(struct ck *c, vx_ino_t ino, int d);
/* a subdirectory edge, and its name */
int ck_add_edge(struct ck *c, vx_ino_t child, vx_ino_t parent,
		const char *name);
static inline const char *ck_edge_name(const struct ck *c,
				       const struct ck_edge *e)
{
	return c->enames + e->name;
}

/* ---- blocks (check_io.c) ---- */
int ck_read(struct ck *c, vx_blk_t b, void *buf, size_t nblocks);
/* a block as the repairs so far left it (staged image or the device) */
int ck_get(struct ck *c, vx_blk_t b, void *buf);
/* stage @img (sealed by the caller when it has a metadata header) as
 * the new contents of @b */
int ck_stage(struct ck *c, vx_blk_t b, const void *img);
/* commit everything staged as one journal transaction and write it home */
int ck_commit(struct ck *c);
void ck_stage_free(struct ck *c);
static inline bool ck_test(struct ck *c, vx_blk_t b)
{
	return atomic_load_explicit(&c->used[b / 64], memory_order_relaxed) &
	       (1ull << (b % 64));
}
/* claim [b, b+n): returns the number of blocks that were already claimed */
uint64_t ck_claim(struct ck *c, vx_blk_t b, uint64_t n);
/* the same, calling @dup for every run of blocks claimed already (a word
 * of the map at a time: one atomic operation per 64 blocks) */
int ck_claim_runs(struct ck *c, vx_blk_t b, uint64_t n,
		  int (*dup)(void *ctx, vx_blk_t first, uint64_t count),
		  void *ctx);
void ck_unclaim(struct ck *c, vx_blk_t b, uint64_t n);
static inline struct ck_ino *ck_inode(struct ck *c, vx_ino_t ino)
{
	uint64_t g, s;

	if (ino == 0 || ino > (uint64_t)c->sb.inodes_per_group *
			      c->sb.group_count)
		return NULL;
	g = (ino - 1) / c->sb.inodes_per_group;
	s = (ino - 1) % c->sb.inodes_per_group;
	return s < c->grp[g].ninit ? &c->grp[g].inos[s] : NULL;
}
/* the sequence number the checker stamps on what it writes: the newest
 * committed one */
static inline uint64_t ck_seq(const struct ck *c)
{
	return c->next_seq && c->next_seq != UINT64_MAX ? c->next_seq - 1 :
	       c->sb.last_seq;
}
/* read / stage one inode slot (raw) */
int ck_slot_get(struct ck *c, vx_ino_t ino, uint8_t *slot);
int ck_slot_put(struct ck *c, vx_ino_t ino, const uint8_t *slot);
/* the block of inode @ino's slot and its byte offset */
void ck_slot_where(struct ck *c, vx_ino_t ino, vx_blk_t *blk, size_t *off);
/* is @b inside some group's metadata area (or past the end)? */
bool ck_is_meta(struct ck *c, vx_blk_t b);

/* stage @sb as the superblock copy at block @at (check_super.c) */
int ck_put_super(struct ck *c, const struct vx_super *sb, vx_blk_t at);
/* stage group @g's header as c->grp[g].g (check_group.c) */
int ck_put_group(struct ck *c, uint32_t g);

/* ---- the passes ---- */
int ck_pass_super(struct ck *c);	/* check_super.c */
int ck_pass_groups(struct ck *c);	/* check_group.c */
int ck_pass_inodes(struct ck *c);	/* check_inode.c */
int ck_pass_dups(struct ck *c);		/* check_dup.c */
int ck_pass_bitmaps(struct ck *c);	/* check_bitmap.c */
int ck_pass_dirs(struct ck *c);		/* check_dir.c */
int ck_pass_connect(struct ck *c);	/* check_connect.c */
int ck_pass_links(struct ck *c);		/* check_nlink.c */

/* the extents of one inode's map, validated (check_extent.c) */
struct ck_map {
	struct ck_ext *ext;
	size_t n, cap;
	uint64_t nodes;			/* valid node blocks */
	vx_blk_t *nodeblk;
	size_t nnode, cnode;
	struct vx_finding *bad;		/* findings about the map */
	size_t nbad, cbad;
	vx_blk_t *dup;			/* runs already claimed: first, count */
	size_t ndup, cdup;
};
/* @m starts zeroed and may be reused (its arrays are kept); free it
 * with ck_map_free */
int ck_map_scan(struct ck *c, const struct vx_inode *in, bool claim,
		struct ck_map *m);
void ck_map_free(struct ck_map *m);

/* ---- repairs through the library (check_fix.c) ---- */
int ck_fix_open(struct ck *c);
int ck_fix_close(struct ck *c);
int ck_fix_remap(struct ck *c, const struct ck_remap *rm);
struct ck_dent {
	vx_ino_t ino;
	unsigned type;
	uint8_t len;
	char name[VX_NAME_MAX + 1];
};
int ck_fix_dir_rebuild(struct ck *c, vx_ino_t dir, vx_ino_t parent,
		       const struct ck_dent *ents, size_t n);
int ck_fix_parent(struct ck *c, vx_ino_t dir, vx_ino_t parent);
int ck_fix_lost_found(struct ck *c, vx_ino_t *out);
int ck_fix_root(struct ck *c);
int ck_fix_reattach(struct ck *c, vx_ino_t ino, unsigned type);
int ck_fix_unlink(struct ck *c, vx_ino_t dir, const char *name);
int ck_fix_nlink(struct ck *c, vx_ino_t ino, uint32_t nlink);
int ck_fix_release(struct ck *c, vx_ino_t ino);

#endif /* VEXFS_CHECK_INT_H */
