#include "idle.h"

#include <stdlib.h>
#include <string.h>

#include "machine.h"

/* Registers whose equality, with the RAM's, makes two visits of a loop
 * head the same machine state. */
static const int regs[IDLE_NREGS] = {
    UC_ARM_REG_R0,  UC_ARM_REG_R1,  UC_ARM_REG_R2,  UC_ARM_REG_R3,
    UC_ARM_REG_R4,  UC_ARM_REG_R5,  UC_ARM_REG_R6,  UC_ARM_REG_R7,
    UC_ARM_REG_R8,  UC_ARM_REG_R9,  UC_ARM_REG_R10, UC_ARM_REG_R11,
    UC_ARM_REG_R12, UC_ARM_REG_SP,  UC_ARM_REG_LR,  UC_ARM_REG_XPSR,
    UC_ARM_REG_PRIMASK, UC_ARM_REG_BASEPRI, UC_ARM_REG_FAULTMASK,
    UC_ARM_REG_CONTROL,
};

#define MAX_PROBE 26   /* back off to every 2^26 executions for busy code */
/* A loop head that was proven idle before has probe 0: it is examined at
 * its next visit, with the registers and the RAM taken at once, so that
 * after each event (a SysTick every millisecond in FreeRTOS) two visits
 * prove it idle again instead of three plus the wait for a probe. */
#define PROVEN 0

void idle_init(idle_state *s)
{
    memset(s, 0, sizeof(*s));
}

void idle_free(idle_state *s)
{
    free(s->ram);
    s->ram = NULL;
}

void idle_forget(idle_state *s)
{
    s->addr = 0;
    s->phase = 0;
}

static void read_regs(machine *m, uint32_t *v)
{
    void *p[IDLE_NREGS];
    for (int i = 0; i < IDLE_NREGS; i++)
        p[i] = &v[i];
    uc_reg_read_batch(m->uc, (int *)regs, p, IDLE_NREGS);
}

static void take(machine *m, idle_state *s)
{
    s->io_writes = m->bus.io_writes;
    s->io_effects = m->bus.io_effects;
    s->events = m->clock.events_run;
    s->exceptions = m->cpu.exceptions;
}

static bool unchanged(machine *m, idle_state *s)
{
    return s->io_writes == m->bus.io_writes && s->io_effects == m->bus.io_effects &&
           s->events == m->clock.events_run && s->exceptions == m->cpu.exceptions;
}

static void give_up(idle_state *s, icount_entry *e)
{
    s->addr = 0;
    s->phase = 0;
    if (e->probe < MAX_PROBE)
        e->probe++;
}

static bool snapshot_ram(machine *m, idle_state *s)
{
    if (!s->ram && !(s->ram = malloc(SRAM_SIZE)))
        return false;
    memcpy(s->ram, m->sram, SRAM_SIZE);
    return true;
}

bool idle_block(machine *m, icount_entry *e, uint32_t addr)
{
    idle_state *s = &m->cpu.idle;
    if (s->addr != addr) {
        /* Not the loop under examination: start on a block that has run
         * often, if none is being examined. */
        if (s->disabled || (s->addr && e->probe != PROVEN))
            return false; /* a proven loop head takes over an examination */
        if (e->hits & ((1u << e->probe) - 1))
            return false;
        s->addr = addr;
        s->phase = 1;
        read_regs(m, s->regs);
        if (e->probe == PROVEN && snapshot_ram(m, s))
            s->phase = 2;
        take(m, s);
        return false;
    }
    uint32_t now[IDLE_NREGS];
    read_regs(m, now);
    s->checks++;
    if (memcmp(now, s->regs, sizeof(now)) || !unchanged(m, s)) {
        give_up(s, e);
        return false;
    }
    if (s->phase == 1) {
        /* Same registers twice: now see whether the RAM stays the same. */
        if (!snapshot_ram(m, s)) {
            give_up(s, e);
            return false;
        }
        s->phase = 2;
        take(m, s);
        return false;
    }
    if (memcmp(s->ram, m->sram, SRAM_SIZE)) {
        give_up(s, e);
        return false;
    }
    /* A fixed point: nothing changes until the next event. */
    if (!machine_skip_to_next_event(m))
        return false;
    s->skips++;
    /* The event will change something; examine this loop again at its
     * next visit after it (it has proven to be an idle loop). */
    s->addr = 0;
    s->phase = 0;
    e->probe = PROVEN;
    return true;
}
