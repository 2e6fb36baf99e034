/* SPDX-License-Identifier: GPL-2.0 */
/* Internal to `bench lb`: the topology, the modes and the result rows. */
#ifndef BPFLAB_BENCH_LB_H
#define BPFLAB_BENCH_LB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define BLB_NS_CLIENT "bpflab-bl-c"
#define BLB_NS_NODE "bpflab-bl-node"
#define BLB_MAX_BACKENDS 8
#define BLB_PORT_VIP 80
#define BLB_PORT_BACKEND 8080
#define BLB_POD_CIDR "198.18.128.0/17"

enum blb_mode {
	BLB_NONE,
	BLB_LEGACY,
	BLB_IPT_NFT,
	BLB_NFTABLES,
	BLB_EBPF,
	BLB_NMODES
};

/*
 * client netns ── node netns (ip_forward; the rules or nothing) ── backends.
 * Client and servers run in one cgroup (CPU time, and where the socket-LB
 * attaches), pinned to one CPU.
 */
struct blb_topo {
	int nbackends;
	int cpu;
	uint32_t backend[BLB_MAX_BACKENDS]; /* addresses, network order */
	pid_t server[BLB_MAX_BACKENDS];
	int server_seq[BLB_MAX_BACKENDS];
	char cgroup[128];
	int cgroup_seq;
};

int blb_topo_up(struct blb_topo *t, int nbackends, int cpu);
void blb_topo_down(struct blb_topo *t);
/* Microseconds of CPU the topology's cgroup has used. */
int blb_topo_cpu_usec(const struct blb_topo *t, uint64_t *usec);
/* Move the calling process into the topology's cgroup and pin it. */
int blb_topo_join(const struct blb_topo *t);
/* Flush the node's conntrack table (between repetitions). */
void blb_conntrack_flush(void);

/* VIP of service i (0-based): 198.19.128.0 + i + 1 (up to 32,766). */
uint32_t blb_vip(int i);

struct blb_row {
	enum blb_mode mode;
	int services;
	const char *target; /* "last" or "first" VIP, "backend" for none */
	int reps;
	double cps, cps_min, cps_max; /* medians / spread over reps */
	double p50_us, p99_us;
	double cpu_us_per_conn;
	double rr_per_s;
	double load_ms, add_ms; /* programming: full load, one more service */
	uint64_t failed;
};

const char *blb_mode_name(enum blb_mode m);
void blb_print_table(FILE *f, const struct blb_row *rows, int n);
void blb_print_ratios(FILE *f, const struct blb_row *rows, int n);
void blb_print_chart(FILE *f, const struct blb_row *rows, int n);
int blb_write_json(FILE *f, const struct blb_row *rows, int n,
		   const char *command);
int blb_write_csv(FILE *f, const struct blb_row *rows, int n);

#endif
