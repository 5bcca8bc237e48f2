/*
 * fuzz_split.c: libFuzzer target for the debugfs.vexfs command-line
 * tokenizer (debugfs/split.c, dbg_split).
 *
 * The input is a command line (bytes up to the first NUL).  Splitting it
 * must not fail except for an unterminated quote, and every word must
 * lie in the one allocation dbg_split returns (ASan checks the bounds).
 * Then the round trip: each word is quoted back (every character behind
 * a backslash, an empty word as ''), the words joined with blanks and
 * split again; the result must be the same words, in order.  Violations
 * abort.
 *
 * With VX_FUZZ_SEEDS=DIR in the environment the binary writes its seed
 * corpus (command lines of the kinds scripts hold) to DIR and exits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_common.h"

#include "../../debugfs/split.c"

/* @w quoted so that dbg_split gives it back */
static size_t quote(const char *w, char *out)
{
	size_t n = 0;

	if (!*w) {
		out[n++] = '\'';
		out[n++] = '\'';
	}
	for (; *w; w++) {
		out[n++] = '\\';
		out[n++] = *w;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1), *joined, **argv, **again;
	size_t len = 0;
	int argc, argc2;

	CHECK(line);
	memcpy(line, data, size);
	line[size] = 0;
	argc = dbg_split(line, &argv);
	if (argc < 0) {
		free(line);
		return 0;	/* an unterminated quote */
	}
	CHECK(argv[argc] == NULL);
	joined = malloc(2 * strlen(line) + 3 * (size_t)argc + 3);
	CHECK(joined);
	for (int i = 0; i < argc; i++) {
		if (i)
			joined[len++] = ' ';
		len += quote(argv[i], joined + len);
	}
	joined[len] = 0;
	argc2 = dbg_split(joined, &again);
	CHECK(argc2 == argc);
	for (int i = 0; i < argc; i++)
		CHECK(!strcmp(argv[i], again[i]));
	free(again);
	free(joined);
	free(argv);
	free(line);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const lines[] = {
		"ls -l /", "cat \"/with space\"", "write '/tmp/a b' /x # c",
		"mkdir /a\\ b", "begin --nested", "set_inode_field <12> mode 0644",
		"touch -t 1700000000.5 \"/q\\\"uote\"", "  \t", "'' \"\"",
		"rdump / /tmp/out\n",
	};
	const char *dir = getenv("VX_FUZZ_SEEDS");
	char name[32];

	if (!dir)
		return 0;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(name, sizeof(name), "line-%zu", i);
		fuzz_seed_file(dir, name, lines[i], strlen(lines[i]));
	}
	exit(0);
}
