/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Semantic checks after parsing: every call resolves to a mechanism this
 * host has, every operator fits its argument's type and the hook, and every
 * value parses. Errors name file:line:col of the offending node.
 */
#ifndef BPFLAB_POLICY_VALIDATE_H
#define BPFLAB_POLICY_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "enforce/policy.h"

/* Also expands "list:NAME" calls into hook->calls[]. */
int policy_validate(struct policy *p, char *err, size_t errlen);

/* "198.18.66.0/24" → network-order address and prefix length. */
int pol_parse_cidr4(const char *s, uint32_t *addr, int *plen);
/* The hook's class once its selectors are known (enum enf_class). */
int pol_hook_class(const struct pol_hook *h, const char *call);
/* The matchArgs entry that names files (Equal/Prefix on a file/fd/path/string arg), or NULL. */
const struct pol_match *pol_file_match(const struct pol_hook *h,
				       const struct pol_selector *s);
/* The sockaddr matchArgs of a selector with op (DAddr/NotDAddr/DPort/NotDPort), or NULL. */
const struct pol_match *pol_net_match(const struct pol_selector *s,
				      enum pol_op op1, enum pol_op op2);

#endif
