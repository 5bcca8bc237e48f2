/*
 * test_check.c: the checker core (vx_check, lib/check*.c) on the
 * in-memory io.
 *
 * Every test starts from one small populated filesystem made through
 * the public API (1 KiB blocks, 4 groups so that the superblock has
 * backups): directories, files with data, a hard link, an inline and a
 * block symlink, and a sparse file of 8 extents (an extent tree with a
 * leaf node).  Damage is done on the image bytes, resealing checksums
 * where the damage is meant to be "valid but wrong".  The callbacks
 * record every finding by its problem name (f->pr->name), check that it
 * comes in the pass the problem table gives it and is told (done) once,
 * and answer yes, no, halt or cancel.  What is checked:
 *   - a clean image: no finding, the counts of the result, RDONLY writes
 *     nothing, an unforced run is skipped, 1 or 4 threads alike;
 *   - one representative damage per pass (and a few more: a damaged
 *     journal superblock, a bitmap block, -b): the expected problem is
 *     reported, a RDONLY run leaves the image byte-identical and makes
 *     no repair, two RDONLY runs report the same, a yes run repairs
 *     everything, a second RDONLY|FORCE run reports nothing, and the
 *     files read back as they were written (damaged ones as the repair
 *     is meant to leave them), also after new files were written;
 *   - answers: HALT and CANCEL stop the run, keeping the repairs
 *     accepted before and making no other (also inside one directory's
 *     findings), the cancel flag stops it, no answers repair nothing and
 *     leave the errors flag;
 *   - the journal: committed but not checkpointed transactions are seen
 *     by a RDONLY run without a write and replayed by a read-write one;
 *   - a crash in the middle of a repair (the recording io of rec_io.h):
 *     the damaged image with any prefix of the repair run's writes,
 *     checked again with yes answers, is left with nothing to report,
 *     and no such image looks clean to an unforced run while part of
 *     the repair is made.
 * CHECK_VERBOSE=1 in the environment prints the findings of each
 * repair run of the per-pass tests.
 */
#include "txn_fixture.h"
#include "rec_io.h"

#define BLOG		10
#define BSIZE		(1u << BLOG)
#define IMG_BYTES	(4 * MiB)
#define GBLOCKS		1024
#define JBLOCKS		256

/* ---- the populated image ---- */

enum { D_ROOT, D_D1, D_SUB, D_D2 };
enum { F_A, F_B, F_C, F_TOP, F_FRAG, F_BIG, NFILES };
/* what verify_all() can leave to the test (bits past the files') */
#define X_ALINK	(1u << NFILES)		/* /d2/alink, a's link count */
#define X_SL	(1u << (NFILES + 1))	/* /d1/sl */
#define X_LSL	(1u << (NFILES + 2))	/* /d2/longsl */
#define X_DIRS	(1u << (NFILES + 3))	/* /d1, /d1/sub, /d2 from the root */
#define BIT(f)	(1u << (f))

struct efile {
	int dir;		/* D_* */
	const char *name;
	size_t len;
	unsigned seed;
	bool sparse;		/* only the even blocks are written */
	vx_ino_t ino;
};

static const struct efile files0[NFILES] = {
	[F_A] = { D_D1, "a", 3000, 1, false, 0 },
	[F_B] = { D_SUB, "b", 12 * KiB, 2, false, 0 },
	[F_C] = { D_D2, "c", 2000, 3, false, 0 },
	[F_TOP] = { D_ROOT, "top", 5000, 4, false, 0 },
	[F_FRAG] = { D_ROOT, "frag", 15 * KiB, 5, true, 0 },
	[F_BIG] = { D_D2, "big", 40 * KiB, 6, false, 0 },
};
#define FRAG_EXTENTS	8

struct img {
	struct tfs *t;
	struct vx_super sb;	/* as the populating run closed it */
	struct vx_group g0;	/* group 0's header then */
	struct efile f[NFILES];
	vx_ino_t dir[4];	/* D_* */
	vx_ino_t lf, sl, lsl;
	vx_ino_t free_ino;	/* a free inode of group 0 */
	vx_blk_t dblk[4];	/* block 0 of each directory */
	vx_blk_t pblk[NFILES];	/* first block of each file */
	vx_blk_t frag_leaf;	/* the frag file's extent leaf node */
	char long_target[301];
};

static unsigned char want_byte(const struct efile *e, uint64_t off)
{
	if (e->sparse && (off / BSIZE) % 2)
		return 0;
	return pat(off, e->seed);
}

/*
 * Does @ino hold what @e says, with the blocks in @zero (bit per logical
 * block) reading as zeroes and the data from pattern @seed (0: @e's)?
 * 0 when it does; 1, reported, when not.
 */
static int data_cmp(struct vx_fs *fs, vx_ino_t ino, const struct efile *e,
		    uint64_t zero, unsigned seed)
{
	struct efile x = *e;
	unsigned char *buf = malloc(e->len + 64);
	struct vx_attr a;
	size_t done = 0;
	int bad = 0;

	assert_non_null(buf);
	if (seed)
		x.seed = seed;
	assert_int_equal(vx_stat(fs, NULL, ino, &a), 0);
	if (a.size != e->len) {
		print_message("%s (inode %llu): size %llu, want %zu\n", e->name,
			      (unsigned long long)ino,
			      (unsigned long long)a.size, e->len);
		bad = 1;
	}
	assert_int_equal(vx_read(fs, NULL, ino, 0, buf, e->len + 64, &done),
			 0);
	if (!bad && done != e->len)
		bad = 1;
	for (size_t i = 0; !bad && i < e->len; i++) {
		unsigned char w = i / BSIZE < 64 && (zero >> (i / BSIZE)) & 1 ?
				  0 : want_byte(&x, i);

		if (buf[i] != w) {
			print_message("%s (inode %llu): byte %zu is %02x, want "
				      "%02x\n", e->name, (unsigned long long)ino,
				      i, buf[i], w);
			bad = 1;
		}
	}
	free(buf);
	return bad;
}

#define check_data(fs, ino, e, zero, seed) \
	_assert_int_equal((uintmax_t)data_cmp(fs, ino, e, zero, seed), 0, \
			  __FILE__, __LINE__)

static void check_link(struct vx_fs *fs, vx_ino_t ino, const char *target)
{
	char buf[4200];
	size_t len = 0;

	assert_int_equal(vx_readlink(fs, NULL, ino, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, strlen(target));
	assert_string_equal(buf, target);
}

static uint32_t nlink_of(struct vx_fs *fs, vx_ino_t ino)
{
	struct vx_attr a;

	assert_int_equal(vx_stat(fs, NULL, ino, &a), 0);
	return a.nlink;
}

/* everything the populating run made, but what @skip leaves out */
static void verify_all(struct img *m, struct vx_fs *fs, unsigned skip)
{
	for (int i = 0; i < NFILES; i++) {
		const struct efile *e = &m->f[i];

		if (skip & BIT(i))
			continue;
		assert_int_equal(find(fs, NULL, m->dir[e->dir], e->name),
				 e->ino);
		check_data(fs, e->ino, e, 0, 0);
	}
	if (!(skip & X_ALINK)) {
		assert_int_equal(find(fs, NULL, m->dir[D_D2], "alink"),
				 m->f[F_A].ino);
		assert_int_equal(nlink_of(fs, m->f[F_A].ino), 2);
	}
	if (!(skip & X_SL)) {
		assert_int_equal(find(fs, NULL, m->dir[D_D1], "sl"), m->sl);
		check_link(fs, m->sl, "../top");
	}
	if (!(skip & X_LSL)) {
		assert_int_equal(find(fs, NULL, m->dir[D_D2], "longsl"), m->lsl);
		check_link(fs, m->lsl, m->long_target);
	}
	if (!(skip & X_DIRS)) {
		assert_int_equal(find(fs, NULL, ROOT, "d1"), m->dir[D_D1]);
		assert_int_equal(find(fs, NULL, m->dir[D_D1], "sub"),
				 m->dir[D_SUB]);
		assert_int_equal(find(fs, NULL, ROOT, "d2"), m->dir[D_D2]);
		assert_int_equal(find(fs, NULL, m->dir[D_SUB], ".."),
				 m->dir[D_D1]);
		assert_int_equal(nlink_of(fs, m->dir[D_D1]), 3);
	}
	assert_int_equal(find(fs, NULL, ROOT, "lost+found"), m->lf);
}

static vx_blk_t first_block(struct vx_fs *fs, vx_ino_t ino)
{
	vx_blk_t p;
	uint64_t run;

	assert_int_equal(vx_bmap(fs, NULL, ino, 0, &p, &run), 0);
	return p;
}

static struct img *populate(void)
{
	struct img *m = calloc(1, sizeof(*m));
	struct vx_fs *fs;
	struct vx_inode in;
	vx_ino_t max = 0;

	assert_non_null(m);
	m->t = tfs_make(BLOG, IMG_BYTES, GBLOCKS, JBLOCKS);
	fs = m->t->fs;
	memcpy(m->f, files0, sizeof(m->f));
	for (size_t i = 0; i + 4 < sizeof(m->long_target); i += 4)
		memcpy(m->long_target + i, i + 8 < sizeof(m->long_target) ?
		       "xy/." : "top", 4);
	m->dir[D_ROOT] = ROOT;
	m->dir[D_D1] = mkdir_(fs, NULL, ROOT, "d1");
	m->dir[D_SUB] = mkdir_(fs, NULL, m->dir[D_D1], "sub");
	m->dir[D_D2] = mkdir_(fs, NULL, ROOT, "d2");
	for (int i = 0; i < NFILES; i++) {
		struct efile *e = &m->f[i];

		e->ino = mkfile(fs, NULL, m->dir[e->dir], e->name);
		for (size_t off = 0; off < e->len; off += 2 * BSIZE) {
			size_t n = e->sparse ? BSIZE : e->len;

			if (n > e->len - off)
				n = e->len - off;
			assert_int_equal(write_pat(fs, NULL, e->ino, off, n,
						   e->seed), 0);
			if (!e->sparse)
				break;
		}
		m->pblk[i] = first_block(fs, e->ino);
		max = e->ino > max ? e->ino : max;
	}
	assert_int_equal(vx_link(fs, NULL, m->f[F_A].ino, m->dir[D_D2],
				 "alink"), 0);
	assert_int_equal(vx_symlink(fs, NULL, m->dir[D_D1], "sl", "../top",
				    NULL, &m->sl), 0);
	assert_int_equal(vx_symlink(fs, NULL, m->dir[D_D2], "longsl",
				    m->long_target, NULL, &m->lsl), 0);
	m->lf = find(fs, NULL, ROOT, "lost+found");
	for (int d = 0; d < 4; d++)
		m->dblk[d] = first_block(fs, m->dir[d]);
	/* the sparse file has an extent tree: one leaf of 8 extents */
	assert_int_equal(vx_inode_read(fs, m->f[F_FRAG].ino, &in), 0);
	assert_int_equal(in.depth, 1);
	assert_int_equal(in.nentries, 1);
	m->frag_leaf = vx_get64(in.area + 8);
	max = m->lsl > max ? m->lsl : max;
	m->free_ino = max + 3;
	assert_int_equal(vx_ino_group(fs, m->free_ino), 0);
	verify_all(m, fs, 0);
	check_tree(fs, NULL, NULL);
	assert_int_equal(vx_fs_group(fs, 0, &m->g0), 0);
	assert_int_equal(vx_fs_close(fs), 0);
	m->t->fs = NULL;
	assert_int_equal(vx_super_read(m->t->mem, 0, &m->sb), 0);
	assert_int_equal(m->sb.group_count, 4);
	assert_int_equal(m->sb.state, VX_STATE_CLEAN);
	return m;
}

static void img_free(struct img *m)
{
	tfs_free(m->t);
	free(m);
}

/* ---- damage, on the image bytes ---- */

static uint8_t *blk(struct img *m, vx_blk_t b)
{
	assert_true(b < m->sb.block_count);
	return image(m->t) + b * BSIZE;
}

static void seal(struct img *m, vx_blk_t b)
{
	vx_mhdr_seal(blk(m, b), BSIZE);
}

static struct vx_glayout layout(struct img *m, uint32_t g)
{
	struct vx_glayout gl;

	vx_group_layout(&m->sb, g, &gl);
	return gl;
}

static uint8_t *slot(struct img *m, vx_ino_t ino)
{
	uint32_t ipb = BSIZE / VX_INODE_SIZE;
	uint64_t g = (ino - 1) / m->sb.inodes_per_group;
	uint64_t s = (ino - 1) % m->sb.inodes_per_group;

	return blk(m, layout(m, (uint32_t)g).itable + s / ipb) +
	       (s % ipb) * VX_INODE_SIZE;
}

static void inode_get(struct img *m, vx_ino_t ino, struct vx_inode *in)
{
	assert_int_equal(vx_inode_decode(slot(m, ino), ino, m->sb.hdr.uuid,
					 in), 0);
}

static void inode_put(struct img *m, const struct vx_inode *in)
{
	vx_inode_encode(slot(m, in->ino), in, m->sb.hdr.uuid);
}

/* the entry @name in directory leaf block @b */
static uint8_t *dirent_at(struct img *m, vx_blk_t b, const char *name)
{
	uint8_t *p = blk(m, b);
	unsigned count = vx_get16(p + 50);
	uint32_t off = VX_DIR_NODE_HDR;

	assert_int_equal(vx_get16(p + 48), 0);	/* a leaf */
	for (unsigned i = 0; i < count; i++) {
		uint8_t nl = p[off + 17];

		if (nl == strlen(name) && !memcmp(p + off + 18, name, nl))
			return p + off;
		off += VX_DIRENT_HDR + nl;
	}
	fail_msg("no entry '%s' in block %llu", name, (unsigned long long)b);
	return NULL;
}

static void dirent_set_ino(struct img *m, int dir, const char *name,
			   vx_ino_t ino)
{
	vx_put64(dirent_at(m, m->dblk[dir], name) + 8, ino);
	seal(m, m->dblk[dir]);
}

static void bbitmap_clear(struct img *m, vx_blk_t b)
{
	uint32_t per = (BSIZE - VX_MHDR_SIZE) * 8;
	struct vx_glayout gl = layout(m, (uint32_t)(b / m->sb.group_blocks));
	uint64_t i = b - gl.start;
	vx_blk_t bb = gl.bbitmap + i / per;
	uint8_t *p = blk(m, bb) + VX_MHDR_SIZE;

	i %= per;
	assert_true(p[i / 8] & (1u << (i % 8)));
	p[i / 8] &= (uint8_t)~(1u << (i % 8));
	seal(m, bb);
}

/* pass 1: the primary superblock's checksum */
static void dmg_super(struct img *m)
{
	blk(m, 0)[200] ^= 0x40;		/* inside the label */
}

/* pass 1: the journal superblock's checksum */
static void dmg_jsuper(struct img *m)
{
	blk(m, m->sb.journal_start)[60] ^= 0x01;	/* first_seq */
}

/* pass 2: group 0's header (where everything lives) zeroed */
static void dmg_group_zero(struct img *m)
{
	memset(blk(m, layout(m, 0).header), 0, BSIZE);
}

/* pass 2: a geometry field of group 2's header, resealed */
static void dmg_group_field(struct img *m)
{
	vx_blk_t h = layout(m, 2).header;

	vx_put64(blk(m, h) + 96, vx_get64(blk(m, h) + 96) + 1);	/* ibitmap */
	seal(m, h);
}

/* pass 3: a flipped bit in /top's inode */
static void dmg_inode_crc(struct img *m)
{
	slot(m, m->f[F_TOP].ino)[24] ^= 0x01;	/* uid */
}

/* pass 3: the frag file's 4th extent (logical block 6) points past the
 * end of the filesystem (its leaf node resealed) */
static void dmg_extent_out(struct img *m)
{
	uint8_t *e = blk(m, m->frag_leaf) + VX_EXT_NODE_HDR + 3 * VX_EXTENT_SIZE;

	assert_int_equal(vx_get16(blk(m, m->frag_leaf) + 50), FRAG_EXTENTS);
	assert_int_equal(vx_get64(e), 6);
	vx_put64(e + 8, m->sb.block_count + 5);
	seal(m, m->frag_leaf);
}

/* /d2/c's map (inline, one extent of 2 blocks) points at the first two
 * blocks of file @owner, resealed */
static void share_c(struct img *m, int owner)
{
	struct vx_inode in;

	inode_get(m, m->f[F_C].ino, &in);
	assert_int_equal(in.depth, 0);
	assert_int_equal(in.nentries, 1);
	assert_int_equal(vx_get32(in.area + 16), 2);
	vx_put64(in.area + 8, m->pblk[owner]);
	inode_put(m, &in);
}

/* pass 3: /d2/c and /top share two blocks */
static void dmg_shared(struct img *m)
{
	share_c(m, F_TOP);
}

/* pass 4: the bit of /d1/sub/b's first block cleared */
static void dmg_bitmap_bit(struct img *m)
{
	bbitmap_clear(m, m->pblk[F_B]);
}

/* pass 4: group 0's inode bitmap block zeroed */
static void dmg_bitmap_block(struct img *m)
{
	memset(blk(m, layout(m, 0).ibitmap), 0, BSIZE);
}

/* pass 5: /d1/sub's entry "b" names a free inode */
static void dmg_dirent_free(struct img *m)
{
	dirent_set_ino(m, D_SUB, "b", m->free_ino);
}

/* pass 6: the root's entry "d1" names a free inode: /d1 is unconnected */
static void dmg_unconnected(struct img *m)
{
	dirent_set_ino(m, D_ROOT, "d1", m->free_ino);
}

/* pass 7: link counts of /d1/a (2) and /d2 (2) */
static void dmg_nlink(struct img *m)
{
	struct vx_inode in;

	inode_get(m, m->f[F_A].ino, &in);
	assert_int_equal(in.nlink, 2);
	in.nlink = 7;
	inode_put(m, &in);
	inode_get(m, m->dir[D_D2], &in);
	assert_int_equal(in.nlink, 2);
	in.nlink = 9;
	inode_put(m, &in);
}

/* ---- the checker's callbacks ---- */

#define MAXF	256

struct fnd {
	int code;
	char name[40];
	uint64_t object;
	char msg[sizeof(((struct vx_finding *)0)->what) + 330];
	const struct vx_finding *at;
	int done;
	bool fixed;
	int error;
};

struct rec {
	int ans;			/* the answer to every finding */
	size_t stop_at;			/* 1-based: answer stop_ans there */
	int stop_ans;
	volatile int cancel;		/* the run's cancel flag */
	int cancel_pass;		/* set it when this pass starts (-1) */
	unsigned threads;
	int cur_pass;			/* the last pass started */
	struct rec_io *rio;		/* writes so far at each pass */
	size_t mark[VX_PASS_COUNT];
	/* what the run did */
	size_t n;
	struct fnd f[MAXF];
	int passes[2 * VX_PASS_COUNT];
	size_t npasses;
	unsigned stray;			/* done() for a finding never asked */
};

static struct rec *rec_alloc(int ans)
{
	struct rec *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->ans = ans;
	r->cancel_pass = -1;
	return r;
}

static int ask_cb(void *ctx, struct vx_finding *f)
{
	struct rec *r = ctx;
	struct fnd *x;

	assert_non_null(f->pr);
	assert_ptr_equal(vx_check_problem(f->pr->code), f->pr);
	assert_true(r->n < MAXF);
	x = &r->f[r->n++];
	memset(x, 0, sizeof(*x));
	x->code = f->pr->code;
	snprintf(x->name, sizeof(x->name), "%s", f->pr->name);
	snprintf(x->msg, sizeof(x->msg), "%s: %s", f->what, f->msg);
	x->object = f->object;
	x->at = f;
	/* asked in the pass the table gives it */
	if (f->pr->pass != r->cur_pass)
		fail_msg("%s asked in pass %d, the table says %d", x->name,
			 r->cur_pass, f->pr->pass);
	if (r->stop_at && r->n == r->stop_at)
		return r->stop_ans;
	return r->ans;
}

static void done_cb(void *ctx, const struct vx_finding *f)
{
	struct rec *r = ctx;

	for (size_t i = r->n; i-- > 0;)
		if (r->f[i].at == f && !r->f[i].done) {
			r->f[i].done = 1;
			r->f[i].fixed = f->fixed;
			r->f[i].error = f->error;
			return;
		}
	r->stray++;
}

static void pass_cb(void *ctx, int pass, const char *title)
{
	struct rec *r = ctx;

	assert_true(pass >= 0 && pass < VX_PASS_COUNT);
	assert_string_equal(title, vx_check_pass_title(pass));
	if (r->npasses < 2 * VX_PASS_COUNT)
		r->passes[r->npasses++] = pass;
	if (pass != VX_PASS_JOURNAL)
		r->cur_pass = pass;
	if (r->rio)
		r->mark[pass] = r->rio->n;
	if (pass == r->cancel_pass)
		r->cancel = 1;
}

static void print_findings(const struct rec *r, const char *when)
{
	print_message("%s: %zu finding(s)\n", when, r->n);
	for (size_t i = 0; i < r->n; i++)
		print_message("  %-22s %s%s\n", r->f[i].name, r->f[i].msg,
			      r->f[i].fixed ? " [fixed]" : "");
}

static size_t count_code(const struct rec *r, int code)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += r->f[i].code == code;
	return n;
}

static bool saw_pass(const struct rec *r, int pass)
{
	for (size_t i = 0; i < r->npasses; i++)
		if (r->passes[i] == pass)
			return true;
	return false;
}

/*
 * Run vx_check on @io with @flags and @r's answers.  A run that went to
 * its end is checked against what the callbacks saw: every finding was
 * asked once and told once, the counts add up, and a RDONLY run
 * repaired nothing.
 */
static int check(struct vx_io *io, unsigned flags, struct rec *r,
		 struct vx_check_result *res)
{
	struct vx_check_opts o = { .flags = flags, .threads = r->threads,
				   .ctx = r, .ask = ask_cb, .done = done_cb,
				   .pass = pass_cb, .cancel = &r->cancel };
	size_t fixed = 0;
	int err;

	r->n = r->npasses = 0;
	r->stray = 0;
	r->cur_pass = -1;
	memset(r->mark, 0, sizeof(r->mark));
	err = vx_check(io, &o, res);
	if (err || res->halted || res->cancelled)
		return err;
	for (size_t i = 0; i < r->n; i++) {
		if (r->f[i].done != 1)
			print_message("%s: done() not called\n", r->f[i].msg);
		assert_int_equal(r->f[i].done, 1);
		if (r->f[i].fixed)
			assert_int_equal(r->f[i].error, 0);
		fixed += r->f[i].fixed;
	}
	assert_int_equal(r->stray, 0);
	assert_int_equal(res->findings, r->n);
	assert_int_equal(res->fixed, fixed);
	assert_int_equal(res->left, r->n - fixed);
	if (flags & VX_CHECK_RDONLY) {
		assert_int_equal(res->fixed, 0);
		assert_false(res->modified);
		assert_false(res->journal_replayed);
	}
	return err;
}

/* a run of the checker that must go to its end */
static struct vx_check_result check_ok(struct vx_io *io, unsigned flags,
				       struct rec *r)
{
	struct vx_check_result res;

	assert_int_equal(check(io, flags, r, &res), 0);
	assert_false(res.halted);
	assert_false(res.cancelled);
	return res;
}

/* a RDONLY|FORCE run finds nothing */
static void expect_nothing(struct vx_io *io, const char *when)
{
	struct rec *r = rec_alloc(VX_ANS_YES);
	struct vx_check_result res = check_ok(io, VX_CHECK_RDONLY |
					      VX_CHECK_FORCE, r);

	if (r->n)
		print_findings(r, when);
	assert_int_equal(r->n, 0);
	assert_false(res.skipped);
	assert_false(res.journal_dirty);
	free(r);
}

static size_t count_name(const struct rec *r, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += !strcmp(r->f[i].name, name);
	return n;
}

/* every problem of the NULL-terminated @names was reported */
static void expect_names(const struct rec *r, const char *const *names,
			 const char *when)
{
	for (const char *const *nm = names; *nm; nm++)
		if (!count_name(r, *nm)) {
			print_findings(r, when);
			fail_msg("%s: %s not reported", when, *nm);
		}
}

static bool same_findings(const struct rec *a, const struct rec *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->f[i].code != b->f[i].code ||
		    a->f[i].object != b->f[i].object ||
		    strcmp(a->f[i].msg, b->f[i].msg))
			return false;
	return true;
}

static bool same_image(struct img *m, const uint8_t *snap)
{
	return !memcmp(image(m->t), snap, m->t->bytes);
}

/* the filesystem takes new files, and everything still reads back */
static void alloc_more(struct img *m, struct vx_fs *fs, unsigned skip)
{
	struct efile x = { D_ROOT, "more", 64 * KiB, 77, false, 0 };

	x.ino = mkfile_pat(fs, NULL, ROOT, "more", x.len, x.seed);
	mkdir_(fs, NULL, m->lf, "more_dir");
	check_data(fs, x.ino, &x, 0, 0);
	verify_all(m, fs, skip);
	check_tree(fs, NULL, NULL);
	assert_int_equal(vx_unlink(fs, NULL, ROOT, "more"), 0);
	assert_int_equal(vx_rmdir(fs, NULL, m->lf, "more_dir"), 0);
}

/* ---- a clean image ---- */

static void test_clean(void **state)
{
	struct img *m = populate();
	struct rec *r = rec_alloc(VX_ANS_YES), *r1 = rec_alloc(VX_ANS_YES);
	uint8_t *snap = snapshot(m->t);
	uint64_t itotal = (uint64_t)m->sb.inodes_per_group * m->sb.group_count;
	struct vx_check_result res, res1;

	(void)state;
	/* not forced: skipped, nothing written */
	res = check_ok(m->t->mem, 0, r);
	assert_true(res.skipped);
	assert_int_equal(r->n, 0);
	assert_false(res.modified);
	assert_false(res.journal_dirty);
	assert_int_equal(res.blocks_total, m->sb.block_count);
	assert_int_equal(res.inodes_total, itotal);
	assert_int_equal(res.blocks_used, m->sb.block_count -
			 m->sb.free_blocks);
	assert_int_equal(res.inodes_used, itotal - m->sb.free_inodes);
	assert_true(same_image(m, snap));
	res = check_ok(m->t->mem, VX_CHECK_RDONLY, r);
	assert_true(res.skipped);
	assert_true(same_image(m, snap));

	/* forced, read-only: every pass, no finding, the counts */
	for (unsigned th = 1; th <= 4; th += 3) {
		r->threads = th;
		res = check_ok(m->t->mem, VX_CHECK_RDONLY | VX_CHECK_FORCE, r);
		if (r->n)
			print_findings(r, "clean image");
		assert_int_equal(r->n, 0);
		assert_false(res.skipped);
		assert_false(res.journal_dirty);
		assert_int_equal(res.sb_block, 0);
		assert_int_equal(res.sb_error, 0);
		for (int p = VX_PASS_SUPER; p < VX_PASS_COUNT; p++)
			assert_true(saw_pass(r, p));
		assert_false(saw_pass(r, VX_PASS_JOURNAL));
		assert_int_equal(res.files, 6);
		assert_int_equal(res.dirs, 5);
		assert_int_equal(res.symlinks, 2);
		assert_int_equal(res.devices + res.fifos + res.sockets, 0);
		assert_int_equal(res.inodes_used, 13);
		assert_int_equal(res.inodes_used, itotal - m->sb.free_inodes);
		assert_int_equal(res.inodes_total, itotal);
		assert_int_equal(res.blocks_used, m->sb.block_count -
				 m->sb.free_blocks);
		assert_int_equal(res.blocks_total, m->sb.block_count);
		assert_true(same_image(m, snap));
	}

	/* forced, read-write: the same */
	r1->threads = 2;
	res1 = check_ok(m->t->mem, VX_CHECK_FORCE, r1);
	if (r1->n)
		print_findings(r1, "clean image, read-write");
	assert_int_equal(r1->n, 0);
	assert_int_equal(res1.fixed, 0);
	assert_int_equal(res1.files, res.files);
	assert_int_equal(res1.dirs, res.dirs);
	assert_int_equal(res1.symlinks, res.symlinks);
	assert_int_equal(res1.inodes_used, res.inodes_used);
	assert_int_equal(res1.blocks_used, res.blocks_used);
	/* and it stays clean: the next unforced run is skipped */
	res1 = check_ok(m->t->mem, 0, r1);
	assert_true(res1.skipped);
	expect_nothing(m->t->mem, "clean image, after a read-write run");

	tfs_open(m->t);
	verify_all(m, m->t->fs, 0);
	check_tree(m->t->fs, NULL, NULL);
	free(snap);
	free(r);
	free(r1);
	img_free(m);
}

/* ---- one damage per pass ---- */

struct dcase {
	void (*damage)(struct img *m);
	const char *names[8];		/* reported, NULL-terminated */
	unsigned skip;			/* left to verify() */
	void (*verify)(struct img *m, struct vx_fs *fs, const struct rec *r);
};

/*
 * Damage a fresh image; a RDONLY run reports the codes and writes
 * nothing (twice, with the same findings); a yes run reports them and
 * repairs everything; then a RDONLY|FORCE run reports nothing, an
 * unforced run is skipped, and the files read back.
 */
static void run_case(const struct dcase *dc)
{
	struct img *m = populate();
	struct rec *r = rec_alloc(VX_ANS_YES), *r2 = rec_alloc(VX_ANS_YES);
	struct vx_open_opts ro = { .flags = VX_OPEN_RDONLY | VX_OPEN_BORROW_IO,
				   .fixed_time = T0 };
	struct vx_check_result res;
	uint8_t *damaged, *after;

	dc->damage(m);
	damaged = snapshot(m->t);

	res = check_ok(m->t->mem, VX_CHECK_RDONLY | VX_CHECK_FORCE, r);
	expect_names(r, dc->names, "read-only run");
	assert_int_equal(res.fixed, 0);
	assert_int_equal(res.left, r->n);
	for (size_t i = 0; i < r->n; i++)
		assert_false(r->f[i].fixed);
	assert_true(same_image(m, damaged));
	r2->threads = 3;
	check_ok(m->t->mem, VX_CHECK_RDONLY | VX_CHECK_FORCE, r2);
	if (!same_findings(r, r2)) {
		print_findings(r, "first read-only run");
		print_findings(r2, "second read-only run");
		fail_msg("two read-only runs differ");
	}
	assert_true(same_image(m, damaged));

	res = check_ok(m->t->mem, VX_CHECK_FORCE, r);
	expect_names(r, dc->names, "read-write run");
	if (getenv("CHECK_VERBOSE"))
		print_findings(r, "read-write run");
	if (res.left)
		print_findings(r, "read-write run");
	assert_int_equal(res.left, 0);
	assert_int_equal(res.fixed, r->n);
	assert_true(res.modified);
	/* read back, read-only, as the checker left it */
	after = snapshot(m->t);
	assert_int_equal(vx_fs_open(m->t->mem, &ro, &m->t->fs), 0);
	verify_all(m, m->t->fs, dc->skip);
	if (dc->verify)
		dc->verify(m, m->t->fs, r);
	check_tree(m->t->fs, NULL, NULL);
	assert_int_equal(vx_fs_close(m->t->fs), 0);
	m->t->fs = NULL;
	assert_true(same_image(m, after));
	expect_nothing(m->t->mem, "after the repair");
	res = check_ok(m->t->mem, 0, r2);
	assert_true(res.skipped);

	tfs_open(m->t);
	alloc_more(m, m->t->fs, dc->skip);
	tfs_reopen(m->t);
	verify_all(m, m->t->fs, dc->skip);
	if (dc->verify)
		dc->verify(m, m->t->fs, r);
	assert_int_equal(vx_fs_close(m->t->fs), 0);
	m->t->fs = NULL;
	expect_nothing(m->t->mem, "after the library wrote");
	free(after);
	free(damaged);
	free(r);
	free(r2);
	img_free(m);
}

static void v_super(struct img *m, struct vx_fs *fs, const struct rec *r)
{
	struct vx_super sb;
	vx_blk_t at[2];

	(void)fs;
	(void)r;
	assert_int_equal(vx_super_read(m->t->mem, 0, &sb), 0);
	assert_string_equal(sb.label, "");
	assert_int_equal(sb.block_count, m->sb.block_count);
	assert_int_equal(vx_fs_backup_blocks(&sb, at), 2);
	for (int i = 0; i < 2; i++)
		assert_int_equal(vx_super_read(m->t->mem, at[i], &sb), 0);
}

static void test_pass1_super(void **state)
{
	static const struct dcase dc = { dmg_super,
		{ "SUPER_PRIMARY_BAD" }, 0, v_super };
	struct img *m = populate();
	struct rec *r = rec_alloc(VX_ANS_YES);
	struct vx_check_result res;

	(void)state;
	/* the run starts from the first backup and says why */
	dmg_super(m);
	res = check_ok(m->t->mem, VX_CHECK_RDONLY, r);	/* not skipped */
	assert_false(res.skipped);
	assert_int_equal(res.sb_block, GBLOCKS);
	assert_int_equal(res.sb_error, VX_EBADCRC);
	assert_int_equal(count_code(r, VX_PR_SUPER_PRIMARY_BAD), 1);
	assert_int_equal(r->f[0].code, VX_PR_SUPER_PRIMARY_BAD);
	free(r);
	img_free(m);
	run_case(&dc);
}

/* VX_CHECK_BACKUP_SB: the run starts from the backup it is told to (the
 * last group's), and says why the primary is not used */
static void test_pass1_backup_given(void **state)
{
	struct img *m = populate();
	struct rec *r = rec_alloc(VX_ANS_YES);
	struct vx_check_opts o = { .flags = VX_CHECK_RDONLY | VX_CHECK_BACKUP_SB,
				   .ctx = r, .ask = ask_cb, .done = done_cb };
	struct vx_check_result res;
	vx_blk_t at[2];
	uint8_t *damaged;

	(void)state;
	assert_int_equal(vx_fs_backup_blocks(&m->sb, at), 2);
	assert_int_equal(at[1], 3 * GBLOCKS);
	o.sb_block = at[1];
	/* a good primary: nothing to say */
	r->cur_pass = VX_PASS_SUPER;
	assert_int_equal(vx_check(m->t->mem, &o, &res), 0);
	assert_int_equal(res.sb_block, at[1]);
	assert_int_equal(res.sb_error, 0);
	assert_int_equal(r->n, 0);
	/* a damaged one */
	dmg_super(m);
	damaged = snapshot(m->t);
	r->cur_pass = VX_PASS_SUPER;
	assert_int_equal(vx_check(m->t->mem, &o, &res), 0);
	assert_int_equal(res.sb_block, at[1]);
	assert_int_equal(count_code(r, VX_PR_SUPER_PRIMARY_BAD), 1);
	assert_true(same_image(m, damaged));
	assert_int_equal(res.sb_error, VX_EBADCRC);
	free(damaged);
	free(r);
	img_free(m);
}

static void v_jsuper(struct img *m, struct vx_fs *fs, const struct rec *r)
{
	struct vx_journal *j;

	(void)fs;
	(void)r;
	assert_int_equal(vx_journal_open(m->t->mem, &m->sb, &j), 0);
	assert_int_equal(vx_journal_dirty(j), 0);
	vx_journal_close(j);
}

static void test_pass1_journal_super(void **state)
{
	static const struct dcase dc = { dmg_jsuper,
		{ "JOURNAL_SUPER_BAD" }, 0, v_jsuper };

	(void)state;
	run_case(&dc);
}

static void v_group0(struct img *m, struct vx_fs *fs, const struct rec *r)
{
	struct vx_group g;

	(void)r;
	assert_int_equal(vx_fs_group(fs, 0, &g), 0);
	assert_int_equal(g.start, m->g0.start);
	assert_int_equal(g.nblocks, m->g0.nblocks);
	assert_int_equal(g.bbitmap, m->g0.bbitmap);
	assert_int_equal(g.itable, m->g0.itable);
	assert_int_equal(g.used_dirs, m->g0.used_dirs);
}

static void test_pass2_group_zeroed(void **state)
{
	static const struct dcase dc = { dmg_group_zero,
		{ "GROUP_HEADER_BAD" }, 0, v_group0 };

	(void)state;
	run_case(&dc);
}

static void v_group2(struct img *m, struct vx_fs *fs, const struct rec *r)
{
	struct vx_group g;

	(void)r;
	assert_int_equal(vx_fs_group(fs, 2, &g), 0);
	assert_int_equal(g.ibitmap, layout(m, 2).ibitmap);
	assert_int_equal(count_code(r, VX_PR_GROUP_HEADER_FIELD), 1);
}

static void test_pass2_group_field(void **state)
{
	static const struct dcase dc = { dmg_group_field,
		{ "GROUP_HEADER_FIELD" }, 0, v_group2 };

	(void)state;
	run_case(&dc);
}

static void v_inode_crc(struct img *m, struct vx_fs *fs, const struct rec *r)
{
	struct vx_attr a;

	(void)r;
	/* cleared, and its name gone; the rest is whole */
	assert_int_equal(find(fs, NULL, ROOT, "top"), 0);
	assert_int_not_equal(vx_stat(fs, NULL, m->f[F_TOP].ino, &a), 0);
}

static void test_pass3_inode_crc(void **state)
{
	static const struct dcase dc = { dmg_inode_crc,
		{ "INODE_BAD_CRC", "DIR_FREE_INO" }, BIT(F_TOP),
		v_inode_crc };

	(void)state;
	run_case(&dc);
}

static void v_extent(struct img *m, struct vx_fs *fs, const struct rec *r)
{
	struct vx_inode in;

	/* the bad extent (logical block 6) is a hole now, the rest kept */
	assert_int_equal(find(fs, NULL, ROOT, "frag"), m->f[F_FRAG].ino);
	check_data(fs, m->f[F_FRAG].ino, &m->f[F_FRAG], 1u << 6, 0);
	assert_int_equal(vx_inode_read(fs, m->f[F_FRAG].ino, &in), 0);
	assert_int_equal(in.blocks, (FRAG_EXTENTS - 1) + in.depth);
	assert_int_equal(r->f[0].code, VX_PR_EXTENT_BAD_RANGE);
	assert_int_equal(r->f[0].object, m->f[F_FRAG].ino);
}

static void test_pass3_extent_outside(void **state)
{
	static const struct dcase dc = { dmg_extent_out,
		{ "EXTENT_BAD_RANGE" }, BIT(F_FRAG), v_extent };

	(void)state;
	run_case(&dc);
}

static void v_shared(struct img *m, struct vx_fs *fs, const struct rec *r)
{
	vx_ino_t c = m->f[F_C].ino, top = m->f[F_TOP].ino;
	vx_blk_t pc = first_block(fs, c), pt = first_block(fs, top);
	bool used;

	/* top reads as it was written (verify_all); c holds a copy of
	 * top's first 2000 bytes, in blocks of its own */
	assert_int_equal(find(fs, NULL, m->dir[D_D2], "c"), c);
	check_data(fs, c, &m->f[F_C], 0, m->f[F_TOP].seed);
	assert_int_not_equal(pc, pt);
	assert_true(pc + 1 < pt || pt + 4 < pc);
	assert_int_equal(vx_block_in_use(fs, pc, &used), 0);
	assert_true(used);
	/* the higher-numbered inode was asked to take the copy */
	for (size_t i = 0; i < r->n; i++)
		if (r->f[i].code == VX_PR_BLOCK_DUP)
			assert_int_equal(r->f[i].object, c > top ? c : top);
	assert_int_equal(count_code(r, VX_PR_BLOCK_DUP), 1);
}

static void test_pass3_shared_blocks(void **state)
{
	static const struct dcase dc = { dmg_shared, { "BLOCK_DUP" },
		BIT(F_C), v_shared };

	(void)state;
	run_case(&dc);
}

static void v_bitmap(struct img *m, struct vx_fs *fs, const struct rec *r)
{
	bool used;

	(void)r;
	assert_int_equal(vx_block_in_use(fs, m->pblk[F_B], &used), 0);
	assert_true(used);
}

static void test_pass4_bitmap_bit(void **state)
{
	static const struct dcase dc = { dmg_bitmap_bit,
		{ "BLOCK_USED_FREE" }, 0, v_bitmap };

	(void)state;
	run_case(&dc);
}

static void test_pass4_bitmap_block(void **state)
{
	static const struct dcase dc = { dmg_bitmap_block,
		{ "BITMAP_BAD" }, 0, NULL };

	(void)state;
	run_case(&dc);
}

static vx_ino_t in_lost_found(struct img *m, struct vx_fs *fs, vx_ino_t ino)
{
	char name[32];

	snprintf(name, sizeof(name), "#%llu", (unsigned long long)ino);
	return find(fs, NULL, m->lf, name);
}

static void v_dirent(struct img *m, struct vx_fs *fs, const struct rec *r)
{
	vx_ino_t b = m->f[F_B].ino;

	(void)r;
	/* the entry is gone; b, named nowhere, is in lost+found, whole */
	assert_int_equal(find(fs, NULL, m->dir[D_SUB], "b"), 0);
	assert_int_equal(in_lost_found(m, fs, b), b);
	check_data(fs, b, &m->f[F_B], 0, 0);
	assert_int_equal(nlink_of(fs, b), 1);
}

static void test_pass5_dirent_free_inode(void **state)
{
	static const struct dcase dc = { dmg_dirent_free,
		{ "DIR_FREE_INO", "INODE_UNATTACHED" }, BIT(F_B),
		v_dirent };

	(void)state;
	run_case(&dc);
}

static void v_unconnected(struct img *m, struct vx_fs *fs,
			  const struct rec *r)
{
	vx_ino_t d1 = m->dir[D_D1], ino = 0;
	char path[64];

	/* /d1 is /lost+found/#D1 now, with everything under it */
	assert_int_equal(find(fs, NULL, ROOT, "d1"), 0);
	assert_int_equal(in_lost_found(m, fs, d1), d1);
	assert_int_equal(find(fs, NULL, d1, ".."), m->lf);
	assert_int_equal(find(fs, NULL, m->dir[D_SUB], ".."), d1);
	snprintf(path, sizeof(path), "/lost+found/#%llu/sub/b",
		 (unsigned long long)d1);
	assert_int_equal(vx_lookup_path(fs, NULL, ROOT, path, 0, &ino), 0);
	assert_int_equal(ino, m->f[F_B].ino);
	assert_int_equal(nlink_of(fs, d1), 3);
	assert_int_equal(nlink_of(fs, m->lf), 3);
	assert_int_equal(nlink_of(fs, ROOT), 4);	/* lost+found, d2 */
	for (size_t i = 0; i < r->n; i++)
		if (r->f[i].code == VX_PR_DIR_UNCONNECTED)
			assert_int_equal(r->f[i].object, d1);
}

static void test_pass6_unconnected_dir(void **state)
{
	static const struct dcase dc = { dmg_unconnected,
		{ "DIR_FREE_INO", "DIR_UNCONNECTED", "INODE_NLINK" },
		X_DIRS, v_unconnected };

	(void)state;
	run_case(&dc);
}

static void v_nlink(struct img *m, struct vx_fs *fs, const struct rec *r)
{
	assert_int_equal(nlink_of(fs, m->f[F_A].ino), 2);	/* a, alink */
	assert_int_equal(nlink_of(fs, m->dir[D_D2]), 2);
	assert_int_equal(count_code(r, VX_PR_INODE_NLINK), 2);
}

static void test_pass7_nlink(void **state)
{
	static const struct dcase dc = { dmg_nlink, { "INODE_NLINK" }, 0,
		v_nlink };

	(void)state;
	run_case(&dc);
}

/* ---- answers ---- */

/* damage in passes 3, 4, 5 and 7 */
static void dmg_several(struct img *m)
{
	dmg_inode_crc(m);
	dmg_bitmap_bit(m);
	dmg_nlink(m);
}

static void test_answer_halt(void **state)
{
	struct img *m = populate();
	struct rec *r = rec_alloc(VX_ANS_YES), *all = rec_alloc(VX_ANS_NO);
	struct vx_check_result res;
	uint8_t *damaged;

	(void)state;
	dmg_several(m);
	damaged = snapshot(m->t);
	check_ok(m->t->mem, VX_CHECK_RDONLY | VX_CHECK_FORCE, all);
	assert_true(all->n >= 4);
	assert_int_equal(all->f[0].code, VX_PR_INODE_BAD_CRC);

	/* HALT at the first: nothing repaired, nothing written */
	r->stop_at = 1;
	r->stop_ans = VX_ANS_HALT;
	assert_int_equal(check(m->t->mem, VX_CHECK_FORCE, r, &res), 0);
	assert_true(res.halted);
	assert_false(res.cancelled);
	assert_int_equal(r->n, 1);
	assert_int_equal(res.fixed, 0);
	assert_false(res.modified);
	assert_false(saw_pass(r, VX_PASS_BITMAPS));
	assert_true(same_image(m, damaged));

	/* HALT at the second: the first repair (pass 3) is kept */
	r->stop_at = 2;
	assert_int_equal(check(m->t->mem, VX_CHECK_FORCE, r, &res), 0);
	assert_true(res.halted);
	assert_int_equal(r->n, 2);
	assert_int_equal(r->f[0].code, VX_PR_INODE_BAD_CRC);
	assert_true(r->f[0].fixed);
	assert_int_equal(res.fixed, 1);
	assert_true(res.modified);
	assert_false(saw_pass(r, VX_PASS_DIRS));
	check_ok(m->t->mem, VX_CHECK_RDONLY | VX_CHECK_FORCE, all);
	assert_int_equal(count_code(all, VX_PR_INODE_BAD_CRC), 0);
	expect_names(all, (const char *const[]){ "BLOCK_USED_FREE",
			 "DIR_FREE_INO", "INODE_NLINK", NULL },
		     "after a halt");

	/* and a full run finishes the job */
	r->stop_at = 0;
	res = check_ok(m->t->mem, VX_CHECK_FORCE, r);
	assert_int_equal(res.left, 0);
	expect_nothing(m->t->mem, "after halt and a full run");
	tfs_open(m->t);
	verify_all(m, m->t->fs, BIT(F_TOP));
	check_tree(m->t->fs, NULL, NULL);
	free(damaged);
	free(r);
	free(all);
	img_free(m);
}

/* three entries of /d2 name free inodes: all three are repaired by one
 * rebuild of the directory, but a HALT at the second must keep the
 * second and the third (never asked) as they are */
static void test_answer_halt_in_directory(void **state)
{
	struct img *m = populate();
	struct rec *r = rec_alloc(VX_ANS_YES), *ro = rec_alloc(VX_ANS_YES);
	struct vx_check_result res;
	unsigned bad;

	(void)state;
	dirent_set_ino(m, D_D2, "c", m->free_ino);
	dirent_set_ino(m, D_D2, "big", m->free_ino + 1);
	dirent_set_ino(m, D_D2, "longsl", m->free_ino + 2);
	check_ok(m->t->mem, VX_CHECK_RDONLY | VX_CHECK_FORCE, ro);
	assert_int_equal(count_code(ro, VX_PR_DIR_FREE_INO), 3);

	r->stop_at = 2;
	r->stop_ans = VX_ANS_HALT;
	assert_int_equal(check(m->t->mem, VX_CHECK_FORCE, r, &res), 0);
	assert_true(res.halted);
	assert_int_equal(r->n, 2);
	assert_int_equal(r->f[0].code, VX_PR_DIR_FREE_INO);
	assert_true(r->f[0].fixed);
	assert_false(r->f[1].fixed);
	assert_int_equal(r->f[0].done, 1);
	/* told about what was asked, and only that; what was not asked
	 * (the third entry) is not repaired: reported, not asserted at
	 * once, so that one run shows all of it */
	if (r->stray)
		print_message("done() called for %u finding(s) never asked\n",
			      r->stray);
	if (res.fixed + res.left != res.findings)
		print_message("fixed %llu + left %llu != findings %llu\n",
			      (unsigned long long)res.fixed,
			      (unsigned long long)res.left,
			      (unsigned long long)res.findings);
	bad = r->stray + (res.fixed + res.left != res.findings);
	assert_int_equal(res.findings, 2);
	/* the second and third entries are still there */
	check_ok(m->t->mem, VX_CHECK_RDONLY | VX_CHECK_FORCE, ro);
	if (count_code(ro, VX_PR_DIR_FREE_INO) != 2) {
		print_findings(ro, "after a halt at the second of three");
		bad++;
	}

	/* a full run finishes the job: three names gone, three inodes in
	 * lost+found */
	r->stop_at = 0;
	res = check_ok(m->t->mem, VX_CHECK_FORCE, r);
	assert_int_equal(res.left, 0);
	expect_nothing(m->t->mem, "after a halt in a directory, and a run");
	tfs_open(m->t);
	verify_all(m, m->t->fs, BIT(F_C) | BIT(F_BIG) | X_LSL);
	assert_int_equal(in_lost_found(m, m->t->fs, m->f[F_C].ino),
			 m->f[F_C].ino);
	check_data(m->t->fs, m->f[F_C].ino, &m->f[F_C], 0, 0);
	assert_int_equal(in_lost_found(m, m->t->fs, m->f[F_BIG].ino),
			 m->f[F_BIG].ino);
	check_data(m->t->fs, m->f[F_BIG].ino, &m->f[F_BIG], 0, 0);
	assert_int_equal(in_lost_found(m, m->t->fs, m->lsl), m->lsl);
	check_link(m->t->fs, m->lsl, m->long_target);
	check_tree(m->t->fs, NULL, NULL);
	assert_int_equal(bad, 0);
	free(r);
	free(ro);
	img_free(m);
}

static void test_answer_cancel(void **state)
{
	struct img *m = populate();
	struct rec *r = rec_alloc(VX_ANS_YES);
	struct vx_check_result res;
	uint8_t *damaged;

	(void)state;
	dmg_several(m);
	damaged = snapshot(m->t);
	r->stop_at = 1;
	r->stop_ans = VX_ANS_CANCEL;
	assert_int_equal(check(m->t->mem, VX_CHECK_FORCE, r, &res), 0);
	assert_true(res.cancelled);
	assert_false(res.halted);
	assert_int_equal(r->n, 1);
	assert_int_equal(res.fixed, 0);
	assert_true(same_image(m, damaged));
	/* CANCEL counts in a read-only run too */
	assert_int_equal(check(m->t->mem, VX_CHECK_RDONLY | VX_CHECK_FORCE, r,
			       &res), 0);
	assert_true(res.cancelled);
	assert_int_equal(r->n, 1);
	assert_true(same_image(m, damaged));
	free(damaged);
	free(r);
	img_free(m);
}

static void test_cancel_flag(void **state)
{
	struct img *m = populate();
	struct rec *r = rec_alloc(VX_ANS_YES);
	struct vx_check_result res;
	uint8_t *damaged;

	(void)state;
	dmg_several(m);
	damaged = snapshot(m->t);

	/* set before the run: it stops before the first pass */
	r->cancel = 1;
	r->cancel_pass = -1;
	{
		struct vx_check_opts o = { .flags = VX_CHECK_FORCE, .ctx = r,
					   .ask = ask_cb, .done = done_cb,
					   .pass = pass_cb,
					   .cancel = &r->cancel };

		r->n = r->npasses = 0;
		assert_int_equal(vx_check(m->t->mem, &o, &res), 0);
	}
	assert_true(res.cancelled);
	assert_false(res.halted);
	assert_int_equal(r->n, 0);
	assert_int_equal(r->npasses, 0);
	assert_true(same_image(m, damaged));

	/* set when pass 3 starts: nothing of pass 3 on is asked */
	r->cancel = 0;
	r->cancel_pass = VX_PASS_INODES;
	assert_int_equal(check(m->t->mem, VX_CHECK_FORCE, r, &res), 0);
	assert_true(res.cancelled);
	assert_int_equal(r->n, 0);
	assert_true(saw_pass(r, VX_PASS_GROUPS));
	assert_true(saw_pass(r, VX_PASS_INODES));
	assert_false(saw_pass(r, VX_PASS_BITMAPS));
	assert_false(saw_pass(r, VX_PASS_LINKS));
	assert_true(same_image(m, damaged));

	/* set when pass 5 starts, in a read-only run: passes 3 and 4 were
	 * asked, nothing after */
	r->cancel = 0;
	r->cancel_pass = VX_PASS_DIRS;
	assert_int_equal(check(m->t->mem, VX_CHECK_RDONLY | VX_CHECK_FORCE, r,
			       &res), 0);
	assert_true(res.cancelled);
	assert_true(count_code(r, VX_PR_INODE_BAD_CRC) == 1);
	assert_int_equal(count_code(r, VX_PR_DIR_FREE_INO), 0);
	assert_int_equal(count_code(r, VX_PR_INODE_NLINK), 0);
	assert_false(saw_pass(r, VX_PASS_CONNECT));
	assert_true(same_image(m, damaged));
	free(damaged);
	free(r);
	img_free(m);
}

/* no to everything, read-write: nothing repaired, the errors flag set,
 * so that the next run is not skipped */
static void test_answer_no(void **state)
{
	struct img *m = populate();
	struct rec *r = rec_alloc(VX_ANS_NO), *ro = rec_alloc(VX_ANS_YES);
	struct vx_check_result res;
	struct vx_super sb;

	(void)state;
	dmg_several(m);
	check_ok(m->t->mem, VX_CHECK_RDONLY | VX_CHECK_FORCE, ro);
	res = check_ok(m->t->mem, VX_CHECK_FORCE, r);
	assert_true(r->n >= 4);
	assert_int_equal(res.fixed, 0);
	assert_int_equal(res.left, r->n);
	if (!same_findings(r, ro)) {
		print_findings(ro, "read-only run");
		print_findings(r, "answered no");
	}
	assert_true(same_findings(r, ro));
	assert_int_equal(vx_super_read(m->t->mem, 0, &sb), 0);
	assert_true(sb.state & VX_STATE_ERRORS);
	/* not forced, read-only: checked, the same findings */
	res = check_ok(m->t->mem, VX_CHECK_RDONLY, ro);
	assert_false(res.skipped);
	assert_true(same_findings(r, ro));
	/* the files the damage did not touch read back */
	tfs_open(m->t);
	for (int i = F_B; i < NFILES; i++)
		if (i != F_TOP)
			check_data(m->t->fs, m->f[i].ino, &m->f[i], 0, 0);
	free(r);
	free(ro);
	img_free(m);
}

/* ---- the journal ---- */

static void test_journal_dirty(void **state)
{
	struct img *m = populate();
	struct rec *r = rec_alloc(VX_ANS_YES);
	struct efile j1 = { D_ROOT, "j1", 7000, 7, false, 0 };
	struct efile a2 = m->f[F_A];
	struct vx_check_result res;
	struct vx_fs *fs;
	struct vx_txn *tx;
	struct tfs *d = calloc(1, sizeof(*d));
	uint8_t *dirty;
	vx_ino_t jd;

	(void)state;
	assert_non_null(d);
	tfs_open(m->t);
	fs = m->t->fs;
	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);
	j1.ino = mkfile_pat(fs, tx, ROOT, "j1", j1.len, j1.seed);
	jd = mkdir_(fs, tx, ROOT, "jd");
	assert_int_equal(vx_txn_commit(tx, NULL), 0);
	assert_int_equal(vx_txn_begin(fs, 0, 0, &tx), 0);
	assert_int_equal(vx_unlink(fs, tx, ROOT, "top"), 0);
	assert_int_equal(write_pat(fs, tx, a2.ino, 3000, 1500, a2.seed), 0);
	a2.len = 4500;
	assert_int_equal(vx_txn_commit(tx, NULL), 0);
	assert_int_equal(vx_rename(fs, NULL, m->dir[D_D2], "c", jd, "c2", 0),
			 0);
	/* a crash now: the log holds the three, nothing checkpointed */
	dirty = snapshot(m->t);
	d->bytes = m->t->bytes;
	d->bsize = BSIZE;
	assert_int_equal(vx_io_mem_open(d->bytes, &d->mem), 0);
	memcpy(image(d), dirty, d->bytes);

	/* read-only, not forced: checked as recovery would leave it */
	res = check_ok(d->mem, VX_CHECK_RDONLY, r);
	if (r->n)
		print_findings(r, "dirty journal, read-only");
	assert_int_equal(r->n, 0);
	assert_false(res.skipped);
	assert_true(res.journal_dirty);
	assert_false(res.journal_replayed);
	assert_true(res.journal.txns >= 3);
	assert_int_equal(res.journal.discarded_seq, 0);
	assert_true(saw_pass(r, VX_PASS_JOURNAL));
	assert_int_equal(res.files, 6);		/* + j1, - top */
	assert_int_equal(res.dirs, 6);		/* + jd */
	assert_int_equal(res.inodes_used, 14);
	assert_int_equal(memcmp(image(d), dirty, d->bytes), 0);

	/* read-write: replayed, nothing to repair */
	res = check_ok(d->mem, 0, r);
	if (r->n)
		print_findings(r, "dirty journal, read-write");
	assert_int_equal(r->n, 0);
	assert_true(res.journal_dirty);
	assert_true(res.journal_replayed);
	assert_true(res.journal.txns >= 3);
	assert_true(res.modified);
	assert_true(saw_pass(r, VX_PASS_JOURNAL));
	expect_nothing(d->mem, "after the replay");

	/* the committed state, as the running filesystem has it */
	tfs_open(d);
	assert_int_equal(find(d->fs, NULL, ROOT, "j1"), j1.ino);
	check_data(d->fs, j1.ino, &j1, 0, 0);
	assert_int_equal(find(d->fs, NULL, ROOT, "jd"), jd);
	assert_int_equal(find(d->fs, NULL, ROOT, "top"), 0);
	assert_int_equal(find(d->fs, NULL, m->dir[D_D2], "c"), 0);
	assert_int_equal(find(d->fs, NULL, jd, "c2"), m->f[F_C].ino);
	check_data(d->fs, m->f[F_C].ino, &m->f[F_C], 0, 0);
	check_data(d->fs, a2.ino, &a2, 0, 0);
	assert_int_equal(find(d->fs, NULL, m->dir[D_D2], "alink"), a2.ino);
	for (int i = 0; i < NFILES; i++)
		if (i != F_TOP && i != F_C && i != F_A)
			check_data(d->fs, m->f[i].ino, &m->f[i], 0, 0);
	check_tree(d->fs, NULL, NULL);
	assert_int_equal(vx_fs_super(d->fs)->free_blocks,
			 vx_fs_super(fs)->free_blocks);
	assert_int_equal(vx_fs_super(d->fs)->free_inodes,
			 vx_fs_super(fs)->free_inodes);
	tfs_free(d);
	free(dirty);
	free(r);
	img_free(m);
}

/* ---- a crash in the middle of a repair ---- */

/* damage for every pass, repaired both ways (journaled block images
 * and library transactions) */
static void dmg_crash(struct img *m)
{
	dmg_super(m);		/* 1 */
	dmg_group_field(m);	/* 2 */
	dmg_inode_crc(m);	/* 3, block-level */
	dmg_extent_out(m);	/* 3, a map rebuild */
	share_c(m, F_BIG);	/* 3, a map rebuild with a copy */
	dmg_bitmap_bit(m);	/* 4 */
	dmg_dirent_free(m);	/* 5, and 7: b in lost+found */
	dmg_nlink(m);		/* 7 */
}

#define CRASH_SKIP	(BIT(F_TOP) | BIT(F_FRAG) | BIT(F_B) | BIT(F_C))

/* what the repairs of dmg_crash leave */
static void crash_verify(struct img *m, struct vx_fs *fs)
{
	verify_all(m, fs, CRASH_SKIP);
	assert_int_equal(find(fs, NULL, ROOT, "top"), 0);
	check_data(fs, m->f[F_FRAG].ino, &m->f[F_FRAG], 1u << 6, 0);
	assert_int_equal(in_lost_found(m, fs, m->f[F_B].ino), m->f[F_B].ino);
	check_data(fs, m->f[F_B].ino, &m->f[F_B], 0, 0);
	assert_int_equal(find(fs, NULL, m->dir[D_D2], "c"), m->f[F_C].ino);
	check_data(fs, m->f[F_C].ino, &m->f[F_C], 0, m->f[F_BIG].seed);
	assert_int_not_equal(first_block(fs, m->f[F_C].ino),
			     first_block(fs, m->f[F_BIG].ino));
	assert_int_equal(nlink_of(fs, m->dir[D_D2]), 2);
	check_tree(fs, NULL, NULL);
}

/*
 * A crash image that an unforced check would skip (clean superblock,
 * empty log) although part of the repair was made (the findings differ
 * from those of the damaged image, @r0): a boot-time check without -f
 * would then leave the rest undone, and the image in use holds what the
 * half-made repair left (blocks a map still uses marked free, between
 * pass 4 and the map's rebuild).  1 for such a point (reported), else 0.
 */
static int looks_clean(struct vx_io *io, const struct rec *r0, size_t k)
{
	struct rec *q = rec_alloc(VX_ANS_YES);
	struct vx_check_result res = check_ok(io, VX_CHECK_RDONLY, q);
	int bad = 0;

	if (res.skipped) {
		check_ok(io, VX_CHECK_RDONLY | VX_CHECK_FORCE, q);
		bad = q->n && !same_findings(q, r0);
		if (bad)
			print_message("crash after write %zu: an unforced run "
				      "skips it, with %zu of the %zu findings "
				      "left\n", k, q->n, r0->n);
	}
	free(q);
	return bad;
}

static void test_crash_during_repair(void **state)
{
	struct img *m = populate();
	struct rec *r = rec_alloc(VX_ANS_YES);
	struct vx_check_result res;
	struct rec_io *rio;
	struct vx_io *w;
	uint8_t *damaged;
	size_t total, from, to, tested = 0, replayed = 0, found = 0;
	size_t unsafe = 0;
	struct rec *r0 = rec_alloc(VX_ANS_YES);

	(void)state;
	dmg_crash(m);
	damaged = snapshot(m->t);
	check_ok(m->t->mem, VX_CHECK_RDONLY | VX_CHECK_FORCE, r0);

	/* the repair run, recorded */
	assert_int_equal(vx_io_mem_open(m->t->bytes, &w), 0);
	memcpy(vx_io_mem_data(w, NULL), damaged, m->t->bytes);
	rio = rec_new(w);
	rio->on = true;
	r->rio = rio;
	r->threads = 2;
	res = check_ok(&rio->io, VX_CHECK_FORCE, r);
	rio->on = false;
	r->rio = NULL;
	expect_names(r, (const char *const[]){ "SUPER_PRIMARY_BAD",
		     "GROUP_HEADER_FIELD", "INODE_BAD_CRC",
		     "EXTENT_BAD_RANGE", "BLOCK_DUP", "BLOCK_USED_FREE",
		     "DIR_FREE_INO", "INODE_NLINK", NULL }, "repair run");
	assert_int_equal(res.left, 0);
	total = rio->n;
	/* the block-level passes (2 to 4) get every write */
	from = r->mark[VX_PASS_GROUPS];
	to = r->mark[VX_PASS_DIRS];
	assert_true(from < to && to < total);
	print_message("%zu writes; passes 2-7 start after %zu %zu %zu %zu %zu "
		      "%zu\n", total, r->mark[VX_PASS_GROUPS],
		      r->mark[VX_PASS_INODES], r->mark[VX_PASS_BITMAPS],
		      r->mark[VX_PASS_DIRS], r->mark[VX_PASS_CONNECT],
		      r->mark[VX_PASS_LINKS]);
	expect_nothing(w, "after the recorded run");

	for (size_t k = 0; k <= total; k++) {
		struct tfs *c;

		if (total > 1500 && !(k >= from && k <= to) && k % 4 &&
		    k != total)
			continue;
		c = calloc(1, sizeof(*c));
		assert_non_null(c);
		c->bytes = m->t->bytes;
		c->bsize = BSIZE;
		assert_int_equal(vx_io_mem_open(c->bytes, &c->mem), 0);
		memcpy(image(c), damaged, c->bytes);
		rec_apply(image(c), rio, k);
		unsafe += looks_clean(c->mem, r0, k);
		r->threads = 1 + k % 3;
		if (check(c->mem, VX_CHECK_FORCE, r, &res) || res.left) {
			print_message("crash after write %zu of %zu:\n", k,
				      total);
			print_findings(r, "second run");
			fail_msg("the second run did not finish the job");
		}
		if (k == 0)
			assert_true(r->n > 0);	/* all of the damage */
		if (k == total)
			assert_int_equal(r->n, 0);	/* all repaired */
		replayed += res.journal_replayed;
		found += r->n > 0;
		expect_nothing(c->mem, "after a crash and a second run");
		tfs_open(c);
		crash_verify(m, c->fs);
		tfs_free(c);
		tested++;
	}
	print_message("%zu crash points checked: %zu with a log to replay, "
		      "%zu with repairs left to make\n", tested, replayed, found);
	assert_true(replayed > 0 && found > 0);
	if (unsafe)
		print_message("%zu crash points look clean with part of the "
			      "repair made\n", unsafe);
	assert_int_equal(unsafe, 0);
	free(r0);
	vx_io_close(&rio->io);
	assert_int_equal(vx_io_close(w), 0);
	free(damaged);
	free(r);
	img_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_pass1_super),
		cmocka_unit_test(test_pass1_backup_given),
		cmocka_unit_test(test_pass1_journal_super),
		cmocka_unit_test(test_pass2_group_zeroed),
		cmocka_unit_test(test_pass2_group_field),
		cmocka_unit_test(test_pass3_inode_crc),
		cmocka_unit_test(test_pass3_extent_outside),
		cmocka_unit_test(test_pass3_shared_blocks),
		cmocka_unit_test(test_pass4_bitmap_bit),
		cmocka_unit_test(test_pass4_bitmap_block),
		cmocka_unit_test(test_pass5_dirent_free_inode),
		cmocka_unit_test(test_pass6_unconnected_dir),
		cmocka_unit_test(test_pass7_nlink),
		cmocka_unit_test(test_answer_halt),
		cmocka_unit_test(test_answer_halt_in_directory),
		cmocka_unit_test(test_answer_cancel),
		cmocka_unit_test(test_cancel_flag),
		cmocka_unit_test(test_answer_no),
		cmocka_unit_test(test_journal_dirty),
		cmocka_unit_test(test_crash_during_repair),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
