// SPDX-License-Identifier: GPL-2.0
/* The enriched event stream: sinks, and the one JSON line shape around events. */
#include <errno.h>
#include <string.h>

#include "engine/engine_priv.h"
#include "proc/proc_tree.h"
#include "util/jw.h"
#include "util/util.h"

int engine__add_sink(struct engine *e, engine_sink_fn fn, void *ctx)
{
	for (int i = 0; i < ENGINE_MAX_SINKS; i++) {
		if (e->sinks[i].fn)
			continue;
		e->sinks[i] = (struct engine_sink){ fn, ctx };
		return i;
	}
	return -ENOSPC;
}

void engine__remove_sink(struct engine *e, int id)
{
	if (id >= 0 && id < ENGINE_MAX_SINKS)
		e->sinks[id].fn = NULL;
}

void engine__emit(struct engine *e, struct bl_event *ev)
{
	if (ev->proc && !ev->sandbox)
		ev->sandbox = engine__sandbox_of_proc(e, ev->proc, NULL);
	if (ev->proc)
		ev->proc->last_use_ns = now_real_ns();
	e->events_total++;
	for (int i = 0; i < ENGINE_MAX_SINKS; i++)
		if (e->sinks[i].fn)
			e->sinks[i].fn(e, ev, e->sinks[i].ctx);
}

void engine__render_line(const struct bl_event *ev, struct jw *w)
{
	char ts[48];

	format_rfc3339_ns(ktime_to_realtime_ns(ev->ktime), ts, sizeof(ts));
	jw_obj_begin(w);
	jw_key(w, ev->type);
	jw_obj_begin(w);
	ev->render(ev, w);
	jw_obj_end(w);
	jw_kstr(w, "node_name", node_name());
	jw_kstr(w, "time", ts);
	jw_obj_end(w);
}

static const char *sandbox_cb(uint64_t cgroup_id, const char **kind, void *ctx)
{
	return engine__sandbox_name(ctx, cgroup_id, kind);
}

void engine__render_story(struct engine *e, const struct proc_node *p,
			  struct jw *w)
{
	proc__render_story(p, w, sandbox_cb, e);
}
