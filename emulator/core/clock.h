/* Virtual time. The CPU's executed instructions drive it (1 instruction = 1
 * cycle of the CPU clock); models schedule future work as events instead of
 * polling. Time is kept in picoseconds so that clocks of any frequency can be
 * expressed exactly enough; the CPU clock may change (HSI -> PLL). */
#ifndef CORE_CLOCK_H
#define CORE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define PS_PER_US ((uint64_t)1000000)
#define PS_PER_MS ((uint64_t)1000000000)
#define PS_PER_S ((uint64_t)1000000000000)

typedef struct clock_event clock_event;
struct clock_event {
    uint64_t when; /* ps */
    void (*fn)(void *arg);
    void *arg;
    const char *name;
    clock_event *next;
    bool armed;
};

typedef struct vclock {
    uint64_t cycles;      /* CPU cycles since the simulator started */
    uint64_t next_cycles; /* cycle at which the first event is due */
    uint32_t hz;          /* current CPU clock */
    uint64_t base_cycles, base_ps;
    clock_event *head;
    uint64_t events_run;
} vclock;

void clock_init(vclock *c, uint32_t hz);
/* Current virtual time in picoseconds. */
uint64_t clock_now(const vclock *c);
/* Cycle count at which virtual time `ps` is reached (rounded up). */
uint64_t clock_cycles_at(const vclock *c, uint64_t ps);
/* Virtual time (ps) at which the CPU reaches cycle `cy`. */
uint64_t clock_ps_at(const vclock *c, uint64_t cy);
void clock_set_hz(vclock *c, uint32_t hz);

void clock_event_init(clock_event *e, const char *name, void (*fn)(void *),
                      void *arg);
/* Arm (or re-arm) an event at absolute time `when` (ps). */
void clock_arm(vclock *c, clock_event *e, uint64_t when);
void clock_disarm(vclock *c, clock_event *e);
/* Run every event that is due now. Returns the number run. */
int clock_run_due(vclock *c);
/* Time of the first armed event, or UINT64_MAX. */
uint64_t clock_next_event(const vclock *c);
/* Advance idle time to `ps` (never backwards). */
void clock_advance_to(vclock *c, uint64_t ps);

static inline bool clock_due(const vclock *c)
{
    return c->cycles >= c->next_cycles;
}

#endif
