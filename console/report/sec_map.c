// SPDX-License-Identifier: GPL-2.0
/*
 * The service map since T, from the flow log (what `bpflab map` reads):
 * an SVG graph, clients on the left and each server one column right of
 * its furthest client, one arrow per client → server:port/protocol with
 * its connections, requests, errors and p99; then the same as a table.
 */
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "console/report/html.h"
#include "console/report/report.h"
#include "observe/flow_filter.h"
#include "observe/flow_log.h"
#include "observe/service_map.h"

#define MAX_NODES 32
#define MAX_EDGES 48 /* the busiest; the table lists them all */
#define COL_W 520 /* a box, the arrows, and the labels right of a box */
#define ROW_H 64
#define LABEL_H 15
#define LABEL_W 330
#define BOX_W 180
#define BOX_H 34
#define PAD 24

struct map_fold {
	struct service_map map;
	uint64_t since_ns;
	int err;
};

struct node {
	const char *name;
	int layer, y;
	int n_in, in_seen; /* edges arriving: their labels stack right of it */
};

struct graph {
	struct node n[MAX_NODES];
	int nn;
	int src[MAX_EDGES], dst[MAX_EDGES];
	int ne;
};

static int fold(const char *line, void *ctx)
{
	struct map_fold *c = ctx;
	struct json_object *obj = json_tokener_parse(line);

	if (!obj)
		return 0; /* a torn line */
	if (!c->since_ns || flow_line_time(obj) >= c->since_ns)
		c->err = service_map__add(&c->map, obj);
	json_object_put(obj);
	return c->err;
}

static int node_of(struct graph *g, const char *name)
{
	for (int i = 0; i < g->nn; i++)
		if (!strcmp(g->n[i].name, name))
			return i;
	if (g->nn == MAX_NODES)
		return -1;
	g->n[g->nn] = (struct node){ .name = name };
	return g->nn++;
}

/* A server sits one column right of its furthest client (cycles capped). */
static void layout(struct graph *g, int *height, int *layers)
{
	int next_y[MAX_NODES];

	for (int pass = 0; pass < g->nn; pass++)
		for (int e = 0; e < g->ne; e++)
			if (g->n[g->dst[e]].layer <= g->n[g->src[e]].layer &&
			    g->n[g->src[e]].layer + 1 < 4)
				g->n[g->dst[e]].layer =
					g->n[g->src[e]].layer + 1;
	for (int e = 0; e < g->ne; e++)
		g->n[g->dst[e]].n_in++;
	for (int i = 0; i < MAX_NODES; i++)
		next_y[i] = PAD + 20;
	*height = 0;
	*layers = 0;
	for (int i = 0; i < g->nn; i++) {
		struct node *n = &g->n[i];
		int h = n->n_in * LABEL_H + 24;

		n->y = next_y[n->layer];
		next_y[n->layer] += h > ROW_H ? h : ROW_H;
		if (next_y[n->layer] > *height)
			*height = next_y[n->layer];
		if (n->layer + 1 > *layers)
			*layers = n->layer + 1;
	}
}

static int node_x(const struct node *n)
{
	return PAD + n->layer * COL_W;
}

static int node_y(const struct node *n)
{
	return n->y;
}

static void draw_edge(FILE *f, struct graph *g, int e, struct map_edge *me)
{
	const struct node *s = &g->n[g->src[e]];
	struct node *d = &g->n[g->dst[e]];
	int x1 = node_x(s) + BOX_W, y1 = node_y(s) + BOX_H / 2;
	int x2 = node_x(d), y2 = node_y(d) + BOX_H / 2;
	int mx = (x1 + x2) / 2;

	fprintf(f,
		"<path d=\"M%d,%d C%d,%d %d,%d %d,%d\" fill=\"none\" "
		"stroke=\"%s\" stroke-width=\"2\" marker-end=\"url(#bl-arrow)\"/>\n",
		x1, y1, mx, y1, mx, y2, x2 - 4, y2,
		me->errors ? "#c62828" : "#4263a8");
	/* labels stack right of the server's box, one line per edge in */
	fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"elabel\"%s>",
		node_x(d) + BOX_W + 8, node_y(d) + 12 + d->in_seen++ * LABEL_H,
		me->errors ? " fill=\"#c62828\"" : "");
	html_textf(f, "← :%d/%s · %llu conn", me->port, me->protocol,
		   (unsigned long long)me->connections);
	if (me->requests)
		html_textf(f, " · %llu req · %llu err · p99 %.1f ms",
			   (unsigned long long)me->requests,
			   (unsigned long long)me->errors,
			   map_edge__percentile(me, 99));
	fputs("</text>\n", f);
}

static void draw(FILE *f, struct service_map *m)
{
	struct graph g = { .nn = 0 };
	int height, layers, w, h;

	for (size_t i = 0; i < m->n && g.ne < MAX_EDGES; i++) {
		int s = node_of(&g, m->e[i].source),
		    d = node_of(&g, m->e[i].destination);

		if (s < 0 || d < 0)
			break;
		g.src[g.ne] = s;
		g.dst[g.ne++] = d;
	}
	layout(&g, &height, &layers);
	w = 2 * PAD + (layers - 1) * COL_W + BOX_W + LABEL_W;
	h = height + PAD;
	fprintf(f,
		"<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" "
		"height=\"%d\" role=\"img\">\n<defs><marker id=\"bl-arrow\" "
		"viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
		"markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 "
		"z\" fill=\"#555\"/></marker></defs>\n",
		w, h, w, h);
	for (int e = 0; e < g.ne; e++)
		draw_edge(f, &g, e, &m->e[e]);
	for (int i = 0; i < g.nn; i++) {
		fprintf(f,
			"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
			"rx=\"5\" fill=\"#eef2fb\" stroke=\"#27447a\"/>\n"
			"<text x=\"%d\" y=\"%d\" class=\"node\" "
			"text-anchor=\"middle\">",
			node_x(&g.n[i]), node_y(&g.n[i]), BOX_W, BOX_H,
			node_x(&g.n[i]) + BOX_W / 2, node_y(&g.n[i]) + 22);
		html_text(f, g.n[i].name);
		fputs("</text>\n", f);
	}
	fputs("</svg>\n", f);
}

static void table(FILE *f, struct service_map *m)
{
	fputs("<table><tr><th>source</th><th>destination</th>"
	      "<th>connections</th><th>HTTP requests</th><th>errors (5xx)</th>"
	      "<th>p50 ms</th><th>p99 ms</th><th>bytes</th></tr>\n",
	      f);
	for (size_t i = 0; i < m->n; i++) {
		struct map_edge *e = &m->e[i];

		fputs("<tr><td>", f);
		html_text(f, e->source);
		fputs("</td><td>", f);
		html_textf(f, "%s:%d/%s", e->destination, e->port, e->protocol);
		fprintf(f,
			"</td><td class=\"num\">%llu</td><td class=\"num\">%llu"
			"</td><td class=\"num\">%llu</td><td class=\"num\">%.3f"
			"</td><td class=\"num\">%.3f</td><td class=\"num\">",
			(unsigned long long)e->connections,
			(unsigned long long)e->requests,
			(unsigned long long)e->errors,
			map_edge__percentile(e, 50),
			map_edge__percentile(e, 99));
		html_num(f, (double)e->bytes);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

void report_map(FILE *f, const struct report_opts *o)
{
	struct map_fold c = { .since_ns = o->since_ns };

	report_section_begin(f, "map");
	if (flow_log_read(o->flow_dir, FLOW_LOG_KEEP, fold, &c) || c.err ||
	    !c.map.n) {
		html_no_data(f, "flows in the flow log", o->since,
			     "bpflab observe -i IFACE (or an engine with "
			     "observe attached), then bpflab map");
		goto out;
	}
	service_map__sort(&c.map);
	fprintf(f,
		"<p class=\"lead\">%zu conversation%s seen on the wire by "
		"bpflab's tc programs, busiest first; red arrows carry HTTP "
		"5xx errors.</p>\n",
		c.map.n, c.map.n == 1 ? "" : "s");
	draw(f, &c.map);
	table(f, &c.map);
	fputs("<p>Flow log: <code>", f);
	html_text(f, o->flow_dir);
	fputs("</code>.</p>\n", f);
out:
	service_map__free(&c.map);
	report_section_end(f);
}
