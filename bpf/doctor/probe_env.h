/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harmless places for the doctor's probes to attach and fire: a private
 * network namespace (tc, XDP on its lo), a temporary cgroup holding one child
 * (cgroup hooks), and a child that can be watched for a signal.
 */
#ifndef BPFLAB_DOCTOR_PROBE_ENV_H
#define BPFLAB_DOCTOR_PROBE_ENV_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Move this thread into a new, anonymous network namespace with lo up. It has
 * no name and no bind mount, so it dies with the last reference: nothing to
 * journal, nothing that can outlive the doctor. *saved holds the old one.
 */
int doctor_netns_enter(int *saved, int *lo_ifindex);
void doctor_netns_leave(int saved);
/* Send one UDP datagram to 127.0.0.1 (through lo in the current netns). */
int doctor_send_udp(void);

/* BL_CGROUP_ROOT/bpflab-doctor-<pid>, journaled; fd of the directory. */
struct doctor_cgroup {
	char path[256];
	int fd;
	int seq; /* journal entry */
};
int doctor_cgroup_create(struct doctor_cgroup *cg);
void doctor_cgroup_remove(struct doctor_cgroup *cg);
/*
 * Fork a child, place it in cg, and let it open a UDP socket, connect() it,
 * sendto() on another, and open /dev/null: the four cgroup hooks the doctor
 * probes. The child does so in its own network namespace, so no packet
 * leaves it. Returns 0 once it exited cleanly, else -errno.
 */
int doctor_cgroup_exercise(struct doctor_cgroup *cg);

/*
 * A child parked until doctor_child_release(); it then calls getppid() a
 * few times and exits 0 unless a signal ends it first.
 */
struct doctor_child {
	pid_t pid;
	int go_fd; /* write end: one byte releases the child */
};
int doctor_child_start(struct doctor_child *c);
/* Release the child and reap it; *status is waitpid()'s. */
int doctor_child_finish(struct doctor_child *c, int *status);

#endif
