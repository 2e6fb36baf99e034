// SPDX-License-Identifier: GPL-2.0
/*
 * kube-proxy's iptables layout as the baseline generates it: chain names,
 * the 1/(n-i) statistic splits, the masquerade marks, and rule/chain counts
 * (10 services x 3 endpoints: 110 + 8 nat rules in 40 + 4 chains; the
 * probe counted 110,008 in 40,004 at 10,000 services).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lab/kubeproxy/kubeproxy.h"

static void fill(struct kp_service *s, int i)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "bench/svc-%05d:http", i);
	s->vip = htonl(0xc6130001 + i);
	s->port = 80;
	s->proto = IPPROTO_TCP;
	s->nep = 3;
	for (int e = 0; e < 3; e++)
		s->ep[e] = htonl(0xc6120002 + (e + 1) * 256);
	s->ep_port = 8080;
}

static char *render(enum kp_mode m, struct kp_service *s, int n, bool add)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(add ? kp_write_add(f, m, &s[n], n, "198.18.128.0/17") :
			       kp_write_rules(f, m, s, n, "198.18.128.0/17"),
			 0);
	fclose(f);
	return buf;
}

static int count_lines(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *p = text; p && *p;
	     p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, prefix, strlen(prefix)))
			n++;
	return n;
}

static void test_chain_names_are_16_chars_of_base32(void **state)
{
	struct kp_service s;
	char svc[32], sep[32], other[32];

	(void)state;
	fill(&s, 0);
	kp_svc_chain(&s, svc, sizeof(svc));
	kp_sep_chain(&s, 0, sep, sizeof(sep));
	kp_sep_chain(&s, 1, other, sizeof(other));
	assert_int_equal(strlen(svc), 25);
	assert_true(!strncmp(svc, "KUBE-SVC-", 9));
	assert_true(!strncmp(sep, "KUBE-SEP-", 9));
	assert_int_equal(strspn(svc + 9, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
			 16);
	assert_string_not_equal(sep, other);
	/* stable: the same service hashes the same */
	kp_svc_chain(&s, other, sizeof(other));
	assert_string_equal(svc, other);
}

static void test_iptables_layout_matches_kube_proxy(void **state)
{
	struct kp_service s[11];
	char *text;

	(void)state;
	for (int i = 0; i < 11; i++)
		fill(&s[i], i);
	text = render(KP_IPTABLES_NFT, s, 10, false);
	assert_int_equal(count_lines(text, ":"), 44);
	assert_int_equal(count_lines(text, "-A "), 118);
	assert_int_equal(count_lines(text, "-A KUBE-SERVICES -d "), 10);
	assert_non_null(
		strstr(text, "--probability 0.33333333333 -j KUBE-SEP-"));
	assert_non_null(
		strstr(text, "--probability 0.50000000000 -j KUBE-SEP-"));
	assert_non_null(
		strstr(text, "! -s 198.18.128.0/17 -d 198.19.0.1/32 -p tcp"));
	assert_non_null(
		strstr(text, "-j DNAT --to-destination 198.18.1.2:8080"));
	assert_non_null(strstr(
		text, "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000"));
	assert_non_null(strstr(text, "MASQUERADE --random-fully"));
	/* the NODEPORTS jump is the last rule of KUBE-SERVICES */
	assert_true(strstr(text, "--dst-type LOCAL -j KUBE-NODEPORTS") >
		    strstr(text, "-d 198.19.0.10/32"));
	free(text);
	/* adding one more keeps it before the NODEPORTS rule */
	text = render(KP_IPTABLES_NFT, s, 10, true);
	assert_non_null(strstr(text, "-I KUBE-SERVICES 11 -d 198.19.0.11/32"));
	assert_int_equal(count_lines(text, ":"), 4);
	free(text);
}

static void test_nftables_mode_uses_one_verdict_map(void **state)
{
	struct kp_service s[3];
	char *text;

	(void)state;
	for (int i = 0; i < 3; i++)
		fill(&s[i], i);
	text = render(KP_NFTABLES, s, 2, false);
	assert_non_null(strstr(text, "vmap @service-ips"));
	assert_int_equal(
		count_lines(text, "add element ip kube-proxy service-ips"), 2);
	assert_non_null(strstr(text, "numgen random mod 3 vmap"));
	/* endpoint chains exist before the service chain jumps to them */
	assert_true(strstr(text, "add chain ip kube-proxy endpoint-") <
		    strstr(text, "add chain ip kube-proxy service-"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_names_are_16_chars_of_base32),
		cmocka_unit_test(test_iptables_layout_matches_kube_proxy),
		cmocka_unit_test(test_nftables_mode_uses_one_verdict_map),
	};

	return cmocka_run_group_tests_name("lb_kubeproxy", tests, NULL, NULL);
}
