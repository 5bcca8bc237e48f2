/*
 * plan.c: the layout of the new filesystem, and what to say when there
 * is none.
 *
 * Design: vx_fs_plan() is pure computation (no I/O), so when it fails
 * mkfs can afford to ask it again to find the culprit: each option the
 * user gave (-J, -N, -i, -g, -b) is dropped in turn, and the first whose
 * absence makes the plan succeed is named in the message.  When no
 * single option is to blame and the device is too small, a search over
 * block counts finds the minimum size to suggest.  Messages name the
 * option and its value, or the device and SIZE.
 */
#include <errno.h>
#include <stdio.h>

#include "mkfs.h"

struct blame_opt {
	unsigned bit;
	const char *flag;
	const char *what;
};

static const struct blame_opt blame_opts[] = {
	{ PLAN_IGNORE_J, "-J", "journal size" },
	{ PLAN_IGNORE_N, "-N", "inode count" },
	{ PLAN_IGNORE_I, "-i", "bytes per inode" },
	{ PLAN_IGNORE_G, "-g", "blocks per group" },
	{ PLAN_IGNORE_B, "-b", "block size" },
};
#define NBLAME (sizeof(blame_opts) / sizeof(blame_opts[0]))

static uint64_t block_size_of(const struct vx_mkfs_params *p)
{
	return 1ull << (p->block_log ? p->block_log : VX_DEFAULT_BLOCK_LOG);
}

void build_params(const struct mkfs_opts *o, unsigned ignore,
		  struct vx_mkfs_params *p)
{
	uint64_t bsize;

	*p = o->params;
	if (ignore & PLAN_IGNORE_B)
		p->block_log = 0;
	bsize = block_size_of(p);
	p->block_count = o->size_bytes / bsize;
	if (o->size_bytes && !p->block_count)
		p->block_count = 1;	/* too small, not "whole device" */
	if (ignore & PLAN_IGNORE_G)
		p->group_blocks = 0;
	if (ignore & PLAN_IGNORE_N)
		p->inode_count = 0;
	if (ignore & PLAN_IGNORE_I)
		p->bytes_per_inode = 0;
	p->journal_blocks = 0;
	if (o->set_journal && !(ignore & PLAN_IGNORE_J))
		p->journal_blocks = (o->journal_mib << 20) / bsize;
	p->now = o->now;
}

static bool opt_given(const struct mkfs_opts *o, unsigned bit)
{
	switch (bit) {
	case PLAN_IGNORE_J: return o->set_journal;
	case PLAN_IGNORE_N: return o->set_inodes;
	case PLAN_IGNORE_I: return o->set_ratio;
	case PLAN_IGNORE_G: return o->set_groups;
	default: return o->set_block;
	}
}

static const char *opt_arg(const struct mkfs_opts *o, unsigned bit)
{
	switch (bit) {
	case PLAN_IGNORE_J: return o->arg_journal;
	case PLAN_IGNORE_N: return o->arg_inodes;
	case PLAN_IGNORE_I: return o->arg_ratio;
	case PLAN_IGNORE_G: return o->arg_groups;
	default: return o->arg_block;
	}
}

/* the option whose absence lets the plan succeed, or NULL */
static const struct blame_opt *blame(const struct mkfs_opts *o)
{
	struct vx_mkfs_params p;
	struct vx_super sb;
	size_t i;

	for (i = 0; i < NBLAME; i++) {
		if (!opt_given(o, blame_opts[i].bit))
			continue;
		build_params(o, blame_opts[i].bit, &p);
		if (!vx_fs_plan(&p, o->dev_bytes, &sb))
			return &blame_opts[i];
	}
	return NULL;
}

static const char *size_text(const struct mkfs_opts *o, char *buf,
			     size_t len)
{
	char h[32];

	if (o->size_arg)
		return o->size_arg;
	snprintf(buf, len, "the device size (%s)",
		 human_bytes(o->dev_bytes, h, sizeof(h)));
	return buf;
}

/* plans with -J (MiB) or -N set to @v instead of the given value? */
static bool fits_with(const struct mkfs_opts *o, unsigned bit, uint64_t v)
{
	struct mkfs_opts t = *o;
	struct vx_mkfs_params p;
	struct vx_super sb;

	if (bit == PLAN_IGNORE_J)
		t.journal_mib = v;
	else
		t.params.inode_count = v;
	build_params(&t, 0, &p);
	return !vx_fs_plan(&p, o->dev_bytes, &sb);
}

/* the largest -J size (MiB) or -N count that fits, 0 if none */
static uint64_t max_fitting(const struct mkfs_opts *o, unsigned bit)
{
	uint64_t lo = 0, hi = bit == PLAN_IGNORE_J ? o->journal_mib :
			      o->params.inode_count, mid;

	/* invariant: lo fits (or is 0), hi does not */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (fits_with(o, bit, mid))
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static int blamed(const struct mkfs_opts *o, const struct blame_opt *b,
		  int err)
{
	const char *arg = opt_arg(o, b->bit);
	bool sized = b->bit == PLAN_IGNORE_J || b->bit == PLAN_IGNORE_N;
	char sz[64];
	uint64_t max;

	if (sized && (err == VX_ENOSPC || err == VX_ETOOBIG)) {
		max = max_fitting(o, b->bit);
		fprintf(stderr, PROG ": %s: the %s '%s' (%s) does not fit in %s",
			o->device, b->what, arg, b->flag,
			size_text(o, sz, sizeof(sz)));
		if (max)
			fprintf(stderr, " (at most %s%llu%s)",
				b->bit == PLAN_IGNORE_J ? "size=" : "",
				(unsigned long long)max,
				b->bit == PLAN_IGNORE_J ? " MiB" : " inodes");
		fputc('\n', stderr);
	} else if (err == VX_ENOSPC) {
		fprintf(stderr, PROG ": %s: the %s '%s' (%s) does not fit in %s\n",
			o->device, b->what, arg, b->flag,
			size_text(o, sz, sizeof(sz)));
	} else if (err == VX_ETOOBIG) {
		fprintf(stderr, PROG ": %s '%s' (%s) is beyond a format limit "
			"for %s\n", b->what, arg, b->flag,
			size_text(o, sz, sizeof(sz)));
	} else if (b->bit == PLAN_IGNORE_J) {
		fprintf(stderr, PROG ": invalid journal size '%s' (-J): the "
			"journal must be %u to %u blocks\n", arg,
			VX_MIN_JOURNAL_BLOCKS, VX_MAX_JOURNAL_BLOCKS);
	} else {
		fprintf(stderr, PROG ": invalid %s '%s' (%s): %s\n", b->what,
			arg, b->flag, b->bit == PLAN_IGNORE_G ?
			"it must be a multiple of 8, at least 256" :
			b->bit == PLAN_IGNORE_I ?
			"it must be from 1024 to 67108864" : vx_strerror(err));
	}
	return EXIT_USAGE;
}

/* smallest block count that plans, 0 if none was found */
static uint64_t min_blocks(const struct mkfs_opts *o)
{
	struct vx_mkfs_params p;
	struct vx_super sb;
	uint64_t lo = 0, hi, mid, bsize;

	build_params(o, 0, &p);
	bsize = block_size_of(&p);
	for (hi = 64;; hi *= 2) {
		p.block_count = hi;
		if (!vx_fs_plan(&p, hi * bsize, &sb))
			break;
		if (hi >= (1ull << 40) / bsize)
			return 0;
		lo = hi;
	}
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		p.block_count = mid;
		if (vx_fs_plan(&p, mid * bsize, &sb))
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

static int too_small(const struct mkfs_opts *o)
{
	struct vx_mkfs_params p;
	uint64_t min, bsize;
	char sz[64], h[32];
	int code = o->size_arg ? EXIT_USAGE : EXIT_OPER;

	build_params(o, 0, &p);
	bsize = block_size_of(&p);
	min = min_blocks(o);
	if (!min) {
		fprintf(stderr, PROG ": %s: %s is too small for a VexFS "
			"filesystem with these options\n", o->device,
			size_text(o, sz, sizeof(sz)));
		return code;
	}
	fprintf(stderr, PROG ": %s: %s is too small for a VexFS filesystem "
		"(minimum %llu blocks of %llu bytes, %s)\n", o->device,
		size_text(o, sz, sizeof(sz)), (unsigned long long)min,
		(unsigned long long)bsize,
		human_bytes(min * bsize, h, sizeof(h)));
	return code;
}

int plan_layout(const struct mkfs_opts *o, struct vx_super *sb)
{
	struct vx_mkfs_params p;
	const struct blame_opt *b;
	char sz[64];
	int err;

	build_params(o, 0, &p);
	err = vx_fs_plan(&p, o->dev_bytes, sb);
	if (!err)
		return 0;
	if (err != -EINVAL && err != VX_ETOOBIG && err != VX_ENOSPC) {
		fprintf(stderr, PROG ": %s: cannot lay out the filesystem: %s\n",
			o->device, vx_strerror(err));
		return EXIT_OPER;
	}
	b = blame(o);
	if (b)
		return blamed(o, b, err);
	if (err == VX_ENOSPC)
		return too_small(o);
	if (err == VX_ETOOBIG) {
		fprintf(stderr, PROG ": %s: %s is too large for a VexFS "
			"filesystem with %llu-byte blocks; use a larger block "
			"size (-b)\n", o->device, size_text(o, sz, sizeof(sz)),
			(unsigned long long)block_size_of(&p));
		return o->size_arg ? EXIT_USAGE : EXIT_OPER;
	}
	fprintf(stderr, PROG ": %s: these options do not make a valid "
		"filesystem: %s\n", o->device, vx_strerror(err));
	return EXIT_USAGE;
}
