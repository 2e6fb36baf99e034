// SPDX-License-Identifier: GPL-2.0
/* The event decoder and the process tree: story lines are built right. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "proc/proc_decode.h"
#include "proc/proc_tree.h"
#include "util/jw.h"

static void make_exec(struct bl_exec_event *ev, uint32_t pid, uint64_t kt,
		      uint32_t ppid, uint64_t pkt, const char *path,
		      const char *argv_nul, size_t argv_len, const char *cwd)
{
	memset(ev, 0, sizeof(*ev));
	ev->hdr.op = BL_OP_EXEC;
	ev->hdr.size = sizeof(*ev);
	ev->hdr.ktime = kt;
	ev->proc.pid = pid;
	ev->proc.ktime = kt;
	ev->parent.pid = ppid;
	ev->parent.ktime = pkt;
	ev->tid = pid;
	snprintf(ev->path, sizeof(ev->path), "%s", path);
	ev->path_len = strlen(path);
	memcpy(ev->args, argv_nul, argv_len);
	ev->args_len = argv_len;
	snprintf(ev->cwd, sizeof(ev->cwd), "%s", cwd);
	ev->cwd_len = strlen(cwd);
}

static void exec_record_decodes_binary_args_and_cwd(void **st)
{
	struct bl_exec_event ev;
	struct proc_node n;

	(void)st;
	make_exec(&ev, 42, 1000, 7, 500, "/bin/true", "true\0a\0b\0", 9,
		  "/tmp");
	assert_int_equal(proc_decode_exec(&ev, sizeof(ev), &n), 0);
	assert_int_equal(n.pid, 42);
	assert_int_equal(n.ppid, 7);
	assert_string_equal(n.binary, "/bin/true");
	assert_string_equal(n.args, "a b"); /* argv[0] dropped, as Tetragon */
	assert_string_equal(n.cwd, "/tmp");
	free(n.binary);
	free(n.args);
	free(n.cwd);
}

static void relative_binary_is_resolved_against_cwd(void **st)
{
	struct bl_exec_event ev;
	struct proc_node n;

	(void)st;
	make_exec(&ev, 42, 1000, 7, 500, "./tool", "./tool\0", 7, "/opt/x");
	assert_int_equal(proc_decode_exec(&ev, sizeof(ev), &n), 0);
	assert_string_equal(n.binary, "/opt/x/tool");
	assert_string_equal(n.args, "");
	free(n.binary);
	free(n.args);
	free(n.cwd);
}

static void short_or_corrupt_records_are_rejected(void **st)
{
	struct bl_exec_event ev;
	struct bl_exit_event ex = {};
	struct proc_node n;

	(void)st;
	make_exec(&ev, 1, 1, 0, 0, "/x", "x\0", 2, "/");
	assert_int_equal(proc_decode_exec(&ev, sizeof(ev) - 1, &n), -EINVAL);
	ev.args_len = BL_ARGS_LEN + 1;
	assert_int_equal(proc_decode_exec(&ev, sizeof(ev), &n), -EINVAL);
	ev.args_len = 2;
	ev.hdr.op = BL_OP_EXIT;
	assert_int_equal(proc_decode_exec(&ev, sizeof(ev), &n), -EINVAL);
	assert_int_equal(proc_decode_exit(&ex, sizeof(ex), &ex), -EINVAL);
}

static void unterminated_strings_stay_bounded(void **st)
{
	struct bl_exec_event ev;
	struct proc_node n;

	(void)st;
	make_exec(&ev, 1, 1, 0, 0, "/x", "x\0", 2, "/");
	memset(ev.path, 'A', sizeof(ev.path)); /* no NUL anywhere */
	ev.path_len = BL_PATH_LEN;
	memset(ev.cwd, 'B', sizeof(ev.cwd));
	ev.cwd_len = BL_CWD_LEN;
	assert_int_equal(proc_decode_exec(&ev, sizeof(ev), &n), 0);
	assert_int_equal(strlen(n.cwd), BL_CWD_LEN);
	assert_true(strlen(n.binary) <= BL_PATH_LEN + BL_CWD_LEN + 1);
	free(n.binary);
	free(n.args);
	free(n.cwd);
}

static struct proc_node *add(struct proc_tree *t, uint32_t pid, uint64_t kt,
			     uint32_t ppid, uint64_t pkt, const char *bin)
{
	struct proc_node n = { .pid = pid,
			       .ktime = kt,
			       .ppid = ppid,
			       .parent_ktime = pkt,
			       .is_exec = true };

	n.binary = strdup(bin);
	n.args = strdup("");
	n.cwd = strdup("/");
	return proc_tree__add(t, &n);
}

static void exec_id_is_base64_of_node_ktime_pid(void **st)
{
	char id[96];

	(void)st;
	proc_exec_id("vm", 123, 45, id, sizeof(id));
	/* base64("vm:123:45") */
	assert_string_equal(id, "dm06MTIzOjQ1");
}

static void ancestry_links_by_exec_and_renders_oldest_last(void **st)
{
	struct proc_tree *t = proc_tree__new("node");
	struct proc_node *init, *sh, *child, *tru;
	struct json_object *o, *anc;
	struct jw w;

	(void)st;
	init = add(t, 1, 10, 0, 0, "/sbin/init");
	sh = add(t, 100, 20, 1, 10, "/bin/sh");
	child = add(t, 101, 30, 100, 20, "/bin/sh"); /* the fork */
	tru = add(t, 101, 40, 100, 20, "/bin/true"); /* its exec */
	assert_ptr_equal(tru->parent, sh);
	assert_ptr_equal(sh->parent, init);
	assert_ptr_equal(proc_tree__find(t, 101), tru); /* newest instance */
	assert_ptr_equal(proc_tree__find_exec(t, 101, 30), child);
	jw_init(&w);
	jw_obj_begin(&w);
	proc__render_story(tru, &w, NULL, NULL);
	jw_obj_end(&w);
	o = json_tokener_parse(jw_str(&w));
	assert_non_null(o);
	assert_string_equal(
		json_object_get_string(json_object_object_get(
			json_object_object_get(o, "process"), "binary")),
		"/bin/true");
	assert_string_equal(
		json_object_get_string(json_object_object_get(
			json_object_object_get(o, "parent"), "binary")),
		"/bin/sh");
	assert_string_equal(json_object_get_string(json_object_object_get(
				    json_object_object_get(o, "process"),
				    "parent_exec_id")),
			    sh->exec_id);
	assert_true(json_object_object_get_ex(o, "ancestors", &anc));
	assert_int_equal(json_object_array_length(anc), 1);
	assert_string_equal(
		json_object_get_string(json_object_object_get(
			json_object_array_get_idx(anc, 0), "binary")),
		"/sbin/init");
	json_object_put(o);
	jw_free(&w);
	proc_tree__free(t);
}

static void gc_keeps_exited_parents_of_live_children(void **st)
{
	struct proc_tree *t = proc_tree__new("node");
	struct proc_node *p, *c;
	int freed;

	(void)st;
	p = add(t, 200, 1, 0, 0, "/bin/parent");
	c = add(t, 201, 2, 200, 1, "/bin/child");
	proc_tree__exit(t, p, 0, 1000);
	assert_int_equal(proc_tree__gc(t, 1000000000000ull, 1), 0);
	assert_non_null(proc_tree__find(t, 200)); /* the child still names it */
	proc_tree__exit(t, c, 9, 2000);
	/* child first, then its parent: one pass or two, by bucket order */
	freed = proc_tree__gc(t, 1000000000000ull, 1);
	freed += proc_tree__gc(t, 1000000000000ull, 1);
	assert_int_equal(freed, 2);
	assert_int_equal(proc_tree__count(t), 0);
	proc_tree__free(t);
}

static void procfs_scan_finds_this_process_and_its_parent(void **st)
{
	struct proc_tree *t = proc_tree__new("node");
	struct proc_node *me;

	(void)st;
	assert_true(proc_tree__scan_procfs(t) > 1);
	me = proc_tree__find(t, (uint32_t)getpid());
	assert_non_null(me);
	assert_true(me->from_procfs);
	assert_non_null(me->parent);
	assert_int_equal(me->parent->pid, getppid());
	assert_non_null(strstr(me->binary, "test_proc"));
	proc_tree__free(t);
}

static void signal_names_match_tetragon(void **st)
{
	(void)st;
	assert_string_equal(signal_name(9), "SIGKILL");
	assert_string_equal(signal_name(15), "SIGTERM");
	assert_null(signal_name(0));
	assert_null(signal_name(1000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exec_record_decodes_binary_args_and_cwd),
		cmocka_unit_test(relative_binary_is_resolved_against_cwd),
		cmocka_unit_test(short_or_corrupt_records_are_rejected),
		cmocka_unit_test(unterminated_strings_stay_bounded),
		cmocka_unit_test(exec_id_is_base64_of_node_ktime_pid),
		cmocka_unit_test(
			ancestry_links_by_exec_and_renders_oldest_last),
		cmocka_unit_test(gc_keeps_exited_parents_of_live_children),
		cmocka_unit_test(procfs_scan_finds_this_process_and_its_parent),
		cmocka_unit_test(signal_names_match_tetragon),
	};

	return cmocka_run_group_tests_name("proc", tests, NULL, NULL);
}
