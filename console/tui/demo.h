/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --demo SCRIPT [--auto]: a scripted stakeholder demo. The script is plain
 * text, one command per line ('#' starts a comment):
 *
 *   screen N        show screen N (1-9)
 *   say TEXT        narration, shown above the key bar
 *   scenario NAME   run scenario NAME in the console's loop (as Enter on
 *                   Scenarios)
 *   bench ARGS...   run `bpflab bench ARGS...` (as on the Bench screen)
 *   key K           press a key on the current screen (Enter, Tab, or one char)
 *   wait SECONDS    let the screens update for a while
 *   pause           wait for n / Right (with --auto: 4 s)
 *
 * Errors name the line: "demo.txt:7: unknown command 'foo'".
 */
#ifndef BPFLAB_TUI_DEMO_H
#define BPFLAB_TUI_DEMO_H

#include <stdbool.h>

struct tui;

int demo_open(struct tui *t, const char *path, bool autoplay);
void demo_next(struct tui *t); /* n / Right: leave a pause */
void demo_tick(struct tui *t); /* run commands until a pause or a wait */
void demo_close(struct tui *t);

#endif
