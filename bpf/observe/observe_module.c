// SPDX-License-Identifier: GPL-2.0
/*
 * The "observe" engine module. It loads the tc flow programs (attached to
 * interfaces on request: "observe.attach"), turns their records into "flow"
 * events for the engine's sinks, writes them to the flow log that
 * `bpflab observe --since/--follow` reads, counts them, and serves the
 * counters as Prometheus text on 127.0.0.1:9965/metrics from the engine's
 * epoll loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "engine/engine.h"
#include "lb/lb.h"
#include "observe/flow.bpf.h"
#include "observe/flow.h"
#include "observe/flow_ident.h"
#include "observe/flow_xlate.h"
#include "proc/proc_tree.h"
#include "observe/flow_log.h"
#include "observe/flow_render.h"
#include "observe/metrics_http.h"
#include "observe/prog_stats.h"
#include "util/jw.h"
#include "util/log.h"
#include "util/util.h"

/* The engine's L7 record budget: all, adaptive or records per second. */
#define L7_RECORDS_ENV "BPFLAB_L7_RECORDS"

/* Upper bounds (seconds) of the HTTP latency histogram, as Hubble's. */
static const double http_buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
				       0.5,   1,    2.5,   5,	 10 };
#define N_BUCKETS (sizeof(http_buckets) / sizeof(http_buckets[0]))

/* A counter per label set ("type=\"L7\",verdict=..."); few, so a list. */
struct lcounter {
	char labels[160];
	uint64_t value;
};

struct lcounters {
	struct lcounter *v;
	size_t n, cap;
};

struct http_hist {
	char method[16];
	uint64_t buckets[N_BUCKETS];
	uint64_t count;
	double sum;
};

/* What a scrape adds up from the kernel's l7_agg map. */
struct l7_scrape {
	struct lcounters flows, http;
	struct http_hist hist[8];
	int n_hist;
};

/*
 * netpol's drops of the last second, by the packet's tuple. observe's tc
 * program runs before netpol's on a link both watch, so a packet netpol
 * drops is also a new flow to observe; the drop is its one verdict, and
 * observe's FORWARDED record of the same packet is left out. The engine
 * drains netpol's ring buffer before observe's (module order) and the drop
 * is written after observe's record, so the drop is nearly always known
 * first; a packet processed between the two drains of one pass is not.
 */
#define DROP_MEMO 64
#define DROP_MEMO_NS 1000000000ull

struct drop_memo {
	struct bl_flow_tuple t;
	uint64_t ktime;
};

struct observe_mod {
	struct engine *e;
	struct flow_obs *flows;
	struct flow_log *log;
	struct flow_ident *ident; /* names flow endpoints */
	struct xlate_table *xlate; /* LB rewrites → their connections */
	int listen_fd;
	int sink_id;
	struct jw w_sink; /* other modules' flows, for the flow log */
	struct lcounters flows_processed, drops, event_types;
	uint64_t log_errors;
	struct drop_memo dropped[DROP_MEMO];
	unsigned int n_dropped; /* next slot, mod DROP_MEMO */
	uint64_t last_drop_ns; /* ktime of the newest, 0: none yet */
	uint64_t superseded; /* observe records left out for a drop */
	/* flows_processed index + 1 per [egress][verdict & 3], 0: not yet */
	int flow_idx[2][4];
	const char *last_type; /* count_event's last type and its counter */
	int last_type_idx;
};

/* Add to the counter of labels; its index, or -1 when it has none. */
static int lcounters_add(struct lcounters *c, const char *labels, uint64_t by)
{
	struct lcounter *tmp;

	for (size_t i = 0; i < c->n; i++) {
		if (!strcmp(c->v[i].labels, labels)) {
			c->v[i].value += by;
			return (int)i;
		}
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;

		tmp = realloc(c->v, cap * sizeof(*tmp));
		if (!tmp)
			return -1; /* a lost label set, not a crash */
		c->v = tmp;
		c->cap = cap;
	}
	snprintf(c->v[c->n].labels, sizeof(c->v[c->n].labels), "%s", labels);
	c->v[c->n].value = by;
	return (int)c->n++;
}

static void lcounters_write(FILE *out, const char *name, const char *help,
			    const struct lcounters *c)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
	for (size_t i = 0; i < c->n; i++)
		fprintf(out, "%s{%s} %llu\n", name, c->v[i].labels,
			(unsigned long long)c->v[i].value);
}

static const char *const method_names[] = {
	"OTHER", "GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"
};

/* One l7_agg entry into the scrape's counters and histograms. */
static void scrape_l7(const struct l7_agg_key *k, const struct l7_agg_val *v,
		      void *ctx)
{
	struct l7_scrape *sc = ctx;
	bool mysql = k->proto == BL_L7_MYSQL;
	const char *method;
	struct http_hist *h = NULL;
	uint64_t below = 0;
	char labels[160];

	snprintf(labels, sizeof(labels),
		 "type=\"L7\",subtype=\"%s\",verdict=\"FORWARDED\"",
		 mysql ? "MySQL" : "HTTP");
	lcounters_add(&sc->flows, labels, v->count);
	if (mysql)
		return;
	method = k->method < 8 ? method_names[k->method] : "OTHER";
	snprintf(labels, sizeof(labels),
		 "method=\"%s\",protocol=\"HTTP/1.1\",status=\"%u\"", method,
		 k->status);
	lcounters_add(&sc->http, labels, v->count);
	for (int i = 0; i < sc->n_hist; i++)
		if (!strcmp(sc->hist[i].method, method))
			h = &sc->hist[i];
	if (!h && sc->n_hist < (int)ARRAY_SIZE(sc->hist)) {
		h = &sc->hist[sc->n_hist++];
		snprintf(h->method, sizeof(h->method), "%s", method);
	}
	if (!h)
		return;
	/* the kernel's buckets are Hubble's bounds; Prometheus' cumulate */
	for (size_t b = 0; b < N_BUCKETS && b < L7_LAT_BUCKETS; b++) {
		below += v->bucket[b];
		h->buckets[b] += below;
	}
	h->count += v->count;
	h->sum += v->lat_sum_ns / 1e9;
}

static void count_flow(struct observe_mod *m, const struct bl_flow_event *f,
		       bool translated)
{
	const char *verdict = translated		       ? "TRANSLATED" :
			      f->verdict == BL_VERDICT_DROPPED ? "DROPPED" :
			      f->verdict == BL_VERDICT_TRANSLATED ?
								 "TRANSLATED" :
								 "FORWARDED";
	int egress = !!(f->hdr.flags & BL_FLOW_EGRESS);
	int vi = translated ? BL_VERDICT_TRANSLATED : f->verdict & 3;
	int *idx = &m->flow_idx[egress][vi];
	char labels[160];

	/* per record: a cached counter, no label formatting (a flow storm) */
	if (*idx > 0) {
		m->flows_processed.v[*idx - 1].value++;
	} else {
		snprintf(labels, sizeof(labels),
			 "type=\"L3_L4\",subtype=\"%s\",verdict=\"%s\"",
			 egress ? "to-network" : "to-endpoint", verdict);
		*idx = lcounters_add(&m->flows_processed, labels, 1) + 1;
	}
	if (f->verdict == BL_VERDICT_DROPPED) {
		snprintf(labels, sizeof(labels), "reason=\"%u\"",
			 f->drop_reason);
		lcounters_add(&m->drops, labels, 1);
	}
}

static void count_record(struct observe_mod *m, const void *rec,
			 bool translated)
{
	const struct bl_hdr *h = rec;

	/* L7 pairs are counted in the kernel (l7_agg), sampled or not */
	if (h->op == BL_OP_L7)
		return;
	count_flow(m, rec, translated);
}

static uint32_t rec_ifindex(const void *rec)
{
	const struct bl_hdr *h = rec;

	return h->op == BL_OP_FLOW ?
		       ((const struct bl_flow_event *)rec)->ifindex :
		       ((const struct bl_l7_event *)rec)->ifindex;
}

/* One record on its way to the sinks, with what user space adds to it. */
struct obs_emit {
	struct observe_mod *m;
	struct flow_render_extra x;
	struct flow_pin pin; /* x's time, uuid and endpoints, fixed once */
};

static void render_flow_ev(const struct bl_event *ev, struct jw *w)
{
	const struct obs_emit *oe = ev->ctx;

	/* the engine opened the flow object: write its members */
	flow_render_members_ex(
		w, ev->rec, ev->len,
		flow_obs__ifname(oe->m->flows, rec_ifindex(ev->rec)), &oe->x);
}

static void render_flow_compact(const struct bl_event *ev, char *buf,
				size_t size)
{
	const struct obs_emit *oe = ev->ctx;
	struct json_object *obj;
	struct jw w;

	buf[0] = '\0';
	jw_init(&w);
	if (!flow_render_json_ex(
		    &w, ev->rec, ev->len,
		    flow_obs__ifname(oe->m->flows, rec_ifindex(ev->rec)),
		    &oe->x)) {
		obj = json_tokener_parse(jw_str(&w));
		if (obj) {
			flow_format_compact(obj, buf, size);
			json_object_put(obj);
		}
	}
	jw_free(&w);
}

/* The L7 record's client process, from the socket-state tracepoint. */
static bool l7_owner(struct observe_mod *m, const struct bl_l7_event *l7,
		     struct flow_owner *o)
{
	struct flow_owner_val v;
	struct proc_node *p;

	if (l7->tuple.proto != 6 || flow_obs__owner(m->flows, &l7->tuple, &v))
		return false;
	memset(o, 0, sizeof(*o));
	o->pid = v.pid;
	memcpy(o->comm, v.comm, sizeof(o->comm) - 1);
	o->sandbox = engine__sandbox_name(m->e, v.cgroup_id, NULL);
	p = proc_tree__find(engine__procs(m->e), v.pid);
	if (p && p->binary)
		o->binary = p->binary;
	return true;
}

/*
 * Log, count and hand one record (as x renders it) to the sinks. Nothing is
 * rendered here: the log stores the record, and a sink renders JSON only
 * when someone asked for it (the engine's subscribers, once for all).
 */
static void deliver(struct observe_mod *m, const void *rec, size_t len,
		    struct obs_emit *oe)
{
	const struct bl_hdr *h = rec;
	struct bl_event ev = {
		.op = h->op,
		.ktime = h->ktime,
		.rec = rec,
		.len = len,
		.type = "flow",
		.render = render_flow_ev,
		.render_compact = render_flow_compact,
		.ctx = oe,
	};

	count_record(m, rec, oe->x.translated);
	if (flow_render_pin(&oe->pin, rec, len, &oe->x))
		return;
	if (m->log &&
	    flow_log__append_rec(m->log, rec, len,
				 flow_obs__ifname(m->flows, rec_ifindex(rec)),
				 &oe->x))
		m->log_errors++;
	engine__emit(m->e, &ev);
}

static bool same_tuple(const struct bl_flow_tuple *a,
		       const struct bl_flow_tuple *b)
{
	return a->saddr == b->saddr && a->daddr == b->daddr &&
	       a->sport == b->sport && a->dport == b->dport &&
	       a->proto == b->proto;
}

static void memo_drop(struct observe_mod *m, const struct bl_netpol_event *r)
{
	struct drop_memo *d = &m->dropped[m->n_dropped++ % DROP_MEMO];

	d->t = r->tuple;
	d->ktime = r->hdr.ktime;
	m->last_drop_ns = r->hdr.ktime;
}

/* Whether netpol dropped this flow record's packet (see struct drop_memo). */
static bool dropped_by_policy(struct observe_mod *m,
			      const struct bl_flow_event *f)
{
	uint64_t t = f->hdr.ktime;

	/* the common case, no drop lately: one comparison */
	if (!m->last_drop_ns || t + DROP_MEMO_NS < m->last_drop_ns ||
	    t > m->last_drop_ns + DROP_MEMO_NS)
		return false;
	for (int i = 0; i < DROP_MEMO; i++) {
		const struct drop_memo *d = &m->dropped[i];

		if (d->ktime && t < d->ktime + DROP_MEMO_NS &&
		    d->ktime < t + DROP_MEMO_NS && same_tuple(&d->t, &f->tuple))
			return true;
	}
	return false;
}

static int on_record(struct engine *e, const void *rec, size_t len, void *ctx)
{
	struct observe_mod *m = ctx;
	const struct bl_hdr *h = rec;
	struct obs_emit oe = { .m = m, .x = { .ident = m->ident } };
	struct flow_owner owner;
	bool claimed = false;

	(void)e;
	if ((h->op != BL_OP_FLOW || len < sizeof(struct bl_flow_event)) &&
	    (h->op != BL_OP_L7 || len < sizeof(struct bl_l7_event)))
		return 0;
	if (h->op == BL_OP_FLOW) {
		if (dropped_by_policy(m, rec)) {
			m->superseded++;
			return 0;
		}
		oe.x.xlate = xlate_table__flow(m->xlate, rec, &claimed);
	} else {
		oe.x.xlate = xlate_table__l7(m->xlate, rec);
		if (l7_owner(m, rec, &owner))
			oe.x.owner = &owner;
	}
	if (claimed) {
		/* the VIP's rewrite first, then the packets that follow it */
		oe.x.translated = true;
		deliver(m, rec, len, &oe);
		oe.x.translated = false;
	}
	deliver(m, rec, len, &oe);
	return 0;
}

/* An LB rewrite: remember it for the connection's first flow. */
static void note_lb(struct observe_mod *m, const struct bl_event *ev)
{
	const struct bl_lb_event *r = ev->rec;
	const struct lb *lb = lb_module_current();
	struct flow_xlate xl = { 0 };
	const char *name = NULL;
	char vip[48];

	if (ev->len < sizeof(*r) || (r->hdr.flags & BL_LB_NO_BACKEND))
		return;
	if (lb && lb__svc_describe(lb, r->svc_id, &name, vip, sizeof(vip)))
		snprintf(xl.service, sizeof(xl.service), "%s", name);
	xl.vip = r->tuple.daddr;
	xl.vip_port = r->tuple.dport;
	xl.backend = r->be_addr;
	xl.backend_port = r->be_port;
	xl.hook = r->hook;
	xl.pid = r->tgid;
	if (r->hook == BL_LB_TC)
		xlate_table__add_tc(m->xlate, r->hdr.ktime, &r->tuple, &xl);
	else
		xlate_table__add(m->xlate, r->hdr.ktime, r->tuple.proto, &xl);
}

/* netpol's verdicts are flows too: keep them in the flow log and count the
 * drops, so `bpflab observe --verdict DROPPED` finds POLICY_DENIED. */
static void note_policy_verdict(struct observe_mod *m,
				const struct bl_event *ev)
{
	const struct bl_netpol_event *r = ev->rec;
	char labels[160];

	if (ev->len < sizeof(*r))
		return;
	snprintf(labels, sizeof(labels),
		 "type=\"L3_L4\",subtype=\"policy-verdict\",verdict=\"%s\"",
		 r->verdict == BL_VERDICT_DROPPED ? "DROPPED" :
		 r->verdict == BL_VERDICT_AUDIT	  ? "AUDIT" :
						    "FORWARDED");
	lcounters_add(&m->flows_processed, labels, 1);
	if (r->verdict == BL_VERDICT_DROPPED) {
		lcounters_add(&m->drops, "reason=\"POLICY_DENIED\"", 1);
		if (r->ifindex) /* a tc hook: observe may have seen it too */
			memo_drop(m, r);
	}
	if (!m->log)
		return;
	jw_reset(&m->w_sink);
	engine__render_line(ev, &m->w_sink);
	if (!jw_str(&m->w_sink) || flow_log__append(m->log, jw_str(&m->w_sink)))
		m->log_errors++;
}

/* Every event of every module, counted by type (kills show up here too). */
static void count_event(struct engine *e, const struct bl_event *ev, void *ctx)
{
	struct observe_mod *m = ctx;
	char labels[160];

	(void)e;
	/* events come in runs of one type: skip the formatting for those */
	if (ev->type && ev->type == m->last_type && m->last_type_idx >= 0) {
		m->event_types.v[m->last_type_idx].value++;
	} else {
		snprintf(labels, sizeof(labels), "type=\"%s\"",
			 ev->type ? ev->type : "unknown");
		m->last_type_idx = lcounters_add(&m->event_types, labels, 1);
		m->last_type = ev->type;
	}
	if (ev->op == BL_OP_LB)
		note_lb(m, ev);
	else if (ev->op == BL_OP_NETPOL)
		note_policy_verdict(m, ev);
}

static void write_engine_metrics(FILE *out, struct observe_mod *m)
{
	struct engine_module_stats st[16];
	int n = engine__module_stats(m->e, st, ARRAY_SIZE(st));

	fprintf(out,
		"# HELP bpflab_events_total Records the kernel programs submitted, per module.\n"
		"# TYPE bpflab_events_total counter\n");
	for (int i = 0; i < n; i++)
		fprintf(out, "bpflab_events_total{module=\"%s\"} %llu\n",
			st[i].name, (unsigned long long)st[i].events);
	fprintf(out,
		"# HELP bpflab_events_lost_total Records lost because a ring buffer was full, per module.\n"
		"# TYPE bpflab_events_lost_total counter\n");
	for (int i = 0; i < n; i++)
		fprintf(out, "bpflab_events_lost_total{module=\"%s\"} %llu\n",
			st[i].name, (unsigned long long)st[i].lost);
	fprintf(out,
		"# HELP bpflab_errors_total Helper failures in the kernel programs, per module.\n"
		"# TYPE bpflab_errors_total counter\n");
	for (int i = 0; i < n; i++)
		fprintf(out, "bpflab_errors_total{module=\"%s\"} %llu\n",
			st[i].name, (unsigned long long)st[i].errors);
	fprintf(out,
		"# HELP bpflab_sink_drops_total Events a slow subscriber missed.\n"
		"# TYPE bpflab_sink_drops_total counter\n"
		"bpflab_sink_drops_total %llu\n",
		(unsigned long long)engine__sink_drops(m->e));
	lcounters_write(out, "bpflab_engine_events_total",
			"Enriched events delivered to sinks, by event type.",
			&m->event_types);
}

static void write_http_hist(FILE *out, const struct l7_scrape *sc)
{
	fprintf(out,
		"# HELP hubble_http_request_duration_seconds Request to first response byte\n"
		"# TYPE hubble_http_request_duration_seconds histogram\n");
	for (int i = 0; i < sc->n_hist; i++) {
		const struct http_hist *h = &sc->hist[i];

		for (size_t b = 0; b < N_BUCKETS; b++)
			fprintf(out,
				"hubble_http_request_duration_seconds_bucket{method=\"%s\",le=\"%g\"} %llu\n",
				h->method, http_buckets[b],
				(unsigned long long)h->buckets[b]);
		fprintf(out,
			"hubble_http_request_duration_seconds_bucket{method=\"%s\",le=\"+Inf\"} %llu\n"
			"hubble_http_request_duration_seconds_sum{method=\"%s\"} %.9f\n"
			"hubble_http_request_duration_seconds_count{method=\"%s\"} %llu\n",
			h->method, (unsigned long long)h->count, h->method,
			h->sum, h->method, (unsigned long long)h->count);
	}
}

static void write_flow_metrics(FILE *out, struct observe_mod *m)
{
	uint64_t st[BL_STAT_MAX] = { 0 };
	struct l7_scrape sc = { 0 };

	/* L3/L4 flows from the records, L7 pairs from the kernel's counters */
	for (size_t i = 0; i < m->flows_processed.n; i++)
		lcounters_add(&sc.flows, m->flows_processed.v[i].labels,
			      m->flows_processed.v[i].value);
	/* a failed read leaves the L7 lines out of this scrape only */
	flow_obs__l7_agg(m->flows, scrape_l7, &sc);
	lcounters_write(out, "hubble_flows_processed_total",
			"Total number of flows processed", &sc.flows);
	lcounters_write(out, "hubble_drop_total", "Number of drops", &m->drops);
	lcounters_write(out, "hubble_http_requests_total",
			"Count of HTTP requests", &sc.http);
	write_http_hist(out, &sc);
	free(sc.flows.v);
	free(sc.http.v);
	if (flow_obs__stats(m->flows, st, BL_STAT_MAX))
		return;
	fprintf(out,
		"# HELP bpflab_flow_packets_total Packets the tc flow programs counted.\n"
		"# TYPE bpflab_flow_packets_total counter\n"
		"bpflab_flow_packets_total %llu\n"
		"# HELP bpflab_http_unparsed_total HTTP responses without a seen request, and pipelined requests not paired.\n"
		"# TYPE bpflab_http_unparsed_total counter\n"
		"bpflab_http_unparsed_total %llu\n"
		"# HELP bpflab_l7_records_sampled_total L7 pairs counted in the kernel but not sent as records (the record budget; not lost).\n"
		"# TYPE bpflab_l7_records_sampled_total counter\n"
		"bpflab_l7_records_sampled_total %llu\n"
		"# HELP bpflab_flows_superseded_total observe records of packets netpol dropped, left out for the drop's verdict.\n"
		"# TYPE bpflab_flows_superseded_total counter\n"
		"bpflab_flows_superseded_total %llu\n"
		"# HELP bpflab_flow_log_errors_total Flow records the flow log could not store.\n"
		"# TYPE bpflab_flow_log_errors_total counter\n"
		"bpflab_flow_log_errors_total %llu\n",
		(unsigned long long)st[FLOW_STAT_PACKETS],
		(unsigned long long)st[FLOW_STAT_L7_UNPARSED],
		(unsigned long long)st[FLOW_STAT_L7_SAMPLED],
		(unsigned long long)m->superseded,
		(unsigned long long)m->log_errors);
}

/* Cumulative run time of bpflab's programs. The kernel only counts while
 * BPF stats are on (`bpflab top --programs` or kernel.bpf_stats_enabled). */
static void write_prog_metrics(FILE *out)
{
	struct prog_stat *v = NULL;
	size_t n = 0;

	if (prog_stats__read(&v, &n))
		return;
	fprintf(out,
		"# HELP bpflab_program_run_time_seconds_total Time bpflab's BPF programs ran (while BPF stats were on).\n"
		"# TYPE bpflab_program_run_time_seconds_total counter\n");
	for (size_t i = 0; i < n; i++)
		if (!strncmp(v[i].name, "bl_", 3))
			fprintf(out,
				"bpflab_program_run_time_seconds_total{id=\"%u\",name=\"%s\",type=\"%s\"} %.9f\n",
				v[i].id, v[i].name, v[i].type,
				v[i].run_time_ns / 1e9);
	fprintf(out,
		"# HELP bpflab_program_runs_total Runs of bpflab's BPF programs (while BPF stats were on).\n"
		"# TYPE bpflab_program_runs_total counter\n");
	for (size_t i = 0; i < n; i++)
		if (!strncmp(v[i].name, "bl_", 3))
			fprintf(out,
				"bpflab_program_runs_total{id=\"%u\",name=\"%s\",type=\"%s\"} %llu\n",
				v[i].id, v[i].name, v[i].type,
				(unsigned long long)v[i].run_cnt);
	free(v);
}

static void write_metrics(FILE *out, void *ctx)
{
	struct observe_mod *m = ctx;

	write_flow_metrics(out, m);
	write_engine_metrics(out, m);
	write_prog_metrics(out);
}

static int on_metrics_fd(struct engine *e, int fd, uint32_t events, void *ctx)
{
	(void)e;
	(void)events;
	metrics_http_serve(fd, write_metrics, ctx);
	return 0;
}

/* {"ifname":"IF","netns":"NS" (optional)}: watch that interface's flows. */
static int req_attach(struct engine *e, struct json_object *req, struct jw *w,
		      char *err, size_t errlen, void *ctx)
{
	struct observe_mod *m = ctx;
	const char *ifname = engine_req_str(req, "ifname");
	int ret;

	(void)e;
	if (!ifname) {
		snprintf(err, errlen, "observe.attach needs \"ifname\"");
		return -EINVAL;
	}
	ret = flow_obs__attach(m->flows, engine_req_str(req, "netns"), ifname);
	if (ret == -EALREADY)
		ret = 0;
	if (ret)
		snprintf(err, errlen, "observe on %s: %s", ifname,
			 strerror(-ret));
	else
		jw_kint(w, "interfaces", flow_obs__count(m->flows));
	return ret;
}

/* One l7_agg entry as a member of the "observe.l7" reply's array. */
static void l7_pair_json(const struct l7_agg_key *k, const struct l7_agg_val *v,
			 void *ctx)
{
	struct jw *w = ctx;
	char ip[INET_ADDRSTRLEN];

	jw_obj_begin(w);
	inet_ntop(AF_INET, &k->saddr, ip, sizeof(ip));
	jw_kstr(w, "client", ip);
	inet_ntop(AF_INET, &k->daddr, ip, sizeof(ip));
	jw_kstr(w, "server", ip);
	jw_kuint(w, "port", k->dport);
	jw_kstr(w, "protocol", k->proto == BL_L7_MYSQL ? "MySQL" : "HTTP");
	if (k->proto == BL_L7_MYSQL)
		jw_kuint(w, "command", k->method);
	else
		jw_kstr(w, "method",
			k->method < 8 ? method_names[k->method] : "OTHER");
	jw_kuint(w, "status", k->status);
	jw_kuint(w, "count", v->count);
	jw_kuint(w, "latency_sum_ns", v->lat_sum_ns);
	jw_key(w, "latency_buckets"); /* per bucket, Hubble's bounds, +Inf */
	jw_arr_begin(w);
	for (int b = 0; b < L7_LAT_BUCKETS; b++)
		jw_uint(w, v->bucket[b]);
	jw_arr_end(w);
	jw_obj_end(w);
}

/*
 * {} → {"pairs":[...],"sampled":N}: the kernel's L7 counters, every
 * request whether or not it had a record (for a service map above the
 * record budget).
 */
static int req_l7(struct engine *e, struct json_object *req, struct jw *w,
		  char *err, size_t errlen, void *ctx)
{
	struct observe_mod *m = ctx;
	uint64_t st[BL_STAT_MAX] = { 0 };
	int ret;

	(void)e;
	(void)req;
	jw_key(w, "pairs");
	jw_arr_begin(w);
	ret = flow_obs__l7_agg(m->flows, l7_pair_json, w);
	jw_arr_end(w);
	if (!ret)
		ret = flow_obs__stats(m->flows, st, BL_STAT_MAX);
	if (ret) {
		snprintf(err, errlen, "observe.l7: %s", strerror(-ret));
		return ret;
	}
	jw_kuint(w, "sampled", st[FLOW_STAT_L7_SAMPLED]);
	return 0;
}

/* The flow log is buffered: write it out once a second. */
static void on_tick(struct engine *e, uint64_t now_ns, void *ctx)
{
	struct observe_mod *m = ctx;

	(void)e;
	(void)now_ns;
	if (flow_log__flush(m->log))
		m->log_errors++;
}

static void observe_unload(struct engine *e, void *state)
{
	struct observe_mod *m = state;

	if (!m)
		return;
	if (m->sink_id >= 0)
		engine__remove_sink(e, m->sink_id);
	if (m->listen_fd >= 0) {
		engine__remove_fd(e, m->listen_fd);
		close(m->listen_fd);
	}
	flow_obs__close(m->flows);
	flow_log__close(m->log);
	flow_ident__free(m->ident);
	xlate_table__free(m->xlate);
	jw_free(&m->w_sink);
	free(m->flows_processed.v);
	free(m->drops.v);
	free(m->event_types.v);
	free(m);
}

static int observe_load(struct engine *e, void **state)
{
	const char *addr = getenv(METRICS_ADDR_ENV);
	const char *l7_records = getenv(L7_RECORDS_ENV);
	/* the engine drains its ring buffers on a timer too: batch wakeups */
	struct flow_obs_opts fo = { .wakeup_bytes = FLOW_BATCH_WAKEUP,
				    .l7_rate = FLOW_L7_RATE_DEFAULT };
	struct observe_mod *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	m->e = e;
	m->last_type_idx = -1;
	m->listen_fd = -1;
	m->sink_id = -1;
	jw_init(&m->w_sink);
	if (l7_records && *l7_records &&
	    flow_parse_l7_records(l7_records, &fo.l7_rate)) {
		pr_err("observe: %s=%s: want all, adaptive or a rate\n",
		       L7_RECORDS_ENV, l7_records);
		err = -EINVAL;
		goto fail;
	}
	err = flow_ident__new(&m->ident);
	if (!err)
		err = xlate_table__new(&m->xlate);
	if (!err)
		err = flow_obs__open(&m->flows, &fo, NULL, NULL);
	if (err)
		goto fail;
	err = engine__add_ringbuf(e, "observe", flow_obs__rb_fd(m->flows),
				  flow_obs__stats_fd(m->flows), on_record, m);
	if (err)
		goto fail;
	err = flow_log__open(&m->log, flow_log_default_dir(),
			     FLOW_LOG_MAX_BYTES, FLOW_LOG_KEEP);
	if (err)
		pr_warn("observe: no flow log in %s: %s\n",
			flow_log_default_dir(), strerror(-err));
	err = engine__add_request(e, "observe.attach", req_attach, m);
	if (!err)
		err = engine__add_request(e, "observe.l7", req_l7, m);
	if (!err)
		err = engine__on_tick(e, on_tick, m);
	if (err)
		goto fail;
	m->sink_id = engine__add_sink(e, count_event, m);
	/* Metrics are a convenience: a taken port is a warning, not a failure. */
	if (!addr || !*addr)
		addr = METRICS_DEFAULT_ADDR;
	m->listen_fd = metrics_http_listen(addr);
	if (m->listen_fd < 0) {
		pr_warn("observe: metrics not served on %s: %s\n", addr,
			strerror(-m->listen_fd));
	} else if (engine__add_fd(e, m->listen_fd, EPOLLIN, on_metrics_fd, m)) {
		close(m->listen_fd);
		m->listen_fd = -1;
	}
	*state = m;
	return 0;
fail:
	observe_unload(e, m);
	return err;
}

ENGINE_MODULE(
	observe, .name = "observe",
	.summary =
		"flows and HTTP at tc (observe.attach), flow log, Prometheus metrics on 127.0.0.1:9965",
	.load = observe_load, .unload = observe_unload, .order = 50,
	.default_on = true);
