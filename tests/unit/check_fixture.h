/*
 * check_fixture.h: what the checker's unit tests share (test_check.c,
 * test_check_repair.c): one small populated filesystem made through the
 * public API (1 KiB blocks, 4 groups so that the superblock has
 * backups: directories, files with data, a hard link, an inline and a
 * block symlink, a sparse file of 8 extents with an extent-tree leaf),
 * its damage on the image bytes (resealed where the damage is meant to
 * be "valid but wrong"), and the checker's callbacks, which record every
 * finding by its problem name, check it comes in the pass the problem
 * table gives it and is told (done) once, and answer yes, no, halt or
 * cancel.
 */
#ifndef VEXFS_TEST_CHECK_FIXTURE_H
#define VEXFS_TEST_CHECK_FIXTURE_H

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

static inline unsigned char want_byte(const struct efile *e, uint64_t off)
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
static inline int data_cmp(struct vx_fs *fs, vx_ino_t ino, const struct efile *e,
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

static inline void check_link(struct vx_fs *fs, vx_ino_t ino, const char *target)
{
	char buf[4200];
	size_t len = 0;

	assert_int_equal(vx_readlink(fs, NULL, ino, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, strlen(target));
	assert_string_equal(buf, target);
}

static inline uint32_t nlink_of(struct vx_fs *fs, vx_ino_t ino)
{
	struct vx_attr a;

	assert_int_equal(vx_stat(fs, NULL, ino, &a), 0);
	return a.nlink;
}

/* everything the populating run made, but what @skip leaves out */
static inline void verify_all(struct img *m, struct vx_fs *fs, unsigned skip)
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

static inline vx_blk_t first_block(struct vx_fs *fs, vx_ino_t ino)
{
	vx_blk_t p;
	uint64_t run;

	assert_int_equal(vx_bmap(fs, NULL, ino, 0, &p, &run), 0);
	return p;
}

static inline struct img *populate(void)
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

static inline void img_free(struct img *m)
{
	tfs_free(m->t);
	free(m);
}

/* ---- damage, on the image bytes ---- */

static inline uint8_t *blk(struct img *m, vx_blk_t b)
{
	assert_true(b < m->sb.block_count);
	return image(m->t) + b * BSIZE;
}

static inline void seal(struct img *m, vx_blk_t b)
{
	vx_mhdr_seal(blk(m, b), BSIZE);
}

static inline struct vx_glayout layout(struct img *m, uint32_t g)
{
	struct vx_glayout gl;

	vx_group_layout(&m->sb, g, &gl);
	return gl;
}

static inline uint8_t *slot(struct img *m, vx_ino_t ino)
{
	uint32_t ipb = BSIZE / VX_INODE_SIZE;
	uint64_t g = (ino - 1) / m->sb.inodes_per_group;
	uint64_t s = (ino - 1) % m->sb.inodes_per_group;

	return blk(m, layout(m, (uint32_t)g).itable + s / ipb) +
	       (s % ipb) * VX_INODE_SIZE;
}

static inline void inode_get(struct img *m, vx_ino_t ino, struct vx_inode *in)
{
	assert_int_equal(vx_inode_decode(slot(m, ino), ino, m->sb.hdr.uuid,
					 in), 0);
}

static inline void inode_put(struct img *m, const struct vx_inode *in)
{
	vx_inode_encode(slot(m, in->ino), in, m->sb.hdr.uuid);
}

/* the entry @name in directory leaf block @b */
static inline uint8_t *dirent_at(struct img *m, vx_blk_t b, const char *name)
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

static inline void dirent_set_ino(struct img *m, int dir, const char *name,
			   vx_ino_t ino)
{
	vx_put64(dirent_at(m, m->dblk[dir], name) + 8, ino);
	seal(m, m->dblk[dir]);
}

static inline void bbitmap_clear(struct img *m, vx_blk_t b)
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
static inline void dmg_super(struct img *m)
{
	blk(m, 0)[200] ^= 0x40;		/* inside the label */
}

/* pass 1: the journal superblock's checksum */
static inline void dmg_jsuper(struct img *m)
{
	blk(m, m->sb.journal_start)[60] ^= 0x01;	/* first_seq */
}

/* pass 2: group 0's header (where everything lives) zeroed */
static inline void dmg_group_zero(struct img *m)
{
	memset(blk(m, layout(m, 0).header), 0, BSIZE);
}

/* pass 2: a geometry field of group 2's header, resealed */
static inline void dmg_group_field(struct img *m)
{
	vx_blk_t h = layout(m, 2).header;

	vx_put64(blk(m, h) + 96, vx_get64(blk(m, h) + 96) + 1);	/* ibitmap */
	seal(m, h);
}

/* pass 3: a flipped bit in /top's inode */
static inline void dmg_inode_crc(struct img *m)
{
	slot(m, m->f[F_TOP].ino)[24] ^= 0x01;	/* uid */
}

/* pass 3: the frag file's 4th extent (logical block 6) points past the
 * end of the filesystem (its leaf node resealed) */
static inline void dmg_extent_out(struct img *m)
{
	uint8_t *e = blk(m, m->frag_leaf) + VX_EXT_NODE_HDR + 3 * VX_EXTENT_SIZE;

	assert_int_equal(vx_get16(blk(m, m->frag_leaf) + 50), FRAG_EXTENTS);
	assert_int_equal(vx_get64(e), 6);
	vx_put64(e + 8, m->sb.block_count + 5);
	seal(m, m->frag_leaf);
}

/* /d2/c's map (inline, one extent of 2 blocks) points at the first two
 * blocks of file @owner, resealed */
static inline void share_c(struct img *m, int owner)
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
static inline void dmg_shared(struct img *m)
{
	share_c(m, F_TOP);
}

/* pass 4: the bit of /d1/sub/b's first block cleared */
static inline void dmg_bitmap_bit(struct img *m)
{
	bbitmap_clear(m, m->pblk[F_B]);
}

/* pass 4: group 0's inode bitmap block zeroed */
static inline void dmg_bitmap_block(struct img *m)
{
	memset(blk(m, layout(m, 0).ibitmap), 0, BSIZE);
}

/* pass 5: /d1/sub's entry "b" names a free inode */
static inline void dmg_dirent_free(struct img *m)
{
	dirent_set_ino(m, D_SUB, "b", m->free_ino);
}

/* pass 6: the root's entry "d1" names a free inode: /d1 is unconnected */
static inline void dmg_unconnected(struct img *m)
{
	dirent_set_ino(m, D_ROOT, "d1", m->free_ino);
}

/* pass 7: link counts of /d1/a (2) and /d2 (2) */
static inline void dmg_nlink(struct img *m)
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

static inline struct rec *rec_alloc(int ans)
{
	struct rec *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->ans = ans;
	r->cancel_pass = -1;
	return r;
}

static inline int ask_cb(void *ctx, struct vx_finding *f)
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

static inline void done_cb(void *ctx, const struct vx_finding *f)
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

static inline void pass_cb(void *ctx, int pass, const char *title)
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

static inline void print_findings(const struct rec *r, const char *when)
{
	print_message("%s: %zu finding(s)\n", when, r->n);
	for (size_t i = 0; i < r->n; i++)
		print_message("  %-22s %s%s\n", r->f[i].name, r->f[i].msg,
			      r->f[i].fixed ? " [fixed]" : "");
}

static inline size_t count_code(const struct rec *r, int code)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += r->f[i].code == code;
	return n;
}

static inline bool saw_pass(const struct rec *r, int pass)
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
static inline int check(struct vx_io *io, unsigned flags, struct rec *r,
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
static inline struct vx_check_result check_ok(struct vx_io *io, unsigned flags,
				       struct rec *r)
{
	struct vx_check_result res;

	assert_int_equal(check(io, flags, r, &res), 0);
	assert_false(res.halted);
	assert_false(res.cancelled);
	return res;
}

/* a RDONLY|FORCE run finds nothing */
static inline void expect_nothing(struct vx_io *io, const char *when)
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

static inline size_t count_name(const struct rec *r, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += !strcmp(r->f[i].name, name);
	return n;
}

/* every problem of the NULL-terminated @names was reported */
static inline void expect_names(const struct rec *r, const char *const *names,
			 const char *when)
{
	for (const char *const *nm = names; *nm; nm++)
		if (!count_name(r, *nm)) {
			print_findings(r, when);
			fail_msg("%s: %s not reported", when, *nm);
		}
}

static inline bool same_findings(const struct rec *a, const struct rec *b)
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

static inline bool same_image(struct img *m, const uint8_t *snap)
{
	return !memcmp(image(m->t), snap, m->t->bytes);
}

/* the filesystem takes new files, and everything still reads back */
static inline void alloc_more(struct img *m, struct vx_fs *fs, unsigned skip)
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

/* the inode named #INO in lost+found (0: none) */
static inline vx_ino_t in_lost_found(struct img *m, struct vx_fs *fs,
				      vx_ino_t ino)
{
	char name[32];

	snprintf(name, sizeof(name), "#%llu", (unsigned long long)ino);
	return find(fs, NULL, m->lf, name);
}

#endif /* VEXFS_TEST_CHECK_FIXTURE_H */
