// SPDX-License-Identifier: GPL-2.0
/*
 * The "containerd" sandbox. bpflab runs its own containerd 1.6 with a
 * private config, root, state and socket under <run dir>/containerd (the
 * CRI plugin off), journaled as a "pid"; it stops with the last containerd
 * sandbox. The image is local: the busybox base packed as an OCI layout
 * tarball (tar + sha256) and imported with `ctr images import`; nothing is
 * pulled from a registry. Each sandbox is `ctr run -d --cgroup /bpflab/NAME`,
 * journaled as "ctrd" ("<socket> <name>"): undo kills and removes it.
 *
 * Unlike ns and runc, ctr 1.6 cannot ask for a cgroup namespace: processes
 * in a containerd sandbox see their full cgroup path.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/journal.h"
#include "util/sha256.h"
#include "lab/sandbox/sandbox.h"
#include "util/log.h"
#include "util/num.h"
#include "util/paths.h"
#include "util/util.h"

#define CONTAINERD_BIN "/usr/bin/containerd"
#define CTR_BIN "/usr/bin/ctr"
#define CTR_NS "bpflab"
#define IMAGE_REF "bpflab/busybox:1"
#define IMAGE_TAR SANDBOX_ROOTFS_BASE "-oci.tar"

static char *ctd_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/containerd/%s", bl_run_dir(), name);
	return buf;
}

/* Run argv (stdin /dev/null); its stdout into out when given. 0 on exit 0. */
static int run_capture(const char *bin, char *const argv[], char *out,
		       size_t outlen, const char *cwd)
{
	int pfd[2], status, fd;
	ssize_t n, len = 0;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		fd = open("/dev/null", O_RDWR);
		dup2(fd, 0);
		dup2(pfd[1], 1);
		if (log_get_level() < LOG_DEBUG)
			dup2(fd, 2);
		if (cwd && chdir(cwd))
			_exit(127);
		execv(bin, argv);
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], out ? out + len : (char[256]){ 0 },
			 out ? outlen - 1 - (size_t)len : 256)) > 0)
		if (out)
			len += n;
	if (out)
		out[len] = 0;
	close(pfd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int ctr(const char *sock, char *out, size_t outlen, char *const args[])
{
	char *argv[24] = { "ctr", "--address", (char *)sock, "--namespace",
			   CTR_NS };
	int n = 5;

	for (int i = 0; args[i] && n < 23; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return run_capture(CTR_BIN, argv, out, outlen, NULL);
}

/* A plain connect(): ctr itself waits 10 s for a socket nobody serves. */
static bool daemon_answers(const char *sock)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc;

	if (strlen(sock) >= sizeof(sa.sun_path))
		return false;
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return rc == 0;
}

static int write_config(const char *dir)
{
	char path[512], text[2048];

	snprintf(
		text, sizeof(text),
		"# bpflab's private containerd: nothing shared with a system one\n"
		"version = 2\n"
		"root = \"%s/root\"\n"
		"state = \"%s/state\"\n"
		"disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
		"[grpc]\n  address = \"%s/containerd.sock\"\n"
		"[ttrpc]\n  address = \"%s/containerd.sock.ttrpc\"\n"
		"[debug]\n  address = \"%s/debug.sock\"\n",
		dir, dir, dir, dir, dir);
	snprintf(path, sizeof(path), "%s/config.toml", dir);
	return write_new_file(path, text, 0600);
}

/* Start our containerd unless it already answers on its socket. */
static int ensure_daemon(const char *sock)
{
	char dir[256], path[512], log[512], buf[96];
	unsigned long long start;
	int err, seq, fd;
	pid_t pid;

	if (daemon_answers(sock))
		return 0;
	ctd_path(dir, sizeof(dir), "");
	dir[strlen(dir) - 1] = 0;
	err = mkdir_p(dir, 0700);
	if (!err)
		err = write_config(dir);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/config.toml", dir);
	snprintf(log, sizeof(log), "%s/containerd.log", dir);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* its own session: it outlives this command like the sandboxes */
		setsid();
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		fd = open("/dev/null", O_RDONLY);
		dup2(fd, 0);
		execl(CONTAINERD_BIN, "containerd", "--config", path,
		      (char *)NULL);
		_exit(127);
	}
	err = proc_start_time(pid, &start);
	if (err)
		return err;
	seq = journal_record("pid", "%d %llu", pid, start);
	if (seq < 0)
		return seq;
	snprintf(buf, sizeof(buf), "%d %llu %d\n", pid, start, seq);
	err = write_new_file(ctd_path(path, sizeof(path), "daemon"), buf, 0600);
	for (int i = 0; !err && i < 100; i++) {
		if (daemon_answers(sock))
			return 0;
		usleep(50000);
	}
	pr_err("containerd did not answer on %s (see %s)\n", sock, log);
	return err ?: -ETIMEDOUT;
}

static int add_blob(const char *dir, const char *data, size_t len,
		    char digest[65])
{
	char path[512];
	int fd, err = 0;

	sha256_hex(data, len, digest);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, digest);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len)
		err = -EIO;
	close(fd);
	return err;
}

/* Pack the busybox base as an OCI image layout in a tarball, once. */
static int build_image_tar(void)
{
	char dir[256], path[600], cfg[512], man[1024], idx[512];
	char layer_d[65], cfg_d[65], man_d[65];
	char *layer = NULL;
	ssize_t layer_len;
	int err;

	snprintf(dir, sizeof(dir), "%s.tmp.%d", IMAGE_TAR, getpid());
	snprintf(path, sizeof(path), "%s/blobs/sha256", dir);
	err = mkdir_p(path, 0755);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/layer.tar", dir);
	err = run_capture("/usr/bin/tar",
			  (char *[]){ "tar", "--numeric-owner", "-C",
				      SANDBOX_ROOTFS_BASE, "-cf", path, ".",
				      NULL },
			  NULL, 0, NULL);
	if (err)
		goto out;
	layer = malloc(64 << 20);
	layer_len = layer ? read_file(path, layer, 64 << 20) : -ENOMEM;
	unlink(path);
	if (layer_len < 0) {
		err = (int)layer_len;
		goto out;
	}
	err = add_blob(dir, layer, (size_t)layer_len, layer_d);
	if (err)
		goto out;
	snprintf(
		cfg, sizeof(cfg),
		"{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},"
		"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%s\"]}}",
		layer_d);
	err = add_blob(dir, cfg, strlen(cfg), cfg_d);
	if (err)
		goto out;
	snprintf(
		man, sizeof(man),
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
		"\"digest\":\"sha256:%s\",\"size\":%zu},"
		"\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
		"\"digest\":\"sha256:%s\",\"size\":%zd}]}",
		cfg_d, strlen(cfg), layer_d, layer_len);
	err = add_blob(dir, man, strlen(man), man_d);
	if (err)
		goto out;
	snprintf(
		idx, sizeof(idx),
		"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
		"\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:%s\","
		"\"size\":%zu,\"annotations\":{\"org.opencontainers.image.ref.name\":\"%s\"}}]}",
		man_d, strlen(man), IMAGE_REF);
	snprintf(path, sizeof(path), "%s/index.json", dir);
	err = write_new_file(path, idx, 0644);
	snprintf(path, sizeof(path), "%s/oci-layout", dir);
	if (!err)
		err = write_new_file(path, "{\"imageLayoutVersion\":\"1.0.0\"}",
				     0644);
	snprintf(path, sizeof(path), "%s.new", IMAGE_TAR);
	if (!err)
		err = run_capture(
			"/usr/bin/tar",
			(char *[]){ "tar", "-C", dir, "-cf", path, ".", NULL },
			NULL, 0, NULL);
	if (!err && rename(path, IMAGE_TAR))
		err = -errno;
out:
	free(layer);
	rm_tree(dir);
	return err;
}

static int ensure_image(const char *sock)
{
	char out[4096];
	int err;

	if (!ctr(sock, out, sizeof(out),
		 (char *[]){ "images", "ls", "-q", NULL }) &&
	    strstr(out, IMAGE_REF))
		return 0;
	if (access(IMAGE_TAR, R_OK) && (err = build_image_tar()))
		return err;
	return ctr(sock, NULL, 0,
		   (char *[]){ "images", "import", IMAGE_TAR, NULL });
}

static int remove_container(const char *sock, const char *name)
{
	ctr(sock, NULL, 0,
	    (char *[]){ "task", "kill", "-s", "SIGKILL", (char *)name, NULL });
	for (int i = 0; i < 50; i++) {
		if (!ctr(sock, NULL, 0,
			 (char *[]){ "task", "rm", "-f", (char *)name, NULL }))
			break;
		usleep(20000);
	}
	return ctr(sock, NULL, 0,
		   (char *[]){ "container", "rm", (char *)name, NULL });
}

static int undo_ctrd(const char *arg)
{
	char sock[256], name[64];

	if (sscanf(arg, "%255s %63s", sock, name) != 2)
		return -EINVAL;
	if (daemon_answers(sock))
		remove_container(sock, name);
	return 0; /* no daemon: its containers died with it */
}
JOURNAL_UNDO("ctrd", undo_ctrd, "containerd container");

static int task_pid(const char *sock, const char *name, pid_t *pid)
{
	char out[8192], *line;

	if (ctr(sock, out, sizeof(out), (char *[]){ "task", "ls", NULL }))
		return -EIO;
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		/* "TASK PID STATUS" */
		const char *rest;
		char id[64];
		long p;
		int off;

		if (sscanf(line, "%63s%n", id, &off) != 1 || strcmp(id, name))
			continue;
		rest = line + off;
		if (!scan_long(&rest, 10, 1, INT_MAX, &p)) {
			*pid = (pid_t)p;
			return 0;
		}
	}
	return -ENOENT;
}

/* ctr 1.6 has no --hostname: set it from inside, as the other kinds have it. */
static int set_hostname(const struct sandbox *sb)
{
	char *argv[] = { "hostname", (char *)sb->name, NULL };
	struct sandbox_io io = { -1, -1, -1, .all_caps = true };
	int status, err;
	pid_t pid;

	err = sandbox_spawn(sb, argv, &io, &pid, NULL);
	if (err)
		return err;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

static int ctrd_create(struct sandbox *sb)
{
	char sock[256], cg[128];
	struct stat st;
	int seq, err;

	ctd_path(sock, sizeof(sock), "containerd.sock");
	err = rootfs_ensure_base();
	if (!err)
		err = ensure_daemon(sock);
	if (!err)
		err = ensure_image(sock);
	if (err) {
		pr_err("containerd is not ready: %s\n", strerror(-err));
		return err;
	}
	seq = journal_record("ctrd", "%s %s", sock, sb->name);
	if ((err = sandbox_journal(sb, seq)))
		return err;
	snprintf(cg, sizeof(cg), "/bpflab/%s", sb->name);
	{
		char *args[18] = { "run", "--detach", "--cgroup", cg };
		char tools[PATH_MAX + 64];
		int n = 4;

		if (sb->privileged)
			args[n++] = "--privileged";
		if (bl_tools_dir()) {
			snprintf(tools, sizeof(tools),
				 "type=bind,src=%s,dst=%s,options=rbind:ro",
				 bl_tools_dir(), BL_SANDBOX_TOOLS);
			args[n++] = "--mount";
			args[n++] = tools;
		}
		args[n++] = IMAGE_REF;
		args[n++] = sb->name;
		args[n++] = "/bin/sh";
		args[n++] = "-c";
		args[n++] =
			"trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done";
		args[n] = NULL;
		err = ctr(sock, NULL, 0, args);
	}
	if (err) {
		pr_err("ctr run %s failed (run with -v for its output)\n",
		       sb->name);
		return err;
	}
	err = task_pid(sock, sb->name, &sb->init_pid);
	if (!err)
		err = proc_start_time(sb->init_pid, &sb->init_start);
	if (err)
		return err;
	snprintf(sb->cgroup_path, sizeof(sb->cgroup_path), "%s/%s",
		 BL_CGROUP_DIR, sb->name);
	if (stat(sb->cgroup_path, &st))
		return -ENOENT;
	sb->cgroup_id = st.st_ino;
	return set_hostname(sb);
}

static int ctrd_stop(struct sandbox *sb)
{
	char sock[256];

	ctd_path(sock, sizeof(sock), "containerd.sock");
	if (daemon_answers(sock))
		remove_container(sock, sb->name);
	return 0;
}

/* The last containerd sandbox takes our containerd with it. */
static int ctrd_destroy(struct sandbox *sb)
{
	struct sandbox *v;
	char path[512], buf[96];
	unsigned long long start, now;
	const char *field = buf;
	long pid, seq;
	int n, others = 0;

	if (sandbox_list(&v, &n))
		return 0;
	for (int i = 0; i < n; i++)
		others += !strcmp(v[i].kind, "containerd") &&
			  strcmp(v[i].name, sb->name);
	free(v);
	if (others)
		return 0;
	if (read_file(ctd_path(path, sizeof(path), "daemon"), buf,
		      sizeof(buf)) <= 0 ||
	    scan_long(&field, 10, 1, INT_MAX, &pid) ||
	    scan_ull(&field, 10, &start) ||
	    scan_long(&field, 10, 1, INT_MAX, &seq))
		return 0;
	if (!proc_start_time(pid, &now) && now == start) {
		kill(pid, SIGTERM);
		for (int i = 0; i < 100 && !proc_start_time(pid, &now); i++) {
			waitpid(pid, NULL, WNOHANG);
			usleep(20000);
		}
	}
	journal_release((int)seq);
	unlink(path);
	ctd_path(path, sizeof(path), "");
	return rm_tree(path);
}

static int ctrd_available(char *why, size_t len)
{
	if (access(CONTAINERD_BIN, X_OK) || access(CTR_BIN, X_OK)) {
		snprintf(
			why, len,
			"containerd is not installed (apt-get install containerd)");
		return -EOPNOTSUPP;
	}
	return 0;
}

const struct sandbox_ops sandbox_containerd_ops = {
	.kind = "containerd",
	.available = ctrd_available,
	.create = ctrd_create,
	.stop = ctrd_stop,
	.destroy = ctrd_destroy,
};
