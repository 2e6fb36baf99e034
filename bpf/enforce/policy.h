/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TracingPolicy model: what `policy apply` parses from YAML (libyaml,
 * every node keeps its line and column) and validates before anything on
 * the host changes. The subset is the one in shared/formats/README.md; any
 * field outside it is an error naming file:line:col, never ignored.
 */
#ifndef BPFLAB_POLICY_H
#define BPFLAB_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POL_MAX_SELECTORS 5 /* as upstream: more is an error */
#define POL_MAX_ARGS 5
#define POL_MAX_MATCH_ARGS 4
#define POL_MAX_VALUES 16384 /* per operator (10,000-rule policies) */
#define POL_MAX_HOOKS 64
#define POL_MAX_CALLS 32 /* syscalls a "list:" call expands to */
#define POL_NAME_LEN 128

struct pol_mark {
	int line, col; /* 1-based, as editors count */
};

enum pol_op {
	POL_OP_NONE = 0,
	POL_OP_EQUAL,
	POL_OP_NOT_EQUAL,
	POL_OP_PREFIX,
	POL_OP_NOT_PREFIX,
	POL_OP_POSTFIX,
	POL_OP_MASK,
	POL_OP_DADDR,
	POL_OP_NOT_DADDR,
	POL_OP_DPORT,
	POL_OP_NOT_DPORT,
	POL_OP_SADDR,
	POL_OP_SPORT,
	POL_OP_FAMILY,
	POL_OP_PROTOCOL,
	POL_OP_IN,
	POL_OP_NOT_IN,
};

enum pol_arg_type {
	POL_ARG_NONE = 0,
	POL_ARG_INT,
	POL_ARG_UINT64,
	POL_ARG_SIZE_T,
	POL_ARG_STRING,
	POL_ARG_CHAR_BUF,
	POL_ARG_FD,
	POL_ARG_FILE,
	POL_ARG_PATH,
	POL_ARG_SOCK,
	POL_ARG_SOCKADDR,
	POL_ARG_BINPRM,
};

enum pol_action_flags {
	POL_ACT_POST = 1 << 0,
	POL_ACT_NOPOST = 1 << 1,
	POL_ACT_SIGKILL = 1 << 2,
	POL_ACT_OVERRIDE = 1 << 3,
	POL_ACT_SIGNAL = 1 << 4,
};

/* One operator with its values, e.g. Prefix ["/etc/passwd", "/etc/shadow"]. */
struct pol_match {
	enum pol_op op;
	int index; /* matchArgs: the argument index */
	char *ns; /* matchNamespaces: "Pid", "Mnt", "Net" */
	char **values;
	int nvalues;
	struct pol_mark mark;
};

struct pol_selector {
	struct pol_match args[POL_MAX_MATCH_ARGS];
	int nargs;
	struct pol_match binaries; /* op NONE when absent */
	struct pol_match pids;
	struct pol_match sandboxes;
	struct pol_match namespaces[3];
	int nnamespaces;
	unsigned actions; /* enum pol_action_flags */
	int arg_error; /* Override argError (negative errno) */
	int arg_sig; /* Signal argSig */
	struct pol_mark mark;
};

enum pol_hook_kind { POL_KPROBE, POL_TRACEPOINT, POL_LSMHOOK };

struct pol_hook {
	enum pol_hook_kind kind;
	char *call; /* kprobe/lsm "call", or "subsystem/event" */
	bool syscall;
	/* a "list:NAME" call expands to several syscalls */
	char *calls[POL_MAX_CALLS];
	int ncalls;
	enum pol_arg_type arg_types[POL_MAX_ARGS];
	int nargs;
	struct pol_selector selectors[POL_MAX_SELECTORS];
	int nselectors;
	struct pol_mark mark;
};

struct pol_list {
	char *name;
	char **values;
	int nvalues;
};

struct policy {
	char name[POL_NAME_LEN];
	char *file; /* as given to the parser, for messages */
	bool monitor; /* policy-mode: monitor */
	struct pol_hook hooks[POL_MAX_HOOKS];
	int nhooks;
	struct pol_list lists[8];
	int nlists;
};

/*
 * Parse and validate one TracingPolicy from text. On error returns -EINVAL
 * (or -ENOMEM) and writes "file:line:col: message" into err.
 */
int policy_parse(const char *text, size_t len, const char *file,
		 struct policy **out, char *err, size_t errlen);
int policy_parse_file(const char *path, struct policy **out, char *err,
		      size_t errlen);
void policy_free(struct policy *p);

const char *pol_op_name(enum pol_op op);
const char *pol_arg_type_name(enum pol_arg_type t);

#endif
