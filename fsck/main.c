/*
 * main.c: fsck.vexfs, check and repair a VexFS image or device.
 *
 * Opens the device (read-only for -n, else read-write with the writer
 * lock every tool takes), runs the library's checker (vx_check, which
 * recovers the journal first) with report.c's callbacks, and turns the
 * result into the fsck(8) exit bitmask:
 *   0 no problem; 1 problems corrected (a replayed journal counts);
 *   4 problems left uncorrected (always with -n when something was
 *   found, and when preen met one it may not fix); 8 operational error
 *   (cannot open, not VexFS, I/O error); 16 usage error; 32 cancelled
 *   (interrupt or 'q'); 128 the library failed in a way the checker could
 *   not handle.  2 (reboot) is never returned: no VexFS is mounted by a
 *   kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsck.h"

static volatile int interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* a block device set read-only (blockdev --setro, losetup -r) opens
 * read-write but refuses every write: ask it first */
static int device_readonly(const char *path)
{
	struct stat st;
	int fd, ro = 0;

	if (stat(path, &st) || !S_ISBLK(st.st_mode))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (ioctl(fd, BLKROGET, &ro))
		ro = 0;
	close(fd);
	return ro;
}

static int open_device(const struct fsck_opts *o, struct vx_io **io)
{
	unsigned flags = o->mode == MODE_NO ? VX_IO_OPEN_RDONLY : 0;
	int err = o->mode != MODE_NO && device_readonly(o->device) ? -EROFS :
		  vx_io_unix_open(o->device, flags, io);

	if (!err)
		return 0;
	if (err == -EROFS || err == -EACCES || err == -EPERM)
		fprintf(stderr, "fsck.vexfs: cannot open %s for writing: %s; "
			"use -n to check it without changes\n", o->device,
			vx_strerror(err));
	else if (err == VX_ELOCKED)
		fprintf(stderr, "fsck.vexfs: %s is in use by another program "
			"(it holds the writer lock); try again when it is done, "
			"or check it read-only with -n\n", o->device);
	else
		fprintf(stderr, "fsck.vexfs: cannot open %s: %s\n", o->device,
			vx_strerror(err));
	return FSCK_ERROR;
}

/* a message for an error that stopped the check; the exit code */
static int failed(const struct fsck_opts *o, const struct vx_check_result *r,
		  int err)
{
	const char *dev = o->device;

	switch (err) {
	case VX_EBADMAGIC:
		if (o->have_sb_block) {
			fprintf(stderr, "fsck.vexfs: %s: block %llu holds no "
				"VexFS superblock (%s)\n", dev,
				(unsigned long long)o->sb_block,
				vx_strerror(r->sb_error ? r->sb_error : err));
			return FSCK_ERROR;
		}
		if (r->sb_error && r->sb_error != VX_EBADMAGIC) {
			fprintf(stderr, "fsck.vexfs: %s: the primary superblock "
				"is damaged (%s) and no backup superblock is "
				"good; -b BLOCK names a backup by hand\n", dev,
				vx_strerror(r->sb_error));
			return FSCK_ERROR;
		}
		fprintf(stderr, "fsck.vexfs: %s: no VexFS superblock found, "
			"neither the primary nor a backup; is it a VexFS "
			"image? (-b BLOCK names a backup by hand)\n", dev);
		return FSCK_ERROR;
	case VX_EINCOMPLETE:
		fprintf(stderr, "fsck.vexfs: %s: mkfs.vexfs did not finish "
			"this image; make it again\n", dev);
		return FSCK_ERROR;
	case VX_EUNSUPPORTED:
	case VX_EBADVERSION:
		fprintf(stderr, "fsck.vexfs: %s: %s; this fsck.vexfs (%s) "
			"cannot check it\n", dev, vx_strerror(err),
			VEXFS_VERSION);
		return FSCK_ERROR;
	case VX_ETOOBIG:
		fprintf(stderr, "fsck.vexfs: %s: the superblock says the "
			"filesystem has %llu blocks, but the device holds only "
			"%llu; either the superblock or the device (a truncated "
			"image, a partition too small) is wrong: nothing was "
			"checked or written\n", dev,
			(unsigned long long)r->blocks_total,
			(unsigned long long)r->dev_blocks);
		return FSCK_ERROR;
	case -ENOMEM:
		fprintf(stderr, "fsck.vexfs: %s: out of memory\n", dev);
		return FSCK_ERROR;
	}
	if (err > VX_ERR_BASE) {	/* an errno: the device failed */
		fprintf(stderr, "fsck.vexfs: %s: %s; the check stopped\n", dev,
			vx_strerror(err));
		return FSCK_ERROR;
	}
	fprintf(stderr, "fsck.vexfs: %s: the check stopped: %s (%s)\n", dev,
		vx_strerror(err), vx_errname(err));
	return FSCK_LIBRARY;
}

static int status_of(const struct fsck_opts *o, const struct vx_check_result *r)
{
	int st = 0;

	if (r->modified)
		st |= FSCK_FIXED;
	if (r->left || r->halted || (r->journal_dirty && !r->journal_replayed))
		st |= FSCK_LEFT;
	if (r->cancelled)
		st |= FSCK_CANCEL;
	(void)o;
	return st;
}

int main(int argc, char **argv)
{
	struct fsck_opts o;
	struct fsck_report rep;
	struct vx_check_opts co = { 0 };
	struct vx_check_result res;
	struct vx_io *io;
	int ret = fsck_parse(argc, (const char **)argv, &o), err, st;

	if (ret)
		return ret < 0 ? -ret : FSCK_OK;
	/* one malloc arena: the checker's threads allocate little, and a
	 * second arena would cost more memory than it saves time */
	mallopt(M_ARENA_MAX, 1);
	if (o.mode == MODE_ASK && !o.json && !isatty(0)) {
		fprintf(stderr, "fsck.vexfs: need a terminal for interactive "
			"repairs; use -p, -n or -y\n");
		free((void *)o.device);
		return FSCK_ERROR;
	}
	if (o.mode == MODE_ASK && o.json)
		o.mode = MODE_NO;	/* JSON is for scripts: never ask */
	if ((ret = open_device(&o, &io))) {
		if (o.json)
			printf("{ \"device\": \"%s\", \"error\": \"cannot "
			       "open\", \"exit_code\": %d }\n", o.device, ret);
		free((void *)o.device);
		return ret;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	report_init(&rep, &o);
	report_hook(&rep, &co);
	co.cancel = &interrupted;
	co.flags = (o.mode == MODE_NO ? VX_CHECK_RDONLY : 0) |
		   (o.force ? VX_CHECK_FORCE : 0) |
		   (o.have_sb_block ? VX_CHECK_BACKUP_SB : 0);
	co.sb_block = o.sb_block;
	rep.res = &res;
	err = vx_check(io, &co, &res);
	st = err ? failed(&o, &res, err) : status_of(&o, &res);
	report_end(&rep, &res, st, err);
	report_free(&rep);
	if ((ret = vx_io_close(io)) && !err) {
		fprintf(stderr, "fsck.vexfs: %s: closing: %s\n", o.device,
			vx_strerror(ret));
		st |= FSCK_ERROR;
	}
	free((void *)o.device);
	return st;
}
