/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The console's fds in one epoll loop: the engine's when one runs in this
 * process, else (--replay) a small loop of its own with a signalfd, so the
 * console is single-threaded either way (ARCHITECTURE invariant 7).
 */
#ifndef BPFLAB_TUI_LOOP_H
#define BPFLAB_TUI_LOOP_H

#include <stdint.h>

struct tui;
typedef int (*loop_fd_fn)(struct tui *t, int fd, uint32_t events, void *ctx);

int loop_open(struct tui *t);
int loop_add_fd(struct tui *t, int fd, uint32_t events, loop_fd_fn fn,
		void *ctx);
void loop_remove_fd(struct tui *t, int fd);
int loop_run(struct tui *t); /* until loop_stop or SIGINT/SIGTERM */
void loop_stop(struct tui *t);
void loop_close(struct tui *t);

#endif
