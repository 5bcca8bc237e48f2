/*
 * main.c: debugfs.vexfs, inspect and edit a VexFS image, interactively or
 * from scripts, with transactions.
 *
 *   debugfs.vexfs [-w] [-c] [-k] [-z UNDO] [-R CMD]... [-f SCRIPT|-] [DEVICE]
 *
 * -R requests run first, in order, then the -f script; with neither, the
 * shell runs on a terminal and commands are read from standard input
 * otherwise.  A failing command stops the run (unless -k) and is named
 * on stderr with where it came from ("-R", "FILE:LINE"); the exit status
 * is 1 when any command failed, 2 for a bad command line, 0 otherwise.
 * Transactions still open at the end are aborted, and that counts as a
 * failure: what they did is not in the image.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <popt.h>

#include "debugfs.h"

enum { OPT_USAGE = 1000 };

static const struct poptOption table[] = {
	{ "write", 'w', POPT_ARG_NONE, NULL, 'w',
	  "open the image read-write (default: read-only)", NULL },
	{ "catastrophic", 'c', POPT_ARG_NONE, NULL, 'c',
	  "open a damaged image as best it can: no journal replay, group "
	  "headers and bitmaps not trusted, no file edits", NULL },
	{ "request", 'R', POPT_ARG_STRING, NULL, 'R',
	  "run one command (may be repeated)", "CMD" },
	{ "file", 'f', POPT_ARG_STRING, NULL, 'f',
	  "run the commands in SCRIPT, one per line ('-': standard input)",
	  "SCRIPT" },
	{ "keep-going", 'k', POPT_ARG_NONE, NULL, 'k',
	  "run every command even after one failed (the exit status still "
	  "says so)", NULL },
	{ "undo", 'z', POPT_ARG_STRING, NULL, 'z',
	  "save every block before its first change into UNDO (with -w)",
	  "UNDO" },
	{ "version", 'V', POPT_ARG_NONE, NULL, 'V', "print the version and exit",
	  NULL },
	{ "help", 'h', POPT_ARG_NONE, NULL, 'h', "show this help", NULL },
	{ "usage", 0, POPT_ARG_NONE, NULL, OPT_USAGE, "show the usage line",
	  NULL },
	POPT_TABLEEND
};

static int usage_error(poptContext pc, const char *msg, const char *arg)
{
	fprintf(stderr, "debugfs.vexfs: %s%s%s\n", msg, arg ? ": " : "",
		arg ? arg : "");
	poptPrintUsage(pc, stderr, 0);
	return -DBG_EXIT_USAGE;
}

/* 0: go on; 1: done (help, version); < 0: exit with -ret */
static int parse(int argc, const char **argv, struct dbg_opts *o)
{
	poptContext pc = poptGetContext("debugfs.vexfs", argc, argv, table, 0);
	const char *arg;
	int c, ret = 0;

	memset(o, 0, sizeof(*o));
	o->requests = calloc((size_t)argc, sizeof(char *));
	poptSetOtherOptionHelp(pc, "[OPTION...] [DEVICE]");
	while (ret == 0 && (c = poptGetNextOpt(pc)) > 0) {
		arg = poptGetOptArg(pc);
		switch (c) {
		case 'w': o->write = true; break;
		case 'c': o->catastrophic = true; break;
		case 'k': o->keep_going = true; break;
		case 'R': o->requests[o->nrequests++] = arg; arg = NULL; break;
		case 'f':
			if (o->script)
				ret = usage_error(pc, "-f may be given once", NULL);
			free((void *)o->script);
			o->script = arg;
			arg = NULL;
			break;
		case 'z':
			free((void *)o->undo);
			o->undo = arg;
			arg = NULL;
			break;
		case 'V':
			printf("debugfs.vexfs %s (libvexfs %s)\n", VEXFS_VERSION,
			       vx_version());
			ret = 1;
			break;
		case 'h': poptPrintHelp(pc, stdout, 0); ret = 1; break;
		case OPT_USAGE: poptPrintUsage(pc, stdout, 0); ret = 1; break;
		}
		free((void *)arg);
	}
	if (ret == 0 && c < -1) {
		fprintf(stderr, "debugfs.vexfs: %s: %s\n",
			poptBadOption(pc, POPT_BADOPTION_NOALIAS),
			poptStrerror(c));
		poptPrintUsage(pc, stderr, 0);
		ret = -DBG_EXIT_USAGE;
	}
	if (ret == 0) {
		const char *dev = poptGetArg(pc);

		if (dev && poptPeekArg(pc))
			ret = usage_error(pc, "unexpected argument",
					  poptPeekArg(pc));
		else if (dev)
			o->device = strdup(dev);
	}
	if (ret == 0 && o->undo && !o->write)
		ret = usage_error(pc, "-z needs -w (an undo file records "
				  "changes)", NULL);
	if (ret == 0 && o->undo && !o->device)
		ret = usage_error(pc, "-z needs a DEVICE on the command line",
				  NULL);
	poptFreeContext(pc);
	return ret;
}

static void opts_free(struct dbg_opts *o)
{
	for (int i = 0; i < o->nrequests; i++)
		free((void *)o->requests[i]);
	free(o->requests);
	free((void *)o->script);
	free((void *)o->undo);
	free((void *)o->device);
}

/* run one line from a request or script; counts failures */
static bool run_one(struct dbg *d, const char *line, const char *loc,
		    int *failed)
{
	d->loc = loc;
	if (dbg_run_line(d, line) == 0)
		return true;
	(*failed)++;
	if (d->o->keep_going)
		return true;
	fprintf(stderr, "debugfs.vexfs: %s: stopped after the failed command: "
		"%.*s (-k runs the rest anyway)\n", loc,
		(int)strcspn(line, "\r\n"), line);
	return false;
}

static int run_requests(struct dbg *d, int *failed)
{
	char loc[32];

	for (int i = 0; i < d->o->nrequests && !d->quit; i++) {
		if (d->o->nrequests > 1)
			snprintf(loc, sizeof(loc), "-R #%d", i + 1);
		else
			snprintf(loc, sizeof(loc), "-R");
		if (!run_one(d, d->o->requests[i], loc, failed))
			return -1;
	}
	return 0;
}

static int run_script(struct dbg *d, const char *name, FILE *f, int *failed)
{
	char *line = NULL, *loc = NULL;
	size_t cap = 0;
	unsigned long no = 0;
	int ret = 0;

	while (!d->quit && getline(&line, &cap, f) > 0) {
		no++;
		free(loc);
		if (asprintf(&loc, "%s:%lu", name, no) < 0) {
			ret = -1;
			break;
		}
		if (!run_one(d, line, loc, failed)) {
			ret = -1;
			break;
		}
	}
	if (!ret && ferror(f)) {
		fprintf(stderr, "debugfs.vexfs: %s: read error: %s\n", name,
			strerror(errno));
		(*failed)++;
	}
	free(line);
	free(loc);
	return ret;
}

static void run(struct dbg *d, int *failed)
{
	const struct dbg_opts *o = d->o;
	FILE *f;

	if (o->nrequests && run_requests(d, failed))
		return;
	if (o->script && !d->quit) {
		f = strcmp(o->script, "-") ? fopen(o->script, "r") : stdin;
		if (!f) {
			fprintf(stderr, "debugfs.vexfs: cannot open the script "
				"%s: %s\n", o->script, strerror(errno));
			(*failed)++;
			return;
		}
		run_script(d, strcmp(o->script, "-") ? o->script : "stdin", f,
			   failed);
		if (f != stdin)
			fclose(f);
		return;
	}
	if (o->nrequests)
		return;
	if (isatty(STDIN_FILENO)) {
		d->interactive = true;
		dbg_shell(d);
	} else {
		run_script(d, "stdin", stdin, failed);
	}
}

int main(int argc, char **argv)
{
	struct dbg_opts o;
	struct dbg d = { .o = &o };
	int failed = 0, ret = parse(argc, (const char **)argv, &o);

	if (ret) {
		opts_free(&o);
		return ret > 0 ? DBG_EXIT_OK : -ret;
	}
	if (o.device && dbg_open(&d, o.device, o.write, o.catastrophic)) {
		free(d.path);
		opts_free(&o);
		return DBG_EXIT_FAIL;
	}
	run(&d, &failed);
	d.loc = NULL;
	if (d.depth && !d.interactive) {
		dbg_abort_all(&d, "the run ended inside a transaction (nothing "
			      "of it is in the image)");
		failed++;
	}
	if (d.dev && dbg_close(&d))
		failed++;
	free(d.path);
	free(d.cwd_path);
	opts_free(&o);
	return failed ? DBG_EXIT_FAIL : DBG_EXIT_OK;
}
