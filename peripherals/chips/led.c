#include "led.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"

void led_init(rgb_led *l, machine *m, const char *name, int nch,
              double (*level)(void *, int), void *ctx)
{
    memset(l, 0, sizeof(*l));
    l->m = m;
    l->name = name;
    l->nch = nch;
    l->level = level;
    l->level_ctx = ctx;
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
        double x = l->level(l->level_ctx, c);
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
