// SPDX-License-Identifier: GPL-2.0
/*
 * curses set-up and drawing primitives. The restore path must work from a
 * fatal signal, where endwin() is not safe: it puts back the termios saved
 * at start and writes the escape sequences that leave the alternate screen.
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#include "console/tui/crt.h"

static const struct crt_glyphs utf8_glyphs = {
	"─", "│", "┌", "┐", "└", "┘",
	"├", "└", "→", "█", "░", { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" },
};
static const struct crt_glyphs ascii_glyphs = {
	"-", "|", "+", "+", "+", "+",
	"|", "`", ">", "#", ".", { "_", "_", ".", ".", "o", "o", "O", "#" },
};

static struct termios saved_tio;
static bool have_tio, active, colors, utf8;
static const int fatal_signals[] = { SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL };

static void restore_raw(void)
{
	static const char seq[] = "\033[0m\033[?25h\033[?1049l\r\n";

	if (have_tio)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	if (write(STDOUT_FILENO, seq, sizeof(seq) - 1) < 0)
		return; /* nothing more can be done from here */
}

/* A screen crashed: sane terminal first, then die as the signal meant. */
static void on_fatal(int sig)
{
	restore_raw();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void init_colors(void)
{
	static const short pairs[C_MAX][2] = {
		[C_TITLE] = { COLOR_BLACK, COLOR_CYAN },
		[C_TAB_ON] = { COLOR_BLACK, COLOR_GREEN },
		[C_KEY] = { COLOR_WHITE, COLOR_BLACK },
		[C_KEYTEXT] = { COLOR_BLACK, COLOR_CYAN },
		[C_OK] = { COLOR_GREEN, -1 },
		[C_BAD] = { COLOR_RED, -1 },
		[C_WARN] = { COLOR_YELLOW, -1 },
		[C_DIM] = { COLOR_BLUE, -1 },
		[C_SEL] = { COLOR_BLACK, COLOR_CYAN },
		[C_METER] = { COLOR_GREEN, -1 },
	};

	colors = has_colors() && !getenv("NO_COLOR") && start_color() == OK;
	if (!colors)
		return;
	use_default_colors();
	for (int i = 1; i < C_MAX; i++)
		init_pair(i, pairs[i][0], pairs[i][1]);
}

int crt_init(void)
{
	const char *cs;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return -ENOTTY;
	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	utf8 = cs && !strcmp(cs, "UTF-8");
	have_tio = tcgetattr(STDIN_FILENO, &saved_tio) == 0;
	if (!newterm(NULL, stdout, stdin))
		return -ENOTTY;
	active = true;
	atexit(crt_done);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]);
	     i++)
		signal(fatal_signals[i], on_fatal);
	cbreak(); /* Ctrl-C stays a signal: the engine's signalfd stops the loop */
	noecho();
	nodelay(stdscr, TRUE);
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	init_colors();
	return 0;
}

void crt_done(void)
{
	if (!active)
		return;
	active = false;
	endwin();
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]);
	     i++)
		signal(fatal_signals[i], SIG_DFL);
	if (have_tio)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
}

bool crt_has_colors(void)
{
	return colors;
}

bool crt_utf8(void)
{
	return utf8;
}

const struct crt_glyphs *crt_glyphs(void)
{
	return utf8 ? &utf8_glyphs : &ascii_glyphs;
}

int crt_attr(enum crt_color c)
{
	static const int mono[C_MAX] = {
		[C_TITLE] = A_REVERSE, [C_TAB_ON] = A_BOLD | A_UNDERLINE,
		[C_KEY] = A_BOLD,      [C_KEYTEXT] = A_REVERSE,
		[C_BAD] = A_BOLD,      [C_WARN] = A_UNDERLINE,
		[C_SEL] = A_REVERSE,
	};

	if (c <= C_NORMAL || c >= C_MAX)
		return A_NORMAL;
	if (!colors)
		return mono[c];
	return COLOR_PAIR(c) | (c == C_BAD || c == C_TAB_ON ? A_BOLD : 0);
}

int crt_put(int y, int x, int width, int attr, const char *s)
{
	wchar_t ws[512];
	size_t n;
	int cols = 0, i;

	if (width <= 0 || y < 0 || y >= LINES || x >= COLS)
		return 0;
	if (x + width > COLS)
		width = COLS - x;
	n = mbstowcs(ws, s, sizeof(ws) / sizeof(ws[0]) - 1);
	if (n == (size_t)-1) { /* not valid in this locale: show it as bytes */
		for (n = 0; s[n] && n < sizeof(ws) / sizeof(ws[0]) - 1; n++)
			ws[n] = (unsigned char)s[n] < 0x80 ? s[n] : '?';
	}
	ws[n] = 0;
	for (i = 0; ws[i]; i++) {
		int cw = wcwidth(ws[i]);

		if (cw < 0) {
			ws[i] = '?';
			cw = 1;
		}
		if (cols + cw > width)
			break;
		cols += cw;
	}
	attron(attr);
	mvaddnwstr(y, x, ws, i);
	attroff(attr);
	return cols;
}

int crt_putf(int y, int x, int width, int attr, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return crt_put(y, x, width, attr, buf);
}

void crt_hline(int y, int x, int width, int attr)
{
	const char *h = crt_glyphs()->hline;

	for (int i = 0; i < width; i++)
		crt_put(y, x + i, 1, attr, h);
}

void crt_box(int y, int x, int h, int w, int attr, const char *title)
{
	const struct crt_glyphs *g = crt_glyphs();

	if (h < 2 || w < 2)
		return;
	crt_put(y, x, 1, attr, g->tl);
	crt_hline(y, x + 1, w - 2, attr);
	crt_put(y, x + w - 1, 1, attr, g->tr);
	for (int i = 1; i < h - 1; i++) {
		crt_put(y + i, x, 1, attr, g->vline);
		crt_put(y + i, x + w - 1, 1, attr, g->vline);
	}
	crt_put(y + h - 1, x, 1, attr, g->bl);
	crt_hline(y + h - 1, x + 1, w - 2, attr);
	crt_put(y + h - 1, x + w - 1, 1, attr, g->br);
	if (title && w > 6)
		crt_putf(y, x + 2, w - 4, attr | A_BOLD, " %s ", title);
}

void crt_bar(int y, int x, int width, double frac, int attr)
{
	const struct crt_glyphs *g = crt_glyphs();
	int fill;

	if (frac < 0)
		frac = 0;
	if (frac > 1)
		frac = 1;
	fill = (int)(frac * width + 0.5);
	for (int i = 0; i < width; i++)
		crt_put(y, x + i, 1, i < fill ? attr : crt_attr(C_DIM),
			i < fill ? g->bar_full : g->bar_empty);
}

void crt_spark(int y, int x, int width, const double *v, int n, int attr)
{
	const struct crt_glyphs *g = crt_glyphs();
	double max = 0;
	int first = n > width ? n - width : 0;

	for (int i = first; i < n; i++)
		if (v[i] > max)
			max = v[i];
	for (int i = first; i < n; i++) {
		int lvl = max > 0 ? (int)(v[i] / max * 7 + 0.5) : 0;

		crt_put(y, x + i - first, 1, attr,
			g->spark[lvl < 0 ? 0 :
				 lvl > 7 ? 7 :
					   lvl]);
	}
}

void crt_fill(int y, int x, int width, int attr)
{
	attron(attr);
	mvhline(y, x, ' ', width);
	attroff(attr);
}
