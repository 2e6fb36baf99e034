/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the troubleshooting scenarios (scenarios/trouble-*.lua) need from
 * the `lab` module on top of sandboxes: bpflab's own verbs, whose output is
 * the evidence the trainee reads, and commands on the default lab's hosts.
 *
 *   lab.bpflab{ VERB, ARGS..., timeout= }  -> { exit=, stdout=, stderr= }
 *     runs this binary; VERB is one of lab, netpol, svc, observe, map,
 *     events, status, sandbox (no engine, down or policy: the run owns
 *     those)
 *   lab.node{ NODE, ARGV..., timeout=, background= }
 *     ARGV in the netns of lab host NODE (bpflab-lab-NODE): { exit=,
 *     stdout=, stderr= }, or with background=true { pid= }: journaled as a
 *     "pid" (so `bpflab down` kills it after a crash), killed at teardown
 *     at the latest
 *   lab.kill(proc)   SIGKILL a background process started by lab.node
 *   lab.dir()        the scenario's directory (for files it ships)
 */
#ifndef BPFLAB_TROUBLE_H
#define BPFLAB_TROUBLE_H

#include <lua.h>

/* Add the functions above to the `lab` table on top of the stack. */
void lab_trouble_open(lua_State *L);
/* Kill and reap what lab.node left running in the background. */
void lab_trouble__teardown(void);

#endif
