// SPDX-License-Identifier: GPL-2.0
/*
 * Load balancing, before and after: the newest `bench lb` run since T as
 * two line charts over the number of services, one line per mode
 * (kube-proxy's iptables/nftables rules before, bpflab's socket-LB after),
 * connections per second and CPU per connection, then the numbers.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "console/report/html.h"
#include "console/report/report.h"
#include "console/report/svg_chart.h"
#include "util/json_path.h"

static const struct {
	const char *mode, *label, *color;
} modes[] = {
	{ "iptables-legacy", "kube-proxy iptables (legacy)", "#e8590c" },
	{ "iptables-nft", "kube-proxy iptables (nft)", "#c62828" },
	{ "nftables", "kube-proxy nftables", "#7b2cbf" },
	{ "ebpf", "bpflab socket-LB (eBPF)", "#1a7f37" },
};

#define N_MODES (int)(sizeof(modes) / sizeof(modes[0]))

/* One series per mode from the rows aimed at the last VIP (worst case). */
static void fill_series(struct json_object *rows, const char *metric,
			struct chart_series *s, int *n_series)
{
	double none = NAN;

	*n_series = 0;
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *r = json_object_array_get_idx(rows, i);

		if (!strcmp(jp_str(r, "mode", ""), "none"))
			none = report_double(r, metric, NAN);
	}
	for (int m = 0; m < N_MODES; m++) {
		struct chart_series *cs = &s[*n_series];

		memset(cs, 0, sizeof(*cs));
		cs->name = modes[m].label;
		cs->color = modes[m].color;
		for (size_t i = 0; i < json_object_array_length(rows) &&
				   cs->n < CHART_MAX_POINTS;
		     i++) {
			struct json_object *r =
				json_object_array_get_idx(rows, i);

			if (strcmp(jp_str(r, "mode", ""), modes[m].mode) ||
			    strcmp(jp_str(r, "vip", ""), "last"))
				continue;
			cs->x[cs->n] = (double)jp_int(r, "services", 0);
			cs->y[cs->n++] = report_double(r, metric, NAN);
		}
		if (cs->n)
			(*n_series)++;
	}
	if (isfinite(none) && none > 0) {
		struct chart_series *cs = &s[(*n_series)++];

		memset(cs, 0, sizeof(*cs));
		cs->name = "no LB (straight to a backend)";
		cs->color = "#6c757d";
		cs->dashed = true;
		cs->n = 1;
		cs->y[0] = none;
	}
}

static bool any_positive(const struct chart_series *s, int n)
{
	for (int i = 0; i < n; i++)
		for (int k = 0; k < s[i].n; k++)
			if (isfinite(s[i].y[k]) && s[i].y[k] > 0)
				return true;
	return false;
}

static struct json_object *row_at(struct json_object *rows, const char *mode,
				  int services)
{
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *r = json_object_array_get_idx(rows, i);

		if (!strcmp(jp_str(r, "mode", ""), mode) &&
		    !strcmp(jp_str(r, "vip", ""), "last") &&
		    jp_int(r, "services", -1) == services)
			return r;
	}
	return NULL;
}

/* The headline: eBPF against each rule-based mode at the largest N. */
static void lead(FILE *f, struct json_object *rows)
{
	struct json_object *e;
	int n = 0;

	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *r = json_object_array_get_idx(rows, i);

		if (!strcmp(jp_str(r, "mode", ""), "ebpf") &&
		    jp_int(r, "services", 0) > n)
			n = (int)jp_int(r, "services", 0);
	}
	e = row_at(rows, "ebpf", n);
	if (!e)
		return;
	fputs("<p class=\"lead\">At ", f);
	html_num(f, n);
	fprintf(f, " service%s, bpflab's socket-LB opened <b>",
		n == 1 ? "" : "s");
	html_num(f, report_double(e, "conn_per_s", 0));
	fputs(" connections/s</b> to the last service's VIP", f);
	for (int m = 0; m < N_MODES - 1; m++) {
		struct json_object *r = row_at(rows, modes[m].mode, n);
		double base = r ? report_double(r, "conn_per_s", 0) : 0;

		if (base <= 0)
			continue;
		fputs("; ", f);
		html_text(f, modes[m].label);
		fputs(" ", f);
		html_num(f, base);
		fprintf(f, " (eBPF ×%.2f)",
			report_double(e, "conn_per_s", 0) / base);
	}
	fputs(".</p>\n", f);
}

static void table(FILE *f, struct json_object *rows)
{
	fputs("<table><tr><th>mode</th><th>services</th><th>target</th>"
	      "<th>conn/s (median)</th><th>min – max</th><th>p50 µs</th>"
	      "<th>p99 µs</th><th>CPU µs/conn</th><th>rules load ms</th>"
	      "<th>+1 service ms</th><th>failed</th></tr>\n",
	      f);
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *r = json_object_array_get_idx(rows, i);

		/* the charts' rows; the first VIP's are in the JSON */
		if (!strcmp(jp_str(r, "vip", ""), "first"))
			continue;
		fputs("<tr><td>", f);
		html_text(f, jp_str(r, "mode", "?"));
		fprintf(f, "</td><td class=\"num\">%lld</td><td>",
			(long long)jp_int(r, "services", 0));
		html_text(f, jp_str(r, "vip", ""));
		fputs("</td><td class=\"num\">", f);
		html_num(f, report_double(r, "conn_per_s", NAN));
		fputs("</td><td class=\"num\">", f);
		html_num(f, report_double(r, "conn_per_s_min", NAN));
		fputs(" – ", f);
		html_num(f, report_double(r, "conn_per_s_max", NAN));
		fprintf(f,
			"</td><td class=\"num\">%.1f</td><td class=\"num\">%.1f"
			"</td><td class=\"num\">%.1f</td><td class=\"num\">%.2f"
			"</td><td class=\"num\">%.3f</td><td class=\"num\">%lld"
			"</td></tr>\n",
			report_double(r, "p50_us", NAN),
			report_double(r, "p99_us", NAN),
			report_double(r, "cpu_us_per_conn", NAN),
			report_double(r, "load_ms", NAN),
			report_double(r, "add_one_ms", NAN),
			(long long)jp_int(r, "failed", 0));
	}
	fputs("</table>\n", f);
}

void report_lb(FILE *f, const struct report_opts *o)
{
	struct chart_series s[N_MODES + 1];
	struct line_chart c = { .series = s,
				.x_title = "services (ClusterIP VIPs)" };
	struct json_object *run = NULL, *rows;
	char path[1024];

	report_section_begin(f, "lb");
	if (report_newest(o->bench_dir, "bench-lb-", ".json", o->since_ns, path,
			  sizeof(path)) ||
	    !(run = json_object_from_file(path)) ||
	    !(rows = jp_get(run, "results")) ||
	    !json_object_is_type(rows, json_type_array) ||
	    !json_object_array_length(rows)) {
		html_no_data(f, "LB bench", o->since, "bpflab bench lb");
		goto out;
	}
	lead(f, rows);
	fputs("<p>Before: kube-proxy's rules, walked per new connection. "
	      "After: bpflab picks the backend once, at <code>connect()</code>"
	      ". New TCP connections per second to the <i>last</i> service's "
	      "VIP (the worst case for a rule chain), client and servers "
	      "pinned to one CPU.</p>\n",
	      f);
	fill_series(rows, "conn_per_s", s, &c.n_series);
	c.title = "New connections per second vs number of services";
	c.y_title = "connections / s";
	svg_line_chart(f, &c);
	fill_series(rows, "cpu_us_per_conn", s, &c.n_series);
	if (any_positive(s, c.n_series)) {
		c.title = "CPU per connection vs number of services";
		c.y_title = "CPU µs / connection";
		svg_line_chart(f, &c);
	} else {
		fputs("<p>This run recorded no CPU time per connection.</p>\n",
		      f);
	}
	table(f, rows);
	fputs("<p>Run ", f);
	html_text(f, jp_str(run, "time", "?"));
	fputs(" on ", f);
	html_text(f, jp_str(run, "node", "?"));
	fputs(": <code>", f);
	html_text(f, jp_str(run, "command", "?"));
	fputs("</code> (", f);
	html_text(f, path);
	fputs(").</p>\n", f);
out:
	json_object_put(run);
	report_section_end(f);
}
