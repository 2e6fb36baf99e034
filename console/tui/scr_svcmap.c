// SPDX-License-Identifier: GPL-2.0
/*
 * Service map, two parts that scroll together (Up/Down, PgUp/PgDn):
 *  - Services: each LB service as a box with edges to its backends,
 *    labelled with connections/s from the LB's counters; draining or down
 *    backends in warning/red.
 *  - Traffic: each source (a sandbox, a lab host, an address) as a box, an
 *    edge per destination it talks to with req/s, 5xx errors/s and p99
 *    from the live map (model_map.c); an edge with policy drops in the last
 *    10 s is a denied edge, drawn in red.
 * It redraws in place: the layout is ordered by address, not by rate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <json-c/json.h>

#include "console/tui/crt.h"
#include "console/tui/model_map.h"
#include "util/json_path.h"
#include "console/tui/model_req.h"
#include "console/tui/tui.h"
#include "util/util.h"

#define MAX_EDGES 256
#define INET_ADDRSTRLEN_MAX 16

struct edge_rate {
	char key[96]; /* "svc backend" */
	uint64_t conns;
	double per_s;
};

struct map_state {
	struct edge_rate e[MAX_EDGES];
	int ne;
	uint64_t sample_ns;
	int scroll, height;
};

static struct edge_rate *edge(struct map_state *s, const char *key)
{
	for (int i = 0; i < s->ne; i++)
		if (!strcmp(s->e[i].key, key))
			return &s->e[i];
	if (s->ne == MAX_EDGES)
		return NULL;
	snprintf(s->e[s->ne].key, sizeof(s->e[0].key), "%s", key);
	return &s->e[s->ne++];
}

/* Connections/s per edge from the 2 s svc.list refresh. */
static void sample(struct map_state *s, struct json_object *svcs)
{
	uint64_t now = now_mono_ns();
	double dt = s->sample_ns ? (double)(now - s->sample_ns) / 1e9 : 0;

	if (s->sample_ns && dt < 2.0)
		return;
	for (size_t i = 0; i < json_object_array_length(svcs); i++) {
		struct json_object *svc = json_object_array_get_idx(svcs, i);
		struct json_object *bes = jp_get(svc, "backends");

		for (size_t j = 0; bes && j < json_object_array_length(bes);
		     j++) {
			struct json_object *be =
				json_object_array_get_idx(bes, j);
			char key[96];
			uint64_t c = (uint64_t)jp_int(be, "connections", 0);
			struct edge_rate *er;

			snprintf(key, sizeof(key), "%s %s",
				 jp_str(svc, "name", "?"),
				 jp_str(be, "address", "?"));
			er = edge(s, key);
			if (!er)
				continue;
			if (dt > 0 && c >= er->conns)
				er->per_s = (double)(c - er->conns) / dt;
			er->conns = c;
		}
	}
	s->sample_ns = now;
}

static int draw_service(struct map_state *s, struct json_object *svc, int y,
			int top, int bottom, int cols)
{
	struct json_object *bes = jp_get(svc, "backends");
	int nb = bes ? (int)json_object_array_length(bes) : 0;
	int h = (nb > 1 ? nb : 1) + 2, bw = cols / 3, bx = cols - bw - 1;
	const struct crt_glyphs *g = crt_glyphs();

	if (y + h <= top || y >= bottom)
		return h + 1; /* scrolled out: only its height counts */
	if (y >= top && y + h <= bottom) {
		crt_box(y, 0, h, bw, crt_attr(C_OK), jp_str(svc, "name", "?"));
		crt_putf(y + 1, 2, bw - 4, ATTR_NONE, "%s",
			 jp_str(svc, "vip", "?"));
		crt_putf(y + 2, 2, bw - 4, crt_attr(C_DIM), "%s, %lld drops",
			 jp_str(svc, "algorithm", ""),
			 (long long)jp_int(svc, "no_backend_drops", 0));
	}
	for (int j = 0; j < nb; j++) {
		struct json_object *be =
			json_object_array_get_idx(bes, (size_t)j);
		const char *state = jp_str(be, "state", "active");
		int attr = !strcmp(state, "active") ? crt_attr(C_OK) :
			   !strcmp(state, "down")   ? crt_attr(C_BAD) :
						      crt_attr(C_WARN);
		char key[96];
		struct edge_rate *er;
		int ey = y + 1 + j;

		if (ey < top || ey >= bottom)
			continue;
		snprintf(key, sizeof(key), "%s %s", jp_str(svc, "name", "?"),
			 jp_str(be, "address", "?"));
		er = edge(s, key);
		for (int x = bw; x < bx - 1; x++)
			crt_put(ey, x, 1, attr, g->hline);
		crt_put(ey, bx - 1, 1, attr, g->arrow);
		crt_putf(ey, bw + 2, bx - bw - 4, attr, " %.0f conn/s ",
			 er ? er->per_s : 0.0);
		crt_putf(ey, bx, bw, attr, "[%s] %s %s",
			 jp_str(be, "address", "?"), state,
			 jp_int(be, "weight", 1) > 1 ? "w" : "");
	}
	return h + 1;
}

/* One edge row: ───── label ───▶ destination, red when denied. */
static void draw_edge(struct tui *t, const struct mmap_edge *e, int y, int x,
		      int cols)
{
	const struct crt_glyphs *g = crt_glyphs();
	bool denied = e->denied_recent > 0;
	int attr = denied ? crt_attr(C_BAD) | ATTR_BOLD : crt_attr(C_OK);
	int dw = cols > 100 ? 34 : 24, lw = cols - x - dw;
	char label[96], dst[64], nb[INET_ADDRSTRLEN_MAX];

	if (denied)
		snprintf(label, sizeof(label), " DENIED %llu drops/10s ",
			 (unsigned long long)e->denied_recent);
	else if (e->requests)
		snprintf(label, sizeof(label),
			 " %.0f req/s %.0f err p99 %.1fms ", e->req_s, e->err_s,
			 mmap_edge_pct(e, 99));
	else
		snprintf(label, sizeof(label), " %.0f conn/s ", e->conn_s);
	for (int i = x; i < x + lw - 1; i++)
		crt_put(y, i, 1, attr, g->hline);
	crt_put(y, x + lw - 1, 1, attr, g->arrow);
	crt_put(y, x + 2, lw - 4, attr, label);
	snprintf(dst, sizeof(dst), "%s:%u/%s",
		 mmap_name_of(t->map, e->daddr, nb, sizeof(nb)), e->dport,
		 e->proto == 6	? "TCP" :
		 e->proto == 17 ? "UDP" :
				  "IP");
	crt_put(y, x + lw, dw, attr, dst);
}

/*
 * The traffic part from row yy (may be above top: scrolled out); returns
 * its height. Sources are boxes as tall as their edge count.
 */
static int draw_traffic(struct tui *t, int yy, int top, int bottom, int cols)
{
	static const struct mmap_edge *v[MMAP_EDGES];
	int n = mmap_sorted(t->map, v, MMAP_EDGES), h = 1;
	int bw = cols > 100 ? 30 : 22;

	if (yy >= top && yy < bottom)
		crt_putf(yy, 0, cols, ATTR_BOLD,
			 "Traffic (observed flows, L7 and policy verdicts)%s",
			 t->map->unmapped ?
				 "  [map full: some flows not mapped]" :
				 "");
	if (!n && yy + 1 >= top && yy + 1 < bottom)
		crt_put(yy + 1, 2, cols - 4, crt_attr(C_DIM),
			"no traffic seen yet (observe attaches to the lab's links: `bpflab observe -i IF`)");
	for (int i = 0; i < n;) {
		char nb[INET_ADDRSTRLEN_MAX];
		int j = i, by = yy + h;

		while (j < n && v[j]->saddr == v[i]->saddr)
			j++;
		/* the box: whole or not at all, so a half box never shows */
		if (by >= top && by + (j - i) + 2 <= bottom) {
			const char *name = mmap_name_of(t->map, v[i]->saddr, nb,
							sizeof(nb));
			struct in_addr a = { .s_addr = v[i]->saddr };
			char ip[INET_ADDRSTRLEN_MAX];

			inet_ntop(AF_INET, &a, ip, sizeof(ip));
			crt_box(by, 0, j - i + 2, bw, ATTR_NONE, name);
			crt_put(by + 1, 2, bw - 4, crt_attr(C_DIM),
				strcmp(name, ip) ? ip : "(no sandbox)");
		}
		for (int k = i; k < j; k++)
			if (by + 1 + k - i >= top && by + 1 + k - i < bottom)
				draw_edge(t, v[k], by + 1 + k - i, bw, cols);
		h += j - i + 3;
		i = j;
	}
	return h + (n ? 0 : 1);
}

static void map_draw(struct tui *t, void *state, int y, int x, int rows,
		     int cols)
{
	struct map_state *s = state;
	struct json_object *svcs = jp_get(mreq_reply(t->req_svc), "services");
	int yy, bottom = y + rows - 1;

	(void)x;
	if (!t->map) {
		tui_empty(y, 0, rows, cols,
			  "no engine in this session (replay): no live map");
		return;
	}
	crt_putf(
		bottom, 0, cols, crt_attr(C_DIM),
		"%zu services, %d edges; rates per second, p99 over 5-10 s, red: policy drops%s",
		svcs ? json_object_array_length(svcs) : 0, t->map->n,
		s->height > rows - 1 ? "; Up/Down scroll" : "");
	yy = y - s->scroll;
	if (yy >= y)
		crt_put(yy, 0, cols, ATTR_BOLD, "Services (load balancer)");
	yy++;
	if (!svcs || !json_object_array_length(svcs)) {
		if (yy >= y && yy < bottom)
			crt_putf(
				yy, 2, cols - 4, crt_attr(C_DIM), "%s",
				!svcs && mreq_error(t->req_svc) ?
					mreq_error(t->req_svc) :
					"no service yet (bpflab svc add, or key a on screen 9)");
		yy += 2;
	} else {
		sample(s, svcs);
		for (size_t i = 0; i < json_object_array_length(svcs); i++)
			yy += draw_service(s,
					   json_object_array_get_idx(svcs, i),
					   yy, y, bottom, cols);
	}
	yy += draw_traffic(t, yy, y, bottom, cols);
	s->height = yy + s->scroll - y;
}

static bool map_key(struct tui *t, void *state, int ch)
{
	struct map_state *s = state;

	(void)t;
	if (ch == KEY_DOWN && s->scroll + 1 < s->height)
		s->scroll++;
	else if (ch == KEY_UP && s->scroll > 0)
		s->scroll--;
	else if (ch == KEY_NPAGE)
		s->scroll =
			s->scroll + 10 < s->height ? s->scroll + 10 : s->scroll;
	else if (ch == KEY_PPAGE)
		s->scroll = s->scroll > 10 ? s->scroll - 10 : 0;
	else
		return false;
	return true;
}

static int map_init(struct tui *t, void **state)
{
	(void)t;
	*state = calloc(1, sizeof(struct map_state));
	return *state ? 0 : -1;
}

static void map_fini(struct tui *t, void *state)
{
	(void)t;
	free(state);
}

const struct screen_ops scr_svcmap = {
	.title = "Service map",
	.help = "  Up Down PgUp PgDn   scroll the map\n"
		"  Services: LB service -> backends, conn/s from the LB counters\n"
		"  Traffic: source box -> destination, req/s, 5xx err/s, p99;\n"
		"           red DENIED edges had policy drops in the last 10 s\n",
	.init = map_init,
	.draw = map_draw,
	.key = map_key,
	.fini = map_fini,
};
