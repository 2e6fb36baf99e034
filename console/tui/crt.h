/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The terminal layer, as htop's CRT: curses set-up, colour pairs with a
 * monochrome fallback, box-drawing glyphs with an ASCII fallback when the
 * locale is not UTF-8, and a restore that runs on every way out (return,
 * exit, fatal signal) so the shell is never left raw.
 */
#ifndef BPFLAB_TUI_CRT_H
#define BPFLAB_TUI_CRT_H

#include <stdbool.h>
#include <curses.h>

enum crt_color {
	C_NORMAL = 0,
	C_TITLE, /* header and tab bar */
	C_TAB_ON, /* the active tab */
	C_KEY, /* a key in the key bar */
	C_KEYTEXT, /* its label */
	C_OK, /* forwarded, pass, running */
	C_BAD, /* dropped, killed, fail */
	C_WARN, /* monitor, drain, lost */
	C_DIM, /* secondary text */
	C_SEL, /* the selected row */
	C_METER, /* meter bars */
	C_MAX,
};

struct crt_glyphs {
	const char *hline, *vline, *tl, *tr, *bl, *br, *tee, *elbow, *arrow;
	const char *bar_full, *bar_empty;
	const char *spark[8];
};

/* 0 or -errno (no terminal). Installs the atexit and signal restores. */
int crt_init(void);
void crt_done(void); /* idempotent */
bool crt_has_colors(void);
bool crt_utf8(void);
const struct crt_glyphs *crt_glyphs(void);
/* The attribute for a role: a colour pair, or bold/reverse in monochrome. */
int crt_attr(enum crt_color c);
/* curses attributes as int, the type every drawing call here takes */
#define ATTR_NONE 0
#define ATTR_BOLD ((int)A_BOLD)

/* Print s at (y, x), clipped to width columns; returns columns used. */
int crt_put(int y, int x, int width, int attr, const char *s);
int crt_putf(int y, int x, int width, int attr, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void crt_hline(int y, int x, int width, int attr);
/* A box with a title; inside is (y+1, x+1, h-2, w-2). */
void crt_box(int y, int x, int h, int w, int attr, const char *title);
/* Blank width cells at (y, x) in attr (a selected row). */
void crt_fill(int y, int x, int width, int attr);
/* A bar of width cells filled to frac (0..1). */
void crt_bar(int y, int x, int width, double frac, int attr);
/* A sparkline of n values (scaled to their max) into width cells. */
void crt_spark(int y, int x, int width, const double *v, int n, int attr);

#endif
