/*
 * options.c: the command line of mkfs.vexfs, parsed with popt.
 *
 * Design: parse_options() turns argv and the environment
 * (SOURCE_DATE_EPOCH) into a struct mkfs_opts, checking each value where
 * it can be checked alone (block size, label length, UUID, -E and -J
 * syntax) and naming the option in every message.  Values that only make
 * sense together (group size, inode counts, journal size against the
 * device) are left to vx_fs_plan(), and plan.c blames the option that
 * made it fail.  Option names follow mke2fs where the two overlap.
 * Errors here exit 2 after printing the usage line to stderr.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <popt.h>
#include <uuid/uuid.h>

#include "mkfs.h"

enum { OPT_JSON = 1000, OPT_USAGE };

static const struct poptOption option_table[] = {
	{ "block-size", 'b', POPT_ARG_STRING, NULL, 'b',
	  "block size in bytes: 1024 to 65536, a power of two (K suffix ok)",
	  "SIZE" },
	{ "label", 'L', POPT_ARG_STRING, NULL, 'L',
	  "volume label, at most 64 bytes", "LABEL" },
	{ "uuid", 'U', POPT_ARG_STRING, NULL, 'U',
	  "filesystem UUID: random, time or a UUID value", "UUID" },
	{ "inodes", 'N', POPT_ARG_STRING, NULL, 'N',
	  "number of inodes", "COUNT" },
	{ "bytes-per-inode", 'i', POPT_ARG_STRING, NULL, 'i',
	  "one inode per BYTES bytes of space (default 16384)", "BYTES" },
	{ "journal", 'J', POPT_ARG_STRING, NULL, 'J',
	  "journal options; size=MIB sets its size in MiB", "OPTS" },
	{ "group-blocks", 'g', POPT_ARG_STRING, NULL, 'g',
	  "blocks per allocation group (a multiple of 8, >= 256)", "BLOCKS" },
	{ "extended", 'E', POPT_ARG_STRING, NULL, 'E',
	  "extended options: root_owner[=UID:GID], hash_seed=N", "OPTS" },
	{ "populate", 'd', POPT_ARG_STRING, NULL, 'd',
	  "copy the tree under DIR into the new filesystem", "DIR" },
	{ "type", 't', POPT_ARG_STRING, NULL, 't',
	  "filesystem type; only vexfs is accepted", "TYPE" },
	{ "dry-run", 'n', POPT_ARG_NONE, NULL, 'n',
	  "print the layout, write nothing", NULL },
	{ "force", 'F', POPT_ARG_NONE, NULL, 'F',
	  "overwrite existing signatures; twice: also a file attached to "
	  "an unmounted loop device", NULL },
	{ NULL, 'f', POPT_ARG_NONE | POPT_ARGFLAG_DOC_HIDDEN, NULL, 'F',
	  NULL, NULL },
	{ "quiet", 'q', POPT_ARG_NONE, NULL, 'q',
	  "print nothing on success", NULL },
	{ "verbose", 'v', POPT_ARG_NONE, NULL, 'v',
	  "print progress and the per-group layout", NULL },
	{ "json", '\0', POPT_ARG_NONE, NULL, OPT_JSON,
	  "print the layout as JSON on stdout", NULL },
	{ "version", 'V', POPT_ARG_NONE, NULL, 'V',
	  "print the version and exit", NULL },
	{ "help", 'h', POPT_ARG_NONE, NULL, 'h',
	  "show this help and exit", NULL },
	{ "usage", '\0', POPT_ARG_NONE, NULL, OPT_USAGE,
	  "show a short usage message and exit", NULL },
	POPT_TABLEEND
};

#define ROOT_HELP "root_owner[=UID:GID], hash_seed=N"

/* a usage error: the message, then the usage line; returns EXIT_USAGE */
static int bad(poptContext ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(poptContext ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	poptPrintUsage(ctx, stderr, 0);
	return EXIT_USAGE;
}

static int opt_block_size(poptContext ctx, struct mkfs_opts *o,
			  const char *arg)
{
	uint64_t v;
	unsigned log;

	if (parse_size(arg, 1, &v) || v < 1024 || v > 65536 || (v & (v - 1)))
		return bad(ctx, "invalid block size '%s' (-b): it must be a "
			   "power of two from 1024 to 65536", arg);
	for (log = 0; (1ull << log) < v; log++)
		;
	o->params.block_log = log;
	o->set_block = true;
	o->arg_block = arg;
	return 0;
}

static int opt_uuid(poptContext ctx, struct mkfs_opts *o, const char *arg)
{
	if (!strcmp(arg, "random")) {
		uuid_generate(o->params.uuid);
	} else if (!strcmp(arg, "time")) {
		uuid_generate_time(o->params.uuid);
	} else if (!strcmp(arg, "clear") || !strcmp(arg, "null")) {
		return bad(ctx, "-U %s: a VexFS filesystem needs a non-null "
			   "UUID (every metadata block carries it)", arg);
	} else if (uuid_parse(arg, o->params.uuid)) {
		return bad(ctx, "invalid UUID '%s' (-U): give random, time or "
			   "a value like 0123abcd-4567-89ab-cdef-0123456789ab",
			   arg);
	} else if (uuid_is_null(o->params.uuid)) {
		return bad(ctx, "-U %s: a VexFS filesystem needs a non-null "
			   "UUID (every metadata block carries it)", arg);
	}
	return 0;
}

static int opt_journal(poptContext ctx, struct mkfs_opts *o,
		       const char *arg)
{
	uint64_t mib;

	if (strncmp(arg, "size=", 5))
		return bad(ctx, "invalid journal option '%s' (-J): the only "
			   "one is size=MiB", arg);
	if (parse_u64(arg + 5, &mib) || !mib || mib > (UINT64_MAX >> 20))
		return bad(ctx, "invalid journal size '%s' (-J): give a "
			   "positive number of MiB", arg + 5);
	o->journal_mib = mib;
	o->set_journal = true;
	o->arg_journal = arg;
	return 0;
}

static int ext_root_owner(struct mkfs_opts *o, const char *val)
{
	unsigned long long uid, gid;
	char *end;

	o->root_owner_set = true;
	if (!val) {
		o->root_uid = (uint32_t)getuid();
		o->root_gid = (uint32_t)getgid();
		return 0;
	}
	if (*val < '0' || *val > '9')
		return -EINVAL;
	uid = strtoull(val, &end, 10);
	if (*end != ':' || end[1] < '0' || end[1] > '9')
		return -EINVAL;
	gid = strtoull(end + 1, &end, 10);
	if (*end || uid > UINT32_MAX - 1 || gid > UINT32_MAX - 1)
		return -EINVAL;
	o->root_uid = (uint32_t)uid;
	o->root_gid = (uint32_t)gid;
	return 0;
}

static int opt_extended(poptContext ctx, struct mkfs_opts *o,
			const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL, *val;
	uint64_t seed;
	int ret = 0;

	if (!copy)
		return bad(ctx, "%s", strerror(ENOMEM));
	for (tok = strtok_r(copy, ",", &save); tok && !ret;
	     tok = strtok_r(NULL, ",", &save)) {
		val = strchr(tok, '=');
		if (val)
			*val++ = '\0';
		if (!strcmp(tok, "root_owner")) {
			if (ext_root_owner(o, val))
				ret = bad(ctx, "invalid root_owner '%s' (-E): "
					  "give UID:GID as numbers",
					  val ? val : "");
		} else if (!strcmp(tok, "hash_seed")) {
			if (!val || parse_u64(val, &seed) || !seed)
				ret = bad(ctx, "invalid hash_seed '%s' (-E): give "
					  "a non-zero 64-bit number",
					  val ? val : "");
			else
				o->params.hash_seed = seed;
		} else {
			ret = bad(ctx, "unknown extended option '%s' (-E); "
				  "the options are: %s", tok, ROOT_HELP);
		}
	}
	free(copy);
	return ret;
}

static int opt_number(poptContext ctx, struct mkfs_opts *o, int c,
		      const char *arg)
{
	uint64_t v;
	int err = c == 'g' ? parse_u64(arg, &v) : parse_size(arg, 1, &v);

	if (err || !v || (c == 'g' && v > UINT32_MAX)) {
		const char *what = c == 'g' ? "blocks per group (-g)" :
				   c == 'N' ? "inode count (-N)" :
				   "bytes per inode (-i)";

		return bad(ctx, "invalid %s '%s': give a positive number",
			   what, arg);
	}
	if (c == 'g') {
		o->params.group_blocks = (uint32_t)v;
		o->set_groups = true;
		o->arg_groups = arg;
	} else if (c == 'N') {
		o->params.inode_count = v;
		o->set_inodes = true;
		o->arg_inodes = arg;
	} else {
		o->params.bytes_per_inode = v;
		o->set_ratio = true;
		o->arg_ratio = arg;
	}
	return 0;
}

/* one option with its argument; 0 to go on, else an exit code + 1000 */
static int handle(poptContext ctx, struct mkfs_opts *o, int c,
		  const char *arg)
{
	switch (c) {
	case 'b': return opt_block_size(ctx, o, arg);
	case 'U': return opt_uuid(ctx, o, arg);
	case 'J': return opt_journal(ctx, o, arg);
	case 'E': return opt_extended(ctx, o, arg);
	case 'g': case 'N': case 'i': return opt_number(ctx, o, c, arg);
	case 'L':
		if (strlen(arg) > VX_LABEL_MAX)
			return bad(ctx, "label '%s' is too long (-L): at most "
				   "64 bytes", arg);
		snprintf(o->params.label, sizeof(o->params.label), "%s", arg);
		return 0;
	case 't':
		if (strcmp(arg, "vexfs"))
			return bad(ctx, "unsupported filesystem type '%s' (-t): "
				   "this is mkfs for vexfs only", arg);
		return 0;
	case 'd': o->populate_dir = arg; return 0;
	case 'n': o->dry_run = true; return 0;
	case 'F': o->force++; return 0;
	case 'q': o->quiet = true; return 0;
	case 'v': o->verbose = true; return 0;
	case OPT_JSON: o->json = true; return 0;
	case 'V':
		printf(PROG " %s (libvexfs %s)\n", VEXFS_VERSION, vx_version());
		return EXIT_OK + 1000;
	case 'h':
		poptPrintHelp(ctx, stdout, 0);
		return EXIT_OK + 1000;
	case OPT_USAGE:
		poptPrintUsage(ctx, stdout, 0);
		return EXIT_OK + 1000;
	}
	return bad(ctx, "internal error: option %d", c);
}

/* option arguments belong to us; they live until opts_release() */
static int keep(struct mkfs_opts *o, char *arg)
{
	char **n = realloc(o->owned, (o->nowned + 1) * sizeof(*n));

	if (!n) {
		fprintf(stderr, PROG ": %s\n", strerror(ENOMEM));
		return -ENOMEM;
	}
	o->owned = n;
	o->owned[o->nowned++] = arg;
	return 0;
}

void opts_release(struct mkfs_opts *o)
{
	size_t i;

	for (i = 0; i < o->nowned; i++)
		free(o->owned[i]);
	free(o->owned);
	o->owned = NULL;
	o->nowned = 0;
}

/* SOURCE_DATE_EPOCH fixes every time mkfs sets */
static int parse_epoch(poptContext ctx, struct mkfs_opts *o)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	uint64_t v;

	if (!sde) {
		o->now = (int64_t)time(NULL);
		return 0;
	}
	if (parse_u64(sde, &v) || v > INT64_MAX || (sde[0] == '0' && sde[1]))
		return bad(ctx, "SOURCE_DATE_EPOCH='%s' is not a number of "
			   "seconds since the epoch", sde);
	/* vx_mkfs_params.now and vx_open_opts.fixed_time take 0 as "the
	 * clock": refuse rather than silently use the current time */
	if (!v)
		return bad(ctx, "SOURCE_DATE_EPOCH=0 is not supported: give a "
			   "time after the epoch");
	o->now = (int64_t)v;
	o->now_fixed = true;
	return 0;
}

static int positional(poptContext ctx, struct mkfs_opts *o)
{
	o->device = poptGetArg(ctx);
	o->size_arg = poptGetArg(ctx);
	if (!o->device)
		return bad(ctx, "no DEVICE given");
	if (!o->device[0])
		return bad(ctx, "DEVICE is an empty string");
	if (poptPeekArg(ctx))
		return bad(ctx, "too many arguments: '%s'%s", poptPeekArg(ctx),
			   "");
	return 0;
}

int parse_options(int argc, const char **argv, struct mkfs_opts *o,
		  void **ctx_out)
{
	poptContext ctx;
	int c, ret = 0;

	memset(o, 0, sizeof(*o));
	o->root_uid = (uint32_t)getuid();
	o->root_gid = (uint32_t)getgid();
	ctx = poptGetContext(PROG, argc, argv, option_table, 0);
	*ctx_out = ctx;
	poptSetOtherOptionHelp(ctx, "[OPTION...] DEVICE [SIZE]");
	while (!ret && (c = poptGetNextOpt(ctx)) > 0) {
		char *arg = poptGetOptArg(ctx);

		if (arg && keep(o, arg)) {
			free(arg);
			return EXIT_USAGE;
		}
		ret = handle(ctx, o, c, arg);
	}
	if (!ret && c < -1)
		ret = bad(ctx, "%s: %s", poptBadOption(ctx, 0), poptStrerror(c));
	if (!ret)
		ret = parse_epoch(ctx, o);
	if (!ret)
		ret = positional(ctx, o);
	if (o->quiet)
		o->verbose = false;
	if (ret >= 1000)
		return ret - 1000;
	return ret ? ret : -1;
}
