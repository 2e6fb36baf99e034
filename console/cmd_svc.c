// SPDX-License-Identifier: GPL-2.0
/*
 * `bpflab svc`: services on the engine's load balancer. Input is checked
 * here first, so bad input changes nothing even when no engine runs; the
 * change itself goes to the engine over its socket, so it outlives the CLI.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/cli.h"
#include "engine/engine.h"
#include "lb/lb.h"
#include "lb/svc_yaml.h"
#include "util/jw.h"
#include "util/log.h"

static const char svc_usage[] =
	"usage: bpflab svc add NAME --vip IP:PORT[/tcp|/udp] --backend IP:PORT[@WEIGHT]...\n"
	"                      [--algorithm maglev|random] [--affinity SECONDS]\n"
	"                      [--table-size PRIME]\n"
	"       bpflab svc rm NAME\n"
	"       bpflab svc list [--json]\n"
	"       bpflab svc backends NAME [--json]\n"
	"       bpflab svc drain NAME IP:PORT\n"
	"       bpflab svc health NAME IP:PORT up|down\n"
	"       bpflab svc apply FILE\n"
	"       bpflab svc tc [--netns NAME] IFNAME\n"
	"\n"
	"Services are load-balanced by the running engine (started with\n"
	"`bpflab engine --daemon` when none is up): the socket-LB rewrites a\n"
	"VIP to a backend once per connection in connect(2)/sendmsg(2), and\n"
	"getpeername(2)/recvmsg(2) show the VIP again. Each new flow is an\n"
	"\"lb\" event in `bpflab events` (service, backend, process).\n"
	"\n"
	"  add        a new service. --backend may repeat; @WEIGHT (1-65535) biases\n"
	"             the choice. --algorithm maglev (default: consistent hashing,\n"
	"             removing a backend moves only its flows) or random.\n"
	"             --affinity keeps a client on its backend for SECONDS.\n"
	"             --table-size sets the Maglev table (prime, default 16381).\n"
	"  rm         remove a service.\n"
	"  list       services with counters: connections, bytes, no-backend drops.\n"
	"  backends   a service's backends, their state and counters.\n"
	"  drain      no new connections to that backend; established ones go on.\n"
	"  health     mark a backend down (skipped) or up again.\n"
	"  apply      Kubernetes Service + EndpointSlice YAML; services that exist\n"
	"             are updated in place (removed endpoints drain).\n"
	"  tc         attach the tc LB (DNAT, conntrack, reverse NAT, client source\n"
	"             address kept) to ingress of IFNAME, in netns NAME if given.\n"
	"\n"
	"Exit status: 0 done, 1 the engine refused or failed, 2 bad input (nothing\n"
	"changed).\n";

/* Send req (one JSON object) to the engine; *out is the parsed reply. */
static int call(const char *verb, const char *req, struct json_object **out)
{
	struct json_object *reply, *v;
	char *line = NULL;
	int err;

	*out = NULL;
	err = engine_client_ensure_daemon();
	if (err) {
		fprintf(stderr, "bpflab svc %s: no engine: %s\n", verb,
			strerror(-err));
		return EXIT_FAIL;
	}
	err = engine_client_call(req, &line);
	if (err) {
		fprintf(stderr, "bpflab svc %s: engine: %s\n", verb,
			strerror(-err));
		return EXIT_FAIL;
	}
	reply = json_tokener_parse(line);
	free(line);
	if (!reply || !json_object_object_get_ex(reply, "ok", &v)) {
		fprintf(stderr, "bpflab svc %s: bad reply from the engine\n",
			verb);
		json_object_put(reply);
		return EXIT_FAIL;
	}
	if (!json_object_get_boolean(v)) {
		json_object_object_get_ex(reply, "error", &v);
		fprintf(stderr, "bpflab svc %s: %s\n", verb,
			v ? json_object_get_string(v) : "failed");
		json_object_put(reply);
		return EXIT_FAIL;
	}
	*out = reply;
	return EXIT_OK;
}

static int call_simple(const char *verb, struct jw *w)
{
	struct json_object *reply;
	int rc;

	if (!jw_str(w))
		return EXIT_FAIL;
	rc = call(verb, jw_str(w), &reply);
	json_object_put(reply);
	return rc;
}

static uint64_t u64(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
		       (uint64_t)json_object_get_int64(v) :
		       0;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
		       json_object_get_string(v) :
		       "";
}

static void print_services(struct json_object *reply, bool backends)
{
	struct json_object *svcs, *bes;

	if (!json_object_object_get_ex(reply, "services", &svcs))
		return;
	if (!backends)
		printf("%-24s %-22s %-7s %8s %12s %12s %8s\n", "NAME", "VIP",
		       "ALGO", "BACKENDS", "CONNECTIONS", "BYTES", "DROPS");
	for (size_t i = 0; i < json_object_array_length(svcs); i++) {
		struct json_object *s = json_object_array_get_idx(svcs, i);

		if (!backends) {
			printf("%-24s %-22s %-7s %8llu %12llu %12llu %8llu\n",
			       str(s, "name"), str(s, "vip"),
			       str(s, "algorithm"),
			       (unsigned long long)u64(s, "active_backends"),
			       (unsigned long long)u64(s, "connections"),
			       (unsigned long long)u64(s, "bytes"),
			       (unsigned long long)u64(s, "no_backend_drops"));
			continue;
		}
		printf("%-22s %6s %-9s %12s %12s\n", "BACKEND", "WEIGHT",
		       "STATE", "CONNECTIONS", "BYTES");
		json_object_object_get_ex(s, "backends", &bes);
		for (size_t j = 0; bes && j < json_object_array_length(bes);
		     j++) {
			struct json_object *b =
				json_object_array_get_idx(bes, j);

			printf("%-22s %6llu %-9s %12llu %12llu\n",
			       str(b, "address"),
			       (unsigned long long)u64(b, "weight"),
			       str(b, "state"),
			       (unsigned long long)u64(b, "connections"),
			       (unsigned long long)u64(b, "bytes"));
		}
	}
}

static int bad_input(const char *verb, const char *msg)
{
	fprintf(stderr, "bpflab svc %s: %s\n", verb, msg);
	return EXIT_USAGE;
}

/* The request for one spec; its fields were already checked. */
static void spec_request(struct jw *w, const struct lb_service_spec *s,
			 const char *vip_text, char **backends, bool replace)
{
	char buf[64], ip[16];

	jw_obj_begin(w);
	jw_kstr(w, "op", "svc.add");
	jw_kstr(w, "name", s->name);
	if (vip_text) {
		jw_kstr(w, "vip", vip_text);
	} else {
		inet_ntop(AF_INET, &s->vip, ip, sizeof(ip));
		snprintf(buf, sizeof(buf), "%s:%u/%s", ip, s->port,
			 s->proto == IPPROTO_UDP ? "udp" : "tcp");
		jw_kstr(w, "vip", buf);
	}
	jw_kstr(w, "algorithm",
		s->algo == LB_ALGO_RANDOM ? "random" : "maglev");
	jw_kuint(w, "affinity_sec", s->affinity_sec);
	if (s->table_size)
		jw_kuint(w, "table_size", s->table_size);
	jw_kbool(w, "replace", replace);
	jw_key(w, "backends");
	jw_arr_begin(w);
	for (int i = 0; i < s->nbackends; i++) {
		if (backends) {
			jw_string(w, backends[i]);
			continue;
		}
		inet_ntop(AF_INET, &s->backends[i].addr, ip, sizeof(ip));
		snprintf(buf, sizeof(buf), "%s:%u@%u", ip, s->backends[i].port,
			 s->backends[i].weight);
		jw_string(w, buf);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

static int svc_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vip", required_argument, NULL, 'V' },
		{ "backend", required_argument, NULL, 'b' },
		{ "algorithm", required_argument, NULL, 'a' },
		{ "affinity", required_argument, NULL, 'A' },
		{ "table-size", required_argument, NULL, 't' },
		{},
	};
	struct lb_service_spec *s = calloc(1, sizeof(*s));
	char **bes = calloc(LB_MAX_BACKENDS, sizeof(char *));
	const char *vip = NULL;
	char err[256], *end;
	struct jw w;
	int c, rc = EXIT_USAGE;
	long v;

	if (!s || !bes)
		goto out;
	optind = 0; /* full reset: main() parsed with "+" (stop at the verb) */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'V':
			vip = optarg;
			break;
		case 'b':
			if (s->nbackends == LB_MAX_BACKENDS) {
				rc = bad_input("add", "too many backends");
				goto out;
			}
			if (lb_parse_backend(optarg, &s->backends[s->nbackends],
					     err, sizeof(err))) {
				rc = bad_input("add", err);
				goto out;
			}
			bes[s->nbackends++] = optarg;
			break;
		case 'a':
			if (strcmp(optarg, "maglev") != 0 &&
			    strcmp(optarg, "random") != 0) {
				rc = bad_input(
					"add",
					"--algorithm: use maglev or random");
				goto out;
			}
			s->algo = strcmp(optarg, "random") ? LB_ALGO_MAGLEV :
							     LB_ALGO_RANDOM;
			break;
		case 'A':
		case 't':
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 0 ||
			    v > (c == 'A' ? 86400 : MAGLEV_MAX_SIZE) ||
			    (c == 't' && !maglev_size_ok((uint32_t)v))) {
				rc = bad_input(
					"add",
					c == 'A' ?
						"--affinity: seconds, 0-86400" :
						"--table-size: a prime, at most 131071");
				goto out;
			}
			if (c == 'A')
				s->affinity_sec = (uint32_t)v;
			else
				s->table_size = (uint32_t)v;
			break;
		default:
			goto out;
		}
	}
	if (optind != argc - 1) {
		rc = bad_input("add", "one NAME is required (see --help)");
		goto out;
	}
	if (lb_check_name(argv[optind], err, sizeof(err))) {
		rc = bad_input("add", err);
		goto out;
	}
	snprintf(s->name, sizeof(s->name), "%s", argv[optind]);
	if (!vip) {
		rc = bad_input("add", "--vip IP:PORT[/tcp|/udp] is required");
		goto out;
	}
	if (lb_parse_vip(vip, &s->vip, &s->port, &s->proto, err, sizeof(err))) {
		rc = bad_input("add", err);
		goto out;
	}
	jw_init(&w);
	spec_request(&w, s, vip, bes, false);
	rc = call_simple("add", &w);
	jw_free(&w);
out:
	free(bes);
	free(s);
	return rc;
}

static int svc_apply(const char *path)
{
	struct lb_service_spec *specs;
	char err[512];
	int n, rc = EXIT_OK;

	if (lb_yaml_load(path, &specs, &n, err, sizeof(err)))
		return bad_input("apply", err);
	for (int i = 0; i < n && rc == EXIT_OK; i++) {
		struct jw w;

		jw_init(&w);
		spec_request(&w, &specs[i], NULL, NULL, true);
		rc = call_simple("apply", &w);
		jw_free(&w);
		if (rc == EXIT_OK)
			printf("service %s: %d endpoint(s)\n", specs[i].name,
			       specs[i].nbackends);
	}
	free(specs);
	return rc;
}

static int svc_show(const char *name, bool json)
{
	struct json_object *reply;
	struct jw w;
	int rc;

	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "op", "svc.list");
	if (name)
		jw_kstr(&w, "name", name);
	jw_obj_end(&w);
	rc = jw_str(&w) ? call(name ? "backends" : "list", jw_str(&w), &reply) :
			  EXIT_FAIL;
	jw_free(&w);
	if (rc)
		return rc;
	if (json)
		printf("%s\n", json_object_to_json_string_ext(
				       reply, JSON_C_TO_STRING_PLAIN));
	else
		print_services(reply, name != NULL);
	json_object_put(reply);
	return EXIT_OK;
}

static int svc_backend(const char *verb, const char *name, const char *be,
		       const char *state)
{
	struct lb_backend_spec b;
	char err[256];
	struct jw w;
	int rc;

	if (lb_parse_backend(be, &b, err, sizeof(err)))
		return bad_input(verb, err);
	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "op", "svc.backend");
	jw_kstr(&w, "name", name);
	jw_kstr(&w, "backend", be);
	jw_kstr(&w, "state", state);
	jw_obj_end(&w);
	rc = call_simple(verb, &w);
	jw_free(&w);
	return rc;
}

static int svc_tc(int argc, char **argv)
{
	const char *ns = NULL;
	struct jw w;
	int rc;

	if (argc == 4 && !strcmp(argv[1], "--netns"))
		ns = argv[2];
	else if (argc != 2)
		return bad_input("tc", "usage: svc tc [--netns NAME] IFNAME");
	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "op", "svc.tc");
	if (ns)
		jw_kstr(&w, "netns", ns);
	jw_kstr(&w, "ifname", argv[argc - 1]);
	jw_obj_end(&w);
	rc = call_simple("tc", &w);
	jw_free(&w);
	return rc;
}

static int cmd_svc(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";
	bool json = argc > 2 && !strcmp(argv[argc - 1], "--json");
	struct jw w;
	int rc;

	if (!strcmp(sub, "add"))
		return svc_add(argc - 1, argv + 1);
	if (!strcmp(sub, "list") && argc == 2 + json)
		return svc_show(NULL, json);
	if (!strcmp(sub, "backends") && argc == 3 + json)
		return svc_show(argv[2], json);
	if (!strcmp(sub, "drain") && argc == 4)
		return svc_backend("drain", argv[2], argv[3], "draining");
	if (!strcmp(sub, "health") && argc == 5 &&
	    (!strcmp(argv[4], "up") || !strcmp(argv[4], "down")))
		return svc_backend("health", argv[2], argv[3],
				   strcmp(argv[4], "up") ? "down" : "active");
	if (!strcmp(sub, "apply") && argc == 3)
		return svc_apply(argv[2]);
	if (!strcmp(sub, "tc"))
		return svc_tc(argc - 1, argv + 1);
	if (!strcmp(sub, "rm") && argc == 3) {
		jw_init(&w);
		jw_obj_begin(&w);
		jw_kstr(&w, "op", "svc.rm");
		jw_kstr(&w, "name", argv[2]);
		jw_obj_end(&w);
		rc = call_simple("rm", &w);
		jw_free(&w);
		return rc;
	}
	fputs(svc_usage, stderr);
	return EXIT_USAGE;
}

CLI_COMMAND(svc, .name = "svc", .alias = "service",
	    .summary = "load-balanced services: add, rm, list, backends, apply",
	    .usage = svc_usage, .run = cmd_svc, .needs_root = true,
	    .order = 40);
