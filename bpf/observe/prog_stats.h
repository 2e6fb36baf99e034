/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every BPF program on the host with its cumulative run time and run count,
 * as bpftop shows them. The kernel only counts while someone holds a
 * BPF_ENABLE_STATS fd, and counting costs every program a little, so the fd
 * is held only while watching: prog_stats__enable() / prog_stats__disable().
 */
#ifndef BPFLAB_OBSERVE_PROG_STATS_H
#define BPFLAB_OBSERVE_PROG_STATS_H

#include <stddef.h>
#include <stdint.h>

struct prog_stat {
	uint32_t id;
	char type[32]; /* "tracing", "sched_cls", ... */
	char name[16]; /* kernel name, at most 15 chars */
	uint64_t run_time_ns; /* cumulative, while stats were enabled */
	uint64_t run_cnt;
};

/* Returns the stats fd (>= 0) or -errno. */
int prog_stats__enable(void);
void prog_stats__disable(int fd);
/* All programs sorted by id; caller frees *out. */
int prog_stats__read(struct prog_stat **out, size_t *n);
const struct prog_stat *prog_stats__find(const struct prog_stat *v, size_t n,
					 uint32_t id);

#endif
