// SPDX-License-Identifier: GPL-2.0
/* Finding the case sources and compiling a trainee's file at run time. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab/verifier/verifier.h"
#include "util/paths.h"
#include "util/util.h"

#if defined(__aarch64__)
#define VF_TARGET_ARCH "-D__TARGET_ARCH_arm64"
#else
#define VF_TARGET_ARCH "-D__TARGET_ARCH_x86"
#endif

static int bin_dir(char *buf, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return -errno;
	exe[n] = '\0';
	snprintf(buf, size, "%s", dirname(exe));
	return 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

int vf_source_dir(char *buf, size_t size)
{
	const char *env = getenv("BPFLAB_VERIFIER_DIR");
	char dir[PATH_MAX];

	if (env && *env) {
		snprintf(buf, size, "%s", env);
		return is_dir(buf) ? 0 : -ENOENT;
	}
	if (!bin_dir(dir, sizeof(dir))) {
		snprintf(buf, size, "%s/../lab/verifier", dir);
		if (is_dir(buf))
			return 0;
	}
	snprintf(buf, size, "/usr/local/share/bpflab/verifier");
	return is_dir(buf) ? 0 : -ENOENT;
}

/*
 * Run argv with stdout and stderr into out (NUL-terminated, truncated);
 * returns the exit status, or -errno when it could not run.
 */
static int run_capture(char *const argv[], char *out, size_t outlen)
{
	int pfd[2], status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], out + len, outlen - 1 - len)) > 0 ||
	       (n < 0 && errno == EINTR)) {
		if (n > 0)
			len += n;
		if (len + 1 >= outlen) {
			char sink[512];

			/* keep draining so the child never blocks on us */
			while (read(pfd[0], sink, sizeof(sink)) > 0)
				;
			break;
		}
	}
	out[len] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/*
 * The kernel's types for the trainee's build: the vmlinux.h the build made
 * next to the binary, else one dumped from this kernel's BTF into the run
 * directory (once).
 */
static int vmlinux_dir(char *buf, size_t size, char *errbuf, size_t errlen)
{
	char path[PATH_MAX + 16], cmd[PATH_MAX + 96];
	int rc;

	if (!bin_dir(buf, size)) {
		snprintf(path, sizeof(path), "%s/vmlinux.h", buf);
		if (!access(path, R_OK))
			return 0;
	}
	bl_run_path(buf, size, "verifier");
	mkdir_p(buf, 0700);
	snprintf(path, sizeof(path), "%s/vmlinux.h", buf);
	if (!access(path, R_OK))
		return 0;
	snprintf(
		cmd, sizeof(cmd),
		"bpftool btf dump file /sys/kernel/btf/vmlinux format c > '%s'",
		path);
	rc = run_capture((char *[]){ "sh", "-c", cmd, NULL }, errbuf, errlen);
	if (rc) {
		unlink(path);
		return -ENOENT;
	}
	return 0;
}

int vf_compile(const char *src, const char *obj, char *errbuf, size_t errlen)
{
	char inc[PATH_MAX], incflag[PATH_MAX + 4];
	int rc;

	rc = vmlinux_dir(inc, sizeof(inc), errbuf, errlen);
	if (rc)
		return rc;
	snprintf(incflag, sizeof(incflag), "-I%s", inc);
	char *const argv[] = { "clang",	  "-g",	       "-O2",
			       "-target", "bpf",       VF_TARGET_ARCH,
			       incflag,	  "-c",	       (char *)src,
			       "-o",	  (char *)obj, NULL };
	rc = run_capture(argv, errbuf, errlen);
	if (rc == 127)
		return -ENOENT;
	return rc ? -EINVAL : 0;
}
