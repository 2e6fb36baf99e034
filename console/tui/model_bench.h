/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Earlier benchmark results, as `bpflab bench` wrote them to the results
 * directory ($RESULTS, else ./results): the newest bench-lb-*.json
 * (connections/s per mode and number of services) and bench-enforce.json
 * (ns per write() for none / floor / bpflab / strace / auditd).
 */
#ifndef BPFLAB_TUI_MODEL_BENCH_H
#define BPFLAB_TUI_MODEL_BENCH_H

#include <stdbool.h>

#define MBENCH_ROWS 32
#define MBENCH_FILES 256 /* bench-lb-*.json files looked at */

struct mbench_lb_row {
	char mode[20];
	int services;
	double conn_per_s;
};

struct mbench_enf_row {
	char setup[20];
	double ns;
};

struct model_bench {
	char dir[256];
	char lb_file[256]; /* "" when none */
	int lb_back, lb_count; /* which one (0: newest) of how many */
	struct mbench_lb_row lb[MBENCH_ROWS];
	int nlb;
	bool have_enforce;
	struct mbench_enf_row enf[MBENCH_ROWS];
	int nenf;
};

/*
 * Read the results: the back-th newest bench-lb file (0: the newest; an
 * earlier run with 1, 2, ...) and bench-enforce.json. Rows are empty when
 * a file is missing.
 */
void mbench_load(struct model_bench *m, int back);
/* conn/s of ebpf over the best iptables mode at the largest N; 0 if unknown. */
double mbench_lb_ratio(const struct model_bench *m, int *services);

#endif
