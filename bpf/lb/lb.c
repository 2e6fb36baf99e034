// SPDX-License-Identifier: GPL-2.0
/* Services and backends, and how they land in lb.bpf.c's maps. */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "skel/lb.skel.h"
#include "engine/reload.h"
#include "lb/lb.h"
#include "lb/lb_abi.h"
#include "lb/lb_priv.h"
#include "util/log.h"

static struct lb_service *svc_find(const struct lb *lb, const char *name)
{
	for (int i = 0; i < lb->nsvcs; i++)
		if (!strcmp(lb->svcs[i]->name, name))
			return lb->svcs[i];
	return NULL;
}

static struct lb_svc_key svc_key(uint32_t vip, uint16_t port, uint8_t proto)
{
	return (struct lb_svc_key){ .vip = vip,
				    .port = htons(port),
				    .proto = proto };
}

static int attach_cgroup(struct lb *lb, const char *cgroup)
{
	struct bpf_program *progs[] = {
		lb->skel->progs.bl_lb_conn4,
		lb->skel->progs.bl_lb_send4,
		lb->skel->progs.bl_lb_recv4,
		lb->skel->progs.bl_lb_peer4,
	};
	int err = 0;

	lb->cgroup_fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lb->cgroup_fd < 0) {
		err = -errno;
		pr_err("lb: cgroup %s: %s\n", cgroup, strerror(-err));
		return err;
	}
	/* links die with this process, so nothing outlives it on the host */
	for (size_t i = 0; i < ARRAY_LEN(progs); i++) {
		lb->links[i] =
			bpf_program__attach_cgroup(progs[i], lb->cgroup_fd);
		if (!lb->links[i]) {
			err = -errno;
			pr_err("lb: attach %s to %s: %s\n",
			       bpf_program__name(progs[i]), cgroup,
			       strerror(-err));
			return err;
		}
	}
	return 0;
}

int lb__open(struct lb **out, const struct lb_opts *opts)
{
	struct lb *lb;
	int err;

	*out = NULL;
	lb = calloc(1, sizeof(*lb));
	if (!lb)
		return -ENOMEM;
	lb->cgroup_fd = -1;
	lb->next_svc_id = 1;
	lb->next_be_id = 1;
	lb->table_size = opts && opts->table_size ? opts->table_size :
						    MAGLEV_DEFAULT_SIZE;
	if (!maglev_size_ok(lb->table_size)) {
		pr_err("lb: Maglev table size %u is not a prime in [3, %u]\n",
		       lb->table_size, MAGLEV_MAX_SIZE);
		err = -EINVAL;
		goto fail;
	}
	lb->ncpus = libbpf_num_possible_cpus();
	lb->nslots =
		opts && opts->max_slots ? opts->max_slots : LB_DEFAULT_SLOTS;
	lb->skel = lb_bpf__open();
	if (!lb->skel) {
		err = -errno;
		pr_err("lb: open: %s\n", strerror(-err));
		goto fail;
	}
	bpf_map__set_max_entries(lb->skel->maps.lb_slots, lb->nslots);
	lb->skel->rodata->sock_hostns_only = opts && opts->sock_hostns_only;
	lb->skel->rodata->emit_events = opts && opts->events;
	err = lb_bpf__load(lb->skel);
	if (err) {
		pr_err("lb: load: %s\n", strerror(-err));
		goto fail;
	}
	reload_track(lb->skel->skeleton);
	lb->slots = mmap(NULL, (size_t)lb->nslots * sizeof(uint64_t),
			 PROT_READ | PROT_WRITE, MAP_SHARED,
			 bpf_map__fd(lb->skel->maps.lb_slots), 0);
	if (lb->slots == MAP_FAILED) {
		lb->slots = NULL;
		err = -errno;
		pr_err("lb: mmap lb_slots: %s\n", strerror(-err));
		goto fail;
	}
	if (opts && opts->cgroup) {
		err = attach_cgroup(lb, opts->cgroup);
		if (err)
			goto fail;
	}
	*out = lb;
	return 0;
fail:
	lb__close(lb);
	return err;
}

static void svc_free(struct lb_service *s)
{
	if (!s)
		return;
	free(s->be);
	free(s);
}

void lb__close(struct lb *lb)
{
	if (!lb)
		return;
	lb_tc_detach_all(lb);
	for (size_t i = 0; i < ARRAY_LEN(lb->links); i++)
		bpf_link__destroy(lb->links[i]);
	if (lb->cgroup_fd >= 0)
		close(lb->cgroup_fd);
	for (int i = 0; i < lb->nsvcs; i++)
		svc_free(lb->svcs[i]);
	free(lb->svcs);
	free(lb->free_ranges);
	if (lb->slots)
		munmap(lb->slots, (size_t)lb->nslots * sizeof(uint64_t));
	if (lb->skel)
		reload_untrack(lb->skel->obj);
	lb_bpf__destroy(lb->skel);
	free(lb);
}

int lb__svc_count(const struct lb *lb)
{
	return lb->nsvcs;
}

/*
 * Write the Maglev table of s's active backends into its slots. The
 * datapath may read while we write: every slot always holds some backend
 * of this service, old or new, and both stay in lb_be.
 */
static int svc_write_table(struct lb *lb, struct lb_service *s)
{
	struct maglev_backend mb[LB_MAX_BACKENDS];
	char keys[LB_MAX_BACKENDS][32];
	uint32_t *table;
	int n = 0, err = 0;

	for (int i = 0; i < s->nbe; i++) {
		struct lb_backend *b = &s->be[i];
		char ip[INET_ADDRSTRLEN];

		if (b->state != LB_BE_ACTIVE)
			continue;
		inet_ntop(AF_INET, &b->addr, ip, sizeof(ip));
		snprintf(keys[n], sizeof(keys[n]), "%s:%u", ip, b->port);
		mb[n] = (struct maglev_backend){ .key = keys[n],
						 .id = b->id,
						 .weight = b->weight };
		n++;
	}
	/* no active backend: svc_write() sets table_size 0, the datapath drops */
	if (n) {
		table = malloc(s->table_size * sizeof(*table));
		if (!table)
			return -ENOMEM;
		err = maglev_build(mb, n, s->table_size, table);
		for (uint32_t i = 0; !err && i < s->table_size; i++)
			lb->slots[s->base + i] = table[i];
		free(table);
	}
	if (!err)
		s->active = n;
	return err;
}

static int be_write(struct lb *lb, const struct lb_service *s,
		    const struct lb_backend *b)
{
	struct lb_be_val v = { .addr = b->addr,
			       .port = htons(b->port),
			       .proto = s->proto,
			       .state = b->state,
			       .svc_id = s->id };

	if (bpf_map_update_elem(bpf_map__fd(lb->skel->maps.lb_be), &b->id, &v,
				BPF_ANY))
		return -errno;
	return 0;
}

static int svc_write(struct lb *lb, const struct lb_service *s)
{
	struct lb_svc_key k = svc_key(s->vip, s->port, s->proto);
	struct lb_svc_val v = {
		.id = s->id,
		.table_size = s->active ? s->table_size : 0,
		.flags = (s->algo == LB_ALGO_RANDOM ? LB_SVC_RANDOM : 0) |
			 (s->affinity_sec ? LB_SVC_AFFINITY : 0),
		.affinity_sec = s->affinity_sec,
		.base = s->base,
	};

	if (bpf_map_update_elem(bpf_map__fd(lb->skel->maps.lb_svc), &k, &v,
				BPF_ANY))
		return -errno;
	return 0;
}

/* Zero an id's per-CPU counters, so a reused id starts clean. */
static void stats_clear(struct lb *lb, struct bpf_map *map, uint32_t id,
			size_t size)
{
	void *zero = calloc(lb->ncpus, size);

	if (zero)
		bpf_map_update_elem(bpf_map__fd(map), &id, zero, BPF_ANY);
	free(zero);
}

static struct lb_backend *be_find(struct lb_service *s, uint32_t addr,
				  uint16_t port)
{
	for (int i = 0; i < s->nbe; i++)
		if (s->be[i].addr == addr && s->be[i].port == port)
			return &s->be[i];
	return NULL;
}

static int be_grow(struct lb_service *s)
{
	struct lb_backend *v;
	int cap;

	if (s->nbe < s->cap_be)
		return 0;
	cap = s->cap_be ? s->cap_be * 2 : 4;
	v = realloc(s->be, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->be = v;
	s->cap_be = cap;
	return 0;
}

/*
 * Bring s's backends in line with spec: known ones keep their ids, new ones
 * get fresh ids, and the ones spec no longer has are drained.
 */
static int svc_merge_backends(struct lb *lb, struct lb_service *s,
			      const struct lb_service_spec *spec)
{
	bool keep[LB_MAX_BACKENDS + 1] = { false };
	int err;

	for (int i = 0; i < spec->nbackends; i++) {
		const struct lb_backend_spec *bs = &spec->backends[i];
		struct lb_backend *b = be_find(s, bs->addr, bs->port);

		if (!b) {
			if (s->nbe >= LB_MAX_BACKENDS)
				return -E2BIG;
			if (lb->next_be_id >= LB_MAX_BE)
				return -ENOSPC;
			err = be_grow(s);
			if (err)
				return err;
			b = &s->be[s->nbe++];
			*b = (struct lb_backend){ .id = lb->next_be_id++,
						  .addr = bs->addr,
						  .port = bs->port };
			stats_clear(lb, lb->skel->maps.lb_be_st, b->id,
				    sizeof(struct lb_be_stats));
		}
		b->weight = bs->weight ? bs->weight : 1;
		if (b->state == LB_BE_DRAINING)
			b->state = LB_BE_ACTIVE;
		keep[b - s->be] = true;
	}
	for (int i = 0; i < s->nbe; i++) {
		if (!keep[i] && s->be[i].state == LB_BE_ACTIVE)
			s->be[i].state = LB_BE_DRAINING;
		err = be_write(lb, s, &s->be[i]);
		if (err)
			return err;
	}
	return 0;
}

static bool vip_taken(struct lb *lb, const struct lb_service_spec *spec)
{
	struct lb_svc_key k = svc_key(spec->vip, spec->port, spec->proto);
	struct lb_svc_val v;

	return !bpf_map_lookup_elem(bpf_map__fd(lb->skel->maps.lb_svc), &k, &v);
}

static int svc_grow(struct lb *lb)
{
	struct lb_service **v;
	int cap;

	if (lb->nsvcs < lb->cap)
		return 0;
	cap = lb->cap ? lb->cap * 2 : 64;
	v = realloc(lb->svcs, cap * sizeof(struct lb_service *));
	if (!v)
		return -ENOMEM;
	lb->svcs = v;
	lb->cap = cap;
	return 0;
}

static int svc_update(struct lb *lb, struct lb_service *s,
		      const struct lb_service_spec *spec)
{
	int err;

	if (s->vip != spec->vip || s->port != spec->port ||
	    s->proto != spec->proto) {
		pr_err("lb: service %s: the VIP of a service cannot change; remove it first\n",
		       s->name);
		return -EINVAL;
	}
	s->algo = spec->algo;
	s->affinity_sec = spec->affinity_sec;
	err = svc_merge_backends(lb, s, spec);
	if (!err)
		err = svc_write_table(lb, s);
	if (!err)
		err = svc_write(lb, s);
	return err;
}

int lb__svc_add(struct lb *lb, const struct lb_service_spec *spec, bool replace)
{
	struct lb_service *s = svc_find(lb, spec->name);
	uint32_t size = spec->table_size ? spec->table_size : lb->table_size;
	int err;

	if (s)
		return replace ? svc_update(lb, s, spec) : -EEXIST;
	if (vip_taken(lb, spec))
		return -EADDRINUSE;
	if (!maglev_size_ok(size) || spec->nbackends > LB_MAX_BACKENDS)
		return -EINVAL;
	if (lb->next_svc_id >= LB_MAX_SVC)
		return -ENOSPC;
	err = svc_grow(lb);
	if (err)
		return err;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	snprintf(s->name, sizeof(s->name), "%s", spec->name);
	s->id = lb->next_svc_id++;
	s->vip = spec->vip;
	s->port = spec->port;
	s->proto = spec->proto;
	s->algo = spec->algo;
	s->affinity_sec = spec->affinity_sec;
	s->table_size = size;
	err = lb_slots_alloc(lb, size, &s->base);
	if (err) {
		free(s);
		return err;
	}
	stats_clear(lb, lb->skel->maps.lb_svc_st, s->id,
		    sizeof(struct lb_svc_stats));
	/* the service entry goes in last: the datapath sees it whole */
	err = svc_merge_backends(lb, s, spec);
	if (!err)
		err = svc_write_table(lb, s);
	if (!err)
		err = svc_write(lb, s);
	if (err) {
		lb->svcs[lb->nsvcs++] = s;
		lb__svc_del(lb, s->name);
		return err;
	}
	lb->svcs[lb->nsvcs++] = s;
	return 0;
}

int lb__svc_del(struct lb *lb, const char *name)
{
	struct lb_service *s = svc_find(lb, name);
	struct lb_svc_key k;
	int i;

	if (!s)
		return -ENOENT;
	k = svc_key(s->vip, s->port, s->proto);
	bpf_map_delete_elem(bpf_map__fd(lb->skel->maps.lb_svc), &k);
	for (i = 0; i < s->nbe; i++)
		bpf_map_delete_elem(bpf_map__fd(lb->skel->maps.lb_be),
				    &s->be[i].id);
	for (i = 0; i < lb->nsvcs; i++)
		if (lb->svcs[i] == s)
			break;
	lb->svcs[i] = lb->svcs[--lb->nsvcs];
	lb_slots_free(lb, s->base, s->table_size);
	svc_free(s);
	return 0;
}

int lb__backend_set(struct lb *lb, const char *svc, uint32_t addr,
		    uint16_t port, enum lb_be_set state)
{
	struct lb_service *s = svc_find(lb, svc);
	struct lb_backend *b;
	int err;

	if (!s)
		return -ENOENT;
	b = be_find(s, addr, port);
	if (!b)
		return -ESRCH;
	b->state = state == LB_SET_DRAIN ? LB_BE_DRAINING :
		   state == LB_SET_DOWN	 ? LB_BE_DOWN :
					   LB_BE_ACTIVE;
	err = be_write(lb, s, b);
	if (!err)
		err = svc_write_table(lb, s);
	if (!err)
		err = svc_write(lb, s);
	return err;
}

int lb_stats_sum(struct lb *lb, struct bpf_map *map, uint32_t id, size_t size,
		 uint64_t *sum, int nwords)
{
	uint64_t *v = calloc(lb->ncpus, size);
	int err = 0;

	memset(sum, 0, nwords * sizeof(*sum));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(map), &id, v)) {
		err = -errno;
		goto out;
	}
	for (int c = 0; c < lb->ncpus; c++)
		for (int w = 0; w < nwords; w++)
			sum[w] += v[c * (size / sizeof(uint64_t)) + w];
out:
	free(v);
	return err;
}

int lb__backend_stats(struct lb *lb, const char *svc, uint32_t addr,
		      uint16_t port, uint64_t *conns, uint64_t *bytes)
{
	struct lb_service *s = svc_find(lb, svc);
	struct lb_backend *b = s ? be_find(s, addr, port) : NULL;
	uint64_t sum[2];
	int err;

	if (!b)
		return -ENOENT;
	err = lb_stats_sum(lb, lb->skel->maps.lb_be_st, b->id,
			   sizeof(struct lb_be_stats), sum, 2);
	*conns = sum[0];
	*bytes = sum[1];
	return err;
}

const struct lb_service *lb_svc_at(const struct lb *lb, int i)
{
	return i < lb->nsvcs ? lb->svcs[i] : NULL;
}

int lb__rb_fd(const struct lb *lb)
{
	return bpf_map__fd(lb->skel->maps.lb_rb);
}

int lb__stats_fd(const struct lb *lb)
{
	return bpf_map__fd(lb->skel->maps.lb_stats);
}

bool lb__svc_describe(const struct lb *lb, uint32_t id, const char **name,
		      char *vip, size_t vip_size)
{
	char ip[INET_ADDRSTRLEN];

	for (int i = 0; i < lb->nsvcs; i++) {
		const struct lb_service *s = lb->svcs[i];

		if (s->id != id)
			continue;
		inet_ntop(AF_INET, &s->vip, ip, sizeof(ip));
		snprintf(vip, vip_size, "%s:%u/%s", ip, s->port,
			 s->proto == IPPROTO_UDP ? "udp" : "tcp");
		*name = s->name;
		return true;
	}
	return false;
}
