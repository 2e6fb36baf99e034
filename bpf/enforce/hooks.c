// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "enforce/hooks.h"

#define FD(n, a)                                          \
	{                                                 \
#n, SYS_##n, ENF_SC_FD | ENF_SC_PLAIN, a, \
			{ -1, -1 }, { -1, -1 }, -1        \
	}
#define PATH1(n, p, d)                                       \
	{                                                    \
#n, SYS_##n, ENF_SC_PATH | ENF_SC_PLAIN, -1, \
			{ p, -1 }, { d, -1 }, -1             \
	}
#define PATH2(n, p, d, q, e)                                 \
	{                                                    \
#n, SYS_##n, ENF_SC_PATH | ENF_SC_PLAIN, -1, \
			{ p, q }, { d, e }, -1               \
	}
#define NET(n, a)                                           \
	{                                                   \
#n, SYS_##n, ENF_SC_NET | ENF_SC_PLAIN, -1, \
			{ -1, -1 }, { -1, -1 }, a           \
	}
#define PLAIN(n)                                                          \
	{                                                                 \
#n, SYS_##n, ENF_SC_PLAIN, -1, { -1, -1 }, { -1, -1 }, -1 \
	}

/* x86_64 numbers from <sys/syscall.h>; the first block modifies files. */
static const struct enf_syscall syscalls[] = {
	FD(write, 0),
	FD(pwrite64, 0),
	FD(writev, 0),
	FD(pwritev, 0),
	FD(pwritev2, 0),
	FD(sendfile, 0), /* out_fd */
	FD(copy_file_range, 2), /* fd_out */
	FD(splice, 2), /* fd_out */
	FD(fallocate, 0),
	FD(ftruncate, 0),
	FD(fchmod, 0),
	FD(fchown, 0),
	PATH1(truncate, 0, -1),
	PATH2(rename, 0, -1, 1, -1), /* moving it away or replacing it */
	PATH2(renameat, 1, 0, 3, 2),
	PATH2(renameat2, 1, 0, 3, 2),
	PATH1(link, 0, -1), /* a new name for the inode */
	PATH1(linkat, 1, 0),
	PATH1(unlink, 0, -1),
	PATH1(unlinkat, 1, 0),
	PATH1(chmod, 0, -1),
	PATH1(fchmodat, 1, 0),
	PATH1(chown, 0, -1),
	PATH1(lchown, 0, -1),
	PATH1(fchownat, 1, 0),
#define N_FILE_SYSCALLS 25
	NET(connect, 1),
	NET(sendto, 4),
	PLAIN(sendmsg),
	PLAIN(bind),
	PLAIN(socket),
	PLAIN(mount),
	PLAIN(umount2),
	PLAIN(setns),
	PLAIN(unshare),
	PLAIN(pivot_root),
	PLAIN(chroot),
	PLAIN(finit_module),
	PLAIN(init_module),
	PLAIN(delete_module),
	PLAIN(open_by_handle_at),
	PLAIN(name_to_handle_at),
	PLAIN(kexec_load),
	PLAIN(bpf),
	PLAIN(ptrace),
	PLAIN(process_vm_writev),
	PLAIN(keyctl),
	PLAIN(add_key),
	PLAIN(perf_event_open),
	PLAIN(setuid),
	PLAIN(setgid),
	PLAIN(setresuid),
	PLAIN(capset),
	PLAIN(execve),
	PLAIN(execveat),
	PLAIN(openat),
	PLAIN(open),
	PLAIN(read),
	PLAIN(kill),
	PLAIN(reboot),
	PLAIN(swapon),
	PLAIN(sethostname),
	PLAIN(userfaultfd),
	PLAIN(io_uring_setup),
	PLAIN(memfd_create),
	PLAIN(clone3),
};

const struct enf_syscall *enf_syscall_by_name(const char *name)
{
	if (!strncmp(name, "sys_", 4))
		name += 4;
	else if (!strncmp(name, "__x64_sys_", 10))
		name += 10;
	for (size_t i = 0; i < sizeof(syscalls) / sizeof(syscalls[0]); i++)
		if (!strcmp(syscalls[i].name, name))
			return &syscalls[i];
	return NULL;
}

const struct enf_syscall *enf_syscall_by_nr(int nr)
{
	for (size_t i = 0; i < sizeof(syscalls) / sizeof(syscalls[0]); i++)
		if (syscalls[i].nr == nr)
			return &syscalls[i];
	return NULL;
}

int enf_file_syscalls(const struct enf_syscall **out, int max)
{
	int n = 0;

	for (int i = 0; i < N_FILE_SYSCALLS && n < max; i++)
		out[n++] = &syscalls[i];
	return n;
}

/* LSM hooks upstream examples use, and what each means here. */
static const struct {
	const char *name;
	enum enf_class cls;
	const char *sc; /* for one-syscall hooks */
} lsm_hooks[] = {
	{ "security_file_permission", ENF_FILE, NULL },
	{ "file_permission", ENF_FILE, NULL },
	{ "security_file_open", ENF_FILE, NULL },
	{ "file_open", ENF_FILE, NULL },
	{ "security_path_truncate", ENF_FILE, NULL },
	{ "path_truncate", ENF_FILE, NULL },
	{ "security_socket_connect", ENF_CONNECT, "connect" },
	{ "socket_connect", ENF_CONNECT, "connect" },
	{ "security_bprm_check", ENF_SYSCALL, "execve" },
	{ "bprm_check_security", ENF_SYSCALL, "execve" },
	{ "security_sb_mount", ENF_SYSCALL, "mount" },
	{ "sb_mount", ENF_SYSCALL, "mount" },
};

int enf_call_resolve(const struct pol_hook *h, const char *call,
		     struct enf_call *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	if (h->kind == POL_TRACEPOINT) {
		/* syscalls/sys_enter_X is the same hook as a syscall kprobe */
		if (strncmp(call, "syscalls/sys_enter_", 19)) {
			snprintf(why, whylen,
				 "tracepoint \"%s\" is not supported (only "
				 "syscalls/sys_enter_*)",
				 call);
			return -EINVAL;
		}
		call += 19;
	} else {
		for (size_t i = 0; i < sizeof(lsm_hooks) / sizeof(lsm_hooks[0]);
		     i++) {
			if (strcmp(lsm_hooks[i].name, call))
				continue;
			out->cls = lsm_hooks[i].cls;
			out->lsm_hook = true;
			out->open_too = out->cls == ENF_FILE;
			if (lsm_hooks[i].sc)
				out->sc = enf_syscall_by_name(lsm_hooks[i].sc);
			return 0;
		}
		if (h->kind == POL_LSMHOOK || !h->syscall) {
			snprintf(why, whylen,
				 "\"%s\" is not a supported hook here: kprobes "
				 "do not load on this host, so only syscalls "
				 "(syscall: true) and the security_* hooks in "
				 "`bpflab policy explain` are mapped",
				 call);
			return -EINVAL;
		}
	}
	out->sc = enf_syscall_by_name(call);
	if (!out->sc) {
		snprintf(why, whylen, "unknown or unsupported syscall \"%s\"",
			 call);
		return -EINVAL;
	}
	out->cls = out->sc->kind & ENF_SC_NET ? ENF_CONNECT : ENF_SYSCALL;
	return 0;
}
