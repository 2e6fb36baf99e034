// SPDX-License-Identifier: GPL-2.0
/* The scenario Lua state: what scripts may not touch, limits, tracebacks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <lua.h>

#include "lab/lua/lua_lab.h"
#include "lab/lua/lua_rt.h"

static struct lua_rt *rt;

static int setup(void **state)
{
	struct lua_rt_limits lim = { .max_instructions = 5000000,
				     .max_bytes = 8 << 20 };

	(void)state;
	return lua_rt__new(&rt, &lim);
}

static int teardown(void **state)
{
	(void)state;
	lua_rt__free(rt);
	rt = NULL;
	return 0;
}

/* Run code; returns 0 or -EINVAL with the message (and traceback) in err. */
static int run(const char *code, char *err, size_t errlen)
{
	int rc = lua_rt__load(rt, code, strlen(code), "=test", err, errlen);

	if (!rc)
		rc = lua_rt__pcall(rt, 0, 0, err, errlen);
	return rc;
}

static void assert_fails_with(const char *code, const char *needle)
{
	char err[4096] = "";

	assert_int_equal(run(code, err, sizeof(err)), -EINVAL);
	if (!strstr(err, needle))
		fail_msg("'%s' failed with '%s', want '%s'", code, err, needle);
}

static void forbidden_globals_are_absent(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(run("assert(io == nil) assert(require == nil)"
			     "assert(dofile == nil) assert(loadfile == nil)"
			     "assert(package == nil) assert(debug == nil)",
			     err, sizeof(err)),
			 0);
}

static void os_keeps_only_clock_functions(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(
		run("assert(os.execute == nil) assert(os.getenv == nil)"
		    "assert(os.remove == nil) assert(os.exit == nil)"
		    "assert(type(os.time()) == 'number')"
		    "assert(type(os.clock()) == 'number')",
		    err, sizeof(err)),
		0);
	assert_fails_with("os.execute('id')", "attempt to call a nil value");
}

static void load_refuses_binary_chunks(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(run("local f = load('return 1') assert(f() == 1)"
			     "local ok, msg = load(string.dump(f))"
			     "assert(ok == nil and msg:find('binary'))",
			     err, sizeof(err)),
			 0);
}

static void infinite_loop_hits_the_instruction_limit(void **state)
{
	(void)state;
	assert_fails_with("while true do end", "instruction limit");
}

static void runaway_allocation_hits_the_memory_limit(void **state)
{
	(void)state;
	assert_fails_with(
		"local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 1024) .. i end",
		"not enough memory");
}

static void errors_carry_a_traceback(void **state)
{
	(void)state;
	assert_fails_with("local function inner() error('boom') end\n"
			  "local function outer() inner() end\n outer()",
			  "stack traceback");
	assert_fails_with("local function inner() error('boom') end\n"
			  "inner()",
			  "test:1: boom");
}

static void syntax_errors_name_the_line(void **state)
{
	char err[512] = "";

	(void)state;
	assert_int_equal(lua_rt__load(rt, "x = 1\nif then", 13, "@bad.lua", err,
				      sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "bad.lua:2:"));
}

static void interrupt_stops_the_script(void **state)
{
	char err[512] = "";

	(void)state;
	lua_rt__interrupt(rt);
	assert_int_equal(run("local x = 0 for i = 1, 1e7 do x = x + i end", err,
			     sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "interrupted"));
	/* teardown must still run afterwards */
	lua_rt__reset_budget(rt);
	assert_int_equal(run("local x = 0 for i = 1, 1e5 do x = x + i end", err,
			     sizeof(err)),
			 0);
}

static void sha256_matches_the_fips_vectors(void **state)
{
	char hex[65];

	(void)state;
	sha256_hex("", 0, hex);
	assert_string_equal(
		hex,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex("abc", 3, hex);
	assert_string_equal(
		hex,
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		   56, hex);
	assert_string_equal(
		hex,
		"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(forbidden_globals_are_absent,
						setup, teardown),
		cmocka_unit_test_setup_teardown(os_keeps_only_clock_functions,
						setup, teardown),
		cmocka_unit_test_setup_teardown(load_refuses_binary_chunks,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			infinite_loop_hits_the_instruction_limit, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			runaway_allocation_hits_the_memory_limit, setup,
			teardown),
		cmocka_unit_test_setup_teardown(errors_carry_a_traceback, setup,
						teardown),
		cmocka_unit_test_setup_teardown(syntax_errors_name_the_line,
						setup, teardown),
		cmocka_unit_test_setup_teardown(interrupt_stops_the_script,
						setup, teardown),
		cmocka_unit_test(sha256_matches_the_fips_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
