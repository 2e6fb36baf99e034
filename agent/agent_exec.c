// SPDX-License-Identifier: GPL-2.0
/*
 * Commands the host runs in the guest: each one's stdout and stderr go back
 * as "out" lines, then one "exit" or "signal" line once both pipes closed
 * and the process was reaped, so the host never sees the end before the
 * output. As pid 1 the agent also reaps every orphan.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/agent.h"
#include "lab/sandbox/vm_wire.h"

#define MAX_PROCS 64
#define CHUNK 3072

struct proc {
	bool used, reaped;
	int ch;
	char id[24];
	pid_t pid;
	int fd[2]; /* stdout, stderr; -1 once closed */
	int status;
};

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
	p->used = false;
}

int agent_exec__start(int ch, const char *id, char *const argv[])
{
	static char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
				"HOME=/root", "TERM=linux", NULL };
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, rc = 0;
	struct proc *p = NULL;
	pid_t pid;

	for (int i = 0; i < MAX_PROCS && !p; i++)
		if (!procs[i].used)
			p = &procs[i];
	if (!p || strlen(id) >= sizeof(p->id))
		return -ENOSPC;
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
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
		dup2(null, 0);
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
	*p = (struct proc){
		.used = true, .ch = ch, .pid = pid, .fd = { out[0], err[0] }
	};
	snprintf(p->id, sizeof(p->id), "%s", id);
	agent_send("%d started %s %d", ch, id, pid);
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	return rc;
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
			finish_if_done(p);
		}
	}
}
