/* PWR (RM0033 section 4.4). The supply is always good: PVD output 0, the
 * backup regulator is ready as soon as it is enabled. Stop and standby are
 * not modelled (WFI with SLEEPDEEP sleeps like plain WFI). */
#include "pwr.h"

#include <string.h>

#include "machine.h"

#define PWR_REGS(REG, REGV, REGA) \
    REG(CR, 0x00, cr)              \
    REG(CSR, 0x04, csr)
REGS_OFFSETS(PWR_REGS)
#define REGS_T stm32_pwr
    FIELD(CR, CWUF, 2, 1)
    FIELD(CR, CSBF, 3, 1)
    FIELD(CSR, WUF, 0, 1)
    FIELD(CSR, SBF, 1, 1)
    FIELD(CSR, BRR, 3, 1)
    FIELD(CSR, EWUP, 8, 1)
    FIELD(CSR, BRE, 9, 1)

/* Backup-domain writes (RCC_BDCR, the RTC, backup SRAM) need CR.DBP. */
static void update_dbp(stm32_pwr *p)
{
    line_set(&p->dbp, (p->cr & PWR_CR_DBP) != 0);
}

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
        update_dbp(p);
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
    update_dbp(p);
}

static const reg_name pwr_regs[] = {REGS_NAMES(PWR_REGS){0}};
static const state_field pwr_state[] = {REGS_STATE(PWR_REGS){0}};
/* BRE and BRR are in the backup domain */
static const state_keep pwr_keep[] = {{"CSR", 0x208u}, {0}};
static const line_desc pwr_lines[] = {LINE_OUT("dbp", dbp){0}};

const device_class pwr_class = {
    .type = "stm32f2-pwr", .size = 0x400, .read = pwr_read, .write = pwr_write,
    .reset = pwr_reset, .regs = pwr_regs, .state = pwr_state, .keep = pwr_keep,
    .lines = pwr_lines,
};

void pwr_init(stm32_pwr *p, const char *name)
{
    memset(p, 0, sizeof(*p));
    device_init(&p->dev, &pwr_class, name);
}
