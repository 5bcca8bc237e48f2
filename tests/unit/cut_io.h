/*
 * cut_io.h: a "cut" io layer that simulates a power cut for the journal
 * tests (test_journal.c, test_journal_scan.c).
 *
 * It sits between the journal and a lower device (the mem io) and
 * counts writes, every 1 KiB piece (the smallest block) of a write as a
 * write of its own, since a crash can tear a write of several blocks
 * anywhere.  It forwards the first keep writes (or all, keep -1) except
 * write drop (none, drop -1) and silently loses the rest, as a power
 * cut loses writes that had not reached the disk.  Flushes are counted
 * and otherwise ignored: nothing is cached.  Everything is static
 * inline: each test file is a binary of its own.  Include it after
 * <cmocka.h> (cut_new asserts).
 */
#ifndef VEXFS_TEST_CUT_IO_H
#define VEXFS_TEST_CUT_IO_H

#include <stdint.h>
#include <stdlib.h>

#include "vexfs/io.h"

#define CUT_PIECE	1024u	/* what counts as one write */

struct cut_io {
	struct vx_io io;
	struct vx_io *lower;
	long writes;		/* writes seen (pieces) */
	long flushes;		/* flushes seen */
	long keep;		/* forward writes 0 .. keep-1 (-1: all) */
	long drop;		/* lose just this write (-1: none) */
};

static inline int cut_read(struct vx_io *io, uint64_t off, void *b,
			   size_t n)
{
	return vx_io_read(((struct cut_io *)io)->lower, off, b, n);
}

static inline int cut_write(struct vx_io *io, uint64_t off, const void *b,
			    size_t n)
{
	struct cut_io *c = (struct cut_io *)io;

	for (size_t done = 0; done < n; done += CUT_PIECE) {
		long w = c->writes++;
		size_t k = n - done < CUT_PIECE ? n - done : CUT_PIECE;
		int err;

		if ((c->keep >= 0 && w >= c->keep) || w == c->drop)
			continue;	/* lost in the crash */
		err = vx_io_write(c->lower, off + done,
				  (const uint8_t *)b + done, k);
		if (err)
			return err;
	}
	return 0;
}

static inline int cut_flush(struct vx_io *io)
{
	((struct cut_io *)io)->flushes++;
	return 0;
}

static inline int cut_size(struct vx_io *io, uint64_t *size)
{
	return vx_io_get_size(((struct cut_io *)io)->lower, size);
}

static inline int cut_close(struct vx_io *io)
{
	free(io);	/* the lower device stays the caller's */
	return 0;
}

static const struct vx_io_ops cut_ops = {
	.name = "cut", .read = cut_read, .write = cut_write,
	.flush = cut_flush, .get_size = cut_size, .close = cut_close,
};

/* a cut layer over @lower that forwards writes 0 .. @keep-1 (-1: all)
 * but write @drop (-1: none); vx_io_close(&c->io) frees it, not @lower */
static inline struct cut_io *cut_new(struct vx_io *lower, long keep,
				     long drop)
{
	struct cut_io *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->io.ops = &cut_ops;
	c->io.sector_size = 512;
	c->lower = lower;
	c->keep = keep;
	c->drop = drop;
	return c;
}

#endif /* VEXFS_TEST_CUT_IO_H */
