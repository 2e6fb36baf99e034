// SPDX-License-Identifier: GPL-2.0
/*
 * TracingPolicy YAML → struct policy. libyaml's document API keeps a mark on
 * every node, so every error points at the offending key or value. The
 * walk is strict: each mapping lists the keys it accepts and anything else
 * is "unknown field". Semantic checks that need the hook table (which calls
 * exist, which actions a hook can carry out) live in policy_validate.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "enforce/policy.h"
#include "enforce/policy_validate.h"

struct pctx {
	yaml_document_t *doc;
	const char *file;
	char *err;
	size_t errlen;
	struct policy *p;
};

static const struct {
	const char *name;
	enum pol_op op;
} op_names[] = {
	{ "Equal", POL_OP_EQUAL },     { "NotEqual", POL_OP_NOT_EQUAL },
	{ "Prefix", POL_OP_PREFIX },   { "NotPrefix", POL_OP_NOT_PREFIX },
	{ "Postfix", POL_OP_POSTFIX }, { "Mask", POL_OP_MASK },
	{ "DAddr", POL_OP_DADDR },     { "NotDAddr", POL_OP_NOT_DADDR },
	{ "DPort", POL_OP_DPORT },     { "NotDPort", POL_OP_NOT_DPORT },
	{ "SAddr", POL_OP_SADDR },     { "SPort", POL_OP_SPORT },
	{ "Family", POL_OP_FAMILY },   { "Protocol", POL_OP_PROTOCOL },
	{ "In", POL_OP_IN },	       { "NotIn", POL_OP_NOT_IN },
};

static const char *const arg_type_names[] = {
	[POL_ARG_INT] = "int",
	[POL_ARG_UINT64] = "uint64",
	[POL_ARG_SIZE_T] = "size_t",
	[POL_ARG_STRING] = "string",
	[POL_ARG_CHAR_BUF] = "char_buf",
	[POL_ARG_FD] = "fd",
	[POL_ARG_FILE] = "file",
	[POL_ARG_PATH] = "path",
	[POL_ARG_SOCK] = "sock",
	[POL_ARG_SOCKADDR] = "sockaddr",
	[POL_ARG_BINPRM] = "linux_binprm",
};

const char *pol_op_name(enum pol_op op)
{
	for (size_t i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (op_names[i].op == op)
			return op_names[i].name;
	return "none";
}

const char *pol_arg_type_name(enum pol_arg_type t)
{
	if (t > POL_ARG_NONE && t <= POL_ARG_BINPRM)
		return arg_type_names[t];
	return "none";
}

static struct pol_mark mark_of(const yaml_node_t *n)
{
	return (struct pol_mark){ (int)n->start_mark.line + 1,
				  (int)n->start_mark.column + 1 };
}

static void set_error_at(struct pctx *c, struct pol_mark m, const char *fmt,
			 ...) __attribute__((format(printf, 3, 4)));
static void set_error_at(struct pctx *c, struct pol_mark m, const char *fmt,
			 ...)
{
	va_list ap;
	int n = snprintf(c->err, c->errlen, "%s:%d:%d: ", c->file, m.line,
			 m.col);

	if (n < 0 || (size_t)n >= c->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - n, fmt, ap);
	va_end(ap);
}

/*
 * -EINVAL in the macro, not returned by the function: clang's analyzer does
 * not step into variadic functions and would take a failure for success.
 */
#define fail_at(c, m, ...) (set_error_at(c, m, __VA_ARGS__), -EINVAL)
#define fail(c, node, ...) fail_at(c, mark_of(node), __VA_ARGS__)

static yaml_node_t *node_at(struct pctx *c, int id)
{
	return yaml_document_get_node(c->doc, id);
}

static const char *kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

static int want(struct pctx *c, yaml_node_t *n, yaml_node_type_t t,
		const char *what)
{
	static const char *const names[] = { [YAML_SCALAR_NODE] = "a scalar",
					     [YAML_SEQUENCE_NODE] = "a list",
					     [YAML_MAPPING_NODE] =
						     "a mapping" };
	if (n->type == t)
		return 0;
	return fail(c, n, "%s must be %s, not %s", what, names[t],
		    kind_name(n));
}

static const char *scalar(yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static int get_str(struct pctx *c, yaml_node_t *n, const char *what, char **out)
{
	int err = want(c, n, YAML_SCALAR_NODE, what);

	if (err)
		return err;
	if (!*scalar(n))
		return fail(c, n, "%s must not be empty", what);
	if (*out)
		return fail(c, n, "%s given twice", what);
	*out = strdup(scalar(n));
	return *out ? 0 : -ENOMEM;
}

static int get_int(struct pctx *c, yaml_node_t *n, const char *what, long min,
		   long max, long *out)
{
	char *end;
	long v;
	int err = want(c, n, YAML_SCALAR_NODE, what);

	if (err)
		return err;
	errno = 0;
	v = strtol(scalar(n), &end, 0);
	if (errno || end == scalar(n) || *end)
		return fail(c, n, "%s must be an integer, not \"%s\"", what,
			    scalar(n));
	if (v < min || v > max)
		return fail(c, n, "%s must be in [%ld, %ld], not %ld", what,
			    min, max, v);
	*out = v;
	return 0;
}

static int get_bool(struct pctx *c, yaml_node_t *n, const char *what, bool *out)
{
	int err = want(c, n, YAML_SCALAR_NODE, what);

	if (err)
		return err;
	if (!strcmp(scalar(n), "true"))
		*out = true;
	else if (!strcmp(scalar(n), "false"))
		*out = false;
	else
		return fail(c, n, "%s must be true or false, not \"%s\"", what,
			    scalar(n));
	return 0;
}

/* A list of scalars into a NULL-free, counted string array. */
static int get_values(struct pctx *c, yaml_node_t *n, const char *what,
		      char ***out, int *count)
{
	yaml_node_item_t *it;
	int err = want(c, n, YAML_SEQUENCE_NODE, what), i = 0;
	long len;

	if (err)
		return err;
	if (*out)
		return fail(c, n, "%s given twice", what);
	len = n->data.sequence.items.top - n->data.sequence.items.start;
	if (len == 0)
		return fail(c, n, "%s must not be empty", what);
	if (len > POL_MAX_VALUES)
		return fail(c, n,
			    "%s has %ld entries; at most %d are supported",
			    what, len, POL_MAX_VALUES);
	*out = calloc(len, sizeof(char *));
	if (!*out)
		return -ENOMEM;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *v = node_at(c, *it);

		err = want(c, v, YAML_SCALAR_NODE, "a value");
		if (err)
			return err;
		(*out)[i] = strdup(scalar(v));
		if (!(*out)[i])
			return -ENOMEM;
		*count = ++i;
	}
	return 0;
}

/* Walk a mapping; fn gets each (key, value) and returns -ENOENT for keys it does not know. */
typedef int (*pair_fn)(struct pctx *c, const char *key, yaml_node_t *k,
		       yaml_node_t *v, void *obj);

static int walk_map(struct pctx *c, yaml_node_t *n, const char *what,
		    pair_fn fn, void *obj)
{
	yaml_node_pair_t *pr;
	int err = want(c, n, YAML_MAPPING_NODE, what);

	if (err)
		return err;
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node_at(c, pr->key),
			    *v = node_at(c, pr->value);

		if (!k || !v)
			return -EINVAL;
		err = want(c, k, YAML_SCALAR_NODE, "a key");
		if (err)
			return err;
		/* a repeated key would silently override the first */
		for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < pr;
		     q++) {
			yaml_node_t *qk = node_at(c, q->key);

			if (qk && qk->type == YAML_SCALAR_NODE &&
			    !strcmp(scalar(qk), scalar(k)))
				return fail(c, k, "duplicate key \"%s\" in %s",
					    scalar(k), what);
		}
		err = fn(c, scalar(k), k, v, obj);
		if (err == -ENOENT)
			return fail(c, k, "unknown field \"%s\" in %s",
				    scalar(k), what);
		if (err)
			return err;
	}
	return 0;
}

typedef int (*item_fn)(struct pctx *c, yaml_node_t *item, int idx, void *obj);

static int walk_seq(struct pctx *c, yaml_node_t *n, const char *what, int max,
		    item_fn fn, void *obj)
{
	yaml_node_item_t *it;
	int err = want(c, n, YAML_SEQUENCE_NODE, what), i = 0;

	if (err)
		return err;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++, i++) {
		yaml_node_t *item = node_at(c, *it);

		if (i >= max)
			return fail(c, item,
				    "%s: at most %d entries are supported",
				    what, max);
		err = fn(c, item, i, obj);
		if (err)
			return err;
	}
	return 0;
}

static int parse_op(struct pctx *c, yaml_node_t *v, struct pol_match *m)
{
	int err = want(c, v, YAML_SCALAR_NODE, "operator");

	if (err)
		return err;
	if (m->op != POL_OP_NONE)
		return fail(c, v, "operator given twice");
	for (size_t i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (!strcmp(op_names[i].name, scalar(v))) {
			m->op = op_names[i].op;
			return 0;
		}
	return fail(c, v, "unknown operator \"%s\"", scalar(v));
}

/* ---- selectors ----------------------------------------------------------- */

struct match_ctx {
	struct pol_match *m;
	enum { MATCH_ARGS, MATCH_NS, MATCH_PLAIN } kind;
	bool have_index;
};

static int match_pair(struct pctx *c, const char *key, yaml_node_t *k,
		      yaml_node_t *v, void *obj)
{
	struct match_ctx *mc = obj;
	struct pol_match *m = mc->m;
	long l;
	int err;

	(void)k;
	if (!strcmp(key, "operator"))
		return parse_op(c, v, m);
	if (!strcmp(key, "values"))
		return get_values(c, v, "values", &m->values, &m->nvalues);
	if (!strcmp(key, "index") && mc->kind == MATCH_ARGS) {
		err = get_int(c, v, "index", 0, POL_MAX_ARGS - 1, &l);
		if (err)
			return err;
		m->index = (int)l;
		mc->have_index = true;
		return 0;
	}
	if (!strcmp(key, "namespace") && mc->kind == MATCH_NS)
		return get_str(c, v, "namespace", &m->ns);
	return -ENOENT;
}

static int parse_match(struct pctx *c, yaml_node_t *n, const char *what,
		       struct pol_match *m, int kind)
{
	struct match_ctx mc = { m, kind, false };
	int err;

	m->index = -1;
	m->mark = mark_of(n);
	err = walk_map(c, n, what, match_pair, &mc);
	if (err)
		return err;
	if (m->op == POL_OP_NONE)
		return fail(c, n, "%s needs an operator", what);
	if (!m->nvalues)
		return fail(c, n, "%s needs values", what);
	if (kind == MATCH_ARGS && !mc.have_index)
		return fail(c, n, "%s needs an index", what);
	if (kind == MATCH_NS && !m->ns)
		return fail(c, n, "%s needs a namespace", what);
	return 0;
}

static int arg_item(struct pctx *c, yaml_node_t *item, int idx, void *obj)
{
	struct pol_selector *s = obj;

	s->nargs = idx + 1;
	return parse_match(c, item, "matchArgs entry", &s->args[idx],
			   MATCH_ARGS);
}

static int ns_item(struct pctx *c, yaml_node_t *item, int idx, void *obj)
{
	struct pol_selector *s = obj;

	s->nnamespaces = idx + 1;
	return parse_match(c, item, "matchNamespaces entry",
			   &s->namespaces[idx], MATCH_NS);
}

struct one_match {
	struct pol_match *m;
	const char *what;
};

static int one_item(struct pctx *c, yaml_node_t *item, int idx, void *obj)
{
	struct one_match *om = obj;

	(void)idx;
	return parse_match(c, item, om->what, om->m, MATCH_PLAIN);
}

static int action_pair(struct pctx *c, const char *key, yaml_node_t *k,
		       yaml_node_t *v, void *obj)
{
	struct pol_selector *s = obj;
	long l;
	int err;

	(void)k;
	if (!strcmp(key, "action")) {
		static const struct {
			const char *name;
			unsigned flag;
		} acts[] = { { "Post", POL_ACT_POST },
			     { "NoPost", POL_ACT_NOPOST },
			     { "Sigkill", POL_ACT_SIGKILL },
			     { "Override", POL_ACT_OVERRIDE },
			     { "Signal", POL_ACT_SIGNAL } };

		err = want(c, v, YAML_SCALAR_NODE, "action");
		if (err)
			return err;
		for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
			if (!strcmp(acts[i].name, scalar(v))) {
				s->actions |= acts[i].flag;
				return 0;
			}
		return fail(c, v,
			    "unknown action \"%s\" (supported: Post, NoPost, "
			    "Sigkill, Override, Signal)",
			    scalar(v));
	}
	if (!strcmp(key, "argError")) {
		err = get_int(c, v, "argError", -4095, -1, &l);
		if (!err)
			s->arg_error = (int)l;
		return err;
	}
	if (!strcmp(key, "argSig")) {
		err = get_int(c, v, "argSig", 1, 64, &l);
		if (!err)
			s->arg_sig = (int)l;
		return err;
	}
	return -ENOENT;
}

static int action_item(struct pctx *c, yaml_node_t *item, int idx, void *obj)
{
	(void)idx;
	return walk_map(c, item, "matchActions entry", action_pair, obj);
}

static int selector_pair(struct pctx *c, const char *key, yaml_node_t *k,
			 yaml_node_t *v, void *obj)
{
	struct pol_selector *s = obj;
	struct one_match om = { NULL, key };

	(void)k;
	if (!strcmp(key, "matchArgs"))
		return walk_seq(c, v, key, POL_MAX_MATCH_ARGS, arg_item, s);
	if (!strcmp(key, "matchNamespaces"))
		return walk_seq(c, v, key, 3, ns_item, s);
	if (!strcmp(key, "matchActions"))
		return walk_seq(c, v, key, 4, action_item, s);
	if (!strcmp(key, "matchBinaries"))
		om.m = &s->binaries;
	else if (!strcmp(key, "matchPIDs"))
		om.m = &s->pids;
	else if (!strcmp(key, "matchSandboxes"))
		om.m = &s->sandboxes;
	else
		return -ENOENT;
	if (om.m->op != POL_OP_NONE)
		return fail(c, k, "%s given twice", key);
	/* one entry per kind: several would need AND/OR rules upstream has */
	return walk_seq(c, v, key, 1, one_item, &om);
}

static int selector_item(struct pctx *c, yaml_node_t *item, int idx, void *obj)
{
	struct pol_hook *h = obj;
	struct pol_selector *s = &h->selectors[idx];

	h->nselectors = idx + 1;
	s->mark = mark_of(item);
	return walk_map(c, item, "selector", selector_pair, s);
}

/* ---- hooks --------------------------------------------------------------- */

static int hook_arg_pair(struct pctx *c, const char *key, yaml_node_t *k,
			 yaml_node_t *v, void *obj)
{
	long *idx_type = obj; /* [0] index, [1] type */

	(void)k;
	if (!strcmp(key, "index"))
		return get_int(c, v, "index", 0, POL_MAX_ARGS - 1,
			       &idx_type[0]);
	if (!strcmp(key, "type")) {
		int err = want(c, v, YAML_SCALAR_NODE, "type");

		if (err)
			return err;
		for (int t = POL_ARG_INT; t <= POL_ARG_BINPRM; t++)
			if (!strcmp(arg_type_names[t], scalar(v))) {
				idx_type[1] = t;
				return 0;
			}
		return fail(c, v, "unknown argument type \"%s\"", scalar(v));
	}
	return -ENOENT;
}

static int hook_arg_item(struct pctx *c, yaml_node_t *item, int idx, void *obj)
{
	struct pol_hook *h = obj;
	long it[2] = { -1, POL_ARG_NONE };
	int err = walk_map(c, item, "args entry", hook_arg_pair, it);

	(void)idx;
	if (err)
		return err;
	if (it[0] < 0)
		return fail(c, item, "args entry needs an index");
	if (it[1] == POL_ARG_NONE)
		return fail(c, item, "args entry needs a type");
	if (h->arg_types[it[0]] != POL_ARG_NONE)
		return fail(c, item, "argument index %ld declared twice",
			    it[0]);
	h->arg_types[it[0]] = (enum pol_arg_type)it[1];
	if (it[0] + 1 > h->nargs)
		h->nargs = (int)it[0] + 1;
	return 0;
}

/* A hook being parsed; tracepoints name themselves in two fields. */
struct hook_ctx {
	struct pol_hook h;
	char *subsys, *event;
};

static int hook_pair(struct pctx *c, const char *key, yaml_node_t *k,
		     yaml_node_t *v, void *obj)
{
	struct hook_ctx *hc = obj;
	struct pol_hook *h = &hc->h;

	(void)k;
	if (!strcmp(key, "args"))
		return walk_seq(c, v, key, POL_MAX_ARGS, hook_arg_item, h);
	if (!strcmp(key, "selectors"))
		return walk_seq(c, v, key, POL_MAX_SELECTORS, selector_item, h);
	switch (h->kind) {
	case POL_KPROBE:
		if (!strcmp(key, "call"))
			return get_str(c, v, key, &h->call);
		if (!strcmp(key, "syscall"))
			return get_bool(c, v, key, &h->syscall);
		break;
	case POL_LSMHOOK:
		if (!strcmp(key, "hook"))
			return get_str(c, v, key, &h->call);
		break;
	case POL_TRACEPOINT:
		if (!strcmp(key, "subsystem"))
			return get_str(c, v, key, &hc->subsys);
		if (!strcmp(key, "event"))
			return get_str(c, v, key, &hc->event);
		break;
	}
	return -ENOENT;
}

struct hook_list_ctx {
	struct policy *p;
	enum pol_hook_kind kind;
};

static int hook_item(struct pctx *c, yaml_node_t *item, int idx, void *obj)
{
	struct hook_list_ctx *hl = obj;
	struct policy *p = hl->p;
	struct hook_ctx *scratch;
	struct pol_hook *h;
	int err;

	(void)idx;
	if (p->nhooks >= POL_MAX_HOOKS)
		return fail(c, item, "at most %d hooks per policy",
			    POL_MAX_HOOKS);
	scratch = calloc(1, sizeof(*scratch));
	if (!scratch)
		return -ENOMEM;
	h = &p->hooks[p->nhooks++];
	scratch->h.kind = hl->kind;
	scratch->h.mark = mark_of(item);
	err = walk_map(c, item, "hook", hook_pair, scratch);
	if (!err && hl->kind == POL_TRACEPOINT) {
		if (!scratch->subsys || !scratch->event)
			err = fail(c, item,
				   "a tracepoint needs subsystem and event");
		else if (asprintf(&scratch->h.call, "%s/%s", scratch->subsys,
				  scratch->event) < 0)
			err = -ENOMEM;
	}
	free(scratch->subsys);
	free(scratch->event);
	*h = scratch->h; /* owned strings move into the policy */
	free(scratch);
	if (!err && !h->call)
		err = fail(c, item, "hook needs %s",
			   hl->kind == POL_LSMHOOK ? "a hook name" : "a call");
	return err;
}

static int list_pair(struct pctx *c, const char *key, yaml_node_t *k,
		     yaml_node_t *v, void *obj)
{
	struct pol_list *l = obj;

	(void)k;
	if (!strcmp(key, "name"))
		return get_str(c, v, key, &l->name);
	if (!strcmp(key, "values"))
		return get_values(c, v, key, &l->values, &l->nvalues);
	if (!strcmp(key, "type")) {
		int err = want(c, v, YAML_SCALAR_NODE, key);

		if (!err && strcmp(scalar(v), "syscalls"))
			err = fail(c, v,
				   "list type \"%s\" is not supported "
				   "(only \"syscalls\")",
				   scalar(v));
		return err;
	}
	return -ENOENT;
}

static int list_item(struct pctx *c, yaml_node_t *item, int idx, void *obj)
{
	struct policy *p = obj;
	struct pol_list *l = &p->lists[idx];
	int err;

	p->nlists = idx + 1;
	err = walk_map(c, item, "list", list_pair, l);
	if (!err && (!l->name || !l->values))
		err = fail(c, item, "a list needs a name and values");
	return err;
}

static int option_pair(struct pctx *c, const char *key, yaml_node_t *k,
		       yaml_node_t *v, void *obj)
{
	char **nv = obj;

	(void)k;
	if (!strcmp(key, "name"))
		return get_str(c, v, key, &nv[0]);
	if (!strcmp(key, "value"))
		return get_str(c, v, key, &nv[1]);
	return -ENOENT;
}

static int option_item(struct pctx *c, yaml_node_t *item, int idx, void *obj)
{
	struct policy *p = obj;
	char *nv[2] = { NULL, NULL };
	int err = walk_map(c, item, "option", option_pair, nv);

	(void)idx;
	if (!err && (!nv[0] || !nv[1]))
		err = fail(c, item, "an option needs a name and a value");
	else if (!err && strcmp(nv[0], "policy-mode"))
		err = fail(c, item, "unknown option \"%s\" (only policy-mode)",
			   nv[0]);
	else if (!err && !strcmp(nv[1], "monitor"))
		p->monitor = true;
	else if (!err && strcmp(nv[1], "enforce"))
		err = fail(c, item,
			   "policy-mode must be monitor or enforce, not \"%s\"",
			   nv[1]);
	free(nv[0]);
	free(nv[1]);
	return err;
}

static int spec_pair(struct pctx *c, const char *key, yaml_node_t *k,
		     yaml_node_t *v, void *obj)
{
	struct hook_list_ctx hl = { obj, POL_KPROBE };

	(void)k;
	if (!strcmp(key, "options"))
		return walk_seq(c, v, key, 4, option_item, obj);
	if (!strcmp(key, "lists"))
		return walk_seq(c, v, key, 8, list_item, obj);
	if (!strcmp(key, "kprobes"))
		hl.kind = POL_KPROBE;
	else if (!strcmp(key, "tracepoints"))
		hl.kind = POL_TRACEPOINT;
	else if (!strcmp(key, "lsmhooks"))
		hl.kind = POL_LSMHOOK;
	else
		return -ENOENT;
	return walk_seq(c, v, key, POL_MAX_HOOKS, hook_item, &hl);
}

static int metadata_pair(struct pctx *c, const char *key, yaml_node_t *k,
			 yaml_node_t *v, void *obj)
{
	struct policy *p = obj;
	const char *s;
	int err;

	(void)k;
	if (strcmp(key, "name"))
		return -ENOENT;
	err = want(c, v, YAML_SCALAR_NODE, "metadata.name");
	if (err)
		return err;
	s = scalar(v);
	if (!*s || strlen(s) >= POL_NAME_LEN ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-.") != strlen(s))
		return fail(c, v,
			    "metadata.name must be 1-%d characters of "
			    "a-z, 0-9, '-' and '.'",
			    POL_NAME_LEN - 1);
	if (p->name[0])
		return fail(c, v, "metadata.name given twice");
	snprintf(p->name, sizeof(p->name), "%s", s);
	return 0;
}

static int top_pair(struct pctx *c, const char *key, yaml_node_t *k,
		    yaml_node_t *v, void *obj)
{
	(void)k;
	if (!strcmp(key, "apiVersion")) {
		int err = want(c, v, YAML_SCALAR_NODE, key);

		if (!err && strcmp(scalar(v), "cilium.io/v1alpha1"))
			err = fail(c, v,
				   "apiVersion must be cilium.io/v1alpha1");
		return err;
	}
	if (!strcmp(key, "kind")) {
		int err = want(c, v, YAML_SCALAR_NODE, key);

		if (!err && strcmp(scalar(v), "TracingPolicy"))
			err = fail(c, v,
				   "kind must be TracingPolicy, not \"%s\"",
				   scalar(v));
		return err;
	}
	if (!strcmp(key, "metadata"))
		return walk_map(c, v, "metadata", metadata_pair, obj);
	if (!strcmp(key, "spec"))
		return walk_map(c, v, "spec", spec_pair, obj);
	return -ENOENT;
}

static int parse_doc(struct pctx *c)
{
	yaml_node_t *root = yaml_document_get_root_node(c->doc);
	const struct pol_mark start = { 1, 1 };
	int err;

	if (!root)
		return fail_at(c, start,
			       "empty file: expected a TracingPolicy");
	err = walk_map(c, root, "the document", top_pair, c->p);
	if (err)
		return err;
	if (!c->p->name[0])
		return fail(c, root, "metadata.name is required");
	if (!c->p->nhooks)
		return fail(c, root,
			    "spec needs kprobes, tracepoints or "
			    "lsmhooks");
	return policy_validate(c->p, c->err, c->errlen);
}

/* libyaml's own error, at the position it stopped. */
static int yaml_fail(struct pctx *c, const yaml_parser_t *parser)
{
	struct pol_mark m = { (int)parser->problem_mark.line + 1,
			      (int)parser->problem_mark.column + 1 };

	return fail_at(c, m, "YAML: %s",
		       parser->problem ? parser->problem : "malformed input");
}

int policy_parse(const char *text, size_t len, const char *file,
		 struct policy **out, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct pctx c = { &doc, file ? file : "<policy>", err, errlen, NULL };
	int ret;

	*out = NULL;
	c.p = calloc(1, sizeof(*c.p));
	if (!c.p)
		return -ENOMEM;
	c.p->file = strdup(c.file);
	if (!c.p->file || !yaml_parser_initialize(&parser)) {
		policy_free(c.p);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		ret = yaml_fail(&c, &parser);
		yaml_parser_delete(&parser);
		policy_free(c.p);
		return ret;
	}
	ret = parse_doc(&c);
	if (!ret) {
		/* one policy per file keeps apply's atomicity per file simple */
		yaml_document_t next;

		if (yaml_parser_load(&parser, &next)) {
			yaml_node_t *r = yaml_document_get_root_node(&next);

			if (r)
				ret = fail(&c, r, "one TracingPolicy per file");
			yaml_document_delete(&next);
		} else {
			ret = yaml_fail(&c, &parser);
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (ret) {
		policy_free(c.p);
		return ret;
	}
	*out = c.p;
	return 0;
}

int policy_parse_file(const char *path, struct policy **out, char *err,
		      size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, len = 0, n;
	int ret;

	*out = NULL;
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	do {
		if (len + 4096 > cap) {
			char *nb = realloc(buf, cap = cap * 2 + 8192);

			if (!nb) {
				ret = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0 && len < (1 << 20));
	if (len >= (1 << 20)) {
		snprintf(err, errlen, "%s: larger than 1 MiB", path);
		ret = -EFBIG;
		goto out;
	}
	ret = policy_parse(buf, len, path, out, err, errlen);
out:
	free(buf);
	fclose(f);
	return ret;
}

static void match_free(struct pol_match *m)
{
	for (int i = 0; i < m->nvalues; i++)
		free(m->values[i]);
	free(m->values);
	free(m->ns);
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->nhooks; i++) {
		struct pol_hook *h = &p->hooks[i];

		free(h->call);
		for (int j = 0; j < h->ncalls; j++)
			free(h->calls[j]);
		for (int j = 0; j < h->nselectors; j++) {
			struct pol_selector *s = &h->selectors[j];

			for (int a = 0; a < s->nargs; a++)
				match_free(&s->args[a]);
			for (int a = 0; a < s->nnamespaces; a++)
				match_free(&s->namespaces[a]);
			match_free(&s->binaries);
			match_free(&s->pids);
			match_free(&s->sandboxes);
		}
	}
	for (int i = 0; i < p->nlists; i++) {
		free(p->lists[i].name);
		for (int j = 0; j < p->lists[i].nvalues; j++)
			free(p->lists[i].values[j]);
		free(p->lists[i].values);
	}
	free(p->file);
	free(p);
}
