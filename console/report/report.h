/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `bpflab report`: one self-contained HTML page (inline CSS and SVG, no
 * scripts, fonts or images from anywhere) that tells a demo's story from
 * what bpflab measured and kept. One file per section; a section with no
 * data says so and names the command that produces it, never a number.
 */
#ifndef BPFLAB_REPORT_H
#define BPFLAB_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct report_opts {
	uint64_t since_ns; /* wall clock ns; 0: everything kept */
	const char *since; /* --since as given, for the wording; NULL: none */
	const char *bench_dir; /* bench results: $RESULTS or ./results */
	const char *runs_dir; /* scenario reports (scenario_results_dir()) */
	const char *flow_dir; /* the flow log, for the service map */
	bool doctor; /* probe the host's capabilities (root) */
};

void report_page_begin(FILE *f, const struct report_opts *o);
void report_page_end(FILE *f);
/* <section id=ID><h2>its title</h2> ... </section> */
void report_section_begin(FILE *f, const char *id);
void report_section_end(FILE *f);

/* The sections, in page order. */
void report_lb(FILE *f, const struct report_opts *o);
void report_enforce(FILE *f, const struct report_opts *o);
void report_attacks(FILE *f, const struct report_opts *o);
void report_map(FILE *f, const struct report_opts *o);
void report_policies(FILE *f, const struct report_opts *o);
void report_doctor(FILE *f, const struct report_opts *o);

/*
 * The newest file named PREFIX*SUFFIX, modified at or after since, in dir or
 * a folder of it (`make bench` writes results/lb/, results/enforce-TIME/).
 */
int report_newest(const char *dir, const char *prefix, const char *suffix,
		  uint64_t since_ns, char *path, size_t size);
/* A file's modification time, wall clock ns (0 if it cannot be read). */
uint64_t report_mtime_ns(const char *path);
struct json_object;
/* A number at a dotted path (int or double), or def when missing. */
double report_double(struct json_object *o, const char *path, double def);
/* "2026-11-24 23:55:40 UTC" from wall clock ns. */
void report_fmt_time(uint64_t real_ns, char *buf, size_t size);

#endif
