/* PWR (RM0033 section 4.4). The supply is always good: PVD output 0, the
 * backup regulator is ready as soon as it is enabled. Stop and standby are
 * not modelled (WFI with SLEEPDEEP sleeps like plain WFI). */
#include "pwr.h"

#include <string.h>

#include "machine.h"

REG32(CR, 0x00)
    FIELD(CR, CWUF, 2, 1)
    FIELD(CR, CSBF, 3, 1)
REG32(CSR, 0x04)
    FIELD(CSR, WUF, 0, 1)
    FIELD(CSR, SBF, 1, 1)
    FIELD(CSR, BRR, 3, 1)
    FIELD(CSR, EWUP, 8, 1)
    FIELD(CSR, BRE, 9, 1)

static const reg_name pwr_regs[] = {{A_CR, "CR"}, {A_CSR, "CSR"}, {0, NULL}};

static uint32_t pwr_read(device *d, uint32_t off, unsigned size)
{
    stm32_pwr *p = container_of(d, stm32_pwr, dev);
    (void)size;
    switch (off) {
    case A_CR: return p->cr;
    case A_CSR: return p->csr;
    }
    device_unimp(d, off, false, 0);
    return 0;
}

static void pwr_write(device *d, uint32_t off, uint32_t v, unsigned size)
{
    stm32_pwr *p = container_of(d, stm32_pwr, dev);
    switch (off & ~3u) {
    case A_CR:
        v = reg_merge(p->cr, off, v, size);
        if (FIELD_EX32(v, CR, CWUF))
            p->csr &= ~R_CSR_WUF_MASK;
        if (FIELD_EX32(v, CR, CSBF))
            p->csr &= ~R_CSR_SBF_MASK;
        p->cr = v & 0x3F3u; /* CWUF/CSBF read as 0 */
        return;
    case A_CSR:
        v = reg_merge(p->csr, off, v, size);
        /* BRE is in the backup domain and needs DBP */
        if (!pwr_dbp(p))
            v = (v & ~R_CSR_BRE_MASK) | (p->csr & R_CSR_BRE_MASK);
        p->csr = (p->csr & (R_CSR_WUF_MASK | R_CSR_SBF_MASK)) |
                 (v & (R_CSR_EWUP_MASK | R_CSR_BRE_MASK));
        p->csr = FIELD_DP32(p->csr, CSR, BRR, FIELD_EX32(p->csr, CSR, BRE));
        return;
    }
    device_unimp(d, off, true, v);
}

static void pwr_reset(device *d, reset_kind kind)
{
    stm32_pwr *p = container_of(d, stm32_pwr, dev);
    p->cr = 0;
    /* BRE and BRR belong to the backup domain */
    if (kind == RESET_POWER_ON)
        p->csr = 0;
    else
        p->csr &= R_CSR_BRE_MASK | R_CSR_BRR_MASK;
}

void pwr_init(stm32_pwr *p)
{
    memset(p, 0, sizeof(*p));
    device_init(&p->dev, "PWR", PWR_BASE, 0x400, pwr_read, pwr_write,
                pwr_reset, pwr_regs);
}
