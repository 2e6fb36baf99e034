/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Asynchronous requests to the engine's control socket, from inside the
 * engine's own loop: the request is written on a non-blocking connection
 * and its one-line reply is read when the loop says it is ready, so asking
 * the in-process engine for `svc.list` never blocks the screen.
 */
#ifndef BPFLAB_TUI_MODEL_REQ_H
#define BPFLAB_TUI_MODEL_REQ_H

#include <stdbool.h>
#include <stdint.h>

struct tui;
struct json_object;
struct model_req;

/* A polled request (e.g. {"op":"svc.list","backends":true}) every interval. */
int mreq_open(struct model_req **out, struct tui *t, const char *request,
	      uint64_t interval_ns);
void mreq_close(struct model_req *r);
/* Send again if due; call from the tick. */
void mreq_poll(struct model_req *r, uint64_t now_ns);
/* The last successful reply, or NULL; its error otherwise. */
struct json_object *mreq_reply(const struct model_req *r);
const char *mreq_error(const struct model_req *r);
/* One-shot action; its result goes to the status line. */
int mreq_action(struct tui *t, const char *request, const char *what);

#endif
