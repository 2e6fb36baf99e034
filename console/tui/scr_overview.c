// SPDX-License-Identifier: GPL-2.0
/*
 * Overview: the three pillars at a glance (LB, Security, Observability)
 * with sparklines of the last two minutes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "console/tui/crt.h"
#include "util/json_path.h"
#include "console/tui/model_bench.h"
#include "console/tui/model_req.h"
#include "console/tui/story.h"
#include "console/tui/tui.h"
#include "util/util.h"

struct ov_state {
	double ratio; /* from the newest bench-lb results */
	int ratio_services;
	uint64_t last_conns;
	double conns_per_s;
	uint64_t conn_sample_ns;
};

static uint64_t total_conns(struct json_object *svcs, int *nsvc)
{
	uint64_t sum = 0;

	*nsvc = svcs ? (int)json_object_array_length(svcs) : 0;
	for (int i = 0; i < *nsvc; i++)
		sum += (uint64_t)jp_int(
			json_object_array_get_idx(svcs, (size_t)i),
			"connections", 0);
	return sum;
}

static void draw_lb(struct tui *t, struct ov_state *s, int y, int x, int h,
		    int w)
{
	struct json_object *svcs = jp_get(mreq_reply(t->req_svc), "services");
	uint64_t conns, now;
	int nsvc;

	crt_box(y, x, h, w, crt_attr(C_DIM), "Load balancing");
	if (!svcs) {
		crt_putf(y + 1, x + 2, w - 4, crt_attr(C_WARN), "lb: %s",
			 mreq_error(t->req_svc) ? mreq_error(t->req_svc) :
						  "no data");
		return;
	}
	conns = total_conns(svcs, &nsvc);
	now = now_mono_ns();
	/* the reply is refreshed every 2 s: sample no faster than that */
	if (!s->conn_sample_ns || now - s->conn_sample_ns >= 2000000000ull) {
		if (s->conn_sample_ns && conns >= s->last_conns)
			s->conns_per_s = (double)(conns - s->last_conns) * 1e9 /
					 (double)(now - s->conn_sample_ns);
		s->last_conns = conns;
		s->conn_sample_ns = now;
	}
	crt_putf(y + 1, x + 2, w - 4, ATTR_NONE, "Services     %d", nsvc);
	crt_putf(y + 2, x + 2, w - 4, ATTR_NONE,
		 "Connections  %llu total, %.0f/s", (unsigned long long)conns,
		 s->conns_per_s);
	if (s->ratio > 0)
		crt_putf(y + 3, x + 2, w - 4, ATTR_NONE,
			 "eBPF vs iptables  %.1fx conn/s at %d services",
			 s->ratio, s->ratio_services);
	else
		crt_put(y + 3, x + 2, w - 4, crt_attr(C_DIM),
			"eBPF vs iptables: no bench yet (7)");
}

static void draw_security(struct tui *t, int y, int x, int h, int w)
{
	const struct evm_item *last = NULL;
	struct json_object *pols = jp_get(mreq_reply(t->req_pol), "policies");
	char story[200] = "";

	for (uint64_t i = 0; (last = evm_newest(&t->ev, EVK_SECURITY, i)); i++)
		if (last->action == EVA_KILL)
			break;
	crt_box(y, x, h, w, crt_attr(C_DIM), "Security");
	if (pols)
		crt_putf(y + 1, x + 2, w - 4, ATTR_NONE, "Policies     %zu",
			 json_object_array_length(pols));
	else
		crt_putf(y + 1, x + 2, w - 4, crt_attr(C_WARN), "policies: %s",
			 mreq_error(t->req_pol) ? mreq_error(t->req_pol) :
						  "no data");
	crt_putf(y + 2, x + 2, w - 4, ATTR_NONE,
		 "Kills        %llu in the last minute, %llu total",
		 (unsigned long long)evm_recent_kills(&t->ev, 60),
		 (unsigned long long)t->ev.kills);
	if (last && last->json)
		story_oneline(last->json, story, sizeof(story));
	crt_putf(y + 3, x + 2, w - 4, last ? crt_attr(C_BAD) : crt_attr(C_DIM),
		 "Last kill    %s", last ? story : "none yet");
}

struct talker {
	char who[64];
	int n;
};

static int by_count(const void *a, const void *b)
{
	return ((const struct talker *)b)->n - ((const struct talker *)a)->n;
}

/* Top talkers and HTTP errors from the flows still in the ring. */
static void draw_observe(struct tui *t, int y, int x, int h, int w)
{
	struct talker top[16] = {};
	int l7 = 0, errs = 0, ntop = 0;

	crt_box(y, x, h, w, crt_attr(C_DIM), "Observability");
	for (uint64_t i = 0; i < EVM_RING; i++) {
		const struct evm_item *it = evm_newest(&t->ev, EVK_FLOW, i);
		int k;

		if (!it)
			break;
		if (strstr(it->text,
			   " L7 ")) { /* the row ends with the status */
			const char *code = strrchr(it->text, ' ');

			l7++;
			errs += code && strtol(code + 1, NULL, 10) >= 400;
		}
		for (k = 0; k < ntop && strcmp(top[k].who, it->who); k++)
			;
		if (k == ntop && ntop < 16)
			snprintf(top[ntop++].who, sizeof(top[0].who), "%s",
				 it->who);
		if (k < ntop)
			top[k].n++;
	}
	qsort(top, (size_t)ntop, sizeof(top[0]), by_count);
	crt_putf(y + 1, x + 2, w - 4, ATTR_NONE,
		 "Flows/s      %.0f   (%llu total)", t->ev.flows_per_s,
		 (unsigned long long)t->ev.flows);
	if (l7)
		crt_putf(y + 2, x + 2, w - 4, ATTR_NONE,
			 "HTTP errors  %.1f%% of %d recent", 100.0 * errs / l7,
			 l7);
	else
		crt_put(y + 2, x + 2, w - 4, crt_attr(C_DIM),
			"HTTP errors  no L7 flow seen");
	crt_putf(y + 3, x + 2, w - 4, ATTR_NONE, "Top talkers  %s (%d) %s %s",
		 ntop ? top[0].who : "-", top[0].n, top[1].who, top[2].who);
}

static void ov_draw(struct tui *t, void *state, int y, int x, int rows,
		    int cols)
{
	int h = 5, wide = cols >= 120, w = wide ? cols / 3 : cols;
	int sy;

	(void)x;
	if (wide) {
		draw_lb(t, state, y, 0, h, w);
		draw_security(t, y, w, h, w);
		draw_observe(t, y, 2 * w, h, cols - 2 * w);
		sy = y + h;
	} else {
		draw_lb(t, state, y, 0, h, w);
		draw_security(t, y + h, 0, h, w);
		draw_observe(t, y + 2 * h, 0, h, w);
		sy = y + 3 * h;
	}
	if (t->opts->failed_modules && t->opts->failed_modules[0] &&
	    sy + 4 <= y + rows)
		crt_putf(y + rows - 1, 0, cols, crt_attr(C_WARN),
			 "Modules not loaded: %s", t->opts->failed_modules);
	if (sy + 3 > y + rows)
		return;
	crt_putf(sy, 0, 18, ATTR_BOLD, "Events/s %7.0f ", t->ev.events_per_s);
	crt_spark(sy, 18, cols - 18, t->ev.hist_events, t->ev.hist_n,
		  crt_attr(C_METER));
	crt_putf(sy + 1, 0, 18, ATTR_BOLD, "Flows/s  %7.0f ",
		 t->ev.flows_per_s);
	crt_spark(sy + 1, 18, cols - 18, t->ev.hist_flows, t->ev.hist_n,
		  crt_attr(C_OK));
	crt_putf(sy + 2, 0, 18, ATTR_BOLD, "Kills    %7llu ",
		 (unsigned long long)t->ev.kills);
	crt_spark(sy + 2, 18, cols - 18, t->ev.hist_kills, t->ev.hist_n,
		  crt_attr(C_BAD));
}

static int ov_init(struct tui *t, void **state)
{
	struct ov_state *s = calloc(1, sizeof(*s));
	struct model_bench *mb = malloc(sizeof(*mb));

	(void)t;
	if (!s) {
		free(mb);
		return -1;
	}
	if (mb) {
		mbench_load(mb, 0);
		s->ratio = mbench_lb_ratio(mb, &s->ratio_services);
	}
	free(mb);
	*state = s;
	return 0;
}

static void ov_fini(struct tui *t, void *state)
{
	(void)t;
	free(state);
}

const struct screen_ops scr_overview = {
	.title = "Overview",
	.help = "  (no keys of its own: 1-9 open the screens behind each box)\n",
	.init = ov_init,
	.draw = ov_draw,
	.fini = ov_fini,
};
