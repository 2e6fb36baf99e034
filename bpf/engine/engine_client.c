// SPDX-License-Identifier: GPL-2.0
/* The other side of the control socket: CLI verbs talking to a running engine. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/engine.h"
#include "util/log.h"
#include "util/paths.h"
#include "util/util.h"

#define CALL_TIMEOUT_MS 30000

int engine_client_connect(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char path[sizeof(addr.sun_path)];
	int fd;

	bl_run_path(path, sizeof(path), "engine.sock");
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

bool engine_is_running(void)
{
	int fd = engine_client_connect();

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int engine_client_call(const char *request_json, char **reply)
{
	size_t len = 0, cap = 4096;
	char *buf = NULL;
	int fd, err;

	*reply = NULL;
	fd = engine_client_connect();
	if (fd < 0)
		return fd;
	err = write_all(fd, request_json, strlen(request_json));
	if (!err)
		err = write_all(fd, "\n", 1);
	if (err)
		goto out;
	buf = malloc(cap);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, CALL_TIMEOUT_MS) <= 0) {
			err = -ETIMEDOUT;
			goto out;
		}
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				err = -ENOMEM;
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0) {
			err = n < 0 ? -errno : -ECONNRESET;
			goto out;
		}
		len += (size_t)n;
		if (memchr(buf, '\n', len))
			break;
	}
	buf[len] = 0;
	buf[strcspn(buf, "\n")] = 0;
	*reply = buf;
	buf = NULL;
	err = 0;
out:
	free(buf);
	close(fd);
	return err;
}

int engine_client_notify(const char *request_json)
{
	int fd = engine_client_connect(), err;

	if (fd < 0)
		return fd;
	err = write_all(fd, request_json, strlen(request_json));
	if (!err)
		err = write_all(fd, "\n", 1);
	close(fd);
	return err;
}

int engine_client_ensure_daemon(void)
{
	char exe[4096];
	ssize_t n;
	pid_t pid;
	int status;

	if (engine_is_running())
		return 0;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = 0;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execl(exe, exe, "engine", "--daemon", (char *)NULL);
		_exit(127);
	}
	/* `engine --daemon` returns once its socket answers (or it failed) */
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		pr_err("could not start the engine (see /var/log/bpflab/)");
		return -EIO;
	}
	return engine_is_running() ? 0 : -ECONNREFUSED;
}
