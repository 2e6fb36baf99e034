// SPDX-License-Identifier: GPL-2.0
/* The sandboxed Lua state: allow-listed libraries, budgets, tracebacks. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "lab/lua/lua_rt.h"

#define HOOK_EVERY 1000 /* instructions between budget checks */

struct lua_rt {
	lua_State *L;
	size_t used, max_bytes;
	uint64_t executed, max_instructions;
	volatile sig_atomic_t interrupted;
};

/* Every thread of the state finds its rt in the extra space. */
static struct lua_rt *rt_of(lua_State *L)
{
	return *(struct lua_rt **)lua_getextraspace(L);
}

/* The allocator refuses to grow past the ceiling: Lua raises "not enough memory". */
static void *rt_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct lua_rt *rt = ud;
	void *p;

	if (!ptr)
		osize = 0;
	if (nsize == 0) {
		free(ptr);
		rt->used -= osize;
		return NULL;
	}
	if (nsize > osize && rt->used + (nsize - osize) > rt->max_bytes)
		return NULL;
	p = realloc(ptr, nsize);
	if (p)
		rt->used = rt->used - osize + nsize;
	return p;
}

static void rt_hook(lua_State *L, lua_Debug *ar)
{
	struct lua_rt *rt = rt_of(L);

	(void)ar;
	if (rt->interrupted)
		luaL_error(L, "interrupted");
	rt->executed += HOOK_EVERY;
	if (rt->executed > rt->max_instructions)
		luaL_error(L, "instruction limit (%I) exceeded",
			   (lua_Integer)rt->max_instructions);
}

/* load() for text only: a binary chunk could forge bytecode. */
static int safe_load(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	const char *name = luaL_optstring(L, 2, "=(load)");

	if (luaL_loadbufferx(L, s, len, name, "t") != LUA_OK) {
		luaL_pushfail(L);
		lua_insert(L, -2);
		return 2;
	}
	return 1;
}

static void open_allowed_libs(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{ LUA_GNAME, luaopen_base },
		{ LUA_STRLIBNAME, luaopen_string },
		{ LUA_TABLIBNAME, luaopen_table },
		{ LUA_MATHLIBNAME, luaopen_math },
		{ LUA_UTF8LIBNAME, luaopen_utf8 },
		{ LUA_COLIBNAME, luaopen_coroutine },
	};
	static const char *const os_keep[] = { "time", "clock", "date",
					       "difftime" };
	static const char *const base_drop[] = { "dofile", "loadfile" };

	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
		luaL_requiref(L, libs[i].name, libs[i].func, 1);
		lua_pop(L, 1);
	}
	for (size_t i = 0; i < sizeof(base_drop) / sizeof(base_drop[0]); i++) {
		lua_pushnil(L);
		lua_setglobal(L, base_drop[i]);
	}
	lua_pushcfunction(L, safe_load);
	lua_setglobal(L, "load");
	/* os: open the real one off to the side and copy the harmless parts */
	lua_newtable(L);
	luaopen_os(L);
	for (size_t i = 0; i < sizeof(os_keep) / sizeof(os_keep[0]); i++) {
		lua_getfield(L, -1, os_keep[i]);
		lua_setfield(L, -3, os_keep[i]);
	}
	lua_pop(L, 1);
	lua_setglobal(L, "os");
}

int lua_rt__new(struct lua_rt **out, const struct lua_rt_limits *limits)
{
	struct lua_rt *rt = calloc(1, sizeof(*rt));

	if (!rt)
		return -ENOMEM;
	rt->max_bytes =
		limits && limits->max_bytes ? limits->max_bytes : 64 << 20;
	rt->max_instructions = limits && limits->max_instructions ?
				       limits->max_instructions :
				       200000000ULL;
	rt->L = lua_newstate(rt_alloc, rt);
	if (!rt->L) {
		free(rt);
		return -ENOMEM;
	}
	*(struct lua_rt **)lua_getextraspace(rt->L) = rt;
	open_allowed_libs(rt->L);
	/* threads made later inherit the hook (lua_newthread copies it) */
	lua_sethook(rt->L, rt_hook, LUA_MASKCOUNT, HOOK_EVERY);
	*out = rt;
	return 0;
}

void lua_rt__free(struct lua_rt *rt)
{
	if (!rt)
		return;
	lua_close(rt->L);
	free(rt);
}

lua_State *lua_rt__state(struct lua_rt *rt)
{
	return rt->L;
}

void lua_rt__interrupt(struct lua_rt *rt)
{
	rt->interrupted = 1;
}

void lua_rt__reset_budget(struct lua_rt *rt)
{
	rt->executed = 0;
	rt->interrupted = 0;
}

static void copy_message(lua_State *L, int idx, char *err, size_t errlen)
{
	const char *msg = lua_tostring(L, idx);

	snprintf(err, errlen, "%s",
		 msg ? msg : "(error object is not a string)");
}

int lua_rt__load(struct lua_rt *rt, const char *code, size_t len,
		 const char *chunkname, char *err, size_t errlen)
{
	if (luaL_loadbufferx(rt->L, code, len, chunkname, "t") == LUA_OK)
		return 0;
	copy_message(rt->L, -1, err, errlen);
	lua_pop(rt->L, 1);
	return -EINVAL;
}

static int traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (!msg)
		msg = lua_pushfstring(L, "(error object is a %s value)",
				      luaL_typename(L, 1));
	luaL_traceback(L, L, msg, 1);
	return 1;
}

int lua_rt__pcall(struct lua_rt *rt, int nargs, int nresults, char *err,
		  size_t errlen)
{
	lua_State *L = rt->L;
	int base = lua_gettop(L) - nargs, rc;

	lua_pushcfunction(L, traceback);
	lua_insert(L, base);
	rc = lua_pcall(L, nargs, nresults, base);
	lua_remove(L, base);
	if (rc == LUA_OK)
		return 0;
	copy_message(L, -1, err, errlen);
	lua_pop(L, 1);
	return -EINVAL;
}

int lua_rt__resume(struct lua_rt *rt, lua_State *co, int nargs, int *nres,
		   char *err, size_t errlen)
{
	int rc = lua_resume(co, rt->L, nargs, nres);
	const char *msg;

	if (rc == LUA_OK || rc == LUA_YIELD)
		return rc;
	/* the coroutine's stack is intact after an error: walk it */
	msg = lua_tostring(co, -1);
	luaL_traceback(rt->L, co, msg ? msg : "(error object is not a string)",
		       0);
	copy_message(rt->L, -1, err, errlen);
	lua_pop(rt->L, 1);
	return rc;
}
