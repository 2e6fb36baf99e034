/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inline SVG charts for the report: a line chart (one polyline per series,
 * a point and its value at each x) and horizontal bars. Axes are linear, or
 * logarithmic when the values span decades (1 to 10,000 services; 300 ns to
 * 60 µs per write), which the axis title then says.
 */
#ifndef BPFLAB_REPORT_SVG_CHART_H
#define BPFLAB_REPORT_SVG_CHART_H

#include <stdbool.h>
#include <stdio.h>

#define CHART_MAX_POINTS 32

struct chart_series {
	const char *name;
	const char *color; /* CSS colour literal from our code */
	bool dashed; /* a reference line (no load balancer at all) */
	int n;
	double x[CHART_MAX_POINTS], y[CHART_MAX_POINTS];
};

struct line_chart {
	const char *title, *x_title, *y_title;
	const struct chart_series *series;
	int n_series;
};

struct chart_bar {
	const char *label;
	const char *color;
	double value;
	const char *note; /* printed after the value; may be NULL */
};

/* Nothing is drawn for a chart without a single finite point. */
void svg_line_chart(FILE *f, const struct line_chart *c);
void svg_bar_chart(FILE *f, const char *title, const char *unit,
		   const struct chart_bar *bars, int n);

#endif
