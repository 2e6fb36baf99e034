/* SPDX-License-Identifier: GPL-2.0 */
/* SHA-256 (FIPS 180-4), for kube-proxy's chain names. */
#ifndef BPFLAB_KP_SHA256_H
#define BPFLAB_KP_SHA256_H

#include <stddef.h>
#include <stdint.h>

void kp_sha256(const void *data, size_t len, uint8_t out[32]);

#endif
