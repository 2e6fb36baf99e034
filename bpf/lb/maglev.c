// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lb/maglev.h"

bool maglev_size_ok(uint32_t m)
{
	if (m < 3 || m > MAGLEV_MAX_SIZE || !(m & 1))
		return false;
	for (uint32_t d = 3; d * d <= m; d += 2)
		if (m % d == 0)
			return false;
	return true;
}

/* murmur3's finaliser over FNV-1a: cheap, and well spread for short keys */
uint32_t maglev_hash(const void *data, int len, uint32_t seed)
{
	const unsigned char *p = data;
	uint32_t h = 2166136261u ^ seed;

	for (int i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

struct perm {
	uint32_t offset, skip, next; /* next: index j into the permutation */
	uint64_t credit;
};

int maglev_build(const struct maglev_backend *b, int n, uint32_t m,
		 uint32_t *table)
{
	struct perm *p = NULL;
	uint8_t *taken = NULL;
	uint32_t filled = 0, maxw = 0;
	int i, err = 0;

	if (!maglev_size_ok(m))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (b[i].weight > maxw)
			maxw = b[i].weight;
	if (!maxw)
		return -ENOENT;
	p = calloc(n, sizeof(*p));
	taken = calloc(m, 1);
	if (!p || !taken) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		int len = strlen(b[i].key);

		p[i].offset = maglev_hash(b[i].key, len, 0x6d61676c) % m;
		p[i].skip =
			maglev_hash(b[i].key, len, 0x65763031) % (m - 1) + 1;
	}
	/*
	 * Passes over the backends: each earns its weight in credit and claims
	 * one slot per maxw of credit, so equal weights take strict turns.
	 */
	while (filled < m) {
		for (i = 0; i < n && filled < m; i++) {
			if (!b[i].weight)
				continue;
			p[i].credit += b[i].weight;
			while (p[i].credit >= maxw && filled < m) {
				uint32_t slot;

				p[i].credit -= maxw;
				do {
					slot = (p[i].offset +
						(uint64_t)p[i].next *
							p[i].skip) %
					       m;
					p[i].next++;
				} while (taken[slot]);
				taken[slot] = 1;
				table[slot] = b[i].id;
				filled++;
			}
		}
	}
out:
	free(taken);
	free(p);
	return err;
}
