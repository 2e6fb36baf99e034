// SPDX-License-Identifier: GPL-2.0
/* The kind-independent half of sandboxes: names, labels, state, removal, spawn. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "engine/engine.h"
#include "engine/journal.h"
#include "lab/sandbox/sandbox.h"
#include "lab/sandbox/vm.h"
#include "util/jw.h"
#include "util/log.h"
#include "util/num.h"
#include "util/paths.h"
#include "util/util.h"

/* "vm" and the container runtimes slot in here as they land. */
static const struct sandbox_ops *const all_ops[] = {
	&sandbox_ns_ops,
	&sandbox_runc_ops,
	&sandbox_containerd_ops,
	&sandbox_vm_ops,
};

const struct sandbox_ops *sandbox_ops_find(const char *kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(all_ops); i++)
		if (!strcmp(all_ops[i]->kind, kind))
			return all_ops[i];
	return NULL;
}

const char *sandbox_kinds(void)
{
	static char buf[128];

	buf[0] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(all_ops); i++) {
		if (i)
			strncat(buf, ", ", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, all_ops[i]->kind, sizeof(buf) - strlen(buf) - 1);
	}
	return buf;
}

bool sandbox_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > SANDBOX_NAME_MAX || !isalnum((unsigned char)name[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)name[i]) ||
		      isdigit((unsigned char)name[i]) || name[i] == '-'))
			return false;
	return true;
}

int sandbox_add_label(struct sandbox *sb, const char *kv)
{
	const char *eq = strchr(kv, '=');
	struct sandbox_label *l;
	size_t klen;

	if (!eq || eq == kv)
		return -EINVAL;
	klen = (size_t)(eq - kv);
	if (klen >= sizeof(l->key) || strlen(eq + 1) >= sizeof(l->value) ||
	    !strncmp(kv, "bpflab.", 7))
		return -EINVAL;
	if (sb->n_labels >= SANDBOX_MAX_LABELS)
		return -E2BIG;
	l = &sb->labels[sb->n_labels++];
	memcpy(l->key, kv, klen);
	l->key[klen] = 0;
	snprintf(l->value, sizeof(l->value), "%s", eq + 1);
	return 0;
}

int sandbox_journal(struct sandbox *sb, int seq)
{
	if (seq < 0)
		return seq;
	if (sb->n_journal >= SANDBOX_MAX_JOURNAL)
		return -E2BIG;
	sb->journal[sb->n_journal++] = seq;
	return 0;
}

int write_new_file(const char *path, const char *text, mode_t mode)
{
	size_t len = strlen(text);
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		err = -EIO;
	if (fchmod(fd, mode) && !err)
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP ? rmdir(path) : unlink(path))
		return errno == ENOENT ? 0 : -errno;
	return 0;
}

int rm_tree(const char *path)
{
	int err = nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);

	if (err < 0 && errno == ENOENT)
		return 0;
	return err > 0 ? -err : (err < 0 ? -errno : 0);
}

/* A whole directory tree as one journal kind: sandbox scratch space. */
static int undo_tree(const char *path)
{
	return rm_tree(path);
}
JOURNAL_UNDO("tree", undo_tree, "directory tree");

/* The shared bpflab parent cgroup goes with the last sandbox in it. */
static void tidy_cgroup_parent(const char *dir)
{
	char stat[512], path[512];
	const char *live;
	long n;

	snprintf(path, sizeof(path), "%s/cgroup.stat", dir);
	for (int i = 0; i < 100; i++) {
		if (!rmdir(dir) || errno != EBUSY)
			return;
		/* live children belong to someone else: leave it to them */
		if (read_file(path, stat, sizeof(stat)) < 0)
			return;
		live = strstr(stat, "nr_descendants ");
		if (!live)
			return;
		live += strlen("nr_descendants");
		if (scan_long(&live, 10, 0, LONG_MAX, &n) || n > 0)
			return;
		usleep(10000); /* our child is still dying */
	}
}

/* runc also makes /bpflab in each v1 hierarchy of a hybrid host. */
static void tidy_v1_parents(void)
{
	struct dirent *de;
	char dir[512];
	DIR *d = opendir("/sys/fs/cgroup");

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "unified"))
			continue;
		snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s/bpflab",
			 de->d_name);
		if (!access(dir, F_OK))
			tidy_cgroup_parent(dir);
	}
	closedir(d);
}

static void tidy_cgroup_parents(const struct sandbox *sb)
{
	tidy_cgroup_parent(BL_CGROUP_DIR);
	if (strcmp(sb->kind, "ns"))
		tidy_v1_parents(); /* runc and containerd make /bpflab in v1 too */
}

/*
 * Tell a running engine at once, so the sandbox's first events already
 * carry its name (without this, the engine finds it on its next rescan).
 */
static void announce_to_engine(const struct sandbox *sb)
{
	struct jw w;

	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "op", "sandbox.register");
	jw_kuint(&w, "cgroup_id", sb->cgroup_id);
	jw_kstr(&w, "name", sb->name);
	jw_kstr(&w, "kind", sb->kind);
	jw_obj_end(&w);
	if (jw_str(&w))
		engine_client_notify(w.buf); /* no engine up: nothing to tell */
	jw_free(&w);
}

int sandbox_run(struct sandbox *sb)
{
	const struct sandbox_ops *ops = sandbox_ops_find(sb->kind);
	char path[512], why[256] = "";
	struct sandbox old;
	int err;

	if (!sandbox_name_valid(sb->name)) {
		pr_err("sandbox name '%s': use a-z, 0-9 and '-', at most %d characters\n",
		       sb->name, SANDBOX_NAME_MAX);
		return -EINVAL;
	}
	if (!ops) {
		pr_err("unknown sandbox kind '%s' (known: %s)\n", sb->kind,
		       sandbox_kinds());
		return -EINVAL;
	}
	if (ops->available && (err = ops->available(why, sizeof(why)))) {
		pr_err("sandbox kind '%s' is not available here: %s\n",
		       sb->kind, why);
		return err;
	}
	/* cgroup names are host-wide; state files are per run dir */
	snprintf(path, sizeof(path), "%s/%s", BL_CGROUP_DIR, sb->name);
	if (!access(path, F_OK) && sandbox_load(sb->name, &old)) {
		pr_err("sandbox name '%s' is taken: %s exists (another bpflab run dir?)\n",
		       sb->name, path);
		return -EEXIST;
	}
	if (!sandbox_load(sb->name, &old)) {
		if (sandbox_alive(&old)) {
			pr_err("sandbox '%s' already exists\n", sb->name);
			return -EEXIST;
		}
		/* a dead one from an earlier run: clear it out first */
		sandbox_remove(&old);
	}
	err = ops->create(sb);
	if (err) {
		/* a failed create leaves its partial work in the journal: undo it */
		for (int i = sb->n_journal - 1; i >= 0; i--)
			journal_undo_one(sb->journal[i]);
		tidy_cgroup_parents(sb);
		return err;
	}
	err = sandbox_state_save(sb);
	if (err) {
		pr_err("cannot write %s: %s\n",
		       sandbox_state_path(path, sizeof(path), sb->name),
		       strerror(-err));
		sandbox_remove(sb);
		return err;
	}
	if (sb->cgroup_id) /* a vm's events name their sandbox themselves */
		announce_to_engine(sb);
	return 0;
}

int sandbox_load(const char *name, struct sandbox *sb)
{
	char path[512];

	if (!sandbox_name_valid(name))
		return -EINVAL;
	return sandbox_state_load(sandbox_state_path(path, sizeof(path), name),
				  sb);
}

bool sandbox_alive(const struct sandbox *sb)
{
	unsigned long long start;
	char path[64], buf[512], *p;

	if (sb->init_pid <= 1 || proc_start_time(sb->init_pid, &start) ||
	    start != sb->init_start)
		return false;
	/* a zombie waiting for its (reparented) parent is not running */
	snprintf(path, sizeof(path), "/proc/%d/stat", sb->init_pid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return false;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

int sandbox_remove(struct sandbox *sb)
{
	const struct sandbox_ops *ops = sandbox_ops_find(sb->kind);
	char path[512];
	int err = 0, e;

	if (ops && ops->stop && (e = ops->stop(sb)))
		err = e;
	/* the journal removes what create made, newest first */
	for (int i = sb->n_journal - 1; i >= 0; i--) {
		e = journal_undo_one(sb->journal[i]);
		if (e && e != -ENOENT)
			err = err ?: e;
	}
	if (ops && ops->destroy && (e = ops->destroy(sb)))
		err = err ?: e;
	tidy_cgroup_parents(sb);
	if (!err && unlink(sandbox_state_path(path, sizeof(path), sb->name)) &&
	    errno != ENOENT)
		err = -errno;
	return err;
}

int sandbox_list(struct sandbox **out, int *count)
{
	struct sandbox *v = NULL, *tmp;
	char dir[512], path[800];
	struct dirent *de;
	int n = 0, err = 0;
	DIR *d;

	*out = NULL;
	*count = 0;
	snprintf(dir, sizeof(dir), "%s/sandboxes", bl_run_dir());
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		tmp = realloc(v, sizeof(*v) * (n + 1));
		if (!tmp) {
			err = -ENOMEM;
			goto out;
		}
		v = tmp;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!sandbox_state_load(path, &v[n]))
			n++;
	}
out:
	closedir(d);
	if (err) {
		free(v);
		return err;
	}
	*out = v;
	*count = n;
	return 0;
}

/* ---- spawn: join the cgroup and namespaces of pid 1 ----------------------- */

static const struct {
	const char *name;
	int type;
} ns_order[] = {
	/* user first: the others are owned by it */
	{ "user", CLONE_NEWUSER }, { "ipc", CLONE_NEWIPC },
	{ "uts", CLONE_NEWUTS },   { "net", CLONE_NEWNET },
	{ "pid", CLONE_NEWPID },   { "cgroup", CLONE_NEWCGROUP },
	{ "mnt", CLONE_NEWNS },
};

/* docker's default set: what a process in a plain sandbox keeps */
static const int default_caps[] = {
	CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,	     CAP_FOWNER,
	CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,	     CAP_SETUID,
	CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
	CAP_KILL,    CAP_AUDIT_WRITE,
};

/* Root gains at exec only what the bounding set allows: shrink it. */
static int drop_to_default_caps(void)
{
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
		bool keep = false;

		for (size_t i = 0; i < ARRAY_SIZE(default_caps); i++)
			keep |= default_caps[i] == cap;
		if (!keep && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) &&
		    errno != EINVAL)
			return -errno;
	}
	return 0;
}

static void die_child(int fd, int err)
{
	if (write(fd, &err, sizeof(err)) < 0)
		_exit(126);
	_exit(126);
}

/*
 * In the forked helper: everything here may only _exit.
 *
 * Order matters. The helper enters every namespace while still in the host's
 * cgroup, forks argv's process, and our caller (in the host's cgroup
 * namespace, which may move any task) puts that process into the sandbox's
 * cgroup before releasing it to exec. So nothing that runs inside the
 * sandbox's cgroup ever calls setns(): a policy that kills setns in the
 * sandbox (container-escape) does not kill bpflab's own plumbing, and the
 * exec already happens inside the sandbox, where events name it.
 */
static void spawn_helper(const struct sandbox *sb, char *const argv[],
			 const struct sandbox_io *io, int report, int go)
{
	static char *envp[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=/root",
		"TERM=xterm",
		NULL,
	};
	int fds[ARRAY_SIZE(ns_order)], status, err;
	struct rlimit no_core = { 0, 0 };
	char path[512], byte;
	pid_t inner;

	for (size_t i = 0; i < ARRAY_SIZE(ns_order); i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", sb->init_pid,
			 ns_order[i].name);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			die_child(report, -errno);
	}
	for (size_t i = 0; i < ARRAY_SIZE(ns_order); i++) {
		/* joining our own user namespace is EINVAL: skip it */
		if (ns_order[i].type == CLONE_NEWUSER && !sb->userns)
			continue;
		if (setns(fds[i], ns_order[i].type))
			die_child(report, -errno);
	}
	setrlimit(RLIMIT_CORE, &no_core);
	inner = fork();
	if (inner < 0)
		die_child(report, -errno);
	if (inner == 0) {
		/* wait until the caller moved us into the sandbox's cgroup */
		if (read(go, &byte, 1) != 1)
			_exit(127);
		if (io) {
			if (io->in >= 0)
				dup2(io->in, 0);
			if (io->out >= 0)
				dup2(io->out, 1);
			if (io->err >= 0)
				dup2(io->err, 2);
		}
		/* the helper reports only for itself: argv failing is exit 127 */
		if (chdir("/"))
			_exit(127);
		if (!sb->privileged && !(io && io->all_caps) &&
		    drop_to_default_caps())
			_exit(127);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* execvpe searches the PATH of environ: the sandbox's one */
		environ = envp;
		execvpe(argv[0], argv, envp);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(go);
	/* tell the caller argv's pid (ours: we are still in the host pid ns) */
	err = 0;
	if (write(report, &err, sizeof(err)) < 0 ||
	    write(report, &inner, sizeof(inner)) < 0)
		_exit(126);
	close(report);
	while (waitpid(inner, &status, 0) < 0)
		if (errno != EINTR)
			_exit(126);
	if (WIFSIGNALED(status)) {
		/* mirror the signal so our parent sees what argv got */
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
		_exit(128 + WTERMSIG(status));
	}
	_exit(WEXITSTATUS(status));
}

int sandbox_spawn(const struct sandbox *sb, char *const argv[],
		  const struct sandbox_io *io, pid_t *pid, pid_t *inner_pid)
{
	int report[2], go[2], err = 0;
	char path[512], pidbuf[32];
	pid_t helper, inner = 0;

	if (!argv || !argv[0])
		return -EINVAL;
	if (!sandbox_alive(sb))
		return -ESRCH;
	/* a guest has no namespaces to join: its agent runs argv */
	if (!strcmp(sb->kind, "vm"))
		return vm_spawn(sb, argv, io, pid, inner_pid);
	if (pipe2(report, O_CLOEXEC))
		return -errno;
	if (pipe2(go, O_CLOEXEC)) {
		err = -errno;
		close(report[0]);
		close(report[1]);
		return err;
	}
	fflush(NULL);
	helper = fork();
	if (helper < 0) {
		err = -errno;
		goto out;
	}
	if (helper == 0) {
		close(report[0]);
		close(go[1]);
		spawn_helper(sb, argv, io, report[1], go[0]);
	}
	close(report[1]);
	report[1] = -1;
	close(go[0]);
	go[0] = -1;
	if (read(report[0], &err, sizeof(err)) != sizeof(err))
		err = -EIO;
	else if (!err &&
		 read(report[0], &inner, sizeof(inner)) != sizeof(inner))
		err = -EIO;
	if (!err) {
		snprintf(path, sizeof(path), "%s/cgroup.procs",
			 sb->cgroup_path);
		snprintf(pidbuf, sizeof(pidbuf), "%d", inner);
		err = write_file(path, pidbuf);
	}
	/* closing go without a byte makes the inner process exit 127 */
	if (!err && write(go[1], "g", 1) != 1)
		err = -errno;
	if (err) {
		close(go[1]);
		go[1] = -1;
		waitpid(helper, NULL, 0);
		goto out;
	}
	*pid = helper;
	if (inner_pid)
		*inner_pid = inner;
out:
	for (int i = 0; i < 2; i++) {
		if (report[i] >= 0)
			close(report[i]);
		if (go[i] >= 0)
			close(go[i]);
	}
	return err;
}
