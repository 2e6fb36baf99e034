// SPDX-License-Identifier: GPL-2.0
/*
 * The console's core: input, the 10 Hz timer, the frame (meter row, tabs,
 * key bar, status line), help, the `/` filter prompt, and switching
 * screens. Redraws happen after a key (so a keypress is answered at once)
 * and at most ten times a second otherwise, whatever the event rate.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <json-c/json.h>

#include "console/tui/child_run.h"
#include "console/tui/scen_run.h"
#include "console/tui/crt.h"
#include "console/tui/demo.h"
#include "console/tui/model_map.h"
#include "console/tui/model_progs.h"
#include "console/tui/model_req.h"
#include "console/tui/replay.h"
#include "console/tui/tui.h"
#include "console/tui/tui_loop.h"
#include "engine/engine.h"
#include "util/json_path.h"
#include "lab/sandbox/sandbox.h"
#include "util/log.h"
#include "util/util.h"

#define TICK_NS 100000000ull /* 10 Hz */
#define KEYBAR_GLOBAL "F1 Help  / Filter  s Sort  Tab Pane  Space Pause"

static const struct screen_ops *const screens[TUI_SCREENS] = {
	&scr_overview, &scr_flows, &scr_svcmap,	   &scr_security, &scr_procs,
	&scr_programs, &scr_bench, &scr_scenarios, &scr_policies,
};

static struct tui *the_tui; /* for the log sink */

static const char global_help[] =
	"bpflab console: keys on every screen\n"
	"\n"
	"  1-9         switch screen: 1 Overview 2 Flows 3 Service map\n"
	"              4 Security 5 Processes 6 Programs 7 Bench 8 Scenarios\n"
	"              9 Policies & services\n"
	"  F1 ?        this help (any key closes it)\n"
	"  F10 q       quit (the engine and everything it made are removed;\n"
	"              a running scenario's teardown runs first)\n"
	"  Up Down     move the selection      PgUp PgDn   a page\n"
	"  Home End    first / last row\n"
	"  /           filter this screen's rows (Enter keeps, Esc clears)\n"
	"  s           next sort order          Tab   next pane\n"
	"  Space       pause / resume the live view (arrivals are counted)\n"
	"  Enter       details of the selected row; Esc closes them\n"
	"  x           stop the running scenario or bench\n"
	"  n           next demo step (--demo)\n"
	"  Ctrl-L      redraw\n";

void tui_status(struct tui *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->status, sizeof(t->status), fmt, ap);
	va_end(ap);
	t->status_ns = now_mono_ns();
	t->dirty = true;
}

static void log_to_status(enum log_level lvl, const char *msg)
{
	if (the_tui && lvl <= LOG_WARN)
		tui_status(the_tui, "%s", msg);
}

const char *tui_filter(const struct tui *t)
{
	return t->filter[t->cur];
}

bool tui_match(const struct tui *t, const char *text)
{
	const char *f = tui_filter(t);

	return !f[0] || strcasestr(text, f);
}

void list_clamp(struct list_view *lv, int n, int rows)
{
	if (lv->sel >= n)
		lv->sel = n - 1;
	if (lv->sel < 0)
		lv->sel = 0;
	if (rows < 1)
		rows = 1;
	if (lv->top > lv->sel)
		lv->top = lv->sel;
	if (lv->sel >= lv->top + rows)
		lv->top = lv->sel - rows + 1;
	if (lv->top < 0)
		lv->top = 0;
}

bool list_key(struct list_view *lv, int ch, int n, int rows)
{
	switch (ch) {
	case KEY_UP:
	case 'k':
		lv->sel--;
		break;
	case KEY_DOWN:
	case 'j':
		lv->sel++;
		break;
	case KEY_PPAGE:
		lv->sel -= rows;
		break;
	case KEY_NPAGE:
		lv->sel += rows;
		break;
	case KEY_HOME:
	case 'g':
		lv->sel = 0;
		break;
	case KEY_END:
	case 'G':
		lv->sel = n - 1;
		break;
	default:
		return false;
	}
	list_clamp(lv, n, rows);
	return true;
}

void tui_overlay(const char *title, const char *const *lines, int n, int scroll)
{
	int w = COLS - 4, h = LINES - 4, y = 2, x = 2;

	if (w < 20 || h < 5)
		return;
	for (int i = 0; i < h; i++)
		mvhline(y + i, x, ' ', w);
	crt_box(y, x, h, w, crt_attr(C_TITLE), title);
	for (int i = 0; i < h - 2 && scroll + i < n; i++)
		crt_put(y + 1 + i, x + 2, w - 4, ATTR_NONE, lines[scroll + i]);
}

void tui_empty(int y, int x, int rows, int cols, const char *msg)
{
	crt_put(y + rows / 2, x + 2, cols - 4, crt_attr(C_WARN), msg);
}

static void fmt_rate(double v, char *out, size_t n)
{
	if (v >= 1e6)
		snprintf(out, n, "%.1fM", v / 1e6);
	else if (v >= 1e3)
		snprintf(out, n, "%.1fk", v / 1e3);
	else
		snprintf(out, n, "%.0f", v);
}

static const char *policy_mode(struct tui *t)
{
	struct json_object *r = mreq_reply(t->req_pol), *arr;
	bool enf = false, mon = false;

	if (!r || !json_object_object_get_ex(r, "policies", &arr))
		return "-";
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *m;
		const char *s;

		if (!json_object_object_get_ex(
			    json_object_array_get_idx(arr, i), "mode", &m))
			continue;
		s = json_object_get_string(m);
		enf |= !strcmp(s, "enforce");
		mon |= !strcmp(s, "monitor");
	}
	return enf && mon ? "mixed" :
	       enf	  ? "enforce" :
	       mon	  ? "monitor" :
			    "none";
}

static void draw_meters(struct tui *t)
{
	char rate[16], progs[16], sbx[16];
	int x = 0, w = COLS;

	fmt_rate(t->ev.events_per_s, rate, sizeof(rate));
	snprintf(progs, sizeof(progs), "%d", t->progs ? t->progs->ours : 0);
	if (t->sandboxes_up < 0)
		snprintf(sbx, sizeof(sbx), "-");
	else
		snprintf(sbx, sizeof(sbx), "%d", t->sandboxes_up);
	mvhline(0, 0, ' ', COLS);
	attron(crt_attr(C_TITLE));
	mvhline(0, 0, ' ', COLS);
	attroff(crt_attr(C_TITLE));
	x += crt_put(0, x, w - x, crt_attr(C_TITLE) | ATTR_BOLD,
		     t->replay ? "bpflab replay " : "bpflab ");
	crt_putf(
		0, x, w - x, crt_attr(C_TITLE),
		"Progs %s  Ev/s %s  Lost %llu  Kills %llu  Drops %llu  Sandboxes %s  Mode %s",
		t->replay ? "-" : progs, rate, (unsigned long long)t->lost,
		(unsigned long long)t->ev.kills,
		(unsigned long long)t->ev.drops, sbx,
		t->replay ? "-" : policy_mode(t));
	if (t->ev.paused)
		crt_put(0, COLS - 8, 8, crt_attr(C_WARN) | ATTR_BOLD,
			" PAUSED ");
}

static void draw_tabs(struct tui *t)
{
	int x = 0;

	mvhline(1, 0, ' ', COLS);
	for (int i = 0; i < TUI_SCREENS && x < COLS; i++) {
		bool on = i == t->cur;
		char lbl[40];

		/* narrow terminals get the numbers and the active title only */
		if (COLS < 120 && !on)
			snprintf(lbl, sizeof(lbl), " %d ", i + 1);
		else
			snprintf(lbl, sizeof(lbl), " %d %s ", i + 1,
				 screens[i]->title);
		x += crt_put(1, x, COLS - x,
			     on ? crt_attr(C_TAB_ON) : crt_attr(C_DIM), lbl);
	}
}

static void draw_keybar(struct tui *t)
{
	const char *extra = screens[t->cur]->keybar;
	int y = LINES - 1, x = 0;
	char buf[256];

	mvhline(y, 0, ' ', COLS);
	if (t->editing_filter) {
		crt_putf(y, 0, COLS, crt_attr(C_KEYTEXT), "Filter: %s_",
			 t->filter[t->cur]);
		return;
	}
	snprintf(buf, sizeof(buf), "%s%s%s", extra ? extra : "",
		 extra ? "  " : "", KEYBAR_GLOBAL);
	/* entries "KEY label" are separated by two spaces; keys stand out */
	/* q Quit always shows, at the right end; the rest is clipped before it */
	crt_put(y, COLS - 7, 2, crt_attr(C_KEY) | ATTR_BOLD, " q");
	crt_put(y, COLS - 5, 5, crt_attr(C_KEYTEXT), " Quit");
	for (char *ent = buf; ent && *ent && x < COLS - 8;) {
		char *next = strstr(ent, "  "), *sp;

		if (next)
			*next = 0;
		sp = strchr(ent, ' ');
		if (sp)
			*sp = 0;
		x += crt_put(y, x, COLS - 8 - x, crt_attr(C_KEY) | ATTR_BOLD,
			     ent);
		if (sp)
			x += crt_putf(y, x, COLS - 8 - x, crt_attr(C_KEYTEXT),
				      " %s ", sp + 1);
		x += crt_put(y, x, COLS - 8 - x, ATTR_NONE, " ");
		ent = next ? next + 2 : NULL;
	}
	if (tui_filter(t)[0] && x < COLS - 20)
		crt_putf(y, COLS - 28 > x ? COLS - 28 : x, 20, crt_attr(C_WARN),
			 " /%s", tui_filter(t));
}

static void draw_help(struct tui *t)
{
	const char *lines[64];
	char buf[sizeof(global_help) + 1024];
	int n = 0;

	snprintf(
		buf, sizeof(buf),
		"%s\n%s screen:\n%s\n(%llu keys, %llu redraws; the last key was drawn %.1f ms after it was read)",
		global_help, screens[t->cur]->title, screens[t->cur]->help,
		(unsigned long long)t->keys, (unsigned long long)t->redraws,
		(double)t->last_key_latency_ns / 1e6);
	for (char *s = strtok(buf, "\n"); s && n < 64; s = strtok(NULL, "\n"))
		lines[n++] = s;
	tui_overlay("Help", lines, n, 0);
}

static void draw(struct tui *t)
{
	int rows = LINES - 4;

	erase();
	if (COLS < 60 || LINES < 16) {
		crt_put(0, 0, COLS, ATTR_BOLD,
			"bpflab console: the terminal is too small (need 80x24)");
		refresh();
		return;
	}
	draw_meters(t);
	draw_tabs(t);
	screens[t->cur]->draw(t, t->state, 2, 0, rows, COLS);
	if (t->narration[0]) {
		crt_hline(LINES - 3, 0, COLS, crt_attr(C_DIM));
		crt_putf(LINES - 2, 0, COLS, crt_attr(C_WARN) | ATTR_BOLD,
			 "DEMO %s", t->narration);
	} else if (t->status[0] &&
		   now_mono_ns() - t->status_ns < 8000000000ull) {
		mvhline(LINES - 2, 0, ' ', COLS);
		crt_put(LINES - 2, 0, COLS, crt_attr(C_WARN), t->status);
	}
	draw_keybar(t);
	if (t->help)
		draw_help(t);
	refresh();
	t->redraws++;
	t->dirty = false;
}

void tui_switch(struct tui *t, int screen)
{
	if (screen < 0 || screen >= TUI_SCREENS)
		return;
	if (t->state || t->cur != screen) {
		if (screens[t->cur]->fini)
			screens[t->cur]->fini(t, t->state);
		t->state = NULL;
	}
	t->cur = screen;
	if (screens[screen]->init && screens[screen]->init(t, &t->state))
		tui_status(t, "%s: could not open", screens[screen]->title);
	t->dirty = true;
}

static void filter_key(struct tui *t, int ch)
{
	char *f = t->filter[t->cur];
	size_t n = strlen(f);

	if (ch == '\n' || ch == KEY_ENTER) {
		t->editing_filter = false;
	} else if (ch == 27) {
		f[0] = 0;
		t->editing_filter = false;
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (n)
			f[n - 1] = 0;
	} else if (ch >= 32 && ch < 127 && n + 1 < TUI_FILTER_LEN) {
		f[n] = (char)ch;
		f[n + 1] = 0;
	}
	t->lv[t->cur] = (struct list_view){};
}

void tui_key(struct tui *t, int ch)
{
	t->keys++;
	t->dirty = true;
	if (ch == KEY_RESIZE || ch == 12 /* Ctrl-L */) {
		clearok(curscr, TRUE);
		return;
	}
	if (t->editing_filter) {
		filter_key(t, ch);
		return;
	}
	if (t->help) {
		t->help = false;
		return;
	}
	if (screens[t->cur]->key && screens[t->cur]->key(t, t->state, ch))
		return;
	switch (ch) {
	case 'q':
	case 'Q':
	case KEY_F(10):
		if (scen_running(t)) { /* quit once its teardown is done */
			scen_quit(t);
			break;
		}
		t->quit = true;
		loop_stop(t);
		break;
	case '?':
	case 'h':
	case KEY_F(1):
		t->help = true;
		break;
	case '/':
		t->editing_filter = true;
		break;
	case ' ':
		t->ev.paused = !t->ev.paused;
		tui_status(t,
			   t->ev.paused ?
				   "paused: new events are counted, not shown" :
				   "live");
		break;
	case 's':
		t->sort[t->cur]++;
		break;
	case '\t':
		t->pane[t->cur] ^= 1;
		break;
	case 'x':
		if (scen_running(t))
			scen_stop(t);
		else
			child_interrupt(t);
		break;
	case 'n':
	case KEY_RIGHT:
		if (t->demo)
			demo_next(t);
		break;
	case 27:
		if (tui_filter(t)[0])
			t->filter[t->cur][0] = 0;
		break;
	default:
		if (ch >= '1' && ch <= '9')
			tui_switch(t, ch - '1');
		break;
	}
}

static int on_stdin(struct tui *t, int fd, uint32_t events, void *ctx)
{
	int ch, n = 0;

	(void)fd;
	(void)ctx;
	if (events & (EPOLLHUP | EPOLLERR)) {
		loop_stop(t); /* the terminal went away */
		return 0;
	}
	t->last_key_ns = now_mono_ns();
	while ((ch = getch()) != ERR && n++ < 64)
		tui_key(t, ch);
	if (t->dirty && !t->quit) {
		draw(t);
		t->last_key_latency_ns = now_mono_ns() - t->last_key_ns;
	}
	return 0;
}

/* "198.18.0.5", "198.18.0.5/24" or "198.18.0.5:80/tcp" → its address. */
static void map_name(struct tui *t, const char *addr, const char *name)
{
	char ip[INET_ADDRSTRLEN];
	struct in_addr a;

	snprintf(ip, sizeof(ip), "%.*s", (int)strcspn(addr, ":/"), addr);
	if (inet_pton(AF_INET, ip, &a) == 1)
		mmap_name_set(t->map, a.s_addr, name);
}

/* Sandboxes up; each one's address is named on the service map. */
static void count_sandboxes(struct tui *t)
{
	struct sandbox *v = NULL;
	int n = 0, up = 0, err = sandbox_list(&v, &n);

	if (err)
		n = 0;
	for (int i = 0; i < n; i++) {
		up += sandbox_alive(&v[i]);
		if (v[i].ip[0])
			map_name(t, v[i].ip, v[i].name);
	}
	free(v);
	t->sandboxes_up = err ? -1 : up;
}

/* Service VIPs and backends named on the map (after sandboxes: those win). */
static void name_services(struct tui *t)
{
	struct json_object *svcs = jp_get(mreq_reply(t->req_svc), "services");

	for (size_t i = 0; svcs && i < json_object_array_length(svcs); i++) {
		struct json_object *svc = json_object_array_get_idx(svcs, i);
		struct json_object *bes = jp_get(svc, "backends");
		const char *name = jp_str(svc, "name", "?");
		char lbl[40];

		snprintf(lbl, sizeof(lbl), "svc %s", name);
		map_name(t, jp_str(svc, "vip", ""), lbl);
		snprintf(lbl, sizeof(lbl), "%s backend", name);
		for (size_t j = 0; bes && j < json_object_array_length(bes);
		     j++)
			map_name(t,
				 jp_str(json_object_array_get_idx(bes, j),
					"address", ""),
				 lbl);
	}
}

static void each_second(struct tui *t)
{
	uint64_t now = now_mono_ns();

	evm_second(&t->ev);
	if (t->e) {
		struct engine_module_stats st[16];
		int n = engine__module_stats(t->e, st, 16);
		uint64_t lost = engine__sink_drops(t->e);

		for (int i = 0; i < n; i++)
			lost += st[i].lost;
		t->lost = lost;
		mprogs_refresh(t->progs, now);
		mmap_second(t->map);
		mmap_names_clear(t->map);
		count_sandboxes(t);
		name_services(t);
	}
	mreq_poll(t->req_svc, now);
	mreq_poll(t->req_pol, now);
	t->dirty = true;
}

static int on_timer(struct tui *t, int fd, uint32_t events, void *ctx)
{
	uint64_t exp;
	int ch;

	(void)events;
	(void)ctx;
	if (read(fd, &exp, sizeof(exp)) < 0)
		return 0;
	/* curses reports a resize as a key; it only arrives through getch */
	while ((ch = getch()) != ERR)
		tui_key(t, ch);
	evm_tick(&t->ev);
	if (++t->tick_n % 10 == 0)
		each_second(t);
	if (t->replay)
		replay_feed(t);
	if (t->demo)
		demo_tick(t);
	scen_tick(t);
	if (screens[t->cur]->tick)
		screens[t->cur]->tick(t, t->state);
	if (t->quit)
		return 0;
	if (t->ev.total != t->ev.last_total || t->dirty)
		draw(t);
	return 0;
}

static void on_event(struct engine *e, const struct bl_event *ev, void *ctx)
{
	struct tui *t = ctx;

	(void)e;
	evm_push_live(&t->ev, ev);
	mmap_push(t->map, ev);
}

static int open_models(struct tui *t)
{
	int err = 0;

	t->sandboxes_up = -1;
	evm_init(&t->ev);
	if (t->opts->record)
		err = evm_record(&t->ev, t->opts->record);
	if (err) {
		pr_err("--record %s: %s", t->opts->record, strerror(-err));
		return err;
	}
	if (t->opts->replay) {
		err = replay_open(t, t->opts->replay, t->opts->speed);
		if (err)
			return err;
	}
	if (t->opts->demo) {
		err = demo_open(t, t->opts->demo, t->opts->demo_auto);
		if (err)
			return err;
	}
	if (!t->e)
		return 0;
	t->map = calloc(1, sizeof(*t->map));
	if (!t->map)
		return -ENOMEM;
	mmap_init(t->map);
	err = mprogs_open(&t->progs);
	if (!err)
		err = mreq_open(&t->req_svc, t,
				"{\"op\":\"svc.list\",\"backends\":true}",
				2000000000ull);
	if (!err)
		err = mreq_open(&t->req_pol, t, "{\"op\":\"policy.list\"}",
				2000000000ull);
	if (!err)
		err = engine__add_sink(t->e, on_event, t) < 0 ? -ENOSPC : 0;
	return err;
}

static void close_models(struct tui *t)
{
	mreq_close(t->req_svc);
	mreq_close(t->req_pol);
	mprogs_close(t->progs);
	free(t->map);
	replay_close(t);
	demo_close(t);
	evm_free(&t->ev);
}

/* The default lab comes up as a child run, so the screen is live meanwhile. */
static void lab_up(struct tui *t)
{
	char *argv[] = { (char *)t->opts->self, "lab", "up", NULL };

	if (t->e && !t->opts->no_lab)
		child_start(t, "lab up", argv);
}

/* After the screen is gone: remove the lab this console brought up. */
static void lab_down(struct tui *t)
{
	pid_t pid;

	if (!t->lab_owned)
		return;
	fprintf(stderr, "bpflab console: taking the lab down...\n");
	pid = fork();
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execl(t->opts->self, t->opts->self, "lab", "down",
		      (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static int start_timer(struct tui *t)
{
	struct itimerspec its = { { 0, TICK_NS }, { 0, TICK_NS } };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (timerfd_settime(fd, 0, &its, NULL) ||
	    loop_add_fd(t, fd, EPOLLIN, on_timer, NULL)) {
		close(fd);
		return -EIO;
	}
	return fd;
}

int tui_run(struct engine *e, const struct tui_opts *opts)
{
	struct tui *t = calloc(1, sizeof(*t));
	int err, tfd = -1;

	if (!t)
		return -ENOMEM;
	t->e = e;
	t->opts = opts;
	err = loop_open(t);
	if (!err)
		err = open_models(t);
	if (err)
		goto out;
	err = crt_init();
	if (err) {
		pr_err("the console needs a terminal (stdin and stdout)");
		goto out;
	}
	the_tui = t;
	log_set_sink(log_to_status);
	log_quiet_libbpf(true);
	err = loop_add_fd(t, STDIN_FILENO, EPOLLIN, on_stdin, NULL);
	if (!err) {
		tfd = start_timer(t);
		err = tfd < 0 ? tfd : 0;
	}
	if (!err) {
		tui_switch(t, 0);
		lab_up(t);
		if (opts->failed_modules && opts->failed_modules[0])
			tui_status(t, "modules not loaded: %s",
				   opts->failed_modules);
		if (t->demo)
			demo_next(t);
		draw(t);
		err = loop_run(t);
	}
	if (screens[t->cur]->fini)
		screens[t->cur]->fini(t, t->state);
	t->state = NULL;
	crt_done();
	log_set_sink(NULL);
	the_tui = NULL;
	scen_drain(t);
	child_reap(t);
	lab_down(t);
out:
	if (tfd >= 0)
		close(tfd);
	close_models(t);
	loop_close(t);
	free(t);
	return err;
}
