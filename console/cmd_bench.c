// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "console/cli.h"
#include "lab/bench/bench.h"

extern const struct bench_kind __start_bl_bench[] __attribute__((weak));
extern const struct bench_kind __stop_bl_bench[] __attribute__((weak));

const struct bench_kind *bench_find(const char *name)
{
	for (const struct bench_kind *b = __start_bl_bench; b < __stop_bl_bench;
	     b++)
		if (!strcmp(b->name, name))
			return b;
	return NULL;
}

static void list_kinds(FILE *f)
{
	fprintf(f, "Benchmarks:\n");
	for (const struct bench_kind *b = __start_bl_bench; b < __stop_bl_bench;
	     b++)
		fprintf(f, "  %-12s %s\n", b->name, b->summary);
}

static int run_bench(int argc, char **argv)
{
	const struct bench_kind *b;

	if (argc < 2) {
		fprintf(stderr, "Usage: bpflab bench KIND [OPTIONS]\n");
		list_kinds(stderr);
		return EXIT_USAGE;
	}
	b = bench_find(argv[1]);
	if (!b) {
		fprintf(stderr, "bpflab bench: unknown benchmark '%s'\n",
			argv[1]);
		list_kinds(stderr);
		return EXIT_USAGE;
	}
	if (cli_wants_help(argc - 1, argv + 1)) {
		fputs(b->usage ? b->usage : b->summary, stdout);
		return EXIT_OK;
	}
	return b->run(argc - 1, argv + 1);
}

CLI_COMMAND(bench, .name = "bench",
	    .summary = "measure eBPF against iptables, strace and auditd",
	    .usage =
		    "Usage: bpflab bench KIND [OPTIONS]\n"
		    "\n"
		    "Run a side-by-side benchmark; `bpflab bench KIND --help`\n"
		    "describes one. Results go to ./results/ as JSON and CSV.\n"
		    "Keep kernel.bpf_stats_enabled off while timing.\n",
	    .run = run_bench, .needs_root = true, .order = 60);
