// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "observe/metrics_http.h"
#include "util/log.h"

/* A scraper that stalls must not stall the engine's loop for long. */
#define METRICS_IO_TIMEOUT_MS 200

int metrics_http_listen(const char *addr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char host[64];
	const char *colon = strrchr(addr, ':');
	long port;
	char *end;
	int fd, one = 1, err;

	if (!colon || colon == addr || (size_t)(colon - addr) >= sizeof(host))
		return -EINVAL;
	memcpy(host, addr, colon - addr);
	host[colon - addr] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end || port <= 0 || port > 65535 ||
	    inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -EINVAL;
	sa.sin_port = htons(port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Read until the end of the request head, or give up. */
static int read_head(int fd, char *buf, size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size) {
		if (poll(&p, 1, METRICS_IO_TIMEOUT_MS) <= 0)
			return -ETIMEDOUT;
		n = read(fd, buf + len, size - 1 - len);
		if (n <= 0)
			return n ? -errno : -ECONNRESET;
		len += n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return 0;
	}
	return 0; /* a long head: the request line is all we need */
}

static void write_all(int fd, const char *p, size_t n)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t w;

	while (n) {
		if (poll(&pfd, 1, METRICS_IO_TIMEOUT_MS) <= 0)
			return;
		w = write(fd, p, n);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= w;
	}
}

static void answer(int fd, metrics_write_fn fn, void *ctx)
{
	char head[2048], hdr[256], *body = NULL;
	size_t body_len = 0;
	FILE *out;
	int n;

	if (read_head(fd, head, sizeof(head)))
		return;
	if (strncmp(head, "GET /metrics ", 13) != 0 &&
	    strncmp(head, "GET /metrics?", 13) != 0) {
		static const char nf[] =
			"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n";

		write_all(fd, nf, sizeof(nf) - 1);
		return;
	}
	out = open_memstream(&body, &body_len);
	if (!out)
		return;
	fn(out, ctx);
	if (fclose(out)) {
		free(body);
		return;
	}
	n = snprintf(
		hdr, sizeof(hdr),
		"HTTP/1.0 200 OK\r\n"
		"Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
		"Content-Length: %zu\r\nConnection: close\r\n\r\n",
		body_len);
	write_all(fd, hdr, n);
	write_all(fd, body, body_len);
	free(body);
}

void metrics_http_serve(int listen_fd, metrics_write_fn fn, void *ctx)
{
	int fd;

	while ((fd = accept4(listen_fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		answer(fd, fn, ctx);
		close(fd);
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		pr_debug("metrics: accept: %s\n", strerror(errno));
}
