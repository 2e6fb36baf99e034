/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `hubble observe`-style filters over flow JSON lines. All given filters
 * must match (AND), as hubble's flags of different kinds do.
 */
#ifndef BPFLAB_OBSERVE_FLOW_FILTER_H
#define BPFLAB_OBSERVE_FLOW_FILTER_H

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>

struct json_object;

struct flow_filter {
	const char *from_ip, *to_ip, *ip; /* ip: either end */
	int port, from_port, to_port; /* 0 = any */
	const char *protocol; /* tcp, udp, icmp, http */
	const char *verdict; /* FORWARDED, DROPPED, ... */
	const char *type; /* l7 or l3_l4 */
	const char *http_method;
	bool has_path;
	regex_t http_path; /* as hubble: a regular expression */
	const char *http_status; /* "404" or a class "5+" */
	/* identities: pod_name, a label "k=v" (any source prefix), service */
	const char *from_sandbox, *to_sandbox;
	const char *from_label, *to_label;
	const char *from_service, *to_service;
	uint64_t since_ns; /* wall clock; 0 = any */
};

/* Compile the path regex; -EINVAL with a message on a bad one. */
int flow_filter__set_path(struct flow_filter *f, const char *re);
void flow_filter__free(struct flow_filter *f);
/* Is any identity filter set? */
bool flow_filter__has_identity(const struct flow_filter *f);
bool flow_filter__match(const struct flow_filter *f, struct json_object *line);
/* "5m" (ago) or RFC 3339 "2026-11-24T21:05:03Z" → wall-clock ns. */
int flow_parse_since(const char *s, uint64_t *out);
/* A line's "time" as wall-clock ns (0 if absent or malformed). */
uint64_t flow_line_time(struct json_object *line);

#endif
