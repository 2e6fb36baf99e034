// SPDX-License-Identifier: GPL-2.0
/*
 * bpflab-agent: pid 1 of a vm sandbox's guest once /init has mounted the
 * file systems and loaded the virtio modules. It opens the virtio-serial
 * port named org.bpflab.agent, loads the BPF-LSM enforcement, says hello
 * (how long the boot took) and then serves the host: run commands, read
 * files, apply policies, and stream events.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "agent/agent.h"
#include "lab/sandbox/vm_wire.h"

#define MAX_TOKENS 80
#define FILE_MAX (1 << 20)

static int chan_fd = -1;
static char sandbox_name[64] = "vm";
static struct agent_lsm *lsm;

const char *agent_name(void)
{
	return sandbox_name;
}

int agent_send(const char *fmt, ...)
{
	static char line[WIRE_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(line) - 1)
		return -E2BIG;
	line[n++] = '\n';
	return wire_write_all(chan_fd, line, (size_t)n);
}

void agent_json_str(char *out, size_t size, const char *s)
{
	size_t o = 0;

	if (size < 3) {
		out[0] = 0;
		return;
	}
	out[o++] = '"';
	for (; *s && o + 8 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			o += (size_t)snprintf(out + o, size - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	out[o] = 0;
}

/* /sys/class/virtio-ports/vportNpM/name says which port is ours */
static int open_channel(void)
{
	char name[64], dev[64];
	glob_t g;
	int fd = -1;

	for (int tries = 0; tries < 100 && fd < 0; tries++) {
		if (!glob("/sys/class/virtio-ports/*/name", 0, NULL, &g)) {
			for (size_t i = 0; i < g.gl_pathc && fd < 0; i++) {
				FILE *f = fopen(g.gl_pathv[i], "re");
				char *slash;

				if (!f)
					continue;
				if (fgets(name, sizeof(name), f) &&
				    !strncmp(name, WIRE_CHANNEL,
					     strlen(WIRE_CHANNEL))) {
					*strrchr(g.gl_pathv[i], '/') = 0;
					slash = strrchr(g.gl_pathv[i], '/');
					snprintf(dev, sizeof(dev), "/dev/%s",
						 slash + 1);
					fd = open(dev, O_RDWR | O_CLOEXEC);
				}
				fclose(f);
			}
			globfree(&g);
		}
		if (fd < 0)
			usleep(50000); /* the port appears after the module probes */
	}
	return fd;
}

static void read_cmdline(void)
{
	char buf[1024], *p;
	FILE *f = fopen("/proc/cmdline", "re");

	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f) && (p = strstr(buf, "bpflab.name=")))
		sscanf(p + 12, "%63[a-z0-9-]", sandbox_name);
	fclose(f);
}

static void do_read(int ch, const char *id, const char *b64path)
{
	static char data[FILE_MAX], out[4 * (FILE_MAX / 3) + 8];
	char path[512];
	ssize_t n = wire_b64_decode(b64path, path, sizeof(path) - 1);
	size_t len = 0;
	int fd;

	if (n < 0) {
		agent_send("%d error %s %d", ch, id, EINVAL);
		return;
	}
	path[n] = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		agent_send("%d error %s %d", ch, id, errno);
		return;
	}
	while (len < sizeof(data) &&
	       (n = read(fd, data + len, sizeof(data) - len)) > 0)
		len += (size_t)n;
	close(fd);
	wire_b64_encode(data, len, out);
	agent_send("%d file %s %s", ch, id, out);
}

static void do_policy(int ch, const char *id, char **tok, int n)
{
	char *paths[MAX_TOKENS], *buf;
	int np = 0, rc;

	if (n < 4 || !lsm) {
		agent_send("%d error %s %d", ch, id, lsm ? EINVAL : EOPNOTSUPP);
		return;
	}
	for (int i = 4; i < n; i++) {
		buf = malloc(512);
		if (!buf || wire_b64_decode(tok[i], buf, 511) < 0) {
			free(buf);
			continue;
		}
		buf[wire_b64_decode(tok[i], buf, 511)] = 0;
		paths[np++] = buf;
	}
	rc = agent_lsm__policy(lsm, tok[2], !strcmp(tok[3], "enforce"), paths,
			       np);
	for (int i = 0; i < np; i++)
		free(paths[i]);
	if (rc < 0)
		agent_send("%d error %s %d", ch, id, -rc);
	else
		agent_send("%d ok %s %d", ch, id, rc);
}

static void handle_line(char *line)
{
	char *tok[MAX_TOKENS + 1], *argv[MAX_TOKENS + 1], *end;
	int n = wire_split(line, tok, MAX_TOKENS), ch, rc;

	if (n < 2)
		return;
	ch = (int)strtol(tok[0], &end, 10);
	if (end == tok[0] || *end || ch < 0)
		return; /* not a channel number: not from our host */
	if (!strcmp(tok[1], "close")) {
		agent_exec__close_channel(ch);
		return;
	}
	if (n < 3)
		return;
	if (!strcmp(tok[1], "exec") || !strcmp(tok[1], "execin")) {
		int argc = 0;

		for (int i = 3; i < n; i++) {
			argv[argc] = malloc(4096);
			if (!argv[argc])
				break;
			rc = (int)wire_b64_decode(tok[i], argv[argc], 4095);
			argv[argc][rc < 0 ? 0 : rc] = 0;
			argc++;
		}
		argv[argc] = NULL;
		rc = argc ? agent_exec__start(ch, tok[2], argv,
					      !strcmp(tok[1], "execin")) :
			    -EINVAL;
		if (rc)
			agent_send("%d error %s %d", ch, tok[2], -rc);
		for (int i = 0; i < argc; i++)
			free(argv[i]);
	} else if (!strcmp(tok[1], "in") && n >= 4) {
		agent_exec__input(ch, tok[2], tok[3]);
	} else if (!strcmp(tok[1], "eof")) {
		agent_exec__input_eof(ch, tok[2]);
	} else if (!strcmp(tok[1], "kill")) {
		agent_exec__kill(ch, tok[2]);
	} else if (!strcmp(tok[1], "read") && n >= 4) {
		do_read(ch, tok[2], tok[3]);
	} else if (!strcmp(tok[1], "policy")) {
		do_policy(ch, tok[2], tok + 1, n - 1 > 0 ? n - 1 : 0);
	} else if (!strcmp(tok[1], "unpolicy") && n >= 4) {
		rc = lsm ? agent_lsm__unpolicy(lsm, tok[3]) : -EOPNOTSUPP;
		if (rc)
			agent_send("%d error %s %d", ch, tok[2], -rc);
		else
			agent_send("%d ok %s 0", ch, tok[2]);
	}
}

static void hello(const char *why)
{
	char up[64] = "0", b64[512], text[64], *end;
	struct utsname u;
	FILE *f = fopen("/proc/uptime", "re");
	double secs;

	if (f) {
		if (fgets(text, sizeof(text), f)) {
			secs = strtod(text, &end);
			if (end != text)
				snprintf(up, sizeof(up), "%.0f", secs * 1000);
		}
		fclose(f);
	}
	uname(&u);
	wire_b64_encode(why, strlen(why), b64);
	agent_send("0 hello %s %s %s %s", u.release, up,
		   lsm ? "bpf-lsm" : "none", why[0] ? b64 : "-");
}

int main(void)
{
	struct rlimit inf = { RLIM_INFINITY, RLIM_INFINITY };
	struct wire_buf in = { 0 };
	char why[256] = "";
	sigset_t mask;
	int sfd;

	setrlimit(RLIMIT_MEMLOCK, &inf);
	signal(SIGPIPE, SIG_IGN);
	read_cmdline();
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	chan_fd = open_channel();
	if (chan_fd < 0) {
		fprintf(stderr, "bpflab-agent: no virtio port %s\n",
			WIRE_CHANNEL);
		return 1;
	}
	if (agent_lsm__open(&lsm, why, sizeof(why)))
		lsm = NULL;
	hello(why);
	for (;;) {
		struct pollfd p[3 + 128 + 64];
		int fds[128], n = agent_exec__fds(fds, 128), np = 0;
		int wfds[64], nw = agent_exec__wfds(wfds, 64);
		size_t used = 0;
		char *line;

		p[np++] = (struct pollfd){ chan_fd, POLLIN, 0 };
		p[np++] = (struct pollfd){ sfd, POLLIN, 0 };
		p[np++] = (struct pollfd){ lsm ? agent_lsm__fd(lsm) : -1,
					   POLLIN, 0 };
		for (int i = 0; i < n; i++)
			p[np++] = (struct pollfd){ fds[i], POLLIN, 0 };
		for (int i = 0; i < nw; i++)
			p[np++] = (struct pollfd){ wfds[i], POLLOUT, 0 };
		if (poll(p, (nfds_t)np, 1000) < 0 && errno != EINTR)
			break;
		if (lsm) {
			agent_lsm__poll(lsm);
			/* before the next request: a finished rename is seen */
			agent_lsm__refresh(lsm);
		}
		if (p[1].revents) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) > 0)
				;
		}
		for (int i = 3; i < 3 + n; i++)
			if (p[i].revents)
				agent_exec__readable(p[i].fd);
		for (int i = 3 + n; i < np; i++)
			if (p[i].revents)
				agent_exec__writable(p[i].fd);
		agent_exec__reap();
		if (p[0].revents & POLLIN) {
			/* no host on the other end reads as 0: wait for one */
			if (wire_buf_fill(&in, chan_fd) <= 0)
				usleep(100000);
			while ((line = wire_buf_line(&in, &used)))
				handle_line(line);
		}
	}
	return 1;
}
