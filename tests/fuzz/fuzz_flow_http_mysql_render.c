// SPDX-License-Identifier: GPL-2.0
/*
 * HTTP paths and MySQL query text come straight from packets, so anyone on
 * the wire chooses them. Render arbitrary flow and L7 records (with and
 * without a service translation and a client process) as Hubble JSON lines,
 * require every line to parse, then run the filters, the compact and table
 * views and the service map over it. ASan/UBSan catch bad reads.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "abi/abi.h"
#include "observe/flow_filter.h"
#include "observe/flow_render.h"
#include "observe/service_map.h"
#include "util/jw.h"

static void views(struct json_object *o)
{
	struct flow_filter f = { .from_label = "app=web",
				 .to_sandbox = "db",
				 .protocol = "mysql" };
	struct service_map m = { 0 };
	char buf[1024];

	flow_filter__match(&f, o);
	f = (struct flow_filter){ .to_service = "web", .http_status = "5+" };
	flow_filter__match(&f, o);
	flow_format_compact(o, buf, sizeof(buf));
	flow_format_table(o, buf, sizeof(buf));
	service_map__add(&m, o);
	service_map__free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	union {
		struct bl_flow_event flow;
		struct bl_l7_event l7;
		uint8_t raw[sizeof(struct bl_l7_event)];
	} rec;
	struct flow_xlate xl = { .service = "web",
				 .vip = 0x0a0013c6,
				 .vip_port = 80,
				 .backend = 0x010112c6,
				 .backend_port = 8080,
				 .hook = 1,
				 .pid = 42 };
	struct flow_owner owner = { .pid = 7, .comm = "curl", .sandbox = "c" };
	struct flow_render_extra x = { 0 };
	size_t len = size < sizeof(rec) ? size : sizeof(rec);
	struct json_object *o;
	struct jw w;

	memset(&rec, 0, sizeof(rec));
	memcpy(&rec, data, len);
	/* the first byte picks the op and what user space adds */
	rec.flow.hdr.op = size && (data[0] & 1) ? BL_OP_L7 : BL_OP_FLOW;
	if (size && (data[0] & 2))
		x.xlate = &xl;
	if (size && (data[0] & 4))
		x.owner = &owner;
	x.translated = size && (data[0] & 8);
	jw_init(&w);
	if (!flow_render_json_ex(&w, &rec, len, "eth0", &x)) {
		o = json_tokener_parse(jw_str(&w));
		if (!o)
			abort(); /* the renderer produced invalid JSON */
		views(o);
		json_object_put(o);
	}
	jw_free(&w);
	return 0;
}
