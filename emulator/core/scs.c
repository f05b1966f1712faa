/* System Control Space: NVIC, SCB, SysTick, MPU registers, CoreDebug.
 * Register names and bits from the ARMv7-M ARM (B3.2, B3.3, B3.4, C1.6). */
#include "scs.h"

#include <string.h>

#include "machine.h"

REG32(ICTR, 0x004)
REG32(ACTLR, 0x008)
REG32(SYST_CSR, 0x010)
    FIELD(SYST_CSR, ENABLE, 0, 1)
    FIELD(SYST_CSR, TICKINT, 1, 1)
    FIELD(SYST_CSR, CLKSOURCE, 2, 1)
    FIELD(SYST_CSR, COUNTFLAG, 16, 1)
REG32(SYST_RVR, 0x014)
REG32(SYST_CVR, 0x018)
REG32(SYST_CALIB, 0x01C)
REG32(NVIC_ISER0, 0x100)
REG32(NVIC_ICER0, 0x180)
REG32(NVIC_ISPR0, 0x200)
REG32(NVIC_ICPR0, 0x280)
REG32(NVIC_IABR0, 0x300)
REG32(NVIC_IPR0, 0x400)
REG32(CPUID, 0xD00)
REG32(ICSR, 0xD04)
    FIELD(ICSR, VECTACTIVE, 0, 9)
    FIELD(ICSR, RETTOBASE, 11, 1)
    FIELD(ICSR, VECTPENDING, 12, 9)
    FIELD(ICSR, ISRPENDING, 22, 1)
    FIELD(ICSR, PENDSTCLR, 25, 1)
    FIELD(ICSR, PENDSTSET, 26, 1)
    FIELD(ICSR, PENDSVCLR, 27, 1)
    FIELD(ICSR, PENDSVSET, 28, 1)
    FIELD(ICSR, NMIPENDSET, 31, 1)
REG32(VTOR, 0xD08)
REG32(AIRCR, 0xD0C)
    FIELD(AIRCR, VECTRESET, 0, 1)
    FIELD(AIRCR, VECTCLRACTIVE, 1, 1)
    FIELD(AIRCR, SYSRESETREQ, 2, 1)
    FIELD(AIRCR, PRIGROUP, 8, 3)
    FIELD(AIRCR, VECTKEY, 16, 16)
REG32(SCR, 0xD10)
REG32(CCR, 0xD14)
    FIELD(CCR, STKALIGN, 9, 1)
REG32(SHPR1, 0xD18)
REG32(SHPR3, 0xD20)
REG32(SHCSR, 0xD24)
REG32(CFSR, 0xD28)
REG32(HFSR, 0xD2C)
REG32(DFSR, 0xD30)
REG32(MMFAR, 0xD34)
REG32(BFAR, 0xD38)
REG32(AFSR, 0xD3C)
REG32(ID_PFR0, 0xD40)
REG32(CPACR, 0xD88)
REG32(MPU_TYPE, 0xD90)
REG32(MPU_CTRL, 0xD94)
REG32(MPU_RNR, 0xD98)
REG32(MPU_RBAR, 0xD9C)
REG32(MPU_RASR, 0xDA0)
REG32(DHCSR, 0xDF0)
REG32(DCRSR, 0xDF4)
REG32(DCRDR, 0xDF8)
REG32(DEMCR, 0xDFC)
    FIELD(DEMCR, TRCENA, 24, 1)
REG32(STIR, 0xF00)
REG32(PID4, 0xFD0)

static const reg_name scs_regs[] = {
    {A_ICTR, "ICTR"},       {A_ACTLR, "ACTLR"},   {A_SYST_CSR, "SYST_CSR"},
    {A_SYST_RVR, "SYST_RVR"}, {A_SYST_CVR, "SYST_CVR"},
    {A_SYST_CALIB, "SYST_CALIB"}, {A_CPUID, "CPUID"}, {A_ICSR, "ICSR"},
    {A_VTOR, "VTOR"},       {A_AIRCR, "AIRCR"},   {A_SCR, "SCR"},
    {A_CCR, "CCR"},         {A_SHPR1, "SHPR1"},   {0xD1C, "SHPR2"},
    {A_SHPR3, "SHPR3"},     {A_SHCSR, "SHCSR"},   {A_CFSR, "CFSR"},
    {A_HFSR, "HFSR"},       {A_DFSR, "DFSR"},     {A_MMFAR, "MMFAR"},
    {A_BFAR, "BFAR"},       {A_AFSR, "AFSR"},     {A_CPACR, "CPACR"},
    {A_MPU_TYPE, "MPU_TYPE"}, {A_MPU_CTRL, "MPU_CTRL"}, {A_MPU_RNR, "MPU_RNR"},
    {A_MPU_RBAR, "MPU_RBAR"}, {A_MPU_RASR, "MPU_RASR"}, {A_DHCSR, "DHCSR"},
    {A_DCRSR, "DCRSR"},     {A_DCRDR, "DCRDR"},   {A_DEMCR, "DEMCR"},
    {A_STIR, "STIR"},       {0, NULL},
};

/* The ID registers of a Cortex-M3 r2p1 (TRM table 4-1 / B3.2.2). */
static uint32_t id_reg(uint32_t off)
{
    static const uint32_t ids[] = {
        0x00000030, 0x00000200, 0x00100000, 0x00000000, /* PFR0/1 DFR0 AFR0 */
        0x00100030, 0x00000000, 0x00000000, 0x00000000, /* MMFR0-3 */
        0x01141110, 0x02111000, 0x21112231, 0x01111110, /* ISAR0-3 */
        0x01310102, 0x00000000,                         /* ISAR4 */
    };
    uint32_t i = (off - A_ID_PFR0) / 4;
    return i < ARRAY_SIZE(ids) ? ids[i] : 0;
}

static uint32_t pid_cid(uint32_t off)
{
    static const uint8_t v[12] = {0x04, 0, 0, 0, 0x00, 0xB0, 0x0B, 0x00,
                                  0x0D, 0xE0, 0x05, 0xB1};
    return v[(off - A_PID4) / 4];
}

/* ---- SysTick ---------------------------------------------------------- */

static uint32_t st_div(scs *s)
{
    /* CLKSOURCE=0 is the chip's external reference: HCLK divided */
    return FIELD_EX32(s->st_ctrl, SYST_CSR, CLKSOURCE) ? 1 : s->dev.m->cfg.systick_ref_div;
}

static bool st_running(scs *s)
{
    return FIELD_EX32(s->st_ctrl, SYST_CSR, ENABLE);
}

/* Counter value at the current cycle. Before the anchor it reads 0 (it was
 * cleared and reloads at the anchor). */
static uint32_t st_value(scs *s)
{
    uint64_t now = s->dev.m->clock.cycles;
    if (!st_running(s))
        return s->st_frozen;
    if (now < s->st_anchor || s->st_load == 0)
        return 0;
    uint64_t ticks = (now - s->st_anchor) / st_div(s);
    return s->st_load - (uint32_t)(ticks % ((uint64_t)s->st_load + 1));
}

static void st_arm(scs *s)
{
    machine *m = s->dev.m;
    clock_disarm(&m->clock, &s->st_event);
    if (!st_running(s) || s->st_load == 0)
        return;
    uint64_t div = st_div(s), period = (uint64_t)s->st_load + 1;
    uint64_t now = m->clock.cycles;
    /* zero is reached at anchor + div*(load + k*period) */
    uint64_t first = s->st_anchor + div * s->st_load;
    uint64_t z = first;
    if (now >= first)
        z = first + ((now - first) / (div * period) + 1) * div * period;
    clock_arm(&m->clock, &s->st_event, clock_ps_at(&m->clock, z));
}

static void st_fire(void *arg)
{
    scs *s = arg;
    s->st_countflag = true;
    if (FIELD_EX32(s->st_ctrl, SYST_CSR, TICKINT))
        machine_pend_exception(s->dev.m, EXC_SYSTICK);
    st_arm(s);
}

static void st_write_ctrl(scs *s, uint32_t v)
{
    bool was = st_running(s);
    uint32_t cur = st_value(s);
    s->st_ctrl = v & 7;
    bool now_on = st_running(s);
    uint64_t cy = s->dev.m->clock.cycles;
    if (!was && now_on) {
        if (cur == 0)
            s->st_anchor = cy + st_div(s);
        else
            s->st_anchor = cy - (uint64_t)(s->st_load - cur) * st_div(s);
    } else if (was && !now_on) {
        s->st_frozen = cur;
    } else if (was && now_on) {
        /* CLKSOURCE may have changed: keep the current value */
        s->st_anchor = cy - (uint64_t)(s->st_load - cur) * st_div(s);
    }
    st_arm(s);
}

static void st_write_val(scs *s)
{
    s->st_countflag = false;
    if (st_running(s))
        s->st_anchor = s->dev.m->clock.cycles + st_div(s);
    else
        s->st_frozen = 0;
    st_arm(s);
}

void scs_clock_changed(scs *s)
{
    st_arm(s);
}

/* ---- NVIC / SCB ------------------------------------------------------- */

static uint32_t icsr_read(scs *s)
{
    machine *m = s->dev.m;
    nvic *n = &m->nvic;
    uint32_t ipsr = core_reg(m, UC_ARM_REG_IPSR) & 0x1FF;
    uint32_t v = ipsr;
    v = FIELD_DP32(v, ICSR, VECTPENDING, n->best);
    bool isr = false;
    for (int e = EXC_IRQ0; e < n->nexc; e++)
        isr |= n->pending[e];
    v = FIELD_DP32(v, ICSR, ISRPENDING, isr);
    v = FIELD_DP32(v, ICSR, RETTOBASE, n->nactive <= 1);
    v = FIELD_DP32(v, ICSR, PENDSTSET, n->pending[EXC_SYSTICK]);
    v = FIELD_DP32(v, ICSR, PENDSVSET, n->pending[EXC_PENDSV]);
    v = FIELD_DP32(v, ICSR, NMIPENDSET, n->pending[EXC_NMI]);
    return v;
}

static void icsr_write(scs *s, uint32_t v)
{
    machine *m = s->dev.m;
    if (FIELD_EX32(v, ICSR, NMIPENDSET))
        machine_pend_exception(m, EXC_NMI);
    if (FIELD_EX32(v, ICSR, PENDSVSET))
        machine_pend_exception(m, EXC_PENDSV);
    else if (FIELD_EX32(v, ICSR, PENDSVCLR))
        nvic_clear_pending(&m->nvic, EXC_PENDSV);
    if (FIELD_EX32(v, ICSR, PENDSTSET))
        machine_pend_exception(m, EXC_SYSTICK);
    else if (FIELD_EX32(v, ICSR, PENDSTCLR))
        nvic_clear_pending(&m->nvic, EXC_SYSTICK);
}

static uint32_t shcsr_read(scs *s)
{
    nvic *n = &s->dev.m->nvic;
    return (uint32_t)n->active[EXC_MEMMANAGE] << 0 |
           (uint32_t)n->active[EXC_BUSFAULT] << 1 |
           (uint32_t)n->active[EXC_USAGEFAULT] << 3 |
           (uint32_t)n->active[EXC_SVCALL] << 7 |
           (uint32_t)n->active[EXC_DEBUGMON] << 8 |
           (uint32_t)n->active[EXC_PENDSV] << 10 |
           (uint32_t)n->active[EXC_SYSTICK] << 11 |
           (uint32_t)n->pending[EXC_USAGEFAULT] << 12 |
           (uint32_t)n->pending[EXC_MEMMANAGE] << 13 |
           (uint32_t)n->pending[EXC_BUSFAULT] << 14 |
           (uint32_t)n->pending[EXC_SVCALL] << 15 |
           (uint32_t)n->enabled[EXC_MEMMANAGE] << 16 |
           (uint32_t)n->enabled[EXC_BUSFAULT] << 17 |
           (uint32_t)n->enabled[EXC_USAGEFAULT] << 18;
}

static void shcsr_write(scs *s, uint32_t v)
{
    nvic *n = &s->dev.m->nvic;
    nvic_set_enabled(n, EXC_MEMMANAGE, v & BIT(16));
    nvic_set_enabled(n, EXC_BUSFAULT, v & BIT(17));
    nvic_set_enabled(n, EXC_USAGEFAULT, v & BIT(18));
}

static void aircr_write(scs *s, uint32_t v)
{
    machine *m = s->dev.m;
    if (FIELD_EX32(v, AIRCR, VECTKEY) != 0x05FA) {
        log_msg(&m->log, LOG_GUEST, "scs: AIRCR write without VECTKEY ignored");
        return;
    }
    nvic_set_prigroup(&m->nvic, FIELD_EX32(v, AIRCR, PRIGROUP));
    if (FIELD_EX32(v, AIRCR, SYSRESETREQ) || FIELD_EX32(v, AIRCR, VECTRESET))
        machine_request_reset(m, RESET_SOFTWARE);
}

/* Byte-granular priority registers: IPR (IRQs) and SHPR (system). */
static uint32_t prio_read(scs *s, int first_exc, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        int e = first_exc + (int)i;
        if (e >= 4 && e < s->dev.m->nvic.nexc)
            v |= (uint32_t)s->dev.m->nvic.prio[e] << (8 * i);
    }
    return v;
}

static void prio_write(scs *s, int first_exc, uint32_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        int e = first_exc + (int)i;
        if (e >= 4 && e < s->dev.m->nvic.nexc)
            nvic_set_prio(&s->dev.m->nvic, e, (uint8_t)(v >> (8 * i)));
    }
}

/* ISER/ICER/ISPR/ICPR/IABR: one bit per IRQ, 32 per word. */
static uint32_t irq_bits(const nvic *n, const bool *arr, uint32_t word)
{
    uint32_t v = 0;
    for (int b = 0; b < 32; b++) {
        int irq = (int)word * 32 + b;
        if (irq < n->nirq && arr[EXC_IRQ0 + irq])
            v |= 1u << b;
    }
    return v;
}

static uint32_t scs_read(device *d, uint32_t off, unsigned size)
{
    scs *s = container_of(d, scs, dev);
    machine *m = s->dev.m;
    nvic *n = &m->nvic;
    if (off >= A_NVIC_IPR0 && off < A_NVIC_IPR0 + 0xF0)
        return prio_read(s, EXC_IRQ0 + (int)(off - A_NVIC_IPR0), size);
    if (off >= A_SHPR1 && off < A_SHPR3 + 4)
        return prio_read(s, 4 + (int)(off - A_SHPR1), size);
    if (off >= A_NVIC_ISER0 && off < A_NVIC_IABR0 + 0x20) {
        uint32_t word = (off & 0x1F) / 4;
        switch (off & ~0x7Fu) {
        case A_NVIC_ISER0:
        case A_NVIC_ICER0: return irq_bits(n, n->enabled, word);
        case A_NVIC_ISPR0:
        case A_NVIC_ICPR0: return irq_bits(n, n->pending, word);
        case A_NVIC_IABR0: return irq_bits(n, n->active, word);
        }
    }
    if (off >= A_ID_PFR0 && off < A_CPACR)
        return id_reg(off);
    if (off >= A_PID4)
        return pid_cid(off & ~3u);
    switch (off) {
    case A_ICTR: return (uint32_t)(m->nvic.nirq + 31) / 32 - 1;
    case A_ACTLR: return s->actlr;
    case A_SYST_CSR: {
        uint32_t v = s->st_ctrl;
        if (s->st_countflag)
            v |= R_SYST_CSR_COUNTFLAG_MASK;
        s->st_countflag = false;
        bus_note_effect(&m->bus);
        return v;
    }
    case A_SYST_RVR: return s->st_load;
    case A_SYST_CVR: bus_note_effect(&m->bus); return st_value(s);
    case A_SYST_CALIB: return m->cfg.systick_calib;
    case A_CPUID: return CPUID_CORTEX_M3_R2P1;
    case A_ICSR: return icsr_read(s);
    case A_VTOR: return s->vtor;
    case A_AIRCR: return 0xFA050000u | (n->prigroup << 8);
    case A_SCR: return s->scr;
    case A_CCR: return s->ccr;
    case A_SHCSR: return shcsr_read(s);
    case A_CFSR: return s->cfsr;
    case A_HFSR: return s->hfsr;
    case A_DFSR: return s->dfsr;
    case A_MMFAR: return s->mmfar;
    case A_BFAR: return s->bfar;
    case A_AFSR: return s->afsr;
    case A_CPACR: return s->cpacr;
    case A_MPU_TYPE: return 8u << 8;
    case A_MPU_CTRL: return s->mpu_ctrl;
    case A_MPU_RNR: return s->mpu_rnr;
    case A_MPU_RBAR: return s->mpu_rbar[s->mpu_rnr & 7] | (s->mpu_rnr & 7);
    case A_MPU_RASR: return s->mpu_rasr[s->mpu_rnr & 7];
    case A_DHCSR: return s->dhcsr & 0xFFFF;
    case A_DEMCR: return s->demcr;
    case A_DCRSR:
    case A_DCRDR:
    case A_STIR: return 0;
    }
    device_unimp(d, off, false, 0);
    return 0;
}

static void set_irq_bits(scs *s, uint32_t which, uint32_t word, uint32_t v)
{
    nvic *n = &s->dev.m->nvic;
    for (int b = 0; b < 32; b++) {
        int irq = (int)word * 32 + b;
        if (!(v & (1u << b)) || irq >= n->nirq)
            continue;
        int e = EXC_IRQ0 + irq;
        switch (which) {
        case A_NVIC_ISER0: nvic_set_enabled(n, e, true); break;
        case A_NVIC_ICER0: nvic_set_enabled(n, e, false); break;
        case A_NVIC_ISPR0: nvic_set_pending(n, e); break;
        case A_NVIC_ICPR0:
            nvic_clear_pending(n, e);
            if (n->level[e]) /* a level still high pends again */
                nvic_set_pending(n, e);
            break;
        }
    }
    if (n->best)
        s->dev.m->cpu.attention = true;
}

static void scs_write(device *d, uint32_t off, uint32_t v, unsigned size)
{
    scs *s = container_of(d, scs, dev);
    machine *m = s->dev.m;
    if (off >= A_NVIC_IPR0 && off < A_NVIC_IPR0 + 0xF0) {
        prio_write(s, EXC_IRQ0 + (int)(off - A_NVIC_IPR0), v, size);
        return;
    }
    if (off >= A_SHPR1 && off < A_SHPR3 + 4) {
        prio_write(s, 4 + (int)(off - A_SHPR1), v, size);
        return;
    }
    if (off >= A_NVIC_ISER0 && off < A_NVIC_IABR0) {
        set_irq_bits(s, off & ~0x7Fu, (off & 0x1F) / 4, v);
        return;
    }
    switch (off) {
    case A_ACTLR: s->actlr = v & 7; return;
    case A_SYST_CSR: st_write_ctrl(s, v); return;
    case A_SYST_RVR: s->st_load = v & 0xFFFFFF; st_arm(s); return;
    case A_SYST_CVR: st_write_val(s); return;
    case A_ICSR: icsr_write(s, v); return;
    case A_VTOR: s->vtor = v & 0x3FFFFF80u; return;
    case A_AIRCR: aircr_write(s, v); return;
    case A_SCR: s->scr = v & 0x16; return;
    case A_CCR: s->ccr = v & 0x31B; return;
    case A_SHCSR: shcsr_write(s, v); return;
    case A_CFSR: s->cfsr &= ~v; return; /* write-one-to-clear */
    case A_HFSR: s->hfsr &= ~v; return;
    case A_DFSR: s->dfsr &= ~v; return;
    case A_MMFAR: s->mmfar = v; return;
    case A_BFAR: s->bfar = v; return;
    case A_AFSR: s->afsr &= ~v; return;
    case A_CPACR: s->cpacr = 0; return; /* no coprocessors on an M3 */
    case A_MPU_CTRL: s->mpu_ctrl = v & 7; return;
    case A_MPU_RNR: s->mpu_rnr = v & 0xFF; return;
    case A_MPU_RBAR:
        if (v & 0x10)
            s->mpu_rnr = v & 7;
        s->mpu_rbar[s->mpu_rnr & 7] = v & ~0x1Fu;
        return;
    case A_MPU_RASR: s->mpu_rasr[s->mpu_rnr & 7] = v; return;
    case A_DHCSR:
        if ((v >> 16) == 0xA05F)
            s->dhcsr = v & 0xF;
        return;
    case A_DEMCR:
        s->demcr = v & 0x010F07F1u;
        return;
    case A_DCRSR:
    case A_DCRDR: return;
    case A_STIR:
        if ((int)(v & 0x1FF) < m->nvic.nirq) {
            nvic_set_pending(&m->nvic, EXC_IRQ0 + (int)(v & 0x1FF));
            m->cpu.attention = true;
        }
        return;
    }
    device_unimp(d, off, true, v);
}

static void scs_reset(device *d, reset_kind kind)
{
    scs *s = container_of(d, scs, dev);
    (void)kind;
    clock_disarm(&s->dev.m->clock, &s->st_event);
    uint32_t keep_demcr = s->demcr; /* debug logic survives a system reset */
    memset((char *)s + sizeof(device), 0, sizeof(*s) - sizeof(device));
    clock_event_init(&s->st_event, "systick", st_fire, s);
    s->ccr = R_CCR_STKALIGN_MASK; /* r2p0 and later reset with STKALIGN=1 */
    if (kind != RESET_POWER_ON)
        s->demcr = keep_demcr;
}

static const device_class scs_class = {
    .type = "cortex-m3-scs", .size = SCS_SIZE, .read = scs_read, .write = scs_write,
    .reset = scs_reset, .regs = scs_regs,
};

void scs_init(scs *s, machine *m)
{
    memset(s, 0, sizeof(*s));
    device_init(&s->dev, &scs_class, "SCS");
    s->dev.m = m;
    clock_event_init(&s->st_event, "systick", st_fire, s);
    s->ccr = R_CCR_STKALIGN_MASK;
}
