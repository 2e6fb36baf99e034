// SPDX-License-Identifier: GPL-2.0
/*
 * Policy verdicts as Hubble flows: {"flow":{verdict, drop_reason_desc,
 * IP, l4, source/destination {identity, labels, pod_name}, traffic_direction,
 * {ingress,egress}_{allowed,denied}_by [{name}], ...}}.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "abi/abi.h"
#include "netpol/netpol_flow.h"
#include "netpol/netpol_priv.h"
#include "util/jw.h"
#include "util/util.h"

static const char *verdict_str(uint8_t v)
{
	return v == BL_VERDICT_DROPPED ? "DROPPED" :
	       v == BL_VERDICT_AUDIT   ? "AUDIT" :
					 "FORWARDED";
}

static const char *hook_str(uint8_t h)
{
	static const char *const names[] = {
		[NP_HOOK_TC_INGRESS] = "tc-ingress",
		[NP_HOOK_TC_EGRESS] = "tc-egress",
		[NP_HOOK_CONNECT4] = "cgroup-connect4",
		[NP_HOOK_SENDMSG4] = "cgroup-sendmsg4",
		[NP_HOOK_CHECK] = "check",
	};

	return h < sizeof(names) / sizeof(names[0]) && names[h] ? names[h] :
								  "?";
}

static void endpoint_obj(const struct netpol *np, uint32_t ip, uint32_t id,
			 uint16_t port, struct jw *w)
{
	const struct netpol_endpoint *ep = netpol__endpoint_by_ip(np, ip);
	const struct np_labels *ls = netpol__identity_labels(np, id);
	char buf[256];

	jw_obj_begin(w);
	jw_kuint(w, "identity", id);
	jw_key(w, "labels");
	jw_arr_begin(w);
	if (id == NP_ID_WORLD || id >= NP_ID_CIDR_BASE)
		jw_string(w, "reserved:world");
	else if (id == NP_ID_HOST)
		jw_string(w, "reserved:host");
	for (int i = 0; ls && i < ls->n; i++) {
		snprintf(buf, sizeof(buf), "k8s:%s=%s", ls->l[i].key,
			 ls->l[i].value);
		jw_string(w, buf);
	}
	jw_arr_end(w);
	if (port)
		jw_kuint(w, "port", port);
	if (ep) {
		jw_kstr(w, "pod_name", ep->name);
		jw_kstr(w, "namespace", "default");
	}
	jw_obj_end(w);
}

void netpol_flow_render(const struct netpol *np,
			const struct bl_netpol_event *e, struct jw *w)
{
	const char *policy = netpol__rule_policy(np, e->rule_id);
	const char *proto = e->tuple.proto == 6	 ? "TCP" :
			    e->tuple.proto == 17 ? "UDP" :
						   NULL;
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN], ts[48], rule[1200];
	const char *dir = e->dir == NP_INGRESS ? "ingress" : "egress";
	char by[32];

	format_rfc3339_ns(ktime_to_realtime_ns(e->hdr.ktime), ts, sizeof(ts));
	inet_ntop(AF_INET, &e->tuple.saddr, src, sizeof(src));
	inet_ntop(AF_INET, &e->tuple.daddr, dst, sizeof(dst));
	jw_kstr(w, "time", ts);
	jw_kstr(w, "verdict", verdict_str(e->verdict));
	if (e->verdict != BL_VERDICT_FORWARDED) {
		jw_kint(w, "drop_reason", 133);
		jw_kstr(w, "drop_reason_desc", "POLICY_DENIED");
	}
	jw_kstr(w, "Type", "L3_L4");
	jw_key(w, "event_type");
	jw_obj_begin(w);
	jw_kint(w, "type", 5); /* Hubble's PolicyVerdict */
	jw_obj_end(w);
	jw_key(w, "IP");
	jw_obj_begin(w);
	if (e->tuple.saddr)
		jw_kstr(w, "source", src);
	jw_kstr(w, "destination", dst);
	jw_kstr(w, "ipVersion", "IPv4");
	jw_obj_end(w);
	if (proto) {
		jw_key(w, "l4");
		jw_obj_begin(w);
		jw_key(w, proto);
		jw_obj_begin(w);
		if (e->tuple.sport)
			jw_kuint(w, "source_port", e->tuple.sport);
		jw_kuint(w, "destination_port", e->tuple.dport);
		if (e->tuple.proto == 6 && e->tcp_flags) {
			jw_key(w, "flags");
			jw_obj_begin(w);
			if (e->tcp_flags & BL_TCP_SYN)
				jw_kbool(w, "SYN", true);
			if (e->tcp_flags & BL_TCP_ACK)
				jw_kbool(w, "ACK", true);
			if (e->tcp_flags & BL_TCP_FIN)
				jw_kbool(w, "FIN", true);
			if (e->tcp_flags & BL_TCP_RST)
				jw_kbool(w, "RST", true);
			if (e->tcp_flags & BL_TCP_PSH)
				jw_kbool(w, "PSH", true);
			jw_obj_end(w);
		}
		jw_obj_end(w);
		jw_obj_end(w);
	}
	jw_key(w, "source");
	endpoint_obj(np, e->tuple.saddr, e->src_id, 0, w);
	jw_key(w, "destination");
	endpoint_obj(np, e->tuple.daddr, e->dst_id, 0, w);
	jw_kstr(w, "traffic_direction",
		e->dir == NP_INGRESS ? "INGRESS" : "EGRESS");
	jw_kbool(w, "is_reply", false);
	if (e->ifindex) {
		jw_key(w, "interface");
		jw_obj_begin(w);
		jw_kuint(w, "index", e->ifindex);
		jw_obj_end(w);
	}
	if (policy) {
		snprintf(by, sizeof(by), "%s_%s_by", dir,
			 e->verdict == BL_VERDICT_FORWARDED ? "allowed" :
							      "denied");
		jw_key(w, by);
		jw_arr_begin(w);
		jw_obj_begin(w);
		jw_kstr(w, "name", policy);
		jw_kstr(w, "namespace", "default");
		jw_obj_end(w);
		jw_arr_end(w);
		jw_kstr(w, "policy_name", policy);
		jw_kstr(w, "policy_rule",
			netpol__rule_str(np, e->rule_id, rule, sizeof(rule)));
	}
	jw_kstr(w, "enforced_at", hook_str(e->hook));
	jw_kstr(w, "Summary",
		e->verdict == BL_VERDICT_FORWARDED ?
			"policy-verdict:allowed" :
		e->verdict == BL_VERDICT_AUDIT ?
			"policy-verdict:audit" :
			"policy-verdict:denied POLICY_DENIED");
}

void netpol_flow_compact(const struct netpol *np,
			 const struct bl_netpol_event *e, char *buf,
			 size_t size)
{
	const char *policy = netpol__rule_policy(np, e->rule_id);
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &e->tuple.saddr, src, sizeof(src));
	inet_ntop(AF_INET, &e->tuple.daddr, dst, sizeof(dst));
	snprintf(buf, size, "%s:%u -> %s:%u policy-verdict %s %s%s%s", src,
		 e->tuple.sport, dst, e->tuple.dport, verdict_str(e->verdict),
		 e->verdict == BL_VERDICT_FORWARDED ? "" : "POLICY_DENIED ",
		 policy ? "by " : "", policy ? policy : "");
}
