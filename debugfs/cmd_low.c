/*
 * cmd_low.c: the low-level commands of debugfs.vexfs, for tests and
 * forensics: block_dump, set_super_value, set_inode_field, zap_block and
 * check.
 *
 * They work on blocks of the device (d->io, under the filesystem handle)
 * and so need only an open device: with -c they work on an image whose
 * filesystem no longer opens (set_inode_field then takes <INO>, its slot
 * found from the superblock's geometry).  Fields are named as in
 * format.h's tables (struct vx_super with its metadata header, struct
 * vx_inode, and extent[N].* / index[N].* of the inline area), with their
 * byte offsets and widths; values are numbers (decimal or 0x; mode in
 * octal; the *_sec times signed) checked against the field's width,
 * strings for label and creator, 32 hex digits for uuid, hex bytes for
 * area (the rest of it zero-filled).  Both set commands patch the bytes
 * in place and then reseal: the superblock's metadata crc with
 * vx_mhdr_seal, an inode's crc by format.h's rule (crc32c of the UUID
 * continued over the slot with its crc taken as 0).  On a block the
 * library wrote this is what vx_super_encode / vx_inode_encode would
 * write with the new value, and it also works on one that no longer
 * decodes (a damaged field can be set back).  -n skips the reseal,
 * leaving the old crc: damage for tests.  -l lists the fields and only
 * reads, so it needs no -w.  The backups are never written.
 *
 * Invariants of the writing commands (set_*, zap_block):
 *  (L1) the filesystem is closed before the block is read and written,
 *       so nothing it caches or writes when closing lands over the
 *       change, and opened again after it (dbg_reopen_fs); the change
 *       then goes to the device, past the session's hold layer;
 *  (L2) after set_super_value it is opened read-only: a read-write open
 *       rewrites the superblock (mount count, clean bit, free counts,
 *       write time) and the value written would not stay; `open -w`
 *       opens it for editing again;
 *  (L3) a session showing a dirty journal replayed in memory refuses
 *       them: the device under that view is not what the view shows.
 * check runs the checker core read-only (an overlay over d->io, every
 * answer no) after dbg_sync_for_raw, so what is committed is checked;
 * it fails when it finds anything, so a script can assert a clean image.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "debugfs.h"

/* ---- fields ---- */

enum fkind { F_DEC, F_HEX, F_OCT, F_SIGNED, F_STR, F_UUID, F_BYTES };

struct field {
	const char *name;
	unsigned short off, width;
	unsigned char kind;
	bool sealed;		/* the reseal computes it: set it with -n */
};

#define FLD(n, o, w, k) { #n, o, w, k, false }
static const struct field super_fields[] = {
	FLD(magic, 0, 4, F_HEX), FLD(type, 4, 2, F_DEC),
	FLD(hflags, 6, 2, F_HEX), { "crc", 8, 4, F_HEX, true },
	FLD(blkno, 16, 8, F_DEC), FLD(seq, 24, 8, F_DEC),
	FLD(uuid, 32, 16, F_UUID), FLD(version, 48, 4, F_DEC),
	FLD(block_log, 52, 4, F_DEC), FLD(block_count, 56, 8, F_DEC),
	FLD(group_blocks, 64, 4, F_DEC), FLD(group_count, 68, 4, F_DEC),
	FLD(inodes_per_group, 72, 4, F_DEC), FLD(inode_size, 76, 2, F_DEC),
	FLD(state, 78, 2, F_HEX), FLD(feature_compat, 80, 4, F_HEX),
	FLD(feature_incompat, 84, 4, F_HEX),
	FLD(feature_ro_compat, 88, 4, F_HEX),
	FLD(bbitmap_blocks, 92, 4, F_DEC), FLD(ibitmap_blocks, 96, 4, F_DEC),
	FLD(itable_blocks, 100, 4, F_DEC), FLD(free_blocks, 104, 8, F_DEC),
	FLD(free_inodes, 112, 8, F_DEC), FLD(root_ino, 120, 8, F_DEC),
	FLD(lost_found_ino, 128, 8, F_DEC), FLD(journal_start, 136, 8, F_DEC),
	FLD(journal_blocks, 144, 8, F_DEC), FLD(hash_seed, 152, 8, F_HEX),
	FLD(mkfs_time, 160, 8, F_DEC), FLD(write_time, 168, 8, F_DEC),
	FLD(last_seq, 176, 8, F_DEC), FLD(mount_count, 184, 4, F_DEC),
	FLD(error_count, 188, 4, F_DEC), FLD(label, 192, VX_LABEL_MAX, F_STR),
	FLD(creator, 256, 32, F_STR), { NULL, 0, 0, 0, false } };
static const struct field inode_fields[] = {
	FLD(magic, 0, 2, F_HEX), FLD(mode, 2, 2, F_OCT),
	{ "crc", 4, 4, F_HEX, true }, FLD(ino, 8, 8, F_DEC),
	FLD(seq, 16, 8, F_DEC), FLD(uid, 24, 4, F_DEC), FLD(gid, 28, 4, F_DEC),
	FLD(size, 32, 8, F_DEC), FLD(blocks, 40, 8, F_DEC),
	FLD(nlink, 48, 4, F_DEC), FLD(flags, 52, 4, F_HEX),
	FLD(atime_sec, 56, 8, F_SIGNED), FLD(mtime_sec, 64, 8, F_SIGNED),
	FLD(ctime_sec, 72, 8, F_SIGNED), FLD(crtime_sec, 80, 8, F_SIGNED),
	FLD(atime_nsec, 88, 4, F_DEC), FLD(mtime_nsec, 92, 4, F_DEC),
	FLD(ctime_nsec, 96, 4, F_DEC), FLD(crtime_nsec, 100, 4, F_DEC),
	FLD(rdev, 104, 8, F_HEX), FLD(generation, 112, 4, F_DEC),
	FLD(depth, 116, 2, F_DEC), FLD(nentries, 118, 2, F_DEC),
	FLD(parent, 120, 8, F_DEC), FLD(area, 128, VX_INLINE_AREA, F_BYTES),
	{ NULL, 0, 0, 0, false } };
#undef FLD

static const struct field *field_find(const struct field *t, const char *n)
{
	for (; t->name; t++)
		if (!strcmp(t->name, n))
			return t;
	return NULL;
}

/* the inline area's entries: extent[N].lblk|pblk|len|flags (N < 5),
 * index[N].lblk|child (N < 8) */
static const struct inl {
	const char *what, *sub;
	unsigned short off, w, size, max;
} inline_tab[] = {
	{ "extent", "lblk", 0, 8, VX_EXTENT_SIZE, VX_INLINE_EXTENTS },
	{ "extent", "pblk", 8, 8, VX_EXTENT_SIZE, VX_INLINE_EXTENTS },
	{ "extent", "len", 16, 4, VX_EXTENT_SIZE, VX_INLINE_EXTENTS },
	{ "extent", "flags", 20, 4, VX_EXTENT_SIZE, VX_INLINE_EXTENTS },
	{ "index", "lblk", 0, 8, VX_INDEX_SIZE, VX_INLINE_INDEX },
	{ "index", "child", 8, 8, VX_INDEX_SIZE, VX_INLINE_INDEX },
	{ NULL, NULL, 0, 0, 0, 0 } };

/* entry @i of @t as a field named in @name */
static const struct field *inline_at(const struct inl *t, unsigned i,
				     struct field *f, char name[64])
{
	snprintf(name, 64, "%s[%u].%s", t->what, i, t->sub);
	*f = (struct field){ name, (unsigned short)(128 + i * t->size +
				t->off), t->w, F_DEC, false };
	return f;
}

static const struct field *inline_field(const char *s, struct field *f,
					char name[64])
{
	char what[8], sub[8];
	unsigned i;
	int end = -1;

	if (sscanf(s, "%7[a-z][%u].%7[a-z]%n", what, &i, sub, &end) != 3 ||
	    end < 0 || s[end])
		return NULL;
	for (const struct inl *t = inline_tab; t->what; t++)
		if (!strcmp(t->what, what) && !strcmp(t->sub, sub) &&
		    i < t->max)
			return inline_at(t, i, f, name);
	return NULL;
}

static uint64_t get_n(const uint8_t *p, unsigned w)
{
	return w == 1 ? p[0] : w == 2 ? vx_get16(p) : w == 4 ? vx_get32(p) :
	       vx_get64(p);
}

static void put_n(uint8_t *p, unsigned w, uint64_t v)
{
	if (w == 1)
		p[0] = (uint8_t)v;
	else if (w == 2)
		vx_put16(p, (uint16_t)v);
	else if (w == 4)
		vx_put32(p, (uint32_t)v);
	else
		vx_put64(p, v);
}

/* a field's value as text (@out: at least 2 * VX_INLINE_AREA + 1) */
static void fmt_field(const uint8_t *base, const struct field *f, char *out,
		      size_t n)
{
	const uint8_t *p = base + f->off;
	uint64_t v;
	size_t o = 0;

	switch (f->kind) {
	case F_STR:
		out[o++] = '\'';
		for (unsigned i = 0; i < f->width && p[i] && o + 6 < n; i++)
			o += (size_t)snprintf(out + o, n - o, p[i] < 0x20 ||
					      p[i] > 0x7e || p[i] == '\'' ||
					      p[i] == '\\' ? "\\x%02x" : "%c",
					      p[i]);
		snprintf(out + o, n - o, "'");
		return;
	case F_UUID:
		for (unsigned i = 0; i < 16; i++)
			o += (size_t)snprintf(out + o, n - o, "%s%02x",
					      i == 4 || i == 6 || i == 8 ||
					      i == 10 ? "-" : "", p[i]);
		return;
	case F_BYTES:
		for (unsigned i = 0; i < f->width && o + 3 <= n; i++)
			o += (size_t)snprintf(out + o, n - o, "%02x", p[i]);
		return;
	}
	v = get_n(p, f->width);
	if (f->kind == F_SIGNED)
		snprintf(out, n, "%lld", (long long)v);
	else
		snprintf(out, n, f->kind == F_HEX ? "0x%llx" : f->kind == F_OCT ?
			 "0%llo" : "%llu", (unsigned long long)v);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	       c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* parse @s for field @f into @out (f->width bytes, little-endian for
 * numbers); prints the error naming the field and the value */
static int parse_value(struct dbg *d, const struct field *f, const char *s,
		       uint8_t *out)
{
	/* numbers only: string and byte fields are wider than 8 */
	unsigned long long max = f->width >= 8 ? UINT64_MAX :
				 (1ull << (8 * f->width)) - 1, v;
	size_t n = strlen(s), k = 0;
	char *end;

	memset(out, 0, f->width);
	switch (f->kind) {
	case F_STR:
		if (n > f->width)
			goto bad;
		memcpy(out, s, n);
		return 0;
	case F_UUID:
	case F_BYTES:
		for (size_t i = 0; i < n; i++) {
			if (f->kind == F_UUID && s[i] == '-')
				continue;
			if (hexval(s[i]) < 0 || k / 2 >= f->width)
				goto bad;
			out[k / 2] |= (uint8_t)(hexval(s[i]) << (k % 2 ? 0 : 4));
			k++;
		}
		if (k % 2 || (f->kind == F_UUID && k != 32) || !k)
			goto bad;
		return 0;
	case F_SIGNED:
		errno = 0;
		v = (unsigned long long)strtoll(s, &end, 0);
		if (!*s || *end || errno)
			goto bad;
		put_n(out, f->width, v);
		return 0;
	}
	if (f->kind == F_OCT && strncmp(s, "0x", 2) && strncmp(s, "0X", 2)) {
		errno = 0;
		v = strtoull(s, &end, 8);
		if (!*s || *s == '-' || *s == '+' || *end || errno || v > max)
			goto bad;
	} else if (dbg_number(s, max, &v)) {
		goto bad;
	}
	put_n(out, f->width, v);
	return 0;
bad:
	if (f->kind == F_STR)
		dbg_err(d, "%s: '%s' is longer than %u bytes", f->name, s,
			f->width);
	else if (f->kind == F_UUID || f->kind == F_BYTES)
		dbg_err(d, "%s: '%s' is not %s", f->name, s, f->kind == F_UUID ?
			"a UUID (32 hex digits, dashes allowed)" :
			"up to 128 bytes of hex digits (two per byte)");
	else if (f->kind == F_SIGNED)
		dbg_err(d, "%s: '%s' is not a number from -2^63 to 2^63-1",
			f->name, s);
	else
		dbg_err(d, "%s: '%s' is not a number from 0 to %llu", f->name,
			s, max);
	return DBG_FAIL;
}

static void list_fields(const uint8_t *base, const struct field *t)
{
	char v[2 * VX_INLINE_AREA + 8];

	for (; t->name; t++) {
		fmt_field(base, t, v, sizeof(v));
		printf("%-20s %s\n", t->name, v);
	}
}

/* ---- raw writes (L1-L3) ---- */

static int raw_begin(struct dbg *d)
{
	int err;

	/* what the rows of the writing commands ask; set_* check it here
	 * as their -l only reads: a device open for writing, and no
	 * transaction */
	if (!d->dev || (d->dev->flags & VX_IO_RDONLY)) {
		dbg_err(d, "%s is open read-only; open it with -w to change it",
			d->path);
		return DBG_FAIL;
	}
	if (d->depth) {
		dbg_err(d, "not inside a transaction (%u open: commit or abort "
			"first)", d->depth);
		return DBG_FAIL;
	}
	if (d->view) {		/* (L3) */
		dbg_err(d, "the journal of %s holds committed transactions not "
			"yet written home and this session shows them replayed "
			"in memory; run journal_recover first", d->path);
		return DBG_FAIL;
	}
	if (dbg_release(d))	/* what the session holds goes first */
		return DBG_FAIL;
	if (!d->fs)
		return 0;
	err = vx_fs_close(d->fs);	/* (L1) */
	d->fs = NULL;
	d->rw = false;
	if (!err)
		return 0;
	dbg_fail(d, err, "closing the filesystem on %s before writing to it",
		 d->path);
	dbg_reopen_fs(d);
	return DBG_FAIL;
}

/* after the write (@err: how it went): (L1) the filesystem opened again,
 * read-only with @rdonly (L2), saying so when it was read-write; a
 * change goes to the device now, past the session's hold layer */
static int raw_end(struct dbg *d, int err, bool rdonly, bool was_rw)
{
	bool w = d->want_write;

	if (rdonly)
		d->want_write = false;
	dbg_reopen_fs(d);
	d->want_write = w;
	if (!err && rdonly && was_rw && d->fs)
		printf("the filesystem is open read-only from now on, so that "
		       "the superblock stays as written (open -w %s to edit "
		       "files again)\n", d->path);
	return err ? DBG_FAIL : dbg_release(d);
}

/* block number argument, inside the device */
static int block_arg(struct dbg *d, const char *s, uint32_t bs, vx_blk_t *b)
{
	unsigned long long v;
	uint64_t size;
	int err;

	if (dbg_number(s, UINT64_MAX, &v)) {
		dbg_err(d, "%s: not a block number", s);
		return DBG_FAIL;
	}
	if ((err = vx_io_get_size(d->io, &size)))
		return dbg_fail(d, err, "size of %s", d->path);
	if (v >= size / bs) {
		dbg_err(d, "block %llu is beyond the end of %s (%llu blocks of "
			"%u bytes)", v, d->path, (unsigned long long)(size / bs),
			bs);
		return DBG_FAIL;
	}
	*b = v;
	return 0;
}

/* ---- block_dump ---- */

static const char *btype_name(unsigned t)
{
	static const char *const n[] = { NULL, "super", "group", "bbitmap",
		"ibitmap", "extent", "dir", "jsuper" };

	return t < sizeof(n) / sizeof(n[0]) && n[t] ? n[t] : "unknown";
}

static void hexdump(const uint8_t *p, size_t n)
{
	bool star = false;

	for (size_t o = 0; o < n; o += 16) {
		if (o && o + 16 <= n && !memcmp(p + o, p + o - 16, 16)) {
			if (!star)
				puts("*");
			star = true;
			continue;
		}
		star = false;
		printf("%08zx ", o);
		for (size_t i = 0; i < 16; i++)
			printf("%s%02x", i == 8 ? "  " : " ", p[o + i]);
		printf("  |");
		for (size_t i = 0; i < 16; i++)
			putchar(p[o + i] >= 0x20 && p[o + i] < 0x7f ? p[o + i] :
				'.');
		puts("|");
	}
	printf("%08zx\n", n);
}

static void decode_header(struct dbg *d, const uint8_t *p, uint32_t bs,
			  vx_blk_t blk)
{
	static const uint8_t zero[4];
	uint32_t crc = vx_crc32c(0, p, 8);
	unsigned type = vx_get16(p + 4);
	char uuid[40];
	int err;

	if (vx_get32(p) != VX_META_MAGIC) {
		printf("block %llu is not a metadata block: no metadata magic "
		       "(inode tables, file data and the journal's log blocks "
		       "have none)\n", (unsigned long long)blk);
		return;
	}
	crc = vx_crc32c(vx_crc32c(crc, zero, 4), p + 12, bs - 12);
	err = vx_mhdr_check(p, bs, (uint16_t)type, blk,
			    d->have_sb ? d->sb.hdr.uuid : NULL, NULL);
	fmt_field(p, field_find(super_fields, "uuid"), uuid, sizeof(uuid));
	printf("metadata header:\n  magic  0x%08x\n  type   %u (%s)\n"
	       "  flags  0x%x\n  crc    0x%08x stored, 0x%08x computed (%s)\n"
	       "  blkno  %llu%s\n  seq    %llu\n  uuid   %s%s\n  check  %s\n",
	       vx_get32(p), type, btype_name(type), vx_get16(p + 6),
	       vx_get32(p + 8), crc, crc == vx_get32(p + 8) ? "ok" : "MISMATCH",
	       (unsigned long long)vx_get64(p + 16),
	       vx_get64(p + 16) == blk ? "" : " (not this block)",
	       (unsigned long long)vx_get64(p + 24), uuid,
	       !d->have_sb ? "" : memcmp(p + 32, d->sb.hdr.uuid, 16) ?
	       " (not this filesystem's)" : "", err ? vx_strerror(err) : "valid");
}

int cmd_block_dump(struct dbg *d, int argc, char **argv)
{
	uint32_t bs = dbg_bsize(d);
	bool x = false;
	vx_blk_t blk;
	uint8_t *buf;
	int ch, err;

	while ((ch = getopt(argc, argv, "x")) != -1) {
		if (ch != 'x')
			goto usage;
		x = true;
	}
	if (optind != argc - 1)
		goto usage;
	if (block_arg(d, argv[optind], bs, &blk))
		return DBG_FAIL;
	buf = malloc(bs);
	if (!buf)
		return dbg_fail(d, -ENOMEM, "block %llu", (unsigned long long)blk);
	dbg_sync_for_raw(d);
	err = dbg_read_block(d, blk, buf);
	if (err) {
		free(buf);
		return dbg_fail(d, err, "reading block %llu of %s",
				(unsigned long long)blk, d->path);
	}
	printf("block %llu (%u bytes at byte %llu)\n", (unsigned long long)blk,
	       bs, (unsigned long long)blk * bs);
	if (x)
		decode_header(d, buf, bs, blk);
	hexdump(buf, bs);
	free(buf);
	return 0;
usage:
	dbg_usage(d, dbg_find_cmd("block_dump"));
	return DBG_FAIL;
}

/* ---- set_super_value, set_inode_field ---- */

/* what a set command changes: a structure at byte @off of block @blk */
struct target {
	char what[48];			/* "superblock", "inode 12" */
	const struct field *tab;	/* its fields */
	vx_blk_t blk;
	unsigned off;
	uint32_t bs;			/* bytes of the block */
	bool inode;
};

/* options shared by the two set commands: -l, -n; @nargs after them */
static int set_opts(int argc, char **argv, bool *list, bool *noseal,
		    int nargs)
{
	int ch;

	*list = *noseal = false;
	while ((ch = getopt(argc, argv, "+ln")) != -1) {
		if (ch == 'l')
			*list = true;
		else if (ch == 'n')
			*noseal = true;
		else
			return -1;
	}
	/* -l takes the arguments but FIELD VALUE */
	return argc - optind == (*list ? nargs - 2 : nargs) ? 0 : -1;
}

/* field @fv[0] of @t, its value @fv[1] parsed into @val; prints errors */
static const struct field *set_parse(struct dbg *d, const struct target *t,
				     char **fv, bool noseal, uint8_t *val,
				     struct field *tmp, char tmpname[64])
{
	const struct field *f = field_find(t->tab, fv[0]);

	if (!f && t->inode)
		f = inline_field(fv[0], tmp, tmpname);
	if (!f) {
		dbg_err(d, "%s: no such %s field (%s -l lists them)", fv[0],
			t->inode ? "inode" : "superblock",
			t->inode ? "set_inode_field" : "set_super_value");
		return NULL;
	}
	if (f->sealed && !noseal) {
		dbg_err(d, "%s: the crc is computed when the change is sealed; "
			"set it with -n", fv[0]);
		return NULL;
	}
	return parse_value(d, f, fv[1], val) ? NULL : f;
}

static void list_inode(const uint8_t *slot)
{
	unsigned n = vx_get16(slot + 118);
	const char *what = vx_get16(slot + 116) ? "index" : "extent";
	char name[64], v[32];
	struct field f;

	list_fields(slot, inode_fields);
	if (vx_get32(slot + 52) & VX_IF_INLINE_DATA)
		return;		/* the area holds a symlink target */
	for (unsigned i = 0; i < n; i++) {
		for (const struct inl *t = inline_tab; t->what; t++) {
			if (strcmp(t->what, what) || i >= t->max)
				continue;
			fmt_field(slot, inline_at(t, i, &f, name), v,
				  sizeof(v));
			printf("%-20s %s\n", name, v);
		}
	}
}

/* patch field @f with @val in @t's block @buf, print the change, reseal
 * unless @noseal */
static void set_apply(struct dbg *d, const struct target *t,
		      const struct field *f, const uint8_t *val, bool noseal,
		      uint8_t *buf)
{
	char old[2 * VX_INLINE_AREA + 8], new[sizeof(old)];
	uint8_t *p = buf + t->off;

	fmt_field(p, f, old, sizeof(old));
	memcpy(p + f->off, val, f->width);
	fmt_field(p, f, new, sizeof(new));
	printf("%s: %s %s -> %s%s\n", t->what, f->name, old, new,
	       noseal ? " (crc left as it was)" : "");
	if (noseal)
		return;
	if (t->inode)
		vx_put32(p + 4, vx_inode_crc(p, d->sb.hdr.uuid));
	else
		vx_mhdr_seal(buf, t->bs);
}

/* list @t's fields, or set @fv[0] to @fv[1] (L1-L3) */
static int set_run(struct dbg *d, const struct target *t, bool list,
		   bool noseal, char **fv)
{
	uint8_t val[VX_INLINE_AREA], *buf;
	bool was_rw = d->rw;
	const struct field *f = NULL;
	struct field tmp;
	char tmpname[64];
	int err;

	if (!list && !(f = set_parse(d, t, fv, noseal, val, &tmp, tmpname)))
		return DBG_FAIL;
	if (!(buf = malloc(t->bs)))
		return dbg_fail(d, -ENOMEM, "%s", t->what);
	if (list)
		dbg_sync_for_raw(d);
	else if (raw_begin(d)) {
		free(buf);
		return DBG_FAIL;
	}
	err = vx_io_read(d->io, t->blk * t->bs, buf, t->bs);
	if (err) {
		dbg_fail(d, err, "%s: reading block %llu", t->what,
			 (unsigned long long)t->blk);
	} else if (list && t->inode) {
		list_inode(buf + t->off);
	} else if (list) {
		list_fields(buf + t->off, t->tab);
	} else {
		set_apply(d, t, f, val, noseal, buf);
		err = vx_io_write(d->io, t->blk * t->bs, buf, t->bs);
		if (!err)
			err = vx_io_flush(d->io);
		if (err)
			dbg_fail(d, err, "%s: writing block %llu", t->what,
				 (unsigned long long)t->blk);
	}
	free(buf);
	if (list)
		return err ? DBG_FAIL : 0;
	return raw_end(d, err, !t->inode, was_rw);
}

int cmd_set_super_value(struct dbg *d, int argc, char **argv)
{
	struct target t = { .what = "superblock", .tab = super_fields,
			    .bs = dbg_bsize(d) };
	uint8_t head[64];
	uint32_t log;
	bool list, noseal;

	if (set_opts(argc, argv, &list, &noseal, 2)) {
		dbg_usage(d, dbg_find_cmd("set_super_value"));
		return DBG_FAIL;
	}
	/* a primary that does not decode: its own block size, if sane */
	if (!d->have_sb && !vx_io_read(d->io, 0, head, sizeof(head))) {
		log = vx_get32(head + 52);
		if (log >= VX_MIN_BLOCK_LOG && log <= VX_MAX_BLOCK_LOG)
			t.bs = 1u << log;
	}
	return set_run(d, &t, list, noseal, argv + optind);
}

/* inode @ino's slot: its inode-table block and byte offset there, from
 * the superblock's geometry (group g's table follows its superblock
 * copy, if any, its header and its two bitmaps) */
static void slot_of(const struct vx_super *sb, vx_ino_t ino, vx_blk_t *blk,
		    unsigned *off)
{
	uint32_t ipb = (1u << sb->block_log) / VX_INODE_SIZE;
	uint64_t g = (ino - 1) / sb->inodes_per_group;
	uint64_t idx = (ino - 1) % sb->inodes_per_group;
	vx_blk_t start = g * sb->group_blocks, bk[2];
	int nb = vx_fs_backup_blocks(sb, bk);
	bool copy = g == 0;

	for (int i = 0; i < nb; i++)
		copy |= bk[i] == start;
	*blk = start + copy + 1 + sb->bbitmap_blocks + sb->ibitmap_blocks +
	       idx / ipb;
	*off = (unsigned)(idx % ipb) * VX_INODE_SIZE;
}

/* "<N>" without the filesystem (a damaged inode can be named), or a
 * path through it */
static int sif_ino(struct dbg *d, const char *arg, vx_ino_t *ino)
{
	uint64_t max = (uint64_t)d->sb.inodes_per_group * d->sb.group_count;
	size_t n = strlen(arg);
	unsigned long long v;
	char num[32];

	if (n > 2 && n < sizeof(num) && arg[0] == '<' && arg[n - 1] == '>') {
		memcpy(num, arg + 1, n - 2);
		num[n - 2] = 0;
		if (dbg_number(num, UINT64_MAX, &v) || !v || v > max) {
			dbg_err(d, "%s: not an inode number (1 to %llu)", arg,
				(unsigned long long)max);
			return DBG_FAIL;
		}
		*ino = v;
		return 0;
	}
	if (!d->fs) {
		dbg_err(d, "%s: the filesystem is not open, paths cannot be "
			"resolved; name the inode as <INO>", arg);
		return DBG_FAIL;
	}
	return dbg_lookup(d, arg, false, ino);
}

int cmd_set_inode_field(struct dbg *d, int argc, char **argv)
{
	struct target t = { .tab = inode_fields, .bs = dbg_bsize(d),
			    .inode = true };
	bool list, noseal;
	vx_ino_t ino;

	if (set_opts(argc, argv, &list, &noseal, 3)) {
		dbg_usage(d, dbg_find_cmd("set_inode_field"));
		return DBG_FAIL;
	}
	if (!d->have_sb) {
		dbg_err(d, "the superblock of %s does not decode: the inode "
			"tables cannot be found", d->path);
		return DBG_FAIL;
	}
	if (sif_ino(d, argv[optind], &ino))
		return DBG_FAIL;
	snprintf(t.what, sizeof(t.what), "inode %llu", (unsigned long long)ino);
	slot_of(&d->sb, ino, &t.blk, &t.off);
	return set_run(d, &t, list, noseal, argv + optind + 1);
}

/* ---- zap_block ---- */

struct zap {
	unsigned long long off, len, pattern, bit;
	bool have_len, flip;
};

static int zap_opts(struct dbg *d, int argc, char **argv, struct zap *z)
{
	bool fill = false;
	int ch;

	while ((ch = getopt(argc, argv, "o:l:p:f:")) != -1) {
		const char *what = ch == 'o' ? "an offset in bytes" :
				   ch == 'l' ? "a length in bytes" :
				   ch == 'p' ? "a byte value (0-255)" :
				   "a bit number";
		unsigned long long *v = ch == 'o' ? &z->off : ch == 'l' ?
					&z->len : ch == 'p' ? &z->pattern : &z->bit;

		if (ch == '?' || ch == ':')
			return -1;
		if (dbg_number(optarg, ch == 'p' ? 255 : UINT32_MAX, v)) {
			dbg_err(d, "-%c %s: not %s", ch, optarg, what);
			return DBG_FAIL;
		}
		z->have_len |= ch == 'l';
		z->flip |= ch == 'f';
		fill |= ch == 'p';
	}
	if ((fill && z->flip) || optind != argc - 1)
		return -1;
	return 0;
}

/* the range inside the block; prints what is wrong */
static int zap_range(struct dbg *d, struct zap *z, uint32_t bs)
{
	if (z->off >= bs) {
		dbg_err(d, "offset %llu is outside the block (%u bytes)", z->off,
			bs);
		return DBG_FAIL;
	}
	if (!z->have_len)
		z->len = bs - z->off;
	if (!z->len || z->len > bs - z->off) {
		dbg_err(d, "length %llu at offset %llu does not fit in the "
			"block (%u bytes)", z->len, z->off, bs);
		return DBG_FAIL;
	}
	if (z->flip && z->bit >= z->len * 8) {
		dbg_err(d, "bit %llu is outside the %llu byte%s at offset %llu",
			z->bit, z->len, z->len == 1 ? "" : "s", z->off);
		return DBG_FAIL;
	}
	return 0;
}

int cmd_zap_block(struct dbg *d, int argc, char **argv)
{
	struct zap z = { 0 };
	uint32_t bs = dbg_bsize(d);
	vx_blk_t blk;
	uint8_t *buf;
	int err = zap_opts(d, argc, argv, &z);

	if (err < 0) {
		dbg_usage(d, dbg_find_cmd("zap_block"));
		return DBG_FAIL;
	}
	if (err || block_arg(d, argv[optind], bs, &blk) ||
	    zap_range(d, &z, bs))
		return DBG_FAIL;
	buf = malloc(bs);
	if (!buf)
		return dbg_fail(d, -ENOMEM, "block %llu", (unsigned long long)blk);
	if (raw_begin(d)) {
		free(buf);
		return DBG_FAIL;
	}
	err = dbg_read_block(d, blk, buf);
	if (!err && z.flip) {
		uint8_t *p = buf + z.off + z.bit / 8, was = *p;

		*p ^= (uint8_t)(1u << (z.bit % 8));
		printf("block %llu: byte %llu bit %llu flipped: 0x%02x -> "
		       "0x%02x\n", (unsigned long long)blk, z.off + z.bit / 8,
		       z.bit % 8, was, *p);
	} else if (!err) {
		memset(buf + z.off, (int)z.pattern, z.len);
		printf("block %llu: bytes %llu to %llu set to 0x%02llx\n",
		       (unsigned long long)blk, z.off, z.off + z.len - 1,
		       z.pattern);
	}
	if (!err)
		err = dbg_write_block(d, blk, buf);
	if (err)
		dbg_fail(d, err, "block %llu of %s", (unsigned long long)blk,
			 d->path);
	free(buf);
	return raw_end(d, err, false, false);
}

/* ---- check ---- */

struct ckout {
	json_object *arr;		/* --json: the findings */
};

static void ck_done(void *ctx, const struct vx_finding *f)
{
	struct ckout *o = ctx;
	json_object *j;

	if (!o->arr) {
		printf("pass %d: %s: %s (%s)\n", f->pr->pass, f->what, f->msg,
		       f->pr->name);
		return;
	}
	j = json_object_new_object();
	json_object_object_add(j, "code", json_object_new_string(f->pr->name));
	json_object_object_add(j, "pass", json_object_new_int(f->pr->pass));
	json_object_object_add(j, "object", json_object_new_string(f->what));
	json_object_object_add(j, "message", json_object_new_string(f->msg));
	json_object_array_add(o->arr, j);
}

int cmd_check(struct dbg *d, int argc, char **argv)
{
	bool json = argc == 2 && !strcmp(argv[1], "--json");
	struct ckout o = { .arr = json ? json_object_new_array() : NULL };
	struct vx_check_opts co = { .flags = VX_CHECK_RDONLY | VX_CHECK_FORCE,
				    .ctx = &o, .done = ck_done };
	struct vx_check_result res;
	int err;

	if (argc > 2 || (argc == 2 && !json)) {
		dbg_usage(d, dbg_find_cmd("check"));
		return DBG_FAIL;
	}
	dbg_sync_for_raw(d);
	err = vx_check(d->io, &co, &res);
	if (err) {
		json_object_put(o.arr);
		return dbg_fail(d, err, "checking %s", d->path);
	}
	if (json) {
		json_object *top = json_object_new_object();

		json_object_object_add(top, "findings", o.arr);
		json_object_object_add(top, "count",
				       json_object_new_uint64(res.findings));
		dbg_json_print(top);
	} else if (res.findings) {
		printf("check: %llu problem%s found\n",
		       (unsigned long long)res.findings,
		       res.findings == 1 ? "" : "s");
	} else {
		printf("check: no problems found\n");
	}
	if (res.findings) {
		dbg_err(d, "%s: %llu problem%s found (fsck.vexfs repairs them)",
			d->path, (unsigned long long)res.findings,
			res.findings == 1 ? "" : "s");
		return DBG_FAIL;
	}
	return 0;
}
