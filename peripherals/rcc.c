/* RCC (RM0033 section 5.3). Oscillators and the PLL are ready as soon as
 * they are switched on; SWS follows SW at once. The CPU's virtual clock
 * follows HCLK. Reset flags in CSR accumulate until RMVF. */
#include "rcc.h"

#include <string.h>

#include "machine.h"
#include "scs.h"

#define RCC_REGS(REG, REGV, REGA)        \
    REG(CR, 0x00, cr)                     \
    REG(PLLCFGR, 0x04, pllcfgr)           \
    REG(CFGR, 0x08, cfgr)                 \
    REG(CIR, 0x0C, cir)                   \
    REG(AHB1RSTR, 0x10, rstr[RCC_AHB1])   \
    REG(AHB2RSTR, 0x14, rstr[RCC_AHB2])   \
    REG(AHB3RSTR, 0x18, rstr[RCC_AHB3])   \
    REG(APB1RSTR, 0x20, rstr[RCC_APB1])   \
    REG(APB2RSTR, 0x24, rstr[RCC_APB2])   \
    REG(AHB1ENR, 0x30, enr[RCC_AHB1])     \
    REG(AHB2ENR, 0x34, enr[RCC_AHB2])     \
    REG(AHB3ENR, 0x38, enr[RCC_AHB3])     \
    REG(APB1ENR, 0x40, enr[RCC_APB1])     \
    REG(APB2ENR, 0x44, enr[RCC_APB2])     \
    REG(AHB1LPENR, 0x50, lpenr[RCC_AHB1]) \
    REG(AHB2LPENR, 0x54, lpenr[RCC_AHB2]) \
    REG(AHB3LPENR, 0x58, lpenr[RCC_AHB3]) \
    REG(APB1LPENR, 0x60, lpenr[RCC_APB1]) \
    REG(APB2LPENR, 0x64, lpenr[RCC_APB2]) \
    REG(BDCR, 0x70, bdcr)                 \
    REG(CSR, 0x74, csr)                   \
    REG(SSCGR, 0x80, sscgr)               \
    REG(PLLI2SCFGR, 0x84, plli2scfgr)
REGS_OFFSETS(RCC_REGS)
#define REGS_T stm32_rcc
    FIELD(CR, HSION, 0, 1)
    FIELD(CR, HSIRDY, 1, 1)
    FIELD(CR, HSEON, 16, 1)
    FIELD(CR, HSERDY, 17, 1)
    FIELD(CR, PLLON, 24, 1)
    FIELD(CR, PLLRDY, 25, 1)
    FIELD(CR, PLLI2SON, 26, 1)
    FIELD(CR, PLLI2SRDY, 27, 1)
    FIELD(PLLCFGR, PLLM, 0, 6)
    FIELD(PLLCFGR, PLLN, 6, 9)
    FIELD(PLLCFGR, PLLP, 16, 2)
    FIELD(PLLCFGR, PLLSRC, 22, 1)
    FIELD(PLLCFGR, PLLQ, 24, 4)
    FIELD(CFGR, SW, 0, 2)
    FIELD(CFGR, SWS, 2, 2)
    FIELD(CFGR, HPRE, 4, 4)
    FIELD(CFGR, PPRE1, 10, 3)
    FIELD(CFGR, PPRE2, 13, 3)
    FIELD(CFGR, RTCPRE, 16, 5)
    FIELD(BDCR, LSEON, 0, 1)
    FIELD(BDCR, LSERDY, 1, 1)
    FIELD(BDCR, LSEBYP, 2, 1)
    FIELD(BDCR, RTCSEL, 8, 2)
    FIELD(BDCR, RTCEN, 15, 1)
    FIELD(BDCR, BDRST, 16, 1)
    FIELD(CSR, LSION, 0, 1)
    FIELD(CSR, LSIRDY, 1, 1)
    FIELD(CSR, RMVF, 24, 1)
    FIELD(CSR, BORRSTF, 25, 1)
    FIELD(CSR, PINRSTF, 26, 1)
    FIELD(CSR, PORRSTF, 27, 1)
    FIELD(CSR, SFTRSTF, 28, 1)
    FIELD(CSR, IWDGRSTF, 29, 1)
    FIELD(CSR, WWDGRSTF, 30, 1)
    FIELD(CSR, LPWRRSTF, 31, 1)

/* Offsets of the per-bus register groups: AHB1, AHB2, AHB3, APB1, APB2. */
static const uint32_t bus_off[RCC_NBUSES] = {0x00, 0x04, 0x08, 0x10, 0x14};
static const uint32_t lpenr_reset[RCC_NBUSES] = {0x7E6791FFu, 0xF1u, 0x1u,
                                                 0x36FEC9FFu, 0x00075F33u};

static uint32_t pll_in(const stm32_rcc *r)
{
    return FIELD_EX32(r->pllcfgr, PLLCFGR, PLLSRC) ? r->hse_hz : HSI_HZ;
}

static uint32_t pll_out(const stm32_rcc *r)
{
    uint32_t m = FIELD_EX32(r->pllcfgr, PLLCFGR, PLLM);
    uint32_t n = FIELD_EX32(r->pllcfgr, PLLCFGR, PLLN);
    uint32_t p = 2 * (FIELD_EX32(r->pllcfgr, PLLCFGR, PLLP) + 1);
    if (m < 2 || n < 2)
        return 0;
    return (uint32_t)((uint64_t)pll_in(r) * n / m / p);
}

uint32_t rcc_sysclk(const stm32_rcc *r)
{
    switch (FIELD_EX32(r->cfgr, CFGR, SWS)) {
    case 1: return r->hse_hz;
    case 2: return pll_out(r);
    default: return HSI_HZ;
    }
}

uint32_t rcc_hclk(const stm32_rcc *r)
{
    uint32_t h = FIELD_EX32(r->cfgr, CFGR, HPRE);
    static const uint16_t div[8] = {2, 4, 8, 16, 64, 128, 256, 512};
    return h < 8 ? rcc_sysclk(r) : rcc_sysclk(r) / div[h - 8];
}

static uint32_t apb_div(uint32_t ppre)
{
    return ppre < 4 ? 1 : 1u << (ppre - 3);
}

uint32_t rcc_pclk1(const stm32_rcc *r)
{
    return rcc_hclk(r) / apb_div(FIELD_EX32(r->cfgr, CFGR, PPRE1));
}

uint32_t rcc_pclk2(const stm32_rcc *r)
{
    return rcc_hclk(r) / apb_div(FIELD_EX32(r->cfgr, CFGR, PPRE2));
}

uint32_t rcc_timclk(const stm32_rcc *r, int apb)
{
    uint32_t ppre = apb == 1 ? FIELD_EX32(r->cfgr, CFGR, PPRE1)
                             : FIELD_EX32(r->cfgr, CFGR, PPRE2);
    uint32_t pclk = apb == 1 ? rcc_pclk1(r) : rcc_pclk2(r);
    return apb_div(ppre) == 1 ? pclk : 2 * pclk;
}

bool rcc_lsi_on(const stm32_rcc *r)
{
    return FIELD_EX32(r->csr, CSR, LSION);
}

uint32_t rcc_rtcclk(const stm32_rcc *r)
{
    if (!FIELD_EX32(r->bdcr, BDCR, RTCEN))
        return 0;
    switch (FIELD_EX32(r->bdcr, BDCR, RTCSEL)) {
    case 1: return FIELD_EX32(r->bdcr, BDCR, LSERDY) ? LSE_HZ : 0;
    case 2: return rcc_lsi_on(r) ? LSI_HZ : 0;
    case 3: {
        uint32_t pre = FIELD_EX32(r->cfgr, CFGR, RTCPRE);
        return pre >= 2 ? r->hse_hz / pre : 0;
    }
    }
    return 0;
}

void rcc_on_clock_change(stm32_rcc *r, void (*fn)(void *), void *ctx)
{
    if (r->n_on_clock_change < 8) {
        r->on_clock_change[r->n_on_clock_change] = fn;
        r->on_clock_change_ctx[r->n_on_clock_change] = ctx;
        r->n_on_clock_change++;
    }
}

static void clocks_changed(stm32_rcc *r)
{
    machine *m = r->dev.m;
    uint32_t hz = rcc_hclk(r);
    if (hz && hz != m->clock.hz) {
        clock_set_hz(&m->clock, hz);
        scs_clock_changed(&m->scs);
    }
    for (int i = 0; i < r->n_on_clock_change; i++)
        r->on_clock_change[i](r->on_clock_change_ctx[i]);
}

static void update_ready(stm32_rcc *r)
{
    r->cr = FIELD_DP32(r->cr, CR, HSIRDY, FIELD_EX32(r->cr, CR, HSION));
    r->cr = FIELD_DP32(r->cr, CR, HSERDY, FIELD_EX32(r->cr, CR, HSEON));
    r->cr = FIELD_DP32(r->cr, CR, PLLRDY, FIELD_EX32(r->cr, CR, PLLON));
    r->cr = FIELD_DP32(r->cr, CR, PLLI2SRDY, FIELD_EX32(r->cr, CR, PLLI2SON));
    r->csr = FIELD_DP32(r->csr, CSR, LSIRDY, FIELD_EX32(r->csr, CSR, LSION));
    r->bdcr = FIELD_DP32(r->bdcr, BDCR, LSERDY, FIELD_EX32(r->bdcr, BDCR, LSEON));
    /* The switch completes at once when its source is ready. */
    uint32_t sw = FIELD_EX32(r->cfgr, CFGR, SW);
    bool ok = sw == 0 ? FIELD_EX32(r->cr, CR, HSIRDY)
            : sw == 1 ? FIELD_EX32(r->cr, CR, HSERDY)
            : sw == 2 ? FIELD_EX32(r->cr, CR, PLLRDY) : false;
    if (ok)
        r->cfgr = FIELD_DP32(r->cfgr, CFGR, SWS, sw);
}

static bool dbp(const stm32_rcc *r)
{
    return r->dbp;
}

static uint32_t rcc_read(device *d, uint32_t off, unsigned size)
{
    stm32_rcc *r = container_of(d, stm32_rcc, dev);
    (void)size;
    for (int b = 0; b < RCC_NBUSES; b++) {
        if (off == A_AHB1RSTR + bus_off[b]) return r->rstr[b];
        if (off == A_AHB1ENR + bus_off[b]) return r->enr[b];
        if (off == A_AHB1LPENR + bus_off[b]) return r->lpenr[b];
    }
    switch (off) {
    case A_CR: return r->cr;
    case A_PLLCFGR: return r->pllcfgr;
    case A_CFGR: return r->cfgr;
    case A_CIR: return r->cir;
    case A_BDCR: return r->bdcr;
    case A_CSR: return r->csr;
    case A_SSCGR: return r->sscgr;
    case A_PLLI2SCFGR: return r->plli2scfgr;
    }
    device_unimp(d, off, false, 0);
    return 0;
}

/* The "rst" lines follow the xxxRSTR bits (a peripheral resets when its
 * line goes high). */
static void periph_resets(stm32_rcc *r, int b, uint32_t old, uint32_t now)
{
    for (int bit = 0; bit < 32; bit++)
        if ((old ^ now) & (1u << bit))
            line_set(&r->rst[b * 32 + bit], (now >> bit) & 1);
}

static void rcc_write(device *d, uint32_t off, uint32_t v, unsigned size)
{
    stm32_rcc *r = container_of(d, stm32_rcc, dev);
    for (int b = 0; b < RCC_NBUSES; b++) {
        if (off == A_AHB1RSTR + bus_off[b]) {
            v = reg_merge(r->rstr[b], off, v, size);
            uint32_t old = r->rstr[b];
            r->rstr[b] = v;
            periph_resets(r, b, old, v);
            return;
        }
        if (off == A_AHB1ENR + bus_off[b]) {
            r->enr[b] = reg_merge(r->enr[b], off, v, size);
            return;
        }
        if (off == A_AHB1LPENR + bus_off[b]) {
            r->lpenr[b] = reg_merge(r->lpenr[b], off, v, size);
            return;
        }
    }
    switch (off & ~3u) {
    case A_CR:
        r->cr = reg_merge(r->cr, off, v, size);
        update_ready(r);
        clocks_changed(r);
        return;
    case A_PLLCFGR:
        r->pllcfgr = reg_merge(r->pllcfgr, off, v, size);
        clocks_changed(r);
        return;
    case A_CFGR:
        r->cfgr = reg_merge(r->cfgr, off, v, size) & ~R_CFGR_SWS_MASK;
        update_ready(r);
        clocks_changed(r);
        return;
    case A_CIR:
        r->cir = reg_merge(r->cir, off, v, size) & 0x00003F00u;
        return;
    case A_BDCR:
        if (!dbp(r)) {
            log_msg(&d->m->log, LOG_GUEST, "rcc: BDCR write without PWR_CR.DBP ignored");
            return;
        }
        v = reg_merge(r->bdcr, off, v, size);
        if (FIELD_EX32(v, BDCR, BDRST)) {
            r->bdcr = R_BDCR_BDRST_MASK;
            /* the backup domain (RTC, backup registers) resets */
            line_set(&r->bdrst, 1);
            line_set(&r->bdrst, 0);
            return;
        }
        r->bdcr = v & 0x0001830Du;
        update_ready(r);
        clocks_changed(r);
        return;
    case A_CSR:
        v = reg_merge(r->csr, off, v, size);
        if (FIELD_EX32(v, CSR, RMVF))
            r->csr &= 0x00FFFFFFu;
        r->csr = (r->csr & 0xFE000000u) | (v & 1u);
        update_ready(r);
        return;
    case A_SSCGR: r->sscgr = reg_merge(r->sscgr, off, v, size); return;
    case A_PLLI2SCFGR: r->plli2scfgr = reg_merge(r->plli2scfgr, off, v, size); return;
    }
    device_unimp(d, off, true, v);
}

static uint32_t reset_flags(reset_kind k)
{
    switch (k) {
    case RESET_POWER_ON:
        return R_CSR_PORRSTF_MASK | R_CSR_BORRSTF_MASK | R_CSR_PINRSTF_MASK;
    case RESET_BROWNOUT: return R_CSR_BORRSTF_MASK | R_CSR_PINRSTF_MASK;
    case RESET_PIN: return R_CSR_PINRSTF_MASK;
    case RESET_SOFTWARE: return R_CSR_SFTRSTF_MASK | R_CSR_PINRSTF_MASK;
    case RESET_IWDG: return R_CSR_IWDGRSTF_MASK | R_CSR_PINRSTF_MASK;
    case RESET_WWDG: return R_CSR_WWDGRSTF_MASK | R_CSR_PINRSTF_MASK;
    case RESET_LOWPOWER: return R_CSR_LPWRRSTF_MASK | R_CSR_PINRSTF_MASK;
    default: return 0;
    }
}

static void rcc_reset(device *d, reset_kind kind)
{
    stm32_rcc *r = container_of(d, stm32_rcc, dev);
    if (kind == RESET_PERIPHERAL)
        return; /* the RCC has no reset bit of its own */
    r->cr = 0x00000083u; /* HSION, HSIRDY, HSITRIM = 16 */
    r->pllcfgr = 0x24003010u;
    r->cfgr = 0;
    r->cir = 0;
    for (int b = 0; b < RCC_NBUSES; b++) {
        periph_resets(r, b, r->rstr[b], 0);
        r->rstr[b] = 0;
        r->enr[b] = 0;
        r->lpenr[b] = lpenr_reset[b];
    }
    r->enr[RCC_AHB1] = 0x00100000u; /* CCMDATARAMEN-less F2: bit 20 reads 1 */
    r->sscgr = 0;
    r->plli2scfgr = 0x20003000u;
    /* CSR: LSION is cleared by a system reset; the flags only by a power
     * reset, power-on or brown-out (RM0033, RCC_CSR) */
    if (kind == RESET_POWER_ON || kind == RESET_BROWNOUT)
        r->csr = 0;
    if (kind == RESET_POWER_ON)
        r->bdcr = 0; /* the backup domain; the board restores a battery-kept one */
    r->csr = (r->csr & 0xFE000000u) | reset_flags(kind);
    clocks_changed(r);
}

static void dbp_in(void *opaque, int n, double level)
{
    (void)n;
    container_of((device *)opaque, stm32_rcc, dev)->dbp = line_high(level);
}

static const reg_name rcc_regs[] = {REGS_NAMES(RCC_REGS){0}};
static const state_field rcc_state[] = {REGS_STATE(RCC_REGS){0}};
static const state_keep rcc_keep[] = {{"BDCR", 0}, {0}};
static const line_desc rcc_lines[] = {
    LINE_OUTS("rst", rst)
    LINE_OUT("bdrst", bdrst)
    LINE_IN("dbp", 1, dbp_in)
    {0},
};

const device_class rcc_class = {
    .type = "stm32f2-rcc", .size = 0x400, .read = rcc_read, .write = rcc_write,
    .reset = rcc_reset, .regs = rcc_regs, .state = rcc_state, .keep = rcc_keep,
    .lines = rcc_lines,
};

void rcc_init(stm32_rcc *r, const char *name, uint32_t hse_hz)
{
    memset(r, 0, sizeof(*r));
    device_init(&r->dev, &rcc_class, name);
    r->hse_hz = hse_hz;
}
