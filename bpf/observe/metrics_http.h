/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal HTTP/1.0 responder for Prometheus scrapes: one listening TCP
 * socket (127.0.0.1:9965 by default) whose fd the engine's epoll loop
 * watches. Each connection gets one response and is closed. Only
 * "GET /metrics" is served; anything else gets 404.
 */
#ifndef BPFLAB_OBSERVE_METRICS_HTTP_H
#define BPFLAB_OBSERVE_METRICS_HTTP_H

#include <stdio.h>

#define METRICS_DEFAULT_ADDR "127.0.0.1:9965"
#define METRICS_ADDR_ENV "BPFLAB_METRICS_ADDR" /* tests: another port */

/* Writes the exposition text for one scrape. */
typedef void (*metrics_write_fn)(FILE *out, void *ctx);

/* Listen on "IP:PORT"; returns the non-blocking listening fd or -errno. */
int metrics_http_listen(const char *addr);
/* Accept and answer every pending connection on the listening fd. */
void metrics_http_serve(int listen_fd, metrics_write_fn fn, void *ctx);

#endif
