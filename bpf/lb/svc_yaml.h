/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kubernetes Service + EndpointSlice YAML (one or more documents) to
 * service specs. A Service with several ports becomes one spec per port,
 * named NAME-PORTNAME. Errors read "FILE:LINE:COL: message".
 */
#ifndef BPFLAB_LB_SVC_YAML_H
#define BPFLAB_LB_SVC_YAML_H

#include <stddef.h>

#include "lb/lb.h"

/* *out is malloc'd (*n specs) on success; nothing is allocated on error. */
int lb_yaml_load(const char *path, struct lb_service_spec **out, int *n,
		 char *err, size_t errlen);

#endif
