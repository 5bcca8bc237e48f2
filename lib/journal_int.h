/*
 * journal_int.h: the journal handle and the helpers journal.c (writing)
 * and journal_recover.c (scan, revoke, replay) share.
 */
#ifndef VEXFS_JOURNAL_INT_H
#define VEXFS_JOURNAL_INT_H

#include <stdbool.h>
#include "fs_int.h"

struct vx_journal {
	struct vx_io *io;
	uint32_t bsize;
	vx_blk_t start;			/* region's first block (jsuper) */
	uint64_t len;			/* region blocks, jsuper included */
	uint64_t fs_blocks;
	uint8_t uuid[16];
	struct vx_jsuper js;
	uint64_t head;			/* where the next transaction goes */
	bool head_known;		/* false until a scan found the head */
	uint64_t next_seq;
	uint64_t batch_first;		/* first seq written since a flush */
	bool unflushed;			/* written, not yet flushed (J8) */
	uint8_t *buf, *buf2;		/* one block of scratch each */
	uint64_t cycle;			/* log cycles: +1 each time it empties */
	int64_t fixed_time;		/* commit time to record (0: now) */
	uint8_t *stage;			/* a transaction's blocks, to write */
	uint64_t nstage, cstage;
	/* the live log as written in this session: home block + 1 -> log
	 * position of its newest image (bit 62: escaped); a revoke removes
	 * entries.  Valid while everything in the log was written here */
	struct kmap idx;
	bool idx_valid;
};

static inline uint64_t jl_cap(const struct vx_journal *j)
{
	return j->len - 1;
}

static inline uint64_t jl_next(const struct vx_journal *j, uint64_t pos)
{
	return pos + 1 >= j->len ? 1 : pos + 1;
}

int jl_read(struct vx_journal *j, uint64_t pos, void *buf);
int jl_write(struct vx_journal *j, uint64_t pos, const void *buf);
int jl_hdr_check(struct vx_journal *j, const uint8_t *b, uint64_t pos,
		 uint64_t seq);
int jl_write_jsuper(struct vx_journal *j, uint64_t tail, uint64_t seq);
/* the log is empty from here on (recovery or checkpoint done) */
void jl_emptied(struct vx_journal *j, uint64_t next_seq);
bool jl_home_ok(const struct vx_journal *j, vx_blk_t home);
/* crc32c of the per-block crc32c values of @count blocks at @start */
int jl_data_crc(struct vx_journal *j, vx_blk_t start, uint32_t count,
		uint32_t *crc);

#endif /* VEXFS_JOURNAL_INT_H */
