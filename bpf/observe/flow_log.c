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
#include "observe/flow_rec.h"
#include "util/jw.h"
#include "util/log.h"
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
	size_t pending; /* bytes in f's buffer, not yet written out */
	bool binary; /* flow_rec records after FLOW_LOG_MAGIC, else lines */
	struct flow_buf buf; /* the record being written */
	struct jw w; /* a line rendered for a JSON-lines log */
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
	l->pending = 0;
	l->size = fstat(fd, &st) ? 0 : st.st_size;
	if (l->binary && !l->size) {
		if (fwrite(FLOW_LOG_MAGIC, 1, FLOW_LOG_MAGIC_LEN, l->f) !=
		    FLOW_LOG_MAGIC_LEN)
			return -EIO;
		l->size = FLOW_LOG_MAGIC_LEN;
		l->pending = FLOW_LOG_MAGIC_LEN;
	}
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

static int open_log(struct flow_log **out, const char *dir, const char *name,
		    size_t max_bytes, int keep, bool binary)
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
	l->binary = binary;
	jw_init(&l->w);
	err = reopen(l);
	if (err) {
		flow_log__close(l);
		return err;
	}
	*out = l;
	return 0;
}

int flow_log__open(struct flow_log **out, const char *dir, size_t max_bytes,
		   int keep)
{
	const char *env = getenv(FLOW_LOG_SIZE_ENV);
	char *end;

	/* a small size lets a test see rotation without writing 16 MiB */
	if (env && *env) {
		unsigned long long v = strtoull(env, &end, 10);

		if (*end || !v)
			return -EINVAL;
		max_bytes = v;
	}
	return open_log(out, dir, FLOW_LOG_NAME, max_bytes, keep, true);
}

int flow_log__open_named(struct flow_log **out, const char *dir,
			 const char *name, size_t max_bytes, int keep)
{
	return open_log(out, dir, name, max_bytes, keep, false);
}

/* n bytes at p, rotating first when they would overflow the file. */
static int write_out(struct flow_log *l, const void *p, size_t n)
{
	size_t empty = l->binary ? FLOW_LOG_MAGIC_LEN : 0;
	int err;

	if (l->size > empty && l->size + n > l->max_bytes) {
		err = rotate(l);
		if (err)
			return err;
	}
	/*
	 * stdio would write a full buffer out in the middle of a record:
	 * flush first, so what is on disk always ends on a record boundary.
	 */
	if (l->pending + n > FLOW_LOG_BUF) {
		if (fflush(l->f))
			return -errno;
		l->pending = 0;
	}
	if (fwrite(p, 1, n, l->f) != n)
		return -EIO;
	l->size += n;
	l->pending += n;
	if (l->pending >= FLOW_LOG_BUF) {
		if (fflush(l->f))
			return -errno;
		l->pending = 0;
	}
	return 0;
}

int flow_log__append(struct flow_log *l, const char *line)
{
	int err;

	l->buf.len = 0;
	if (l->binary) {
		err = flow_rec_encode_line(&l->buf, line);
	} else {
		size_t n = strlen(line);

		err = 0;
		if (n + 1 > l->buf.cap) {
			/* grow once, then reuse: lines are of similar size */
			flow_buf_free(&l->buf);
			l->buf.p = malloc(n + 1 + 1024);
			if (!l->buf.p)
				return -ENOMEM;
			l->buf.cap = n + 1 + 1024;
		}
		memcpy(l->buf.p, line, n);
		l->buf.p[n] = '\n';
		l->buf.len = n + 1;
	}
	return err ? err : write_out(l, l->buf.p, l->buf.len);
}

int flow_log__append_rec(struct flow_log *l, const void *rec, size_t len,
			 const char *ifname, const struct flow_render_extra *x)
{
	int err;

	if (!l->binary) {
		err = flow_render_json_ex(&l->w, rec, len, ifname, x);
		return err ? err : flow_log__append(l, jw_str(&l->w));
	}
	l->buf.len = 0;
	err = flow_rec_encode(&l->buf, rec, len, ifname, x);
	return err ? err : write_out(l, l->buf.p, l->buf.len);
}

int flow_log__flush(struct flow_log *l)
{
	if (l)
		l->pending = 0;
	return l && l->f && fflush(l->f) ? -errno : 0;
}

void flow_log__close(struct flow_log *l)
{
	if (!l)
		return;
	if (l->f)
		fclose(l->f);
	flow_buf_free(&l->buf);
	jw_free(&l->w);
	free(l);
}

/* A legacy JSON-lines file: each line to fn. */
static int read_lines(FILE *f, flow_log_fn fn, void *ctx)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int err = 0;

	while (!err && (n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		err = fn(line, ctx);
	}
	free(line);
	return err;
}

/*
 * Read the next whole record of a binary log at f's position into *body
 * (grown as needed): 1, or 0 at the end or before a partly written record
 * (f is then back where that record starts), or -EINVAL when the header
 * cannot be a record (a torn or foreign file: nothing after it is trusted).
 */
static int next_rec(FILE *f, struct flow_rec_hdr *h, struct flow_buf *body)
{
	long at = ftell(f);

	if (fread(h, sizeof(*h), 1, f) != 1)
		goto partial;
	if (h->len > FLOW_REC_MAX)
		return -EINVAL;
	if (h->len > body->cap) {
		uint8_t *p = realloc(body->p, h->len);

		if (!p)
			return -ENOMEM;
		body->p = p;
		body->cap = h->len;
	}
	if (h->len && fread(body->p, h->len, 1, f) != 1)
		goto partial;
	return 1;
partial:
	clearerr(f);
	fseek(f, at, SEEK_SET);
	return 0;
}

static bool has_magic(FILE *f)
{
	char magic[FLOW_LOG_MAGIC_LEN];

	return fread(magic, sizeof(magic), 1, f) == 1 &&
	       !memcmp(magic, FLOW_LOG_MAGIC, sizeof(magic));
}

/* A binary file: each record rendered to its line, to fn. */
static int read_records(FILE *f, const char *path, flow_log_fn fn, void *ctx)
{
	struct flow_buf body = { 0 };
	struct flow_rec_hdr h;
	struct jw w;
	int err = 0, got;

	if (!has_magic(f)) {
		pr_warn("flow log: %s is not a bpflab flow log; skipped\n",
			path);
		return 0;
	}
	jw_init(&w);
	while (!err && (got = next_rec(f, &h, &body)) > 0) {
		int r = flow_rec_render(&w, &h, body.p);

		/* A kind from a newer bpflab is skipped, not an error. */
		if (!r)
			err = fn(jw_str(&w), ctx);
		else if (r != -ENOTSUP)
			pr_debug("flow log: %s: a record did not decode: %s\n",
				 path, strerror(-r));
	}
	if (!err && got < 0)
		pr_warn("flow log: %s: stopped at a damaged record\n", path);
	jw_free(&w);
	flow_buf_free(&body);
	return err;
}

int flow_log_read(const char *dir, int keep, flow_log_fn fn, void *ctx)
{
	static const char *const names[] = { FLOW_LOG_LEGACY_NAME,
					     FLOW_LOG_NAME };
	char path[PATH_MAX];
	int err = 0;

	/* oldest first: what an older bpflab wrote, then ours */
	for (size_t k = 0; k < ARRAY_SIZE(names) && !err; k++) {
		for (int i = keep; i >= 0 && !err; i--) {
			FILE *f;

			log_path(path, sizeof(path), dir, names[k], i);
			f = fopen(path, "re");
			if (!f)
				continue;
			err = k ? read_records(f, path, fn, ctx) :
				  read_lines(f, fn, ctx);
			fclose(f);
		}
	}
	return err > 0 ? 0 : err;
}

struct flow_log_tail {
	char dir[PATH_MAX - 96];
	char path[PATH_MAX];
	FILE *f;
	ino_t ino;
	struct flow_buf body;
};

/*
 * Past every record the file holds whole. The byte end may be inside one:
 * a record the writer has not finished. Seeking there would read the rest
 * of that record as a header.
 */
static int skip_whole_records(FILE *f, off_t size)
{
	struct flow_rec_hdr h;
	off_t at = FLOW_LOG_MAGIC_LEN;

	while (at + (off_t)sizeof(h) <= size) {
		if (fseeko(f, at, SEEK_SET) || fread(&h, sizeof(h), 1, f) != 1)
			return -EIO;
		if (h.len > FLOW_REC_MAX)
			return -EINVAL; /* torn: follow the next file instead */
		if (at + (off_t)sizeof(h) + h.len > size)
			break;
		at += (off_t)sizeof(h) + h.len;
	}
	return fseeko(f, at, SEEK_SET) ? -errno : 0;
}

int flow_log_tail__open(struct flow_log_tail **out, const char *dir)
{
	struct flow_log_tail *t = calloc(1, sizeof(*t));
	struct stat st;

	if (!t)
		return -ENOMEM;
	if (strlen(dir) >= sizeof(t->dir)) {
		free(t);
		return -ENAMETOOLONG;
	}
	snprintf(t->dir, sizeof(t->dir), "%s", dir);
	log_path(t->path, sizeof(t->path), dir, FLOW_LOG_NAME, 0);
	t->f = fopen(t->path, "re");
	/* No log yet: the first one written is followed from its start. */
	if (t->f && (fstat(fileno(t->f), &st) || !has_magic(t->f) ||
		     skip_whole_records(t->f, st.st_size))) {
		fclose(t->f);
		t->f = NULL;
	} else if (t->f) {
		t->ino = st.st_ino;
	}
	*out = t;
	return 0;
}

/*
 * After our file was rotated away: the file written after it. Rotation
 * renames NAME.N to NAME.N+1, so if ours is NAME.N now, its successor is
 * NAME.N-1 (NAME itself for N = 1). Several rotations may have happened
 * between two looks; jumping to NAME would skip the files in between.
 * NULL when our file still has the name, or the next one has no magic yet.
 */
static FILE *tail_rotated(struct flow_log_tail *t, ino_t *ino)
{
	char path[PATH_MAX];
	struct stat st;
	int next = 0;
	FILE *g;

	if (stat(t->path, &st) || (t->f && st.st_ino == t->ino))
		return NULL;
	for (int n = 1; t->f && n <= FLOW_LOG_KEEP + 1; n++) {
		struct stat old;

		log_path(path, sizeof(path), t->dir, FLOW_LOG_NAME, n);
		if (!stat(path, &old) && old.st_ino == t->ino) {
			next = n - 1;
			break;
		}
	}
	log_path(path, sizeof(path), t->dir, FLOW_LOG_NAME, next);
	g = fopen(path, "re");
	if (!g || fstat(fileno(g), &st) || !has_magic(g)) {
		if (g)
			fclose(g); /* being created: come back for it */
		return NULL;
	}
	*ino = st.st_ino;
	return g;
}

/* The next record of the file open now: 1, 0 (none yet) or -errno. */
static int tail_read(struct flow_log_tail *t, struct jw *w)
{
	struct flow_rec_hdr h;
	int got;

	if (!t->f)
		return 0;
	while ((got = next_rec(t->f, &h, &t->body)) > 0)
		if (!flow_rec_render(w, &h, t->body.p))
			return 1;
	return got;
}

int flow_log_tail__next(struct flow_log_tail *t, struct jw *w)
{
	FILE *g;
	ino_t ino;
	int got;

	for (;;) {
		got = tail_read(t, w);
		if (got)
			return got;
		g = tail_rotated(t, &ino);
		if (!g)
			return 0;
		/* The writer closed the old file before renaming it: what it
		 * still holds is complete now. */
		got = tail_read(t, w);
		if (got) {
			fclose(g);
			return got;
		}
		if (t->f)
			fclose(t->f);
		t->f = g;
		t->ino = ino;
	}
}

void flow_log_tail__close(struct flow_log_tail *t)
{
	if (!t)
		return;
	if (t->f)
		fclose(t->f);
	flow_buf_free(&t->body);
	free(t);
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
