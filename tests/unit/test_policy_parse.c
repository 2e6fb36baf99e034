// SPDX-License-Identifier: GPL-2.0
/* The TracingPolicy parser, validator and compiler, without a kernel. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "enforce/enforce_image.h"
#include "enforce/hooks.h"
#include "enforce/policy.h"
#include "enforce/policy_validate.h"

#define SHARED "/work/shared/formats/"

static const uint32_t no_ns[3];

static struct policy *parse_ok(const char *text)
{
	struct policy *p = NULL;
	char err[512] = "";
	int ret = policy_parse(text, strlen(text), "t.yaml", &p, err,
			       sizeof(err));

	if (ret)
		print_error("unexpected error: %s\n", err);
	assert_int_equal(ret, 0);
	return p;
}

static void expect_error(const char *text, const char *where, const char *msg)
{
	struct policy *p = NULL;
	char err[512] = "";

	assert_int_equal(policy_parse(text, strlen(text), "t.yaml", &p, err,
				      sizeof(err)),
			 -EINVAL);
	assert_null(p);
	if (!strstr(err, where) || !strstr(err, msg))
		print_error("got: %s\n", err);
	assert_non_null(strstr(err, where));
	assert_non_null(strstr(err, msg));
}

#define HDR \
	"apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\nmetadata:\n  name: t\nspec:\n"

static void examples_parse_with_their_fields(void **state)
{
	struct policy *p;
	char err[512];

	(void)state;
	if (access(SHARED "protect-passwd.yaml", R_OK))
		skip();
	assert_int_equal(policy_parse_file(SHARED "protect-passwd.yaml", &p,
					   err, sizeof(err)),
			 0);
	assert_string_equal(p->name, "protect-passwd");
	assert_false(p->monitor);
	assert_int_equal(p->nhooks, 1);
	assert_int_equal(p->hooks[0].selectors[0].nargs, 2);
	assert_int_equal(p->hooks[0].selectors[0].args[0].op, POL_OP_PREFIX);
	assert_int_equal(p->hooks[0].selectors[0].binaries.op, POL_OP_NOT_IN);
	assert_true(p->hooks[0].selectors[0].actions & POL_ACT_SIGKILL);
	assert_int_equal(pol_hook_class(&p->hooks[0], p->hooks[0].calls[0]),
			 ENF_FILE);
	policy_free(p);

	assert_int_equal(policy_parse_file(SHARED "deny-escape.yaml", &p, err,
					   sizeof(err)),
			 0);
	assert_int_equal(p->hooks[0].ncalls, 7);
	assert_string_equal(p->hooks[0].calls[6], "sys_open_by_handle_at");
	assert_int_equal(pol_hook_class(&p->hooks[0], "sys_mount"),
			 ENF_SYSCALL);
	policy_free(p);

	assert_int_equal(
		policy_parse_file(SHARED "block-c2.yaml", &p, err, sizeof(err)),
		0);
	assert_int_equal(p->hooks[0].selectors[0].arg_error, -1);
	assert_int_equal(pol_hook_class(&p->hooks[0], "sys_connect"),
			 ENF_CONNECT);
	policy_free(p);
}

static void monitor_mode_is_read(void **state)
{
	struct policy *p;

	(void)state;
	p = parse_ok(
		HDR
		"  options:\n  - name: policy-mode\n    value: monitor\n"
		"  kprobes:\n  - call: sys_mount\n    syscall: true\n"
		"    selectors:\n    - matchActions:\n      - action: Sigkill\n");
	assert_true(p->monitor);
	policy_free(p);
}

static void errors_name_line_and_column(void **state)
{
	(void)state;
	expect_error("", "t.yaml:1:1:", "empty file");
	expect_error(
		HDR
		"  kprobes:\n  - call: sys_mount\n    syscall: true\n    bogus: 1\n",
		"t.yaml:9:5:", "unknown field \"bogus\"");
	expect_error(HDR
		     "  kprobes:\n  - call: sys_mount\n    syscall: maybe\n",
		     "t.yaml:8:14:", "true or false");
	expect_error(
		HDR
		"  kprobes:\n  - call: sys_nosuch\n    syscall: true\n"
		"    selectors:\n    - matchActions:\n      - action: Post\n",
		"t.yaml:7:5:", "unknown or unsupported syscall");
	expect_error(
		HDR
		"  kprobes:\n  - call: sys_mount\n    syscall: true\n"
		"    selectors:\n    - matchBinaries:\n      - operator: Glob\n"
		"        values: [/bin/sh]\n",
		"t.yaml:11:19:", "unknown operator \"Glob\"");
	expect_error(
		HDR
		"  kprobes:\n  - call: sys_mount\n    syscall: true\n"
		"    selectors:\n    - matchActions:\n      - action: Override\n",
		"t.yaml:10:7:", "Override cannot be carried out");
	expect_error("a: [1, 2", "t.yaml:", "YAML:");
	expect_error(HDR "  kprobes: []\n---\n" HDR, "t.yaml:", "");
}

static void cidrs_are_strict(void **state)
{
	uint32_t a;
	int plen;

	(void)state;
	assert_int_equal(pol_parse_cidr4("198.18.66.0/24", &a, &plen), 0);
	assert_int_equal(plen, 24);
	assert_int_equal(a, inet_addr("198.18.66.0"));
	assert_int_equal(pol_parse_cidr4("10.1.2.3", &a, &plen), 0);
	assert_int_equal(plen, 32);
	assert_int_not_equal(pol_parse_cidr4("10.0.0.1/8", &a, &plen), 0);
	assert_int_not_equal(pol_parse_cidr4("10.0.0.0/33", &a, &plen), 0);
	assert_int_not_equal(pol_parse_cidr4("::1/128", &a, &plen), 0);
	assert_int_not_equal(pol_parse_cidr4("", &a, &plen), 0);
}

/* An LPM lookup finds one prefix: the longer one must carry the shorter one's rules. */
static void covering_prefixes_fold_into_longer_ones(void **state)
{
	struct enf_image img;
	struct policy *p;
	char err[256];
	struct enf_net_key k = { 24, 0 };
	long i;

	(void)state;
	p = parse_ok(
		HDR
		"  kprobes:\n  - call: sys_connect\n    syscall: true\n"
		"    args:\n    - index: 1\n      type: sockaddr\n"
		"    selectors:\n    - matchArgs:\n      - index: 1\n"
		"        operator: DAddr\n        values: [198.18.66.0/24]\n"
		"      matchActions:\n      - action: Override\n"
		"    - matchArgs:\n      - index: 1\n        operator: DAddr\n"
		"        values: [198.18.0.0/15]\n      matchActions:\n"
		"      - action: Post\n");
	enf_image_init(&img);
	assert_int_equal(
		enf_image_build(&img, &p, 1, 100, no_ns, err, sizeof(err)), 0);
	assert_int_equal(img.nrules, 2);
	k.addr = inet_addr("198.18.66.0");
	i = enf_table_find(&img.net, &k);
	assert_true(i >= 0);
	assert_int_equal(img.net.sets[i].n, 2);
	assert_int_equal(img.net.sets[i].ids[0], 100);
	assert_int_equal(img.net.sets[i].ids[1], 101);
	assert_true(img.rules[0].flags & ENF_R_OVERRIDE);
	enf_image_free(&img);
	policy_free(p);
}

static void protected_files_resolve_to_inodes_and_names(void **state)
{
	char dir[] = "/tmp/bl-enforce-unit.XXXXXX", path[128], text[2048],
	     err[256];
	struct enf_path_key pk = { 0 };
	struct enf_inode_key ik = { 0 };
	struct enf_image img;
	struct policy *p;
	struct stat st, dst;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/passwd", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("root:x:0:0::/root:/bin/sh\n", f);
	fclose(f);
	snprintf(text, sizeof(text),
		 HDR "  kprobes:\n  - call: security_file_permission\n"
		     "    args:\n    - index: 0\n      type: file\n"
		     "    selectors:\n    - matchArgs:\n      - index: 0\n"
		     "        operator: Prefix\n        values: [\"%s\"]\n"
		     "      matchActions:\n      - action: Sigkill\n",
		 path);
	p = parse_ok(text);
	enf_image_init(&img);
	assert_int_equal(
		enf_image_build(&img, &p, 1, 0, no_ns, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(stat(dir, &dst), 0);
	ik.ino = st.st_ino;
	ik.dev = enf_kdev(st.st_dev);
	assert_true(enf_table_find(&img.inodes, &ik) >= 0);
	snprintf(pk.name, sizeof(pk.name), "%s", path);
	assert_true(enf_table_find(&img.paths, &pk) >= 0);
	memset(&pk, 0, sizeof(pk));
	pk.dir_ino = dst.st_ino;
	pk.dir_dev = enf_kdev(dst.st_dev);
	snprintf(pk.name, sizeof(pk.name), "passwd");
	assert_true(enf_table_find(&img.paths, &pk) >= 0);
	assert_int_equal(img.nfiles, 1);
	assert_true(img.files[0].guard_open);
	assert_true(img.rules[0].flags & ENF_R_OPEN);
	assert_true(img.rules[0].flags & ENF_R_SIGKILL);
	/* write and rename are in the rule's syscall set, read is not */
	assert_true(img.rules[0].nr_mask[1 >> 6] & (1ull << 1));
	assert_false(img.rules[0].nr_mask[0] & 1ull);
	assert_int_not_equal(img.sc[enf_syscall_by_name("renameat2")->nr].kind,
			     0);
	enf_image_free(&img);
	policy_free(p);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(examples_parse_with_their_fields),
		cmocka_unit_test(monitor_mode_is_read),
		cmocka_unit_test(errors_name_line_and_column),
		cmocka_unit_test(cidrs_are_strict),
		cmocka_unit_test(covering_prefixes_fold_into_longer_ones),
		cmocka_unit_test(protected_files_resolve_to_inodes_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
