// SPDX-License-Identifier: GPL-2.0
/*
 * The host end of a vm sandbox's channel. QEMU serves the channel as a unix
 * socket that takes one client, so this daemon holds it and multiplexes:
 * each connection to <dir>/relay.sock gets a channel number, its lines go
 * to the guest prefixed with it and the guest's answers come back without
 * it; when a client leaves, the guest kills what it started. Channel 0 is
 * the agent's: its hello is written to <dir>/hello (the sandbox is ready),
 * its events go to the engine as "vm.event" requests (reconnecting while
 * no engine runs). It is the sandbox's init_pid: it lives as long as the
 * guest, and exits when the channel closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/engine.h"
#include "lab/sandbox/vm.h"
#include "lab/sandbox/vm_wire.h"
#include "util/jw.h"
#include "util/util.h"

#define MAX_CLIENTS 32

struct client {
	int fd;
	int ch;
	struct wire_buf in;
};

struct relay {
	const char *name;
	int chan, listen, engine;
	struct wire_buf chan_in;
	struct client cl[MAX_CLIENTS];
	int next_ch;
	uint64_t engine_retry_ns;
};

static int unix_socket(const char *path, bool server)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (server) {
		unlink(path);
		if (!bind(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
		    !listen(fd, 16))
			return fd;
	} else if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		return fd;
	}
	close(fd);
	return -errno;
}

static void to_engine(struct relay *r, char *rest)
{
	char *type = rest, *json = strchr(rest, ' ');
	struct jw w;

	if (!json)
		return;
	*json++ = 0;
	if (r->engine < 0 && now_mono_ns() >= r->engine_retry_ns) {
		r->engine = engine_client_connect();
		r->engine_retry_ns = now_mono_ns() + 1000000000ULL;
	}
	if (r->engine < 0)
		return; /* no engine: nobody to tell */
	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "op", "vm.event");
	jw_kstr(&w, "sandbox", r->name);
	jw_kstr(&w, "type", type);
	jw_key(&w, "event");
	jw_raw(&w, json);
	jw_obj_end(&w);
	if (jw_str(&w) && (wire_write_all(r->engine, w.buf, strlen(w.buf)) ||
			   wire_write_all(r->engine, "\n", 1))) {
		close(r->engine);
		r->engine = -1;
	}
	jw_free(&w);
}

static void write_hello(struct relay *r, const char *rest)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];

	vm_path(path, sizeof(path), r->name, "hello");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (!write_new_file(tmp, rest, 0600))
		rename(tmp, path);
}

static void from_guest(struct relay *r, char *line)
{
	char *sp = strchr(line, ' ');
	int ch;

	if (!sp)
		return;
	*sp++ = 0;
	ch = wire_int(line, -1);
	if (ch == 0) {
		if (!strncmp(sp, "hello ", 6))
			write_hello(r, sp + 6);
		else if (!strncmp(sp, "event ", 6))
			to_engine(r, sp + 6);
		return;
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (r->cl[i].fd >= 0 && r->cl[i].ch == ch) {
			/* a client that stops reading only loses itself */
			if (wire_write_all(r->cl[i].fd, sp, strlen(sp)) ||
			    wire_write_all(r->cl[i].fd, "\n", 1))
				shutdown(r->cl[i].fd, SHUT_RDWR);
			return;
		}
}

static void drop_client(struct relay *r, struct client *c)
{
	char line[32];

	snprintf(line, sizeof(line), "%d close\n", c->ch);
	wire_write_all(r->chan, line, strlen(line));
	close(c->fd);
	c->fd = -1;
	wire_buf_free(&c->in);
}

static void from_client(struct relay *r, struct client *c)
{
	char prefix[16];
	size_t used = 0;
	char *line;
	ssize_t n = wire_buf_fill(&c->in, c->fd);

	if (n <= 0) {
		drop_client(r, c);
		return;
	}
	snprintf(prefix, sizeof(prefix), "%d ", c->ch);
	while ((line = wire_buf_line(&c->in, &used)))
		if (wire_write_all(r->chan, prefix, strlen(prefix)) ||
		    wire_write_all(r->chan, line, strlen(line)) ||
		    wire_write_all(r->chan, "\n", 1))
			return;
}

static void accept_client(struct relay *r)
{
	int fd = accept4(r->listen, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (r->cl[i].fd < 0) {
			r->cl[i] =
				(struct client){ .fd = fd, .ch = ++r->next_ch };
			return;
		}
	close(fd); /* full */
}

static int relay_main(const char *name)
{
	struct relay r = { .name = name, .engine = -1, .listen = -1 };
	char path[PATH_MAX];
	size_t used = 0;
	char *line;

	for (int i = 0; i < MAX_CLIENTS; i++)
		r.cl[i].fd = -1;
	vm_path(path, sizeof(path), name, "chan.sock");
	/* qemu made its socket before the domain started; allow a moment */
	for (int i = 0; i < 100; i++) {
		r.chan = unix_socket(path, false);
		if (r.chan >= 0)
			break;
		usleep(50000);
	}
	if (r.chan < 0)
		return 1;
	vm_path(path, sizeof(path), name, "relay.sock");
	r.listen = unix_socket(path, true);
	if (r.listen < 0)
		return 1;
	for (;;) {
		struct pollfd p[3 + MAX_CLIENTS];
		int idx[MAX_CLIENTS], np = 0;

		p[np++] = (struct pollfd){ r.chan, POLLIN, 0 };
		p[np++] = (struct pollfd){ r.listen, POLLIN, 0 };
		p[np++] = (struct pollfd){ r.engine, POLLIN, 0 };
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (r.cl[i].fd >= 0) {
				idx[np - 3] = i;
				p[np++] = (struct pollfd){ r.cl[i].fd, POLLIN,
							   0 };
			}
		if (poll(p, (nfds_t)np, 1000) < 0 && errno != EINTR)
			return 1;
		if (p[0].revents) {
			if (wire_buf_fill(&r.chan_in, r.chan) <= 0)
				return 0; /* the guest is gone */
			while ((line = wire_buf_line(&r.chan_in, &used)))
				from_guest(&r, line);
		}
		if (p[1].revents & POLLIN)
			accept_client(&r);
		if (r.engine >= 0 && p[2].revents) {
			char sink[4096];

			/* replies to our requests: read and forget */
			if (read(r.engine, sink, sizeof(sink)) <= 0) {
				close(r.engine);
				r.engine = -1;
			}
		}
		for (int i = 3; i < np; i++)
			if (p[i].revents)
				from_client(&r, &r.cl[idx[i - 3]]);
	}
}

int vm_relay_start(const char *name, pid_t *pid)
{
	char log[PATH_MAX];
	int fd;

	fflush(NULL);
	*pid = fork();
	if (*pid < 0)
		return -errno;
	if (*pid)
		return 0;
	setsid();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	fd = open("/dev/null", O_RDONLY);
	dup2(fd, 0);
	fd = open(vm_path(log, sizeof(log), name, "relay.log"),
		  O_WRONLY | O_CREAT | O_APPEND, 0600);
	dup2(fd, 1);
	dup2(fd, 2);
	close_range(3, ~0U, 0);
	_exit(relay_main(name));
}
