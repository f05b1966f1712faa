#include "clock.h"

#include <stddef.h>

typedef unsigned __int128 u128;


void clock_init(vclock *c, uint32_t hz)
{
    c->cycles = 0;
    c->base_cycles = 0;
    c->base_ps = 0;
    c->hz = hz;
    c->head = NULL;
    c->next_cycles = UINT64_MAX;
    c->events_run = 0;
}

uint64_t clock_now(const vclock *c)
{
    return clock_ps_at(c, c->cycles);
}

uint64_t clock_ps_at(const vclock *c, uint64_t cy)
{
    if (cy <= c->base_cycles)
        return c->base_ps;
    return c->base_ps +
           (uint64_t)((u128)(cy - c->base_cycles) * PS_PER_S / c->hz);
}

uint64_t clock_cycles_at(const vclock *c, uint64_t ps)
{
    if (ps <= c->base_ps)
        return c->base_cycles;
    u128 d = (u128)(ps - c->base_ps) * c->hz;
    return c->base_cycles + (uint64_t)((d + PS_PER_S - 1) / PS_PER_S);
}

static void update_next(vclock *c)
{
    c->next_cycles = c->head ? clock_cycles_at(c, c->head->when) : UINT64_MAX;
}

void clock_set_hz(vclock *c, uint32_t hz)
{
    if (hz == 0 || hz == c->hz)
        return;
    c->base_ps = clock_now(c);
    c->base_cycles = c->cycles;
    c->hz = hz;
    update_next(c);
}

void clock_event_init(clock_event *e, const char *name, void (*fn)(void *),
                      void *arg)
{
    e->when = 0;
    e->fn = fn;
    e->arg = arg;
    e->name = name;
    e->next = NULL;
    e->armed = false;
}

static void unlink_event(vclock *c, clock_event *e)
{
    for (clock_event **p = &c->head; *p; p = &(*p)->next) {
        if (*p == e) {
            *p = e->next;
            break;
        }
    }
    e->next = NULL;
    e->armed = false;
}

void clock_arm(vclock *c, clock_event *e, uint64_t when)
{
    if (e->armed)
        unlink_event(c, e);
    e->when = when;
    e->armed = true;
    /* Keep the list sorted; equal times run in arming order. */
    clock_event **p = &c->head;
    while (*p && (*p)->when <= when)
        p = &(*p)->next;
    e->next = *p;
    *p = e;
    if (c->head == e)
        update_next(c);
}

void clock_disarm(vclock *c, clock_event *e)
{
    if (!e->armed)
        return;
    bool was_head = c->head == e;
    unlink_event(c, e);
    if (was_head)
        update_next(c);
}

int clock_run_due(vclock *c)
{
    int n = 0;
    uint64_t now = clock_now(c);
    while (c->head && c->head->when <= now) {
        clock_event *e = c->head;
        c->head = e->next;
        e->next = NULL;
        e->armed = false;
        update_next(c);
        e->fn(e->arg);
        n++;
        c->events_run++;
    }
    update_next(c);
    return n;
}

uint64_t clock_next_event(const vclock *c)
{
    return c->head ? c->head->when : UINT64_MAX;
}

void clock_advance_to(vclock *c, uint64_t ps)
{
    uint64_t cy = clock_cycles_at(c, ps);
    if (cy > c->cycles)
        c->cycles = cy;
}
