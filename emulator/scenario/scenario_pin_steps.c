/* Scenario steps on the board's pins, by the names the board gives them
 * (boards/photon.c: D0-D7, A0-A7, RX, TX, SETUP, ... or PA13):
 *
 *   - set-pin: {pin: D2, level: high}     something outside drives the pin
 *                                         (high, low; float lets go)
 *   - expect-pin: {pin: D7, level: high}  the pin now (and `for` a while)
 *   - wait-pin: {pin: D7, level: low}     until the pin is at that level
 *
 * A pin's state is what is on the wire: high or low when the chip drives
 * it or something outside does (the chip wins), otherwise float (its
 * pull-up or pull-down is what the chip itself would read). A step watches
 * the pin's lines (what the port drives and what its input reads) for as
 * long as it runs, so nothing polls. */
#include <stdio.h>
#include <stdlib.h>

#include "gpio.h"
#include "scenario.h"

enum { PIN_HIGH, PIN_LOW, PIN_FLOAT };
static const char *const level_names[] = {"high", "low", "float", NULL};

typedef struct pin_args {
    const char *name;
    int level;
    uint64_t time; /* expect-pin: for (0: now only); wait-pin: timeout */
    bool has_time;
} pin_args;

static bool parse_pin(scn_args *a, scn_step *st, const char *time_key)
{
    pin_args *p = scn_alloc(a, sizeof(*p));
    st->data = p;
    bool ok = scn_arg_str(a, "pin", true, &p->name);
    int port, pin;
    if (ok && !photon_pin_find(p->name, &port, &pin))
        ok = scn_arg_error(a, scn_arg_line(a, "pin"), "no pin '%s' (%s)", p->name,
                           photon_pin_names);
    ok &= scn_arg_enum(a, "level", true, level_names, &p->level);
    if (time_key) {
        p->has_time = scn_arg_has(a, time_key);
        ok &= scn_arg_duration(a, time_key, false, &p->time);
    }
    return ok;
}

static int pin_state(const stm32_gpio *g, int pin)
{
    if (!gpio_pin_output(g, pin).driven && g->ext[pin] < 0)
        return PIN_FLOAT;
    return gpio_pin_level(g, pin) ? PIN_HIGH : PIN_LOW;
}

/* ---- set-pin -------------------------------------------------------------------- */

static bool parse_set_pin(scn_args *a, scn_step *st)
{
    return parse_pin(a, st, NULL);
}

static scn_status run_set_pin(scn *s, scn_step *st)
{
    const pin_args *p = st->data;
    int pin;
    stm32_gpio *g = photon_pin(scn_photon(s), p->name, &pin);
    gpio_set_external(g, pin, p->level == PIN_FLOAT ? -1 : p->level == PIN_HIGH);
    scn_event(s, "pin %s %s", p->name,
              p->level == PIN_FLOAT ? "let go" : p->level == PIN_HIGH ? "driven high" : "driven low");
    return SCN_PASS;
}

const scn_step_type scn_step_set_pin = {
    .name = "set-pin",
    .keys = "pin level",
    .summary = "drive a pin from outside the board: `pin` D0-D7, A0-A7, RX, TX, ... or PA13; "
               "`level` high or low (a button or a wire to 3V3/GND), float lets go; the chip "
               "wins where it drives the pin itself",
    .parse = parse_set_pin,
    .run = run_set_pin,
};

/* ---- expect-pin, wait-pin ------------------------------------------------------ */

typedef struct pin_watch {
    scn *s;
    const stm32_gpio *g;
    int pin, want;
    bool until_equal; /* wait-pin: stop when equal; expect-pin: when different */
    bool hit;
    int got;
    uint64_t at;
} pin_watch;

static void on_pin(void *opaque, int n, double level)
{
    (void)n;
    (void)level;
    pin_watch *w = opaque;
    int st = pin_state(w->g, w->pin);
    if (!w->hit && (st == w->want) == w->until_equal) {
        w->hit = true;
        w->got = st;
        w->at = scn_now(w->s);
        scn_done(w->s);
    }
}

/* Run for `dur` while watching the pin, until it is (until_equal) or is no
 * longer at the level the step wants; w tells what happened. SCN_ERROR on
 * an emulator error, otherwise SCN_PASS. */
static scn_status watch(scn *s, const pin_args *p, bool until_equal, uint64_t dur, pin_watch *w)
{
    int pin;
    stm32_gpio *g = photon_pin(scn_photon(s), p->name, &pin);
    *w = (pin_watch){.s = s, .g = g, .pin = pin, .want = p->level, .until_equal = until_equal};
    line *lines[2] = {device_line_out(&g->dev, "pin", pin), device_line_out(&g->dev, "in", pin)};
    line_sink sink = line_sink_make(on_pin, w, 0);
    int connected[2];
    for (int i = 0; i < 2; i++)
        connected[i] = line_connect(lines[i], sink) == 0;
    if (!connected[0] && !connected[1]) {
        scn_note(s, "pin %s: every observer place of its lines is taken", p->name);
        return SCN_ERROR;
    }
    scn_wait r = scn_run_until(s, scn_now(s) + dur);
    for (int i = 0; i < 2; i++)
        if (connected[i])
            line_disconnect_sink(lines[i], sink);
    return r == SCN_WAIT_ERROR ? SCN_ERROR : SCN_PASS;
}

/* The pin's state now. */
static int state_now(scn *s, const pin_args *p)
{
    int pin;
    const stm32_gpio *g = photon_pin(scn_photon(s), p->name, &pin);
    return pin_state(g, pin);
}

static bool parse_expect_pin(scn_args *a, scn_step *st)
{
    return parse_pin(a, st, "for");
}

static scn_status run_expect_pin(scn *s, scn_step *st)
{
    const pin_args *p = st->data;
    char tb[32], tb2[32];
    int now = state_now(s, p);
    if (now != p->level) {
        scn_expected(s, "pin %s %s now", p->name, level_names[p->level]);
        scn_seen(s, "%s", level_names[now]);
        return SCN_FAIL;
    }
    if (!p->has_time || !p->time)
        return SCN_PASS;
    pin_watch w;
    if (watch(s, p, false, p->time, &w) != SCN_PASS)
        return SCN_ERROR;
    if (!w.hit)
        return SCN_PASS;
    scn_expected(s, "pin %s %s for %s", p->name, level_names[p->level],
                 scn_fmt_time(p->time, tb, sizeof(tb)));
    scn_seen(s, "%s from %s", level_names[w.got], scn_fmt_time(w.at, tb2, sizeof(tb2)));
    return SCN_FAIL;
}

const scn_step_type scn_step_expect_pin = {
    .name = "expect-pin",
    .keys = "pin level for",
    .summary = "the pin is at `level` now (high, low, or float: nothing drives it), and "
               "stays so `for` a while if given: `- expect-pin: {pin: D7, level: high}`",
    .parse = parse_expect_pin,
    .run = run_expect_pin,
};

static bool parse_wait_pin(scn_args *a, scn_step *st)
{
    return parse_pin(a, st, "timeout");
}

static scn_status run_wait_pin(scn *s, scn_step *st)
{
    const pin_args *p = st->data;
    if (state_now(s, p) == p->level)
        return SCN_PASS;
    uint64_t timeout = p->has_time ? p->time : scn_step_timeout(s);
    pin_watch w;
    if (watch(s, p, true, timeout, &w) != SCN_PASS)
        return SCN_ERROR;
    if (w.hit)
        return SCN_PASS;
    char tb[32];
    scn_expected(s, "pin %s %s within %s", p->name, level_names[p->level],
                 scn_fmt_time(timeout, tb, sizeof(tb)));
    scn_seen(s, "%s", level_names[state_now(s, p)]);
    return SCN_FAIL;
}

const scn_step_type scn_step_wait_pin = {
    .name = "wait-pin",
    .keys = "pin level timeout",
    .summary = "wait until the pin is at `level` (high, low, float), at once if it is; fails "
               "at `timeout` (default: the scenario's step-timeout)",
    .parse = parse_wait_pin,
    .run = run_wait_pin,
};
