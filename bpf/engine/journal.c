// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "engine/journal.h"
#include "util/log.h"
#include "util/num.h"
#include "util/paths.h"
#include "util/util.h"

static char journal_path[256];
static char journal_scope_name[16] = "engine";

extern const struct journal_undo __start_bl_undo[];
extern const struct journal_undo __stop_bl_undo[];

void journal_set_path(const char *path)
{
	snprintf(journal_path, sizeof(journal_path), "%s", path);
}

void journal_set_scope(const char *scope)
{
	snprintf(journal_scope_name, sizeof(journal_scope_name), "%s", scope);
}

const char *journal_scope(void)
{
	return journal_scope_name;
}

static const char *jpath(void)
{
	if (!journal_path[0])
		bl_run_path(journal_path, sizeof(journal_path), "journal");
	return journal_path;
}

static int journal_fd(int flags)
{
	char dir[256], *slash;

	snprintf(dir, sizeof(dir), "%s", jpath());
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir_p(dir, 0700);
	}
	return open(jpath(), flags | O_CLOEXEC, 0600);
}

/* The next sequence number is one past the highest in the file. */
static int next_seq(int fd)
{
	char line[4200];
	const char *p;
	long seq, max = 0;
	FILE *f;
	int dupfd = dup(fd);

	if (dupfd < 0)
		return -errno;
	f = fdopen(dupfd, "r");
	if (!f) {
		close(dupfd);
		return -errno;
	}
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		p = line;
		if (!scan_long(&p, 10, 0, INT_MAX - 1, &seq) && seq > max)
			max = seq;
	}
	fclose(f);
	return (int)max + 1;
}

static int append_line(int fd, const char *line)
{
	size_t len = strlen(line);
	ssize_t n = write(fd, line, len);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int journal_record(const char *kind, const char *fmt, ...)
{
	char arg[4000], line[4100];
	va_list ap;
	int fd, seq, err;

	va_start(ap, fmt);
	vsnprintf(arg, sizeof(arg), fmt, ap);
	va_end(ap);
	if (strchr(arg, '\n') || strchr(kind, ' '))
		return -EINVAL;
	fd = journal_fd(O_RDWR | O_CREAT | O_APPEND);
	if (fd < 0)
		return -errno;
	/* the lock makes "read max seq, append" one step across processes */
	flock(fd, LOCK_EX);
	seq = next_seq(fd);
	if (seq < 0) {
		err = seq;
		goto out;
	}
	snprintf(line, sizeof(line), "%d %s/%s %s\n", seq, journal_scope_name,
		 kind, arg);
	err = append_line(fd, line);
	if (!err)
		err = seq;
out:
	flock(fd, LOCK_UN);
	close(fd);
	return err;
}

int journal_release(int seq)
{
	char line[64];
	int fd, err;

	if (seq <= 0)
		return -EINVAL;
	fd = journal_fd(O_WRONLY | O_CREAT | O_APPEND);
	if (fd < 0)
		return -errno;
	snprintf(line, sizeof(line), "%d done\n", seq);
	flock(fd, LOCK_EX);
	err = append_line(fd, line);
	flock(fd, LOCK_UN);
	close(fd);
	return err;
}

int journal_live(struct journal_entry **out, int *count)
{
	struct journal_entry *v = NULL, *nv;
	char line[4200], kind[48], *slash;
	const char *arg;
	int n = 0, cap = 0, off;
	long seq;
	FILE *f = fopen(jpath(), "re");

	*out = NULL;
	*count = 0;
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		/* "SEQ KIND ARG...", ARG possibly empty */
		arg = line;
		if (scan_long(&arg, 10, 0, INT_MAX, &seq) ||
		    sscanf(arg, "%47s%n", kind, &off) != 1)
			continue;
		arg += off;
		arg += strspn(arg, " ");
		if (!strcmp(kind, "done")) {
			for (int i = 0; i < n; i++)
				if (v[i].seq == seq) {
					memmove(&v[i], &v[i + 1],
						(n - i - 1) * sizeof(*v));
					n--;
					break;
				}
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				fclose(f);
				return -ENOMEM;
			}
			v = nv;
		}
		v[n].seq = (int)seq;
		slash = strchr(kind, '/');
		if (slash)
			*slash = 0;
		snprintf(v[n].scope, sizeof(v[n].scope), "%.15s",
			 slash ? kind : "engine");
		snprintf(v[n].kind, sizeof(v[n].kind), "%.31s",
			 slash ? slash + 1 : kind);
		snprintf(v[n].arg, sizeof(v[n].arg), "%s", arg);
		n++;
	}
	fclose(f);
	*out = v;
	*count = n;
	return 0;
}

static const struct journal_undo *find_undo(const char *kind)
{
	for (const struct journal_undo *u = __start_bl_undo; u < __stop_bl_undo;
	     u++)
		if (!strcmp(u->kind, kind))
			return u;
	return NULL;
}

static int undo_entry(const struct journal_entry *e, bool verbose)
{
	const struct journal_undo *u = find_undo(e->kind);
	int err;

	if (!u) {
		pr_warn("journal: no handler for '%s %s', left as is", e->kind,
			e->arg);
		return -ENOSYS;
	}
	err = u->undo(e->arg);
	if (err && err != -ENOENT) {
		pr_warn("journal: could not remove %s %s: %s", u->what, e->arg,
			strerror(-err));
		return err;
	}
	if (verbose)
		pr_info("removed %s %s", u->what, e->arg);
	return 0;
}

int journal_undo_one(int seq)
{
	struct journal_entry *v;
	int n, err = -ENOENT;

	if (journal_live(&v, &n))
		return -EIO;
	for (int i = 0; i < n; i++)
		if (v[i].seq == seq) {
			err = undo_entry(&v[i], false);
			if (!err)
				journal_release(seq);
			break;
		}
	free(v);
	return err;
}

int journal_cleanup(const char *scope, bool verbose)
{
	struct journal_entry *v;
	int n, failed = 0, err, kept = 0;

	err = journal_live(&v, &n);
	if (err)
		return err;
	for (int i = n - 1; i >= 0; i--) {
		if (scope && strcmp(v[i].scope, scope)) {
			kept++;
			continue;
		}
		if (undo_entry(&v[i], verbose))
			failed++;
		else
			journal_release(v[i].seq);
	}
	free(v);
	/* everything undone: start the next run with an empty journal */
	if (!failed && !kept)
		unlink(jpath());
	return failed;
}

/* --- resource kinds every module may use --- */

static int undo_mount(const char *target)
{
	if (umount2(target, MNT_DETACH) && errno != EINVAL && errno != ENOENT)
		return -errno;
	return 0;
}
JOURNAL_UNDO("mount", undo_mount, "mount");

static int undo_pin(const char *path)
{
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return 0;
}
JOURNAL_UNDO("pin", undo_pin, "bpffs pin");
JOURNAL_UNDO("file", undo_pin, "file");

static int undo_rmdir(const char *path)
{
	if (rmdir(path) && errno != ENOENT)
		return -errno;
	return 0;
}
JOURNAL_UNDO("dir", undo_rmdir, "directory");

/* Kill every process left in a cgroup v2 directory, then remove it. */
static int undo_cgroup(const char *path)
{
	char file[4200];
	int tries;

	snprintf(file, sizeof(file), "%s/cgroup.kill", path);
	if (write_file(file, "1") == -ENOENT && access(path, F_OK))
		return 0;
	for (tries = 0; tries < 100; tries++) {
		if (!rmdir(path) || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		usleep(10000); /* killed tasks take a moment to leave */
	}
	return -EBUSY;
}
JOURNAL_UNDO("cgroup", undo_cgroup, "cgroup");

/* "PID STARTTIME": kill only if it is still the same process (pids recycle). */
static int undo_pid(const char *arg)
{
	unsigned long long want, start;
	long pid;

	if (scan_long(&arg, 10, 2, INT_MAX, &pid) || scan_ull(&arg, 10, &want))
		return -EINVAL;
	if (proc_start_time((pid_t)pid, &start) || start != want)
		return 0;
	if (kill((pid_t)pid, SIGKILL) && errno != ESRCH)
		return -errno;
	return 0;
}
JOURNAL_UNDO("pid", undo_pid, "process");

/* True if dir holds nothing but empty directories and our scaffolding files. */
static bool only_scaffolding(const char *dir, int depth)
{
	static const char *const ours[] = { "engine.lock", "journal",
					    "engine.sock" };
	struct dirent *de;
	bool ok = true;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (ok && (de = readdir(d))) {
		char sub[4200];
		bool known = false;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type == DT_DIR) {
			snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
			ok = depth < 3 && only_scaffolding(sub, depth + 1);
			continue;
		}
		for (size_t i = 0; depth == 0 && i < ARRAY_SIZE(ours); i++)
			known |= !strcmp(de->d_name, ours[i]);
		ok = known;
	}
	closedir(d);
	return ok;
}

void journal_tidy_run_dir(void)
{
	const char *dir = bl_run_dir(), *base = strrchr(dir, '/');
	struct journal_entry *v;
	char lock[256];
	int fd, n;

	/* never rm -rf a directory that is not bpflab's own */
	if (!base || strncmp(base + 1, "bpflab", 6))
		return;
	if (access(dir, F_OK))
		return;
	fd = open(bl_run_path(lock, sizeof(lock), "engine.lock"),
		  O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (flock(fd, LOCK_EX | LOCK_NB)) /* an engine is up: its dir */
		goto out;
	if (journal_live(&v, &n))
		goto out;
	free(v);
	if (n == 0 && only_scaffolding(dir, 0))
		remove_tree(dir); /* the lock file goes too, while we hold it */
out:
	close(fd);
}
