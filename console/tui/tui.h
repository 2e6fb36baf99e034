/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The console application: screens over models, inside one epoll loop (the
 * engine's, or a small one of its own for --replay). Screens are a vtable;
 * they draw from the models and never call libbpf.
 *
 * Every screen gets the rows between the meter row (+ tab bar) and the key
 * bar. A screen is initialised when its tab is entered and finished when it
 * is left, so per-screen costs (BPF run-time stats) last only while shown.
 */
#ifndef BPFLAB_TUI_H
#define BPFLAB_TUI_H

#include <stdbool.h>
#include <stdint.h>

#include "console/tui/model_events.h"

struct engine;
struct tui;
struct model_progs;
struct model_req;
struct model_map;
struct child_run;
struct scen_run;
struct replay;
struct demo;

#define TUI_SCREENS 9
#define TUI_FILTER_LEN 64

/* A scrolling list's position; list_key handles arrows/PgUp/PgDn/Home/End. */
struct list_view {
	int sel, top;
};

struct screen_ops {
	const char *title; /* tab label */
	const char
		*help; /* this screen's keys, one per line, for the help view */
	const char *keybar; /* extra key-bar entries: "Enter story  s sort" */
	int (*init)(struct tui *t, void **state);
	void (*tick)(struct tui *t, void *state); /* about 10 times a second */
	void (*draw)(struct tui *t, void *state, int y, int x, int rows,
		     int cols);
	bool (*key)(struct tui *t, void *state, int ch); /* true: handled */
	void (*fini)(struct tui *t, void *state);
};

struct tui_opts {
	const char *record; /* --record FILE */
	const char *replay; /* --replay FILE */
	double speed; /* --replay speed factor */
	const char *demo; /* --demo SCRIPT */
	bool demo_auto;
	bool no_lab;
	const char *self; /* path of the bpflab binary, for child runs */
	const char
		*failed_modules; /* "enforce (Permission denied), ..." or "" */
};

struct tui {
	struct engine *e; /* NULL when replaying */
	const struct tui_opts *opts;
	struct ev_model ev;
	struct model_progs *progs;
	struct model_req *req_svc; /* svc.list, every 2 s */
	struct model_req *req_pol; /* policy.list, every 2 s */
	struct model_map *map; /* live service map (engine only) */
	struct replay *replay; /* --replay, or NULL */
	int sandboxes_up; /* -1: unknown */
	uint64_t lost; /* kernel ring buffers + subscribers, summed */
	struct child_run *child; /* scenario or bench output, or NULL */
	struct scen_run
		*scen; /* a scenario in this loop (scen_run.h), or NULL */
	int cur; /* active screen */
	void *state; /* its state */
	struct list_view lv[TUI_SCREENS];
	char filter[TUI_SCREENS][TUI_FILTER_LEN];
	int sort[TUI_SCREENS];
	int pane[TUI_SCREENS];
	bool editing_filter, help, dirty, quit;
	bool lab_owned; /* our `lab up` succeeded: `lab down` at exit */
	char status[160]; /* last message (log lines land here) */
	uint64_t status_ns;
	uint64_t keys, redraws;
	uint64_t last_key_ns, last_key_latency_ns; /* key → screen drawn */
	struct demo *demo; /* --demo, or NULL */
	char narration[256]; /* the demo's current line */
	int tick_n;
};

extern const struct screen_ops scr_overview, scr_flows, scr_svcmap,
	scr_security, scr_procs, scr_programs, scr_bench, scr_scenarios,
	scr_policies;

int tui_run(struct engine *e, const struct tui_opts *opts);

void tui_switch(struct tui *t, int screen);
/* Act on one key as if it was typed (the demo presses keys this way). */
void tui_key(struct tui *t, int ch);
void tui_status(struct tui *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *tui_filter(const struct tui *t);
bool tui_match(const struct tui *t, const char *text);

/* Scroll a list of n rows shown in rows lines; true when ch was a move key. */
bool list_key(struct list_view *lv, int ch, int n, int rows);
void list_clamp(struct list_view *lv, int n, int rows);

/* Draw a centred overlay with lines of text (help, story, detail). */
void tui_overlay(const char *title, const char *const *lines, int n,
		 int scroll);
/* Honest empty state: "module X not loaded: why". */
void tui_empty(int y, int x, int rows, int cols, const char *msg);

#endif
