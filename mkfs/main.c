/*
 * main.c: mkfs.vexfs, make a VexFS filesystem on an image file or a
 * block device, optionally populated from a host directory.
 *
 * Design: one pass, each step a function returning an exit code:
 *   parse options -> look at DEVICE (stat, size; a missing image is
 *   created only when SIZE is given) -> probe and refuse (existing
 *   signatures without -F; mounted or busy, always) -> vx_fs_plan ->
 *   (-n: report and stop) -> open (takes the writer lock) -> extend the
 *   image -> wipe old signatures -> vx_fs_format -> open the new
 *   filesystem, set the root owner, populate (-d) -> clear INCOMPLETE ->
 *   close -> report.
 * When the filesystem has to be opened after formatting, it is formatted
 * with VX_FORMAT_INCOMPLETE and the bit is cleared only when everything
 * succeeded, so an interrupted or failed run leaves an image that every
 * VexFS tool recognises as unfinished.  Exit codes: 0 done, 1 operational
 * failure, 2 usage, 4 refused for safety (see mkfs.h and the man page).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <popt.h>

#include "mkfs.h"

struct state {
	struct stat st;			/* DEVICE, when it exists */
	bool exists;
	int dirfd;			/* -d DIR, or -1 */
	struct probe_result probe;
	bool probed;
	struct vx_super sb;
	struct populate_stats pop;
};

static int open_source(const struct mkfs_opts *o, struct state *s)
{
	s->dirfd = -1;
	if (!o->populate_dir)
		return 0;
	s->dirfd = open(o->populate_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
			O_NOATIME);
	if (s->dirfd < 0 && errno == EPERM)
		s->dirfd = open(o->populate_dir, O_RDONLY | O_DIRECTORY |
				O_CLOEXEC);
	if (s->dirfd < 0) {
		fprintf(stderr, PROG ": cannot read '%s' (-d): %s\n",
			o->populate_dir, strerror(errno));
		return EXIT_USAGE;
	}
	return 0;
}

static int device_bytes(const char *path, uint64_t *bytes, unsigned *sector)
{
	struct vx_io *io;
	int err;

	err = vx_io_unix_open(path, VX_IO_OPEN_RDONLY | VX_IO_OPEN_NOLOCK, &io);
	if (err)
		return err;
	*sector = io->sector_size;
	err = vx_io_get_size(io, bytes);
	vx_io_close(io);
	return err;
}

/* SIZE in bytes (a bare number counts blocks) */
static int parse_size_arg(struct mkfs_opts *o)
{
	uint64_t bsize = 1ull << (o->set_block ? o->params.block_log :
				  VX_DEFAULT_BLOCK_LOG);
	int err;

	if (!o->size_arg)
		return 0;
	err = parse_size(o->size_arg, bsize, &o->size_bytes);
	if (err == -ERANGE || (!err && o->size_bytes > INT64_MAX)) {
		fprintf(stderr, PROG ": SIZE '%s' is too large\n", o->size_arg);
		return EXIT_USAGE;
	}
	if (err) {
		fprintf(stderr, PROG ": invalid SIZE '%s': give a number of "
			"blocks or a size with a K, M, G or T suffix\n",
			o->size_arg);
		return EXIT_USAGE;
	}
	if (!o->size_bytes) {
		fprintf(stderr, PROG ": SIZE must be positive\n");
		return EXIT_USAGE;
	}
	return 0;
}

/* blocks must not be smaller than the device's logical sectors: refuse
 * an explicit -b that is, raise the default to the sector size */
static int fit_sector(struct mkfs_opts *o, unsigned sector)
{
	uint32_t blog = o->set_block ? o->params.block_log : VX_DEFAULT_BLOCK_LOG;

	if ((1u << blog) >= sector)
		return 0;
	if (o->set_block) {
		fprintf(stderr, PROG ": %s: block size %u is smaller than the "
			"device's logical sector size %u; use -b %u or larger\n",
			o->device, 1u << blog, sector, sector);
		return EXIT_USAGE;
	}
	while ((1u << blog) < sector && blog < VX_MAX_BLOCK_LOG)
		blog++;
	o->params.block_log = blog;
	return 0;
}

static int examine_device(struct mkfs_opts *o, struct state *s)
{
	uint64_t have = 0;
	unsigned sector = 512;
	int err, ret;

	ret = parse_size_arg(o);
	if (ret)
		return ret;
	if (stat(o->device, &s->st)) {
		if (errno == ENOENT && o->size_arg) {
			o->dev_bytes = o->size_bytes;
			return 0;
		}
		if (errno == ENOENT)
			fprintf(stderr, PROG ": %s does not exist; give a SIZE "
				"to create an image file (" PROG " %s SIZE)\n",
				o->device, o->device);
		else
			fprintf(stderr, PROG ": cannot access %s: %s\n",
				o->device, strerror(errno));
		return EXIT_OPER;
	}
	s->exists = true;
	if (!S_ISREG(s->st.st_mode) && !S_ISBLK(s->st.st_mode)) {
		fprintf(stderr, PROG ": %s is not a regular file or a block "
			"device\n", o->device);
		return EXIT_OPER;
	}
	err = device_bytes(o->device, &have, &sector);
	if (err) {
		fprintf(stderr, PROG ": cannot get the size of %s: %s\n",
			o->device, vx_strerror(err));
		return EXIT_OPER;
	}
	ret = fit_sector(o, sector);
	if (ret)
		return ret;
	if (S_ISBLK(s->st.st_mode) && o->size_bytes > have) {
		fprintf(stderr, PROG ": %s: SIZE '%s' (%llu bytes) is larger "
			"than the device (%llu bytes)\n", o->device, o->size_arg,
			(unsigned long long)o->size_bytes,
			(unsigned long long)have);
		return EXIT_OPER;
	}
	o->dev_bytes = have > o->size_bytes ? have : o->size_bytes;
	return 0;
}

static int refuse_busy(const struct mkfs_opts *o, const struct probe_result *p)
{
	if (p->mounted && p->busy_by[0] == '/')
		fprintf(stderr, PROG ": %s is attached to %s, which is mounted "
			"on %s; it will not be formatted\n", o->device,
			p->busy_by, p->mountpoint);
	else if (p->mounted)
		fprintf(stderr, PROG ": %s is mounted on %s; it will not be "
			"formatted\n", o->device, p->mountpoint);
	else if (p->busy_loop)
		fprintf(stderr, PROG ": %s is attached to %s; detach it "
			"(losetup -d %s) or use -F twice\n", o->device,
			p->busy_by, p->busy_by);
	else if (!strcmp(p->busy_by, "swap"))
		fprintf(stderr, PROG ": %s is in use as swap; it will not be "
			"formatted\n", o->device);
	else
		fprintf(stderr, PROG ": %s is in use by %s; it will not be "
			"formatted\n", o->device, p->busy_by);
	return EXIT_REFUSED;
}

static int check_safety(const struct mkfs_opts *o, struct state *s)
{
	const struct probe_result *p = &s->probe;
	char desc[200];
	int err, i;

	if (!s->exists)
		return 0;
	err = probe_device(o->device, &s->st, &s->probe);
	if (err) {
		fprintf(stderr, PROG ": cannot probe %s: %s\n", o->device,
			strerror(-err));
		return EXIT_OPER;
	}
	s->probed = true;
	if (o->dry_run)
		return 0;
	if (p->mounted || (p->busy && !(p->busy_loop && o->force >= 2)))
		return refuse_busy(o, p);
	if (!p->nsigs || o->force)
		return 0;
	fprintf(stderr, PROG ": %s contains ", o->device);
	for (i = 0; i < p->nsigs; i++) {
		probe_describe(&p->sigs[i], desc, sizeof(desc));
		fprintf(stderr, "%s%s", i ? (i + 1 < p->nsigs ? ", " : " and ")
			: "", desc);
	}
	fprintf(stderr, "; use -F to overwrite %s\n", p->nsigs > 1 ? "them" : "it");
	return EXIT_REFUSED;
}

static int open_device(const struct mkfs_opts *o, struct state *s,
		       struct vx_io **io)
{
	int err = vx_io_unix_open(o->device,
				  s->exists ? 0 : VX_IO_OPEN_CREATE, io);

	if (err == VX_ELOCKED) {
		fprintf(stderr, PROG ": %s is in use by another VexFS tool\n",
			o->device);
		return EXIT_REFUSED;
	}
	if (err == -EBUSY) {
		fprintf(stderr, PROG ": %s is in use (mounted or held by "
			"another program)\n", o->device);
		return EXIT_REFUSED;
	}
	if (err) {
		fprintf(stderr, PROG ": cannot open %s: %s\n", o->device,
			vx_strerror(err));
		return EXIT_OPER;
	}
	if (!s->exists && stat(o->device, &s->st)) {
		fprintf(stderr, PROG ": cannot access %s: %s\n", o->device,
			strerror(errno));
		vx_io_close(*io);
		return EXIT_OPER;
	}
	return 0;
}

/* grow a regular-file image to the filesystem size, wipe the old data */
static int prepare_device(const struct mkfs_opts *o, struct state *s,
			  struct vx_io *io)
{
	uint64_t need = s->sb.block_count << s->sb.block_log, have = 0;
	int err;

	if (!(io->flags & VX_IO_BLKDEV)) {
		err = vx_io_get_size(io, &have);
		if (!err && have < need)
			err = vx_io_set_size(io, need);
		if (err) {
			fprintf(stderr, PROG ": cannot extend %s to %llu bytes: "
				"%s\n", o->device, (unsigned long long)need,
				vx_strerror(err));
			return EXIT_OPER;
		}
	}
	if (!s->exists)
		return 0;
	err = wipe_signatures(o->device, o->verbose, o->json);
	if (err) {
		fprintf(stderr, PROG ": cannot wipe the old signatures on %s: "
			"%s\n", o->device, strerror(-err));
		return EXIT_OPER;
	}
	return 0;
}

static int set_root_owner(struct vx_fs *fs, const struct mkfs_opts *o)
{
	vx_ino_t root = vx_fs_super(fs)->root_ino;
	struct vx_attr a;
	int err = vx_stat(fs, NULL, root, &a);

	if (err || (a.uid == o->root_uid && a.gid == o->root_gid))
		return err;
	a.uid = o->root_uid;
	a.gid = o->root_gid;
	a.ctime.tv_sec = o->now;
	a.ctime.tv_nsec = 0;
	return vx_setattr(fs, NULL, root, &a, VX_SET_UID | VX_SET_GID | VX_SET_CTIME);
}

/* open the new filesystem, fill it, mark it complete */
static int finish_fs(const struct mkfs_opts *o, struct state *s,
		     struct vx_io *io)
{
	struct vx_open_opts oo = { .flags = VX_OPEN_INCOMPLETE,
				   .fixed_time = o->now_fixed ? o->now : 0 };
	struct vx_fs *fs;
	int err;

	err = vx_fs_open(io, &oo, &fs);
	if (err) {
		vx_io_close(io);
		fprintf(stderr, PROG ": %s: cannot open the new filesystem: "
			"%s\n", o->device, vx_strerror(err));
		return EXIT_OPER;
	}
	if (o->populate_dir) {
		if (o->verbose)
			note(o, "Copying %s\n", o->populate_dir);
		err = populate_tree(fs, s->dirfd, o->populate_dir, o, &s->st,
				    &s->pop);
	} else {
		err = set_root_owner(fs, o);
		if (err)
			fprintf(stderr, PROG ": %s: cannot set the owner of the "
				"root directory: %s\n", o->device,
				vx_strerror(err));
	}
	if (!err)
		err = vx_fs_set_state(fs, VX_STATE_INCOMPLETE, 0);
	if (err) {
		vx_fs_close(fs);
		fprintf(stderr, PROG ": %s: population failed; the image is "
			"marked incomplete\n", o->device);
		return EXIT_OPER;
	}
	s->sb = *vx_fs_super(fs);	/* the counts after population */
	err = vx_fs_close(fs);
	if (err) {
		fprintf(stderr, PROG ": %s: cannot finish the filesystem: %s\n",
			o->device, vx_strerror(err));
		return EXIT_OPER;
	}
	return 0;
}

static int write_fs(const struct mkfs_opts *o, struct state *s)
{
	bool reopen = o->populate_dir || o->root_uid || o->root_gid;
	struct vx_io *io;
	int err, ret;

	ret = open_device(o, s, &io);
	if (ret)
		return ret;
	ret = prepare_device(o, s, io);
	if (ret) {
		vx_io_close(io);
		return ret;
	}
	if (o->verbose)
		note(o, "Writing the filesystem on %s\n", o->device);
	err = vx_fs_format(io, &s->sb, reopen ? VX_FORMAT_INCOMPLETE : 0);
	if (err) {
		vx_io_close(io);
		fprintf(stderr, PROG ": %s: cannot write the filesystem: %s\n",
			o->device, vx_strerror(err));
		return EXIT_OPER;
	}
	if (reopen)
		return finish_fs(o, s, io);
	err = vx_io_close(io);
	if (err) {
		fprintf(stderr, PROG ": %s: %s\n", o->device, vx_strerror(err));
		return EXIT_OPER;
	}
	return 0;
}

static int run(struct mkfs_opts *o)
{
	struct state s;
	struct report r;
	int ret;

	memset(&s, 0, sizeof(s));
	ret = open_source(o, &s);
	if (!ret)
		ret = examine_device(o, &s);
	if (!ret)
		ret = check_safety(o, &s);
	if (!ret)
		ret = plan_layout(o, &s.sb);
	if (!ret && !o->dry_run)
		ret = write_fs(o, &s);
	if (s.dirfd >= 0)
		close(s.dirfd);
	if (ret)
		return ret;
	r = (struct report){ .o = o, .sb = &s.sb, .written = !o->dry_run,
			     .probe = s.probed ? &s.probe : NULL,
			     .pop = o->populate_dir && !o->dry_run ? &s.pop : NULL };
	if (o->json && report_json(&r)) {
		fprintf(stderr, PROG ": cannot build the JSON report: %s\n",
			strerror(ENOMEM));
		return EXIT_OPER;
	}
	if (!o->json)
		report_human(&r);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, PROG ": cannot write to stdout: %s\n",
			strerror(errno));
		return EXIT_OPER;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct mkfs_opts o;
	void *ctx = NULL;
	int ret;

	ret = parse_options(argc, (const char **)argv, &o, &ctx);
	if (ret < 0)
		ret = run(&o);
	opts_release(&o);
	if (ctx)
		poptFreeContext(ctx);
	return ret;
}
