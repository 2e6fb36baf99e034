// SPDX-License-Identifier: GPL-2.0
/* Sandbox names, labels and the state file, without root. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lab/sandbox/sandbox.h"
#include "util/jw.h"

static char run_dir[] = "/tmp/bpflab-lab-unit.XXXXXX";

static int make_run_dir(void **state)
{
	(void)state;
	if (!mkdtemp(run_dir))
		return -1;
	return setenv("BPFLAB_RUN_DIR", run_dir, 1);
}

static int remove_run_dir(void **state)
{
	(void)state;
	return rm_tree(run_dir);
}

static void names_follow_the_rules(void **state)
{
	(void)state;
	assert_true(sandbox_name_valid("web-1"));
	assert_true(sandbox_name_valid("a"));
	assert_false(sandbox_name_valid(""));
	assert_false(sandbox_name_valid("-lead"));
	assert_false(sandbox_name_valid("Upper"));
	assert_false(sandbox_name_valid("dot.name"));
	assert_false(sandbox_name_valid("../etc"));
	assert_false(sandbox_name_valid(
		"a23456789012345678901234567890123")); /* 33 */
	assert_true(sandbox_name_valid(
		"a2345678901234567890123456789012")); /* 32 */
}

static void labels_are_key_value_and_bpflab_is_reserved(void **state)
{
	struct sandbox sb = { 0 };
	char kv[32];

	(void)state;
	assert_int_equal(sandbox_add_label(&sb, "app=web"), 0);
	assert_string_equal(sb.labels[0].key, "app");
	assert_string_equal(sb.labels[0].value, "web");
	assert_int_equal(sandbox_add_label(&sb, "empty="), 0);
	assert_string_equal(sb.labels[1].value, "");
	assert_int_equal(sandbox_add_label(&sb, "novalue"), -EINVAL);
	assert_int_equal(sandbox_add_label(&sb, "=x"), -EINVAL);
	assert_int_equal(sandbox_add_label(&sb, "bpflab.name=x"), -EINVAL);
	for (int i = sb.n_labels; i < SANDBOX_MAX_LABELS; i++) {
		snprintf(kv, sizeof(kv), "k%d=v", i);
		assert_int_equal(sandbox_add_label(&sb, kv), 0);
	}
	assert_int_equal(sandbox_add_label(&sb, "one=more"), -E2BIG);
}

static void state_round_trips(void **state)
{
	struct sandbox a = { .name = "box-1",
			     .kind = "runc",
			     .privileged = true,
			     .init_pid = 4242,
			     .init_start = 987654321ULL,
			     .cgroup_id = 1234567890123ULL,
			     .cgroup_path =
				     "/sys/fs/cgroup/unified/bpflab/box-1",
			     .journal = { 3, 5, 8 },
			     .n_journal = 3 };
	struct sandbox b, *list;
	int n;

	(void)state;
	sandbox_add_label(&a, "role=victim \"quoted\"");
	assert_int_equal(sandbox_state_save(&a), 0);
	assert_int_equal(sandbox_load("box-1", &b), 0);
	assert_string_equal(b.name, "box-1");
	assert_string_equal(b.kind, "runc");
	assert_true(b.privileged);
	assert_int_equal(b.init_pid, 4242);
	assert_true(b.init_start == 987654321ULL);
	assert_true(b.cgroup_id == 1234567890123ULL);
	assert_string_equal(b.cgroup_path, a.cgroup_path);
	assert_int_equal(b.n_labels,
			 1); /* bpflab.name/kind are not user labels */
	assert_string_equal(b.labels[0].value, "victim \"quoted\"");
	assert_int_equal(b.n_journal, 3);
	assert_int_equal(b.journal[2], 8);
	/* pid 4242 with that start time is not ours: not alive */
	assert_false(sandbox_alive(&b));
	assert_int_equal(sandbox_list(&list, &n), 0);
	assert_int_equal(n, 1);
	free(list);
	assert_int_equal(sandbox_load("nope", &b), -ENOENT);
	assert_int_equal(sandbox_load("../x", &b), -EINVAL);
}

static void json_has_name_and_kind_labels(void **state)
{
	struct sandbox a = { .name = "j", .kind = "ns" };
	struct jw w;

	(void)state;
	jw_init(&w);
	sandbox_to_json(&a, &w);
	assert_non_null(strstr(jw_str(&w), "\"bpflab.name\":\"j\""));
	assert_non_null(strstr(jw_str(&w), "\"bpflab.kind\":\"ns\""));
	jw_free(&w);
}

static void unknown_kinds_are_refused_by_name(void **state)
{
	(void)state;
	assert_non_null(sandbox_ops_find("ns"));
	assert_non_null(sandbox_ops_find("runc"));
	assert_non_null(sandbox_ops_find("containerd"));
	assert_non_null(sandbox_ops_find("vm"));
	assert_null(sandbox_ops_find("kvm"));
	assert_null(sandbox_ops_find(""));
	assert_non_null(strstr(sandbox_kinds(), "containerd"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_follow_the_rules),
		cmocka_unit_test(labels_are_key_value_and_bpflab_is_reserved),
		cmocka_unit_test(state_round_trips),
		cmocka_unit_test(json_has_name_and_kind_labels),
		cmocka_unit_test(unknown_kinds_are_refused_by_name),
	};

	return cmocka_run_group_tests(tests, make_run_dir, remove_run_dir);
}
