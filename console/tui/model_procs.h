/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Processes as `bpflab top` sees them: the engine's live process tree,
 * with CPU per process and per sandbox from the usage programs (loaded the
 * first time the Processes screen opens), refreshed once a second.
 */
#ifndef BPFLAB_TUI_MODEL_PROCS_H
#define BPFLAB_TUI_MODEL_PROCS_H

#include <stdbool.h>
#include <stdint.h>

struct tui;

struct mproc_row {
	uint32_t pid, ppid, uid;
	int depth; /* tree view indentation */
	double cpu_pct;
	char sandbox[32];
	char cmd[160];
};

struct mproc_sandbox {
	char name[32];
	double cpu_pct;
	int procs;
};

struct model_procs {
	struct mproc_row *rows;
	int n;
	struct mproc_sandbox sbx[16];
	int nsbx;
	char error[128]; /* why CPU is unknown, or empty */
};

int mprocs_refresh(struct tui *t, struct model_procs *m, bool tree);
void mprocs_free(struct model_procs *m);
void mprocs_shutdown(void); /* unload the usage programs (exit) */

#endif
