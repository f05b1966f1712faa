/* RNG (RM0033 section 20.3). A new 32-bit value is ready 40 RNG clock
 * periods (48 MHz) after enabling and after each read of DR; values come
 * from a seeded generator (splitmix64), so runs repeat exactly. The seed
 * error and clock error flags never set. */
#include "rng.h"

#include <string.h>

#include "machine.h"

#define RNG_REGS(REG, REGV, REGA) \
    REG(CR, 0x00, cr)              \
    REGV(SR, 0x04)                 \
    REG(DR, 0x08, dr)
REGS_OFFSETS(RNG_REGS)
#define REGS_T stm32_rng
    FIELD(CR, RNGEN, 2, 1)
    FIELD(CR, IE, 3, 1)
    FIELD(SR, DRDY, 0, 1)

#define READY_PS (40 * PS_PER_S / 48000000u)


static uint32_t next_value(stm32_rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)(z ^ (z >> 31));
}

static bool ready(stm32_rng *r)
{
    return FIELD_EX32(r->cr, CR, RNGEN) && machine_now(r->dev.m) >= r->ready_at;
}

static void update_irq(stm32_rng *r)
{
    machine *m = r->dev.m;
    line_set(&r->irq, FIELD_EX32(r->cr, CR, IE) && ready(r));
    if (FIELD_EX32(r->cr, CR, IE) && FIELD_EX32(r->cr, CR, RNGEN) && !ready(r))
        clock_arm(&m->clock, &r->ready_ev, r->ready_at);
}

static void data_ready(void *arg)
{
    update_irq(arg);
}

static uint32_t rng_read(device *d, uint32_t off, unsigned size)
{
    stm32_rng *r = container_of(d, stm32_rng, dev);
    (void)size;
    switch (off) {
    case A_CR: return r->cr;
    case A_SR:
        bus_note_effect(&d->m->bus);
        return ready(r) ? R_SR_DRDY_MASK : 0;
    case A_DR: {
        bus_note_effect(&d->m->bus);
        if (!ready(r))
            return 0;
        uint32_t v = r->dr;
        r->dr = next_value(r);
        r->reads++;
        r->ready_at = machine_now(d->m) + READY_PS;
        update_irq(r);
        return v;
    }
    }
    device_unimp(d, off, false, 0);
    return 0;
}

static void rng_write(device *d, uint32_t off, uint32_t v, unsigned size)
{
    stm32_rng *r = container_of(d, stm32_rng, dev);
    switch (off & ~3u) {
    case A_CR: {
        bool was = FIELD_EX32(r->cr, CR, RNGEN);
        r->cr = reg_merge(r->cr, off, v, size) & 0xC;
        if (!was && FIELD_EX32(r->cr, CR, RNGEN))
            r->ready_at = machine_now(d->m) + READY_PS;
        update_irq(r);
        return;
    }
    case A_SR:
    case A_DR: return;
    }
    device_unimp(d, off, true, v);
}

static void rng_reset(device *d, reset_kind kind)
{
    stm32_rng *r = container_of(d, stm32_rng, dev);
    clock_disarm(&d->m->clock, &r->ready_ev);
    r->cr = 0;
    r->sr = 0;
    r->ready_at = 0;
    /* The generator's state is not reset by a system reset: like a real
     * noise source, a reboot does not replay the same numbers. */
    if (kind == RESET_POWER_ON && r->reads == 0)
        r->state = r->seed;
    if (r->dr == 0)
        r->dr = next_value(r);
    update_irq(r);
}

static const reg_name rng_regs[] = {REGS_NAMES(RNG_REGS){0}};
static const state_field rng_state[] = {
    REGS_STATE(RNG_REGS)
    STATE("state", state)
    STATE("ready_at", ready_at)
    {0},
};
static const line_desc rng_lines[] = {LINE_OUT("irq", irq){0}};

const device_class rng_class = {
    .type = "stm32f2-rng", .size = 0x400, .read = rng_read, .write = rng_write,
    .reset = rng_reset, .regs = rng_regs, .state = rng_state, .lines = rng_lines,
};

void rng_init(stm32_rng *r, const char *name, uint64_t seed)
{
    memset(r, 0, sizeof(*r));
    device_init(&r->dev, &rng_class, name);
    r->seed = seed;
    r->state = seed;
    clock_event_init(&r->ready_ev, "rng", data_ready, r);
}
