// SPDX-License-Identifier: GPL-2.0
/*
 * Enforcement overhead: the newest `bench enforce` run since T as bars, ns
 * per write(2) with no hook, an empty eBPF hook, bpflab with 10 and 10,000
 * protected files, strace and auditd; then the open/read/close mix.
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
	const char *setup, *label, *color;
} setups[] = {
	{ "none", "no hook", "#6c757d" },
	{ "floor", "empty eBPF hook", "#4263a8" },
	{ "rules10", "bpflab, 10 files", "#1a7f37" },
	{ "rules10k", "bpflab, 10,000 files", "#2b9348" },
	{ "tp-write", "empty sys_enter_write tp", "#5c7cba" },
	{ "strace", "strace -f", "#c62828" },
	{ "auditd", "auditd -w -p wa", "#e8590c" },
};

#define N_SETUPS (int)(sizeof(setups) / sizeof(setups[0]))

static double ns_of(struct json_object *rows, const char *setup)
{
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *r = json_object_array_get_idx(rows, i);

		if (!strcmp(jp_str(r, "setup", ""), setup))
			return report_double(r, "ns", NAN);
	}
	return NAN;
}

static void lead(FILE *f, struct json_object *rows)
{
	double none = ns_of(rows, "none"), r10 = ns_of(rows, "rules10"),
	       r10k = ns_of(rows, "rules10k"), st = ns_of(rows, "strace");

	if (!isfinite(none) || !isfinite(r10))
		return;
	fprintf(f,
		"<p class=\"lead\">bpflab's kill-before-write check costs "
		"<b>%.0f ns</b> per <code>write()</code> with 10 protected "
		"files",
		r10 - none);
	if (isfinite(r10k))
		fprintf(f, " and %.0f ns with 10,000", r10k - none);
	if (isfinite(st) && r10 > none)
		fprintf(f, "; strace adds %.0f ns, %.0f× as much", st - none,
			(st - none) / (r10 - none));
	fputs(".</p>\n", f);
}

static void mix(FILE *f, struct json_object *run)
{
	struct json_object *m = jp_get(run, "open_read_close");

	if (!m)
		return;
	fputs("<p>A realistic open+read+close loop, operations per CPU-second: ",
	      f);
	html_num(f, report_double(m, "off", NAN));
	fputs(" without bpflab, ", f);
	html_num(f, report_double(m, "floor", NAN));
	fputs(" with an empty hook, ", f);
	html_num(f, report_double(m, "on", NAN));
	fprintf(f,
		" with bpflab's full protect-passwd mechanism (%.1f%% "
		"lost%s).</p>\n",
		report_double(m, "lost_pct", NAN),
		report_double(m, "lost_pct", 0) < 0 ?
			"; below zero is noise on a shared machine" :
			"");
}

/* nginx + wrk on loopback, when the run had it (--web-secs > 0) */
static void web(FILE *f, struct json_object *run)
{
	struct json_object *w = jp_get(run, "nginx_wrk");
	double off = report_double(w, "rps.off", NAN),
	       on = report_double(w, "rps.on", NAN);

	if (!w || !isfinite(off) || !isfinite(on) || off <= 0)
		return;
	fputs("<p>nginx served by wrk on loopback, requests/s: ", f);
	html_num(f, off);
	fputs(" without bpflab, ", f);
	html_num(f, report_double(w, "rps.floor", NAN));
	fputs(" with an empty hook, ", f);
	html_num(f, on);
	fprintf(f, " with bpflab (%.1f%% lost); per CPU-second: ",
		(off - on) * 100 / off);
	html_num(f, report_double(w, "per_cpu.off", NAN));
	fputs(" off, ", f);
	html_num(f, report_double(w, "per_cpu.on", NAN));
	fputs(" on.</p>\n", f);
}

void report_enforce(FILE *f, const struct report_opts *o)
{
	struct chart_bar bars[N_SETUPS];
	char path[1024], notes[N_SETUPS][32], when[48];
	struct json_object *run = NULL, *rows;
	double none;
	int n = 0;

	report_section_begin(f, "enforce");
	if (report_newest(o->bench_dir, "bench-enforce", ".json", o->since_ns,
			  path, sizeof(path)) ||
	    !(run = json_object_from_file(path)) ||
	    !(rows = jp_get(run, "write_dev_null")) ||
	    !json_object_is_type(rows, json_type_array) ||
	    !json_object_array_length(rows)) {
		html_no_data(f, "enforcement bench", o->since,
			     "bpflab bench enforce");
		goto out;
	}
	lead(f, rows);
	none = ns_of(rows, "none");
	for (int i = 0; i < N_SETUPS; i++) {
		double v = ns_of(rows, setups[i].setup);

		bars[n] = (struct chart_bar){ .label = setups[i].label,
					      .color = setups[i].color,
					      .value = v };
		if (isfinite(v) && isfinite(none) && i) {
			snprintf(notes[n], sizeof(notes[n]), "+%.0f ns",
				 v - none);
			bars[n].note = notes[n];
		}
		n++;
	}
	svg_bar_chart(f, "CPU time per write(2) of one byte to /dev/null",
		      "ns per write", bars, n);
	mix(f, run);
	web(f, run);
	report_fmt_time(report_mtime_ns(path), when, sizeof(when));
	fprintf(f,
		"<p>Medians of %lld runs of %lld calls, CPU time of the "
		"writer (strace: wall time). Run ",
		(long long)jp_int(run, "reps", 0),
		(long long)jp_int(run, "iters", 0));
	html_text(f, when);
	fputs(" (", f);
	html_text(f, path);
	fputs("); \"not measured\": the run has no figure for it (the tool "
	      "is missing, or the bench predates that setup).</p>\n",
	      f);
out:
	json_object_put(run);
	report_section_end(f);
}
