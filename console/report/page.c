// SPDX-License-Identifier: GPL-2.0
/* The page around the sections: head, inline style sheet, contents, foot. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <json-c/json.h>

#include "console/report/html.h"
#include "console/report/report.h"
#include "util/json_path.h"
#include "util/util.h"

/* System fonts only: the page must render the same with no network. */
static const char style[] =
	"body{font:15px/1.45 system-ui,'DejaVu Sans',sans-serif;margin:0;"
	"color:#1d2330;background:#f5f6f8}\n"
	"header{background:#1d2330;color:#fff;padding:22px 36px}\n"
	"header h1{margin:0 0 4px;font-size:26px}\n"
	"header p{margin:0;color:#c9cfdb}\n"
	"nav{padding:10px 36px;background:#e8ebf1;font-size:14px}\n"
	"nav a{margin-right:18px;color:#27447a}\n"
	"main{padding:8px 36px 40px;max-width:1180px}\n"
	"section{background:#fff;border:1px solid #dde1e8;border-radius:6px;"
	"margin:18px 0;padding:6px 22px 16px}\n"
	"h2{font-size:20px;margin:14px 0 6px;color:#27447a}\n"
	"h3{font-size:16px;margin:14px 0 6px}\n"
	"table{border-collapse:collapse;margin:8px 0;font-size:13.5px}\n"
	"th,td{border-bottom:1px solid #e4e7ee;padding:4px 10px;text-align:left;"
	"vertical-align:top}\n"
	"th{background:#f0f2f6}\n"
	"td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	"code{font:13px 'DejaVu Sans Mono',monospace;background:#f0f2f6;"
	"padding:1px 4px;border-radius:3px}\n"
	".nodata{color:#7a4b00;background:#fff6e0;border-left:4px solid #e0a400;"
	"padding:8px 12px}\n"
	".lead{font-size:16px}\n"
	".badge{display:inline-block;padding:1px 9px;border-radius:10px;"
	"color:#fff;font-weight:600;font-size:13px}\n"
	".PASS,.yes{background:#1a7f37}.FAIL,.no{background:#c62828}"
	".ERROR,.partial{background:#b26a00}\n"
	".run{border-top:1px solid #e4e7ee;padding:6px 0}\n"
	".run ul{margin:4px 0;padding-left:22px}.run li{margin:2px 0}\n"
	".ev{color:#555;font-size:13px}\n"
	".story{font:13px 'DejaVu Sans Mono',monospace;background:#1d2330;"
	"color:#e8ebf1;padding:8px 12px;border-radius:4px;white-space:pre-wrap;"
	"overflow-wrap:anywhere}\n"
	".story .kill{color:#ff8a80;font-weight:700}\n"
	".ok{color:#1a7f37;font-weight:700}.bad{color:#c62828;font-weight:700}\n"
	"svg.chart{display:block;margin:8px 0;max-width:100%;height:auto}\n"
	"svg text{font-family:system-ui,'DejaVu Sans',sans-serif}\n"
	".ctitle{font-size:15px;font-weight:600}.tick{font-size:12px;fill:#555}\n"
	".atitle{font-size:13px;fill:#333}.legend{font-size:13px}\n"
	".blabel{font-size:13px}.bvalue{font-size:12.5px;fill:#333}\n"
	".node{font-size:12.5px}.elabel{font-size:11.5px;fill:#444}\n"
	"footer{color:#666;font-size:13px;padding:0 36px 30px}\n";

static const char *const sections[][2] = {
	{ "lb", "Load balancing: before / after" },
	{ "enforce", "Enforcement overhead" },
	{ "attacks", "Attacks and verdicts" },
	{ "map", "Service map" },
	{ "policies", "Policies in force" },
	{ "doctor", "Host capabilities" },
};

void report_fmt_time(uint64_t real_ns, char *buf, size_t size)
{
	time_t t = (time_t)(real_ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

uint64_t report_mtime_ns(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return 0;
	return (uint64_t)st.st_mtim.tv_sec * 1000000000ull +
	       (uint64_t)st.st_mtim.tv_nsec;
}

/* The newest match in dir (and, one level down, in its folders) into path. */
static void newest_in(const char *dir, const char *prefix, const char *suffix,
		      uint64_t since_ns, int depth, char *path, size_t size,
		      uint64_t *best)
{
	size_t np = strlen(prefix), ns = strlen(suffix);
	char cand[1024];
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		uint64_t t;

		if (de->d_name[0] == '.')
			continue;
		snprintf(cand, sizeof(cand), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR) {
			if (depth)
				newest_in(cand, prefix, suffix, since_ns,
					  depth - 1, path, size, best);
			continue;
		}
		if (n < np + ns || strncmp(de->d_name, prefix, np) ||
		    strcmp(de->d_name + n - ns, suffix))
			continue;
		t = report_mtime_ns(cand);
		if (t && t >= since_ns && t > *best) {
			*best = t;
			snprintf(path, size, "%s", cand);
		}
	}
	if (d)
		closedir(d);
}

int report_newest(const char *dir, const char *prefix, const char *suffix,
		  uint64_t since_ns, char *path, size_t size)
{
	uint64_t best = 0;

	newest_in(dir, prefix, suffix, since_ns, 1, path, size, &best);
	return best ? 0 : -1;
}

void report_page_begin(FILE *f, const struct report_opts *o)
{
	char now[48];

	report_fmt_time(now_real_ns(), now, sizeof(now));
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width\">\n"
	      "<title>bpflab report — ",
	      f);
	html_text(f, node_name());
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style);
	fputs("<header><h1>bpflab: what eBPF did on ", f);
	html_text(f, node_name());
	fputs("</h1>\n<p>Generated ", f);
	html_text(f, now);
	if (o->since) {
		fputs(" · covering since ", f);
		html_text(f, o->since);
	} else {
		fputs(" · covering everything kept", f);
	}
	fputs(". Every number below was measured on this host by bpflab; "
	      "a section without data says so.</p></header>\n<nav>",
	      f);
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		fprintf(f, "<a href=\"#%s\">%s</a>", sections[i][0],
			sections[i][1]);
	fputs("</nav>\n<main>\n", f);
}

void report_page_end(FILE *f)
{
	fputs("</main>\n<footer>Written by <code>bpflab report</code>. "
	      "Inputs: bench results (<code>bpflab bench lb|enforce</code>), "
	      "kept scenario reports (<code>bpflab scenario run</code>), the "
	      "flow log, the running engine and <code>bpflab doctor</code>'s "
	      "probes.</footer>\n</body>\n</html>\n",
	      f);
}

void report_section_begin(FILE *f, const char *id)
{
	const char *title = id;

	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (!strcmp(sections[i][0], id))
			title = sections[i][1];
	fprintf(f, "<section id=\"%s\">\n<h2>%s</h2>\n", id, title);
}

void report_section_end(FILE *f)
{
	fputs("</section>\n", f);
}

double report_double(struct json_object *o, const char *path, double def)
{
	struct json_object *v = jp_get(o, path);

	if (!v || !(json_object_is_type(v, json_type_double) ||
		    json_object_is_type(v, json_type_int)))
		return def;
	return json_object_get_double(v);
}
