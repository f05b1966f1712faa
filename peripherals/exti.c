/* EXTI (RM0033 section 8.3) and SYSCFG (section 7.2). */
#include "exti.h"

#include <string.h>

#include "machine.h"

REG32(IMR, 0x00)
REG32(EMR, 0x04)
REG32(RTSR, 0x08)
REG32(FTSR, 0x0C)
REG32(SWIER, 0x10)
REG32(PR, 0x14)

REG32(MEMRMP, 0x00)
REG32(PMC, 0x04)
REG32(EXTICR1, 0x08)
REG32(CMPCR, 0x20)
    FIELD(CMPCR, CMP_PD, 0, 1)
    FIELD(CMPCR, READY, 8, 1)

#define LINE_MASK ((1u << EXTI_LINES) - 1)

static const reg_name exti_regs[] = {
    {A_IMR, "IMR"}, {A_EMR, "EMR"}, {A_RTSR, "RTSR"}, {A_FTSR, "FTSR"},
    {A_SWIER, "SWIER"}, {A_PR, "PR"}, {0, NULL},
};
static const reg_name syscfg_regs[] = {
    {A_MEMRMP, "MEMRMP"}, {A_PMC, "PMC"}, {0x08, "EXTICR1"}, {0x0C, "EXTICR2"},
    {0x10, "EXTICR3"}, {0x14, "EXTICR4"}, {A_CMPCR, "CMPCR"}, {0, NULL},
};

/* A line's request: pending and unmasked. Several lines share one NVIC
 * input (EXTI9_5, EXTI15_10): the SoC connects them to one. */
static void update_irqs(stm32_exti *e)
{
    uint32_t act = e->pr & e->imr;
    for (int l = 0; l < EXTI_LINES; l++)
        line_set(&e->irq[l], (act >> l) & 1);
}

void exti_set_line(stm32_exti *e, int line, int level)
{
    if (line < 0 || line >= EXTI_LINES)
        return;
    uint32_t bit = 1u << line;
    bool old = (e->level & bit) != 0;
    if (old == (level != 0))
        return;
    e->level ^= bit;
    bool rising = level != 0;
    if ((rising && (e->rtsr & bit)) || (!rising && (e->ftsr & bit))) {
        if (e->imr & bit) {
            e->pr |= bit;
            update_irqs(e);
        }
    }
}

void exti_sync_line(stm32_exti *e, int line, int level)
{
    if (line >= 0 && line < EXTI_LINES)
        e->level = (e->level & ~(1u << line)) | ((uint32_t)(level != 0) << line);
}

static uint32_t exti_read(device *d, uint32_t off, unsigned size)
{
    stm32_exti *e = container_of(d, stm32_exti, dev);
    (void)size;
    switch (off) {
    case A_IMR: return e->imr;
    case A_EMR: return e->emr;
    case A_RTSR: return e->rtsr;
    case A_FTSR: return e->ftsr;
    case A_SWIER: return e->swier;
    case A_PR: return e->pr;
    }
    device_unimp(d, off, false, 0);
    return 0;
}

static void exti_write(device *d, uint32_t off, uint32_t v, unsigned size)
{
    stm32_exti *e = container_of(d, stm32_exti, dev);
    switch (off & ~3u) {
    case A_IMR: e->imr = reg_merge(e->imr, off, v, size) & LINE_MASK; break;
    case A_EMR: e->emr = reg_merge(e->emr, off, v, size) & LINE_MASK; break;
    case A_RTSR: e->rtsr = reg_merge(e->rtsr, off, v, size) & LINE_MASK; break;
    case A_FTSR: e->ftsr = reg_merge(e->ftsr, off, v, size) & LINE_MASK; break;
    case A_SWIER: {
        uint32_t set = reg_merge(e->swier, off, v, size) & LINE_MASK & ~e->swier;
        e->swier |= set;
        e->pr |= set & e->imr;
        break;
    }
    case A_PR: {
        uint32_t clr = reg_merge(0, off, v, size) & LINE_MASK;
        e->pr &= ~clr;
        e->swier &= ~clr;
        break;
    }
    default:
        device_unimp(d, off, true, v);
        return;
    }
    update_irqs(e);
}

static void exti_reset(device *d, reset_kind kind)
{
    stm32_exti *e = container_of(d, stm32_exti, dev);
    (void)kind;
    e->imr = e->emr = e->rtsr = e->ftsr = e->swier = e->pr = 0;
    update_irqs(e);
}

void exti_init(stm32_exti *e)
{
    memset(e, 0, sizeof(*e));
    device_init(&e->dev, "EXTI", EXTI_BASE, 0x400, exti_read, exti_write,
                exti_reset, exti_regs);
}

/* ---- SYSCFG ------------------------------------------------------------ */

void syscfg_gpio_input(void *ctx, int port, int pin, int level)
{
    stm32_syscfg *s = ctx;
    int sel = (int)((s->exticr[pin >> 2] >> (4 * (pin & 3))) & 0xF);
    if (sel == port)
        exti_set_line(s->exti, pin, level);
}

static uint32_t syscfg_read(device *d, uint32_t off, unsigned size)
{
    stm32_syscfg *s = container_of(d, stm32_syscfg, dev);
    (void)size;
    if (off >= A_EXTICR1 && off < A_EXTICR1 + 16)
        return s->exticr[(off - A_EXTICR1) / 4];
    switch (off) {
    case A_MEMRMP: return s->memrmp;
    case A_PMC: return s->pmc;
    case A_CMPCR: return s->cmpcr;
    }
    device_unimp(d, off, false, 0);
    return 0;
}

static void syscfg_write(device *d, uint32_t off, uint32_t v, unsigned size)
{
    stm32_syscfg *s = container_of(d, stm32_syscfg, dev);
    if (off >= A_EXTICR1 && off < A_EXTICR1 + 16) {
        int idx = (int)(off - A_EXTICR1) / 4;
        uint32_t *r = &s->exticr[idx];
        *r = reg_merge(*r, off, v, size) & 0xFFFF;
        for (int i = 0; i < 4; i++) {
            int pin = idx * 4 + i, port = (int)((*r >> (4 * i)) & 0xF);
            if (port < 9 && s->gpio[port])
                exti_sync_line(s->exti, pin, gpio_pin_level(s->gpio[port], pin));
        }
        return;
    }
    switch (off & ~3u) {
    case A_MEMRMP:
        v = reg_merge(s->memrmp, off, v, size) & 3;
        if (v != 0)
            log_msg(&d->m->log, LOG_GUEST,
                    "syscfg: MEMRMP=%u (remapping address 0 is not modelled)", v);
        s->memrmp = v;
        return;
    case A_PMC: s->pmc = reg_merge(s->pmc, off, v, size) & BIT(23); return;
    case A_CMPCR:
        v = reg_merge(s->cmpcr, off, v, size) & R_CMPCR_CMP_PD_MASK;
        s->cmpcr = v | (v ? R_CMPCR_READY_MASK : 0);
        return;
    }
    device_unimp(d, off, true, v);
}

static void syscfg_reset(device *d, reset_kind kind)
{
    stm32_syscfg *s = container_of(d, stm32_syscfg, dev);
    (void)kind;
    s->memrmp = 0;
    s->pmc = 0;
    memset(s->exticr, 0, sizeof(s->exticr));
    s->cmpcr = 0;
}

void syscfg_init(stm32_syscfg *s, stm32_exti *e)
{
    memset(s, 0, sizeof(*s));
    device_init(&s->dev, "SYSCFG", SYSCFG_BASE, 0x400, syscfg_read, syscfg_write,
                syscfg_reset, syscfg_regs);
    s->exti = e;
}
