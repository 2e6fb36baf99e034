// SPDX-License-Identifier: GPL-2.0
/* The journal: what is recorded and not released is undone, newest first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "engine/journal.h"

static char dir[64];

static int setup(void **st)
{
	char path[128];

	(void)st;
	snprintf(dir, sizeof(dir), "/tmp/bl-journal-test-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/journal", dir);
	journal_set_path(path);
	journal_set_scope("engine");
	return 0;
}

static int teardown(void **st)
{
	char cmd[128];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void touch(const char *path)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fclose(f);
}

static void unreleased_files_are_removed_and_released_ones_kept(void **st)
{
	char a[128], b[128];
	int sa, sb;

	(void)st;
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	touch(a);
	touch(b);
	sa = journal_record("file", "%s", a);
	sb = journal_record("file", "%s", b);
	assert_true(sa > 0 && sb > sa);
	assert_int_equal(journal_release(sb),
			 0); /* b's owner removed it itself */
	assert_int_equal(journal_cleanup(NULL, false), 0);
	assert_int_not_equal(access(a, F_OK), 0);
	assert_int_equal(access(b, F_OK), 0);
}

static void cleanup_undoes_newest_first(void **st)
{
	char d[128], f[128];

	(void)st;
	/* a directory holding a file: only newest-first order can remove both */
	snprintf(d, sizeof(d), "%s/sub", dir);
	snprintf(f, sizeof(f), "%s/sub/file", dir);
	assert_int_equal(mkdir(d, 0700), 0);
	journal_record("dir", "%s", d);
	touch(f);
	journal_record("file", "%s", f);
	assert_int_equal(journal_cleanup(NULL, false), 0);
	assert_int_not_equal(access(d, F_OK), 0);
}

static void scope_limits_what_cleanup_touches(void **st)
{
	char e[128], l[128];
	struct journal_entry *v;
	int n;

	(void)st;
	snprintf(e, sizeof(e), "%s/engine-owned", dir);
	snprintf(l, sizeof(l), "%s/lab-owned", dir);
	touch(e);
	touch(l);
	journal_record("file", "%s", e);
	journal_set_scope("lab");
	journal_record("file", "%s", l);
	journal_set_scope("engine");
	assert_int_equal(journal_cleanup("engine", false), 0);
	assert_int_not_equal(access(e, F_OK), 0);
	assert_int_equal(access(l, F_OK), 0);
	assert_int_equal(journal_live(&v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].scope, "lab");
	assert_string_equal(v[0].kind, "file");
	free(v);
	assert_int_equal(journal_cleanup(NULL, false), 0);
	assert_int_not_equal(access(l, F_OK), 0);
}

static void unknown_kinds_are_kept_and_reported(void **st)
{
	struct journal_entry *v;
	int n;

	(void)st;
	journal_record("no-such-kind", "whatever");
	assert_int_equal(journal_cleanup(NULL, false), 1);
	assert_int_equal(journal_live(&v, &n), 0);
	assert_int_equal(n, 1); /* never silently forgotten */
	free(v);
}

static void records_with_newlines_are_refused(void **st)
{
	(void)st;
	assert_true(journal_record("file", "a\nb") < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			unreleased_files_are_removed_and_released_ones_kept,
			setup, teardown),
		cmocka_unit_test_setup_teardown(cleanup_undoes_newest_first,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			scope_limits_what_cleanup_touches, setup, teardown),
		cmocka_unit_test_setup_teardown(
			unknown_kinds_are_kept_and_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(
			records_with_newlines_are_refused, setup, teardown),
	};

	return cmocka_run_group_tests_name("journal", tests, NULL, NULL);
}
