/*
 * fsck.h: fsck.vexfs, shared between its files.
 *
 * main.c parses the command line and runs the check; report.c turns the
 * checker's callbacks into text, questions, progress and JSON.
 */
#ifndef FSCK_VEXFS_H
#define FSCK_VEXFS_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>
#include <vexfs/vexfs.h>

/* exit codes: the fsck(8) bitmask */
#define FSCK_OK		0
#define FSCK_FIXED	1
#define FSCK_REBOOT	2
#define FSCK_LEFT	4
#define FSCK_ERROR	8
#define FSCK_USAGE	16
#define FSCK_CANCEL	32
#define FSCK_LIBRARY	128

enum fsck_mode { MODE_ASK = 0, MODE_PREEN, MODE_NO, MODE_YES };

struct fsck_opts {
	enum fsck_mode mode;
	bool force, verbose, json;
	int progress_fd;		/* -C: -1 none */
	vx_blk_t sb_block;		/* -b: 0 none */
	bool have_sb_block;
	const char *device;
};

struct fsck_report {
	const struct fsck_opts *o;
	FILE *out;			/* text: stdout */
	bool yes_all;			/* 'a' answered interactively */
	bool asked;			/* the finding now done was put to the
					 * terminal (its line is printed) */
	int last_pass;
	int progress_pct;		/* last progress written */
	json_object *findings;		/* --json */
	bool tty_bar;			/* -C 0 on a terminal */
	const struct vx_check_result *res;	/* the run's, for pass 0 */
};

/* options.c */
int fsck_parse(int argc, const char **argv, struct fsck_opts *o);

/* report.c */
void report_init(struct fsck_report *r, const struct fsck_opts *o);
void report_hook(struct fsck_report *r, struct vx_check_opts *co);
void report_end(struct fsck_report *r, const struct vx_check_result *res,
		int status, int err);
void report_free(struct fsck_report *r);

#endif /* FSCK_VEXFS_H */
