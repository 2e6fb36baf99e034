/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --replay FILE [--speed N]: a --record file (one Tetragon/Hubble JSON line
 * per event) fed back into the event model at the pace it was recorded,
 * N times faster, from the 10 Hz timer. No engine runs during a replay.
 */
#ifndef BPFLAB_TUI_REPLAY_H
#define BPFLAB_TUI_REPLAY_H

struct tui;

int replay_open(struct tui *t, const char *path, double speed);
void replay_feed(struct tui *t); /* push every line that is due */
void replay_close(struct tui *t);

#endif
