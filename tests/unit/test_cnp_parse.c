// SPDX-License-Identifier: GPL-2.0
/*
 * The CiliumNetworkPolicy parser: every file of tests/data/cnp/good parses;
 * every file of tests/data/cnp/bad fails with the file:line:col message its
 * first line ("# expect: LINE:COL: TEXT") names; the fields of a good policy
 * land where the compiler expects them.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "netpol/cnp.h"
#include "netpol/netpol_maps.h"

#define DATA "tests/data/cnp"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = malloc(1 << 16);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void every_good_file_parses(void **state)
{
	DIR *d = opendir(DATA "/good");
	struct dirent *de;
	int files = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[512], err[1024] = "";
		struct cnp *pols = NULL;
		int n = 0, ret;

		if (!strstr(de->d_name, ".yaml"))
			continue;
		snprintf(path, sizeof(path), DATA "/good/%s", de->d_name);
		ret = cnp_parse_file(path, &pols, &n, err, sizeof(err));
		if (ret)
			fail_msg("%s: %s", path, err);
		assert_true(n >= 1);
		free(pols);
		files++;
	}
	closedir(d);
	assert_true(files >= 2);
}

static void every_bad_file_names_line_and_column(void **state)
{
	DIR *d = opendir(DATA "/bad");
	struct dirent *de;
	int files = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[512], err[1024] = "", want[512];
		struct cnp *pols = NULL;
		char *buf, *nl;
		size_t len;
		int n = 0, ret;

		if (!strstr(de->d_name, ".yaml"))
			continue;
		snprintf(path, sizeof(path), DATA "/bad/%s", de->d_name);
		buf = slurp(path, &len);
		assert_true(!strncmp(buf, "# expect: ", 10));
		nl = strchr(buf, '\n');
		assert_non_null(nl);
		*nl = '\0';
		assert_true(strlen(path) + strlen(buf + 10) + 2 < sizeof(want));
		strcpy(want, path);
		strcat(want, ":");
		strcat(want, buf + 10);
		*nl = '\n';
		ret = cnp_parse(path, buf, len, &pols, &n, err, sizeof(err));
		if (!ret)
			fail_msg("%s parsed, but it is malformed", path);
		if (strncmp(err, want, strlen(want)))
			fail_msg("%s:\n  want: %s\n  got:  %s", path, want,
				 err);
		assert_null(pols);
		free(buf);
		files++;
	}
	closedir(d);
	assert_true(files >= 10);
}

static void good_policy_fields_land_in_rules(void **state)
{
	char err[1024] = "";
	struct cnp *p = NULL;
	int n = 0;

	(void)state;
	assert_int_equal(cnp_parse_file(DATA "/good/client-egress.yaml", &p, &n,
					err, sizeof(err)),
			 0);
	assert_int_equal(n, 1);
	assert_string_equal(p->name, "client-egress");
	assert_int_equal(p->subject.n, 1);
	assert_string_equal(p->subject.l[0].key, "app");
	assert_false(p->has_dir[NP_INGRESS]);
	assert_true(p->has_dir[NP_EGRESS]);
	assert_int_equal(p->nrules, 3);
	/* toEndpoints app=web, 80/TCP */
	assert_int_equal(p->rules[0].npeers, 1);
	assert_int_equal(p->rules[0].ports[0].port, 80);
	assert_int_equal(p->rules[0].ports[0].proto, 6);
	assert_false(p->rules[0].deny);
	/* toCIDR 198.18.66.0/24, every port */
	assert_int_equal(p->rules[1].ncidrs, 1);
	assert_int_equal(p->rules[1].cidrs[0].len, 24);
	assert_int_equal(p->rules[1].nports, 0);
	/* egressDeny world 8080 ANY */
	assert_true(p->rules[2].deny);
	assert_int_equal(p->rules[2].entities, CNP_ENT_WORLD);
	assert_int_equal(p->rules[2].ports[0].port, 8080);
	assert_int_equal(p->rules[2].ports[0].proto, 0);
	assert_int_equal(p->rules[2].line, 22);
	free(p);
}

static void
cidr_host_bits_are_cleared_and_empty_rule_allows_nothing(void **state)
{
	static const char y[] =
		"apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\n"
		"metadata: {name: x}\nspec:\n  endpointSelector: {}\n"
		"  ingress:\n  - {}\n  egress:\n  - toCIDR: [10.1.2.3/8]\n"
		"  - toPorts: [{ports: [{port: \"53\", protocol: UDP}]}]\n";
	char err[256] = "";
	struct cnp *p = NULL;
	int n = 0;

	(void)state;
	assert_int_equal(
		cnp_parse("x.yaml", y, sizeof(y) - 1, &p, &n, err, sizeof(err)),
		0);
	assert_int_equal(p->rules[0].npeers + p->rules[0].entities +
				 p->rules[0].ncidrs,
			 0);
	assert_int_equal(p->rules[1].cidrs[0].addr, htonl(0x0a000000));
	/* toPorts alone applies to every peer */
	assert_int_equal(p->rules[2].entities, CNP_ENT_ALL);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_good_file_parses),
		cmocka_unit_test(every_bad_file_names_line_and_column),
		cmocka_unit_test(good_policy_fields_land_in_rules),
		cmocka_unit_test(
			cidr_host_bits_are_cleared_and_empty_rule_allows_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
