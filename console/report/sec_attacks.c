// SPDX-License-Identifier: GPL-2.0
/*
 * Attacks: every scenario run kept since T (scenario_results_dir()), oldest
 * first, with its verdict and the evidence its checks recorded: the file's
 * bytes before and after, what reached the C2, how each process ended and
 * the engine's event as a story line (ancestors → the process → the action).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "console/report/html.h"
#include "console/report/report.h"
#include "observe/flow_filter.h"
#include "util/json_path.h"

#define MAX_CARDS 6 /* newest runs drawn in full; older ones are a table */
#define MAX_TABLE 60 /* rows of that table; older ones are only counted */
#define MAX_ANCESTORS 3 /* nearest ancestors on a story line */

struct run {
	uint64_t t;
	struct json_object *o;
};

static int by_time(const void *a, const void *b)
{
	const struct run *x = a, *y = b;

	return x->t < y->t ? -1 : x->t > y->t;
}

/* Every kept report since T; *out sorted oldest first. */
static void load_runs(const struct report_opts *o, struct run **out, int *n)
{
	char dir[600], path[1024];
	struct run *v = NULL, *nv;
	struct dirent *de;
	int cap = 0;
	DIR *d;

	*n = 0;
	snprintf(dir, sizeof(dir), "%s/scenarios", o->runs_dir);
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct json_object *r;
		uint64_t t;

		if (len < 6 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		r = json_object_from_file(path);
		t = r ? flow_line_time(r) : 0;
		if (!r || !jp_str(r, "scenario", NULL) ||
		    (o->since_ns && t < o->since_ns)) {
			json_object_put(r);
			continue;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			nv = realloc(v, sizeof(*v) * (size_t)cap);
			if (!nv) {
				json_object_put(r);
				break;
			}
			v = nv;
		}
		v[(*n)++] = (struct run){ .t = t, .o = r };
	}
	if (d)
		closedir(d);
	if (*n)
		qsort(v, (size_t)*n, sizeof(*v), by_time);
	*out = v;
}

static void story_proc(FILE *f, struct json_object *p, int depth)
{
	const char *args = jp_str(p, "arguments", "");

	fprintf(f, "%*s%s", depth * 2, "", depth ? "└ " : "");
	html_text(f, jp_basename(jp_str(p, "binary", "?")));
	if (*args) {
		fputc(' ', f);
		html_textf(f, "%.70s%s", args, strlen(args) > 70 ? "…" : "");
	}
	fprintf(f, " (pid %lld", (long long)jp_int(p, "pid", 0));
	if (jp_get(p, "sandbox.name")) {
		fputs(", sandbox ", f);
		html_text(f, jp_str(p, "sandbox.name", ""));
	}
	fputs(")\n", f);
}

/* What the process tried: the first argument Tetragon-style. */
static void story_target(FILE *f, struct json_object *body)
{
	struct json_object *a = jp_get(body, "args");
	struct json_object *a0 = a && json_object_is_type(a, json_type_array) &&
						 json_object_array_length(a) ?
					 json_object_array_get_idx(a, 0) :
					 NULL;

	if (jp_get(a0, "sock_arg"))
		html_textf(f, " %s:%lld", jp_str(a0, "sock_arg.daddr", "?"),
			   (long long)jp_int(a0, "sock_arg.dport", 0));
	else if (jp_get(a0, "file_arg"))
		html_textf(f, " %s", jp_str(a0, "file_arg.path", "?"));
}

/* ancestors (oldest first) → parent → process → what the policy did */
static void story(FILE *f, struct json_object *event)
{
	struct json_object *body, *anc;
	const char *type = jp_event_type(event, &body);
	int depth = 0, n;

	if (!body)
		return;
	anc = jp_get(body, "ancestors");
	n = anc && json_object_is_type(anc, json_type_array) ?
		    (int)json_object_array_length(anc) :
		    0;
	fputs("<div class=\"story\">", f);
	if (n > MAX_ANCESTORS) {
		fprintf(f, "… %d earlier ancestors\n", n - MAX_ANCESTORS);
		n = MAX_ANCESTORS;
	}
	for (int i = n - 1; i >= 0; i--)
		story_proc(f, json_object_array_get_idx(anc, (size_t)i),
			   depth++);
	if (jp_get(body, "parent"))
		story_proc(f, jp_get(body, "parent"), depth++);
	story_proc(f, jp_get(body, "process"), depth++);
	fprintf(f, "%*s<span class=\"kill\">", depth * 2, "");
	html_text(f, jp_str(body, "function_name", type));
	story_target(f, body);
	fputs(" → ", f);
	html_text(f, jp_str(body, "action", "reported"));
	if (jp_get(body, "policy_name")) {
		fputs(" by policy ", f);
		html_text(f, jp_str(body, "policy_name", ""));
	}
	if (jp_get(body, "bpflab.detail")) {
		fputs(" (", f);
		html_text(f, jp_str(body, "bpflab.detail", ""));
		fputc(')', f);
	}
	fputs("</span></div>\n", f);
}

/* The evidence that matters, in words; the first event as a story line. */
static void evidence(FILE *f, struct json_object *ev, bool *told)
{
	fputs("<div class=\"ev\">", f);
	if (jp_get(ev, "bytes_before")) {
		html_textf(
			f,
			"%s: %lld bytes before, %lld after; sha256 %.12s… → %.12s…",
			jp_str(ev, "path", "?"),
			(long long)jp_int(ev, "bytes_before", 0),
			(long long)jp_int(ev, "bytes_after", 0),
			jp_str(ev, "sha256_before", "?"),
			jp_str(ev, "sha256_after", "?"));
	}
	if (jp_get(ev, "connections")) {
		html_textf(f, "connections (SYNs answered) at the C2 %s:%lld: ",
			   jp_str(ev, "c2", "?"),
			   (long long)jp_int(ev, "port", 0));
		fprintf(f, "<b>%lld</b>",
			(long long)jp_int(ev, "connections", 0));
		if (*jp_str(ev, "first_bytes", "")) {
			fputs(", first bytes <code>", f);
			html_text(f, jp_str(ev, "first_bytes", ""));
			fputs("</code>", f);
		}
	}
	if (jp_get(ev, "signal"))
		fprintf(f, "pid %lld ended by signal %lld",
			(long long)jp_int(ev, "pid", 0),
			(long long)jp_int(ev, "signal", 0));
	else if (jp_get(ev, "exit"))
		fprintf(f, "pid %lld exited %lld",
			(long long)jp_int(ev, "pid", 0),
			(long long)jp_int(ev, "exit", 0));
	if (jp_get(ev, "reason"))
		html_text(f, jp_str(ev, "reason", ""));
	fputs("</div>\n", f);
	if (jp_get(ev, "event") && !*told) {
		story(f, jp_get(ev, "event"));
		*told = true;
	}
}

static void one_run(FILE *f, struct json_object *r)
{
	struct json_object *checks = jp_get(r, "checks");
	const char *v = jp_str(r, "verdict", "ERROR");
	bool told = false;

	/* the verdict doubles as a CSS class: only our three words */
	if (strcmp(v, "PASS") && strcmp(v, "FAIL"))
		v = "ERROR";
	fprintf(f, "<div class=\"run\"><h3><span class=\"badge %s\">%s</span> ",
		v, v);
	html_text(f, jp_str(r, "scenario", "?"));
	fputs(" — ", f);
	html_text(f, jp_str(r, "title", ""));
	fputs("</h3>\n<p>", f);
	html_textf(f, "%s mode, %s sandbox, started %s, took %lld ms",
		   jp_str(r, "mode", "?"), jp_str(r, "sandbox", "?"),
		   jp_str(r, "time", "?"),
		   (long long)jp_int(r, "duration_ms", 0));
	if (jp_get(r, "error") &&
	    json_object_is_type(jp_get(r, "error"), json_type_string)) {
		fputs("<br><b>error:</b> ", f);
		html_text(f, jp_str(r, "error", ""));
	}
	fputs("</p>\n<ul>\n", f);
	for (size_t i = 0;
	     checks && json_object_is_type(checks, json_type_array) &&
	     i < json_object_array_length(checks);
	     i++) {
		struct json_object *c = json_object_array_get_idx(checks, i);
		struct json_object *ok = jp_get(c, "ok");
		bool good = ok && json_object_get_boolean(ok);

		fprintf(f, "<li><span class=\"%s\">%s</span> ",
			good ? "ok" : "bad", good ? "✓" : "✗");
		html_text(f, jp_str(c, "check", ""));
		evidence(f, jp_get(c, "evidence"), &told);
		fputs("</li>\n", f);
	}
	fputs("</ul></div>\n", f);
}

static void summary(FILE *f, const struct run *v, int n)
{
	int count[3] = { 0 };

	for (int i = 0; i < n; i++) {
		const char *s = jp_str(v[i].o, "verdict", "");

		count[!strcmp(s, "PASS") ? 0 : !strcmp(s, "FAIL") ? 1 : 2]++;
	}
	fprintf(f,
		"<p class=\"lead\">%d attack run%s: <b>%d PASS</b> (enforce "
		"mode: the attack was stopped; monitor mode: it was seen), "
		"%d FAIL, %d ERROR. The newest in full:</p>\n",
		n, n == 1 ? "" : "s", count[0], count[1], count[2]);
}

static void checks_passed(struct json_object *r, int *ok, int *all)
{
	struct json_object *checks = jp_get(r, "checks");

	*ok = *all = 0;
	for (size_t i = 0;
	     checks && json_object_is_type(checks, json_type_array) &&
	     i < json_object_array_length(checks);
	     i++) {
		struct json_object *c = json_object_array_get_idx(checks, i);

		(*all)++;
		*ok += json_object_get_boolean(jp_get(c, "ok"));
	}
}

/* Older runs, newest first, one row each. */
static void older(FILE *f, const struct run *v, int n)
{
	int shown = 0;

	fputs("<h3>Earlier runs</h3>\n<table><tr><th>started</th>"
	      "<th>scenario</th><th>mode</th><th>sandbox</th><th>verdict</th>"
	      "<th>checks held</th><th>error</th></tr>\n",
	      f);
	for (int i = n - 1; i >= 0 && shown < MAX_TABLE; i--, shown++) {
		const char *verdict = jp_str(v[i].o, "verdict", "ERROR");
		int ok, all;

		if (strcmp(verdict, "PASS") && strcmp(verdict, "FAIL"))
			verdict = "ERROR";
		checks_passed(v[i].o, &ok, &all);
		fputs("<tr><td>", f);
		html_text(f, jp_str(v[i].o, "time", "?"));
		fputs("</td><td>", f);
		html_text(f, jp_str(v[i].o, "scenario", "?"));
		fputs("</td><td>", f);
		html_text(f, jp_str(v[i].o, "mode", "?"));
		fputs("</td><td>", f);
		html_text(f, jp_str(v[i].o, "sandbox", "?"));
		fprintf(f,
			"</td><td><span class=\"badge %s\">%s</span></td>"
			"<td class=\"num\">%d / %d</td><td>",
			verdict, verdict, ok, all);
		if (json_object_is_type(jp_get(v[i].o, "error"),
					json_type_string))
			html_text(f, jp_str(v[i].o, "error", ""));
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	if (n > shown)
		fprintf(f,
			"<p>%d older runs are counted above, not listed.</p>\n",
			n - shown);
}

void report_attacks(FILE *f, const struct report_opts *o)
{
	struct run *v = NULL;
	int n = 0, cards;

	report_section_begin(f, "attacks");
	load_runs(o, &v, &n);
	if (!n) {
		html_no_data(f, "attack runs", o->since,
			     "sudo bpflab scenario run passwd-write");
	} else {
		summary(f, v, n);
		cards = n < MAX_CARDS ? n : MAX_CARDS;
		for (int i = n - 1; i >= n - cards; i--)
			one_run(f, v[i].o);
		if (n > cards)
			older(f, v, n - cards);
	}
	for (int i = 0; i < n; i++)
		json_object_put(v[i].o);
	free(v);
	report_section_end(f);
}
