// SPDX-License-Identifier: GPL-2.0
/*
 * The event decoder takes whatever the ring buffer holds: decode arbitrary
 * bytes as exec/fork/exit records, render the result as a Tetragon process
 * object, and require the JSON to parse. ASan/UBSan catch bad reads.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "proc/proc_decode.h"
#include "proc/proc_tree.h"
#include "util/jw.h"

static void render_and_check(struct proc_tree *t, struct proc_node *tmpl)
{
	struct proc_node *p = proc_tree__add(t, tmpl);
	struct json_object *o;
	struct jw w;

	if (!p)
		return;
	jw_init(&w);
	jw_obj_begin(&w);
	proc__render_story(p, &w, NULL, NULL);
	jw_obj_end(&w);
	o = json_tokener_parse(jw_str(&w));
	if (!o)
		abort(); /* the encoder produced invalid JSON */
	json_object_put(o);
	jw_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proc_tree *t = proc_tree__new("fuzz");
	union {
		struct bl_exec_event exec;
		struct bl_fork_event fork;
		struct bl_exit_event exit;
		uint8_t raw[sizeof(struct bl_exec_event)];
	} rec;
	struct bl_exit_event ex;
	struct proc_node n;
	size_t len = size < sizeof(rec) ? size : sizeof(rec);

	memset(&rec, 0, sizeof(rec));
	memcpy(&rec, data, len);
	/* the first byte picks the op so every decoder sees every input */
	rec.exec.hdr.op = size ? (uint16_t)(data[0] % 3 + 1) : BL_OP_EXEC;
	switch (rec.exec.hdr.op) {
	case BL_OP_EXEC:
		if (!proc_decode_exec(&rec, len, &n))
			render_and_check(t, &n);
		break;
	case BL_OP_FORK:
		if (!proc_decode_fork(&rec, len, &n))
			render_and_check(t, &n);
		break;
	default:
		proc_decode_exit(&rec, len, &ex);
		signal_name((int)(ex.exit_code & 0x7f));
	}
	proc_tree__free(t);
	return 0;
}
