/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Resource use from the usage kernel programs: cumulative on-CPU time and
 * syscalls per process and per cgroup. A snapshot is a point in time; the
 * difference of two snapshots over their interval gives rates (top).
 */
#ifndef BPFLAB_OBSERVE_USAGE_H
#define BPFLAB_OBSERVE_USAGE_H

#include <stddef.h>
#include <stdint.h>

struct usage;

struct usage_row {
	uint64_t key; /* tgid for a process, cgroup id for a cgroup */
	uint64_t cpu_ns; /* cumulative on-CPU time */
	uint64_t syscalls; /* cumulative syscalls */
	uint64_t cgroup_id; /* processes: cgroup last seen running */
	char comm[16]; /* processes: comm last seen running */
};

struct usage_snap {
	uint64_t ktime; /* CLOCK_MONOTONIC ns when it was taken */
	struct usage_row *procs; /* sorted by key */
	size_t nprocs;
	struct usage_row *cgroups; /* sorted by key */
	size_t ncgroups;
};

/* Load and attach the programs (root). */
int usage__open(struct usage **out);
void usage__close(struct usage *u);
/* Totals so far, including the slices running right now. */
int usage__snapshot(struct usage *u, struct usage_snap *s);
/* Lost records / helper errors counted by the programs. */
uint64_t usage__errors(struct usage *u);

void usage_snap__free(struct usage_snap *s);
/* The row for key in a snapshot, or NULL. */
const struct usage_row *usage_snap__find(const struct usage_row *rows, size_t n,
					 uint64_t key);

#endif
