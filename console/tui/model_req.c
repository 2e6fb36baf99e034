// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <json-c/json.h>

#include "console/tui/model_req.h"
#include "console/tui/tui.h"
#include "console/tui/tui_loop.h"
#include "util/paths.h"
#include "util/util.h"

#define REPLY_MAX (1 << 20)

struct model_req {
	struct tui *t;
	char *request;
	uint64_t interval_ns, sent_ns;
	int fd; /* in flight when >= 0 */
	char *buf;
	size_t len;
	struct json_object *reply;
	char error[200];
	bool oneshot;
	char what[64];
};

static int connect_nb(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	bl_run_path(addr.sun_path, sizeof(addr.sun_path), "engine.sock");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) &&
	    errno != EINPROGRESS) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void finish(struct model_req *r)
{
	loop_remove_fd(r->t, r->fd);
	close(r->fd);
	r->fd = -1;
	r->len = 0;
}

static void take_reply(struct model_req *r, const char *line)
{
	struct json_object *o = json_tokener_parse(line), *ok = NULL,
			   *err = NULL;

	if (!o || !json_object_object_get_ex(o, "ok", &ok)) {
		snprintf(r->error, sizeof(r->error),
			 "bad reply from the engine");
		json_object_put(o);
		return;
	}
	if (!json_object_get_boolean(ok)) {
		json_object_object_get_ex(o, "error", &err);
		snprintf(r->error, sizeof(r->error), "%s",
			 err ? json_object_get_string(err) : "request failed");
		json_object_put(o);
		if (r->oneshot)
			tui_status(r->t, "%s: %s", r->what, r->error);
		return;
	}
	r->error[0] = 0;
	json_object_put(r->reply);
	r->reply = o;
	if (r->oneshot)
		tui_status(r->t, "%s: done", r->what);
}

static int on_ready(struct tui *t, int fd, uint32_t events, void *ctx)
{
	struct model_req *r = ctx;
	char *nl;
	ssize_t n;

	(void)events;
	for (;;) {
		if (r->len + 4096 > REPLY_MAX) {
			snprintf(r->error, sizeof(r->error), "reply too large");
			break;
		}
		r->buf = realloc(r->buf, r->len + 4097);
		if (!r->buf)
			break;
		n = read(fd, r->buf + r->len, 4096);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0; /* the rest comes later */
		if (n <= 0) {
			snprintf(r->error, sizeof(r->error),
				 "the engine closed the connection");
			break;
		}
		r->len += (size_t)n;
		r->buf[r->len] = 0;
		nl = strchr(r->buf, '\n');
		if (nl) {
			*nl = 0;
			take_reply(r, r->buf);
			break;
		}
	}
	finish(r);
	t->dirty = true;
	if (r->oneshot)
		mreq_close(r);
	return 0;
}

static int send_req(struct model_req *r)
{
	size_t n = strlen(r->request);
	int fd = connect_nb();

	if (fd < 0) {
		snprintf(r->error, sizeof(r->error), "no engine socket: %s",
			 strerror(-fd));
		return fd;
	}
	/* a few hundred bytes fit the socket buffer: the write does not block */
	if (write(fd, r->request, n) != (ssize_t)n || write(fd, "\n", 1) != 1) {
		snprintf(r->error, sizeof(r->error), "cannot send: %s",
			 strerror(errno));
		close(fd);
		return -EIO;
	}
	r->fd = fd;
	r->len = 0;
	return loop_add_fd(r->t, fd, EPOLLIN, on_ready, r);
}

int mreq_open(struct model_req **out, struct tui *t, const char *request,
	      uint64_t interval_ns)
{
	struct model_req *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->t = t;
	r->fd = -1;
	r->interval_ns = interval_ns;
	r->request = strdup(request);
	snprintf(r->error, sizeof(r->error), "waiting for the engine");
	*out = r;
	return r->request ? 0 : -ENOMEM;
}

void mreq_close(struct model_req *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		finish(r);
	json_object_put(r->reply);
	free(r->buf);
	free(r->request);
	free(r);
}

void mreq_poll(struct model_req *r, uint64_t now_ns)
{
	if (!r || r->fd >= 0 || !r->t->e)
		return;
	if (r->sent_ns && now_ns - r->sent_ns < r->interval_ns)
		return;
	r->sent_ns = now_ns;
	send_req(r);
}

struct json_object *mreq_reply(const struct model_req *r)
{
	return r ? r->reply : NULL;
}

const char *mreq_error(const struct model_req *r)
{
	if (!r)
		return "no engine in this session (replay)";
	return r->error[0] ? r->error : NULL;
}

int mreq_action(struct tui *t, const char *request, const char *what)
{
	struct model_req *r;
	int err;

	if (!t->e) {
		tui_status(t, "%s: no engine in a replay", what);
		return -ENOTCONN;
	}
	err = mreq_open(&r, t, request, 0);
	if (err)
		return err;
	r->oneshot = true;
	snprintf(r->what, sizeof(r->what), "%s", what);
	err = send_req(r);
	if (err) {
		tui_status(t, "%s: %s", what, r->error);
		mreq_close(r);
	}
	return err;
}
