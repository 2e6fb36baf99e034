// SPDX-License-Identifier: GPL-2.0
/* Label sets and the identity allocator (identity.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netpol/identity.h"
#include "netpol/netpol_maps.h"

struct np_ident {
	uint32_t id; /* 0: free slot */
	int refs;
	struct np_labels labels;
};

struct np_idalloc {
	struct np_ident *v;
	int cap;
	int live;
	uint32_t next; /* next number to hand out; numbers are not reused */
};

static const char *strip_source(const char *key)
{
	static const char *const sources[] = { "k8s:", "any:" };

	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
		if (!strncmp(key, sources[i], strlen(sources[i])))
			return key + strlen(sources[i]);
	return key;
}

int np_labels_add(struct np_labels *ls, const char *key, const char *value)
{
	key = strip_source(key);
	if (!*key || strlen(key) >= NP_LABEL_KEY ||
	    strlen(value) >= NP_LABEL_VALUE)
		return -EINVAL;
	for (int i = 0; i < ls->n; i++)
		if (!strcmp(ls->l[i].key, key)) {
			snprintf(ls->l[i].value, NP_LABEL_VALUE, "%s", value);
			return 0;
		}
	if (ls->n >= NP_MAX_LABELS)
		return -E2BIG;
	snprintf(ls->l[ls->n].key, NP_LABEL_KEY, "%s", key);
	snprintf(ls->l[ls->n].value, NP_LABEL_VALUE, "%s", value);
	ls->n++;
	return 0;
}

int np_labels_add_kv(struct np_labels *ls, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char key[NP_LABEL_KEY];

	if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof(key))
		return -EINVAL;
	snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
	return np_labels_add(ls, key, eq + 1);
}

static int cmp_label(const void *a, const void *b)
{
	return strcmp(((const struct np_label *)a)->key,
		      ((const struct np_label *)b)->key);
}

void np_labels_sort(struct np_labels *ls)
{
	qsort(ls->l, ls->n, sizeof(ls->l[0]), cmp_label);
}

bool np_labels_equal(const struct np_labels *a, const struct np_labels *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->l[i].key, b->l[i].key) != 0 ||
		    strcmp(a->l[i].value, b->l[i].value) != 0)
			return false;
	return true;
}

bool np_labels_match(const struct np_labels *have, const struct np_labels *want)
{
	for (int i = 0; i < want->n; i++) {
		bool found = false;

		for (int j = 0; j < have->n && !found; j++)
			found = !strcmp(have->l[j].key, want->l[i].key) &&
				!strcmp(have->l[j].value, want->l[i].value);
		if (!found)
			return false;
	}
	return true;
}

char *np_labels_str(const struct np_labels *ls, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < ls->n && off < size; i++)
		off += snprintf(buf + off, size - off, "%s%s=%s", i ? "," : "",
				ls->l[i].key, ls->l[i].value);
	return buf;
}

int np_idalloc__new(struct np_idalloc **out)
{
	struct np_idalloc *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->next = NP_ID_FIRST;
	*out = a;
	return 0;
}

void np_idalloc__free(struct np_idalloc *a)
{
	if (!a)
		return;
	free(a->v);
	free(a);
}

int np_idalloc__get(struct np_idalloc *a, const struct np_labels *ls,
		    uint32_t *id)
{
	struct np_labels sorted = *ls;
	struct np_ident *slot = NULL;

	np_labels_sort(&sorted);
	for (int i = 0; i < a->cap; i++) {
		struct np_ident *x = &a->v[i];

		if (x->id && np_labels_equal(&x->labels, &sorted)) {
			x->refs++;
			*id = x->id;
			return 0;
		}
		if (!x->id && !slot)
			slot = x;
	}
	if (a->next >= NP_ID_CIDR_BASE)
		return -ENOSPC;
	if (!slot) {
		int cap = a->cap ? a->cap * 2 : 64;
		struct np_ident *v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		memset(v + a->cap, 0, (cap - a->cap) * sizeof(*v));
		slot = &v[a->cap];
		a->v = v;
		a->cap = cap;
	}
	slot->id = a->next++;
	slot->refs = 1;
	slot->labels = sorted;
	a->live++;
	*id = slot->id;
	return 0;
}

static struct np_ident *find(const struct np_idalloc *a, uint32_t id)
{
	for (int i = 0; i < a->cap; i++)
		if (a->v[i].id == id)
			return &a->v[i];
	return NULL;
}

void np_idalloc__put(struct np_idalloc *a, uint32_t id)
{
	struct np_ident *x = find(a, id);

	if (x && --x->refs <= 0) {
		memset(x, 0, sizeof(*x));
		a->live--;
	}
}

const struct np_labels *np_idalloc__labels(const struct np_idalloc *a,
					   uint32_t id)
{
	struct np_ident *x = find(a, id);

	return x ? &x->labels : NULL;
}

bool np_idalloc__at(const struct np_idalloc *a, int i, uint32_t *id,
		    const struct np_labels **ls)
{
	for (int seen = 0, k = 0; k < a->cap; k++) {
		if (!a->v[k].id)
			continue;
		if (seen++ == i) {
			*id = a->v[k].id;
			*ls = &a->v[k].labels;
			return true;
		}
	}
	return false;
}

int np_idalloc__count(const struct np_idalloc *a)
{
	return a->live;
}
