// SPDX-License-Identifier: GPL-2.0
/*
 * Event rings and counters. The engine calls the sink once per event, at up
 * to tens of thousands a second, so the process-event path only formats the
 * compact line; JSON is rendered for the rare kinds (security, flows) and
 * for --record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "util/json_path.h"
#include "console/tui/model_events.h"
#include "engine/engine.h"
#include "observe/flow_filter.h"
#include "proc/proc_tree.h"
#include "util/jw.h"
#include "util/util.h"

static struct jw scratch; /* one JSON buffer, reused: no allocation per event */

void evm_init(struct ev_model *m)
{
	memset(m, 0, sizeof(*m));
	m->flow_budget = EVM_FLOW_BUDGET;
	jw_init(&scratch);
}

void evm_free(struct ev_model *m)
{
	for (int k = 0; k < EVK_MAX; k++)
		for (int i = 0; i < EVM_RING; i++)
			free(m->ring[k].items[i].json);
	if (m->record)
		fclose(m->record);
	jw_free(&scratch);
	memset(m, 0, sizeof(*m));
}

int evm_record(struct ev_model *m, const char *path)
{
	m->record = fopen(path, "we");
	return m->record ? 0 : -errno;
}

static enum evm_kind kind_of(const char *type)
{
	if (!strcmp(type, "flow"))
		return EVK_FLOW;
	if (!strncmp(type, "process_exec", 12) ||
	    !strcmp(type, "process_exit") || !strcmp(type, "process_fork"))
		return EVK_PROC;
	return EVK_SECURITY; /* process_kprobe, process_tracepoint, process_lsm */
}

/* Claim the next slot of a ring, or NULL while paused. */
static struct evm_item *slot(struct ev_model *m, enum evm_kind k)
{
	struct evm_ring *r = &m->ring[k];
	struct evm_item *it;

	if (m->paused) {
		m->not_shown++;
		return NULL;
	}
	if (r->pushed >= EVM_RING)
		m->not_shown++; /* the oldest row falls off the ring */
	it = &r->items[r->pushed % EVM_RING];
	free(it->json);
	memset(it, 0, sizeof(*it));
	it->seq = ++r->pushed;
	return it;
}

static enum evm_action security_action(const char *action)
{
	if (!action)
		return EVA_POST;
	if (strstr(action, "KILL"))
		return EVA_KILL;
	if (strstr(action, "OVERRIDE") || strstr(action, "DENY") ||
	    strstr(action, "NOTIFY_ENFORCER"))
		return EVA_DENY;
	return EVA_POST;
}

static void fill_security(struct evm_item *it, struct json_object *body)
{
	const char *bin = jp_str(body, "process.binary", "?");
	const char *act = jp_str(body, "action", NULL);

	it->action = security_action(act);
	it->pid = (uint32_t)jp_int(body, "process.pid", 0);
	snprintf(it->who, sizeof(it->who), "%s", jp_basename(bin));
	snprintf(it->text, sizeof(it->text), "%-5s %-18s %s %s %s",
		 it->action == EVA_KILL ? "KILL" :
		 it->action == EVA_DENY ? "DENY" :
					  "POST",
		 jp_str(body, "policy_name", "-"), bin,
		 jp_str(body, "process.arguments", ""),
		 jp_str(body, "function_name", ""));
}

static void fill_flow(struct evm_item *it, struct json_object *body)
{
	const char *verdict = jp_str(body, "verdict", "?");
	const char *proto = "TCP";
	struct json_object *l4 = jp_get(body, "l4"), *p = NULL;

	if (l4) {
		json_object_object_foreach(l4, k, v)
		{
			proto = k;
			p = v;
			break;
		}
	}
	it->action = !strcmp(verdict, "DROPPED") ? EVA_DROP : EVA_NONE;
	snprintf(it->who, sizeof(it->who), "%s",
		 jp_str(body, "IP.source", "?"));
	if (jp_get(body, "l7")) {
		snprintf(it->text, sizeof(it->text),
			 "%s:%lld %s %s:%lld %-9s %-10s %s %s %lld", it->who,
			 (long long)jp_int(p, "source_port", 0), "->",
			 jp_str(body, "IP.destination", "?"),
			 (long long)jp_int(p, "destination_port", 0), "L7",
			 verdict, jp_str(body, "l7.http.method", ""),
			 jp_str(body, "l7.http.url", ""),
			 (long long)jp_int(body, "l7.http.code", 0));
		return;
	}
	snprintf(it->text, sizeof(it->text),
		 "%s:%lld %s %s:%lld %-9s %-10s %s %s", it->who,
		 (long long)jp_int(p, "source_port", 0), "->",
		 jp_str(body, "IP.destination", "?"),
		 (long long)jp_int(p, "destination_port", 0), proto, verdict,
		 jp_str(body, "traffic_direction", ""),
		 jp_str(body, "bpflab.event", ""));
}

static void fill_proc_json(struct evm_item *it, struct json_object *body)
{
	const char *bin = jp_str(body, "process.binary", "?");

	it->pid = (uint32_t)jp_int(body, "process.pid", 0);
	snprintf(it->who, sizeof(it->who), "%s", jp_basename(bin));
	snprintf(it->text, sizeof(it->text), "%-5s %s %s",
		 !strcmp(it->type, "process_exit") ? "exit" : "exec", bin,
		 jp_str(body, "process.arguments", ""));
}

static void count(struct ev_model *m, enum evm_kind k, enum evm_action a)
{
	m->total++;
	if (k == EVK_FLOW)
		m->flows++;
	if (a == EVA_KILL)
		m->kills++;
	else if (a == EVA_DENY)
		m->denies++;
	else if (a == EVA_DROP)
		m->drops++;
}

int evm_push_json(struct ev_model *m, const char *line)
{
	struct json_object *o = json_tokener_parse(line), *body = NULL;
	const char *type = jp_event_type(o, &body);
	struct evm_item tmp = {}, *it;
	enum evm_kind k;
	int err = 0;

	if (!type || !body || !json_object_is_type(body, json_type_object)) {
		err = -EINVAL;
		goto out;
	}
	k = kind_of(type);
	snprintf(tmp.type, sizeof(tmp.type), "%s", type);
	tmp.real_ns = flow_line_time(o);
	if (k == EVK_SECURITY)
		fill_security(&tmp, body);
	else if (k == EVK_FLOW)
		fill_flow(&tmp, body);
	else
		fill_proc_json(&tmp, body);
	count(m, k, tmp.action);
	it = slot(m, k);
	if (!it)
		goto out;
	tmp.seq = it->seq;
	*it = tmp;
	if (k != EVK_PROC)
		it->json = strdup(line);
out:
	json_object_put(o);
	return err;
}

/* A security or flow event whose JSON did not parse: keep its compact line. */
static void push_compact(struct ev_model *m, const struct bl_event *ev)
{
	enum evm_kind k = kind_of(ev->type);
	struct evm_item tmp = {}, *it;

	snprintf(tmp.type, sizeof(tmp.type), "%s", ev->type);
	tmp.real_ns =
		ev->ktime ? ktime_to_realtime_ns(ev->ktime) : now_real_ns();
	if (ev->render_compact)
		ev->render_compact(ev, tmp.text, sizeof(tmp.text));
	/* hubble's compact line starts with its own time: the row has one */
	if (k == EVK_FLOW && strlen(tmp.text) > 21 &&
	    !strncmp(tmp.text + 19, ": ", 2))
		memmove(tmp.text, tmp.text + 21, strlen(tmp.text + 21) + 1);
	if (k == EVK_FLOW) /* the source address, for top talkers */
		snprintf(tmp.who, sizeof(tmp.who), "%.*s",
			 (int)strcspn(tmp.text, ": "), tmp.text);
	if (k == EVK_FLOW && strstr(tmp.text, "DROPPED"))
		tmp.action = EVA_DROP;
	else if (k == EVK_SECURITY)
		tmp.action = strstr(tmp.text, "KILL") ? EVA_KILL : EVA_POST;
	count(m, k, tmp.action);
	m->bad_json++;
	it = slot(m, k);
	if (!it)
		return;
	tmp.seq = it->seq;
	*it = tmp;
}

static bool flow_dropped(const struct bl_event *ev)
{
	const struct bl_flow_event *f = ev->rec;

	return ev->op == BL_OP_FLOW && ev->len >= sizeof(*f) &&
	       f->verdict == BL_VERDICT_DROPPED;
}

void evm_tick(struct ev_model *m)
{
	m->flow_budget = EVM_FLOW_BUDGET;
}

void evm_push_live(struct ev_model *m, const struct bl_event *ev)
{
	enum evm_kind k = kind_of(ev->type);
	const char *line = NULL;

	if (m->record || k == EVK_SECURITY ||
	    (k == EVK_FLOW && m->flow_budget > 0)) {
		jw_reset(&scratch);
		engine__render_line(ev, &scratch);
		line = jw_str(&scratch);
	}
	if (m->record && line && fprintf(m->record, "%s\n", line) < 0)
		m->record_errors++;
	if (k == EVK_FLOW && m->flow_budget <= 0) {
		/* over budget: count it (verdict from the raw record), show it not */
		count(m, k, flow_dropped(ev) ? EVA_DROP : EVA_NONE);
		m->not_shown++;
		return;
	}
	if (k == EVK_FLOW)
		m->flow_budget--;
	if (k != EVK_PROC) {
		if (!line || evm_push_json(m, line))
			push_compact(m, ev);
		return;
	}
	/*
	 * Process events are the flood (tens of thousands a second) and no
	 * screen lists them one by one (Processes reads the process tree), so
	 * they are only counted: no formatting on the hot path.
	 */
	count(m, k, EVA_NONE);
}

static void roll(double *h, int n, double v)
{
	if (n == EVM_HIST)
		memmove(h, h + 1, (EVM_HIST - 1) * sizeof(*h));
	h[n == EVM_HIST ? EVM_HIST - 1 : n] = v;
}

void evm_second(struct ev_model *m)
{
	m->events_per_s = (double)(m->total - m->last_total);
	m->flows_per_s = (double)(m->flows - m->last_flows);
	roll(m->hist_events, m->hist_n, m->events_per_s);
	roll(m->hist_flows, m->hist_n, m->flows_per_s);
	roll(m->hist_kills, m->hist_n, (double)(m->kills - m->last_kills));
	if (m->hist_n < EVM_HIST)
		m->hist_n++;
	m->last_total = m->total;
	m->last_flows = m->flows;
	m->last_kills = m->kills;
	if (m->record)
		fflush(m->record);
}

const struct evm_item *evm_newest(const struct ev_model *m, enum evm_kind k,
				  uint64_t i)
{
	const struct evm_ring *r = &m->ring[k];

	if (i >= r->pushed || i >= EVM_RING)
		return NULL;
	return &r->items[(r->pushed - 1 - i) % EVM_RING];
}

uint64_t evm_count(const struct ev_model *m, enum evm_kind k)
{
	return m->ring[k].pushed < EVM_RING ? m->ring[k].pushed : EVM_RING;
}

uint64_t evm_recent_kills(const struct ev_model *m, int seconds)
{
	double sum = (double)(m->kills - m->last_kills);

	for (int i = m->hist_n - 1; i >= 0 && i >= m->hist_n - seconds + 1; i--)
		sum += m->hist_kills[i];
	return (uint64_t)sum;
}
