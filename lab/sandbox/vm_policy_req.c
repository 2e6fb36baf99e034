// SPDX-License-Identifier: GPL-2.0
/*
 * `bpflab policy apply --sandbox VM FILE...` outside scenarios: the engine's
 * vm module takes "vm.policy.apply", parses each TracingPolicy again (it
 * trusts nothing a client parsed) and forwards it to that guest's agent over
 * the relay, where BPF-LSM enforces it. "vm.policy.list" and
 * "vm.policy.delete" read and drop what vm_policy.c recorded per guest. The
 * host's own enforcer never sees these policies: the guest runs its kernel.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "engine/engine.h"
#include "enforce/policy.h"
#include "lab/sandbox/vm.h"
#include "util/jw.h"

#define VM_POLICY_FILES_MAX 16

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* A running vm sandbox by name, or a message saying why not. */
static int load_vm(const char *name, struct sandbox *sb, char *err,
		   size_t errlen)
{
	if (!name || !sandbox_name_valid(name) || sandbox_load(name, sb)) {
		snprintf(err, errlen, "no sandbox named '%s'",
			 name ? name : "");
		return -ENOENT;
	}
	if (strcmp(sb->kind, "vm")) {
		snprintf(err, errlen,
			 "sandbox %s is kind %s: --sandbox takes a vm sandbox "
			 "(policies reach the others through matchSandboxes)",
			 name, sb->kind);
		return -EINVAL;
	}
	if (!sandbox_alive(sb)) {
		snprintf(err, errlen, "vm %s is not running", name);
		return -ESRCH;
	}
	return 0;
}

/* Every file parses before the guest hears of any. */
static int parse_all(struct json_object *files, struct policy **pols, int *n,
		     char *err, size_t errlen)
{
	size_t count = files && json_object_is_type(files, json_type_array) ?
			       json_object_array_length(files) :
			       0;
	int ret = 0;

	*n = 0;
	if (!count || count > VM_POLICY_FILES_MAX) {
		snprintf(
			err, errlen,
			"vm.policy.apply needs \"files\": 1 to %d {file, yaml}",
			VM_POLICY_FILES_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < count && !ret; i++) {
		struct json_object *f = json_object_array_get_idx(files, i);
		const char *file = jstr(f, "file"), *yaml = jstr(f, "yaml");

		if (!file || !yaml) {
			snprintf(err, errlen,
				 "each file needs \"file\" and \"yaml\"");
			return -EINVAL;
		}
		ret = policy_parse(yaml, strlen(yaml), file, &pols[*n], err,
				   errlen);
		if (!ret)
			(*n)++;
	}
	return ret;
}

/* {"op":"vm.policy.apply","sandbox":VM,"files":[{file,yaml}]}: all or none */
static int req_apply(struct engine *e, struct json_object *req,
		     struct jw *reply, char *err, size_t errlen, void *ctx)
{
	struct policy *pols[VM_POLICY_FILES_MAX];
	struct json_object *files = NULL;
	struct sandbox sb;
	int n = 0, done = 0, ret;

	(void)e;
	(void)ctx;
	ret = load_vm(engine_req_str(req, "sandbox"), &sb, err, errlen);
	if (!ret) {
		json_object_object_get_ex(req, "files", &files);
		ret = parse_all(files, pols, &n, err, errlen);
	}
	for (; !ret && done < n; done++) {
		int rc = vm_policy_apply(&sb, pols[done]);

		if (rc < 0) {
			snprintf(err, errlen, "vm %s refused policy %s: %s",
				 sb.name, pols[done]->name, strerror(-rc));
			ret = rc;
			break;
		}
	}
	if (ret) /* take back what this request applied */
		for (int i = 0; i < done; i++)
			vm_policy_remove(&sb, pols[i]->name);
	if (!ret) {
		jw_kstr(reply, "sandbox", sb.name);
		jw_key(reply, "applied");
		jw_arr_begin(reply);
		for (int i = 0; i < n; i++)
			jw_string(reply, pols[i]->name);
		jw_arr_end(reply);
	}
	for (int i = 0; i < n; i++)
		policy_free(pols[i]);
	return ret;
}

/* One guest's recorded policies as list rows. */
static void list_one(const struct sandbox *sb, struct jw *w)
{
	char dir[PATH_MAX], path[PATH_MAX + 300], mode[16];
	struct dirent *de;
	DIR *d;

	vm_path(dir, sizeof(dir), sb->name, "policies");
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		char text[64];
		long rules = 0;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		/* "MODE RULES" */
		snprintf(mode, sizeof(mode), "?");
		if (fgets(text, sizeof(text), f)) {
			size_t n = strcspn(text, " \n");

			if (n < sizeof(mode))
				snprintf(mode, sizeof(mode), "%.*s", (int)n,
					 text);
			rules = text[n] ? strtol(text + n + 1, NULL, 10) : 0;
		}
		fclose(f);
		jw_obj_begin(w);
		jw_kstr(w, "name", de->d_name);
		jw_kstr(w, "state", sandbox_alive(sb) ? "enabled" : "gone");
		jw_kstr(w, "mode", mode);
		jw_kint(w, "rules", rules);
		jw_kstr(w, "sandbox", sb->name);
		jw_kstr(w, "kind", "vm");
		jw_kstr(w, "mechanism", "bpf-lsm in the guest");
		jw_obj_end(w);
	}
	if (d)
		closedir(d);
}

static int req_list(struct engine *e, struct json_object *req, struct jw *reply,
		    char *err, size_t errlen, void *ctx)
{
	struct sandbox *all = NULL;
	int count = 0;

	(void)e;
	(void)req;
	(void)err;
	(void)errlen;
	(void)ctx;
	sandbox_list(&all, &count);
	jw_key(reply, "policies");
	jw_arr_begin(reply);
	for (int i = 0; i < count; i++)
		if (!strcmp(all[i].kind, "vm"))
			list_one(&all[i], reply);
	jw_arr_end(reply);
	free(all);
	return 0;
}

/* {"op":"vm.policy.delete","name":P}: from every guest that holds it */
static int req_delete(struct engine *e, struct json_object *req,
		      struct jw *reply, char *err, size_t errlen, void *ctx)
{
	const char *name = engine_req_str(req, "name");
	struct sandbox *all = NULL;
	int count = 0, found = 0, ret = 0;

	(void)e;
	(void)ctx;
	if (!name) {
		snprintf(err, errlen, "vm.policy.delete needs \"name\"");
		return -EINVAL;
	}
	sandbox_list(&all, &count);
	jw_key(reply, "deleted_from");
	jw_arr_begin(reply);
	for (int i = 0; i < count; i++) {
		int rc;

		if (strcmp(all[i].kind, "vm"))
			continue;
		rc = vm_policy_remove(&all[i], name);
		if (rc == -ENOENT)
			continue;
		found++;
		if (rc && !ret) {
			snprintf(err, errlen, "vm %s: %s", all[i].name,
				 strerror(-rc));
			ret = rc;
		}
		jw_string(reply, all[i].name);
	}
	jw_arr_end(reply);
	free(all);
	if (!ret && !found) {
		snprintf(err, errlen, "no vm sandbox holds policy '%s'", name);
		ret = -ENOENT;
	}
	return ret;
}

int vm_policy_requests_add(struct engine *e)
{
	return engine__add_request(e, "vm.policy.apply", req_apply, NULL) ?:
		       engine__add_request(e, "vm.policy.list", req_list, NULL) ?:
		       engine__add_request(e, "vm.policy.delete", req_delete,
					   NULL);
}
