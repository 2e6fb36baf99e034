// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lab/bench/crr.h"
#include "util/util.h"

int crr_pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static int read_full(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r == 0)
			return got ? -EPIPE : 0;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)r;
	}
	return 1;
}

static void serve_one(int c)
{
	char buf[CRR_MSG];

	while (read_full(c, buf, sizeof(buf)) == 1) {
		if (write(c, buf, sizeof(buf)) != sizeof(buf) || buf[0] == 'C')
			break;
	}
	close(c);
}

int crr_server(uint32_t addr, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = addr,
				  .sin_port = htons(port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4096)) {
		close(fd);
		return -errno;
	}
	for (;;) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return -errno;
		}
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		serve_one(c);
	}
}

/* One CRR transaction; returns 0 or -errno. */
static int crr_once(const struct crr_target *t)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = t->addr,
				  .sin_port = htons(t->port) };
	char buf[CRR_MSG] = { 'C' };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    write(fd, buf, sizeof(buf)) != sizeof(buf)) {
		err = -errno;
		goto out;
	}
	if (read_full(fd, buf, sizeof(buf)) != 1) {
		err = -EPIPE;
		goto out;
	}
	/* wait for the server's FIN: the client closes second (no TIME_WAIT here) */
	if (read(fd, buf, 1) != 0)
		err = -EPROTO;
out:
	close(fd);
	return err;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void percentiles(uint64_t *lat, uint64_t n, struct crr_result *r)
{
	if (!n)
		return;
	qsort(lat, n, sizeof(*lat), cmp_u64);
	r->p50_ns = lat[n / 2];
	r->p99_ns = lat[n * 99 / 100];
}

/* Latency samples, growing as needed; the run stops early if memory fails. */
struct samples {
	uint64_t *v;
	uint64_t n, cap;
};

static int sample_add(struct samples *s, uint64_t x)
{
	if (s->n == s->cap) {
		uint64_t cap = s->cap ? s->cap * 2 : 65536;
		uint64_t *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = x;
	return 0;
}

int crr_client(const struct crr_target *t, int nt, int warmup,
	       uint64_t duration_ns, struct crr_result *r)
{
	struct samples s = { 0 };
	uint64_t t0, start, now;
	int i = 0, err = 0;

	memset(r, 0, sizeof(*r));
	for (int w = 0; w < warmup; w++)
		crr_once(&t[w % nt]);
	start = now = now_mono_ns();
	while (now - start < duration_ns) {
		t0 = now;
		if (crr_once(&t[i++ % nt])) {
			r->failed++;
		} else {
			now = now_mono_ns();
			r->ops++;
			err = sample_add(&s, now - t0);
			if (err)
				break;
			continue;
		}
		now = now_mono_ns();
	}
	r->elapsed_ns = now - start;
	percentiles(s.v, s.n, r);
	free(s.v);
	return err;
}

int rr_client(const struct crr_target *t, uint64_t duration_ns,
	      struct crr_result *r)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = t->addr,
				  .sin_port = htons(t->port) };
	char buf[CRR_MSG] = { 'R' };
	struct samples s = { 0 };
	uint64_t start, t0, now;
	int one = 1, err = 0,
	    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(r, 0, sizeof(*r));
	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		goto out;
	}
	start = now = now_mono_ns();
	while (now - start < duration_ns) {
		t0 = now;
		buf[0] = 'R';
		if (write(fd, buf, sizeof(buf)) != sizeof(buf) ||
		    read_full(fd, buf, sizeof(buf)) != 1) {
			err = -EPIPE;
			break;
		}
		now = now_mono_ns();
		r->ops++;
		if (sample_add(&s, now - t0))
			break;
	}
	r->elapsed_ns = now - start;
	percentiles(s.v, s.n, r);
out:
	free(s.v);
	close(fd);
	return err;
}
