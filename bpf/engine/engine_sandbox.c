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
/* Host cgroups are remembered as misses this long, then checked again. */
#define MISS_TTL_NS 500000000ull

/*
 * Every event asks this for each ancestor, so it is a hash (open
 * addressing, linear probing). Entries are never deleted, only turned into
 * misses, so probe chains stay intact.
 */
static struct engine_sandbox *slot_for(struct engine *e, uint64_t cgroup_id,
				       bool create)
{
	uint64_t h = cgroup_id * 0x9e3779b97f4a7c15ull;

	for (unsigned i = 0; i < ENGINE_SANDBOX_SLOTS; i++) {
		struct engine_sandbox *s =
			&e->sandboxes[(h + i) & (ENGINE_SANDBOX_SLOTS - 1)];

		if (s->cgroup_id == cgroup_id)
			return s;
		if (!s->cgroup_id)
			return create ? s : NULL;
	}
	return NULL; /* full: callers treat it as the host */
}

int engine__sandbox_register(struct engine *e, uint64_t cgroup_id,
			     const char *name, const char *kind)
{
	struct engine_sandbox *s = slot_for(e, cgroup_id, true);

	if (!s || !cgroup_id)
		return -1;
	s->cgroup_id = cgroup_id;
	s->miss_until_ns = 0;
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->kind, sizeof(s->kind), "%s", kind ? kind : "ns");
	s->registered = true;
	return 0;
}

void engine__sandbox_unregister(struct engine *e, uint64_t cgroup_id)
{
	struct engine_sandbox *s = slot_for(e, cgroup_id, false);

	/* a miss that expires at once: the slot stays in its probe chain */
	if (s) {
		s->name[0] = 0;
		s->registered = false;
		s->miss_until_ns = 0;
	}
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
	struct engine_sandbox *slot;
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (stat(dir, &st))
		return;
	slot = slot_for(e, st.st_ino, false);
	if (!slot || !slot->name[0]) {
		engine__sandbox_register(e, st.st_ino, name, kind);
		slot = slot_for(e, st.st_ino, false);
		if (slot)
			slot->registered = false;
	}
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
	struct engine_sandbox *s;
	uint64_t now;

	if (!cgroup_id)
		return NULL;
	s = slot_for(e, cgroup_id, false);
	if (s && s->name[0])
		goto found;
	now = now_mono_ns();
	if (s && now < s->miss_until_ns)
		return NULL; /* a host cgroup, checked a moment ago */
	if (now - e->sandbox_scan_ns > SCAN_INTERVAL_NS) {
		e->sandbox_scan_ns = now;
		rescan(e);
		s = slot_for(e, cgroup_id, false);
		if (s && s->name[0])
			goto found;
	}
	s = slot_for(e, cgroup_id, true);
	if (s) {
		s->cgroup_id = cgroup_id;
		s->miss_until_ns = now + MISS_TTL_NS;
	}
	return NULL;
found:
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
