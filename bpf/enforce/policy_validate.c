// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforce/hooks.h"
#include "enforce/policy_validate.h"

#define BIN_PATH_MAX 240 /* the kernel keeps binary paths in 240 bytes */
#define PATH_MAX_LEN 239 /* protected paths are matched in 240-byte keys */
#define MAX_PIDS 8
#define MAX_PORTS 8
#define MAX_NS 4
#define MAX_SANDBOXES 4

struct vctx {
	const struct policy *p;
	char *err;
	size_t errlen;
};

static int bad(struct vctx *c, struct pol_mark m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct vctx *c, struct pol_mark m, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(c->err, c->errlen, "%s:%d:%d: ", c->p->file, m.line,
			 m.col);

	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int pol_parse_cidr4(const char *s, uint32_t *addr, int *plen)
{
	char buf[32], *slash, *end;
	struct in_addr a;
	long l = 32;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		l = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || l < 0 || l > 32)
			return -EINVAL;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	/* host bits set ("10.0.0.1/8") are almost always a typo */
	if (l < 32 && l > 0 && (ntohl(a.s_addr) & ((1u << (32 - l)) - 1)))
		return -EINVAL;
	if (l == 0 && a.s_addr)
		return -EINVAL;
	*addr = a.s_addr;
	*plen = (int)l;
	return 0;
}

static bool is_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	if (out)
		*out = v;
	return true;
}

static enum pol_arg_type arg_type(const struct pol_hook *h, int idx)
{
	return idx >= 0 && idx < POL_MAX_ARGS ? h->arg_types[idx] :
						POL_ARG_NONE;
}

static bool is_file_type(enum pol_arg_type t)
{
	return t == POL_ARG_FILE || t == POL_ARG_FD || t == POL_ARG_PATH ||
	       t == POL_ARG_STRING || t == POL_ARG_CHAR_BUF;
}

const struct pol_match *pol_file_match(const struct pol_hook *h,
				       const struct pol_selector *s)
{
	for (int i = 0; i < s->nargs; i++)
		if (is_file_type(arg_type(h, s->args[i].index)) &&
		    (s->args[i].op == POL_OP_EQUAL ||
		     s->args[i].op == POL_OP_PREFIX))
			return &s->args[i];
	return NULL;
}

const struct pol_match *pol_net_match(const struct pol_selector *s,
				      enum pol_op op1, enum pol_op op2)
{
	for (int i = 0; i < s->nargs; i++)
		if (s->args[i].op == op1 || s->args[i].op == op2)
			return &s->args[i];
	return NULL;
}

int pol_hook_class(const struct pol_hook *h, const char *call)
{
	struct enf_call ec;
	char why[8];

	if (enf_call_resolve(h, call, &ec, why, sizeof(why)))
		return -EINVAL;
	/* a syscall with a path filter on its fd/path argument protects files */
	if (ec.cls == ENF_SYSCALL && ec.sc &&
	    (ec.sc->kind & (ENF_SC_FD | ENF_SC_PATH)))
		for (int i = 0; i < h->nselectors; i++)
			if (pol_file_match(h, &h->selectors[i]))
				return ENF_FILE;
	return ec.cls;
}

static int check_file_arg(struct vctx *c, const struct pol_match *m, int cls)
{
	if (cls != ENF_FILE)
		return bad(c, m->mark,
			   "%s on a path argument only works on file hooks "
			   "and fd/path syscalls here",
			   pol_op_name(m->op));
	if (m->op != POL_OP_EQUAL && m->op != POL_OP_PREFIX)
		return bad(c, m->mark,
			   "operator %s is not supported on files: bpflab "
			   "protects a set of inodes, so only Equal and "
			   "Prefix (which name files) can be enforced",
			   pol_op_name(m->op));
	for (int i = 0; i < m->nvalues; i++)
		if (m->values[i][0] != '/' ||
		    strlen(m->values[i]) > PATH_MAX_LEN)
			return bad(c, m->mark,
				   "\"%s\" must be an absolute path of at most "
				   "%d bytes",
				   m->values[i], PATH_MAX_LEN);
	return 0;
}

static int check_int_arg(struct vctx *c, const struct pol_hook *h,
			 const struct pol_match *m, int cls)
{
	long v;

	/* security_file_permission's mask: bpflab enforces MAY_WRITE only */
	if (cls == ENF_FILE && m->index == 1 && m->op == POL_OP_EQUAL) {
		for (int i = 0; i < m->nvalues; i++)
			if (!is_int(m->values[i], 0, 0xffff, &v) || v != 2)
				return bad(
					c, m->mark,
					"only the MAY_WRITE mask (2) can be "
					"enforced; reads are not hooked, not "
					"\"%s\"",
					m->values[i]);
		return 0;
	}
	(void)h;
	return bad(c, m->mark,
		   "%s on an integer argument is not supported on this hook",
		   pol_op_name(m->op));
}

static int check_net_arg(struct vctx *c, const struct pol_match *m, int cls)
{
	uint32_t a;
	int plen;
	long v;

	if (cls != ENF_CONNECT)
		return bad(c, m->mark, "%s needs a connect/sendto hook",
			   pol_op_name(m->op));
	switch (m->op) {
	case POL_OP_DADDR:
	case POL_OP_NOT_DADDR:
		for (int i = 0; i < m->nvalues; i++)
			if (pol_parse_cidr4(m->values[i], &a, &plen))
				return bad(c, m->mark,
					   "bad CIDR \"%s\" (IPv4 a.b.c.d/n "
					   "with no host bits set)",
					   m->values[i]);
		return 0;
	case POL_OP_DPORT:
	case POL_OP_NOT_DPORT:
		if (m->nvalues > MAX_PORTS)
			return bad(c, m->mark, "at most %d ports", MAX_PORTS);
		for (int i = 0; i < m->nvalues; i++)
			if (!is_int(m->values[i], 0, 65535, &v))
				return bad(c, m->mark, "bad port \"%s\"",
					   m->values[i]);
		return 0;
	default:
		return bad(c, m->mark,
			   "operator %s is not supported on sockaddr (DAddr, "
			   "NotDAddr, DPort, NotDPort are)",
			   pol_op_name(m->op));
	}
}

static int check_args(struct vctx *c, const struct pol_hook *h,
		      const struct pol_selector *s, int cls)
{
	int err = 0, nfile = 0;

	for (int i = 0; i < s->nargs && !err; i++) {
		const struct pol_match *m = &s->args[i];
		enum pol_arg_type t = arg_type(h, m->index);

		if (t == POL_ARG_NONE)
			return bad(c, m->mark,
				   "matchArgs index %d is not declared in args",
				   m->index);
		if (is_file_type(t)) {
			err = check_file_arg(c, m, cls);
			nfile++;
		} else if (t == POL_ARG_SOCKADDR || t == POL_ARG_SOCK) {
			err = check_net_arg(c, m, cls);
		} else if (t == POL_ARG_INT || t == POL_ARG_UINT64 ||
			   t == POL_ARG_SIZE_T) {
			err = check_int_arg(c, h, m, cls);
		} else {
			err = bad(c, m->mark,
				  "matchArgs on a %s argument is not supported",
				  pol_arg_type_name(t));
		}
	}
	if (!err && nfile > 1)
		err = bad(c, s->mark, "one path matchArgs per selector");
	if (!err && cls == ENF_FILE && !pol_file_match(h, s))
		err = bad(c, s->mark,
			  "a file hook needs matchArgs Equal or Prefix on "
			  "its file argument: without BPF-LSM, bpflab "
			  "protects named inodes, not every file");
	return err;
}

static int check_selector(struct vctx *c, const struct pol_hook *h,
			  struct pol_selector *s, int cls)
{
	const struct pol_match *m;
	long v;
	int err = check_args(c, h, s, cls);

	if (err)
		return err;
	m = &s->binaries;
	if (m->op != POL_OP_NONE) {
		if (m->op != POL_OP_IN && m->op != POL_OP_NOT_IN &&
		    m->op != POL_OP_PREFIX)
			return bad(c, m->mark,
				   "matchBinaries supports In, NotIn and "
				   "Prefix, not %s",
				   pol_op_name(m->op));
		for (int i = 0; i < m->nvalues; i++)
			if (m->values[i][0] != '/' ||
			    strlen(m->values[i]) >= BIN_PATH_MAX)
				return bad(c, m->mark,
					   "binary \"%s\" must be an absolute "
					   "path under %d bytes",
					   m->values[i], BIN_PATH_MAX);
	}
	m = &s->pids;
	if (m->op != POL_OP_NONE) {
		if (m->op != POL_OP_IN && m->op != POL_OP_NOT_IN)
			return bad(c, m->mark,
				   "matchPIDs supports In and NotIn");
		if (m->nvalues > MAX_PIDS)
			return bad(c, m->mark, "at most %d PIDs", MAX_PIDS);
		for (int i = 0; i < m->nvalues; i++)
			if (!is_int(m->values[i], 0, 4194304, &v))
				return bad(c, m->mark, "bad PID \"%s\"",
					   m->values[i]);
	}
	m = &s->sandboxes;
	if (m->op != POL_OP_NONE) {
		if (m->op != POL_OP_IN && m->op != POL_OP_NOT_IN)
			return bad(c, m->mark,
				   "matchSandboxes supports In and NotIn");
		if (m->nvalues > MAX_SANDBOXES)
			return bad(c, m->mark, "at most %d sandboxes",
				   MAX_SANDBOXES);
		for (int i = 0; i < m->nvalues; i++) {
			const char *n = m->values[i];

			if (!strcmp(n, "*") && m->op == POL_OP_IN &&
			    m->nvalues == 1)
				continue;
			if (!*n || strlen(n) > 64 || strchr(n, '/') ||
			    !strcmp(n, ".") || !strcmp(n, "..") || *n == '*')
				return bad(
					c, m->mark,
					"bad sandbox name \"%s\" (a name, or "
					"\"*\" alone with In)",
					n);
		}
	}
	for (int i = 0; i < s->nnamespaces; i++) {
		m = &s->namespaces[i];
		if (strcmp(m->ns, "Pid") && strcmp(m->ns, "Mnt") &&
		    strcmp(m->ns, "Net"))
			return bad(
				c, m->mark,
				"namespace \"%s\" is not supported (Pid, Mnt, "
				"Net are)",
				m->ns);
		if (m->op != POL_OP_IN && m->op != POL_OP_NOT_IN)
			return bad(c, m->mark,
				   "matchNamespaces supports In and NotIn");
		if (m->nvalues > MAX_NS)
			return bad(c, m->mark, "at most %d namespaces", MAX_NS);
		for (int j = 0; j < m->nvalues; j++)
			if (strcmp(m->values[j], "host_ns") &&
			    !is_int(m->values[j], 1, 0xffffffffL, NULL))
				return bad(c, m->mark,
					   "namespace value \"%s\" must be an "
					   "inode number or host_ns",
					   m->values[j]);
	}
	if (s->nnamespaces > 1)
		return bad(c, s->mark,
			   "one matchNamespaces entry per selector");
	if (!s->actions)
		s->actions = POL_ACT_POST; /* upstream's default */
	if (s->actions & POL_ACT_OVERRIDE) {
		if (cls != ENF_CONNECT)
			return bad(c, s->mark,
				   "Override cannot be carried out on \"%s\" "
				   "here: no BPF-LSM or bpf_override_return on "
				   "this host, so only connect/sendto can be "
				   "denied (cgroup hooks); use Sigkill",
				   h->call);
		if (s->arg_error && s->arg_error != -1)
			return bad(c, s->mark,
				   "cgroup hooks can only fail with EPERM "
				   "(argError: -1), not %d",
				   s->arg_error);
		s->arg_error = -1;
	}
	if ((s->actions & POL_ACT_SIGNAL) && !s->arg_sig)
		return bad(c, s->mark, "Signal needs argSig");
	if ((s->actions & POL_ACT_POST) && (s->actions & POL_ACT_NOPOST))
		return bad(c, s->mark, "Post and NoPost together");
	return 0;
}

static int expand_calls(struct vctx *c, struct pol_hook *h)
{
	const struct pol_list *l = NULL;

	if (strncmp(h->call, "list:", 5)) {
		h->calls[0] = strdup(h->call);
		h->ncalls = 1;
		return h->calls[0] ? 0 : -ENOMEM;
	}
	for (int i = 0; i < c->p->nlists; i++)
		if (!strcmp(c->p->lists[i].name, h->call + 5))
			l = &c->p->lists[i];
	if (!l)
		return bad(c, h->mark, "no list named \"%s\" in spec.lists",
			   h->call + 5);
	if (l->nvalues > POL_MAX_CALLS)
		return bad(c, h->mark, "list \"%s\" has more than %d calls",
			   l->name, POL_MAX_CALLS);
	for (int i = 0; i < l->nvalues; i++) {
		h->calls[i] = strdup(l->values[i]);
		if (!h->calls[i])
			return -ENOMEM;
		h->ncalls = i + 1;
	}
	return 0;
}

int policy_validate(struct policy *p, char *err, size_t errlen)
{
	struct vctx c = { p, err, errlen };
	char why[256];
	int ret;

	for (int i = 0; i < p->nhooks; i++) {
		struct pol_hook *h = &p->hooks[i];
		struct enf_call ec;
		int cls = 0;

		ret = expand_calls(&c, h);
		if (ret)
			return ret;
		for (int j = 0; j < h->ncalls; j++) {
			int k;

			if (enf_call_resolve(h, h->calls[j], &ec, why,
					     sizeof(why)))
				return bad(&c, h->mark, "%s", why);
			k = pol_hook_class(h, h->calls[j]);
			if (cls && k != cls)
				return bad(
					&c, h->mark,
					"the calls of one hook must be of one "
					"kind (file, syscall or connect)");
			cls = k;
		}
		if (!h->nselectors)
			return bad(&c, h->mark,
				   "a hook needs at least one selector with "
				   "matchActions: an unfiltered hook would "
				   "post every call");
		for (int j = 0; j < h->nselectors; j++) {
			ret = check_selector(&c, h, &h->selectors[j], cls);
			if (ret)
				return ret;
		}
	}
	return 0;
}
