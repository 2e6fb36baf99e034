// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "observe/hec.h"
#include "util/log.h"
#include "util/util.h"

#define HEC_TIMEOUT_MS 3000
#define HEC_BACKOFF_MIN_NS 500000000ull /* 0.5 s, doubling */
#define HEC_BACKOFF_MAX_NS 30000000000ull /* 30 s */

struct hec {
	char host[256], port[16], path[512], auth[512];
	char spool[PATH_MAX - 64];
	size_t spool_max;
	int batch_max;
	uint64_t batch_delay_ns;
	char *batch; /* concatenated HEC envelopes */
	size_t len, cap;
	int n; /* events in batch */
	uint64_t first_at; /* when the batch got its first event */
	uint64_t next_try; /* backoff: no POST before this */
	uint64_t backoff;
	uint64_t spool_seq;
	struct hec_stats st;
};

static int parse_url(struct hec *h, const char *url)
{
	const char *p, *slash, *colon;

	if (strncmp(url, "http://", 7) != 0)
		return -EINVAL; /* https would need TLS: not built in */
	p = url + 7;
	slash = strchr(p, '/');
	if (!slash)
		slash = p + strlen(p);
	colon = memchr(p, ':', slash - p);
	if (colon) {
		snprintf(h->host, sizeof(h->host), "%.*s", (int)(colon - p), p);
		snprintf(h->port, sizeof(h->port), "%.*s",
			 (int)(slash - colon - 1), colon + 1);
	} else {
		snprintf(h->host, sizeof(h->host), "%.*s", (int)(slash - p), p);
		snprintf(h->port, sizeof(h->port), "8088");
	}
	/* The collector endpoint under whatever prefix the URL has. */
	snprintf(h->path, sizeof(h->path), "%.*s/services/collector/event",
		 (int)strcspn(slash, "?#"), slash);
	if (!strncmp(h->path, "//", 2))
		memmove(h->path, h->path + 1, strlen(h->path));
	return h->host[0] && h->port[0] ? 0 : -EINVAL;
}

static int connect_to(const struct hec *h)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1, err;

	err = getaddrinfo(h->host, h->port, &hints, &res);
	if (err)
		return -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		struct pollfd p = { .events = POLLOUT };
		socklen_t elen = sizeof(err);

		fd = socket(ai->ai_family,
			    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		p.fd = fd;
		if (!connect(fd, ai->ai_addr, ai->ai_addrlen) ||
		    (errno == EINPROGRESS && poll(&p, 1, HEC_TIMEOUT_MS) == 1 &&
		     !getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) &&
		     !err))
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd >= 0 ? fd : -ECONNREFUSED;
}

static int io_all(int fd, const char *buf, size_t n)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	ssize_t w;

	while (n) {
		if (poll(&p, 1, HEC_TIMEOUT_MS) != 1)
			return -ETIMEDOUT;
		w = write(fd, buf, n);
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (w > 0) {
			buf += w;
			n -= w;
		}
	}
	return 0;
}

/* POST body; 0 only for "200" with {"code":0} in the answer. */
static int post(struct hec *h, const char *body, size_t len)
{
	struct pollfd p = { .events = POLLIN };
	char head[1024], resp[4096];
	size_t got = 0;
	ssize_t n;
	int fd, hl, err;

	fd = connect_to(h);
	if (fd < 0)
		return fd;
	hl = snprintf(
		head, sizeof(head),
		"POST %s HTTP/1.1\r\nHost: %s:%s\r\n%s\r\n"
		"Content-Type: application/json\r\nContent-Length: %zu\r\n"
		"Connection: close\r\n\r\n",
		h->path, h->host, h->port, h->auth, len);
	err = io_all(fd, head, hl);
	if (!err)
		err = io_all(fd, body, len);
	p.fd = fd;
	while (!err && got + 1 < sizeof(resp)) {
		if (poll(&p, 1, HEC_TIMEOUT_MS) != 1) {
			err = -ETIMEDOUT;
			break;
		}
		n = read(fd, resp + got, sizeof(resp) - 1 - got);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	resp[got] = '\0';
	if (err)
		return err;
	if (strncmp(resp, "HTTP/1.1 200", 12) != 0 &&
	    strncmp(resp, "HTTP/1.0 200", 12) != 0) {
		pr_debug("hec: collector said: %.80s\n", resp);
		return -EPROTO;
	}
	if (!strstr(resp, "\"code\":0") && !strstr(resp, "\"code\": 0"))
		return -EPROTO;
	return 0;
}

/* ---- the spool: one file per undelivered batch, oldest first ------------ */

struct spool_file {
	char name[64];
	off_t size;
};

static int cmp_spool(const void *a, const void *b)
{
	return strcmp(((const struct spool_file *)a)->name,
		      ((const struct spool_file *)b)->name);
}

static int spool_list(const struct hec *h, struct spool_file **out, size_t *n,
		      size_t *total)
{
	struct spool_file *v = NULL, *tmp;
	size_t cap = 0;
	struct dirent *de;
	struct stat st;
	char path[PATH_MAX];
	DIR *d = opendir(h->spool);

	*n = *total = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "batch-", 6) != 0 ||
		    strlen(de->d_name) >= 64)
			continue;
		snprintf(path, sizeof(path), "%s/%s", h->spool, de->d_name);
		if (stat(path, &st))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			tmp = realloc(v, cap * sizeof(*v));
			if (!tmp)
				break;
			v = tmp;
		}
		snprintf(v[*n].name, sizeof(v[*n].name), "%s", de->d_name);
		v[(*n)++].size = st.st_size;
		*total += st.st_size;
	}
	closedir(d);
	/* Zero-padded sequence numbers: name order is age order. */
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_spool);
	*out = v;
	return 0;
}

/* The batch's event count rides in its name: batch-TIME-SEQ-COUNT.json. */
static unsigned spool_count(const char *name)
{
	const char *dash = strrchr(name, '-');

	return dash ? (unsigned)strtoul(dash + 1, NULL, 10) : 0;
}

static void spool_write(struct hec *h, const char *body, size_t len, int n_ev)
{
	struct spool_file *v = NULL;
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	size_t n, total;
	FILE *f;

	/* Make room: the oldest batches go first, and are counted. */
	if (!spool_list(h, &v, &n, &total)) {
		for (size_t i = 0; i < n && total + len > h->spool_max; i++) {
			snprintf(path, sizeof(path), "%s/%s", h->spool,
				 v[i].name);
			if (!unlink(path)) {
				total -= v[i].size;
				h->st.dropped_batches++;
			}
		}
	}
	free(v);
	snprintf(path, sizeof(path), "%s/batch-%020llu-%06d-%d.json", h->spool,
		 (unsigned long long)now_real_ns(),
		 (int)(h->spool_seq++ % 1000000), n_ev);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		goto fail;
	if (fwrite(body, 1, len, f) != len) {
		fclose(f);
		goto fail;
	}
	/* Written whole, then renamed: a crash never leaves half a batch. */
	if (fclose(f) || rename(tmp, path))
		goto fail;
	h->st.spooled_batches++;
	return;
fail:
	unlink(tmp);
	h->st.dropped_batches++;
	pr_warn("hec: couldn't spool a batch in %s: %s\n", h->spool,
		strerror(errno));
}

static void backoff(struct hec *h)
{
	h->backoff = h->backoff ? h->backoff * 2 : HEC_BACKOFF_MIN_NS;
	if (h->backoff > HEC_BACKOFF_MAX_NS)
		h->backoff = HEC_BACKOFF_MAX_NS;
	h->next_try = now_mono_ns() + h->backoff;
}

/* Send spooled batches, oldest first; stop at the first failure. */
static int drain_spool(struct hec *h)
{
	struct spool_file *v = NULL;
	char path[PATH_MAX], *body = NULL;
	size_t n, total;
	int err = 0;

	if (spool_list(h, &v, &n, &total))
		return 0;
	for (size_t i = 0; i < n && !err; i++) {
		ssize_t got;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", h->spool, v[i].name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		body = realloc(body, v[i].size + 1);
		got = body ? read(fd, body, v[i].size) : -1;
		close(fd);
		if (got != v[i].size)
			continue;
		err = post(h, body, got);
		if (err) {
			h->st.failed_posts++;
			break;
		}
		h->st.sent_events += spool_count(v[i].name);
		unlink(path);
	}
	free(body);
	free(v);
	return err;
}

static void flush(struct hec *h)
{
	int err;

	if (!h->n)
		return;
	if (now_mono_ns() < h->next_try) {
		err = -EAGAIN; /* backing off: straight to the spool */
	} else {
		/* Older batches first, so the collector sees events in order. */
		err = drain_spool(h);
		if (!err)
			err = post(h, h->batch, h->len);
		if (err) {
			h->st.failed_posts++;
			backoff(h);
		} else {
			h->backoff = 0;
			h->st.sent_events += h->n;
		}
	}
	if (err)
		spool_write(h, h->batch, h->len, h->n);
	h->len = 0;
	h->n = 0;
}

int hec__open(struct hec **out, const struct hec_opts *o)
{
	struct hec *h;
	int n, err;

	if (!o->url || !o->token || !o->spool_dir)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	err = parse_url(h, o->url);
	if (err)
		goto fail;
	n = snprintf(h->auth, sizeof(h->auth), "Authorization: Splunk %s",
		     o->token);
	if (n >= (int)sizeof(h->auth) || strpbrk(o->token, "\r\n")) {
		err = -EINVAL;
		goto fail;
	}
	if (strlen(o->spool_dir) >= sizeof(h->spool)) {
		err = -ENAMETOOLONG;
		goto fail;
	}
	snprintf(h->spool, sizeof(h->spool), "%s", o->spool_dir);
	err = mkdir_p(h->spool, 0700);
	if (err && err != -EEXIST)
		goto fail;
	h->spool_max = o->spool_max_bytes ? o->spool_max_bytes : 64u << 20;
	h->batch_max = o->batch_events > 0 ? o->batch_events : 100;
	h->batch_delay_ns =
		o->batch_delay_ns ? o->batch_delay_ns : 1000000000ull;
	*out = h;
	return 0;
fail:
	free(h);
	return err;
}

int hec__add(struct hec *h, const char *json_line)
{
	char head[512];
	size_t need, hl;
	char *tmp;

	hl = snprintf(head, sizeof(head),
		      "{\"time\":%.6f,\"host\":\"%s\",\"source\":\"bpflab\","
		      "\"sourcetype\":\"_json\",\"event\":",
		      now_real_ns() / 1e9, node_name());
	need = h->len + hl + strlen(json_line) + 2;
	if (need > h->cap) {
		size_t cap = need * 2;

		tmp = realloc(h->batch, cap);
		if (!tmp)
			return -ENOMEM;
		h->batch = tmp;
		h->cap = cap;
	}
	h->len += sprintf(h->batch + h->len, "%s%s}", head, json_line);
	if (!h->n++)
		h->first_at = now_mono_ns();
	if (h->n >= h->batch_max)
		flush(h);
	return 0;
}

void hec__tick(struct hec *h)
{
	uint64_t now = now_mono_ns();

	if (h->n && now - h->first_at >= h->batch_delay_ns)
		flush(h);
	else if (!h->n && now >= h->next_try && h->st.spooled_batches &&
		 drain_spool(h))
		backoff(h);
}

void hec__close(struct hec *h)
{
	if (!h)
		return;
	h->next_try = 0;
	flush(h);
	free(h->batch);
	free(h);
}

void hec__stats(const struct hec *h, struct hec_stats *out)
{
	struct spool_file *v = NULL;
	size_t n = 0, total;

	*out = h->st;
	if (!spool_list(h, &v, &n, &total))
		out->pending_batches = n;
	free(v);
}
