/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A sandboxed Lua 5.4 state for scenario scripts.
 *  - libraries on an allow-list: base (without dofile, loadfile, and load of
 *    binary chunks), string, table, math, utf8, coroutine, and an `os` with
 *    only time, clock, date and difftime. No io, no package/require.
 *  - an instruction budget (a count hook) and a memory ceiling (allocator);
 *  - every call through lua_pcall with a traceback message handler;
 *  - lua_rt__interrupt() is async-signal-safe: it only sets a hook, as lua.c
 *    does for Ctrl-C; the script then stops with "interrupted".
 */
#ifndef BPFLAB_LUA_RT_H
#define BPFLAB_LUA_RT_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

struct lua_rt;

struct lua_rt_limits {
	uint64_t max_instructions; /* 0: 200 million */
	size_t max_bytes; /* 0: 64 MiB */
};

int lua_rt__new(struct lua_rt **out, const struct lua_rt_limits *limits);
void lua_rt__free(struct lua_rt *rt);
lua_State *lua_rt__state(struct lua_rt *rt);

/*
 * Load a chunk (text only) named chunkname ("@file" for files). On error
 * returns -EINVAL with "file:line: message" in err.
 */
int lua_rt__load(struct lua_rt *rt, const char *code, size_t len,
		 const char *chunkname, char *err, size_t errlen);
/* lua_pcall with a traceback handler; on error the message (with traceback) goes to err. */
int lua_rt__pcall(struct lua_rt *rt, int nargs, int nresults, char *err,
		  size_t errlen);
/*
 * Resume coroutine co (created on rt's state) with nargs; returns LUA_OK
 * when it finished, LUA_YIELD when it yielded, else an error with the
 * message and traceback in err.
 */
int lua_rt__resume(struct lua_rt *rt, lua_State *co, int nargs, int *nres,
		   char *err, size_t errlen);
/* Safe from a signal handler: the running script raises "interrupted". */
void lua_rt__interrupt(struct lua_rt *rt);
/*
 * Reset the instruction budget and a pending interrupt: each phase gets a
 * full budget, and teardown must run even after Ctrl-C.
 */
void lua_rt__reset_budget(struct lua_rt *rt);

#endif
