/*
 * shell.c: the interactive shell of debugfs.vexfs, on a terminal only
 * (main.c reads standard input as a script otherwise).
 *
 * Lines are read with libedit's native API (EditLine, History) and run
 * one by one through dbg_run_line() until EOF (Ctrl-D) or `quit`.
 *
 * Prompt: "debugfs.vexfs:CWD> ", "debugfs.vexfs> " when no filesystem
 * is open, with " [txn N]" before the '>' while N transaction levels are
 * open.
 *
 * Keys that raise signals: while a line is edited the terminal's ISIG
 * is off (libedit's "setty -d -isig"), so the interrupt key (Ctrl-C)
 * reaches the editor in order with the other keys and is bound to
 * vx-cancel: "^C", a new line and a fresh prompt, the line dropped (a
 * SIGINT handler could not do that reliably: a signal that arrives while
 * libedit is not blocked in read() does not end the read).  The suspend
 * and quit keys raise SIGTSTP and SIGQUIT themselves; libedit's signal
 * handling (EL_SIGNAL) restores the terminal around them.  While a
 * command runs the terminal is as the user left it and Ctrl-C ends the
 * program (nothing an open transaction did is in the image).
 * Transactions still open when the shell ends are aborted here: main.c
 * leaves that to the shell in interactive mode.
 *
 * History: kept in memory (1000 lines; a line equal to the previous one
 * and lines starting with a space are not recorded) and saved after
 * every command to $DEBUGFS_VEXFS_HISTORY (set but empty: not saved),
 * else $XDG_STATE_HOME/vexfs/debugfs_history, else
 * ~/.local/state/vexfs/debugfs_history (directories made, mode 0700).
 * A history file that cannot be read or written is a warning, given
 * once; the shell goes on, and a file that exists but cannot be read as
 * a history is not overwritten.  Two sessions at once: the last to save
 * wins.
 *
 * Completion (Tab, bound to "vx-complete"; ~/.editrc may rebind it):
 * the first word completes command names and aliases.  What a later
 * word completes is read from the command's usage line in cmd.c, so the
 * table stays the one place that describes arguments:
 *   - option groups "[-x]" and "[-x ARG]" are skipped; a typed option
 *     that takes an argument (-m MODE, -t SECONDS, ...) hides the next
 *     word, and a word starting with '-' completes nothing;
 *   - the other usage words are positional slots; "X..." repeats;
 *   - a slot named HOST* or DEVICE is a host path (commands flagged
 *     DBG_ARG_HOST), COMMAND a command name, any other slot an image
 *     path when the command is flagged DBG_ARG_PATH.
 * After a repeating slot a word may belong to it or to a later slot
 * (rdump's "PATH... HOSTDIR"): such a word completes image paths, and
 * host paths when no name in the image matches.  Image paths are
 * resolved from the working directory inside the open transaction (so
 * names made in it complete); host paths from the current directory,
 * without "~" expansion (the tokenizer does not expand it either).
 * One match completes fully, with "/" after a directory (symlinks are
 * followed to decide) and a space after anything else; several extend
 * the word to their common prefix, and a second Tab on the same line
 * lists them (libedit's own behaviour), or only their count beyond
 * LIST_MAX.  Inserted text is escaped as dbg_split() reads it: inside
 * an open quote, or with backslashes before blanks, quotes, '\' and '#'.
 */
#include <dirent.h>
#include <errno.h>
#include <histedit.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "debugfs.h"

#define HIST_SIZE	1000
#define LIST_MAX	512	/* names a second Tab lists */
#define MAX_SLOTS	8
#define MAX_OPTARGS	8

struct shell {
	struct dbg *d;
	EditLine *el;
	History *hist;
	char *histfile;		/* NULL: history not saved */
	bool hist_warned;	/* a write failure was reported */
	char *prompt;
	char *tab_line;		/* the line after the last ambiguous Tab */
	size_t tab_cursor;
	bool cancelled;		/* vx-cancel ended the line */
};

/* ---- prompt and history -------------------------------------------- */

static char *prompt_fn(EditLine *el)
{
	struct shell *s;

	el_get(el, EL_CLIENTDATA, &s);
	return s->prompt ? s->prompt : "debugfs.vexfs> ";
}

static void make_prompt(struct shell *s)
{
	struct dbg *d = s->d;
	char txn[32] = "";

	if (d->depth)
		snprintf(txn, sizeof(txn), " [txn %u]", d->depth);
	free(s->prompt);
	if (asprintf(&s->prompt, "debugfs.vexfs%s%s%s> ",
		     d->io && d->fs && d->cwd_path ? ":" : "",
		     d->io && d->fs && d->cwd_path ? d->cwd_path : "", txn) < 0)
		s->prompt = NULL;
}

/* mkdir -p @dir with mode 0700 */
static int make_dirs(char *dir)
{
	struct stat st;

	for (char *p = dir + 1; ; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;

		*p = 0;
		if (mkdir(dir, 0700) && errno != EEXIST) {
			*p = c;
			return -1;
		}
		*p = c;
		if (!c)
			break;
	}
	if (stat(dir, &st))
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/* where history is kept (malloc), NULL when it is not */
static char *history_path(struct dbg *d)
{
	const char *env = getenv("DEBUGFS_VEXFS_HISTORY");
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char *dir = NULL, *path = NULL;

	if (env)
		return *env ? strdup(env) : NULL;
	if (state && *state == '/') {
		if (asprintf(&dir, "%s/vexfs", state) < 0)
			return NULL;
	} else {
		if (!home || !*home) {
			struct passwd *pw = getpwuid(getuid());

			home = pw ? pw->pw_dir : NULL;
		}
		if (!home) {
			dbg_warn(d, "no home directory: command history is not "
				 "saved (set DEBUGFS_VEXFS_HISTORY to a file)");
			return NULL;
		}
		if (asprintf(&dir, "%s/.local/state/vexfs", home) < 0)
			return NULL;
	}
	if (make_dirs(dir))
		dbg_warn(d, "cannot make the directory %s: %s; command history "
			 "is not saved (DEBUGFS_VEXFS_HISTORY names another "
			 "file)", dir, strerror(errno));
	else if (asprintf(&path, "%s/debugfs_history", dir) < 0)
		path = NULL;
	free(dir);
	return path;
}

static int history_start(struct shell *s)
{
	HistEvent ev;

	s->hist = history_init();
	if (!s->hist)
		return -ENOMEM;
	history(s->hist, &ev, H_SETSIZE, HIST_SIZE);
	history(s->hist, &ev, H_SETUNIQUE, 1);
	s->histfile = history_path(s->d);
	if (!s->histfile)
		return 0;
	errno = 0;
	if (history(s->hist, &ev, H_LOAD, s->histfile) == -1 &&
	    errno != ENOENT) {
		/* saving would overwrite what could not be read */
		dbg_warn(s->d, "cannot read the history file %s: %s; this "
			 "session's history is not saved to it",
			 s->histfile, errno ? strerror(errno) :
			 "not a history file");
		free(s->histfile);
		s->histfile = NULL;
	}
	return 0;
}

/* record @line (no trailing newline) and save the history file */
static void history_add(struct shell *s, const char *line)
{
	HistEvent ev;

	if (!*line || *line == ' ')
		return;
	history(s->hist, &ev, H_ENTER, line);
	if (!s->histfile)
		return;
	errno = 0;
	if (history(s->hist, &ev, H_SAVE, s->histfile) == -1 &&
	    !s->hist_warned) {
		s->hist_warned = true;
		dbg_warn(s->d, "cannot write the history file %s: %s; history "
			 "of this session is not saved", s->histfile,
			 errno ? strerror(errno) : "write error");
	}
}

/* ---- what the word under the cursor is ----------------------------- */

/* the line up to the cursor split into words; the last is the one being
 * completed (possibly empty) */
struct cword {
	char **argv;		/* one allocation, with the text */
	int argc;
	char quote;		/* quote open at the cursor, or 0 */
};

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* as dbg_split(); -1 (nothing to complete) inside a comment or after a
 * lone backslash */
static int split_prefix(const char *buf, size_t len, struct cword *w)
{
	char *out;
	size_t i = 0;

	w->argv = malloc((len + 2) * sizeof(char *) + len + 1);
	if (!w->argv)
		return -1;
	out = (char *)(w->argv + len + 2);
	w->argc = 0;
	w->quote = 0;
	for (;;) {
		while (i < len && blank(buf[i]))
			i++;
		if (i < len && buf[i] == '#')
			return -1;
		w->argv[w->argc++] = out;
		for (; i < len; i++) {
			char c = buf[i];

			if (w->quote && c == w->quote) {
				w->quote = 0;
			} else if (c == '\\' && w->quote != '\'') {
				if (i + 1 == len)
					return -1;
				*out++ = buf[++i];
			} else if (w->quote) {
				*out++ = c;
			} else if (c == '\'' || c == '"') {
				w->quote = c;
			} else if (blank(c)) {
				break;
			} else {
				*out++ = c;
			}
		}
		*out++ = 0;
		if (i == len)
			return 0;
	}
}

/* what a command's arguments are, read from its usage line */
enum { K_IMAGE = 1, K_HOST = 2, K_CMD = 4 };

struct slots {
	unsigned kind[MAX_SLOTS];
	int n, rep;			/* rep: the "X..." slot, or -1 */
	char optarg[MAX_OPTARGS][16];	/* options that take a value */
	int nopt;
};

static unsigned slot_kind(const struct dbg_cmd *c, const char *tok)
{
	size_t n = strcspn(tok, "|[.]");

	if ((c->flags & DBG_ARG_HOST) &&
	    ((n >= 4 && !strncmp(tok, "HOST", 4)) ||
	     (n == 6 && !strncmp(tok, "DEVICE", 6))))
		return K_HOST;
	if (n == 7 && !strncmp(tok, "COMMAND", 7))
		return K_CMD;
	return c->flags & DBG_ARG_PATH ? K_IMAGE : 0;
}

static void read_usage(const struct dbg_cmd *c, struct slots *sl)
{
	char *u = strdup(c->usage), *save = NULL, *opt = NULL;
	bool in_opt = false;
	int depth = 0;

	sl->n = sl->nopt = 0;
	sl->rep = -1;
	for (char *t = u ? strtok_r(u, " ", &save) : NULL; t;
	     t = strtok_r(NULL, " ", &save)) {
		char *s = t + strspn(t, "[");
		size_t len = strcspn(s, "]");

		for (char *p = t; *p; p++)
			depth += *p == '[' ? 1 : *p == ']' ? -1 : 0;
		if (!in_opt && t[0] == '[' && t[1] == '-')
			in_opt = true;
		if (in_opt && s[0] == '-') {
			opt = s;
			s[len] = 0;
		} else if (in_opt && s[0] != '|' && opt) {
			if (sl->nopt < MAX_OPTARGS && strlen(opt) < 16)
				strcpy(sl->optarg[sl->nopt++], opt);
			opt = NULL;
		} else if (!in_opt && sl->n < MAX_SLOTS) {
			if (len >= 3 && !strncmp(s + len - 3, "...", 3))
				sl->rep = sl->n;
			sl->kind[sl->n++] = slot_kind(c, s);
		}
		if (depth <= 0) {
			depth = 0;
			in_opt = false;
			opt = NULL;
		}
	}
	free(u);
}

/* kinds of the word being completed (K_* bits, 0: nothing) */
static unsigned word_kinds(const struct dbg_cmd *c, const struct cword *w)
{
	const char *cur = w->argv[w->argc - 1];
	struct slots sl;
	unsigned kinds = 0;
	int pos = 0;

	if (*cur == '-')
		return 0;
	read_usage(c, &sl);
	for (int i = 1; i < w->argc - 1; i++) {
		const char *a = w->argv[i];

		if (a[0] != '-' || !a[1]) {
			pos++;
			continue;
		}
		for (int k = 0; k < sl.nopt; k++)
			if (!strcmp(a, sl.optarg[k])) {
				if (++i == w->argc - 1)
					return 0;	/* the option's value */
				break;
			}
	}
	if (sl.rep < 0 || pos < sl.rep)
		return pos < sl.n ? sl.kind[pos] : 0;
	for (int k = sl.rep; k < sl.n && k - sl.rep <= pos - sl.rep; k++)
		kinds |= sl.kind[k];
	return kinds;
}

/* ---- candidates ----------------------------------------------------- */

struct cands {
	const char *base;	/* the word's last component so far */
	size_t blen;
	char *common;		/* longest prefix of every match */
	size_t clen;
	size_t count;
	int isdir;		/* the first match: 1, 0, -1 not known */
	char *list[LIST_MAX];
	size_t nlist;
};

static void cand_add(struct cands *c, const char *name, size_t len,
		     int isdir)
{
	size_t i = 0;

	if (len < c->blen || memcmp(name, c->base, c->blen))
		return;
	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return;		/* "." and ".." */
	if (c->count++ == 0) {
		c->common = strndup(name, len);
		c->clen = c->common ? len : 0;
		c->isdir = isdir;
	} else {
		while (i < c->clen && i < len && c->common[i] == name[i])
			i++;
		c->clen = i;
	}
	if (c->nlist < LIST_MAX &&
	    asprintf(&c->list[c->nlist], "%.*s%s", (int)len, name,
		     isdir == 1 ? "/" : "") >= 0)
		c->nlist++;
}

static void cands_free(struct cands *c)
{
	free(c->common);
	for (size_t i = 0; i < c->nlist; i++)
		free(c->list[i]);
}

static void complete_cmds(struct cands *c)
{
	for (const struct dbg_cmd *t = dbg_cmds; t->name; t++) {
		cand_add(c, t->name, strlen(t->name), 0);
		if (t->alias)
			cand_add(c, t->alias, strlen(t->alias), 0);
	}
}

struct image_walk {
	struct cands *c;
	unsigned first_type;
};

static int image_entry(void *ctx, const char *name, size_t len,
		       vx_ino_t ino, unsigned type)
{
	struct image_walk *iw = ctx;
	size_t before = iw->c->count;

	cand_add(iw->c, name, len, type == VX_FT_DIR ? 1 :
		 type == VX_FT_LNK ? -1 : 0);
	if (before == 0 && iw->c->count == 1)
		iw->first_type = type;
	return 0;
}

/* names in the image directory @dir ("" the working directory) */
static void complete_image(struct dbg *d, const char *dir, struct cands *c)
{
	struct image_walk iw = { .c = c };
	struct vx_attr a;
	vx_ino_t ino = d->cwd;
	char *path = NULL;

	if (!d->fs)
		return;
	if (*dir && vx_lookup_path(d->fs, dbg_tx(d), d->cwd, dir,
				   VX_LOOKUP_FOLLOW, &ino))
		return;
	if (vx_readdir(d->fs, dbg_tx(d), ino, image_entry, &iw))
		return;
	if (c->count != 1 || iw.first_type != VX_FT_LNK)
		return;
	/* one symlink: a directory if it leads to one */
	if (asprintf(&path, "%s%s", dir, c->common) < 0)
		return;
	c->isdir = !vx_lookup_path(d->fs, dbg_tx(d), d->cwd, path,
				   VX_LOOKUP_FOLLOW, &ino) &&
		   !vx_stat(d->fs, dbg_tx(d), ino, &a) && S_ISDIR(a.mode);
	free(path);
}

static void complete_host(const char *dir, struct cands *c)
{
	DIR *dh = opendir(*dir ? dir : ".");
	struct dirent *e;
	struct stat st;
	char *path;

	if (!dh)
		return;
	while ((e = readdir(dh))) {
		int isdir = e->d_type == DT_DIR;
		size_t len = strlen(e->d_name);

		if (len < c->blen || memcmp(e->d_name, c->base, c->blen))
			continue;
		if ((e->d_type == DT_LNK || e->d_type == DT_UNKNOWN) &&
		    asprintf(&path, "%s%s", dir, e->d_name) >= 0) {
			isdir = !stat(path, &st) && S_ISDIR(st.st_mode);
			free(path);
		}
		cand_add(c, e->d_name, len, isdir);
	}
	closedir(dh);
}

/* ---- inserting and listing ------------------------------------------ */

/* @n bytes of @s escaped for dbg_split() (malloc) */
static char *escape(const char *s, size_t n, char quote)
{
	char *out = malloc(4 * n + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (quote == '\'' && ch == '\'') {
			memcpy(o, "'\\''", 4);	/* close, escaped ', reopen */
			o += 4;
			continue;
		}
		if ((quote == '"' && (ch == '"' || ch == '\\')) ||
		    (!quote && (blank(ch) || strchr("\\'\"#", ch))))
			*o++ = '\\';
		*o++ = ch;
	}
	*o = 0;
	return out;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* print the matches in columns under the line */
static void list_cands(struct cands *c)
{
	struct winsize ws;
	size_t width = 80, colw = 1, cols, rows;

	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col)
		width = ws.ws_col;
	putchar('\n');
	if (c->count > c->nlist) {
		printf("%zu names match; type more of the name\n", c->count);
		return;
	}
	if (c->nlist)
		qsort(c->list, c->nlist, sizeof(char *), cmp_str);
	for (size_t i = 0; i < c->nlist; i++)
		if (strlen(c->list[i]) + 2 > colw)
			colw = strlen(c->list[i]) + 2;
	cols = width / colw ? width / colw : 1;
	rows = (c->nlist + cols - 1) / cols;
	for (size_t r = 0; r < rows; r++) {
		for (size_t k = 0; k < cols; k++) {
			size_t i = k * rows + r;

			if (i >= c->nlist)
				break;
			printf("%-*s", (int)(i + rows < c->nlist ? colw :
					    strlen(c->list[i])), c->list[i]);
		}
		putchar('\n');
	}
	fflush(stdout);
}

/* is this Tab the second on an unchanged line? remembers the line */
static bool second_tab(struct shell *s, const LineInfo *li)
{
	size_t len = (size_t)(li->lastchar - li->buffer);
	size_t cur = (size_t)(li->cursor - li->buffer);
	bool same = s->tab_line && s->tab_cursor == cur &&
		    strlen(s->tab_line) == len &&
		    !memcmp(s->tab_line, li->buffer, len);

	free(s->tab_line);
	s->tab_line = strndup(li->buffer, len);
	s->tab_cursor = cur;
	return same;
}

static unsigned char apply(struct shell *s, struct cands *c, char quote)
{
	char *ins = NULL, *text;
	const char *tail = "";
	char end[3] = { 0 };

	if (!c->count)
		return CC_ERROR;
	if (c->count == 1) {
		tail = c->isdir == 1 ? "/" : " ";
		if (c->isdir != 1 && quote)
			end[0] = quote;
	} else if (c->clen == c->blen) {
		if (!second_tab(s, el_line(s->el)))
			return CC_ERROR;
		list_cands(c);
		return CC_REDISPLAY;
	}
	ins = escape(c->common + c->blen, c->clen - c->blen, quote);
	if (!ins || asprintf(&text, "%s%s%s", ins, end, tail) < 0) {
		free(ins);
		return CC_ERROR;
	}
	free(ins);
	if (el_insertstr(s->el, text)) {
		free(text);
		return CC_ERROR;
	}
	free(text);
	if (c->count > 1)
		second_tab(s, el_line(s->el));
	return CC_REFRESH;
}

static unsigned char complete_fn(EditLine *el, int ch)
{
	const LineInfo *li = el_line(el);
	struct cands c = { 0 };
	struct cword w = { 0 };
	const struct dbg_cmd *cmd;
	unsigned kinds = K_CMD;
	struct shell *s;
	char *word, *slash, *dir = NULL;
	unsigned char ret;

	el_get(el, EL_CLIENTDATA, &s);
	if (split_prefix(li->buffer, (size_t)(li->cursor - li->buffer), &w))
		goto out;
	word = w.argv[w.argc - 1];
	if (w.argc > 1) {
		cmd = dbg_find_cmd(w.argv[0]);
		kinds = cmd ? word_kinds(cmd, &w) : 0;
	}
	slash = strrchr(word, '/');
	c.base = slash && !(kinds & K_CMD) ? slash + 1 : word;
	c.blen = strlen(c.base);
	dir = strndup(word, (size_t)(c.base - word));
	if (!dir)
		goto out;
	if (kinds & K_CMD)
		complete_cmds(&c);
	if (kinds & K_IMAGE)
		complete_image(s->d, dir, &c);
	if ((kinds & K_HOST) && !c.count)
		complete_host(dir, &c);
out:
	ret = apply(s, &c, w.quote);
	cands_free(&c);
	free(dir);
	free(w.argv);
	return ret;
}

/* ---- the loop --------------------------------------------------------- */

/* the interrupt key: end the line, to be dropped by read_line() */
static unsigned char cancel_fn(EditLine *el, int ch)
{
	const LineInfo *li = el_line(el);
	struct shell *s;

	el_get(el, EL_CLIENTDATA, &s);
	s->cancelled = true;
	/* the rest of the line again, to leave the cursor after it */
	fwrite(li->cursor, 1, (size_t)(li->lastchar - li->cursor), stdout);
	fputs("^C\n", stdout);
	fflush(stdout);
	return CC_NEWLINE;
}

/* the suspend and quit keys: what the terminal would have done */
static unsigned char signal_fn(EditLine *el, int ch)
{
	cc_t c = (cc_t)ch;
	struct termios t;

	if (!tcgetattr(STDIN_FILENO, &t) && c == t.c_cc[VQUIT])
		raise(SIGQUIT);
	else
		raise(SIGTSTP);
	return CC_REDISPLAY;	/* back from a suspension */
}

/* bind @key (a terminal's special character) to @fn, when it is set */
static void bind_char(EditLine *el, cc_t key, const char *fn)
{
	char k[2] = { (char)key, 0 };

	if (key != _POSIX_VDISABLE && key)
		el_set(el, EL_BIND, k, fn, NULL);
}

static void keys_start(struct shell *s)
{
	struct termios t;

	/* wide: libedit keeps these pointers (the narrow call leaks copies) */
	el_wset(s->el, EL_ADDFN, L"vx-complete",
		L"complete a command name, image path or host path",
		complete_fn);
	el_wset(s->el, EL_ADDFN, L"vx-cancel", L"drop the line", cancel_fn);
	el_wset(s->el, EL_ADDFN, L"vx-signal", L"suspend or quit", signal_fn);
	el_set(s->el, EL_BIND, "^I", "vx-complete", NULL);
	if (tcgetattr(STDIN_FILENO, &t))
		return;
	el_set(s->el, EL_SETTY, "-d", "-isig", NULL);
	bind_char(s->el, t.c_cc[VINTR], "vx-cancel");
	bind_char(s->el, t.c_cc[VSUSP], "vx-signal");
	bind_char(s->el, t.c_cc[VQUIT], "vx-signal");
}

/* the next line without its newline (malloc), NULL at EOF; a line the
 * interrupt key ended is dropped */
static char *read_line(struct shell *s)
{
	const char *line;
	int n;

	for (;;) {
		make_prompt(s);
		s->cancelled = false;
		line = el_gets(s->el, &n);
		if (s->cancelled)
			continue;
		if (!line || n <= 0)
			return NULL;
		return strndup(line, strcspn(line, "\n"));
	}
}

int dbg_shell(struct dbg *d)
{
	struct shell s = { .d = d };
	char *line;

	if (history_start(&s)) {
		dbg_err(d, "cannot start the line editor: %s",
			strerror(ENOMEM));
		return DBG_FAIL;
	}
	s.el = el_init("debugfs.vexfs", stdin, stdout, stderr);
	if (!s.el) {
		dbg_err(d, "cannot start the line editor on this terminal "
			"(TERM=%s)", getenv("TERM") ? getenv("TERM") : "");
		history_end(s.hist);
		free(s.histfile);
		return DBG_FAIL;
	}
	el_set(s.el, EL_CLIENTDATA, &s);
	el_set(s.el, EL_EDITOR, "emacs");
	el_set(s.el, EL_SIGNAL, 1);
	el_set(s.el, EL_PROMPT, prompt_fn);
	el_set(s.el, EL_HIST, history, s.hist);
	keys_start(&s);
	el_source(s.el, NULL);	/* ~/.editrc */
	while (!d->quit && (line = read_line(&s))) {
		history_add(&s, line);
		d->loc = NULL;
		dbg_run_line(d, line);
		free(line);
	}
	if (!d->quit) {
		putchar('\n');	/* Ctrl-D: end the prompt's line */
		fflush(stdout);
	}
	d->loc = NULL;
	dbg_abort_all(d, "leaving the shell");
	el_end(s.el);
	history_end(s.hist);
	free(s.histfile);
	free(s.prompt);
	free(s.tab_line);
	return 0;
}
