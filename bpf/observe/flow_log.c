// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/journal.h"
#include "observe/flow_log.h"
#include "util/paths.h"
#include "util/util.h"

/* Lines are buffered and written out by flow_log__flush() (once per poll
 * batch): a write per flow costs more than the flow at high rates. */
#define FLOW_LOG_BUF (64 * 1024)

struct flow_log {
	char dir[PATH_MAX - 96]; /* room for "/NAME.N" */
	char name[64]; /* file name in dir: flows.jsonl, events.jsonl, ... */
	size_t max_bytes;
	int keep;
	FILE *f;
	size_t size;
};

/* Paths that would not fit come out truncated and simply fail to open. */
static void log_path(char *out, size_t size, const char *dir, const char *name,
		     int n)
{
	int len = n ? snprintf(out, size, "%s/%s.%d", dir, name, n) :
		      snprintf(out, size, "%s/%s", dir, name);

	if (len < 0 || (size_t)len >= size)
		out[0] = '\0';
}

static int reopen(struct flow_log *l)
{
	char path[PATH_MAX];
	struct stat st;

	int fd;

	log_path(path, sizeof(path), l->dir, l->name, 0);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	l->f = fdopen(fd, "a");
	if (!l->f) {
		close(fd);
		return -errno;
	}
	setvbuf(l->f, NULL, _IOFBF, FLOW_LOG_BUF);
	l->size = fstat(fd, &st) ? 0 : st.st_size;
	return 0;
}

static int rotate(struct flow_log *l)
{
	char from[PATH_MAX], to[PATH_MAX];

	fclose(l->f);
	l->f = NULL;
	for (int n = l->keep - 1; n >= 0; n--) {
		log_path(from, sizeof(from), l->dir, l->name, n);
		log_path(to, sizeof(to), l->dir, l->name, n + 1);
		if (rename(from, to) && errno != ENOENT)
			return -errno;
	}
	return reopen(l);
}

int flow_log__open(struct flow_log **out, const char *dir, size_t max_bytes,
		   int keep)
{
	return flow_log__open_named(out, dir, FLOW_LOG_NAME, max_bytes, keep);
}

int flow_log__open_named(struct flow_log **out, const char *dir,
			 const char *name, size_t max_bytes, int keep)
{
	struct flow_log *l;
	int err;

	if (strlen(dir) >= sizeof(l->dir) || strlen(name) >= sizeof(l->name) ||
	    strchr(name, '/') || keep < 1 || !max_bytes)
		return -EINVAL;
	err = mkdir_p(dir, 0750);
	if (err && err != -EEXIST)
		return err;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	snprintf(l->dir, sizeof(l->dir), "%s", dir);
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->max_bytes = max_bytes;
	l->keep = keep;
	err = reopen(l);
	if (err) {
		free(l);
		return err;
	}
	*out = l;
	return 0;
}

int flow_log__append(struct flow_log *l, const char *line)
{
	size_t n = strlen(line);
	int err;

	if (l->size && l->size + n + 1 > l->max_bytes) {
		err = rotate(l);
		if (err)
			return err;
	}
	if (fwrite(line, 1, n, l->f) != n || fputc('\n', l->f) == EOF)
		return -EIO;
	l->size += n + 1;
	return 0;
}

int flow_log__flush(struct flow_log *l)
{
	return l && l->f && fflush(l->f) ? -errno : 0;
}

void flow_log__close(struct flow_log *l)
{
	if (!l)
		return;
	if (l->f)
		fclose(l->f);
	free(l);
}

int flow_log_read(const char *dir, int keep, flow_log_fn fn, void *ctx)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int err = 0;

	for (int i = keep; i >= 0 && !err; i--) {
		FILE *f;

		log_path(path, sizeof(path), dir, FLOW_LOG_NAME, i);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (!err && (n = getline(&line, &cap, f)) > 0) {
			if (line[n - 1] == '\n')
				line[n - 1] = '\0';
			err = fn(line, ctx);
		}
		fclose(f);
	}
	free(line);
	return err > 0 ? 0 : err;
}

const char *flow_log_default_dir(void)
{
	static char dir[PATH_MAX];
	const char *run = bl_run_dir(), *base = strrchr(run, '/');

	/*
	 * History is state, not runtime: it lives under /var/lib/bpflab so it
	 * survives `bpflab down` and reboots, one directory per run dir so
	 * engines side by side (BPFLAB_RUN_DIR) keep theirs apart.
	 */
	if (!dir[0])
		snprintf(dir, sizeof(dir), "%s/flows/%s", BL_STATE_DIR,
			 base && base[1] ? base + 1 : "bpflab");
	return dir;
}
