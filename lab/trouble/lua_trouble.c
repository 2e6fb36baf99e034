// SPDX-License-Identifier: GPL-2.0
/* lab.bpflab, lab.node, lab.kill, lab.dir: see trouble.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "engine/journal.h"
#include "lab/lua/lua_lab.h"
#include "lab/trouble/trouble.h"
#include "util/util.h"

#define MAX_ARGS 32
#define MAX_BG 16
#define OUT_MAX (1 << 20)

static const char *const allowed_verbs[] = {
	"lab", "netpol", "svc", "observe", "map", "events", "status", "sandbox",
};

/*
 * Background processes lab.node started: journaled ("pid", "PID STARTTIME"),
 * so a crashed run's `bpflab down` kills them too; killed at teardown.
 */
static struct {
	pid_t pid;
	int seq;
} bg[MAX_BG];
static int n_bg;

struct capture {
	char *buf;
	size_t len;
};

static void capture_read(int fd, struct capture *c, bool *open)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n <= 0) {
		*open = n < 0 && errno == EINTR;
		return;
	}
	if (c->len + (size_t)n > OUT_MAX)
		n = OUT_MAX - c->len; /* keep the head; drain the rest */
	memcpy(c->buf + c->len, tmp, n);
	c->len += n;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait for pid while collecting its stdout and stderr; kill it when
 * timeout_ms runs out. Pushes { exit=|signal=, stdout=, stderr=, timed_out= }.
 */
static int collect(lua_State *L, pid_t pid, int out_fd, int err_fd,
		   int timeout_ms)
{
	struct capture out = { calloc(1, OUT_MAX + 1), 0 };
	struct capture err = { calloc(1, OUT_MAX + 1), 0 };
	bool out_open = true, err_open = true, timed_out = false;
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
	int status = 0;

	/* nowhere to put its output: do not wait on it */
	if (!out.buf || !err.buf)
		kill(pid, SIGKILL);
	while ((out_open || err_open) && out.buf && err.buf) {
		struct pollfd p[2] = { { out_open ? out_fd : -1, POLLIN, 0 },
				       { err_open ? err_fd : -1, POLLIN, 0 } };
		int64_t left = (int64_t)(deadline - now_ms());

		if (left <= 0) {
			timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		if (poll(p, 2, (int)left) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			capture_read(out_fd, &out, &out_open);
		if (p[1].revents)
			capture_read(err_fd, &err, &err_open);
	}
	close(out_fd);
	close(err_fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	lua_newtable(L);
	if (WIFSIGNALED(status)) {
		lua_pushinteger(L, WTERMSIG(status));
		lua_setfield(L, -2, "signal");
	} else {
		lua_pushinteger(L, WEXITSTATUS(status));
		lua_setfield(L, -2, "exit");
	}
	lua_pushlstring(L, out.buf ? out.buf : "", out.len);
	lua_setfield(L, -2, "stdout");
	lua_pushlstring(L, err.buf ? err.buf : "", err.len);
	lua_setfield(L, -2, "stderr");
	lua_pushboolean(L, timed_out);
	lua_setfield(L, -2, "timed_out");
	free(out.buf);
	free(err.buf);
	return 1;
}

/* argv strings from t[first..]; NULL-terminated; raises on bad input */
static int table_argv(lua_State *L, int t, int first, const char **argv)
{
	int n = 0;

	for (int i = first;; i++) {
		if (lua_rawgeti(L, t, i) == LUA_TNIL) {
			lua_pop(L, 1);
			break;
		}
		if (n >= MAX_ARGS - 1)
			luaL_error(L, "too many arguments (max %d)",
				   MAX_ARGS - 1);
		argv[n++] = luaL_checkstring(L, -1);
		lua_pop(L, 1); /* the string stays alive in the table */
	}
	argv[n] = NULL;
	return n;
}

static int opt_timeout_ms(lua_State *L, int t, int def_s)
{
	lua_Number s;

	lua_getfield(L, t, "timeout");
	s = luaL_optnumber(L, -1, def_s);
	lua_pop(L, 1);
	luaL_argcheck(L, s > 0 && s <= 120, t, "timeout: 0 to 120 seconds");
	return (int)(s * 1000);
}

/*
 * fork; the child joins netns (when given), wires the pipes (or /dev/null)
 * and execs. Returns the pid or -errno.
 */
static pid_t spawn(const char *netns, const char *path, const char **argv,
		   int out[2], int err[2])
{
	int nsfd = -1;
	pid_t pid;

	if (netns) {
		char p[128];

		snprintf(p, sizeof(p), "/run/netns/%s", netns);
		nsfd = open(p, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0)
			return -errno;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET))
			_exit(126);
		dup2(null, STDIN_FILENO);
		dup2(out ? out[1] : null, STDOUT_FILENO);
		dup2(err ? err[1] : null, STDERR_FILENO);
		if (!out) /* a background server outlives our session */
			setsid();
		if (path)
			execv(path, (char *const *)argv);
		else
			execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (nsfd >= 0)
		close(nsfd);
	return pid < 0 ? -errno : pid;
}

static int run_captured(lua_State *L, const char *netns, const char *path,
			const char **argv, int timeout_ms)
{
	int out[2], err[2];
	pid_t pid;

	if (pipe2(out, O_CLOEXEC))
		return luaL_error(L, "pipe: %s", strerror(errno));
	if (pipe2(err, O_CLOEXEC)) {
		close(out[0]);
		close(out[1]);
		return luaL_error(L, "pipe: %s", strerror(errno));
	}
	pid = spawn(netns, path, argv, out, err);
	close(out[1]);
	close(err[1]);
	if (pid < 0) {
		close(out[0]);
		close(err[0]);
		return luaL_error(L, "%s: %s", argv[0], strerror(-pid));
	}
	return collect(L, pid, out[0], err[0], timeout_ms);
}

/* lab.bpflab{ VERB, ARGS..., timeout= } */
static int l_bpflab(lua_State *L)
{
	const char *argv[MAX_ARGS + 1];
	bool ok = false;
	int timeout_ms;

	luaL_checktype(L, 1, LUA_TTABLE);
	argv[0] = "bpflab";
	table_argv(L, 1, 1, argv + 1);
	luaL_argcheck(L, argv[1], 1, "a verb");
	for (size_t i = 0; i < sizeof(allowed_verbs) / sizeof(allowed_verbs[0]);
	     i++)
		ok |= !strcmp(argv[1], allowed_verbs[i]);
	if (!ok)
		return luaL_error(L, "lab.bpflab: verb '%s' is not allowed",
				  argv[1]);
	timeout_ms = opt_timeout_ms(L, 1, 15);
	return run_captured(L, NULL, "/proc/self/exe", argv, timeout_ms);
}

/* the journal's "pid" entry for pid; its sequence number or -errno */
static int journal_pid(pid_t pid)
{
	unsigned long long start;
	int err = proc_start_time(pid, &start);

	return err ? err : journal_record("pid", "%d %llu", (int)pid, start);
}

static bool valid_node(const char *n)
{
	size_t len = strlen(n);

	return len > 0 && len <= 16 &&
	       strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789") == len;
}

/* lab.node{ NODE, ARGV..., timeout=, background= } */
static int l_node(lua_State *L)
{
	const char *argv[MAX_ARGS + 1];
	char netns[64];
	bool background;
	pid_t pid;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_rawgeti(L, 1, 1);
	if (!lua_isstring(L, -1) || !valid_node(lua_tostring(L, -1)))
		return luaL_error(
			L,
			"lab.node: the first element is a lab host (web1, db, ...)");
	snprintf(netns, sizeof(netns), "bpflab-lab-%s", lua_tostring(L, -1));
	lua_pop(L, 1);
	if (!table_argv(L, 1, 2, argv))
		return luaL_error(L, "lab.node: no command");
	lua_getfield(L, 1, "background");
	background = lua_toboolean(L, -1);
	lua_pop(L, 1);
	if (!background)
		return run_captured(L, netns, NULL, argv,
				    opt_timeout_ms(L, 1, 15));
	if (n_bg >= MAX_BG)
		return luaL_error(L, "lab.node: too many background commands");
	pid = spawn(netns, NULL, argv, NULL, NULL);
	if (pid < 0)
		return luaL_error(L, "lab.node %s: %s", netns, strerror(-pid));
	bg[n_bg].pid = pid;
	bg[n_bg].seq = journal_pid(pid);
	if (bg[n_bg].seq < 0) {
		int err = bg[n_bg].seq;

		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return luaL_error(L, "lab.node: journal: %s", strerror(-err));
	}
	n_bg++;
	lua_newtable(L);
	lua_pushinteger(L, pid);
	lua_setfield(L, -2, "pid");
	return 1;
}

/* SIGKILL and reap one background process; false if it was not ours */
static bool kill_bg(pid_t pid)
{
	for (int i = 0; i < n_bg; i++) {
		if (bg[i].pid != pid)
			continue;
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		journal_release(bg[i].seq);
		bg[i] = bg[--n_bg];
		return true;
	}
	return false;
}

/* lab.kill(proc): what a crash does to a server */
static int l_kill(lua_State *L)
{
	pid_t pid;

	luaL_checktype(L, 1, LUA_TTABLE);
	lua_getfield(L, 1, "pid");
	pid = (pid_t)luaL_checkinteger(L, -1);
	if (!kill_bg(pid))
		return luaL_error(
			L, "lab.kill: pid %d was not started by lab.node",
			(int)pid);
	return 0;
}

static int l_dir(lua_State *L)
{
	lua_pushstring(L, lab_run_of(L)->dir);
	return 1;
}

void lab_trouble__teardown(void)
{
	while (n_bg > 0)
		kill_bg(bg[n_bg - 1].pid);
}

void lab_trouble_open(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "bpflab", l_bpflab }, { "node", l_node }, { "kill", l_kill },
		{ "dir", l_dir },	{ NULL, NULL },
	};

	luaL_setfuncs(L, fns, 0);
}
