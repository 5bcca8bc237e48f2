/*
 * cmd.c: the command table of debugfs.vexfs, the tokenizer, the
 * dispatcher and the generated help.
 *
 * (The tokenizer, dbg_split, is in split.c.)
 *
 * Every command is one row: name, optional alias, handler, precondition
 * flags, usage and a one-line help.  The dispatcher checks the flags
 * once (an open device, a filesystem, -w, no open transaction, an
 * editable filesystem) so handlers do not; `help` and each command's
 * usage message are printed from the same rows, and the man page's
 * command list is checked against `help` by 3000-debugfs-basics.bats.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "debugfs.h"

#define PATH_ARGS	DBG_ARG_PATH
#define FS		(DBG_NEED_DEV | DBG_NEED_FS)
#define EDIT		(FS | DBG_NEED_RW | DBG_EDIT | PATH_ARGS)
#define LOW_W		(DBG_NEED_DEV | DBG_NEED_RW | DBG_NO_TXN)

const struct dbg_cmd dbg_cmds[] = {
	/* session */
	{ "help", "?", cmd_help, 0, "[COMMAND]",
	  "list the commands, or show one command's usage" },
	{ "open", NULL, cmd_open, DBG_NO_TXN | DBG_ARG_HOST,
	  "[-w] [-c] DEVICE", "open an image or device (closing the open one)" },
	{ "close", NULL, cmd_close, DBG_NEED_DEV | DBG_NO_TXN, "",
	  "close the image (syncing what was written)" },
	{ "quit", "q", cmd_quit, 0, "", "leave debugfs.vexfs" },
	/* navigation and reading */
	{ "cd", NULL, cmd_cd, FS | PATH_ARGS, "DIR",
	  "change the working directory inside the image" },
	{ "pwd", NULL, cmd_pwd, FS, "", "print the working directory" },
	{ "ls", NULL, cmd_ls, FS | PATH_ARGS, "[-l] [-d] [-a] [--json] [PATH...]",
	  "list a directory (-l long, -d the entry itself, -a with . and ..)" },
	{ "stat", NULL, cmd_stat, FS | PATH_ARGS, "[--json] PATH|<INO>...",
	  "show an inode: attributes, flags and extents" },
	{ "cat", NULL, cmd_cat, FS | PATH_ARGS, "PATH|<INO>",
	  "write a file's contents to standard output" },
	{ "dump", NULL, cmd_dump, FS | PATH_ARGS | DBG_ARG_HOST,
	  "[-p] PATH|<INO> HOSTFILE",
	  "copy a regular file to a host file, never through a symlink "
	  "(-p: mode, times, owner)" },
	{ "rdump", NULL, cmd_rdump, FS | PATH_ARGS | DBG_ARG_HOST,
	  "[-p] [-D] PATH... HOSTDIR",
	  "copy trees into a host directory, never writing outside it" },
	{ "blocks", NULL, cmd_blocks, FS | PATH_ARGS, "PATH|<INO>",
	  "list the physical blocks of a file, in logical order" },
	{ "bmap", NULL, cmd_bmap, FS | PATH_ARGS, "PATH|<INO> LBLK",
	  "map a logical block of a file to its physical block" },
	{ "icheck", NULL, cmd_icheck, FS, "BLOCK...",
	  "find the inode owning each block (data and extent tree nodes, as "
	  "committed), or what else it is" },
	{ "ncheck", NULL, cmd_ncheck, FS, "[-c] INO...",
	  "find every path of each inode (-c: check the entries' file types)" },
	{ "dirsearch", NULL, cmd_dirsearch, FS | PATH_ARGS, "DIR NAME",
	  "look a name up in one directory: its inode, type, hash and leaf" },
	{ "htree", NULL, cmd_htree, FS | PATH_ARGS, "[-v] DIR",
	  "show and check a directory's index: nodes, keys and leaves (-v: "
	  "entries)" },
	{ "find", NULL, cmd_find, FS | PATH_ARGS,
	  "[PATH] [-type f|d|l|c|b|p|s] [-name GLOB]",
	  "list a subtree, one path per line (PATH before or after the tests)" },
	/* filesystem view */
	{ "stats", "show_super", cmd_stats, DBG_NEED_DEV, "[-h] [--json]",
	  "show the superblock, features, state and groups (-h: no groups)" },
	{ "groups", NULL, cmd_groups, FS, "[--json] [GROUP...]",
	  "show group headers: layout, free counts, flags" },
	{ "freefrag", NULL, cmd_freefrag, FS, "[-c CHUNK_KB]",
	  "free space fragmentation from the block bitmaps (-c: free aligned "
	  "chunks)" },
	{ "txstats", NULL, cmd_txstats, FS, "[--json]",
	  "transaction statistics of this session" },
	/* editing */
	{ "write", NULL, cmd_write, EDIT | DBG_ARG_HOST, "HOSTFILE PATH",
	  "copy a host file into the image (a new file)" },
	{ "mkdir", NULL, cmd_mkdir, EDIT, "[-p] [-m MODE] PATH",
	  "make a directory (-p: parents too, no error if it exists)" },
	{ "rm", NULL, cmd_rm, EDIT, "[-r] PATH...",
	  "remove names (-r: directories and what they hold)" },
	{ "rmdir", NULL, cmd_rmdir, EDIT, "PATH...", "remove empty directories" },
	{ "mv", "rename", cmd_mv, EDIT, "[-n] FROM TO",
	  "rename or move (-n: fail instead of replacing)" },
	{ "ln", "link", cmd_ln, EDIT, "[-s] TARGET PATH",
	  "make a hard link (-s: a symbolic link)" },
	{ "symlink", NULL, cmd_symlink, EDIT, "PATH TARGET",
	  "make a symbolic link PATH pointing to TARGET" },
	{ "mknod", NULL, cmd_mknod, EDIT, "PATH p|c|b [MAJOR MINOR]",
	  "make a fifo or device node" },
	{ "truncate", NULL, cmd_truncate, EDIT, "PATH SIZE",
	  "set a file's size" },
	{ "chmod", NULL, cmd_chmod, EDIT, "MODE PATH...",
	  "set permission bits (octal)" },
	{ "chown", NULL, cmd_chown, EDIT, "UID[:GID] PATH...",
	  "set owner and group" },
	{ "touch", "set_times", cmd_touch, EDIT,
	  "[-a] [-m] [-c] [-t SECONDS[.NSEC]] PATH...",
	  "set access/modify times (now by default), making a file if missing" },
	{ "copy_in", NULL, cmd_copy_in, EDIT | DBG_ARG_HOST, "HOSTDIR PATH",
	  "copy a host tree into the image under PATH" },
	/* transactions */
	{ "begin", NULL, cmd_begin, FS | DBG_NEED_RW | DBG_EDIT | DBG_TXN_CTL,
	  "[--nested]",
	  "open a transaction (--nested: a child of the open one)" },
	{ "commit", NULL, cmd_commit, FS, "",
	  "commit the innermost transaction" },
	{ "abort", NULL, cmd_abort, FS, "",
	  "abort the innermost transaction, undoing what it did" },
	{ "txn", NULL, cmd_txn, FS, "[--json]",
	  "show the open transaction stack" },
	/* journal */
	{ "logdump", NULL, cmd_logdump, DBG_NEED_DEV,
	  "[-a] [-d] [-s SEQ] [--json]",
	  "list the journal's transactions, tags, op records and checksums" },
	{ "journal_recover", NULL, cmd_journal_recover,
	  DBG_NEED_DEV | DBG_NEED_RW | DBG_NO_TXN, "",
	  "replay the journal's committed transactions into the image" },
	/* low level */
	{ "block_dump", "bd", cmd_block_dump, DBG_NEED_DEV, "[-x] BLOCK",
	  "hex dump of a block (-x: decode its metadata header too)" },
	{ "set_super_value", "ssv", cmd_set_super_value, DBG_NEED_DEV,
	  "[-l] [-n] FIELD VALUE",
	  "set a superblock field (-l: list fields, -n: keep the old crc)" },
	{ "set_inode_field", "sif", cmd_set_inode_field,
	  DBG_NEED_DEV | PATH_ARGS,
	  "[-l] [-n] PATH|<INO> FIELD VALUE",
	  "set an inode field (-l: list fields, -n: keep the old crc)" },
	{ "zap_block", "zap", cmd_zap_block, LOW_W,
	  "[-o OFFSET] [-l LENGTH] [-p PATTERN | -f BIT] BLOCK",
	  "fill part of a block with a byte, or flip one bit" },
	{ "check", NULL, cmd_check, DBG_NEED_DEV | DBG_NO_TXN, "[--json]",
	  "run the checker read-only and print what it finds" },
	{ NULL, NULL, NULL, 0, NULL, NULL }
};

const struct dbg_cmd *dbg_find_cmd(const char *name)
{
	for (const struct dbg_cmd *c = dbg_cmds; c->name; c++)
		if (!strcmp(c->name, name) || (c->alias && !strcmp(c->alias, name)))
			return c;
	return NULL;
}

static void vmsg(struct dbg *d, const char *kind, const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("debugfs.vexfs: ", stderr);
	if (d->loc)
		fprintf(stderr, "%s: ", d->loc);
	if (d->cmd)
		fprintf(stderr, "%s: ", d->cmd);
	fputs(kind, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void dbg_err(struct dbg *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(d, "", fmt, ap);
	va_end(ap);
}

void dbg_warn(struct dbg *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(d, "warning: ", fmt, ap);
	va_end(ap);
}

int dbg_fail(struct dbg *d, int err, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	dbg_err(d, "%s: %s", buf, vx_strerror(err));
	return DBG_FAIL;
}

void dbg_json_print(json_object *obj)
{
	puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
}

void dbg_getopt_reset(void)
{
	optind = 0;	/* glibc: full re-initialisation */
	opterr = 0;
}

void dbg_usage(struct dbg *d, const struct dbg_cmd *c)
{
	dbg_err(d, "usage: %s%s%s", c->name, *c->usage ? " " : "", c->usage);
}

/* the precondition flags; prints why a command cannot run */
static int check_flags(struct dbg *d, const struct dbg_cmd *c)
{
	unsigned f = c->flags;

	if ((f & DBG_NEED_DEV) && !d->io) {
		dbg_err(d, "no image is open (use: open DEVICE)");
		return DBG_FAIL;
	}
	if ((f & DBG_NEED_FS) && !d->fs) {
		dbg_err(d, "%s could not be opened as a filesystem; only "
			"block-level commands work (stats, block_dump, logdump, "
			"check)", d->path);
		return DBG_FAIL;
	}
	if ((f & DBG_EDIT) && d->cat) {
		dbg_err(d, "catastrophic mode (-c): the bitmaps are not "
			"trusted, files cannot be edited");
		return DBG_FAIL;
	}
	if ((f & DBG_EDIT) && d->jdirty && d->want_write) {
		dbg_err(d, "the journal of %s holds committed transactions not "
			"yet written home; run journal_recover first", d->path);
		return DBG_FAIL;
	}
	if ((f & DBG_NEED_RW) && !d->rw && !(d->dev && !(d->dev->flags &
							   VX_IO_RDONLY) &&
					     !(f & DBG_EDIT))) {
		dbg_err(d, "%s is open read-only; open it with -w to change it",
			d->path);
		return DBG_FAIL;
	}
	if ((f & DBG_NO_TXN) && d->depth) {
		dbg_err(d, "not inside a transaction (%u open: commit or "
			"abort first)", d->depth);
		return DBG_FAIL;
	}
	return 0;
}

/* the working directory may be gone (rm -r, an aborted mkdir): say so
 * and go back to the root */
static void check_cwd(struct dbg *d)
{
	struct vx_attr a;

	if (!d->fs || vx_fs_super(d->fs)->root_ino == d->cwd)
		return;
	if (!vx_stat(d->fs, dbg_tx(d), d->cwd, &a) && S_ISDIR(a.mode))
		return;
	dbg_warn(d, "the working directory %s is gone; back to /",
		 d->cwd_path);
	d->cwd = vx_fs_super(d->fs)->root_ino;
	free(d->cwd_path);
	d->cwd_path = strdup("/");
}

int dbg_run_line(struct dbg *d, const char *line)
{
	const struct dbg_cmd *c;
	char **argv;
	int argc = dbg_split(line, &argv), ret;

	d->cmd = NULL;
	if (argc < 0) {
		dbg_err(d, "unterminated quote in: %s", line);
		return DBG_FAIL;
	}
	if (argc == 0) {
		free(argv);
		return 0;
	}
	c = dbg_find_cmd(argv[0]);
	if (!c) {
		dbg_err(d, "%s: unknown command (try: help)", argv[0]);
		free(argv);
		return DBG_FAIL;
	}
	d->cmd = c->name;
	ret = check_flags(d, c);
	if (!ret) {
		dbg_getopt_reset();
		ret = c->fn(d, argc, argv) ? DBG_FAIL : 0;
	}
	/* a change made outside a transaction goes to the device now; a
	 * failed one, which changed nothing, stays held (session.c) */
	if (!ret && d->hold && !d->depth && (c->flags & DBG_NEED_RW) &&
	    !(c->flags & DBG_TXN_CTL))
		ret = dbg_release(d);
	fflush(stdout);
	d->cmd = NULL;
	free(argv);
	check_cwd(d);
	return ret;
}

int cmd_help(struct dbg *d, int argc, char **argv)
{
	const struct dbg_cmd *c;

	if (argc > 2) {
		dbg_usage(d, dbg_find_cmd("help"));
		return DBG_FAIL;
	}
	if (argc == 2) {
		c = dbg_find_cmd(argv[1]);
		if (!c) {
			dbg_err(d, "%s: unknown command", argv[1]);
			return DBG_FAIL;
		}
		printf("usage: %s%s%s\n%s\n", c->name, *c->usage ? " " : "",
		       c->usage, c->help);
		if (c->alias)
			printf("also: %s\n", c->alias);
		return 0;
	}
	for (c = dbg_cmds; c->name; c++) {
		char names[64];

		snprintf(names, sizeof(names), "%s%s%s", c->name,
			 c->alias ? ", " : "", c->alias ? c->alias : "");
		printf("  %-24s %s\n", names, c->help);
	}
	return 0;
}

int cmd_quit(struct dbg *d, int argc, char **argv)
{
	d->quit = true;	/* the runners stop after it */
	return 0;
}
