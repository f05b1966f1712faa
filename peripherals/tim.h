/* Timers TIM1..TIM14 (RM0033 sections 12-16): one model, instances differ
 * in width, channel count, kernel clock and the advanced-control bits.
 * Lines: outputs "up", "cc", "brk", "trg" (interrupt requests) and "ch"
 * [4] (what channel 1..4 drives: a level, a PWM duty, or LINE_FLOAT). */
#ifndef PHOTON_TIM_H
#define PHOTON_TIM_H

#include "clock.h"
#include "device.h"
#include "gpio.h"
#include "rcc.h"

/* What kind of timer an instance is (from the SoC table). */
typedef struct tim_config {
    int apb;  /* 1 or 2: which timer kernel clock */
    int nch;  /* capture/compare channels */
    bool is32;
    bool advanced; /* TIM1, TIM8: BDTR.MOE gates the outputs */
} tim_config;

typedef struct stm32_tim {
    device dev;
    int apb;    /* 1 or 2: which timer kernel clock */
    int nch;    /* capture/compare channels */
    bool is32;  /* TIM2, TIM5 */
    bool advanced;
    stm32_rcc *rcc;
    uint32_t cr1, cr2, smcr, dier, sr, ccmr[2], ccer, psc, arr, rcr, ccr[4];
    uint32_t bdtr, dcr, or_;
    /* The counter as a function of time: at anchor_ps it had anchor_pos
     * (a position that keeps growing; CNT = pos mod (ARR+1)). */
    uint64_t anchor_ps;
    uint64_t anchor_pos;
    uint64_t synced_pos; /* flags are up to date up to this position */
    uint32_t stopped_cnt;
    clock_event ev;
    line irq_up, irq_cc, irq_brk, irq_trg;
    line ch[4];
} stm32_tim;

extern const device_class tim_class;
void tim_init(stm32_tim *t, const char *name, const tim_config *cfg, stm32_rcc *rcc);
/* What channel `ch` (1..4) drives on its pin. */
pin_drive tim_channel_output(stm32_tim *t, int ch);
/* Counter value now. */
uint32_t tim_cnt(stm32_tim *t);

#endif
