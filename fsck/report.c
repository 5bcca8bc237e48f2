/*
 * report.c: what fsck.vexfs prints.
 *
 * Text: "Pass N: TITLE" before each pass (not when preening), one line
 * per finding, "OBJECT: MESSAGE.  QUESTION? ANSWER", and a summary line
 * "DEVICE: USED/TOTAL inodes, USED/TOTAL blocks".  Preening prefixes
 * every line with the device and prints what was done ("FIXED.") instead
 * of the question; a problem preen may not fix prints the e2fsck-style
 * "UNEXPECTED INCONSISTENCY" notice and stops the run.  Interactive runs
 * ask on the terminal: y(es), n(o), a (yes to all), Enter for the
 * problem's default, q or end of input to cancel.
 * --json collects every finding and prints one document at the end
 * instead of the text.  Progress (-C FD) is "PASS DONE TOTAL DEVICE"
 * lines as e2fsck writes them, or a bar on the terminal with -C 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsck.h"

static const char *answer_word(int yes)
{
	return yes ? "yes" : "no";
}

static int ask_tty(struct fsck_report *r, const struct vx_finding *f)
{
	char line[64];
	int def = f->pr->def;

	for (;;) {
		fprintf(r->out, "%s: %s.  %s <%s>? ", f->what, f->msg,
			f->pr->question, def == VX_ANS_YES ? "y" : "n");
		fflush(r->out);
		if (!fgets(line, sizeof(line), stdin)) {
			fputc('\n', r->out);
			return VX_ANS_CANCEL;
		}
		switch (line[0]) {
		case '\n': return def;
		case 'y': case 'Y': return VX_ANS_YES;
		case 'n': case 'N': return VX_ANS_NO;
		case 'a': case 'A':
			/* the finding's line ends here; later ones print
			 * their answer themselves (on_done) */
			fprintf(r->out, "yes to all\n");
			r->yes_all = true;
			return VX_ANS_YES;
		case 'q': case 'Q': return VX_ANS_CANCEL;
		}
		fprintf(r->out, "Answer y (yes), n (no), a (yes to all), "
			"q (quit).\n");
	}
}

static int on_ask(void *ctx, struct vx_finding *f)
{
	struct fsck_report *r = ctx;
	const struct fsck_opts *o = r->o;

	switch (o->mode) {
	case MODE_NO:
		return VX_ANS_NO;
	case MODE_YES:
		return VX_ANS_YES;
	case MODE_PREEN:
		return f->pr->flags & VX_PRF_PREEN ? VX_ANS_YES : VX_ANS_HALT;
	case MODE_ASK:
		break;
	}
	if (r->yes_all)
		return VX_ANS_YES;
	r->asked = true;
	if (r->tty_bar)
		fputc('\n', stdout);
	return ask_tty(r, f);
}

static void json_finding(struct fsck_report *r, const struct vx_finding *f,
			 bool asked_yes)
{
	json_object *j = json_object_new_object();

	json_object_object_add(j, "pass", json_object_new_int(f->pr->pass));
	json_object_object_add(j, "code", json_object_new_string(f->pr->name));
	json_object_object_add(j, "object", json_object_new_string(f->what));
	json_object_object_add(j, "number",
			       json_object_new_int64((int64_t)f->object));
	json_object_object_add(j, "message", json_object_new_string(f->msg));
	json_object_object_add(j, "question",
			       json_object_new_string(f->pr->question));
	json_object_object_add(j, "preen_ok", json_object_new_boolean(
				       f->pr->flags & VX_PRF_PREEN));
	json_object_object_add(j, "answer",
			       json_object_new_string(answer_word(asked_yes)));
	json_object_object_add(j, "fixed", json_object_new_boolean(f->fixed));
	json_object_object_add(j, "error", f->error ?
			       json_object_new_string(vx_errname(f->error)) :
			       NULL);
	json_object_array_add(r->findings, j);
}

static void on_done(void *ctx, const struct vx_finding *f)
{
	struct fsck_report *r = ctx;
	const struct fsck_opts *o = r->o;
	bool yes = f->fixed || f->error, asked = r->asked;

	r->asked = false;
	if (o->json) {
		json_finding(r, f, yes);
		return;
	}
	if (o->mode == MODE_PREEN) {
		if (f->pr->flags & VX_PRF_PREEN)
			fprintf(r->out, "%s: %s: %s.  %s.\n", o->device, f->what,
				f->msg, f->error ? "NOT FIXED" : f->pr->fixed);
		else
			fprintf(r->out, "%s: %s: %s.\n\n%s: UNEXPECTED "
				"INCONSISTENCY; RUN fsck.vexfs MANUALLY.\n"
				"\t(i.e., without -a or -p options)\n",
				o->device, f->what, f->msg, o->device);
	} else if (o->mode != MODE_ASK || !asked) {
		fprintf(r->out, "%s: %s.  %s? %s\n", f->what, f->msg,
			f->pr->question, answer_word(yes));
	}
	if (f->error)
		fprintf(r->out, "  repair failed: %s\n", vx_strerror(f->error));
}

static void report_journal(struct fsck_report *r,
			   const struct vx_check_result *res);

static void on_pass(void *ctx, int pass, const char *title)
{
	struct fsck_report *r = ctx;

	if (pass == VX_PASS_JOURNAL) {
		report_journal(r, r->res);
		return;
	}

	r->last_pass = pass;
	r->progress_pct = -1;
	if (r->o->json || r->o->mode == MODE_PREEN)
		return;
	if (r->tty_bar)
		fputc('\n', stdout);
	fprintf(r->out, "Pass %d: %s\n", pass, title);
	fflush(r->out);
}

static void on_progress(void *ctx, int pass, uint64_t done, uint64_t total)
{
	struct fsck_report *r = ctx;
	int pct = total ? (int)(done * 100 / total) : 100;

	if (r->o->progress_fd < 0 || pct == r->progress_pct)
		return;
	r->progress_pct = pct;
	char *line = NULL;
	int n = r->tty_bar ?
		asprintf(&line, "\r%s: pass %d |%.*s%*s| %3d%%", r->o->device,
			 pass, pct / 4, "=========================",
			 25 - pct / 4, "", pct) :
		asprintf(&line, "%d %llu %llu %s\n", pass,
			 (unsigned long long)done, (unsigned long long)total,
			 r->o->device);

	/* a failed write (a closed descriptor) is no reason to stop */
	if (n > 0 && write(r->o->progress_fd, line, (size_t)n) < 0)
		r->progress_pct = pct;
	if (n >= 0)
		free(line);
}

void report_init(struct fsck_report *r, const struct fsck_opts *o)
{
	memset(r, 0, sizeof(*r));
	r->o = o;
	r->out = stdout;
	r->progress_pct = -1;
	r->tty_bar = o->progress_fd == 0 && isatty(1);
	if (o->progress_fd == 0 && !r->tty_bar)
		((struct fsck_opts *)o)->progress_fd = -1;
	else if (o->progress_fd == 0)
		((struct fsck_opts *)o)->progress_fd = 1;
	if (o->json)
		r->findings = json_object_new_array();
}

void report_hook(struct fsck_report *r, struct vx_check_opts *co)
{
	co->ctx = r;
	co->ask = on_ask;
	co->done = on_done;
	co->pass = on_pass;
	co->progress = on_progress;
}

static void report_journal(struct fsck_report *r,
			   const struct vx_check_result *res)
{
	const struct vx_jrecovery *j = &res->journal;
	const char *dev = r->o->device;

	if (r->o->json || !res->journal_dirty)
		return;
	if (j->txns)
		fprintf(r->out, "%s: journal: %s transactions %llu-%llu "
			"(%llu transactions, %llu blocks)\n", dev,
			res->journal_replayed ? "replayed" : "would replay",
			(unsigned long long)j->first_seq,
			(unsigned long long)j->last_seq,
			(unsigned long long)j->txns,
			(unsigned long long)j->blocks);
	if (j->discarded_seq)
		fprintf(r->out, "%s: journal: %s transaction %llu: partial or "
			"invalid (%s)\n", dev,
			res->journal_replayed ? "discarded" : "would discard",
			(unsigned long long)j->discarded_seq,
			vx_strerror(j->discard_reason));
}

static void stats(struct fsck_report *r, const struct vx_check_result *res)
{
	fprintf(r->out, "\n%12llu inodes used (of %llu)\n"
		"%12llu regular files\n%12llu directories\n"
		"%12llu symbolic links\n%12llu device files\n"
		"%12llu fifos\n%12llu sockets\n"
		"%12llu blocks used (of %llu)\n",
		(unsigned long long)res->inodes_used,
		(unsigned long long)res->inodes_total,
		(unsigned long long)res->files, (unsigned long long)res->dirs,
		(unsigned long long)res->symlinks,
		(unsigned long long)res->devices,
		(unsigned long long)res->fifos, (unsigned long long)res->sockets,
		(unsigned long long)res->blocks_used,
		(unsigned long long)res->blocks_total);
}

static void json_end(struct fsck_report *r, const struct vx_check_result *res,
		     int status, int err)
{
	json_object *top = json_object_new_object(), *j, *s;
	const struct vx_jrecovery *jr = &res->journal;

	json_object_object_add(top, "device",
			       json_object_new_string(r->o->device));
	json_object_object_add(top, "version",
			       json_object_new_string(VEXFS_VERSION));
	json_object_object_add(top, "skipped",
			       json_object_new_boolean(res->skipped));
	j = json_object_new_object();
	json_object_object_add(j, "dirty",
			       json_object_new_boolean(res->journal_dirty));
	json_object_object_add(j, "replayed",
			       json_object_new_boolean(res->journal_replayed));
	json_object_object_add(j, "transactions",
			       json_object_new_int64((int64_t)jr->txns));
	json_object_object_add(j, "first_seq",
			       json_object_new_int64((int64_t)jr->first_seq));
	json_object_object_add(j, "last_seq",
			       json_object_new_int64((int64_t)jr->last_seq));
	json_object_object_add(j, "blocks",
			       json_object_new_int64((int64_t)jr->blocks));
	json_object_object_add(j, "discarded_seq",
			       json_object_new_int64((int64_t)jr->discarded_seq));
	json_object_object_add(j, "discard_reason", jr->discarded_seq ?
			       json_object_new_string(vx_errname(jr->discard_reason)) :
			       NULL);
	json_object_object_add(top, "journal", j);
	json_object_object_add(top, "findings", r->findings);
	r->findings = NULL;
	s = json_object_new_object();
#define N(k, v) json_object_object_add(s, k, json_object_new_int64((int64_t)(v)))
	N("inodes_used", res->inodes_used);
	N("inodes_total", res->inodes_total);
	N("blocks_used", res->blocks_used);
	N("blocks_total", res->blocks_total);
	N("files", res->files);
	N("directories", res->dirs);
	N("symlinks", res->symlinks);
	N("problems", res->findings);
	N("fixed", res->fixed);
	N("left", res->left);
#undef N
	json_object_object_add(s, "modified",
			       json_object_new_boolean(res->modified));
	json_object_object_add(top, "summary", s);
	json_object_object_add(top, "error", err ?
			       json_object_new_string(vx_errname(err)) : NULL);
	json_object_object_add(top, "exit_code", json_object_new_int(status));
	printf("%s\n", json_object_to_json_string_ext(top,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
	json_object_put(top);
}

void report_end(struct fsck_report *r, const struct vx_check_result *res,
		int status, int err)
{
	const char *dev = r->o->device;

	if (r->tty_bar)
		fputc('\n', stdout);
	if (r->o->json) {
		json_end(r, res, status, err);
		return;
	}
	if (err)
		return;		/* main.c said what went wrong */
	if (res->cancelled)
		fprintf(r->out, "%s: check cancelled\n", dev);
	if (res->modified && !res->skipped)
		fprintf(r->out, "\n%s: ***** FILE SYSTEM WAS MODIFIED *****\n",
			dev);
	if (res->left && !res->halted && r->o->mode != MODE_PREEN)
		fprintf(r->out, "\n%s: ********** WARNING: Filesystem still has "
			"errors **********\n\n", dev);
	if (r->o->verbose && !res->skipped)
		stats(r, res);
	fprintf(r->out, "%s: %s%llu/%llu inodes, %llu/%llu blocks\n", dev,
		res->skipped ? "clean, " : "",
		(unsigned long long)res->inodes_used,
		(unsigned long long)res->inodes_total,
		(unsigned long long)res->blocks_used,
		(unsigned long long)res->blocks_total);
}

void report_free(struct fsck_report *r)
{
	if (r->findings)
		json_object_put(r->findings);
}
