// SPDX-License-Identifier: GPL-2.0
/*
 * The user-space half of observe, no root needed: kernel records rendered as
 * Hubble flow JSON (checked by json-c), the compact line, hubble-style
 * filters, --since parsing, the request-path cut, and the service map's
 * edges and percentiles.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <json-c/json.h>

#include "abi/abi.h"
#include "observe/flow_filter.h"
#include "observe/flow_render.h"
#include "observe/service_map.h"
#include "util/jw.h"
#include "util/util.h"

static struct bl_flow_event syn(void)
{
	struct bl_flow_event e = {
		.hdr = { .op = BL_OP_FLOW,
			 .flags = BL_FLOW_NEW | BL_FLOW_EGRESS,
			 .size = sizeof(e),
			 .ktime = now_mono_ns() },
		.tuple = { .sport = 40000, .dport = 80, .proto = 6 },
		.packets = 1,
		.bytes = 74,
		.ifindex = 7,
		.verdict = BL_VERDICT_FORWARDED,
		.tcp_flags = BL_TCP_SYN,
		.tcp_flags_seen = BL_TCP_SYN,
	};

	inet_pton(AF_INET, "198.18.0.1", &e.tuple.saddr);
	inet_pton(AF_INET, "198.18.0.2", &e.tuple.daddr);
	return e;
}

static struct bl_l7_event response(uint16_t status, uint64_t latency_ns,
				   const char *raw)
{
	struct bl_l7_event e = {
		.hdr = { .op = BL_OP_L7,
			 .size = sizeof(e),
			 .ktime = now_mono_ns() },
		.tuple = { .sport = 40000, .dport = 80, .proto = 6 },
		.latency_ns = latency_ns,
		.ifindex = 7,
		.status = status,
		.method = BL_HTTP_GET,
	};

	inet_pton(AF_INET, "198.18.0.1", &e.tuple.saddr);
	inet_pton(AF_INET, "198.18.0.2", &e.tuple.daddr);
	memcpy(e.path, raw, strnlen(raw, sizeof(e.path)));
	return e;
}

/* Render a record and parse it back with json-c. */
static struct json_object *rendered(const void *rec, size_t len)
{
	struct json_object *o;
	struct jw w;

	jw_init(&w);
	assert_int_equal(flow_render_json(&w, rec, len, "bl-test0"), 0);
	o = json_tokener_parse(jw_str(&w));
	assert_non_null(o);
	jw_free(&w);
	return o;
}

static const char *str_at(struct json_object *o, const char *a, const char *b,
			  const char *c)
{
	const char *k[] = { a, b, c };

	for (int i = 0; i < 3 && k[i]; i++)
		if (!json_object_object_get_ex(o, k[i], &o))
			return NULL;
	return json_object_get_string(o);
}

static void test_flow_record_renders_as_hubble_json(void **state)
{
	struct bl_flow_event e = syn();
	struct json_object *o = rendered(&e, sizeof(e));
	char line[512];

	(void)state;
	assert_string_equal(str_at(o, "flow", "verdict", NULL), "FORWARDED");
	assert_string_equal(str_at(o, "flow", "IP", "source"), "198.18.0.1");
	assert_string_equal(str_at(o, "flow", "IP", "destination"),
			    "198.18.0.2");
	assert_string_equal(str_at(o, "flow", "Type", NULL), "L3_L4");
	assert_string_equal(str_at(o, "flow", "traffic_direction", NULL),
			    "EGRESS");
	assert_string_equal(str_at(o, "flow", "interface", "name"), "bl-test0");
	assert_non_null(str_at(o, "node_name", NULL, NULL));
	assert_int_equal(strlen(str_at(o, "flow", "uuid", NULL)), 36);
	flow_format_compact(o, line, sizeof(line));
	assert_non_null(strstr(
		line,
		"198.18.0.1:40000 -> 198.18.0.2:80 to-network FORWARDED TCP Flags: SYN"));
	json_object_put(o);
}

static void test_l7_record_carries_method_path_status_latency(void **state)
{
	struct bl_l7_event e =
		response(404, 2500000, "/a/b?c=d HTTP/1.0\r\nHost");
	struct json_object *o = rendered(&e, sizeof(e)), *l7;
	char line[512];

	(void)state;
	assert_true(json_object_object_get_ex(o, "flow", &l7));
	assert_true(json_object_object_get_ex(l7, "l7", &l7));
	assert_string_equal(str_at(l7, "type", NULL, NULL), "RESPONSE");
	assert_string_equal(str_at(l7, "http", "url", NULL), "/a/b?c=d");
	assert_string_equal(str_at(l7, "http", "method", NULL), "GET");
	assert_string_equal(str_at(l7, "http", "code", NULL), "404");
	assert_string_equal(str_at(l7, "http", "protocol", NULL), "HTTP/1.0");
	assert_string_equal(str_at(l7, "latency_ns", NULL, NULL), "2500000");
	/* The response goes server → client. */
	assert_string_equal(str_at(o, "flow", "IP", "source"), "198.18.0.2");
	flow_format_compact(o, line, sizeof(line));
	assert_non_null(strstr(line, "GET /a/b?c=d => 404 (2.500 ms)"));
	json_object_put(o);
}

static void test_malformed_records_are_refused(void **state)
{
	struct bl_flow_event e = syn();
	struct jw w;

	(void)state;
	jw_init(&w);
	assert_int_equal(flow_render_json(&w, &e, sizeof(e) - 1, NULL),
			 -EINVAL);
	e.hdr.op = BL_OP_EXEC;
	assert_int_equal(flow_render_json(&w, &e, sizeof(e), NULL), -EINVAL);
	jw_free(&w);
}

static void test_path_cut_at_space_and_truncation_flagged(void **state)
{
	char out[128];
	int trunc;

	(void)state;
	assert_int_equal(
		http_path_extract("/x HTTP/1.1", 11, out, sizeof(out), &trunc),
		2);
	assert_string_equal(out, "/x");
	assert_false(trunc);
	http_path_extract("/very/long", 10, out, sizeof(out), &trunc);
	assert_true(trunc);
	assert_string_equal(out, "/very/long");
}

static void test_filters_match_as_hubble_flags(void **state)
{
	struct bl_l7_event l7 = response(503, 1000, "/api/items HTTP/1.1");
	struct bl_flow_event f = syn();
	struct json_object *a = rendered(&l7, sizeof(l7));
	struct json_object *b = rendered(&f, sizeof(f));
	struct flow_filter flt = { 0 };

	(void)state;
	flt.http_status = "5+";
	assert_true(flow_filter__match(&flt, a));
	assert_false(flow_filter__match(&flt, b));
	flt.http_status = "503";
	assert_true(flow_filter__match(&flt, a));
	flt.http_status = "4+";
	assert_false(flow_filter__match(&flt, a));
	flt.http_status = NULL;
	assert_int_equal(flow_filter__set_path(&flt, "^/api/"), 0);
	assert_true(flow_filter__match(&flt, a));
	assert_false(flow_filter__match(&flt, b));
	flow_filter__free(&flt);
	assert_int_equal(flow_filter__set_path(&flt, "("), -EINVAL);

	memset(&flt, 0, sizeof(flt));
	flt.from_ip = "198.18.0.1";
	assert_true(flow_filter__match(&flt, b));
	assert_false(flow_filter__match(&flt, a)); /* the response is from .2 */
	flt.from_ip = NULL;
	flt.port = 80;
	assert_true(flow_filter__match(&flt, a) && flow_filter__match(&flt, b));
	flt.port = 81;
	assert_false(flow_filter__match(&flt, b));
	flt.port = 0;
	flt.protocol = "http";
	assert_true(flow_filter__match(&flt, a));
	assert_false(flow_filter__match(&flt, b));
	flt.protocol = NULL;
	flt.verdict = "dropped";
	assert_false(flow_filter__match(&flt, b));
	json_object_put(a);
	json_object_put(b);
}

static void test_since_parses_durations_and_rfc3339(void **state)
{
	uint64_t t;

	(void)state;
	assert_int_equal(flow_parse_since("2026-11-24T21:05:03.5Z", &t), 0);
	assert_true(t % 1000000000ull == 500000000ull);
	assert_int_equal(flow_parse_since("5m", &t), 0);
	assert_true(now_real_ns() - t >= 300000000000ull);
	assert_int_equal(flow_parse_since("yesterday", &t), -EINVAL);
	assert_int_equal(flow_parse_since("2026-11-24T21:05:03+01:00", &t),
			 -EINVAL);
}

static void test_map_orients_edges_and_counts(void **state)
{
	struct service_map m = { 0 };
	struct bl_flow_event f = syn();
	struct json_object *o;

	(void)state;
	o = rendered(&f, sizeof(f));
	assert_int_equal(service_map__add(&m, o), 0);
	json_object_put(o);
	for (int i = 1; i <= 100; i++) {
		struct bl_l7_event r =
			response(i == 100 ? 500 : 200, (uint64_t)i * 1000000,
				 "/ HTTP/1.1");

		o = rendered(&r, sizeof(r));
		assert_int_equal(service_map__add(&m, o), 0);
		json_object_put(o);
	}
	assert_int_equal(m.n, 1);
	assert_string_equal(m.e[0].source, "198.18.0.1");
	assert_string_equal(m.e[0].destination, "198.18.0.2");
	assert_int_equal(m.e[0].port, 80);
	assert_int_equal(m.e[0].connections, 1);
	assert_int_equal(m.e[0].requests, 100);
	assert_int_equal(m.e[0].errors, 1);
	/* nearest rank over 1..100 ms */
	assert_true(map_edge__percentile(&m.e[0], 50) == 50.0);
	assert_true(map_edge__percentile(&m.e[0], 99) == 99.0);
	service_map__free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_record_renders_as_hubble_json),
		cmocka_unit_test(
			test_l7_record_carries_method_path_status_latency),
		cmocka_unit_test(test_malformed_records_are_refused),
		cmocka_unit_test(test_path_cut_at_space_and_truncation_flagged),
		cmocka_unit_test(test_filters_match_as_hubble_flags),
		cmocka_unit_test(test_since_parses_durations_and_rfc3339),
		cmocka_unit_test(test_map_orients_edges_and_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
