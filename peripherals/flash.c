/* Flash interface (RM0033 sections 2.3-2.8).
 *
 * Keys: KEYR 0x45670123 then 0xCDEF89AB clears LOCK; a wrong key locks
 * CR until the next reset. Erase (SER + SNB, or MER) and programming (PG)
 * set BSY for the datasheet's typical time; the CPU, fetching from flash,
 * stalls meanwhile. EOP is set only when EOPIE is set (ST's library treats
 * any other SR bit as an error). Error bits are write-one-to-clear.
 * Programming is NOR: bits only go from 1 to 0, over-programming allowed.
 * A CPU store without PG programs nothing and sets PGSERR; a store while
 * BSY waits for the operation in progress. */
#include "flash.h"

#include <string.h>

#include "machine.h"

REG32(ACR, 0x00)
REG32(KEYR, 0x04)
REG32(OPTKEYR, 0x08)
REG32(SR, 0x0C)
    FIELD(SR, EOP, 0, 1)
    FIELD(SR, OPERR, 1, 1)
    FIELD(SR, WRPERR, 4, 1)
    FIELD(SR, PGAERR, 5, 1)
    FIELD(SR, PGPERR, 6, 1)
    FIELD(SR, PGSERR, 7, 1)
    FIELD(SR, BSY, 16, 1)
REG32(CR, 0x10)
    FIELD(CR, PG, 0, 1)
    FIELD(CR, SER, 1, 1)
    FIELD(CR, MER, 2, 1)
    FIELD(CR, SNB, 3, 4)
    FIELD(CR, PSIZE, 8, 2)
    FIELD(CR, STRT, 16, 1)
    FIELD(CR, EOPIE, 24, 1)
    FIELD(CR, ERRIE, 25, 1)
    FIELD(CR, LOCK, 31, 1)
REG32(OPTCR, 0x14)
    FIELD(OPTCR, OPTLOCK, 0, 1)
    FIELD(OPTCR, OPTSTRT, 1, 1)
    FIELD(OPTCR, BOR_LEV, 2, 2)
    FIELD(OPTCR, USER, 5, 3)
    FIELD(OPTCR, RDP, 8, 8)
    FIELD(OPTCR, NWRP, 16, 12)

#define KEY1 0x45670123u
#define KEY2 0xCDEF89ABu
#define OPTKEY1 0x08192A3Bu
#define OPTKEY2 0x4C5D6E7Fu
#define SR_ERRORS 0xF2u /* OPERR, WRPERR, PGAERR, PGPERR, PGSERR */
#define OPTCR_RESET 0x0FFFAAEDu

enum { OP_NONE, OP_ERASE, OP_MASS_ERASE, OP_PROGRAM, OP_OPTIONS };

static const reg_name flash_regs[] = {
    {A_ACR, "ACR"}, {A_KEYR, "KEYR"}, {A_OPTKEYR, "OPTKEYR"}, {A_SR, "SR"},
    {A_CR, "CR"},   {A_OPTCR, "OPTCR"}, {0, NULL},
};

uint32_t flash_sector_start(int n)
{
    if (n < 4)
        return (uint32_t)n * 0x4000u;
    if (n == 4)
        return 0x10000u;
    return (uint32_t)(n - 4) * 0x20000u;
}

uint32_t flash_sector_size(int n)
{
    return n < 4 ? 0x4000u : n == 4 ? 0x10000u : 0x20000u;
}

uint64_t flash_erase_time_ps(int sector, int psize)
{
    /* STM32F205 datasheet, tERASE typical for x8/x16/x32 (x64 as x32). */
    static const uint32_t ms16[4] = {400, 300, 250, 250};
    static const uint32_t ms64[4] = {1200, 700, 550, 550};
    static const uint32_t ms128[4] = {2000, 1300, 1000, 1000};
    uint32_t sz = flash_sector_size(sector);
    const uint32_t *t = sz == 0x4000u ? ms16 : sz == 0x10000u ? ms64 : ms128;
    return (uint64_t)t[psize & 3] * PS_PER_MS;
}

#define PROGRAM_TIME_PS (16 * PS_PER_US) /* tPROG typical */

static machine *M(stm32_flash *f)
{
    return f->dev.m;
}

static void update_irq(stm32_flash *f)
{
    bool eop = FIELD_EX32(f->cr, CR, EOPIE) && FIELD_EX32(f->sr, SR, EOP);
    bool err = FIELD_EX32(f->cr, CR, ERRIE) && FIELD_EX32(f->sr, SR, OPERR);
    irq_set(&f->irq, eop || err);
}

static bool sector_protected(stm32_flash *f, int n)
{
    return !(FIELD_EX32(f->optcr, OPTCR, NWRP) & (1u << n));
}

static void changed(stm32_flash *f)
{
    if (f->on_change)
        f->on_change(f->on_change_ctx);
}

static void op_done(void *arg)
{
    stm32_flash *f = arg;
    machine *m = M(f);
    switch (f->pending_op) {
    case OP_ERASE: {
        uint32_t a = flash_sector_start(f->pending_sector);
        uint32_t n = flash_sector_size(f->pending_sector);
        memset(f->mem + a, 0xFF, n);
        machine_code_changed(m, FLASH_BASE + a, FLASH_BASE + a + n);
        f->erases++;
        log_msg(&m->log, LOG_FLASH, "[%.3f ms] flash: sector %d erased (0x%08x, %u KB)",
                (double)machine_now(m) / PS_PER_MS, f->pending_sector,
                FLASH_BASE + a, n >> 10);
        changed(f);
        break;
    }
    case OP_MASS_ERASE:
        memset(f->mem, 0xFF, FLASH_SIZE);
        machine_code_changed(m, FLASH_BASE, FLASH_BASE + FLASH_SIZE);
        f->erases++;
        log_msg(&m->log, LOG_FLASH, "flash: mass erase");
        changed(f);
        break;
    case OP_OPTIONS: {
        /* The option bytes as the flash interface reloads them. */
        uint32_t o = f->optcr;
        f->optbytes[0] = (uint8_t)(o & 0xEC);
        f->optbytes[1] = (uint8_t)FIELD_EX32(o, OPTCR, RDP);
        f->optbytes[8] = (uint8_t)FIELD_EX32(o, OPTCR, NWRP);
        f->optbytes[9] = (uint8_t)(FIELD_EX32(o, OPTCR, NWRP) >> 8);
        log_msg(&m->log, LOG_FLASH, "flash: option bytes written (nWRP=0x%03x)",
                FIELD_EX32(o, OPTCR, NWRP));
        changed(f);
        break;
    }
    }
    f->pending_op = OP_NONE;
    f->sr &= ~R_SR_BSY_MASK;
    if (FIELD_EX32(f->cr, CR, EOPIE))
        f->sr |= R_SR_EOP_MASK;
    f->cr &= ~R_CR_STRT_MASK;
    f->optcr &= ~R_OPTCR_OPTSTRT_MASK;
    update_irq(f);
}

static void start_op(stm32_flash *f, int op, uint64_t duration)
{
    machine *m = M(f);
    if (f->instant)
        duration = 1;
    f->pending_op = op;
    f->sr |= R_SR_BSY_MASK;
    clock_arm(&m->clock, &f->done, machine_now(m) + duration);
    machine_stall(m, duration);
}

static void cr_write(stm32_flash *f, uint32_t v)
{
    machine *m = M(f);
    if (FIELD_EX32(f->cr, CR, LOCK)) {
        log_msg(&m->log, LOG_GUEST, "flash: CR write while locked ignored");
        return;
    }
    if (FIELD_EX32(f->sr, SR, BSY)) {
        log_msg(&m->log, LOG_GUEST, "flash: CR write while busy ignored");
        return;
    }
    f->cr = v & 0x8301037Fu;
    update_irq(f);
    if (!FIELD_EX32(v, CR, STRT))
        return;
    int psize = (int)FIELD_EX32(v, CR, PSIZE);
    if (FIELD_EX32(v, CR, MER)) {
        for (int n = 0; n < FLASH_NSECTORS; n++) {
            if (sector_protected(f, n)) {
                f->sr |= R_SR_WRPERR_MASK;
                f->cr &= ~R_CR_STRT_MASK;
                return;
            }
        }
        start_op(f, OP_MASS_ERASE, 8000 * PS_PER_MS);
    } else if (FIELD_EX32(v, CR, SER)) {
        int n = (int)FIELD_EX32(v, CR, SNB);
        if (n >= FLASH_NSECTORS || sector_protected(f, n)) {
            f->sr |= R_SR_WRPERR_MASK;
            f->cr &= ~R_CR_STRT_MASK;
            log_msg(&m->log, LOG_GUEST, "flash: erase of sector %d refused (%s)", n,
                    n >= FLASH_NSECTORS ? "no such sector" : "write-protected");
            return;
        }
        f->pending_sector = n;
        start_op(f, OP_ERASE, flash_erase_time_ps(n, psize));
    }
}

static void optcr_write(stm32_flash *f, uint32_t v)
{
    if (FIELD_EX32(f->optcr, OPTCR, OPTLOCK)) {
        if (FIELD_EX32(v, OPTCR, OPTLOCK)) /* locking again is allowed */
            f->optcr |= R_OPTCR_OPTLOCK_MASK;
        return;
    }
    f->optcr = (v & 0x0FFFFFEFu) | (f->optcr & 0); /* bit 4 reserved */
    if (FIELD_EX32(v, OPTCR, OPTSTRT))
        start_op(f, OP_OPTIONS, 16 * PS_PER_MS);
}

static uint32_t flash_read(device *d, uint32_t off, unsigned size)
{
    stm32_flash *f = container_of(d, stm32_flash, dev);
    (void)size;
    switch (off) {
    case A_ACR: return f->acr;
    case A_KEYR:
    case A_OPTKEYR: return 0;
    case A_SR: return f->sr;
    case A_CR: return f->cr;
    case A_OPTCR: return f->optcr;
    }
    device_unimp(d, off, false, 0);
    return 0;
}

static void key_write(stm32_flash *f, int *step, uint32_t v, uint32_t k1,
                      uint32_t k2, uint32_t *reg, uint32_t lockbit)
{
    machine *m = M(f);
    if (f->key_fault)
        return;
    if (*step == 0 && v == k1) {
        *step = 1;
    } else if (*step == 1 && v == k2) {
        *step = 0;
        *reg &= ~lockbit;
    } else {
        /* RM0033: a wrong sequence locks until the next reset. */
        *step = 0;
        f->key_fault = true;
        *reg |= lockbit;
        log_msg(&m->log, LOG_GUEST, "flash: wrong key 0x%08x: locked until reset", v);
    }
}

static void flash_write(device *d, uint32_t off, uint32_t v, unsigned size)
{
    stm32_flash *f = container_of(d, stm32_flash, dev);
    switch (off & ~3u) {
    case A_ACR: {
        uint32_t a = reg_merge(f->acr, off, v, size);
        f->acr = a & 0x707u; /* ICRST/DCRST self-clear */
        return;
    }
    case A_KEYR:
        key_write(f, &f->key_step, v, KEY1, KEY2, &f->cr, R_CR_LOCK_MASK);
        return;
    case A_OPTKEYR:
        key_write(f, &f->optkey_step, v, OPTKEY1, OPTKEY2, &f->optcr,
                  R_OPTCR_OPTLOCK_MASK);
        return;
    case A_SR:
        v = reg_merge(0, off, v, size);
        f->sr &= ~(v & (SR_ERRORS | R_SR_EOP_MASK));
        update_irq(f);
        return;
    case A_CR:
        v = reg_merge(f->cr, off, v, size);
        if (FIELD_EX32(v, CR, LOCK) && !FIELD_EX32(f->cr, CR, LOCK)) {
            f->cr = (f->cr & ~R_CR_STRT_MASK) | R_CR_LOCK_MASK;
            return;
        }
        cr_write(f, v);
        return;
    case A_OPTCR:
        optcr_write(f, reg_merge(f->optcr, off, v, size));
        return;
    }
    device_unimp(d, off, true, v);
}

bool flash_cpu_store(void *ctx, uint32_t addr, unsigned size, uint32_t value)
{
    stm32_flash *f = ctx;
    machine *m = M(f);
    bool main = addr < FLASH_SIZE || (addr >= FLASH_BASE && addr < FLASH_BASE + FLASH_SIZE);
    bool otp = addr >= OTP_BASE && addr + size <= OTP_BASE + OTP_SIZE;
    uint64_t waited = 0;
    if (FIELD_EX32(f->sr, SR, BSY)) {
        /* The bus holds the store until the operation in progress ends
         * (back-to-back stores, STRD, STM): it ends now, the CPU stalls
         * for the rest of it (start_op below, or the stall of the op). */
        uint64_t now = machine_now(m);
        waited = f->done.when > now ? f->done.when - now : 0;
        clock_disarm(&m->clock, &f->done);
        op_done(f);
    }
    if (!FIELD_EX32(f->cr, CR, PG) || FIELD_EX32(f->cr, CR, LOCK) || !(main || otp)) {
        f->sr |= R_SR_PGSERR_MASK;
        update_irq(f);
        if (log_on(&m->log, LOG_GUEST) && log_unimp_first(&m->log, addr | 0x80000000u, true))
            log_msg(&m->log, LOG_GUEST,
                    "flash: CPU store to 0x%08x without programming enabled: "
                    "ignored, PGSERR set (reported once per address)", addr);
        return false;
    }
    unsigned want = 1u << FIELD_EX32(f->cr, CR, PSIZE);
    if (size != want && !(want == 8 && size == 4)) {
        f->sr |= R_SR_PGPERR_MASK;
        update_irq(f);
        return false;
    }
    if (addr & (size - 1)) {
        f->sr |= R_SR_PGAERR_MASK;
        update_irq(f);
        return false;
    }
    if (main) {
        uint32_t off = addr & (FLASH_SIZE - 1);
        if (sector_protected(f, flash_sector_of(off))) {
            f->sr |= R_SR_WRPERR_MASK;
            update_irq(f);
            return false;
        }
    } else {
        /* OTP block b is locked when its lock byte is 0x00 */
        uint32_t o = addr - OTP_BASE;
        if (o >= 512 || f->otp[512 + o / 32] == 0x00) {
            f->sr |= R_SR_WRPERR_MASK;
            update_irq(f);
            return false;
        }
    }
    (void)value;
    f->programs++;
    start_op(f, OP_PROGRAM, waited + PROGRAM_TIME_PS);
    changed(f);
    return true;
}

static void flash_reset(device *d, reset_kind kind)
{
    stm32_flash *f = container_of(d, stm32_flash, dev);
    (void)kind;
    clock_disarm(&d->m->clock, &f->done);
    if (f->pending_op != OP_NONE && f->pending_op != OP_PROGRAM)
        log_msg(&d->m->log, LOG_GUEST | LOG_FLASH,
                "flash: reset during an erase: the sector is left as it was");
    f->pending_op = OP_NONE;
    f->acr = 0;
    f->sr = 0;
    f->cr = R_CR_LOCK_MASK;
    f->key_step = f->optkey_step = 0;
    f->key_fault = false;
    /* OPTCR is loaded from the option bytes */
    uint32_t nwrp = f->optbytes[8] | (uint32_t)(f->optbytes[9] & 0x0F) << 8;
    f->optcr = (OPTCR_RESET & ~(R_OPTCR_NWRP_MASK | R_OPTCR_RDP_MASK | 0xECu)) |
               (uint32_t)(f->optbytes[0] & 0xEC) |
               (uint32_t)f->optbytes[1] << 8 | nwrp << 16;
    update_irq(f);
}

void flash_init(stm32_flash *f, uint8_t *mem, uint8_t *otp, uint8_t *optbytes)
{
    memset(f, 0, sizeof(*f));
    device_init(&f->dev, "FLASH", FLASHIF_BASE, 0x400, flash_read, flash_write,
                flash_reset, flash_regs);
    f->mem = mem;
    f->otp = otp;
    f->optbytes = optbytes;
    clock_event_init(&f->done, "flash-op", op_done, f);
}
