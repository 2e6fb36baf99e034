// SPDX-License-Identifier: GPL-2.0
/* The exercise's cases and one loader that keeps the verifier's log. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "lab/verifier/verifier.h"
#include "util/log.h"

#include "skel/vf_oob.skel.h"
#include "skel/vf_oob_fixed.skel.h"
#include "skel/vf_null.skel.h"
#include "skel/vf_null_fixed.skel.h"
#include "skel/vf_loop.skel.h"
#include "skel/vf_loop_fixed.skel.h"
#include "skel/vf_ctx.skel.h"
#include "skel/vf_ctx_fixed.skel.h"

/*
 * Level 1 logs every instruction on every path; the unbounded loop walks a
 * million of them. The kernel keeps the tail of a log that does not fit,
 * and the tail is where the verdict is.
 */
#define VF_LOG_SIZE (4u << 20)

/* a case's name, source file and both builds, all from its one name */
#define VF_CASE(id)                                \
	.name = #id, .source = "vf_" #id ".bpf.c", \
	.unsafe_elf = vf_##id##_bpf__elf_bytes,    \
	.fixed_elf = vf_##id##_fixed_bpf__elf_bytes

const struct vf_case vf_cases[] = {
	{
		VF_CASE(oob),
		.title = "an out-of-bounds packet read",
		.hint = "Every byte read from the packet must be proven to lie before\n"
			"data_end. The program checks the Ethernet header only; compare\n"
			"(void *)(ip + 1) with data_end before reading ip->protocol.\n",
		.probe_len = { 60, 20, 60 },
	},
	{
		VF_CASE(null),
		.title = "a map value dereferenced without a NULL check",
		.hint = "bpf_map_lookup_elem() returns NULL when the key is not in the\n"
			"map (type map_value_or_null in the log). Test the pointer before\n"
			"*packets += 1, and create the entry when it is missing.\n",
		.probe_len = { 60, 60, 60 },
	},
	{
		VF_CASE(loop),
		.title = "an unbounded loop",
		.hint = "The verifier must see every loop end. skb->len can be anything,\n"
			"so bound the loop by a constant as well (i < 64 && i < len).\n",
		.probe_len = { 60, 20, 61 },
	},
	{
		VF_CASE(ctx),
		.title = "a write to a read-only context field",
		.hint = "skb->len is read-only for a tc program (the verifier calls it an\n"
			"invalid bpf_context access). Let the kernel trim the packet:\n"
			"bpf_skb_change_tail(skb, CLAMP_LEN, 0).\n",
		.probe_len = { 200, 60, 129 },
	},
};
const int vf_n_cases = sizeof(vf_cases) / sizeof(vf_cases[0]);

const struct vf_case *vf_case_find(const char *name)
{
	for (int i = 0; i < vf_n_cases; i++)
		if (!strcmp(vf_cases[i].name, name))
			return &vf_cases[i];
	return NULL;
}

static bool is_insn_line(const char *l)
{
	const char *p = l;

	while (*p >= '0' && *p <= '9')
		p++;
	return p != l && p[0] == ':' && p[1] == ' ';
}

/* lines that only report on the whole run, not on the failing spot */
static bool is_summary_line(const char *l)
{
	return !strncmp(l, "processed ", 10) ||
	       !strncmp(l, "verification time", 17) ||
	       !strncmp(l, "stack depth", 11) || !strncmp(l, "-- END", 6);
}

static void copy_line(char *dst, size_t size, const char *l, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, l, len);
	dst[len] = '\0';
}

/*
 * Walk the log once: the verdict is what follows the last instruction
 * line (up to the run summary), and the line that matters is the last
 * "; source" annotation before it.
 */
static void parse_log(struct vf_result *res)
{
	const char *l = res->log, *nl;
	size_t msg_len = 0;
	bool after_insn = false;

	while (l && *l) {
		size_t len;

		nl = strchr(l, '\n');
		len = nl ? (size_t)(nl - l) : strlen(l);
		if (!strncmp(l, "; ", 2)) {
			copy_line(res->source_line, sizeof(res->source_line), l,
				  len);
			after_insn = false;
		} else if (is_insn_line(l)) {
			copy_line(res->insn, sizeof(res->insn), l, len);
			after_insn = true;
			msg_len = 0;
			res->message[0] = '\0';
		} else if (!strncmp(l, "processed ", 10)) {
			copy_line(res->summary, sizeof(res->summary), l, len);
		} else if (len && !is_summary_line(l) &&
			   (after_insn || !res->insn[0])) {
			/* a message line: keep all of them, joined by "; " */
			if (msg_len && msg_len + 2 < sizeof(res->message)) {
				strcpy(res->message + msg_len, "; ");
				msg_len += 2;
			}
			if (msg_len + len >= sizeof(res->message))
				len = sizeof(res->message) - msg_len - 1;
			memcpy(res->message + msg_len, l, len);
			msg_len += len;
			res->message[msg_len] = '\0';
		}
		l = nl ? nl + 1 : NULL;
	}
}

static int load_object(struct bpf_object *obj, struct vf_result *res)
{
	struct bpf_program *prog;
	int err;

	memset(res, 0, sizeof(*res));
	res->log = calloc(1, VF_LOG_SIZE);
	if (!res->log)
		return -ENOMEM;
	prog = bpf_object__next_program(obj, NULL);
	if (!prog)
		return -ENOENT;
	bpf_program__set_log_buf(prog, res->log, VF_LOG_SIZE);
	bpf_program__set_log_level(prog, 1);
	/* a rejection is the expected outcome here, not a warning */
	log_quiet_libbpf(true);
	err = bpf_object__load(obj);
	log_quiet_libbpf(false);
	res->accepted = !err;
	res->err = err;
	parse_log(res);
	if (res->accepted)
		res->message[0] = '\0';
	else if (!res->message[0])
		snprintf(res->message, sizeof(res->message),
			 "load failed: %s (no verifier message)",
			 strerror(-err));
	return 0;
}

int vf_load_elf(const void *elf, size_t size, const char *name,
		struct vf_result *res)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name);
	struct bpf_object *obj;
	int err;

	obj = bpf_object__open_mem(elf, size, &opts);
	if (!obj)
		return -errno;
	err = load_object(obj, res);
	bpf_object__close(obj);
	return err;
}

int vf_load_file(const char *path, struct vf_result *res)
{
	struct bpf_object *obj;
	int err;

	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return -errno;
	err = load_object(obj, res);
	bpf_object__close(obj);
	return err;
}

void vf_result__free(struct vf_result *res)
{
	free(res->log);
	res->log = NULL;
}

int vf_count_programs(const char *path, const char *name, bool *found)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	int n = 0;

	*found = false;
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return -errno;
	bpf_object__for_each_program(prog, obj)
	{
		n++;
		*found |= !strcmp(bpf_program__name(prog), name);
	}
	bpf_object__close(obj);
	return n;
}
