// SPDX-License-Identifier: GPL-2.0
/*
 * httpload: a paced HTTP load client that keeps every request's latency and
 * outcome, for the virtual-patch scenario (a legitimate client hammering
 * the service while a policy is applied and removed under it).
 *
 *   httpload run DIR ADDR PORT PATH [RATE]   load until DIR/stop appears,
 *                                            then write DIR/report
 *   httpload mark DIR NAME                   a new phase starts now (prints
 *                                            the time, CLOCK_MONOTONIC ns)
 *   httpload now                             that clock, in ns
 *   httpload stop DIR                        stop the runner, print the report
 *   httpload get ADDR PORT PATH              one request; the body on stdout
 *
 * Requests are sent one at a time on a fixed schedule (RATE per second);
 * a request's latency counts from its slot in the schedule, so a stalled
 * service also delays (and is charged for) the requests queued behind the
 * stall, as wrk2 does. One connection per request (Connection: close), so
 * a refused or reset connection counts. A request fails when it cannot connect, send or read
 * within 2 s, or when the status is not 200. The body's "id=" names the
 * service instance: more than one id seen means it was restarted.
 * Requests are assigned to the phase whose mark precedes their start
 * (CLOCK_MONOTONIC, the same clock for every process on the host); before
 * the first mark the phase is "before". The report is one line per phase:
 *
 *   phase=NAME ms=D requests=N failed=F p50_us=A p99_us=B max_us=C
 *     svc_p50_us=E svc_p99_us=F svc_max_us=G   (on the same line)
 *
 * (D: the phase's length, the last one ends at the last request; p*_us
 * count from the slot, svc_* from the send: the service's own time, which
 * leaves out the client's own scheduling delays on a busy machine)
 *
 * then "total requests=N failed=F ids=K id=FIRST" (K distinct ids seen).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_PHASES 16
#define MAX_IDS 8
#define IO_TIMEOUT_S 2
#define BACKLOG_MAX_NS 1000000000ull /* late by more: drop the backlog */

struct sample {
	uint64_t start_ns; /* the request's slot in the schedule */
	uint32_t lat_us; /* response - slot: what a scheduled client sees */
	uint32_t svc_us; /* response - send: the service's own time */
	uint32_t ok;
};

struct phase {
	char name[32];
	uint64_t from_ns;
};

static char ids[MAX_IDS][64];
static int nids;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void path_in(char *dst, size_t size, const char *dir, const char *f)
{
	snprintf(dst, size, "%s/%s", dir, f);
}

/* One GET; returns the body length (body NUL-terminated), or -1. */
static int http_get(const char *addr, int port, const char *path, char *body,
		    size_t size)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	char req[512], resp[4096], *p;
	size_t len = 0;
	int fd, n, rc = -1;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto out;
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
		     path, addr);
	if (write(fd, req, (size_t)n) != n)
		goto out;
	while (len < sizeof(resp) - 1) {
		ssize_t r = read(fd, resp + len, sizeof(resp) - 1 - len);

		if (r < 0)
			goto out;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	resp[len] = 0;
	if (strncmp(resp, "HTTP/1.1 200 ", 13) != 0)
		goto out;
	p = strstr(resp, "\r\n\r\n");
	if (!p)
		goto out;
	snprintf(body, size, "%s", p + 4);
	rc = (int)strlen(body);
out:
	close(fd);
	return rc;
}

/* Remember the service's id; a second one means it was restarted. */
static void note_id(const char *body)
{
	const char *p = strstr(body, "id=");
	char id[64];
	size_t n;

	if (!p)
		return;
	n = strcspn(p + 3, "\r\n ");
	snprintf(id, sizeof(id), "%.*s", (int)n, p + 3);
	for (int i = 0; i < nids; i++)
		if (!strcmp(ids[i], id))
			return;
	if (nids < MAX_IDS)
		snprintf(ids[nids++], sizeof(ids[0]), "%s", id);
}

static int read_marks(const char *dir, struct phase *ph)
{
	char file[512], line[128], *end;
	int n = 1;
	FILE *f;

	snprintf(ph[0].name, sizeof(ph[0].name), "before");
	ph[0].from_ns = 0;
	path_in(file, sizeof(file), dir, "marks");
	f = fopen(file, "r");
	if (!f)
		return n;
	/* "NS NAME" per line, as cmd_mark() writes them */
	while (n < MAX_PHASES && fgets(line, sizeof(line), f)) {
		ph[n].from_ns = strtoull(line, &end, 10);
		if (end == line || *end != ' ')
			continue;
		snprintf(ph[n].name, sizeof(ph[n].name), "%.*s",
			 (int)strcspn(end + 1, "\n"), end + 1);
		n++;
	}
	fclose(f);
	return n;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t pct(const uint32_t *v, size_t n, double q)
{
	size_t i = (size_t)(q * (double)n);

	return n ? v[i < n ? i : n - 1] : 0;
}

static int write_report(const char *dir, const struct sample *s, size_t n)
{
	struct phase ph[MAX_PHASES];
	char tmp[512], file[512];
	uint32_t *lat = malloc((n ? n : 1) * sizeof(*lat));
	uint32_t *svc = malloc((n ? n : 1) * sizeof(*svc));
	size_t total_failed = 0;
	int nph = read_marks(dir, ph), rc = -1;
	FILE *f;

	path_in(tmp, sizeof(tmp), dir, "report.tmp");
	path_in(file, sizeof(file), dir, "report");
	f = fopen(tmp, "w");
	if (!f || !lat || !svc)
		goto out;
	for (int p = 0; p < nph; p++) {
		uint64_t to = p + 1 < nph ? ph[p + 1].from_ns : UINT64_MAX;
		/* the first phase starts, the last ends, with a request */
		uint64_t from = p ? ph[p].from_ns : (n ? s[0].start_ns : 0);
		uint64_t end = to;
		unsigned long long ms;
		size_t k = 0, failed = 0;

		if (to == UINT64_MAX)
			end = n ? s[n - 1].start_ns : 0;
		ms = end > from ? (end - from) / 1000000 : 0;

		for (size_t i = 0; i < n; i++) {
			if (s[i].start_ns < ph[p].from_ns ||
			    s[i].start_ns >= to)
				continue;
			failed += !s[i].ok;
			svc[k] = s[i].svc_us;
			lat[k++] = s[i].lat_us;
		}
		qsort(lat, k, sizeof(*lat), cmp_u32);
		qsort(svc, k, sizeof(*svc), cmp_u32);
		fprintf(f,
			"phase=%s ms=%llu requests=%zu failed=%zu p50_us=%u "
			"p99_us=%u max_us=%u svc_p50_us=%u svc_p99_us=%u "
			"svc_max_us=%u\n",
			ph[p].name, ms, k, failed, pct(lat, k, 0.50),
			pct(lat, k, 0.99), k ? lat[k - 1] : 0,
			pct(svc, k, 0.50), pct(svc, k, 0.99),
			k ? svc[k - 1] : 0);
		total_failed += failed;
	}
	fprintf(f, "total requests=%zu failed=%zu ids=%d id=%s\n", n,
		total_failed, nids, nids ? ids[0] : "none");
	if (fclose(f) == 0 && rename(tmp, file) == 0)
		rc = 0;
	f = NULL;
out:
	if (f)
		fclose(f);
	free(lat);
	free(svc);
	return rc;
}

static int cmd_run(const char *dir, const char *addr, int port,
		   const char *path, int rate)
{
	uint64_t period = 1000000000ull / (uint64_t)(rate > 0 ? rate : 500);
	uint64_t next = now_ns();
	size_t n = 0, cap = 1 << 14;
	struct sample *s = malloc(cap * sizeof(*s));
	char stop[512], body[256];
	int rc = 1;

	path_in(stop, sizeof(stop), dir, "stop");
	if (!s || (mkdir(dir, 0755) && errno != EEXIST))
		goto out;
	/* wake at the slot, not up to 50 us later (the default slack) */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	while (access(stop, F_OK)) {
		uint64_t slot = next, t0 = now_ns(), t1;
		int len;

		if (t0 < slot) {
			struct timespec ts = {
				(time_t)((slot - t0) / 1000000000),
				(long)((slot - t0) % 1000000000)
			};

			nanosleep(&ts, NULL);
		} else if (t0 - slot > BACKLOG_MAX_NS) {
			/* a timeout or a stalled client: start over, no burst */
			slot = t0;
		}
		t0 = now_ns(); /* the send */
		len = http_get(addr, port, path, body, sizeof(body));
		t1 = now_ns();
		next = slot + period;
		if (n == cap) {
			struct sample *g = realloc(s, 2 * cap * sizeof(*s));

			if (!g)
				goto out;
			s = g;
			cap *= 2;
		}
		if (len >= 0)
			note_id(body);
		/* from the slot, not the send: a stall delays the requests
		 * queued behind it too (no coordinated omission) */
		s[n++] = (struct sample){ slot, (uint32_t)((t1 - slot) / 1000),
					  (uint32_t)((t1 - t0) / 1000),
					  len >= 0 };
	}
	rc = write_report(dir, s, n) ? 1 : 0;
out:
	free(s);
	return rc;
}

static int cmd_mark(const char *dir, const char *name)
{
	unsigned long long t = now_ns();
	char file[512];
	FILE *f;

	path_in(file, sizeof(file), dir, "marks");
	f = fopen(file, "a");
	if (!f)
		return 1;
	fprintf(f, "%llu %s\n", t, name);
	printf("%llu\n", t);
	return fclose(f) ? 1 : 0;
}

/* Ask the runner to stop, wait for its report (10 s) and print it. */
static int cmd_stop(const char *dir)
{
	char file[512], buf[4096];
	size_t len;
	FILE *f;

	path_in(file, sizeof(file), dir, "stop");
	f = fopen(file, "w");
	if (!f || fclose(f))
		return 1;
	path_in(file, sizeof(file), dir, "report");
	for (int i = 0; i < 1000 && access(file, F_OK); i++)
		usleep(10000);
	f = fopen(file, "r");
	if (!f)
		return 1;
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return fwrite(buf, 1, len, stdout) == len ? 0 : 1;
}

/* A decimal in [1, max], or -1. */
static int number(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno || end == s || *end || v < 1 || v > max ? -1 : (int)v;
}

static int usage(void)
{
	fprintf(stderr, "usage: httpload run DIR ADDR PORT PATH [RATE]\n"
			"       httpload mark DIR NAME\n"
			"       httpload now\n"
			"       httpload stop DIR\n"
			"       httpload get ADDR PORT PATH\n");
	return 2;
}

int main(int argc, char **argv)
{
	char body[256];
	int port = -1, rate = 500;

	/* the port: "get ADDR PORT PATH" or "run DIR ADDR PORT PATH [RATE]" */
	if (argc >= 5)
		port = number(argv[argc == 5 ? 3 : 4], 65535);
	if (argc > 6)
		rate = number(argv[6], 100000);
	if ((argc == 6 || argc == 7) && !strcmp(argv[1], "run") && port > 0 &&
	    rate > 0)
		return cmd_run(argv[2], argv[3], port, argv[5], rate);
	if (argc == 4 && !strcmp(argv[1], "mark"))
		return cmd_mark(argv[2], argv[3]);
	if (argc == 2 && !strcmp(argv[1], "now")) {
		printf("%llu\n", (unsigned long long)now_ns());
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "stop"))
		return cmd_stop(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "get") && port > 0) {
		if (http_get(argv[2], port, argv[4], body, sizeof(body)) < 0)
			return 1;
		fputs(body, stdout);
		return 0;
	}
	return usage();
}
