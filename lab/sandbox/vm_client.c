// SPDX-License-Identifier: GPL-2.0
/*
 * Host clients of a vm sandbox, through its relay: run a command in the
 * guest (a helper process stands in for it on the host, so waitpid() and
 * the caller's pipes work as for the other kinds), read a file, push a
 * policy.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab/sandbox/vm.h"
#include "lab/sandbox/vm_wire.h"
#include "util/util.h"

#define READ_MAX (1 << 20)

static int relay_connect(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[PATH_MAX];
	struct sandbox sb;
	int fd;

	/* a guest still booting: wait for its agent (or a clear error) */
	if (!sandbox_load(name, &sb) && (fd = vm_wait_ready(&sb)))
		return fd;
	vm_path(path, sizeof(path), name, "relay.sock");
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err == -ENOENT ? -ESRCH : err;
	}
	return fd;
}

/* The next line from fd within timeout_ms; malloc'd into *line. */
static int read_line(int fd, struct wire_buf *b, char **line, int timeout_ms)
{
	uint64_t deadline = now_mono_ns() + (uint64_t)timeout_ms * 1000000ULL;
	size_t used = 0;
	char *l;

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int64_t left;
		ssize_t n;

		l = wire_buf_line(b, &used);
		if (l) {
			*line = strdup(l);
			/* keep what followed the line for the next call */
			memmove(b->buf, b->buf + used, b->len - used);
			b->len -= used;
			return *line ? 0 : -ENOMEM;
		}
		left = (int64_t)(deadline - now_mono_ns()) / 1000000;
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
		if (!p.revents)
			continue;
		n = wire_buf_fill(b, fd);
		if (n <= 0)
			return n ? (int)n : -EPIPE;
	}
}

int vm_call(const char *name, const char *request, char **reply, int timeout_ms)
{
	struct wire_buf b = { 0 };
	int fd = relay_connect(name), err;

	if (fd < 0)
		return fd;
	err = wire_write_all(fd, request, strlen(request));
	if (!err)
		err = wire_write_all(fd, "\n", 1);
	if (!err)
		err = read_line(fd, &b, reply, timeout_ms);
	wire_buf_free(&b);
	close(fd);
	return err;
}

/* "file 1 B64" or "error 1 ERRNO" → bytes or -errno */
static int expect_file(char *reply, char **data, size_t *len)
{
	char *tok[4];
	int n = wire_split(reply, tok, 4);
	ssize_t got;

	if (n == 3 && !strcmp(tok[0], "error"))
		return -wire_int(tok[2], EPROTO);
	if (n != 3 || strcmp(tok[0], "file"))
		return -EPROTO;
	*data = malloc(strlen(tok[2]) / 4 * 3 + 1);
	if (!*data)
		return -ENOMEM;
	got = wire_b64_decode(tok[2], *data, strlen(tok[2]) / 4 * 3 + 1);
	if (got < 0) {
		free(*data);
		return -EPROTO;
	}
	*len = (size_t)got;
	return 0;
}

int vm_open_path(const struct sandbox *sb, const char *path)
{
	char *req, *reply = NULL, *data = NULL;
	size_t len = 0;
	int fd, err;

	req = malloc(strlen(path) * 2 + 64);
	if (!req)
		return -ENOMEM;
	strcpy(req, "read 1 ");
	wire_b64_encode(path, strlen(path), req + strlen(req));
	err = vm_call(sb->name, req, &reply, 10000);
	free(req);
	if (!err)
		err = expect_file(reply, &data, &len);
	free(reply);
	if (err)
		return err;
	fd = memfd_create("bpflab-vm-file", MFD_CLOEXEC);
	if (fd < 0)
		err = -errno;
	else if (wire_write_all(fd, data, len) || lseek(fd, 0, SEEK_SET))
		err = -EIO;
	free(data);
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

static int ok_reply(char *reply)
{
	char *tok[4];
	int n = wire_split(reply, tok, 4);

	if (n == 3 && !strcmp(tok[0], "ok"))
		return wire_int(tok[2], -EPROTO);
	if (n == 3 && !strcmp(tok[0], "error"))
		return -wire_int(tok[2], EPROTO);
	return -EPROTO;
}

int vm_policy_push(const struct sandbox *sb, const char *policy,
		   const char *mode, char *const paths[], int npaths)
{
	size_t size = strlen(policy) + 64;
	char *req, *reply = NULL;
	int err;

	for (int i = 0; i < npaths; i++)
		size += strlen(paths[i]) * 2 + 8;
	req = malloc(size);
	if (!req)
		return -ENOMEM;
	snprintf(req, size, "policy 1 %s %s", policy, mode);
	for (int i = 0; i < npaths; i++) {
		strcat(req, " ");
		wire_b64_encode(paths[i], strlen(paths[i]), req + strlen(req));
	}
	err = vm_call(sb->name, req, &reply, 10000);
	free(req);
	if (!err)
		err = ok_reply(reply);
	free(reply);
	return err;
}

int vm_policy_drop(const struct sandbox *sb, const char *policy)
{
	char req[256], *reply = NULL;
	int err;

	snprintf(req, sizeof(req), "unpolicy 1 %s", policy);
	err = vm_call(sb->name, req, &reply, 10000);
	if (!err)
		err = ok_reply(reply);
	free(reply);
	return err < 0 ? err : 0;
}

/* One line from the guest for the helper; returns only at the end. */
static void helper_line(char *line, const struct sandbox_io *io)
{
	char *tok[5], *data;
	int n = wire_split(line, tok, 5), out;
	ssize_t len;

	if (n == 4 && !strcmp(tok[0], "out")) {
		out = tok[2][0] == '2' ? (io ? io->err : 2) :
					 (io ? io->out : 1);
		data = malloc(strlen(tok[3]));
		len = data ? wire_b64_decode(tok[3], data, strlen(tok[3])) : -1;
		if (len > 0 && out >= 0)
			wire_write_all(out, data, (size_t)len);
		free(data);
	} else if (n == 3 && !strcmp(tok[0], "exit")) {
		_exit(wire_int(tok[2], 126));
	} else if (n == 3 && !strcmp(tok[0], "signal")) {
		int sig = wire_int(tok[2], SIGKILL);

		signal(sig, SIG_DFL);
		raise(sig);
		_exit(128 + sig);
	} else if (n == 3 && !strcmp(tok[0], "error")) {
		_exit(127);
	}
}

/* Our stdin to the guest process as "in" lines, then "eof"; -1 when done. */
static int forward_stdin(int fd, int in)
{
	char data[3072], line[4 * (sizeof(data) / 3) + 32];
	ssize_t n = read(in, data, sizeof(data));
	size_t len;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return in;
	if (n <= 0) {
		wire_write_all(fd, "eof 1\n", 6);
		return -1;
	}
	len = (size_t)snprintf(line, sizeof(line), "in 1 ");
	len += wire_b64_encode(data, (size_t)n, line + len);
	line[len++] = '\n';
	return wire_write_all(fd, line, len) ? -1 : in;
}

/*
 * The helper: relays the guest process's output to the caller's fds (and
 * the caller's stdin to it, when it has one) and ends the way it ended
 * (exit code, or the same signal), so the caller's waitpid() reads the
 * guest's status. Killing the helper closes its relay connection, and the
 * guest kills the process.
 */
static void spawn_helper(int fd, struct wire_buf *b,
			 const struct sandbox_io *io, int in)
{
	size_t used = 0;
	char *line;

	for (;;) {
		struct pollfd p[2] = { { fd, POLLIN, 0 }, { in, POLLIN, 0 } };

		while ((line = wire_buf_line(b, &used)))
			helper_line(line, io);
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			_exit(126);
		if (p[1].revents)
			in = forward_stdin(fd, in);
		if (p[0].revents && wire_buf_fill(b, fd) <= 0)
			_exit(126); /* the relay or the guest is gone */
	}
}

int vm_spawn(const struct sandbox *sb, char *const argv[],
	     const struct sandbox_io *io, pid_t *pid, pid_t *inner_pid)
{
	struct wire_buf b = { 0 };
	char *req, *reply = NULL, *tok[4];
	size_t size = 32;
	int fd, err, n, in;
	pid_t helper;

	for (int i = 0; argv[i]; i++)
		size += strlen(argv[i]) * 2 + 8;
	req = malloc(size);
	if (!req)
		return -ENOMEM;
	fd = relay_connect(sb->name);
	if (fd < 0) {
		free(req);
		return fd;
	}
	/* the CLI's own stdin (io NULL), or the caller's pipe; else none */
	in = io ? io->in : 0;
	strcpy(req, in >= 0 ? "execin 1" : "exec 1");
	for (int i = 0; argv[i]; i++) {
		strcat(req, " ");
		wire_b64_encode(argv[i], strlen(argv[i]), req + strlen(req));
	}
	strcat(req, "\n");
	err = wire_write_all(fd, req, strlen(req));
	free(req);
	if (!err)
		err = read_line(fd, &b, &reply, 10000);
	n = err ? 0 : wire_split(reply, tok, 4);
	if (!err && n == 3 && !strcmp(tok[0], "started")) {
		if (inner_pid)
			*inner_pid = wire_int(tok[2], 0);
	} else if (!err) {
		err = n == 3 && !strcmp(tok[0], "error") ?
			      -wire_int(tok[2], EPROTO) :
			      -EPROTO;
	}
	free(reply);
	if (err)
		goto out;
	fflush(NULL);
	helper = fork();
	if (helper < 0) {
		err = -errno;
		goto out;
	}
	if (helper == 0)
		spawn_helper(fd, &b, io, in);
	*pid = helper;
out:
	wire_buf_free(&b);
	close(fd);
	return err;
}
