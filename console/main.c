// SPDX-License-Identifier: GPL-2.0
/* The `bpflab` entry point: global options, then one verb. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "console/cli.h"
#include "engine/journal.h"
#include "util/log.h"

#define BPFLAB_VERSION "0.1.0"

static void usage(FILE *f)
{
	const struct cli_command *cmds[64];
	int n = cli_sorted(cmds, 64);

	fprintf(f,
		"Usage: bpflab [-v] VERB [ARGS...]\n"
		"\n"
		"One host's eBPF platform: service load balancing, identity network\n"
		"policy and Tetragon-style runtime enforcement, Hubble-style\n"
		"observability, an ncurses console and a Lua attack lab.\n"
		"\n"
		"Verbs:\n");
	for (int i = 0; i < n; i++) {
		char name[40];

		snprintf(name, sizeof(name), "%s%s%s", cmds[i]->name,
			 cmds[i]->alias ? ", " : "",
			 cmds[i]->alias ? cmds[i]->alias : "");
		fprintf(f, "  %-22s %s\n", name, cmds[i]->summary);
	}
	fprintf(f,
		"\n"
		"Global options:\n"
		"  -v, --verbose          debug messages, libbpf's included\n"
		"  -h, --help             this text; `bpflab VERB --help` for a verb\n"
		"  -V, --version          print the version\n"
		"\n"
		"Exit status: 0 success, 1 failure, 2 bad usage or input (nothing\n"
		"changed), 4 not root, 5 the host lacks a required feature.\n"
		"Files: /run/bpflab (lock, journal, engine.sock), /var/lib/bpflab.\n"
		"See bpflab(8).\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	const struct cli_command *cmd;
	int c, rc;

	/* stop at the first non-option: everything after belongs to the verb */
	while ((c = getopt_long(argc, argv, "+vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			log_set_level(LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("bpflab %s\n", BPFLAB_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	log_hook_libbpf();
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "help")) {
		if (optind + 1 < argc && (cmd = cli_find(argv[optind + 1]))) {
			cli_print_usage(cmd);
			return EXIT_OK;
		}
		usage(stdout);
		return EXIT_OK;
	}
	cmd = cli_find(argv[optind]);
	if (!cmd) {
		fprintf(stderr,
			"bpflab: unknown verb '%s'; see bpflab --help\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	/* `bpflab bench KIND --help` is the kind's own help */
	if (cli_wants_help(argc, argv) &&
	    !(!strcmp(cmd->name, "bench") && argc > 2 && argv[1][0] != '-')) {
		cli_print_usage(cmd);
		return EXIT_OK;
	}
	if (cmd->needs_root && cli_require_root(cmd->name))
		return EXIT_NOPERM;
	optind = 0; /* verbs run their own getopt over argv */
	rc = cmd->run(argc, argv);
	if (geteuid() == 0)
		journal_tidy_run_dir();
	return rc;
}
