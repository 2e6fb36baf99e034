// SPDX-License-Identifier: GPL-2.0
/*
 * The sandbox userdata scripts hold ("bpflab.box"), in liolib.c's pattern:
 * created closed (name empty) before the sandbox exists, so __gc on a
 * half-made box does nothing; __close and __gc remove a live sandbox.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lauxlib.h>

#include "lab/lua/lua_lab.h"
#include "lab/sandbox/vm.h"
#include "util/util.h"

#define BOX_MT "bpflab.box"
#define SPAWN_MT "bpflab.spawn"
#define SPAWN_MAX_ARGS 64
#define SPAWN_OUT_MAX (64 * 1024)
#define SPAWN_DEFAULT_TIMEOUT_MS 10000
#define READ_CHUNK 4096 /* bytes per read() of a file into a Lua buffer */

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

struct capture {
	char *buf;
	size_t len;
};

/*
 * A foreground command while it runs: its output pipes and a pidfd of the
 * helper that reaps it, all non-blocking, on the Lua stack as a userdata
 * whose __gc kills and reaps whatever an error or a stop left running.
 */
struct spawn {
	pid_t pid; /* the helper (a vm: its stand-in); we reap it */
	pid_t inner; /* argv's host pid, killed on timeout */
	pid_t victim; /* what a timeout kills */
	int pidfd, out_fd, err_fd;
	struct capture out, err;
	uint64_t deadline_ms;
	bool timed_out, reaped;
	int status;
};

static void spawn_close_fds(struct spawn *sp)
{
	int *fds[] = { &sp->pidfd, &sp->out_fd, &sp->err_fd };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

static int spawn_gc(lua_State *L)
{
	struct spawn *sp = luaL_checkudata(L, 1, SPAWN_MT);

	if (sp->pid > 0 && !sp->reaped) {
		/* its helper exits right after argv dies: a short wait */
		kill(sp->victim, SIGKILL);
		while (waitpid(sp->pid, NULL, 0) < 0 && errno == EINTR)
			;
		sp->reaped = true;
	}
	spawn_close_fds(sp);
	free(sp->out.buf);
	free(sp->err.buf);
	sp->out.buf = sp->err.buf = NULL;
	return 0;
}

/* Drain what a pipe holds; closes it (-1) at EOF. */
static void capture_drain(int *fd, struct capture *c)
{
	char tmp[4096];
	ssize_t n;

	while ((n = read(*fd, tmp, sizeof(tmp))) > 0) {
		size_t keep = c->len + (size_t)n > SPAWN_OUT_MAX ?
				      SPAWN_OUT_MAX - c->len :
				      (size_t)n;

		memcpy(c->buf + c->len, tmp, keep);
		c->len += keep;
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		close(*fd);
		*fd = -1;
	}
}

/* pid is argv's host pid: the one the engine's events name. */
static void push_proc(lua_State *L, pid_t pid, int status, bool timed_out,
		      const struct capture *out, const struct capture *err,
		      int argc_idx)
{
	int argc = (int)lua_rawlen(L, argc_idx);

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
	lua_pushlstring(L, out->buf ?: "", out->len);
	lua_setfield(L, -2, "stdout");
	lua_pushlstring(L, err->buf ?: "", err->len);
	lua_setfield(L, -2, "stderr");
	lua_createtable(L, argc, 0);
	for (int i = 1; i <= argc; i++) {
		lua_rawgeti(L, argc_idx, i);
		lua_rawseti(L, -2, i);
	}
	lua_setfield(L, -2, "argv");
}

/*
 * Until both pipes close (or the timeout), collect the output; then until
 * the helper exits. The timeout kills argv itself, not the helper: its
 * helper must stay to reap it, or it lingers as a zombie of the host's pid
 * 1 and its pid namespace cannot finish dying. Stack: 1 box, 2 the
 * command table, 3 the spawn userdata.
 */
static int spawn_k(lua_State *L, int status, lua_KContext ctx)
{
	struct spawn *sp = luaL_checkudata(L, 3, SPAWN_MT);
	struct lab_wait *w = &lab_run_of(L)->wait;
	siginfo_t si = { 0 };

	(void)status;
	(void)ctx;
	lab_resumed(L);
	if (sp->out_fd >= 0)
		capture_drain(&sp->out_fd, &sp->out);
	if (sp->err_fd >= 0)
		capture_drain(&sp->err_fd, &sp->err);
	if (!sp->timed_out && lab_now_ms() >= sp->deadline_ms) {
		sp->timed_out = true;
		kill(sp->victim, SIGKILL);
	}
	if (sp->timed_out || (sp->out_fd < 0 && sp->err_fd < 0)) {
		if (!waitid(P_PIDFD, (id_t)sp->pidfd, &si, WEXITED | WNOHANG) &&
		    si.si_pid == sp->pid) {
			sp->reaped = true;
			sp->status = si.si_code == CLD_EXITED ?
					     (si.si_status & 0xff) << 8 :
					     si.si_status & 0x7f;
			push_proc(L, sp->inner, sp->status, sp->timed_out,
				  &sp->out, &sp->err, 2);
			spawn_close_fds(sp);
			return 1;
		}
		if (lab_wait__fd(w, sp->pidfd, EPOLLIN))
			return luaL_error(L,
					  "spawn: cannot wait for the child");
	} else {
		if ((sp->out_fd >= 0 && lab_wait__fd(w, sp->out_fd, EPOLLIN)) ||
		    (sp->err_fd >= 0 && lab_wait__fd(w, sp->err_fd, EPOLLIN)) ||
		    lab_wait__deadline(w, sp->deadline_ms))
			return luaL_error(L,
					  "spawn: cannot wait for the output");
	}
	return lab_yield(L, 0, spawn_k);
}

static int spawn_fail(lua_State *L, const char *what, int err)
{
	luaL_pushfail(L);
	lua_pushfstring(L, "spawn %s: %s", what, strerror(-err));
	return 2;
}

/* box:spawn{ "sh", "-c", "...", timeout=secs, stdin="text", background=bool } */
static int box_spawn(lua_State *L)
{
	struct sandbox *sb = lab_box_check(L, 1);
	char *argv[SPAWN_MAX_ARGS + 1];
	int pout[2] = { -1, -1 }, perr[2] = { -1, -1 }, pin[2] = { -1, -1 };
	int argc, rc = 0, timeout_ms = SPAWN_DEFAULT_TIMEOUT_MS;
	struct sandbox_io io;
	const char *input = NULL;
	size_t input_len = 0;
	struct spawn *sp;
	bool background;
	pid_t pid, inner = 0;

	luaL_checktype(L, 2, LUA_TTABLE);
	lua_settop(L, 2);
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
		struct capture none = { 0 };
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

		io = (struct sandbox_io){ devnull, devnull, devnull, false };
		rc = sandbox_spawn(sb, argv, &io, &pid, &inner);
		close(devnull);
		if (rc)
			return spawn_fail(L, argv[0], rc);
		push_proc(L, inner, 0, false, &none, &none, 2);
		return 1;
	}
	sp = lua_newuserdatauv(L, sizeof(*sp), 0); /* slot 3 */
	memset(sp, 0, sizeof(*sp));
	sp->pidfd = sp->out_fd = sp->err_fd = -1;
	luaL_setmetatable(L, SPAWN_MT);
	sp->out.buf = malloc(SPAWN_OUT_MAX);
	sp->err.buf = malloc(SPAWN_OUT_MAX);
	if (!sp->out.buf || !sp->err.buf)
		return spawn_fail(L, argv[0], -ENOMEM);
	if (pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC) ||
	    pipe2(pin, O_CLOEXEC)) {
		rc = -errno;
		goto out;
	}
	io = (struct sandbox_io){ pin[0], pout[1], perr[1], false };
	rc = sandbox_spawn(sb, argv, &io, &pid, &inner);
	if (rc)
		goto out;
	sp->pid = pid;
	sp->inner = inner;
	/* a vm's inner pid is the guest's: on the host, kill its stand-in */
	sp->victim = strcmp(sb->kind, "vm") ? inner : pid;
	sp->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (sp->pidfd < 0) {
		rc = -errno;
		goto out;
	}
	/* small inputs only: the pipe buffer holds them without blocking */
	if (input &&
	    write(pin[1], input, input_len > 60000 ? 60000 : input_len) < 0)
		rc = -errno;
	sp->out_fd = pout[0];
	sp->err_fd = perr[0];
	pout[0] = perr[0] = -1;
	fcntl(sp->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(sp->err_fd, F_SETFL, O_NONBLOCK);
	sp->deadline_ms = lab_now_ms() + (uint64_t)timeout_ms;
out:
	for (int i = 0; i < 2; i++) {
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
		if (pin[i] >= 0)
			close(pin[i]);
	}
	if (rc)
		return spawn_fail(L, argv[0], rc);
	return spawn_k(L, LUA_OK, 0);
}

static int exec_k(lua_State *L, int status, lua_KContext ctx)
{
	int n = lua_gettop(L);

	(void)status;
	(void)ctx;
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

/* box:exec{...}: spawn, and an error unless it exited 0 (setup steps). */
static int box_exec(lua_State *L)
{
	lua_settop(L, 2);
	lua_pushcfunction(L, box_spawn);
	lua_insert(L, 1);
	lua_callk(L, 2, LUA_MULTRET, 0, exec_k);
	return exec_k(L, LUA_OK, 0);
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
		char *p = luaL_prepbuffsize(&b, READ_CHUNK);

		n = read(fd, p, READ_CHUNK);
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

	luaL_newmetatable(L, SPAWN_MT);
	lua_pushcfunction(L, spawn_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	luaL_newmetatable(L, BOX_MT);
	luaL_setfuncs(L, meta, 0);
	luaL_newlib(L, methods);
	lua_setfield(L, -2, "methods");
	lua_pushliteral(L, "locked");
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);
}
