/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a TracingPolicy hook becomes on this host. Tetragon attaches kprobes
 * and BPF-LSM; neither loads here (HOST.md), so each supported call maps to
 * a class of mechanisms that do:
 *   FILE     protect inodes: fd syscalls resolved to an inode, path syscalls
 *            matched by name, write-opens caught by a read lease break.
 *   SYSCALL  one syscall number, matched at raw sys_enter.
 *   CONNECT  connect/sendmsg: deny in cgroup connect4/sendmsg4, kill at
 *            sys_enter.
 */
#ifndef BPFLAB_ENFORCE_HOOKS_H
#define BPFLAB_ENFORCE_HOOKS_H

#include <stdbool.h>

#include "enforce/enforce_abi.h"
#include "enforce/policy.h"

enum enf_class { ENF_FILE = 1, ENF_SYSCALL, ENF_CONNECT };

struct enf_syscall {
	const char *name; /* without the sys_ prefix */
	int nr;
	unsigned kind; /* what it can be matched on (enum enf_sc_kind) */
	signed char fd_arg; /* ENF_SC_FD */
	signed char path_arg[2], dfd_arg[2]; /* ENF_SC_PATH; -1 when unused */
	signed char addr_arg; /* ENF_SC_NET */
};

const struct enf_syscall *enf_syscall_by_name(const char *name);
const struct enf_syscall *enf_syscall_by_nr(int nr);
/* Every syscall that modifies a file's bytes, name or metadata. */
int enf_file_syscalls(const struct enf_syscall **out, int max);

/* A call as written in the policy ("sys_write", "security_file_permission"). */
struct enf_call {
	enum enf_class cls;
	const struct enf_syscall *sc; /* NULL for file/security hooks */
	bool open_too; /* also guard write-opens (lease) */
	bool lsm_hook; /* an LSM hook mapped onto syscalls */
};

/* 0, or -EINVAL with a reason in why (no position: the caller adds it). */
int enf_call_resolve(const struct pol_hook *h, const char *call,
		     struct enf_call *out, char *why, size_t whylen);

#endif
