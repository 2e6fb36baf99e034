// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "console/tui/crt.h"
#include "util/json_path.h"
#include "console/tui/story.h"

static void add(struct story *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(struct story *s, const char *fmt, ...)
{
	va_list ap;

	if (s->n >= STORY_MAX_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(s->lines[s->n++], sizeof(s->lines[0]), fmt, ap);
	va_end(ap);
}

/* pid and sandbox first: a long command line is what gets clipped */
static void add_proc(struct story *s, struct json_object *p, int depth,
		     bool last)
{
	const char *sb = jp_str(p, "sandbox.name", NULL);

	add(s, "%*s%s[pid %lld%s%s]%s %s %s", depth * 2, "",
	    depth ? (crt_utf8() ? "└─ " : "`- ") : "",
	    (long long)jp_int(p, "pid", 0), sb ? ", sandbox " : "",
	    sb ? sb : "", last ? " <== this one:" : "",
	    jp_str(p, "binary", "?"), jp_str(p, "arguments", ""));
}

/*
 * What acted, as the engine reports it (bpflab.mechanism: "immutable+sigkill",
 * "lease+sigkill", "cgroup deny", ...); older records without the field fall
 * back to a reading of the action.
 */
static void add_mechanism(struct story *s, struct json_object *body)
{
	const char *mech = jp_str(body, "bpflab.mechanism", NULL);
	const char *action = jp_str(body, "action", NULL);

	if (mech && mech[0])
		add(s, "Mechanism:  %s", mech);
	else if (!action)
		add(s, "%s", "Mechanism:  reported (no action)");
	else if (strstr(action, "SIGKILL"))
		add(s, "%s", "Mechanism:  sigkill (from the kernel hook)");
	else if (strstr(action, "OVERRIDE"))
		add(s, "%s", "Mechanism:  deny (return value overridden)");
	else
		add(s, "Mechanism:  %s", action);
}

int story_build(const char *json_line, struct story *s)
{
	struct json_object *o = json_tokener_parse(json_line), *body = NULL,
			   *anc, *v;
	const char *type = jp_event_type(o, &body);
	int depth = 0;

	s->n = 0;
	if (!type || !jp_get(body, "process")) {
		json_object_put(o);
		return -EINVAL;
	}
	add(s, "%s at %s on %s", type, jp_str(o, "time", "?"),
	    jp_str(o, "node_name", "?"));
	add(s, "%s", "");
	add(s, "%s", "Ancestry (oldest first):");
	anc = jp_get(body, "ancestors");
	/* Tetragon lists ancestors nearest first: walk them backwards */
	for (int i = anc ? (int)json_object_array_length(anc) - 1 : -1; i >= 0;
	     i--)
		add_proc(s, json_object_array_get_idx(anc, (size_t)i), depth++,
			 false);
	if (jp_get(body, "parent"))
		add_proc(s, jp_get(body, "parent"), depth++, false);
	add_proc(s, jp_get(body, "process"), depth, true);
	add(s, "%s", "");
	add(s, "Policy:     %s", jp_str(body, "policy_name", "-"));
	add(s, "Hook:       %s",
	    jp_str(body, "function_name", jp_str(body, "event", "-")));
	add(s, "Action:     %s", jp_str(body, "action", "-"));
	add_mechanism(s, body);
	if ((v = jp_get(body, "evidence")) &&
	    json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, k, val)
			add(s, "Evidence:   %s: %s", k,
			    json_object_get_string(val));
	}
	if ((v = jp_get(body, "args")) &&
	    json_object_is_type(v, json_type_array))
		for (size_t i = 0; i < json_object_array_length(v); i++)
			add(s, "Argument:   %s",
			    json_object_to_json_string(
				    json_object_array_get_idx(v, i)));
	if (jp_get(body, "return"))
		add(s, "Return:     %s",
		    json_object_to_json_string(jp_get(body, "return")));
	json_object_put(o);
	return 0;
}

void story_oneline(const char *json_line, char *out, size_t size)
{
	struct json_object *o = json_tokener_parse(json_line), *body = NULL;
	const char *type = jp_event_type(o, &body);
	size_t n = 0;

	out[0] = 0;
	if (!type) {
		json_object_put(o);
		return;
	}
	if (jp_get(body, "parent"))
		n = (size_t)snprintf(
			out, size, "%s > ",
			jp_basename(jp_str(body, "parent.binary", "?")));
	if (n < size)
		snprintf(out + n, size - n, "%s %s  [%s %s]",
			 jp_basename(jp_str(body, "process.binary", "?")),
			 jp_str(body, "process.arguments", ""),
			 jp_str(body, "action", "POST"),
			 jp_str(body, "policy_name", "-"));
	json_object_put(o);
}
