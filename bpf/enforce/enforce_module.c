// SPDX-License-Identifier: GPL-2.0
/*
 * The enforce module inside the engine: the enforcer's fds in the engine's
 * loop, its records turned into events, and the socket requests
 * policy.apply / policy.delete / policy.list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <json-c/json.h>

#include "engine/engine.h"
#include "enforce/enforce_abi.h"
#include "enforce/enforce_render.h"
#include "enforce/enforcer.h"
#include "enforce/policy.h"
#include "proc/proc_tree.h"
#include "util/jw.h"
#include "util/log.h"

#define MAX_FILES_PER_APPLY 32

struct enforce_mod {
	struct engine *e;
	struct enforcer *en;
};

static int on_record(struct engine *e, const void *rec, size_t len, void *ctx)
{
	const struct bl_hdr *h = rec;
	struct enforce_mod *m = ctx;
	struct enf_render_ctx rc = { .e = e };
	struct bl_event ev = { 0 };
	struct enf_event settled;

	if (h->op != BL_OP_ENFORCE)
		return 0;
	if (h->flags == ENF_REC_DEATH && len >= sizeof(struct enf_death)) {
		const struct enf_death *d = rec;

		enforcer__count_death(m->en, h->ktime - d->kill_ktime);
		return 0;
	}
	if (h->flags != ENF_REC_MATCH || len < sizeof(struct enf_event))
		return 0;
	rc.rec = rec;
	if (rc.rec->where == ENF_AT_EPERM &&
	    rc.rec->action == ENF_ACTION_SIGKILL) {
		/* its process is stopped: kill it only if the name was our file */
		memcpy(&settled, rec, sizeof(settled));
		if (!enforcer__settle_eperm(m->en, &settled))
			return 0;
		rc.rec = &settled;
		rec = &settled;
		len = sizeof(settled);
	}
	rc.mechanism = enforcer__mechanism(m->en, rc.rec);
	enforcer__count_event(m->en, rc.rec);
	enforcer__describe(m->en, rc.rec, &rc.mi);
	ev.op = BL_OP_ENFORCE;
	ev.ktime = h->ktime;
	ev.rec = rec;
	ev.len = len;
	ev.type = enf_event_type(&rc.mi);
	ev.proc = proc_tree__find(engine__procs(e), rc.rec->pid);
	if (rc.rec->sbx)
		ev.sandbox = engine__sandbox_name(e, rc.rec->sbx, NULL);
	ev.render = enf_render;
	ev.render_compact = enf_render_compact;
	ev.ctx = &rc;
	engine__emit(e, &ev);
	return 0;
}

static int on_lease(struct engine *e, int fd, uint32_t events, void *ctx)
{
	struct enforce_mod *m = ctx;

	(void)e;
	(void)fd;
	(void)events;
	return enforcer__on_lease(m->en);
}

static int on_inotify(struct engine *e, int fd, uint32_t events, void *ctx)
{
	struct enforce_mod *m = ctx;

	(void)e;
	(void)fd;
	(void)events;
	return enforcer__on_inotify(m->en);
}

static void on_tick(struct engine *e, uint64_t now_ns, void *ctx)
{
	struct enforce_mod *m = ctx;

	(void)e;
	(void)now_ns;
	enforcer__tick(m->en);
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* {"op":"policy.apply","files":[{"file":NAME,"yaml":TEXT},...]}: all or nothing. */
static int req_apply(struct engine *e, struct json_object *req,
		     struct jw *reply, char *err, size_t errlen, void *ctx)
{
	struct policy *pols[MAX_FILES_PER_APPLY];
	struct enforce_mod *m = ctx;
	struct json_object *files;
	int n = 0, ret = 0;
	size_t count;

	(void)e;
	if (!json_object_object_get_ex(req, "files", &files) ||
	    !json_object_is_type(files, json_type_array)) {
		snprintf(err, errlen,
			 "policy.apply needs \"files\": [{file, yaml}]");
		return -EINVAL;
	}
	count = json_object_array_length(files);
	if (!count || count > MAX_FILES_PER_APPLY) {
		snprintf(err, errlen, "policy.apply takes 1 to %d files",
			 MAX_FILES_PER_APPLY);
		return -EINVAL;
	}
	for (size_t i = 0; i < count && !ret; i++) {
		struct json_object *f = json_object_array_get_idx(files, i);
		const char *name = jstr(f, "file"), *yaml = jstr(f, "yaml");

		if (!name || !yaml) {
			snprintf(err, errlen,
				 "each file needs \"file\" and \"yaml\"");
			ret = -EINVAL;
			break;
		}
		/* the engine trusts nothing a client parsed: parse again */
		ret = policy_parse(yaml, strlen(yaml), name, &pols[n], err,
				   errlen);
		if (!ret)
			n++;
	}
	for (int i = 0; i < n && !ret; i++)
		for (int j = 0; j < i; j++)
			if (!strcmp(pols[i]->name, pols[j]->name)) {
				snprintf(err, errlen,
					 "%s and %s both define policy \"%s\"",
					 pols[j]->file, pols[i]->file,
					 pols[i]->name);
				ret = -EINVAL;
			}
	if (!ret)
		ret = enforcer__apply(m->en, pols, n, err, errlen);
	if (ret) {
		for (int i = 0; i < n; i++)
			policy_free(pols[i]);
		return ret;
	}
	jw_key(reply, "applied");
	jw_arr_begin(reply);
	for (int i = 0; i < n; i++)
		jw_string(reply, pols[i]->name);
	jw_arr_end(reply);
	return 0;
}

static int req_delete(struct engine *e, struct json_object *req,
		      struct jw *reply, char *err, size_t errlen, void *ctx)
{
	struct enforce_mod *m = ctx;
	const char *name = jstr(req, "name");

	(void)e;
	if (!name) {
		snprintf(err, errlen, "policy.delete needs \"name\"");
		return -EINVAL;
	}
	jw_kstr(reply, "deleted", name);
	return enforcer__delete(m->en, name, err, errlen);
}

static int req_list(struct engine *e, struct json_object *req, struct jw *reply,
		    char *err, size_t errlen, void *ctx)
{
	struct enforce_mod *m = ctx;

	(void)e;
	(void)req;
	(void)err;
	(void)errlen;
	enforcer__list(m->en, reply);
	return 0;
}

static void enforce_unload(struct engine *e, void *state)
{
	struct enforce_mod *m = state;

	if (!m)
		return;
	if (m->en) {
		engine__remove_fd(e, enforcer__lease_fd(m->en));
		engine__remove_fd(e, enforcer__inotify_fd(m->en));
	}
	enforcer__close(m->en);
	free(m);
}

static int enforce_load(struct engine *e, void **state)
{
	struct enforce_mod *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	m->e = e;
	err = enforcer__open(&m->en);
	if (err)
		goto fail;
	err = engine__add_ringbuf(e, "enforce", enforcer__rb_fd(m->en),
				  enforcer__stats_fd(m->en), on_record, m);
	if (!err)
		err = engine__add_fd(e, enforcer__lease_fd(m->en), EPOLLIN,
				     on_lease, m);
	if (!err)
		err = engine__add_fd(e, enforcer__inotify_fd(m->en), EPOLLIN,
				     on_inotify, m);
	if (!err)
		err = engine__on_tick(e, on_tick, m);
	if (!err)
		err = engine__add_request(e, "policy.apply", req_apply, m);
	if (!err)
		err = engine__add_request(e, "policy.delete", req_delete, m);
	if (!err)
		err = engine__add_request(e, "policy.list", req_list, m);
	if (err)
		goto fail;
	*state = m;
	return 0;
fail:
	enforce_unload(e, m);
	return err;
}

ENGINE_MODULE(
	enforce, .name = "enforce",
	.summary =
		"TracingPolicy enforcement: kill before effect, deny in cgroup hooks",
	.load = enforce_load, .unload = enforce_unload, .order = 20,
	.default_on = true);
