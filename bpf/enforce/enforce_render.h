/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BPFLAB_ENFORCE_RENDER_H
#define BPFLAB_ENFORCE_RENDER_H

#include <stddef.h>

#include "enforce/enforce_abi.h"
#include "enforce/enforcer.h"

struct bl_event;
struct engine;
struct jw;

/* bl_event.ctx of an enforce event: valid while the sinks run. */
struct enf_render_ctx {
	struct engine *e;
	const struct enf_event *rec;
	struct enf_match_info mi;
	const char *mechanism; /* enforcer__mechanism() */
};

void enf_render(const struct bl_event *ev, struct jw *w);
void enf_render_compact(const struct bl_event *ev, char *buf, size_t size);
const char *enf_action_name(unsigned action);
/* process_kprobe, process_tracepoint or process_lsm. */
const char *enf_event_type(const struct enf_match_info *mi);

#endif
