// SPDX-License-Identifier: GPL-2.0
/*
 * Every scenario run's JSON report is kept on disk, so `bpflab report` can
 * tell the story of a demo after the fact: one file per run under
 * scenario_results_dir()/scenarios/, named by the UTC time it ended, so
 * names sort oldest first.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lab/scenario/scenario.h"
#include "util/log.h"
#include "util/util.h"

/* CI runs hundreds of scenarios: keep the newest this many reports */
#define KEEP_RUNS 1000

const char *scenario_results_dir(void)
{
	const char *d = getenv("BPFLAB_RESULTS_DIR");

	return d && *d ? d : "/var/lib/bpflab/results";
}

/* A name safe in a file name: the scenario name's [A-Za-z0-9_-] only. */
static void file_safe(const char *in, char *out, size_t size)
{
	size_t j = 0;

	for (; *in && j + 1 < size; in++)
		out[j++] = (*in >= 'a' && *in <= 'z') ||
					   (*in >= 'A' && *in <= 'Z') ||
					   (*in >= '0' && *in <= '9') ||
					   *in == '-' || *in == '_' ?
				   *in :
				   '_';
	out[j] = 0;
}

static int is_report(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return de->d_name[0] != '.' && n > 5 &&
	       !strcmp(de->d_name + n - 5, ".json");
}

/* Names start with the UTC time, so sorted by name is oldest first. */
static void prune(const char *dir)
{
	struct dirent **v = NULL;
	char path[800];
	int n = scandir(dir, &v, is_report, alphasort);

	for (int i = 0; i < n; i++) {
		if (i < n - KEEP_RUNS) {
			snprintf(path, sizeof(path), "%s/%s", dir,
				 v[i]->d_name);
			unlink(path);
		}
		free(v[i]);
	}
	free(v);
}

int scenario_result_save(const char *name, const char *report_json)
{
	char dir[512], path[800], tmp[820], safe[64], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;
	int err;

	if (!report_json)
		return -ENOMEM;
	snprintf(dir, sizeof(dir), "%s/scenarios", scenario_results_dir());
	err = mkdir_p(dir, 0755);
	if (err)
		goto out;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	file_safe(name, safe, sizeof(safe));
	snprintf(path, sizeof(path), "%s/%s-%s-%d.json", dir, stamp, safe,
		 (int)getpid());
	/* write then rename: a reader never sees half a report */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f) {
		err = -errno;
		goto out;
	}
	fputs(report_json, f);
	fputc('\n', f);
	if (fclose(f))
		err = -EIO;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	else
		prune(dir);
out:
	if (err)
		pr_warn("scenario %s: could not keep the report in %s: %s\n",
			name, dir, strerror(-err));
	return err;
}
