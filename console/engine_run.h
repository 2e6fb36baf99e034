/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BPFLAB_ENGINE_RUN_H
#define BPFLAB_ENGINE_RUN_H

#include <stdbool.h>

struct engine;

/*
 * Open an engine in this process, load modules (NULL: defaults) and, with
 * serve, listen on the control socket. Prints its own errors.
 */
int engine_start(struct engine **out, const char *const *modules, bool serve);

#endif
