// SPDX-License-Identifier: GPL-2.0
/*
 * Service map: each service as a box with edges to its backends, labelled
 * with connections/s (from the LB's counters); draining or down backends
 * are drawn in warning/red. It redraws in place and scrolls (Up/Down) when
 * the map is taller than the screen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "console/tui/crt.h"
#include "util/json_path.h"
#include "console/tui/model_req.h"
#include "console/tui/tui.h"
#include "util/util.h"

#define MAX_EDGES 256

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

static void map_draw(struct tui *t, void *state, int y, int x, int rows,
		     int cols)
{
	struct map_state *s = state;
	struct json_object *svcs = jp_get(mreq_reply(t->req_svc), "services");
	int yy;

	(void)x;
	if (!svcs) {
		char msg[256];

		snprintf(msg, sizeof(msg), "lb module: %s",
			 mreq_error(t->req_svc) ? mreq_error(t->req_svc) :
						  "no data");
		tui_empty(y, 0, rows, cols, msg);
		return;
	}
	if (!json_object_array_length(svcs)) {
		tui_empty(
			y, 0, rows, cols,
			"no service yet (bpflab svc add, or key a on screen 9)");
		return;
	}
	sample(s, svcs);
	crt_putf(
		y + rows - 1, 0, cols, crt_attr(C_DIM),
		"%zu services; edges: conn/s over 2 s; L7 errors and p99 need the observe module's L7 records",
		json_object_array_length(svcs));
	yy = y - s->scroll;
	for (size_t i = 0; i < json_object_array_length(svcs); i++)
		yy += draw_service(s, json_object_array_get_idx(svcs, i), yy, y,
				   y + rows - 1, cols);
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
	.help = "  Up Down PgUp PgDn   scroll the map\n",
	.init = map_init,
	.draw = map_draw,
	.key = map_key,
	.fini = map_fini,
};
