// SPDX-License-Identifier: GPL-2.0
/* Text forms of VIPs, backends and service names, checked strictly. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb/lb.h"

static int bad(char *err, size_t errlen, const char *fmt, const char *what)
{
	snprintf(err, errlen, fmt, what);
	return -EINVAL;
}

/* "1..65535" strictly: no sign, no spaces, no trailing junk. */
static int parse_port(const char *s, size_t len, uint16_t *port)
{
	unsigned long v = 0;

	if (!len || len > 5)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (!v || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* "A.B.C.D:PORT" prefix of s up to end; returns 0 or -EINVAL. */
static int parse_addr_port(const char *s, size_t len, uint32_t *addr,
			   uint16_t *port, char *err, size_t errlen)
{
	char ip[INET_ADDRSTRLEN];
	const char *colon = memchr(s, ':', len);
	struct in_addr a;

	if (!colon || (size_t)(colon - s) >= sizeof(ip))
		return bad(err, errlen, "'%s': expected IPv4:PORT", s);
	memcpy(ip, s, colon - s);
	ip[colon - s] = 0;
	if (inet_pton(AF_INET, ip, &a) != 1)
		return bad(err, errlen, "'%s': not an IPv4 address", ip);
	if (a.s_addr == 0 || a.s_addr == INADDR_BROADCAST ||
	    IN_MULTICAST(ntohl(a.s_addr)))
		return bad(err, errlen, "'%s': not a unicast address", ip);
	if (parse_port(colon + 1, len - (colon + 1 - s), port)) {
		snprintf(err, errlen, "'%.*s': port must be 1-65535",
			 (int)(len - (colon + 1 - s)), colon + 1);
		return -EINVAL;
	}
	*addr = a.s_addr;
	return 0;
}

int lb_parse_vip(const char *s, uint32_t *addr, uint16_t *port, uint8_t *proto,
		 char *err, size_t errlen)
{
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	int ret;

	ret = parse_addr_port(s, len, addr, port, err, errlen);
	if (ret)
		return ret;
	if (!slash || !strcasecmp(slash + 1, "tcp"))
		*proto = IPPROTO_TCP;
	else if (!strcasecmp(slash + 1, "udp"))
		*proto = IPPROTO_UDP;
	else
		return bad(err, errlen, "'%s': protocol must be tcp or udp",
			   slash + 1);
	return 0;
}

int lb_parse_backend(const char *s, struct lb_backend_spec *b, char *err,
		     size_t errlen)
{
	const char *at = strchr(s, '@');
	size_t len = at ? (size_t)(at - s) : strlen(s);
	char *end;
	long w;
	int ret;

	ret = parse_addr_port(s, len, &b->addr, &b->port, err, errlen);
	if (ret)
		return ret;
	b->weight = 1;
	if (at) {
		errno = 0;
		w = strtol(at + 1, &end, 10);
		if (errno || *end || end == at + 1 || w < 1 || w > 65535)
			return bad(err, errlen, "'%s': weight must be 1-65535",
				   at + 1);
		b->weight = (uint32_t)w;
	}
	return 0;
}

int lb_check_name(const char *name, char *err, size_t errlen)
{
	size_t n = strlen(name);

	if (!n || n >= LB_NAME_MAX)
		return bad(err, errlen,
			   "service name '%s' must be 1-63 characters", name);
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool edge = i == 0 || i == n - 1;

		if (islower((unsigned char)c) || isdigit((unsigned char)c))
			continue;
		if (!edge && (c == '-' || c == '.'))
			continue;
		return bad(
			err, errlen,
			"service name '%s': use a-z, 0-9, '-' and '.', starting and ending alphanumeric",
			name);
	}
	return 0;
}
