// SPDX-License-Identifier: GPL-2.0
/*
 * Identities and translations in user space, no root needed: a socket-LB
 * rewrite is claimed by the first new flow to its backend within the window
 * (and only once, and not by replies or other backends), the connection's
 * later records and its L7 record find it; a TRANSLATED record renders the
 * VIP with the service; the identity filters (--from/--to-sandbox,
 * --from/--to-label, --to-service) match the Hubble endpoint objects; the
 * service map names edges by endpoint and service.
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
#include "observe/flow_xlate.h"
#include "observe/service_map.h"
#include "util/json_path.h"
#include "util/jw.h"
#include "util/util.h"

#define SEC_NS 1000000000ull

static uint32_t ip(const char *s)
{
	uint32_t a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static struct flow_xlate web_xlate(void)
{
	struct flow_xlate xl = {
		.service = "web",
		.vip = ip("198.19.0.10"),
		.vip_port = 80,
		.backend = ip("198.18.1.1"),
		.backend_port = 8080,
		.hook = BL_LB_CONNECT4,
		.pid = 4242,
	};
	return xl;
}

static struct bl_flow_event flow(uint16_t flags, uint64_t ktime,
				 const char *dst, uint16_t dport)
{
	struct bl_flow_event e = {
		.hdr = { .op = BL_OP_FLOW,
			 .flags = flags,
			 .size = sizeof(e),
			 .ktime = ktime },
		.tuple = { .saddr = ip("198.18.0.10"),
			   .daddr = ip(dst),
			   .sport = 45000,
			   .dport = dport,
			   .proto = 6 },
		.packets = 1,
		.bytes = 74,
		.verdict = BL_VERDICT_FORWARDED,
		.tcp_flags = BL_TCP_SYN,
	};
	return e;
}

static struct bl_flow_event reversed(struct bl_flow_event e)
{
	struct bl_flow_tuple t = e.tuple;

	e.tuple.saddr = t.daddr;
	e.tuple.daddr = t.saddr;
	e.tuple.sport = t.dport;
	e.tuple.dport = t.sport;
	e.hdr.flags |= BL_FLOW_REPLY;
	return e;
}

static void test_first_new_flow_to_the_backend_claims_the_rewrite(void **s)
{
	struct flow_xlate xl = web_xlate();
	struct bl_flow_event syn = flow(BL_FLOW_NEW, 10 * SEC_NS + 5000,
					"198.18.1.1", 8080),
			     synack = reversed(syn), fin = syn;
	struct bl_l7_event l7 = { .hdr = { .op = BL_OP_L7, .size = sizeof(l7) },
				  .tuple = syn.tuple };
	const struct flow_xlate *got;
	struct xlate_table *t;
	bool claimed;

	(void)s;
	assert_int_equal(xlate_table__new(&t), 0);
	xlate_table__add(t, 10 * SEC_NS, 6, &xl);
	got = xlate_table__flow(t, &syn, &claimed);
	assert_non_null(got);
	assert_true(claimed);
	assert_string_equal(got->service, "web");
	assert_int_equal(got->vip_port, 80);
	/* the reply and the FIN of the same connection: found, not re-claimed */
	got = xlate_table__flow(t, &synack, &claimed);
	assert_non_null(got);
	assert_false(claimed);
	fin.hdr.flags = BL_FLOW_END;
	assert_non_null(xlate_table__flow(t, &fin, &claimed));
	assert_false(claimed);
	assert_non_null(xlate_table__l7(t, &l7));
	/* a second connection to the same backend: the rewrite is used up */
	syn.tuple.sport = 45001;
	assert_null(xlate_table__flow(t, &syn, &claimed));
	assert_false(claimed);
	xlate_table__free(t);
}

static void test_other_backends_late_flows_and_replies_claim_nothing(void **s)
{
	struct flow_xlate xl = web_xlate();
	struct bl_flow_event other = flow(BL_FLOW_NEW, 10 * SEC_NS + 1,
					  "198.18.1.2", 8080),
			     wrong_port = flow(BL_FLOW_NEW, 10 * SEC_NS + 1,
					       "198.18.1.1", 8081),
			     late = flow(BL_FLOW_NEW,
					 10 * SEC_NS + XLATE_WINDOW_NS + 1,
					 "198.18.1.1", 8080),
			     before = flow(BL_FLOW_NEW, 10 * SEC_NS - 1,
					   "198.18.1.1", 8080),
			     reply;
	struct xlate_table *t;
	bool claimed;

	(void)s;
	assert_int_equal(xlate_table__new(&t), 0);
	xlate_table__add(t, 10 * SEC_NS, 6, &xl);
	assert_null(xlate_table__flow(t, &other, &claimed));
	assert_null(xlate_table__flow(t, &wrong_port, &claimed));
	assert_null(xlate_table__flow(t, &late, &claimed));
	assert_null(xlate_table__flow(t, &before, &claimed));
	/* the backend answering first is a reply: it never starts a claim */
	reply = reversed(
		flow(BL_FLOW_NEW, 10 * SEC_NS + 2, "198.18.1.1", 8080));
	assert_null(xlate_table__flow(t, &reply, &claimed));
	/* UDP to the same backend does not take a TCP rewrite */
	other = flow(BL_FLOW_NEW, 10 * SEC_NS + 3, "198.18.1.1", 8080);
	other.tuple.proto = 17;
	assert_null(xlate_table__flow(t, &other, &claimed));
	/* and the right one still can */
	other.tuple.proto = 6;
	assert_non_null(xlate_table__flow(t, &other, &claimed));
	assert_true(claimed);
	xlate_table__free(t);
}

static struct json_object *render(const struct bl_flow_event *e,
				  const struct flow_render_extra *x)
{
	struct json_object *o;
	struct jw w;

	jw_init(&w);
	assert_int_equal(flow_render_json_ex(&w, e, sizeof(*e), "eth0", x), 0);
	o = json_tokener_parse(jw_str(&w));
	assert_non_null(o);
	jw_free(&w);
	return o;
}

/* The tc LB rewrites the packet observe already saw (client -> VIP) and
 * writes its record just after: only that exact tuple claims it. */
static void test_tc_lb_rewrite_claims_its_own_packets_flow(void **s)
{
	struct flow_xlate xl = web_xlate();
	struct bl_flow_event syn = flow(BL_FLOW_NEW, 10 * SEC_NS - 3000,
					"198.19.0.80", 80),
			     other_client = syn, synack = reversed(syn);
	struct bl_flow_tuple client = syn.tuple;
	const struct flow_xlate *got;
	struct xlate_table *t;
	bool claimed;

	(void)s;
	xl.vip = ip("198.19.0.80");
	xl.hook = BL_LB_TC;
	client.pad[0] = 0x5a; /* padding never takes part */
	other_client.tuple.sport = 45001;
	assert_int_equal(xlate_table__new(&t), 0);
	xlate_table__add_tc(t, 10 * SEC_NS, &client, &xl);
	/* another connection to the same VIP: not this rewrite */
	assert_null(xlate_table__flow(t, &other_client, &claimed));
	/* the flow record is older than the LB's: still its packet */
	got = xlate_table__flow(t, &syn, &claimed);
	assert_non_null(got);
	assert_true(claimed);
	assert_int_equal(got->hook, BL_LB_TC);
	assert_int_equal(got->backend_port, 8080);
	got = xlate_table__flow(t, &synack, &claimed);
	assert_non_null(got);
	assert_false(claimed);
	/* used up */
	assert_null(xlate_table__flow(t, &other_client, &claimed));
	xlate_table__free(t);
}

static void test_translated_record_shows_vip_backend_and_service(void **s)
{
	struct flow_xlate xl = web_xlate();
	struct bl_flow_event syn =
		flow(BL_FLOW_NEW | BL_FLOW_EGRESS, 1, "198.18.1.1", 8080);
	struct flow_render_extra x = { .xlate = &xl, .translated = true };
	struct json_object *o = render(&syn, &x), *f = jp_get(o, "flow");
	char line[512];

	(void)s;
	assert_string_equal(jp_str(f, "verdict", ""), "TRANSLATED");
	assert_string_equal(jp_str(f, "IP.destination", ""), "198.19.0.10");
	assert_int_equal(jp_int(f, "l4.TCP.destination_port", 0), 80);
	assert_string_equal(jp_str(f, "destination_service.name", ""), "web");
	assert_string_equal(jp_str(f, "bpflab.backend", ""), "198.18.1.1:8080");
	assert_string_equal(jp_str(f, "bpflab.lb_hook", ""), "connect4");
	flow_format_compact(o, line, sizeof(line));
	assert_non_null(strstr(line,
			       "-> 198.19.0.10:80 to-network TRANSLATED "
			       "to 198.18.1.1:8080 (service web, connect4)"));
	json_object_put(o);
	/* the packets after it: FORWARDED to the backend, still the service's */
	x.translated = false;
	o = render(&syn, &x);
	f = jp_get(o, "flow");
	assert_string_equal(jp_str(f, "verdict", ""), "FORWARDED");
	assert_string_equal(jp_str(f, "IP.destination", ""), "198.18.1.1");
	assert_string_equal(jp_str(f, "destination_service.name", ""), "web");
	json_object_put(o);
	/* a TRANSLATED record needs a translation */
	x.xlate = NULL;
	x.translated = true;
	{
		struct jw w;

		jw_init(&w);
		assert_int_equal(
			flow_render_json_ex(&w, &syn, sizeof(syn), NULL, &x),
			-EINVAL);
		jw_free(&w);
	}
}

static const char *const line_json =
	"{\"flow\":{\"verdict\":\"FORWARDED\",\"Type\":\"L3_L4\","
	"\"IP\":{\"source\":\"198.18.0.10\",\"destination\":\"198.18.1.1\"},"
	"\"l4\":{\"TCP\":{\"source_port\":45000,\"destination_port\":8080}},"
	"\"source\":{\"identity\":256,\"labels\":[\"k8s:app=client\","
	"\"k8s:lab=default\"],\"pod_name\":\"client\"},"
	"\"destination\":{\"identity\":257,\"labels\":[\"k8s:app=web\"],"
	"\"pod_name\":\"web1\"},"
	"\"destination_service\":{\"name\":\"web\",\"namespace\":\"default\"},"
	"\"is_reply\":false,\"bpflab\":{\"event\":\"new\",\"bytes\":74}}}";

static void test_identity_filters_match_endpoints(void **s)
{
	struct json_object *o = json_tokener_parse(line_json);
	struct flow_filter f = { 0 };

	(void)s;
	assert_non_null(o);
	f.from_sandbox = "client";
	assert_true(flow_filter__has_identity(&f));
	assert_true(flow_filter__match(&f, o));
	f.to_sandbox = "web1";
	assert_true(flow_filter__match(&f, o));
	f.to_sandbox = "client";
	assert_false(flow_filter__match(&f, o));
	f = (struct flow_filter){ .from_label = "app=client",
				  .to_label = "app=web" };
	assert_true(flow_filter__match(&f, o));
	f.from_label = "k8s:lab=default"; /* with its source prefix */
	assert_true(flow_filter__match(&f, o));
	f.from_label = "app=web";
	assert_false(flow_filter__match(&f, o));
	f = (struct flow_filter){ .to_service = "web" };
	assert_true(flow_filter__match(&f, o));
	f.to_service = "db";
	assert_false(flow_filter__match(&f, o));
	f = (struct flow_filter){ .from_service = "web" };
	assert_false(flow_filter__match(&f, o));
	json_object_put(o);
}

static void test_map_names_edges_by_endpoint_and_service(void **s)
{
	struct json_object *o = json_tokener_parse(line_json);
	struct service_map m = { 0 };

	(void)s;
	assert_non_null(o);
	assert_int_equal(service_map__add(&m, o), 0);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.e[0].source, "client");
	assert_string_equal(m.e[0].destination, "web");
	assert_string_equal(m.e[0].destination_kind, "service");
	assert_int_equal(m.e[0].connections, 1);
	json_object_put(o);
	/* a policy verdict is not traffic */
	o = json_tokener_parse(
		"{\"flow\":{\"verdict\":\"DROPPED\",\"event_type\":{\"type\":5},"
		"\"IP\":{\"source\":\"198.18.0.10\",\"destination\":\"198.18.2.1\"},"
		"\"l4\":{\"TCP\":{\"source_port\":1,\"destination_port\":3306}}}}");
	assert_non_null(o);
	assert_int_equal(service_map__add(&m, o), 0);
	assert_int_equal(m.n, 1);
	json_object_put(o);
	service_map__free(&m);
}

/* The cached time and the table-made uuid read as the plain versions would. */
static void test_time_and_uuid_render_as_before(void **s)
{
	struct bl_flow_event a = flow(BL_FLOW_NEW, now_mono_ns(), "198.18.1.1",
				      8080),
			     b = a;
	struct json_object *o;
	char want[64];
	const char *id;

	(void)s;
	b.hdr.ktime += 1234567; /* same second or the next: both paths */
	for (int i = 0; i < 2; i++) {
		const struct bl_flow_event *e = i ? &b : &a;

		o = render(e, NULL);
		format_rfc3339_ns(ktime_to_realtime_ns(e->hdr.ktime), want,
				  sizeof(want));
		assert_string_equal(jp_str(o, "time", ""), want);
		assert_string_equal(jp_str(o, "flow.time", ""), want);
		id = jp_str(o, "flow.uuid", "");
		assert_int_equal(strlen(id), 36);
		assert_true(id[8] == '-' && id[13] == '-' && id[18] == '-' &&
			    id[23] == '-' && id[14] == '4');
		assert_non_null(strchr("89ab", id[19]));
		json_object_put(o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_first_new_flow_to_the_backend_claims_the_rewrite),
		cmocka_unit_test(
			test_other_backends_late_flows_and_replies_claim_nothing),
		cmocka_unit_test(
			test_tc_lb_rewrite_claims_its_own_packets_flow),
		cmocka_unit_test(
			test_translated_record_shows_vip_backend_and_service),
		cmocka_unit_test(test_identity_filters_match_endpoints),
		cmocka_unit_test(test_map_names_edges_by_endpoint_and_service),
		cmocka_unit_test(test_time_and_uuid_render_as_before),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
