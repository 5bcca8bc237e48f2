/*
 * fuzz_check.c: libFuzzer target for the checker (vx_check) on a mutated
 * image, as fsck.vexfs meets a hostile or broken device.
 *
 * The input is the image itself (the seeds are fuzz_image's).  Each input
 * is checked twice:
 *   1. as it is, read-only and forced (VX_CHECK_RDONLY|FORCE, answers no):
 *      the device bytes must come out unchanged;
 *   2. fixed up (fuzz_seed_images.h) so that mutations pass the checksums,
 *      then repaired (every answer yes) on a copy, then checked again
 *      read-only.  With VX_FUZZ_STRICT=1 in the environment the second
 *      check must find nothing (the property fsck promises: a run fixes
 *      everything, the next finds nothing); by default only crashes,
 *      hangs, leaks and sanitizer reports count.
 * One thread, so that runs are reproducible.  VX_FUZZ_VERBOSE=1 prints
 * every finding (to replay a reproducer: bin/fuzz_check FILE).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fs_int.h"
#include "fuzz_common.h"
#include "fuzz_seed_images.h"

#define MAX_IMAGE	(4u << 20)

static int answer_yes(void *ctx, struct vx_finding *f)
{
	(void)ctx;
	if (getenv("VX_FUZZ_VERBOSE"))
		fprintf(stderr, "fix: %s: %s: %s\n", f->pr->name, f->what, f->msg);
	return VX_ANS_YES;
}

static int answer_no(void *ctx, struct vx_finding *f)
{
	(void)ctx;
	if (getenv("VX_FUZZ_VERBOSE"))
		fprintf(stderr, "found: %s: %s: %s\n", f->pr->name, f->what,
			f->msg);
	return VX_ANS_NO;
}

/* run the checker on @img in place; returns vx_check's result */
static int check(uint8_t *img, size_t size, unsigned flags, bool yes,
		 struct vx_check_result *r)
{
	struct vx_check_opts o = { .flags = flags, .threads = 1,
				   .ask = yes ? answer_yes : answer_no };
	struct vx_io *io;
	int err;

	CHECK(vx_io_mem_wrap(img, size, &io) == 0);
	err = vx_check(io, &o, r);
	vx_io_close(io);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vx_check_result r;
	uint8_t *img;
	int err;

	if (size < 1024 || size > MAX_IMAGE)
		return 0;
	img = malloc(size);
	CHECK(img);
	memcpy(img, data, size);
	check(img, size, VX_CHECK_RDONLY | VX_CHECK_FORCE, false, &r);
	CHECK(memcmp(img, data, size) == 0);	/* read-only wrote nothing */
	fix_up(img, size);
	err = check(img, size, VX_CHECK_FORCE, true, &r);
	if (!err && !r.cancelled) {
		err = check(img, size, VX_CHECK_RDONLY | VX_CHECK_FORCE, false,
			    &r);
		if (getenv("VX_FUZZ_STRICT") && !err) {
			if (r.findings)
				fprintf(stderr, "second run: %llu findings\n",
					(unsigned long long)r.findings);
			CHECK(r.findings == 0);
		}
	}
	free(img);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("VX_FUZZ_SEEDS");

	(void)argc;
	(void)argv;
	if (dir) {
		seeds(dir);
		exit(0);
	}
	return 0;
}
