// SPDX-License-Identifier: GPL-2.0
/*
 * A libvirt connection for vm sandboxes. When no libvirtd serves
 * /run/libvirt, bpflab starts its own in a private mount namespace where
 * /etc, /var and /run are overlays on a throw-away tmpfs (see
 * libvirtd_child), with its socket in <run dir>/vm/libvirtd/run: it leaves
 * no configs, state or autostarted networks on the host and never touches
 * another libvirtd. It is journaled ("vmlibvirtd") and
 * stopped when the last vm sandbox goes, by `bpflab down`, or by the next
 * start after a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "engine/journal.h"
#include "lab/sandbox/vm.h"
#include "lab/sandbox/vm_wire.h"
#include "util/log.h"
#include "util/paths.h"
#include "util/util.h"

#define LIBVIRTD_BIN "/usr/sbin/libvirtd"
#define SYSTEM_SOCK "/run/libvirt/libvirt-sock"

static const char libvirtd_conf[] =
	"# written by bpflab for its private libvirtd\n"
	"auth_unix_rw = \"none\"\n"
	"auth_unix_ro = \"none\"\n"
	"unix_sock_rw_perms = \"0700\"\n";

/* no cgroups, namespaces, labels or virtlogd: a plain qemu child of libvirtd */
static const char qemu_conf[] = "# written by bpflab for its private libvirtd\n"
				"user = \"root\"\n"
				"group = \"root\"\n"
				"dynamic_ownership = 0\n"
				"remember_owner = 0\n"
				"security_driver = \"none\"\n"
				"cgroup_controllers = [ ]\n"
				"namespaces = [ ]\n"
				"stdio_handler = \"file\"\n";

static char *libvirtd_dir(char *buf, size_t size)
{
	snprintf(buf, size, "%s/vm/libvirtd", bl_run_dir());
	return buf;
}

/* libvirt prints its own errors to stderr unless told otherwise */
static void quiet_errors(void *ud, virErrorPtr err)
{
	(void)ud;
	pr_debug("libvirt: %s\n", err && err->message ? err->message : "?");
}

static virConnectPtr try_connect(const char *sock)
{
	char uri[PATH_MAX + 64];

	if (access(sock, F_OK))
		return NULL;
	snprintf(uri, sizeof(uri), "qemu:///system?socket=%s", sock);
	return virConnectOpen(uri);
}

static int undo_libvirtd(const char *arg)
{
	unsigned long long want, start;
	char copy[600], *tok[4];
	int pid;

	/* "PID START DIR" */
	snprintf(copy, sizeof(copy), "%s", arg);
	if (wire_split(copy, tok, 4) != 3)
		return -EINVAL;
	pid = wire_int(tok[0], -1);
	want = strtoull(tok[1], NULL, 10);
	if (pid > 1 && !proc_start_time(pid, &start) && start == want) {
		kill(pid, SIGTERM);
		for (int i = 0;
		     i < 300 && !proc_start_time(pid, &start) && start == want;
		     i++) {
			waitpid(pid, NULL, WNOHANG);
			usleep(10000);
		}
		if (!proc_start_time(pid, &start) && start == want)
			kill(pid, SIGKILL);
		waitpid(pid, NULL, WNOHANG);
	}
	/* its scratch tmpfs went with its mount namespace */
	rm_tree(tok[2]);
	return 0;
}
JOURNAL_UNDO("vmlibvirtd", undo_libvirtd, "libvirtd started by bpflab");

/* Write a config file in the child (before exec; it may only _exit on error). */
static void child_conf(const char *path, const char *text)
{
	if (write_new_file(path, text, 0600))
		_exit(126);
}

static void child_append(const char *path, const char *line)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);

	if (fd < 0 || write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		_exit(126);
	close(fd);
}

/*
 * In the child: /etc, /var and /run become overlays whose upper layers live
 * on a tmpfs of this mount namespace, so whatever libvirtd and qemu write
 * there (configs, state, pid files, logs) vanishes with them; bpflab's run
 * dir is bound back on top, so the sockets and files it shares with bpflab
 * (its own socket, the channel sockets, console logs) are the real ones.
 */
static void libvirtd_child(const char *dir)
{
	static const char *const layers[] = { "etc", "var", "run" };
	char scratch[600], path[700], opts[2200], log[600], conf[700];
	int fd, rundir, cache;

	snprintf(scratch, sizeof(scratch), "%s/scratch", dir);
	snprintf(log, sizeof(log), "%s/libvirtd.log", dir);
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		_exit(126);
	/* opened in the new namespace: a bind source must be one of its mounts */
	rundir = open(bl_run_dir(), O_PATH | O_DIRECTORY | O_CLOEXEC);
	cache = open(VM_CACHE_DIR "/libvirt-cache",
		     O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rundir < 0 || cache < 0 ||
	    mount("bpflab-libvirtd", scratch, "tmpfs", 0, "mode=0700"))
		_exit(126);
	for (size_t i = 0; i < ARRAY_SIZE(layers); i++) {
		snprintf(path, sizeof(path), "%s/%s-u", scratch, layers[i]);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/%s-w", scratch, layers[i]);
		mkdir(path, 0755);
		snprintf(opts, sizeof(opts),
			 "lowerdir=/%s,upperdir=%s/%s-u,workdir=%s/%s-w",
			 layers[i], scratch, layers[i], scratch, layers[i]);
		snprintf(path, sizeof(path), "/%s", layers[i]);
		if (mount("overlay", path, "overlay", 0, opts))
			_exit(126);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", rundir);
	if (mount(path, bl_run_dir(), NULL, MS_BIND | MS_REC, NULL))
		_exit(126);
	/*
	 * libvirtd probes qemu's capabilities at start (seconds under TCG on a
	 * busy host): keep its cache with bpflab's kernel cache, not per start
	 */
	if (mkdir("/var/cache/libvirt", 0755) && errno != EEXIST)
		_exit(126);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", cache);
	if (mount(path, "/var/cache/libvirt", NULL, MS_BIND, NULL))
		_exit(126);
	/*
	 * Debian's qemu driver parses its default user at start; the account
	 * comes with libvirt-daemon-system, which we do not install: add it to
	 * this namespace's /etc only.
	 */
	if (!getpwnam("libvirt-qemu"))
		child_append(
			"/etc/passwd",
			"libvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin\n");
	if (!getgrnam("libvirt-qemu"))
		child_append("/etc/group", "libvirt-qemu:x:64055:\n");
	mkdir("/etc/libvirt", 0755);
	child_conf("/etc/libvirt/qemu.conf", qemu_conf);
	snprintf(conf, sizeof(conf), "%sunix_sock_dir = \"%s/run\"\n",
		 libvirtd_conf, dir);
	child_conf("/etc/libvirt/libvirtd.conf", conf);
	setsid();
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	fd = open("/dev/null", O_RDONLY);
	dup2(fd, 0);
	/* a daemon must not hold its starter's pipes open */
	close_range(3, ~0U, 0);
	execl(LIBVIRTD_BIN, "libvirtd", NULL);
	_exit(127);
}

static int start_libvirtd(const char *dir, int *seq_out, char *why,
			  size_t whylen)
{
	unsigned long long start = 0;
	char path[600];
	int err, seq;
	pid_t pid;

	if (access(LIBVIRTD_BIN, X_OK)) {
		snprintf(
			why, whylen,
			"%s is missing (apt-get install libvirt-daemon libvirt-daemon-driver-qemu)",
			LIBVIRTD_BIN);
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "%s/run", dir);
	err = mkdir_p(path, 0700);
	snprintf(path, sizeof(path), "%s/scratch", dir);
	if (!err)
		err = mkdir_p(path, 0700);
	if (!err)
		err = mkdir_p(VM_CACHE_DIR "/libvirt-cache", 0700);
	if (err) {
		snprintf(why, whylen, "%s: %s", dir, strerror(-err));
		return err;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		libvirtd_child(dir);
	for (int i = 0; i < 100 && proc_start_time(pid, &start); i++)
		usleep(1000);
	seq = journal_record("vmlibvirtd", "%d %llu %s", pid, start, dir);
	if (seq < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return seq;
	}
	*seq_out = seq;
	return pid;
}

int vm_libvirt_connect(virConnectPtr *conn, char *why, size_t whylen)
{
	char dir[512], sock[PATH_MAX], seqfile[PATH_MAX], seqtext[32];
	uint64_t deadline;
	int pid, status, seq = 0;

	virSetErrorFunc(NULL, quiet_errors);
	/* someone else's libvirtd (the host's own): use it, never stop it */
	*conn = try_connect(SYSTEM_SOCK);
	if (*conn)
		return 0;
	libvirtd_dir(dir, sizeof(dir));
	snprintf(sock, sizeof(sock), "%s/run/libvirt-sock", dir);
	*conn = try_connect(sock);
	if (*conn)
		return 0;
	why[0] = 0;
	pid = start_libvirtd(dir, &seq, why, whylen);
	if (pid < 0) {
		if (!why[0])
			snprintf(why, whylen, "cannot start libvirtd: %s",
				 strerror(-pid));
		return pid;
	}
	snprintf(seqfile, sizeof(seqfile), "%s/journal-seq", dir);
	snprintf(seqtext, sizeof(seqtext), "%d", seq);
	write_new_file(seqfile, seqtext, 0600);
	pr_info("vm: started a private libvirtd (pid %d, %s)\n", pid, dir);
	deadline = now_mono_ns() + 30ULL * 1000000000ULL;
	while (!*conn && now_mono_ns() < deadline) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			char log[600], text[400] = "";

			snprintf(log, sizeof(log), "%s/libvirtd.log", dir);
			read_file(log, text, sizeof(text));
			snprintf(why, whylen,
				 "libvirtd exited at start (status %d%s): %s",
				 WIFEXITED(status) ? WEXITSTATUS(status) :
						     128 + WTERMSIG(status),
				 WIFEXITED(status) &&
						 WEXITSTATUS(status) == 126 ?
					 ", setting up its mount namespace" :
					 "",
				 text);
			journal_undo_one(seq);
			return -EIO;
		}
		usleep(50000);
		*conn = try_connect(sock);
	}
	if (!*conn) {
		snprintf(
			why, whylen,
			"libvirtd did not answer within 30 s (see %s/libvirtd.log)",
			dir);
		journal_undo_one(seq);
		return -ETIMEDOUT;
	}
	return 0;
}

void vm_libvirtd_release_if_idle(const char *except)
{
	char dir[512], seqfile[PATH_MAX], seq[32];
	struct sandbox *all;
	int n, busy = 0;

	if (sandbox_list(&all, &n))
		return;
	for (int i = 0; i < n; i++)
		if (!strcmp(all[i].kind, "vm") && strcmp(all[i].name, except))
			busy++;
	free(all);
	if (busy)
		return;
	libvirtd_dir(dir, sizeof(dir));
	snprintf(seqfile, sizeof(seqfile), "%s/journal-seq", dir);
	if (read_file(seqfile, seq, sizeof(seq)) <= 0)
		return;
	journal_undo_one(wire_int(seq, -1));
}
