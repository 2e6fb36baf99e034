// SPDX-License-Identifier: GPL-2.0
/*
 * The flow programs' HTTP/1.x parser and flow accounting, driven with
 * BPF_PROG_TEST_RUN on crafted packets (root; no network needed): what the
 * kernel program emits for requests, responses, splits and pipelining.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "flow_bpf_harness.h"
#include "observe/flow_render.h"

#define CLIENT "198.18.9.1"
#define SERVER "198.18.9.2"

static int setup(void **state)
{
	static struct flow_env e;

	if (geteuid() != 0)
		return 0; /* each test skips */
	if (flow_env_open(&e, 0)) /* every record: no budget */
		return -1;
	*state = &e;
	return 0;
}

static const struct bl_l7_event *only_l7(struct flow_env *e)
{
	const struct bl_l7_event *found = NULL;

	for (int i = 0; i < e->n; i++) {
		if (e->ev[i].hdr.op == BL_OP_L7) {
			assert_null(found);
			found = &e->ev[i].l7;
		}
	}
	return found;
}

static void path_is(const struct bl_l7_event *l7, const char *want)
{
	char path[BL_HTTP_PATH_LEN + 1];
	int truncated;

	http_path_extract(l7->path, sizeof(l7->path), path, sizeof(path),
			  &truncated);
	assert_string_equal(path, want);
	assert_false(truncated);
}

static void test_get_then_200_gives_one_l7_record(void **state)
{
	struct flow_env *e = flow_env_or_skip(state);
	const struct bl_l7_event *l7;

	e->n = 0;
	flow_send_text(e, CLIENT, 40001, SERVER, 80, BL_TCP_PSH | BL_TCP_ACK,
		       "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n");
	usleep(2000);
	flow_send_text(e, SERVER, 80, CLIENT, 40001, BL_TCP_PSH | BL_TCP_ACK,
		       "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	l7 = only_l7(e);
	assert_non_null(l7);
	assert_int_equal(l7->status, 200);
	assert_int_equal(l7->method, BL_HTTP_GET);
	path_is(l7, "/index.html");
	/* The request's tuple: client → server. */
	assert_int_equal(l7->tuple.sport, 40001);
	assert_int_equal(l7->tuple.dport, 80);
	assert_true(l7->latency_ns >= 2000000);
	assert_true(l7->latency_ns < 1000000000);
}

static void test_post_and_503_on_http10(void **state)
{
	struct flow_env *e = flow_env_or_skip(state);
	const struct bl_l7_event *l7;

	e->n = 0;
	flow_send_text(e, CLIENT, 40002, SERVER, 8080, BL_TCP_PSH | BL_TCP_ACK,
		       "POST /api/v1/items?id=7 HTTP/1.0\r\n\r\n");
	flow_send_text(e, SERVER, 8080, CLIENT, 40002, BL_TCP_PSH | BL_TCP_ACK,
		       "HTTP/1.0 503 Service Unavailable\r\n\r\n");
	l7 = only_l7(e);
	assert_non_null(l7);
	assert_int_equal(l7->status, 503);
	assert_int_equal(l7->method, BL_HTTP_POST);
	path_is(l7, "/api/v1/items?id=7");
}

static void test_response_without_request_is_counted_unparsed(void **state)
{
	struct flow_env *e = flow_env_or_skip(state);
	uint64_t before = flow_env_stat(e, FLOW_STAT_L7_UNPARSED);

	e->n = 0;
	flow_send_text(e, SERVER, 80, CLIENT, 40003, BL_TCP_PSH | BL_TCP_ACK,
		       "HTTP/1.1 200 OK\r\n\r\n");
	assert_null(only_l7(e));
	assert_int_equal(flow_env_stat(e, FLOW_STAT_L7_UNPARSED), before + 1);
}

static void test_pipelined_request_is_counted_not_guessed(void **state)
{
	struct flow_env *e = flow_env_or_skip(state);
	uint64_t before = flow_env_stat(e, FLOW_STAT_L7_UNPARSED);
	const struct bl_l7_event *l7;

	e->n = 0;
	flow_send_text(e, CLIENT, 40004, SERVER, 80, BL_TCP_PSH | BL_TCP_ACK,
		       "GET /first HTTP/1.1\r\n\r\n");
	flow_send_text(e, CLIENT, 40004, SERVER, 80, BL_TCP_PSH | BL_TCP_ACK,
		       "GET /second HTTP/1.1\r\n\r\n");
	flow_send_text(e, SERVER, 80, CLIENT, 40004, BL_TCP_PSH | BL_TCP_ACK,
		       "HTTP/1.1 204 No Content\r\n\r\n");
	assert_int_equal(flow_env_stat(e, FLOW_STAT_L7_UNPARSED), before + 1);
	/* One pair is reported; the response pairs with the newest request. */
	l7 = only_l7(e);
	assert_non_null(l7);
	path_is(l7, "/second");
}

static void test_split_start_line_is_not_parsed(void **state)
{
	struct flow_env *e = flow_env_or_skip(state);
	uint64_t before = flow_env_stat(e, FLOW_STAT_L7_PAIRED);

	e->n = 0;
	/* A request whose first segment is shorter than a start line. */
	flow_send_text(e, CLIENT, 40005, SERVER, 80, BL_TCP_PSH | BL_TCP_ACK,
		       "GE");
	flow_send_text(e, CLIENT, 40005, SERVER, 80, BL_TCP_PSH | BL_TCP_ACK,
		       "T / HTTP/1.1\r\n\r\n");
	flow_send_text(e, SERVER, 80, CLIENT, 40005, BL_TCP_PSH | BL_TCP_ACK,
		       "HTTP/1.1 200 OK\r\n\r\n");
	assert_null(only_l7(e));
	assert_int_equal(flow_env_stat(e, FLOW_STAT_L7_PAIRED), before);
}

static void test_flow_new_reply_end_and_every_packet_counted(void **state)
{
	struct flow_env *e = flow_env_or_skip(state);
	uint64_t pkts = flow_env_stat(e, FLOW_STAT_PACKETS);
	int news = 0, ends = 0, replies = 0;

	e->n = 0;
	flow_send_text(e, CLIENT, 40006, SERVER, 443, BL_TCP_SYN, NULL);
	flow_send_text(e, SERVER, 443, CLIENT, 40006, BL_TCP_SYN | BL_TCP_ACK,
		       NULL);
	flow_send_text(e, CLIENT, 40006, SERVER, 443, BL_TCP_ACK, NULL);
	flow_send_text(e, CLIENT, 40006, SERVER, 443, BL_TCP_ACK,
		       "xxxxxxxxxxxxxxxxxxxx");
	flow_send_text(e, CLIENT, 40006, SERVER, 443, BL_TCP_FIN | BL_TCP_ACK,
		       NULL);
	flow_send_text(e, CLIENT, 40006, SERVER, 443, BL_TCP_FIN | BL_TCP_ACK,
		       NULL);
	assert_int_equal(flow_env_stat(e, FLOW_STAT_PACKETS), pkts + 6);
	for (int i = 0; i < e->n; i++) {
		const struct bl_flow_event *f = &e->ev[i].flow;

		assert_int_equal(f->hdr.op, BL_OP_FLOW);
		news += !!(f->hdr.flags & BL_FLOW_NEW);
		replies += !!(f->hdr.flags & BL_FLOW_REPLY);
		if (f->hdr.flags & BL_FLOW_END) {
			ends++;
			/* Totals at the end: 4 client packets up to the first FIN. */
			assert_int_equal(f->packets, 4);
			assert_int_equal(f->tuple.sport, 40006);
			assert_true(f->tcp_flags_seen & BL_TCP_SYN);
		}
	}
	/* Six packets, three records: two directions start, one ends (once). */
	assert_int_equal(e->n, 3);
	assert_int_equal(news, 2);
	assert_int_equal(replies, 1);
	assert_int_equal(ends, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_then_200_gives_one_l7_record),
		cmocka_unit_test(test_post_and_503_on_http10),
		cmocka_unit_test(
			test_response_without_request_is_counted_unparsed),
		cmocka_unit_test(test_pipelined_request_is_counted_not_guessed),
		cmocka_unit_test(test_split_start_line_is_not_parsed),
		cmocka_unit_test(
			test_flow_new_reply_end_and_every_packet_counted),
	};

	return cmocka_run_group_tests(tests, setup, flow_env_teardown);
}
