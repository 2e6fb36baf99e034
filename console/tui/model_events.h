/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The console's view of the event stream: a bounded ring of recent events
 * per kind, counters and per-second history for the meters and sparklines,
 * and the --record file. It never grows: what the rings cannot hold, or what
 * arrives while the view is paused, is only counted (not_shown).
 *
 * Security and flow events keep their full JSON line (Tetragon/Hubble
 * shape), and their row text is derived from it, so a live session and its
 * replay show the same rows.
 */
#ifndef BPFLAB_TUI_MODEL_EVENTS_H
#define BPFLAB_TUI_MODEL_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct bl_event;

#define EVM_RING 512
#define EVM_HIST 120 /* seconds of history for sparklines */
/*
 * Flows rendered for display per 100 ms tick: beyond it, a flood is counted
 * (totals, drops) but not formatted, so the console's CPU stays bounded.
 */
#define EVM_FLOW_BUDGET 200

enum evm_kind { EVK_PROC, EVK_SECURITY, EVK_FLOW, EVK_MAX };

enum evm_action { EVA_NONE, EVA_POST, EVA_KILL, EVA_DENY, EVA_DROP };

struct evm_item {
	uint64_t seq; /* 1, 2, ... per ring */
	uint64_t real_ns;
	char type[24]; /* "process_exec", "process_kprobe", "flow" */
	uint32_t pid;
	enum evm_action action;
	char who[64]; /* binary basename, or flow source */
	char text[192]; /* the row's summary */
	char *json; /* full line (security and flow only), malloc'd */
};

struct evm_ring {
	struct evm_item items[EVM_RING];
	uint64_t pushed; /* items ever stored */
};

struct ev_model {
	struct evm_ring ring[EVK_MAX];
	uint64_t total, kills, denies, drops, flows, not_shown;
	uint64_t
		bad_json; /* live events whose JSON did not parse (compact kept) */
	bool paused;
	int flow_budget; /* left in this tick */
	/* once a second */
	uint64_t last_total, last_flows, last_kills;
	double hist_events[EVM_HIST], hist_flows[EVM_HIST],
		hist_kills[EVM_HIST];
	int hist_n;
	double events_per_s, flows_per_s;
	FILE *record; /* --record: every event's JSON line */
	uint64_t record_errors;
};

void evm_init(struct ev_model *m);
void evm_free(struct ev_model *m);
/* Start writing every event to path (truncates); 0 or -errno. */
int evm_record(struct ev_model *m, const char *path);
/* A live event (engine sink). */
void evm_push_live(struct ev_model *m, const struct bl_event *ev);
/* One JSON event line (replay, or a live security/flow event); -EINVAL if
 * it is not one event object (then nothing is stored or counted). */
int evm_push_json(struct ev_model *m, const char *line);
/* Refill the per-tick display budget; call every 100 ms. */
void evm_tick(struct ev_model *m);
/* Roll the per-second history; call once a second. */
void evm_second(struct ev_model *m);
/* The i-th newest item of a ring (0 = newest), or NULL. */
const struct evm_item *evm_newest(const struct ev_model *m, enum evm_kind k,
				  uint64_t i);
uint64_t evm_count(const struct ev_model *m, enum evm_kind k);
/* Kills in the last n seconds of history. */
uint64_t evm_recent_kills(const struct ev_model *m, int seconds);

#endif
