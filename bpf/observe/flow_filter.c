// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "util/json_path.h"

#include "observe/flow_filter.h"
#include "util/log.h"
#include "util/util.h"

static int port_of(struct json_object *flow, const char *which)
{
	char path[48];
	struct json_object *v;

	snprintf(path, sizeof(path), "l4.TCP.%s", which);
	v = jp_get(flow, path);
	if (!v) {
		snprintf(path, sizeof(path), "l4.UDP.%s", which);
		v = jp_get(flow, path);
	}
	return v ? json_object_get_int(v) : 0;
}

int flow_filter__set_path(struct flow_filter *f, const char *re)
{
	char msg[128];
	int rc = regcomp(&f->http_path, re, REG_EXTENDED | REG_NOSUB);

	if (rc) {
		regerror(rc, &f->http_path, msg, sizeof(msg));
		pr_err("--http-path '%s': %s\n", re, msg);
		return -EINVAL;
	}
	f->has_path = true;
	return 0;
}

void flow_filter__free(struct flow_filter *f)
{
	if (f->has_path)
		regfree(&f->http_path);
	f->has_path = false;
}

/* "404" matches 404; "4+" matches 400-499, as hubble's --http-status. */
static bool status_match(const char *want, int code)
{
	char got[8];

	snprintf(got, sizeof(got), "%d", code);
	if (strlen(want) == 2 && want[1] == '+')
		return got[0] == want[0] && strlen(got) == 3;
	return !strcmp(want, got);
}

static bool protocol_match(const char *p, struct json_object *flow)
{
	if (!strcasecmp(p, "http"))
		return jp_get(flow, "l7.http") != NULL;
	if (!strcasecmp(p, "mysql"))
		return jp_get(flow, "l7.mysql") != NULL;
	if (!strcasecmp(p, "tcp"))
		return jp_get(flow, "l4.TCP") != NULL;
	if (!strcasecmp(p, "udp"))
		return jp_get(flow, "l4.UDP") != NULL;
	if (!strcasecmp(p, "icmp"))
		return jp_get(flow, "l4.ICMPv4") != NULL;
	return false;
}

/* "app=web" against ["k8s:app=web", "reserved:world"]: the label with or
 * without its source prefix. */
static bool label_match(struct json_object *ep, const char *want)
{
	struct json_object *labels = jp_get(ep, "labels");
	size_t n = labels && json_object_is_type(labels, json_type_array) ?
			   json_object_array_length(labels) :
			   0;

	for (size_t i = 0; i < n; i++) {
		const char *l = json_object_get_string(
			json_object_array_get_idx(labels, i));
		const char *colon = l ? strchr(l, ':') : NULL;

		if (l &&
		    (!strcmp(l, want) || (colon && !strcmp(colon + 1, want))))
			return true;
	}
	return false;
}

static bool identity_match(const struct flow_filter *f,
			   struct json_object *flow)
{
	struct json_object *src = jp_get(flow, "source"),
			   *dst = jp_get(flow, "destination");

	if (f->from_sandbox &&
	    strcmp(f->from_sandbox, jp_str(src, "pod_name", "")) != 0)
		return false;
	if (f->to_sandbox &&
	    strcmp(f->to_sandbox, jp_str(dst, "pod_name", "")) != 0)
		return false;
	if (f->from_label && !label_match(src, f->from_label))
		return false;
	if (f->to_label && !label_match(dst, f->to_label))
		return false;
	if (f->from_service &&
	    strcmp(f->from_service, jp_str(flow, "source_service.name", "")))
		return false;
	if (f->to_service &&
	    strcmp(f->to_service, jp_str(flow, "destination_service.name", "")))
		return false;
	return true;
}

bool flow_filter__has_identity(const struct flow_filter *f)
{
	return f->from_sandbox || f->to_sandbox || f->from_label ||
	       f->to_label || f->from_service || f->to_service;
}

bool flow_filter__match(const struct flow_filter *f, struct json_object *line)
{
	struct json_object *flow = jp_get(line, "flow");
	const char *src, *dst;
	int sport, dport;

	if (!flow)
		return false;
	src = jp_str(flow, "IP.source", "");
	dst = jp_str(flow, "IP.destination", "");
	sport = port_of(flow, "source_port");
	dport = port_of(flow, "destination_port");
	if (f->from_ip && strcmp(f->from_ip, src) != 0)
		return false;
	if (f->to_ip && strcmp(f->to_ip, dst) != 0)
		return false;
	if (f->ip && strcmp(f->ip, src) != 0 && strcmp(f->ip, dst) != 0)
		return false;
	if (f->port && f->port != sport && f->port != dport)
		return false;
	if (f->from_port && f->from_port != sport)
		return false;
	if (f->to_port && f->to_port != dport)
		return false;
	if (f->protocol && !protocol_match(f->protocol, flow))
		return false;
	if (f->verdict &&
	    strcasecmp(f->verdict, jp_str(flow, "verdict", "")) != 0)
		return false;
	if (f->type && strcasecmp(f->type, jp_str(flow, "Type", "")) != 0)
		return false;
	if (f->http_method &&
	    strcasecmp(f->http_method, jp_str(flow, "l7.http.method", "")) != 0)
		return false;
	if (f->has_path &&
	    (!jp_get(flow, "l7.http") ||
	     regexec(&f->http_path, jp_str(flow, "l7.http.url", ""), 0, NULL,
		     0)))
		return false;
	if (f->http_status &&
	    (!jp_get(flow, "l7.http") ||
	     !status_match(f->http_status,
			   json_object_get_int(jp_get(flow, "l7.http.code")))))
		return false;
	if (f->since_ns && flow_line_time(line) < f->since_ns)
		return false;
	return identity_match(f, flow);
}

/* RFC 3339 with optional fraction, UTC ("Z") only. */
static int parse_rfc3339(const char *s, uint64_t *out)
{
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	uint64_t frac = 0, scale = 1000000000ull;

	if (!p)
		return -EINVAL;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
		}
	}
	if (strcmp(p, "Z") != 0)
		return -EINVAL;
	*out = (uint64_t)timegm(&tm) * 1000000000ull + frac;
	return 0;
}

int flow_parse_since(const char *s, uint64_t *out)
{
	uint64_t ago;

	if (!parse_rfc3339(s, out))
		return 0;
	if (parse_duration_ns(s, &ago) || ago > now_real_ns())
		return -EINVAL;
	*out = now_real_ns() - ago;
	return 0;
}

uint64_t flow_line_time(struct json_object *line)
{
	uint64_t t;

	return parse_rfc3339(jp_str(line, "time", ""), &t) ? 0 : t;
}
