/*
 * mkfs.h: declarations shared by the files of mkfs.vexfs.
 *
 * The tool is split by concern: main.c (options and flow), size.c
 * (number and size parsing), probe.c (libblkid probe and wipe, mounted
 * and busy checks), populate.c (the -d tree copy) and report.c (the
 * human summary and --json).  Options live in struct mkfs_opts, filled
 * once by main.c and passed down; nothing here is global.
 */
#ifndef MKFS_MKFS_H
#define MKFS_MKFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <vexfs/vexfs.h>

#define PROG "mkfs.vexfs"

/* exit codes (man page EXIT STATUS) */
#define EXIT_OK		0
#define EXIT_OPER	1	/* I/O error, population failed */
#define EXIT_USAGE	2	/* bad option, argument or size */
#define EXIT_REFUSED	4	/* existing data, mounted or busy device */

struct mkfs_opts {
	const char *device;
	const char *size_arg;		/* NULL: the whole device */
	const char *populate_dir;	/* -d */
	int force;			/* -F count */
	bool dry_run;			/* -n */
	bool quiet;			/* -q */
	bool verbose;			/* -v */
	bool json;			/* --json */
	bool root_owner_set;		/* -E root_owner given */
	uint32_t root_uid, root_gid;
	int64_t now;			/* SOURCE_DATE_EPOCH or time(NULL) */
	bool now_fixed;			/* from SOURCE_DATE_EPOCH */
	/* which parameters the user gave (to blame the right option) */
	bool set_block, set_groups, set_inodes, set_ratio, set_journal;
	const char *arg_block, *arg_groups, *arg_inodes, *arg_ratio,
		   *arg_journal;
	uint64_t journal_mib;		/* -J size= */
	struct vx_mkfs_params params;	/* as given; plan.c derives the rest */
	uint64_t size_bytes;		/* SIZE in bytes, 0: whole device */
	uint64_t dev_bytes;		/* size the filesystem may use */
	char **owned;			/* option strings, freed at exit */
	size_t nowned;
};

/* ---- options.c */
/* parse_options - fill @o from argv and the environment.  Returns -1 to
 * go on, or the exit code (0 after --help/--version, 2 after an error,
 * whose message and the usage went to stderr).  *@ctx gets the popt
 * context, which owns DEVICE and SIZE: free it with poptFreeContext()
 * after the last use of @o. */
int parse_options(int argc, const char **argv, struct mkfs_opts *o,
		  void **ctx);
void opts_release(struct mkfs_opts *o);

/* ---- plan.c */
/* build_params - the vx_fs_plan() parameters from @o, with the options
 * in @ignore (PLAN_IGNORE_* bits) taken as not given. */
#define PLAN_IGNORE_B	0x01
#define PLAN_IGNORE_G	0x02
#define PLAN_IGNORE_N	0x04
#define PLAN_IGNORE_I	0x08
#define PLAN_IGNORE_J	0x10
void build_params(const struct mkfs_opts *o, unsigned ignore,
		  struct vx_mkfs_params *p);
/* plan_layout - vx_fs_plan() for @o; on failure prints a message naming
 * the option or the size at fault and returns the exit code; 0 if fine. */
int plan_layout(const struct mkfs_opts *o, struct vx_super *sb);

/* ---- size.c */
/* parse_u64 - a plain decimal (or 0x hex) number.  0, -EINVAL, -ERANGE */
int parse_u64(const char *s, uint64_t *out);
/*
 * parse_size - a number with an optional binary suffix: K, M, G, T, P, E
 * (also KiB, KB, k...; all powers of 1024) giving bytes, or s for
 * 512-byte sectors; a bare number is multiplied by @bare_unit.
 * Returns 0, -EINVAL (syntax) or -ERANGE (overflows 64 bits).
 */
int parse_size(const char *s, uint64_t bare_unit, uint64_t *out);
/* human_bytes - "64.0 MiB"; @buf of at least 32 bytes. */
const char *human_bytes(uint64_t bytes, char *buf, size_t len);

/* ---- probe.c */
#define PROBE_MAX_SIGS 8

struct probe_sig {
	char type[32];		/* "ext4", "gpt", "vexfs" */
	char label[96];		/* may be empty */
	char what[24];		/* "file system", "partition table", ... */
	uint64_t offset;	/* byte offset of the magic, if known */
};

struct probe_result {
	int nsigs;
	struct probe_sig sigs[PROBE_MAX_SIGS];
	/* in-use state */
	bool mounted;
	char mountpoint[4096];
	bool busy;		/* holders, swap, attached loop device */
	char busy_by[300];	/* "/dev/loop3", "swap", "dm-0" */
	bool busy_loop;		/* busy only because a loop is attached */
};

/* probe_device - find signatures (libblkid and VexFS) on @path and
 * whether it is mounted or in use.  @st is its stat.  Returns 0 or
 * -errno (the message is left to the caller). */
int probe_device(const char *path, const struct stat *st,
		 struct probe_result *res);
/* probe_describe - "a ext4 file system labelled 'x'" into @buf */
void probe_describe(const struct probe_sig *sig, char *buf, size_t len);
/* wipe_signatures - erase every libblkid-known signature and any old
 * VexFS superblock (primary and backups) on @path.  Prints notes with
 * @verbose.  Returns 0 or -errno. */
int wipe_signatures(const char *path, bool verbose, bool to_stderr);

/* ---- populate.c */
struct populate_stats {
	uint64_t files, dirs, symlinks, hardlinks, special, skipped;
	uint64_t bytes;
};

/*
 * populate_tree - copy the tree under the directory open at @dirfd
 * (named @dirname for messages) into the root of @fs.  The root takes
 * the mode, owner and times of the directory itself (owner overridden by
 * -E root_owner).  Prints the message for the first failure (naming the
 * host path) and returns its code; 0 on success.
 */
/* prefetch.c: background read-ahead of the source tree (best effort);
 * it walks PREFETCH_DEPTH levels and holds at most PREFETCH_FDS fds */
#define PREFETCH_DEPTH	16
#define PREFETCH_FDS	(PREFETCH_DEPTH + 3)
struct prefetch;
struct prefetch *prefetch_start(int dirfd);	/* NULL: none, carry on */
void prefetch_consumed(struct prefetch *pf, uint64_t bytes);
void prefetch_stop(struct prefetch *pf);	/* NULL is fine */

int populate_tree(struct vx_fs *fs, int dirfd, const char *dirname,
		  const struct mkfs_opts *o, const struct stat *image_st,
		  struct populate_stats *stats);

/* ---- report.c */
struct report {
	const struct mkfs_opts *o;
	const struct vx_super *sb;
	const struct probe_result *probe;	/* may be NULL */
	const struct populate_stats *pop;	/* NULL without -d */
	bool written;				/* false for -n */
};

/* report_human - the mke2fs-like summary on stdout (-v: per group). */
void report_human(const struct report *r);
/* report_json - the layout as one JSON object on stdout.  0 or -ENOMEM */
int report_json(const struct report *r);
/* note - a progress line: stdout, or stderr with --json; not with -q. */
void note(const struct mkfs_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* MKFS_MKFS_H */
