// SPDX-License-Identifier: GPL-2.0
/* `bpflab status`: is an engine up, what it runs, what it lost, what is journaled. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "console/cli.h"
#include "engine/engine.h"
#include "engine/journal.h"

static void print_journal(void)
{
	struct journal_entry *v;
	int n;

	if (journal_live(&v, &n) || !n) {
		printf("journal: empty\n");
		return;
	}
	printf("journal: %d live resource(s)\n", n);
	for (int i = 0; i < n; i++)
		printf("  %-7s %-8s %s\n", v[i].scope, v[i].kind, v[i].arg);
	free(v);
}

static void print_modules(struct json_object *st)
{
	struct json_object *mods, *v;

	if (!json_object_object_get_ex(st, "modules", &mods))
		return;
	printf("%-10s %12s %8s %8s  %s\n", "MODULE", "EVENTS", "LOST", "ERRORS",
	       "WHAT");
	for (size_t i = 0; i < json_object_array_length(mods); i++) {
		struct json_object *m = json_object_array_get_idx(mods, i);
		long long ev = 0, lost = 0, errs = 0;

		if (json_object_object_get_ex(m, "events", &v))
			ev = json_object_get_int64(v);
		if (json_object_object_get_ex(m, "lost", &v))
			lost = json_object_get_int64(v);
		if (json_object_object_get_ex(m, "errors", &v))
			errs = json_object_get_int64(v);
		json_object_object_get_ex(m, "summary", &v);
		printf("%-10s %12lld %8lld %8lld  %s\n",
		       json_object_get_string(
			       json_object_object_get(m, "name")),
		       ev, lost, errs, json_object_get_string(v));
	}
}

static int run_status(int argc, char **argv)
{
	bool json = argc > 1 && !strcmp(argv[1], "--json");
	struct json_object *st;
	char *reply = NULL;
	int err;

	err = engine_client_call("{\"op\":\"status\"}", &reply);
	if (err) {
		if (json)
			printf("{\"running\":false}\n");
		else {
			printf("engine: not running\n");
			print_journal();
		}
		return EXIT_FAIL;
	}
	if (json) {
		printf("%s\n", reply);
		free(reply);
		return EXIT_OK;
	}
	st = json_tokener_parse(reply);
	free(reply);
	if (!st)
		return EXIT_FAIL;
	printf("engine: running (pid %s, up %ss), %s events, %s processes tracked, "
	       "%s subscriber(s), %s events missed by slow subscribers\n",
	       json_object_get_string(json_object_object_get(st, "pid")),
	       json_object_get_string(json_object_object_get(st, "uptime_s")),
	       json_object_get_string(json_object_object_get(st, "events")),
	       json_object_get_string(json_object_object_get(st, "processes")),
	       json_object_get_string(
		       json_object_object_get(st, "subscribers")),
	       json_object_get_string(
		       json_object_object_get(st, "subscriber_drops")));
	print_modules(st);
	print_journal();
	json_object_put(st);
	return EXIT_OK;
}

CLI_COMMAND(
	status, .name = "status",
	.summary = "show the engine, its modules, lost events and the journal",
	.usage =
		"Usage: bpflab status [--json]\n"
		"\n"
		"Show whether an engine is running, its modules with events\n"
		"emitted, lost (ring buffer full) and helper errors, and every\n"
		"resource the journal holds.\n"
		"\n"
		"Exit status: 0 if an engine is running, 1 if not.\n",
	.run = run_status, .needs_root = true, .order = 12);
