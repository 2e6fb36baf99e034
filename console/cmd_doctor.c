// SPDX-License-Identifier: GPL-2.0
/* `bpflab doctor`: what this host supports, and what each gap costs. */
#include <getopt.h>
#include <stdio.h>

#include "console/cli.h"
#include "doctor/probe.h"
#include "engine/journal.h"
#include "util/jw.h"

static const char doctor_usage[] =
	"NAME\n"
	"    bpflab doctor - measure what this host's kernel and tools support\n"
	"\n"
	"SYNOPSIS\n"
	"    bpflab doctor [--json] [-q]\n"
	"\n"
	"DESCRIPTION\n"
	"    Proves each eBPF feature bpflab uses by loading a tiny program of\n"
	"    that kind, attaching it to a harmless hook and making the hook fire:\n"
	"    tracepoint, raw_tp and tp_btf (on getppid), tc and XDP (on lo in a\n"
	"    private network namespace), the cgroup hooks connect4, sendmsg4,\n"
	"    sock_create and device (on a temporary cgroup\n"
	"    /sys/fs/cgroup/unified/bpflab-doctor-PID holding one child), kprobe,\n"
	"    fentry and BPF-LSM, a ring buffer round trip, bpf_send_signal (a\n"
	"    child must die of SIGUSR1 at getppid) and BPF_ENABLE_STATS.\n"
	"\n"
	"    It also checks BTF (/sys/kernel/btf/vmlinux), the lockdown mode, the\n"
	"    active LSMs, the cgroup v2, bpffs, tracefs and securityfs mounts, and\n"
	"    the optional tools on PATH (runc, containerd, libvirtd,\n"
	"    qemu-system-x86_64, iptables-legacy, iptables-nft, nft, nginx,\n"
	"    mariadbd, strace, auditctl, wrk) with their versions.\n"
	"\n"
	"    Each row reads yes, partial (present but limited: e.g. attached and\n"
	"    never ran) or no; a row that is not yes says what the user loses and\n"
	"    falls back to, then what was measured.\n"
	"\n"
	"    tracefs and securityfs are mounted when missing and journaled\n"
	"    (`bpflab down` removes them). Nothing else is\n"
	"    left behind: the programs, the cgroup and the namespace are gone\n"
	"    when the doctor exits.\n"
	"\n"
	"OPTIONS\n"
	"    --json     print one JSON object: {\"kernel\", \"checks\": [{\"name\",\n"
	"               \"label\", \"kind\", \"ok\", \"status\", \"required\",\n"
	"               \"detail\", \"impact\"}], \"summary\": {\"usable\",\n"
	"               \"missing\", \"yes\", \"partial\", \"no\"}}\n"
	"    -q, --quiet\n"
	"               print nothing on a usable host; otherwise only the\n"
	"               reason. The exit status answers.\n"
	"    -h, --help this text\n"
	"\n"
	"EXIT STATUS\n"
	"    0  the host can run bpflab: BTF, tracepoints or raw_tp, cgroup v2\n"
	"       and ring buffers all work (other gaps only cost features)\n"
	"    1  the probes could not run\n"
	"    2  bad usage\n"
	"    4  not root\n"
	"    5  a required feature is missing (BTF, tracepoints, cgroup v2 or\n"
	"       ring buffers); the message names it\n"
	"\n"
	"EXAMPLES\n"
	"    sudo bpflab doctor\n"
	"    sudo bpflab doctor --json | python3 -m json.tool\n"
	"    sudo bpflab doctor --json | jq -r '.checks[] | select(.ok | not) | .name'\n"
	"    sudo bpflab doctor -q && sudo bpflab engine\n";

static int print_json(const struct doctor_report *r)
{
	struct jw w;
	const char *out;
	int err = 0;

	jw_init(&w);
	doctor_render_json(r, &w);
	out = jw_str(&w);
	if (out)
		printf("%s\n", out);
	else
		err = -1;
	jw_free(&w);
	return err;
}

static int run_doctor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{},
	};
	struct doctor_report r;
	bool json = false, quiet = false;
	const char *missing;
	int c;

	while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			fprintf(stderr, "Usage: bpflab doctor [--json] [-q]\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bpflab doctor: unexpected argument '%s'\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	/*
	 * The mounts it makes outlive this process on purpose: scope "lab",
	 * so `bpflab down` removes them and an engine's crash recovery leaves
	 * a running doctor's cgroup alone.
	 */
	journal_set_scope("lab");
	doctor_report_init(&r);
	if (doctor_probe_all(&r)) {
		fprintf(stderr, "bpflab doctor: the probes could not run\n");
		return EXIT_FAIL;
	}
	if (json) {
		if (print_json(&r)) {
			fprintf(stderr, "bpflab doctor: out of memory\n");
			return EXIT_FAIL;
		}
	} else if (!quiet) {
		doctor_print_table(&r, stdout);
	}
	if (doctor_usable(&r, &missing))
		return EXIT_OK;
	if (!doctor_ok(&r, DC_BTF))
		fprintf(stderr,
			"bpflab doctor: BTF is missing (%s): the kernel needs "
			"CONFIG_DEBUG_INFO_BTF=y; bpflab's CO-RE programs cannot "
			"load without it\n",
			r.checks[DC_BTF].detail);
	else
		fprintf(stderr,
			"bpflab doctor: this host cannot run bpflab: it lacks %s\n",
			missing);
	return EXIT_UNSUPPORTED;
}

CLI_COMMAND(doctor, .name = "doctor",
	    .summary = "measure what this host supports and what gaps cost",
	    .usage = doctor_usage, .run = run_doctor, .needs_root = true,
	    .order = 10);
