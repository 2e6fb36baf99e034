// SPDX-License-Identifier: GPL-2.0
/*
 * `bpflab netpol`: CiliumNetworkPolicy by identity. Every subcommand is a
 * request to the running engine (started with `bpflab engine --daemon` when
 * none is up, because a policy must outlive this command).
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/cli.h"
#include "engine/engine.h"
#include "netpol/cnp.h"
#include "util/jw.h"

static const char usage[] =
	"Usage: bpflab netpol apply [--mode enforce|audit] FILE\n"
	"       bpflab netpol delete NAME\n"
	"       bpflab netpol list [--json]\n"
	"       bpflab netpol explain [--mode enforce|audit] [--json] FILE\n"
	"       bpflab netpol check --from EP --to EP --port P [--protocol tcp|udp] [--json]\n"
	"       bpflab netpol endpoint add NAME [--ip IP] [--label K=V]... [--netns NS]\n"
	"                                  [--ifname IF] [--cgroup DIR]\n"
	"       bpflab netpol endpoint rm NAME\n"
	"\n"
	"Network policy by identity, as Cilium: each distinct label set of an\n"
	"endpoint is a numeric identity (host 1, world 2, others from 256), an\n"
	"ipcache maps addresses to identities, and the kernel decides on\n"
	"(identity, peer identity, port, protocol, direction). An endpoint that a\n"
	"policy selects is default-deny in that direction; deny rules win.\n"
	"\n"
	"  apply      install the CiliumNetworkPolicy documents of FILE (cilium.io/v2;\n"
	"             the subset is in docs/netpol.md). A policy of the same name is\n"
	"             replaced. The switch is atomic; a file with an error (reported\n"
	"             as FILE:LINE:COL) changes nothing. --mode audit lets would-be\n"
	"             drops through and logs them as AUDIT flows.\n"
	"  delete     remove a policy by metadata.name.\n"
	"  list       policies, endpoints and their identities.\n"
	"  explain    without applying: which endpoints FILE's policies select, each\n"
	"             rule with where it is enforced, and the allow matrix between\n"
	"             endpoints (and world) on the ports the policy names, each cell\n"
	"             with the rule that decides it. HTTP rules are shown as\n"
	"             visibility only. --json for the same as one JSON object.\n"
	"  check      would EP reach EP on port P? Runs the kernel's decision on a\n"
	"             crafted packet (BPF_PROG_TEST_RUN): no packet is sent. EP is an\n"
	"             endpoint name or an IPv4 address. Prints allowed, denied or\n"
	"             audit and the rule that decided.\n"
	"  endpoint   declare (add: again to readdress or relabel) or forget an\n"
	"             endpoint. --netns/--ifname: the link its traffic crosses (tc\n"
	"             ingress+egress go there); --cgroup: its cgroup v2 directory\n"
	"             (connect4/sendmsg4 deny with EPERM there).\n"
	"\n"
	"Policy verdicts are flows: `bpflab events` shows them with the policy name.\n"
	"\n"
	"Exit status: 0 done (check: allowed or audit), 1 the engine refused or\n"
	"failed (check: denied), 2 bad arguments or input (nothing changed).\n";

/* Send one request; *out is the parsed reply on success. */
static int call(const char *verb, struct jw *w, struct json_object **out)
{
	struct json_object *reply, *v;
	char *line = NULL;
	int err;

	*out = NULL;
	if (!jw_str(w))
		return EXIT_FAIL;
	err = engine_client_ensure_daemon();
	if (err) {
		fprintf(stderr, "bpflab netpol %s: no engine: %s\n", verb,
			strerror(-err));
		return EXIT_FAIL;
	}
	err = engine_client_call(jw_str(w), &line);
	if (err) {
		fprintf(stderr, "bpflab netpol %s: %s\n", verb, strerror(-err));
		return EXIT_FAIL;
	}
	reply = json_tokener_parse(line);
	free(line);
	if (!reply || !json_object_object_get_ex(reply, "ok", &v)) {
		fprintf(stderr, "bpflab netpol %s: bad reply from the engine\n",
			verb);
		json_object_put(reply);
		return EXIT_FAIL;
	}
	if (!json_object_get_boolean(v)) {
		json_object_object_get_ex(reply, "error", &v);
		fprintf(stderr, "bpflab netpol %s: %s\n", verb,
			v ? json_object_get_string(v) : "failed");
		json_object_put(reply);
		return EXIT_FAIL;
	}
	*out = reply;
	return EXIT_OK;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
		       json_object_get_string(v) :
		       "";
}

static struct json_object *arr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
			       json_object_is_type(v, json_type_array) ?
		       v :
		       NULL;
}

static void print_json(struct json_object *o)
{
	json_object_object_del(o, "ok");
	printf("%s\n", json_object_to_json_string_ext(
			       o, JSON_C_TO_STRING_PRETTY |
					  JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void print_explain(struct json_object *reply)
{
	struct json_object *pols = arr(reply, "policies");

	for (size_t i = 0; pols && i < json_object_array_length(pols); i++) {
		struct json_object *p = json_object_array_get_idx(pols, i);
		struct json_object *a;

		printf("policy %s (%s)\n  default deny:", str(p, "name"),
		       str(p, "mode"));
		a = arr(p, "default_deny");
		for (size_t j = 0; a && j < json_object_array_length(a); j++)
			printf(" %s", json_object_get_string(
					      json_object_array_get_idx(a, j)));
		printf("\n  selects:");
		a = arr(p, "selects");
		for (size_t j = 0; a && j < json_object_array_length(a); j++)
			printf(" %s", json_object_get_string(
					      json_object_array_get_idx(a, j)));
		if (!a || !json_object_array_length(a))
			printf(" (no endpoint yet)");
		printf("\n  enforced at:\n");
		a = arr(p, "enforced_at");
		for (size_t j = 0; a && j < json_object_array_length(a); j++)
			printf("    %s\n",
			       json_object_get_string(
				       json_object_array_get_idx(a, j)));
		printf("  rules:\n");
		a = arr(p, "rules");
		for (size_t j = 0; a && j < json_object_array_length(a); j++) {
			struct json_object *r = json_object_array_get_idx(a, j);

			printf("    line %s: %s\n", str(r, "line"),
			       str(r, "rule"));
			if (*str(r, "note"))
				printf("      note: %s\n", str(r, "note"));
		}
		printf("  matrix:\n    %-20s %-20s %-10s %-8s %s\n", "FROM",
		       "TO", "PORT", "VERDICT", "BY");
		a = arr(p, "matrix");
		for (size_t j = 0; a && j < json_object_array_length(a); j++) {
			struct json_object *r = json_object_array_get_idx(a, j);
			char port[24];

			snprintf(port, sizeof(port), "%s/%s",
				 strcmp(str(r, "port"), "0") != 0 ?
					 str(r, "port") :
					 "*",
				 str(r, "protocol"));
			printf("    %-20s %-20s %-10s %-8s %s\n",
			       str(r, "from"), str(r, "to"), port,
			       str(r, "verdict"), str(r, "by"));
		}
		printf("\n");
	}
}

/* Read FILE, validate it here (bad input never reaches the engine), build the request. */
static int policy_request(const char *op, const char *file, const char *mode,
			  struct jw *w)
{
	struct cnp *pols = NULL;
	char *buf, err[1024];
	size_t len;
	FILE *f;
	int n, ret;

	f = fopen(file, "r");
	if (!f) {
		fprintf(stderr, "bpflab netpol: %s: %s\n", file,
			strerror(errno));
		return EXIT_USAGE;
	}
	buf = malloc(1 << 20);
	len = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	if (!buf)
		return EXIT_FAIL;
	buf[len] = '\0';
	ret = cnp_parse(file, buf, len, &pols, &n, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err);
		free(buf);
		return EXIT_USAGE;
	}
	free(pols);
	jw_obj_begin(w);
	jw_kstr(w, "op", op);
	jw_kstr(w, "file", file);
	jw_kstr(w, "yaml", buf);
	jw_kstr(w, "mode", mode ? mode : "enforce");
	jw_obj_end(w);
	free(buf);
	return EXIT_OK;
}

static int bad_mode(const char *mode)
{
	if (mode && strcmp(mode, "audit") != 0 &&
	    strcmp(mode, "enforce") != 0) {
		fprintf(stderr,
			"bpflab netpol: --mode %s: use enforce or audit\n",
			mode);
		return 1;
	}
	return 0;
}

static int do_apply(int argc, char **argv, bool explain)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{},
	};
	const char *mode = NULL, *verb = explain ? "explain" : "apply";
	struct json_object *reply;
	bool json = false;
	struct jw w;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "m:j", opts, NULL)) != -1) {
		if (c == 'm')
			mode = optarg;
		else if (c == 'j')
			json = true;
		else
			return EXIT_USAGE;
	}
	if (optind != argc - 1 || bad_mode(mode)) {
		fprintf(stderr,
			"usage: bpflab netpol %s [--mode enforce|audit] FILE\n",
			verb);
		return EXIT_USAGE;
	}
	jw_init(&w);
	rc = policy_request(explain ? "netpol.explain" : "netpol.apply",
			    argv[optind], mode, &w);
	if (!rc)
		rc = call(verb, &w, &reply);
	jw_free(&w);
	if (rc)
		return rc;
	if (json) {
		print_json(reply);
	} else if (explain) {
		print_explain(reply);
	} else {
		struct json_object *names = arr(reply, "applied");

		struct json_object *ms;
		double load_ms =
			json_object_object_get_ex(reply, "load_ms", &ms) ?
				json_object_get_double(ms) :
				0;

		for (size_t i = 0; names && i < json_object_array_length(names);
		     i++)
			printf("applied %s (%s), generation %s, %s policy keys written in %.3f ms\n",
			       json_object_get_string(
				       json_object_array_get_idx(names, i)),
			       str(reply, "mode"), str(reply, "generation"),
			       str(reply, "keys"), load_ms);
	}
	json_object_put(reply);
	return EXIT_OK;
}

static int do_delete(int argc, char **argv)
{
	struct json_object *reply;
	struct jw w;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: bpflab netpol delete NAME\n");
		return EXIT_USAGE;
	}
	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "op", "netpol.delete");
	jw_kstr(&w, "name", argv[1]);
	jw_obj_end(&w);
	rc = call("delete", &w, &reply);
	jw_free(&w);
	json_object_put(reply);
	return rc;
}

static int do_list(int argc, char **argv)
{
	bool json = argc > 1 && !strcmp(argv[1], "--json");
	struct json_object *reply, *a;
	struct jw w;
	int rc;

	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "op", "netpol.list");
	jw_obj_end(&w);
	rc = call("list", &w, &reply);
	jw_free(&w);
	if (rc)
		return rc;
	if (json) {
		print_json(reply);
		json_object_put(reply);
		return EXIT_OK;
	}
	printf("generation %s, %s policy keys, %s identities\n\n",
	       str(reply, "generation"), str(reply, "keys"),
	       str(reply, "identities"));
	printf("%-24s %-8s %-6s %s\n", "POLICY", "MODE", "RULES", "FILE");
	a = arr(reply, "policies");
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		struct json_object *p = json_object_array_get_idx(a, i);

		printf("%-24s %-8s %-6s %s\n", str(p, "name"), str(p, "mode"),
		       str(p, "rules"), str(p, "file"));
	}
	printf("\n%-20s %-16s %-9s %s\n", "ENDPOINT", "IP", "IDENTITY",
	       "LABELS");
	a = arr(reply, "endpoints");
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		struct json_object *p = json_object_array_get_idx(a, i), *l;

		json_object_object_get_ex(p, "labels", &l);
		printf("%-20s %-16s %-9s %s\n", str(p, "name"), str(p, "ip"),
		       str(p, "identity"),
		       l ? json_object_to_json_string_ext(
				   l, JSON_C_TO_STRING_PLAIN) :
			   "");
	}
	json_object_put(reply);
	return EXIT_OK;
}

static int do_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'p' },
		{ "protocol", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{},
	};
	const char *from = NULL, *to = NULL, *proto = "tcp";
	struct json_object *reply;
	bool json = false;
	long port = 0;
	char *end;
	struct jw w;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:t:p:P:j", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'P':
			proto = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'p':
			port = strtol(optarg, &end, 10);
			if (*end || port < 1 || port > 65535)
				port = -1;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (!from || !to || port <= 0 || optind != argc) {
		fprintf(stderr,
			"usage: bpflab netpol check --from EP --to EP --port 1-65535 [--protocol tcp|udp]\n");
		return EXIT_USAGE;
	}
	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "op", "netpol.check");
	jw_kstr(&w, "from", from);
	jw_kstr(&w, "to", to);
	jw_kint(&w, "port", port);
	jw_kstr(&w, "protocol", proto);
	jw_obj_end(&w);
	rc = call("check", &w, &reply);
	jw_free(&w);
	if (rc)
		return rc;
	if (json)
		print_json(reply);
	else
		printf("%s: %s -> %s:%ld/%s (%s, identity %s -> %s)\n  by %s\n",
		       str(reply, "verdict"), from, to, port, proto,
		       str(reply, "direction"), str(reply, "from_identity"),
		       str(reply, "to_identity"), str(reply, "rule"));
	rc = strcmp(str(reply, "verdict"), "denied") ? EXIT_OK : EXIT_FAIL;
	json_object_put(reply);
	return rc;
}

static int do_endpoint(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "label", required_argument, NULL, 'l' },
		{ "netns", required_argument, NULL, 'n' },
		{ "ifname", required_argument, NULL, 'I' },
		{ "cgroup", required_argument, NULL, 'c' },
		{},
	};
	const char *ip = NULL, *netns = NULL, *ifname = NULL, *cgroup = NULL;
	struct json_object *reply;
	const char *labels[32];
	int nlabels = 0, c, rc;
	bool add;
	struct jw w;

	if (argc < 3 ||
	    (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "rm") != 0)) {
		fprintf(stderr,
			"usage: bpflab netpol endpoint add|rm NAME [options]\n");
		return EXIT_USAGE;
	}
	add = !strcmp(argv[1], "add");
	optind = 3;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			ip = optarg;
			break;
		case 'n':
			netns = optarg;
			break;
		case 'I':
			ifname = optarg;
			break;
		case 'c':
			cgroup = optarg;
			break;
		case 'l':
			if (nlabels == 32 || !strchr(optarg, '=') ||
			    optarg[0] == '=') {
				fprintf(stderr,
					"bpflab netpol: --label %s: want KEY=VALUE (at most 32)\n",
					optarg);
				return EXIT_USAGE;
			}
			labels[nlabels++] = optarg;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc ||
	    (!add && (ip || nlabels || netns || ifname || cgroup))) {
		fprintf(stderr,
			"usage: bpflab netpol endpoint add|rm NAME [options]\n");
		return EXIT_USAGE;
	}
	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "op", add ? "netpol.endpoint" : "netpol.endpoint_rm");
	jw_kstr(&w, "name", argv[2]);
	if (ip)
		jw_kstr(&w, "ip", ip);
	if (netns)
		jw_kstr(&w, "netns", netns);
	if (ifname)
		jw_kstr(&w, "ifname", ifname);
	if (cgroup)
		jw_kstr(&w, "cgroup", cgroup);
	if (add) {
		jw_key(&w, "labels");
		jw_obj_begin(&w);
		for (int i = 0; i < nlabels; i++) {
			char key[128];
			const char *eq = strchr(labels[i], '=');

			snprintf(key, sizeof(key), "%.*s",
				 (int)(eq - labels[i]), labels[i]);
			jw_kstr(&w, key, eq + 1);
		}
		jw_obj_end(&w);
	}
	jw_obj_end(&w);
	rc = call("endpoint", &w, &reply);
	jw_free(&w);
	if (!rc && add)
		printf("endpoint %s: identity %s\n", argv[2],
		       str(reply, "identity"));
	json_object_put(reply);
	return rc;
}

static int run_netpol(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (cli_wants_help(argc, argv) || argc < 2) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (!strcmp(sub, "apply"))
		return do_apply(argc - 1, argv + 1, false);
	if (!strcmp(sub, "explain"))
		return do_apply(argc - 1, argv + 1, true);
	if (!strcmp(sub, "delete"))
		return do_delete(argc - 1, argv + 1);
	if (!strcmp(sub, "list"))
		return do_list(argc - 1, argv + 1);
	if (!strcmp(sub, "check"))
		return do_check(argc - 1, argv + 1);
	if (!strcmp(sub, "endpoint"))
		return do_endpoint(argc - 1, argv + 1);
	fprintf(stderr, "bpflab netpol: unknown subcommand '%s'\n%s", sub,
		usage);
	return EXIT_USAGE;
}

CLI_COMMAND(
	netpol, .name = "netpol",
	.summary =
		"network policy by identity (CiliumNetworkPolicy, enforced at tc and cgroup hooks)",
	.usage = usage, .run = run_netpol, .needs_root = true, .order = 45);
