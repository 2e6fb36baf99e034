// SPDX-License-Identifier: GPL-2.0
/*
 * The client side of policies held by vm guests, for `bpflab policy`
 * (apply --sandbox VM sends "vm.policy.apply" to the engine's vm module,
 * vm_policy_req.c, which forwards the files to that guest): list adds the
 * guests' policies to the host's; delete looks in the guests first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "engine/engine.h"
#include "lab/sandbox/vm.h"
#include "util/jw.h"

/* One request; the parsed reply if it says ok, else NULL and *why. */
static struct json_object *call(const char *req, char *why, size_t whylen)
{
	struct json_object *rep, *v;
	char *text = NULL;
	int err = engine_client_call(req, &text);

	if (err) {
		snprintf(why, whylen, "engine: %s", strerror(-err));
		return NULL;
	}
	rep = json_tokener_parse(text);
	free(text);
	if (rep && json_object_object_get_ex(rep, "ok", &v) &&
	    json_object_get_boolean(v))
		return rep;
	snprintf(why, whylen, "%s",
		 rep && json_object_object_get_ex(rep, "error", &v) ?
			 json_object_get_string(v) :
			 "bad reply from the engine");
	json_object_put(rep);
	return NULL;
}

int vm_policy_cli_delete(const char *name)
{
	struct json_object *rep, *from;
	char why[512];
	struct jw w;

	if (!engine_is_running())
		return -ENOENT;
	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "op", "vm.policy.delete");
	jw_kstr(&w, "name", name);
	jw_obj_end(&w);
	rep = jw_str(&w) ? call(jw_str(&w), why, sizeof(why)) : NULL;
	jw_free(&w);
	if (!rep)
		return -ENOENT; /* no guest holds it: the host's enforcer may */
	if (json_object_object_get_ex(rep, "deleted_from", &from))
		for (size_t i = 0; i < json_object_array_length(from); i++)
			printf("policy %s deleted from vm %s\n", name,
			       json_object_get_string(
				       json_object_array_get_idx(from, i)));
	json_object_put(rep);
	return 0;
}

struct json_object *vm_policy_cli_list(void)
{
	struct json_object *rep, *pols = NULL;
	char why[512];

	rep = call("{\"op\":\"vm.policy.list\"}", why, sizeof(why));
	if (rep && json_object_object_get_ex(rep, "policies", &pols))
		json_object_get(pols);
	json_object_put(rep);
	return pols;
}
