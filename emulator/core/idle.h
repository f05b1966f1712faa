/* Idle-loop detection: a loop whose iteration changes nothing (the same
 * registers, the same RAM, no register write, no read with an effect or
 * depending on time, no event, no exception) will do the same until an
 * event changes something, so virtual time can jump to the next event
 * without the firmware being able to tell. The FreeRTOS idle task and the
 * bootloader's button-wait loop spin like this; `b .` and WFI are the
 * simple cases handled in cpu.c.
 *
 * RAM is the same either because no block with a store instruction ran
 * between the two visits (and nothing else could write it: no exception,
 * no event, no register access, no return from emulation), which costs
 * nothing to check, or because a copy taken at the first visit compares
 * equal at the next (a loop that stores what was there). */
#ifndef CORE_IDLE_H
#define CORE_IDLE_H

#include <stdbool.h>
#include <stdint.h>

struct machine;
struct icount_entry;

enum { IDLE_BY_STORE_FREE = 1, IDLE_BY_RAM = 2 }; /* icount_entry.idle_kind */

#define IDLE_NREGS 20

typedef struct idle_state {
    uint32_t addr;  /* the loop head being examined, 0 = none */
    int phase;      /* 1: registers taken; 2: registers matched, RAM taken */
    uint32_t regs[IDLE_NREGS];
    uint64_t io_writes, io_effects, events, exceptions, store_blocks, slices;
    uint8_t *ram;   /* SRAM copy for phase 2 (in ram_block) */
    uint8_t *ram_block;
    uint64_t checks, skips, store_free_skips;
    bool disabled;  /* --no-idle-skip */
} idle_state;

void idle_init(idle_state *s);
void idle_free(idle_state *s);
/* Called for every block after its instructions were counted; returns true
 * if virtual time jumped. Cheap unless the block is a loop head under
 * examination. */
bool idle_block(struct machine *m, struct icount_entry *e, uint32_t addr);
/* Whether the Thumb instruction whose first halfword is `hw` writes
 * memory (cpu.c marks the blocks that have one). */
bool idle_insn_stores(uint16_t hw);
/* Forget the loop under examination (a reset, a debugger write). */
void idle_forget(idle_state *s);

#endif
