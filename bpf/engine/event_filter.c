// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "engine/engine.h"
#include "engine/event_filter.h"
#include "proc/proc_tree.h"
#include "util/jw.h"

static const char *const known_types[] = {
	"process_exec",
	"process_exit",
	"process_kprobe",
	"process_tracepoint",
	"process_lsm",
	"flow",
	"l7",
	"lb",
};

int event_filter__add_type(struct event_filter *f, const char *type)
{
	char norm[32];
	size_t i, n = strlen(type);

	if (n >= sizeof(norm) - 8 || f->ntypes >= EVENT_FILTER_MAX_TYPES)
		return -EINVAL;
	for (i = 0; i < n; i++)
		norm[i] = (char)tolower((unsigned char)type[i]);
	norm[n] = 0;
	for (i = 0; i < sizeof(known_types) / sizeof(known_types[0]); i++) {
		const char *k = known_types[i];

		/* accept the short form: "exec" for "process_exec" */
		if (!strcmp(norm, k) ||
		    (!strncmp(k, "process_", 8) && !strcmp(norm, k + 8))) {
			snprintf(f->types[f->ntypes++], sizeof(f->types[0]),
				 "%s", k);
			return 0;
		}
	}
	return -ENOENT;
}

static bool pid_in_story(const struct proc_node *p, uint32_t pid)
{
	for (int n = 0; p && n < 64; p = p->parent, n++)
		if (p->pid == pid)
			return true;
	return false;
}

static bool binary_matches(const char *want, const struct proc_node *p)
{
	const char *bin = p->binary ? p->binary : p->comm;

	if (strchr(want, '/'))
		return !strcmp(bin, want);
	return strstr(bin, want) != NULL;
}

bool event_filter__match(const struct event_filter *f,
			 const struct bl_event *ev)
{
	if (f->ntypes) {
		bool hit = false;

		for (int i = 0; i < f->ntypes && !hit; i++)
			hit = !strcmp(f->types[i], ev->type);
		if (!hit)
			return false;
	}
	if (f->pid && (!ev->proc || !pid_in_story(ev->proc, f->pid)))
		return false;
	if (f->binary[0] && (!ev->proc || !binary_matches(f->binary, ev->proc)))
		return false;
	if (f->sandbox[0]) {
		const char *sb = ev->sandbox ? ev->sandbox : "host";

		if (strcmp(sb, f->sandbox))
			return false;
	}
	return true;
}

int event_filter__from_json(struct event_filter *f, struct json_object *o,
			    char *err, size_t errlen)
{
	struct json_object *v;

	memset(f, 0, sizeof(*f));
	if (!o)
		return 0;
	if (json_object_object_get_ex(o, "types", &v)) {
		if (!json_object_is_type(v, json_type_array)) {
			snprintf(err, errlen, "filter.types must be an array");
			return -EINVAL;
		}
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			const char *t = json_object_get_string(
				json_object_array_get_idx(v, i));

			if (!t || event_filter__add_type(f, t)) {
				snprintf(err, errlen, "unknown event type '%s'",
					 t ? t : "?");
				return -EINVAL;
			}
		}
	}
	if (json_object_object_get_ex(o, "pid", &v))
		f->pid = (uint32_t)json_object_get_int64(v);
	if (json_object_object_get_ex(o, "binary", &v))
		snprintf(f->binary, sizeof(f->binary), "%s",
			 json_object_get_string(v));
	if (json_object_object_get_ex(o, "sandbox", &v))
		snprintf(f->sandbox, sizeof(f->sandbox), "%s",
			 json_object_get_string(v));
	return 0;
}

void event_filter__to_json(const struct event_filter *f, struct jw *w)
{
	jw_obj_begin(w);
	if (f->ntypes) {
		jw_key(w, "types");
		jw_arr_begin(w);
		for (int i = 0; i < f->ntypes; i++)
			jw_string(w, f->types[i]);
		jw_arr_end(w);
	}
	if (f->pid)
		jw_kuint(w, "pid", f->pid);
	if (f->binary[0])
		jw_kstr(w, "binary", f->binary);
	if (f->sandbox[0])
		jw_kstr(w, "sandbox", f->sandbox);
	jw_obj_end(w);
}
