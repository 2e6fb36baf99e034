// SPDX-License-Identifier: GPL-2.0
/*
 * Strict number parsing (util/num.h): what atoi() and sscanf() took for a
 * number ("", "12x", "-1" as unsigned, out of range) is refused and leaves
 * the output alone; a procfs line's fields are walked one by one.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/num.h"

static void whole_strings_parse_with_blanks_around_them(void **st)
{
	long v = 0;
	unsigned long long u = 0;

	(void)st;
	assert_int_equal(parse_long("42", 10, 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_long(" -7\n", 10, -10, 10, &v), 0);
	assert_int_equal(v, -7);
	assert_int_equal(parse_long("0x1f", 0, 0, 100, &v), 0);
	assert_int_equal(v, 31);
	assert_int_equal(parse_ull("ffffffff", 16, &u), 0);
	assert_int_equal(u, 0xffffffffull);
	assert_int_equal(parse_ull("18446744073709551615\n", 10, &u), 0);
	assert_true(u == ULLONG_MAX);
}

static void what_atoi_accepts_is_refused_and_out_is_untouched(void **st)
{
	static const char *const bad[] = { "",	  " ", "\n", "12x", "x12",
					   "1 2", "-", "+",  "1.5" };
	unsigned long long u = 99;
	long v = 99;
	pid_t pid = 99;

	(void)st;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_long(bad[i], 10, LONG_MIN, LONG_MAX, &v),
				 -EINVAL);
		assert_int_equal(parse_ull(bad[i], 10, &u), -EINVAL);
		assert_int_equal(parse_pid(bad[i], &pid), -EINVAL);
	}
	assert_int_equal(v, 99);
	assert_int_equal(u, 99);
	assert_int_equal(pid, 99);
}

static void out_of_range_is_erange(void **st)
{
	unsigned long long u = 0;
	long v = 0;
	pid_t pid = 0;

	(void)st;
	assert_int_equal(parse_long("101", 10, 0, 100, &v), -ERANGE);
	assert_int_equal(parse_long("-1", 10, 0, 100, &v), -ERANGE);
	assert_int_equal(
		parse_long("99999999999999999999", 10, LONG_MIN, LONG_MAX, &v),
		-ERANGE);
	/* strtoull would take "-1" for ULLONG_MAX */
	assert_int_equal(parse_ull("-1", 10, &u), -ERANGE);
	assert_int_equal(parse_ull("18446744073709551616", 10, &u), -ERANGE);
	assert_int_equal(parse_pid("0", &pid), -ERANGE);
	assert_int_equal(parse_pid("2147483648", &pid), -ERANGE);
	assert_int_equal(parse_pid("2147483647", &pid), 0);
	assert_int_equal(pid, INT_MAX);
}

static void fields_of_a_line_are_scanned_in_turn(void **st)
{
	const char *line = "12 34 ff  rest";
	const char *p = line;
	unsigned long long u = 0;
	long a = 0, b = 0;

	(void)st;
	assert_int_equal(scan_long(&p, 10, 0, 100, &a), 0);
	assert_int_equal(scan_long(&p, 10, 0, 100, &b), 0);
	assert_int_equal(scan_ull(&p, 16, &u), 0);
	assert_int_equal(a, 12);
	assert_int_equal(b, 34);
	assert_int_equal(u, 0xff);
	/* a word is no number, and p stays before it */
	assert_int_equal(scan_long(&p, 10, 0, 100, &a), -EINVAL);
	assert_string_equal(p, "  rest");
	/* the digits must end the field: "5x" is not 5 */
	p = "5x 6";
	assert_int_equal(scan_long(&p, 10, 0, 100, &a), -EINVAL);
	/* the end of the string ends the last field */
	p = "7";
	assert_int_equal(scan_long(&p, 10, 0, 100, &a), 0);
	assert_int_equal(a, 7);
	assert_string_equal(p, "");
	assert_int_equal(scan_long(&p, 10, 0, 100, &a), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(whole_strings_parse_with_blanks_around_them),
		cmocka_unit_test(
			what_atoi_accepts_is_refused_and_out_is_untouched),
		cmocka_unit_test(out_of_range_is_erange),
		cmocka_unit_test(fields_of_a_line_are_scanned_in_turn),
	};

	return cmocka_run_group_tests_name("num", tests, NULL, NULL);
}
