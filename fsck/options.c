/*
 * options.c: the command line of fsck.vexfs, parsed with popt.
 *
 * The options are the ones util-linux's fsck front end passes and e2fsck
 * users know: -p/-a, -n, -y, -f, -C FD, -b BLOCK, -v, -V, plus --json.
 * Only one of -p/-a, -n and -y may be given.  Errors print a message
 * naming the option and the usage line, and give exit code 16.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <popt.h>

#include "fsck.h"

enum { OPT_JSON = 1000, OPT_USAGE };

static const struct poptOption table[] = {
	{ "preen", 'p', POPT_ARG_NONE, NULL, 'p',
	  "fix what is safe without asking; stop (exit 4) on anything else "
	  "(-a is the same)",
	  NULL },
	{ NULL, 'a', POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, NULL, 'p', NULL,
	  NULL },
	{ "no", 'n', POPT_ARG_NONE, NULL, 'n',
	  "open read-only, change nothing, answer no", NULL },
	{ "yes", 'y', POPT_ARG_NONE, NULL, 'y', "answer yes to every question",
	  NULL },
	{ "force", 'f', POPT_ARG_NONE, NULL, 'f', "check even a clean image",
	  NULL },
	{ "progress", 'C', POPT_ARG_STRING, NULL, 'C',
	  "progress lines on descriptor FD (0: a bar on the terminal)", "FD" },
	{ "superblock", 'b', POPT_ARG_STRING, NULL, 'b',
	  "use the backup superblock at BLOCK", "BLOCK" },
	{ "verbose", 'v', POPT_ARG_NONE, NULL, 'v',
	  "print statistics at the end", NULL },
	{ "version", 'V', POPT_ARG_NONE, NULL, 'V', "print the version and exit",
	  NULL },
	{ "json", 0, POPT_ARG_NONE, NULL, OPT_JSON,
	  "print the run as one JSON document on stdout", NULL },
	{ "help", 'h', POPT_ARG_NONE, NULL, 'h', "show this help", NULL },
	{ "usage", 0, POPT_ARG_NONE, NULL, OPT_USAGE, "show the usage line",
	  NULL },
	POPT_TABLEEND
};

static int usage_error(poptContext pc, const char *fmt, const char *arg)
{
	fprintf(stderr, "fsck.vexfs: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	poptPrintUsage(pc, stderr, 0);
	return -FSCK_USAGE;
}

static int number(const char *s, unsigned long long max,
		  unsigned long long *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || *end || *out > max ? -1 : 0;
}

static int set_mode(struct fsck_opts *o, enum fsck_mode m)
{
	if (o->mode != MODE_ASK && o->mode != m)
		return -1;
	o->mode = m;
	return 0;
}

/* 0: go on; 1: done, exit 0 (help, version); < 0: exit with -ret */
int fsck_parse(int argc, const char **argv, struct fsck_opts *o)
{
	poptContext pc = poptGetContext("fsck.vexfs", argc, argv, table, 0);
	unsigned long long v;
	const char *arg;
	int c, ret = 0;

	memset(o, 0, sizeof(*o));
	o->progress_fd = -1;
	poptSetOtherOptionHelp(pc, "[OPTION...] DEVICE");
	while (ret == 0 && (c = poptGetNextOpt(pc)) > 0) {
		arg = poptGetOptArg(pc);
		switch (c) {
		case 'p':
		case 'n':
		case 'y':
			if (set_mode(o, c == 'p' ? MODE_PREEN : c == 'n' ?
				     MODE_NO : MODE_YES))
				ret = usage_error(pc, "%sonly one of -p/-a, -n "
						  "or -y may be given", "");
			break;
		case 'f': o->force = true; break;
		case 'v': o->verbose = true; break;
		case OPT_JSON: o->json = true; break;
		case 'C':
			if (number(arg, 1u << 30, &v))
				ret = usage_error(pc, "-C: '%s' is not a file "
						  "descriptor number", arg);
			o->progress_fd = (int)v;
			break;
		case 'b':
			if (number(arg, UINT64_MAX, &v) || v == 0)
				ret = usage_error(pc, "-b: '%s' is not a block "
						  "number above 0", arg);
			o->sb_block = v;
			o->have_sb_block = true;
			break;
		case 'V':
			printf("fsck.vexfs %s (libvexfs %s)\n", VEXFS_VERSION,
			       vx_version());
			ret = 1;
			break;
		case 'h':
			poptPrintHelp(pc, stdout, 0);
			ret = 1;
			break;
		case OPT_USAGE:
			poptPrintUsage(pc, stdout, 0);
			ret = 1;
			break;
		}
		free((void *)arg);
	}
	if (ret == 0 && c < -1) {
		fprintf(stderr, "fsck.vexfs: %s: %s\n",
			poptBadOption(pc, POPT_BADOPTION_NOALIAS),
			poptStrerror(c));
		poptPrintUsage(pc, stderr, 0);
		ret = -FSCK_USAGE;
	}
	if (ret == 0) {
		o->device = poptGetArg(pc);
		if (!o->device)
			ret = usage_error(pc, "%sno device given", "");
		else if (poptPeekArg(pc))
			ret = usage_error(pc, "unexpected argument '%s'",
					  poptPeekArg(pc));
		else
			o->device = strdup(o->device);
	}
	poptFreeContext(pc);
	return ret;
}
