/* EXTI (RM0033 section 8.3) and SYSCFG (section 7.2). */
#include "exti.h"

#include <string.h>

#include "machine.h"

#define EXTI_REGS(REG, REGV, REGA) \
    REG(IMR, 0x00, imr)             \
    REG(EMR, 0x04, emr)             \
    REG(RTSR, 0x08, rtsr)           \
    REG(FTSR, 0x0C, ftsr)           \
    REG(SWIER, 0x10, swier)         \
    REG(PR, 0x14, pr)
REGS_OFFSETS(EXTI_REGS)

#define SYSCFG_REGS(REG, REGV, REGA)                          \
    REG(MEMRMP, 0x00, memrmp)                                  \
    REG(PMC, 0x04, pmc)                                        \
    REGA(EXTICR, "EXTICR%u", 0x08, 4, 4, 1, exticr, )         \
    REG(CMPCR, 0x20, cmpcr)
REGS_OFFSETS(SYSCFG_REGS)
    FIELD(CMPCR, CMP_PD, 0, 1)
    FIELD(CMPCR, READY, 8, 1)

#define LINE_MASK ((1u << EXTI_LINES) - 1)

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

/* Inputs: "line" (edges are detected), "sync" (the level of a line whose
 * source was switched: no edge). */
static void line_in(void *opaque, int n, double level)
{
    exti_set_line(container_of((device *)opaque, stm32_exti, dev), n, line_high(level));
}

static void sync_in(void *opaque, int n, double level)
{
    exti_sync_line(container_of((device *)opaque, stm32_exti, dev), n, line_high(level));
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

#define REGS_T stm32_exti
static const reg_name exti_regs[] = {REGS_NAMES(EXTI_REGS){0}};
static const state_field exti_state[] = {REGS_STATE(EXTI_REGS) STATE("level", level){0}};
static const line_desc exti_lines[] = {
    LINE_OUTS("irq", irq)
    LINE_IN("line", EXTI_LINES, line_in)
    LINE_IN("sync", EXTI_LINES, sync_in)
    {0},
};
#undef REGS_T

const device_class exti_class = {
    .type = "stm32f2-exti", .size = 0x400, .read = exti_read, .write = exti_write,
    .reset = exti_reset, .regs = exti_regs, .state = exti_state, .lines = exti_lines,
};

void exti_init(stm32_exti *e, const char *name)
{
    memset(e, 0, sizeof(*e));
    device_init(&e->dev, &exti_class, name);
}

/* ---- SYSCFG ------------------------------------------------------------ */

/* Input "gpio" n = port * 16 + pin: a pin's level, to EXTI line `pin` when
 * EXTICR selects the port. */
static void gpio_in(void *opaque, int n, double level)
{
    stm32_syscfg *s = container_of((device *)opaque, stm32_syscfg, dev);
    int port = n / 16, pin = n % 16;
    bool high = line_high(level);
    s->level[port] = (uint16_t)((s->level[port] & ~(1u << pin)) | ((unsigned)high << pin));
    int sel = (int)((s->exticr[pin >> 2] >> (4 * (pin & 3))) & 0xF);
    if (sel == port)
        line_set(&s->exti[pin], high);
}

static uint32_t syscfg_read(device *d, uint32_t off, unsigned size)
{
    stm32_syscfg *s = container_of(d, stm32_syscfg, dev);
    (void)size;
    if (off >= A_EXTICR && off < A_EXTICR + 16)
        return s->exticr[(off - A_EXTICR) / 4];
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
    if (off >= A_EXTICR && off < A_EXTICR + 16) {
        int idx = (int)(off - A_EXTICR) / 4;
        uint32_t *r = &s->exticr[idx];
        *r = reg_merge(*r, off, v, size) & 0xFFFF;
        for (int i = 0; i < 4; i++) {
            int pin = idx * 4 + i, port = (int)((*r >> (4 * i)) & 0xF);
            if (port < SYSCFG_PORTS)
                line_set(&s->exti_sync[pin], (s->level[port] >> pin) & 1);
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

#define REGS_T stm32_syscfg
static const reg_name syscfg_regs[] = {REGS_NAMES(SYSCFG_REGS){0}};
static const state_field syscfg_state[] = {
    REGS_STATE(SYSCFG_REGS)
    STATE_ARRAY("level", level)
    {0},
};
static const line_desc syscfg_lines[] = {
    LINE_OUTS("exti", exti)
    LINE_OUTS("exti_sync", exti_sync)
    LINE_IN("gpio", SYSCFG_PORTS * 16, gpio_in)
    {0},
};

const device_class syscfg_class = {
    .type = "stm32f2-syscfg", .size = 0x400, .read = syscfg_read, .write = syscfg_write,
    .reset = syscfg_reset, .regs = syscfg_regs, .state = syscfg_state, .lines = syscfg_lines,
};

void syscfg_init(stm32_syscfg *s, const char *name)
{
    memset(s, 0, sizeof(*s));
    device_init(&s->dev, &syscfg_class, name);
}
