// SPDX-License-Identifier: GPL-2.0
/*
 * The host's capability table, measured now by `bpflab doctor`'s probes
 * (each program type loaded, attached and triggered for real): what works
 * and, for each gap, what it costs.
 */
#include <stdio.h>
#include <unistd.h>

#include "console/report/html.h"
#include "console/report/report.h"
#include "doctor/probe.h"

static const char *const kinds[] = {
	[DOCTOR_KIND_KERNEL] = "kernel",
	[DOCTOR_KIND_MOUNT] = "mount",
	[DOCTOR_KIND_PROGRAM] = "program",
	[DOCTOR_KIND_TOOL] = "tool",
};

static void summary(FILE *f, const struct doctor_report *r)
{
	int counts[3] = { 0 };
	const char *missing;

	for (int i = 0; i < DOCTOR_NR_CHECKS; i++)
		counts[r->checks[i].status]++;
	fputs("<p class=\"lead\">Kernel ", f);
	html_text(f, r->kernel);
	fprintf(f, ": %d yes, %d partial, %d no. ", counts[DOCTOR_YES],
		counts[DOCTOR_PARTIAL], counts[DOCTOR_NO]);
	if (doctor_usable(r, &missing)) {
		fputs("This host can run bpflab.</p>\n", f);
	} else {
		fputs("This host cannot run bpflab: it lacks ", f);
		html_text(f, missing);
		fputs(".</p>\n", f);
	}
}

static void table(FILE *f, const struct doctor_report *r)
{
	fputs("<table><tr><th>check</th><th>kind</th><th>status</th>"
	      "<th>measured</th><th>what a gap costs</th></tr>\n",
	      f);
	for (int i = 0; i < DOCTOR_NR_CHECKS; i++) {
		const struct doctor_check *c = &r->checks[i];
		const char *st = doctor_status_str(c->status);

		fputs("<tr><td>", f);
		html_text(f, c->label);
		if (c->required)
			fputs(" <b>(required)</b>", f);
		fprintf(f,
			"</td><td>%s</td><td><span class=\"badge %s\">%s"
			"</span></td><td>",
			kinds[c->kind], st, st);
		html_text(f, c->detail);
		fputs("</td><td>", f);
		if (c->status != DOCTOR_YES)
			html_text(f, c->impact);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

void report_doctor(FILE *f, const struct report_opts *o)
{
	struct doctor_report r;

	report_section_begin(f, "doctor");
	if (!o->doctor || geteuid()) {
		fputs("<p class=\"nodata\">The capability table was not "
		      "measured for this report (the probes load programs: "
		      "they need root and were ",
		      f);
		fputs(geteuid() ? "not run as root" :
				  "turned off with --no-doctor",
		      f);
		fputs(") — run <code>sudo bpflab doctor</code> or "
		      "<code>sudo bpflab report</code>.</p>\n",
		      f);
		goto out;
	}
	doctor_report_init(&r);
	if (doctor_probe_all(&r)) {
		fputs("<p class=\"nodata\">The doctor's probes could not run "
		      "on this host — run <code>sudo bpflab doctor</code> to "
		      "see why.</p>\n",
		      f);
		goto out;
	}
	summary(f, &r);
	fputs("<p>Measured while this report was written: each program type "
	      "was loaded, attached and triggered.</p>\n",
	      f);
	table(f, &r);
out:
	report_section_end(f);
}
