/* EXTI (RM0033 section 8) and SYSCFG (section 7), which routes GPIO pins
 * to EXTI lines 0-15. */
#ifndef PHOTON_EXTI_H
#define PHOTON_EXTI_H

#include "device.h"
#include "gpio.h"

#define EXTI_BASE 0x40013C00u
#define SYSCFG_BASE 0x40013800u
#define EXTI_LINES 23

typedef struct stm32_exti {
    device dev;
    uint32_t imr, emr, rtsr, ftsr, swier, pr;
    uint32_t level; /* current input level of every line */
    line irq[EXTI_LINES];
} stm32_exti;

typedef struct stm32_syscfg {
    device dev;
    uint32_t memrmp, pmc, exticr[4], cmpcr;
    stm32_exti *exti;
    stm32_gpio *gpio[9]; /* to read a pin's level when EXTICR changes */
} stm32_syscfg;

void exti_init(stm32_exti *e);
/* An input line changed level (edges are detected here). */
void exti_set_line(stm32_exti *e, int line, int level);
/* Take a line's level without an edge (its source was switched). */
void exti_sync_line(stm32_exti *e, int line, int level);
void syscfg_init(stm32_syscfg *s, stm32_exti *e);
/* GPIO input change, routed through EXTICR. Usable as gpio on_input. */
void syscfg_gpio_input(void *ctx, int port, int pin, int level);

#endif
