// SPDX-License-Identifier: GPL-2.0
/*
 * `bpflab top`: CPU time and syscalls per sandbox and per process, from the
 * usage kernel programs (sched_switch / sys_enter), sorted like top. With
 * --programs it is bpftop: every BPF program's average run time, runs per
 * second and share of a CPU, with kernel stats enabled only while it runs.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "console/cli.h"
#include "observe/cgroup_names.h"
#include "observe/prog_stats.h"
#include "observe/usage.h"
#include "util/jw.h"
#include "util/log.h"
#include "util/util.h"

#define TOP_DEFAULT_LIMIT 20

struct top_opts {
	long iterations; /* 0 = until interrupted */
	uint64_t delay_ns;
	int limit; /* rows per table in text mode */
	bool json;
	bool programs;
};

static volatile sig_atomic_t top_stop;

static void on_signal(int sig)
{
	(void)sig;
	top_stop = 1;
}

/* Sleep ns, waking early when interrupted; false if we should stop. */
static bool top_sleep(uint64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000ull,
			       .tv_nsec = ns % 1000000000ull };

	while (!top_stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
	return !top_stop;
}

static void print_header(const struct top_opts *o, const char *what,
			 uint64_t interval_ns)
{
	char when[64];

	if (isatty(STDOUT_FILENO) && o->iterations != 1)
		fputs("\033[H\033[2J", stdout);
	format_rfc3339_ns(now_real_ns(), when, sizeof(when));
	printf("bpflab top %s - %s  interval %.2fs\n", what, when,
	       interval_ns / 1e9);
}

/* ---- processes and sandboxes -------------------------------------------- */

struct top_row {
	const struct usage_row *now;
	double cpus; /* CPUs used over the interval (1.0 = one full CPU) */
	double sys_per_sec;
};

static int cmp_top_row(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	if (x->cpus != y->cpus)
		return x->cpus < y->cpus ? 1 : -1;
	if (x->sys_per_sec != y->sys_per_sec)
		return x->sys_per_sec < y->sys_per_sec ? 1 : -1;
	return x->now->key < y->now->key ? -1 : x->now->key > y->now->key;
}

/* Rates between two snapshots, busiest first; rows idle over the interval are left out. */
static struct top_row *diff_rows(const struct usage_row *now, size_t n,
				 const struct usage_row *then, size_t m,
				 double secs, size_t *out_n)
{
	struct top_row *rows = calloc(n ? n : 1, sizeof(*rows));
	size_t k = 0;

	if (!rows)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct usage_row *old =
			usage_snap__find(then, m, now[i].key);
		uint64_t cpu = now[i].cpu_ns, sys = now[i].syscalls;

		/* An old value above the new one means the key was evicted and reused. */
		if (old && old->cpu_ns <= cpu && old->syscalls <= sys) {
			cpu -= old->cpu_ns;
			sys -= old->syscalls;
		}
		if (!cpu && !sys)
			continue;
		rows[k].now = &now[i];
		rows[k].cpus = cpu / 1e9 / secs;
		rows[k].sys_per_sec = sys / secs;
		k++;
	}
	qsort(rows, k, sizeof(*rows), cmp_top_row);
	*out_n = k;
	return rows;
}

static const char *sandbox_of(struct cgroup_names *names, uint64_t cgid)
{
	const char *s = cgroup_names__sandbox(names, cgid);

	return s ? s : "host";
}

static void render_usage_json(struct jw *w, struct cgroup_names *names,
			      const struct top_row *cg, size_t ncg,
			      const struct top_row *pr, size_t npr,
			      uint64_t interval_ns)
{
	char when[64];
	const char *path;

	format_rfc3339_ns(now_real_ns(), when, sizeof(when));
	jw_reset(w);
	jw_obj_begin(w);
	jw_kstr(w, "time", when);
	jw_kuint(w, "interval_ns", interval_ns);
	jw_key(w, "cgroups");
	jw_arr_begin(w);
	for (size_t i = 0; i < ncg; i++) {
		jw_obj_begin(w);
		jw_kuint(w, "cgroup_id", cg[i].now->key);
		path = cgroup_names__path(names, cg[i].now->key);
		if (path)
			jw_kstr(w, "path", path);
		jw_kstr(w, "sandbox", sandbox_of(names, cg[i].now->key));
		jw_kdouble(w, "cpus", cg[i].cpus);
		jw_kdouble(w, "syscalls_per_sec", cg[i].sys_per_sec);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "processes");
	jw_arr_begin(w);
	for (size_t i = 0; i < npr; i++) {
		jw_obj_begin(w);
		jw_kuint(w, "pid", pr[i].now->key);
		jw_kstr(w, "comm", pr[i].now->comm);
		jw_kuint(w, "cgroup_id", pr[i].now->cgroup_id);
		jw_kstr(w, "sandbox", sandbox_of(names, pr[i].now->cgroup_id));
		jw_kdouble(w, "cpu_pct", pr[i].cpus * 100);
		jw_kdouble(w, "syscalls_per_sec", pr[i].sys_per_sec);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	if (jw_str(w))
		printf("%s\n", jw_str(w));
}

static void render_usage_text(const struct top_opts *o,
			      struct cgroup_names *names,
			      const struct top_row *cg, size_t ncg,
			      const struct top_row *pr, size_t npr,
			      uint64_t interval_ns)
{
	const char *path;

	print_header(o, "(processes)", interval_ns);
	printf("\n%-20s %6s %11s  %s\n", "SANDBOX", "CPUS", "SYSCALLS/s",
	       "CGROUP");
	for (size_t i = 0; i < ncg && (int)i < o->limit; i++) {
		path = cgroup_names__path(names, cg[i].now->key);
		printf("%-20.20s %6.2f %11.0f  %s\n",
		       sandbox_of(names, cg[i].now->key), cg[i].cpus,
		       cg[i].sys_per_sec, path ? path : "?");
	}
	printf("\n%8s %-20s %-16s %6s %11s\n", "PID", "SANDBOX", "COMM", "%CPU",
	       "SYSCALLS/s");
	for (size_t i = 0; i < npr && (int)i < o->limit; i++)
		printf("%8llu %-20.20s %-16s %6.1f %11.0f\n",
		       (unsigned long long)pr[i].now->key,
		       sandbox_of(names, pr[i].now->cgroup_id), pr[i].now->comm,
		       pr[i].cpus * 100, pr[i].sys_per_sec);
	fflush(stdout);
}

static int top_usage(const struct top_opts *o)
{
	struct usage_snap then = {}, now = {};
	struct cgroup_names *names = NULL;
	struct top_row *cg = NULL, *pr = NULL;
	struct usage *u = NULL;
	size_t ncg, npr;
	struct jw w;
	int err;

	jw_init(&w);
	err = usage__open(&u);
	if (err)
		goto out;
	err = cgroup_names__new(&names);
	if (err)
		goto out;
	err = usage__snapshot(u, &then);
	for (long it = 0; !err && (!o->iterations || it < o->iterations);
	     it++) {
		double secs;

		if (!top_sleep(o->delay_ns))
			break;
		err = usage__snapshot(u, &now);
		if (err)
			break;
		secs = (now.ktime - then.ktime) / 1e9;
		cgroup_names__refresh(names);
		cg = diff_rows(now.cgroups, now.ncgroups, then.cgroups,
			       then.ncgroups, secs, &ncg);
		pr = diff_rows(now.procs, now.nprocs, then.procs, then.nprocs,
			       secs, &npr);
		if (!cg || !pr) {
			err = -ENOMEM;
			break;
		}
		if (o->json)
			render_usage_json(&w, names, cg, ncg, pr, npr,
					  now.ktime - then.ktime);
		else
			render_usage_text(o, names, cg, ncg, pr, npr,
					  now.ktime - then.ktime);
		free(cg);
		free(pr);
		cg = pr = NULL;
		usage_snap__free(&then);
		then = now;
		memset(&now, 0, sizeof(now));
	}
	if (err)
		pr_err("bpflab top: %s\n", strerror(-err));
out:
	free(cg);
	free(pr);
	usage_snap__free(&then);
	usage_snap__free(&now);
	cgroup_names__free(names);
	usage__close(u);
	jw_free(&w);
	return err;
}

/* ---- BPF programs (bpftop) ------------------------------------------------ */

struct prog_row {
	const struct prog_stat *now;
	double avg_ns; /* per run, over the interval */
	double runs_per_sec;
	double cpu_pct; /* Δrun_time / interval, in % of one CPU */
};

static int cmp_prog_row(const void *a, const void *b)
{
	const struct prog_row *x = a, *y = b;

	if (x->cpu_pct != y->cpu_pct)
		return x->cpu_pct < y->cpu_pct ? 1 : -1;
	if (x->runs_per_sec != y->runs_per_sec)
		return x->runs_per_sec < y->runs_per_sec ? 1 : -1;
	return x->now->id < y->now->id ? -1 : x->now->id > y->now->id;
}

static void render_progs(const struct top_opts *o, struct jw *w,
			 const struct prog_row *r, size_t n,
			 uint64_t interval_ns)
{
	char when[64];

	if (!o->json) {
		print_header(o, "(programs)", interval_ns);
		printf("\n%6s %-22s %-16s %10s %10s %7s\n", "ID", "TYPE",
		       "NAME", "AVG_NS", "RUNS/s", "%CPU");
		for (size_t i = 0; i < n && (int)i < o->limit; i++)
			printf("%6u %-22.22s %-16s %10.0f %10.0f %7.3f\n",
			       r[i].now->id, r[i].now->type, r[i].now->name,
			       r[i].avg_ns, r[i].runs_per_sec, r[i].cpu_pct);
		fflush(stdout);
		return;
	}
	format_rfc3339_ns(now_real_ns(), when, sizeof(when));
	jw_reset(w);
	jw_obj_begin(w);
	jw_kstr(w, "time", when);
	jw_kuint(w, "interval_ns", interval_ns);
	jw_key(w, "programs");
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		jw_obj_begin(w);
		jw_kuint(w, "id", r[i].now->id);
		jw_kstr(w, "type", r[i].now->type);
		jw_kstr(w, "name", r[i].now->name);
		jw_kdouble(w, "avg_ns", r[i].avg_ns);
		jw_kdouble(w, "runs_per_sec", r[i].runs_per_sec);
		jw_kdouble(w, "cpu_pct", r[i].cpu_pct);
		jw_kuint(w, "run_cnt", r[i].now->run_cnt);
		jw_kuint(w, "run_time_ns", r[i].now->run_time_ns);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	if (jw_str(w))
		printf("%s\n", jw_str(w));
}

static int top_programs(const struct top_opts *o)
{
	struct prog_stat *then = NULL, *now = NULL;
	size_t nthen = 0, nnow = 0;
	struct prog_row *rows = NULL;
	uint64_t t0, t1;
	struct jw w;
	int stats_fd, err;

	jw_init(&w);
	stats_fd = prog_stats__enable();
	if (stats_fd < 0) {
		err = stats_fd;
		pr_err("bpflab top: couldn't enable BPF run-time stats: %s\n",
		       strerror(-err));
		goto out;
	}
	t0 = now_mono_ns();
	err = prog_stats__read(&then, &nthen);
	for (long it = 0; !err && (!o->iterations || it < o->iterations);
	     it++) {
		size_t k = 0;
		double secs;

		if (!top_sleep(o->delay_ns))
			break;
		err = prog_stats__read(&now, &nnow);
		if (err)
			break;
		t1 = now_mono_ns();
		secs = (t1 - t0) / 1e9;
		rows = calloc(nnow ? nnow : 1, sizeof(*rows));
		if (!rows) {
			err = -ENOMEM;
			break;
		}
		for (size_t i = 0; i < nnow; i++) {
			const struct prog_stat *old =
				prog_stats__find(then, nthen, now[i].id);
			uint64_t dt = now[i].run_time_ns, dc = now[i].run_cnt;

			if (old) {
				dt -= old->run_time_ns;
				dc -= old->run_cnt;
			}
			rows[k].now = &now[i];
			rows[k].avg_ns = dc ? (double)dt / dc : 0;
			rows[k].runs_per_sec = dc / secs;
			rows[k].cpu_pct = dt / 1e9 / secs * 100;
			k++;
		}
		qsort(rows, k, sizeof(*rows), cmp_prog_row);
		render_progs(o, &w, rows, k, t1 - t0);
		free(rows);
		rows = NULL;
		free(then);
		then = now;
		nthen = nnow;
		now = NULL;
		t0 = t1;
	}
	if (err)
		pr_err("bpflab top: reading program stats: %s\n",
		       strerror(-err));
out:
	/* Stop the kernel's per-run accounting as soon as we stop watching. */
	prog_stats__disable(stats_fd);
	free(rows);
	free(then);
	free(now);
	jw_free(&w);
	return err;
}

static int run_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "delay", required_argument, NULL, 'd' },
		{ "limit", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "programs", no_argument, NULL, 'p' },
		{},
	};
	struct top_opts o = { .delay_ns = 1000000000ull,
			      .limit = TOP_DEFAULT_LIMIT };
	struct sigaction sa = { .sa_handler = on_signal };
	char *end;
	int c, err;

	while ((c = getopt_long(argc, argv, "n:d:l:jp", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.iterations = strtol(optarg, &end, 10);
			if (*end || o.iterations < 0)
				goto bad;
			break;
		case 'd':
			if (parse_duration_ns(optarg, &o.delay_ns) ||
			    o.delay_ns < 10000000ull)
				goto bad;
			break;
		case 'l':
			o.limit = strtol(optarg, &end, 10);
			if (*end || o.limit <= 0)
				goto bad;
			break;
		case 'j':
			o.json = true;
			break;
		case 'p':
			o.programs = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bpflab top: unexpected argument '%s'\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	err = o.programs ? top_programs(&o) : top_usage(&o);
	if (err == -EOPNOTSUPP || err == -EINVAL)
		return EXIT_UNSUPPORTED;
	return err ? EXIT_FAIL : EXIT_OK;
bad:
	fprintf(stderr, "bpflab top: bad value '%s' for -%c\n", optarg, c);
	return EXIT_USAGE;
}

CLI_COMMAND(
	top, .name = "top",
	.summary = "CPU and syscalls per sandbox and process; BPF program cost",
	.usage =
		"Usage: bpflab top [-n ITER] [-d DELAY] [-l ROWS] [--json]\n"
		"       bpflab top --programs [-n ITER] [-d DELAY] [--json]\n"
		"\n"
		"Show what each sandbox and process consumes, like top(1),\n"
		"measured in the kernel: on-CPU time is charged at every context\n"
		"switch (tp_btf/sched_switch) and syscalls are counted at\n"
		"raw_tp/sys_enter, in per-CPU maps. Sorted by CPU. The SANDBOX\n"
		"column names the bpflab sandbox (cgroup under\n"
		"/sys/fs/cgroup/unified/bpflab) or says \"host\".\n"
		"\n"
		"With --programs, list every BPF program on the host as bpftop\n"
		"does: type, name, average ns per run, runs per second and % of\n"
		"one CPU (run time over the interval). Kernel run-time stats\n"
		"(BPF_ENABLE_STATS) are on only while this runs.\n"
		"\n"
		"Options:\n"
		"  -n, --iterations N  print N updates, then exit (default: until\n"
		"                      Ctrl-C)\n"
		"  -d, --delay D       interval between updates: 1s, 500ms (default\n"
		"                      1s, at least 10ms)\n"
		"  -l, --limit ROWS    rows per table in text mode (default 20)\n"
		"  -j, --json          one JSON object per update, every row\n"
		"  -p, --programs      BPF programs instead of processes\n"
		"\n"
		"CPUS is in CPUs (1.00 = one core busy); %CPU is per process, in\n"
		"% of one core, as top(1).\n",
	.run = run_top, .needs_root = true, .order = 40);
