// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "util/num.h"

static const char *skip_blanks(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/*
 * strtol's own errors, plus what it lets through: no digits at all, or a
 * field that goes on past its digits ("12x").
 */
int scan_long(const char **s, int base, long min, long max, long *out)
{
	const char *p = skip_blanks(*s);
	char *end;
	long v;

	errno = 0;
	v = strtol(p, &end, base);
	if (end == p || (*end && !isspace((unsigned char)*end)))
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	if (errno)
		return -EINVAL;
	*out = v;
	*s = end;
	return 0;
}

int scan_ull(const char **s, int base, unsigned long long *out)
{
	const char *p = skip_blanks(*s);
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(p, &end, base);
	if (end == p || (*end && !isspace((unsigned char)*end)))
		return -EINVAL;
	/* strtoull takes "-1" for ULLONG_MAX */
	if (errno == ERANGE || *p == '-')
		return -ERANGE;
	if (errno)
		return -EINVAL;
	*out = v;
	*s = end;
	return 0;
}

int parse_long(const char *s, int base, long min, long max, long *out)
{
	long v;
	int err = scan_long(&s, base, min, max, &v);

	if (err)
		return err;
	if (*skip_blanks(s))
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_ull(const char *s, int base, unsigned long long *out)
{
	unsigned long long v;
	int err = scan_ull(&s, base, &v);

	if (err)
		return err;
	if (*skip_blanks(s))
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_pid(const char *s, pid_t *pid)
{
	long v;
	int err = parse_long(s, 10, 1, INT_MAX, &v);

	if (!err)
		*pid = (pid_t)v;
	return err;
}
