// SPDX-License-Identifier: GPL-2.0
/*
 * nginx + wrk for `bpflab bench enforce` (see bench_enforce_web.h). nginx
 * runs in the foreground as our child (one worker, access log off, a 4 KiB
 * static page), on a free loopback port; wrk keeps 16 connections alive
 * from one thread. Every syscall either side makes crosses the hooks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab/bench/bench_enforce_web.h"
#include "util/log.h"
#include "util/num.h"

#define WEB_CONNS "16"

struct web_bench {
	char dir[256];
	int port;
	pid_t nginx;
};

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	if (fd < 0)
		return -errno;
	if (!bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	close(fd);
	return port > 0 ? port : -EADDRNOTAVAIL;
}

static bool port_open(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = !connect(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	return ok;
}

static int write_conf(const struct web_bench *w)
{
	char path[300], page[4096];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/www", w->dir);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/www/index.html", w->dir);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	memset(page, 'x', sizeof(page));
	if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page)) {
		close(fd);
		return -EIO;
	}
	close(fd);
	snprintf(path, sizeof(path), "%s/nginx.conf", w->dir);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f,
		"daemon off;\nmaster_process on;\nworker_processes 1;\n"
		"user root;\npid %1$s/nginx.pid;\n"
		"error_log %1$s/nginx-error.log warn;\n"
		"events { worker_connections 256; }\n"
		"http {\n  access_log off;\n  keepalive_requests 100000000;\n"
		"  client_body_temp_path %1$s/tmp;\n  proxy_temp_path %1$s/tmp;\n"
		"  fastcgi_temp_path %1$s/tmp;\n  uwsgi_temp_path %1$s/tmp;\n"
		"  scgi_temp_path %1$s/tmp;\n"
		"  server { listen 127.0.0.1:%2$d; root %1$s/www; }\n}\n",
		w->dir, w->port);
	return fclose(f) ? -errno : 0;
}

int web_bench__start(const char *dir, struct web_bench **out)
{
	struct web_bench *w;
	char conf[300];
	int err;

	*out = NULL;
	if (system("command -v nginx >/dev/null 2>&1 && "
		   "command -v wrk >/dev/null 2>&1"))
		return -ENOENT;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->nginx = -1;
	snprintf(w->dir, sizeof(w->dir), "%s", dir);
	w->port = free_port();
	err = w->port < 0 ? w->port : write_conf(w);
	if (err)
		goto fail;
	snprintf(conf, sizeof(conf), "%s/nginx.conf", w->dir);
	w->nginx = fork();
	if (w->nginx == 0) {
		int null = open("/dev/null", O_RDWR);

		/* a bench killed before its cleanup takes nginx with it */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(null, 1);
		dup2(null, 2);
		execlp("nginx", "nginx", "-q", "-p", w->dir, "-c", conf,
		       (char *)NULL);
		_exit(127);
	}
	if (w->nginx < 0) {
		err = -errno;
		goto fail;
	}
	for (int i = 0; i < 300 && !port_open(w->port); i++)
		usleep(10000);
	if (!port_open(w->port)) {
		pr_err("bench enforce: nginx did not listen on 127.0.0.1:%d "
		       "(see %s/nginx-error.log)",
		       w->port, w->dir);
		err = -ETIMEDOUT;
		goto fail;
	}
	*out = w;
	return 0;
fail:
	web_bench__stop(w);
	return err;
}

/* user + system ticks of pid and its children's (nginx's worker) */
static uint64_t ticks_of(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	const char *field;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	/* utime, stime: fields 14 and 15, counted after the last ')' as
	 * comm may hold spaces */
	p = strrchr(buf, ')');
	for (int i = 3; p && i <= 14; i++)
		p = strchr(p + 1, ' ');
	if (!p)
		return 0;
	field = p;
	if (scan_ull(&field, 10, &ut) || scan_ull(&field, 10, &st))
		return 0;
	return ut + st;
}

static uint64_t nginx_ticks(const struct web_bench *w)
{
	char path[96], buf[256], *tok, *save;
	uint64_t t = ticks_of(w->nginx);
	int child;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)w->nginx,
		 (int)w->nginx);
	f = fopen(path, "re");
	if (!f)
		return t;
	if (fgets(buf, sizeof(buf), f))
		for (tok = strtok_r(buf, " \n", &save); tok;
		     tok = strtok_r(NULL, " \n", &save))
			if (!parse_pid(tok, &child))
				t += ticks_of(child);
	fclose(f);
	return t;
}

int web_bench__run(struct web_bench *w, int secs, struct web_result *out)
{
	char url[64], dur[16], line[256];
	uint64_t t0 = nginx_ticks(w);
	double rps = -1, wrk_cpu, hz = (double)sysconf(_SC_CLK_TCK);
	struct rusage ru;
	int p[2], status;
	pid_t pid;
	FILE *f;

	memset(out, 0, sizeof(*out));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/index.html", w->port);
	snprintf(dur, sizeof(dur), "%ds", secs);
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(p[1], 1);
		execlp("wrk", "wrk", "-t1", "-c" WEB_CONNS, "-d", dur, url,
		       (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -errno;
	}
	f = fdopen(p[0], "r");
	while (f && fgets(line, sizeof(line), f)) {
		const char *num = line + strlen("Requests/sec:");
		char *end;
		double v;

		if (strncmp(line, "Requests/sec:", strlen("Requests/sec:")))
			continue;
		v = strtod(num, &end);
		if (end != num)
			rps = v;
	}
	if (f)
		fclose(f);
	else
		close(p[0]);
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) || rps <= 0)
		return -EIO;
	wrk_cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		  (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	out->rps = rps;
	out->per_cpu =
		rps * secs / (wrk_cpu + (double)(nginx_ticks(w) - t0) / hz);
	return 0;
}

void web_bench__stop(struct web_bench *w)
{
	if (!w)
		return;
	if (w->nginx > 0) {
		kill(w->nginx, SIGTERM); /* fast shutdown: workers go too */
		for (int i = 0; i < 200; i++) {
			if (waitpid(w->nginx, NULL, WNOHANG) == w->nginx) {
				w->nginx = -1;
				break;
			}
			usleep(10000);
		}
		if (w->nginx > 0) {
			kill(w->nginx, SIGKILL);
			waitpid(w->nginx, NULL, 0);
		}
	}
	free(w);
}
