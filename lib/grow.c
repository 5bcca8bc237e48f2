/*
 * grow.c: growable arrays, for the modules that collect an unknown
 * number of things (journal scan, commit payloads).
 */
#include <errno.h>
#include <stdlib.h>
#include "fs_int.h"

int vx_grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*v, n * elem);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = n;
	return 0;
}
