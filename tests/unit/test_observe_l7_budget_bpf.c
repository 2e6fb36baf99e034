// SPDX-License-Identifier: GPL-2.0
/*
 * The L7 record budget and the in-kernel L7 counters of the flow programs,
 * driven with BPF_PROG_TEST_RUN on crafted packets (root; no network):
 * every pair is counted in l7_agg, errors, slow pairs and a connection's
 * first pair always get a record, the others up to the budget, and the rest
 * are counted as sampled. A new connection on a finished one's tuple is a
 * new flow again.
 */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "flow_bpf_harness.h"
#include "observe/flow_render.h"

#define CLIENT "198.18.10.1"
#define SERVER "198.18.10.2"
#define BUDGET 2 /* ordinary records per second on this (pinned) CPU */

static int setup(void **state)
{
	static struct flow_env e;
	cpu_set_t one;

	if (geteuid() != 0)
		return 0; /* each test skips */
	/* the budget is per CPU: keep every test run on one */
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		return -1;
	/* slow is the default: 50 ms */
	if (flow_env_open(&e, BUDGET))
		return -1;
	*state = &e;
	return 0;
}

/* One request and its answer on client port sport; delay_us between. */
static void pair(struct flow_env *e, uint16_t sport, const char *path,
		 int status, unsigned int delay_us)
{
	char req[128], resp[128];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
	snprintf(resp, sizeof(resp),
		 "HTTP/1.1 %d X\r\nContent-Length: 0\r\n\r\n", status);
	flow_send_text(e, CLIENT, sport, SERVER, 80, BL_TCP_PSH | BL_TCP_ACK,
		       req);
	if (delay_us)
		usleep(delay_us);
	flow_send_text(e, SERVER, 80, CLIENT, sport, BL_TCP_PSH | BL_TCP_ACK,
		       resp);
}

/* The recorded L7 paths, in order, as "/a /b ...". */
static void l7_paths(struct flow_env *e, char *out, size_t size)
{
	char path[BL_HTTP_PATH_LEN + 1];
	size_t n = 0;
	int truncated;

	out[0] = '\0';
	for (int i = 0; i < e->n && n < size; i++) {
		if (e->ev[i].hdr.op != BL_OP_L7)
			continue;
		http_path_extract(e->ev[i].l7.path, sizeof(e->ev[i].l7.path),
				  path, sizeof(path), &truncated);
		n += snprintf(out + n, size - n, "%s%s", n ? " " : "", path);
	}
}

/* Summed over CPUs: the l7_agg entry of (port 80, GET, status). */
static struct l7_agg_val agg(struct flow_env *e, uint16_t status)
{
	int ncpus = libbpf_num_possible_cpus();
	struct l7_agg_val vals[ncpus], sum = { 0 };
	struct l7_agg_key k = { .dport = 80,
				.proto = BL_L7_HTTP,
				.method = BL_HTTP_GET,
				.status = status };

	inet_pton(AF_INET, CLIENT, &k.saddr);
	inet_pton(AF_INET, SERVER, &k.daddr);
	if (bpf_map_lookup_elem(bpf_map__fd(e->skel->maps.l7_agg), &k, vals))
		return sum;
	for (int c = 0; c < ncpus; c++) {
		sum.count += vals[c].count;
		sum.lat_sum_ns += vals[c].lat_sum_ns;
		for (int b = 0; b < L7_LAT_BUCKETS; b++)
			sum.bucket[b] += vals[c].bucket[b];
	}
	return sum;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_budget_records_first_errors_slow_and_counts_the_rest(void **state)
{
	struct flow_env *e = flow_env_or_skip(state);
	uint64_t sampled0 = flow_env_stat(e, FLOW_STAT_L7_SAMPLED);
	uint64_t paired0 = flow_env_stat(e, FLOW_STAT_L7_PAIRED);
	struct l7_agg_val ok, err;
	uint64_t in_buckets = 0, slow_buckets = 0;
	char paths[256];
	double t0 = now_s();

	e->n = 0;
	pair(e, 41001, "/first", 200, 0); /* the connection's first */
	pair(e, 41001, "/b1", 200, 0); /* the budget's two */
	pair(e, 41001, "/b2", 200, 0);
	pair(e, 41001, "/s1", 200, 0); /* sampled */
	pair(e, 41001, "/s2", 200, 0);
	pair(e, 41001, "/s3", 200, 0);
	pair(e, 41001, "/err", 500, 0); /* an error: always */
	pair(e, 41001, "/slow", 200, 60000); /* slower than 50 ms: always */
	if (now_s() - t0 > 0.9)
		skip(); /* a one-second budget window may have turned */
	l7_paths(e, paths, sizeof(paths));
	assert_string_equal(paths, "/first /b1 /b2 /err /slow");
	assert_int_equal(flow_env_stat(e, FLOW_STAT_L7_SAMPLED) - sampled0, 3);
	assert_int_equal(flow_env_stat(e, FLOW_STAT_L7_PAIRED) - paired0, 8);
	/* the counters have every pair, recorded or not */
	ok = agg(e, 200);
	err = agg(e, 500);
	assert_int_equal(ok.count, 7);
	assert_int_equal(err.count, 1);
	assert_true(ok.lat_sum_ns >= 60000000);
	/* one bucket per pair; the slow one above 50 ms (bucket 4 on) */
	for (int b = 0; b < L7_LAT_BUCKETS; b++) {
		in_buckets += ok.bucket[b];
		if (b >= 4)
			slow_buckets += ok.bucket[b];
	}
	assert_int_equal(in_buckets, 7);
	assert_true(slow_buckets >= 1);
}

static void test_reused_tuple_is_a_new_flow_with_a_first_pair(void **state)
{
	struct flow_env *e = flow_env_or_skip(state);
	int news = 0;
	char paths[256];

	e->n = 0;
	/* budget already spent by the test before (same window) */
	flow_send_text(e, CLIENT, 41002, SERVER, 80, BL_TCP_SYN, NULL);
	pair(e, 41002, "/one", 200, 0);
	flow_send_text(e, CLIENT, 41002, SERVER, 80, BL_TCP_FIN | BL_TCP_ACK,
		       NULL);
	/* the client port comes round again */
	flow_send_text(e, CLIENT, 41002, SERVER, 80, BL_TCP_SYN, NULL);
	pair(e, 41002, "/two", 200, 0);
	for (int i = 0; i < e->n; i++)
		if (e->ev[i].hdr.op == BL_OP_FLOW &&
		    (e->ev[i].hdr.flags & BL_FLOW_NEW) &&
		    e->ev[i].flow.tuple.sport == 41002)
			news++;
	assert_int_equal(news, 2);
	/* each connection's first pair is recorded, whatever the budget */
	l7_paths(e, paths, sizeof(paths));
	assert_non_null(strstr(paths, "/one"));
	assert_non_null(strstr(paths, "/two"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_budget_records_first_errors_slow_and_counts_the_rest),
		cmocka_unit_test(
			test_reused_tuple_is_a_new_flow_with_a_first_pair),
	};

	return cmocka_run_group_tests(tests, setup, flow_env_teardown);
}
