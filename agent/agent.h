/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpflab-agent: the static program that is pid 1 of a vm sandbox's guest.
 * It loads the BPF-LSM enforcement (agent_lsm.c), talks to the host over
 * the virtio-serial channel (lab/sandbox/vm_wire.h) and runs the commands
 * the host asks for (agent_exec.c). No engine, ncurses, Lua or libvirt.
 */
#ifndef BPFLAB_AGENT_H
#define BPFLAB_AGENT_H

#include <stdbool.h>
#include <stddef.h>

struct agent_lsm;

/* Send one line (no newline) to the host; the agent's only writer. */
int agent_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The sandbox name the host gave on the kernel command line. */
const char *agent_name(void);

int agent_lsm__open(struct agent_lsm **out, char *why, size_t whylen);
void agent_lsm__close(struct agent_lsm *l);
int agent_lsm__fd(struct agent_lsm *l); /* poll it; then call poll() */
int agent_lsm__poll(struct agent_lsm *l);
/* Protect paths for policy name: enforce denies, else report only. */
int agent_lsm__policy(struct agent_lsm *l, const char *name, bool enforce,
		      char *const paths[], int npaths);
int agent_lsm__unpolicy(struct agent_lsm *l, const char *name);
/* Re-resolve protected paths whose file was replaced (rename over it). */
void agent_lsm__refresh(struct agent_lsm *l);

/* Commands the host runs in the guest (agent_exec.c). */
int agent_exec__start(int ch, const char *id, char *const argv[],
		      bool with_stdin);
/* "in ID B64" and "eof ID": feed and close an execin command's stdin */
void agent_exec__input(int ch, const char *id, const char *b64);
void agent_exec__input_eof(int ch, const char *id);
/* Stdin pipes with bytes waiting: poll them for POLLOUT. */
int agent_exec__wfds(int *fds, int max);
void agent_exec__writable(int fd);
void agent_exec__kill(int ch, const char *id);
void agent_exec__close_channel(int ch);
/* Pipes to poll: fills fds, returns how many (at most max). */
int agent_exec__fds(int *fds, int max);
void agent_exec__readable(int fd);
void agent_exec__reap(void);

/* JSON string escaping for the event lines. */
void agent_json_str(char *out, size_t size, const char *s);

#endif
