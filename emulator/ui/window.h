/* The window of `photon-sim run`: the board with its LEDs, clickable SETUP
 * and RESET, keyboard control, and PNG screenshots at virtual times. It is
 * a runner poller (events and frames between slices of virtual time) and
 * draws snapshots of the LED state, so it never slows the emulation more
 * than the drawing of a frame at display rate. Without a display the run
 * is headless; screenshots are drawn offscreen either way. */
#ifndef PHOTON_WINDOW_H
#define PHOTON_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "runner.h"
#include "session.h"

#define VIEW_MAX_SHOTS 32

typedef struct view_shot {
    const char *path;
    double at; /* virtual seconds; < 0: when the run ends */
} view_shot;

typedef struct view_opts {
    bool headless; /* --headless: never a window */
    bool window;   /* --window: a window, or an error if there is no display */
    double scale;  /* --scale */
    bool quiet;    /* print nothing about button presses and screenshots */
    view_shot shots[VIEW_MAX_SHOTS];
    int nshots;
} view_opts;

void view_opts_init(view_opts *o);
/* Command-line helpers: false with a message on bad input. */
bool view_opt_scale(view_opts *o, const char *arg, char *err, size_t n);
bool view_opt_screenshot(view_opts *o, const char *path, char *err, size_t n);
bool view_opt_at(view_opts *o, const char *arg, char *err, size_t n);
/* Consistency of the whole set (--window with --headless, ...). */
bool view_opts_check(const view_opts *o, char *err, size_t n);
/* Has a screenshot with a time (such a run ends after the last one). */
bool view_has_timed_shots(const view_opts *o);
/* Print the window's layout ("name x y w h" lines) at o->scale. */
void view_print_layout(const view_opts *o, FILE *f);
/* Help text for the options above, for `run --help`. */
extern const char view_help[];

typedef struct view view;

/* Call after session_power_on and runner_init. `has_end`: the run stops
 * by itself (--until-led, --timeout). A window opens when asked (--window)
 * or by default when the run goes on until the user stops it (no end, no
 * timed screenshot) and a display is there; the runner then paces to the
 * wall clock (realtime, at its speed). Screenshots are scheduled on the
 * virtual clock; without a window or another end, the run stops after the
 * last. Returns 0, or -1 with a message (a window was required and cannot
 * open, or screenshots cannot be drawn). */
int view_start(view **out, const view_opts *o, session *s, runner *r, bool has_end,
               char *err, size_t n);
/* After runner_run: the end-of-run screenshots. Returns -1 if any
 * screenshot could not be written (already reported on stderr). */
int view_finish(view *v);
void view_free(view *v);

#endif
