/* LEDs on a board: an RGB LED (or a single one) whose channels are inputs
 * wired to pins, lit by the level the pin drives (a PWM duty shows as a
 * brightness), and its timeline of (virtual time, r, g, b). */
#ifndef PHOTON_LED_H
#define PHOTON_LED_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "line.h"

struct machine;

typedef struct led_sample {
    uint64_t t; /* ps */
    uint8_t rgb[3];
} led_sample;

typedef void (*led_listener)(void *ctx, uint64_t t, const uint8_t rgb[3]);

typedef struct rgb_led {
    struct machine *m;
    const char *name;
    int nch;                 /* 3 for RGB, 1 for a single LED */
    bool active_low;         /* common anode: lit while the pin is low */
    double in[3];            /* what the pins drive (LINE_FLOAT: nothing) */
    uint8_t rgb[3];
    led_sample *hist;
    size_t n, cap;
    FILE *trace;
    struct {
        led_listener fn;
        void *ctx;
    } l[8];
    int nl;
} rgb_led;

void led_init(rgb_led *l, struct machine *m, const char *name, int nch, bool active_low);
/* Channel `ch`'s input, to connect a pin's line to. */
line_sink led_input(rgb_led *l, int ch);
void led_free(rgb_led *l);
void led_listen(rgb_led *l, led_listener fn, void *ctx);
/* Recompute from the pins; records and reports a change. */
void led_update(rgb_led *l);
/* Write every change as "ms,r,g,b" lines. */
void led_set_trace(rgb_led *l, FILE *f);

#endif
