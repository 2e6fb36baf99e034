// SPDX-License-Identifier: GPL-2.0
/*
 * `bpflab report -o report.html`: the stakeholder's take-home page. The
 * sections live in console/report/; this file reads the options and writes
 * the page to a temporary file renamed into place, so a failed run leaves
 * any earlier report untouched.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console/cli.h"
#include "console/report/report.h"
#include "engine/journal.h"
#include "lab/scenario/scenario.h"
#include "observe/flow_filter.h"
#include "observe/flow_log.h"

static const char report_usage[] =
	"Usage: bpflab report -o FILE [--since T] [--results DIR] [--runs DIR]\n"
	"                     [--flow-log DIR] [--no-doctor]\n"
	"\n"
	"Write one self-contained HTML page (inline CSS and SVG; no scripts,\n"
	"fonts or images from the network) that tells a demo's story without\n"
	"the console:\n"
	"  - load balancing before/after: the newest `bench lb` as line charts,\n"
	"    connections/s and CPU per connection against the number of\n"
	"    services, one line per mode (kube-proxy iptables/nftables, eBPF);\n"
	"  - enforcement overhead: the newest `bench enforce` as bars (no hook,\n"
	"    empty hook, bpflab with 10 and 10,000 files, strace, auditd);\n"
	"  - every attack run kept since T, with its verdict and evidence (file\n"
	"    bytes and sha256 before/after, connections at the C2, how each\n"
	"    process ended, the engine's event as a story line);\n"
	"  - the service map from the flow log, as a graph and a table;\n"
	"  - the policies in force in the running engine (TracingPolicies and\n"
	"    CiliumNetworkPolicies);\n"
	"  - the host's capability table, measured by doctor's probes (root).\n"
	"A section with no data says so and names the command that makes it;\n"
	"the report never starts an engine and never invents a number.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE  where to write the page (- for stdout)\n"
	"  --since T          only what happened since T ago (1h, 30m) or since\n"
	"                     an RFC 3339 UTC time (2026-11-24T21:00:00Z);\n"
	"                     default: everything kept\n"
	"  --results DIR      bench results (default $RESULTS, else ./results;\n"
	"                     its sub-folders too, as `make bench` writes them)\n"
	"  --runs DIR         kept scenario reports (default $BPFLAB_RESULTS_DIR,\n"
	"                     else /var/lib/bpflab/results; runs in scenarios/)\n"
	"  --flow-log DIR     the flow log (default: as `bpflab map`)\n"
	"  --no-doctor        skip the capability probes\n"
	"\n"
	"Exit status: 0 written, 1 the file could not be written, 2 bad usage.\n"
	"\n"
	"Example:\n"
	"  sudo bpflab report --since 2h -o report.html && chromium report.html\n";

static int write_page(FILE *f, const struct report_opts *o)
{
	report_page_begin(f, o);
	report_lb(f, o);
	report_enforce(f, o);
	report_attacks(f, o);
	report_map(f, o);
	report_policies(f, o);
	report_doctor(f, o);
	report_page_end(f);
	return ferror(f) ? -EIO : 0;
}

static int write_file_atomic(const char *out, const struct report_opts *o)
{
	char tmp[4096];
	FILE *f;
	int err;

	if (!strcmp(out, "-"))
		return write_page(stdout, o) || fflush(stdout) ? -EIO : 0;
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", out, (int)getpid());
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	err = write_page(f, o);
	if (fclose(f) && !err)
		err = -EIO;
	if (!err && rename(tmp, out))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

static int run_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "since", required_argument, NULL, 's' },
		{ "results", required_argument, NULL, 'r' },
		{ "runs", required_argument, NULL, 'R' },
		{ "flow-log", required_argument, NULL, 'l' },
		{ "no-doctor", no_argument, NULL, 'n' },
		{},
	};
	const char *env = getenv("RESULTS");
	struct report_opts o = {
		.bench_dir = env && *env ? env : "results",
		.runs_dir = scenario_results_dir(),
		.flow_dir = flow_log_default_dir(),
		.doctor = true,
	};
	const char *out = NULL;
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 's':
			if (flow_parse_since(optarg, &o.since_ns)) {
				fprintf(stderr,
					"bpflab report: bad --since '%s': give a "
					"duration (1h, 30m) or an RFC 3339 UTC "
					"time (2026-11-24T21:00:00Z)\n",
					optarg);
				return EXIT_USAGE;
			}
			o.since = optarg;
			break;
		case 'r':
			o.bench_dir = optarg;
			break;
		case 'R':
			o.runs_dir = optarg;
			break;
		case 'l':
			o.flow_dir = optarg;
			break;
		case 'n':
			o.doctor = false;
			break;
		default:
			fputs("Usage: bpflab report -o FILE [--since T] "
			      "(see bpflab report --help)\n",
			      stderr);
			return EXIT_USAGE;
		}
	}
	if (!out || !*out || optind < argc) {
		fprintf(stderr, "bpflab report: %s\n",
			optind < argc ? "unexpected argument" :
					"give the output file with -o FILE");
		return EXIT_USAGE;
	}
	/* doctor's mounts outlive us on purpose, as `bpflab doctor`'s do */
	journal_set_scope("lab");
	err = write_file_atomic(out, &o);
	if (err) {
		fprintf(stderr, "bpflab report: cannot write %s: %s\n", out,
			strerror(-err));
		return EXIT_FAIL;
	}
	if (strcmp(out, "-"))
		fprintf(stderr, "bpflab report: wrote %s\n", out);
	return EXIT_OK;
}

CLI_COMMAND(report, .name = "report",
	    .summary = "write the stakeholder report: one self-contained HTML",
	    .usage = report_usage, .run = run_report, .order = 70);
