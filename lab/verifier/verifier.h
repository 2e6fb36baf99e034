/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verifier exercise: four unsafe BPF programs (lab/verifier/vf_*.bpf.c)
 * and their fixed versions, compiled at build time and embedded in the
 * binary. Each is loaded for real with a level-1 verifier log; the kernel's
 * own rejection message is pulled out of the log together with the source
 * line it was verifying (BTF line info puts "; source @ file:line" lines in
 * the log). The exercise copies one unsafe source for the trainee, compiles
 * the edited file with clang and grades it by loading it.
 */
#ifndef BPFLAB_VERIFIER_H
#define BPFLAB_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>

#define VF_PROBES 3

struct vf_case {
	const char *name; /* "oob" */
	const char *title; /* one line: what the program does wrong */
	const char *source; /* file name of the unsafe source, "vf_oob.bpf.c" */
	const char *hint; /* shown when the trainee's fix is still rejected */
	const void *(*unsafe_elf)(size_t *size);
	const void *(*fixed_elf)(size_t *size);
	/* packet lengths the trainee's program and the fix both run on */
	unsigned int probe_len[VF_PROBES];
};

/* The outcome of one load. */
struct vf_result {
	bool accepted;
	int err; /* -errno of the load; 0 when accepted */
	char message[512]; /* the verifier's own words (rejected) */
	char source_line[512]; /* "; ip->protocol ... @ vf_oob.bpf.c:30" */
	char insn[160]; /* the instruction it stopped at */
	char summary[256]; /* "processed 9 insns (limit 1000000) ..." */
	char *log; /* the whole log, malloc'd; free with vf_result__free() */
};

extern const struct vf_case vf_cases[];
extern const int vf_n_cases;

const struct vf_case *vf_case_find(const char *name);
/* Load an embedded object (the unsafe or the fixed build of a case). */
int vf_load_elf(const void *elf, size_t size, const char *name,
		struct vf_result *res);
/* Load an object file (a trainee's build). */
int vf_load_file(const char *path, struct vf_result *res);
void vf_result__free(struct vf_result *res);
/*
 * Run the trainee's object (path) and the case's fix on the same packets
 * (BPF_PROG_TEST_RUN): 0 when they return the same, leave the same packet
 * and the same map contents; 1 with why filled when not; -errno.
 */
int vf_same_behaviour(const struct vf_case *c, const char *path, char *why,
		      size_t whylen);
/* How many programs the object file holds; *found: one is named name. */
int vf_count_programs(const char *path, const char *name, bool *found);

/*
 * Where the case sources live at run time: $BPFLAB_VERIFIER_DIR, else
 * ../lab/verifier next to the binary, else /usr/local/share/bpflab/verifier.
 */
int vf_source_dir(char *buf, size_t size);
/*
 * clang -target bpf the trainee's src into obj; the compiler's messages go
 * to errbuf. Returns 0, or -EINVAL when it does not compile.
 */
int vf_compile(const char *src, const char *obj, char *errbuf, size_t errlen);

#endif
