/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BPFLAB_SHA256_H
#define BPFLAB_SHA256_H

#include <stddef.h>

/* sha256 of a byte string, as 64 lowercase hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
