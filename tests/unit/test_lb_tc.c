// SPDX-License-Identifier: GPL-2.0
/*
 * The tc LB on crafted packets (BPF_PROG_TEST_RUN): DNAT to a backend with
 * correct checksums, reverse NAT of the reply, a conntrack hit that keeps a
 * flow on a drained backend, a no-backend drop, and a per-packet cost that
 * does not grow with the number of services.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lb/lb.h"
#include "util/log.h"

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

struct pkt {
	struct ethhdr eth;
	struct iphdr ip;
	struct tcphdr tcp;
	char payload[16];
} __attribute__((packed));

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/* Internet checksums over the IP header and the TCP pseudo header: 0 when valid. */
static uint16_t ip_csum(const struct pkt *p)
{
	return csum_fold(csum_add(0, &p->ip, sizeof(p->ip)));
}

static uint16_t tcp_csum(const struct pkt *p)
{
	uint16_t len = sizeof(p->tcp) + sizeof(p->payload);
	uint32_t sum = 0;

	sum = csum_add(sum, &p->ip.saddr, 8);
	sum += IPPROTO_TCP + len;
	return csum_fold(csum_add(sum, &p->tcp, len));
}

static void craft(struct pkt *p, const char *src, uint16_t sport,
		  const char *dst, uint16_t dport)
{
	memset(p, 0, sizeof(*p));
	p->eth.h_proto = htons(ETH_P_IP);
	p->ip.version = 4;
	p->ip.ihl = 5;
	p->ip.ttl = 64;
	p->ip.protocol = IPPROTO_TCP;
	p->ip.tot_len = htons(sizeof(*p) - sizeof(p->eth));
	p->ip.saddr = ip4(src);
	p->ip.daddr = ip4(dst);
	p->tcp.source = htons(sport);
	p->tcp.dest = htons(dport);
	p->tcp.doff = 5;
	p->tcp.syn = 1;
	memcpy(p->payload, "bpflab-tc-lb-pkt", sizeof(p->payload));
	p->ip.check = htons(ip_csum(p));
	p->tcp.check = htons(tcp_csum(p));
}

static int run(struct lb *lb, struct pkt *in, struct pkt *out, int repeat,
	       uint32_t *duration)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in,
		    .data_size_in = sizeof(*in), .data_out = out,
		    .data_size_out = sizeof(*out), .repeat = repeat);
	int err = bpf_prog_test_run_opts(lb__tc_prog_fd(lb), &o);

	assert_int_equal(err, 0);
	if (duration)
		*duration = o.duration;
	return (int)o.retval;
}

static struct lb_service_spec *web(int nbackends)
{
	struct lb_service_spec *s = calloc(1, sizeof(*s));

	snprintf(s->name, sizeof(s->name), "web");
	s->vip = ip4("198.19.0.10");
	s->port = 80;
	s->proto = IPPROTO_TCP;
	s->table_size = 251;
	for (int i = 0; i < nbackends; i++) {
		char a[32];

		snprintf(a, sizeof(a), "198.18.1.%d", i + 2);
		s->backends[i] = (struct lb_backend_spec){ .addr = ip4(a),
							   .port = 8080,
							   .weight = 1 };
	}
	s->nbackends = nbackends;
	return s;
}

static int setup(void **state)
{
	struct lb *lb;
	struct lb_service_spec *s = web(3);
	int err;

	err = lb__open(&lb, NULL);
	if (err) {
		free(s);
		return err;
	}
	assert_int_equal(lb__svc_add(lb, s, false), 0);
	free(s);
	*state = lb;
	return 0;
}

static int teardown(void **state)
{
	lb__close(*state);
	return 0;
}

static void
test_dnat_rewrites_vip_to_a_backend_and_keeps_the_source(void **state)
{
	struct pkt in, out;
	uint64_t conns = 0, bytes = 0, total = 0;

	craft(&in, "198.18.0.2", 40000, "198.19.0.10", 80);
	assert_int_equal(run(*state, &in, &out, 1, NULL), TC_ACT_OK);
	assert_int_equal(out.ip.saddr, ip4("198.18.0.2"));
	assert_int_equal(out.tcp.source, htons(40000));
	assert_int_equal(ntohl(out.ip.daddr) & 0xffffff00,
			 ntohl(ip4("198.18.1.0")));
	assert_int_equal(out.tcp.dest, htons(8080));
	assert_int_equal(ip_csum(&out), 0);
	assert_int_equal(tcp_csum(&out), 0);
	for (int i = 0; i < 3; i++) {
		uint32_t a = htonl(ntohl(ip4("198.18.1.2")) + i);

		assert_int_equal(lb__backend_stats(*state, "web", a, 8080,
						   &conns, &bytes),
				 0);
		total += conns;
	}
	assert_int_equal(total, 1);
}

static void test_reply_from_backend_is_reverse_natted_to_the_vip(void **state)
{
	struct pkt in, out, reply, back;
	char be[16];

	craft(&in, "198.18.0.2", 40001, "198.19.0.10", 80);
	assert_int_equal(run(*state, &in, &out, 1, NULL), TC_ACT_OK);
	inet_ntop(AF_INET, &out.ip.daddr, be, sizeof(be));
	craft(&reply, be, 8080, "198.18.0.2", 40001);
	assert_int_equal(run(*state, &reply, &back, 1, NULL), TC_ACT_OK);
	assert_int_equal(back.ip.saddr, ip4("198.19.0.10"));
	assert_int_equal(back.tcp.source, htons(80));
	assert_int_equal(back.ip.daddr, ip4("198.18.0.2"));
	assert_int_equal(back.tcp.dest, htons(40001));
	assert_int_equal(ip_csum(&back), 0);
	assert_int_equal(tcp_csum(&back), 0);
}

static void test_conntrack_keeps_a_flow_on_its_drained_backend(void **state)
{
	struct pkt in, first, again;
	int others = 0;

	craft(&in, "198.18.0.3", 40002, "198.19.0.10", 80);
	assert_int_equal(run(*state, &in, &first, 1, NULL), TC_ACT_OK);
	assert_int_equal(lb__backend_set(*state, "web", first.ip.daddr, 8080,
					 LB_SET_DRAIN),
			 0);
	/* the established flow: same backend, from the conntrack entry */
	assert_int_equal(run(*state, &in, &again, 1, NULL), TC_ACT_OK);
	assert_int_equal(again.ip.daddr, first.ip.daddr);
	/* new flows never pick the drained backend */
	for (int sport = 41000; sport < 41200; sport++) {
		struct pkt n, o;

		craft(&n, "198.18.0.3", sport, "198.19.0.10", 80);
		assert_int_equal(run(*state, &n, &o, 1, NULL), TC_ACT_OK);
		assert_int_not_equal(o.ip.daddr, first.ip.daddr);
		others++;
	}
	assert_int_equal(others, 200);
	assert_int_equal(lb__backend_set(*state, "web", first.ip.daddr, 8080,
					 LB_SET_ACTIVE),
			 0);
}

static void test_service_without_backends_drops(void **state)
{
	struct lb_service_spec *s = web(0);
	struct pkt in, out;

	snprintf(s->name, sizeof(s->name), "empty");
	s->vip = ip4("198.19.0.11");
	assert_int_equal(lb__svc_add(*state, s, false), 0);
	free(s);
	craft(&in, "198.18.0.2", 40003, "198.19.0.11", 80);
	assert_int_equal(run(*state, &in, &out, 1, NULL), TC_ACT_SHOT);
	/* not a service: passed untouched */
	craft(&in, "198.18.0.2", 40003, "198.19.0.12", 80);
	assert_int_equal(run(*state, &in, &out, 1, NULL), TC_ACT_OK);
	assert_memory_equal(&in, &out, sizeof(in));
	assert_int_equal(lb__svc_del(*state, "empty"), 0);
}

static void test_affinity_keeps_a_client_on_one_backend(void **state)
{
	struct lb_service_spec *s = web(3);
	struct pkt in, out;
	uint32_t first = 0;
	int seen[256] = { 0 }, distinct = 0;

	snprintf(s->name, sizeof(s->name), "sticky");
	s->vip = ip4("198.19.0.20");
	s->affinity_sec = 60;
	assert_int_equal(lb__svc_add(*state, s, false), 0);
	for (int sport = 43000; sport < 43050; sport++) {
		craft(&in, "198.18.0.7", sport, "198.19.0.20", 80);
		assert_int_equal(run(*state, &in, &out, 1, NULL), TC_ACT_OK);
		if (!first)
			first = out.ip.daddr;
		assert_int_equal(out.ip.daddr, first);
	}
	/* without affinity, the same client's flows spread over the backends */
	s->affinity_sec = 0;
	assert_int_equal(lb__svc_add(*state, s, true), 0);
	for (int sport = 44000; sport < 44050; sport++) {
		craft(&in, "198.18.0.7", sport, "198.19.0.20", 80);
		assert_int_equal(run(*state, &in, &out, 1, NULL), TC_ACT_OK);
		if (!seen[ntohl(out.ip.daddr) & 0xff]++)
			distinct++;
	}
	assert_int_equal(distinct, 3);
	free(s);
	assert_int_equal(lb__svc_del(*state, "sticky"), 0);
}

static void test_backend_marked_down_gets_no_new_flows(void **state)
{
	uint32_t down = ip4("198.18.1.3");
	struct pkt in, out;

	assert_int_equal(
		lb__backend_set(*state, "web", down, 8080, LB_SET_DOWN), 0);
	for (int sport = 45000; sport < 45200; sport++) {
		craft(&in, "198.18.0.8", sport, "198.19.0.10", 80);
		assert_int_equal(run(*state, &in, &out, 1, NULL), TC_ACT_OK);
		assert_int_not_equal(out.ip.daddr, down);
	}
	assert_int_equal(
		lb__backend_set(*state, "web", down, 8080, LB_SET_ACTIVE), 0);
}

/* ns per packet for the conntrack-hit path with 1 and with 2,001 services. */
static void test_per_packet_cost_does_not_grow_with_services(void **state)
{
	struct lb_service_spec *s = web(3);
	uint32_t t1, t2;
	struct pkt in, out;

	craft(&in, "198.18.0.9", 42000, "198.19.0.10", 80);
	run(*state, &in, &out, 1, NULL);
	run(*state, &in, &out, 200000, &t1);
	for (int i = 0; i < 2000; i++) {
		snprintf(s->name, sizeof(s->name), "svc-%d", i);
		s->vip = htonl(ntohl(ip4("198.19.16.0")) + i);
		assert_int_equal(lb__svc_add(*state, s, false), 0);
	}
	run(*state, &in, &out, 200000, &t2);
	print_message(
		"tc LB: %u ns/packet with 1 service, %u ns/packet with 2001\n",
		t1, t2);
	assert_true(t2 < t1 * 2 + 50);
	for (int i = 0; i < 2000; i++) {
		snprintf(s->name, sizeof(s->name), "svc-%d", i);
		assert_int_equal(lb__svc_del(*state, s->name), 0);
	}
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_dnat_rewrites_vip_to_a_backend_and_keeps_the_source),
		cmocka_unit_test(
			test_reply_from_backend_is_reverse_natted_to_the_vip),
		cmocka_unit_test(
			test_conntrack_keeps_a_flow_on_its_drained_backend),
		cmocka_unit_test(test_service_without_backends_drops),
		cmocka_unit_test(test_affinity_keeps_a_client_on_one_backend),
		cmocka_unit_test(test_backend_marked_down_gets_no_new_flows),
		cmocka_unit_test(
			test_per_packet_cost_does_not_grow_with_services),
	};

	if (geteuid()) {
		printf("1..0 # SKIP needs root (BPF_PROG_TEST_RUN)\n");
		return 0;
	}
	return cmocka_run_group_tests_name("lb_tc", tests, setup, teardown);
}
