/*
 * debugfs.h: debugfs.vexfs, shared between its files.
 *
 * main.c parses the command line and runs -R requests, -f scripts or the
 * shell (shell.c); cmd.c holds the one command table and the dispatcher,
 * which checks each command's preconditions (flags) once, split.c the
 * tokenizer; session.c opens and closes the device and keeps the
 * transaction stack; path.c resolves paths and numbers.  The handlers
 * live in files named for what they do:
 *   cmd_nav.c       cd, pwd, ls, stat, cat, blocks, bmap, find
 *   cmd_inspect.c   icheck, ncheck: where blocks and names are
 *   cmd_dirindex.c  dirsearch, htree: a directory's index
 *   cmd_dump.c      dump and rdump to the host
 *   cmd_edit.c      write, mkdir, rm, rmdir, mv, ln, symlink, mknod,
 *                   truncate, chmod, chown, touch
 *   cmd_copyin.c    copy_in
 *   cmd_txn.c       begin, commit, abort, txn
 *   cmd_fsview.c    stats, groups, freefrag, txstats
 *   cmd_journal.c   logdump, journal_recover
 *   cmd_low.c       block_dump, set_super_value, set_inode_field,
 *                   zap_block, check
 *
 * A handler returns 0 or DBG_FAIL after printing its error with
 * dbg_err()/dbg_fail(), which name the command and, for -R and -f, the
 * line it came from.
 */
#ifndef DEBUGFS_VEXFS_H
#define DEBUGFS_VEXFS_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>
#include <vexfs/vexfs.h>

/* exit codes (debugfs.vexfs(8)) */
#define DBG_EXIT_OK	0
#define DBG_EXIT_FAIL	1	/* a command failed (or the device named
				 * on the command line could not be opened) */
#define DBG_EXIT_USAGE	2	/* bad command line */

#define DBG_FAIL	1	/* handler result: the command failed */
#define DBG_MAX_DEPTH	8	/* nested transaction levels */
#define DBG_HOLD_LIMIT	(256ull << 20)	/* bytes a session holds back */

struct dbg_opts {
	bool write;			/* -w */
	bool catastrophic;		/* -c */
	bool keep_going;		/* -k */
	const char *undo;		/* -z FILE */
	const char **requests;		/* -R, in order */
	int nrequests;
	const char *script;		/* -f FILE or "-" */
	const char *device;
};

struct dbg {
	const struct dbg_opts *o;
	/* the open image (all NULL when none) */
	char *path;
	struct vx_io *dev;		/* the device */
	struct vx_io *undo;		/* -z layer over dev, or NULL */
	struct vx_io *hold;		/* read-write: holds writes back until
					 * something commits (lib/io_hold.c) */
	bool released;			/* the hold layer was released once:
					 * the device is being changed */
	struct vx_io *view;		/* in-memory layer holding the journal
					 * replayed for a read-only view */
	struct vx_io *io;		/* the top: what fs sits on and what
					 * the raw commands read */
	struct vx_fs *fs;		/* NULL: block-level commands only */
	struct vx_super sb;		/* decoded primary superblock */
	bool have_sb;
	bool want_write, cat;		/* how the image was opened (-w, -c) */
	bool rw;			/* the filesystem is open read-write */
	bool jdirty;			/* journal needs recovery (edits refused) */
	vx_ino_t cwd;
	char *cwd_path;
	struct vx_txn *txn[DBG_MAX_DEPTH];
	unsigned depth;
	struct vx_txn *cur;		/* a command's own level (cmd_edit.c),
					 * above txn[]: dbg_tx returns it */
	/* the command running, for messages */
	const char *cmd;
	const char *loc;		/* "FILE:LINE" or "-R" ; NULL interactive */
	bool interactive;
	bool quit;			/* quit ran */
};

/* command flags: preconditions the dispatcher checks */
#define DBG_NEED_DEV	0x01	/* an open device */
#define DBG_NEED_FS	0x02	/* an open filesystem (not only a device) */
#define DBG_NEED_RW	0x04	/* opened with -w */
#define DBG_NO_TXN	0x08	/* not inside begin ... commit */
#define DBG_EDIT	0x10	/* changes files: refused with -c, with a
				 * dirty journal, and read-only */
#define DBG_ARG_PATH	0x20	/* completion: arguments are image paths */
#define DBG_ARG_HOST	0x40	/* completion: host paths */
#define DBG_TXN_CTL	0x80	/* begin: opens a transaction, so the
				 * hold layer keeps holding (see cmd.c) */

typedef int (*dbg_fn)(struct dbg *d, int argc, char **argv);

struct dbg_cmd {
	const char *name;
	const char *alias;		/* NULL or a second name */
	dbg_fn fn;
	unsigned flags;
	const char *usage;		/* arguments after the name */
	const char *help;		/* one line */
};

/* cmd.c */
extern const struct dbg_cmd dbg_cmds[];
const struct dbg_cmd *dbg_find_cmd(const char *name);
/* split @line into words ('...', "...", backslash escapes; a word
 * starting with # ends the line); returns the count or -1 on an
 * unterminated quote; *@argv is one allocation (free it) */
int dbg_split(const char *line, char ***argv);
/* run one command line; returns 0, DBG_FAIL */
int dbg_run_line(struct dbg *d, const char *line);
void dbg_usage(struct dbg *d, const struct dbg_cmd *c);
/* reset getopt for a handler's own option parsing */
void dbg_getopt_reset(void);

/* messages: "debugfs.vexfs: [LOC: ]CMD: message" on stderr */
void dbg_err(struct dbg *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void dbg_warn(struct dbg *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* dbg_err with ": " vx_strerror(@err) appended; returns DBG_FAIL */
int dbg_fail(struct dbg *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* print @obj pretty on stdout and free it */
void dbg_json_print(json_object *obj);

/* session.c */
int dbg_open(struct dbg *d, const char *path, bool write, bool cat);
int dbg_close(struct dbg *d);
/* the transaction commands run in: the innermost open, or NULL */
struct vx_txn *dbg_tx(struct dbg *d);
/* abort every open transaction (end of a script, close) */
void dbg_abort_all(struct dbg *d, const char *why);
/* after a raw write to d->io: drop the filesystem's caches by opening
 * it again (falls back to block-level commands when it no longer opens) */
int dbg_reopen_fs(struct dbg *d);
/* make what is committed reach the device, so raw reads see it (no-op
 * inside a transaction or read-only) */
void dbg_sync_for_raw(struct dbg *d);
/* the io under the read-only view: hold, undo or the device */
struct vx_io *dbg_base_io(struct dbg *d);
/* write what the hold layer holds to the device and pass writes through
 * from now on (before a change outside a transaction, after the
 * outermost commit); prints the error */
int dbg_release(struct dbg *d);
uint32_t dbg_bsize(const struct dbg *d);
/* read/write block @blk of d->io into @buf (dbg_bsize bytes) */
int dbg_read_block(struct dbg *d, vx_blk_t blk, void *buf);
int dbg_write_block(struct dbg *d, vx_blk_t blk, const void *buf);

/* path.c */
/* resolve @path (absolute or from the cwd); follows inner symlinks and
 * the last one with @follow; prints the error naming @path on failure */
int dbg_lookup(struct dbg *d, const char *path, bool follow, vx_ino_t *ino);
/* accept "<N>" (an inode number) as well as a path */
int dbg_inode_arg(struct dbg *d, const char *arg, vx_ino_t *ino);
/* split @path into its parent directory (resolved) and last component
 * (copied into @name, VX_NAME_MAX + 1 bytes); prints errors */
int dbg_parent(struct dbg *d, const char *path, vx_ino_t *dir, char *name);
/* the path of directory @dir from the root, walking ".." (malloc; NULL
 * when it does not reach the root) */
char *dbg_dir_path(struct dbg *d, vx_ino_t dir);
/* parse a number (0x.., decimal); -1 when not one or above @max */
int dbg_number(const char *s, unsigned long long max,
	       unsigned long long *out);

/* handlers, by file */
int cmd_help(struct dbg *, int, char **);
int cmd_quit(struct dbg *, int, char **);
int cmd_open(struct dbg *, int, char **);
int cmd_close(struct dbg *, int, char **);
/* cmd_nav.c */
int cmd_cd(struct dbg *, int, char **);
int cmd_pwd(struct dbg *, int, char **);
int cmd_ls(struct dbg *, int, char **);
int cmd_stat(struct dbg *, int, char **);
int cmd_cat(struct dbg *, int, char **);
int cmd_blocks(struct dbg *, int, char **);
int cmd_bmap(struct dbg *, int, char **);
int cmd_find(struct dbg *, int, char **);
/* cmd_inspect.c */
/* "regular", "directory", ... for a VX_FT_* value */
const char *dbg_ftype_name(unsigned type);
/* sync for raw reads, and warn that they show the committed state when
 * a transaction is open */
void dbg_raw_note(struct dbg *d);
int cmd_icheck(struct dbg *, int, char **);
int cmd_ncheck(struct dbg *, int, char **);
/* cmd_dirindex.c */
int cmd_dirsearch(struct dbg *, int, char **);
int cmd_htree(struct dbg *, int, char **);
/* cmd_dump.c */
int cmd_dump(struct dbg *, int, char **);
int cmd_rdump(struct dbg *, int, char **);
/* cmd_edit.c */
int cmd_write(struct dbg *, int, char **);
int cmd_mkdir(struct dbg *, int, char **);
int cmd_rm(struct dbg *, int, char **);
int cmd_rmdir(struct dbg *, int, char **);
int cmd_mv(struct dbg *, int, char **);
int cmd_ln(struct dbg *, int, char **);
int cmd_symlink(struct dbg *, int, char **);
int cmd_truncate(struct dbg *, int, char **);
int cmd_chmod(struct dbg *, int, char **);
int cmd_chown(struct dbg *, int, char **);
int cmd_touch(struct dbg *, int, char **);
int cmd_mknod(struct dbg *, int, char **);
/* helpers shared with cmd_copyin.c: a command's own transaction (a
 * nested level inside an open one), committed when @ret is 0 and aborted
 * otherwise; a host file's attributes; a regular file @name in @dir
 * holding host @fd's bytes (holes kept); mv/ln/copy_in's destination
 * (into @to when it is a directory) */
struct stat;
int dbg_edit_begin(struct dbg *d, struct vx_txn **tx);
int dbg_edit_end(struct dbg *d, struct vx_txn *tx, int ret);
void dbg_attr_of(const struct stat *st, struct vx_attr *a);
int dbg_write_file(struct dbg *d, struct vx_txn *tx, int fd, const char *host,
		   const struct stat *st, vx_ino_t dir, const char *name,
		   const char *shown);
int dbg_dest_in(struct dbg *d, struct vx_txn *tx, const char *from,
		const char *to, vx_ino_t *dir, char *name);
/* cmd_copyin.c */
int cmd_copy_in(struct dbg *, int, char **);
/* cmd_txn.c */
int cmd_begin(struct dbg *, int, char **);
int cmd_commit(struct dbg *, int, char **);
int cmd_abort(struct dbg *, int, char **);
int cmd_txn(struct dbg *, int, char **);
/* cmd_fsview.c */
int cmd_stats(struct dbg *, int, char **);
int cmd_groups(struct dbg *, int, char **);
int cmd_freefrag(struct dbg *, int, char **);
int cmd_txstats(struct dbg *, int, char **);
/* cmd_journal.c */
int cmd_logdump(struct dbg *, int, char **);
int cmd_journal_recover(struct dbg *, int, char **);
/* cmd_low.c */
int cmd_block_dump(struct dbg *, int, char **);
int cmd_set_super_value(struct dbg *, int, char **);
int cmd_set_inode_field(struct dbg *, int, char **);
int cmd_zap_block(struct dbg *, int, char **);
int cmd_check(struct dbg *, int, char **);

/* shell.c */
int dbg_shell(struct dbg *d);

#endif /* DEBUGFS_VEXFS_H */
