// SPDX-License-Identifier: GPL-2.0
/*
 * Ranges of lb_slots for the services' Maglev tables: first fit from the
 * ranges deleted services gave back, else fresh space at the end.
 */
#include <errno.h>
#include <stdlib.h>

#include "lb/lb_priv.h"

int lb_slots_alloc(struct lb *lb, uint32_t len, uint32_t *base)
{
	for (int i = 0; i < lb->nfree; i++) {
		struct lb_range *r = &lb->free_ranges[i];

		if (r->len < len)
			continue;
		*base = r->base;
		r->base += len;
		r->len -= len;
		if (!r->len)
			*r = lb->free_ranges[--lb->nfree];
		return 0;
	}
	if (len > lb->nslots - lb->slots_next)
		return -ENOSPC;
	*base = lb->slots_next;
	lb->slots_next += len;
	return 0;
}

void lb_slots_free(struct lb *lb, uint32_t base, uint32_t len)
{
	struct lb_range *v;

	if (base + len == lb->slots_next) {
		lb->slots_next = base;
		return;
	}
	if (lb->nfree == lb->cap_free) {
		int cap = lb->cap_free ? lb->cap_free * 2 : 16;

		v = realloc(lb->free_ranges, cap * sizeof(*v));
		if (!v)
			return; /* the range is lost until lb__close(); harmless */
		lb->free_ranges = v;
		lb->cap_free = cap;
	}
	lb->free_ranges[lb->nfree++] = (struct lb_range){ base, len };
}
