// SPDX-License-Identifier: GPL-2.0
/* A sandbox's state file: <run dir>/sandboxes/<name>.json, written with jw, read with json-c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lab/sandbox/sandbox.h"
#include "util/jw.h"
#include "util/paths.h"
#include "util/util.h"

char *sandbox_state_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/sandboxes/%s.json", bl_run_dir(), name);
	return buf;
}

void sandbox_to_json(const struct sandbox *sb, struct jw *w)
{
	jw_obj_begin(w);
	jw_kstr(w, "name", sb->name);
	jw_kstr(w, "kind", sb->kind);
	jw_key(w, "labels");
	jw_obj_begin(w);
	/* name and kind are labels too, so selectors can use them */
	jw_kstr(w, "bpflab.name", sb->name);
	jw_kstr(w, "bpflab.kind", sb->kind);
	for (int i = 0; i < sb->n_labels; i++)
		jw_kstr(w, sb->labels[i].key, sb->labels[i].value);
	jw_obj_end(w);
	jw_kbool(w, "privileged", sb->privileged);
	jw_kbool(w, "userns", sb->userns);
	jw_kint(w, "init_pid", sb->init_pid);
	jw_kuint(w, "init_start", sb->init_start);
	jw_kuint(w, "cgroup_id", sb->cgroup_id);
	jw_kstr(w, "cgroup", sb->cgroup_path);
	jw_kstr(w, "ip", sb->ip);
	jw_key(w, "journal");
	jw_arr_begin(w);
	for (int i = 0; i < sb->n_journal; i++)
		jw_int(w, sb->journal[i]);
	jw_arr_end(w);
	jw_obj_end(w);
}

int sandbox_state_save(const struct sandbox *sb)
{
	char path[512], tmp[520], dir[512];
	struct jw w;
	int err = 0;

	snprintf(dir, sizeof(dir), "%s/sandboxes", bl_run_dir());
	err = mkdir_p(dir, 0700);
	if (err)
		return err;
	sandbox_state_path(path, sizeof(path), sb->name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	jw_init(&w);
	sandbox_to_json(sb, &w);
	if (!jw_str(&w)) {
		err = -ENOMEM;
		goto out;
	}
	/* write then rename: readers never see half a file */
	err = write_new_file(tmp, jw_str(&w), 0600);
	if (!err && rename(tmp, path))
		err = -errno;
out:
	jw_free(&w);
	return err;
}

static void copy_str(struct json_object *o, const char *key, char *dst,
		     size_t size)
{
	struct json_object *v;

	if (json_object_object_get_ex(o, key, &v))
		snprintf(dst, size, "%s", json_object_get_string(v));
}

static int64_t get_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
		       json_object_get_int64(v) :
		       0;
}

static bool get_bool(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
	       json_object_get_boolean(v);
}

int sandbox_state_load(const char *path, struct sandbox *sb)
{
	struct json_object *o, *labels, *journal;
	int err = 0;

	memset(sb, 0, sizeof(*sb));
	if (access(path, F_OK))
		return -errno;
	o = json_object_from_file(path);
	if (!o)
		return -EINVAL;
	copy_str(o, "name", sb->name, sizeof(sb->name));
	copy_str(o, "kind", sb->kind, sizeof(sb->kind));
	copy_str(o, "cgroup", sb->cgroup_path, sizeof(sb->cgroup_path));
	copy_str(o, "ip", sb->ip, sizeof(sb->ip));
	sb->privileged = get_bool(o, "privileged");
	sb->userns = get_bool(o, "userns");
	sb->init_pid = (pid_t)get_int(o, "init_pid");
	sb->init_start = (unsigned long long)get_int(o, "init_start");
	sb->cgroup_id = (uint64_t)get_int(o, "cgroup_id");
	if (json_object_object_get_ex(o, "labels", &labels) &&
	    json_object_is_type(labels, json_type_object)) {
		json_object_object_foreach(labels, k, v)
		{
			struct sandbox_label *l;

			if (!strncmp(k, "bpflab.", 7) ||
			    sb->n_labels >= SANDBOX_MAX_LABELS)
				continue;
			l = &sb->labels[sb->n_labels++];
			snprintf(l->key, sizeof(l->key), "%s", k);
			snprintf(l->value, sizeof(l->value), "%s",
				 json_object_get_string(v));
		}
	}
	if (json_object_object_get_ex(o, "journal", &journal) &&
	    json_object_is_type(journal, json_type_array)) {
		size_t n = json_object_array_length(journal);

		for (size_t i = 0; i < n && i < SANDBOX_MAX_JOURNAL; i++)
			sb->journal[sb->n_journal++] = json_object_get_int(
				json_object_array_get_idx(journal, i));
	}
	if (!sb->name[0] || !sb->kind[0])
		err = -EINVAL;
	json_object_put(o);
	return err;
}
