// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc/proc_decode.h"
#include "util/util.h"

static char *bounded_str(const char *s, size_t max, size_t used)
{
	size_t n = used < max ? used : max;

	return strndup(s, strnlen(s, n ? n : max));
}

/* argv[1..] joined by spaces; argv arrives NUL-separated, argv[0] first. */
static char *join_args(const char *a, size_t len)
{
	size_t skip = strnlen(a, len), i;
	char *out;

	if (skip + 1 >= len)
		return strdup("");
	out = malloc(len - skip);
	if (!out)
		return NULL;
	for (i = skip + 1; i < len; i++)
		out[i - skip - 1] = a[i] ? a[i] : ' ';
	out[len - skip - 1] = 0;
	/* trailing NULs became spaces */
	for (i = len - skip - 1; i > 0 && out[i - 1] == ' '; i--)
		out[i - 1] = 0;
	return out;
}

/* A relative execve path ("./x", "bin/x") is resolved against the cwd. */
static char *absolute_binary(const char *path, const char *cwd)
{
	char buf[BL_PATH_LEN + BL_CWD_LEN + 2];
	const char *p = path;

	if (path[0] == '/' || !cwd || !cwd[0])
		return strdup(path);
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	snprintf(buf, sizeof(buf), "%s%s%s", cwd,
		 cwd[strlen(cwd) - 1] == '/' ? "" : "/", p);
	return strdup(buf);
}

int proc_decode_exec(const void *rec, size_t len, struct proc_node *out)
{
	const struct bl_exec_event *ev = rec;
	char *path;

	if (len < sizeof(*ev) || ev->hdr.op != BL_OP_EXEC ||
	    ev->args_len > BL_ARGS_LEN || ev->cwd_len > BL_CWD_LEN ||
	    ev->path_len > BL_PATH_LEN)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->pid = ev->proc.pid;
	out->ktime = ev->proc.ktime;
	out->ppid = ev->parent.pid;
	out->parent_ktime = ev->parent.ktime;
	out->tid = ev->tid;
	out->uid = ev->uid;
	out->auid = ev->auid;
	out->cgroup_id = ev->cgroup_id;
	out->ns_pid = ev->ns_pid;
	out->is_exec = true;
	out->start_real_ns = ktime_to_realtime_ns(ev->proc.ktime);
	memcpy(out->comm, ev->comm, sizeof(out->comm));
	out->comm[sizeof(out->comm) - 1] = 0;
	out->cwd = bounded_str(ev->cwd, BL_CWD_LEN, ev->cwd_len);
	path = bounded_str(ev->path, BL_PATH_LEN, ev->path_len);
	out->binary = path ? absolute_binary(path, out->cwd) : NULL;
	free(path);
	out->args = join_args(ev->args, ev->args_len);
	if (!out->cwd || !out->binary || !out->args) {
		free(out->cwd);
		free(out->binary);
		free(out->args);
		return -ENOMEM;
	}
	return 0;
}

int proc_decode_fork(const void *rec, size_t len, struct proc_node *out)
{
	const struct bl_fork_event *ev = rec;

	if (len < sizeof(*ev) || ev->hdr.op != BL_OP_FORK)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->pid = ev->proc.pid;
	out->tid = ev->proc.pid;
	out->ktime = ev->proc.ktime;
	out->ppid = ev->parent.pid;
	out->parent_ktime = ev->parent.ktime;
	out->cgroup_id = ev->cgroup_id;
	out->start_real_ns = ktime_to_realtime_ns(ev->proc.ktime);
	memcpy(out->comm, ev->comm, sizeof(out->comm));
	out->comm[sizeof(out->comm) - 1] = 0;
	return 0;
}

int proc_decode_exit(const void *rec, size_t len, struct bl_exit_event *out)
{
	if (len < sizeof(*out) ||
	    ((const struct bl_hdr *)rec)->op != BL_OP_EXIT)
		return -EINVAL;
	memcpy(out, rec, sizeof(*out));
	return 0;
}

const char *signal_name(int sig)
{
	static const char *const names[] = {
		[SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",
		[SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
		[SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
		[SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",
		[SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1",
		[SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
		[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",
		[SIGTERM] = "SIGTERM", [SIGSTKFLT] = "SIGSTKFLT",
		[SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
		[SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
		[SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU",
		[SIGURG] = "SIGURG",   [SIGXCPU] = "SIGXCPU",
		[SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM",
		[SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
		[SIGIO] = "SIGIO",     [SIGPWR] = "SIGPWR",
		[SIGSYS] = "SIGSYS",
	};

	if (sig <= 0 || (size_t)sig >= ARRAY_SIZE(names))
		return NULL;
	return names[sig];
}
