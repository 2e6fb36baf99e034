// SPDX-License-Identifier: GPL-2.0
/*
 * The policies in force now: the running engine's TracingPolicies
 * (policy.list) and CiliumNetworkPolicies with their endpoints
 * (netpol.list). The report never starts an engine: none running means
 * nothing is enforced, and the section says so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "console/report/html.h"
#include "console/report/report.h"
#include "engine/engine.h"
#include "util/json_path.h"
#include "util/paths.h"

/* The reply's object when the engine answered ok; NULL otherwise. */
static struct json_object *ask(const char *op)
{
	char req[64], *line = NULL;
	struct json_object *r = NULL;

	snprintf(req, sizeof(req), "{\"op\":\"%s\"}", op);
	if (!engine_client_call(req, &line))
		r = json_tokener_parse(line);
	free(line);
	if (r && !json_object_get_boolean(jp_get(r, "ok"))) {
		json_object_put(r);
		r = NULL;
	}
	return r;
}

static size_t len_of(struct json_object *a)
{
	return a && json_object_is_type(a, json_type_array) ?
		       json_object_array_length(a) :
		       0;
}

static void tracing(FILE *f, struct json_object *r)
{
	struct json_object *p = jp_get(r, "policies");

	fputs("<h3>TracingPolicies (runtime enforcement)</h3>\n", f);
	if (!r) {
		fputs("<p>The engine runs without its enforce module.</p>\n",
		      f);
		return;
	}
	if (!len_of(p)) {
		html_no_data(f, "TracingPolicy applied", NULL,
			     "bpflab policy apply FILE.yaml");
		return;
	}
	fputs("<table><tr><th>name</th><th>mode</th><th>rules</th>"
	      "<th>enforced</th><th>monitored</th><th>kernel memory</th>"
	      "<th>file</th></tr>\n",
	      f);
	for (size_t i = 0; i < len_of(p); i++) {
		struct json_object *o = json_object_array_get_idx(p, i);

		fputs("<tr><td>", f);
		html_text(f, jp_str(o, "name", "?"));
		fputs("</td><td>", f);
		html_text(f, jp_str(o, "mode", "?"));
		fprintf(f,
			"</td><td class=\"num\">%lld</td><td class=\"num\">%lld"
			"</td><td class=\"num\">%lld</td><td class=\"num\">",
			(long long)jp_int(o, "rules", 0),
			(long long)jp_int(o, "nenforce", 0),
			(long long)jp_int(o, "nmonitor", 0));
		html_num(f, (double)jp_int(o, "kernel_memory", 0));
		fputs(" B</td><td><code>", f);
		html_text(f, jp_str(o, "file", ""));
		fputs("</code></td></tr>\n", f);
	}
	fputs("</table>\n", f);
	fprintf(f, "<p>%lld protected files (%lld immutable while protected)",
		(long long)jp_int(r, "protected_files", 0),
		(long long)jp_int(r, "immutable_files", 0));
	if (jp_int(r, "kill_latency_ns.count", 0) > 0) {
		fputs("; kill latency from the syscall to SIGKILL: mean ", f);
		html_num(f, report_double(r, "kill_latency_ns.mean", 0) / 1000);
		fputs(" µs, max ", f);
		html_num(f, report_double(r, "kill_latency_ns.max", 0) / 1000);
		fprintf(f, " µs over %lld kills",
			(long long)jp_int(r, "kill_latency_ns.count", 0));
	}
	fputs(".</p>\n", f);
}

static void network(FILE *f, struct json_object *r)
{
	struct json_object *p = jp_get(r, "policies"),
			   *eps = jp_get(r, "endpoints");

	fputs("<h3>CiliumNetworkPolicies (identity-based, at tc and "
	      "connect)</h3>\n",
	      f);
	if (!r) {
		fputs("<p>The engine runs without its netpol module.</p>\n", f);
		return;
	}
	if (!len_of(p)) {
		html_no_data(f, "CiliumNetworkPolicy applied", NULL,
			     "bpflab netpol apply FILE.yaml");
		return;
	}
	fputs("<table><tr><th>name</th><th>mode</th><th>rules</th>"
	      "<th>description</th><th>file</th></tr>\n",
	      f);
	for (size_t i = 0; i < len_of(p); i++) {
		struct json_object *o = json_object_array_get_idx(p, i);

		fputs("<tr><td>", f);
		html_text(f, jp_str(o, "name", "?"));
		fputs("</td><td>", f);
		html_text(f, jp_str(o, "mode", "?"));
		fprintf(f, "</td><td class=\"num\">%lld</td><td>",
			(long long)jp_int(o, "rules", 0));
		html_text(f, jp_str(o, "description", ""));
		fputs("</td><td><code>", f);
		html_text(f, jp_str(o, "file", ""));
		fputs("</code></td></tr>\n", f);
	}
	fprintf(f,
		"</table>\n<p>%zu endpoint%s under policy, %lld identities, "
		"generation %lld.",
		len_of(eps), len_of(eps) == 1 ? "" : "s",
		(long long)jp_int(r, "identities", 0),
		(long long)jp_int(r, "generation", 0));
	for (size_t i = 0; i < len_of(eps) && i < 20; i++) {
		struct json_object *e = json_object_array_get_idx(eps, i);

		fputs(i ? ", " : " Endpoints: ", f);
		html_textf(f, "%s (%s, identity %lld)", jp_str(e, "name", "?"),
			   jp_str(e, "ip", "?"),
			   (long long)jp_int(e, "identity", 0));
	}
	fputs("</p>\n", f);
}

void report_policies(FILE *f, const struct report_opts *o)
{
	struct json_object *tp, *np;

	(void)o;
	report_section_begin(f, "policies");
	if (geteuid()) {
		fputs("<p class=\"nodata\">The policies in force were not "
		      "asked for: the engine's socket is root's — run "
		      "<code>sudo bpflab report</code>.</p>\n",
		      f);
		report_section_end(f);
		return;
	}
	if (!engine_is_running()) {
		fputs("<p class=\"nodata\">No engine is running (run dir ", f);
		html_text(f, bl_run_dir());
		fputs("): no policy is in force now — start one with "
		      "<code>bpflab engine --daemon</code> and apply "
		      "<code>bpflab policy apply</code> / <code>bpflab netpol "
		      "apply</code>.</p>\n",
		      f);
		report_section_end(f);
		return;
	}
	fputs("<p>As the running engine reports them now.</p>\n", f);
	tp = ask("policy.list");
	np = ask("netpol.list");
	tracing(f, tp);
	network(f, np);
	json_object_put(tp);
	json_object_put(np);
	report_section_end(f);
}
