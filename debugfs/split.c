/*
 * split.c: the tokenizer of debugfs.vexfs command lines.
 *
 * A line is split into words at blanks (space, tab, CR, LF).  Inside a
 * word, '...' quotes everything literally, "..." quotes everything but
 * a backslash, which takes the next character literally, and outside
 * quotes a backslash takes the next character literally.  A word that
 * starts with '#' ends the line (comments).  An unterminated quote is
 * an error.  The words are returned in one allocation (the pointer
 * array followed by the characters), which is at most 2.5 times the
 * line's length plus a constant: every word needs at least one
 * character of the line plus a blank or the end.
 * tests/fuzz/fuzz_split.c checks that quoting any list of words and
 * splitting the result gives the words back.
 */
#include <stdlib.h>
#include <string.h>

#include "debugfs.h"

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int dbg_split(const char *line, char ***argvp)
{
	size_t len = strlen(line);
	char **argv = malloc((len / 2 + 2) * sizeof(char *) + len + 1);
	char *out, quote;
	const char *p = line;
	int argc = 0;

	if (!argv)
		return -1;
	out = (char *)(argv + len / 2 + 2);
	for (;;) {
		while (blank(*p))
			p++;
		if (!*p || *p == '#')
			break;
		argv[argc++] = out;
		quote = 0;
		for (; *p; p++) {
			if (quote) {
				if (*p == quote)
					quote = 0;
				else if (*p == '\\' && quote == '"' && p[1])
					*out++ = *++p;
				else
					*out++ = *p;
			} else if (*p == '\'' || *p == '"') {
				quote = *p;
			} else if (*p == '\\' && p[1]) {
				*out++ = *++p;
			} else if (blank(*p)) {
				break;
			} else {
				*out++ = *p;
			}
		}
		*out++ = 0;
		if (quote) {
			free(argv);
			return -1;
		}
	}
	argv[argc] = NULL;
	*argvp = argv;
	return argc;
}

