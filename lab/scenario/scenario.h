/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scenario scripts (scenarios/NAME.lua) and the driver that runs them:
 * load → setup → run → verify, each phase a coroutine resumed by the
 * caller's loop whenever what it waits for is ready, and teardown always,
 * after an error or Ctrl-C too. The verdict:
 *   PASS   every expectation held (and there was at least one);
 *   FAIL   an expectation did not hold: the attack was not stopped (enforce),
 *          or not seen (monitor);
 *   ERROR  the script or the lab broke: syntax or runtime error, limit hit,
 *          interrupted, a sandbox kind or the engine missing, no checks.
 */
#ifndef BPFLAB_SCENARIO_H
#define BPFLAB_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

struct jw;

enum scenario_verdict { SCENARIO_PASS, SCENARIO_FAIL, SCENARIO_ERROR };

struct scenario_opts {
	const char *kind; /* sandbox kind; NULL: "ns" */
	const char *mode; /* "enforce" (default) or "monitor" */
	bool quiet; /* no narration on stdout (JSON output) */
	const char
		*policy; /* training: apply this file instead of the script's */
	/* narration, steps, checks and the verdict, a line each; NULL: stdout */
	void (*out)(void *ctx, const char *line);
	void *out_ctx;
};

struct scenario_info {
	char name[64];
	char title[256];
	char path[512];
};

/* $BPFLAB_SCENARIOS, else ../scenarios next to the binary, else /usr/local/share/bpflab/scenarios */
int scenario_dir(char *buf, size_t size);
/* NAME or a path to a .lua file → its path; -ENOENT if there is none. */
int scenario_find(const char *name, char *path, size_t size);
/* Every scenario in the directory, by name; caller frees *out. */
int scenario_list(struct scenario_info **out, int *count);

/* Run one; the report object (verdict, checks with evidence) goes into w. */
enum scenario_verdict
scenario_run(const char *path, const struct scenario_opts *opts, struct jw *w);
const char *scenario_verdict_name(enum scenario_verdict v);

/*
 * The same, driven by the caller's loop (the console's epoll loop; the
 * CLI's poll loop in scenario_run). Nothing here blocks: every lab call that
 * waits yields the phase's coroutine (lab/lua/lab_wait.h).
 *  start()   loads the script (NULL only when out of memory: a script that
 *            does not load finishes as ERROR);
 *  fd()      becomes readable when the run can go on: poll it;
 *  step()    then resumes the current phase until its next wait, and
 *            returns 1 while there is more to do, 0 when the lab's cleanup
 *            is done;
 *  stop()    the script raises "interrupted" at its next wait, teardown
 *            still runs (async-signal-safe);
 *  offline() the engine stopped serving (the console quitting): engine
 *            requests fail at once instead of timing out;
 *  finish()  writes the report and frees the session; called before step()
 *            returned 0 it skips what is left of the script and removes
 *            what the run made at once.
 * opts' strings must outlive the session.
 */
struct scenario_session;
struct scenario_session *
scenario_session__start(const char *path, const struct scenario_opts *opts);
int scenario_session__fd(const struct scenario_session *s);
int scenario_session__step(struct scenario_session *s);
void scenario_session__stop(struct scenario_session *s);
void scenario_session__offline(struct scenario_session *s);
const char *scenario_session__name(const struct scenario_session *s);
enum scenario_verdict scenario_session__finish(struct scenario_session *s,
					       struct jw *w);
/* From a SIGINT handler: the running script stops, teardown still runs. */
void scenario_interrupt(void);

/*
 * Each run's report is kept as scenarios/<UTC time>-<name>-<pid>.json under
 * $BPFLAB_RESULTS_DIR, else /var/lib/bpflab/results (`bpflab report` reads
 * them back); the newest 1,000 are kept. Saving is best effort: a failure
 * is logged, the run stands.
 */
const char *scenario_results_dir(void);
int scenario_result_save(const char *name, const char *report_json);

#endif
