/*
 * prtable.c: print the PROBLEMS table of man/fsck.vexfs.8 (tbl rows)
 * from the library's problem table, so that the man page can be
 * regenerated and checked against the code (tests/cli/2003-fsck-man.bats).
 *
 *   prtable            the rows, one per problem code, in code order:
 *                      NAME<TAB>PASS<TAB>yes|no<TAB>T{ message. question? T}
 * Format directives in messages print as an italic n (numbers) or s
 * (strings).  Exit: 0, or 1 when a code has no row.
 */
#include <stdio.h>
#include <vexfs/vexfs.h>

/* a message or question in roff: %.. as italic n or s, escapes */
static void text(const char *s)
{
	for (; *s; s++) {
		if (*s == '%') {
			s++;
			while (*s == 'l' || *s == 'h' || *s == 'z')
				s++;
			fputs(*s == 's' ? "\\fIs\\fP" : "\\fIn\\fP", stdout);
			continue;
		}
		switch (*s) {
		case '\'': fputs("\\(aq", stdout); break;
		case '\\': fputs("\\e", stdout); break;
		case '-': fputs("\\-", stdout); break;
		default: putchar(*s);
		}
	}
}

int main(void)
{
	for (int c = 1; c < VX_PR_LAST; c++) {
		const struct vx_problem *p = vx_check_problem(c);

		if (!p) {
			fprintf(stderr, "prtable: code %d has no row\n", c);
			return 1;
		}
		printf("%s\t%d\t%s\tT{\n\\&", p->name, p->pass,
		       p->flags & VX_PRF_PREEN ? "yes" : "no");
		text(p->fmt);
		printf(".\n\\fI");
		text(p->question);
		printf("?\\fP\nT}\n");
	}
	return 0;
}
