// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console/cli.h"
#include "engine/engine.h"
#include "observe/export.h"
#include "observe/flow_log.h"
#include "observe/hec.h"
#include "util/log.h"
#include "util/paths.h"
#include "util/util.h"

#define EXPORT_LINE_MAX (1 << 20)

static volatile sig_atomic_t export_stop;

static void on_signal(int sig)
{
	(void)sig;
	export_stop = 1;
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (end == s)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10, end++;
		break;
	case 'm':
	case 'M':
		v <<= 20, end++;
		break;
	case 'g':
	case 'G':
		v <<= 30, end++;
		break;
	}
	if (*end || !v)
		return -EINVAL;
	*out = v;
	return 0;
}

static int subscribe(void)
{
	static const char req[] =
		"{\"op\":\"subscribe\",\"format\":\"json\",\"filter\":{}}\n";
	int fd = engine_client_connect();

	if (fd < 0)
		return fd;
	if (write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		close(fd);
		return -EIO;
	}
	return fd;
}

struct exporter {
	struct flow_log *file;
	struct hec *hec;
	uint64_t lines, file_errors;
};

static void ship(struct exporter *x, const char *line)
{
	/* Replies ({"ok":..}) and loss notices are not events. */
	if (!strncmp(line, "{\"ok\":", 6))
		return;
	x->lines++;
	if (x->file && flow_log__append(x->file, line))
		x->file_errors++;
	if (x->hec)
		hec__add(x->hec, line);
}

static int pump(struct exporter *x, int fd, uint64_t deadline)
{
	char *buf = malloc(EXPORT_LINE_MAX);
	size_t len = 0;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	while (!export_stop && (!deadline || now_mono_ns() < deadline)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;
		char *nl;

		if (poll(&p, 1, 200) > 0) {
			n = read(fd, buf + len, EXPORT_LINE_MAX - 1 - len);
			if (n <= 0) {
				pr_err("observe export: the engine closed the stream\n");
				err = -EPIPE;
				break;
			}
			len += n;
			while ((nl = memchr(buf, '\n', len))) {
				*nl = '\0';
				if (!strncmp(buf, "{\"ok\":false", 11)) {
					pr_err("observe export: engine: %s\n",
					       buf);
					err = -EINVAL;
					goto out;
				}
				ship(x, buf);
				len -= nl + 1 - buf;
				memmove(buf, nl + 1, len);
			}
			if (len == EXPORT_LINE_MAX - 1)
				len = 0; /* one absurd line: drop it, keep going */
		}
		if (x->file && flow_log__flush(x->file))
			x->file_errors++;
		if (x->hec)
			hec__tick(x->hec);
	}
out:
	free(buf);
	return err;
}

int observe_export_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "max-size", required_argument, NULL, 's' },
		{ "keep", required_argument, NULL, 'k' },
		{ "splunk-hec", required_argument, NULL, 'u' },
		{ "splunk-token", required_argument, NULL, 't' },
		{ "spool", required_argument, NULL, 'p' },
		{ "spool-max", required_argument, NULL, 'm' },
		{ "batch", required_argument, NULL, 'b' },
		{ "duration", required_argument, NULL, 'd' },
		{},
	};
	struct hec_opts ho = { 0 };
	struct exporter x = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	char spool[PATH_MAX], dirbuf[PATH_MAX], namebuf[PATH_MAX];
	const char *file = NULL;
	size_t max_size = FLOW_LOG_MAX_BYTES;
	uint64_t duration = 0;
	long keep = FLOW_LOG_KEEP;
	int c, fd = -1, err = 0, rc = EXIT_USAGE;
	char *end;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 's':
			if (parse_size(optarg, &max_size))
				goto bad;
			break;
		case 'k':
			keep = strtol(optarg, &end, 10);
			if (*end || keep < 1 || keep > 100)
				goto bad;
			break;
		case 'u':
			ho.url = optarg;
			break;
		case 't':
			ho.token = optarg;
			break;
		case 'p':
			ho.spool_dir = optarg;
			break;
		case 'm':
			if (parse_size(optarg, &ho.spool_max_bytes))
				goto bad;
			break;
		case 'b':
			ho.batch_events = strtol(optarg, &end, 10);
			if (*end || ho.batch_events < 1 ||
			    ho.batch_events > 10000)
				goto bad;
			break;
		case 'd':
			if (parse_duration_ns(optarg, &duration))
				goto bad;
			break;
		default:
			goto out;
		}
	}
	if (!file && !ho.url) {
		fprintf(stderr,
			"bpflab observe export: give --file and/or --splunk-hec\n");
		goto out;
	}
	if (!ho.url != !ho.token) {
		fprintf(stderr,
			"bpflab observe export: --splunk-hec and --splunk-token go together\n");
		goto out;
	}
	if (file) {
		snprintf(dirbuf, sizeof(dirbuf), "%s", file);
		snprintf(namebuf, sizeof(namebuf), "%s", file);
		err = flow_log__open_named(&x.file, dirname(dirbuf),
					   basename(namebuf), max_size, keep);
		if (err) {
			fprintf(stderr, "bpflab observe export: %s: %s\n", file,
				strerror(-err));
			goto out;
		}
	}
	if (ho.url) {
		if (!ho.spool_dir)
			ho.spool_dir =
				bl_run_path(spool, sizeof(spool), "hec-spool");
		err = hec__open(&x.hec, &ho);
		if (err) {
			fprintf(stderr,
				"bpflab observe export: bad --splunk-hec/--spool: %s\n",
				strerror(-err));
			goto out;
		}
	}
	fd = subscribe();
	if (fd < 0) {
		fprintf(stderr,
			"bpflab observe export: no engine to subscribe to (%s)\n",
			strerror(-fd));
		rc = EXIT_FAIL;
		goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	err = pump(&x, fd, duration ? now_mono_ns() + duration : 0);
	rc = err ? EXIT_FAIL : EXIT_OK;
	goto out;
bad:
	fprintf(stderr, "bpflab observe export: bad value '%s'\n", optarg);
out:
	if (fd >= 0)
		close(fd);
	if (x.hec) {
		struct hec_stats st;

		hec__stats(x.hec, &st);
		hec__close(x.hec);
		/* Close flushed once more: count what the spool holds now. */
		fprintf(stderr,
			"export: %llu events; hec: %llu sent, %llu failed posts, "
			"%llu batches spooled, %llu dropped\n",
			(unsigned long long)x.lines,
			(unsigned long long)st.sent_events,
			(unsigned long long)st.failed_posts,
			(unsigned long long)st.spooled_batches,
			(unsigned long long)st.dropped_batches);
	} else if (rc == EXIT_OK) {
		fprintf(stderr, "export: %llu events, %llu file errors\n",
			(unsigned long long)x.lines,
			(unsigned long long)x.file_errors);
	}
	flow_log__close(x.file);
	return rc;
}
