/*
 * check_super.c: pass 1, the superblock, its backups and the journal.
 *
 * Checks:
 *  - the primary superblock decodes (magic, checksum, its own block
 *    number, every geometry field consistent: vx_super_decode); when it
 *    does not, the backups are tried (or the block given with -b) and the
 *    primary is restored from the first good one;
 *  - the image is one this library can check (version, incompat
 *    features) and mkfs finished it;
 *  - the journal superblock decodes; a damaged one is replaced by an
 *    empty journal (whatever it held is lost, so a human is asked);
 *  - journal recovery: committed transactions are replayed (into the
 *    overlay for a read-only run) and the first partial or invalid one is
 *    reported with its sequence number;
 *  - each backup decodes and agrees with the primary on every field that
 *    does not change after mkfs (geometry, identity, features);
 *  - the state word has no unknown bits.
 * A clean image (state clean, no errors flag, empty journal) is not
 * checked further unless the run is forced.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check_int.h"

#define STATE_KNOWN (VX_STATE_CLEAN | VX_STATE_ERRORS | VX_STATE_INCOMPLETE)

/* a good backup when the primary is not: -b, or search where backups
 * of every block size and power-of-two group size would be */
static int find_backup(struct ck *c, struct vx_super *sb, vx_blk_t *at)
{
	uint64_t size;
	int err = vx_io_get_size(c->io, &size), first = VX_EBADMAGIC;

	if (err)
		return err;
	if (c->o->flags & VX_CHECK_BACKUP_SB) {
		*at = c->o->sb_block;
		return vx_super_read(c->io, *at, sb);
	}
	/* group 1 starts at group_blocks; vx_super_read tries every block
	 * size there.  Groups of a power-of-two size are found this way
	 * (every default size is one); others need -b. */
	for (uint64_t gb = 256; gb <= (1ull << 31); gb <<= 1) {
		if ((gb << VX_MIN_BLOCK_LOG) >= size)
			break;
		err = vx_super_read(c->io, gb, sb);
		if (!err && sb->group_blocks == gb) {
			*at = gb;
			return 0;
		}
		if (err && err != VX_EBADMAGIC && first == VX_EBADMAGIC)
			first = err;
	}
	return first;
}

static int check_kind(const struct vx_super *sb)
{
	if (sb->feature_incompat & ~VX_FEATURE_INCOMPAT_SUPP)
		return VX_EUNSUPPORTED;
	if (!(sb->feature_incompat & VX_FEATURE_INCOMPAT_JOURNAL))
		return VX_ECORRUPT;
	if (sb->state & VX_STATE_INCOMPLETE)
		return VX_EINCOMPLETE;
	return 0;
}

/* an encoded copy of @sb for block @at */
int ck_put_super(struct ck *c, const struct vx_super *sb, vx_blk_t at)
{
	struct vx_super s = *sb;
	uint8_t *buf = malloc(c->bsize);
	int err;

	if (!buf)
		return -ENOMEM;
	s.hdr.blkno = at;
	vx_super_encode(buf, c->bsize, &s);
	err = ck_stage(c, at, buf);
	free(buf);
	return err;
}

static int read_primary(struct ck *c)
{
	struct vx_super bsb;
	struct vx_finding f;
	vx_blk_t at = 0;
	int perr = 0, err;

	if (!(c->o->flags & VX_CHECK_BACKUP_SB)) {
		perr = vx_super_read(c->io, 0, &c->sb);
		if (!perr)
			return 0;
	}
	err = find_backup(c, &bsb, &at);
	c->r->sb_error = (c->o->flags & VX_CHECK_BACKUP_SB) ? err : perr;
	if (err)
		return VX_EBADMAGIC;	/* no superblock to start from */
	c->sb = bsb;
	c->bsize = 1u << c->sb.block_log;
	c->r->sb_block = at;
	if (!perr) {	/* -b: use it; the primary is compared below */
		perr = vx_super_read(c->io, 0, &bsb);
		if (!perr)
			return 0;
		c->r->sb_error = perr;
	}
	ck_finding(&f, VX_PR_SUPER_PRIMARY_BAD, 0, "superblock",
		   vx_strerror(perr), (unsigned long long)at);
	bool yes = ck_ask(c, &f);
	err = 0;
	if (yes) {
		c->sb.hdr.blkno = 0;
		err = ck_put_super(c, &c->sb, 0);
	}
	ck_done(c, &f, yes, err);
	return 0;
}

static int new_journal(struct ck *c)
{
	struct vx_jsuper j = { 0 };
	uint8_t *buf = calloc(1, c->bsize);
	int err;

	if (!buf)
		return -ENOMEM;
	j.hdr.type = VX_BT_JSUPER;
	j.hdr.blkno = c->sb.journal_start;
	j.hdr.seq = c->sb.last_seq;
	memcpy(j.hdr.uuid, c->sb.hdr.uuid, 16);
	j.version = 1;
	j.blocks = c->sb.journal_blocks;
	/* well past anything the lost log can have used (J5) */
	j.first_seq = c->sb.last_seq + (1ull << 32);
	vx_jsuper_encode(buf, c->bsize, &j);
	err = vx_io_write(c->io, c->sb.journal_start * c->bsize, buf, c->bsize);
	if (!err)
		err = vx_io_flush(c->io);
	free(buf);
	return err ? err : vx_journal_open(c->io, &c->sb, &c->j);
}

static int journal(struct ck *c)
{
	struct vx_finding f;
	char what[48];
	int err = vx_journal_open(c->io, &c->sb, &c->j);

	if (err == -ENOMEM)
		return err;
	if (err) {
		snprintf(what, sizeof(what), "journal");
		ck_finding(&f, VX_PR_JOURNAL_SUPER_BAD, c->sb.journal_start,
			   what, (unsigned long long)c->sb.journal_start,
			   vx_strerror(err));
		bool yes = ck_ask(c, &f);
		err = yes ? new_journal(c) : 0;
		ck_done(c, &f, yes, err);
		c->next_seq = UINT64_MAX;	/* seqs cannot be judged */
		return 0;
	}
	if (vx_journal_dirty(c->j)) {
		c->r->journal_dirty = true;
		err = vx_journal_recover(c->j, 0, &c->r->journal);
		if (err)
			return err;
		c->r->journal_replayed = !c->rdonly;
		c->r->modified |= !c->rdonly;
		if (c->o->pass)	/* recovery done: the caller may say so */
			c->o->pass(c->o->ctx, VX_PASS_JOURNAL,
				   vx_check_pass_title(VX_PASS_JOURNAL));
		/* recovery may have replayed the superblock itself */
		if (c->r->sb_block == 0 && !vx_super_read(c->io, 0, &c->sb))
			c->bsize = 1u << c->sb.block_log;
	}
	c->next_seq = vx_journal_next_seq(c->j);
	return 0;
}

/* fields that never change after mkfs */
static const char *backup_differs(const struct vx_super *a,
				  const struct vx_super *b)
{
#define D(f) if (a->f != b->f) return #f
	D(block_log); D(block_count); D(group_blocks); D(group_count);
	D(inodes_per_group); D(inode_size); D(bbitmap_blocks);
	D(ibitmap_blocks); D(itable_blocks); D(journal_start);
	D(journal_blocks); D(root_ino); D(hash_seed); D(version);
	D(feature_compat); D(feature_incompat); D(feature_ro_compat);
#undef D
	if (memcmp(a->hdr.uuid, b->hdr.uuid, 16))
		return "uuid";
	return NULL;
}

static int backups(struct ck *c)
{
	vx_blk_t at[2];
	int n = vx_fs_backup_blocks(&c->sb, at), err = 0;

	for (int i = 0; i < n && !err && !c->stop; i++) {
		struct vx_super b;
		struct vx_finding f;
		char what[48];
		const char *diff = NULL;
		int e = vx_super_read(c->io, at[i], &b);

		if (!e && (diff = backup_differs(&c->sb, &b)) == NULL)
			continue;
		if (at[i] == c->r->sb_block && c->r->sb_block)
			continue;	/* the copy the run started from */
		snprintf(what, sizeof(what), "backup superblock");
		if (e)
			ck_finding(&f, VX_PR_SUPER_BACKUP_BAD, at[i], what,
				   (unsigned long long)at[i], vx_strerror(e));
		else
			ck_finding(&f, VX_PR_SUPER_BACKUP_DIFFERS, at[i], what,
				   (unsigned long long)at[i], diff);
		bool yes = ck_ask(c, &f);
		e = yes ? ck_put_super(c, &c->sb, at[i]) : 0;
		ck_done(c, &f, yes, e);
	}
	return err;
}

/* a device shorter than the superblock says: nothing can be trusted to
 * be where it should, and a repair would write past the end */
static int device_size(struct ck *c)
{
	uint64_t size;
	int err = vx_io_get_size(c->io, &size);

	if (err)
		return err;
	c->r->dev_blocks = size >> c->sb.block_log;
	c->r->blocks_total = c->sb.block_count;
	return c->r->dev_blocks < c->sb.block_count ? VX_ETOOBIG : 0;
}

static int setup(struct ck *c)
{
	uint32_t gc = c->sb.group_count;

	c->bsize = 1u << c->sb.block_log;
	c->ipb = c->bsize / VX_INODE_SIZE;
	c->grp = calloc(gc, sizeof(*c->grp));
	c->used = calloc((c->sb.block_count + 63) / 64, sizeof(*c->used));
	if (!c->grp || !c->used)
		return -ENOMEM;
	for (uint32_t g = 0; g < gc; g++)
		vx_group_layout(&c->sb, g, &c->grp[g].lay);
	return 0;
}

/* a clean image, not forced: nothing to do (1) */
static int clean_skip(struct ck *c)
{
	struct vx_journal *j;
	struct vx_super sb;
	uint64_t size;
	bool dirty;

	if ((c->o->flags & (VX_CHECK_FORCE | VX_CHECK_BACKUP_SB)) ||
	    vx_super_read(c->io, 0, &sb) || check_kind(&sb) ||
	    sb.state != VX_STATE_CLEAN || vx_io_get_size(c->io, &size) ||
	    (size >> sb.block_log) < sb.block_count ||
	    vx_journal_open(c->io, &sb, &j))
		return 0;
	dirty = vx_journal_dirty(j);
	vx_journal_close(j);
	if (dirty)
		return 0;
	c->sb = sb;
	c->r->skipped = true;
	return 1;
}

int ck_pass_super(struct ck *c)
{
	struct vx_finding f;
	int err;

	if (clean_skip(c))
		return 0;	/* vx_check fills in the counts */
	ck_pass_start(c, VX_PASS_SUPER);
	if ((err = read_primary(c)))
		return err;
	c->bsize = 1u << c->sb.block_log;
	if ((err = check_kind(&c->sb)) || (err = device_size(c)) ||
	    (err = setup(c)) || (err = journal(c)) || (err = backups(c)))
		return err;
	if (c->sb.state & ~(uint32_t)STATE_KNOWN) {
		ck_finding(&f, VX_PR_SUPER_STATE, 0, "superblock", c->sb.state);
		bool yes = ck_ask(c, &f);
		c->sb.state &= STATE_KNOWN;
		err = yes ? ck_put_super(c, &c->sb, 0) : 0;
		ck_done(c, &f, yes, err);
	}
	return 0;
}
