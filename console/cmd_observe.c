// SPDX-License-Identifier: GPL-2.0
/*
 * `bpflab observe` (alias `flows`): Hubble-style flows.
 *
 * With -i it captures: tc programs on the named interfaces (flow.c), every
 * record rendered as a Hubble JSON line, appended to the rotating flow log
 * and, if it matches the filters, printed. Without -i it reads the flow log
 * (what a capture wrote, --since / --last) and with --follow keeps reading
 * it as it grows, as `hubble observe --follow` does against a relay.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "abi/abi.h"
#include "console/cli.h"
#include "engine/engine.h"
#include "observe/export.h"
#include "observe/flow.bpf.h"
#include "observe/flow.h"
#include "observe/flow_filter.h"
#include "observe/flow_ident.h"
#include "observe/flow_log.h"
#include "observe/flow_render.h"
#include "util/json_path.h"
#include "util/jw.h"
#include "util/log.h"
#include "util/util.h"

/* OUT_NONE: a capture that only records to the flow log. */
enum out_fmt { OUT_COMPACT, OUT_JSON, OUT_TABLE, OUT_NONE };

struct observe {
	struct flow_filter filter;
	enum out_fmt fmt;
	long last; /* print only the last N matches of the history; 0 = all */
	bool follow;
	bool filtered; /* any filter given: lines must be parsed */
	const char *log_dir;
	struct flow_log *log;
	struct flow_obs *obs;
	struct flow_ident *ident; /* names the ends of captured flows */
	struct flow_pin pin; /* the record being captured, fixed once */
	struct jw w;
	uint64_t records, printed, log_errors;
	/* binaries of recent client pids: readlink is a path walk per record */
	struct {
		uint32_t pid;
		uint64_t at_ns;
		char path[256];
	} bins[64];
	/* --last: a ring of the newest matching lines */
	char **ring;
	long ring_head, ring_n;
};

static volatile sig_atomic_t observe_stop;

static void on_signal(int sig)
{
	(void)sig;
	observe_stop = 1;
}

/* Print one JSON line in the chosen format if it passes the filters. */
static void emit_line(struct observe *o, const char *line)
{
	struct json_object *obj;
	char buf[1024];

	/* The common case, everything as JSON, needs no parsing. */
	if (o->fmt == OUT_JSON && !o->filtered) {
		o->printed++;
		puts(line);
		return;
	}
	obj = json_tokener_parse(line);
	if (!obj)
		return; /* a torn or foreign line in the log */
	if (!flow_filter__match(&o->filter, obj))
		goto out;
	o->printed++;
	switch (o->fmt) {
	case OUT_JSON:
		puts(line);
		break;
	case OUT_TABLE:
		flow_format_table(obj, buf, sizeof(buf));
		puts(buf);
		break;
	default:
		flow_format_compact(obj, buf, sizeof(buf));
		puts(buf);
	}
out:
	json_object_put(obj);
}

/* History: keep the newest --last matches, or print each as it comes. */
static int history_line(const char *line, void *ctx)
{
	struct observe *o = ctx;
	struct json_object *obj;
	char *copy;

	if (!o->last) {
		emit_line(o, line);
		return observe_stop;
	}
	obj = json_tokener_parse(line);
	if (!obj)
		return 0;
	if (flow_filter__match(&o->filter, obj)) {
		copy = strdup(line);
		if (copy) {
			long slot = (o->ring_head + o->ring_n) % o->last;

			if (o->ring_n == o->last) {
				free(o->ring[o->ring_head]);
				o->ring_head = (o->ring_head + 1) % o->last;
				slot = (o->ring_head + o->ring_n - 1) % o->last;
			} else {
				o->ring_n++;
			}
			o->ring[slot] = copy;
		}
	}
	json_object_put(obj);
	return observe_stop;
}

static void flush_ring(struct observe *o)
{
	for (long i = 0; i < o->ring_n; i++) {
		long slot = (o->ring_head + i) % o->last;

		emit_line(o, o->ring[slot]);
		free(o->ring[slot]);
	}
	o->ring_n = 0;
}

/* The binary of a live pid, remembered for a second; NULL if gone. */
static const char *pid_binary(struct observe *o, uint32_t pid)
{
	__typeof__(o->bins[0]) *b = &o->bins[pid % ARRAY_SIZE(o->bins)];
	uint64_t now = now_mono_ns();
	char exe[64];
	ssize_t n;

	if (b->pid == pid && now - b->at_ns < 1000000000ull)
		return b->path[0] ? b->path : NULL;
	snprintf(exe, sizeof(exe), "/proc/%u/exe", pid);
	n = readlink(exe, b->path, sizeof(b->path) - 1);
	b->path[n > 0 ? n : 0] = '\0';
	b->pid = pid;
	b->at_ns = now;
	return b->path[0] ? b->path : NULL;
}

/* A captured L7 record's client process (the socket-state tracepoint). */
static bool l7_owner(struct observe *o, const struct bl_l7_event *l7,
		     struct flow_owner *out)
{
	struct flow_owner_val v;

	if (l7->tuple.proto != 6 || flow_obs__owner(o->obs, &l7->tuple, &v))
		return false;
	memset(out, 0, sizeof(*out));
	out->pid = v.pid;
	memcpy(out->comm, v.comm, sizeof(out->comm) - 1);
	out->sandbox = flow_ident__sandbox_of_cgroup(o->ident, v.cgroup_id);
	/* no process table here: the binary only while the process lives */
	out->binary = pid_binary(o, v.pid);
	return true;
}

static int on_record(const void *rec, size_t len, void *ctx)
{
	struct observe *o = ctx;
	const struct bl_hdr *h = rec;
	struct flow_render_extra x = { .ident = o->ident };
	struct flow_owner owner;
	const char *ifname;
	uint32_t ifindex = 0;

	if (h->op == BL_OP_FLOW && len >= sizeof(struct bl_flow_event)) {
		ifindex = ((const struct bl_flow_event *)rec)->ifindex;
	} else if (h->op == BL_OP_L7 && len >= sizeof(struct bl_l7_event)) {
		ifindex = ((const struct bl_l7_event *)rec)->ifindex;
		if (l7_owner(o, rec, &owner))
			x.owner = &owner;
	}
	ifname = flow_obs__ifname(o->obs, ifindex);
	/* the log stores the record; it renders the same line when read */
	if (flow_render_pin(&o->pin, rec, len, &x))
		return 0;
	o->records++;
	if (o->log && flow_log__append_rec(o->log, rec, len, ifname, &x))
		o->log_errors++;
	/* JSON only for a reader: -o none records without rendering */
	if (o->fmt != OUT_NONE &&
	    !flow_render_json_ex(&o->w, rec, len, ifname, &x))
		emit_line(o, jw_str(&o->w));
	return 0;
}

static int capture(struct observe *o, const struct flow_obs_opts *fo,
		   uint64_t duration_ns)
{
	uint64_t deadline = duration_ns ? now_mono_ns() + duration_ns : 0;
	uint64_t st[BL_STAT_MAX] = { 0 };
	int err;

	err = flow_ident__new(&o->ident);
	if (!err)
		err = flow_log__open(&o->log, o->log_dir, FLOW_LOG_MAX_BYTES,
				     FLOW_LOG_KEEP);
	if (err) {
		pr_err("bpflab observe: flow log %s: %s\n", o->log_dir,
		       strerror(-err));
		return err;
	}
	err = flow_obs__open(&o->obs, fo, on_record, o);
	if (err)
		return err;
	pr_info("observe: watching %d interface(s); Ctrl-C to stop\n",
		fo->n_ifaces);
	while (!observe_stop && (!deadline || now_mono_ns() < deadline)) {
		err = flow_obs__poll(o->obs, FLOW_POLL_MS);
		fflush(stdout);
		flow_log__flush(o->log);
		if (err == -EINTR) {
			err = 0;
			continue;
		}
		if (err < 0)
			break;
		err = 0;
	}
	/* Drain what is left, then report the counters truthfully. */
	flow_obs__poll(o->obs, 0);
	if (!flow_obs__stats(o->obs, st, BL_STAT_MAX))
		fprintf(stderr,
			"observe: %llu packets, %llu records, %llu lost, %llu "
			"L7 pairs, %llu L7 unparsed, %llu not IPv4, %llu log errors, "
			"%llu L7 sampled\n",
			(unsigned long long)st[FLOW_STAT_PACKETS],
			(unsigned long long)o->records,
			(unsigned long long)st[BL_STAT_LOST],
			(unsigned long long)st[FLOW_STAT_L7_PAIRED],
			(unsigned long long)st[FLOW_STAT_L7_UNPARSED],
			(unsigned long long)st[FLOW_STAT_NOT_IPV4],
			(unsigned long long)o->log_errors,
			(unsigned long long)st[FLOW_STAT_L7_SAMPLED]);
	return err;
}

/*
 * --follow without -i, or -i with an engine running: print the log's
 * records written after t was opened as they come, until Ctrl-C or the
 * deadline.
 */
static int follow_log(struct observe *o, struct flow_log_tail *t,
		      uint64_t deadline)
{
	struct timespec nap = { .tv_nsec = 100000000 };
	int got = 0;

	while (!observe_stop && (!deadline || now_mono_ns() < deadline)) {
		got = flow_log_tail__next(t, &o->w);
		if (got < 0)
			break;
		if (got) {
			emit_line(o, jw_str(&o->w));
			continue;
		}
		fflush(stdout);
		nanosleep(&nap, NULL);
	}
	return got < 0 ? got : 0;
}

/* observe.attach for each interface on the running engine. */
static int engine_attach(const struct flow_obs_opts *fo)
{
	struct json_object *req, *rep, *ok;
	char *reply = NULL;
	int err = 0;

	for (int i = 0; i < fo->n_ifaces && !err; i++) {
		req = json_object_new_object();
		if (!req)
			return -ENOMEM;
		json_object_object_add(
			req, "op", json_object_new_string("observe.attach"));
		json_object_object_add(req, "ifname",
				       json_object_new_string(fo->ifaces[i]));
		if (fo->netns)
			json_object_object_add(
				req, "netns",
				json_object_new_string(fo->netns));
		err = engine_client_call(json_object_to_json_string(req),
					 &reply);
		json_object_put(req);
		if (err) {
			pr_err("bpflab observe: engine: %s\n", strerror(-err));
			break;
		}
		rep = json_tokener_parse(reply);
		if (!rep || !json_object_object_get_ex(rep, "ok", &ok) ||
		    !json_object_get_boolean(ok)) {
			pr_err("bpflab observe: engine refused: %s\n", reply);
			err = -EINVAL;
		}
		json_object_put(rep);
		free(reply);
		reply = NULL;
	}
	return err;
}

/* ---- observe mysql --slow ------------------------------------------------ */

struct slow_ctx {
	uint64_t slow_ns, since_ns;
	bool json;
	long shown;
};

/* "4242/mariadb": the client's pid and binary (or comm), "-" if unknown. */
static void client_process(struct json_object *flow, char *out, size_t size)
{
	const char *bin = jp_str(flow, "bpflab.client.binary", NULL);
	const char *base = bin && *bin ? jp_basename(bin) : NULL;

	if (!jp_get(flow, "bpflab.client")) {
		snprintf(out, size, "-");
		return;
	}
	snprintf(out, size, "%lld/%s",
		 (long long)jp_int(flow, "bpflab.client.pid", 0),
		 base ? base : jp_str(flow, "bpflab.client.comm", "?"));
}

static int slow_line(const char *line, void *ctx)
{
	struct slow_ctx *c = ctx;
	struct json_object *o = json_tokener_parse(line), *f;
	const char *sandbox;
	char proc[96];
	uint64_t lat;

	if (!o)
		return 0;
	f = jp_get(o, "flow");
	if (!jp_get(f, "l7.mysql") || !jp_get(f, "l7.latency_ns"))
		goto out;
	lat = (uint64_t)jp_int(f, "l7.latency_ns", 0);
	if (lat < c->slow_ns ||
	    (c->since_ns && flow_line_time(o) < c->since_ns))
		goto out;
	c->shown++;
	if (c->json) {
		puts(line);
		goto out;
	}
	/* The L7 record is the response: its destination is the client. */
	sandbox = jp_str(f, "bpflab.client.sandbox", NULL);
	if (!sandbox)
		sandbox = jp_str(f, "destination.pod_name", "-");
	client_process(f, proc, sizeof(proc));
	printf("%-31s %-15s %-16s %-20s %-15s %10.3f %-9s %s\n",
	       jp_str(f, "time", ""), jp_str(f, "IP.destination", ""), sandbox,
	       proc, jp_str(f, "IP.source", ""), lat / 1e6,
	       jp_str(f, "l7.mysql.status", ""),
	       jp_str(f, "l7.mysql.query", ""));
out:
	json_object_put(o);
	return 0;
}

static int observe_mysql(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "slow", required_argument, NULL, 's' },
		{ "since", required_argument, NULL, 'S' },
		{ "flow-log", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{},
	};
	struct slow_ctx c = { 0 };
	const char *dir = flow_log_default_dir();
	int ch, err;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (parse_duration_ns(optarg, &c.slow_ns))
				goto bad;
			break;
		case 'S':
			if (flow_parse_since(optarg, &c.since_ns))
				goto bad;
			break;
		case 'l':
			dir = optarg;
			break;
		case 'j':
			c.json = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bpflab observe mysql: unexpected '%s'\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (!c.json)
		printf("%-31s %-15s %-16s %-20s %-15s %10s %-9s %s\n", "TIME",
		       "CLIENT", "SANDBOX", "PROCESS", "SERVER", "LATENCY_MS",
		       "STATUS", "QUERY");
	err = flow_log_read(dir, FLOW_LOG_KEEP, slow_line, &c);
	if (err) {
		pr_err("bpflab observe mysql: %s\n", strerror(-err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
bad:
	fprintf(stderr, "bpflab observe mysql: bad value '%s'\n", optarg);
	return EXIT_USAGE;
}

enum {
	OPT_FROM_IP = 256,
	OPT_TO_IP,
	OPT_IP,
	OPT_PORT,
	OPT_FROM_PORT,
	OPT_TO_PORT,
	OPT_PROTOCOL,
	OPT_VERDICT,
	OPT_TYPE,
	OPT_METHOD,
	OPT_PATH,
	OPT_STATUS,
	OPT_SINCE,
	OPT_LAST,
	OPT_NETNS,
	OPT_NO_L7,
	OPT_L7_RECORDS,
	OPT_DURATION,
	OPT_LOG,
	OPT_FROM_SANDBOX,
	OPT_TO_SANDBOX,
	OPT_FROM_LABEL,
	OPT_TO_LABEL,
	OPT_FROM_SERVICE,
	OPT_TO_SERVICE,
};

static int parse_port(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || v <= 0 || v > 65535)
		return -EINVAL;
	*out = v;
	return 0;
}

static int run_observe(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "netns", required_argument, NULL, OPT_NETNS },
		{ "output", required_argument, NULL, 'o' },
		{ "follow", no_argument, NULL, 'f' },
		{ "last", required_argument, NULL, OPT_LAST },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "from-ip", required_argument, NULL, OPT_FROM_IP },
		{ "to-ip", required_argument, NULL, OPT_TO_IP },
		{ "ip", required_argument, NULL, OPT_IP },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "from-port", required_argument, NULL, OPT_FROM_PORT },
		{ "to-port", required_argument, NULL, OPT_TO_PORT },
		{ "protocol", required_argument, NULL, OPT_PROTOCOL },
		{ "verdict", required_argument, NULL, OPT_VERDICT },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "http-method", required_argument, NULL, OPT_METHOD },
		{ "http-path", required_argument, NULL, OPT_PATH },
		{ "http-status", required_argument, NULL, OPT_STATUS },
		{ "no-l7", no_argument, NULL, OPT_NO_L7 },
		{ "l7-records", required_argument, NULL, OPT_L7_RECORDS },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "flow-log", required_argument, NULL, OPT_LOG },
		{ "from-sandbox", required_argument, NULL, OPT_FROM_SANDBOX },
		{ "to-sandbox", required_argument, NULL, OPT_TO_SANDBOX },
		{ "from-pod", required_argument, NULL, OPT_FROM_SANDBOX },
		{ "to-pod", required_argument, NULL, OPT_TO_SANDBOX },
		{ "from-label", required_argument, NULL, OPT_FROM_LABEL },
		{ "to-label", required_argument, NULL, OPT_TO_LABEL },
		{ "from-service", required_argument, NULL, OPT_FROM_SERVICE },
		{ "to-service", required_argument, NULL, OPT_TO_SERVICE },
		{},
	};
	struct observe o = { .fmt = OUT_COMPACT };
	struct flow_obs_opts fo = { .l7_rate = FLOW_L7_RATE_DEFAULT };
	struct flow_log_tail *tail = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t duration = 0;
	bool l7_records_set = false;
	int c, err = 0, rc = EXIT_USAGE;
	char *end;

	if (argc > 1 && !strcmp(argv[1], "export"))
		return observe_export_run(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "mysql"))
		return observe_mysql(argc - 1, argv + 1);
	jw_init(&o.w);
	o.log_dir = flow_log_default_dir();
	while ((c = getopt_long(argc, argv, "i:o:f", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (fo.n_ifaces == FLOW_MAX_IFACES) {
				fprintf(stderr,
					"bpflab observe: at most %d interfaces\n",
					FLOW_MAX_IFACES);
				goto out;
			}
			fo.ifaces[fo.n_ifaces++] = optarg;
			break;
		case OPT_NETNS:
			fo.netns = optarg;
			break;
		case 'o':
			if (!strcmp(optarg, "json"))
				o.fmt = OUT_JSON;
			else if (!strcmp(optarg, "table"))
				o.fmt = OUT_TABLE;
			else if (!strcmp(optarg, "compact"))
				o.fmt = OUT_COMPACT;
			else if (!strcmp(optarg, "none"))
				o.fmt = OUT_NONE;
			else
				goto bad;
			break;
		case 'f':
			o.follow = true;
			break;
		case OPT_LAST:
			o.last = strtol(optarg, &end, 10);
			if (*end || o.last <= 0 || o.last > 1000000)
				goto bad;
			break;
		case OPT_SINCE:
			if (flow_parse_since(optarg, &o.filter.since_ns))
				goto bad;
			break;
		case OPT_FROM_IP:
			o.filter.from_ip = optarg;
			break;
		case OPT_TO_IP:
			o.filter.to_ip = optarg;
			break;
		case OPT_IP:
			o.filter.ip = optarg;
			break;
		case OPT_PORT:
			if (parse_port(optarg, &o.filter.port))
				goto bad;
			break;
		case OPT_FROM_PORT:
			if (parse_port(optarg, &o.filter.from_port))
				goto bad;
			break;
		case OPT_TO_PORT:
			if (parse_port(optarg, &o.filter.to_port))
				goto bad;
			break;
		case OPT_PROTOCOL:
			if (strcasecmp(optarg, "tcp") != 0 &&
			    strcasecmp(optarg, "udp") != 0 &&
			    strcasecmp(optarg, "icmp") != 0 &&
			    strcasecmp(optarg, "http") != 0 &&
			    strcasecmp(optarg, "mysql") != 0)
				goto bad;
			o.filter.protocol = optarg;
			break;
		case OPT_VERDICT:
			if (strcasecmp(optarg, "FORWARDED") != 0 &&
			    strcasecmp(optarg, "DROPPED") != 0 &&
			    strcasecmp(optarg, "TRANSLATED") != 0 &&
			    strcasecmp(optarg, "ERROR") != 0 &&
			    strcasecmp(optarg, "AUDIT") != 0)
				goto bad;
			o.filter.verdict = optarg;
			break;
		case OPT_TYPE:
			if (strcasecmp(optarg, "l7") != 0 &&
			    strcasecmp(optarg, "l3_l4") != 0)
				goto bad;
			o.filter.type = optarg;
			break;
		case OPT_METHOD:
			o.filter.http_method = optarg;
			break;
		case OPT_PATH:
			if (flow_filter__set_path(&o.filter, optarg))
				goto out;
			break;
		case OPT_STATUS:
			o.filter.http_status = optarg;
			break;
		case OPT_NO_L7:
			fo.no_l7 = true;
			break;
		case OPT_L7_RECORDS:
			if (flow_parse_l7_records(optarg, &fo.l7_rate))
				goto bad;
			l7_records_set = true;
			break;
		case OPT_DURATION:
			if (parse_duration_ns(optarg, &duration))
				goto bad;
			break;
		case OPT_LOG:
			o.log_dir = optarg;
			break;
		case OPT_FROM_SANDBOX:
			o.filter.from_sandbox = optarg;
			break;
		case OPT_TO_SANDBOX:
			o.filter.to_sandbox = optarg;
			break;
		case OPT_FROM_LABEL:
			if (!strchr(optarg, '='))
				goto bad;
			o.filter.from_label = optarg;
			break;
		case OPT_TO_LABEL:
			if (!strchr(optarg, '='))
				goto bad;
			o.filter.to_label = optarg;
			break;
		case OPT_FROM_SERVICE:
			o.filter.from_service = optarg;
			break;
		case OPT_TO_SERVICE:
			o.filter.to_service = optarg;
			break;
		default:
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bpflab observe: unexpected argument '%s'\n",
			argv[optind]);
		goto out;
	}
	if (fo.netns && !fo.n_ifaces) {
		fprintf(stderr, "bpflab observe: --netns needs -i IFACE\n");
		goto out;
	}
	if (o.fmt == OUT_NONE && (!fo.n_ifaces || engine_is_running())) {
		fprintf(stderr,
			"bpflab observe: -o none is for a capture (-i IFACE without an engine)\n");
		goto out;
	}
	if (l7_records_set && (!fo.n_ifaces || engine_is_running())) {
		fprintf(stderr,
			"bpflab observe: --l7-records is for a capture (-i IFACE without an engine); an engine takes %s\n",
			"BPFLAB_L7_RECORDS");
		goto out;
	}
	if (fo.n_ifaces && o.last) {
		fprintf(stderr,
			"bpflab observe: --last reads history; drop -i\n");
		goto out;
	}
	o.filtered = o.filter.from_ip || o.filter.to_ip || o.filter.ip ||
		     o.filter.port || o.filter.from_port || o.filter.to_port ||
		     o.filter.protocol || o.filter.verdict || o.filter.type ||
		     o.filter.http_method || o.filter.has_path ||
		     o.filter.http_status || o.filter.since_ns ||
		     flow_filter__has_identity(&o.filter);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (o.fmt == OUT_TABLE)
		puts(flow_table_header());
	if (fo.n_ifaces && engine_is_running()) {
		/* The engine owns the hooks: ask it, then read its flow log. */
		err = flow_log_tail__open(&tail, o.log_dir);
		if (!err)
			err = engine_attach(&fo);
		if (!err)
			err = follow_log(&o, tail,
					 duration ? now_mono_ns() + duration :
						    0);
	} else if (fo.n_ifaces) {
		fo.wakeup_bytes = FLOW_BATCH_WAKEUP;
		if (!isatty(STDOUT_FILENO))
			setvbuf(stdout, NULL, _IOFBF, 1 << 16);
		err = capture(&o, &fo, duration);
	} else {
		if (o.last) {
			o.ring = calloc(o.last, sizeof(*o.ring));
			if (!o.ring) {
				err = -ENOMEM;
				goto done;
			}
		}
		/* opened first: what is written while we read is not missed */
		if (o.follow)
			err = flow_log_tail__open(&tail, o.log_dir);
		if (!err)
			err = flow_log_read(o.log_dir, FLOW_LOG_KEEP,
					    history_line, &o);
		if (o.last)
			flush_ring(&o);
		if (!err && o.follow)
			err = follow_log(&o, tail, 0);
	}
done:
	if (err)
		pr_err("bpflab observe: %s\n", strerror(-err));
	rc = !err			      ? EXIT_OK :
	     err == -ENODEV || err == -ENOENT ? EXIT_USAGE :
						EXIT_FAIL;
	goto out;
bad:
	fprintf(stderr, "bpflab observe: bad value '%s'; see --help\n", optarg);
out:
	flow_obs__close(o.obs);
	flow_ident__free(o.ident);
	flow_log__close(o.log);
	flow_log_tail__close(tail);
	flow_filter__free(&o.filter);
	free(o.ring);
	jw_free(&o.w);
	return rc;
}

CLI_COMMAND(
	observe, .name = "observe", .alias = "flows",
	.summary =
		"Hubble-style flows and HTTP from tc, live or from the flow log",
	.usage =
		"Usage: bpflab observe -i IFACE [-i IFACE]... [--netns NS] [--no-l7]\n"
		"                      [--l7-records all|adaptive|N]\n"
		"                      [--duration D] [FILTERS] [-o FORMAT]\n"
		"       bpflab observe [--since T] [--last N] [--follow] [FILTERS]\n"
		"                      [-o FORMAT]\n"
		"       bpflab observe mysql --slow D [--since T] [--json] [--flow-log DIR]\n"
		"       bpflab observe export ... (below)\n"
		"\n"
		"With an engine running, -i asks it to watch the interfaces and\n"
		"prints from its flow log; without one, this process attaches.\n"
		"With -i, attach tc programs (clsact ingress and egress) to each\n"
		"interface and print flows as they happen: one record when a\n"
		"connection direction starts and one at its first FIN/RST, with\n"
		"packet and byte totals counted in the kernel, and one L7 record\n"
		"per HTTP/1.x response (method, path, status, request-to-first-\n"
		"response-byte latency) parsed from the payload. Every record also\n"
		"goes to the flow log. Ctrl-C (or --duration) stops and detaches.\n"
		"\n"
		"Without -i, print the flow log: what captures wrote, filtered,\n"
		"and with --follow, new flows as they are written.\n"
		"\n"
		"Capture:\n"
		"  -i, --interface IFACE  interface to watch (repeatable, up to 8)\n"
		"      --netns NS         the interfaces are in netns NS (/run/netns/NS)\n"
		"      --no-l7            flows only; do not parse payloads\n"
		"      --l7-records all|adaptive|N\n"
		"                         the L7 record budget: every request/\n"
		"                         response pair counts in the kernel\n"
		"                         (metrics); errors (HTTP >= 400, MySQL\n"
		"                         ERR), pairs slower than 50ms and each\n"
		"                         connection's first pair are always sent\n"
		"                         as records; the others up to N a second\n"
		"                         (adaptive, the default: 2000), the rest\n"
		"                         counted as sampled, never as lost; all:\n"
		"                         a record for every pair. An engine takes\n"
		"                         it from BPFLAB_L7_RECORDS\n"
		"      --duration D       stop after D (5s, 1m)\n"
		"      --flow-log DIR     log directory (default:\n"
		"                         /var/lib/bpflab/flows/<run dir name>)\n"
		"\n"
		"History:\n"
		"      --since T          flows since T ago (5m) or since an RFC 3339 time\n"
		"      --last N           only the last N matching flows\n"
		"  -f, --follow           keep printing new flows\n"
		"\n"
		"Filters (as hubble observe; all must match):\n"
		"      --from-ip IP, --to-ip IP, --ip IP\n"
		"      --port P, --from-port P, --to-port P\n"
		"      --protocol tcp|udp|icmp|http|mysql\n"
		"      --verdict FORWARDED|DROPPED|TRANSLATED|ERROR|AUDIT\n"
		"      --type l7|l3_l4\n"
		"      --http-method M, --http-path REGEX, --http-status CODE|N+\n"
		"      --from-sandbox NAME, --to-sandbox NAME (alias --from-pod,\n"
		"                         --to-pod): the endpoint's name (pod_name)\n"
		"      --from-label K=V, --to-label K=V: a label of that end\n"
		"      --from-service S, --to-service S: the service behind a VIP\n"
		"\n"
		"Output:\n"
		"  -o, --output compact|json|table|none\n"
		"                         compact (default) is hubble's one line;\n"
		"                         json is Hubble flow JSON, one per line;\n"
		"                         none (with -i) only records to the flow\n"
		"                         log, the cheapest capture: the log keeps\n"
		"                         records as the kernel sent them and\n"
		"                         renders them when read\n"
		"\n"
		"mysql: the MySQL/MariaDB queries in the flow log that took at least\n"
		"D (50ms) from COM_QUERY to the first answer byte, with the client's\n"
		"address, sandbox and process (pid/binary, from the socket that\n"
		"opened the connection), the server, latency, status and query text.\n"
		"\n"
		"The counters printed on exit (packets, records, lost, HTTP pairs,\n"
		"HTTP unparsed, L7 sampled) come from the kernel; \"unparsed\"\n"
		"counts responses seen without their request and pipelined requests\n"
		"not paired; \"sampled\" the pairs the record budget did not send.\n"
		"Each end is named as Hubble does: source/destination {identity,\n"
		"labels, pod_name, namespace} from the engine's network-policy\n"
		"endpoints, else the sandbox that owns the address, else\n"
		"reserved:host or reserved:world. A connection the socket-LB sent\n"
		"from a VIP to a backend starts with one TRANSLATED flow (client ->\n"
		"VIP, bpflab.backend) and carries destination_service (replies:\n"
		"source_service); L7 records name the client process\n"
		"(bpflab.client {pid, comm, binary, sandbox}). With an engine, its\n"
		"policy verdicts (DROPPED, drop_reason_desc POLICY_DENIED) are in\n"
		"the flow log too.\n"
		"\n" OBSERVE_EXPORT_USAGE,
	.run = run_observe, .needs_root = true, .order = 41);
