/* SPDX-License-Identifier: GPL-2.0 */
/* Internal to the reload files: one object's old/new pair and attachments. */
#ifndef BPFLAB_RELOAD_PRIV_H
#define BPFLAB_RELOAD_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/reload.h"

#define RELOAD_MAX_PROGS 32
#define RELOAD_MAX_HOLDERS 4

struct bpf_object;

struct reload_prog {
	const char *name;
	int old_fd; /* the fd number the module's bpf_program holds */
	int new_fd; /* the new build's (closed with the new object) */
	uint32_t old_id, new_id;
	bool raw_tp; /* a raw_tp program: a new link names its tracepoint */
	struct reload_obj_report *rep;
};

/* One old object and its freshly loaded replacement. */
struct reload_obj {
	struct bpf_object *old_obj;
	struct bpf_object *new_obj;
	int nprogs;
	struct reload_prog progs[RELOAD_MAX_PROGS];
	struct reload_obj_report *rep;
};

enum reload_att_kind {
	RELOAD_LINK_UPDATE, /* cgroup, netns, xdp...: bpf_link_update */
	RELOAD_LINK_RELINK, /* tracing, raw_tp: a second link, then dup3 */
	RELOAD_TC, /* a tc filter of ours: replace on the same handle/prio */
};

/* One place an old program is attached, and how to move it. */
struct reload_att {
	enum reload_att_kind kind;
	struct reload_prog *p;
	bool done; /* swapped: undo on rollback */
	uint32_t link_id;
	int link_fd; /* UPDATE: our own fd of the link */
	int new_link_fd; /* RELINK: the new program's link */
	char tp_name[64]; /* RELINK of a raw_tp link: the tracepoint */
	int holders[RELOAD_MAX_HOLDERS]; /* RELINK: fds the modules hold */
	int nholders;
	char netns[64]; /* TC: "" for the host */
	char ifname[16];
	uint32_t handle, prio;
	bool egress;
};

struct reload_atts {
	struct reload_att *v;
	int n, cap;
};

/* reload_binary.c */
/*
 * The next embedded BPF object (an ELF of machine EM_BPF) at or after *off
 * in a binary's bytes; *off moves past it.
 */
bool reload_next_bpf_elf(const void *buf, size_t sz, size_t *off,
			 const void **elf, size_t *elf_sz);

/* reload_attach.c */
/* Every attachment of any program in objs (links of the host, our tc filters). */
int reload_find_attachments(struct reload_obj *objs, int nobjs,
			    struct reload_atts *out, char *err, size_t errlen);
/* Move each attachment to its new program; on failure undo the ones done. */
int reload_swap(struct reload_atts *a, char *err, size_t errlen);
void reload_rollback(struct reload_atts *a);
/* After a swap: the modules' fd numbers take the new links and programs. */
void reload_commit(struct reload_atts *a, struct reload_obj *objs, int nobjs);
void reload_atts_free(struct reload_atts *a);

#endif
