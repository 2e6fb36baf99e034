// SPDX-License-Identifier: GPL-2.0
/*
 * `bpflab policy`: apply, delete, list and explain TracingPolicies. Files
 * are parsed and validated here first, so a bad policy prints
 * file:line:col and exits 2 without touching the engine; the engine parses
 * the text again and applies all files in one step.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "console/cli.h"
#include "engine/engine.h"
#include "enforce/policy.h"
#include "enforce/policy_explain.h"
#include "lab/sandbox/vm.h"
#include "util/jw.h"
#include "util/log.h"

#define MAX_FILES 32

static int read_all(const char *path, char **out)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int err = 0;

	if (!f)
		return -errno;
	do {
		if (len + 4096 >= cap) {
			char *nb = realloc(buf, cap = cap * 2 + 8192);

			if (!nb) {
				err = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	buf[len] = '\0';
	if (strlen(buf) != len)
		err = -EINVAL; /* NUL bytes: not text (the parser said so already) */
out:
	fclose(f);
	if (err)
		free(buf);
	else
		*out = buf;
	return err;
}

/* Send one request; print the engine's error and return EXIT_FAIL on failure. */
static int call(const char *verb, const char *req, struct json_object **out)
{
	struct json_object *rep, *ok;
	char *reply = NULL;
	int err = engine_client_call(req, &reply);

	*out = NULL;
	if (err) {
		fprintf(stderr, "bpflab policy %s: engine: %s\n", verb,
			strerror(-err));
		return EXIT_FAIL;
	}
	rep = json_tokener_parse(reply);
	free(reply);
	if (!rep) {
		fprintf(stderr, "bpflab policy %s: bad reply from the engine\n",
			verb);
		return EXIT_FAIL;
	}
	if (!json_object_object_get_ex(rep, "ok", &ok) ||
	    !json_object_get_boolean(ok)) {
		struct json_object *e = json_object_object_get(rep, "error");

		fprintf(stderr, "bpflab policy %s: %s\n", verb,
			e ? json_object_get_string(e) : "failed");
		json_object_put(rep);
		return EXIT_FAIL;
	}
	*out = rep;
	return EXIT_OK;
}

static int do_apply(int argc, char **argv)
{
	struct json_object *rep = NULL, *names;
	const char *vm = NULL;
	char err[1024];
	struct jw w;
	int rc = EXIT_OK, nfiles;

	/* --sandbox VM: the engine forwards the files to that guest's agent */
	if (argc > 3 && !strcmp(argv[2], "--sandbox")) {
		vm = argv[3];
		argv += 2;
		argc -= 2;
	}
	nfiles = argc - 2;
	if (nfiles < 1 || nfiles > MAX_FILES) {
		fprintf(stderr,
			"Usage: bpflab policy apply [--sandbox VM] FILE... (1 to %d files)\n",
			MAX_FILES);
		return EXIT_USAGE;
	}
	/* every file must be valid before the engine hears of any */
	for (int i = 2; i < argc; i++) {
		struct policy *p;

		if (policy_parse_file(argv[i], &p, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			rc = EXIT_USAGE;
			continue;
		}
		policy_free(p);
	}
	if (rc)
		return rc;
	rc = cli_require_root("policy apply");
	if (rc)
		return rc;
	if (engine_client_ensure_daemon()) {
		fprintf(stderr,
			"bpflab policy apply: no engine, and none could be started\n");
		return EXIT_FAIL;
	}
	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "op", vm ? "vm.policy.apply" : "policy.apply");
	if (vm)
		jw_kstr(&w, "sandbox", vm);
	jw_key(&w, "files");
	jw_arr_begin(&w);
	for (int i = 2; i < argc && !rc; i++) {
		char *text = NULL;

		if (read_all(argv[i], &text)) {
			fprintf(stderr, "bpflab policy apply: %s: unreadable\n",
				argv[i]);
			rc = EXIT_USAGE;
			break;
		}
		jw_obj_begin(&w);
		jw_kstr(&w, "file", argv[i]);
		jw_kstr(&w, "yaml", text);
		jw_obj_end(&w);
		free(text);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	if (!rc && !jw_str(&w))
		rc = EXIT_FAIL;
	if (!rc)
		rc = call("apply", jw_str(&w), &rep);
	if (!rc && json_object_object_get_ex(rep, "applied", &names))
		for (size_t i = 0; i < json_object_array_length(names); i++)
			printf("policy %s applied%s%s\n",
			       json_object_get_string(
				       json_object_array_get_idx(names, i)),
			       vm ? " in vm " : "", vm ? vm : "");
	json_object_put(rep);
	jw_free(&w);
	return rc;
}

static int do_delete(int argc, char **argv)
{
	struct json_object *rep = NULL;
	struct jw w;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "Usage: bpflab policy delete NAME\n");
		return EXIT_USAGE;
	}
	if (!vm_policy_cli_delete(argv[2]))
		return EXIT_OK; /* the guests that held it dropped it */
	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "op", "policy.delete");
	jw_kstr(&w, "name", argv[2]);
	jw_obj_end(&w);
	rc = jw_str(&w) ? call("delete", jw_str(&w), &rep) : EXIT_FAIL;
	if (!rc)
		printf("policy %s deleted\n", argv[2]);
	json_object_put(rep);
	jw_free(&w);
	return rc;
}

static long long jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
		       json_object_get_int64(v) :
		       0;
}

static const char *human_bytes(long long b, char *buf, size_t size)
{
	if (b >= 1 << 20)
		snprintf(buf, size, "%.1f MB", b / 1048576.0);
	else if (b >= 1 << 10)
		snprintf(buf, size, "%.1f kB", b / 1024.0);
	else
		snprintf(buf, size, "%lld B", b);
	return buf;
}

static int do_list(int argc, char **argv)
{
	bool json = argc > 2 && !strcmp(argv[2], "--json");
	struct json_object *rep, *pols = NULL, *lat, *vm_pols, *sbx;
	int rc;

	if (!engine_is_running()) {
		if (json)
			printf("{\"policies\":[]}\n");
		else
			printf("no engine running: no policies\n");
		return EXIT_OK;
	}
	rc = call("list", "{\"op\":\"policy.list\"}", &rep);
	if (rc)
		return rc;
	vm_pols = vm_policy_cli_list(); /* policies vm guests enforce */
	if (vm_pols && json_object_object_get_ex(rep, "policies", &pols))
		for (size_t i = 0; i < json_object_array_length(vm_pols); i++)
			json_object_array_add(
				pols, json_object_get(json_object_array_get_idx(
					      vm_pols, i)));
	json_object_put(vm_pols);
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(
				       rep, JSON_C_TO_STRING_PLAIN));
		json_object_put(rep);
		return EXIT_OK;
	}
	printf("%-24s %-8s %-8s %6s %8s %9s %9s %14s\n", "NAME", "STATE",
	       "MODE", "HOOKS", "NPOST", "NENFORCE", "NMONITOR",
	       "KERNEL-MEMORY");
	json_object_object_get_ex(rep, "policies", &pols);
	for (size_t i = 0; pols && i < json_object_array_length(pols); i++) {
		struct json_object *p = json_object_array_get_idx(pols, i);
		char mem[80];

		/* a guest's policy uses the guest's memory, not the host's */
		if (json_object_object_get_ex(p, "sandbox", &sbx))
			snprintf(mem, sizeof(mem), "in vm %s",
				 json_object_get_string(sbx));
		else
			human_bytes(jint(p, "kernel_memory"), mem, sizeof(mem));

		printf("%-24s %-8s %-8s %6lld %8lld %9lld %9lld %14s\n",
		       json_object_get_string(
			       json_object_object_get(p, "name")),
		       json_object_get_string(
			       json_object_object_get(p, "state")),
		       json_object_get_string(
			       json_object_object_get(p, "mode")),
		       jint(p, "hooks"), jint(p, "npost"), jint(p, "nenforce"),
		       jint(p, "nmonitor"), mem);
	}
	if (json_object_object_get_ex(rep, "kill_latency_ns", &lat) &&
	    jint(lat, "count"))
		printf("\nkills: %lld; syscall entry → death: last %.1f µs, mean "
		       "%.1f µs, max %.1f µs\n",
		       jint(lat, "count"), jint(lat, "last") / 1e3,
		       jint(lat, "mean") / 1e3, jint(lat, "max") / 1e3);
	printf("protected files: %lld, leases armed: %lld of %lld\n",
	       jint(rep, "protected_files"), jint(rep, "leases_armed"),
	       jint(rep, "leases"));
	json_object_put(rep);
	return EXIT_OK;
}

static int do_explain(int argc, char **argv)
{
	char err[1024];
	int rc = EXIT_OK;

	if (argc < 3) {
		fprintf(stderr, "Usage: bpflab policy explain FILE...\n");
		return EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		struct policy *p;

		if (policy_parse_file(argv[i], &p, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			rc = EXIT_USAGE;
			continue;
		}
		policy_explain(p, stdout);
		policy_free(p);
	}
	return rc;
}

static int run_policy(int argc, char **argv)
{
	if (argc < 2 || cli_wants_help(argc, argv)) {
		cli_print_usage(cli_find("policy"));
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (!strcmp(argv[1], "apply"))
		return do_apply(argc, argv);
	if (!strcmp(argv[1], "delete"))
		return do_delete(argc, argv);
	if (!strcmp(argv[1], "list"))
		return do_list(argc, argv);
	if (!strcmp(argv[1], "explain"))
		return do_explain(argc, argv);
	fprintf(stderr, "bpflab policy: unknown subcommand '%s'\n", argv[1]);
	cli_print_usage(cli_find("policy"));
	return EXIT_USAGE;
}

CLI_COMMAND(
	policy, .name = "policy",
	.summary = "apply, list, delete and explain TracingPolicies",
	.usage =
		"Usage: bpflab policy apply [--sandbox VM] FILE...\n"
		"       bpflab policy delete NAME\n"
		"       bpflab policy list [--json]\n"
		"       bpflab policy explain FILE...\n"
		"\n"
		"Runtime enforcement with Tetragon TracingPolicy files\n"
		"(cilium.io/v1alpha1; the supported subset is in\n"
		"docs/policies.md).\n"
		"\n"
		"apply     Parse and validate every FILE here first: an error\n"
		"          prints FILE:LINE:COL and exits 2 with nothing\n"
		"          changed. Then the engine (started in the\n"
		"          background if none runs) applies all files in one\n"
		"          step; a policy with the same metadata.name is\n"
		"          replaced. Policies live as long as the engine.\n"
		"          --sandbox VM sends them to that vm sandbox's\n"
		"          guest agent instead, which enforces them with\n"
		"          BPF-LSM in the guest's kernel (docs/vm.md); they\n"
		"          live as long as the guest.\n"
		"delete    Remove the policy NAME (from the vm guests that\n"
		"          hold it, if any; else from the host).\n"
		"list      NAME STATE MODE HOOKS NPOST NENFORCE NMONITOR\n"
		"          KERNEL-MEMORY, as `tetra tracingpolicy list`, then\n"
		"          kill latency (syscall entry to death) and leases.\n"
		"explain   For each hook: the mechanism used on this host\n"
		"          (deny, kill-before-effect, post) and what it\n"
		"          cannot cover. Needs no engine.\n"
		"\n"
		"Exit status: 0 done, 1 the engine refused or failed,\n"
		"2 bad arguments or an invalid policy, 4 not root.\n",
	.run = run_policy, .needs_root = false, .order = 30);
