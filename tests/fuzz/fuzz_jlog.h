/*
 * fuzz_jlog.h: the test transaction the journal targets of tests/fuzz/
 * (fuzz_journal, fuzz_jscan) log at start-up to fill their image's log:
 * logged blocks filled with a pattern (the first one optionally
 * starting with the journal magic, so that the log escapes it), a
 * revoked range, a two-block data run written in place with its crc,
 * and one create op record named "f".
 *
 * Only the building is shared: how the transaction reaches the log
 * (vx_journal_commit, or vx_journal_write and a flush) is the target's.
 * The image and its block size are parameters, not the target's BS and
 * g_img.  Everything is static inline: each target is a binary of its
 * own.
 */
#ifndef VEXFS_FUZZ_JLOG_H
#define VEXFS_FUZZ_JLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "fs_int.h"
#include "fuzz_common.h"

#define FUZZ_JLOG_MAX_BLOCKS	8	/* logged blocks in one transaction */
#define FUZZ_JLOG_MAX_BS	4096u	/* the largest block size it takes */

/* one transaction and everything its struct vx_jtxn points into: keep it
 * where it is (static: the logged blocks are large) while the journal
 * may read it */
struct fuzz_jlog {
	struct vx_jtxn t;
	uint8_t blk[FUZZ_JLOG_MAX_BLOCKS][FUZZ_JLOG_MAX_BS];
	const void *data[FUZZ_JLOG_MAX_BLOCKS];
	vx_blk_t home[FUZZ_JLOG_MAX_BLOCKS];
	vx_blk_t rv[2];
	struct vx_jdata dr;
	uint8_t op[64];
};

/*
 * Build in @x the transaction: @n logged blocks homed at @first on,
 * block i filled with the byte @pat + i (the first starting with
 * VX_JOURNAL_MAGIC when @escape); the one-block range at @revoke
 * revoked (0: none); a data run of the two blocks at @run (0: none),
 * filled with @pat in place in @img, an image of @bs-byte blocks; and a
 * create record named "f" (txn.h gives the layout).
 * Returns &x->t, ready for vx_journal_commit or vx_journal_write.
 */
static inline struct vx_jtxn *fuzz_jlog_init(struct fuzz_jlog *x,
					     uint8_t *img, uint32_t bs,
					     vx_blk_t first, unsigned n,
					     unsigned pat, bool escape,
					     vx_blk_t revoke, vx_blk_t run)
{
	uint8_t le[4];

	CHECK(n <= FUZZ_JLOG_MAX_BLOCKS && bs <= FUZZ_JLOG_MAX_BS);
	memset(x, 0, sizeof(*x));
	x->rv[0] = revoke;
	x->rv[1] = 1;
	x->dr.start = run;
	x->dr.count = 2;
	x->t = (struct vx_jtxn){ .nblocks = n, .home = x->home,
				 .data = x->data,
				 .nrevoke = revoke ? 1 : 0, .revoke = x->rv,
				 .ndata = run ? 1 : 0, .runs = &x->dr,
				 .ops_len = sizeof(x->op), .ops = x->op };

	vx_put16(x->op, VX_OP_CREATE);
	vx_put16(x->op + 2, sizeof(x->op));
	vx_put64(x->op + 8, 12);
	vx_put64(x->op + 16, 1);
	vx_put16(x->op + 48, 1);
	x->op[56] = 'f';
	if (run) {
		uint8_t *b = img + run * bs;

		memset(b, (int)pat, 2 * (size_t)bs);	/* written in place */
		for (unsigned i = 0; i < 2; i++) {
			vx_put32(le, vx_crc32c(0, b + i * bs, bs));
			x->dr.crc = vx_crc32c(x->dr.crc, le, 4);
		}
	}
	for (unsigned i = 0; i < n; i++) {
		memset(x->blk[i], (int)(pat + i), bs);
		if (escape && i == 0)
			vx_put32(x->blk[i], VX_JOURNAL_MAGIC);
		x->home[i] = first + i;
		x->data[i] = x->blk[i];
	}
	return &x->t;
}

#endif /* VEXFS_FUZZ_JLOG_H */
