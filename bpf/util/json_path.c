// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "util/json_path.h"

struct json_object *jp_get(struct json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(key) ||
		    !json_object_is_type(o, json_type_object))
			return NULL;
		memcpy(key, path, n);
		key[n] = 0;
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path += n + (dot ? 1 : 0);
	}
	return o;
}

const char *jp_str(struct json_object *o, const char *path, const char *def)
{
	struct json_object *v = jp_get(o, path);

	return v && !json_object_is_type(v, json_type_null) ?
		       json_object_get_string(v) :
		       def;
}

int64_t jp_int(struct json_object *o, const char *path, int64_t def)
{
	struct json_object *v = jp_get(o, path);

	return v ? json_object_get_int64(v) : def;
}

const char *jp_event_type(struct json_object *line, struct json_object **body)
{
	if (!line || !json_object_is_type(line, json_type_object))
		return NULL;
	json_object_object_foreach(line, key, val)
	{
		if (!strcmp(key, "node_name") || !strcmp(key, "time"))
			continue;
		if (body)
			*body = val;
		return key;
	}
	return NULL;
}

const char *jp_basename(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;

	return s ? s + 1 : path ? path : "";
}
