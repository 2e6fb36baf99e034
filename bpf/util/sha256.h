/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BPFLAB_SHA256_H
#define BPFLAB_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* The 32-byte digest of a byte string. */
void sha256(const void *data, size_t len, uint8_t out[32]);

/* sha256 of a byte string, as 64 lowercase hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
