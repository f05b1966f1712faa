#include "led.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"

void led_init(rgb_led *l, machine *m, const char *name, int nch, bool active_low)
{
    memset(l, 0, sizeof(*l));
    l->m = m;
    l->name = name;
    l->nch = nch;
    l->active_low = active_low;
    for (int c = 0; c < 3; c++)
        l->in[c] = LINE_FLOAT;
}

static void settle(void *opaque)
{
    led_update(opaque);
}

/* A pin changed: look once the pins changing with it have (a batch). */
static void channel_in(void *opaque, int ch, double level)
{
    rgb_led *l = opaque;
    l->in[ch] = level;
    line_settle(settle, l);
}

line_sink led_input(rgb_led *l, int ch)
{
    return ch >= 0 && ch < l->nch ? line_sink_make(channel_in, l, ch)
                                  : line_sink_make(NULL, NULL, 0);
}

void led_free(rgb_led *l)
{
    free(l->hist);
    l->hist = NULL;
    l->n = l->cap = 0;
}

void led_listen(rgb_led *l, led_listener fn, void *ctx)
{
    if (l->nl < 8) {
        l->l[l->nl].fn = fn;
        l->l[l->nl].ctx = ctx;
        l->nl++;
    }
}

void led_set_trace(rgb_led *l, FILE *f)
{
    l->trace = f;
    if (f)
        fprintf(f, "ms,r,g,b\n");
}

void led_update(rgb_led *l)
{
    uint8_t v[3] = {0, 0, 0};
    for (int c = 0; c < l->nch; c++) {
        double lv = l->in[c];
        double x = !line_driven(lv) ? 0.0 : l->active_low ? 1.0 - lv : lv;
        if (x < 0)
            x = 0;
        if (x > 1)
            x = 1;
        v[c] = (uint8_t)(x * 255.0 + 0.5);
    }
    if (!memcmp(v, l->rgb, 3))
        return;
    memcpy(l->rgb, v, 3);
    uint64_t t = machine_now(l->m);
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        led_sample *h = realloc(l->hist, cap * sizeof(*h));
        if (h) {
            l->hist = h;
            l->cap = cap;
        }
    }
    if (l->n < l->cap) {
        l->hist[l->n].t = t;
        memcpy(l->hist[l->n].rgb, v, 3);
        l->n++;
    }
    if (l->trace)
        fprintf(l->trace, "%" PRIu64 ".%06" PRIu64 ",%u,%u,%u\n", t / PS_PER_MS,
                (t % PS_PER_MS) / 1000, v[0], v[1], v[2]);
    log_msg(&l->m->log, LOG_LED, "[%.3f ms] %s: %u %u %u", (double)t / PS_PER_MS,
            l->name, v[0], v[1], v[2]);
    for (int i = 0; i < l->nl; i++)
        l->l[i].fn(l->l[i].ctx, t, v);
}
