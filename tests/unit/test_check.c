/*
 * test_check.c: the checker core (vx_check, lib/check*.c) on the
 * in-memory io, pass by pass (the fixture: check_fixture.h).
 *   - a clean image: no finding, the counts of the result, RDONLY writes
 *     nothing, an unforced run is skipped, 1 or 4 threads alike;
 *   - one representative damage per pass (and a few more: a damaged
 *     journal superblock, a bitmap block, -b): the expected problem is
 *     reported, a RDONLY run leaves the image byte-identical and makes
 *     no repair, two RDONLY runs report the same, a yes run repairs
 *     everything, a second RDONLY|FORCE run reports nothing, and the
 *     files read back as they were written (damaged ones as the repair
 *     is meant to leave them), also after new files were written.
 * Answers, the journal and crashes during a repair: test_check_repair.c.
 * CHECK_VERBOSE=1 in the environment prints the findings of each
 * repair run.
 */
#include "check_fixture.h"

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
