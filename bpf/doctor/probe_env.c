// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "doctor/probe_env.h"
#include "engine/journal.h"
#include "util/log.h"
#include "util/paths.h"
#include "util/util.h"

#define CHILD_TIMEOUT_S 5

static int lo_up(int *ifindex)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int err = 0, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		err = -errno;
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr)) {
		err = -errno;
		goto out;
	}
	*ifindex = (int)if_nametoindex("lo");
	if (!*ifindex)
		err = -errno;
out:
	close(fd);
	return err;
}

int doctor_netns_enter(int *saved, int *lo_ifindex)
{
	int err;

	*saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*saved < 0)
		return -errno;
	if (unshare(CLONE_NEWNET)) {
		err = -errno;
		close(*saved);
		*saved = -1;
		return err;
	}
	err = lo_up(lo_ifindex);
	if (err) {
		doctor_netns_leave(*saved);
		*saved = -1;
	}
	return err;
}

void doctor_netns_leave(int saved)
{
	if (saved < 0)
		return;
	if (setns(saved, CLONE_NEWNET))
		pr_err("doctor: cannot return to the original network namespace: %s",
		       strerror(errno));
	close(saved);
}

static int udp_to_loopback(bool do_connect)
{
	struct sockaddr_in to = {
		.sin_family = AF_INET,
		.sin_port = htons(9), /* discard */
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int err = 0, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (do_connect) {
		if (connect(fd, (struct sockaddr *)&to, sizeof(to)))
			err = -errno;
	} else if (sendto(fd, "bpflab", 6, 0, (struct sockaddr *)&to,
			  sizeof(to)) < 0) {
		err = -errno;
	}
	close(fd);
	return err;
}

int doctor_send_udp(void)
{
	return udp_to_loopback(false);
}

int doctor_cgroup_create(struct doctor_cgroup *cg)
{
	int err;

	snprintf(cg->path, sizeof(cg->path), "%s/bpflab-doctor-%d",
		 BL_CGROUP_ROOT, (int)getpid());
	cg->fd = -1;
	/* journal first: a crash between the two leaves an entry, not a dir */
	cg->seq = journal_record("cgroup", "%s", cg->path);
	if (cg->seq < 0)
		return cg->seq;
	if (mkdir(cg->path, 0755) && errno != EEXIST) {
		err = -errno;
		goto fail;
	}
	cg->fd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg->fd < 0) {
		err = -errno;
		rmdir(cg->path);
		goto fail;
	}
	return 0;
fail:
	journal_release(cg->seq);
	cg->seq = -1;
	return err;
}

void doctor_cgroup_remove(struct doctor_cgroup *cg)
{
	if (cg->fd >= 0)
		close(cg->fd);
	cg->fd = -1;
	if (cg->seq <= 0)
		return;
	/* the undo handler kills stragglers and retries while they leave */
	if (journal_undo_one(cg->seq))
		pr_warn("doctor: could not remove %s", cg->path);
	cg->seq = -1;
}

/* Runs in the child, once it sits in the cgroup. */
static int exercise_hooks(void)
{
	int fd, err = 0;

	if (unshare(CLONE_NEWNET))
		return 10;
	/* connect4 and sendmsg4 run before routing: lo may stay down */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0); /* sock_create */
	if (fd < 0)
		return 11;
	close(fd);
	udp_to_loopback(true); /* connect4 */
	udp_to_loopback(false); /* sendmsg4 */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC); /* device */
	if (fd < 0)
		err = 12;
	else
		close(fd);
	return err;
}

static int wait_child(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

int doctor_cgroup_exercise(struct doctor_cgroup *cg)
{
	char procs[300], pid[16];
	int err, status = 0;
	pid_t child;
	int go[2];

	if (pipe2(go, O_CLOEXEC))
		return -errno;
	child = fork();
	if (child < 0) {
		err = -errno;
		close(go[0]);
		close(go[1]);
		return err;
	}
	if (child == 0) {
		char b;

		close(go[1]);
		alarm(CHILD_TIMEOUT_S);
		/* EOF instead of a byte: the parent failed, do nothing */
		_exit(read(go[0], &b, 1) == 1 ? exercise_hooks() : 20);
	}
	close(go[0]);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg->path);
	snprintf(pid, sizeof(pid), "%d", (int)child);
	err = write_file(procs, pid);
	if (!err && write(go[1], "g", 1) != 1)
		err = -errno;
	close(go[1]);
	if (!wait_child(child, &status) && !err &&
	    !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		err = -ECHILD;
	return err;
}

int doctor_child_start(struct doctor_child *c)
{
	int go[2], err;

	if (pipe2(go, O_CLOEXEC))
		return -errno;
	c->pid = fork();
	if (c->pid < 0) {
		err = -errno;
		close(go[0]);
		close(go[1]);
		return err;
	}
	if (c->pid == 0) {
		sigset_t all;
		char b;

		close(go[1]);
		/* the signal must be able to end us: default actions, nothing blocked */
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		alarm(CHILD_TIMEOUT_S);
		if (read(go[0], &b, 1) != 1)
			_exit(20);
		for (int i = 0; i < 3; i++) {
			syscall(SYS_getppid);
			usleep(1000);
		}
		_exit(0);
	}
	close(go[0]);
	c->go_fd = go[1];
	return 0;
}

int doctor_child_finish(struct doctor_child *c, int *status)
{
	int err = 0, werr;

	if (write(c->go_fd, "g", 1) != 1)
		err = -errno;
	close(c->go_fd);
	c->go_fd = -1;
	werr = wait_child(c->pid, status);
	return err ? err : werr;
}
