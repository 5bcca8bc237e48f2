/*
 * grow.c: growable arrays, for the modules that collect an unknown
 * number of things (journal scan, commit payloads), and a small map
 * from 64-bit keys to 64-bit values (rollback entries, locks held, the
 * journal's index of its live log).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

/* ---- a small map ---- */

static size_t kslot(const struct kmap *m, uint64_t key)
{
	uint64_t h = key * 0x9E3779B97F4A7C15ull;

	return (size_t)(h ^ (h >> 31)) & (m->cap - 1);
}

int kmap_put(struct kmap *m, uint64_t key, int64_t val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct kmap nm = { 0 };

		nm.cap = m->cap ? m->cap * 2 : 64;
		nm.keys = calloc(nm.cap, sizeof(*nm.keys));
		nm.vals = malloc(nm.cap * sizeof(*nm.vals));
		if (!nm.keys || !nm.vals) {
			free(nm.keys);
			free(nm.vals);
			return -ENOMEM;
		}
		for (size_t k = 0; k < m->cap; k++)
			if (m->keys[k])
				kmap_put(&nm, m->keys[k], m->vals[k]);
		kmap_free(m);
		*m = nm;
	}
	for (i = kslot(m, key); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key) {
			m->vals[i] = val;
			return 0;
		}
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return 0;
}

bool kmap_get(const struct kmap *m, uint64_t key, int64_t *val)
{
	if (!m->n)
		return false;
	for (size_t i = kslot(m, key); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key) {
			*val = m->vals[i];
			return *val >= 0;
		}
	return false;
}

void kmap_free(struct kmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}
