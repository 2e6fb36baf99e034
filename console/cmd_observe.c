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
#include "observe/flow_log.h"
#include "observe/flow_render.h"
#include "util/jw.h"
#include "util/log.h"
#include "util/util.h"

enum out_fmt { OUT_COMPACT, OUT_JSON, OUT_TABLE };

struct observe {
	struct flow_filter filter;
	enum out_fmt fmt;
	long last; /* print only the last N matches of the history; 0 = all */
	bool follow;
	bool filtered; /* any filter given: lines must be parsed */
	const char *log_dir;
	struct flow_log *log;
	struct flow_obs *obs;
	struct jw w;
	uint64_t records, printed, log_errors;
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

static int on_record(const void *rec, size_t len, void *ctx)
{
	struct observe *o = ctx;
	const struct bl_hdr *h = rec;
	const char *ifname;
	uint32_t ifindex = 0;

	if (h->op == BL_OP_FLOW && len >= sizeof(struct bl_flow_event))
		ifindex = ((const struct bl_flow_event *)rec)->ifindex;
	else if (h->op == BL_OP_L7 && len >= sizeof(struct bl_l7_event))
		ifindex = ((const struct bl_l7_event *)rec)->ifindex;
	ifname = flow_obs__ifname(o->obs, ifindex);
	if (flow_render_json(&o->w, rec, len, ifname))
		return 0;
	o->records++;
	if (o->log && flow_log__append(o->log, jw_str(&o->w)))
		o->log_errors++;
	emit_line(o, jw_str(&o->w));
	return 0;
}

static int capture(struct observe *o, const struct flow_obs_opts *fo,
		   uint64_t duration_ns)
{
	uint64_t deadline = duration_ns ? now_mono_ns() + duration_ns : 0;
	uint64_t st[BL_STAT_MAX] = { 0 };
	int err;

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
			"L7 pairs, %llu L7 unparsed, %llu not IPv4, %llu log errors\n",
			(unsigned long long)st[FLOW_STAT_PACKETS],
			(unsigned long long)o->records,
			(unsigned long long)st[BL_STAT_LOST],
			(unsigned long long)st[FLOW_STAT_L7_PAIRED],
			(unsigned long long)st[FLOW_STAT_L7_UNPARSED],
			(unsigned long long)st[FLOW_STAT_NOT_IPV4],
			(unsigned long long)o->log_errors);
	return err;
}

static long log_size(const struct observe *o)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/flows.jsonl", o->log_dir);
	return stat(path, &st) ? 0 : st.st_size;
}

/*
 * --follow without -i, or -i with an engine running: print the log's lines
 * from offset pos on as they are written, until Ctrl-C or the deadline.
 */
static int follow_log(struct observe *o, long pos, uint64_t deadline)
{
	char path[4096], *line = NULL;
	struct timespec nap = { .tv_nsec = 100000000 };
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/flows.jsonl", o->log_dir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	fseek(f, pos, SEEK_SET);
	while (!observe_stop && (!deadline || now_mono_ns() < deadline)) {
		ssize_t n = getline(&line, &cap, f);

		if (n > 0 && line[n - 1] == '\n') {
			line[n - 1] = '\0';
			emit_line(o, line);
			pos = ftell(f);
			continue;
		}
		fflush(stdout);
		/* Partial line or EOF: come back to where the line starts. */
		clearerr(f);
		fseek(f, pos, SEEK_SET);
		nanosleep(&nap, NULL);
		/* Rotated under us: start on the new file. */
		if (access(path, F_OK) == 0) {
			FILE *g = fopen(path, "re");
			long end;

			if (g) {
				fseek(g, 0, SEEK_END);
				end = ftell(g);
				if (end < pos) {
					fclose(f);
					f = g;
					pos = 0;
					fseek(f, 0, SEEK_SET);
				} else {
					fclose(g);
				}
			}
		}
	}
	free(line);
	fclose(f);
	return 0;
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

static int slow_line(const char *line, void *ctx)
{
	struct slow_ctx *c = ctx;
	struct json_object *o = json_tokener_parse(line), *f, *l7, *my, *v;
	const char *client = "", *server = "", *query = "", *status = "";
	uint64_t lat;
	char when[48];

	if (!o)
		return 0;
	if (!json_object_object_get_ex(o, "flow", &f) ||
	    !json_object_object_get_ex(f, "l7", &l7) ||
	    !json_object_object_get_ex(l7, "mysql", &my) ||
	    !json_object_object_get_ex(l7, "latency_ns", &v))
		goto out;
	lat = json_object_get_uint64(v);
	if (lat < c->slow_ns ||
	    (c->since_ns && flow_line_time(o) < c->since_ns))
		goto out;
	c->shown++;
	if (c->json) {
		puts(line);
		goto out;
	}
	/* The L7 record is the response: destination is the client. */
	if (json_object_object_get_ex(f, "IP", &v)) {
		struct json_object *a;

		if (json_object_object_get_ex(v, "destination", &a))
			client = json_object_get_string(a);
		if (json_object_object_get_ex(v, "source", &a))
			server = json_object_get_string(a);
	}
	if (json_object_object_get_ex(my, "query", &v))
		query = json_object_get_string(v);
	if (json_object_object_get_ex(my, "status", &v))
		status = json_object_get_string(v);
	snprintf(when, sizeof(when), "%s",
		 json_object_object_get_ex(f, "time", &v) ?
			 json_object_get_string(v) :
			 "");
	printf("%-31s %-15s %-15s %10.3f %-9s %s\n", when, client, server,
	       lat / 1e6, status, query);
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
		printf("%-31s %-15s %-15s %10s %-9s %s\n", "TIME", "CLIENT",
		       "SERVER", "LATENCY_MS", "STATUS", "QUERY");
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
	OPT_DURATION,
	OPT_LOG,
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
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "flow-log", required_argument, NULL, OPT_LOG },
		{},
	};
	struct observe o = { .fmt = OUT_COMPACT };
	struct flow_obs_opts fo = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t duration = 0;
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
		case OPT_DURATION:
			if (parse_duration_ns(optarg, &duration))
				goto bad;
			break;
		case OPT_LOG:
			o.log_dir = optarg;
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
	if (fo.n_ifaces && o.last) {
		fprintf(stderr,
			"bpflab observe: --last reads history; drop -i\n");
		goto out;
	}
	o.filtered = o.filter.from_ip || o.filter.to_ip || o.filter.ip ||
		     o.filter.port || o.filter.from_port || o.filter.to_port ||
		     o.filter.protocol || o.filter.verdict || o.filter.type ||
		     o.filter.http_method || o.filter.has_path ||
		     o.filter.http_status || o.filter.since_ns;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (o.fmt == OUT_TABLE)
		puts(flow_table_header());
	if (fo.n_ifaces && engine_is_running()) {
		/* The engine owns the hooks: ask it, then read its flow log. */
		long pos = log_size(&o);

		err = engine_attach(&fo);
		if (!err)
			err = follow_log(&o, pos,
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
		err = flow_log_read(o.log_dir, FLOW_LOG_KEEP, history_line, &o);
		if (o.last)
			flush_ring(&o);
		if (!err && o.follow)
			err = follow_log(&o, log_size(&o), 0);
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
	flow_log__close(o.log);
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
		"                      [--duration D] [FILTERS] [-o FORMAT]\n"
		"       bpflab observe [--since T] [--last N] [--follow] [FILTERS]\n"
		"                      [-o FORMAT]\n"
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
		"\n"
		"Output:\n"
		"  -o, --output compact|json|table\n"
		"                         compact (default) is hubble's one line;\n"
		"                         json is Hubble flow JSON, one per line\n"
		"\n"
		"The counters printed on exit (packets, records, lost, HTTP pairs,\n"
		"HTTP unparsed) come from the kernel; \"unparsed\" counts responses\n"
		"seen without their request and pipelined requests not paired.\n"
		"Sandbox identities are not resolved yet: source/destination carry\n"
		"identity 0 and no labels.\n"
		"\n" OBSERVE_EXPORT_USAGE,
	.run = run_observe, .needs_root = true, .order = 41);
