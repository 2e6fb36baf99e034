// SPDX-License-Identifier: GPL-2.0
/*
 * `bpflab bench enforce`: what enforcement costs a syscall. A child writes
 * one byte to /dev/null in a tight loop; the parent changes what is hooked
 * between runs, all in one process run so the machine's state is shared:
 *   none      no hook of ours
 *   floor     an empty tp_btf/sys_enter program (enforce_floor.bpf.c)
 *   rules10   the enforcer with a sys_write policy naming 10 files
 *   rules10k  the same with 10,000 files (O(1): must equal rules10)
 *   tp-write  an empty program on tracepoint/syscalls/sys_enter_write (the
 *             per-syscall alternative to the raw hook)
 *   strace    strace -f on the writer
 *   auditd    kernel audit enabled with `-w FILE -p wa` on one file
 * then a realistic open/read/close mix with bpflab off and on (the full
 * protect-passwd mechanism: fd, path and lease hooks on 10 files), and
 * nginx + wrk on loopback, off / empty hook / bpflab (bench_enforce_web.c).
 * Medians of --reps runs; results in RESULTS (or ./results) as JSON and CSV.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "enforce/enforcer.h"
#include "enforce/policy.h"
#include "lab/bench/bench.h"
#include "lab/bench/bench_enforce_web.h"
#include "skel/enforce_floor.skel.h"
#include "util/log.h"
#include "util/num.h"
#include "util/util.h"

#define MAX_REPS 21

struct bopts {
	long iters;
	int reps;
	const char *out_dir;
	int web_secs; /* per nginx + wrk run; 0: skip it */
	char dir[64]; /* temp dir with the protected files */
};

/*
 * CPU time of the calling process, not wall time: the machine is shared
 * (load 7+ on 2 cores while others compile), and preemption would
 * otherwise be counted as syscall cost. Kernel time spent in our hooks is
 * charged to the task that ran the syscall, so it is all here.
 */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The measured loop: ns per write(2) of one byte to /dev/null. */
static double write_loop_clock(long iters, uint64_t (*clock)(void))
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	uint64_t t0;
	char c = 'x';

	if (fd < 0)
		return -1;
	t0 = clock();
	for (long i = 0; i < iters; i++)
		if (write(fd, &c, 1) != 1)
			break;
	t0 = clock() - t0;
	close(fd);
	return (double)t0 / (double)iters;
}

static double write_loop(long iters)
{
	return write_loop_clock(iters, cpu_ns);
}

/* The realistic mix: open, read 4 KiB, close; ops per second. */
static double open_read_loop(const char *path, long iters)
{
	char buf[4096];
	uint64_t t0 = cpu_ns();

	for (long i = 0; i < iters; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return -1;
		if (read(fd, buf, sizeof(buf)) < 0)
			break;
		close(fd);
	}
	return (double)iters * 1e9 / (double)(cpu_ns() - t0);
}

/* Run fn in a fresh child (not the enforcer's own tgid), optionally under strace. */
static double in_child(double (*fn)(long), long iters, bool strace)
{
	int p[2];
	double v = -1;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (strace) {
			char exe[4096], it[32], fdarg[16];
			ssize_t n = readlink("/proc/self/exe", exe,
					     sizeof(exe) - 1);

			if (n > 0) {
				exe[n] = '\0';
				snprintf(it, sizeof(it), "%ld", iters);
				snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
				execlp("strace", "strace", "-f", "-qq", "-o",
				       "/dev/null", exe, "bench", "enforce",
				       "--child", it, fdarg, (char *)NULL);
			}
			_exit(127);
		}
		v = fn(iters);
		if (write(p[1], &v, sizeof(v)) != sizeof(v))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &v, sizeof(v)) != sizeof(v))
		v = -1;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static const char *mix_path;
static double mix_loop(long iters)
{
	return open_read_loop(mix_path, iters);
}

static int make_files(struct bopts *o, int n)
{
	char path[128];

	for (int i = 0; i < n; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/f%05d", o->dir, i);
		fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		close(fd);
	}
	return 0;
}

/* A TracingPolicy protecting n of the files, through `call`. */
static int policy_for(struct bopts *o, const char *name, const char *call,
		      int n, struct policy **out)
{
	size_t cap = (size_t)n * 96 + 4096, len;
	char *t = malloc(cap), err[512];
	int ret;

	if (!t)
		return -ENOMEM;
	len = (size_t)snprintf(
		t, cap,
		"apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\n"
		"metadata:\n  name: %s\nspec:\n  kprobes:\n"
		"  - call: %s\n    syscall: %s\n    args:\n"
		"    - index: 0\n      type: %s\n    selectors:\n"
		"    - matchArgs:\n      - index: 0\n"
		"        operator: Equal\n        values:\n",
		name, call, strncmp(call, "sys_", 4) ? "false" : "true",
		strncmp(call, "sys_", 4) ? "file" : "fd");
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(t + len, cap - len,
					"        - \"%s/f%05d\"\n", o->dir, i);
	snprintf(t + len, cap - len,
		 "      matchActions:\n      - action: Sigkill\n");
	ret = policy_parse(t, strlen(t), name, out, err, sizeof(err));
	if (ret)
		pr_err("bench enforce: %s", err);
	free(t);
	return ret;
}

static int apply(struct enforcer *en, struct bopts *o, const char *name,
		 const char *call, int n, bool verbose)
{
	struct policy *p;
	char err[512];
	uint64_t t0 = mono_ns();
	int ret = policy_for(o, name, call, n, &p);

	if (ret)
		return ret;
	ret = enforcer__apply(en, &p, 1, err, sizeof(err));
	if (ret) {
		pr_err("bench enforce: apply: %s", err);
		policy_free(p);
		return ret;
	}
	if (verbose)
		printf("  applied %s via %s (%d files) in %.1f ms\n", name,
		       call, n, (double)(mono_ns() - t0) / 1e6);
	return 0;
}

static int audit_enabled(void)
{
	FILE *f = popen("auditctl -s 2>/dev/null", "r");
	char line[128];
	long en = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		const char *p = line + strlen("enabled");

		if (!strncmp(line, "enabled ", strlen("enabled ")) &&
		    !scan_long(&p, 10, 0, 2, &en))
			break;
	}
	pclose(f);
	return (int)en;
}

static int sh(const char *fmt, const char *arg)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), fmt, arg);
	return system(cmd);
}

struct row {
	const char *name;
	double ns;
};

/* nginx + wrk, per setup: medians of req/s and of req per CPU-second. */
struct web_rows {
	bool ran;
	double rps[3], per_cpu[3]; /* off, floor, bpflab */
};

static const char *const web_setup[3] = { "off", "empty hook", "bpflab" };

static void report_web(const struct web_rows *wr, FILE *j)
{
	if (!wr->ran) {
		printf("\nnginx + wrk: not run (no nginx or wrk, or --web-secs 0)\n");
		if (j)
			fprintf(j, ",\"nginx_wrk\":null");
		return;
	}
	printf("\nnginx + wrk (keep-alive, 16 connections, 4 KiB page, loopback):\n"
	       "%-11s %12s %8s %16s %8s\n",
	       "setup", "req/s", "lost", "req/CPU-second", "lost");
	for (int i = 0; i < 3; i++)
		printf("%-11s %12.0f %7.2f%% %16.0f %7.2f%%\n", web_setup[i],
		       wr->rps[i], (wr->rps[0] - wr->rps[i]) * 100 / wr->rps[0],
		       wr->per_cpu[i],
		       (wr->per_cpu[0] - wr->per_cpu[i]) * 100 /
			       wr->per_cpu[0]);
	if (j)
		fprintf(j,
			",\"nginx_wrk\":{\"rps\":{\"off\":%.0f,\"floor\":%.0f,"
			"\"on\":%.0f},\"per_cpu\":{\"off\":%.0f,\"floor\":%.0f,"
			"\"on\":%.0f}}",
			wr->rps[0], wr->rps[1], wr->rps[2], wr->per_cpu[0],
			wr->per_cpu[1], wr->per_cpu[2]);
}

static void report(struct bopts *o, struct row *rows, int n, double floor,
		   double none, const double mix[3], const struct web_rows *wr)
{
	char path[512];
	FILE *j, *c;

	mkdir_p(o->out_dir, 0755);
	snprintf(path, sizeof(path), "%s/bench-enforce.json", o->out_dir);
	j = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/bench-enforce.csv", o->out_dir);
	c = fopen(path, "w");
	printf("\n%-10s %12s %12s %14s\n", "setup", "ns/write", "added ns",
	       "× floor added");
	if (c)
		fprintf(c, "setup,ns_per_write,added_ns,ratio_to_floor\n");
	if (j)
		fprintf(j, "{\"iters\":%ld,\"reps\":%d,\"write_dev_null\":[",
			o->iters, o->reps);
	for (int i = 0; i < n; i++) {
		double added = rows[i].ns - none,
		       ratio = floor > none ? added / (floor - none) : 0;

		if (rows[i].ns < 0) {
			printf("%-10s %12s\n", rows[i].name, "n/a");
			continue;
		}
		printf("%-10s %12.1f %12.1f %14.2f\n", rows[i].name, rows[i].ns,
		       added, ratio);
		if (c)
			fprintf(c, "%s,%.1f,%.1f,%.3f\n", rows[i].name,
				rows[i].ns, added, ratio);
		if (j)
			fprintf(j,
				"%s{\"setup\":\"%s\",\"ns\":%.1f,\"added_ns\":%.1f,"
				"\"ratio_to_floor\":%.3f}",
				i ? "," : "", rows[i].name, rows[i].ns, added,
				ratio);
	}
	printf("\nopen+read+close (ops per CPU-second): %.0f off, %.0f empty hook "
	       "(%.2f%% lost), %.0f bpflab (%.2f%% lost)\n",
	       mix[0], mix[1], (mix[0] - mix[1]) * 100 / mix[0], mix[2],
	       (mix[0] - mix[2]) * 100 / mix[0]);
	if (j)
		fprintf(j,
			"],\"open_read_close\":{\"off\":%.0f,\"floor\":%.0f,"
			"\"on\":%.0f,\"lost_pct\":%.3f}",
			mix[0], mix[1], mix[2],
			(mix[0] - mix[2]) * 100 / mix[0]);
	report_web(wr, j);
	if (j) {
		fprintf(j, "}\n");
		fclose(j);
	}
	if (c)
		fclose(c);
	printf("results: %s/bench-enforce.{json,csv}\n", o->out_dir);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	return v[n / 2];
}

enum {
	C_NONE,
	C_FLOOR,
	C_R10,
	C_R10K,
	C_STRACE,
	C_AUDIT,
	C_MIX_OFF,
	C_MIX_FLOOR,
	C_MIX_ON,
	C_TPW,
	C_MAX
};

/*
 * In-kernel cost per program run (BPF_ENABLE_STATS), immune to the
 * scheduling noise of a shared machine. Stats add their own ~50 ns per run
 * (BENCH.md), the same for every program, so only differences count.
 */
static double prog_ns(int prog_fd, struct bopts *o)
{
	struct bpf_prog_info a = {}, b = {};
	__u32 len = sizeof(a);
	int sfd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	if (sfd < 0)
		return -1;
	bpf_obj_get_info_by_fd(prog_fd, &a, &len);
	in_child(write_loop, o->iters / 2, false);
	len = sizeof(b);
	bpf_obj_get_info_by_fd(prog_fd, &b, &len);
	close(sfd);
	if (b.run_cnt <= a.run_cnt)
		return -1;
	return (double)(b.run_time_ns - a.run_time_ns) /
	       (double)(b.run_cnt - a.run_cnt);
}

static void kernel_costs(struct bopts *o, struct enforce_floor_bpf *fl,
			 struct enforcer *en)
{
	struct bpf_link *link = bpf_program__attach(fl->progs.bl_bench_floor);
	double f = -1, r10 = -1, r10k = -1;
	char err[256];

	if (link) {
		f = prog_ns(bpf_program__fd(fl->progs.bl_bench_floor), o);
		bpf_link__destroy(link);
	}
	if (!apply(en, o, "bench-write", "sys_write", 10, false))
		r10 = prog_ns(enforcer__enter_prog_fd(en), o);
	if (!apply(en, o, "bench-write", "sys_write", 10000, false))
		r10k = prog_ns(enforcer__enter_prog_fd(en), o);
	enforcer__delete(en, "bench-write", err, sizeof(err));
	printf("\nin-kernel ns per program run (BPF_ENABLE_STATS, mostly write()):\n"
	       "  empty program %.1f, bpflab 10 files %.1f, 10,000 files %.1f\n",
	       f, r10, r10k);
}

/*
 * One round measures every setup once, in a fixed order; rounds repeat.
 * The machine is shared and drifts (others compile): interleaving makes
 * the drift hit every setup alike, and the median over rounds drops the
 * outliers.
 */
static int one_round(struct bopts *o, struct enforce_floor_bpf *fl,
		     struct enforcer *en, bool audit, double v[C_MAX][MAX_REPS],
		     int r)
{
	struct bpf_link *link;
	char err[256];
	int ret;

	v[C_NONE][r] = in_child(write_loop, o->iters, false);
	v[C_MIX_OFF][r] = in_child(mix_loop, o->iters / 10, false);
	link = bpf_program__attach(fl->progs.bl_bench_floor);
	if (!link)
		return -errno;
	v[C_FLOOR][r] = in_child(write_loop, o->iters, false);
	v[C_MIX_FLOOR][r] = in_child(mix_loop, o->iters / 10, false);
	bpf_link__destroy(link);
	/* needs tracefs (perf event ids): without it the row says n/a */
	link = bpf_program__attach(fl->progs.bl_bench_tpw);
	v[C_TPW][r] = link ? in_child(write_loop, o->iters, false) : -1;
	bpf_link__destroy(link);
	ret = apply(en, o, "bench-write", "sys_write", 10, r == 0);
	if (!ret)
		v[C_R10][r] = in_child(write_loop, o->iters, false);
	if (!ret)
		ret = apply(en, o, "bench-write", "sys_write", 10000, r == 0);
	if (!ret)
		v[C_R10K][r] = in_child(write_loop, o->iters, false);
	/* the realistic mix under the full file mechanism (fd, names, leases) */
	if (!ret)
		ret = apply(en, o, "bench-write", "security_file_permission",
			    10, r == 0);
	if (!ret)
		v[C_MIX_ON][r] = in_child(mix_loop, o->iters / 10, false);
	if (!ret)
		ret = enforcer__delete(en, "bench-write", err, sizeof(err));
	if (!ret && audit) {
		if (sh("auditctl -w %s/f00000 -p wa -k bl-bench >/dev/null",
		       o->dir))
			return -EIO;
		v[C_AUDIT][r] = in_child(write_loop, o->iters, false);
		sh("auditctl -W %s/f00000 -p wa -k bl-bench >/dev/null 2>&1",
		   o->dir);
	}
	return ret;
}

#define WEB_REPS 3

/*
 * nginx + wrk, off / empty hook / bpflab with the full file mechanism on
 * 10 files, interleaved like the write rounds. Skipped (wr->ran false)
 * without nginx or wrk.
 */
static int web_rounds(struct bopts *o, struct enforce_floor_bpf *fl,
		      struct enforcer *en, struct web_rows *wr)
{
	double rps[3][WEB_REPS], cpu[3][WEB_REPS];
	struct web_bench *w = NULL;
	struct web_result res;
	char err[256];
	int ret;

	if (o->web_secs <= 0)
		return 0;
	ret = web_bench__start(o->dir, &w);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	printf("nginx + wrk: %d s per run, %d interleaved rounds\n",
	       o->web_secs, WEB_REPS);
	web_bench__run(w, 1, &res); /* warm-up */
	for (int r = 0; r < WEB_REPS && !ret; r++) {
		struct bpf_link *link;

		ret = web_bench__run(w, o->web_secs, &res);
		rps[0][r] = res.rps;
		cpu[0][r] = res.per_cpu;
		link = bpf_program__attach(fl->progs.bl_bench_floor);
		if (!ret && !link)
			ret = -errno;
		if (!ret)
			ret = web_bench__run(w, o->web_secs, &res);
		bpf_link__destroy(link);
		rps[1][r] = res.rps;
		cpu[1][r] = res.per_cpu;
		if (!ret)
			ret = apply(en, o, "bench-web",
				    "security_file_permission", 10, false);
		if (!ret)
			ret = web_bench__run(w, o->web_secs, &res);
		rps[2][r] = res.rps;
		cpu[2][r] = res.per_cpu;
		enforcer__delete(en, "bench-web", err, sizeof(err));
	}
	web_bench__stop(w);
	if (ret)
		return ret;
	for (int i = 0; i < 3; i++) {
		wr->rps[i] = median(rps[i], WEB_REPS);
		wr->per_cpu[i] = median(cpu[i], WEB_REPS);
	}
	wr->ran = true;
	return 0;
}

/*
 * Bench directories whose bench was killed before its cleanup (its owner
 * pid is gone): remove them. Each run writes its pid there first.
 */
static void sweep_stale_dirs(void)
{
	char path[300];
	struct dirent *de;
	DIR *d = opendir("/tmp");

	while (d && (de = readdir(d))) {
		char owner[32];
		int pid = 0;

		if (strncmp(de->d_name, "bl-enforce-bench.", 17))
			continue;
		snprintf(path, sizeof(path), "/tmp/%s/owner", de->d_name);
		if (read_file(path, owner, sizeof(owner)) < 0)
			continue; /* not ours to judge: an older version's */
		if (parse_pid(owner, &pid))
			pid = 0;
		if (pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH))
			continue;
		/* a bench killed mid-policy may have left its flags */
		sh("chattr -i /tmp/%s/f0000* >/dev/null 2>&1; true",
		   de->d_name);
		sh("rm -rf /tmp/%s", de->d_name);
	}
	if (d)
		closedir(d);
}

static int run_all(struct bopts *o)
{
	struct row rows[7] = { { "none", -1 },	   { "floor", -1 },
			       { "rules10", -1 },  { "rules10k", -1 },
			       { "tp-write", -1 }, { "strace", -1 },
			       { "auditd", -1 } };
	struct web_rows wr = { 0 };
	double mix[3];
	static double v[C_MAX][MAX_REPS];
	struct enforce_floor_bpf *fl = NULL;
	struct enforcer *en = NULL;
	char mixfile[128];
	int err = 0, was_audit = -1;
	bool audit;

	bench_progress(0, o->reps + 2, "setting up (10,000 files, programs)");
	sweep_stale_dirs();
	snprintf(o->dir, sizeof(o->dir), "/tmp/bl-enforce-bench.XXXXXX");
	if (!mkdtemp(o->dir))
		return -errno;
	snprintf(mixfile, sizeof(mixfile), "%s/owner", o->dir);
	{
		FILE *f = fopen(mixfile, "we");

		if (!f || fprintf(f, "%d\n", (int)getpid()) < 0)
			err = -EIO;
		if (f && fclose(f))
			err = -EIO;
	}
	if (!err)
		err = make_files(o, 10000);
	if (err)
		goto out;
	snprintf(mixfile, sizeof(mixfile), "%s/mix", o->dir);
	{
		FILE *f = fopen(mixfile, "we");

		if (!f || fputs("unprotected data read by the mix\n", f) < 0)
			err = -EIO;
		if (f)
			fclose(f);
	}
	if (err)
		goto out;
	mix_path = mixfile;
	fl = enforce_floor_bpf__open_and_load();
	if (!fl) {
		err = -errno;
		pr_err("bench enforce: floor program: %s", strerror(-err));
		goto out;
	}
	err = enforcer__open(&en);
	if (err)
		goto out;
	was_audit = audit_enabled();
	audit = was_audit >= 0 && !sh("auditctl -e 1 >/dev/null%s", "");
	if (!audit)
		printf("  audit: not available (auditctl -e 1 failed)\n");
	printf("write(1 byte) to /dev/null, %ld calls; %d interleaved rounds\n",
	       o->iters, o->reps);
	in_child(write_loop, o->iters / 10, false); /* warm-up */
	for (int r = 0; r < o->reps && !err; r++) {
		/* the rounds, then strace's runs and nginx + wrk: two steps more */
		bench_progress(r, o->reps + 2, "interleaved round");
		err = one_round(o, fl, en, audit, v, r);
	}
	bench_progress(o->reps, o->reps + 2, "strace");
	if (audit && !was_audit)
		sh("auditctl -e 0 >/dev/null%s", "");
	if (err)
		goto out;
	if (system("command -v strace >/dev/null 2>&1") == 0) {
		for (int r = 0; r < 3; r++)
			v[C_STRACE][r] =
				in_child(write_loop, o->iters / 50, true);
		rows[5].ns = median(v[C_STRACE], 3);
	}
	bench_progress(o->reps + 1, o->reps + 2, "nginx + wrk");
	rows[0].ns = median(v[C_NONE], o->reps);
	rows[1].ns = median(v[C_FLOOR], o->reps);
	rows[2].ns = median(v[C_R10], o->reps);
	rows[3].ns = median(v[C_R10K], o->reps);
	rows[4].ns = median(v[C_TPW], o->reps);
	if (audit)
		rows[6].ns = median(v[C_AUDIT], o->reps);
	mix[0] = median(v[C_MIX_OFF], o->reps);
	mix[1] = median(v[C_MIX_FLOOR], o->reps);
	mix[2] = median(v[C_MIX_ON], o->reps);
	err = web_rounds(o, fl, en, &wr);
	if (err)
		goto out;
	report(o, rows, 7, rows[1].ns, rows[0].ns, mix, &wr);
	kernel_costs(o, fl, en);
	bench_progress(o->reps + 2, o->reps + 2, "done");
out:
	enforce_floor_bpf__destroy(fl);
	enforcer__close(en);
	sh("rm -rf %s", o->dir);
	return err;
}

static int bad_number(const char *opt, const char *arg)
{
	fprintf(stderr, "bench enforce: %s takes a number, not \"%s\"\n", opt,
		arg);
	return 2;
}

static int bench_enforce(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iters", required_argument, NULL, 'n' },
		{ "reps", required_argument, NULL, 'r' },
		{ "out", required_argument, NULL, 'o' },
		{ "child", required_argument, NULL, 'c' },
		{ "web-secs", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct bopts o = { .iters = 1000000,
			   .reps = 7,
			   .web_secs = 5,
			   .out_dir = getenv("RESULTS") ? getenv("RESULTS") :
							  "results" };
	long v, fd;
	int c;

	while ((c = getopt_long(argc, argv, "n:r:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_long(optarg, 10, LONG_MIN, LONG_MAX,
				       &o.iters))
				return bad_number("--iters", optarg);
			break;
		case 'r':
			if (parse_long(optarg, 10, INT_MIN, INT_MAX, &v))
				return bad_number("--reps", optarg);
			o.reps = (int)v;
			break;
		case 'o':
			o.out_dir = optarg;
			break;
		case 'w':
			if (parse_long(optarg, 10, 0, INT_MAX, &v))
				return bad_number("--web-secs", optarg);
			o.web_secs = (int)v;
			break;
		case 'c': {
			/*
			 * under strace: run the loop, report through the inherited
			 * fd. Wall time: the tracer's work is not our CPU time.
			 */
			double clock;

			if (parse_long(optarg, 10, 1, LONG_MAX, &v) ||
			    optind >= argc ||
			    parse_long(argv[optind], 10, 0, INT_MAX, &fd))
				return 2;
			clock = write_loop_clock(v, mono_ns);
			return write((int)fd, &clock, sizeof(clock)) ==
					       sizeof(clock) ?
				       0 :
				       1;
		}
		default:
			fprintf(stderr, "%s", bench_find("enforce")->usage);
			return c == 'h' ? 0 : 2;
		}
	}
	if (o.iters < 1000 || o.reps < 1 || o.reps > MAX_REPS) {
		fprintf(stderr, "bench enforce: --iters ≥ 1000, --reps 1..%d\n",
			MAX_REPS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid()) {
		fprintf(stderr, "bench enforce: must run as root\n");
		return 4;
	}
	return run_all(&o) ? 1 : 0;
}

BENCH_KIND(
	enforce, .name = "enforce",
	.summary =
		"syscall cost of enforcement: floor, 10 vs 10,000 rules, strace, auditd",
	.usage =
		"Usage: bpflab bench enforce [--iters N] [--reps R] [--web-secs S]\n"
		"                            [--out DIR]\n"
		"\n"
		"Time write(1 byte) to /dev/null with no hook, an empty tp_btf/sys_enter\n"
		"program (the floor), bpflab with 10 and 10,000 protected files, an\n"
		"empty tracepoint/syscalls/sys_enter_write program (tp-write), strace -f\n"
		"and audit `-w FILE -p wa`; then open+read+close ops/s with bpflab off\n"
		"and on; then nginx + wrk on loopback (keep-alive, 16 connections, a\n"
		"4 KiB page) off, under the empty hook and under bpflab, 3 interleaved\n"
		"rounds of S seconds each (default 5; 0 skips it; skipped without nginx\n"
		"or wrk). Medians of R runs (default 7) of N calls (default 1,000,000;\n"
		"strace runs N/50). Writes bench-enforce.json and .csv to --out\n"
		"(default $RESULTS or ./results). Keep kernel.bpf_stats_enabled off.\n"
		"Audit is enabled only while measured, then restored.\n",
	.run = bench_enforce);
