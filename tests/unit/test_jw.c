// SPDX-License-Identifier: GPL-2.0
/* The JSON writer: every output must parse with json-c and round-trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "util/jw.h"

static struct json_object *parse(struct jw *w)
{
	const char *s = jw_str(w);

	assert_non_null(s);
	return json_tokener_parse(s);
}

static void nested_objects_and_arrays_have_commas_in_the_right_places(void **st)
{
	struct json_object *o, *v;
	struct jw w;

	(void)st;
	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "a", "x");
	jw_kint(&w, "b", -5);
	jw_key(&w, "c");
	jw_arr_begin(&w);
	jw_uint(&w, 1);
	jw_obj_begin(&w);
	jw_kbool(&w, "d", true);
	jw_obj_end(&w);
	jw_null(&w);
	jw_arr_end(&w);
	jw_kdouble(&w, "e", 0.25);
	jw_obj_end(&w);
	assert_string_equal(
		jw_str(&w),
		"{\"a\":\"x\",\"b\":-5,\"c\":[1,{\"d\":true},null],\"e\":0.25}");
	o = parse(&w);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "c", &v));
	assert_int_equal(json_object_array_length(v), 3);
	json_object_put(o);
	jw_free(&w);
}

static void control_characters_quotes_and_backslashes_are_escaped(void **st)
{
	const char *in = "q\"b\\n\n t\t r\r \x01 \x1f end";
	struct json_object *o, *v;
	struct jw w;

	(void)st;
	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "s", in);
	jw_obj_end(&w);
	o = parse(&w);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "s", &v));
	assert_string_equal(json_object_get_string(v), in);
	json_object_put(o);
	jw_free(&w);
}

static void invalid_utf8_becomes_replacement_and_still_parses(void **st)
{
	const char bad[] = { 'a',	 (char)0xc3, 'b', (char)0xff,
			     (char)0xe2, (char)0x82, 'c', (char)0xed,
			     (char)0xa0, (char)0x80, 0 };
	struct json_object *o, *v;
	struct jw w;

	(void)st;
	jw_init(&w);
	jw_string(&w, bad);
	o = parse(&w);
	assert_non_null(o);
	v = o;
	assert_string_equal(json_object_get_string(v),
			    /* 0xc3 cut short; 0xff; 0xe2 0x82 cut short (two);
			     * a UTF-16 surrogate 0xed 0xa0 0x80 (three) */
			    "a\xef\xbf\xbd"
			    "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			    "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	json_object_put(o);
	jw_free(&w);
}

static void valid_multibyte_utf8_passes_through(void **st)
{
	const char *s = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80";
	struct json_object *o;
	struct jw w;

	(void)st;
	jw_init(&w);
	jw_string(&w, s);
	assert_string_equal(jw_str(&w),
			    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80\"");
	o = parse(&w);
	assert_string_equal(json_object_get_string(o), s);
	json_object_put(o);
	jw_free(&w);
}

static void random_byte_strings_round_trip_through_json_c(void **st)
{
	struct jw w;

	(void)st;
	srand(42);
	jw_init(&w);
	for (int iter = 0; iter < 2000; iter++) {
		char s[64];
		int n = rand() % 63;
		struct json_object *o;

		for (int i = 0; i < n; i++)
			s[i] = (char)(32 + rand() % 95); /* printable ASCII */
		s[n] = 0;
		jw_reset(&w);
		jw_obj_begin(&w);
		jw_kstr(&w, s, s);
		jw_kint(&w, "n", (int64_t)rand() - RAND_MAX / 2);
		jw_obj_end(&w);
		o = parse(&w);
		assert_non_null(o);
		assert_string_equal(
			json_object_get_string(json_object_object_get(o, s)),
			s);
		json_object_put(o);
	}
	jw_free(&w);
}

static void large_integers_keep_every_digit(void **st)
{
	struct json_object *o;
	struct jw w;

	(void)st;
	jw_init(&w);
	jw_arr_begin(&w);
	jw_uint(&w, UINT64_MAX);
	jw_int(&w, INT64_MIN);
	jw_arr_end(&w);
	assert_string_equal(jw_str(&w),
			    "[18446744073709551615,-9223372036854775808]");
	o = parse(&w);
	assert_non_null(o);
	json_object_put(o);
	jw_free(&w);
}

static void non_finite_doubles_become_null(void **st)
{
	struct jw w;

	(void)st;
	jw_init(&w);
	jw_arr_begin(&w);
	jw_double(&w, 1.0 / 0.0);
	jw_double(&w, 0.0 / 0.0);
	jw_arr_end(&w);
	assert_string_equal(jw_str(&w), "[null,null]");
	jw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			nested_objects_and_arrays_have_commas_in_the_right_places),
		cmocka_unit_test(
			control_characters_quotes_and_backslashes_are_escaped),
		cmocka_unit_test(
			invalid_utf8_becomes_replacement_and_still_parses),
		cmocka_unit_test(valid_multibyte_utf8_passes_through),
		cmocka_unit_test(random_byte_strings_round_trip_through_json_c),
		cmocka_unit_test(large_integers_keep_every_digit),
		cmocka_unit_test(non_finite_doubles_become_null),
	};

	return cmocka_run_group_tests_name("jw", tests, NULL, NULL);
}
