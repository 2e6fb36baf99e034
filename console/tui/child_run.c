// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "console/tui/child_run.h"
#include "console/tui/tui.h"
#include "console/tui/tui_loop.h"
#include "util/util.h"

static void free_run(struct child_run *c)
{
	for (int i = 0; i < CHILD_LINES; i++)
		free(c->lines[i]);
	free(c);
}

#define PROGRESS_TAG "BPFLAB-PROGRESS "

/* "BPFLAB-PROGRESS 3/7 ebpf, 100 service(s)": true when s was one. */
static bool progress_line(struct child_run *c, const char *s, size_t n)
{
	char line[160], *p, *end;
	long done, total;

	if (n >= sizeof(line) ||
	    strncmp(s, PROGRESS_TAG, strlen(PROGRESS_TAG)) != 0)
		return false;
	memcpy(line, s, n);
	line[n] = 0;
	p = line + strlen(PROGRESS_TAG);
	done = strtol(p, &end, 10);
	if (end == p || *end != '/')
		return false;
	p = end + 1;
	total = strtol(p, &end, 10);
	if (end == p || total <= 0 || total > 1000000 || done < 0 ||
	    done > total)
		return false;
	c->prog_done = (int)done;
	c->prog_total = (int)total;
	snprintf(c->prog_what, sizeof(c->prog_what), "%s",
		 end + strspn(end, " "));
	return true;
}

static void add_line(struct child_run *c, const char *s, size_t n)
{
	char **slot = &c->lines[c->nlines % CHILD_LINES];

	if (progress_line(c, s, n))
		return;

	free(*slot);
	*slot = strndup(s, n);
	c->nlines++;
}

static void finished(struct tui *t, struct child_run *c)
{
	int st = 0;

	loop_remove_fd(t, c->fd);
	close(c->fd);
	c->fd = -1;
	if (c->plen)
		add_line(c, c->partial, c->plen);
	c->plen = 0;
	/* EOF: the child closed its output and is exiting */
	if (waitpid(c->pid, &st, 0) == c->pid)
		c->status = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
	c->done = true;
	if (!strcmp(c->title, "lab up") && c->status == 0)
		t->lab_owned = true;
	tui_status(t, "%s: finished (exit %d)", c->title, c->status);
}

static int on_output(struct tui *t, int fd, uint32_t events, void *ctx)
{
	struct child_run *c = ctx;
	char buf[4096];
	ssize_t n;

	(void)events;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n' ||
			    c->plen == sizeof(c->partial) - 1) {
				add_line(c, c->partial, c->plen);
				c->plen = 0;
				if (buf[i] == '\n')
					continue;
			}
			if (buf[i] == '\t') /* curses cannot measure a tab */
				c->partial[c->plen++] = ' ';
			else if (buf[i] != '\r')
				c->partial[c->plen++] = buf[i];
		}
	}
	t->dirty = true;
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		finished(t, c);
	return 0;
}

struct child_run *child_open_output(struct tui *t, const char *title)
{
	struct child_run *c;

	if (t->child && !t->child->done) {
		tui_status(t, "%s is still running (x stops it)",
			   t->child->title);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->fd = -1;
	c->start_ns = now_mono_ns();
	snprintf(c->title, sizeof(c->title), "%s", title);
	if (t->child)
		free_run(t->child);
	t->child = c;
	return c;
}

void child_add_output(struct child_run *c, const char *line)
{
	char clean[512];
	size_t n = 0;

	/* curses cannot measure a tab */
	for (; *line && n < sizeof(clean) - 1; line++)
		if (*line != '\r')
			clean[n++] = *line == '\t' ? ' ' : *line;
	add_line(c, clean, n);
}

void child_set_done(struct tui *t, struct child_run *c, int status)
{
	c->done = true;
	c->status = status;
	tui_status(t, "%s: finished (exit %d)", c->title, status);
	t->dirty = true;
}

int child_start(struct tui *t, const char *title, char *const argv[])
{
	struct child_run *c;
	int pfd[2], err;

	if (t->child && !t->child->done) {
		tui_status(t, "%s is still running (x stops it)",
			   t->child->title);
		return -EBUSY;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (pipe2(pfd, O_CLOEXEC)) {
		free(c);
		return -errno;
	}
	c->pid = fork();
	if (c->pid < 0) {
		err = -errno;
		close(pfd[0]);
		close(pfd[1]);
		free(c);
		return err;
	}
	if (c->pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none,
			    NULL); /* the engine blocked these */
		setpgid(0,
			0); /* our terminal's Ctrl-C is the console's, not its */
		dup2(null, STDIN_FILENO);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		setenv("NO_COLOR", "1", 1);
		setenv("BPFLAB_PROGRESS", "1", 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	c->fd = pfd[0];
	c->start_ns = now_mono_ns();
	snprintf(c->title, sizeof(c->title), "%s", title);
	err = loop_add_fd(t, c->fd, EPOLLIN, on_output, c);
	if (err) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		close(c->fd);
		free(c);
		return err;
	}
	if (t->child)
		free_run(t->child);
	t->child = c;
	tui_status(t, "%s: started (pid %d)", title, (int)c->pid);
	return 0;
}

void child_interrupt(struct tui *t)
{
	if (t->child && !t->child->done && t->child->pid > 0) {
		kill(t->child->pid, SIGINT);
		tui_status(t, "%s: interrupted, tearing down", t->child->title);
	}
}

void child_reap(struct tui *t)
{
	struct child_run *c = t->child;

	if (!c)
		return;
	if (!c->done && c->pid > 0) {
		/* its teardown removes what it made: give it up to 10 s */
		kill(c->pid, SIGINT);
		for (int i = 0; i < 100 && waitpid(c->pid, NULL, WNOHANG) == 0;
		     i++)
			usleep(100000);
		if (waitpid(c->pid, NULL, WNOHANG) == 0) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, NULL, 0);
		}
		loop_remove_fd(t, c->fd);
		close(c->fd);
	}
	free_run(c);
	t->child = NULL;
}

const char *child_line(const struct child_run *c, int i)
{
	int first = c->nlines > CHILD_LINES ? c->nlines - CHILD_LINES : 0;

	if (i < 0 || first + i >= c->nlines)
		return NULL;
	return c->lines[(first + i) % CHILD_LINES];
}

int child_nlines(const struct child_run *c)
{
	return c->nlines > CHILD_LINES ? CHILD_LINES : c->nlines;
}
