// SPDX-License-Identifier: GPL-2.0
/*
 * The TracingPolicy parser and validator on arbitrary bytes: it must return
 * 0 or an error with a message, never crash, leak or read out of bounds.
 * An accepted policy is also explained (every value formatted).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "enforce/policy.h"
#include "enforce/policy_explain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy *p = NULL;
	char err[512];
	FILE *null;

	err[0] = '\0';
	if (policy_parse((const char *)data, size, "fuzz.yaml", &p, err,
			 sizeof(err))) {
		/* every refusal says where and why */
		if (strncmp(err, "fuzz.yaml:", 10))
			__builtin_trap();
		return 0;
	}
	null = fopen("/dev/null", "w");
	if (null) {
		policy_explain(p, null);
		fclose(null);
	}
	policy_free(p);
	return 0;
}
