/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `bpflab bench KIND`: each benchmark kind registers itself here, like the
 * verbs do, so `bench lb` and `bench enforce` live in their own files.
 */
#ifndef BPFLAB_BENCH_H
#define BPFLAB_BENCH_H

struct bench_kind {
	const char *name; /* "lb", "enforce", ... */
	const char *summary;
	const char *usage; /* printed by `bpflab bench KIND --help` */
	int (*run)(int argc, char **argv); /* argv[0] is KIND */
};

#define BENCH_KIND(id, ...)                                              \
	static const struct bench_kind __bench_kind_##id __attribute__(( \
		used, section("bl_bench"), aligned(8))) = { __VA_ARGS__ }

const struct bench_kind *bench_find(const char *name);

/*
 * One machine-readable progress line on stderr, for a front-end (the
 * console's Bench screen) that sets BPFLAB_PROGRESS=1:
 *   BPFLAB-PROGRESS <done>/<total> <what>
 * Nothing is printed otherwise.
 */
void bench_progress(int done, int total, const char *what);

#endif
