/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BPFLAB_POLICY_EXPLAIN_H
#define BPFLAB_POLICY_EXPLAIN_H

#include <stdio.h>

#include "enforce/policy.h"

/* Each hook's mechanism on this host and what it cannot cover. */
int policy_explain(const struct policy *p, FILE *f);

#endif
