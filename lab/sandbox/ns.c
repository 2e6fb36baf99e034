// SPDX-License-Identifier: GPL-2.0
/*
 * The "ns" sandbox: bpflab's own launcher.
 *
 *   parent                              child (new pid/mnt/net/uts/ipc [+user] ns)
 *   mkdir scratch tree, cgroup          blocks on the "go" pipe
 *   clone() ─────────────────────────►
 *   [uid_map/gid_map]
 *   pid → <cgroup>/cgroup.procs
 *   "go" ────────────────────────────►  unshare(CLONE_NEWCGROUP): rooted at its cgroup
 *                                       overlay(base, upper) → pivot_root, /proc, /dev
 *   reads the result ◄────────────────  0 or -errno, then becomes pid 1 (a reaper)
 *
 * The cgroup move happens before the child runs anything, and the cgroup
 * namespace is made after it, so the sandbox cannot see (or climb out to)
 * the host's hierarchy. The overlay and the other mounts live only in the
 * sandbox's own mount namespace: they go away with it and never show on the
 * host. The scratch tree (upper, work) is journaled as one "tree".
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/journal.h"
#include "lab/sandbox/sandbox.h"
#include "util/log.h"
#include "util/paths.h"
#include "util/util.h"

#define NS_STACK_SIZE (256 * 1024)
#define NS_USERNS_BASE 100000
#define NS_USERNS_COUNT 65536

struct ns_launch {
	const struct sandbox *sb;
	char scratch[256]; /* <run dir>/sandboxes/<name>.d */
	int go_fd; /* child reads one byte: its cgroup is set */
	int ready_fd; /* child writes 0 or -errno */
};

static const char *const dev_nodes[] = { "null",   "zero",    "full",
					 "random", "urandom", "tty" };

static int mount_at(const char *root, const char *dir, const char *src,
		    const char *fstype, unsigned long flags, const char *data)
{
	char target[PATH_MAX];

	snprintf(target, sizeof(target), "%s/%s", root, dir);
	mkdir(target, 0755);
	return mount(src, target, fstype, flags, data) ? -errno : 0;
}

/* Unprivileged sandboxes see a tmpfs /dev with the harmless nodes bound in. */
static int setup_dev(const char *root, bool privileged)
{
	char src[64], dst[PATH_MAX];
	int err, fd;

	if (privileged) /* as `docker run --privileged`: the host's devices */
		return mount_at(root, "dev", "/dev", NULL, MS_BIND | MS_REC,
				NULL);
	err = mount_at(root, "dev", "tmpfs", "tmpfs", MS_NOSUID | MS_NOEXEC,
		       "mode=755,size=1m");
	if (err)
		return err;
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		snprintf(src, sizeof(src), "/dev/%s", dev_nodes[i]);
		snprintf(dst, sizeof(dst), "%s/dev/%s", root, dev_nodes[i]);
		fd = open(dst, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
		if (fd < 0)
			return -errno;
		close(fd);
		if (mount(src, dst, NULL, MS_BIND, NULL))
			return -errno;
	}
	err = mount_at(root, "dev/pts", "devpts", "devpts",
		       MS_NOSUID | MS_NOEXEC,
		       "newinstance,ptmxmode=0666,mode=620");
	if (err)
		return err;
	snprintf(dst, sizeof(dst), "%s/dev/ptmx", root);
	return symlink("pts/ptmx", dst) ? -errno : 0;
}

/* The static helper programs (lab/tools/), read-only at BL_SANDBOX_TOOLS. */
static int mount_tools(const char *root)
{
	const char *tools = bl_tools_dir();
	char target[PATH_MAX];
	int err;

	if (!tools)
		return 0;
	snprintf(target, sizeof(target), "%s%s", root, BL_SANDBOX_TOOLS);
	err = mkdir_p(target, 0755);
	if (err)
		return err;
	if (mount(tools, target, NULL, MS_BIND, NULL))
		return -errno;
	/* a bind mount takes the read-only flag only on a remount */
	if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL))
		return -errno;
	return 0;
}

static int lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		err = -errno;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (!err && ioctl(fd, SIOCSIFFLAGS, &ifr))
		err = -errno;
	close(fd);
	return err;
}

static int child_setup(const struct ns_launch *l)
{
	const struct sandbox *sb = l->sb;
	char root[512], opts[1024];
	int err;

	if (!sb->host_cgroupns && unshare(CLONE_NEWCGROUP))
		return -errno;
	if (sb->userns && (setresgid(0, 0, 0) || setresuid(0, 0, 0)))
		return -errno;
	if (sethostname(sb->name, strlen(sb->name)))
		return -errno;
	/* nothing we mount from here on propagates back to the host */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	snprintf(root, sizeof(root), "%s/root", l->scratch);
	snprintf(opts, sizeof(opts),
		 "lowerdir=%s,upperdir=%s/upper,workdir=%s/work",
		 SANDBOX_ROOTFS_BASE, l->scratch, l->scratch);
	if (mount("overlay", root, "overlay", 0, opts))
		return -errno;
	err = mount_at(root, "proc", "proc", "proc",
		       MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	if (err)
		return err;
	err = mount_at(root, "sys", "sysfs", "sysfs",
		       MS_NOSUID | MS_NODEV | MS_NOEXEC |
			       (sb->privileged ? 0 : MS_RDONLY),
		       NULL);
	if (err && !sb->userns)
		return err;
	/* privileged: its own cgroup tree, writable (the escape drills use it) */
	if (sb->privileged) {
		err = mount_at(root, "sys/fs/cgroup", "cgroup2", "cgroup2",
			       MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
		if (err)
			return err;
	}
	err = setup_dev(root, sb->privileged);
	if (err)
		return err;
	err = mount_tools(root);
	if (err)
		return err;
	err = mount_at(root, "tmp", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV,
		       "mode=1777,size=64m");
	if (!err)
		err = mount_at(root, "run", "tmpfs", "tmpfs",
			       MS_NOSUID | MS_NODEV, "mode=755,size=16m");
	if (err)
		return err;
	/* pivot_root(".", "."): the old root stacks under the new; detach it */
	if (chdir(root) || syscall(SYS_pivot_root, ".", ".") ||
	    umount2(".", MNT_DETACH) || chdir("/"))
		return -errno;
	return lo_up();
}

static volatile sig_atomic_t init_stop;

static void on_term(int sig)
{
	(void)sig;
	init_stop = 1;
}

static void on_chld(int sig)
{
	(void)sig;
}

/* pid 1 of the sandbox: reap orphans until told to stop. */
static void init_loop(void)
{
	struct sigaction sa = { 0 };
	sigset_t block, empty;

	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&empty);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, NULL);
	while (!init_stop) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		sigsuspend(&empty);
	}
	_exit(0);
}

static int ns_child(void *arg)
{
	const struct ns_launch *l = arg;
	int err, fd;
	char go;

	prctl(PR_SET_NAME, "bpflab-init");
	if (read(l->go_fd, &go, 1) != 1)
		_exit(1);
	err = child_setup(l);
	if (write(l->ready_fd, &err, sizeof(err)) != sizeof(err) || err)
		_exit(1);
	/* detach from the CLI that made us: the sandbox outlives it */
	setsid();
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	init_loop();
	return 0;
}

static int write_id_maps(pid_t pid)
{
	char path[64], map[64];
	int err;

	snprintf(map, sizeof(map), "0 %d %d", NS_USERNS_BASE, NS_USERNS_COUNT);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	err = write_file(path, map);
	if (err)
		return err;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	return write_file(path, map);
}

static int make_cgroup(struct sandbox *sb)
{
	struct stat st;
	int seq;

	if (access(BL_CGROUP_DIR, F_OK)) {
		seq = journal_record("cgparent", "%s", BL_CGROUP_DIR);
		if (sandbox_journal(sb, seq))
			return seq < 0 ? seq : -E2BIG;
		if (mkdir(BL_CGROUP_DIR, 0755) && errno != EEXIST)
			return -errno;
	}
	snprintf(sb->cgroup_path, sizeof(sb->cgroup_path), "%s/%s",
		 BL_CGROUP_DIR, sb->name);
	seq = journal_record("cgroup", "%s", sb->cgroup_path);
	if (seq < 0)
		return seq;
	if (mkdir(sb->cgroup_path, 0755)) {
		int err = -errno;

		/* not ours: its undo would kill another run's sandbox */
		journal_release(seq);
		if (err == -EEXIST)
			pr_err("sandbox name '%s' is taken: %s exists (another bpflab run dir?)\n",
			       sb->name, sb->cgroup_path);
		return err;
	}
	if (sandbox_journal(sb, seq))
		return -E2BIG;
	if (stat(sb->cgroup_path, &st))
		return -errno;
	sb->cgroup_id = st.st_ino; /* the id bpf_get_current_cgroup_id() sees */
	return 0;
}

static int make_scratch(struct sandbox *sb, char *scratch, size_t size)
{
	static const char *const sub[] = { "upper", "work", "root" };
	char path[PATH_MAX];
	int seq, err;

	/* uid 100000 cannot traverse the 0700 run dir: userns layers live apart */
	if (sb->userns) {
		err = mkdir_p(BL_STATE_DIR "/userns", 0711);
		if (err)
			return err;
		snprintf(scratch, size, "%s/userns/%s.d", BL_STATE_DIR,
			 sb->name);
	} else {
		snprintf(scratch, size, "%s/sandboxes/%s.d", bl_run_dir(),
			 sb->name);
	}
	seq = journal_record("tree", "%s", scratch);
	if ((err = sandbox_journal(sb, seq)))
		return err;
	for (size_t i = 0; i < ARRAY_SIZE(sub); i++) {
		snprintf(path, sizeof(path), "%s/%s", scratch, sub[i]);
		err = mkdir_p(path, 0755);
		if (err)
			return err;
		/* userns root is uid 100000 on the host: it must own its layer */
		if (sb->userns && chown(path, NS_USERNS_BASE, NS_USERNS_BASE))
			return -errno;
	}
	if (sb->userns && chown(scratch, NS_USERNS_BASE, NS_USERNS_BASE))
		return -errno;
	return 0;
}

static int ns_create(struct sandbox *sb)
{
	int flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS |
		    CLONE_NEWIPC | SIGCHLD;
	int go[2] = { -1, -1 }, ready[2] = { -1, -1 }, err, seq, result;
	struct ns_launch l = { .sb = sb };
	char path[PATH_MAX], pidbuf[32];
	char *stack = NULL;
	pid_t pid = -1;

	(void)bl_tools_dir(); /* resolved here: the child's /proc/self differs */

	if (sb->userns && sb->privileged) {
		pr_err("a privileged sandbox keeps host root: drop --userns\n");
		return -EINVAL;
	}
	if (sb->userns)
		flags |= CLONE_NEWUSER;
	err = rootfs_ensure_base();
	if (err)
		return err;
	err = make_scratch(sb, l.scratch, sizeof(l.scratch));
	if (!err)
		err = make_cgroup(sb);
	if (err)
		goto out;
	if (pipe2(go, O_CLOEXEC) || pipe2(ready, O_CLOEXEC)) {
		err = -errno;
		goto out;
	}
	l.go_fd = go[0];
	l.ready_fd = ready[1];
	stack = malloc(NS_STACK_SIZE);
	if (!stack) {
		err = -ENOMEM;
		goto out;
	}
	fflush(NULL);
	pid = clone(ns_child, stack + NS_STACK_SIZE, flags, &l);
	if (pid < 0) {
		err = -errno;
		pr_err("clone: %s\n", strerror(-err));
		goto out;
	}
	sb->init_pid = pid;
	err = proc_start_time(pid, &sb->init_start);
	if (!err) {
		seq = journal_record("pid", "%d %llu", pid, sb->init_start);
		err = sandbox_journal(sb, seq);
	}
	if (!err && sb->userns)
		err = write_id_maps(pid);
	snprintf(path, sizeof(path), "%s/cgroup.procs", sb->cgroup_path);
	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	if (!err)
		err = write_file(path, pidbuf);
	if (err)
		goto out;
	if (write(go[1], "g", 1) != 1) {
		err = -errno;
		goto out;
	}
	close(ready[1]);
	ready[1] = -1;
	if (read(ready[0], &result, sizeof(result)) != sizeof(result))
		result = -EIO;
	if (result) {
		err = result;
		pr_err("sandbox '%s' did not start: %s\n", sb->name,
		       strerror(-err));
	}
out:
	if (err && pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	for (int i = 0; i < 2; i++) {
		if (go[i] >= 0)
			close(go[i]);
		if (ready[i] >= 0)
			close(ready[i]);
	}
	free(stack);
	return err;
}

static int ns_stop(struct sandbox *sb)
{
	char path[PATH_MAX];
	int i;

	if (!sandbox_alive(sb))
		return 0;
	/* everything in the cgroup, pid 1 included, in one go */
	snprintf(path, sizeof(path), "%s/cgroup.kill", sb->cgroup_path);
	if (write_file(path, "1"))
		kill(sb->init_pid, SIGKILL);
	for (i = 0; i < 200; i++) {
		/* reap it if it is ours (the scenario runner made it) */
		waitpid(sb->init_pid, NULL, WNOHANG);
		if (!sandbox_alive(sb))
			return 0;
		usleep(5000);
	}
	return -ETIMEDOUT;
}

static int ns_available(char *why, size_t len)
{
	if (access(SANDBOX_ROOTFS_BASE "/bin/busybox", X_OK) &&
	    access("/bin/busybox", X_OK)) {
		snprintf(why, len, "busybox-static is not installed");
		return -EOPNOTSUPP;
	}
	if (access(BL_CGROUP_ROOT "/cgroup.procs", F_OK)) {
		snprintf(why, len, "no cgroup v2 at %s", BL_CGROUP_ROOT);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* The parent "bpflab" cgroup may be shared: remove it only once empty. */
static int undo_cgparent(const char *path)
{
	if (rmdir(path) && errno != ENOENT && errno != EBUSY &&
	    errno != ENOTEMPTY)
		return -errno;
	return 0;
}
JOURNAL_UNDO("cgparent", undo_cgparent, "bpflab parent cgroup");

const struct sandbox_ops sandbox_ns_ops = {
	.kind = "ns",
	.available = ns_available,
	.create = ns_create,
	.stop = ns_stop,
};
