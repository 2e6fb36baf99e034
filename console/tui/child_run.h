/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A `bpflab scenario run` or `bpflab bench` started from the console: a
 * child process whose output comes back through a pipe watched by the loop
 * (never a blocking read), kept as a bounded list of recent lines. The
 * child talks to this console's engine over the control socket, so what it
 * does shows up live on the other screens while it runs. Children run with
 * BPFLAB_PROGRESS=1: benches then print progress lines, kept apart from
 * the output for the progress bar.
 */
#ifndef BPFLAB_TUI_CHILD_RUN_H
#define BPFLAB_TUI_CHILD_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct tui;

#define CHILD_LINES 200

struct child_run {
	pid_t pid;
	int fd;
	char title[96];
	char *lines[CHILD_LINES];
	int nlines; /* total ever; index % CHILD_LINES */
	char partial[512];
	size_t plen;
	bool done;
	int status; /* exit code when done, -signal if killed */
	uint64_t start_ns;
	/* the last "BPFLAB-PROGRESS done/total what" line (lab/bench/bench.h) */
	int prog_done, prog_total; /* total 0: none seen */
	char prog_what[64];
};

/*
 * An output record with no process (pid 0): a scenario run in the
 * console's own loop (scen_run.h) streams its lines here, so the screens
 * that show a run's output show either kind.
 */
struct child_run *child_open_output(struct tui *t, const char *title);
void child_add_output(struct child_run *c, const char *line);
void child_set_done(struct tui *t, struct child_run *c, int status);
/* Start argv (argv[0] is the bpflab binary); replaces a finished run. */
int child_start(struct tui *t, const char *title, char *const argv[]);
/* Ask a running child to stop (SIGINT: its teardown still runs). */
void child_interrupt(struct tui *t);
/* At exit: interrupt, wait for the teardown (bounded), free. */
void child_reap(struct tui *t);
/* i-th line from the oldest kept, or NULL. */
const char *child_line(const struct child_run *c, int i);
int child_nlines(const struct child_run *c);

#endif
