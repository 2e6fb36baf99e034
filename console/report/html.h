/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HTML output for `bpflab report`: every piece of text that did not come
 * from a literal in our code (scenario names, process arguments, policy
 * descriptions, file paths) goes through html_text() or html_textf().
 */
#ifndef BPFLAB_REPORT_HTML_H
#define BPFLAB_REPORT_HTML_H

#include <stdio.h>

/* Escape & < > " ' so s is safe in element text and quoted attributes. */
void html_text(FILE *f, const char *s);
/* printf, then escape the result (truncated at 4 KiB). */
void html_textf(FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* 12345.6 -> "12,346": thousands grouped, no decimals. */
void html_num(FILE *f, double v);
/* One "no data" paragraph: what is missing and the command that makes it. */
void html_no_data(FILE *f, const char *what, const char *since,
		  const char *command);

#endif
