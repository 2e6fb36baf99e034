// SPDX-License-Identifier: GPL-2.0
/*
 * `bpflab bench lb`: connection rate through a service VIP with no LB,
 * kube-proxy's iptables rules (legacy and nft), optionally its nftables
 * mode, and bpflab's socket-LB, at growing numbers of services. The
 * topology is rebuilt for every configuration; see bench_lb.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "console/cli.h"
#include "lab/bench/bench.h"
#include "lab/bench/bench_lb.h"
#include "lab/bench/crr.h"
#include "lab/kubeproxy/kubeproxy.h"
#include "lab/net/net.h"
#include "lb/lb.h"
#include "util/log.h"
#include "util/util.h"

#define MAX_SIZES 16
#define MAX_REPS 50
#define MAX_SERVICES 32000

struct blb_opts {
	int sizes[MAX_SIZES], nsizes;
	bool mode_on[BLB_NMODES];
	int backends, reps, cpu, warmup;
	uint64_t duration_ns;
	uint32_t maglev_size;
	bool json;
	bool noflush_load; /* full load with --noflush too, as kube-proxy starts */
	const char *out_dir;
};

/* What one configuration programmed, for the eBPF teardown. */
struct blb_prog {
	struct lb *lb;
	char rules[64], add[64];
	double load_ms, add_ms;
};

static const enum kp_mode kp_of[BLB_NMODES] = {
	[BLB_LEGACY] = KP_IPTABLES_LEGACY,
	[BLB_IPT_NFT] = KP_IPTABLES_NFT,
	[BLB_NFTABLES] = KP_NFTABLES,
};

static void kp_fill(struct kp_service *s, int i, const struct blb_topo *t)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "bench/svc-%05d:http", i);
	s->vip = blb_vip(i);
	s->port = BLB_PORT_VIP;
	s->proto = IPPROTO_TCP;
	s->nep = t->nbackends;
	memcpy(s->ep, t->backend, sizeof(uint32_t) * t->nbackends);
	s->ep_port = BLB_PORT_BACKEND;
}

static int write_rules(const char *path, enum kp_mode m, struct kp_service *s,
		       int n, bool add)
{
	FILE *f = fopen(path, "we");
	int err;

	if (!f)
		return -errno;
	err = add ? kp_write_add(f, m, &s[n], n, BLB_POD_CIDR) :
		    kp_write_rules(f, m, s, n, BLB_POD_CIDR);
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

static int program_kubeproxy(const struct blb_opts *o, enum blb_mode mode,
			     int n, const struct blb_topo *t,
			     struct blb_prog *p)
{
	struct kp_service *s = calloc(n + 1, sizeof(*s));
	enum kp_mode m = kp_of[mode];
	uint64_t ns = 0;
	int err, fd;

	if (!s)
		return -ENOMEM;
	for (int i = 0; i <= n; i++)
		kp_fill(&s[i], i, t);
	snprintf(p->rules, sizeof(p->rules), "/tmp/bpflab-kp-full.XXXXXX");
	snprintf(p->add, sizeof(p->add), "/tmp/bpflab-kp-add.XXXXXX");
	fd = mkstemp(p->rules);
	if (fd >= 0)
		close(fd);
	fd = mkstemp(p->add);
	if (fd >= 0)
		close(fd);
	err = write_rules(p->rules, m, s, n, false);
	if (!err)
		err = write_rules(p->add, m, s, n, true);
	/*
	 * The full load replaces the (empty) nat table of the node netns: with
	 * --noflush, iptables-nft-restore 1.8.9 takes minutes over 40k chains.
	 * One more service is kube-proxy's incremental --noflush restore.
	 */
	if (!err)
		err = kp_load(BLB_NS_NODE, m, p->rules, o->noflush_load, &ns);
	p->load_ms = ns / 1e6;
	if (!err)
		err = kp_load(BLB_NS_NODE, m, p->add, true, &ns);
	p->add_ms = ns / 1e6;
	/* short conntrack TIME_WAIT: at 15k conn/s the table fills otherwise */
	if (!err)
		net_sysctl_set(
			BLB_NS_NODE,
			"net.netfilter.nf_conntrack_tcp_timeout_time_wait",
			"2");
	free(s);
	return err;
}

static void ebpf_fill(struct lb_service_spec *s, int i,
		      const struct blb_topo *t)
{
	snprintf(s->name, sizeof(s->name), "svc-%05d", i);
	s->vip = blb_vip(i);
	s->port = BLB_PORT_VIP;
	s->proto = IPPROTO_TCP;
	s->nbackends = t->nbackends;
	for (int b = 0; b < t->nbackends; b++)
		s->backends[b] = (struct lb_backend_spec){
			.addr = t->backend[b],
			.port = BLB_PORT_BACKEND,
			.weight = 1,
		};
}

static int program_ebpf(const struct blb_opts *o, int n,
			const struct blb_topo *t, struct blb_prog *p)
{
	struct lb_opts lo = { .cgroup = t->cgroup,
			      .table_size = o->maglev_size,
			      .max_slots = (uint32_t)(n + 2) * o->maglev_size };
	struct lb_service_spec *s = calloc(1, sizeof(*s));
	uint64_t t0;
	int err;

	if (!s)
		return -ENOMEM;
	err = lb__open(&p->lb, &lo);
	t0 = now_mono_ns();
	for (int i = 0; !err && i < n; i++) {
		ebpf_fill(s, i, t);
		err = lb__svc_add(p->lb, s, false);
	}
	p->load_ms = (now_mono_ns() - t0) / 1e6;
	if (!err) {
		ebpf_fill(s, n, t);
		t0 = now_mono_ns();
		err = lb__svc_add(p->lb, s, false);
		p->add_ms = (now_mono_ns() - t0) / 1e6;
	}
	free(s);
	return err;
}

static void unprogram(struct blb_prog *p)
{
	lb__close(p->lb);
	p->lb = NULL;
	if (p->rules[0])
		unlink(p->rules);
	if (p->add[0])
		unlink(p->add);
	p->rules[0] = p->add[0] = 0;
}

/* ---- one measurement in the client netns -------------------------------- */

struct client_arg {
	const struct blb_topo *t;
	const struct crr_target *targets;
	int ntargets, warmup, fd;
	bool rr;
	uint64_t duration_ns;
};

static int client_main(void *p)
{
	struct client_arg *a = p;
	struct crr_result r;
	int err;

	if (blb_topo_join(a->t))
		return 3;
	err = a->rr ? rr_client(a->targets, a->duration_ns, &r) :
		      crr_client(a->targets, a->ntargets, a->warmup,
				 a->duration_ns, &r);
	if (err)
		return 4;
	return write(a->fd, &r, sizeof(r)) == sizeof(r) ? 0 : 5;
}

static int measure(struct client_arg *a, struct crr_result *r, uint64_t *cpu_us)
{
	uint64_t c0 = 0, c1 = 0;
	int pipefd[2], rc, err = 0;

	if (pipe(pipefd))
		return -errno;
	a->fd = pipefd[1];
	blb_topo_cpu_usec(a->t, &c0);
	rc = net_ns_run(BLB_NS_CLIENT, client_main, a);
	blb_topo_cpu_usec(a->t, &c1);
	*cpu_us = c1 - c0;
	if (rc || read(pipefd[0], r, sizeof(*r)) != sizeof(*r)) {
		pr_err("bench lb: the client failed (status %d)\n", rc);
		err = -EIO;
	}
	close(pipefd[0]);
	close(pipefd[1]);
	return err;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int run_target(const struct blb_opts *o, const struct blb_topo *t,
		      enum blb_mode mode, const struct crr_target *tg, int ntg,
		      struct blb_row *row)
{
	double cps[MAX_REPS], p50[MAX_REPS], p99[MAX_REPS], cpu[MAX_REPS],
		rr[MAX_REPS];
	struct client_arg a = { .t = t,
				.targets = tg,
				.ntargets = ntg,
				.warmup = o->warmup,
				.duration_ns = o->duration_ns };
	struct crr_result r = { 0 };
	uint64_t cpu_us = 0;
	int err;

	for (int i = 0; i < o->reps; i++) {
		if (mode != BLB_NONE && mode != BLB_EBPF)
			blb_conntrack_flush();
		a.rr = false;
		err = measure(&a, &r, &cpu_us);
		if (err)
			return err;
		cps[i] = r.ops * 1e9 / r.elapsed_ns;
		p50[i] = r.p50_ns / 1e3;
		p99[i] = r.p99_ns / 1e3;
		cpu[i] = r.ops ? (double)cpu_us / (r.ops + o->warmup) : 0;
		row->failed += r.failed;
		row->cps_min =
			i && row->cps_min < cps[i] ? row->cps_min : cps[i];
		row->cps_max = row->cps_max > cps[i] ? row->cps_max : cps[i];
		/* the control: request/response on one established connection */
		a.rr = true;
		err = measure(&a, &r, &cpu_us);
		if (err)
			return err;
		rr[i] = r.ops * 1e9 / r.elapsed_ns;
	}
	row->reps = o->reps;
	row->cps = median(cps, o->reps);
	row->p50_us = median(p50, o->reps);
	row->p99_us = median(p99, o->reps);
	row->cpu_us_per_conn = median(cpu, o->reps);
	row->rr_per_s = median(rr, o->reps);
	return 0;
}

/* One (mode, N): rebuild, program, measure the last and the first VIP. */
static int run_config(const struct blb_opts *o, enum blb_mode mode, int n,
		      struct blb_row *rows, int *nrows)
{
	struct blb_prog p = { 0 };
	struct blb_topo t;
	struct crr_target tg[BLB_MAX_BACKENDS];
	int err;

	fprintf(stderr, "bench lb: %s, %d service(s)...\n", blb_mode_name(mode),
		n);
	err = blb_topo_up(&t, o->backends, o->cpu);
	if (err)
		return err;
	if (mode == BLB_EBPF)
		err = program_ebpf(o, n, &t, &p);
	else if (mode != BLB_NONE)
		err = program_kubeproxy(o, mode, n, &t, &p);
	if (err)
		goto out;
	for (int k = 0; k < 2; k++) {
		struct blb_row *row = &rows[*nrows];
		int ntg = 1;

		memset(row, 0, sizeof(*row));
		row->mode = mode;
		row->services = mode == BLB_NONE ? 0 : n;
		row->load_ms = p.load_ms;
		row->add_ms = p.add_ms;
		if (mode == BLB_NONE) {
			/* no VIP: the client dials the backends directly, in turn */
			for (int b = 0; b < t.nbackends; b++)
				tg[b] = (struct crr_target){ t.backend[b],
							     BLB_PORT_BACKEND };
			ntg = t.nbackends;
			row->target = "backend";
		} else {
			tg[0] = (struct crr_target){ blb_vip(k ? 0 : n - 1),
						     BLB_PORT_VIP };
			row->target = k ? "first" : "last";
		}
		err = run_target(o, &t, mode, tg, ntg, row);
		if (err)
			goto out;
		(*nrows)++;
		if (mode == BLB_NONE || n == 1)
			break; /* the first VIP is the last one */
	}
out:
	unprogram(&p);
	blb_topo_down(&t);
	if (err)
		pr_err("bench lb: %s with %d services failed: %s\n",
		       blb_mode_name(mode), n, strerror(-err));
	return err;
}

/* ---- options and output -------------------------------------------------- */

static int parse_sizes(const char *s, struct blb_opts *o)
{
	char buf[256], *tok, *save, *end;

	snprintf(buf, sizeof(buf), "%s", s);
	o->nsizes = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		long v = strtol(tok, &end, 10);

		if (*end || v < 1 || v > MAX_SERVICES || o->nsizes == MAX_SIZES)
			return -EINVAL;
		o->sizes[o->nsizes++] = (int)v;
	}
	return o->nsizes ? 0 : -EINVAL;
}

static int parse_modes(const char *s, struct blb_opts *o)
{
	char buf[256], *tok, *save;
	int m;

	snprintf(buf, sizeof(buf), "%s", s);
	memset(o->mode_on, 0, sizeof(o->mode_on));
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (m = 0; m < BLB_NMODES; m++)
			if (!strcmp(tok, blb_mode_name(m)))
				break;
		if (m == BLB_NMODES)
			return -EINVAL;
		o->mode_on[m] = true;
	}
	return 0;
}

static int write_outputs(const struct blb_opts *o, const struct blb_row *rows,
			 int n, const char *command)
{
	char stamp[32], path[512];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;
	int err;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	err = mkdir_p(o->out_dir, 0755);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/bench-lb-%s.json", o->out_dir, stamp);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	blb_write_json(f, rows, n, command);
	fclose(f);
	fprintf(stderr, "bench lb: wrote %s\n", path);
	snprintf(path, sizeof(path), "%s/bench-lb-%s.csv", o->out_dir, stamp);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	blb_write_csv(f, rows, n);
	fclose(f);
	fprintf(stderr, "bench lb: wrote %s\n", path);
	return 0;
}

static const char bench_lb_usage[] =
	"usage: bpflab bench lb [--services 1,100,1000,10000] [--backends 3]\n"
	"                       [--modes none,iptables-legacy,iptables-nft,ebpf]\n"
	"                       [--nftables] [--duration 5s] [--reps 5] [--cpu N]\n"
	"                       [--maglev-size 1021] [--warmup 200] [--noflush-load]\n"
	"                       [--out DIR] [--json]\n"
	"\n"
	"New connections per second through a service VIP (CRR: connect, 64 B\n"
	"request, 64 B reply, close), with no LB, kube-proxy's iptables rules\n"
	"(iptables-legacy and iptables-nft, one iptables-restore --noflush), its\n"
	"nftables mode (--nftables or mode nftables) and bpflab's socket-LB (ebpf).\n"
	"For each mode and N it rebuilds namespaces client - node - backends, puts\n"
	"N services in, and measures the last service's VIP (worst case for linear\n"
	"rule matching) and the first: conn/s, p50/p99 connect-to-reply latency,\n"
	"CPU per connection (the cgroup of client and servers), request/response\n"
	"rate on one connection (the control), and programming time: a full load\n"
	"(iptables-restore of the nat table; --noflush-load adds --noflush, as\n"
	"kube-proxy starts, which takes minutes with iptables-nft at 10,000) and\n"
	"one more service at N (iptables-restore --noflush, kube-proxy's partial\n"
	"sync; one map update for eBPF). Client and servers are pinned to CPU --cpu\n"
	"(default 1); backends have TIME_WAIT off; conntrack is flushed between\n"
	"repetitions. Medians over --reps.\n"
	"\n"
	"Writes bench-lb-<time>.json and .csv under --out (default $RESULTS or\n"
	"./results); --json prints the JSON instead of the table and chart.\n";

static int bench_lb_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "services", required_argument, NULL, 's' },
		{ "backends", required_argument, NULL, 'b' },
		{ "modes", required_argument, NULL, 'm' },
		{ "nftables", no_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "reps", required_argument, NULL, 'r' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "maglev-size", required_argument, NULL, 'M' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "out", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "noflush-load", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct blb_opts o = {
		.backends = 3,
		.reps = 5,
		.warmup = 200,
		.cpu = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0,
		.duration_ns = 5000000000ull,
		.maglev_size = 1021,
		.out_dir = getenv("RESULTS") ? getenv("RESULTS") : "results",
	};
	char command[1024] = "bpflab bench";
	struct blb_row *rows = NULL;
	int c, nrows = 0, err = 0, total = 0, done = 0;

	for (int i = 0; i < argc; i++)
		snprintf(command + strlen(command),
			 sizeof(command) - strlen(command), " %s", argv[i]);
	parse_sizes("1,100,1000,10000", &o);
	parse_modes("none,iptables-legacy,iptables-nft,ebpf", &o);
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end;
		long v;

		switch (c) {
		case 's':
			if (parse_sizes(optarg, &o))
				goto usage;
			break;
		case 'm':
			if (parse_modes(optarg, &o))
				goto usage;
			break;
		case 'n':
			o.mode_on[BLB_NFTABLES] = true;
			break;
		case 'd':
			if (parse_duration_ns(optarg, &o.duration_ns) ||
			    !o.duration_ns)
				goto usage;
			break;
		case 'b':
		case 'r':
		case 'c':
		case 'M':
		case 'w':
			v = strtol(optarg, &end, 10);
			if (*end || v < 0 ||
			    (c == 'b' && (v < 1 || v > BLB_MAX_BACKENDS)) ||
			    (c == 'r' && (v < 1 || v > MAX_REPS)) ||
			    (c == 'c' && v >= sysconf(_SC_NPROCESSORS_ONLN)) ||
			    (c == 'M' && !maglev_size_ok((uint32_t)v)))
				goto usage;
			if (c == 'b')
				o.backends = (int)v;
			else if (c == 'r')
				o.reps = (int)v;
			else if (c == 'c')
				o.cpu = (int)v;
			else if (c == 'M')
				o.maglev_size = (uint32_t)v;
			else
				o.warmup = (int)v;
			break;
		case 'o':
			o.out_dir = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'F':
			o.noflush_load = true;
			break;
		case 'h':
			fputs(bench_lb_usage, stdout);
			return EXIT_OK;
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	rows = calloc(BLB_NMODES * MAX_SIZES * 2, sizeof(*rows));
	if (!rows)
		return EXIT_FAIL;
	for (int m = 0; m < BLB_NMODES; m++) /* configurations, for progress */
		total += !o.mode_on[m] ? 0 : m == BLB_NONE ? 1 : o.nsizes;
	for (int m = 0; m < BLB_NMODES && !err; m++) {
		if (!o.mode_on[m])
			continue;
		for (int i = 0; i < o.nsizes && !err; i++) {
			char what[64];

			snprintf(what, sizeof(what), "%s, %d service(s)",
				 blb_mode_name(m),
				 m == BLB_NONE ? 0 : o.sizes[i]);
			bench_progress(done, total, what);
			err = run_config(&o, m, o.sizes[i], rows, &nrows);
			done++;
			if (m == BLB_NONE)
				break; /* no services: one configuration */
		}
	}
	if (!err)
		bench_progress(done, total, "done");
	if (nrows) {
		if (o.json) {
			blb_write_json(stdout, rows, nrows, command);
		} else {
			blb_print_table(stdout, rows, nrows);
			blb_print_ratios(stdout, rows, nrows);
			blb_print_chart(stdout, rows, nrows);
		}
		if (write_outputs(&o, rows, nrows, command))
			pr_err("bench lb: could not write results under %s\n",
			       o.out_dir);
	}
	free(rows);
	return err ? EXIT_FAIL : EXIT_OK;
usage:
	fprintf(stderr, "bpflab bench lb: bad arguments\n%s", bench_lb_usage);
	return EXIT_USAGE;
}

BENCH_KIND(
	lb, .name = "lb",
	.summary =
		"service VIP connection rate: no LB, kube-proxy iptables/nft, eBPF socket-LB",
	.usage = bench_lb_usage, .run = bench_lb_run);
