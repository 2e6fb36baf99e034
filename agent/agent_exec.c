// SPDX-License-Identifier: GPL-2.0
/*
 * Commands the host runs in the guest: each one's stdout and stderr go back
 * as "out" lines, then one "exit" or "signal" line once both pipes closed
 * and the process was reaped, so the host never sees the end before the
 * output. As pid 1 the agent also reaps every orphan. A command started
 * with "execin" reads a pipe the host feeds with "in" lines until "eof";
 * the agent never blocks on it: what the process has not read yet waits in
 * a buffer (up to STDIN_MAX; past that its stdin is closed).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/agent.h"
#include "lab/sandbox/vm_wire.h"

#define MAX_PROCS 64
#define CHUNK 3072
#define STDIN_MAX (4 << 20)

struct proc {
	bool used, reaped;
	int ch;
	char id[24];
	pid_t pid;
	int fd[2]; /* stdout, stderr; -1 once closed */
	int status;
	int in; /* its stdin's write end, non-blocking; -1 if none */
	char *pend; /* bytes for stdin it has not read yet */
	size_t npend;
	bool in_eof; /* close stdin once pend is written */
};

static void close_stdin(struct proc *p)
{
	if (p->in >= 0)
		close(p->in);
	p->in = -1;
	free(p->pend);
	p->pend = NULL;
	p->npend = 0;
}

static struct proc procs[MAX_PROCS];

static void finish_if_done(struct proc *p)
{
	if (!p->used || !p->reaped || p->fd[0] >= 0 || p->fd[1] >= 0)
		return;
	if (p->ch < 0)
		; /* its client left: nobody to tell */
	else if (WIFSIGNALED(p->status))
		agent_send("%d signal %s %d", p->ch, p->id,
			   WTERMSIG(p->status));
	else
		agent_send("%d exit %s %d", p->ch, p->id,
			   WEXITSTATUS(p->status));
	close_stdin(p);
	p->used = false;
}

int agent_exec__start(int ch, const char *id, char *const argv[],
		      bool with_stdin)
{
	static char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
				"HOME=/root", "TERM=linux", NULL };
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, in[2] = { -1, -1 };
	int rc = 0;
	struct proc *p = NULL;
	pid_t pid;

	for (int i = 0; i < MAX_PROCS && !p; i++)
		if (!procs[i].used)
			p = &procs[i];
	if (!p || strlen(id) >= sizeof(p->id))
		return -ENOSPC;
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) ||
	    (with_stdin && pipe2(in, O_CLOEXEC))) {
		rc = -errno;
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto fail;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		setsid();
		signal(SIGPIPE, SIG_DFL);
		dup2(in[0] >= 0 ? in[0] : null, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		if (chdir("/root") && chdir("/"))
			_exit(127);
		execvpe(argv[0], argv, envp);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	if (in[0] >= 0) {
		close(in[0]);
		fcntl(in[1], F_SETFL, O_NONBLOCK);
	}
	*p = (struct proc){ .used = true,
			    .ch = ch,
			    .pid = pid,
			    .fd = { out[0], err[0] },
			    .in = in[1] };
	snprintf(p->id, sizeof(p->id), "%s", id);
	agent_send("%d started %s %d", ch, id, pid);
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
		if (in[i] >= 0)
			close(in[i]);
	}
	return rc;
}

static struct proc *find(int ch, const char *id)
{
	for (int i = 0; i < MAX_PROCS; i++)
		if (procs[i].used && procs[i].ch == ch &&
		    !strcmp(procs[i].id, id))
			return &procs[i];
	return NULL;
}

/* Write what the pipe takes now; the rest waits for POLLOUT. */
static void flush_stdin(struct proc *p)
{
	while (p->in >= 0 && p->npend) {
		ssize_t n = write(p->in, p->pend, p->npend);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) { /* it closed its stdin, or exited */
			close_stdin(p);
			return;
		}
		memmove(p->pend, p->pend + n, p->npend - (size_t)n);
		p->npend -= (size_t)n;
	}
	if (p->in >= 0 && p->in_eof)
		close_stdin(p);
}

void agent_exec__input(int ch, const char *id, const char *b64)
{
	struct proc *p = find(ch, id);
	size_t max = strlen(b64);
	char *grown;
	ssize_t n;

	if (!p || p->in < 0 || p->npend + max > STDIN_MAX) {
		if (p)
			close_stdin(p); /* it reads far slower than we get */
		return;
	}
	grown = realloc(p->pend, p->npend + max + 1);
	if (!grown)
		return;
	p->pend = grown;
	n = wire_b64_decode(b64, p->pend + p->npend, max + 1);
	if (n > 0)
		p->npend += (size_t)n;
	flush_stdin(p);
}

void agent_exec__input_eof(int ch, const char *id)
{
	struct proc *p = find(ch, id);

	if (!p)
		return;
	p->in_eof = true;
	flush_stdin(p);
}

int agent_exec__wfds(int *fds, int max)
{
	int n = 0;

	for (int i = 0; i < MAX_PROCS; i++)
		if (procs[i].used && procs[i].in >= 0 && procs[i].npend &&
		    n < max)
			fds[n++] = procs[i].in;
	return n;
}

void agent_exec__writable(int fd)
{
	for (int i = 0; i < MAX_PROCS; i++)
		if (procs[i].used && procs[i].in == fd)
			flush_stdin(&procs[i]);
}

void agent_exec__kill(int ch, const char *id)
{
	for (int i = 0; i < MAX_PROCS; i++)
		if (procs[i].used && procs[i].ch == ch &&
		    !strcmp(procs[i].id, id) && !procs[i].reaped)
			kill(procs[i].pid, SIGKILL);
}

void agent_exec__close_channel(int ch)
{
	for (int i = 0; i < MAX_PROCS; i++) {
		struct proc *p = &procs[i];

		if (!p->used || p->ch != ch)
			continue;
		if (!p->reaped)
			kill(p->pid, SIGKILL);
		/* nobody is left to tell: forget it once it is reaped */
		p->ch = -1;
	}
}

int agent_exec__fds(int *fds, int max)
{
	int n = 0;

	for (int i = 0; i < MAX_PROCS; i++)
		for (int k = 0; k < 2 && procs[i].used; k++)
			if (procs[i].fd[k] >= 0 && n < max)
				fds[n++] = procs[i].fd[k];
	return n;
}

void agent_exec__readable(int fd)
{
	char data[CHUNK], b64[4 * (CHUNK / 3) + 8];

	for (int i = 0; i < MAX_PROCS; i++) {
		struct proc *p = &procs[i];

		for (int k = 0; k < 2 && p->used; k++) {
			ssize_t n;

			if (p->fd[k] != fd)
				continue;
			n = read(fd, data, sizeof(data));
			if (n < 0 && errno == EINTR)
				return;
			if (n <= 0) {
				close(fd);
				p->fd[k] = -1;
				finish_if_done(p);
				return;
			}
			wire_b64_encode(data, (size_t)n, b64);
			if (p->ch >= 0)
				agent_send("%d out %s %d %s", p->ch, p->id,
					   k + 1, b64);
			return;
		}
	}
}

void agent_exec__reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < MAX_PROCS; i++) {
			struct proc *p = &procs[i];

			if (!p->used || p->pid != pid || p->reaped)
				continue;
			p->reaped = true;
			p->status = status;
			close_stdin(p); /* nobody reads it any more */
			finish_if_done(p);
		}
	}
}
