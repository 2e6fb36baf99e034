// SPDX-License-Identifier: GPL-2.0
/*
 * What a vm sandbox boots: Debian's kernel package, fetched with
 * `apt-get download` and only its boot files (vmlinuz, the virtio modules)
 * unpacked from `dpkg-deb --fsys-tarfile` into a cache (never installed on
 * the host), and an initramfs written here as a newc cpio:
 * the busybox base rootfs, the virtio modules from that package, /init and
 * the static agent.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab/sandbox/vm.h"
#include "util/log.h"
#include "util/paths.h"
#include "util/util.h"

/* In load order: each one's dependencies come before it. */
static const char *const guest_modules[] = {
	"virtio_ring",
	"virtio_pci_legacy_dev",
	"virtio_pci_modern_dev",
	"virtio",
	"virtio_pci",
	"virtio_console",
	"failover",
	"net_failover",
	"virtio_net",
};

static const char init_script[] =
	"#!/bin/busybox sh\n"
	"# bpflab vm sandbox: mount, load the virtio modules, hand over to the agent\n"
	"/bin/busybox mount -t proc proc /proc\n"
	"/bin/busybox mount -t sysfs sys /sys\n"
	"/bin/busybox mount -t devtmpfs dev /dev\n"
	"/bin/busybox mount -t tmpfs tmp /tmp\n"
	"for m in $(cat /lib/modules/order); do\n"
	"\t/bin/busybox insmod /lib/modules/$m.ko\n"
	"done\n"
	"/bin/busybox hostname \"$(sed -n 's/.*bpflab.name=\\([a-z0-9-]*\\).*/\\1/p' /proc/cmdline)\"\n"
	"/bin/busybox ip link set lo up\n"
	"exec /sbin/bpflab-agent\n";

/* Run argv (stdout to out_fd or /dev/null) in dir; 0 if it exited 0. */
static int run(char *const argv[], const char *dir, int out_fd)
{
	int status, null;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(out_fd >= 0 ? out_fd : null, 1);
		if (log_get_level() < LOG_DEBUG)
			dup2(null, 2);
		if (dir && chdir(dir))
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

/*
 * Run a | b (a's stdout into b's stdin, both stderr to /dev/null unless
 * debugging); 0 if both exited 0.
 */
static int run_pipe(char *const a[], char *const b[])
{
	char *const *argv[2] = { a, b };
	int fds[2], status, err = 0;
	pid_t pid[2] = { -1, -1 };

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	for (int i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] < 0) {
			err = -errno;
			break;
		}
		if (pid[i] == 0) {
			int null = open("/dev/null", O_RDWR);

			dup2(i ? fds[0] : null, 0);
			dup2(i ? null : fds[1], 1);
			if (log_get_level() < LOG_DEBUG)
				dup2(null, 2);
			execvp(argv[i][0], argv[i]);
			_exit(127);
		}
	}
	close(fds[0]);
	close(fds[1]);
	for (int i = 0; i < 2; i++)
		if (pid[i] > 0 && (waitpid(pid[i], &status, 0) < 0 ||
				   !WIFEXITED(status) || WEXITSTATUS(status)))
			err = err ?: -EIO;
	return err;
}

/* Is path (inside a kernel tree) something a boot reads? */
static bool boot_needs(const char *path)
{
	const char *base = strrchr(path, '/');
	char ko[64];

	base = base ? base + 1 : path;
	if (!strcmp(base, "modules.order") ||
	    !strcmp(base, "modules.builtin") || !strcmp(base, ".complete") ||
	    !strncmp(base, "vmlinuz-", 8) || !strncmp(base, "vmlinux-", 8))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(guest_modules); i++) {
		snprintf(ko, sizeof(ko), "%s.ko", guest_modules[i]);
		if (!strcmp(base, ko))
			return true;
	}
	return false;
}

static int trim_one(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	if (!ftw->level)
		return 0;
	if (flag == FTW_DP)
		rmdir(path); /* only the ones now empty go */
	else if (!boot_needs(path))
		unlink(path);
	return 0;
}

/*
 * Keep only what a boot reads: vmlinuz (and its unpacked vmlinux), the
 * virtio modules and modules.order; the package's other ~390 MB of
 * modules never reach a guest. Caches unpacked whole before are trimmed
 * once.
 */
static void trim_kernel_tree(const char *dir)
{
	char mark[PATH_MAX];

	snprintf(mark, sizeof(mark), "%.4000s/.trimmed", dir);
	if (!access(mark, F_OK))
		return;
	nftw(dir, trim_one, 32, FTW_DEPTH | FTW_PHYS);
	if (write_new_file(mark, "", 0644))
		pr_debug("vm: cannot mark %s trimmed\n", dir);
}

/* The boot's files out of the package, not its whole tree. */
static int extract_kernel(const char *deb, const char *dest)
{
	char *dpkg[] = { "dpkg-deb", "--fsys-tarfile", (char *)deb, NULL };
	char *tar[8 + ARRAY_SIZE(guest_modules)],
		pats[ARRAY_SIZE(guest_modules)][64];
	int n = 0, err;

	err = mkdir_p(dest, 0755);
	if (err)
		return err;
	tar[n++] = "tar";
	tar[n++] = "-x";
	tar[n++] = "-C";
	tar[n++] = (char *)dest;
	tar[n++] = "--wildcards";
	tar[n++] = "./boot/vmlinuz-*";
	tar[n++] = "./lib/modules/*/modules.*";
	/* GNU tar's '*' matches '/' too: the module at any depth */
	for (size_t i = 0; i < ARRAY_SIZE(guest_modules); i++) {
		snprintf(pats[i], sizeof(pats[i]), "./lib/modules/*/%s.ko",
			 guest_modules[i]);
		tar[n++] = pats[i];
	}
	tar[n] = NULL;
	err = run_pipe(dpkg, tar);
	if (!err)
		trim_kernel_tree(
			dest); /* modules.* matched a few extra files */
	return err;
}

/* linux-image-amd64 depends on the versioned package: ask apt which one. */
static int kernel_package(char *pkg, size_t size)
{
	char *argv[] = { "apt-cache", "depends", "linux-image-amd64", NULL };
	char buf[4096], *p;
	char tmpl[] = "/tmp/bpflab-vm-apt-XXXXXX";
	int fd = mkstemp(tmpl), err;
	ssize_t n;

	if (fd < 0)
		return -errno;
	unlink(tmpl);
	err = run(argv, NULL, fd);
	lseek(fd, 0, SEEK_SET);
	n = err ? -1 : read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return err ?: -ENOENT;
	buf[n] = 0;
	p = strstr(buf, "Depends: linux-image-");
	if (!p || sscanf(p + 9, "%127s", pkg) != 1 || size < 128)
		return -ENOENT;
	return 0;
}

/*
 * The uncompressed kernel, for QEMU's PVH entry (Debian builds CONFIG_PVH):
 * under TCG, decompressing the xz bzImage in the guest costs more than
 * half the boot. The payload is the xz stream inside vmlinuz.
 */
static int unpack_vmlinux(const char *vmlinuz, const char *elf)
{
	static const char magic[] = "\xfd"
				    "7zXZ";
	char tmp[PATH_MAX + 8], *data = NULL, *p;
	struct stat st;
	int in = -1, out = -1, err = 0;
	ssize_t n;

	snprintf(tmp, sizeof(tmp), "%s.tmp", elf);
	in = open(vmlinuz, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st)) {
		err = -errno;
		goto out;
	}
	data = malloc((size_t)st.st_size);
	n = data ? read(in, data, (size_t)st.st_size) : -1;
	p = data && n == st.st_size ? memmem(data, (size_t)n, magic, 6) : NULL;
	if (!p) {
		err = -ENOEXEC; /* not xz: boot the bzImage as it is */
		goto out;
	}
	lseek(in, p - data, SEEK_SET);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		err = -errno;
		goto out;
	}
	{
		char *argv[] = { "xz", "-dc", "--single-stream", NULL };
		pid_t pid;
		int status;

		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			dup2(in, 0);
			dup2(out, 1);
			execvp(argv[0], argv);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0 ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			err = -EIO;
	}
	if (!err && rename(tmp, elf))
		err = -errno;
out:
	if (err)
		unlink(tmp);
	free(data);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return err;
}

static int find_cached(struct vm_kernel *k)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(VM_CACHE_DIR);
	int err = -ENOENT;

	if (!d)
		return -ENOENT;
	while ((de = readdir(d)) && err) {
		if (strncmp(de->d_name, "kernel-", 7))
			continue;
		snprintf(k->version, sizeof(k->version), "%s", de->d_name + 7);
		snprintf(k->vmlinuz, sizeof(k->vmlinuz),
			 VM_CACHE_DIR "/%s/boot/vmlinuz-%s", de->d_name,
			 k->version);
		snprintf(k->modules, sizeof(k->modules),
			 VM_CACHE_DIR "/%s/lib/modules/%s", de->d_name,
			 k->version);
		snprintf(path, sizeof(path), VM_CACHE_DIR "/%s/.complete",
			 de->d_name);
		if (!access(path, F_OK) && !access(k->vmlinuz, R_OK))
			err = 0;
		if (!err) {
			snprintf(path, sizeof(path), VM_CACHE_DIR "/%s",
				 de->d_name);
			trim_kernel_tree(path);
		}
		/* prefer the unpacked kernel (PVH boot) when there is one */
		snprintf(path, sizeof(path), VM_CACHE_DIR "/%s/boot/vmlinux-%s",
			 de->d_name, k->version);
		if (!err &&
		    (!access(path, R_OK) || !unpack_vmlinux(k->vmlinuz, path)))
			snprintf(k->vmlinuz, sizeof(k->vmlinuz), "%.500s",
				 path);
	}
	closedir(d);
	return err;
}

int vm_kernel_ensure(struct vm_kernel *k, char *why, size_t whylen)
{
	char pkg[128], dl[256], deb[1024], dest[512], mark[1024];
	uint64_t t0, t1;
	struct dirent *de;
	DIR *d;
	int err;

	if (!find_cached(k))
		return 0;
	err = kernel_package(pkg, sizeof(pkg));
	if (err) {
		snprintf(
			why, whylen,
			"apt-cache cannot resolve linux-image-amd64 (is apt set up?)");
		return err;
	}
	pr_info("vm: fetching %s with apt-get download (once, cached in %s)\n",
		pkg, VM_CACHE_DIR);
	snprintf(dl, sizeof(dl), VM_CACHE_DIR "/download");
	err = mkdir_p(dl, 0755);
	if (err) {
		snprintf(why, whylen, "%s: %s", dl, strerror(-err));
		return err;
	}
	t0 = now_mono_ns();
	{
		char *argv[] = { "apt-get", "download", "-qq", pkg, NULL };

		err = run(argv, dl, -1);
	}
	t1 = now_mono_ns();
	if (err) {
		snprintf(why, whylen, "apt-get download %s failed", pkg);
		return err;
	}
	deb[0] = 0;
	d = opendir(dl);
	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, pkg, strlen(pkg)) &&
		    strstr(de->d_name, ".deb"))
			snprintf(deb, sizeof(deb), "%s/%s", dl, de->d_name);
	if (d)
		closedir(d);
	snprintf(dest, sizeof(dest), VM_CACHE_DIR "/kernel-%s", pkg + 12);
	err = deb[0] ? extract_kernel(deb, dest) : -ENOENT;
	if (deb[0])
		unlink(deb);
	rmdir(dl);
	if (err) {
		snprintf(why, whylen, "unpacking %s failed", deb);
		return err;
	}
	snprintf(mark, sizeof(mark), "%s/.complete", dest);
	err = write_new_file(mark, "", 0644);
	if (!err)
		err = find_cached(k); /* unpacks vmlinux for the PVH entry */
	pr_info("vm: kernel package fetched in %.1f s, its boot files "
		"unpacked in %.1f s\n",
		(t1 - t0) / 1e9, (now_mono_ns() - t1) / 1e9);
	if (err)
		snprintf(why, whylen, "unpacked kernel in %s is incomplete",
			 dest);
	return err;
}

int vm_agent_path(char *buf, size_t size)
{
	const char *env = getenv("BPFLAB_AGENT");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(buf, size, "%s", env);
		return access(buf, X_OK) ? -ENOENT : 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -ENOENT;
	exe[n] = 0;
	*strrchr(exe, '/') = 0;
	snprintf(buf, size, "%s/bpflab-agent", exe);
	return access(buf, X_OK) ? -ENOENT : 0;
}

/* ---- newc cpio ------------------------------------------------------------ */

struct cpio {
	FILE *f;
	unsigned ino;
	int err;
};

static void cpio_pad(struct cpio *c)
{
	long pos = ftell(c->f);

	while (pos > 0 && pos % 4) {
		fputc(0, c->f);
		pos++;
	}
}

static void cpio_entry(struct cpio *c, const char *name, unsigned mode,
		       const void *data, size_t len)
{
	size_t nlen = strlen(name) + 1;

	fprintf(c->f,
		"070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		++c->ino, mode, 0, 0, 1, 0, len, 0, 0, 0, 0, nlen, 0);
	fwrite(name, 1, nlen, c->f);
	cpio_pad(c);
	if (len && fwrite(data, 1, len, c->f) != len)
		c->err = -EIO;
	cpio_pad(c);
}

static int cpio_file(struct cpio *c, const char *src, const char *name,
		     unsigned mode)
{
	struct stat st;
	char *data;
	ssize_t n;
	int fd = open(src, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	data = malloc((size_t)st.st_size + 1);
	n = data ? read(fd, data, (size_t)st.st_size) : -1;
	close(fd);
	if (n != st.st_size) {
		free(data);
		return -EIO;
	}
	cpio_entry(c, name, mode ?: st.st_mode, data, (size_t)n);
	free(data);
	return 0;
}

static struct cpio *tree_cpio;
static size_t tree_skip;

static int tree_one(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	char name[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	(void)ftw;
	if (!path[tree_skip])
		return 0;
	snprintf(name, sizeof(name), "%s", path + tree_skip + 1);
	if (flag == FTW_D)
		cpio_entry(tree_cpio, name, st->st_mode, NULL, 0);
	else if (flag == FTW_SL) {
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		cpio_entry(tree_cpio, name, st->st_mode, target, (size_t)n);
	} else if (S_ISREG(st->st_mode))
		return cpio_file(tree_cpio, path, name, st->st_mode);
	return 0;
}

/* Where modules.order puts NAME.ko in the package; -ENOENT if nowhere. */
static int module_path(const struct vm_kernel *k, const char *name, char *out,
		       size_t size)
{
	char path[PATH_MAX], line[512], want[80];
	FILE *f;
	int err = -ENOENT;

	snprintf(path, sizeof(path), "%.4000s/modules.order", k->modules);
	snprintf(want, sizeof(want), "/%s.ko", name);
	f = fopen(path, "re");
	while (f && err && fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\n"), w = strlen(want);

		line[n] = 0;
		if (n >= w && !strcmp(line + n - w, want)) {
			snprintf(out, size, "%.3500s/%s", k->modules, line);
			err = 0;
		}
	}
	if (f)
		fclose(f);
	return err;
}

/* lab/tools/ (shocker, ...) where the other kinds mount it read-only */
static int pack_tools(struct cpio *c)
{
	const char *dir = bl_tools_dir();
	char src[PATH_MAX], dst[256];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int err = 0;

	if (!dir || !(d = opendir(dir)))
		return 0; /* no tools built: the scenarios that need one say so */
	cpio_entry(c, "usr", S_IFDIR | 0755, NULL, 0);
	cpio_entry(c, "usr/lib", S_IFDIR | 0755, NULL, 0);
	cpio_entry(c, &BL_SANDBOX_TOOLS[1], S_IFDIR | 0755, NULL, 0);
	while (!err && (de = readdir(d))) {
		snprintf(src, sizeof(src), "%.3000s/%s", dir, de->d_name);
		if (stat(src, &st) || !S_ISREG(st.st_mode))
			continue;
		snprintf(dst, sizeof(dst), "%s/%.200s", &BL_SANDBOX_TOOLS[1],
			 de->d_name);
		err = cpio_file(c, src, dst, S_IFREG | 0555);
	}
	closedir(d);
	return err;
}

int vm_initramfs_build(const struct vm_kernel *k, const char *agent,
		       const char *out, char *why, size_t whylen)
{
	char src[PATH_MAX], dst[128], order[512] = "";
	struct cpio c = { 0 };
	int err;

	err = rootfs_ensure_base();
	if (err) {
		snprintf(why, whylen, "base rootfs: %s", strerror(-err));
		return err;
	}
	c.f = fopen(out, "we");
	if (!c.f) {
		snprintf(why, whylen, "%s: %s", out, strerror(errno));
		return -errno;
	}
	tree_cpio = &c;
	tree_skip = strlen(SANDBOX_ROOTFS_BASE);
	err = nftw(SANDBOX_ROOTFS_BASE, tree_one, 32, FTW_PHYS);
	if (err) {
		snprintf(why, whylen, "packing %s failed", SANDBOX_ROOTFS_BASE);
		err = -EIO;
		goto out;
	}
	cpio_entry(&c, "init", S_IFREG | 0755, init_script,
		   strlen(init_script));
	cpio_entry(&c, "lib", S_IFDIR | 0755, NULL, 0);
	cpio_entry(&c, "lib/modules", S_IFDIR | 0755, NULL, 0);
	for (size_t i = 0; i < ARRAY_SIZE(guest_modules); i++) {
		/* built in (modules.builtin) or absent: nothing to load */
		if (module_path(k, guest_modules[i], src, sizeof(src)))
			continue;
		snprintf(dst, sizeof(dst), "lib/modules/%s.ko",
			 guest_modules[i]);
		err = cpio_file(&c, src, dst, S_IFREG | 0644);
		if (err)
			break;
		strncat(order, guest_modules[i],
			sizeof(order) - strlen(order) - 2);
		strcat(order, "\n");
	}
	if (!err) {
		cpio_entry(&c, "lib/modules/order", S_IFREG | 0644, order,
			   strlen(order));
		err = cpio_file(&c, agent, "sbin/bpflab-agent", S_IFREG | 0755);
	}
	if (!err)
		err = pack_tools(&c);
	if (err)
		snprintf(why, whylen, "packing the initramfs: %s",
			 strerror(-err));
	cpio_entry(&c, "TRAILER!!!", 0, NULL, 0);
out:
	tree_cpio = NULL; /* it pointed at our stack */
	if (fclose(c.f) && !err)
		err = -errno;
	return err ?: c.err;
}
