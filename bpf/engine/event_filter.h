/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which events a subscriber wants: the same filter words on the command line
 * (`bpflab events --type exec --pid 42`) and over the socket ("filter":{..}).
 */
#ifndef BPFLAB_EVENT_FILTER_H
#define BPFLAB_EVENT_FILTER_H

#include <stdbool.h>
#include <stdint.h>

struct bl_event;
struct jw;
struct json_object;

#define EVENT_FILTER_MAX_TYPES 8

struct event_filter {
	char types[EVENT_FILTER_MAX_TYPES]
		  [32]; /* JSON keys: process_exec, ... */
	int ntypes;
	uint32_t pid; /* 0: any; matches the process or any ancestor */
	char binary[256]; /* exact path, or a substring if it has no '/' */
	char sandbox[64]; /* sandbox name; "host" for none */
};

/* "exec", "PROCESS_EXEC" and "process_exec" all name process_exec. */
int event_filter__add_type(struct event_filter *f, const char *type);
bool event_filter__match(const struct event_filter *f,
			 const struct bl_event *ev);
int event_filter__from_json(struct event_filter *f, struct json_object *o,
			    char *err, size_t errlen);
void event_filter__to_json(const struct event_filter *f, struct jw *w);

#endif
