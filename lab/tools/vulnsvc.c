// SPDX-License-Identifier: GPL-2.0
/*
 * vulnsvc: a deliberately vulnerable HTTP service for the virtual-patch
 * scenario. One process, one poll() loop, one request per connection:
 *
 *   GET /               200 "ok id=PID-NONCE": spawns nothing
 *   GET /ping?host=X    runs system("ping -c1 -W1 X"): X is not escaped,
 *                       so "127.0.0.1;echo pwned >/tmp/f" runs a command
 *
 * The id names this process instance (its pid and a random nonce drawn at
 * start), so a client can tell a restarted service from the same one.
 * Static, so it runs in a busybox sandbox (mounted at /usr/lib/bpflab).
 *
 * usage: vulnsvc [PORT]   (default 8080, on 127.0.0.1)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CONNS 64
#define REQ_MAX 2048

struct conn {
	int fd;
	size_t len;
	char req[REQ_MAX];
};

static struct conn conns[MAX_CONNS];
static char service_id[64];

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* URL-decode src (up to a space or '&') into dst; '+' is a space. */
static void url_decode(const char *src, char *dst, size_t size)
{
	size_t n = 0;

	while (*src && *src != ' ' && *src != '&' && n + 1 < size) {
		if (*src == '%' && hexval(src[1]) >= 0 && hexval(src[2]) >= 0) {
			dst[n++] = (char)(hexval(src[1]) * 16 + hexval(src[2]));
			src += 3;
		} else {
			dst[n++] = *src == '+' ? ' ' : *src;
			src++;
		}
	}
	dst[n] = 0;
}

static void respond(int fd, int status, const char *body)
{
	char buf[512];
	int n;

	n = snprintf(buf, sizeof(buf),
		     "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		     status, status == 200 ? "OK" : "Not Found", strlen(body),
		     body);
	/* a small reply fits the socket buffer: one write */
	if (write(fd, buf, (size_t)n) < 0)
		perror("vulnsvc: write");
}

/* The vulnerability: the query goes into a shell command unescaped. */
static void handle_ping(int fd, const char *query)
{
	char host[512], cmd[600], body[128];
	int st;

	url_decode(query, host, sizeof(host));
	snprintf(cmd, sizeof(cmd), "ping -c1 -W1 %s >/dev/null 2>&1", host);
	st = system(cmd);
	if (st < 0)
		snprintf(body, sizeof(body), "ping: %s\n", strerror(errno));
	else if (WIFSIGNALED(st))
		snprintf(body, sizeof(body), "ping: killed by signal %d\n",
			 WTERMSIG(st));
	else
		snprintf(body, sizeof(body), "ping: exit %d\n",
			 WEXITSTATUS(st));
	respond(fd, 200, body);
}

static void handle(struct conn *c)
{
	char body[96];

	if (!strncmp(c->req, "GET /ping?host=", 15)) {
		handle_ping(c->fd, c->req + 15);
	} else if (!strncmp(c->req, "GET / ", 6)) {
		snprintf(body, sizeof(body), "ok id=%s\n", service_id);
		respond(c->fd, 200, body);
	} else {
		respond(c->fd, 404, "not found\n");
	}
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
}

/* Read what is there; answer once the request head is complete. */
static void conn_read(struct conn *c)
{
	ssize_t n = read(c->fd, c->req + c->len, sizeof(c->req) - 1 - c->len);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->len += (size_t)n;
	c->req[c->len] = 0;
	if (strstr(c->req, "\r\n\r\n") || c->len == sizeof(c->req) - 1) {
		handle(c);
		conn_close(c);
	}
}

static void conn_accept(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CONNS; i++) {
		if (conns[i].fd < 0) {
			conns[i].fd = fd;
			conns[i].len = 0;
			return;
		}
	}
	close(fd); /* full: the client sees a reset and counts a failure */
}

static int listen_on(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	int one = 1, fd;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 512)) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct pollfd pfd[MAX_CONNS + 1];
	int port = 8080, lfd, map[MAX_CONNS + 1];
	unsigned int nonce = 0;
	char *end;

	if (argc > 1) {
		port = (int)strtol(argv[1], &end, 10);
		if (end == argv[1] || *end || port < 1 || port > 65535) {
			fprintf(stderr, "usage: vulnsvc [PORT]\n");
			return 2;
		}
	}

	if (getrandom(&nonce, sizeof(nonce), 0) < 0)
		nonce = (unsigned int)getpid();
	snprintf(service_id, sizeof(service_id), "%d-%08x", (int)getpid(),
		 nonce);
	signal(SIGPIPE, SIG_IGN);
	lfd = listen_on(port);
	if (lfd < 0) {
		perror("vulnsvc: listen");
		return 1;
	}
	for (int i = 0; i < MAX_CONNS; i++)
		conns[i].fd = -1;
	fprintf(stderr, "vulnsvc: id %s on 127.0.0.1:%d\n", service_id, port);
	for (;;) {
		int n = 1;

		pfd[0] = (struct pollfd){ lfd, POLLIN, 0 };
		for (int i = 0; i < MAX_CONNS; i++) {
			if (conns[i].fd < 0)
				continue;
			pfd[n] = (struct pollfd){ conns[i].fd, POLLIN, 0 };
			map[n++] = i;
		}
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("vulnsvc: poll");
			return 1;
		}
		for (int i = 1; i < n; i++)
			if (pfd[i].revents)
				conn_read(&conns[map[i]]);
		if (pfd[0].revents & POLLIN)
			conn_accept(lfd);
	}
}
