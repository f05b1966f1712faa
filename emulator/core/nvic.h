/* The NVIC and the exception state of the Cortex-M3: enables, pending and
 * active bits, priorities with PRIGROUP, and the choice of the exception to
 * take. Pure logic; exception entry and return on the CPU are in cpu.c. */
#ifndef CORE_NVIC_H
#define CORE_NVIC_H

#include <stdbool.h>
#include <stdint.h>

#define NVIC_MAX_IRQ 240 /* the most a Cortex-M3 can have; the chip says how many */
#define NVIC_MAX_EXC (16 + NVIC_MAX_IRQ)

enum {
    EXC_RESET = 1,
    EXC_NMI = 2,
    EXC_HARDFAULT = 3,
    EXC_MEMMANAGE = 4,
    EXC_BUSFAULT = 5,
    EXC_USAGEFAULT = 6,
    EXC_SVCALL = 11,
    EXC_DEBUGMON = 12,
    EXC_PENDSV = 14,
    EXC_SYSTICK = 15,
    EXC_IRQ0 = 16,
};

typedef struct nvic {
    /* the implementation (kept over resets) */
    int nirq, nexc;     /* implemented IRQs; 16 + nirq exceptions */
    uint8_t prio_mask;  /* implemented priority bits, at the top */
    const char *const *irq_names;
    /* state */
    uint8_t prio[NVIC_MAX_EXC]; /* as written (implemented bits only) */
    bool enabled[NVIC_MAX_EXC];
    bool pending[NVIC_MAX_EXC];
    bool active[NVIC_MAX_EXC];
    bool level[NVIC_MAX_EXC]; /* IRQ input lines (level-sensitive) */
    /* the same as bits, by exception: what can be taken (pending, enabled,
     * not active) and what is active, so choices visit only those */
    uint64_t takeable[NVIC_MAX_EXC / 64], actives[NVIC_MAX_EXC / 64];
    uint32_t prigroup;
    /* caches */
    int best;        /* highest-priority pending enabled exception or 0 */
    int active_prio; /* group priority of the active exceptions (256 none) */
    int nactive;
    uint32_t gen; /* bumped on every change that can alter a decision */
} nvic;

/* `nirq` external interrupts, `prio_bits` implemented priority bits, and
 * names for the IRQs (nirq of them, or NULL). */
void nvic_init(nvic *n, int nirq, unsigned prio_bits, const char *const *irq_names);
void nvic_reset(nvic *n);
/* Group priority of exception `exc` (-3..255). */
int nvic_group_prio(const nvic *n, int exc);
/* Group priority a BASEPRI value masks at (256 = none). */
int nvic_basepri_prio(const nvic *n, uint32_t basepri);
/* Execution priority given the special registers. */
int nvic_exec_prio(const nvic *n, uint32_t primask, uint32_t basepri,
                   uint32_t faultmask);
/* The exception to take now, or 0. */
int nvic_should_take(const nvic *n, int exec_prio);

void nvic_set_pending(nvic *n, int exc);
void nvic_clear_pending(nvic *n, int exc);
/* IRQs (NVIC ISER/ICER) and the configurable faults (SHCSR). */
void nvic_set_enabled(nvic *n, int exc, bool on);
void nvic_set_prio(nvic *n, int exc, uint8_t prio);
void nvic_set_prigroup(nvic *n, uint32_t g);
/* IRQ line from a peripheral; a high level pends the IRQ, and re-pends it
 * when its handler returns while the line is still high. */
void nvic_set_irq_level(nvic *n, int irq, int level);

/* Exception entry/return bookkeeping. */
void nvic_activate(nvic *n, int exc);
void nvic_deactivate(nvic *n, int exc);

/* "HardFault", "SysTick", the IRQ's name, or "IRQn". */
const char *nvic_exc_name(const nvic *n, int exc);

#endif
