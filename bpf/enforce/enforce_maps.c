// SPDX-License-Identifier: GPL-2.0
/*
 * Commit an image to the kernel as a diff, ordered so that no moment leaves
 * a key protected by both images unprotected:
 *   1. the new rules go to fresh ids (the old ones stay valid meanwhile);
 *   2. binary/exclusion keys of the new rules;
 *   3. dispatch entries become old ∪ new;
 *   4. every new key is written (one atomic update per key);
 *   5. keys only the old image had are deleted;
 *   6. dispatch entries become the new ones; old rule keys go.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "enforce/enforce_priv.h"
#include "skel/enforce.skel.h"
#include "util/log.h"

static int upsert_table(int fd, const struct enf_table *t, bool byte_value)
{
	uint8_t one = 1;

	for (size_t i = 0; i < t->n; i++) {
		const void *v = byte_value ? (const void *)&one : &t->sets[i];

		if (bpf_map_update_elem(fd, t->keys + i * t->key_size, v,
					BPF_ANY))
			return -errno;
	}
	return 0;
}

/* Delete the keys of old that next does not have (next may be NULL: all). */
static void delete_stale(int fd, const struct enf_table *old,
			 const struct enf_table *next)
{
	for (size_t i = 0; i < old->n; i++) {
		const void *k = old->keys + i * old->key_size;

		if (!next || enf_table_find(next, k) < 0)
			bpf_map_delete_elem(fd, k);
	}
}

/* b's dispatch entries, or (with a) the union of a's and b's. */
static int write_dispatch(int fd, const struct enf_image *a,
			  const struct enf_image *b)
{
	for (uint32_t nr = 0; nr < ENF_MAX_NR; nr++) {
		struct enf_sc v = b->sc[nr];

		if (a && a->sc[nr].kind) {
			if (!v.kind)
				v = a->sc[nr];
			v.kind |= a->sc[nr].kind;
		}
		if (bpf_map_update_elem(fd, &nr, &v, BPF_ANY))
			return -errno;
	}
	return 0;
}

int enf_maps_config(struct enforcer *en, uint64_t sbx_root_id)
{
	struct enf_config cfg = {
		.sbx_root_id = sbx_root_id,
		.sbx_root_level = 1, /* <cgroup2 root>/bpflab */
		.self_tgid = (uint32_t)getpid(),
	};
	uint32_t zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(en->skel->maps.enf_cfg), &zero,
				&cfg, BPF_ANY))
		return -errno;
	return 0;
}

int enf_maps_commit(struct enforcer *en, const struct enf_image *cur,
		    const struct enf_image *next)
{
	struct enforce_bpf *s = en->skel;
	int rules = bpf_map__fd(s->maps.enf_rules);
	int sc = bpf_map__fd(s->maps.enf_sc);
	int err;

	for (int i = 0; i < next->nrules; i++) {
		uint32_t id = (next->first_id + (uint32_t)i) % ENF_MAX_RULES;

		if (bpf_map_update_elem(rules, &id, &next->rules[i], BPF_ANY))
			return -errno;
	}
	err = upsert_table(bpf_map__fd(s->maps.enf_bins), &next->bins, true);
	if (!err)
		err = upsert_table(bpf_map__fd(s->maps.enf_excl), &next->excl,
				   true);
	if (!err)
		err = enf_maps_config(en, next->sbx_root_id);
	if (!err)
		err = write_dispatch(sc, cur, next);
	if (!err)
		err = upsert_table(bpf_map__fd(s->maps.enf_sc_rules),
				   &next->sc_rules, false);
	if (!err)
		err = upsert_table(bpf_map__fd(s->maps.enf_inodes),
				   &next->inodes, false);
	if (!err)
		err = upsert_table(bpf_map__fd(s->maps.enf_paths), &next->paths,
				   false);
	if (!err)
		err = upsert_table(bpf_map__fd(s->maps.enf_net), &next->net,
				   false);
	if (err) {
		/* a full map: the caller keeps cur; drop what next added */
		pr_err("enforce: map update failed: %s", strerror(-err));
		return err;
	}
	if (cur) {
		delete_stale(bpf_map__fd(s->maps.enf_sc_rules), &cur->sc_rules,
			     &next->sc_rules);
		delete_stale(bpf_map__fd(s->maps.enf_inodes), &cur->inodes,
			     &next->inodes);
		delete_stale(bpf_map__fd(s->maps.enf_paths), &cur->paths,
			     &next->paths);
		delete_stale(bpf_map__fd(s->maps.enf_net), &cur->net,
			     &next->net);
	}
	err = write_dispatch(sc, NULL, next);
	if (cur) {
		/* keys carry the rule id: a refresh that kept the ids keeps them */
		delete_stale(bpf_map__fd(s->maps.enf_bins), &cur->bins,
			     &next->bins);
		delete_stale(bpf_map__fd(s->maps.enf_excl), &cur->excl,
			     &next->excl);
	}
	return err;
}
