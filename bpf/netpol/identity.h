/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Labels and numeric identities, as Cilium: each distinct label set gets one
 * identity (from NP_ID_FIRST), shared by every endpoint that carries exactly
 * that set, and freed when its last endpoint goes. An endpoint that changes
 * address keeps its identity, so policy follows it without a re-apply.
 */
#ifndef BPFLAB_NETPOL_IDENTITY_H
#define BPFLAB_NETPOL_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NP_MAX_LABELS 16
#define NP_LABEL_KEY 64
#define NP_LABEL_VALUE 64

struct np_label {
	char key[NP_LABEL_KEY];
	char value[NP_LABEL_VALUE];
};

struct np_labels {
	int n;
	struct np_label l[NP_MAX_LABELS];
};

/* Add key=value (a "k8s:" or "any:" source prefix on the key is dropped). */
int np_labels_add(struct np_labels *ls, const char *key, const char *value);
/* "k=v" form; -EINVAL if malformed, -E2BIG if full. */
int np_labels_add_kv(struct np_labels *ls, const char *kv);
/* Sorted by key, so equal sets compare equal. */
void np_labels_sort(struct np_labels *ls);
bool np_labels_equal(const struct np_labels *a, const struct np_labels *b);
/* Does have carry every label of want? (An empty want selects all.) */
bool np_labels_match(const struct np_labels *have,
		     const struct np_labels *want);
/* "k=v,k=v" into buf. */
char *np_labels_str(const struct np_labels *ls, char *buf, size_t size);

struct np_idalloc;

int np_idalloc__new(struct np_idalloc **out);
void np_idalloc__free(struct np_idalloc *a);
/* Identity for this label set (allocated on first use); takes a reference. */
int np_idalloc__get(struct np_idalloc *a, const struct np_labels *ls,
		    uint32_t *id);
void np_idalloc__put(struct np_idalloc *a, uint32_t id);
/* Labels of an identity, NULL if none. */
const struct np_labels *np_idalloc__labels(const struct np_idalloc *a,
					   uint32_t id);
/* Iterate live identities: i from 0 while it returns true. */
bool np_idalloc__at(const struct np_idalloc *a, int i, uint32_t *id,
		    const struct np_labels **ls);
int np_idalloc__count(const struct np_idalloc *a);

#endif
