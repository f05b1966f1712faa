#include "ledpattern.h"
#include "numparse.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"

#define MS PS_PER_MS
#define SOLID_HOLD (1000 * MS) /* a colour unchanged this long is solid */
#define OFF_HOLD (1500 * MS)   /* off this long is off (SOS gaps: 1.1 s) */
#define SOLID_MIN (50 * MS)    /* a colour held, then changed to another */
#define SOLID_LIT (500 * MS)   /* a colour held, then off (blinks are shorter) */
#define GAP_MIN (600 * MS)     /* SOS gaps are 900 and 800 ms */
#define STEP_MAX (120 * MS)    /* breathing steps are 20-25 ms */
#define MERGE (1 * MS)         /* changes closer than this are one change */

/* ---- colours ------------------------------------------------------------ */

const char *led_color_name(const uint8_t rgb[3])
{
    int r = rgb[0], g = rgb[1], b = rgb[2];
    int mx = r > g ? (r > b ? r : b) : (g > b ? g : b);
    if (mx < 4)
        return NULL;
    double R = (double)r / mx, G = (double)g / mx, B = (double)b / mx;
    if (R > 0.7 && G > 0.7 && B > 0.7)
        return "white";
    if (R > 0.7 && B > 0.7 && G < 0.35)
        return "magenta";
    if (G > 0.7 && B > 0.7 && R < 0.35)
        return "cyan";
    if (R > 0.7 && G > 0.7 && B < 0.35)
        return "yellow";
    if (R > 0.9 && G >= 0.2 && G <= 0.7 && B < 0.35)
        return "orange";
    if (R > 0.9 && G < 0.2 && B < 0.35)
        return "red";
    if (G > 0.9 && R < 0.35 && B < 0.35)
        return "green";
    if (B > 0.9 && R < 0.35 && G < 0.35)
        return "blue";
    return "mixed";
}

static const char *cname(const led_sample *s)
{
    return led_color_name(s->rgb);
}

static bool is_off(const led_sample *s)
{
    return cname(s) == NULL;
}

static int peak(const led_sample *s)
{
    int m = s->rgb[0];
    if (s->rgb[1] > m)
        m = s->rgb[1];
    if (s->rgb[2] > m)
        m = s->rgb[2];
    return m;
}

static bool same_colour(const led_sample *a, const led_sample *b)
{
    const char *x = cname(a), *y = cname(b);
    if (!x || !y)
        return x == y;
    return !strcmp(x, y);
}

/* ---- names ---------------------------------------------------------------- */

const char *sos_code_name(int code)
{
    static const char *const n[] = {
        "",        "HardFault",       "NMIFault",        "MemManage",
        "BusFault", "UsageFault",     "InvalidLength",   "Exit",
        "OutOfHeap", "SPIOverRun",    "AssertionFailure", "InvalidCase",
        "PureVirtualCall", "StackOverflow", "HeapError", "SecureFault",
    };
    return code > 0 && code < (int)ARRAY_SIZE(n) ? n[code] : "";
}

const char *led_pattern_str(const led_pattern *p, char *buf, size_t n)
{
    switch (p->kind) {
    case LP_NONE: snprintf(buf, n, "unknown"); break;
    case LP_OFF: snprintf(buf, n, "off"); break;
    case LP_SOLID: snprintf(buf, n, "solid %s", p->color); break;
    case LP_BLINK:
    case LP_BREATHE:
        if (p->period_ms)
            snprintf(buf, n, "%s %s (%u ms period)",
                     p->kind == LP_BLINK ? "blinking" : "breathing", p->color,
                     p->period_ms);
        else
            snprintf(buf, n, "%s %s", p->kind == LP_BLINK ? "blinking" : "breathing",
                     p->color);
        break;
    case LP_SOS:
        if (p->code)
            snprintf(buf, n, "SOS red, code %d (%s)", p->code, sos_code_name(p->code));
        else
            snprintf(buf, n, "SOS red");
        break;
    }
    return buf;
}

bool led_pattern_parse(const char *s, led_pattern *out, char *err, size_t n)
{
    static const char *const colours[] = {"white", "red", "green", "blue", "cyan",
                                          "magenta", "yellow", "orange",
                                          "mixed"};
    memset(out, 0, sizeof(*out));
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", s);
    for (char *p = buf; *p; p++)
        *p = (char)(*p == ',' || *p == '(' || *p == ')' ? ' ' : tolower((unsigned char)*p));
    bool code_next = false;
    for (char *tok = strtok(buf, " \t"); tok; tok = strtok(NULL, " \t")) {
        if (!strcmp(tok, "off")) out->kind = LP_OFF;
        else if (!strcmp(tok, "solid")) out->kind = LP_SOLID;
        else if (!strcmp(tok, "blinking") || !strcmp(tok, "blink") ||
                 !strcmp(tok, "flashing")) out->kind = LP_BLINK;
        else if (!strcmp(tok, "breathing") || !strcmp(tok, "breathe")) out->kind = LP_BREATHE;
        else if (!strcmp(tok, "sos")) out->kind = LP_SOS;
        else if (!strcmp(tok, "code")) code_next = true;
        else if (!strcmp(tok, "period") || !strcmp(tok, "ms")) continue;
        else if (isdigit((unsigned char)tok[0])) {
            /* a period: 1 ms to 1000 s, bare numbers in ms; a code: 1 to 1000 */
            double v;
            uint64_t code;
            if (out->kind == LP_SOS || code_next) {
                if (!num_u64(tok, 1000, &code) || code == 0) {
                    snprintf(err, n, "bad SOS code '%s' in LED pattern '%s' (1 to 1000)", tok,
                             s);
                    return false;
                }
                out->code = (int)code;
                code_next = false;
            } else if (num_real(tok, 1, 1e6, &v)) {
                out->period_ms = (unsigned)(v + 0.5);
            } else if (num_seconds(tok, 1e-3, 1e3, &v)) {
                out->period_ms = (unsigned)(v * 1e3 + 0.5);
            } else {
                snprintf(err, n, "bad period '%s' in LED pattern '%s' (1 ms to 1000 s, e.g. "
                         "200ms or 0.2s)", tok, s);
                return false;
            }
        } else {
            bool found = false;
            for (size_t i = 0; i < ARRAY_SIZE(colours); i++)
                if (!strcmp(tok, colours[i])) {
                    snprintf(out->color, sizeof(out->color), "%s", tok);
                    found = true;
                }
            if (!found && out->kind == LP_SOS)
                found = !strcmp(tok, sos_code_name(out->code)) || strlen(tok) > 3;
            if (!found) {
                snprintf(err, n,
                         "unknown word '%s' in LED pattern '%s' (expected e.g. "
                         "\"blinking yellow\", \"solid white\", \"breathing cyan\", "
                         "\"SOS 1\", \"off\")",
                         tok, s);
                return false;
            }
        }
    }
    if (out->kind == LP_NONE) {
        if (out->color[0])
            out->kind = LP_SOLID;
        else {
            snprintf(err, n, "LED pattern '%s' names no pattern", s);
            return false;
        }
    }
    if (out->kind == LP_SOS && out->color[0] && strcmp(out->color, "red")) {
        snprintf(err, n, "an SOS is always red");
        return false;
    }
    if (out->kind == LP_SOS)
        out->color[0] = 0;
    return true;
}

bool led_pattern_match(const led_pattern *want, const led_pattern *seen)
{
    if (want->kind != seen->kind)
        return false;
    if (want->color[0] && strcmp(want->color, seen->color))
        return false;
    if (want->code && want->code != seen->code)
        return false;
    if (want->period_ms) {
        if (!seen->period_ms)
            return false;
        double r = (double)seen->period_ms / want->period_ms;
        if (r < 0.75 || r > 1.33)
            return false;
    }
    return true;
}

/* ---- recognition ---------------------------------------------------------- */

static uint64_t dur(led_classifier *c, size_t i, uint64_t now)
{
    return (i + 1 < c->n ? c->seg[i + 1].t : now) - c->seg[i].t;
}

static bool close_to(uint64_t a, uint64_t b, double tol)
{
    double x = (double)a, y = (double)b;
    return x <= y * (1 + tol) && y <= x * (1 + tol);
}

static void report(led_classifier *c, const led_pattern *p, uint64_t since)
{
    bool same = p->kind == c->cur.kind && !strcmp(p->color, c->cur.color) &&
                p->code == c->cur.code &&
                (p->period_ms == c->cur.period_ms ||
                 (p->period_ms && c->cur.period_ms &&
                  close_to(p->period_ms, c->cur.period_ms, 0.15)));
    if (same)
        return;
    if (p->kind == c->cur.kind && !strcmp(p->color, c->cur.color) &&
        p->kind != LP_SOS && !(p->period_ms && c->cur.period_ms))
        since = c->cur_since; /* the same pattern, now with its period */
    c->cur = *p;
    c->cur_since = since;
    uint64_t now = machine_now(c->m);
    for (int i = 0; i < c->nl; i++)
        c->l[i].fn(c->l[i].ctx, since, now, p);
}

/* The start of an SOS prefix (3 short, 3 long, 3 short red flashes)
 * whose last flash is followed by the off segment `gap`, or -1. */
static long sos_prefix(led_classifier *c, size_t gap, uint64_t now)
{
    if (gap < 17)
        return -1;
    size_t start = gap - 17;
    for (int f = 0; f < 9; f++) {
        size_t i = start + 2 * (size_t)f;
        const led_sample *s = &c->seg[i];
        if (is_off(s) || strcmp(cname(s), "red"))
            return -1;
        uint64_t d = dur(c, i, now);
        bool longf = f >= 3 && f < 6;
        if (longf ? (d < 200 * MS || d > 450 * MS) : (d < 80 * MS || d > 220 * MS))
            return -1;
        if (!is_off(&c->seg[i + 1]))
            return -1;
    }
    return (long)start;
}

/* SOS: the prefix, a gap, N code flashes, a gap (the current segment, off
 * for at least GAP_MIN). */
static bool detect_sos(led_classifier *c, uint64_t now)
{
    size_t k = c->n - 1;
    if (!is_off(&c->seg[k]) || dur(c, k, now) < GAP_MIN)
        return false;
    size_t i = k;
    int code = 0;
    while (i >= 2 && !is_off(&c->seg[i - 1]) && !strcmp(cname(&c->seg[i - 1]), "red") &&
           dur(c, i - 1, now) >= 200 * MS && dur(c, i - 1, now) <= 450 * MS) {
        code++;
        i -= 1; /* the flash */
        if (!is_off(&c->seg[i - 1]))
            return false;
        if (dur(c, i - 1, now) >= GAP_MIN)
            break; /* the gap before the code */
        i -= 1; /* the space between flashes */
    }
    if (!code || i < 1 || dur(c, i - 1, now) < GAP_MIN)
        return false;
    long start = sos_prefix(c, i - 1, now);
    if (start < 0)
        return false;
    led_pattern p = {LP_SOS, "", 0, code};
    report(c, &p, c->seg[start].t);
    return true;
}

/* Blinking: on/off with regular timing; `cycles` full cycles completed
 * and the current segment continuing the rhythm. */
static bool detect_blink(led_classifier *c, uint64_t now)
{
    size_t k = c->n - 1;
    (void)now;
    /* the last completed segment decides where the cycles end */
    if (k < 3)
        return false;
    size_t last_on = is_off(&c->seg[k]) ? k - 1 : k - 2;
    if (is_off(&c->seg[last_on]))
        return false;
    const char *col = cname(&c->seg[last_on]);
    int cycles = !strcmp(col, "red") ? 4 : 2;
    /* on segments: last_on, last_on-2, ...; the cycle needs an off after */
    size_t need = (size_t)(2 * cycles - 1);
    if (last_on < need - 1 || last_on + 1 > k)
        return false;
    size_t first = last_on - (need - 1);
    uint64_t on0 = dur(c, last_on, now), off0 = dur(c, last_on - 1, now);
    for (size_t i = first; i <= last_on; i++) {
        const led_sample *s = &c->seg[i];
        bool on = ((last_on - i) % 2) == 0;
        if (on) {
            if (is_off(s) || !same_colour(s, &c->seg[last_on]) ||
                abs(peak(s) - peak(&c->seg[last_on])) > 16 ||
                !close_to(dur(c, i, now), on0, 0.3))
                return false;
        } else {
            if (!is_off(s) || !close_to(dur(c, i, now), off0, 0.3))
                return false;
        }
    }
    if (on0 > SOLID_HOLD || off0 > SOLID_HOLD)
        return false;
    /* the code flashes of an SOS are regular too: they are not a blink */
    size_t run = first;
    while (run >= 2 && is_off(&c->seg[run - 1]) && close_to(dur(c, run - 1, now), off0, 0.3) &&
           same_colour(&c->seg[run - 2], &c->seg[last_on]) &&
           close_to(dur(c, run - 2, now), on0, 0.3))
        run -= 2;
    if (run >= 1 && is_off(&c->seg[run - 1]) && dur(c, run - 1, now) >= GAP_MIN &&
        sos_prefix(c, run - 1, now) >= 0)
        return false;
    led_pattern p = {LP_BLINK, "", (unsigned)((on0 + off0 + MS / 2) / MS), 0};
    snprintf(p.color, sizeof(p.color), "%s", col);
    report(c, &p, c->seg[first].t);
    return true;
}

/* Breathing: the same colour stepping through many brightness levels. */
/* Near dark, rounding makes hues meaningless: a dim step belongs to the
 * breathing colour around it. */
static bool breath_colour(const led_sample *s, const led_sample *ref)
{
    return !is_off(s) && (peak(s) < 16 || same_colour(s, ref));
}

static bool detect_breathe(led_classifier *c, uint64_t now)
{
    const size_t need = 8;
    size_t k = c->n - 1;
    if (c->n < need + 1 || is_off(&c->seg[k]) || peak(&c->seg[k]) < 16)
        return false;
    int lo = 255, hi = 0;
    for (size_t i = k - need; i < k; i++) {
        /* hi/lo over the recent steps decide whether this is breathing */
        if (!breath_colour(&c->seg[i], &c->seg[k]) || dur(c, i, now) > STEP_MAX)
            return false;
        if (peak(&c->seg[i]) < lo) lo = peak(&c->seg[i]);
        if (peak(&c->seg[i]) > hi) hi = peak(&c->seg[i]);
    }
    if (hi - lo < 3)
        return false;
    /* Where did this breathing start, and when were its last two peaks? */
    size_t start = k;
    while (start > 0 && breath_colour(&c->seg[start - 1], &c->seg[k]) &&
           (dur(c, start - 1, now) <= STEP_MAX || start - 1 == 0 ||
            !same_colour(&c->seg[start - 2], &c->seg[k])))
        start--;
    /* the period: from the last peak to the one before (peaks are the
     * brightest segments of the run, where rising turns to falling) */
    uint64_t peaks[2] = {0, 0};
    int np = 0;
    for (size_t i = k; i-- > start && np < 2;) {
        int p = peak(&c->seg[i]);
        bool before = i == start || peak(&c->seg[i - 1]) < p;
        bool after = peak(&c->seg[i + 1]) < p;
        if (before && after && p >= hi - 2)
            peaks[np++] = c->seg[i + 1].t; /* where the fall starts */
    }
    led_pattern p = {LP_BREATHE, "", 0, 0};
    snprintf(p.color, sizeof(p.color), "%s", cname(&c->seg[k]));
    if (np == 2 && peaks[0] > peaks[1])
        p.period_ms = (unsigned)((peaks[0] - peaks[1] + MS / 2) / MS);
    report(c, &p, c->seg[start].t);
    return true;
}

static void evaluate(led_classifier *c, uint64_t now)
{
    if (!c->n)
        return;
    size_t k = c->n - 1;
    if (detect_sos(c, now))
        return;
    uint64_t d = dur(c, k, now);
    if (d >= (is_off(&c->seg[k]) ? OFF_HOLD : SOLID_HOLD)) {
        led_pattern p = {is_off(&c->seg[k]) ? LP_OFF : LP_SOLID, "", 0, 0};
        if (p.kind == LP_SOLID)
            snprintf(p.color, sizeof(p.color), "%s", cname(&c->seg[k]));
        report(c, &p, c->seg[k].t);
        return;
    }
    /* A colour held a while and then changed to another (or went off after
     * longer than any blink): it was solid. Reported before what follows. */
    if (k >= 1 && c->solid_reported != k - 1 && !is_off(&c->seg[k - 1]) &&
        dur(c, k - 1, now) >= (is_off(&c->seg[k]) ? SOLID_LIT : SOLID_MIN) &&
        dur(c, k - 1, now) < SOLID_HOLD) {
        c->solid_reported = k - 1;
        led_pattern p = {LP_SOLID, "", 0, 0};
        snprintf(p.color, sizeof(p.color), "%s", cname(&c->seg[k - 1]));
        report(c, &p, c->seg[k - 1].t);
    }
    if (detect_blink(c, now))
        return;
    detect_breathe(c, now);
}

/* Evaluation runs once a change has settled (MERGE), then again when the
 * current segment becomes long enough to be an SOS gap or a solid hold. */
static void timer(void *arg)
{
    led_classifier *c = arg;
    uint64_t now = machine_now(c->m);
    evaluate(c, now);
    if (c->n) {
        uint64_t t = c->seg[c->n - 1].t;
        if (now < t + GAP_MIN)
            clock_arm(&c->m->clock, &c->ev, t + GAP_MIN);
        else if (now < t + SOLID_HOLD)
            clock_arm(&c->m->clock, &c->ev, t + SOLID_HOLD);
        else if (now < t + OFF_HOLD)
            clock_arm(&c->m->clock, &c->ev, t + OFF_HOLD);
    }
}

void ledc_feed(void *ctx, uint64_t t, const uint8_t rgb[3])
{
    led_classifier *c = ctx;
    /* Firmware sets the channels one register write after the other: what
     * changes again within MERGE is one change (no eye sees it). */
    if (c->n && t - c->seg[c->n - 1].t < MERGE) {
        memcpy(c->seg[c->n - 1].rgb, rgb, 3);
        if (c->n >= 2 && !memcmp(c->seg[c->n - 2].rgb, rgb, 3))
            c->n--;
        return;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        led_sample *s = realloc(c->seg, cap * sizeof(*s));
        if (!s)
            return;
        c->seg = s;
        c->cap = cap;
    }
    c->seg[c->n].t = t;
    memcpy(c->seg[c->n].rgb, rgb, 3);
    c->n++;
    clock_arm(&c->m->clock, &c->ev, t + MERGE);
}

void ledc_init(led_classifier *c, machine *m)
{
    memset(c, 0, sizeof(*c));
    c->m = m;
    c->solid_reported = (size_t)-1;
    clock_event_init(&c->ev, "led-pattern", timer, c);
}

void ledc_free(led_classifier *c)
{
    clock_disarm(&c->m->clock, &c->ev);
    free(c->seg);
    c->seg = NULL;
    c->n = c->cap = 0;
}

void ledc_listen(led_classifier *c, pattern_listener fn, void *ctx)
{
    if (c->nl < 8) {
        c->l[c->nl].fn = fn;
        c->l[c->nl].ctx = ctx;
        c->nl++;
    }
}

void ledc_unlisten(led_classifier *c, void *ctx)
{
    int k = 0;
    for (int i = 0; i < c->nl; i++)
        if (c->l[i].ctx != ctx)
            c->l[k++] = c->l[i];
    c->nl = k;
}
