// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdio.h>

#include "console/report/html.h"
#include "console/report/svg_chart.h"

/* plot area of a line chart, in SVG user units */
#define LC_W 880
#define LC_H 330
#define LC_LEFT 80
#define LC_RIGHT 250
#define LC_TOP 34
#define LC_BOTTOM 56

/* a span of two decades or more is drawn on a log axis */
#define LOG_SPAN 100.0
/* bars go log sooner: at 20x the short ones would be slivers */
#define BAR_LOG_SPAN 20.0

struct axis {
	double lo, hi;
	bool log;
	int from, to; /* pixels */
};

static double axis_px(const struct axis *a, double v)
{
	double t = a->log ? (log10(v) - log10(a->lo)) /
				    (log10(a->hi) - log10(a->lo)) :
			    (v - a->lo) / (a->hi - a->lo);

	return a->from + t * (a->to - a->from);
}

/* 1, 2 or 5 times a power of ten, at least v */
static double nice_ceil(double v)
{
	double p = pow(10, floor(log10(v)));

	if (v <= p)
		return p;
	if (v <= 2 * p)
		return 2 * p;
	if (v <= 5 * p)
		return 5 * p;
	return 10 * p;
}

static void fmt_tick(char *buf, size_t size, double v)
{
	if (v >= 1e6)
		snprintf(buf, size, "%gM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, size, "%gk", v / 1e3);
	else
		snprintf(buf, size, "%g", v);
}

static bool usable(double v, bool log_axis)
{
	return isfinite(v) && (!log_axis || v > 0);
}

static void x_range(const struct line_chart *c, struct axis *x)
{
	double lo = INFINITY, hi = -INFINITY;

	for (int s = 0; s < c->n_series; s++) {
		const struct chart_series *cs = &c->series[s];

		for (int i = 0; !cs->dashed && i < cs->n; i++) {
			if (!isfinite(cs->x[i]))
				continue;
			lo = fmin(lo, cs->x[i]);
			hi = fmax(hi, cs->x[i]);
		}
	}
	x->log = lo > 0 && hi / lo >= LOG_SPAN;
	x->lo = lo;
	x->hi = hi > lo ? hi : lo + 1;
}

static double y_max(const struct line_chart *c)
{
	double hi = 0;

	for (int s = 0; s < c->n_series; s++)
		for (int i = 0; i < c->series[s].n; i++)
			if (isfinite(c->series[s].y[i]))
				hi = fmax(hi, c->series[s].y[i]);
	return hi > 0 ? nice_ceil(hi * 1.05) : 1;
}

static void x_ticks(FILE *f, const struct line_chart *c, const struct axis *x,
		    int y0)
{
	double done[CHART_MAX_POINTS * 4];
	int n_done = 0;
	char label[32];

	/* a tick at every measured x: the runs chose those values */
	for (int s = 0; s < c->n_series; s++) {
		const struct chart_series *cs = &c->series[s];

		for (int i = 0; !cs->dashed && i < cs->n; i++) {
			bool seen = false;

			if (!usable(cs->x[i], x->log))
				continue;
			for (int k = 0; k < n_done; k++)
				seen |= done[k] == cs->x[i];
			if (seen ||
			    n_done == (int)(sizeof(done) / sizeof(done[0])))
				continue;
			done[n_done++] = cs->x[i];
			fmt_tick(label, sizeof(label), cs->x[i]);
			fprintf(f,
				"<text x=\"%.1f\" y=\"%d\" class=\"tick\" "
				"text-anchor=\"middle\">%s</text>\n",
				axis_px(x, cs->x[i]), y0 + 18, label);
			fprintf(f,
				"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
				"stroke=\"#888\"/>\n",
				axis_px(x, cs->x[i]), y0, axis_px(x, cs->x[i]),
				y0 + 5);
		}
	}
}

static void y_grid(FILE *f, const struct axis *y)
{
	char label[32];

	for (int i = 0; i <= 5; i++) {
		double v = y->hi * i / 5;
		double py = axis_px(y, v);

		fmt_tick(label, sizeof(label), v);
		fprintf(f,
			"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
			"stroke=\"#e4e4e4\"/>\n"
			"<text x=\"%d\" y=\"%.1f\" class=\"tick\" "
			"text-anchor=\"end\">%s</text>\n",
			LC_LEFT, py, LC_W - LC_RIGHT, py, LC_LEFT - 8, py + 4,
			label);
	}
}

static void draw_series(FILE *f, const struct chart_series *cs,
			const struct axis *x, const struct axis *y, int idx)
{
	const char *dash = cs->dashed ? " stroke-dasharray=\"6 4\"" : "";

	if (cs->dashed) {
		/* a reference level: no x of its own (no services at all) */
		if (cs->n < 1 || !isfinite(cs->y[0]))
			return;
		fprintf(f,
			"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
			"stroke=\"%s\" stroke-width=\"2\"%s/>\n",
			x->from, axis_px(y, cs->y[0]), x->to,
			axis_px(y, cs->y[0]), cs->color, dash);
	} else {
		fprintf(f,
			"<polyline fill=\"none\" stroke=\"%s\" "
			"stroke-width=\"2.5\" points=\"",
			cs->color);
		for (int i = 0; i < cs->n; i++)
			if (usable(cs->x[i], x->log) && isfinite(cs->y[i]))
				fprintf(f, "%.1f,%.1f ", axis_px(x, cs->x[i]),
					axis_px(y, cs->y[i]));
		fputs("\"/>\n", f);
		for (int i = 0; i < cs->n; i++) {
			if (!usable(cs->x[i], x->log) || !isfinite(cs->y[i]))
				continue;
			fprintf(f,
				"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" "
				"fill=\"%s\"><title>",
				axis_px(x, cs->x[i]), axis_px(y, cs->y[i]),
				cs->color);
			html_textf(f, "%s at %g: %.1f", cs->name, cs->x[i],
				   cs->y[i]);
			fputs("</title></circle>\n", f);
		}
	}
	/* legend, right of the plot */
	fprintf(f,
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
		"stroke-width=\"3\"%s/>\n<text x=\"%d\" y=\"%d\" class=\"legend\">",
		LC_W - LC_RIGHT + 14, LC_TOP + 10 + idx * 22,
		LC_W - LC_RIGHT + 38, LC_TOP + 10 + idx * 22, cs->color, dash,
		LC_W - LC_RIGHT + 44, LC_TOP + 14 + idx * 22);
	html_text(f, cs->name);
	fputs("</text>\n", f);
}

void svg_line_chart(FILE *f, const struct line_chart *c)
{
	struct axis x = { .from = LC_LEFT, .to = LC_W - LC_RIGHT };
	struct axis y = { .from = LC_H - LC_BOTTOM, .to = LC_TOP };
	int y0 = LC_H - LC_BOTTOM;

	x_range(c, &x);
	if (!isfinite(x.lo))
		return;
	y.lo = 0;
	y.hi = y_max(c);
	fprintf(f,
		"<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" "
		"height=\"%d\" role=\"img\">\n"
		"<text x=\"%d\" y=\"20\" class=\"ctitle\">",
		LC_W, LC_H, LC_W, LC_H, LC_LEFT);
	html_text(f, c->title);
	fputs("</text>\n", f);
	y_grid(f, &y);
	fprintf(f,
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#555\"/>\n"
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#555\"/>\n",
		LC_LEFT, y0, LC_W - LC_RIGHT, y0, LC_LEFT, LC_TOP, LC_LEFT, y0);
	x_ticks(f, c, &x, y0);
	fprintf(f,
		"<text x=\"%d\" y=\"%d\" class=\"atitle\" text-anchor=\"middle\">",
		(LC_LEFT + LC_W - LC_RIGHT) / 2, LC_H - 10);
	html_text(f, c->x_title);
	if (x.log)
		fputs(" (log scale)", f);
	fprintf(f,
		"</text>\n<text x=\"16\" y=\"%d\" class=\"atitle\" "
		"text-anchor=\"middle\" transform=\"rotate(-90 16 %d)\">",
		(LC_TOP + y0) / 2, (LC_TOP + y0) / 2);
	html_text(f, c->y_title);
	fputs("</text>\n", f);
	for (int s = 0; s < c->n_series; s++)
		draw_series(f, &c->series[s], &x, &y, s);
	fputs("</svg>\n", f);
}

/* bar chart geometry */
#define BC_W 880
#define BC_LABEL 190
#define BC_BAR 380
#define BC_ROW 30
#define BC_TOP 40

static void bar_axis(const struct chart_bar *b, int n, struct axis *a)
{
	double lo = INFINITY, hi = 0;

	for (int i = 0; i < n; i++) {
		if (!isfinite(b[i].value) || b[i].value <= 0)
			continue;
		lo = fmin(lo, b[i].value);
		hi = fmax(hi, b[i].value);
	}
	a->from = BC_LABEL;
	a->to = BC_LABEL + BC_BAR;
	a->log = hi > 0 && hi / lo >= BAR_LOG_SPAN;
	if (a->log) {
		a->lo = pow(10, floor(log10(lo)) - 1);
		a->hi = pow(10, ceil(log10(hi)));
	} else {
		a->lo = 0;
		a->hi = hi > 0 ? nice_ceil(hi * 1.05) : 1;
	}
}

static void bar_grid(FILE *f, const struct axis *a, int bottom)
{
	char label[32];
	int steps = a->log ? (int)lround(log10(a->hi / a->lo)) : 5;

	for (int i = 0; i <= steps; i++) {
		double v = a->log ? a->lo * pow(10, i) : a->hi * i / steps;
		double px = axis_px(a, v);

		fmt_tick(label, sizeof(label), v);
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
			"stroke=\"#e4e4e4\"/>\n<text x=\"%.1f\" y=\"%d\" "
			"class=\"tick\" text-anchor=\"middle\">%s</text>\n",
			px, BC_TOP - 6, px, bottom, px, bottom + 16, label);
	}
}

void svg_bar_chart(FILE *f, const char *title, const char *unit,
		   const struct chart_bar *b, int n)
{
	int h = BC_TOP + n * BC_ROW + 44, bottom = BC_TOP + n * BC_ROW;
	struct axis a;

	bar_axis(b, n, &a);
	fprintf(f,
		"<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" "
		"height=\"%d\" role=\"img\">\n"
		"<text x=\"10\" y=\"20\" class=\"ctitle\">",
		BC_W, h, BC_W, h);
	html_text(f, title);
	fputs("</text>\n", f);
	bar_grid(f, &a, bottom);
	for (int i = 0; i < n; i++) {
		int top = BC_TOP + i * BC_ROW;
		bool have = isfinite(b[i].value) && b[i].value > 0;
		double len = have ? axis_px(&a, b[i].value) - a.from : 0;

		fprintf(f,
			"<text x=\"%d\" y=\"%d\" class=\"blabel\" "
			"text-anchor=\"end\">",
			BC_LABEL - 8, top + 19);
		html_text(f, b[i].label);
		fputs("</text>\n", f);
		if (have)
			fprintf(f,
				"<rect x=\"%d\" y=\"%d\" width=\"%.1f\" "
				"height=\"%d\" fill=\"%s\" rx=\"2\"/>\n",
				a.from, top + 5, len < 1 ? 1 : len, BC_ROW - 10,
				b[i].color);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"bvalue\">",
			a.from + len + 6, top + 19);
		if (have) {
			html_textf(f, "%.1f %s", b[i].value, unit);
			if (b[i].note) {
				fputs(" · ", f);
				html_text(f, b[i].note);
			}
		} else {
			fputs("not measured", f);
		}
		fputs("</text>\n", f);
	}
	fprintf(f,
		"<text x=\"%d\" y=\"%d\" class=\"atitle\" text-anchor=\"middle\">",
		BC_LABEL + BC_BAR / 2, h - 6);
	html_text(f, unit);
	if (a.log)
		fputs(" (log scale)", f);
	fputs("</text>\n</svg>\n", f);
}
