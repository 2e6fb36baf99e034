/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scenario run inside the console's own process (ARCHITECTURE invariant
 * 7): its phases are Lua coroutines resumed by the console's one epoll loop
 * whenever what they wait for is ready (lab/scenario/scenario.h), so every
 * screen stays live and keys are answered while the attack runs. Its
 * narration, steps, checks and verdict stream into t->child (an output
 * record with no process), which the Scenarios screen shows.
 *
 * The troubleshooting exercises still run as a child `bpflab scenario run`:
 * their lab.bpflab and lab.node calls (lab/trouble) wait for a child
 * process that talks to this very engine, which would block the loop.
 */
#ifndef BPFLAB_TUI_SCEN_RUN_H
#define BPFLAB_TUI_SCEN_RUN_H

#include <stdbool.h>

struct tui;

/* Run NAME (or a path to a .lua file); -EBUSY while another run goes on. */
int scen_start(struct tui *t, const char *name);
bool scen_running(const struct tui *t);
/* x: the script stops at its next wait; its teardown still runs. */
void scen_stop(struct tui *t);
/* q while it runs: stop it and quit once it is torn down (at most 15 s). */
void scen_quit(struct tui *t);
/* From the 10 Hz tick: quit when the teardown takes too long. */
void scen_tick(struct tui *t);
/*
 * After the loop ended (Ctrl-C): what is left of the teardown runs here,
 * on a plain poll, for at most 10 s; the engine no longer answers, so its
 * policies go when it closes. Then the report, and the run is freed.
 */
void scen_drain(struct tui *t);

#endif
