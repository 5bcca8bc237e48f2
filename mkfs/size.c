/*
 * size.c: number and size parsing for mkfs.vexfs.
 *
 * Design: strict parsers that accept the whole string or fail: no sign,
 * no leading blanks, no trailing garbage, and every multiplication
 * checked for 64-bit overflow (-ERANGE), so "99999999T" is an error
 * instead of a wrapped number.  Suffixes follow mke2fs: K, M, G, T (and
 * P, E) are powers of 1024 in either case, optionally followed by "iB"
 * or "B"; "s" means 512-byte sectors.  A bare number is multiplied by a
 * unit the caller chooses (the block size for SIZE, 1 for -b).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mkfs.h"

/* digits only; -EINVAL when none, -ERANGE on overflow */
static int parse_digits(const char **sp, uint64_t *out)
{
	const char *s = *sp;
	uint64_t v = 0;
	unsigned base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	const char *start = s;

	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (s == start)
		return -EINVAL;
	*sp = s;
	*out = v;
	return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	int err;

	if (!s)
		return -EINVAL;
	err = parse_digits(&s, out);
	if (err)
		return err;
	return *s ? -EINVAL : 0;
}

/* shift for a suffix letter, -1 if unknown */
static int suffix_shift(char c)
{
	static const char letters[] = "KMGTPE";
	const char *p;

	if (c == 's' || c == 'S')
		return 9;
	p = strchr(letters, c >= 'a' ? c - 'a' + 'A' : c);
	if (!p || !c)
		return -1;
	return 10 * (int)(p - letters + 1);
}

int parse_size(const char *s, uint64_t bare_unit, uint64_t *out)
{
	uint64_t v, mult;
	int err, shift;

	if (!s)
		return -EINVAL;
	err = parse_digits(&s, &v);
	if (err)
		return err;
	if (!*s) {
		mult = bare_unit;
	} else {
		shift = suffix_shift(*s);
		if (shift < 0)
			return -EINVAL;
		s++;
		/* allow "KiB", "KB", "k"; not after 's' */
		if (shift != 9 && (!strcasecmp(s, "iB") || !strcasecmp(s, "B")))
			s += strlen(s);
		if (*s)
			return -EINVAL;
		mult = (uint64_t)1 << shift;
	}
	if (mult && v > UINT64_MAX / mult)
		return -ERANGE;
	*out = v * mult;
	return 0;
}

const char *human_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB",
				       "PiB", "EiB" };
	double v = (double)bytes;
	unsigned u = 0;

	while (v >= 1024.0 && u < 6) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}
