/* EXTI (RM0033 section 8) and SYSCFG (section 7), which routes GPIO pins
 * to EXTI lines 0-15.
 * EXTI lines: outputs "irq" [23] (pending and unmasked), inputs "line"
 * [23] (edges detected) and "sync" [23] (a level without an edge).
 * SYSCFG lines: input "gpio" [port * 16 + pin], outputs "exti" [16] and
 * "exti_sync" [16] (the newly selected pin's level when EXTICR changes). */
#ifndef PHOTON_EXTI_H
#define PHOTON_EXTI_H

#include "device.h"

#define EXTI_LINES 23
#define SYSCFG_PORTS 9

typedef struct stm32_exti {
    device dev;
    uint32_t imr, emr, rtsr, ftsr, swier, pr;
    uint32_t level; /* current input level of every line */
    line irq[EXTI_LINES];
} stm32_exti;

typedef struct stm32_syscfg {
    device dev;
    uint32_t memrmp, pmc, exticr[4], cmpcr;
    uint16_t level[SYSCFG_PORTS]; /* the pins' levels, as last heard */
    line exti[16], exti_sync[16];
} stm32_syscfg;

extern const device_class exti_class, syscfg_class;
void exti_init(stm32_exti *e, const char *name);
/* An input line changed level (edges are detected here). */
void exti_set_line(stm32_exti *e, int line, int level);
/* Take a line's level without an edge (its source was switched). */
void exti_sync_line(stm32_exti *e, int line, int level);
void syscfg_init(stm32_syscfg *s, const char *name);

#endif
