/* Unit-test harness: a machine with one or more models on its bus, driven
 * through register reads and writes and virtual time, without running the
 * CPU. */
#ifndef PHOTON_TEST_HARNESS_H
#define PHOTON_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "machine.h"
#include "stm32f205.h"

/* A machine with the STM32F205's memory map and no peripherals. */
machine *th_machine(void);
/* Where the STM32F205 places its peripherals (boards/stm32f205.c). */
#define RCC_BASE stm32f205_base("RCC")
#define PWR_BASE stm32f205_base("PWR")
#define CRC_BASE stm32f205_base("CRC")
#define RTC_BASE stm32f205_base("RTC")
#define IWDG_BASE stm32f205_base("IWDG")
#define EXTI_BASE stm32f205_base("EXTI")
#define SYSCFG_BASE stm32f205_base("SYSCFG")
#define DMA2_BASE stm32f205_base("DMA2")
#define SDIO_BASE stm32f205_base("SDIO")
#define RNG_BASE stm32f205_base("RNG")
#define FLASHIF_BASE stm32f205_base("FLASH")
#define OTG_HS_BASE stm32f205_base("OTG_HS")
#define GPIO_BASE(port) (stm32f205_base("GPIOA") + 0x400u * (uint32_t)(port))

/* Connect output `out`[n] of `from` to input `in`[k] of `to`, `count`
 * consecutive ones. */
void th_wire(device *from, const char *out, int n, device *to, const char *in, int k, int count);
/* An NVIC input for a model's interrupt line. */
void th_irq(machine *m, line *l, int irq);
/* Place a model on the bus where the STM32F205 has the peripheral of its
 * name, and reset it as a power-on would. */
void th_add(machine *m, device *d);
uint32_t th_rd(machine *m, uint32_t addr);
void th_wr(machine *m, uint32_t addr, uint32_t v);
void th_wr16(machine *m, uint32_t addr, uint16_t v);
void th_wr8(machine *m, uint32_t addr, uint8_t v);
/* Let virtual time pass, running the events that fall due. */
void th_advance(machine *m, uint64_t ps);

#endif
