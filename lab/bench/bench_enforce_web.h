/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The realistic workload of `bpflab bench enforce`: nginx serving a small
 * static file on loopback to wrk over keep-alive connections. Each run
 * reports requests per second (wall) and requests per CPU-second of nginx
 * and wrk together (robust on a shared machine: preemption is not counted).
 */
#ifndef BPFLAB_BENCH_ENFORCE_WEB_H
#define BPFLAB_BENCH_ENFORCE_WEB_H

struct web_bench;

struct web_result {
	double rps; /* requests per second, wall clock */
	double per_cpu; /* requests per CPU-second of nginx + wrk */
};

/* nginx up on 127.0.0.1 with its files under dir; -errno, or -ENOENT without nginx/wrk. */
int web_bench__start(const char *dir, struct web_bench **out);
/* One wrk run of secs seconds; 0 or -errno. */
int web_bench__run(struct web_bench *w, int secs, struct web_result *out);
/* nginx down (by its pid), its files removed with dir by the caller. */
void web_bench__stop(struct web_bench *w);

#endif
