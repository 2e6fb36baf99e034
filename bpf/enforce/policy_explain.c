// SPDX-License-Identifier: GPL-2.0
/*
 * `bpflab policy explain`: for each hook, the mechanism this host uses and
 * what it cannot cover. The gaps are stated here, once, so that nobody has
 * to discover them from a missed attack.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "enforce/hooks.h"
#include "enforce/policy_explain.h"
#include "enforce/policy_validate.h"

static void print_match(FILE *f, const char *what, const struct pol_match *m)
{
	if (m->op == POL_OP_NONE)
		return;
	fprintf(f, "      %s %s%s%s:", what, m->ns ? m->ns : "",
		m->ns ? " " : "", pol_op_name(m->op));
	for (int i = 0; i < m->nvalues && i < 8; i++)
		fprintf(f, " %s", m->values[i]);
	if (m->nvalues > 8)
		fprintf(f, " ... (%d values)", m->nvalues);
	fprintf(f, "\n");
}

static void print_actions(FILE *f, const struct policy *p,
			  const struct pol_selector *s)
{
	fprintf(f, "      actions:%s%s%s%s%s%s\n",
		s->actions & POL_ACT_POST ? " Post" : "",
		s->actions & POL_ACT_NOPOST ? " NoPost" : "",
		s->actions & POL_ACT_SIGKILL ? " Sigkill" : "",
		s->actions & POL_ACT_OVERRIDE ? " Override(EPERM)" : "",
		s->actions & POL_ACT_SIGNAL ? " Signal" : "",
		p->monitor ? "  [monitor mode: posted only]" : "");
}

static void print_files(FILE *f, const struct pol_match *m)
{
	struct stat st;

	for (int i = 0; i < m->nvalues && i < 8; i++) {
		if (stat(m->values[i], &st))
			fprintf(f,
				"        %s: absent now (its name is still "
				"matched, so a rename onto it is caught)\n",
				m->values[i]);
		else
			fprintf(f, "        %s: inode %lu%s\n", m->values[i],
				(unsigned long)st.st_ino,
				m->op == POL_OP_PREFIX ?
					" (+ existing files starting with it)" :
					"");
	}
}

static void explain_file(FILE *f, const struct enf_call *ec, bool monitor)
{
	const struct enf_syscall *sc[32];
	int n = enf_file_syscalls(sc, 32);

	fprintf(f, "    mechanism: kill-before-effect (SIGKILL from the "
		   "syscall hook, bpf_send_signal)\n");
	if (ec->lsm_hook) {
		fprintf(f, "      fd writes → inode at raw sys_enter:");
		for (int i = 0; i < n; i++)
			if (sc[i]->kind & ENF_SC_FD)
				fprintf(f, " %s", sc[i]->name);
		fprintf(f, "\n      names at raw sys_enter:");
		for (int i = 0; i < n; i++)
			if (sc[i]->kind & ENF_SC_PATH)
				fprintf(f, " %s", sc[i]->name);
		fprintf(f,
			"\n      write-opens (O_WRONLY/O_RDWR/O_TRUNC by any "
			"name: symlink, hardlink, relative): the engine's "
			"read lease breaks, the opener is killed in "
			"break_lease_* before truncation\n");
		if (monitor)
			fprintf(f,
				"      monitor mode: no immutable flag, every "
				"write lands and is posted\n");
		else
			fprintf(f,
				"      deny before the operation (enforce mode): "
				"the engine sets the immutable flag "
				"(FS_IMMUTABLE_FL, chattr +i) on each protected "
				"file in the selector's sandbox scope (not for "
				"selectors limited by pids, binaries In or "
				"namespaces), journaled and cleared on delete, "
				"down or crash recovery; rename over it (sed -i, mv, "
				"useradd), unlink, link, truncate and write-opens "
				"fail with EPERM before anything changes. The "
				"caller is still killed: at sys_enter (rename, "
				"link, unlink, truncate by name); a refused "
				"write-open at sys_exit, in the kernel when the "
				"name it used is a protected one (absolute, or one "
				"component under its directory), else (a hardlink, "
				"a symlink, ../) stopped there and killed by the "
				"engine once the name resolves to a protected "
				"inode (mechanism \"immutable+sigkill\")\n"
				"      every sandbox's own copy of each path "
				"(/proc/<init pid>/root/...) is protected too, "
				"and sandboxes started later are picked up\n");
	} else {
		fprintf(f, "      only %s, matched at raw sys_enter (%s)\n",
			ec->sc->name,
			ec->sc->kind & ENF_SC_FD ? "fd → inode" : "by name");
	}
	fprintf(f,
		"    cannot cover here:\n"
		"      - writes through a shared mmap or io_uring (no "
		"syscall per write)\n"
		"      - names with several relative components "
		"(../etc/passwd, etc/passwd) or through a symlinked "
		"directory or /proc/PID/root in rename/link/unlink/chmod/"
		"chown/truncate(path) are not killed; fd writes and "
		"write-opens are still caught by inode, and in enforce "
		"mode the immutable flag refuses those calls anyway\n"
		"      - reads: only MAY_WRITE (2) is enforced\n"
		"      - a Prefix covers the files that exist at apply time "
		"and those later created in a watched directory (rebuilt "
		"on inotify, not instantly)\n"
		"      - after an allowed writer (monitor, NotIn binary) "
		"broke the lease, write-opens of that file are not stopped "
		"until it closes and the lease is re-armed (20 ms polls)\n"
		"      - monitor mode sets no flag: renames onto a protected "
		"name, chmod and chown land (and are posted)\n"
		"      - a write-open refused by the flag through another "
		"name than the protected one (a hardlink, a symlink, "
		"../) is killed by the engine (user space) while the "
		"process is stopped: if the engine dies or its ring "
		"buffer is full at that moment, the process stays "
		"stopped (the bytes are kept)\n");
}

static void explain_connect(FILE *f, const struct pol_hook *h)
{
	bool override = false, kill = false;

	for (int i = 0; i < h->nselectors; i++) {
		override |= !!(h->selectors[i].actions & POL_ACT_OVERRIDE);
		kill |= !!(h->selectors[i].actions & POL_ACT_SIGKILL);
	}
	fprintf(f, "    mechanism: %s%s%s\n",
		override ? "deny (cgroup connect4/sendmsg4 at the cgroup2 "
			   "root: EPERM before any packet)" :
			   "",
		override && kill ? " + " : "",
		kill	 ? "kill (sys_enter connect/sendto, sockaddr in an LPM "
			   "trie)" :
		override ? "" :
			   "post (sys_enter connect)");
	fprintf(f, "    cannot cover here:\n"
		   "      - IPv6 (connect6/sendmsg6 are not attached)\n"
		   "      - sendmsg(): its address is inside msghdr, so the "
		   "kill path does not see it (the cgroup deny does)\n"
		   "      - matchNamespaces cannot be checked in cgroup hooks "
		   "(no task helpers): such selectors do not deny\n");
}

static void explain_syscall(FILE *f, const struct enf_call *ec)
{
	fprintf(f,
		"    mechanism: kill-before-effect: raw sys_enter, syscall "
		"number → rule set (hash map), SIGKILL sent before the "
		"syscall body runs (%s)\n",
		ec->sc->name);
	fprintf(f, "    cannot cover here:\n"
		   "      - Override: no bpf_override_return or BPF-LSM, so "
		   "the call cannot fail instead\n"
		   "      - the call itself still runs with the kill pending; "
		   "calls that never check for a fatal signal (mount, "
		   "unshare, setns) may take effect just before the process "
		   "dies, and the effect dies with it unless it outlives the "
		   "process (a mount does)\n"
		   "      - matchArgs on integer arguments\n");
}

int policy_explain(const struct policy *p, FILE *f)
{
	fprintf(f, "policy %s (%s mode) from %s\n", p->name,
		p->monitor ? "monitor" : "enforce", p->file);
	for (int i = 0; i < p->nhooks; i++) {
		const struct pol_hook *h = &p->hooks[i];

		for (int c = 0; c < h->ncalls; c++) {
			struct enf_call ec;
			char why[256];
			int cls;

			if (enf_call_resolve(h, h->calls[c], &ec, why,
					     sizeof(why)))
				return -1; /* validated already */
			cls = pol_hook_class(h, h->calls[c]);
			if (c > 0 && cls == ENF_SYSCALL) {
				/* a list: the same mechanism and selectors as above */
				fprintf(f, "  hook %d.%d %s: as hook %d.1\n",
					i + 1, c + 1, h->calls[c], i + 1);
				continue;
			}
			fprintf(f, "\n  hook %d.%d %s %s (%s:%d)\n", i + 1,
				c + 1,
				h->kind == POL_TRACEPOINT ? "tracepoint" :
				h->kind == POL_LSMHOOK	  ? "lsmhook" :
							    "kprobe",
				h->calls[c], p->file, h->mark.line);
			if (ec.lsm_hook)
				fprintf(f, "    BPF-LSM does not load on this "
					   "host: mapped onto syscall hooks\n");
			if (cls == ENF_FILE)
				explain_file(f, &ec, p->monitor);
			else if (cls == ENF_CONNECT)
				explain_connect(f, h);
			else
				explain_syscall(f, &ec);
			for (int s = 0; s < h->nselectors; s++) {
				const struct pol_selector *sel =
					&h->selectors[s];
				const struct pol_match *fm =
					pol_file_match(h, sel);

				fprintf(f, "    selector %d (line %d)%s\n",
					s + 1, sel->mark.line,
					s ? ": only if the ones before it did "
					    "not match" :
					    "");
				for (int a = 0; a < sel->nargs; a++)
					print_match(f, "arg", &sel->args[a]);
				if (fm && cls == ENF_FILE)
					print_files(f, fm);
				print_match(f, "binaries", &sel->binaries);
				if (cls == ENF_FILE && !p->monitor &&
				    ec.lsm_hook &&
				    sel->binaries.op == POL_OP_NOT_IN)
					fprintf(f,
						"      trade-off: the immutable flag "
						"refuses every writer, the NotIn "
						"binaries too (they get EPERM, "
						"not a kill): to let one write, "
						"delete the policy (or apply it "
						"in monitor mode) while it runs\n");
				print_match(f, "pids", &sel->pids);
				print_match(f, "sandboxes", &sel->sandboxes);
				for (int a = 0; a < sel->nnamespaces; a++)
					print_match(f, "namespace",
						    &sel->namespaces[a]);
				if (sel->sandboxes.op != POL_OP_NONE)
					fprintf(f,
						"      sandbox = cgroup under "
						"/sys/fs/cgroup/unified/bpflab/, "
						"inherited at fork: leaving "
						"the cgroup does not escape\n");
				print_actions(f, p, sel);
			}
		}
	}
	return 0;
}
