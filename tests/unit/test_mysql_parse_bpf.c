// SPDX-License-Identifier: GPL-2.0
/*
 * The flow programs' MySQL/MariaDB parser, driven with BPF_PROG_TEST_RUN on
 * crafted packets (root; no network needed): COM_QUERY paired with the
 * server's first answer, its status, and what is not guessed at.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>

#include "abi/abi.h"
#include "observe/flow.bpf.h"
#include "skel/flow.skel.h"

#define CLIENT "198.18.9.11"
#define SERVER "198.18.9.12"
#define MAX_EVENTS 16

struct env {
	struct flow_bpf *skel;
	struct ring_buffer *rb;
	int n;
	union {
		struct bl_hdr hdr;
		struct bl_flow_event flow;
		struct bl_l7_event l7;
	} ev[MAX_EVENTS];
};

static int collect(void *ctx, void *data, size_t len)
{
	struct env *e = ctx;

	if (e->n < MAX_EVENTS && len <= sizeof(e->ev[0]))
		memcpy(&e->ev[e->n++], data, len);
	return 0;
}

static int setup(void **state)
{
	static struct env e;

	memset(&e, 0, sizeof(e));
	if (geteuid() != 0)
		return 0; /* each test skips */
	e.skel = flow_bpf__open_and_load();
	if (!e.skel)
		return -1;
	e.rb = ring_buffer__new(bpf_map__fd(e.skel->maps.flow_rb), collect, &e,
				NULL);
	if (!e.rb)
		return -1;
	*state = &e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	if (e) {
		ring_buffer__free(e->rb);
		flow_bpf__destroy(e->skel);
	}
	return 0;
}

static struct env *env_or_skip(void **state)
{
	if (geteuid() != 0 || !*state)
		skip();
	return *state;
}

/* Run one TCP packet from src:sport to dst:dport through bl_flow_ingress. */
static void send_tcp(struct env *e, const char *src, uint16_t sport,
		     const char *dst, uint16_t dport, uint8_t flags,
		     const unsigned char *payload, size_t plen)
{
	unsigned char pkt[512] = { 0 };
	struct ethhdr *eth = (void *)pkt;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *th = (void *)(ip + 1);
	size_t len = sizeof(*eth) + sizeof(*ip) + sizeof(*th) + plen;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt,
		    .data_size_in = len, .repeat = 1);

	assert_true(len <= sizeof(pkt));
	eth->h_proto = htons(ETH_P_IP);
	memcpy(eth->h_dest, "\x02\x00\x00\x00\x00\x02", 6);
	memcpy(eth->h_source, "\x02\x00\x00\x00\x00\x01", 6);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	ip->tot_len = htons(len - sizeof(*eth));
	inet_pton(AF_INET, src, &ip->saddr);
	inet_pton(AF_INET, dst, &ip->daddr);
	th->source = htons(sport);
	th->dest = htons(dport);
	th->doff = 5;
	((unsigned char *)th)[13] = flags;
	if (plen)
		memcpy(th + 1, payload, plen);
	assert_int_equal(
		bpf_prog_test_run_opts(
			bpf_program__fd(e->skel->progs.bl_flow_ingress), &opts),
		0);
	assert_int_equal((int)opts.retval, TC_ACT_UNSPEC);
	ring_buffer__consume(e->rb);
}

static uint64_t stat(struct env *e, uint32_t which)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t vals[ncpus], sum = 0;

	assert_int_equal(
		bpf_map_lookup_elem(bpf_map__fd(e->skel->maps.flow_stats),
				    &which, vals),
		0);
	for (int i = 0; i < ncpus; i++)
		sum += vals[i];
	return sum;
}

static const struct bl_l7_event *only_l7(struct env *e)
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

/* One protocol packet: 3-byte length, sequence, body. */
static size_t mysql_packet(unsigned char *out, uint8_t seq,
			   const unsigned char *body, size_t n)
{
	out[0] = n & 0xff;
	out[1] = (n >> 8) & 0xff;
	out[2] = (n >> 16) & 0xff;
	out[3] = seq;
	memcpy(out + 4, body, n);
	return n + 4;
}

static void query(struct env *e, uint16_t cport, const char *sql)
{
	unsigned char body[256], pkt[260];
	size_t n = strlen(sql);

	assert_true(n < sizeof(body));
	body[0] = BL_MYSQL_COM_QUERY;
	/* wire bytes: a MySQL query has no NUL */
	// NOLINTNEXTLINE(bugprone-not-null-terminated-result)
	memcpy(body + 1, sql, n);
	send_tcp(e, CLIENT, cport, SERVER, 3306, BL_TCP_PSH | BL_TCP_ACK, pkt,
		 mysql_packet(pkt, 0, body, n + 1));
}

static void answer(struct env *e, uint16_t cport, unsigned char first)
{
	unsigned char body[8] = { first, 0, 0, 2, 0, 0, 0 }, pkt[16];

	send_tcp(e, SERVER, 3306, CLIENT, cport, BL_TCP_PSH | BL_TCP_ACK, pkt,
		 mysql_packet(pkt, 1, body, 7));
}

static void test_query_and_result_set_give_one_record(void **state)
{
	struct env *e = env_or_skip(state);
	const struct bl_l7_event *l7;

	e->n = 0;
	query(e, 41001, "SELECT 1");
	usleep(3000);
	answer(e, 41001, 0x01); /* a result set of one column */
	l7 = only_l7(e);
	assert_non_null(l7);
	assert_int_equal(l7->proto, BL_L7_MYSQL);
	assert_int_equal(l7->method, BL_MYSQL_COM_QUERY);
	assert_int_equal(l7->status, BL_MYSQL_RESULTSET);
	assert_memory_equal(l7->path, "SELECT 1\0", 9);
	assert_int_equal(l7->tuple.dport, 3306);
	assert_true(l7->latency_ns >= 3000000);
}

static void test_ok_and_err_answers(void **state)
{
	struct env *e = env_or_skip(state);
	const struct bl_l7_event *l7;

	e->n = 0;
	query(e, 41002, "UPDATE t SET a = 1");
	answer(e, 41002, 0x00);
	l7 = only_l7(e);
	assert_non_null(l7);
	assert_int_equal(l7->status, BL_MYSQL_OK);
	e->n = 0;
	query(e, 41002, "SELEC oops");
	answer(e, 41002, 0xff);
	l7 = only_l7(e);
	assert_non_null(l7);
	assert_int_equal(l7->status, BL_MYSQL_ERR);
}

static void test_split_command_is_not_guessed(void **state)
{
	struct env *e = env_or_skip(state);
	unsigned char body[64], pkt[80];
	size_t n;

	e->n = 0;
	/* The header claims 40 bytes, the segment has fewer. */
	body[0] = BL_MYSQL_COM_QUERY;
	/* wire bytes: a MySQL query has no NUL */
	// NOLINTNEXTLINE(bugprone-not-null-terminated-result)
	memcpy(body + 1, "SELECT * FROM", 13);
	n = mysql_packet(pkt, 0, body, 14);
	pkt[0] = 40;
	send_tcp(e, CLIENT, 41003, SERVER, 3306, BL_TCP_PSH | BL_TCP_ACK, pkt,
		 n);
	answer(e, 41003, 0x01);
	assert_null(only_l7(e));
}

static void test_answer_without_query_is_ignored(void **state)
{
	struct env *e = env_or_skip(state);
	uint64_t paired = stat(e, FLOW_STAT_L7_PAIRED);

	e->n = 0;
	/* The server greeting and auth OK look like answers: no query waits. */
	answer(e, 41004, 0x00);
	assert_null(only_l7(e));
	assert_int_equal(stat(e, FLOW_STAT_L7_PAIRED), paired);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_and_result_set_give_one_record),
		cmocka_unit_test(test_ok_and_err_answers),
		cmocka_unit_test(test_split_command_is_not_guessed),
		cmocka_unit_test(test_answer_without_query_is_ignored),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
