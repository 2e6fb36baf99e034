/* SPDX-License-Identifier: GPL-2.0 */
/* Reading Tetragon/Hubble-shaped JSON lines with json-c, by dotted paths. */
#ifndef BPFLAB_JSON_PATH_H
#define BPFLAB_JSON_PATH_H

#include <stdint.h>

struct json_object;

/* The member at a dotted path ("process.binary"), or NULL. */
struct json_object *jp_get(struct json_object *o, const char *path);
/* Its string value, or def when missing. */
const char *jp_str(struct json_object *o, const char *path, const char *def);
int64_t jp_int(struct json_object *o, const char *path, int64_t def);
/* The event key of a line: the first member that is not node_name/time. */
const char *jp_event_type(struct json_object *line, struct json_object **body);
/* Last path component of a binary. */
const char *jp_basename(const char *path);

#endif
