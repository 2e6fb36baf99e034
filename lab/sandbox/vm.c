// SPDX-License-Identifier: GPL-2.0
/*
 * The "vm" sandbox kind: build the initramfs, define and start a transient
 * libvirt domain (type='qemu', TCG; KVM does not work here), start the
 * relay that holds its agent channel, and wait for the agent's hello. The
 * domain, the relay and the scratch directory are journaled with the
 * sandbox; a guest that does not say hello within VM_BOOT_TIMEOUT_S is an
 * error that leaves nothing behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "engine/journal.h"
#include "lab/sandbox/vm.h"
#include "lab/sandbox/vm_wire.h"
#include "util/log.h"
#include "util/paths.h"
#include "util/util.h"

#define VM_MEMORY_MIB 320
#define QEMU_BIN "/usr/bin/qemu-system-x86_64"

char *vm_path(char *buf, size_t size, const char *name, const char *file)
{
	snprintf(buf, size, "%s/vm/%s%s%s", bl_run_dir(), name, file ? "/" : "",
		 file ?: "");
	return buf;
}

static int vm_available(char *why, size_t len)
{
	char agent[PATH_MAX];

	if (access(QEMU_BIN, X_OK)) {
		snprintf(why, len,
			 "%s is missing (apt-get install qemu-system-x86)",
			 QEMU_BIN);
		return -ENOENT;
	}
	if (vm_agent_path(agent, sizeof(agent))) {
		snprintf(why, len,
			 "the guest agent %s is missing (make builds it)",
			 agent);
		return -ENOENT;
	}
	return 0;
}

static int domain_xml(const struct sandbox *sb, const struct vm_kernel *k,
		      char *xml, size_t size)
{
	char dir[512], tap[16];
	int n;

	vm_path(dir, sizeof(dir), sb->name, NULL);
	n = snprintf(
		xml, size,
		"<domain type='qemu'>\n"
		"  <name>" VM_DOMAIN_PREFIX "%s</name>\n"
		"  <memory unit='MiB'>%d</memory>\n"
		"  <vcpu>1</vcpu>\n"
		"  <os>\n"
		"    <type arch='x86_64' machine='q35'>hvm</type>\n"
		"    <kernel>%s</kernel>\n"
		"    <initrd>%s/initrd.cpio</initrd>\n"
		"    <cmdline>console=ttyS0 quiet panic=-1 mitigations=off bpflab.name=%s</cmdline>\n"
		"  </os>\n"
		"  <features><acpi/></features>\n"
		"  <on_poweroff>destroy</on_poweroff>\n"
		"  <on_reboot>destroy</on_reboot>\n"
		"  <on_crash>destroy</on_crash>\n"
		"  <devices>\n"
		"    <emulator>" QEMU_BIN "</emulator>\n"
		"    <serial type='file'><source path='%s/console.log'/><target port='0'/></serial>\n"
		"    <channel type='unix'>\n"
		"      <source mode='bind' path='%s/chan.sock'/>\n"
		"      <target type='virtio' name='org.bpflab.agent'/>\n"
		"    </channel>\n"
		"    <interface type='ethernet'>\n"
		"      <target dev='%s'/>\n"
		"      <model type='virtio'/>\n"
		"      <rom enabled='no'/>\n"
		"    </interface>\n"
		"    <memballoon model='none'/>\n"
		"  </devices>\n"
		"</domain>\n",
		sb->name, VM_MEMORY_MIB, k->vmlinuz, dir, sb->name, dir, dir,
		vm_tap_name(tap, sizeof(tap), sb->name));
	return n < 0 || (size_t)n >= size ? -E2BIG : 0;
}

/*
 * qemu's pid: its command line names the guest. (A private libvirtd keeps
 * its pid files in its own mount namespace, out of our sight.)
 */
static pid_t qemu_pid(const char *domain)
{
	char want[160], path[64], buf[4096];
	struct dirent *de;
	pid_t pid = 0;
	DIR *d = opendir("/proc");
	ssize_t n;

	snprintf(want, sizeof(want), "guest=%s,", domain);
	while (d && !pid && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/cmdline", de->d_name);
		n = read_file(path, buf, sizeof(buf));
		for (ssize_t i = 0; i + 1 < n; i++)
			if (!buf[i])
				buf[i] = ' ';
		if (n > 0 && strstr(buf, want) && strstr(buf, "qemu-system"))
			pid = (pid_t)strtol(de->d_name, NULL, 10);
	}
	if (d)
		closedir(d);
	return pid;
}

/*
 * "PID START DOMAIN": destroy the domain through libvirt when it answers,
 * and make sure its qemu is gone either way (a crashed libvirtd).
 */
static int undo_domain(const char *arg)
{
	unsigned long long want, start;
	char copy[256], why[256], *tok[4];
	virConnectPtr conn = NULL;
	const char *domain;
	virDomainPtr dom;
	int pid;

	snprintf(copy, sizeof(copy), "%s", arg);
	if (wire_split(copy, tok, 4) != 3)
		return -EINVAL;
	pid = wire_int(tok[0], -1);
	want = strtoull(tok[1], NULL, 10);
	domain = tok[2];
	if (!vm_libvirt_connect(&conn, why, sizeof(why))) {
		dom = virDomainLookupByName(conn, domain);
		if (dom) {
			virDomainDestroy(dom);
			virDomainFree(dom);
		}
		virConnectClose(conn);
	}
	if (pid > 1 && !proc_start_time(pid, &start) && start == want)
		kill(pid, SIGKILL);
	return 0;
}
JOURNAL_UNDO("vmdom", undo_domain, "libvirt domain (vm sandbox)");

/*
 * What the console says about why the guest did not come up: the lines of
 * /init, the agent and a panic when there are some, else its last bytes.
 */
static void console_tail(const struct sandbox *sb, char *out, size_t size)
{
	static const char *const telling[] = { "/init:", "bpflab-agent",
					       "Kernel panic", "not found" };
	char path[PATH_MAX], buf[16384], *line, *save = NULL;
	size_t used = 0;
	ssize_t n;

	vm_path(path, sizeof(path), sb->name, "console.log");
	n = read_file(path, buf, sizeof(buf));
	out[0] = 0;
	if (n <= 0)
		return;
	for (line = strtok_r(buf, "\r\n", &save); line && used + 1 < size;
	     line = strtok_r(NULL, "\r\n", &save))
		for (size_t i = 0; i < ARRAY_SIZE(telling); i++)
			if (strstr(line, telling[i])) {
				used += (size_t)snprintf(out + used,
							 size - used,
							 "  %.200s\n", line);
				break;
			}
	if (!used) {
		read_file(path, buf, sizeof(buf));
		snprintf(out, size, "%.300s", n > 300 ? buf + n - 300 : buf);
	}
}

static bool boot_async;
static void (*wait_hook)(void *ctx);
static void *wait_hook_ctx;

void vm_set_wait_hook(void (*fn)(void *ctx), void *ctx)
{
	wait_hook = fn;
	wait_hook_ctx = ctx;
}

void vm_boot_async(bool on)
{
	boot_async = on;
}

/*
 * Until the relay has the agent's hello, or the relay died (it exits when
 * the channel closes: qemu is gone, the guest powered off or panicked).
 */
int vm_wait_ready(const struct sandbox *sb)
{
	char hello[PATH_MAX], text[512], tail[1024], initrd[PATH_MAX];
	uint64_t t0 = now_mono_ns(), deadline;
	struct stat st;
	ssize_t n;

	/* the boot began when its initramfs was written */
	vm_path(initrd, sizeof(initrd), sb->name, "initrd.cpio");
	deadline = t0 + VM_BOOT_TIMEOUT_S * 1000000000ULL;
	if (!stat(initrd, &st)) {
		uint64_t age = now_real_ns() -
			       ((uint64_t)st.st_mtim.tv_sec * 1000000000ULL +
				(uint64_t)st.st_mtim.tv_nsec);

		deadline = age < deadline - t0 ? deadline - age : t0;
	}
	vm_path(hello, sizeof(hello), sb->name, "hello");
	for (;;) {
		n = read_file(hello, text, sizeof(text));
		if (n > 0)
			return 0;
		if (!sandbox_alive(sb)) {
			console_tail(sb, tail, sizeof(tail));
			pr_err("vm %s: the guest stopped before its agent connected; console ends:\n%s\n",
			       sb->name, tail);
			return -EIO;
		}
		if (now_mono_ns() >= deadline)
			break;
		if (wait_hook)
			wait_hook(wait_hook_ctx);
		else
			usleep(50000);
	}
	console_tail(sb, tail, sizeof(tail));
	pr_err("vm %s: the guest agent did not connect within %d s; console ends:\n%s\n",
	       sb->name, VM_BOOT_TIMEOUT_S, tail);
	return -ETIMEDOUT;
}

/* Where a boot's time went, in ns since vm_create began. */
struct boot_split {
	uint64_t t0, libvirt, image, domain;
};

/*
 * libvirtd probes qemu's capabilities before its first domain (seconds
 * under TCG, once per machine: the result is cached). Ask for them on a
 * thread while this one fetches the kernel and writes the initramfs.
 */
static void *warm_qemu_caps(void *arg)
{
	char *caps = virConnectGetDomainCapabilities(arg, QEMU_BIN, "x86_64",
						     "q35", "qemu", 0);

	free(caps);
	return NULL;
}

static void report_ready(const struct sandbox *sb, const struct boot_split *b)
{
	char hello[PATH_MAX], text[512], *tok[4];
	const char *kernel = "?", *lsm = "?";
	unsigned long up = 0;
	uint64_t now = now_mono_ns();
	ssize_t n;

	n = read_file(vm_path(hello, sizeof(hello), sb->name, "hello"), text,
		      sizeof(text));
	if (n <= 0)
		return;
	text[strcspn(text, "\n")] = 0;
	/* "KERNEL UPTIME_MS LSM WHY" */
	if (wire_split(text, tok, 4) >= 3) {
		kernel = tok[0];
		up = strtoul(tok[1], NULL, 10);
		lsm = tok[2];
	}
	pr_info("vm %s: agent ready after %.1f s (guest %s up %.1f s, enforcement %s)\n",
		sb->name, (now - b->t0) / 1e9, kernel, up / 1e3, lsm);
	pr_info("vm %s: libvirtd %.2f s, kernel+initramfs %.2f s (qemu probe "
		"alongside), domain start %.2f s, guest to agent hello %.2f s\n",
		sb->name, (b->libvirt - b->t0) / 1e9,
		(b->image - b->libvirt) / 1e9, (b->domain - b->image) / 1e9,
		(now - b->domain) / 1e9);
}

static int vm_create(struct sandbox *sb)
{
	char dir[512], initrd[PATH_MAX], agent[PATH_MAX],
		why[512] = "", domain[128], *xml = NULL;
	unsigned long long start = 0;
	virConnectPtr conn = NULL;
	virDomainPtr dom = NULL;
	struct boot_split split = { .t0 = now_mono_ns() };
	struct vm_kernel k;
	bool warming = false;
	pthread_t warm;
	pid_t qpid, relay;
	int err;

	vm_path(dir, sizeof(dir), sb->name, NULL);
	err = sandbox_journal(sb, journal_record("tree", "%s", dir));
	if (!err)
		err = mkdir_p(dir, 0700);
	if (err) {
		pr_err("vm %s: %s: %s\n", sb->name, dir, strerror(-err));
		return err;
	}
	err = vm_agent_path(agent, sizeof(agent));
	if (!err)
		err = vm_libvirt_connect(&conn, why, sizeof(why));
	split.libvirt = now_mono_ns();
	warming = !err && !pthread_create(&warm, NULL, warm_qemu_caps, conn);
	if (!err)
		err = vm_kernel_ensure(&k, why, sizeof(why));
	vm_path(initrd, sizeof(initrd), sb->name, "initrd.cpio");
	if (!err)
		err = vm_initramfs_build(&k, agent, initrd, why, sizeof(why));
	if (warming)
		pthread_join(warm, NULL);
	split.image = now_mono_ns();
	if (err) {
		pr_err("vm %s: %s\n", sb->name, why[0] ? why : strerror(-err));
		goto out;
	}
	xml = malloc(8192);
	err = xml ? domain_xml(sb, &k, xml, 8192) : -ENOMEM;
	if (err)
		goto out;
	snprintf(domain, sizeof(domain), VM_DOMAIN_PREFIX "%s", sb->name);
	dom = virDomainCreateXML(conn, xml, 0);
	if (!dom) {
		virErrorPtr e = virGetLastError();

		pr_err("vm %s: libvirt cannot start the domain: %s\n", sb->name,
		       e && e->message ? e->message : "?");
		err = -EIO;
		goto out;
	}
	split.domain = now_mono_ns();
	qpid = qemu_pid(domain);
	if (qpid > 0)
		proc_start_time(qpid, &start);
	err = sandbox_journal(
		sb, journal_record("vmdom", "%d %llu %s", qpid, start, domain));
	if (err) {
		virDomainDestroy(dom);
		goto out;
	}
	err = vm_relay_start(sb->name, &relay);
	if (err)
		goto out;
	sb->init_pid = relay;
	proc_start_time(relay, &sb->init_start);
	err = sandbox_journal(
		sb, journal_record("pid", "%d %llu", relay, sb->init_start));
	if (!err && !boot_async) {
		err = vm_wait_ready(sb);
		if (!err)
			report_ready(sb, &split);
		/* a scenario's guests (async) keep their tap for its C2 */
		if (!err)
			err = vm_net_join_lab(sb);
	}
out:
	free(xml);
	if (dom)
		virDomainFree(dom);
	if (conn)
		virConnectClose(conn);
	if (err) {
		/* the domain before the libvirtd that runs it */
		for (int i = sb->n_journal - 1; i >= 0; i--)
			journal_undo_one(sb->journal[i]);
		sb->n_journal = 0;
		vm_libvirtd_release_if_idle(sb->name);
	}
	return err;
}

static int vm_stop(struct sandbox *sb)
{
	(void)sb;
	return 0; /* the journal destroys the domain and stops the relay */
}

static int vm_destroy(struct sandbox *sb)
{
	vm_libvirtd_release_if_idle(sb->name);
	return 0;
}

const struct sandbox_ops sandbox_vm_ops = {
	.kind = "vm",
	.available = vm_available,
	.create = vm_create,
	.stop = vm_stop,
	.destroy = vm_destroy,
};
