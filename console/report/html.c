// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "console/report/html.h"

void html_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

void html_textf(FILE *f, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	html_text(f, buf);
}

void html_num(FILE *f, double v)
{
	char digits[32];
	int n, lead;

	if (!isfinite(v)) {
		fputs("n/a", f);
		return;
	}
	if (v < 0) {
		fputc('-', f);
		v = -v;
	}
	n = snprintf(digits, sizeof(digits), "%.0f", v);
	lead = n % 3 ? n % 3 : 3;
	for (int i = 0; i < n; i++) {
		if (i && (i - lead) % 3 == 0)
			fputc(',', f);
		fputc(digits[i], f);
	}
}

void html_no_data(FILE *f, const char *what, const char *since,
		  const char *command)
{
	fputs("<p class=\"nodata\">No ", f);
	html_text(f, what);
	if (since) {
		fputs(" since ", f);
		html_text(f, since);
	}
	fputs(" — run <code>", f);
	html_text(f, command);
	fputs("</code>.</p>\n", f);
}
