// SPDX-License-Identifier: GPL-2.0
/*
 * The "runc" sandbox: a generated OCI bundle run detached by runc 1.1.
 *
 *   <run dir>/sandboxes/<name>.d/     journaled "tree"
 *       upper/ work/                  the overlay's writable layer
 *       bundle/config.json            generated below
 *       bundle/rootfs                 overlay(base, upper), journaled "mount"
 *   <run dir>/runc/                   runc's --root (its state)
 *
 * linux.cgroupsPath is /bpflab/<name>: on this hybrid host runc makes it in
 * the v1 hierarchies and in the unified one, which is where bpflab's cgroup
 * id (the inode of /sys/fs/cgroup/unified/bpflab/<name>) comes from. The
 * container is journaled as "runc" ("<root> <name>"): undo is `runc delete -f`.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/journal.h"
#include "lab/sandbox/sandbox.h"
#include "util/jw.h"
#include "util/log.h"
#include "util/num.h"
#include "util/paths.h"
#include "util/util.h"

#define RUNC_BIN "/usr/sbin/runc"

/* Run runc with stdio on /dev/null (a detached container must not hold our pipes). */
static int runc_cmd(char *const argv[])
{
	int status, fd;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			if (log_get_level() < LOG_DEBUG)
				dup2(fd, 2);
		}
		execv(RUNC_BIN, argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static void runc_root(char *buf, size_t size)
{
	snprintf(buf, size, "%s/runc", bl_run_dir());
}

static int undo_runc(const char *arg)
{
	char root[256], name[64];

	if (sscanf(arg, "%255s %63s", root, name) != 2)
		return -EINVAL;
	{
		char *argv[] = { "runc",    "--root", root, "delete",
				 "--force", name,     NULL };

		runc_cmd(argv);
	}
	/* gone either way: delete fails only when it is already gone */
	return 0;
}
JOURNAL_UNDO("runc", undo_runc, "runc container");

static void json_strings(struct jw *w, const char *key, const char *const *v,
			 size_t n)
{
	jw_key(w, key);
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++)
		jw_string(w, v[i]);
	jw_arr_end(w);
}

static void json_mount(struct jw *w, const char *dst, const char *type,
		       const char *src, const char *const *opts, size_t n)
{
	jw_obj_begin(w);
	jw_kstr(w, "destination", dst);
	jw_kstr(w, "type", type);
	jw_kstr(w, "source", src);
	json_strings(w, "options", opts, n);
	jw_obj_end(w);
}

static const char *const bind_ro[] = { "rbind", "ro" };

/* docker's default set; --privileged keeps them all */
static const char *const default_caps[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_FSETID",
	"CAP_FOWNER",
	"CAP_MKNOD",
	"CAP_NET_RAW",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETFCAP",
	"CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT",
	"CAP_KILL",
	"CAP_AUDIT_WRITE",
};

/* by capability number (linux/capability.h), for the CapBnd mask */
static const char *const all_caps[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

/*
 * "Every capability" for --privileged means every one we still hold: runc
 * fails with EPERM on a capability outside our bounding set (hosts and
 * outer containers drop some, e.g. CAP_SYS_RESOURCE).
 */
static size_t privileged_caps(const char **out)
{
	char status[4096], *p;
	unsigned long long bnd = ~0ULL;
	size_t n = 0;

	if (read_file("/proc/self/status", status, sizeof(status)) > 0 &&
	    (p = strstr(status, "CapBnd:")))
		bnd = strtoull(p + 7, NULL, 16);
	for (size_t i = 0; i < ARRAY_SIZE(all_caps); i++)
		if (bnd & (1ULL << i))
			out[n++] = all_caps[i];
	return n;
}

static void write_config(struct jw *w, const struct sandbox *sb)
{
	static const char *const args[] = {
		/* pid 1 that reaps and waits: busybox sh, as the ns init does */
		"/bin/sh",
		"-c",
		"trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done",
	};
	static const char *const env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
					   "HOME=/root" };
	static const char *const ns[] = { "pid", "mount", "network",
					  "uts", "ipc",	  "cgroup" };
	static const char *const proc_o[] = { "nosuid", "noexec", "nodev" };
	static const char *const dev_o[] = { "nosuid", "strictatime",
					     "mode=755", "size=65536k" };
	static const char *const pts_o[] = { "nosuid", "noexec", "newinstance",
					     "ptmxmode=0666", "mode=0620" };
	static const char *const sys_ro[] = { "nosuid", "noexec", "nodev",
					      "ro" };
	static const char *const sys_rw[] = { "nosuid", "noexec", "nodev" };
	static const char *const tmp_o[] = { "nosuid", "nodev", "mode=1777" };
	const char *priv[ARRAY_SIZE(all_caps)];
	const char *const *caps = sb->privileged ? priv : default_caps;
	size_t ncaps = sb->privileged ? privileged_caps(priv) :
					ARRAY_SIZE(default_caps);
	char cgpath[128];

	jw_obj_begin(w);
	jw_kstr(w, "ociVersion", "1.0.2");
	jw_key(w, "process");
	jw_obj_begin(w);
	jw_kbool(w, "terminal", false);
	jw_key(w, "user");
	jw_obj_begin(w);
	jw_kint(w, "uid", 0);
	jw_kint(w, "gid", 0);
	jw_obj_end(w);
	json_strings(w, "args", args, ARRAY_SIZE(args));
	json_strings(w, "env", env, ARRAY_SIZE(env));
	jw_kstr(w, "cwd", "/");
	jw_key(w, "capabilities");
	jw_obj_begin(w);
	json_strings(w, "bounding", caps, ncaps);
	json_strings(w, "effective", caps, ncaps);
	json_strings(w, "permitted", caps, ncaps);
	jw_obj_end(w);
	jw_kbool(w, "noNewPrivileges", !sb->privileged);
	jw_obj_end(w);
	jw_key(w, "root");
	jw_obj_begin(w);
	jw_kstr(w, "path", "rootfs");
	jw_kbool(w, "readonly", false);
	jw_obj_end(w);
	jw_kstr(w, "hostname", sb->name);
	jw_key(w, "mounts");
	jw_arr_begin(w);
	json_mount(w, "/proc", "proc", "proc", proc_o, ARRAY_SIZE(proc_o));
	json_mount(w, "/dev", "tmpfs", "tmpfs", dev_o, ARRAY_SIZE(dev_o));
	json_mount(w, "/dev/pts", "devpts", "devpts", pts_o, ARRAY_SIZE(pts_o));
	if (sb->privileged) {
		json_mount(w, "/sys", "sysfs", "sysfs", sys_rw,
			   ARRAY_SIZE(sys_rw));
		json_mount(w, "/sys/fs/cgroup", "cgroup", "cgroup", sys_rw,
			   ARRAY_SIZE(sys_rw));
	} else {
		json_mount(w, "/sys", "sysfs", "sysfs", sys_ro,
			   ARRAY_SIZE(sys_ro));
	}
	json_mount(w, "/tmp", "tmpfs", "tmpfs", tmp_o, ARRAY_SIZE(tmp_o));
	if (bl_tools_dir())
		json_mount(w, BL_SANDBOX_TOOLS, "bind", bl_tools_dir(), bind_ro,
			   ARRAY_SIZE(bind_ro));
	jw_arr_end(w);
	jw_key(w, "linux");
	jw_obj_begin(w);
	snprintf(cgpath, sizeof(cgpath), "/bpflab/%s", sb->name);
	jw_kstr(w, "cgroupsPath", cgpath);
	jw_key(w, "namespaces");
	jw_arr_begin(w);
	for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
		jw_obj_begin(w);
		jw_kstr(w, "type", ns[i]);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (!sb->privileged) {
		static const char *const masked[] = {
			"/proc/kcore",
			"/proc/keys",
			"/proc/timer_list",
			"/sys/firmware",
		};
		static const char *const ro[] = { "/proc/sys",
						  "/proc/sysrq-trigger",
						  "/proc/irq", "/proc/bus" };

		json_strings(w, "maskedPaths", masked, ARRAY_SIZE(masked));
		json_strings(w, "readonlyPaths", ro, ARRAY_SIZE(ro));
	}
	jw_obj_end(w);
	jw_obj_end(w);
}

static int runc_available(char *why, size_t len)
{
	if (access(RUNC_BIN, X_OK)) {
		snprintf(why, len, "%s is not installed (apt-get install runc)",
			 RUNC_BIN);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int make_bundle(struct sandbox *sb, char *bundle, size_t size)
{
	char scratch[256], path[512], opts[1024];
	struct jw w;
	int seq, err;

	snprintf(scratch, sizeof(scratch), "%s/sandboxes/%s.d", bl_run_dir(),
		 sb->name);
	seq = journal_record("tree", "%s", scratch);
	if ((err = sandbox_journal(sb, seq)))
		return err;
	snprintf(bundle, size, "%s/bundle", scratch);
	for (const char *const *d =
		     (const char *const[]){ "upper", "work", "bundle/rootfs",
					    NULL };
	     *d; d++) {
		snprintf(path, sizeof(path), "%s/%s", scratch, *d);
		if ((err = mkdir_p(path, 0755)))
			return err;
	}
	snprintf(path, sizeof(path), "%s/bundle/rootfs", scratch);
	snprintf(opts, sizeof(opts),
		 "lowerdir=%s,upperdir=%s/upper,workdir=%s/work",
		 SANDBOX_ROOTFS_BASE, scratch, scratch);
	seq = journal_record("mount", "%s", path);
	if ((err = sandbox_journal(sb, seq)))
		return err;
	if (mount("overlay", path, "overlay", 0, opts))
		return -errno;
	jw_init(&w);
	write_config(&w, sb);
	snprintf(path, sizeof(path), "%s/bundle/config.json", scratch);
	err = jw_str(&w) ? write_new_file(path, jw_str(&w), 0600) : -ENOMEM;
	jw_free(&w);
	return err;
}

static int runc_create(struct sandbox *sb)
{
	char bundle[300], root[256], pidfile[512], buf[32];
	struct stat st;
	int seq, err;

	err = rootfs_ensure_base();
	if (!err)
		err = make_bundle(sb, bundle, sizeof(bundle));
	if (err)
		return err;
	runc_root(root, sizeof(root));
	snprintf(pidfile, sizeof(pidfile), "%s/../init.pid", bundle);
	seq = journal_record("runc", "%s %s", root, sb->name);
	if ((err = sandbox_journal(sb, seq)))
		return err;
	{
		char *argv[] = { "runc",     "--root",	 root,	 "run",
				 "--detach", "--bundle", bundle, "--pid-file",
				 pidfile,    sb->name,	 NULL };

		err = runc_cmd(argv);
	}
	if (err) {
		pr_err("runc could not start '%s' (run with -v for its output)\n",
		       sb->name);
		return err;
	}
	if (read_file(pidfile, buf, sizeof(buf)) <= 0 ||
	    parse_pid(buf, &sb->init_pid))
		return -EIO;
	err = proc_start_time(sb->init_pid, &sb->init_start);
	if (err)
		return err;
	snprintf(sb->cgroup_path, sizeof(sb->cgroup_path), "%s/%s",
		 BL_CGROUP_DIR, sb->name);
	if (stat(sb->cgroup_path, &st)) {
		pr_err("runc did not make %s\n", sb->cgroup_path);
		return -ENOENT;
	}
	sb->cgroup_id = st.st_ino;
	return 0;
}

static int runc_stop(struct sandbox *sb)
{
	char root[256];
	char *argv[] = { "runc",    "--root", root, "delete",
			 "--force", sb->name, NULL };

	runc_root(root, sizeof(root));
	runc_cmd(argv);
	return 0;
}

const struct sandbox_ops sandbox_runc_ops = {
	.kind = "runc",
	.available = runc_available,
	.create = runc_create,
	.stop = runc_stop,
};
