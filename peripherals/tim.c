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

#define TIM_REGS(REG, REGV, REGA)               \
    REG(CR1, 0x00, cr1)                          \
    REG(CR2, 0x04, cr2)                          \
    REG(SMCR, 0x08, smcr)                        \
    REG(DIER, 0x0C, dier)                        \
    REG(SR, 0x10, sr)                            \
    REGV(EGR, 0x14)                              \
    REG(CCMR1, 0x18, ccmr[0])                    \
    REG(CCMR2, 0x1C, ccmr[1])                    \
    REG(CCER, 0x20, ccer)                        \
    REGV(CNT, 0x24)                              \
    REG(PSC, 0x28, psc)                          \
    REG(ARR, 0x2C, arr)                          \
    REG(RCR, 0x30, rcr)                          \
    REGA(CCR, "CCR%u", 0x34, 4, 4, 1, ccr, )    \
    REG(BDTR, 0x44, bdtr)                        \
    REG(DCR, 0x48, dcr)                          \
    REGV(DMAR, 0x4C)                             \
    REG(OR, 0x50, or_)
REGS_OFFSETS(TIM_REGS)
#define REGS_T stm32_tim
    FIELD(CR1, CEN, 0, 1)
    FIELD(CR1, UDIS, 1, 1)
    FIELD(CR1, URS, 2, 1)
    FIELD(CR1, OPM, 3, 1)
    FIELD(CR1, DIR, 4, 1)
    FIELD(DIER, UIE, 0, 1)
    FIELD(SR, UIF, 0, 1)
    FIELD(EGR, UG, 0, 1)
    FIELD(BDTR, MOE, 15, 1)

typedef unsigned __int128 u128;

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
    return (uint32_t)(position(t, machine_now(t->dev.m)) % period(t));
}

/* Restart the time function from the current counter value. */
static void reanchor(stm32_tim *t, uint32_t cnt)
{
    t->anchor_ps = machine_now(t->dev.m);
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
    uint64_t now = position(t, machine_now(t->dev.m));
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
    machine *m = t->dev.m;
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

/* The channels' output lines, set in one batch for the ones that changed. */
static void outputs_changed(stm32_tim *t)
{
    line_batch_begin();
    for (int ch = 1; ch <= 4; ch++) {
        pin_drive d = tim_channel_output(t, ch);
        double lv = d.driven ? d.high : LINE_FLOAT;
        if (lv != t->ch[ch - 1].level)
            line_set(&t->ch[ch - 1], lv);
    }
    line_batch_end();
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

pin_drive tim_channel_output(stm32_tim *t, int ch)
{
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
    if (off >= A_CCR && off < A_CCR + 16)
        return t->ccr[(off - A_CCR) / 4];
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
    if (off >= A_CCR && off < A_CCR + 16) {
        int ch = (int)(off - A_CCR) / 4;
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

static const reg_name tim_regs[] = {REGS_NAMES(TIM_REGS){0}};
static const state_field tim_state[] = {
    REGS_STATE(TIM_REGS)
    STATE("anchor_ps", anchor_ps)
    STATE("anchor_pos", anchor_pos)
    STATE("synced_pos", synced_pos)
    STATE("stopped_cnt", stopped_cnt)
    {0},
};
static const line_desc tim_lines[] = {
    LINE_OUT("up", irq_up)
    LINE_OUT("cc", irq_cc)
    LINE_OUT("brk", irq_brk)
    LINE_OUT("trg", irq_trg)
    LINE_OUTS("ch", ch)
    {0},
};

const device_class tim_class = {
    .type = "stm32f2-tim", .size = 0x400, .read = tim_read, .write = tim_write,
    .reset = tim_reset, .regs = tim_regs, .state = tim_state, .lines = tim_lines,
};

void tim_init(stm32_tim *t, const char *name, const tim_config *cfg, stm32_rcc *rcc)
{
    memset(t, 0, sizeof(*t));
    device_init(&t->dev, &tim_class, name);
    t->rcc = rcc;
    t->apb = cfg->apb;
    t->is32 = cfg->is32;
    t->advanced = cfg->advanced;
    t->nch = cfg->nch;
    t->arr = t->is32 ? 0xFFFFFFFFu : 0xFFFFu;
    for (int ch = 0; ch < 4; ch++)
        line_init(&t->ch[ch], NULL, LINE_FLOAT);
    clock_event_init(&t->ev, name, tim_event, t);
    if (rcc)
        rcc_on_clock_change(rcc, clock_changed, t);
}
