// SPDX-License-Identifier: GPL-2.0
/*
 * The flow log's binary records: a kernel record with everything user space
 * pinned for it (time, uuid, endpoints with labels, service translation,
 * client process) renders to the same JSON line after a trip through the
 * encoder as before it; so does an already rendered line; every truncation
 * of a record is refused, and unknown versions and kinds are told apart.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "abi/abi.h"
#include "observe/flow_rec.h"
#include "observe/flow_render.h"
#include "util/jw.h"

static uint32_t ip(const char *s)
{
	uint32_t a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static struct bl_l7_event l7(void)
{
	struct bl_l7_event e = {
		.hdr = { .op = BL_OP_L7, .size = sizeof(e), .ktime = 12345 },
		.tuple = { .saddr = ip("198.18.0.10"),
			   .daddr = ip("198.18.1.1"),
			   .sport = 45000,
			   .dport = 8080,
			   .proto = 6 },
		.latency_ns = 1500000,
		.ifindex = 7,
		.status = 200,
		.method = BL_HTTP_GET,
		.proto = BL_L7_HTTP,
	};

	memcpy(e.path, "/api/\"v1\" HTTP/1.1", 18);
	return e;
}

static void peer(struct flow_peer *p, const char *name, uint32_t id, int n)
{
	memset(p, 0, sizeof(*p));
	strcpy(p->name, name);
	p->identity = id;
	p->n_labels = n;
	for (int i = 0; i < n; i++)
		snprintf(p->labels[i], sizeof(p->labels[i]), "k8s:l%d=%s", i,
			 name);
}

/* Render x's record directly and through encode + render; both the same. */
static void round_trip(const void *rec, size_t len, const char *ifname,
		       const struct flow_render_extra *x)
{
	struct flow_buf b = { 0 };
	struct jw direct, back;
	struct flow_rec_hdr h;

	jw_init(&direct);
	jw_init(&back);
	assert_int_equal(flow_render_json_ex(&direct, rec, len, ifname, x), 0);
	assert_int_equal(flow_rec_encode(&b, rec, len, ifname, x), 0);
	memcpy(&h, b.p, sizeof(h));
	assert_int_equal(h.version, FLOW_REC_VERSION);
	assert_int_equal(h.kind, FLOW_REC_KERNEL);
	assert_int_equal(h.len + sizeof(h), b.len);
	assert_int_equal(flow_rec_render(&back, &h, b.p + sizeof(h)), 0);
	assert_string_equal(jw_str(&back), jw_str(&direct));
	/* every shorter body is refused, never read past */
	for (uint32_t n = 0; n < h.len; n++) {
		struct flow_rec_hdr t = h;
		uint8_t *copy = malloc(n ? n : 1);

		assert_non_null(copy);
		memcpy(copy, b.p + sizeof(h), n);
		t.len = n;
		assert_int_equal(flow_rec_render(&back, &t, copy), -EINVAL);
		free(copy);
	}
	flow_buf_free(&b);
	jw_free(&direct);
	jw_free(&back);
}

static void test_l7_with_everything_survives(void **state)
{
	struct bl_l7_event e = l7();
	struct flow_xlate xl = { .service = "web",
				 .vip = ip("198.19.0.10"),
				 .vip_port = 80,
				 .backend = ip("198.18.1.1"),
				 .backend_port = 8080,
				 .hook = BL_LB_CONNECT4,
				 .pid = 4242 };
	struct flow_owner o = { .pid = 99,
				.comm = "curl",
				.sandbox = "client",
				.binary = "/usr/bin/curl" };
	struct flow_peer p[2];
	uint8_t uuid[16] = { 1, 2, 3, 4, 5, 6, 0x47, 8, 0x89, 10, 11, 12 };
	struct flow_render_extra x = { .xlate = &xl,
				       .owner = &o,
				       .real_ns = 1764000000123456789ull,
				       .uuid = uuid,
				       .peer = { &p[0], &p[1] } };

	(void)state;
	peer(&p[0], "web-1", 301, 3);
	peer(&p[1], "client", 302, FLOW_PEER_LABELS);
	round_trip(&e, sizeof(e), "bl-veth0", &x);
	/* without the optional parts too */
	memset(&x, 0, sizeof(x));
	x.real_ns = 1764000000000000001ull;
	x.uuid = uuid;
	round_trip(&e, sizeof(e), NULL, &x);
}

static void test_translated_flow_survives(void **state)
{
	struct bl_flow_event e = {
		.hdr = { .op = BL_OP_FLOW,
			 .flags = BL_FLOW_NEW | BL_FLOW_EGRESS,
			 .size = sizeof(e),
			 .ktime = 777 },
		.tuple = { .saddr = ip("198.18.0.10"),
			   .daddr = ip("198.18.1.1"),
			   .sport = 45000,
			   .dport = 8080,
			   .proto = 6 },
		.packets = 1,
		.bytes = 74,
		.verdict = BL_VERDICT_FORWARDED,
		.tcp_flags = BL_TCP_SYN,
	};
	struct flow_xlate xl = { .service = "",
				 .vip = ip("198.19.0.10"),
				 .vip_port = 80,
				 .backend = ip("198.18.1.1"),
				 .backend_port = 8080 };
	struct flow_peer p[2];
	uint8_t uuid[16] = { 0xff };
	struct flow_render_extra x = { .xlate = &xl,
				       .translated = true,
				       .real_ns = 1,
				       .uuid = uuid,
				       .peer = { &p[0], &p[1] } };

	(void)state;
	peer(&p[0], "", 1, 1);
	peer(&p[1], "", 2, 0);
	round_trip(&e, sizeof(e), "eth0", &x);
	/* a TRANSLATED record without its translation is not encoded */
	x.xlate = NULL;
	{
		struct flow_buf b = { 0 };

		assert_int_equal(flow_rec_encode(&b, &e, sizeof(e), NULL, &x),
				 -EINVAL);
		flow_buf_free(&b);
	}
}

static void test_lines_versions_and_kinds(void **state)
{
	const char *line =
		"{\"flow\":{\"verdict\":\"DROPPED\"},\"time\":\"x\"}";
	struct flow_buf b = { 0 };
	struct flow_rec_hdr h;
	struct jw w;

	(void)state;
	jw_init(&w);
	assert_int_equal(flow_rec_encode_line(&b, line), 0);
	memcpy(&h, b.p, sizeof(h));
	assert_int_equal(h.kind, FLOW_REC_LINE);
	assert_int_equal(flow_rec_render(&w, &h, b.p + sizeof(h)), 0);
	assert_string_equal(jw_str(&w), line);
	h.version = FLOW_REC_VERSION + 1;
	assert_int_equal(flow_rec_render(&w, &h, b.p + sizeof(h)), -ENOTSUP);
	h.version = FLOW_REC_VERSION;
	h.kind = 99;
	assert_int_equal(flow_rec_render(&w, &h, b.p + sizeof(h)), -ENOTSUP);
	/* a NUL inside a stored line would cut it short: refused */
	h.kind = FLOW_REC_LINE;
	b.p[sizeof(h) + 3] = '\0';
	assert_int_equal(flow_rec_render(&w, &h, b.p + sizeof(h)), -EINVAL);
	flow_buf_free(&b);
	jw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_l7_with_everything_survives),
		cmocka_unit_test(test_translated_flow_survives),
		cmocka_unit_test(test_lines_versions_and_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
