/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What this host supports, measured: `bpflab doctor` and anyone who wants
 * the capability table (engine, console, report). Kernel features are proven
 * by loading, attaching and triggering a tiny program of each kind; host
 * checks read sysfs/securityfs and look for optional tools on PATH.
 *
 * doctor_probe_all() needs root. It mounts tracefs and securityfs when they
 * are missing (journaled, as every bpflab mount) and leaves nothing else
 * behind: its cgroup and network namespace are gone when it returns.
 */
#ifndef BPFLAB_DOCTOR_PROBE_H
#define BPFLAB_DOCTOR_PROBE_H

#include <stdbool.h>
#include <stdio.h>

struct jw;

enum doctor_status {
	DOCTOR_NO = 0,
	DOCTOR_YES,
	DOCTOR_PARTIAL, /* present but limited (e.g. loads, never fires) */
};

enum doctor_kind {
	DOCTOR_KIND_KERNEL, /* BTF, lockdown, LSMs */
	DOCTOR_KIND_MOUNT, /* cgroup v2, bpffs, tracefs, securityfs */
	DOCTOR_KIND_PROGRAM, /* a program type or helper, loaded for real */
	DOCTOR_KIND_TOOL, /* an optional binary on PATH */
};

/* Every check, in table order. Append new ones before DOCTOR_NR_CHECKS. */
enum doctor_check_id {
	DC_BTF,
	DC_LOCKDOWN,
	DC_LSM_LIST,
	DC_CGROUP2,
	DC_BPFFS,
	DC_TRACEFS,
	DC_SECURITYFS,
	DC_TRACEPOINT,
	DC_RAW_TP,
	DC_TP_BTF,
	DC_TC,
	DC_XDP,
	DC_CGROUP_CONNECT4,
	DC_CGROUP_SENDMSG4,
	DC_CGROUP_SOCK_CREATE,
	DC_CGROUP_DEVICE,
	DC_KPROBE,
	DC_FENTRY,
	DC_BPF_LSM,
	DC_RINGBUF,
	DC_SEND_SIGNAL,
	DC_ENABLE_STATS,
	DC_TOOL_RUNC,
	DC_TOOL_CONTAINERD,
	DC_TOOL_LIBVIRTD,
	DC_TOOL_QEMU,
	DC_TOOL_IPTABLES_LEGACY,
	DC_TOOL_IPTABLES_NFT,
	DC_TOOL_NFT,
	DC_TOOL_NGINX,
	DC_TOOL_MARIADBD,
	DC_TOOL_STRACE,
	DC_TOOL_AUDITCTL,
	DC_TOOL_WRK,
	DOCTOR_NR_CHECKS,
};

struct doctor_check {
	const char *name; /* stable JSON key: "tp_btf", "bpf_lsm", "runc" */
	const char *label; /* table label: "tp_btf", "BPF-LSM" */
	enum doctor_kind kind;
	bool required; /* bpflab cannot run without it */
	bool done; /* measured (false: not run yet) */
	enum doctor_status status;
	char detail[320]; /* what was measured: "loaded, attached, ran 1x" */
	const char *impact; /* what the user loses when status != yes */
};

struct doctor_report {
	struct doctor_check checks[DOCTOR_NR_CHECKS];
	char kernel[80]; /* uname -r */
};

/* Fill r with every check's name, label and impact; nothing measured yet. */
void doctor_report_init(struct doctor_report *r);
/* Run every check. Returns 0, or -errno if the probes could not run at all. */
int doctor_probe_all(struct doctor_report *r);

/* Groups, for callers that want only part of the table. */
void doctor_check_kernel(struct doctor_report *r); /* BTF, lockdown, LSMs */
void doctor_check_mounts(struct doctor_report *r);
int doctor_probe_programs(struct doctor_report *r);
void doctor_check_tools(struct doctor_report *r);

/* Look a check up by its JSON name; NULL if unknown. */
const struct doctor_check *doctor_find(const struct doctor_report *r,
				       const char *name);
bool doctor_ok(const struct doctor_report *r, enum doctor_check_id id);
/*
 * Usable: BTF, cgroup v2, ring buffers, and tracepoints or raw_tp. When not,
 * *missing names the first missing requirement.
 */
bool doctor_usable(const struct doctor_report *r, const char **missing);
const char *doctor_status_str(enum doctor_status s);

/* Output: the table for people, JSON for scripts. */
void doctor_print_table(const struct doctor_report *r, FILE *f);
/* One object: {"kernel":..,"checks":[{name,ok,status,...}],"summary":{...}} */
void doctor_render_json(const struct doctor_report *r, struct jw *w);

/* Internal: set a check's status and detail (printf-style). */
void doctor_set(struct doctor_report *r, enum doctor_check_id id,
		enum doctor_status status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
