/*
 * test_check_repair.c: how the checker core repairs (the fixture:
 * check_fixture.h).
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
 */
#include "check_fixture.h"

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
