// SPDX-License-Identifier: GPL-2.0
/* `bpflab reload`: swap the running engine's BPF programs for a new build. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "console/cli.h"
#include "engine/engine.h"
#include "util/jw.h"

/* The biggest object takes seconds to verify on a busy host. */
#define RELOAD_WAIT_MS (300 * 1000)

static const char reload_usage[] =
	"Usage: bpflab reload [--from DIR | --binary PATH] [--json]\n"
	"\n"
	"Swap every BPF program of the running engine for a freshly loaded\n"
	"build, with no window in which a policy is off or a service VIP\n"
	"fails. The new build reuses the running maps (policies, services,\n"
	"conntrack, counters and load-time settings carry over) and takes over\n"
	"each attachment in place:\n"
	"  cgroup links        bpf_link_update (atomic)\n"
	"  tp_btf/raw_tp links a new link first, then the old one is closed\n"
	"                      (for an instant both run, never neither)\n"
	"  tc filters          replaced on the same handle and priority\n"
	"Then the old programs are released. If anything fails (the new build\n"
	"does not verify, a map changed layout, an attachment cannot move) what\n"
	"was moved is put back and the old programs keep running.\n"
	"\n"
	"The user-space engine keeps running: this upgrades the kernel side\n"
	"only (no execve hand-over of the engine process). After replacing\n"
	"the bpflab binary on disk, `bpflab reload --binary /path/to/bpflab`\n"
	"loads the programs the new binary carries.\n"
	"\n"
	"Options:\n"
	"  --from DIR       load DIR/<module>.bpf.o (e.g. a new build's\n"
	"                   build/bpf) instead of the objects embedded in\n"
	"                   the running binary\n"
	"  --binary PATH    load the objects embedded in the bpflab binary\n"
	"                   at PATH (e.g. a newer build of bpflab)\n"
	"  --json           print the engine's reply as JSON\n"
	"\n"
	"Prints per object the programs swapped, links updated or relinked,\n"
	"tc filters replaced and maps reused, and how long it took.\n"
	"\n"
	"Exit status: 0 swapped, 1 failed (old programs unchanged) or no\n"
	"engine, 2 bad arguments.\n";

static long jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int(v) :
						       0;
}

static double jdbl(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
		       json_object_get_double(v) :
		       0;
}

static void print_table(struct json_object *rep)
{
	struct json_object *objs;

	printf("%-10s %8s %8s %9s %5s %10s %9s\n", "OBJECT", "PROGRAMS",
	       "UPDATED", "RELINKED", "TC", "MAPS KEPT", "LOAD ms");
	if (json_object_object_get_ex(rep, "objects", &objs))
		for (size_t i = 0; i < json_object_array_length(objs); i++) {
			struct json_object *o =
				json_object_array_get_idx(objs, i);

			printf("%-10s %8ld %8ld %9ld %5ld %10ld %9.1f\n",
			       json_object_get_string(
				       json_object_object_get(o, "name")),
			       jint(o, "programs"), jint(o, "links_updated"),
			       jint(o, "links_relinked"),
			       jint(o, "tc_replaced"), jint(o, "maps_reused"),
			       jdbl(o, "load_ms"));
		}
	printf("reloaded %ld programs in %.1f ms (verify+load %.1f ms off the loop;\n"
	       "on the loop: find attachments %.2f ms, swap %.2f ms)\n",
	       jint(rep, "programs"), jdbl(rep, "total_ms"),
	       jdbl(rep, "prepare_ms"), jdbl(rep, "find_ms"),
	       jdbl(rep, "swap_ms"));
}

/* The engine's cwd is not ours: paths go absolute. */
static int add_path(struct jw *w, const char *key, const char *path)
{
	char abs[PATH_MAX];

	if (!realpath(path, abs)) {
		fprintf(stderr, "bpflab reload: %s: %s\n", path,
			strerror(errno));
		return -errno;
	}
	jw_kstr(w, key, abs);
	return 0;
}

static int build_request(const char *from, const char *binary, struct jw *w)
{
	int err = 0;

	jw_obj_begin(w);
	jw_kstr(w, "op", "reload");
	if (from)
		err = add_path(w, "from", from);
	else if (binary)
		err = add_path(w, "binary", binary);
	jw_obj_end(w);
	return err;
}

/* One request; *out is the parsed reply when it says "ok", else NULL. */
static int call(const char *req, struct json_object **out, char **raw)
{
	struct json_object *rep, *ok, *e;
	int err;

	*out = NULL;
	err = engine_client_call(req, raw);
	if (err) {
		fprintf(stderr, "bpflab reload: no engine answers: %s\n",
			strerror(-err));
		return err;
	}
	rep = json_tokener_parse(*raw);
	if (!rep) {
		fprintf(stderr, "bpflab reload: bad reply from the engine\n");
		return -EPROTO;
	}
	if (!json_object_object_get_ex(rep, "ok", &ok) ||
	    !json_object_get_boolean(ok)) {
		e = json_object_object_get(rep, "error");
		fprintf(stderr, "bpflab reload: %s\n",
			e ? json_object_get_string(e) : "failed");
		json_object_put(rep);
		return -EIO;
	}
	*out = rep;
	return 0;
}

/* The verifier runs off the engine's loop: ask until the swap is done. */
static int wait_result(long id, struct json_object **out, char **raw)
{
	char req[64];

	snprintf(req, sizeof(req), "{\"op\":\"reload.result\",\"id\":%ld}", id);
	for (int i = 0; i < RELOAD_WAIT_MS / 20; i++) {
		struct json_object *done;
		int err;

		free(*raw);
		*raw = NULL;
		err = call(req, out, raw);
		if (err)
			return err;
		if (json_object_object_get_ex(*out, "done", &done) &&
		    json_object_get_boolean(done))
			return 0;
		json_object_put(*out);
		*out = NULL;
		usleep(20 * 1000);
	}
	fprintf(stderr, "bpflab reload: no result after %d s\n",
		RELOAD_WAIT_MS / 1000);
	return -ETIMEDOUT;
}

static int run_reload(int argc, char **argv)
{
	static const struct option opts[] = { { "from", 1, NULL, 'f' },
					      { "binary", 1, NULL, 'b' },
					      { "json", 0, NULL, 'j' },
					      {} };
	struct json_object *rep = NULL;
	const char *from = NULL, *binary = NULL;
	bool json = false;
	char *reply = NULL;
	int c, ret = EXIT_FAIL;
	struct jw w;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'f')
			from = optarg;
		else if (c == 'b')
			binary = optarg;
		else if (c == 'j')
			json = true;
		else
			return EXIT_USAGE;
	}
	if (optind < argc) {
		fprintf(stderr, "bpflab reload: unexpected '%s'\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (from && binary) {
		fprintf(stderr,
			"bpflab reload: --from and --binary exclude each other\n");
		return EXIT_USAGE;
	}
	jw_init(&w);
	if (build_request(from, binary, &w)) {
		ret = EXIT_USAGE;
		goto out;
	}
	if (call(jw_str(&w), &rep, &reply))
		goto out;
	c = jint(rep, "id");
	json_object_put(rep);
	rep = NULL;
	if (wait_result(c, &rep, &reply))
		goto out;
	if (json)
		printf("%s\n", reply);
	else
		print_table(rep);
	ret = EXIT_OK;
out:
	json_object_put(rep);
	free(reply);
	jw_free(&w);
	return ret;
}

CLI_COMMAND(
	reload, .name = "reload",
	.summary =
		"swap the engine's BPF programs for a new build, no downtime",
	.usage = reload_usage, .run = run_reload, .needs_root = true,
	.order = 14);
