// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/sandbox/sandbox.h"
#include "netpol/netpol.h"
#include "observe/flow_ident.h"
#include "util/util.h"

#define IDENT_REFRESH_NS 1000000000ull
#define IDENT_MAX_HOST_ADDRS 64

struct ident_sandbox {
	char name[SANDBOX_NAME_MAX + 1];
	uint32_t ip; /* network order, 0: none */
	uint64_t cgroup_id;
	int n_labels;
	struct sandbox_label labels[SANDBOX_MAX_LABELS];
};

struct flow_ident {
	uint64_t loaded_ns; /* monotonic time of the last refresh, 0: never */
	struct ident_sandbox *sb;
	int n_sb;
	uint32_t host[IDENT_MAX_HOST_ADDRS];
	int n_host;
};

int flow_ident__new(struct flow_ident **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void flow_ident__free(struct flow_ident *fi)
{
	if (!fi)
		return;
	free(fi->sb);
	free(fi);
}

/* "198.18.0.10" or "198.18.0.10/24" → network order, 0 if neither. */
static uint32_t parse_ip(const char *s)
{
	char buf[64], *slash;
	struct in_addr a;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	return inet_pton(AF_INET, buf, &a) == 1 ? a.s_addr : 0;
}

static void load_sandboxes(struct flow_ident *fi)
{
	struct sandbox *list = NULL;
	int n = 0;

	free(fi->sb);
	fi->sb = NULL;
	fi->n_sb = 0;
	if (sandbox_list(&list, &n) || n <= 0)
		goto out;
	fi->sb = calloc(n, sizeof(*fi->sb));
	if (!fi->sb)
		goto out;
	for (int i = 0; i < n; i++) {
		struct ident_sandbox *d = &fi->sb[fi->n_sb++];

		snprintf(d->name, sizeof(d->name), "%s", list[i].name);
		d->ip = parse_ip(list[i].ip);
		d->cgroup_id = list[i].cgroup_id;
		d->n_labels = list[i].n_labels;
		memcpy(d->labels, list[i].labels, sizeof(d->labels));
	}
out:
	free(list);
}

/* Addresses of our own interfaces: traffic from them is the host's. */
static void load_host_addrs(struct flow_ident *fi)
{
	struct ifaddrs *ifa = NULL;

	fi->n_host = 0;
	if (getifaddrs(&ifa))
		return;
	for (struct ifaddrs *p = ifa; p && fi->n_host < IDENT_MAX_HOST_ADDRS;
	     p = p->ifa_next)
		if (p->ifa_addr && p->ifa_addr->sa_family == AF_INET)
			fi->host[fi->n_host++] =
				((struct sockaddr_in *)p->ifa_addr)
					->sin_addr.s_addr;
	freeifaddrs(ifa);
}

static void refresh(struct flow_ident *fi)
{
	uint64_t now = now_mono_ns();

	if (fi->loaded_ns && now - fi->loaded_ns < IDENT_REFRESH_NS)
		return;
	fi->loaded_ns = now;
	load_sandboxes(fi);
	load_host_addrs(fi);
}

/* Append s to the label o holds n bytes of; the new length. */
static size_t label_cat(char *o, size_t n, const char *s)
{
	while (*s && n < FLOW_PEER_LABEL - 1)
		o[n++] = *s++;
	o[n] = '\0';
	return n;
}

/* "PREFIXk=v": by hand, as two of these per flow record were a large share
 * of the engine's vfprintf time in a flow storm. */
static void add_label(struct flow_peer *p, const char *prefix, const char *k,
		      const char *v)
{
	char *o;
	size_t n;

	if (p->n_labels == FLOW_PEER_LABELS)
		return;
	o = p->labels[p->n_labels++];
	n = label_cat(o, 0, prefix);
	n = label_cat(o, n, k);
	if (v) {
		n = label_cat(o, n, "=");
		label_cat(o, n, v);
	}
}

static bool from_netpol(uint32_t ip, struct flow_peer *out)
{
	const struct netpol *np = netpol_module_current();
	const struct netpol_endpoint *ep =
		np ? netpol__endpoint_by_ip(np, ip) : NULL;

	if (!ep)
		return false;
	snprintf(out->name, sizeof(out->name), "%s", ep->name);
	out->identity = ep->identity;
	for (int i = 0; i < ep->labels.n; i++)
		add_label(out, "k8s:", ep->labels.l[i].key,
			  ep->labels.l[i].value);
	return true;
}

void flow_ident__peer(struct flow_ident *fi, uint32_t ip, struct flow_peer *out)
{
	memset(out, 0, sizeof(*out));
	if (from_netpol(ip, out))
		return;
	refresh(fi);
	for (int i = 0; i < fi->n_sb; i++) {
		const struct ident_sandbox *s = &fi->sb[i];

		if (!s->ip || s->ip != ip)
			continue;
		snprintf(out->name, sizeof(out->name), "%s", s->name);
		for (int l = 0; l < s->n_labels; l++)
			add_label(out, "k8s:", s->labels[l].key,
				  s->labels[l].value);
		return;
	}
	for (int i = 0; i < fi->n_host; i++) {
		if (fi->host[i] == ip) {
			out->identity = NP_ID_HOST;
			add_label(out, "reserved:host", "", NULL);
			return;
		}
	}
	out->identity = NP_ID_WORLD;
	add_label(out, "reserved:world", "", NULL);
}

const char *flow_ident__sandbox_of_cgroup(struct flow_ident *fi, uint64_t cgid)
{
	refresh(fi);
	for (int i = 0; i < fi->n_sb; i++)
		if (cgid && fi->sb[i].cgroup_id == cgid)
			return fi->sb[i].name;
	return NULL;
}
