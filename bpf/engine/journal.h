/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The journal: every host resource bpflab creates is written here before (or
 * right after) it is created, and marked released when bpflab removes it.
 * `bpflab down`, Ctrl-C and the next start after a crash undo whatever is
 * still live, newest first. Appends are single write()s on an O_APPEND file,
 * so several bpflab processes can share it.
 *
 * Line format: "<seq> <scope>/<kind> <arg>" to record, "<seq> done" to
 * release. The scope says whose lifetime a resource follows:
 *   "engine"  dies with the engine (its programs' mounts, tc filters, scenario
 *             sandboxes): undone when the engine stops, and by the next
 *             engine start after a crash;
 *   "lab"     outlives the process that made it (`bpflab sandbox run`, `lab
 *             up`): undone by `bpflab down` (or `sandbox rm`, `lab down`).
 * `bpflab down` undoes every scope.
 */
#ifndef BPFLAB_JOURNAL_H
#define BPFLAB_JOURNAL_H

#include <stdbool.h>

/* The journal lives at bl_run_dir()/journal (util/paths.h). */
#define BL_STATE_DIR "/var/lib/bpflab"

/* One kind of resource and how to remove it. arg is what record() was given. */
struct journal_undo {
	const char *kind;
	int (*undo)(const char *arg);
	const char *what; /* human name for reports: "network namespace" */
};

/* Modules declare their kinds with JOURNAL_UNDO(kind, fn, what). */
#define JOURNAL_CAT2(a, b) a##b
#define JOURNAL_CAT(a, b) JOURNAL_CAT2(a, b)
#define JOURNAL_UNDO(k, fn, w)                                            \
	static const struct journal_undo JOURNAL_CAT(__journal_undo_,     \
						     __COUNTER__)         \
		__attribute__((used, section("bl_undo"), aligned(8))) = { \
			.kind = k,                                        \
			.undo = fn,                                       \
			.what = w,                                        \
		}

/* Record a resource; returns its sequence number (> 0) or -errno. */
int journal_record(const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The resource was removed by its owner: drop it from the undo list. */
int journal_release(int seq);
/* Undo and release one live entry by sequence number. */
int journal_undo_one(int seq);

/* The scope new records get in this process; "engine" unless set. */
void journal_set_scope(const char *scope);
const char *journal_scope(void);

struct journal_entry {
	int seq;
	char scope[16];
	char kind[32];
	char arg[4000];
};
/* Live (not released) entries, oldest first; caller frees *out. */
int journal_live(struct journal_entry **out, int *count);
/*
 * Undo every live entry of scope (NULL: every scope), newest first. Returns
 * the number that could not be undone (they stay in the journal).
 */
int journal_cleanup(const char *scope, bool verbose);
/*
 * Remove the run directory when it is only scaffolding: no engine holds the
 * lock, the journal has nothing live, and no state file remains (empty
 * directories, the lock, a fully released journal). Called as any bpflab
 * process exits, so Ctrl-C on an engine leaves /run as it was found.
 */
void journal_tidy_run_dir(void);
/* Override the journal path (unit tests). */
void journal_set_path(const char *path);

#endif
