// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the CiliumNetworkPolicy parser: any bytes either
 * parse into policies whose rules render, or fail with a file:line:col
 * message; never a crash, a leak or an unterminated string.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netpol/cnp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512] = "", line[1024];
	struct cnp *pols = NULL;
	int n = 0;

	if (cnp_parse("fuzz.yaml", (const char *)data, size, &pols, &n, err,
		      sizeof(err))) {
		if (strncmp(err, "fuzz.yaml:", 10))
			abort(); /* every error names the file and position */
		return 0;
	}
	for (int i = 0; i < n; i++)
		for (int r = 0; r < pols[i].nrules; r++)
			cnp_rule_str(&pols[i].rules[r], line, sizeof(line));
	free(pols);
	return 0;
}
