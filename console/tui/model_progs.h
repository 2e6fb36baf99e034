/* SPDX-License-Identifier: GPL-2.0 */
/*
 * BPF programs as bpftop shows them: per program, over the last second,
 * runs/s, average ns per run and the share of one CPU. Run-time statistics
 * are on only between mprogs_watch(true) and mprogs_watch(false), i.e. while
 * the Programs screen is open; otherwise only names and types are read.
 */
#ifndef BPFLAB_TUI_MODEL_PROGS_H
#define BPFLAB_TUI_MODEL_PROGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MPROGS_HIST 60
#define MPROGS_OWN_MAX 1024

struct mprog_row {
	uint32_t id;
	char type[32], name[16];
	double runs_per_s, avg_ns, cpu_pct;
	double hist_ns[MPROGS_HIST], hist_runs[MPROGS_HIST];
	int hist_n;
	uint64_t run_time_ns, run_cnt; /* cumulative, for the next delta */
	bool own; /* loaded by this process's engine */
};

struct model_progs {
	struct mprog_row *rows;
	size_t n;
	int ours; /* programs this process's engine holds (the meter) */
	int stats_fd; /* BPF_ENABLE_STATS, -1 when off */
	uint64_t last_ns;
	char error[128];
};

int mprogs_open(struct model_progs **out);
void mprogs_close(struct model_progs *m);
/* Hold run-time stats on or off; 0 or -errno (message in m->error). */
int mprogs_watch(struct model_progs *m, bool on);
/* Re-read every program; call once a second. */
int mprogs_refresh(struct model_progs *m, uint64_t now_ns);

#endif
