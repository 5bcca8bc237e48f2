/*
 * vxdamage.c: test helper that damages a VexFS image deterministically,
 * for the checker's test images.  Usage: vxdamage IMAGE COMMAND ARGS...
 * (`vxdamage --help` lists the commands).  Objects are paths inside the
 * image ("/dir/file"; a symlink in the last part is not followed) or
 * "#INO"; VALUE is decimal, 0x hex or 0 octal; field names and offsets
 * are format.h's.  The set commands reseal what they change (the block's
 * metadata crc, or the inode's crc) unless given --noseal.  Each change is
 * reported on stderr, "vxdamage: WHAT: FIELD OLD -> NEW"; the print
 * commands (ino, slot, blocks, meta-blocks) write to stdout.  Exit 0 on
 * success, 2 on bad usage or any failure (nothing is written then).
 *
 * Design: the image is opened through the public API read-only to find
 * objects (paths, geometry, group headers, the inodes reachable from the
 * root) and closed before the first byte is written, with pwrite on a
 * descriptor of our own.  Inode slots, extent trees and directory leaves
 * are read raw, and a path's last name is looked up in its directory
 * without reading its inode, so that damage can be stacked; when the
 * filesystem no longer opens, commands fall back to the raw primary
 * superblock and the layout rules ("#INO" still works then, paths do
 * not).  An inode is resealed with crc32c(uuid) continued over its slot,
 * and checked against vx_inode_encode whenever the result decodes.
 * Extent walks descend only to strictly lower levels and clamp runs to
 * the filesystem, so a damaged tree cannot make them loop or run away.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vexfs/vexfs.h>

#define EXIT_FAIL	2

/* what a command needs: nothing, the block size, the geometry, the fs */
enum { C_NONE = 0, C_RAW = 1, C_GEOM = 2, C_FS = 3, C_MODE = 3,
       C_NOSEAL = 4, C_RDONLY = 8 };

struct field {
	const char *name;
	unsigned short off, width;
	char fmt;		/* 'd' decimal, 'x' hex, 'o' octal */
};

/* a field: name, byte offset, width in bytes; printed in decimal, hex or
 * octal */
#define D(n, o, w) { #n, o, w, 'd' }
#define X(n, o, w) { #n, o, w, 'x' }
#define O(n, o, w) { #n, o, w, 'o' }
#define END { NULL, 0, 0, 0 }
/* the metadata header's, in every table of a metadata block */
#define HDR_FIELDS \
	X(magic, 0, 4), D(type, 4, 2), X(hflags, 6, 2), \
	X(crc, 8, 4), D(blkno, 16, 8), D(seq, 24, 8)

static const struct field super_fields[] = {
	HDR_FIELDS, D(version, 48, 4), D(block_log, 52, 4),
	D(block_count, 56, 8), D(group_blocks, 64, 4), D(group_count, 68, 4),
	D(inodes_per_group, 72, 4), D(inode_size, 76, 2), X(state, 78, 2),
	X(feature_compat, 80, 4), X(feature_incompat, 84, 4),
	X(feature_ro_compat, 88, 4), D(bbitmap_blocks, 92, 4),
	D(ibitmap_blocks, 96, 4), D(itable_blocks, 100, 4),
	D(free_blocks, 104, 8), D(free_inodes, 112, 8), D(root_ino, 120, 8),
	D(lost_found_ino, 128, 8), D(journal_start, 136, 8),
	D(journal_blocks, 144, 8), X(hash_seed, 152, 8), D(mkfs_time, 160, 8),
	D(write_time, 168, 8), D(last_seq, 176, 8), D(mount_count, 184, 4),
	D(error_count, 188, 4), END };
static const struct field group_fields[] = {
	HDR_FIELDS, D(group_no, 48, 4), X(flags, 52, 4), D(start, 56, 8),
	D(nblocks, 64, 4), D(meta_blocks, 68, 4), D(free_blocks, 72, 4),
	D(free_inodes, 76, 4), D(used_dirs, 80, 4), D(itable_init, 84, 4),
	D(bbitmap, 88, 8), D(ibitmap, 96, 8), D(itable, 104, 8), END };
static const struct field inode_fields[] = {
	X(magic, 0, 2), O(mode, 2, 2), X(crc, 4, 4), D(ino, 8, 8),
	D(seq, 16, 8), D(uid, 24, 4), D(gid, 28, 4), D(size, 32, 8),
	D(blocks, 40, 8), D(nlink, 48, 4), X(flags, 52, 4), D(atime, 56, 8),
	D(mtime, 64, 8), D(ctime, 72, 8), D(crtime, 80, 8),
	D(atime_nsec, 88, 4), D(mtime_nsec, 92, 4), D(ctime_nsec, 96, 4),
	D(crtime_nsec, 100, 4), D(rdev, 104, 8), D(generation, 112, 4),
	D(depth, 116, 2), D(nentries, 118, 2), D(parent, 120, 8), END };
static const struct field extent_fields[] = {
	D(lblk, 0, 8), D(pblk, 8, 8), D(len, 16, 4), X(flags, 20, 4), END };
static const struct field index_fields[] = {
	D(lblk, 0, 8), D(child, 8, 8), END };
static const struct field node_fields[] = {
	HDR_FIELDS, D(level, 48, 2), D(count, 50, 2), D(reserved, 52, 4),
	D(owner, 56, 8), END };
static const struct field dirnode_fields[] = {
	HDR_FIELDS, D(level, 48, 2), D(count, 50, 2), D(used, 52, 4),
	D(owner, 56, 8), D(next, 64, 8), D(parent, 72, 8), D(nentries, 80, 8),
	END };
static const struct field dirent_fields[] = {
	X(hash, 0, 8), D(ino, 8, 8), D(type, 16, 1), D(namelen, 17, 1), END };

struct grp {			/* where a group's metadata is */
	vx_blk_t header, bbitmap, ibitmap, itable;
	uint32_t flags, itable_init;
};

struct img {
	const char *path, *cmd;
	int fd;
	uint64_t fblocks;	/* whole blocks in the image file */
	uint32_t bs;
	struct vx_fs *fs;	/* open until the first write, or NULL */
	struct vx_super sb;	/* geometry (C_GEOM and C_FS) */
	struct grp *groups;
};

/* what a set command changes: a structure at @base of block @blk */
struct target {
	vx_blk_t blk;
	uint8_t *p;		/* the whole block */
	unsigned base;
	bool inode;		/* an inode slot: inode crc, not block crc */
	vx_ino_t ino;
	const struct field *tab;
	const char *kind;
	char what[320];
};

/* ---- small utilities ---- */

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("vxdamage: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAIL);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		die("out of memory");
	return p;
}

/* a number: decimal, 0x hex or 0 octal, no sign */
static uint64_t num(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (!*s || *end || errno || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		die("%s: not a number: '%s'", what, s);
	return v;
}

static const struct field *field_find(const struct field *t,
				      const char *name, const char *kind)
{
	for (const struct field *f = t; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	fprintf(stderr, "vxdamage: unknown %s field '%s'; known:", kind, name);
	for (; t->name; t++)
		fprintf(stderr, " %s", t->name);
	fputc('\n', stderr);
	exit(EXIT_FAIL);
}

static uint64_t field_get(const uint8_t *p, const struct field *f)
{
	uint64_t v = 0;

	for (unsigned i = f->width; i-- > 0;)
		v = v << 8 | p[f->off + i];
	return v;
}

/* set field @name of the structure at @p to @val and report it */
static void field_set(uint8_t *p, const struct field *tab, const char *kind,
		      const char *name, const char *val, const char *what,
		      bool stale)
{
	const struct field *f = field_find(tab, name, kind);
	uint64_t v = num(val, name), old = field_get(p, f);
	const char *fmt = f->fmt == 'x' ? "0x%" PRIx64 : f->fmt == 'o' ?
			  "0%" PRIo64 : "%" PRIu64;
	char a[32], b[32];

	if (f->width < 8 && v >> (f->width * 8))
		die("%s: %s does not fit in %u bytes", name, val, f->width);
	for (unsigned i = 0; i < f->width; i++)
		p[f->off + i] = (uint8_t)(v >> (8 * i));
	snprintf(a, sizeof(a), fmt, old);
	snprintf(b, sizeof(b), fmt, v);
	fprintf(stderr, "vxdamage: %s: %s %s -> %s%s\n", what, f->name, a, b,
		stale ? " (crc left stale)" : "");
}

/* ---- image access ---- */

/* close the filesystem: done before the first write */
static void img_release(struct img *im)
{
	int err;

	if (!im->fs)
		return;
	err = vx_fs_close(im->fs);
	im->fs = NULL;
	if (err)
		die("%s: close: %s", im->path, vx_strerror(err));
}

static void img_pread(struct img *im, uint64_t off, void *buf, size_t n)
{
	ssize_t r = pread(im->fd, buf, n, (off_t)off);

	if (r < 0 || (size_t)r != n)
		die("%s: read at %" PRIu64 ": %s", im->path, off, r < 0 ?
		    strerror(errno) : "beyond the end of the image");
}

static void img_pwrite(struct img *im, uint64_t off, const void *buf,
		       size_t n)
{
	img_release(im);
	if (pwrite(im->fd, buf, n, (off_t)off) != (ssize_t)n)
		die("%s: write at %" PRIu64 ": %s", im->path, off,
		    strerror(errno));
}

static void blk_check(const struct img *im, vx_blk_t b)
{
	if (b >= im->fblocks)
		die("block %" PRIu64 " is beyond the end of the image (%"
		    PRIu64 " blocks)", b, im->fblocks);
}

static uint8_t *blk_read(struct img *im, vx_blk_t b)
{
	uint8_t *buf = xcalloc(1, im->bs);

	blk_check(im, b);
	img_pread(im, b * im->bs, buf, im->bs);
	return buf;
}

static void blk_write(struct img *im, vx_blk_t b, const void *buf)
{
	blk_check(im, b);
	img_pwrite(im, b * im->bs, buf, im->bs);
}

static vx_blk_t blk_arg(const struct img *im, const char *s)
{
	vx_blk_t b = num(s, "block");

	blk_check(im, b);
	return b;
}

/* the block size from the raw primary superblock */
static void raw_bs(struct img *im)
{
	uint8_t p[1024];
	uint32_t log;
	struct stat st;

	if (fstat(im->fd, &st))
		die("%s: %s", im->path, strerror(errno));
	img_pread(im, 0, p, sizeof(p));
	log = vx_get32(p + 52);
	if (log < VX_MIN_BLOCK_LOG || log > VX_MAX_BLOCK_LOG)
		die("%s: cannot tell the block size: block_log %" PRIu32
		    " in the primary superblock", im->path, log);
	im->bs = 1u << log;
	im->fblocks = (uint64_t)st.st_size / im->bs;
}

static vx_blk_t group_header(const struct vx_super *sb, uint32_t g)
{
	bool copy = g == 0 || g == 1 || (g > 1 && g == sb->group_count - 1);

	return (vx_blk_t)g * sb->group_blocks + copy;
}

/* geometry from the raw primary and the layout rules (fs does not open) */
static void raw_geometry(struct img *im)
{
	uint8_t *p = blk_read(im, 0), *h;
	struct vx_super *sb = &im->sb;

	sb->block_log = vx_get32(p + 52);
	sb->block_count = vx_get64(p + 56);
	sb->group_blocks = vx_get32(p + 64);
	sb->group_count = vx_get32(p + 68);
	sb->inodes_per_group = vx_get32(p + 72);
	sb->bbitmap_blocks = vx_get32(p + 92);
	sb->ibitmap_blocks = vx_get32(p + 96);
	sb->root_ino = vx_get64(p + 120);
	memcpy(sb->hdr.uuid, p + 32, 16);
	free(p);
	if (!sb->group_blocks || !sb->group_count || !sb->inodes_per_group ||
	    sb->group_count > VX_MAX_GROUPS)
		die("%s: the primary superblock's geometry is unusable",
		    im->path);
	im->groups = xcalloc(sb->group_count, sizeof(*im->groups));
	for (uint32_t g = 0; g < sb->group_count; g++) {
		struct grp *gr = &im->groups[g];

		gr->header = group_header(sb, g);
		gr->bbitmap = gr->header + 1;
		gr->ibitmap = gr->bbitmap + sb->bbitmap_blocks;
		gr->itable = gr->ibitmap + sb->ibitmap_blocks;
		if (gr->header < im->fblocks) {
			h = blk_read(im, gr->header);
			gr->flags = vx_get32(h + 52);
			free(h);
		}
	}
}

static int open_fs(struct img *im)
{
	struct vx_open_opts opts = {
		.flags = VX_OPEN_RDONLY | VX_OPEN_INCOMPLETE };
	struct vx_io *io;
	struct vx_group g;
	int err = vx_io_unix_open(im->path, VX_IO_OPEN_RDONLY, &io);

	if (!err && (err = vx_fs_open(io, &opts, &im->fs)))
		vx_io_close(io);
	if (err)
		return err;
	im->sb = *vx_fs_super(im->fs);
	im->groups = xcalloc(im->sb.group_count, sizeof(*im->groups));
	for (uint32_t i = 0; i < im->sb.group_count; i++) {
		if ((err = vx_fs_group(im->fs, i, &g)))
			die("%s: group %" PRIu32 ": %s", im->path, i,
			    vx_strerror(err));
		im->groups[i] = (struct grp){
			.header = group_header(&im->sb, i),
			.bbitmap = g.bbitmap, .ibitmap = g.ibitmap,
			.itable = g.itable, .flags = g.flags,
			.itable_init = g.itable_init };
	}
	return 0;
}

static void img_open(struct img *im, unsigned flags)
{
	unsigned mode = flags & C_MODE;
	int err;

	im->fd = open(im->path, (flags & C_RDONLY ? O_RDONLY : O_RDWR) |
		      O_CLOEXEC);
	if (im->fd < 0)
		die("%s: %s", im->path, strerror(errno));
	if (mode != C_NONE)
		raw_bs(im);
	if (mode == C_NONE || mode == C_RAW)
		return;
	err = open_fs(im);
	if (err && mode == C_FS)
		die("%s: cannot open filesystem: %s", im->path,
		    vx_strerror(err));
	if (err) {
		fprintf(stderr, "vxdamage: note: %s does not open (%s); using"
			" the raw superblock\n", im->path, vx_strerror(err));
		raw_geometry(im);
	}
	if (im->bs != 1u << im->sb.block_log)
		die("%s: block size disagrees with the superblock", im->path);
}

/* ---- inodes ---- */

/* the parent by path, the last name by vx_lookup, which reads the
 * directory only: a damaged inode can still be named by its path */
static int lookup(struct img *im, const char *obj, vx_ino_t *ino)
{
	const char *base = strrchr(obj, '/');
	vx_ino_t dir = im->sb.root_ino;
	char *up;
	int err = 0;

	base = base ? base + 1 : obj;
	if (!*base)
		return vx_lookup_path(im->fs, NULL, dir, obj, 0, ino);
	if (base > obj) {
		if (!(up = strndup(obj, (size_t)(base - obj))))
			die("out of memory");
		err = vx_lookup_path(im->fs, NULL, dir, up, VX_LOOKUP_FOLLOW,
				     &dir);
		free(up);
	}
	return err ? err : vx_lookup(im->fs, NULL, dir, base, ino);
}

static vx_ino_t resolve(struct img *im, const char *obj)
{
	uint64_t max = (uint64_t)im->sb.inodes_per_group * im->sb.group_count;
	vx_ino_t ino;
	int err;

	if (obj[0] == '#') {
		ino = num(obj + 1, "inode number");
	} else {
		if (!im->fs)
			die("%s: the filesystem does not open: name objects"
			    " as #INO", obj);
		if ((err = lookup(im, obj, &ino)))
			die("%s: %s: %s", im->path, obj, vx_strerror(err));
	}
	if (!ino || ino > max)
		die("%s: inode %" PRIu64 " out of range (1..%" PRIu64 ")", obj,
		    ino, max);
	return ino;
}

/* the inode-table block holding @obj's slot, as a target */
static uint8_t *slot_read(struct img *im, const char *obj, struct target *t)
{
	uint32_t ipb = im->bs / VX_INODE_SIZE;
	uint64_t idx;

	t->ino = resolve(im, obj);
	idx = (t->ino - 1) % im->sb.inodes_per_group;
	t->blk = im->groups[(t->ino - 1) / im->sb.inodes_per_group].itable +
		 idx / ipb;
	t->base = (unsigned)(idx % ipb) * VX_INODE_SIZE;
	t->p = blk_read(im, t->blk);
	t->inode = true;
	t->tab = inode_fields;
	t->kind = "inode";
	snprintf(t->what, sizeof(t->what), "inode %" PRIu64, t->ino);
	return t->p + t->base;
}

/* crc32c(uuid) continued over the slot, crc as 0; a slot that decodes
 * must then be exactly what the library's encoder writes */
static void inode_seal(const struct img *im, uint8_t *p)
{
	static const uint8_t zero[4];
	const uint8_t *uuid = im->sb.hdr.uuid;
	uint8_t q[VX_INODE_SIZE];
	struct vx_inode in;
	uint32_t crc = vx_crc32c(0, uuid, 16);

	crc = vx_crc32c(crc, p, 4);
	crc = vx_crc32c(crc, zero, 4);
	vx_put32(p + 4, vx_crc32c(crc, p + 8, VX_INODE_SIZE - 8));
	if (vx_inode_decode(p, vx_get64(p + 8), uuid, &in) == 0) {
		vx_inode_encode(q, &in, uuid);
		if (memcmp(p, q, VX_INODE_SIZE))
			die("internal error: resealed inode differs from"
			    " vx_inode_encode");
	}
}

/* set field @fv[0] to @fv[1] in @t, reseal unless told not to, write */
static void target_set(struct img *im, struct target *t, char **fv,
		       bool seal)
{
	seal = seal && strcmp(fv[0], "crc");
	field_set(t->p + t->base, t->tab, t->kind, fv[0], fv[1], t->what,
		  !seal);
	if (seal && t->inode)
		inode_seal(im, t->p + t->base);
	else if (seal)
		vx_mhdr_seal(t->p, im->bs);
	blk_write(im, t->blk, t->p);
	free(t->p);
}

/* ---- extent trees ---- */

/* called for every tree node and mapped block; non-zero stops the walk */
typedef int (*blk_fn)(void *ctx, bool node, uint64_t lblk, vx_blk_t pblk);

struct walk {
	struct img *im;
	vx_ino_t ino;
	blk_fn fn;
	void *ctx;
};

static int walk_extents(struct walk *w, const uint8_t *e, unsigned n)
{
	uint64_t total = w->im->sb.block_count, lblk, pblk, len;
	int r;

	for (unsigned i = 0; i < n; i++, e += VX_EXTENT_SIZE) {
		lblk = vx_get64(e);
		pblk = vx_get64(e + 8);
		len = vx_get32(e + 16);
		if (pblk >= total)
			fprintf(stderr, "vxdamage: inode %" PRIu64 ": extent at"
				" block %" PRIu64 " outside the filesystem\n",
				w->ino, pblk);
		for (uint64_t k = 0; pblk < total && k < len &&
		     k < total - pblk; k++)
			if ((r = w->fn(w->ctx, false, lblk + k, pblk + k)))
				return r;
	}
	return 0;
}

static int walk_node(struct walk *w, vx_blk_t b, unsigned level);

static int walk_index(struct walk *w, const uint8_t *e, unsigned n,
		      unsigned level)
{
	int r;

	for (unsigned i = 0; i < n; i++, e += VX_INDEX_SIZE)
		if ((r = walk_node(w, vx_get64(e + 8), level)))
			return r;
	return 0;
}

/* node @b, expected at @level; only strictly lower levels are followed */
static int walk_node(struct walk *w, vx_blk_t b, unsigned level)
{
	unsigned lv, count, cap;
	uint8_t *p;
	int r;

	if (!b || b >= w->im->sb.block_count || b >= w->im->fblocks) {
		fprintf(stderr, "vxdamage: inode %" PRIu64 ": node %" PRIu64
			" outside the filesystem\n", w->ino, b);
		return 0;
	}
	if ((r = w->fn(w->ctx, true, 0, b)))
		return r;
	p = blk_read(w->im, b);
	lv = vx_get16(p + 48);
	count = vx_get16(p + 50);
	if (vx_get32(p) != VX_META_MAGIC || vx_get16(p + 4) != VX_BT_EXTENT ||
	    lv > level) {
		fprintf(stderr, "vxdamage: inode %" PRIu64 ": block %" PRIu64
			" is not an extent node of level %u, not followed\n",
			w->ino, b, level);
		free(p);
		return 0;
	}
	cap = (w->im->bs - VX_EXT_NODE_HDR) / (lv ? VX_INDEX_SIZE :
					       VX_EXTENT_SIZE);
	count = count < cap ? count : cap;
	r = lv ? walk_index(w, p + VX_EXT_NODE_HDR, count, lv - 1) :
		 walk_extents(w, p + VX_EXT_NODE_HDR, count);
	free(p);
	return r;
}

static int walk_inode(struct img *im, vx_ino_t ino, const uint8_t *p,
		      blk_fn fn, void *ctx)
{
	struct walk w = { .im = im, .ino = ino, .fn = fn, .ctx = ctx };
	unsigned depth = vx_get16(p + 116), n = vx_get16(p + 118);

	if (vx_get32(p + 52) & VX_IF_INLINE_DATA)
		return 0;
	if (!depth)
		return walk_extents(&w, p + 128, n < VX_INLINE_EXTENTS ? n :
				    VX_INLINE_EXTENTS);
	depth = depth < VX_MAX_EXT_DEPTH ? depth : VX_MAX_EXT_DEPTH;
	return walk_index(&w, p + 128, n < VX_INLINE_INDEX ? n :
			  VX_INLINE_INDEX, depth - 1);
}

/* ---- print commands ---- */

static void cmd_ino(struct img *im, char **argv, int argc, bool seal)
{
	printf("%" PRIu64 "\n", resolve(im, argv[0]));
}

static void cmd_slot(struct img *im, char **argv, int argc, bool seal)
{
	struct target t;

	slot_read(im, argv[0], &t);
	printf("%" PRIu64 " %u\n", t.blk, t.base);
	free(t.p);
}

/* blocks: "node B" / "data L B"; meta-blocks (@ctx: is a directory):
 * "extent B" / "dir B" */
static int print_block(void *ctx, bool node, uint64_t lblk, vx_blk_t pblk)
{
	if (!ctx && node)
		printf("node %" PRIu64 "\n", pblk);
	else if (!ctx)
		printf("data %" PRIu64 " %" PRIu64 "\n", lblk, pblk);
	else if (node || *(const bool *)ctx)
		printf("%s %" PRIu64 "\n", node ? "extent" : "dir", pblk);
	return 0;
}

static void cmd_blocks(struct img *im, char **argv, int argc, bool seal)
{
	struct target t;
	uint8_t *slot = slot_read(im, argv[0], &t);

	img_release(im);
	walk_inode(im, t.ino, slot, print_block, NULL);
	free(t.p);
}

struct icoll {			/* inodes reachable from the root */
	uint8_t *seen;		/* a bit per inode number */
	uint64_t max;
	vx_ino_t *dirs;		/* directories still to read */
	size_t ndirs, cap;
};

static int coll_dent(void *ctx, const char *name, size_t len, vx_ino_t ino,
		     unsigned type)
{
	struct icoll *c = ctx;

	if ((len == 1 && name[0] == '.') || (len == 2 && !memcmp(name, "..", 2))
	    || !ino || ino > c->max || (c->seen[ino / 8] >> (ino % 8) & 1))
		return 0;
	c->seen[ino / 8] |= (uint8_t)(1u << (ino % 8));
	if (type != VX_FT_DIR)
		return 0;
	if (c->ndirs == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->dirs = realloc(c->dirs, c->cap * sizeof(*c->dirs));
		if (!c->dirs)
			die("out of memory");
	}
	c->dirs[c->ndirs++] = ino;
	return 0;
}

static void print_groups(struct img *im)
{
	const struct vx_super *sb = &im->sb;
	uint32_t ipb = im->bs / VX_INODE_SIZE;

	for (uint32_t g = 0; g < sb->group_count; g++) {
		const struct grp *gr = &im->groups[g];
		uint64_t nit = ((uint64_t)gr->itable_init + ipb - 1) / ipb;

		printf("group %" PRIu32 " %" PRIu64 "\n", g, gr->header);
		for (uint32_t k = 0; !(gr->flags & VX_GF_BLOCK_UNINIT) &&
		     k < sb->bbitmap_blocks; k++)
			printf("bbitmap %" PRIu32 " %" PRIu64 "\n", g,
			       gr->bbitmap + k);
		for (uint32_t k = 0; !(gr->flags & VX_GF_INODE_UNINIT) &&
		     k < sb->ibitmap_blocks; k++)
			printf("ibitmap %" PRIu32 " %" PRIu64 "\n", g,
			       gr->ibitmap + k);
		for (uint64_t k = 0; k < nit && k < sb->itable_blocks; k++)
			printf("itable %" PRIu32 " %" PRIu64 "\n", g,
			       gr->itable + k);
	}
}

static void cmd_meta(struct img *im, char **argv, int argc, bool seal)
{
	struct icoll c = { .max = (uint64_t)im->sb.inodes_per_group *
				  im->sb.group_count };
	vx_blk_t bk[2];
	struct target t;
	char obj[32];
	int err, n = vx_fs_backup_blocks(&im->sb, bk);
	bool dir;

	printf("super 0\n");
	for (int i = 0; i < n; i++)
		printf("backup %" PRIu64 "\n", bk[i]);
	print_groups(im);
	printf("jsuper %" PRIu64 "\n", im->sb.journal_start);
	c.seen = xcalloc(c.max / 8 + 1, 1);
	coll_dent(&c, "", 0, im->sb.root_ino, VX_FT_DIR);
	while (c.ndirs) {
		vx_ino_t d = c.dirs[--c.ndirs];

		if ((err = vx_readdir(im->fs, NULL, d, coll_dent, &c)))
			fprintf(stderr, "vxdamage: directory %" PRIu64 ": %s\n",
				d, vx_strerror(err));
	}
	img_release(im);
	for (vx_ino_t i = 1; i <= c.max; i++) {
		if (!(c.seen[i / 8] >> (i % 8) & 1))
			continue;
		snprintf(obj, sizeof(obj), "#%" PRIu64, i);
		slot_read(im, obj, &t);
		dir = (vx_get16(t.p + t.base + 2) & S_IFMT) == S_IFDIR;
		walk_inode(im, i, t.p + t.base, print_block, &dir);
		free(t.p);
	}
	free(c.seen);
	free(c.dirs);
}

/* ---- set commands ---- */

static void cmd_super(struct img *im, char **argv, int argc, bool seal)
{
	struct target t = { .p = blk_read(im, 0), .tab = super_fields,
			    .kind = "superblock",
			    .what = "superblock (block 0)" };

	target_set(im, &t, argv, seal);
}

static void cmd_backup(struct img *im, char **argv, int argc, bool seal)
{
	struct target t = { .tab = super_fields, .kind = "superblock" };
	vx_blk_t bk[2];
	uint64_t i = num(argv[0], "backup");
	int n = vx_fs_backup_blocks(&im->sb, bk);

	if (i >= (uint64_t)n)
		die("backup %s: the image has %d backup superblock(s)",
		    argv[0], n);
	t.blk = bk[i];
	t.p = blk_read(im, t.blk);
	snprintf(t.what, sizeof(t.what), "backup %" PRIu64 " (block %" PRIu64
		 ")", i, t.blk);
	target_set(im, &t, argv + 1, seal);
}

static uint32_t group_arg(const struct img *im, const char *s)
{
	uint64_t g = num(s, "group");

	if (g >= im->sb.group_count)
		die("group %" PRIu64 " out of range (0..%" PRIu32 ")", g,
		    im->sb.group_count - 1);
	return (uint32_t)g;
}

static void cmd_group(struct img *im, char **argv, int argc, bool seal)
{
	uint32_t g = group_arg(im, argv[0]);
	struct target t = { .blk = im->groups[g].header, .tab = group_fields,
			    .kind = "group" };

	t.p = blk_read(im, t.blk);
	snprintf(t.what, sizeof(t.what), "group %" PRIu32 " (block %" PRIu64
		 ")", g, t.blk);
	target_set(im, &t, argv + 1, seal);
}

static void cmd_inode(struct img *im, char **argv, int argc, bool seal)
{
	struct target t;

	slot_read(im, argv[0], &t);
	target_set(im, &t, argv + 1, seal);
}

static void cmd_izero(struct img *im, char **argv, int argc, bool seal)
{
	struct target t;

	memset(slot_read(im, argv[0], &t), 0, VX_INODE_SIZE);
	fprintf(stderr, "vxdamage: inode %" PRIu64 ": slot zeroed (block %"
		PRIu64 " offset %u)\n", t.ino, t.blk, t.base);
	blk_write(im, t.blk, t.p);
	free(t.p);
}

/* inline extent (depth 0) or index entry (depth > 0) @argv[1] */
static void cmd_extent(struct img *im, char **argv, int argc, bool seal)
{
	struct target t;
	uint8_t *slot = slot_read(im, argv[0], &t);
	uint64_t i = num(argv[1], "index");
	unsigned depth = vx_get16(slot + 116);
	unsigned max = depth ? VX_INLINE_INDEX : VX_INLINE_EXTENTS;

	if (vx_get32(slot + 52) & VX_IF_INLINE_DATA)
		die("inode %" PRIu64 " holds an inline symlink target, no"
		    " extents", t.ino);
	if (i >= max)
		die("index %" PRIu64 " out of range (0..%u)", i, max - 1);
	t.base += 128 + (unsigned)i * (depth ? VX_INDEX_SIZE : VX_EXTENT_SIZE);
	t.tab = depth ? index_fields : extent_fields;
	t.kind = depth ? "index entry" : "extent";
	snprintf(t.what, sizeof(t.what), "inode %" PRIu64 ": %s %" PRIu64,
		 t.ino, t.kind, i);
	/* the crc is the inode's: seal the slot, not the patched entry */
	seal = seal && strcmp(argv[2], "crc");
	field_set(t.p + t.base, t.tab, t.kind, argv[2], argv[3], t.what, !seal);
	if (seal)
		inode_seal(im, slot);
	blk_write(im, t.blk, t.p);
	free(t.p);
}

static void cmd_node(struct img *im, char **argv, int argc, bool seal)
{
	struct target t = { .blk = blk_arg(im, argv[0]), .tab = node_fields,
			    .kind = "extent node" };
	bool entry = !strcmp(argv[1], "entry");
	unsigned lv, size, cap;
	uint64_t i;

	if (argc != (entry ? 5 : 3))
		die("node-set: BLOCK FIELD VALUE or BLOCK entry IDX FIELD"
		    " VALUE");
	t.p = blk_read(im, t.blk);
	if (vx_get32(t.p) != VX_META_MAGIC || vx_get16(t.p + 4) != VX_BT_EXTENT)
		fprintf(stderr, "vxdamage: note: block %" PRIu64 " is not an"
			" extent node\n", t.blk);
	snprintf(t.what, sizeof(t.what), "extent node %" PRIu64, t.blk);
	if (entry) {
		lv = vx_get16(t.p + 48);
		size = lv ? VX_INDEX_SIZE : VX_EXTENT_SIZE;
		cap = (im->bs - VX_EXT_NODE_HDR) / size;
		if ((i = num(argv[2], "index")) >= cap)
			die("index %" PRIu64 " out of range (0..%u)", i,
			    cap - 1);
		t.base = VX_EXT_NODE_HDR + (unsigned)i * size;
		t.tab = lv ? index_fields : extent_fields;
		snprintf(t.what, sizeof(t.what), "extent node %" PRIu64 ": %s"
			 " %" PRIu64, t.blk, lv ? "index entry" : "extent", i);
	}
	target_set(im, &t, argv + (entry ? 3 : 1), seal);
}

/* ---- directories ---- */

struct dfind {
	struct img *im;
	const char *name;	/* entry sought, or NULL: the node at @lblk */
	size_t len;
	uint64_t lblk;
	struct target *t;	/* result: block and entry offset */
};

static int find_dirent(void *ctx, bool node, uint64_t lblk, vx_blk_t pblk)
{
	struct dfind *d = ctx;
	unsigned end, count, pos = VX_DIR_NODE_HDR, nl;
	uint8_t *p;

	if (node || pblk >= d->im->fblocks || (!d->name && lblk != d->lblk))
		return 0;
	free(d->t->p);
	p = d->t->p = blk_read(d->im, pblk);
	d->t->blk = pblk;
	if (!d->name)
		return 1;
	if (vx_get32(p) != VX_META_MAGIC || vx_get16(p + 4) != VX_BT_DIR ||
	    vx_get16(p + 48))
		return 0;
	end = VX_DIR_NODE_HDR + vx_get32(p + 52);
	end = end > d->im->bs || end < VX_DIR_NODE_HDR ? d->im->bs : end;
	count = vx_get16(p + 50);
	for (unsigned i = 0; i < count && pos + VX_DIRENT_HDR <= end; i++) {
		nl = p[pos + 17];
		if (pos + VX_DIRENT_HDR + nl > end)
			break;
		if (nl == d->len && !memcmp(p + pos + VX_DIRENT_HDR, d->name,
					    nl)) {
			d->t->base = pos;
			return 1;
		}
		pos += VX_DIRENT_HDR + nl;
	}
	return 0;
}

/* the leaf holding @d->name (or the node at @d->lblk) of directory @path */
static vx_ino_t dir_find(struct img *im, const char *path, struct dfind *d)
{
	struct target s;
	uint8_t *slot = slot_read(im, path, &s);

	if ((vx_get16(slot + 2) & S_IFMT) != S_IFDIR)
		die("%s: not a directory (inode %" PRIu64 ")", path, s.ino);
	img_release(im);
	d->im = im;
	d->t->p = NULL;
	if (!walk_inode(im, s.ino, slot, find_dirent, d)) {
		if (d->name)
			die("%s: no entry '%s' in directory inode %" PRIu64,
			    im->path, d->name, s.ino);
		die("%s: directory inode %" PRIu64 " maps no block %" PRIu64,
		    im->path, s.ino, d->lblk);
	}
	free(s.p);
	return s.ino;
}

static void cmd_dirent(struct img *im, char **argv, int argc, bool seal)
{
	struct target t = { .tab = dirent_fields, .kind = "entry" };
	struct dfind d = { .name = argv[1], .len = strlen(argv[1]), .t = &t };
	vx_ino_t dir = dir_find(im, argv[0], &d);

	snprintf(t.what, sizeof(t.what), "directory %" PRIu64 " block %" PRIu64
		 ": entry '%.255s'", dir, t.blk, argv[1]);
	if (strcmp(argv[2], "name")) {
		target_set(im, &t, argv + 2, seal);
		return;
	}
	if (strlen(argv[3]) != d.len)
		die("name: '%s' is not %zu bytes long like '%s'", argv[3],
		    d.len, argv[1]);
	memcpy(t.p + t.base + VX_DIRENT_HDR, argv[3], d.len);
	if (seal)
		vx_mhdr_seal(t.p, im->bs);
	fprintf(stderr, "vxdamage: %s: name '%s' -> '%s'%s\n", t.what, argv[1],
		argv[3], seal ? "" : " (crc left stale)");
	blk_write(im, t.blk, t.p);
	free(t.p);
}

static void cmd_dirnode(struct img *im, char **argv, int argc, bool seal)
{
	struct target t = { .tab = dirnode_fields, .kind = "directory node" };
	struct dfind d = { .lblk = num(argv[1], "logical block"), .t = &t };
	vx_ino_t dir = dir_find(im, argv[0], &d);

	snprintf(t.what, sizeof(t.what), "directory %" PRIu64 " node %" PRIu64
		 " (block %" PRIu64 ")", dir, d.lblk, t.blk);
	target_set(im, &t, argv + 2, seal);
}

/* ---- bitmaps ---- */

static void cmd_bitmap(struct img *im, char **argv, int argc, bool seal)
{
	uint32_t g = group_arg(im, argv[0]);
	const struct grp *gr = &im->groups[g];
	bool inode = !strcmp(argv[1], "inode");
	uint64_t bit = num(argv[2], "bit"), v = num(argv[3], "value");
	uint64_t per = (uint64_t)(im->bs - VX_MHDR_SIZE) * 8, k = bit / per;
	uint32_t nbm = inode ? im->sb.ibitmap_blocks : im->sb.bbitmap_blocks;
	vx_blk_t b = (inode ? gr->ibitmap : gr->bbitmap) + k;
	unsigned byte = VX_MHDR_SIZE + (unsigned)(bit % per / 8), old;
	uint8_t *p;

	if (!inode && strcmp(argv[1], "block"))
		die("bitmap-set: 'block' or 'inode', not '%s'", argv[1]);
	if (v > 1)
		die("bitmap-set: the value is 0 or 1");
	if (gr->flags & (inode ? VX_GF_INODE_UNINIT : VX_GF_BLOCK_UNINIT))
		die("group %" PRIu32 ": the %s bitmap is uninitialised (%s set"
		    " in the group header): nothing reads it", g, argv[1],
		    inode ? "VX_GF_INODE_UNINIT" : "VX_GF_BLOCK_UNINIT");
	if (k >= nbm)
		die("bit %" PRIu64 " out of range (0..%" PRIu64 ")", bit,
		    per * nbm - 1);
	p = blk_read(im, b);
	old = p[byte] >> (bit % 8) & 1;
	p[byte] = (uint8_t)((p[byte] & ~(1u << (bit % 8))) | v << (bit % 8));
	if (seal)
		vx_mhdr_seal(p, im->bs);
	fprintf(stderr, "vxdamage: group %" PRIu32 " %s bitmap (block %"
		PRIu64 "): bit %" PRIu64 " %u -> %" PRIu64 "%s\n", g, argv[1],
		b, bit, old, v, seal ? "" : " (crc left stale)");
	blk_write(im, b, p);
	free(p);
}

/* ---- raw blocks ---- */

/* block-zero, block-fill, block-flip, block-copy, block-load, reseal:
 * read or make the new contents of block @argv[0], then write them */
static void cmd_block(struct img *im, char **argv, int argc, bool seal)
{
	const char *c = im->cmd;
	bool fill = !strcmp(c, "block-fill"), flip = !strcmp(c, "block-flip");
	vx_blk_t b = blk_arg(im, argv[!strcmp(c, "block-copy")]), s;
	uint8_t *p = xcalloc(1, (size_t)im->bs + 1);
	uint64_t v = fill || flip ? num(argv[1], "byte") : 0;
	uint64_t bit = flip ? num(argv[2], "bit") : 0;
	uint32_t old;
	FILE *f;

	if (fill || !strcmp(c, "block-zero")) {
		if (v > 255)
			die("block-fill: the byte value is 0..255");
		memset(p, (int)v, im->bs);
		fprintf(stderr, "vxdamage: block %" PRIu64 ": filled with"
			" 0x%02x\n", b, (unsigned)v);
	} else if (flip) {
		if (v >= im->bs || bit > 7)
			die("block-flip: byte 0..%u, bit 0..7", im->bs - 1);
		img_pread(im, b * im->bs, p, im->bs);
		old = p[v];
		p[v] ^= (uint8_t)(1u << bit);
		fprintf(stderr, "vxdamage: block %" PRIu64 ": byte %" PRIu64
			" 0x%02x -> 0x%02x (bit %" PRIu64 " flipped)\n", b, v,
			old, p[v], bit);
	} else if (!strcmp(c, "block-copy")) {
		s = blk_arg(im, argv[0]);
		img_pread(im, s * im->bs, p, im->bs);
		fprintf(stderr, "vxdamage: block %" PRIu64 ": copied from"
			" block %" PRIu64 "\n", b, s);
	} else if (!strcmp(c, "block-load")) {
		if (!(f = fopen(argv[1], "rb")))
			die("%s: %s", argv[1], strerror(errno));
		if ((v = fread(p, 1, (size_t)im->bs + 1, f)) != im->bs)
			die("%s: holds %" PRIu64 " bytes, not one block of %u",
			    argv[1], v, im->bs);
		fclose(f);
		fprintf(stderr, "vxdamage: block %" PRIu64 ": loaded from %s\n",
			b, argv[1]);
	} else {	/* reseal */
		img_pread(im, b * im->bs, p, im->bs);
		old = vx_get32(p);
		if (old != VX_META_MAGIC && old != VX_JOURNAL_MAGIC)
			die("block %" PRIu64 " has no metadata header (magic"
			    " 0x%08" PRIx32 ")", b, old);
		old = vx_get32(p + 8);
		vx_mhdr_seal(p, im->bs);
		fprintf(stderr, "vxdamage: block %" PRIu64 ": crc 0x%08" PRIx32
			" -> 0x%08" PRIx32 "\n", b, old, vx_get32(p + 8));
	}
	blk_write(im, b, p);
	free(p);
}

static void cmd_bsave(struct img *im, char **argv, int argc, bool seal)
{
	vx_blk_t b = blk_arg(im, argv[0]);
	uint8_t *p = blk_read(im, b);
	FILE *f = fopen(argv[1], "wb");

	if (!f || fwrite(p, 1, im->bs, f) != im->bs || fclose(f))
		die("%s: %s", argv[1], strerror(errno));
	free(p);
	fprintf(stderr, "vxdamage: block %" PRIu64 ": saved to %s\n", b,
		argv[1]);
}

static void cmd_truncate(struct img *im, char **argv, int argc, bool seal)
{
	uint64_t size = num(argv[0], "size");
	struct stat st;

	if (fstat(im->fd, &st))
		die("%s: %s", im->path, strerror(errno));
	if (size > (uint64_t)st.st_size)
		die("truncate: %" PRIu64 " is larger than the image (%lld)",
		    size, (long long)st.st_size);
	if (ftruncate(im->fd, (off_t)size))
		die("%s: truncate: %s", im->path, strerror(errno));
	fprintf(stderr, "vxdamage: image: size %lld -> %" PRIu64 "\n",
		(long long)st.st_size, size);
}

/* ---- command table and main ---- */

struct cmd {
	const char *name;
	void (*fn)(struct img *im, char **argv, int argc, bool seal);
	int min_args, max_args;
	unsigned flags;
	const char *args;
};

static const struct cmd cmds[] = {
	{ "ino", cmd_ino, 1, 1, C_GEOM | C_RDONLY, "PATH" },
	{ "slot", cmd_slot, 1, 1, C_GEOM | C_RDONLY, "PATH" },
	{ "blocks", cmd_blocks, 1, 1, C_GEOM | C_RDONLY, "PATH" },
	{ "meta-blocks", cmd_meta, 0, 0, C_FS | C_RDONLY, "" },
	{ "super-set", cmd_super, 2, 2, C_RAW | C_NOSEAL, "FIELD VALUE" },
	{ "backup-set", cmd_backup, 3, 3, C_GEOM | C_NOSEAL, "N FIELD VALUE" },
	{ "group-set", cmd_group, 3, 3, C_GEOM | C_NOSEAL, "G FIELD VALUE" },
	{ "inode-set", cmd_inode, 3, 3, C_GEOM | C_NOSEAL, "PATH FIELD VALUE" },
	{ "inode-zero", cmd_izero, 1, 1, C_GEOM, "PATH" },
	{ "extent-set", cmd_extent, 4, 4, C_GEOM | C_NOSEAL,
	  "PATH IDX FIELD VALUE" },
	{ "node-set", cmd_node, 3, 5, C_RAW | C_NOSEAL,
	  "BLOCK [entry IDX] FIELD VALUE" },
	{ "dirent-set", cmd_dirent, 4, 4, C_GEOM | C_NOSEAL,
	  "DIRPATH NAME FIELD VALUE" },
	{ "dirnode-set", cmd_dirnode, 4, 4, C_GEOM | C_NOSEAL,
	  "DIRPATH LBLK FIELD VALUE" },
	{ "bitmap-set", cmd_bitmap, 4, 4, C_GEOM | C_NOSEAL,
	  "G block|inode BIT 0|1" },
	{ "block-zero", cmd_block, 1, 1, C_RAW, "BLK" },
	{ "block-flip", cmd_block, 3, 3, C_RAW, "BLK BYTE BIT" },
	{ "block-fill", cmd_block, 2, 2, C_RAW, "BLK BYTE" },
	{ "block-save", cmd_bsave, 2, 2, C_RAW | C_RDONLY, "BLK FILE" },
	{ "block-load", cmd_block, 2, 2, C_RAW, "BLK FILE" },
	{ "block-copy", cmd_block, 2, 2, C_RAW, "SRC DST" },
	{ "reseal", cmd_block, 1, 1, C_RAW, "BLK" },
	{ "truncate", cmd_truncate, 1, 1, C_NONE, "SIZE" },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	fputs("usage: vxdamage IMAGE COMMAND ARGS...\n", f);
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(f, "  %-12s %s%s\n", cmds[i].name, cmds[i].args,
			cmds[i].flags & C_NOSEAL ? " [--noseal]" : "");
	fputs("PATH: /path/in/image or #INO.  blocks prints 'data LBLK PBLK'"
	      " and 'node PBLK'\nlines, meta-blocks 'KIND [G] BLOCK' lines, KIND"
	      " one of super backup group\nbbitmap ibitmap itable jsuper extent"
	      " dir.  Exit: 0 ok, 2 error.\n", f);
}

static void usage_die(const char *msg, const char *arg)
{
	fprintf(stderr, "vxdamage: %s%s\n", msg, arg);
	usage(stderr);
	exit(EXIT_FAIL);
}

int main(int argc, char **argv)
{
	struct img im = { .fd = -1 };
	const struct cmd *cmd = NULL;
	bool seal = true;
	int n = 0;

	if (argc >= 2 && (!strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 3)
		usage_die("no image or no command given", "");
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--noseal"))
			seal = false;
		else
			argv[3 + n++] = argv[i];
	}
	for (size_t i = 0; i < NCMDS; i++)
		if (!strcmp(argv[2], cmds[i].name))
			cmd = &cmds[i];
	if (!cmd)
		usage_die("unknown command ", argv[2]);
	if (n < cmd->min_args || n > cmd->max_args)
		usage_die("wrong number of arguments for ", cmd->name);
	if (!seal && !(cmd->flags & C_NOSEAL))
		usage_die("--noseal makes no sense for ", cmd->name);
	im.path = argv[1];
	im.cmd = cmd->name;
	img_open(&im, cmd->flags);
	cmd->fn(&im, argv + 3, n, seal);
	img_release(&im);
	free(im.groups);
	if (fflush(stdout) || ferror(stdout))
		die("stdout: %s", strerror(errno));
	if (close(im.fd))
		die("%s: close: %s", im.path, strerror(errno));
	return 0;
}
