/* The Photon as the window shows it: the board drawn from primitives (PCB,
 * PØ module can, header pins with labels, USB connector, RGB LED with a
 * diffused glow, the blue D7 LED, SETUP and RESET), a panel naming the
 * LED pattern and a status line. It draws a snapshot of the device's
 * state into any SDL renderer: the window's, or a software renderer on a
 * surface for screenshots (no display needed). */
#ifndef PHOTON_BOARDVIEW_H
#define PHOTON_BOARDVIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ledpattern.h"

struct SDL_Renderer;

/* ---- geometry (no SDL needed) ------------------------------------------- */

typedef struct bv_rect {
    int x, y, w, h;
} bv_rect;

typedef struct bv_layout {
    double scale;
    double k;          /* pixels per millimetre of board */
    int w, h;          /* window size */
    double bx, by;     /* board's top-left corner, px */
    bv_rect board, usb, setup, reset, led, d7, panel, status;
} bv_layout;

enum { BV_NONE, BV_SETUP, BV_RESET };

#define BV_SCALE_MIN 0.5
#define BV_SCALE_MAX 8.0

void bv_layout_init(bv_layout *l, double scale);
/* What is at window pixel (x, y): BV_SETUP, BV_RESET or BV_NONE. */
int bv_hit(const bv_layout *l, int x, int y);
/* "name x y w h" lines (window pixels) for scripts and tests. */
void bv_print_layout(const bv_layout *l, FILE *f);

/* ---- what to draw ------------------------------------------------------- */

typedef struct bv_state {
    double rgb[3];        /* RGB LED drive 0..255 (PWM average); ~95 is the
                             Particle firmware's full brightness */
    double d7;            /* D7 LED 0..255 */
    bool setup, reset;    /* buttons held */
    bool paused, realtime;
    double speed;
    uint64_t now;         /* virtual time, ps */
    led_pattern pattern;  /* the classifier's current pattern */
    uint64_t since;       /* when it started, ps */
} bv_state;

/* Screen intensity 0..1 for an LED drive value (0..255). */
double bv_led_level(double drive);

/* ---- drawing ------------------------------------------------------------ */

typedef struct boardview boardview;

/* Builds the static layers for `scale` in renderer `r`. NULL with a message
 * on failure. Text needs a font (DejaVu Sans, or $PHOTON_SIM_FONT); without
 * one the view draws everything else and says so once on stderr. */
boardview *bv_new(struct SDL_Renderer *r, double scale, char *err, size_t n);
void bv_free(boardview *v);
const bv_layout *bv_get_layout(const boardview *v);
/* Draw a whole frame (the caller presents it). */
void bv_draw(boardview *v, const bv_state *s);

/* An offscreen view: a software renderer on a surface, for screenshots. */
typedef struct bv_offscreen bv_offscreen;
bv_offscreen *bv_offscreen_new(double scale, char *err, size_t n);
void bv_offscreen_free(bv_offscreen *o);
/* Draw `s` and write it as a PNG. Returns 0 or -1 with a message. */
int bv_offscreen_png(bv_offscreen *o, const bv_state *s, const char *path, char *err,
                     size_t n);
/* Draw `s` and return the pixel at (x, y) as 0xRRGGBB (for tests). */
uint32_t bv_offscreen_pixel(bv_offscreen *o, const bv_state *s, int x, int y);

#endif
