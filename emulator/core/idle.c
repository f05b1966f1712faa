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
#define SNAPSHOT_SKEW 64 /* bytes: see snapshot_ram() */

/* Does the Thumb-2 instruction whose first halfword is `hw` write memory?
 * The first halfword tells every ARMv7-M store encoding apart: STR, STRB,
 * STRH (immediate, register, SP-relative), PUSH, STM, STMDB, STRD,
 * STREX*, STC; an undefined encoding next to a store counts as one. */
bool idle_insn_stores(uint16_t hw)
{
    if ((hw >> 11) >= 0x1D) { /* 32-bit */
        if ((hw & 0xFE00) == 0xE800) /* load/store multiple, dual, exclusive */
            return !(hw & 0x10);      /* L = 0 */
        if ((hw & 0xFE10) == 0xF800)  /* store single data item */
            return true;
        return (hw & 0xEE10) == 0xEC00; /* STC (no coprocessor: faults) */
    }
    unsigned op7 = hw >> 9;
    if (op7 == 0x28 || op7 == 0x29 || op7 == 0x2A) /* STR, STRH, STRB (register) */
        return true;
    switch (hw >> 11) {
    case 0x0C: /* STR (immediate) */
    case 0x0E: /* STRB (immediate) */
    case 0x10: /* STRH (immediate) */
    case 0x12: /* STR (SP-relative) */
    case 0x18: /* STM */
        return true;
    }
    return (hw & 0xFE00) == 0xB400; /* PUSH */
}

void idle_init(idle_state *s)
{
    memset(s, 0, sizeof(*s));
}

void idle_free(idle_state *s)
{
    free(s->ram_block);
    s->ram_block = s->ram = NULL;
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
    s->store_blocks = m->cpu.store_blocks;
    s->slices = m->cpu.slices;
}

static bool unchanged(machine *m, idle_state *s)
{
    return s->io_writes == m->bus.io_writes && s->io_effects == m->bus.io_effects &&
           s->events == m->clock.events_run && s->exceptions == m->cpu.exceptions;
}

/* Nothing can have written RAM since take(): no store instruction ran, and
 * unchanged() holds (no exception stacking, no event, no device access),
 * and emulation was not left (where the host may write it). */
static bool no_stores(machine *m, idle_state *s)
{
    return s->store_blocks == m->cpu.store_blocks && s->slices == m->cpu.slices;
}

/* Copy (or compare with) the volatile RAM: the loop's memory state. */
static bool ram_same(machine *m, idle_state *s, bool copy)
{
    size_t at = 0;
    for (int i = 0; i < m->bus.nram; i++) {
        bus_ram *r = &m->bus.ram[i];
        if (!(r->flags & MEM_RAM) || r->alias_of >= 0)
            continue;
        if (copy)
            memcpy(s->ram + at, r->host, r->size);
        else if (memcmp(s->ram + at, r->host, r->size))
            return false;
        at += r->size;
    }
    return true;
}

static size_t ram_size(machine *m)
{
    size_t n = 0;
    for (int i = 0; i < m->bus.nram; i++)
        if ((m->bus.ram[i].flags & MEM_RAM) && m->bus.ram[i].alias_of < 0)
            n += m->bus.ram[i].size;
    return n;
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
    if (!s->ram) {
        /* The RAM is page-aligned: a copy whose addresses differ by a
         * few bytes modulo 4 KB runs several times slower (its loads
         * wait on the stores just issued to the same page offset, "4K
         * aliasing"), so the copy starts a cache line into a page. */
        size_t n = (ram_size(m) + SNAPSHOT_SKEW + 4095) & ~(size_t)4095;
        if (!(s->ram_block = aligned_alloc(4096, n)))
            return false;
        s->ram = s->ram_block + SNAPSHOT_SKEW;
    }
    ram_same(m, s, true);
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
        /* A loop proven with a RAM comparison before needs one again:
         * take the copy now. */
        if (e->probe == PROVEN && e->idle_kind == IDLE_BY_RAM && snapshot_ram(m, s))
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
    bool store_free = no_stores(m, s);
    if (s->phase == 1 && !store_free) {
        /* Same registers twice: now see whether the RAM stays the same. */
        if (!snapshot_ram(m, s)) {
            give_up(s, e);
            return false;
        }
        s->phase = 2;
        take(m, s);
        return false;
    }
    if (!store_free && !ram_same(m, s, false)) {
        give_up(s, e);
        return false;
    }
    /* A fixed point: nothing changes until the next event. */
    if (!machine_skip_to_next_event(m))
        return false;
    s->skips++;
    s->store_free_skips += store_free;
    e->idle_kind = store_free ? IDLE_BY_STORE_FREE : IDLE_BY_RAM;
    /* The event will change something; examine this loop again at its
     * next visit after it (it has proven to be an idle loop). */
    s->addr = 0;
    s->phase = 0;
    e->probe = PROVEN;
    return true;
}
