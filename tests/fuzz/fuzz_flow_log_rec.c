// SPDX-License-Identifier: GPL-2.0
/*
 * The binary flow log is read back from disk, where anything may have
 * happened to it (a crash mid-write, a foreign file, a newer bpflab). Any
 * header and body either renders a JSON line that parses, or is refused
 * with -EINVAL / -ENOTSUP; never a read past the body. ASan/UBSan watch.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "observe/flow_rec.h"
#include "util/jw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flow_rec_hdr h;
	struct json_object *o;
	uint8_t *body;
	struct jw w;
	int err;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	/* the body is exactly what is there, in its own allocation */
	h.len = (uint32_t)(size - sizeof(h));
	body = malloc(h.len ? h.len : 1);
	if (!body)
		return 0;
	memcpy(body, data + sizeof(h), h.len);
	jw_init(&w);
	err = flow_rec_render(&w, &h, body);
	if (!err) {
		/* a stored line (kind 2) is trusted as written; a kernel
		 * record is rendered by us and must parse */
		o = json_tokener_parse(jw_str(&w));
		if (!o && h.kind == FLOW_REC_KERNEL)
			abort();
		json_object_put(o);
	} else if (err != -EINVAL && err != -ENOTSUP && err != -ENOMEM) {
		abort();
	}
	jw_free(&w);
	free(body);
	return 0;
}
