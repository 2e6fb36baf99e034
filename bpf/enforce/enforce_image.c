// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "enforce/enforce_image.h"
#include "enforce/hooks.h"
#include "enforce/policy_validate.h"
#include "lab/sandbox/sandbox.h"
#include "util/paths.h"

#define MAX_FILES_PER_PREFIX 4096
#define MAX_ROOTS 64
#define ROOT_LEN 40 /* "/proc/<pid>/root" */

struct build {
	struct enf_image *img;
	struct policy *const *pols;
	const uint32_t *host_ns;
	char *err;
	size_t errlen;
	/*
	 * Where a protected path is resolved: the host ("") and every live
	 * sandbox as its own processes see it, "/proc/<init pid>/root": a
	 * sandbox's /etc/passwd is another inode (its overlayfs).
	 */
	char roots[MAX_ROOTS][ROOT_LEN];
	uint64_t root_sbx[MAX_ROOTS]; /* the sandbox's cgroup id; 0 = host */
	int nroots;
};

/* The host plus every sandbox with a state file and a live init. */
static void find_roots(struct build *b)
{
	struct sandbox *sbs = NULL;
	int n = 0;

	b->roots[0][0] = '\0';
	b->root_sbx[0] = 0;
	b->nroots = 1;
	if (sandbox_list(&sbs, &n))
		return;
	for (int i = 0; i < n && b->nroots < MAX_ROOTS; i++)
		/* a vm's files live in its guest, which enforces for itself */
		if (sbs[i].init_pid > 0 && sandbox_alive(&sbs[i]) &&
		    strcmp(sbs[i].kind, "vm")) {
			b->root_sbx[b->nroots] = sbs[i].cgroup_id;
			snprintf(b->roots[b->nroots++], ROOT_LEN,
				 "/proc/%d/root", (int)sbs[i].init_pid);
		}
	free(sbs);
}

static int berr(struct build *b, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int berr(struct build *b, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->err, b->errlen, fmt, ap);
	va_end(ap);
	return ret;
}

uint32_t enf_kdev(uint64_t st_dev)
{
	return (major(st_dev) << 20) | minor(st_dev);
}

/* ---- tables ---------------------------------------------------------------- */

static void table_init(struct enf_table *t, size_t key_size)
{
	memset(t, 0, sizeof(*t));
	t->key_size = key_size;
}

static void table_free(struct enf_table *t)
{
	free(t->recs);
	free(t->keys);
	free(t->sets);
	table_init(t, t->key_size);
}

static int table_push(struct enf_table *t, const void *key, uint32_t id)
{
	size_t rs = t->key_size + sizeof(uint32_t);

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		uint8_t *nr = realloc(t->recs, cap * rs);

		if (!nr)
			return -ENOMEM;
		t->recs = nr;
		t->cap = cap;
	}
	memcpy(t->recs + t->n * rs, key, t->key_size);
	memcpy(t->recs + t->n * rs + t->key_size, &id, sizeof(id));
	t->n++;
	return 0;
}

static int cmp_rec(const void *a, const void *b, void *ksz)
{
	size_t ks = *(size_t *)ksz;
	int c = memcmp(a, b, ks);
	uint32_t x, y;

	if (c)
		return c;
	memcpy(&x, (const uint8_t *)a + ks, sizeof(x));
	memcpy(&y, (const uint8_t *)b + ks, sizeof(y));
	return x < y ? -1 : x > y;
}

static int set_add(struct enf_set *s, uint32_t id)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (s->ids[i] == id)
			return 0;
	if (s->n >= ENF_SET_MAX)
		return -E2BIG;
	s->ids[s->n++] = id;
	return 0;
}

/* Sort the pushed pairs and merge equal keys into rule sets. */
static int table_finish(struct enf_table *t)
{
	size_t rs = t->key_size + sizeof(uint32_t), ks = t->key_size, m = 0;

	if (!t->n)
		return 0;
	qsort_r(t->recs, t->n, rs, cmp_rec, &ks);
	t->keys = malloc(t->n * ks);
	t->sets = calloc(t->n, sizeof(*t->sets));
	if (!t->keys || !t->sets)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		const uint8_t *r = t->recs + i * rs;
		uint32_t id;

		memcpy(&id, r + ks, sizeof(id));
		if (!m || memcmp(t->keys + (m - 1) * ks, r, ks)) {
			memcpy(t->keys + m * ks, r, ks);
			m++;
		}
		if (set_add(&t->sets[m - 1], id))
			return -E2BIG;
	}
	free(t->recs);
	t->recs = NULL;
	t->n = m;
	t->cap = 0;
	return 0;
}

static int cmp_key(const void *a, const void *b, void *ksz)
{
	return memcmp(a, b, *(size_t *)ksz);
}

long enf_table_find(const struct enf_table *t, const void *key)
{
	size_t lo = 0, hi = t->n, ks = t->key_size;

	if (!t->keys)
		return -1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = cmp_key(key, t->keys + mid * ks, &ks);

		if (!c)
			return (long)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/*
 * An LPM lookup returns the longest prefix only, so every prefix's set also
 * carries the rules of the shorter prefixes that contain it.
 */
static int net_fold_covering(struct enf_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct enf_net_key k;

		memcpy(&k, t->keys + i * sizeof(k), sizeof(k));
		for (int p = (int)k.prefixlen - 1; p >= 0; p--) {
			struct enf_net_key a = { (uint32_t)p, 0 };
			long j;

			if (p)
				a.addr = htonl(ntohl(k.addr) &
					       ~((1ull << (32 - p)) - 1));
			j = enf_table_find(t, &a);
			if (j < 0)
				continue;
			for (uint32_t x = 0; x < t->sets[j].n; x++)
				if (set_add(&t->sets[i], t->sets[j].ids[x]))
					return -E2BIG;
		}
	}
	return 0;
}

/* ---- files ------------------------------------------------------------------ */

static int add_dir(struct enf_image *img, const char *dir)
{
	for (int i = 0; i < img->ndirs; i++)
		if (!strcmp(img->dirs[i], dir))
			return 0;
	if (img->ndirs == img->capdirs) {
		int cap = img->capdirs ? img->capdirs * 2 : 16;
		char **nd = realloc(img->dirs, cap * sizeof(*nd));

		if (!nd)
			return -ENOMEM;
		img->dirs = nd;
		img->capdirs = cap;
	}
	img->dirs[img->ndirs] = strdup(dir);
	return img->dirs[img->ndirs++] ? 0 : -ENOMEM;
}

/* The parent directory of root+path: its (inode, name) key and its watch. */
static int protect_dir_name(struct build *b, const char *root, const char *path,
			    uint32_t id)
{
	char dir[ROOT_LEN + ENF_NAME_LEN], *slash;
	struct enf_path_key pk = {};
	struct stat dst;
	int err;

	snprintf(dir, sizeof(dir), "%s%s", root, path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	if (stat(*dir ? dir : "/", &dst))
		return 0;
	pk.dir_ino = dst.st_ino;
	pk.dir_dev = enf_kdev(dst.st_dev);
	snprintf(pk.name, sizeof(pk.name), "%s", slash + 1);
	err = table_push(&b->img->paths, &pk, id);
	return err ? err : add_dir(b->img, *dir ? dir : "/");
}

static int add_file(struct enf_image *img, const char *path,
		    const struct enf_inode_key *ik, bool guard_open,
		    bool immutable, int policy)
{
	for (int i = 0; i < img->nfiles; i++)
		if (img->files[i].ino == ik->ino &&
		    img->files[i].dev == ik->dev) {
			img->files[i].guard_open |= guard_open;
			img->files[i].immutable |= immutable;
			return 0;
		}
	if (img->nfiles == img->capfiles) {
		int cap = img->capfiles ? img->capfiles * 2 : 64;
		struct enf_file *nf = realloc(img->files, cap * sizeof(*nf));

		if (!nf)
			return -ENOMEM;
		img->files = nf;
		img->capfiles = cap;
	}
	img->files[img->nfiles] = (struct enf_file){
		.path = strdup(path),
		.ino = ik->ino,
		.dev = ik->dev,
		.guard_open = guard_open,
		.immutable = immutable,
		.policy = policy,
	};
	return img->files[img->nfiles++].path ? 0 : -ENOMEM;
}

/*
 * One protected path under one root: its directory name key and, if it is
 * a regular file, its inode. A file the policy keeps from being written in
 * enforce mode (immutable) also puts the rule under inode 0, which the
 * sys_exit hook consults for refused write-opens.
 */
static int protect_in_root(struct build *b, const char *root, const char *path,
			   uint32_t id, bool guard_open, bool immutable,
			   int policy)
{
	char full[ROOT_LEN + ENF_NAME_LEN];
	struct enf_inode_key ik = {};
	struct stat st;
	int err;

	err = protect_dir_name(b, root, path, id);
	if (err)
		return err;
	snprintf(full, sizeof(full), "%s%s", root, path);
	if (stat(full, &st) || !S_ISREG(st.st_mode))
		return 0; /* named but absent: the name keys still catch rename onto it */
	ik.ino = st.st_ino;
	ik.dev = enf_kdev(st.st_dev);
	err = table_push(&b->img->inodes, &ik, id);
	if (!err && immutable && guard_open) {
		struct enf_inode_key any = {};

		err = table_push(&b->img->inodes, &any, id);
	}
	return err ? err :
		     add_file(b->img, full, &ik, guard_open, immutable, policy);
}

/*
 * The immutable flag is per inode, not per process: set it only on the
 * copies that processes in the rule's sandbox scope see (a policy for three
 * lab sandboxes must not freeze the host's /etc/passwd).
 */
static bool root_in_scope(const struct enf_rule *r, uint64_t sbx)
{
	bool in = false;

	if (r->flags & ENF_R_SBX_ANY)
		return sbx != 0;
	if (!(r->flags & (ENF_R_SBX_IN | ENF_R_SBX_NOTIN)))
		return true;
	for (uint32_t i = 0; i < r->nsbx; i++)
		in |= sbx && r->sbx[i] == sbx;
	return (r->flags & ENF_R_SBX_IN) ? in : !in;
}

/* One protected path: its absolute name, then its inode in every root. */
static int protect_path(struct build *b, const char *path, uint32_t id,
			const struct enf_rule *rule, bool guard_open,
			bool immutable, int policy)
{
	struct enf_path_key pk = {};
	int err;

	snprintf(pk.name, sizeof(pk.name), "%s", path);
	err = table_push(&b->img->paths, &pk, id);
	for (int r = 0; r < b->nroots && !err; r++)
		err = protect_in_root(
			b, b->roots[r], path, id, guard_open,
			immutable && root_in_scope(rule, b->root_sbx[r]),
			policy);
	return err;
}

/* Prefix: the existing files of root+dir whose name starts with base. */
static int protect_prefix_in(struct build *b, const char *root, const char *dir,
			     const char *base, uint32_t id, bool guard_open,
			     bool immutable, int policy)
{
	char rdir[ROOT_LEN + ENF_NAME_LEN], full[ENF_NAME_LEN + 256];
	size_t blen = strlen(base);
	struct enf_path_key pk;
	struct dirent *de;
	int err = 0, n = 0;
	DIR *d;

	snprintf(rdir, sizeof(rdir), "%s%s", root, *dir ? dir : "/");
	d = opendir(rdir);
	if (!d)
		return 0;
	while (!err && (de = readdir(d))) {
		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		if (strncmp(de->d_name, base, blen) != 0 ||
		    !strcmp(de->d_name, base))
			continue;
		if (++n > MAX_FILES_PER_PREFIX) {
			err = berr(
				b, -E2BIG,
				"Prefix \"%s/%s\" matches more than %d files",
				dir, base, MAX_FILES_PER_PREFIX);
			break;
		}
		snprintf(full, sizeof(full), "%s/%s", dir, de->d_name);
		if (strlen(full) >= ENF_NAME_LEN)
			continue;
		memset(&pk, 0, sizeof(pk));
		snprintf(pk.name, sizeof(pk.name), "%s", full);
		err = table_push(&b->img->paths, &pk, id);
		if (!err)
			err = protect_in_root(b, root, full, id, guard_open,
					      immutable, policy);
	}
	closedir(d);
	return err;
}

/* Equal names one file; Prefix every existing file of the directory whose name starts with it. */
static int protect_value(struct build *b, const struct pol_match *m,
			 const char *value, uint32_t id,
			 const struct enf_rule *rule, bool guard_open,
			 bool immutable, int policy)
{
	char dir[ENF_NAME_LEN];
	const char *base;
	int err = 0;

	if (m->op == POL_OP_EQUAL || value[strlen(value) - 1] != '/')
		err = protect_path(b, value, id, rule, guard_open, immutable,
				   policy);
	if (err || m->op == POL_OP_EQUAL)
		return err;
	snprintf(dir, sizeof(dir), "%s", value);
	*strrchr(dir, '/') = '\0';
	base = strrchr(value, '/') + 1;
	for (int r = 0; r < b->nroots && !err; r++)
		err = protect_prefix_in(
			b, b->roots[r], dir, base, id, guard_open,
			immutable && root_in_scope(rule, b->root_sbx[r]),
			policy);
	return err;
}

/* ---- rules ----------------------------------------------------------------- */

static void nr_set(struct enf_rule *r, int nr)
{
	if (nr >= 0 && nr < ENF_MAX_NR)
		r->nr_mask[nr >> 6] |= 1ull << (nr & 63);
}

static int sandbox_id(struct build *b, const char *name, uint64_t *id)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", BL_CGROUP_DIR, name);
	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return berr(b, -ENOENT,
			    "no sandbox named \"%s\" (%s does not exist)", name,
			    path);
	*id = st.st_ino;
	return 0;
}

static int fill_selectors(struct build *b, const struct pol_selector *s,
			  struct enf_rule *r, uint32_t id)
{
	const struct pol_match *m;
	int err;

	r->flags |= s->actions & POL_ACT_SIGKILL ? ENF_R_SIGKILL : 0;
	r->flags |= s->actions & POL_ACT_OVERRIDE ? ENF_R_OVERRIDE : 0;
	r->flags |= s->actions & POL_ACT_SIGNAL ? ENF_R_SIGNAL : 0;
	r->flags |= s->actions & POL_ACT_NOPOST ? ENF_R_NOPOST : 0;
	r->sig = (uint32_t)s->arg_sig;
	m = &s->binaries;
	if (m->op != POL_OP_NONE) {
		r->flags |=
			m->op == POL_OP_NOT_IN ? ENF_R_BIN_NOTIN : ENF_R_BIN_IN;
		for (int i = 0; i < m->nvalues; i++) {
			struct enf_bin_key k = { 0, htonl(id), {} };
			size_t len = strlen(m->values[i]);

			memcpy(k.path, m->values[i], len);
			/* exact names include the NUL, so "/bin/sh" ≠ "/bin/sh2" */
			k.prefixlen =
				32 + 8 * (uint32_t)(m->op == POL_OP_PREFIX ?
							    len :
							    len + 1);
			err = table_push(&b->img->bins, &k, id);
			if (err)
				return err;
		}
	}
	m = &s->pids;
	if (m->op != POL_OP_NONE) {
		r->flags |= m->op == POL_OP_IN ? ENF_R_PID_IN : ENF_R_PID_NOTIN;
		for (int i = 0; i < m->nvalues; i++)
			r->pids[r->npids++] =
				(uint32_t)strtoul(m->values[i], NULL, 0);
	}
	m = &s->sandboxes;
	if (m->op != POL_OP_NONE) {
		if (!strcmp(m->values[0], "*")) {
			r->flags |= ENF_R_SBX_ANY;
		} else {
			r->flags |= m->op == POL_OP_IN ? ENF_R_SBX_IN :
							 ENF_R_SBX_NOTIN;
			for (int i = 0; i < m->nvalues; i++) {
				uint64_t cg = 0;

				err = sandbox_id(b, m->values[i], &cg);
				if (err)
					return err;
				r->sbx[r->nsbx++] = cg;
			}
		}
	}
	if (s->nnamespaces) {
		m = &s->namespaces[0];
		r->flags |= m->op == POL_OP_IN ? ENF_R_NS_IN : ENF_R_NS_NOTIN;
		r->ns_kind = !strcmp(m->ns, "Pid") ? ENF_NS_PID :
			     !strcmp(m->ns, "Mnt") ? ENF_NS_MNT :
						     ENF_NS_NET;
		for (int i = 0; i < m->nvalues; i++)
			r->ns_inum[r->nns++] =
				!strcmp(m->values[i], "host_ns") ?
					b->host_ns[r->ns_kind - 1] :
					(uint32_t)strtoul(m->values[i], NULL,
							  0);
	}
	m = pol_net_match(s, POL_OP_DPORT, POL_OP_NOT_DPORT);
	if (m) {
		r->flags |= m->op == POL_OP_DPORT ? ENF_R_PORT_IN :
						    ENF_R_PORT_NOTIN;
		for (int i = 0; i < m->nvalues; i++)
			r->ports[r->nports++] =
				(uint16_t)strtoul(m->values[i], NULL, 0);
	}
	return 0;
}

static int add_net_keys(struct build *b, const struct pol_selector *s,
			struct enf_rule *r, uint32_t id)
{
	const struct pol_match *m =
		pol_net_match(s, POL_OP_DADDR, POL_OP_NOT_DADDR);
	struct enf_net_key any = { 0, 0 };
	int err = 0, plen;
	uint32_t a;

	if (!m || m->op == POL_OP_NOT_DADDR) {
		err = table_push(&b->img->net, &any, id);
		if (err || !m)
			return err;
		r->flags |= ENF_R_ADDR_NOTIN;
		for (int i = 0; i < m->nvalues && !err; i++) {
			struct enf_excl_key k;

			pol_parse_cidr4(m->values[i], &a, &plen);
			k = (struct enf_excl_key){ 32 + (uint32_t)plen,
						   htonl(id), a };
			err = table_push(&b->img->excl, &k, id);
		}
		return err;
	}
	for (int i = 0; i < m->nvalues && !err; i++) {
		struct enf_net_key k;

		pol_parse_cidr4(m->values[i], &a, &plen);
		k = (struct enf_net_key){ (uint32_t)plen, a };
		err = table_push(&b->img->net, &k, id);
	}
	return err;
}

static void sc_need(struct enf_image *img, const struct enf_syscall *sc,
		    unsigned kind)
{
	struct enf_sc *d;

	if (!sc || sc->nr < 0 || sc->nr >= ENF_MAX_NR)
		return;
	d = &img->sc[sc->nr];
	if (!d->kind) {
		d->fd_arg = sc->fd_arg;
		d->path_arg[0] = sc->path_arg[0];
		d->path_arg[1] = sc->path_arg[1];
		d->dfd_arg[0] = sc->dfd_arg[0];
		d->dfd_arg[1] = sc->dfd_arg[1];
		d->addr_arg = sc->addr_arg;
	}
	d->kind |= kind & sc->kind;
}

static int new_rule(struct build *b, struct enf_rule **out, uint32_t *id)
{
	struct enf_image *img = b->img;

	/* the error is returned apart: clang's analyzer does not follow the
	 * variadic berr() and would take the failure for a new rule */
	if (img->nrules >= ENF_MAX_RULES / 2) {
		berr(b, -E2BIG, "more than %d selectors in all policies",
		     ENF_MAX_RULES / 2);
		return -E2BIG;
	}
	if (img->nrules == img->caprules) {
		int cap = img->caprules ? img->caprules * 2 : 64;
		struct enf_rule *nr = realloc(img->rules, cap * sizeof(*nr));
		struct enf_rule_info *ni =
			realloc(img->info, cap * sizeof(*ni));

		if (nr)
			img->rules = nr;
		if (ni)
			img->info = ni;
		if (!nr || !ni)
			return -ENOMEM;
		img->caprules = cap;
	}
	*id = (img->first_id + (uint32_t)img->nrules) % ENF_MAX_RULES;
	*out = &img->rules[img->nrules];
	memset(*out, 0, sizeof(**out));
	img->nrules++;
	return 0;
}

static int build_selector(struct build *b, int pi, int hi, int si,
			  uint32_t hook_id, const char *call)
{
	const struct policy *p = b->pols[pi];
	const struct pol_hook *h = &p->hooks[hi];
	const struct pol_selector *s = &h->selectors[si];
	struct enf_image *img = b->img;
	const struct pol_match *fm;
	struct enf_rule *r = NULL;
	struct enf_call ec;
	char why[256];
	uint32_t id = 0;
	int cls = pol_hook_class(h, call), err;
	bool imm;

	err = enf_call_resolve(h, call, &ec, why, sizeof(why));
	if (err)
		return berr(b, err, "%s", why);
	err = new_rule(b, &r, &id);
	if (err)
		return err;
	img->info[img->nrules - 1] =
		(struct enf_rule_info){ pi, hi, si, call, cls };
	r->policy_id = (uint32_t)pi;
	r->hook_id = hook_id;
	r->flags = p->monitor ? ENF_R_MONITOR : 0;
	err = fill_selectors(b, s, r, id);
	if (err)
		return err;
	switch (cls) {
	case ENF_FILE: {
		const struct enf_syscall *fsc[32];
		int n = enf_file_syscalls(fsc, 32);

		if (ec.lsm_hook) {
			for (int i = 0; i < n; i++) {
				nr_set(r, fsc[i]->nr);
				sc_need(img, fsc[i], ENF_SC_FD | ENF_SC_PATH);
			}
			r->flags |= ENF_R_OPEN;
		} else {
			nr_set(r, ec.sc->nr);
			sc_need(img, ec.sc, ENF_SC_FD | ENF_SC_PATH);
		}
		fm = pol_file_match(h, s);
		/*
		 * enforce mode: the immutable flag keeps the bytes (see
		 * enforce_immutable.c). It stops every writer, so not for rules
		 * that kill only some: listed pids, binaries In, namespaces.
		 */
		imm = !p->monitor && (r->flags & ENF_R_OPEN) &&
		      (r->flags & (ENF_R_SIGKILL | ENF_R_OVERRIDE)) &&
		      !(r->flags &
			(ENF_R_PID_IN | ENF_R_PID_NOTIN | ENF_R_BIN_IN |
			 ENF_R_NS_IN | ENF_R_NS_NOTIN));
		/*
		 * The read lease only guards: in monitor mode it would change
		 * what writers see (an O_NONBLOCK opener, as shadow's useradd
		 * and vipw are, gets EWOULDBLOCK from a lease break), so
		 * monitor mode reports from the syscall hooks alone.
		 */
		for (int i = 0; i < fm->nvalues && !err; i++)
			err = protect_value(b, fm, fm->values[i], id, r,
					    (r->flags & ENF_R_OPEN) &&
						    !p->monitor,
					    imm, pi);
		break;
	}
	case ENF_CONNECT: {
		const struct enf_syscall *c = enf_syscall_by_name("connect");

		if (ec.sc && !ec.lsm_hook)
			c = ec.sc;
		nr_set(r, c->nr);
		sc_need(img, c, ENF_SC_NET);
		err = add_net_keys(b, s, r, id);
		break;
	}
	default: {
		uint32_t nr = (uint32_t)ec.sc->nr;

		nr_set(r, ec.sc->nr);
		sc_need(img, ec.sc, ENF_SC_PLAIN);
		err = table_push(&img->sc_rules, &nr, id);
		break;
	}
	}
	if (err == -E2BIG && !b->err[0])
		berr(b, err, "more than %d rules on one key", ENF_SET_MAX);
	return err;
}

void enf_image_init(struct enf_image *img)
{
	memset(img, 0, sizeof(*img));
	table_init(&img->inodes, sizeof(struct enf_inode_key));
	table_init(&img->paths, sizeof(struct enf_path_key));
	table_init(&img->net, sizeof(struct enf_net_key));
	table_init(&img->excl, sizeof(struct enf_excl_key));
	table_init(&img->bins, sizeof(struct enf_bin_key));
	table_init(&img->sc_rules, sizeof(uint32_t));
}

void enf_image_free(struct enf_image *img)
{
	table_free(&img->inodes);
	table_free(&img->paths);
	table_free(&img->net);
	table_free(&img->excl);
	table_free(&img->bins);
	table_free(&img->sc_rules);
	for (int i = 0; i < img->nfiles; i++)
		free(img->files[i].path);
	for (int i = 0; i < img->ndirs; i++)
		free(img->dirs[i]);
	free(img->files);
	free(img->dirs);
	free(img->rules);
	free(img->info);
	free(img->pstats);
	enf_image_init(img);
}

static uint64_t table_bytes(const struct enf_table *t, uint32_t policy,
			    const struct enf_image *img, unsigned *keys)
{
	uint64_t bytes = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct enf_set *s = &t->sets[i];

		for (uint32_t j = 0; j < s->n; j++) {
			uint32_t idx =
				(s->ids[j] + ENF_MAX_RULES - img->first_id) %
				ENF_MAX_RULES;

			if ((int)idx < img->nrules &&
			    img->rules[idx].policy_id == policy) {
				bytes += t->key_size + sizeof(*s);
				(*keys)++;
				break;
			}
		}
	}
	return bytes;
}

static int account(struct enf_image *img, int npols, struct policy *const *pols)
{
	img->pstats = calloc(npols ? npols : 1, sizeof(*img->pstats));
	if (!img->pstats)
		return -ENOMEM;
	img->npolicies = npols;
	for (int p = 0; p < npols; p++) {
		struct enf_policy_stats *ps = &img->pstats[p];
		const struct enf_table *tabs[] = {
			&img->inodes, &img->paths, &img->net,
			&img->excl,   &img->bins,  &img->sc_rules
		};

		for (int h = 0; h < pols[p]->nhooks; h++)
			ps->hooks += (unsigned)pols[p]->hooks[h].ncalls;
		for (int i = 0; i < img->nrules; i++)
			if (img->rules[i].policy_id == (uint32_t)p)
				ps->rules++;
		ps->kernel_bytes = ps->rules * sizeof(struct enf_rule);
		for (size_t t = 0; t < sizeof(tabs) / sizeof(tabs[0]); t++)
			ps->kernel_bytes += table_bytes(tabs[t], (uint32_t)p,
							img, &ps->keys);
	}
	return 0;
}

int enf_image_build(struct enf_image *img, struct policy *const *pols,
		    int npols, uint32_t first_id, const uint32_t host_ns[3],
		    char *err, size_t errlen)
{
	struct build b = { .img = img,
			   .pols = pols,
			   .host_ns = host_ns,
			   .err = err,
			   .errlen = errlen };
	struct stat st;
	uint32_t hook_id = 0;
	int ret = 0;

	err[0] = '\0';
	img->first_id = first_id % ENF_MAX_RULES;
	find_roots(&b);
	if (!stat(BL_CGROUP_DIR, &st))
		img->sbx_root_id = st.st_ino;
	for (int p = 0; p < npols && !ret; p++)
		for (int h = 0; h < pols[p]->nhooks && !ret; h++)
			for (int c = 0; c < pols[p]->hooks[h].ncalls && !ret;
			     c++, hook_id++)
				for (int s = 0;
				     s < pols[p]->hooks[h].nselectors && !ret;
				     s++)
					ret = build_selector(
						&b, p, h, s, hook_id,
						pols[p]->hooks[h].calls[c]);
	if (!ret)
		ret = table_finish(&img->inodes);
	if (!ret)
		ret = table_finish(&img->paths);
	if (!ret)
		ret = table_finish(&img->net);
	if (!ret)
		ret = net_fold_covering(&img->net);
	if (!ret)
		ret = table_finish(&img->excl);
	if (!ret)
		ret = table_finish(&img->bins);
	if (!ret)
		ret = table_finish(&img->sc_rules);
	if (ret == -E2BIG && !err[0])
		berr(&b, ret,
		     "more than %d rules share one file, path, "
		     "syscall or prefix",
		     ENF_SET_MAX);
	if (!ret)
		ret = account(img, npols, pols);
	if (ret && !err[0])
		berr(&b, ret, "%s", strerror(-ret));
	return ret;
}

const struct enf_file *enf_image_file(const struct enf_image *img, uint32_t dev,
				      uint64_t ino)
{
	for (int i = 0; i < img->nfiles; i++)
		if (img->files[i].ino == ino && img->files[i].dev == dev)
			return &img->files[i];
	return NULL;
}
