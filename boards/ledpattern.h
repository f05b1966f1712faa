/* Names the RGB LED's behaviour the way Particle documents it: off, solid,
 * blinking, breathing (+ colour + period), and the SOS panic with its code.
 * Works on virtual time only; patterns are reported as soon as they can be
 * recognised, with the time they started. */
#ifndef PHOTON_LEDPATTERN_H
#define PHOTON_LEDPATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "led.h"

typedef enum { LP_NONE, LP_OFF, LP_SOLID, LP_BLINK, LP_BREATHE, LP_SOS } lp_kind;

typedef struct led_pattern {
    lp_kind kind;
    char color[12];     /* "" = any (in a query) */
    unsigned period_ms; /* 0 = unknown / any */
    int code;           /* SOS code; 0 = unknown / any */
} led_pattern;

typedef void (*pattern_listener)(void *ctx, uint64_t since, uint64_t seen,
                                 const led_pattern *p);

typedef struct led_classifier {
    struct machine *m;
    led_sample *seg;
    size_t n, cap;
    led_pattern cur;
    uint64_t cur_since;
    size_t solid_reported; /* segment index already reported as solid */
    clock_event ev;
    struct {
        pattern_listener fn;
        void *ctx;
    } l[8];
    int nl;
} led_classifier;

void ledc_init(led_classifier *c, struct machine *m);
void ledc_free(led_classifier *c);
void ledc_listen(led_classifier *c, pattern_listener fn, void *ctx);
/* Remove every listener added with `ctx`. */
void ledc_unlisten(led_classifier *c, void *ctx);
/* Feed an LED change (usable as an led_listener). */
void ledc_feed(void *ctx, uint64_t t, const uint8_t rgb[3]);

/* Particle's colour name for an LED value, or NULL when off. */
const char *led_color_name(const uint8_t rgb[3]);
/* "blinking yellow (202 ms period)", "SOS red, code 1 (HardFault)". */
const char *led_pattern_str(const led_pattern *p, char *buf, size_t n);
/* Parse a query such as "blinking yellow", "breathing cyan 4000ms",
 * "solid white", "sos 1". Returns false with a message on error. */
bool led_pattern_parse(const char *s, led_pattern *out, char *err, size_t n);
/* Does the observed pattern satisfy the query? */
bool led_pattern_match(const led_pattern *want, const led_pattern *seen);
const char *sos_code_name(int code);

#endif
