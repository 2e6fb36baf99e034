// SPDX-License-Identifier: GPL-2.0
/*
 * The sandbox userdata scripts hold ("bpflab.box"), in liolib.c's pattern:
 * created closed (name empty) before the sandbox exists, so __gc on a
 * half-made box does nothing; __close and __gc remove a live sandbox.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "lab/lua/lua_lab.h"
#include "lab/sandbox/vm.h"
#include "util/util.h"

#define BOX_MT "bpflab.box"
#define SPAWN_MAX_ARGS 64
#define SPAWN_OUT_MAX (64 * 1024)
#define SPAWN_DEFAULT_TIMEOUT_MS 10000

struct lab_box {
	struct sandbox sb;
	bool live;
};
_Static_assert(offsetof(struct lab_box, sb) == 0, "lab_box_remove casts");

static struct lab_box *to_box(lua_State *L, int idx)
{
	return luaL_checkudata(L, idx, BOX_MT);
}

struct sandbox *lab_box_check(lua_State *L, int idx)
{
	struct lab_box *b = to_box(L, idx);

	if (!b->live)
		luaL_argerror(L, idx, "sandbox was removed");
	return &b->sb;
}

int lab_box_remove(struct sandbox *sb)
{
	/* sb is the first member of its lab_box */
	struct lab_box *b = (struct lab_box *)sb;

	if (!b->live)
		return 0;
	b->live = false;
	return sandbox_remove(sb);
}

static void forget_box(struct lab_run *run, struct sandbox *sb)
{
	for (int i = 0; i < run->n_boxes; i++)
		if (run->boxes[i] == sb) {
			run->boxes[i] = run->boxes[--run->n_boxes];
			return;
		}
}

static int box_remove(lua_State *L)
{
	struct lab_box *b = to_box(L, 1);
	int err;

	if (!b->live)
		return 0;
	b->live = false;
	forget_box(lab_run_of(L), &b->sb);
	err = sandbox_remove(&b->sb);
	if (err) {
		luaL_pushfail(L);
		lua_pushfstring(L, "removing sandbox %s: %s", b->sb.name,
				strerror(-err));
		return 2;
	}
	lua_pushboolean(L, 1);
	return 1;
}

/*
 * A scenario killed before its teardown (SIGKILL, a lost terminal) leaves
 * its sandboxes behind; the next run of a scenario takes the name back.
 * Sandboxes made by hand (no "scenario" label) are never touched.
 */
static void replace_stale(const char *name)
{
	struct sandbox old;

	if (sandbox_load(name, &old))
		return;
	for (int i = 0; i < old.n_labels; i++)
		if (!strcmp(old.labels[i].key, "scenario")) {
			sandbox_remove(&old);
			return;
		}
}

/* while a vm guest boots: keep reading events (see vm_set_wait_hook) */
static void pump_while_booting(void *ctx)
{
	struct lab_run *run = ctx;

	if (run->events)
		lab_events__pump(run->events, 50);
	else
		usleep(50000);
}

/* lab.sandbox{ name=, kind=, privileged=, cgroupns="host", labels={k=v} } */
int lab_box_new(lua_State *L)
{
	struct lab_run *run = lab_run_of(L);
	struct lab_box *b;
	const char *name, *kind;
	char label[256];
	int err;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "name");
	name = luaL_optstring(L, -1, "box");
	lua_getfield(L, 1, "kind");
	kind = luaL_optstring(L, -1, run->kind);
	if (!sandbox_ops_find(kind))
		return luaL_error(
			L, "lab.sandbox: unknown sandbox kind '%s' (known: %s)",
			kind, sandbox_kinds());
	if (run->n_boxes >= LAB_MAX_BOXES)
		return luaL_error(L, "lab.sandbox: at most %d sandboxes",
				  LAB_MAX_BOXES);
	/* closed first: a failure below leaves nothing for __gc to do */
	b = lua_newuserdatauv(L, sizeof(*b), 0);
	memset(b, 0, sizeof(*b));
	luaL_setmetatable(L, BOX_MT);
	if (snprintf(b->sb.name, sizeof(b->sb.name), "bl-%s", name) >=
		    (int)sizeof(b->sb.name) ||
	    !sandbox_name_valid(b->sb.name))
		return luaL_error(
			L, "lab.sandbox: bad name '%s' (a-z, 0-9, '-')", name);
	snprintf(b->sb.kind, sizeof(b->sb.kind), "%s", kind);
	lua_getfield(L, 1, "privileged");
	b->sb.privileged = lua_toboolean(L, -1);
	lua_pop(L, 1);
	lua_getfield(L, 1, "cgroupns");
	if (!lua_isnil(L, -1)) {
		if (strcmp(luaL_checkstring(L, -1), "host") ||
		    !b->sb.privileged || strcmp(kind, "ns"))
			return luaL_error(
				L,
				"lab.sandbox: cgroupns must be \"host\", on a privileged ns sandbox");
		b->sb.host_cgroupns = true;
	}
	lua_pop(L, 1);
	snprintf(label, sizeof(label), "scenario=%s", run->scenario);
	sandbox_add_label(&b->sb, label);
	lua_getfield(L, 1, "labels");
	if (lua_istable(L, -1)) {
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			snprintf(label, sizeof(label), "%s=%s",
				 luaL_checkstring(L, -2),
				 luaL_checkstring(L, -1));
			if (sandbox_add_label(&b->sb, label))
				return luaL_error(L,
						  "lab.sandbox: bad label '%s'",
						  label);
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
	replace_stale(b->sb.name);
	/* guests boot side by side; the first request waits for each agent */
	vm_boot_async(true);
	vm_set_wait_hook(pump_while_booting, run);
	err = sandbox_run(&b->sb);
	if (err)
		return luaL_error(L, "lab.sandbox: cannot start '%s' (%s): %s",
				  b->sb.name, kind, strerror(-err));
	b->live = true;
	run->boxes[run->n_boxes++] = &b->sb;
	/* keep it reachable until teardown, even if the script drops it */
	lua_pushvalue(L, -1);
	luaL_ref(L, LUA_REGISTRYINDEX);
	return 1;
}

static uint64_t now_ms(void)
{
	return now_mono_ns() / 1000000;
}

struct capture {
	char *buf;
	size_t len;
};

static void capture_read(int fd, struct capture *c)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));
	size_t keep;

	if (n <= 0)
		return;
	keep = c->len + (size_t)n > SPAWN_OUT_MAX ? SPAWN_OUT_MAX - c->len :
						    (size_t)n;
	memcpy(c->buf + c->len, tmp, keep);
	c->len += keep;
}

/* Run until exit or timeout, collecting stdout and stderr. */
/*
 * Kill argv itself (inner) on timeout, not the helper: its helper must stay
 * to reap it, or it lingers as a zombie of the host's pid 1 and its pid
 * namespace cannot finish dying.
 */
static int wait_capture(pid_t pid, pid_t inner, int out_fd, int err_fd,
			int timeout_ms, struct capture *out,
			struct capture *err, int *status, bool *timed_out)
{
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
	struct pollfd p[2] = { { out_fd, POLLIN, 0 }, { err_fd, POLLIN, 0 } };
	int open_fds = 2;

	*timed_out = false;
	while (open_fds > 0) {
		int64_t left = (int64_t)(deadline - now_ms());

		if (left <= 0) {
			*timed_out = true;
			kill(inner, SIGKILL);
			break;
		}
		if (poll(p, 2, (int)(left > 200 ? 200 : left)) < 0 &&
		    errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP)))
				continue;
			if (p[i].revents & POLLIN)
				capture_read(p[i].fd, i ? err : out);
			else {
				p[i].fd = -1;
				open_fds--;
			}
		}
	}
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* pid is argv's host pid: the one the engine's events name. */
static void push_proc(lua_State *L, pid_t pid, int status, bool timed_out,
		      const struct capture *out, const struct capture *err,
		      int argc, char **argv)
{
	lua_createtable(L, 0, 8);
	lua_pushinteger(L, pid);
	lua_setfield(L, -2, "pid");
	if (WIFSIGNALED(status)) {
		lua_pushinteger(L, WTERMSIG(status));
		lua_setfield(L, -2, "signal");
	} else {
		lua_pushinteger(L, WEXITSTATUS(status));
		lua_setfield(L, -2, "exit");
	}
	lua_pushboolean(L, timed_out);
	lua_setfield(L, -2, "timed_out");
	lua_pushlstring(L, out->buf, out->len);
	lua_setfield(L, -2, "stdout");
	lua_pushlstring(L, err->buf, err->len);
	lua_setfield(L, -2, "stderr");
	lua_createtable(L, argc, 0);
	for (int i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "argv");
}

/* box:spawn{ "sh", "-c", "...", timeout=secs, stdin="text", background=bool } */
static int box_spawn(lua_State *L)
{
	struct sandbox *sb = lab_box_check(L, 1);
	char *argv[SPAWN_MAX_ARGS + 1];
	int pout[2] = { -1, -1 }, perr[2] = { -1, -1 }, pin[2] = { -1, -1 };
	struct capture out = { 0 }, err = { 0 };
	struct sandbox_io io;
	int argc, status = 0, rc, timeout_ms = SPAWN_DEFAULT_TIMEOUT_MS;
	bool background, timed_out = false;
	const char *input = NULL;
	size_t input_len = 0;
	pid_t pid, inner = 0;

	luaL_checktype(L, 2, LUA_TTABLE);
	argc = (int)luaL_len(L, 2);
	luaL_argcheck(L, argc > 0 && argc <= SPAWN_MAX_ARGS, 2,
		      "want 1 to 64 command words");
	for (int i = 0; i < argc; i++) {
		lua_rawgeti(L, 2, i + 1);
		argv[i] = (char *)luaL_checkstring(L, -1);
		lua_pop(L, 1); /* the table keeps the string alive */
	}
	argv[argc] = NULL;
	lua_getfield(L, 2, "timeout");
	if (!lua_isnil(L, -1))
		timeout_ms = (int)(luaL_checknumber(L, -1) * 1000);
	lua_getfield(L, 2, "background");
	background = lua_toboolean(L, -1);
	lua_getfield(L, 2, "stdin");
	if (!lua_isnil(L, -1))
		input = luaL_checklstring(L, -1, &input_len);
	lua_pop(L, 3);
	if (background) {
		/* lives until teardown removes the sandbox; output discarded */
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

		io = (struct sandbox_io){ devnull, devnull, devnull, false };
		rc = sandbox_spawn(sb, argv, &io, &pid, &inner);
		close(devnull);
		if (rc) {
			luaL_pushfail(L);
			lua_pushfstring(L, "spawn %s: %s", argv[0],
					strerror(-rc));
			return 2;
		}
		push_proc(L, inner, 0, false, &out, &err, argc, argv);
		return 1;
	}
	out.buf = malloc(SPAWN_OUT_MAX);
	err.buf = malloc(SPAWN_OUT_MAX);
	if (!out.buf || !err.buf || pipe2(pout, O_CLOEXEC) ||
	    pipe2(perr, O_CLOEXEC) || pipe2(pin, O_CLOEXEC)) {
		rc = -errno ?: -ENOMEM;
		goto out;
	}
	io = (struct sandbox_io){ pin[0], pout[1], perr[1], false };
	rc = sandbox_spawn(sb, argv, &io, &pid, &inner);
	close(pin[0]), close(pout[1]), close(perr[1]);
	pin[0] = pout[1] = perr[1] = -1;
	if (rc)
		goto out;
	/* small inputs only: the pipe buffer holds them without blocking */
	if (input &&
	    write(pin[1], input, input_len > 60000 ? 60000 : input_len) < 0)
		rc = -errno;
	close(pin[1]);
	pin[1] = -1;
	/* a vm's inner pid is the guest's: on the host, kill its stand-in */
	rc = wait_capture(pid, strcmp(sb->kind, "vm") ? inner : pid, pout[0],
			  perr[0], timeout_ms, &out, &err, &status, &timed_out);
out:
	for (int i = 0; i < 2; i++) {
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
		if (pin[i] >= 0)
			close(pin[i]);
	}
	if (!rc)
		push_proc(L, inner, status, timed_out, &out, &err, argc, argv);
	free(out.buf);
	free(err.buf);
	if (rc) {
		luaL_pushfail(L);
		lua_pushfstring(L, "spawn %s: %s", argv[0], strerror(-rc));
		return 2;
	}
	return 1;
}

/* box:exec{...}: spawn, and an error unless it exited 0 (setup steps). */
static int box_exec(lua_State *L)
{
	int n;

	lua_settop(L, 2);
	lua_pushcfunction(L, box_spawn);
	lua_insert(L, 1);
	lua_call(L, 2, LUA_MULTRET);
	n = lua_gettop(L);
	if (lua_isnil(L, 1))
		return luaL_error(L, "%s", lua_tostring(L, 2));
	lua_getfield(L, 1, "exit");
	if (lua_tointeger(L, -1) != 0 || lua_isnil(L, -1)) {
		lua_getfield(L, 1, "stderr");
		return luaL_error(L, "command failed (exit %s): %s",
				  lua_isnil(L, -2) ? "by signal" :
						     lua_tostring(L, -2),
				  lua_tostring(L, -1));
	}
	lua_pop(L, 1);
	return n;
}

/* Open path inside the box: RESOLVE_IN_ROOT keeps its symlinks inside too. */
int lab_box_open_path(const struct sandbox *sb, const char *path)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT |
					   RESOLVE_NO_MAGICLINKS };
	char root[64];
	int rootfd, fd;

	if (!strcmp(sb->kind, "vm")) /* the guest's file, read by its agent */
		return vm_open_path(sb, path);
	snprintf(root, sizeof(root), "/proc/%d/root", sb->init_pid);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	if (fd < 0)
		fd = -errno;
	close(rootfd);
	return fd;
}

/* box:read(path) -> bytes | nil, msg */
static int box_read(lua_State *L)
{
	struct sandbox *sb = lab_box_check(L, 1);
	const char *path = luaL_checkstring(L, 2);
	luaL_Buffer b;
	int fd = lab_box_open_path(sb, path);
	ssize_t n;

	if (fd < 0) {
		luaL_pushfail(L);
		lua_pushfstring(L, "%s: %s", path, strerror(-fd));
		return 2;
	}
	luaL_buffinit(L, &b);
	do {
		char *p = luaL_prepbuffer(&b);

		n = read(fd, p, LUAL_BUFFERSIZE);
		if (n > 0)
			luaL_addsize(&b, (size_t)n);
	} while (n > 0);
	close(fd);
	luaL_pushresult(&b);
	return 1;
}

static int box_index(lua_State *L)
{
	struct lab_box *b = to_box(L, 1);
	const char *key = luaL_checkstring(L, 2);

	if (!strcmp(key, "name"))
		lua_pushstring(L, b->sb.name);
	else if (!strcmp(key, "kind"))
		lua_pushstring(L, b->sb.kind);
	else if (!strcmp(key, "pid"))
		lua_pushinteger(L, b->sb.init_pid);
	else if (!strcmp(key, "cgroup_id"))
		lua_pushinteger(L, (lua_Integer)b->sb.cgroup_id);
	else if (!strcmp(key, "privileged"))
		lua_pushboolean(L, b->sb.privileged);
	else {
		/* methods */
		luaL_getmetatable(L, BOX_MT);
		lua_getfield(L, -1, "methods");
		lua_getfield(L, -1, key);
	}
	return 1;
}

static int box_tostring(lua_State *L)
{
	struct lab_box *b = to_box(L, 1);

	if (b->live)
		lua_pushfstring(L, "sandbox %s (%s, pid %d)", b->sb.name,
				b->sb.kind, (int)b->sb.init_pid);
	else
		lua_pushliteral(L, "sandbox (removed)");
	return 1;
}

static int box_gc(lua_State *L)
{
	struct lab_box *b = to_box(L, 1);

	if (b->live) {
		b->live = false;
		forget_box(lab_run_of(L), &b->sb);
		sandbox_remove(&b->sb);
	}
	return 0;
}

void lab_box_open(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "spawn", box_spawn }, { "exec", box_exec },
		{ "read", box_read },	{ "remove", box_remove },
		{ NULL, NULL },
	};
	static const luaL_Reg meta[] = {
		{ "__index", box_index }, { "__tostring", box_tostring },
		{ "__gc", box_gc },	  { "__close", box_gc },
		{ NULL, NULL },
	};

	luaL_newmetatable(L, BOX_MT);
	luaL_setfuncs(L, meta, 0);
	luaL_newlib(L, methods);
	lua_setfield(L, -2, "methods");
	lua_pushliteral(L, "locked");
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);
}
