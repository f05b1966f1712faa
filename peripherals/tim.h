/* Timers TIM1..TIM14 (RM0033 sections 12-16): one model, instances differ
 * in width, channel count and the advanced-control bits. */
#ifndef PHOTON_TIM_H
#define PHOTON_TIM_H

#include "clock.h"
#include "device.h"
#include "gpio.h"
#include "rcc.h"

typedef struct stm32_tim {
    device dev;
    int index;  /* 1..14 */
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
    void (*on_output)(void *ctx);
    void *on_output_ctx;
} stm32_tim;

void tim_init(stm32_tim *t, int index, stm32_rcc *rcc);
uint32_t tim_base(int index);
/* What channel `ch` (1..4) drives on its pin: usable as af_output_fn. */
pin_drive tim_channel_output(void *ctx, int ch);
/* Counter value now. */
uint32_t tim_cnt(stm32_tim *t);

#endif
