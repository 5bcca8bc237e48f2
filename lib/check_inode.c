/*
 * check_inode.c: pass 3, inodes and extent trees.
 *
 * Groups are scanned in parallel, each reading its inode table up to the
 * initialised mark (and on past it while blocks still hold valid
 * inodes).  Checks per slot: magic, checksum, its own inode number, a
 * known file type and known flags; per
 * type: devices, fifos and sockets have no block map, symlink targets
 * are consistent; then the block map (check_extent.c), the size covers
 * the mapped data and the block count matches what the map holds.
 * Blocks of valid maps are claimed in the used-block map; blocks claimed
 * twice are resolved after the scan: the lowest-numbered inode keeps
 * them, every other one gets its own copy (a map rebuild with cloning).
 * The scan only collects findings; they are asked and repaired
 * afterwards, group by group and inode by inode, so the order is fixed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "check_int.h"

#define CHUNK	8	/* inode-table blocks per read */

enum { IT_CLEAR = 1, IT_FLAGS, IT_SPECIAL, IT_SIZE, IT_BLOCKS, IT_MAP };

struct item {
	int kind;
	vx_ino_t ino;
	struct vx_finding f;
	uint64_t val;
	struct ck_map map;		/* IT_MAP */
};

struct gscan {
	struct ck_map m;		/* reused from inode to inode */
	struct item *it;
	size_t n, cap;
	uint32_t beyond;		/* valid inodes past the mark */
};

static int add(struct gscan *s, int kind, vx_ino_t ino, uint64_t val,
	       struct item **out)
{
	int err = vx_grow((void **)&s->it, &s->cap, s->n + 1, sizeof(*s->it));

	if (err)
		return err;
	*out = &s->it[s->n++];
	memset(*out, 0, sizeof(**out));
	(*out)->kind = kind;
	(*out)->ino = ino;
	(*out)->val = val;
	return 0;
}

static int finding(struct gscan *s, int kind, vx_ino_t ino, uint64_t val,
		   int code, ...)
{
	struct item *it;
	char what[48];
	va_list ap;
	int err = add(s, kind, ino, val, &it);

	if (err)
		return err;
	snprintf(what, sizeof(what), "inode %llu", (unsigned long long)ino);
	va_start(ap, code);
	ck_vfinding(&it->f, code, ino, what, ap);
	va_end(ap);
	return 0;
}

/* why a slot that does not decode is bad */
static int classify(struct ck *c, struct gscan *s, const uint8_t *slot,
		    vx_ino_t ino, int err, struct vx_inode *in)
{
	char why[64];

	if (err == VX_EBADCRC)
		return finding(s, IT_CLEAR, ino, 0, VX_PR_INODE_BAD_CRC);
	if (err == VX_EBADMAGIC)
		return finding(s, IT_CLEAR, ino, 0, VX_PR_INODE_BAD_HEADER,
			       "bad magic");
	if (err == VX_EMISDIRECTED) {
		snprintf(why, sizeof(why), "it says inode %llu",
			 (unsigned long long)vx_get64(slot + 8));
		return finding(s, IT_CLEAR, ino, 0, VX_PR_INODE_BAD_HEADER, why);
	}
	vx_inode_unpack(slot, ino, in);
	if (vx_ftype_of_mode(in->mode) == VX_FT_UNKNOWN)
		return finding(s, IT_CLEAR, ino, 0, VX_PR_INODE_BAD_MODE,
			       (unsigned)in->mode);
	if (in->flags & ~(uint32_t)VX_IF_INLINE_DATA) {
		/* the rest may be fine: judged again once they are cleared */
		return finding(s, IT_FLAGS, ino, 0, VX_PR_INODE_BAD_FLAGS,
			       (unsigned)in->flags);
	}
	if (in->flags & VX_IF_INLINE_DATA)
		return finding(s, IT_CLEAR, ino, 0, VX_PR_INODE_BAD_SYMLINK,
			       "inline target on a non-symlink or bad length");
	(void)c;
	return finding(s, IT_CLEAR, ino, 0, VX_PR_INODE_BAD_HEADER,
		       "a field is out of range");
}

static bool special(unsigned type)
{
	return type == VX_FT_CHR || type == VX_FT_BLK || type == VX_FT_FIFO ||
	       type == VX_FT_SOCK;
}

static int add_dir(struct ck *c, const struct vx_inode *in,
		   const struct ck_map *m)
{
	int err;

	pthread_mutex_lock(&c->lock);
	err = vx_grow((void **)&c->dirs, &c->cdirs, c->ndirs + 1,
		      sizeof(*c->dirs));
	if (!err)
		err = vx_grow((void **)&c->dext, &c->cdext, c->ndext + m->n,
			      sizeof(*c->dext));
	if (!err) {
		c->dirs[c->ndirs++] = (struct ck_dir){ .ino = in->ino,
			.parent = in->parent, .size = in->size,
			.ext = c->ndext, .next = m->n };
		if (m->n)
			memcpy(c->dext + c->ndext, m->ext,
			       m->n * sizeof(*m->ext));
		c->ndext += m->n;
	}
	pthread_mutex_unlock(&c->lock);
	return err;
}

static int add_dups(struct ck *c, const struct ck_map *m)
{
	int err = 0;

	if (!m->ndup)
		return 0;
	pthread_mutex_lock(&c->lock);
	err = vx_grow((void **)&c->dups, &c->cdups, c->ndups + m->ndup,
		      sizeof(*c->dups));
	if (!err) {
		memcpy(c->dups + c->ndups, m->dup, m->ndup * sizeof(*m->dup));
		c->ndups += m->ndup;
	}
	pthread_mutex_unlock(&c->lock);
	return err;
}

/* a valid inode: type checks, block map, size and count */
static int valid(struct ck *c, struct gscan *s, struct vx_inode *in,
		 struct ck_ino *ci)
{
	unsigned type = vx_ftype_of_mode(in->mode);
	struct ck_map *m = &s->m;
	uint64_t end = 0, count;
	int err;

	if (type == VX_FT_LNK && (in->flags & VX_IF_INLINE_DATA) &&
	    memchr(in->area, 0, in->size))
		return finding(s, IT_CLEAR, in->ino, 0, VX_PR_INODE_BAD_SYMLINK,
			       "NUL byte inside the target");
	if (type == VX_FT_LNK && !(in->flags & VX_IF_INLINE_DATA) &&
	    (in->size <= VX_INLINE_SYMLINK_MAX || in->size > 4095))
		return finding(s, IT_CLEAR, in->ino, 0, VX_PR_INODE_BAD_SYMLINK,
			       "bad length");
	ci->type = type;
	if ((err = ck_set_nlink(c, in->ino, in->nlink)))
		return err;
	if (special(type)) {
		if (in->depth || in->nentries)
			return finding(s, IT_SPECIAL, in->ino, 0,
				       VX_PR_INODE_SPECIAL_MAP,
				       type == VX_FT_FIFO ? "fifo" :
				       type == VX_FT_SOCK ? "socket" : "device",
				       (unsigned)in->nentries);
		return 0;
	}
	if ((err = ck_map_scan(c, in, true, m)))
		return err;
	if ((err = add_dups(c, m)))
		return err;
	if (type == VX_FT_DIR && (err = add_dir(c, in, m)))
		return err;
	if (m->nbad) {
		struct item *it;

		if (!(err = add(s, IT_MAP, in->ino, 0, &it))) {
			it->map = *m;	/* the item takes the arrays */
			memset(m, 0, sizeof(*m));
		}
		return err;
	}
	count = m->nodes;
	for (size_t i = 0; i < m->n; i++)
		count += m->ext[i].len;
	if (m->n)
		end = (m->ext[m->n - 1].lblk + m->ext[m->n - 1].len)
		      << c->sb.block_log;
	if (!(in->flags & VX_IF_INLINE_DATA) &&
	    end > ((in->size + c->bsize - 1) & ~(uint64_t)(c->bsize - 1)))
		err = finding(s, IT_SIZE, in->ino, end, VX_PR_INODE_SIZE,
			      (unsigned long long)in->size,
			      (unsigned long long)end);
	if (!err && count != in->blocks)
		err = finding(s, IT_BLOCKS, in->ino, count, VX_PR_INODE_BLOCKS,
			      (unsigned long long)in->blocks,
			      (unsigned long long)count);
	return err;
}

static int scan_slot(struct ck *c, struct gscan *s, uint32_t g, uint32_t slot,
		     const uint8_t *raw)
{
	vx_ino_t ino = (uint64_t)g * c->sb.inodes_per_group + slot + 1;
	struct ck_ino *ci = &c->grp[g].inos[slot];
	struct vx_inode in;
	int err = vx_inode_decode(raw, ino, c->sb.hdr.uuid, &in);

	if (err == 1)
		return 0;
	if (err)
		return classify(c, s, raw, ino, err, &in);
	return valid(c, s, &in, ci);
}

/* the mark, moved on past blocks that still hold valid inodes */
static uint32_t extent_of_table(struct ck *c, uint32_t g, uint8_t *buf,
				struct gscan *s)
{
	const struct ck_group *cg = &c->grp[g];
	uint32_t mark = cg->g.itable_init;

	if (cg->g.flags & VX_GF_INODE_UNINIT)
		mark = 0;
	for (;;) {
		uint32_t b = mark / c->ipb;
		bool any = false;

		if (b >= c->sb.itable_blocks ||
		    ck_read(c, cg->lay.itable + b, buf, 1))
			break;
		for (uint32_t i = 0; i < c->ipb; i++) {
			struct vx_inode in;
			vx_ino_t ino = (uint64_t)g * c->sb.inodes_per_group +
				       mark + i + 1;
			if (vx_inode_decode(buf + i * VX_INODE_SIZE, ino,
					    c->sb.hdr.uuid, &in) == 0)
				any = true;
		}
		if (!any)
			break;
		mark += c->ipb;
		s->beyond = mark;
	}
	return mark;
}

static int scan_group(struct ck *c, uint64_t gi, void *arg)
{
	struct gscan *s = &((struct gscan *)arg)[gi];
	uint32_t g = (uint32_t)gi;
	struct ck_group *cg = &c->grp[g];
	uint8_t *buf = malloc((size_t)CHUNK * c->bsize);
	int err = 0;

	if (!buf)
		return -ENOMEM;
	cg->ninit = extent_of_table(c, g, buf, s);
	if (g == 0 && cg->ninit < c->ipb)
		cg->ninit = c->ipb;	/* the root's slot is always tracked */
	if (cg->ninit && !(cg->inos = calloc(cg->ninit, sizeof(*cg->inos))))
		err = -ENOMEM;
	for (uint32_t b = 0; !err && b * c->ipb < cg->ninit; b += CHUNK) {
		uint32_t nb = (cg->ninit / c->ipb) - b;

		if (nb > CHUNK)
			nb = CHUNK;
		if ((err = ck_read(c, cg->lay.itable + b, buf, nb))) {
			err = 0;	/* unreadable: the slots count as free */
			continue;
		}
		for (uint32_t i = 0; i < nb * c->ipb && !err; i++)
			err = scan_slot(c, s, g, b * c->ipb + i,
					buf + (size_t)i * VX_INODE_SIZE);
	}
	for (uint32_t i = 0; i < cg->ninit; i++)
		if (cg->inos[i].type) {
			cg->used_inodes++;
			cg->used_dirs += cg->inos[i].type == VX_FT_DIR;
		}
	free(buf);
	ck_progress(c, VX_PASS_INODES,
		    atomic_fetch_add(&c->progress, 1) + 1, c->sb.group_count);
	return err;
}

/* ---- the serial half: ask, repair ---- */

static int rewrite(struct ck *c, vx_ino_t ino, int kind, uint64_t val)
{
	uint8_t slot[VX_INODE_SIZE];
	struct vx_inode in;
	int err = ck_slot_get(c, ino, slot);

	if (err)
		return err;
	if (kind == IT_CLEAR) {
		memset(slot, 0, sizeof(slot));
		return ck_slot_put(c, ino, slot);
	}
	vx_inode_unpack(slot, ino, &in);
	if (kind == IT_FLAGS)
		in.flags &= VX_IF_INLINE_DATA;
	if (kind == IT_SPECIAL) {
		in.depth = in.nentries = 0;
		in.blocks = 0;
		memset(in.area, 0, sizeof(in.area));
	}
	if (kind == IT_SIZE)
		in.size = val;
	if (kind == IT_BLOCKS)
		in.blocks = val;
	vx_inode_encode(slot, &in, c->sb.hdr.uuid);
	return ck_slot_put(c, ino, slot);
}

static int remap_add(struct ck *c, vx_ino_t ino, const struct ck_map *m)
{
	struct ck_remap *rm;
	int err = vx_grow((void **)&c->remaps, &c->cremaps, c->nremaps + 1,
			  sizeof(*c->remaps));

	if (err)
		return err;
	rm = &c->remaps[c->nremaps];
	rm->ino = ino;
	rm->n = m->n;
	rm->nodes = m->nodes;
	rm->ext = malloc((m->n ? m->n : 1) * sizeof(*rm->ext));
	if (!rm->ext)
		return -ENOMEM;
	if (m->n)
		memcpy(rm->ext, m->ext, m->n * sizeof(*m->ext));
	c->nremaps++;
	return kmap_put(&c->remapped, ino, 1);
}

static int map_item(struct ck *c, struct item *it)
{
	bool any = false;
	int err = 0;

	for (size_t i = 0; i < it->map.nbad && !c->stop; i++) {
		bool yes = ck_ask(c, &it->map.bad[i]);
		any |= yes;
		ck_done(c, &it->map.bad[i], yes, 0);
	}
	if (!any)
		return 0;
	/* the rebuilt map will not use the old nodes */
	for (size_t i = 0; i < it->map.nnode; i++)
		ck_unclaim(c, it->map.nodeblk[i], 1);
	err = remap_add(c, it->ino, &it->map);
	return err;
}

static int apply(struct ck *c, struct item *it)
{
	bool yes;
	int err = 0;

	if (it->kind == IT_MAP)
		return map_item(c, it);
	yes = ck_ask(c, &it->f);
	if (yes)
		err = rewrite(c, it->ino, it->kind, it->val);
	ck_done(c, &it->f, yes, err);
	return err == -ENOMEM ? err : 0;
}

/* IT_FLAGS: once cleared, the inode is judged again */
static int recheck(struct ck *c, struct gscan *s, vx_ino_t ino)
{
	uint8_t slot[VX_INODE_SIZE];
	struct vx_inode in;
	int err = ck_slot_get(c, ino, slot);

	if (err || c->rdonly)
		return err;
	if (vx_inode_decode(slot, ino, c->sb.hdr.uuid, &in) != 0)
		return 0;
	return valid(c, s, &in, ck_inode(c, ino));
}


int ck_pass_inodes(struct ck *c)
{
	uint32_t gc = c->sb.group_count;
	struct gscan *s = calloc(gc, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	/* group metadata (and the journal) is in use by definition; the
	 * inode tables are asked for ahead, so that a cold device has many
	 * reads in flight rather than one per thread */
	for (uint32_t g = 0; g < gc; g++) {
		const struct ck_group *cg = &c->grp[g];
		uint64_t n = (cg->g.flags & VX_GF_INODE_UNINIT) ? 0 :
			     (cg->g.itable_init + c->ipb - 1) / c->ipb;

		ck_claim(c, cg->lay.start, cg->lay.meta_blocks);
		vx_io_advise(c->io, cg->lay.itable * c->bsize, n * c->bsize);
	}
	atomic_store(&c->progress, 0);
	err = ck_parallel(c, gc, scan_group, s);
	for (uint32_t g = 0; g < gc && !err && !c->stop; g++) {
		if (s[g].beyond) {
			struct vx_finding f;
			char what[48];

			snprintf(what, sizeof(what), "group %u", g);
			ck_finding(&f, VX_PR_INODE_BEYOND_INIT, g, what,
				   c->grp[g].g.itable_init);
			bool yes = ck_ask(c, &f);
			c->grp[g].g.itable_init = s[g].beyond;
			c->grp[g].g.flags &= ~(uint32_t)VX_GF_INODE_UNINIT;
			c->grp[g].hdr_dirty |= yes;
			ck_done(c, &f, yes, 0);
		}
		for (size_t i = 0; i < s[g].n && !err && !c->stop; i++) {
			struct item *it = &s[g].it[i];

			err = apply(c, it);
			if (!err && it->kind == IT_FLAGS && it->f.fixed) {
				struct gscan more = { 0 };
				err = recheck(c, &more, it->ino);
				for (size_t k = 0; k < more.n && !err; k++)
					err = apply(c, &more.it[k]);
				for (size_t k = 0; k < more.n; k++)
					ck_map_free(&more.it[k].map);
				ck_map_free(&more.m);
				free(more.it);
			}
		}
	}
	for (uint32_t g = 0; g < gc; g++) {
		for (size_t i = 0; i < s[g].n; i++)
			ck_map_free(&s[g].it[i].map);
		ck_map_free(&s[g].m);
		free(s[g].it);
	}
	free(s);
	if (!err && c->ndups && !c->stop)
		err = ck_pass_dups(c);
	return err;
}
