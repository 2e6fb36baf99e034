// SPDX-License-Identifier: GPL-2.0
/*
 * `bpflab map`: the service map across all sandboxes, from the flows in the
 * flow log (what `bpflab observe` captures or the engine's observe module
 * writes): text, Graphviz (--dot) or JSON (--json).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "console/cli.h"
#include "observe/flow_filter.h"
#include "observe/flow_log.h"
#include "observe/service_map.h"
#include "util/jw.h"
#include "util/log.h"

struct map_ctx {
	struct service_map map;
	uint64_t since_ns;
	int err;
};

static int fold_line(const char *line, void *ctx)
{
	struct map_ctx *c = ctx;
	struct json_object *obj = json_tokener_parse(line);

	if (!obj)
		return 0; /* a torn line */
	if (!c->since_ns || flow_line_time(obj) >= c->since_ns)
		c->err = service_map__add(&c->map, obj);
	json_object_put(obj);
	return c->err;
}

static void print_text(struct service_map *m)
{
	char dst[64];

	printf("%-18s %-24s %6s %8s %6s %9s %9s %12s\n", "SOURCE",
	       "DESTINATION", "CONNS", "REQUESTS", "ERRORS", "P50_MS", "P99_MS",
	       "BYTES");
	for (size_t i = 0; i < m->n; i++) {
		struct map_edge *e = &m->e[i];

		snprintf(dst, sizeof(dst), "%s:%d/%s", e->destination, e->port,
			 e->protocol);
		printf("%-18s %-24s %6llu %8llu %6llu %9.3f %9.3f %12llu\n",
		       e->source, dst, (unsigned long long)e->connections,
		       (unsigned long long)e->requests,
		       (unsigned long long)e->errors,
		       map_edge__percentile(e, 50), map_edge__percentile(e, 99),
		       (unsigned long long)e->bytes);
	}
}

static void print_dot(struct service_map *m)
{
	printf("digraph bpflab {\n\trankdir=LR;\n\tnode [shape=box];\n");
	for (size_t i = 0; i < m->n; i++) {
		struct map_edge *e = &m->e[i];

		/* Addresses and numbers only: nothing here needs DOT escaping. */
		printf("\t\"%s\" -> \"%s:%d\" [label=\"%s %llu conns, %llu req, "
		       "%llu err, p50 %.1fms, p99 %.1fms\"];\n",
		       e->source, e->destination, e->port, e->protocol,
		       (unsigned long long)e->connections,
		       (unsigned long long)e->requests,
		       (unsigned long long)e->errors,
		       map_edge__percentile(e, 50),
		       map_edge__percentile(e, 99));
	}
	printf("}\n");
}

static int run_map(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dot", no_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "since", required_argument, NULL, 's' },
		{ "flow-log", required_argument, NULL, 'l' },
		{},
	};
	const char *dir = flow_log_default_dir();
	struct map_ctx c = { 0 };
	bool dot = false, json = false;
	struct jw w;
	int ch, err;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dot = true;
			break;
		case 'j':
			json = true;
			break;
		case 's':
			if (flow_parse_since(optarg, &c.since_ns)) {
				fprintf(stderr,
					"bpflab map: bad --since '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'l':
			dir = optarg;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc || (dot && json)) {
		fprintf(stderr,
			"bpflab map: give at most one of --dot and --json\n");
		return EXIT_USAGE;
	}
	err = flow_log_read(dir, FLOW_LOG_KEEP, fold_line, &c);
	if (err || c.err) {
		pr_err("bpflab map: %s\n", strerror(-(err ? err : c.err)));
		service_map__free(&c.map);
		return EXIT_FAIL;
	}
	service_map__sort(&c.map);
	if (json) {
		jw_init(&w);
		service_map__json(&c.map, &w);
		if (jw_str(&w))
			printf("%s\n", jw_str(&w));
		jw_free(&w);
	} else if (dot) {
		print_dot(&c.map);
	} else {
		print_text(&c.map);
	}
	service_map__free(&c.map);
	return EXIT_OK;
}

CLI_COMMAND(
	map, .name = "map",
	.summary =
		"service map from observed connections (text, --dot, --json)",
	.usage =
		"Usage: bpflab map [--since T] [--flow-log DIR] [--dot | --json]\n"
		"\n"
		"Build the service map from the flows in the flow log (written by\n"
		"`bpflab observe -i` or the engine's observe module): one edge per\n"
		"client → server:port/protocol with connections, requests (HTTP\n"
		"and MySQL), errors (HTTP 5xx, MySQL ERR), p50/p99 request latency\n"
		"in ms and bytes both ways (counted when a connection ends). One\n"
		"view across all sandboxes. The client is its sandbox or policy\n"
		"endpoint name (else its address); the server is the service when\n"
		"the client connected to a VIP, else its sandbox/endpoint name,\n"
		"else its address. Policy verdicts and TRANSLATED records are not\n"
		"counted as traffic.\n"
		"\n"
		"Options:\n"
		"  --since T       only flows since T ago (10m) or an RFC 3339 time\n"
		"  --flow-log DIR  the log directory (default:\n"
		"                  /var/lib/bpflab/flows/<run dir name>)\n"
		"  --dot           Graphviz DOT (pipe to `dot -Tsvg`)\n"
		"  --json          {\"edges\":[{source, destination, source_kind,\n"
		"                  destination_kind (endpoint|service|address),\n"
		"                  port, protocol, connections, requests, errors,\n"
		"                  p50_ms, p99_ms, bytes}]}\n",
	.run = run_map, .order = 42);
