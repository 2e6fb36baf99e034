// SPDX-License-Identifier: GPL-2.0
/*
 * The engine's reload requests. "reload" starts a job whose prepare half
 * (the verifier) runs on a worker thread, so the loop goes on serving ring
 * buffers, leases and requests meanwhile; an eventfd wakes the loop when it
 * is done, and the loop runs the swap. "reload.result" reports it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <json-c/json.h>

#include "engine/engine.h"
#include "engine/reload.h"
#include "util/jw.h"
#include "util/log.h"

static struct {
	struct engine *e;
	int efd; /* the worker's "prepared" signal */
	pthread_t worker;
	bool running; /* a job is out: worker or waiting for the loop */
	bool joined; /* its worker has been joined already */
	struct reload_job *job;
	int id; /* of the last job started */
	int done_id; /* of the last job finished */
	int prepare_ret; /* the worker's result */
	int ret; /* the last finished job's result */
	struct reload_report r;
	char err[1024];
} rs = { .efd = -1 };

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static void render(const struct reload_report *r, struct jw *w)
{
	int progs = 0, updated = 0, relinked = 0, tc = 0;

	jw_key(w, "objects");
	jw_arr_begin(w);
	for (int i = 0; i < r->nobjs; i++) {
		const struct reload_obj_report *o = &r->objs[i];

		jw_obj_begin(w);
		jw_kstr(w, "name", o->name);
		jw_kint(w, "programs", o->programs);
		jw_kint(w, "links_updated", o->links_updated);
		jw_kint(w, "links_relinked", o->links_relinked);
		jw_kint(w, "tc_replaced", o->tc_replaced);
		jw_kint(w, "maps_reused", o->maps_reused);
		jw_kint(w, "maps_new", o->maps_new);
		jw_kdouble(w, "load_ms", ms(o->load_ns));
		jw_obj_end(w);
		progs += o->programs;
		updated += o->links_updated;
		relinked += o->links_relinked;
		tc += o->tc_replaced;
	}
	jw_arr_end(w);
	jw_kint(w, "programs", progs);
	jw_kint(w, "links_updated", updated);
	jw_kint(w, "links_relinked", relinked);
	jw_kint(w, "tc_replaced", tc);
	jw_kdouble(w, "prepare_ms", ms(r->prepare_ns));
	jw_kdouble(w, "find_ms", ms(r->find_ns));
	jw_kdouble(w, "swap_ms", ms(r->swap_ns));
	jw_kdouble(w, "total_ms", ms(r->total_ns));
}

static void *worker(void *arg)
{
	uint64_t one = 1;

	rs.prepare_ret = reload_job__prepare(arg);
	if (write(rs.efd, &one, sizeof(one)) != sizeof(one))
		pr_warn("reload: cannot wake the loop: %s", strerror(errno));
	return NULL;
}

/* The loop's half: the worker is done; swap (if it prepared) and record. */
static int on_prepared(struct engine *e, int fd, uint32_t events, void *ctx)
{
	uint64_t n;

	(void)e;
	(void)events;
	(void)ctx;
	if (read(fd, &n, sizeof(n)) < 0 || !rs.running)
		return 0;
	if (!rs.joined)
		pthread_join(rs.worker, NULL);
	/* a failed prepare changed nothing and left its message */
	rs.ret = rs.prepare_ret ? rs.prepare_ret : reload_job__finish(rs.job);
	rs.r = *reload_job__report(rs.job);
	snprintf(rs.err, sizeof(rs.err), "%s", reload_job__error(rs.job));
	reload_job__free(rs.job);
	rs.job = NULL;
	rs.running = false;
	rs.done_id = rs.id;
	if (!rs.ret)
		pr_info("reload %d: %d object(s) swapped in %.1f ms (verify+load %.1f ms off the loop, find %.2f ms, swap %.2f ms)",
			rs.id, rs.r.nobjs, ms(rs.r.total_ns),
			ms(rs.r.prepare_ns), ms(rs.r.find_ns),
			ms(rs.r.swap_ns));
	return 0;
}

/* {"op":"reload","from":"DIR"?,"binary":"PATH"?} → {"id":N} */
static int req_reload(struct engine *e, struct json_object *req, struct jw *w,
		      char *err, size_t errlen, void *ctx)
{
	int ret;

	(void)e;
	(void)ctx;
	if (rs.running) {
		snprintf(err, errlen, "reload %d is still running", rs.id);
		return -EBUSY;
	}
	ret = reload_job__new(&rs.job, engine_req_str(req, "from"),
			      engine_req_str(req, "binary"));
	if (ret) {
		snprintf(err, errlen, "%s",
			 ret == -ENOENT ? "no BPF objects are loaded" :
					  strerror(-ret));
		return ret;
	}
	ret = -pthread_create(&rs.worker, NULL, worker, rs.job);
	if (ret) {
		reload_job__free(rs.job);
		rs.job = NULL;
		snprintf(err, errlen, "starting the loader: %s",
			 strerror(-ret));
		return ret;
	}
	rs.running = true;
	rs.joined = false;
	jw_kint(w, "id", ++rs.id);
	return 0;
}

/* {"op":"reload.result","id":N} → {"done":false} | the report | an error */
static int req_result(struct engine *e, struct json_object *req, struct jw *w,
		      char *err, size_t errlen, void *ctx)
{
	struct json_object *v;
	int id = rs.id;

	(void)e;
	(void)ctx;
	if (json_object_object_get_ex(req, "id", &v))
		id = json_object_get_int(v);
	if (!id || id > rs.id || id < rs.done_id) {
		snprintf(err, errlen, "no reload %d to report", id);
		return -ENOENT;
	}
	if (id != rs.done_id) {
		jw_kbool(w, "done", false);
		return 0;
	}
	if (rs.ret) {
		snprintf(err, errlen, "%s", rs.err);
		return rs.ret;
	}
	jw_kbool(w, "done", true);
	jw_kint(w, "id", id);
	render(&rs.r, w);
	return 0;
}

int reload__register(struct engine *e)
{
	int err;

	rs.e = e;
	rs.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (rs.efd < 0)
		return -errno;
	err = engine__add_fd(e, rs.efd, EPOLLIN, on_prepared, NULL);
	if (!err)
		err = engine__add_request(e, "reload", req_reload, NULL);
	if (!err)
		err = engine__add_request(e, "reload.result", req_result, NULL);
	return err;
}

void reload__object_gone(const struct bpf_object *obj)
{
	if (!rs.running)
		return;
	if (!rs.joined) {
		pthread_join(rs.worker, NULL);
		rs.joined = true;
	}
	/* the eventfd is still pending: on_prepared reports the drop */
	reload_job__drop_object(rs.job, obj);
}

void reload__shutdown(void)
{
	if (rs.running) {
		if (!rs.joined)
			pthread_join(rs.worker, NULL);
		reload_job__free(rs.job); /* never swapped: nothing changed */
		rs.job = NULL;
		rs.running = false;
	}
	if (rs.efd >= 0) {
		if (rs.e)
			engine__remove_fd(rs.e, rs.efd);
		close(rs.efd);
		rs.efd = -1;
	}
}
