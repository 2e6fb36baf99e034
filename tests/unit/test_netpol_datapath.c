// SPDX-License-Identifier: GPL-2.0
/*
 * netpol's decision, run in the kernel with BPF_PROG_TEST_RUN on crafted
 * packets (root): default allow, default deny once selected, deny wins,
 * audit, CIDR inside world, identity over address, the generation flip; the
 * kernel agrees with the user-space mirror that explain uses; 1,000
 * identities × 10 ports load in under a second; and the per-packet cost is
 * flat from 10 to 10,000 rules. Prints "netpol-bench:" lines that
 * scripts/bench/netpol.sh collects.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "abi/abi.h"
#include "netpol/netpol_priv.h"
#include "util/log.h"

#define HDR "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\n"

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void add_ep(struct netpol *np, const char *name, const char *ip,
		   const char *labels)
{
	struct netpol_endpoint ep = {};
	char buf[256], *save = NULL, err[256] = "";

	snprintf(ep.name, sizeof(ep.name), "%s", name);
	ep.ip = ip4(ip);
	snprintf(buf, sizeof(buf), "%s", labels);
	for (char *kv = strtok_r(buf, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save))
		assert_int_equal(np_labels_add_kv(&ep.labels, kv), 0);
	if (netpol__endpoint_set(np, &ep, err, sizeof(err)))
		fail_msg("endpoint %s: %s", name, err);
}

static void apply(struct netpol *np, const char *yaml, bool audit)
{
	char err[1024] = "";
	struct cnp *pols = NULL;
	int n;

	if (cnp_parse("test.yaml", yaml, strlen(yaml), &pols, &n, err,
		      sizeof(err)))
		fail_msg("%s", err);
	if (netpol__apply(np, pols, n, audit, "test.yaml", err, sizeof(err)))
		fail_msg("%s", err);
	free(pols);
}

/* Kernel verdict for a crafted SYN; asserts the mirror agrees. */
static uint8_t verdict(struct netpol *np, const char *src, const char *dst,
		       uint16_t port, uint8_t proto, uint32_t *rule)
{
	struct netpol_check k = {}, u = {};

	assert_int_equal(netpol__check(np, ip4(src), ip4(dst), port, proto, &k),
			 0);
	np_table_decide(&np->live, k.src_id, k.dst_id, port, proto, &u);
	if (k.verdict != u.verdict || k.rule_id != u.rule_id)
		fail_msg("%s -> %s:%u kernel %u/%#x, mirror %u/%#x", src, dst,
			 port, k.verdict, k.rule_id, u.verdict, u.rule_id);
	if (rule)
		*rule = k.rule_id;
	return k.verdict;
}

static int setup(void **state)
{
	struct netpol *np;

	if (geteuid())
		return 0;
	log_quiet_libbpf(true);
	if (netpol__open(&np, NULL))
		return -1;
	add_ep(np, "client", "198.18.1.10", "app=client");
	add_ep(np, "web", "198.18.1.20", "app=web");
	add_ep(np, "db", "198.18.1.30", "app=db");
	*state = np;
	return 0;
}

static int teardown(void **state)
{
	netpol__close(*state);
	return 0;
}

#define NEED_ROOT(state)        \
	do {                    \
		if (!*(state))  \
			skip(); \
	} while (0)

static void no_policy_allows_everything(void **state)
{
	struct netpol *np = *state;

	NEED_ROOT(state);
	assert_int_equal(
		verdict(np, "198.18.1.10", "198.18.1.30", 3306, 6, NULL),
		BL_VERDICT_FORWARDED);
	assert_int_equal(verdict(np, "203.0.113.1", "198.18.1.20", 22, 6, NULL),
			 BL_VERDICT_FORWARDED);
}

static const char web_db[] = HDR
	"metadata: {name: db-in}\nspec:\n  endpointSelector: {matchLabels: {app: db}}\n"
	"  ingress:\n  - fromEndpoints: [{matchLabels: {app: web}}]\n"
	"    toPorts: [{ports: [{port: \"3306\", protocol: TCP}]}]\n";

static void selected_endpoint_is_default_deny(void **state)
{
	struct netpol *np = *state;
	uint32_t rule;

	NEED_ROOT(state);
	apply(np, web_db, false);
	assert_int_equal(
		verdict(np, "198.18.1.20", "198.18.1.30", 3306, 6, &rule),
		BL_VERDICT_FORWARDED);
	assert_string_equal(netpol__rule_policy(np, rule), "db-in");
	assert_int_equal(
		verdict(np, "198.18.1.10", "198.18.1.30", 3306, 6, &rule),
		BL_VERDICT_DROPPED);
	assert_int_equal(rule & 0xff, 0); /* the policy's default deny */
	assert_int_equal(
		verdict(np, "198.18.1.20", "198.18.1.30", 3306, 17, NULL),
		BL_VERDICT_DROPPED);
	/* egress of db is not selected: db may still call out */
	assert_int_equal(verdict(np, "198.18.1.30", "198.18.1.10", 80, 6, NULL),
			 BL_VERDICT_FORWARDED);
	assert_int_equal(netpol__delete(np, "db-in"), 0);
	assert_int_equal(
		verdict(np, "198.18.1.10", "198.18.1.30", 3306, 6, NULL),
		BL_VERDICT_FORWARDED);
}

static void deny_wins_over_allow_and_audit_passes(void **state)
{
	static const char y[] = HDR
		"metadata: {name: mixed}\nspec:\n  endpointSelector: {matchLabels: {app: web}}\n"
		"  ingress:\n  - fromEntities: [all]\n"
		"  ingressDeny:\n  - fromEndpoints: [{matchLabels: {app: client}}]\n"
		"    toPorts: [{ports: [{port: \"22\"}]}]\n";
	struct netpol *np = *state;

	NEED_ROOT(state);
	apply(np, y, false);
	assert_int_equal(verdict(np, "198.18.1.10", "198.18.1.20", 80, 6, NULL),
			 BL_VERDICT_FORWARDED);
	assert_int_equal(verdict(np, "198.18.1.10", "198.18.1.20", 22, 6, NULL),
			 BL_VERDICT_DROPPED);
	assert_int_equal(
		verdict(np, "198.18.1.10", "198.18.1.20", 22, 17, NULL),
		BL_VERDICT_DROPPED);
	assert_int_equal(verdict(np, "198.18.1.30", "198.18.1.20", 22, 6, NULL),
			 BL_VERDICT_FORWARDED);
	apply(np, y, true); /* same policy, audit mode */
	assert_int_equal(verdict(np, "198.18.1.10", "198.18.1.20", 22, 6, NULL),
			 BL_VERDICT_AUDIT);
	assert_int_equal(netpol__delete(np, "mixed"), 0);
}

static void cidr_is_part_of_world(void **state)
{
	static const char y[] = HDR
		"metadata: {name: c2}\nspec:\n  endpointSelector: {matchLabels: {app: client}}\n"
		"  egress:\n  - toCIDR: [198.51.100.0/24]\n"
		"  egressDeny:\n  - toEntities: [world]\n    toPorts: [{ports: [{port: \"8080\"}]}]\n";
	struct netpol *np = *state;

	NEED_ROOT(state);
	apply(np, y, false);
	assert_int_equal(
		verdict(np, "198.18.1.10", "198.51.100.7", 443, 6, NULL),
		BL_VERDICT_FORWARDED);
	assert_int_equal(
		verdict(np, "198.18.1.10", "198.51.100.7", 8080, 6, NULL),
		BL_VERDICT_DROPPED);
	assert_int_equal(verdict(np, "198.18.1.10", "192.0.2.1", 443, 6, NULL),
			 BL_VERDICT_DROPPED);
	assert_int_equal(verdict(np, "198.18.1.10", "198.18.1.20", 80, 6, NULL),
			 BL_VERDICT_DROPPED);
	assert_int_equal(netpol__delete(np, "c2"), 0);
	/* its CIDR identity left the ipcache with it */
	assert_int_equal(
		verdict(np, "198.18.1.10", "198.51.100.7", 8080, 6, NULL),
		BL_VERDICT_FORWARDED);
}

static void readdress_keeps_identity_and_policy(void **state)
{
	struct netpol *np = *state;
	struct netpol_check c = {};

	NEED_ROOT(state);
	apply(np, web_db, false);
	add_ep(np, "web", "198.18.1.21", "app=web");
	assert_int_equal(
		verdict(np, "198.18.1.21", "198.18.1.30", 3306, 6, NULL),
		BL_VERDICT_FORWARDED);
	/* the old address is world now */
	assert_int_equal(netpol__check(np, ip4("198.18.1.20"),
				       ip4("198.18.1.30"), 3306, 6, &c),
			 0);
	assert_int_equal(c.src_id, NP_ID_WORLD);
	assert_int_equal(c.verdict, BL_VERDICT_DROPPED);
	add_ep(np, "web", "198.18.1.20", "app=web");
	assert_int_equal(netpol__delete(np, "db-in"), 0);
}

static double ns_per_packet(struct netpol *np, uint32_t src, uint32_t dst,
			    uint16_t port)
{
	uint8_t pkt[54] = {};
	uint16_t sp = htons(40000), dp = htons(port);
	double best = 1e12;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt,
		    .data_size_in = sizeof(pkt), .repeat = 200000);

	pkt[12] = 0x08;
	pkt[14] = 0x45;
	pkt[17] = 40;
	pkt[22] = 64;
	pkt[23] = 6;
	memcpy(&pkt[26], &src, 4);
	memcpy(&pkt[30], &dst, 4);
	memcpy(&pkt[34], &sp, 2);
	memcpy(&pkt[36], &dp, 2);
	pkt[46] = 0x50;
	pkt[47] = BL_TCP_SYN;
	/* best of 5: the VM's neighbours only ever add time */
	for (int i = 0; i < 5; i++) {
		assert_int_equal(bpf_prog_test_run_opts(
					 netpol__check_prog_fd(np), &opts),
				 0);
		if (opts.duration < best)
			best = opts.duration;
	}
	return best;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * n client identities may reach web on 10 ports: n × 10 policy keys.
 * Returns the apply time; deny and allow get the decision cost.
 */
static double scale_run(int n, double *deny, double *allow)
{
	static const char fmt[] = HDR
		"metadata: {name: scale}\nspec:\n  endpointSelector: {matchLabels: {app: web}}\n"
		"  ingress:\n  - fromEndpoints: [{matchLabels: {tier: client}}]\n"
		"    toPorts: [{ports: [%s]}]\n";
	struct netpol_endpoint *eps = calloc(n + 1, sizeof(*eps));
	char ports[512] = "", yaml[1024], err[256] = "";
	struct netpol *np;
	double t0, t;

	assert_non_null(eps);
	assert_int_equal(netpol__open(&np, NULL), 0);
	for (int i = 0; i < n; i++) {
		char kv[32];

		snprintf(eps[i].name, sizeof(eps[i].name), "c%d", i);
		eps[i].ip = htonl(0xc6120000 |
				  (10 + i)); /* in 198.18.0.0 with a /16 */
		np_labels_add(&eps[i].labels, "tier", "client");
		snprintf(kv, sizeof(kv), "idx=%d", i);
		np_labels_add_kv(&eps[i].labels, kv);
	}
	snprintf(eps[n].name, sizeof(eps[n].name), "web");
	eps[n].ip = htonl(0xc6130001); /* 198.19.0.1 */
	np_labels_add(&eps[n].labels, "app", "web");
	assert_int_equal(
		netpol__endpoints_set(np, eps, n + 1, err, sizeof(err)), 0);
	for (int p = 0; p < 10; p++)
		snprintf(ports + strlen(ports), sizeof(ports) - strlen(ports),
			 "%s{port: \"%d\", protocol: TCP}", p ? ", " : "",
			 8000 + p);
	snprintf(yaml, sizeof(yaml), fmt, ports);
	t0 = now_s();
	apply(np, yaml, false);
	t = now_s() - t0;
	assert_int_equal(netpol__stats(np).keys, (size_t)n * 10);
	/* the last client, to a port it may use and to one it may not */
	*allow = ns_per_packet(np, eps[n - 1].ip, eps[n].ip, 8009);
	*deny = ns_per_packet(np, eps[n - 1].ip, eps[n].ip, 9999);
	assert_int_equal(
		verdict(np, "198.18.0.10", "198.19.0.1", 8009, 6, NULL),
		BL_VERDICT_FORWARDED);
	assert_int_equal(
		verdict(np, "198.18.0.10", "198.19.0.1", 9999, 6, NULL),
		BL_VERDICT_DROPPED);
	netpol__close(np);
	free(eps);
	return t;
}

static void thousand_identities_load_fast_and_cost_stays_flat(void **state)
{
	double a1, d1, a2, d2, t1, t2;

	NEED_ROOT(state);
	t1 = scale_run(1, &d1, &a1);
	t2 = scale_run(1000, &d2, &a2);
	printf("netpol-bench: rules=10 apply_s=%.4f allow_ns=%.1f deny_ns=%.1f\n",
	       t1, a1, d1);
	printf("netpol-bench: rules=10000 apply_s=%.4f allow_ns=%.1f deny_ns=%.1f\n",
	       t2, a2, d2);
	assert_true(t2 < 1.0);
	/* hash lookups: the same handful per packet whatever the rule count */
	assert_true(a2 < a1 * 1.5 + 20);
	assert_true(d2 < d1 * 1.5 + 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_policy_allows_everything),
		cmocka_unit_test(selected_endpoint_is_default_deny),
		cmocka_unit_test(deny_wins_over_allow_and_audit_passes),
		cmocka_unit_test(cidr_is_part_of_world),
		cmocka_unit_test(readdress_keeps_identity_and_policy),
		cmocka_unit_test(
			thousand_identities_load_fast_and_cost_stays_flat),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
