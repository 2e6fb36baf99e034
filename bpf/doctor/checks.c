// SPDX-License-Identifier: GPL-2.0
/* The doctor's host checks: BTF, lockdown, LSMs, mounts, optional tools. */
#include <bpf/btf.h>
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "doctor/probe.h"
#include "engine/mounts.h"
#include "util/log.h"
#include "util/paths.h"
#include "util/util.h"

#define BTF_VMLINUX "/sys/kernel/btf/vmlinux"
#define SECURITYFS "/sys/kernel/security"
#define TOOL_TIMEOUT_MS 3000

static void check_btf(struct doctor_report *r)
{
	struct btf *btf;
	struct stat st;

	if (stat(BTF_VMLINUX, &st)) {
		doctor_set(r, DC_BTF, DOCTOR_NO, "%s: %s", BTF_VMLINUX,
			   strerror(errno));
		return;
	}
	btf = btf__parse(BTF_VMLINUX, NULL);
	if (!btf) {
		doctor_set(r, DC_BTF, DOCTOR_NO, "%s does not parse: %s",
			   BTF_VMLINUX, strerror(errno));
		return;
	}
	doctor_set(r, DC_BTF, DOCTOR_YES, "%s, %u types, %lld KiB", BTF_VMLINUX,
		   btf__type_cnt(btf), (long long)st.st_size / 1024);
	btf__free(btf);
}

/* securityfs shows the active mode in brackets: "none [integrity] confidentiality". */
static void check_lockdown(struct doctor_report *r)
{
	char buf[128], *open, *close;
	ssize_t n = read_file(SECURITYFS "/lockdown", buf, sizeof(buf));

	if (n == -ENOENT) {
		doctor_set(r, DC_LOCKDOWN, DOCTOR_YES,
			   "no lockdown LSM in this kernel");
		return;
	}
	open = n > 0 ? strchr(buf, '[') : NULL;
	close = open ? strchr(open, ']') : NULL;
	if (!close) {
		doctor_set(r, DC_LOCKDOWN, DOCTOR_PARTIAL,
			   "cannot read %s/lockdown: %s", SECURITYFS,
			   n < 0 ? strerror((int)-n) : "unexpected content");
		return;
	}
	*close = 0;
	open++;
	if (!strcmp(open, "none"))
		doctor_set(r, DC_LOCKDOWN, DOCTOR_YES, "none");
	else if (!strcmp(open, "integrity"))
		doctor_set(
			r, DC_LOCKDOWN, DOCTOR_PARTIAL,
			"integrity: bpf_probe_write_user refused, kernel reads allowed");
	else
		doctor_set(r, DC_LOCKDOWN, DOCTOR_NO, "%s", open);
}

static bool csv_has(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += len)
		if ((p == list || p[-1] == ',') &&
		    (p[len] == ',' || p[len] == 0 || p[len] == '\n'))
			return true;
	return false;
}

static void check_lsm_list(struct doctor_report *r)
{
	char buf[512];
	ssize_t n = read_file(SECURITYFS "/lsm", buf, sizeof(buf));

	if (n < 0) {
		doctor_set(r, DC_LSM_LIST, DOCTOR_NO, "cannot read %s/lsm: %s",
			   SECURITYFS, strerror((int)-n));
		return;
	}
	buf[strcspn(buf, "\n")] = 0;
	doctor_set(r, DC_LSM_LIST, csv_has(buf, "bpf") ? DOCTOR_YES : DOCTOR_NO,
		   "active: %s", buf);
}

void doctor_check_kernel(struct doctor_report *r)
{
	check_btf(r);
	check_lockdown(r);
	check_lsm_list(r);
}

/* Where a filesystem type is mounted first, into dir; false if nowhere. */
static bool find_mount(const char *fstype, char *dir, size_t size)
{
	struct mntent *m;
	bool found = false;
	FILE *f = setmntent("/proc/self/mounts", "re");

	if (!f)
		return false;
	while (!found && (m = getmntent(f)))
		if (!strcmp(m->mnt_type, fstype)) {
			snprintf(dir, size, "%s", m->mnt_dir);
			found = true;
		}
	endmntent(f);
	return found;
}

static bool fs_known(const char *fstype)
{
	char buf[4096], word[40];
	ssize_t n = read_file("/proc/filesystems", buf, sizeof(buf));

	/* lines are "nodev\tNAME" or "\tNAME" */
	snprintf(word, sizeof(word), "\t%s\n", fstype);
	return n > 0 && strstr(buf, word);
}

static void check_cgroup2(struct doctor_report *r)
{
	char dir[256];

	if (bl_is_mounted("cgroup2", BL_CGROUP_ROOT))
		doctor_set(r, DC_CGROUP2, DOCTOR_YES, "mounted at %s",
			   BL_CGROUP_ROOT);
	else if (find_mount("cgroup2", dir, sizeof(dir)))
		doctor_set(r, DC_CGROUP2, DOCTOR_PARTIAL,
			   "mounted at %s; bpflab expects %s", dir,
			   BL_CGROUP_ROOT);
	else
		doctor_set(r, DC_CGROUP2, DOCTOR_NO, "no cgroup2 mount");
}

/* bpffs is the engine's to mount: the doctor only reports it. */
static void check_bpffs(struct doctor_report *r)
{
	if (!fs_known("bpf"))
		doctor_set(r, DC_BPFFS, DOCTOR_NO,
			   "the kernel has no bpf filesystem");
	else if (bl_is_mounted("bpf", BL_BPFFS))
		doctor_set(r, DC_BPFFS, DOCTOR_YES, "mounted at %s", BL_BPFFS);
	else
		doctor_set(r, DC_BPFFS, DOCTOR_YES,
			   "supported; not mounted yet (the engine mounts %s)",
			   BL_BPFFS);
}

/* The doctor itself needs tracefs (tp/ ids) and securityfs (lockdown, lsm). */
static void ensure_fs(struct doctor_report *r, enum doctor_check_id id,
		      const char *fstype, const char *target)
{
	bool was = bl_is_mounted(fstype, target);
	int err;

	if (!fs_known(fstype)) {
		doctor_set(r, id, DOCTOR_NO, "the kernel has no %s", fstype);
		return;
	}
	err = bl_mount_ensure(fstype, target);
	if (err)
		doctor_set(r, id, DOCTOR_NO, "cannot mount at %s: %s", target,
			   strerror(-err));
	else
		doctor_set(r, id, DOCTOR_YES, "%s %s",
			   was ? "mounted at" :
				 "mounted by bpflab (journaled) at",
			   target);
}

void doctor_check_mounts(struct doctor_report *r)
{
	check_cgroup2(r);
	check_bpffs(r);
	ensure_fs(r, DC_TRACEFS, "tracefs", BL_TRACEFS);
	ensure_fs(r, DC_SECURITYFS, "securityfs", SECURITYFS);
}

/* ---- optional tools ---------------------------------------------------- */

struct tool {
	enum doctor_check_id id;
	const char *bin;
	const char *version_arg;
};

static const struct tool tools[] = {
	{ DC_TOOL_RUNC, "runc", "--version" },
	{ DC_TOOL_CONTAINERD, "containerd", "--version" },
	{ DC_TOOL_LIBVIRTD, "libvirtd", "--version" },
	{ DC_TOOL_QEMU, "qemu-system-x86_64", "--version" },
	{ DC_TOOL_IPTABLES_LEGACY, "iptables-legacy", "--version" },
	{ DC_TOOL_IPTABLES_NFT, "iptables-nft", "--version" },
	{ DC_TOOL_NFT, "nft", "--version" },
	{ DC_TOOL_NGINX, "nginx", "-v" },
	{ DC_TOOL_MARIADBD, "mariadbd", "--version" },
	{ DC_TOOL_STRACE, "strace", "-V" },
	{ DC_TOOL_AUDITCTL, "auditctl", "-v" },
	{ DC_TOOL_WRK, "wrk", "-v" },
};

/* sudo's secure_path may drop the sbin directories: search them too. */
static bool which(const char *bin, char *out, size_t size)
{
	const char *env = getenv("PATH");
	char path[4096], *save = NULL;
	bool found = false;

	snprintf(path, sizeof(path), "%s:/usr/local/sbin:/usr/sbin:/sbin",
		 env ? env : "/usr/local/bin:/usr/bin:/bin");
	for (char *dir = strtok_r(path, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		snprintf(out, size, "%s/%s", *dir ? dir : ".", bin);
		found = !access(out, X_OK);
	}
	return found;
}

/* Run "path arg" with a time limit; its first output line goes into line. */
static int first_line_of(const char *path, const char *arg, char *line,
			 size_t size)
{
	int pipefd[2], status, err = 0;
	size_t len = 0;
	pid_t pid;
	uint64_t deadline = now_mono_ns() + TOOL_TIMEOUT_MS * 1000000ULL;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return err;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		dup2(devnull, 0);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		execl(path, path, arg, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while (len + 1 < size && !memchr(line, '\n', len)) {
		struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
		uint64_t now = now_mono_ns();
		ssize_t n;

		if (now >= deadline ||
		    poll(&p, 1, (int)((deadline - now) / 1000000) + 1) <= 0) {
			err = -ETIMEDOUT;
			break;
		}
		n = read(pipefd[0], line + len, size - 1 - len);
		if (n <= 0)
			break;
		len += n;
	}
	line[len] = 0;
	line[strcspn(line, "\n")] = 0;
	close(pipefd[0]);
	if (err)
		kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return err;
}

/*
 * Pick the version out of a banner: the first word that starts with a digit
 * (or "v" and a digit, or follows a "/") and holds a dot: "nginx/1.22.1",
 * "iptables v1.8.9 (legacy)", "runc version 1.1.5".
 */
static void version_from(const char *banner, char *out, size_t size)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", banner);
	snprintf(out, size, "version unknown");
	for (char *w = strtok_r(buf, " \t(),", &save); w;
	     w = strtok_r(NULL, " \t(),", &save)) {
		char *slash = strrchr(w, '/');

		if (slash)
			w = slash + 1;
		if (*w == 'v' && w[1] >= '0' && w[1] <= '9')
			w++;
		if (*w >= '0' && *w <= '9' && strchr(w, '.')) {
			snprintf(out, size, "%s", w);
			return;
		}
	}
}

void doctor_check_tools(struct doctor_report *r)
{
	for (size_t i = 0; i < ARRAY_SIZE(tools); i++) {
		const struct tool *t = &tools[i];
		char path[512], banner[256] = "", version[64];

		if (!which(t->bin, path, sizeof(path))) {
			doctor_set(r, t->id, DOCTOR_NO, "not on PATH");
			continue;
		}
		if (first_line_of(path, t->version_arg, banner, sizeof(banner)))
			snprintf(version, sizeof(version), "version unknown");
		else
			version_from(banner, version, sizeof(version));
		doctor_set(r, t->id, DOCTOR_YES, "%s %s", path, version);
	}
}
