// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup id → sandbox name. The lab registers sandboxes it makes; for any
 * other cgroup under the bpflab cgroup dir (made by another bpflab process,
 * or nested by runc/containerd) a rate-limited scan finds the owner: the
 * first-level directory name. Kinds come from the lab's state files.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "engine/engine_priv.h"
#include "proc/proc_tree.h"
#include "util/paths.h"
#include "util/util.h"

#define SCAN_INTERVAL_NS 500000000ull

static struct engine_sandbox *slot_for(struct engine *e, uint64_t cgroup_id,
				       bool create)
{
	struct engine_sandbox *free_slot = NULL;

	for (int i = 0; i < ENGINE_MAX_SANDBOXES; i++) {
		struct engine_sandbox *s = &e->sandboxes[i];

		if (s->cgroup_id == cgroup_id)
			return s;
		if (!s->cgroup_id && !free_slot)
			free_slot = s;
	}
	return create ? free_slot : NULL;
}

int engine__sandbox_register(struct engine *e, uint64_t cgroup_id,
			     const char *name, const char *kind)
{
	struct engine_sandbox *s = slot_for(e, cgroup_id, true);

	if (!s)
		return -1;
	s->cgroup_id = cgroup_id;
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->kind, sizeof(s->kind), "%s", kind ? kind : "ns");
	s->registered = true;
	return 0;
}

void engine__sandbox_unregister(struct engine *e, uint64_t cgroup_id)
{
	struct engine_sandbox *s = slot_for(e, cgroup_id, false);

	if (s)
		memset(s, 0, sizeof(*s));
}

static void kind_from_state(const char *name, char *kind, size_t size)
{
	char rel[128], path[512];
	struct json_object *o, *k;

	snprintf(kind, size, "ns");
	if (strlen(name) > 64)
		return;
	snprintf(rel, sizeof(rel), "sandboxes/%.64s.json", name);
	o = json_object_from_file(bl_run_path(path, sizeof(path), rel));
	if (!o)
		return;
	if (json_object_object_get_ex(o, "kind", &k))
		snprintf(kind, size, "%s", json_object_get_string(k));
	json_object_put(o);
}

/* Map dir and its descendants (2 levels: runc/containerd nest) to name. */
static void scan_dir(struct engine *e, const char *dir, const char *name,
		     const char *kind, int depth)
{
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (stat(dir, &st))
		return;
	if (!slot_for(e, st.st_ino, false))
		engine__sandbox_register(e, st.st_ino, name, kind);
	slot_for(e, st.st_ino, false)->registered = false;
	if (depth <= 0 || !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		char sub[1024];

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		scan_dir(e, sub, name, kind, depth - 1);
	}
	closedir(d);
}

static void rescan(struct engine *e)
{
	struct dirent *de;
	DIR *d = opendir(BL_CGROUP_DIR);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char dir[512], kind[16];

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", BL_CGROUP_DIR, de->d_name);
		kind_from_state(de->d_name, kind, sizeof(kind));
		scan_dir(e, dir, de->d_name, kind, 2);
	}
	closedir(d);
}

const char *engine__sandbox_name(struct engine *e, uint64_t cgroup_id,
				 const char **kind)
{
	struct engine_sandbox *s = slot_for(e, cgroup_id, false);
	uint64_t now;

	if (!s && cgroup_id) {
		now = now_mono_ns();
		if (now - e->sandbox_scan_ns > SCAN_INTERVAL_NS) {
			e->sandbox_scan_ns = now;
			rescan(e);
			s = slot_for(e, cgroup_id, false);
		}
	}
	if (!s)
		return NULL;
	if (kind)
		*kind = s->kind;
	return s->name;
}

/*
 * A process belongs to a sandbox if its cgroup does, or any ancestor's does:
 * leaving the cgroup (writing to a parent cgroup.procs) does not leave the
 * sandbox.
 */
const char *engine__sandbox_of_proc(struct engine *e, const struct proc_node *p,
				    const char **kind)
{
	for (int n = 0; p && n < 64; p = p->parent, n++) {
		const char *name = engine__sandbox_name(e, p->cgroup_id, kind);

		if (name)
			return name;
	}
	return NULL;
}
