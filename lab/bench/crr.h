/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpflab's own CRR/RR load generator (netperf is not in Debian 12).
 * CRR: connect, 64 B request, 64 B reply, the server closes, the client
 * closes. RR: 64 B ping-pong on one established connection. One closed-loop
 * client; the caller pins it (and the servers) to one CPU.
 */
#ifndef BPFLAB_BENCH_CRR_H
#define BPFLAB_BENCH_CRR_H

#include <stdint.h>

#define CRR_MSG 64

struct crr_target {
	uint32_t addr; /* network order */
	uint16_t port; /* host order */
};

struct crr_result {
	uint64_t ops; /* connections (CRR) or round trips (RR) */
	uint64_t failed;
	uint64_t elapsed_ns;
	uint64_t p50_ns, p99_ns; /* connect-to-reply (CRR) or round trip (RR) */
};

/* Serve addr:port until killed: reply to each 64 B request; close after a
 * CRR request ('C'), keep the connection after an RR request ('R'). */
int crr_server(uint32_t addr, uint16_t port);
/* warmup connections first, then CRR for duration_ns over the targets in turn. */
int crr_client(const struct crr_target *t, int nt, int warmup,
	       uint64_t duration_ns, struct crr_result *r);
int rr_client(const struct crr_target *t, uint64_t duration_ns,
	      struct crr_result *r);
/* Pin the calling process to one CPU. */
int crr_pin_cpu(int cpu);

#endif
