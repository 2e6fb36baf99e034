// SPDX-License-Identifier: GPL-2.0
/* Run code or commands inside a named netns: fork, setns in the child. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab/net/net.h"
#include "util/log.h"

static int child_enter(const char *ns)
{
	int fd;

	/* children never outlive a crashed parent */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (!ns)
		return 0;
	fd = net_ns_open(ns);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "bpflab: cannot enter netns %s: %s\n", ns,
			strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

pid_t net_ns_spawn(const char *ns, net_fn fn, void *arg)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		if (child_enter(ns))
			_exit(126);
		_exit(fn(arg) & 0xff);
	}
	return pid;
}

int net_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int net_ns_run(const char *ns, net_fn fn, void *arg)
{
	pid_t pid = net_ns_spawn(ns, fn, arg);

	return pid < 0 ? pid : net_wait(pid);
}

pid_t net_ns_exec_async(const char *ns, char *const argv[])
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		if (child_enter(ns))
			_exit(126);
		execvp(argv[0], argv);
		fprintf(stderr, "bpflab: exec %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	return pid;
}

int net_ns_exec(const char *ns, char *const argv[])
{
	pid_t pid = net_ns_exec_async(ns, argv);

	return pid < 0 ? pid : net_wait(pid);
}
