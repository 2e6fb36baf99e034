// SPDX-License-Identifier: GPL-2.0
/*
 * The engine's side of vm sandboxes: the relays send each guest event as a
 * "vm.event" request; it joins the one event stream like a local one, with
 * the guest's Tetragon-shaped members as the agent wrote them (the process
 * objects already carry sandbox {name, kind: "vm"}). It also serves the
 * vm.policy.* requests (vm_policy_req.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "engine/engine.h"
#include "lab/sandbox/vm.h"
#include "util/jw.h"
#include "util/util.h"

/* Only the event types the guest agent makes. */
static const char *const vm_types[] = { "process_exec", "process_exit",
					"process_kprobe" };

static void render_members(const struct bl_event *ev, struct jw *w)
{
	struct json_object *o = ev->ctx;

	json_object_object_foreach(o, k, v)
	{
		jw_key(w, k);
		jw_raw(w, json_object_to_json_string_ext(
				  v, JSON_C_TO_STRING_PLAIN |
					     JSON_C_TO_STRING_NOSLASHESCAPE));
	}
}

static const char *member(struct json_object *o, const char *a, const char *b)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, a, &v) ||
	    (b && !json_object_object_get_ex(v, b, &v)))
		return NULL;
	return json_object_get_string(v);
}

static void render_compact(const struct bl_event *ev, char *buf, size_t size)
{
	struct json_object *o = ev->ctx, *args;
	const char *bin = member(o, "process", "binary") ?: "?";
	const char *path = "";

	if (!strcmp(ev->type, "process_exec")) {
		snprintf(buf, size, "🚀 vm/%s %s %s", ev->sandbox, bin,
			 member(o, "process", "arguments") ?: "");
		return;
	}
	if (json_object_object_get_ex(o, "args", &args) &&
	    json_object_array_length(args) > 0) {
		struct json_object *a0 = json_object_array_get_idx(args, 0);

		/* a file's path, or where a connect() went */
		path = member(a0, "file_arg", "path")		  ?:
			       member(a0, "sockaddr_arg", "addr") ?:
								    "";
	}
	snprintf(buf, size, "%s vm/%s %s %s %s %s via %s",
		 strcmp(member(o, "action", NULL) ?: "", "KPROBE_ACTION_POST") ?
			 "🛑" :
			 "⚠️ ",
		 ev->sandbox, bin, member(o, "function_name", NULL) ?: "?",
		 path,
		 strcmp(member(o, "action", NULL) ?: "", "KPROBE_ACTION_POST") ?
			 "EPERM" :
			 "reported",
		 member(o, "bpflab", "mechanism") ?: "?");
}

static int on_vm_event(struct engine *e, struct json_object *req,
		       struct jw *reply, char *err, size_t errlen, void *ctx)
{
	const char *sandbox = engine_req_str(req, "sandbox");
	const char *type = engine_req_str(req, "type");
	struct json_object *body;
	struct bl_event ev = { 0 };

	(void)reply;
	(void)ctx;
	if (!sandbox || !type ||
	    !json_object_object_get_ex(req, "event", &body) ||
	    !json_object_is_type(body, json_type_object)) {
		snprintf(err, errlen, "vm.event needs sandbox, type and event");
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(vm_types) && !ev.type; i++)
		if (!strcmp(type, vm_types[i]))
			ev.type = vm_types[i];
	if (!ev.type) {
		snprintf(err, errlen, "vm.event: unknown type '%s'", type);
		return -EINVAL;
	}
	ev.op = BL_OP_VM;
	ev.ktime = now_mono_ns();
	ev.rec = json_object_to_json_string_ext(
		body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	ev.len = strlen(ev.rec);
	ev.sandbox = sandbox;
	ev.render = render_members;
	ev.render_compact = render_compact;
	ev.ctx = body;
	engine__emit(e, &ev);
	return 0;
}

static int vm_load(struct engine *e, void **state)
{
	*state = NULL;
	return engine__add_request(e, "vm.event", on_vm_event, NULL) ?:
		       vm_policy_requests_add(e);
}

static void vm_unload(struct engine *e, void *state)
{
	(void)e;
	(void)state;
}

ENGINE_MODULE(vm, .name = "vm",
	      .summary = "events from vm sandboxes' guest agents (BPF-LSM)",
	      .load = vm_load, .unload = vm_unload, .order = 60,
	      .default_on = true);
