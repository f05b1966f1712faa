/* Timers (RM0033 sections 12-16).
 *
 * The counter is a function of virtual time, not a ticking state: nothing
 * runs unless an interrupt is enabled, in which case one event is armed
 * for the next update or compare match. Status flags are brought up to
 * date when read. Outputs (PWM, forced, toggle) are reported as a duty
 * cycle to the GPIO alternate-function wiring, which is how the RGB LED
 * sees TIM2 CH2-CH4.
 *
 * Not modelled: input capture, encoder and slave modes, DMA requests,
 * repetition counter, dead time; PSC/ARR/CCR preload takes effect at
 * once; center-aligned modes count up. */
#include "tim.h"

#include <string.h>

#include "machine.h"

REG32(CR1, 0x00)
    FIELD(CR1, CEN, 0, 1)
    FIELD(CR1, UDIS, 1, 1)
    FIELD(CR1, URS, 2, 1)
    FIELD(CR1, OPM, 3, 1)
    FIELD(CR1, DIR, 4, 1)
REG32(CR2, 0x04)
REG32(SMCR, 0x08)
REG32(DIER, 0x0C)
    FIELD(DIER, UIE, 0, 1)
REG32(SR, 0x10)
    FIELD(SR, UIF, 0, 1)
REG32(EGR, 0x14)
    FIELD(EGR, UG, 0, 1)
REG32(CCMR1, 0x18)
REG32(CCMR2, 0x1C)
REG32(CCER, 0x20)
REG32(CNT, 0x24)
REG32(PSC, 0x28)
REG32(ARR, 0x2C)
REG32(RCR, 0x30)
REG32(CCR1, 0x34)
REG32(BDTR, 0x44)
    FIELD(BDTR, MOE, 15, 1)
REG32(DCR, 0x48)
REG32(DMAR, 0x4C)
REG32(OR, 0x50)

static const reg_name tim_regs[] = {
    {A_CR1, "CR1"},   {A_CR2, "CR2"},   {A_SMCR, "SMCR"},   {A_DIER, "DIER"},
    {A_SR, "SR"},     {A_EGR, "EGR"},   {A_CCMR1, "CCMR1"}, {A_CCMR2, "CCMR2"},
    {A_CCER, "CCER"}, {A_CNT, "CNT"},   {A_PSC, "PSC"},     {A_ARR, "ARR"},
    {A_RCR, "RCR"},   {0x34, "CCR1"},   {0x38, "CCR2"},     {0x3C, "CCR3"},
    {0x40, "CCR4"},   {A_BDTR, "BDTR"}, {A_DCR, "DCR"},     {A_DMAR, "DMAR"},
    {A_OR, "OR"},     {0, NULL},
};

static const char *const names[15] = {
    "", "TIM1", "TIM2", "TIM3", "TIM4", "TIM5", "TIM6", "TIM7",
    "TIM8", "TIM9", "TIM10", "TIM11", "TIM12", "TIM13", "TIM14",
};

uint32_t tim_base(int i)
{
    static const uint32_t base[15] = {
        0, 0x40010000, 0x40000000, 0x40000400, 0x40000800, 0x40000C00,
        0x40001000, 0x40001400, 0x40010400, 0x40014000, 0x40014400,
        0x40014800, 0x40001800, 0x40001C00, 0x40002000,
    };
    return base[i];
}

typedef unsigned __int128 u128;

static machine *M(stm32_tim *t)
{
    return t->dev.m;
}

static uint64_t period(stm32_tim *t)
{
    return (uint64_t)t->arr + 1;
}

static bool running(stm32_tim *t)
{
    return FIELD_EX32(t->cr1, CR1, CEN) && t->arr != 0;
}

static uint32_t kernel_hz(stm32_tim *t)
{
    uint32_t hz = t->rcc ? rcc_timclk(t->rcc, t->apb) : 16000000u;
    return hz ? hz : 1;
}

/* Counter position at time `now` (ps). */
static uint64_t position(stm32_tim *t, uint64_t now)
{
    if (!running(t) || now <= t->anchor_ps)
        return t->anchor_pos;
    u128 ticks = (u128)(now - t->anchor_ps) * kernel_hz(t) /
                 ((u128)PS_PER_S * ((uint64_t)t->psc + 1));
    return t->anchor_pos + (uint64_t)ticks;
}

/* Time at which position `pos` is reached. */
static uint64_t time_of(stm32_tim *t, uint64_t pos)
{
    if (pos <= t->anchor_pos)
        return t->anchor_ps;
    u128 d = (u128)(pos - t->anchor_pos) * PS_PER_S * ((uint64_t)t->psc + 1);
    uint64_t hz = kernel_hz(t);
    return t->anchor_ps + (uint64_t)((d + hz - 1) / hz);
}

uint32_t tim_cnt(stm32_tim *t)
{
    if (!running(t))
        return t->stopped_cnt;
    return (uint32_t)(position(t, machine_now(M(t))) % period(t));
}

/* Restart the time function from the current counter value. */
static void reanchor(stm32_tim *t, uint32_t cnt)
{
    t->anchor_ps = machine_now(M(t));
    t->anchor_pos = cnt;
    t->synced_pos = cnt;
    t->stopped_cnt = cnt;
}

static int oc_mode(stm32_tim *t, int ch)
{
    uint32_t r = t->ccmr[(ch - 1) >> 1] >> (((ch - 1) & 1) * 8);
    if (r & 3)
        return -1; /* input capture */
    return (int)((r >> 4) & 7);
}

/* Update, capture/compare, trigger and break requests (general-purpose
 * timers have one interrupt for all of them: the SoC connects the four
 * lines to one NVIC input). */
static void update_irqs(stm32_tim *t)
{
    uint32_t act = t->sr & t->dier;
    line_set(&t->irq_up, (act & 1) != 0);
    line_set(&t->irq_cc, (act & 0x1E) != 0);
    line_set(&t->irq_trg, (act & 0x60) != 0);
    line_set(&t->irq_brk, (act & 0x80) != 0);
}

/* Matches of `value` (mod P) in positions (from, to]. */
static bool crosses(uint64_t from, uint64_t to, uint64_t value, uint64_t p)
{
    if (to <= from || value >= p)
        return false;
    if (to - from >= p)
        return true;
    uint64_t a = from % p, b = to % p;
    if (a < b)
        return value > a && value <= b;
    return value > a || value <= b;
}

static void sync_flags(stm32_tim *t)
{
    if (!running(t))
        return;
    uint64_t now = position(t, machine_now(M(t)));
    uint64_t from = t->synced_pos;
    if (now <= from)
        return;
    uint64_t p = period(t);
    if (now / p > from / p) {
        if (!FIELD_EX32(t->cr1, CR1, UDIS))
            t->sr |= R_SR_UIF_MASK;
        if (FIELD_EX32(t->cr1, CR1, OPM)) {
            /* one-pulse: the counter stops at the update */
            t->cr1 &= ~R_CR1_CEN_MASK;
            t->stopped_cnt = 0;
            t->synced_pos = now;
            return;
        }
    }
    for (int ch = 1; ch <= t->nch; ch++)
        if (oc_mode(t, ch) >= 0 && crosses(from, now, t->ccr[ch - 1], p))
            t->sr |= 1u << ch;
    t->synced_pos = now;
}

static void arm(stm32_tim *t)
{
    machine *m = M(t);
    clock_disarm(&m->clock, &t->ev);
    if (!running(t) || !(t->dier & 0x1F))
        return;
    uint64_t p = period(t);
    uint64_t cur = position(t, machine_now(m));
    uint64_t next = UINT64_MAX;
    if (t->dier & 1)
        next = (cur / p + 1) * p;
    for (int ch = 1; ch <= t->nch; ch++) {
        uint32_t v = t->ccr[ch - 1];
        if (!(t->dier & (1u << ch)) || oc_mode(t, ch) < 0 || v >= p)
            continue;
        uint64_t base = cur - cur % p + v;
        uint64_t n = base > cur ? base : base + p;
        if (n < next)
            next = n;
    }
    if (next != UINT64_MAX)
        clock_arm(&m->clock, &t->ev, time_of(t, next));
}

static void tim_event(void *arg)
{
    stm32_tim *t = arg;
    sync_flags(t);
    update_irqs(t);
    arm(t);
}

static void outputs_changed(stm32_tim *t)
{
    if (t->on_output)
        t->on_output(t->on_output_ctx);
}

static void clock_changed(void *arg)
{
    stm32_tim *t = arg;
    if (t->dev.m && running(t)) {
        sync_flags(t);
        reanchor(t, tim_cnt(t));
        arm(t);
    }
}

pin_drive tim_channel_output(void *ctx, int ch)
{
    stm32_tim *t = ctx;
    pin_drive d = {false, 0};
    if (ch < 1 || ch > t->nch)
        return d;
    int mode = oc_mode(t, ch);
    if (mode < 0 || !(t->ccer & (1u << (4 * (ch - 1)))))
        return d;
    if (t->advanced && !FIELD_EX32(t->bdtr, BDTR, MOE))
        return d;
    double ref;
    uint64_t p = period(t);
    uint32_t ccr = t->ccr[ch - 1];
    switch (mode) {
    case 4: ref = 0; break;            /* force inactive */
    case 5: ref = 1; break;            /* force active */
    case 6:                            /* PWM1: active while CNT < CCR */
    case 7:                            /* PWM2: inactive while CNT < CCR */
        if (running(t))
            ref = (double)(ccr < p ? ccr : p) / (double)p;
        else
            ref = t->stopped_cnt < ccr ? 1 : 0;
        if (mode == 7)
            ref = 1 - ref;
        break;
    case 3: ref = running(t) ? 0.5 : 0; break; /* toggle on match */
    default: ref = 0; break;
    }
    bool inverted = t->ccer & (2u << (4 * (ch - 1)));
    d.driven = true;
    d.high = inverted ? 1 - ref : ref;
    return d;
}

static uint32_t tim_read(device *d, uint32_t off, unsigned size)
{
    stm32_tim *t = container_of(d, stm32_tim, dev);
    (void)size;
    if (off >= A_CCR1 && off < A_CCR1 + 16)
        return t->ccr[(off - A_CCR1) / 4];
    switch (off) {
    case A_CR1: sync_flags(t); return t->cr1;
    case A_CR2: return t->cr2;
    case A_SMCR: return t->smcr;
    case A_DIER: return t->dier;
    case A_SR:
        sync_flags(t);
        bus_note_effect(&d->m->bus);
        return t->sr;
    case A_EGR: return 0;
    case A_CCMR1: return t->ccmr[0];
    case A_CCMR2: return t->ccmr[1];
    case A_CCER: return t->ccer;
    case A_CNT: bus_note_effect(&d->m->bus); return tim_cnt(t);
    case A_PSC: return t->psc;
    case A_ARR: return t->arr;
    case A_RCR: return t->rcr;
    case A_BDTR: return t->bdtr;
    case A_DCR: return t->dcr;
    case A_DMAR: return 0;
    case A_OR: return t->or_;
    }
    device_unimp(d, off, false, 0);
    return 0;
}

static void tim_write(device *d, uint32_t off, uint32_t v, unsigned size)
{
    stm32_tim *t = container_of(d, stm32_tim, dev);
    uint32_t width = t->is32 ? 0xFFFFFFFFu : 0xFFFFu;
    sync_flags(t);
    if (off >= A_CCR1 && off < A_CCR1 + 16) {
        int ch = (int)(off - A_CCR1) / 4;
        t->ccr[ch] = reg_merge(t->ccr[ch], off, v, size) & width;
        arm(t);
        outputs_changed(t);
        return;
    }
    switch (off & ~3u) {
    case A_CR1: {
        uint32_t cnt = tim_cnt(t);
        bool was = running(t);
        t->cr1 = reg_merge(t->cr1, off, v, size) & 0x3FF;
        if (running(t) != was)
            reanchor(t, cnt);
        arm(t);
        outputs_changed(t);
        return;
    }
    case A_CR2: t->cr2 = reg_merge(t->cr2, off, v, size); return;
    case A_SMCR:
        t->smcr = reg_merge(t->smcr, off, v, size);
        if (t->smcr & 7)
            log_msg(&d->m->log, LOG_GUEST, "%s: slave mode %u not modelled", d->name,
                    t->smcr & 7);
        return;
    case A_DIER:
        t->dier = reg_merge(t->dier, off, v, size) & 0x7FFF;
        update_irqs(t);
        arm(t);
        return;
    case A_SR:
        t->sr &= reg_merge(0xFFFFFFFFu, off, v, size); /* rc_w0 */
        update_irqs(t);
        return;
    case A_EGR:
        v = reg_merge(0, off, v, size);
        if (FIELD_EX32(v, EGR, UG)) {
            reanchor(t, 0);
            if (!FIELD_EX32(t->cr1, CR1, URS) && !FIELD_EX32(t->cr1, CR1, UDIS))
                t->sr |= R_SR_UIF_MASK;
        }
        t->sr |= v & 0xDE; /* CCxG, COMG, TG, BG */
        update_irqs(t);
        arm(t);
        return;
    case A_CCMR1:
    case A_CCMR2: {
        int i = (int)((off & ~3u) - A_CCMR1) / 4;
        t->ccmr[i] = reg_merge(t->ccmr[i], off, v, size) & 0xFFFF;
        arm(t);
        outputs_changed(t);
        return;
    }
    case A_CCER:
        t->ccer = reg_merge(t->ccer, off, v, size) & 0xFFFF;
        outputs_changed(t);
        return;
    case A_CNT:
        reanchor(t, reg_merge(tim_cnt(t), off, v, size) & width);
        arm(t);
        outputs_changed(t);
        return;
    case A_PSC: {
        uint32_t cnt = tim_cnt(t);
        t->psc = reg_merge(t->psc, off, v, size) & 0xFFFF;
        reanchor(t, cnt);
        arm(t);
        return;
    }
    case A_ARR: {
        uint32_t cnt = tim_cnt(t);
        t->arr = reg_merge(t->arr, off, v, size) & width;
        reanchor(t, t->arr && cnt > t->arr ? 0 : cnt);
        arm(t);
        outputs_changed(t);
        return;
    }
    case A_RCR: t->rcr = reg_merge(t->rcr, off, v, size) & 0xFF; return;
    case A_BDTR:
        t->bdtr = reg_merge(t->bdtr, off, v, size);
        outputs_changed(t);
        return;
    case A_DCR: t->dcr = reg_merge(t->dcr, off, v, size); return;
    case A_DMAR: return;
    case A_OR: t->or_ = reg_merge(t->or_, off, v, size); return;
    }
    device_unimp(d, off, true, v);
}

static void tim_reset(device *d, reset_kind kind)
{
    stm32_tim *t = container_of(d, stm32_tim, dev);
    (void)kind;
    clock_disarm(&d->m->clock, &t->ev);
    t->cr1 = t->cr2 = t->smcr = t->dier = t->sr = 0;
    t->ccmr[0] = t->ccmr[1] = t->ccer = t->psc = t->rcr = 0;
    t->arr = t->is32 ? 0xFFFFFFFFu : 0xFFFFu;
    memset(t->ccr, 0, sizeof(t->ccr));
    t->bdtr = t->dcr = t->or_ = 0;
    t->anchor_ps = 0;
    t->anchor_pos = t->synced_pos = 0;
    t->stopped_cnt = 0;
    update_irqs(t);
    outputs_changed(t);
}

void tim_init(stm32_tim *t, int index, stm32_rcc *rcc)
{
    memset(t, 0, sizeof(*t));
    t->index = index;
    device_init(&t->dev, names[index], tim_base(index), 0x400, tim_read, tim_write,
                tim_reset, tim_regs);
    t->rcc = rcc;
    t->apb = (index == 1 || index == 8 || (index >= 9 && index <= 11)) ? 2 : 1;
    t->is32 = index == 2 || index == 5;
    t->advanced = index == 1 || index == 8;
    t->nch = (index == 6 || index == 7) ? 0
           : (index == 9 || index == 12) ? 2
           : (index == 10 || index == 11 || index == 13 || index == 14) ? 1 : 4;
    t->arr = t->is32 ? 0xFFFFFFFFu : 0xFFFFu;
    clock_event_init(&t->ev, names[index], tim_event, t);
    if (rcc)
        rcc_on_clock_change(rcc, clock_changed, t);
}
