/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016), with weights.
 * Each backend walks its own permutation of the table and claims the next
 * free slot in turn, so removing one backend only frees the slots it held:
 * the others keep theirs, and their flows do not move.
 */
#ifndef BPFLAB_LB_MAGLEV_H
#define BPFLAB_LB_MAGLEV_H

#include <stdbool.h>
#include <stdint.h>

#define MAGLEV_DEFAULT_SIZE 16381
#define MAGLEV_MAX_SIZE 131071

struct maglev_backend {
	const char *key; /* stable identity, e.g. "198.18.1.2:8080/tcp" */
	uint32_t id; /* what the table holds */
	uint32_t weight; /* relative; 0 skips the backend */
};

bool maglev_size_ok(uint32_t m); /* a prime in [3, MAGLEV_MAX_SIZE] */
/*
 * Fill table[0..m) with backend ids. Returns 0, -EINVAL for a bad m, or
 * -ENOENT when no backend has a weight (the table is then left untouched).
 */
int maglev_build(const struct maglev_backend *b, int n, uint32_t m,
		 uint32_t *table);
/* The flow hash the datapath uses too (see lb.bpf.h lb_hash()). */
uint32_t maglev_hash(const void *data, int len, uint32_t seed);

#endif
