// SPDX-License-Identifier: GPL-2.0
/* `bpflab scenario list|run`: attack scenarios from the command line. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/cli.h"
#include "engine/journal.h"
#include "lab/scenario/scenario.h"
#include "util/jw.h"

static void on_sigint(int sig)
{
	(void)sig;
	/* sets sig_atomic_t flags only; the script stops, teardown runs */
	scenario_interrupt(); // NOLINT(bugprone-signal-handler)
}

static int scenario_cmd_list(int argc, char **argv)
{
	bool json = argc > 1 && !strcmp(argv[1], "--json");
	struct scenario_info *v;
	struct jw w;
	int n, err;

	err = scenario_list(&v, &n);
	if (err) {
		fprintf(stderr,
			"bpflab scenario list: no scenario directory (set BPFLAB_SCENARIOS)\n");
		return EXIT_FAIL;
	}
	if (json) {
		jw_init(&w);
		jw_arr_begin(&w);
		for (int i = 0; i < n; i++) {
			jw_obj_begin(&w);
			jw_kstr(&w, "name", v[i].name);
			jw_kstr(&w, "title", v[i].title);
			jw_kstr(&w, "path", v[i].path);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		printf("%s\n", jw_str(&w) ?: "[]");
		jw_free(&w);
	} else {
		for (int i = 0; i < n; i++)
			printf("%-20s %s\n", v[i].name, v[i].title);
	}
	free(v);
	return EXIT_OK;
}

static int scenario_cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sandbox", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{},
	};
	struct scenario_opts so = { .kind = "ns", .mode = "enforce" };
	struct scenario_info *list = NULL;
	enum scenario_verdict v, worst = SCENARIO_PASS;
	bool json = false, all = false;
	char path[1024];
	int c, n = 0, rc = EXIT_OK;
	struct jw w;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:m:ja", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			so.kind = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "enforce") &&
			    strcmp(optarg, "monitor")) {
				fprintf(stderr,
					"bpflab scenario run: --mode is enforce or monitor\n");
				return EXIT_USAGE;
			}
			so.mode = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'a':
			all = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (all == (optind < argc) || optind + 1 < argc) {
		fprintf(stderr,
			"bpflab scenario run: give one NAME or --all\n");
		return EXIT_USAGE;
	}
	so.quiet = json;
	if (all) {
		if (scenario_list(&list, &n)) {
			fprintf(stderr,
				"bpflab scenario run: no scenario directory\n");
			return EXIT_FAIL;
		}
	} else if (scenario_find(argv[optind], path, sizeof(path))) {
		fprintf(stderr,
			"bpflab scenario run: no scenario '%s' (see `bpflab scenario list`)\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	signal(SIGINT, on_sigint);
	jw_init(&w);
	if (all)
		jw_arr_begin(&w);
	for (int i = 0; i < (all ? n : 1); i++) {
		v = scenario_run(all ? list[i].path : path, &so, &w);
		if (v > worst)
			worst = v;
	}
	if (all)
		jw_arr_end(&w);
	signal(SIGINT, SIG_DFL);
	if (json)
		printf("%s\n", jw_str(&w) ?: "null");
	jw_free(&w);
	free(list);
	/* exit 0 PASS, 1 FAIL, 3 ERROR: a test can tell "not stopped" from "broken" */
	if (worst == SCENARIO_FAIL)
		rc = EXIT_FAIL;
	else if (worst == SCENARIO_ERROR)
		rc = 3;
	return rc;
}

static int run_scenario(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	int rc;

	if (!sub) {
		cli_print_usage(cli_find("scenario"));
		return EXIT_USAGE;
	}
	if (!strcmp(sub, "list") || !strcmp(sub, "ls"))
		return scenario_cmd_list(argc - 1, argv + 1);
	if (strcmp(sub, "run")) {
		fprintf(stderr, "bpflab scenario: unknown subcommand '%s'\n",
			sub);
		return EXIT_USAGE;
	}
	if ((rc = cli_require_root("scenario")))
		return rc;
	/* a scenario removes what it made before it returns */
	journal_set_scope("lab");
	return scenario_cmd_run(argc - 1, argv + 1);
}

CLI_COMMAND(
	scenario, .name = "scenario",
	.summary = "run attack scenarios against the live policies",
	.usage =
		"Usage: bpflab scenario list [--json]\n"
		"       bpflab scenario run NAME|FILE.lua [--sandbox KIND] [--mode enforce|monitor] [--json]\n"
		"       bpflab scenario run --all [--sandbox KIND] [--mode enforce|monitor] [--json]\n"
		"\n"
		"A scenario is a Lua 5.4 script (scenarios/NAME.lua) that starts sandboxes,\n"
		"applies policies through the engine, attacks for real and then checks the\n"
		"outcome on disk and on the wire, plus the engine's events.\n"
		"\n"
		"Verdicts: PASS every expectation held; FAIL one did not (in enforce mode the\n"
		"attack was not stopped); ERROR the script or the lab broke (syntax or runtime\n"
		"error, instruction or memory limit, Ctrl-C, no engine, unknown sandbox kind).\n"
		"Evidence per check: the process's fate (signal, exit), the engine event, the\n"
		"sha256 and size of a file before and after, connections seen by the C2.\n"
		"Teardown always runs: sandboxes, listeners and policies are removed.\n"
		"\n"
		"Options:\n"
		"  -s, --sandbox KIND   sandbox kind for lab.sandbox (default ns)\n"
		"  -m, --mode MODE      enforce (default): the attack must be stopped;\n"
		"                       monitor: the policy only reports, the attack succeeds\n"
		"                       and must be seen\n"
		"  -j, --json           one JSON report (an array with --all), no narration\n"
		"  -a, --all            every scenario in the directory\n"
		"\n"
		"Environment: BPFLAB_SCENARIOS overrides the scenario directory.\n"
		"Exit status: 0 PASS, 1 FAIL, 2 bad usage, 3 ERROR, 4 not root.\n",
	.run = run_scenario, .needs_root = true, .order = 61);
