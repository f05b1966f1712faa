/* Scenario steps on the device itself: resets and buttons, virtual time,
 * the LED, memory and registers (flash and modules: scenario_flash_steps.c).
 * Each step is a scn_step_type (scenario.h); they are listed in
 * scenario_steps.c. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "images.h"
#include "module.h"
#include "scenario.h"

static const char *tstr(uint64_t ps, char *b, size_t n)
{
    return scn_fmt_time(ps, b, n);
}

/* ---- reset, power-cycle ------------------------------------------------------ */

static const char *const reset_names[] = {"pin", "software", "watchdog", "brown-out", NULL};
static const reset_kind reset_kinds[] = {RESET_PIN, RESET_SOFTWARE, RESET_IWDG, RESET_BROWNOUT};

static bool parse_reset(scn_args *a, scn_step *st)
{
    int *k = scn_alloc(a, sizeof(int));
    *k = 0;
    st->data = k;
    return scn_arg_enum(a, "kind", false, reset_names, k);
}

static scn_status run_reset(scn *s, scn_step *st)
{
    int k = *(int *)st->data;
    machine_reset(scn_machine(s), reset_kinds[k]); /* the timeline records it */
    return SCN_PASS;
}

const scn_step_type scn_step_reset = {
    .name = "reset",
    .keys = "kind",
    .main_key = "kind",
    .summary = "reset the chip: kind pin (the RESET button, default), software "
               "(SYSRESETREQ), watchdog, or brown-out (the supply dips below the "
               "brown-out threshold: a power reset, RCC_CSR BORRSTF without PORRSTF, RAM "
               "kept); the backup domain survives",
    .parse = parse_reset,
    .run = run_reset,
};

static bool parse_power_cycle(scn_args *a, scn_step *st)
{
    uint64_t *off = scn_alloc(a, sizeof(uint64_t));
    st->data = off;
    return scn_arg_duration(a, "off", false, off);
}

static scn_status run_power_cycle(scn *s, scn_step *st)
{
    uint64_t off = *(uint64_t *)st->data;
    machine *m = scn_machine(s);
    machine_reset(m, RESET_POWER_ON);
    if (off) {
        machine_hold_in_reset(m, true);
        scn_wait w = scn_run_until(s, scn_now(s) + off);
        if (!scn_photon(s)->reset_held)
            machine_hold_in_reset(m, false);
        if (w == SCN_WAIT_ERROR)
            return SCN_ERROR;
    }
    return SCN_PASS;
}

const scn_step_type scn_step_power_cycle = {
    .name = "power-cycle",
    .keys = "off",
    .main_key = "off",
    .summary = "unplug and plug in again (off: how long it stays off, default 0); the "
               "backup domain (RTC, backup registers and SRAM) is lost",
    .parse = parse_power_cycle,
    .run = run_power_cycle,
};

/* ---- buttons ------------------------------------------------------------------ */

static const char *const button_names[] = {"setup", "reset", NULL};

typedef struct button_args {
    int button;
    uint64_t hold;
} button_args;

static bool parse_button(scn_args *a, scn_step *st)
{
    button_args *b = scn_alloc(a, sizeof(*b));
    st->data = b;
    return scn_arg_enum(a, "button", true, button_names, &b->button);
}

static void set_button(scn *s, int button, bool pressed)
{
    photon *p = scn_photon(s);
    if (button == 0)
        photon_setup_button(p, pressed);
    else
        photon_reset_button(p, pressed);
    scn_event(s, "%s button %s", button == 0 ? "SETUP" : "RESET",
              pressed ? "pressed" : "released");
}

static scn_status run_press(scn *s, scn_step *st)
{
    set_button(s, ((button_args *)st->data)->button, true);
    return SCN_PASS;
}

static scn_status run_release(scn *s, scn_step *st)
{
    set_button(s, ((button_args *)st->data)->button, false);
    return SCN_PASS;
}

const scn_step_type scn_step_press = {
    .name = "press",
    .keys = "button",
    .main_key = "button",
    .summary = "press a button and keep it pressed: setup or reset (reset holds the "
               "chip in reset until released)",
    .parse = parse_button,
    .run = run_press,
};

const scn_step_type scn_step_release = {
    .name = "release",
    .keys = "button",
    .main_key = "button",
    .summary = "release a button: setup or reset",
    .parse = parse_button,
    .run = run_release,
};

static bool parse_hold(scn_args *a, scn_step *st)
{
    button_args *b = scn_alloc(a, sizeof(*b));
    st->data = b;
    bool ok = scn_arg_enum(a, "button", true, button_names, &b->button);
    return scn_arg_duration(a, "for", true, &b->hold) && ok;
}

static scn_status run_hold(scn *s, scn_step *st)
{
    button_args *b = st->data;
    set_button(s, b->button, true);
    scn_wait w = scn_run_until(s, scn_now(s) + b->hold);
    set_button(s, b->button, false);
    return w == SCN_WAIT_ERROR ? SCN_ERROR : SCN_PASS;
}

const scn_step_type scn_step_hold = {
    .name = "hold",
    .keys = "button for",
    .summary = "press a button, let `for` of virtual time pass, release it",
    .parse = parse_hold,
    .run = run_hold,
};

/* ---- time ---------------------------------------------------------------------- */

static bool parse_wait(scn_args *a, scn_step *st)
{
    uint64_t *d = scn_alloc(a, sizeof(uint64_t));
    st->data = d;
    return scn_arg_duration(a, "for", true, d);
}

static scn_status run_wait(scn *s, scn_step *st)
{
    scn_wait w = scn_run_until(s, scn_now(s) + *(uint64_t *)st->data);
    return w == SCN_WAIT_ERROR ? SCN_ERROR : SCN_PASS;
}

const scn_step_type scn_step_wait = {
    .name = "wait",
    .keys = "for",
    .main_key = "for",
    .summary = "let virtual time pass: `- wait: 2s`",
    .parse = parse_wait,
    .run = run_wait,
};

/* ---- the LED -------------------------------------------------------------------- */

typedef struct led_args {
    led_pattern want;
    uint64_t time; /* wait-led: timeout; expect-led: for (0: now only) */
    bool has_time;
} led_args;

typedef struct led_watch {
    scn *s;
    const led_pattern *want;
    bool hit;      /* wait-led: seen; expect-led: a different pattern came */
    led_pattern got;
    uint64_t since, seen;
} led_watch;

static bool parse_wait_led(scn_args *a, scn_step *st)
{
    led_args *l = scn_alloc(a, sizeof(*l));
    st->data = l;
    bool ok = scn_arg_led_pattern(a, "pattern", true, &l->want);
    l->has_time = scn_arg_has(a, "timeout");
    return scn_arg_duration(a, "timeout", false, &l->time) && ok;
}

/* What the LED is doing, for a report. */
static void describe_led(scn *s, char *out, size_t n)
{
    uint64_t since;
    led_pattern cur = scn_led_now(s, &since);
    char pb[96], tb[32];
    const uint8_t *rgb = scn_photon(s)->led.rgb;
    const char *cn = led_color_name(rgb);
    if (cur.kind == LP_NONE)
        snprintf(out, n, "no pattern recognised since the last reset (the LED is %s now)",
                 cn ? cn : "off");
    else
        snprintf(out, n, "%s since %s", led_pattern_str(&cur, pb, sizeof(pb)),
                 tstr(since, tb, sizeof(tb)));
}

static void on_led_wait(void *ctx, uint64_t since, uint64_t seen, const led_pattern *p)
{
    led_watch *w = ctx;
    if (!w->hit && led_pattern_match(w->want, p)) {
        w->hit = true;
        w->got = *p;
        w->since = since;
        w->seen = seen;
        scn_done(w->s);
    }
}

static scn_status run_wait_led(scn *s, scn_step *st)
{
    led_args *l = st->data;
    uint64_t timeout = l->has_time ? l->time : scn_step_timeout(s);
    char pb[96], tb[32], tb2[32], tb3[32], desc[256];
    uint64_t since;
    led_pattern cur = scn_led_now(s, &since);
    if (cur.kind != LP_NONE && led_pattern_match(&l->want, &cur))
        return SCN_PASS;
    led_watch w = {s, &l->want, false, {0}, 0, 0};
    scn_on_led(s, on_led_wait, &w);
    uint64_t start = scn_now(s);
    scn_wait r = scn_run_until(s, start + timeout);
    if (r == SCN_WAIT_ERROR)
        return SCN_ERROR;
    if (w.hit)
        return SCN_PASS;
    describe_led(s, desc, sizeof(desc));
    scn_expected(s, "%s within %s (from %s to %s)", led_pattern_str(&l->want, pb, sizeof(pb)),
                 tstr(timeout, tb, sizeof(tb)), tstr(start, tb2, sizeof(tb2)),
                 tstr(start + timeout, tb3, sizeof(tb3)));
    scn_seen(s, "%s", desc);
    return SCN_FAIL;
}

const scn_step_type scn_step_wait_led = {
    .name = "wait-led",
    .keys = "pattern timeout",
    .main_key = "pattern",
    .summary = "wait until the LED shows a pattern (\"blinking yellow\", \"breathing cyan "
               "4s\", \"solid white\", \"SOS 1\", \"off\"), at once if it already does; "
               "patterns seen before the last reset do not count; fails at `timeout` "
               "(default: the scenario's step-timeout, 30 s)",
    .parse = parse_wait_led,
    .run = run_wait_led,
};

static bool parse_expect_led(scn_args *a, scn_step *st)
{
    led_args *l = scn_alloc(a, sizeof(*l));
    st->data = l;
    bool ok = scn_arg_led_pattern(a, "pattern", true, &l->want);
    l->has_time = scn_arg_has(a, "for");
    return scn_arg_duration(a, "for", false, &l->time) && ok;
}

static void on_led_change(void *ctx, uint64_t since, uint64_t seen, const led_pattern *p)
{
    led_watch *w = ctx;
    if (!w->hit && !led_pattern_match(w->want, p)) {
        w->hit = true;
        w->got = *p;
        w->since = since;
        w->seen = seen;
        scn_done(w->s);
    }
}

static scn_status run_expect_led(scn *s, scn_step *st)
{
    led_args *l = st->data;
    char pb[96], pb2[96], tb[32], desc[256];
    uint64_t since;
    led_pattern cur = scn_led_now(s, &since);
    if (cur.kind == LP_NONE || !led_pattern_match(&l->want, &cur)) {
        describe_led(s, desc, sizeof(desc));
        scn_expected(s, "%s now", led_pattern_str(&l->want, pb, sizeof(pb)));
        scn_seen(s, "%s", desc);
        return SCN_FAIL;
    }
    if (!l->has_time || !l->time)
        return SCN_PASS;
    led_watch w = {s, &l->want, false, {0}, 0, 0};
    scn_on_led(s, on_led_change, &w);
    scn_wait r = scn_run_until(s, scn_now(s) + l->time);
    if (r == SCN_WAIT_ERROR)
        return SCN_ERROR;
    if (!w.hit)
        return SCN_PASS;
    /* a reset in between restarts the classifier: say so if it happened */
    scn_expected(s, "%s for %s", led_pattern_str(&l->want, pb, sizeof(pb)),
                 tstr(l->time, tb, sizeof(tb)));
    scn_seen(s, "%s from %s", led_pattern_str(&w.got, pb2, sizeof(pb2)),
             tstr(w.since, tb, sizeof(tb)));
    return SCN_FAIL;
}

const scn_step_type scn_step_expect_led = {
    .name = "expect-led",
    .keys = "pattern for",
    .main_key = "pattern",
    .summary = "the LED shows this pattern now (and, with `for`, keeps it that long)",
    .parse = parse_expect_led,
    .run = run_expect_led,
};

/* ---- memory and registers -------------------------------------------------------------- */

typedef struct mem_args {
    uint32_t addr;
    uint64_t size, value, mask;
    const uint8_t *bytes;
    size_t len;
} mem_args;

static bool parse_mem(scn_args *a, scn_step *st, bool expect)
{
    mem_args *m = scn_alloc(a, sizeof(*m));
    st->data = m;
    m->size = 4;
    m->mask = UINT64_MAX;
    bool ok = scn_arg_address(a, "address", true, &m->addr);
    if (scn_arg_has(a, "bytes")) {
        if (scn_arg_has(a, "value") || scn_arg_has(a, "size") || scn_arg_has(a, "mask"))
            return scn_arg_error(a, 0, "give either bytes or value (with size, mask)");
        uint8_t *b;
        ok &= scn_arg_bytes(a, "bytes", true, &b, &m->len);
        m->bytes = b;
        return ok;
    }
    ok &= scn_arg_u64(a, "size", false, 1, 4, &m->size);
    if (ok && m->size == 3)
        return scn_arg_error(a, scn_arg_line(a, "size"), "size: 1, 2 or 4 bytes");
    uint64_t max = m->size == 4 ? 0xFFFFFFFFull : (1ull << (8 * m->size)) - 1;
    ok &= scn_arg_u64(a, "value", true, 0, max, &m->value);
    if (expect)
        ok &= scn_arg_u64(a, "mask", false, 0, max, &m->mask);
    m->mask &= max;
    if (ok && (m->addr & (m->size - 1)))
        ok = scn_arg_error(a, scn_arg_line(a, "address"),
                           "0x%08x is not aligned to %" PRIu64 " bytes", m->addr, m->size);
    return ok;
}

static bool parse_expect_memory(scn_args *a, scn_step *st)
{
    return parse_mem(a, st, true);
}

static bool parse_write_memory(scn_args *a, scn_step *st)
{
    return parse_mem(a, st, false);
}

/* RAM and flash directly; registers through their models. */
static bool mem_read(machine *m, uint32_t addr, unsigned size, uint32_t *v)
{
    uint8_t *p = bus_host_ptr(&m->bus, addr, size);
    if (p) {
        uint32_t x = 0;
        memcpy(&x, p, size);
        *v = x;
        return true;
    }
    if (!bus_device_at(&m->bus, addr))
        return false;
    *v = bus_read(&m->bus, addr, size);
    return true;
}

static bool mem_write(machine *m, uint32_t addr, unsigned size, uint32_t v)
{
    uint8_t *p = bus_host_ptr(&m->bus, addr, size);
    if (p) {
        memcpy(p, &v, size);
        if (addr >= STM32F205_FLASH_BASE && addr < STM32F205_FLASH_BASE + STM32F205_FLASH_SIZE)
            machine_code_changed(m, addr, addr + size);
        return true;
    }
    if (!bus_device_at(&m->bus, addr))
        return false;
    bus_write(&m->bus, addr, v, size);
    return true;
}

static scn_status run_expect_memory(scn *s, scn_step *st)
{
    mem_args *w = st->data;
    machine *m = scn_machine(s);
    if (w->bytes) {
        for (size_t i = 0; i < w->len; i++) {
            uint32_t v;
            if (!mem_read(m, w->addr + (uint32_t)i, 1, &v)) {
                scn_expected(s, "memory at 0x%08zx", (size_t)w->addr + i);
                scn_seen(s, "nothing is mapped there");
                return SCN_FAIL;
            }
            if ((uint8_t)v != w->bytes[i]) {
                scn_expected(s, "0x%02x at 0x%08zx (byte %zu of %zu)", w->bytes[i],
                             (size_t)w->addr + i, i + 1, w->len);
                scn_seen(s, "0x%02x", v & 0xFF);
                return SCN_FAIL;
            }
        }
        return SCN_PASS;
    }
    uint32_t v;
    if (!mem_read(m, w->addr, (unsigned)w->size, &v)) {
        scn_expected(s, "a value at 0x%08x", w->addr);
        scn_seen(s, "nothing is mapped there (no RAM, flash or modelled peripheral)");
        return SCN_FAIL;
    }
    if ((v & w->mask) == w->value)
        return SCN_PASS;
    int digits = (int)w->size * 2;
    if (w->mask != ((w->size == 4) ? 0xFFFFFFFFull : (1ull << (8 * w->size)) - 1))
        scn_expected(s, "0x%0*" PRIx64 " at 0x%08x under mask 0x%0*" PRIx64, digits, w->value,
                     w->addr, digits, w->mask);
    else
        scn_expected(s, "0x%0*" PRIx64 " at 0x%08x", digits, w->value, w->addr);
    scn_seen(s, "0x%0*x", digits, v);
    return SCN_FAIL;
}

static scn_status run_write_memory(scn *s, scn_step *st)
{
    mem_args *w = st->data;
    machine *m = scn_machine(s);
    if (w->bytes) {
        for (size_t i = 0; i < w->len; i++)
            if (!mem_write(m, w->addr + (uint32_t)i, 1, w->bytes[i])) {
                scn_expected(s, "memory at 0x%08zx", (size_t)w->addr + i);
                scn_seen(s, "nothing is mapped there");
                return SCN_FAIL;
            }
    } else if (!mem_write(m, w->addr, (unsigned)w->size, (uint32_t)w->value)) {
        scn_expected(s, "memory at 0x%08x", w->addr);
        scn_seen(s, "nothing is mapped there (no RAM, flash or modelled peripheral)");
        return SCN_FAIL;
    }
    scn_event(s, "memory: wrote %s at 0x%08x", w->bytes ? "bytes" : "a value", w->addr);
    return SCN_PASS;
}

const scn_step_type scn_step_expect_memory = {
    .name = "expect-memory",
    .keys = "address value size mask bytes",
    .summary = "read memory or a register as the CPU would (registers through their "
               "models): `value` of `size` 1/2/4 bytes (default 4) under `mask`, or "
               "`bytes`; address e.g. RTC_BKP1R, BKPSRAM+0x10, 0x20000000",
    .parse = parse_expect_memory,
    .run = run_expect_memory,
};

const scn_step_type scn_step_write_memory = {
    .name = "write-memory",
    .keys = "address value size bytes",
    .summary = "write memory or a register as the CPU would (a write-protected register "
               "ignores it, as on the chip): `value` of `size` bytes, or `bytes`",
    .parse = parse_write_memory,
    .run = run_write_memory,
};
