// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/num.h"
#include "util/util.h"

size_t base64_encode(const void *in, size_t n, char *out, size_t out_size)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = in;
	size_t o = 0, i;

	if (out_size < 4 * ((n + 2) / 3) + 1) {
		if (out_size)
			out[0] = 0;
		return 0;
	}
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];

		out[o++] = tbl[(v >> 18) & 63];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = tbl[(v >> 6) & 63];
		out[o++] = tbl[v & 63];
	}
	if (i < n) {
		uint32_t v = p[i] << 16;

		if (i + 1 < n)
			v |= p[i + 1] << 8;
		out[o++] = tbl[(v >> 18) & 63];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = 0;
	return o;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t now_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t now_real_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

uint64_t ktime_to_realtime_ns(uint64_t ktime)
{
	/* The offset drifts only with clock steps; refresh it once a second. */
	static uint64_t offset, taken_at;
	uint64_t mono = now_mono_ns();

	if (!taken_at || mono - taken_at > 1000000000ull) {
		offset = now_real_ns() - mono;
		taken_at = mono;
	}
	return ktime + offset;
}

void format_rfc3339_ns(uint64_t real_ns, char *out, size_t size)
{
	time_t sec = (time_t)(real_ns / 1000000000ull);
	struct tm tm;
	char base[32];

	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, size, "%s.%09lluZ", base,
		 (unsigned long long)(real_ns % 1000000000ull));
}

ssize_t read_file(const char *path, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)total < size - 1) {
		n = read(fd, buf + total, size - 1 - total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		total += n;
	}
	buf[total] = 0;
	close(fd);
	return total;
}

int write_file(const char *path, const char *data)
{
	size_t len = strlen(data);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, data, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

int mkdir_p(const char *path, mode_t mode)
{
	char tmp[4096];
	size_t len = strlen(path);

	if (len >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

const char *node_name(void)
{
	static char name[256];

	if (!name[0] && gethostname(name, sizeof(name) - 1))
		strcpy(name, "localhost");
	return name;
}

int parse_duration_ns(const char *s, uint64_t *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -EINVAL;
	if (!*end || !strcmp(end, "s"))
		v *= 1e9;
	else if (!strcmp(end, "ms"))
		v *= 1e6;
	else if (!strcmp(end, "us"))
		v *= 1e3;
	else if (!strcmp(end, "ns"))
		;
	else if (!strcmp(end, "m"))
		v *= 60e9;
	else if (!strcmp(end, "h"))
		v *= 3600e9;
	else
		return -EINVAL;
	*out = (uint64_t)v;
	return 0;
}

int proc_start_time(pid_t pid, unsigned long long *out)
{
	char path[64], buf[1024], *p;
	const char *field;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	n = read_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	/* comm may hold spaces and ')': fields restart after the last ')' */
	p = strrchr(buf, ')');
	for (int i = 2; p && i < 22; i++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -EINVAL;
	field = p + 1;
	return scan_ull(&field, 10, out);
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) ? -errno : 0;
	return unlink(path) ? -errno : 0;
}

int remove_tree(const char *path)
{
	if (access(path, F_OK))
		return 0;
	return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}
