// SPDX-License-Identifier: GPL-2.0
/* The doctor's table: what each check is called and what its absence costs. */
#include <stdarg.h>
#include <string.h>
#include <sys/utsname.h>

#include "doctor/probe.h"
#include "util/jw.h"
#include "util/paths.h"
#include "util/util.h"

struct check_def {
	const char *name;
	const char *label;
	enum doctor_kind kind;
	bool required;
	const char *impact;
};

#define K DOCTOR_KIND_KERNEL
#define M DOCTOR_KIND_MOUNT
#define P DOCTOR_KIND_PROGRAM
#define T DOCTOR_KIND_TOOL

static const struct check_def defs[DOCTOR_NR_CHECKS] = {
	[DC_BTF] = { "btf", "BTF", K, true,
		     "no CO-RE: bpflab cannot load its programs" },
	[DC_LOCKDOWN] = { "lockdown", "lockdown", K, false,
			  "bpf_probe_write_user is refused (bpflab never needs it); under confidentiality kernel reads are refused too and most tracing fails" },
	[DC_LSM_LIST] = { "lsm_list", "LSM list", K, false,
			  "\"bpf\" is not an active LSM: BPF-LSM hooks cannot run (add lsm=...,bpf to the kernel command line)" },
	[DC_CGROUP2] = { "cgroup2", "cgroup v2", M, true,
			 "no cgroup v2 at " BL_CGROUP_ROOT
			 ": no cgroup hooks, no per-sandbox policy" },
	[DC_BPFFS] = { "bpffs", "bpffs", M, false,
		       "no bpffs: maps and links cannot be pinned across engine restarts" },
	[DC_TRACEFS] = { "tracefs", "tracefs", M, false,
			 "no tracefs: libbpf cannot resolve tracepoint ids, tp/ programs fall back to raw_tp" },
	[DC_SECURITYFS] = { "securityfs", "securityfs", M, false,
			    "no securityfs: lockdown mode and the active LSMs cannot be read" },
	[DC_TRACEPOINT] = { "tracepoint", "tracepoint", P, false,
			    "syscall/sched tracepoints unavailable: hooks move to raw_tp/tp_btf sys_enter with an id filter" },
	[DC_RAW_TP] = { "raw_tp", "raw_tp", P, false,
			"no raw tracepoints: BPF_PROG_TEST_RUN tests of the enforce logic cannot run" },
	[DC_TP_BTF] = { "tp_btf", "tp_btf", P, false,
			"no typed tracepoints: the process table reads sched events through raw_tp with CO-RE reads" },
	[DC_TC] = { "tc", "tc (clsact)", P, false,
		    "no tc datapath: tc LB, flow logs and tc network policy are off; socket-LB still serves local clients" },
	[DC_XDP] = { "xdp", "XDP", P, false,
		     "no XDP: denied traffic is dropped at tc ingress instead, a little later and a little dearer" },
	[DC_CGROUP_CONNECT4] = { "cgroup_connect4", "cgroup connect4", P, false,
				 "no socket-LB for TCP and no deny-before-connect: services fall back to tc DNAT, connect rules to post" },
	[DC_CGROUP_SENDMSG4] = { "cgroup_sendmsg4", "cgroup sendmsg4", P, false,
				 "no socket-LB for UDP: UDP services fall back to tc DNAT" },
	[DC_CGROUP_SOCK_CREATE] = { "cgroup_sock_create", "cgroup sock_create",
				    P, false,
				    "socket() cannot be denied per sandbox: socket rules become sigkill at sys_enter_socket" },
	[DC_CGROUP_DEVICE] = { "cgroup_device", "cgroup device", P, false,
			       "device access cannot be denied per sandbox: device rules become post only" },
	[DC_KPROBE] = { "kprobe", "kprobe", P, false,
			"Tetragon kprobe policies map onto syscall tracepoints; bpf_override_return is unavailable" },
	[DC_FENTRY] = { "fentry", "fentry/fexit", P, false,
			"kernel-function hooks map onto syscall tracepoints; latency comes from sys_enter/sys_exit pairs" },
	[DC_BPF_LSM] = { "bpf_lsm", "BPF-LSM", P, false,
			 "file deny falls back to kill-before-write (sigkill at sys_enter_write); in-kernel deny needs a VM guest" },
	[DC_RINGBUF] = { "ringbuf", "ringbuf", P, true,
			 "no ring buffers: bpflab cannot deliver events" },
	[DC_SEND_SIGNAL] = { "send_signal", "bpf_send_signal", P, false,
			     "no sigkill action: rules can only deny (cgroup hooks) or post" },
	[DC_ENABLE_STATS] = { "enable_stats", "BPF_ENABLE_STATS", P, false,
			      "no per-program run time: the Programs screen and overhead benchmarks show counts only" },
	[DC_TOOL_RUNC] = { "runc", "runc", T, false,
			   "no runc sandboxes (own launcher still works)" },
	[DC_TOOL_CONTAINERD] = { "containerd", "containerd", T, false,
				 "no containerd sandboxes" },
	[DC_TOOL_LIBVIRTD] = { "libvirtd", "libvirtd", T, false,
			       "no VM sandboxes through libvirt" },
	[DC_TOOL_QEMU] = { "qemu-system-x86_64", "qemu-system-x86_64", T, false,
			   "no VM sandboxes: BPF-LSM in a guest cannot be shown" },
	[DC_TOOL_IPTABLES_LEGACY] = { "iptables-legacy", "iptables-legacy", T,
				      false,
				      "no legacy kube-proxy baseline for the LB benchmark" },
	[DC_TOOL_IPTABLES_NFT] = { "iptables-nft", "iptables-nft", T, false,
				   "no iptables-nft kube-proxy baseline for the LB benchmark" },
	[DC_TOOL_NFT] = { "nft", "nft", T, false, "no nftables baseline" },
	[DC_TOOL_NGINX] = { "nginx", "nginx", T, false,
			    "HTTP workload scenarios and benchmarks skip" },
	[DC_TOOL_MARIADBD] = { "mariadbd", "mariadbd", T, false,
			       "MySQL L7 scenarios skip" },
	[DC_TOOL_STRACE] = { "strace", "strace", T, false,
			     "no strace comparison in the lab" },
	[DC_TOOL_AUDITCTL] = { "auditctl", "auditctl", T, false,
			       "no auditd comparison in the lab" },
	[DC_TOOL_WRK] = { "wrk", "wrk", T, false, "HTTP load benchmarks skip" },
};

#undef K
#undef M
#undef P
#undef T

static const char *const kind_names[] = {
	[DOCTOR_KIND_KERNEL] = "kernel",
	[DOCTOR_KIND_MOUNT] = "mount",
	[DOCTOR_KIND_PROGRAM] = "program",
	[DOCTOR_KIND_TOOL] = "tool",
};

void doctor_report_init(struct doctor_report *r)
{
	struct utsname u;

	memset(r, 0, sizeof(*r));
	for (int i = 0; i < DOCTOR_NR_CHECKS; i++) {
		struct doctor_check *c = &r->checks[i];

		c->name = defs[i].name;
		c->label = defs[i].label;
		c->kind = defs[i].kind;
		c->required = defs[i].required;
		c->impact = defs[i].impact;
		snprintf(c->detail, sizeof(c->detail), "not checked");
	}
	if (!uname(&u))
		snprintf(r->kernel, sizeof(r->kernel), "%s", u.release);
}

void doctor_set(struct doctor_report *r, enum doctor_check_id id,
		enum doctor_status status, const char *fmt, ...)
{
	struct doctor_check *c = &r->checks[id];
	va_list ap;

	c->done = true;
	c->status = status;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
}

const struct doctor_check *doctor_find(const struct doctor_report *r,
				       const char *name)
{
	for (int i = 0; i < DOCTOR_NR_CHECKS; i++)
		if (!strcmp(r->checks[i].name, name))
			return &r->checks[i];
	return NULL;
}

bool doctor_ok(const struct doctor_report *r, enum doctor_check_id id)
{
	return r->checks[id].status == DOCTOR_YES;
}

bool doctor_usable(const struct doctor_report *r, const char **missing)
{
	const char *why = NULL;

	if (!doctor_ok(r, DC_BTF))
		why = "BTF (/sys/kernel/btf/vmlinux)";
	else if (!doctor_ok(r, DC_TRACEPOINT) && !doctor_ok(r, DC_RAW_TP))
		why = "tracepoints (neither tp/ nor raw_tp/ programs run)";
	else if (r->checks[DC_CGROUP2].status == DOCTOR_NO)
		why = "cgroup v2";
	else if (!doctor_ok(r, DC_RINGBUF))
		why = "BPF ring buffers";
	if (missing)
		*missing = why;
	return !why;
}

const char *doctor_status_str(enum doctor_status s)
{
	switch (s) {
	case DOCTOR_YES:
		return "yes";
	case DOCTOR_PARTIAL:
		return "partial";
	default:
		return "no";
	}
}

static const char *const section_titles[] = {
	[DOCTOR_KIND_KERNEL] = "Kernel",
	[DOCTOR_KIND_MOUNT] = "Mounts",
	[DOCTOR_KIND_PROGRAM] =
		"eBPF programs (loaded, attached and triggered)",
	[DOCTOR_KIND_TOOL] = "Optional tools",
};

/*
 * A "yes" row shows what was measured; any other row shows what the user
 * loses, with the measurement on the next line so the cause is never hidden.
 */
void doctor_print_table(const struct doctor_report *r, FILE *f)
{
	int last_kind = -1, counts[3] = { 0 };
	const char *missing;

	fprintf(f, "bpflab doctor: kernel %s\n", r->kernel);
	for (int i = 0; i < DOCTOR_NR_CHECKS; i++) {
		const struct doctor_check *c = &r->checks[i];
		bool yes = c->status == DOCTOR_YES;

		if ((int)c->kind != last_kind) {
			last_kind = c->kind;
			fprintf(f, "\n%s\n  %-20s %-8s %s\n",
				section_titles[c->kind], "CHECK", "STATUS",
				"DETAIL / WHAT IT COSTS");
		}
		counts[c->status]++;
		fprintf(f, "  %-20s %-8s %s\n", c->label,
			doctor_status_str(c->status),
			yes ? c->detail : c->impact);
		if (!yes)
			fprintf(f, "  %-20s %-8s (%s)\n", "", "", c->detail);
	}
	fprintf(f, "\n%d yes, %d partial, %d no. ", counts[DOCTOR_YES],
		counts[DOCTOR_PARTIAL], counts[DOCTOR_NO]);
	if (doctor_usable(r, &missing))
		fprintf(f, "This host can run bpflab.\n");
	else
		fprintf(f, "This host cannot run bpflab: it lacks %s.\n",
			missing);
}

void doctor_render_json(const struct doctor_report *r, struct jw *w)
{
	int counts[3] = { 0 };
	const char *missing;
	bool usable = doctor_usable(r, &missing);

	jw_obj_begin(w);
	jw_kstr(w, "kernel", r->kernel);
	jw_key(w, "checks");
	jw_arr_begin(w);
	for (int i = 0; i < DOCTOR_NR_CHECKS; i++) {
		const struct doctor_check *c = &r->checks[i];

		counts[c->status]++;
		jw_obj_begin(w);
		jw_kstr(w, "name", c->name);
		jw_kstr(w, "label", c->label);
		jw_kstr(w, "kind", kind_names[c->kind]);
		jw_kbool(w, "ok", c->status == DOCTOR_YES);
		jw_kstr(w, "status", doctor_status_str(c->status));
		jw_kbool(w, "required", c->required);
		jw_kstr(w, "detail", c->detail);
		jw_kstr(w, "impact", c->status == DOCTOR_YES ? "" : c->impact);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "summary");
	jw_obj_begin(w);
	jw_kbool(w, "usable", usable);
	if (usable) {
		jw_key(w, "missing");
		jw_null(w);
	} else {
		jw_kstr(w, "missing", missing);
	}
	jw_kint(w, "yes", counts[DOCTOR_YES]);
	jw_kint(w, "partial", counts[DOCTOR_PARTIAL]);
	jw_kint(w, "no", counts[DOCTOR_NO]);
	jw_obj_end(w);
	jw_obj_end(w);
}
