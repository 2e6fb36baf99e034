// SPDX-License-Identifier: GPL-2.0
/*
 * The base root file system every ns sandbox overlays: busybox-static plus
 * one symlink per applet, bash-static, the host's useradd with its libraries
 * and a minimal /etc. Built once into a temporary
 * directory and renamed into place, so a half-built base is never used and
 * two builders racing both end up with a whole one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab/sandbox/sandbox.h"
#include "util/log.h"
#include "util/util.h"

#define BUSYBOX_BIN "/bin/busybox"
/* bash for the attacks busybox sh cannot do (/dev/tcp reverse shells) */
#define BASH_STATIC_BIN "/bin/bash-static"
#define USERADD_BIN "/usr/sbin/useradd"

static const char *const base_dirs[] = {
	"bin",	"sbin", "usr", "usr/bin", "usr/sbin", "etc",	 "root", "tmp",
	"proc", "sys",	"dev", "run",	  "var",      "var/tmp", "home", "mnt",
};

static const struct {
	const char *path;
	const char *text;
	mode_t mode;
} base_files[] = {
	{ "etc/passwd",
	  "root:x:0:0:root:/root:/bin/sh\n"
	  "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
	  "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
	  0644 },
	{ "etc/group", "root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n", 0644 },
	{ "etc/shadow",
	  "root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"
	  "nobody:*:19000:0:99999:7:::\n",
	  0640 },
	{ "etc/hosts", "127.0.0.1 localhost\n", 0644 },
	{ "etc/os-release", "NAME=\"bpflab busybox\"\nID=bpflab\n", 0644 },
};

static int copy_file(const char *src, const char *dst, mode_t mode)
{
	char buf[65536];
	FILE *in = NULL, *out = NULL;
	int err = 0;
	size_t n;

	in = fopen(src, "re");
	if (!in)
		return -errno;
	out = fopen(dst, "we");
	if (!out) {
		err = -errno;
		goto out;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n) {
			err = -EIO;
			goto out;
		}
	if (ferror(in))
		err = -EIO;
out:
	if (out && fclose(out) && !err)
		err = -errno;
	if (in)
		fclose(in);
	if (!err && chmod(dst, mode))
		err = -errno;
	return err;
}

/*
 * A dynamically linked host binary with the libraries ldd names, at the same
 * paths: useradd (shadow's, the one the passwd-write scenario needs) has no
 * static build in Debian. Absent binaries are fine: scenarios check.
 */
static int add_dynamic_binary(const char *root, const char *bin)
{
	char cmd[PATH_MAX + 16], line[512], lib[PATH_MAX], dst[PATH_MAX];
	int err = 0;
	FILE *f;

	if (access(bin, X_OK))
		return 0;
	snprintf(dst, sizeof(dst), "%s%s", root, bin);
	err = copy_file(bin, dst, 0755);
	if (err)
		return err;
	snprintf(cmd, sizeof(cmd), "ldd %s", bin);
	f = popen(cmd, "re");
	if (!f)
		return -errno;
	while (!err && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, '/'), *slash;

		/* "libc.so.6 => /lib/.../libc.so.6 (0x...)", "/lib64/ld-... (0x...)" */
		if (!p || sscanf(p, "%4095s", lib) != 1)
			continue;
		snprintf(dst, sizeof(dst), "%s%s", root, lib);
		slash = strrchr(dst, '/');
		*slash = '\0';
		err = mkdir_p(dst, 0755);
		*slash = '/';
		if (!err)
			err = copy_file(lib, dst, 0755);
	}
	if (pclose(f) && !err)
		err = -EIO;
	return err;
}

/* One symlink per applet, as `busybox --list-full` names them. */
static int link_applets(const char *root)
{
	char line[256], path[PATH_MAX];
	int err = 0, pfd[2], status;
	FILE *f;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return err;
	}
	if (pid == 0) {
		dup2(pfd[1], 1);
		execl(BUSYBOX_BIN, "busybox", "--list-full", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	if (!f) {
		err = -errno;
		close(pfd[0]);
		goto reap;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!line[0] || !strcmp(line, "bin/busybox"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, line);
		if (symlink("/bin/busybox", path) && errno != EEXIST) {
			err = -errno;
			break;
		}
	}
	fclose(f);
reap:
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		err = err ?: -EIO;
	return err;
}

static int build_base(const char *tmp)
{
	char path[PATH_MAX];
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(base_dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmp, base_dirs[i]);
		err = mkdir_p(path, 0755);
		if (err)
			return err;
	}
	snprintf(path, sizeof(path), "%s/tmp", tmp);
	chmod(path, 01777);
	snprintf(path, sizeof(path), "%s/bin/busybox", tmp);
	err = copy_file(BUSYBOX_BIN, path, 0755);
	if (err)
		return err;
	err = link_applets(tmp);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/bin/bash", tmp);
	unlink(path); /* busybox may offer a "bash" applet: the real one wins */
	err = copy_file(BASH_STATIC_BIN, path, 0755);
	if (err)
		return err;
	err = add_dynamic_binary(tmp, USERADD_BIN);
	if (err)
		return err;
	for (size_t i = 0; i < ARRAY_SIZE(base_files); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmp, base_files[i].path);
		err = write_new_file(path, base_files[i].text,
				     base_files[i].mode);
		if (err)
			return err;
	}
	return 0;
}

int rootfs_ensure_base(void)
{
	char tmp[256];
	int err;

	if (!access(SANDBOX_ROOTFS_BASE "/bin/busybox", X_OK))
		return 0;
	if (access(BUSYBOX_BIN, X_OK) || access(BASH_STATIC_BIN, X_OK)) {
		pr_err("%s or %s is missing: install busybox-static and bash-static\n",
		       BUSYBOX_BIN, BASH_STATIC_BIN);
		return -ENOENT;
	}
	err = mkdir_p("/var/lib/bpflab/rootfs", 0755);
	if (err)
		return err;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", SANDBOX_ROOTFS_BASE, getpid());
	err = mkdir_p(tmp, 0755);
	if (!err)
		err = build_base(tmp);
	if (!err && rename(tmp, SANDBOX_ROOTFS_BASE)) {
		/* someone else finished first: theirs is as good as ours */
		err = (errno == EEXIST || errno == ENOTEMPTY) ? 0 : -errno;
	}
	if (err)
		pr_err("cannot build the base rootfs %s: %s\n",
		       SANDBOX_ROOTFS_BASE, strerror(-err));
	rm_tree(tmp);
	return err;
}
