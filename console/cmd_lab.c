// SPDX-License-Identifier: GPL-2.0
/* `bpflab lab up|down|status`: the default lab topology. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "console/cli.h"
#include "engine/journal.h"
#include "lab/topology/topology.h"
#include "util/jw.h"

static int lab_status(bool json)
{
	struct json_object *o, *nodes, *v;
	struct jw w;

	jw_init(&w);
	topology_status(&w);
	if (json || !jw_str(&w)) {
		printf("%s\n", jw_str(&w) ?: "{}");
		jw_free(&w);
		return EXIT_OK;
	}
	o = json_tokener_parse(jw_str(&w));
	jw_free(&w);
	if (!o)
		return EXIT_FAIL;
	json_object_object_get_ex(o, "up", &v);
	printf("lab: %s\n", json_object_get_boolean(v) ? "up" : "down");
	printf("%-8s %-14s %-20s %-16s %s\n", "NODE", "ADDRESS", "NETNS",
	       "SERVES", "STATE");
	json_object_object_get_ex(o, "nodes", &nodes);
	for (size_t i = 0; i < json_object_array_length(nodes); i++) {
		struct json_object *n = json_object_array_get_idx(nodes, i),
				   *f[6];
		static const char *const keys[] = { "name",	    "addr",
						    "netns",	    "serves",
						    "netns_exists", "running" };

		for (int k = 0; k < 6; k++)
			json_object_object_get_ex(n, keys[k], &f[k]);
		printf("%-8s %-14s %-20s %-16s %s\n",
		       json_object_get_string(f[0]),
		       json_object_get_string(f[1]),
		       json_object_get_string(f[2]),
		       json_object_get_string(f[3]),
		       !json_object_get_boolean(f[4]) ? "absent" :
		       json_object_get_boolean(f[5])  ? "running" :
							"idle");
	}
	json_object_put(o);
	return EXIT_OK;
}

static int run_lab(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	bool json = argc > 2 && !strcmp(argv[2], "--json");
	int rc, err;

	if (!sub || (argc > 2 && !json)) {
		cli_print_usage(cli_find("lab"));
		return EXIT_USAGE;
	}
	if ((rc = cli_require_root("lab")))
		return rc;
	/* the lab outlives this command: its own scope, undone by `lab down` */
	journal_set_scope(TOPO_SCOPE);
	if (!strcmp(sub, "status"))
		return lab_status(json);
	if (!strcmp(sub, "up")) {
		err = topology_up();
		if (err == -EEXIST) {
			fprintf(stderr,
				"bpflab lab up: the lab is already up (`bpflab lab down` first)\n");
			return EXIT_USAGE;
		}
		if (err)
			return err == -EOPNOTSUPP ? EXIT_UNSUPPORTED :
						    EXIT_FAIL;
		return lab_status(json);
	}
	if (!strcmp(sub, "down")) {
		err = topology_down(true);
		if (err)
			fprintf(stderr,
				"bpflab lab down: some resources could not be removed (see above)\n");
		return err ? EXIT_FAIL : EXIT_OK;
	}
	fprintf(stderr, "bpflab lab: unknown subcommand '%s'\n", sub);
	return EXIT_USAGE;
}

CLI_COMMAND(
	lab, .name = "lab",
	.summary = "bring the default lab topology up or down",
	.usage =
		"Usage: bpflab lab up [--json]\n"
		"       bpflab lab status [--json]\n"
		"       bpflab lab down\n"
		"\n"
		"The default lab is one L2 segment in 198.18.0.0/16 (RFC 2544): a bridge\n"
		"(bl-lab-br0) in its own network namespace (bpflab-lab-hub), and on it\n"
		"  client  the ns sandbox bl-lab-client          198.18.0.10\n"
		"  web1-3  nginx backends, one netns each         198.18.1.1-3 :80\n"
		"  db      MariaDB, private data directory        198.18.2.1 :3306\n"
		"  c2      the attackers' listener (nginx)         198.18.66.1 :80\n"
		"Nothing routes to the host or leaves the machine.\n"
		"\n"
		"up      build it (refused if it is up); a failure half-way removes all\n"
		"status  each node's address, namespace and whether its server runs\n"
		"down    remove everything `lab up` made (journal scope \"topology\")\n"
		"\n"
		"Try: bpflab sandbox exec bl-lab-client -- wget -q -O - http://198.18.1.1/\n",
	.run = run_lab, .needs_root = true, .order = 62);
