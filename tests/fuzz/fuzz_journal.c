/*
 * fuzz_journal.c: libFuzzer target for the journal's log parser and
 * recovery (vx_journal_open, vx_journal_recover: scan, revoke, replay).
 *
 * At start-up the target formats a small image (1 KiB blocks, 2 MiB, a
 * 256-block journal) and commits four transactions through one journal
 * handle, so that the log holds descriptors, logged blocks (one escaped),
 * a revoke block and commit blocks.  The input then rewrites it:
 *
 *     0  u8    flags: bit 0 re-seal every log block that starts with the
 *              journal magic (so mutations get past the header crc)
 *     1  le64  journal superblock tail (taken modulo the region; 0 keeps)
 *     9  le64  first_seq (0 keeps)
 *    17  ..    bytes written over the log from region block 1 on
 *
 * The journal superblock is re-encoded with a correct crc.  Recovery runs
 * dry, then for real, on the image in place: nothing may crash, hang,
 * leak or write outside the filesystem, and a recovery that returned 0
 * must leave the log empty.
 *
 * With VX_FUZZ_SEEDS=DIR the binary writes its seeds (the untouched log,
 * with and without re-sealing) to DIR and exits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fs_int.h"
#include "fuzz_common.h"
#include "fuzz_jlog.h"

#define BS		1024u
#define NBLOCKS		2048u
#define NOW		1700000000
#define HDR		17

static uint8_t *g_img, *g_work;
static struct vx_super g_sb;

/* one transaction (fuzz_jlog.h) committed */
static void commit(struct vx_journal *j, vx_blk_t first, unsigned n,
		   unsigned pat, bool escape_one, vx_blk_t revoke, vx_blk_t run)
{
	static struct fuzz_jlog x;

	CHECK(vx_journal_commit(j, fuzz_jlog_init(&x, g_img, BS, first, n, pat,
						  escape_one, revoke, run),
				NULL) == 0);
}

static void build_image(void)
{
	struct vx_mkfs_params p = { .block_log = 10, .block_count = NBLOCKS,
				    .journal_blocks = VX_MIN_JOURNAL_BLOCKS,
				    .hash_seed = 11, .now = NOW };
	struct vx_journal *j;
	struct vx_io *io;
	vx_blk_t data0;

	memset(p.uuid, 0x3c, 16);
	g_img = big_alloc((size_t)NBLOCKS * BS);
	g_work = big_alloc((size_t)NBLOCKS * BS);
	CHECK(vx_io_mem_wrap(g_img, (uint64_t)NBLOCKS * BS, &io) == 0);
	CHECK(vx_fs_plan(&p, (uint64_t)NBLOCKS * BS, &g_sb) == 0);
	CHECK(vx_fs_format(io, &g_sb, 0) == 0);
	data0 = g_sb.journal_start + g_sb.journal_blocks + 50;
	CHECK(vx_journal_open(io, &g_sb, &j) == 0);
	vx_journal_set_time(j, NOW);	/* seeds are the same every time */
	commit(j, data0, 3, 10, true, 0, 0);
	commit(j, data0 + 3, 2, 20, false, data0 + 1, data0 + 100);
	commit(j, data0 + 1, 1, 30, false, 0, 0);
	commit(j, data0 + 5, 8, 40, false, 0, data0 + 102);
	vx_journal_close(j);
	vx_io_close(io);
}

static void reseal(uint8_t *img)
{
	for (uint64_t i = 1; i < g_sb.journal_blocks; i++) {
		uint8_t *b = img + (g_sb.journal_start + i) * BS;

		if (vx_get32(b) == VX_JOURNAL_MAGIC) {
			vx_put32(b + 8, 0);
			vx_put32(b + 8, vx_crc32c(0, b, BS));
		}
	}
}

static void set_jsuper(uint8_t *img, uint64_t tail, uint64_t seq)
{
	uint8_t *b = img + g_sb.journal_start * BS;
	struct vx_jsuper js;

	CHECK(vx_jsuper_decode(b, BS, g_sb.journal_start, g_sb.hdr.uuid,
			       &js) == 0);
	if (tail)
		js.tail = tail % g_sb.journal_blocks;
	if (seq)
		js.first_seq = seq;
	vx_jsuper_encode(b, BS, &js);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t log_bytes = (g_sb.journal_blocks - 1) * BS;
	struct vx_jrecovery info;
	struct vx_journal *j;
	struct vx_io *io;
	int err;

	if (size < HDR)
		return 0;
	memcpy(g_work, g_img, (size_t)NBLOCKS * BS);
	memcpy(g_work + (g_sb.journal_start + 1) * BS, data + HDR,
	       size - HDR < log_bytes ? size - HDR : log_bytes);
	if (data[0] & 1)
		reseal(g_work);
	set_jsuper(g_work, vx_get64(data + 1), vx_get64(data + 9));
	CHECK(vx_io_mem_wrap(g_work, (uint64_t)NBLOCKS * BS, &io) == 0);
	if (vx_journal_open(io, &g_sb, &j) == 0) {
		vx_journal_recover(j, VX_RECOVER_DRY_RUN, &info);
		CHECK(info.txns <= g_sb.journal_blocks);
		err = vx_journal_recover(j, 0, &info);
		if (!err)
			CHECK(!vx_journal_dirty(j));
		vx_journal_close(j);
	}
	vx_io_close(io);
	return 0;
}

static void write_seed(const char *dir, const char *name, int flags)
{
	size_t len = HDR + (size_t)(g_sb.journal_blocks - 1) * BS;
	uint8_t *s = calloc(1, len);
	char path[4096];
	FILE *f;

	CHECK(s);
	s[0] = (uint8_t)flags;
	memcpy(s + HDR, g_img + (g_sb.journal_start + 1) * BS, len - HDR);
	/* trailing zero blocks add nothing: cut them */
	while (len > HDR && !s[len - 1])
		len--;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(s, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
	free(s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("VX_FUZZ_SEEDS");

	build_image();
	if (dir) {
		write_seed(dir, "log", 0);
		write_seed(dir, "log-resealed", 1);
		exit(0);
	}
	return 0;
}
