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

#define FLASH_REGS(REG, REGV, REGA) \
    REG(ACR, 0x00, acr)              \
    REGV(KEYR, 0x04)                 \
    REGV(OPTKEYR, 0x08)              \
    REG(SR, 0x0C, sr)                \
    REG(CR, 0x10, cr)                \
    REG(OPTCR, 0x14, optcr)
REGS_OFFSETS(FLASH_REGS)
#define REGS_T stm32_flash
    FIELD(SR, EOP, 0, 1)
    FIELD(SR, OPERR, 1, 1)
    FIELD(SR, WRPERR, 4, 1)
    FIELD(SR, PGAERR, 5, 1)
    FIELD(SR, PGPERR, 6, 1)
    FIELD(SR, PGSERR, 7, 1)
    FIELD(SR, BSY, 16, 1)
    FIELD(CR, PG, 0, 1)
    FIELD(CR, SER, 1, 1)
    FIELD(CR, MER, 2, 1)
    FIELD(CR, SNB, 3, 4)
    FIELD(CR, PSIZE, 8, 2)
    FIELD(CR, STRT, 16, 1)
    FIELD(CR, EOPIE, 24, 1)
    FIELD(CR, ERRIE, 25, 1)
    FIELD(CR, LOCK, 31, 1)
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


static uint32_t sector_start(const stm32_flash *f, int n)
{
    return f->mem.sectors[n];
}

static uint32_t sector_size(const stm32_flash *f, int n)
{
    return (n + 1 < f->mem.nsectors ? f->mem.sectors[n + 1] : f->mem.size) - f->mem.sectors[n];
}

static int sector_of(const stm32_flash *f, uint32_t off)
{
    int n = 0;
    while (n + 1 < f->mem.nsectors && off >= f->mem.sectors[n + 1])
        n++;
    return n;
}

uint64_t flash_erase_time_ps(uint32_t sz, int psize)
{
    /* STM32F205 datasheet, tERASE typical for x8/x16/x32 (x64 as x32). */
    static const uint32_t ms16[4] = {400, 300, 250, 250};
    static const uint32_t ms64[4] = {1200, 700, 550, 550};
    static const uint32_t ms128[4] = {2000, 1300, 1000, 1000};
    const uint32_t *t = sz <= 0x4000u ? ms16 : sz <= 0x10000u ? ms64 : ms128;
    return (uint64_t)t[psize & 3] * PS_PER_MS;
}

#define PROGRAM_TIME_PS (16 * PS_PER_US) /* tPROG typical */

static void update_irq(stm32_flash *f)
{
    bool eop = FIELD_EX32(f->cr, CR, EOPIE) && FIELD_EX32(f->sr, SR, EOP);
    bool err = FIELD_EX32(f->cr, CR, ERRIE) && FIELD_EX32(f->sr, SR, OPERR);
    line_set(&f->irq, eop || err);
}

static bool sector_protected(stm32_flash *f, int n)
{
    return !(FIELD_EX32(f->optcr, OPTCR, NWRP) & (1u << n));
}


static void op_done(void *arg)
{
    stm32_flash *f = arg;
    machine *m = f->dev.m;
    switch (f->pending_op) {
    case OP_ERASE: {
        uint32_t a = sector_start(f, f->pending_sector);
        uint32_t n = sector_size(f, f->pending_sector);
        memset(f->mem.mem + a, 0xFF, n);
        machine_code_changed(m, f->mem.base + a, f->mem.base + a + n);
        f->erases++;
        log_msg(&m->log, LOG_FLASH, "[%.3f ms] flash: sector %d erased (0x%08x, %u KB)",
                (double)machine_now(m) / PS_PER_MS, f->pending_sector,
                f->mem.base + a, n >> 10);
        break;
    }
    case OP_MASS_ERASE:
        memset(f->mem.mem, 0xFF, f->mem.size);
        machine_code_changed(m, f->mem.base, f->mem.base + f->mem.size);
        f->erases++;
        log_msg(&m->log, LOG_FLASH, "flash: mass erase");
        break;
    case OP_OPTIONS: {
        /* The option bytes as the flash interface reloads them. */
        uint32_t o = f->optcr;
        f->mem.optbytes[0] = (uint8_t)(o & 0xEC);
        f->mem.optbytes[1] = (uint8_t)FIELD_EX32(o, OPTCR, RDP);
        f->mem.optbytes[8] = (uint8_t)FIELD_EX32(o, OPTCR, NWRP);
        f->mem.optbytes[9] = (uint8_t)(FIELD_EX32(o, OPTCR, NWRP) >> 8);
        log_msg(&m->log, LOG_FLASH, "flash: option bytes written (nWRP=0x%03x)",
                FIELD_EX32(o, OPTCR, NWRP));
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

/* Is this operation (a program or an erase) the one a fault is set for? */
static flash_fault_effect fault_due(stm32_flash *f, bool erase)
{
    if (f->fault.effect == FLASH_FAULT_NONE ||
        f->fault.kind == (erase ? FLASH_OP_PROGRAM : FLASH_OP_ERASE))
        return FLASH_FAULT_NONE;
    if (f->fault.left--)
        return FLASH_FAULT_NONE;
    flash_fault_effect e = f->fault.effect;
    f->fault.effect = FLASH_FAULT_NONE;
    return e;
}

void flash_fault_at(stm32_flash *f, flash_op_kind kind, uint64_t n, flash_fault_effect effect)
{
    f->fault.effect = n ? effect : FLASH_FAULT_NONE;
    f->fault.kind = kind;
    f->fault.left = n ? n - 1 : 0;
}

void flash_disturb_at(stm32_flash *f, flash_op_kind kind, uint64_t n, uint32_t addr, uint32_t len,
                      uint8_t xor)
{
    flash_fault_at(f, kind, n, FLASH_FAULT_DISTURB);
    f->fault.addr = addr;
    f->fault.len = len;
    f->fault.xor = xor;
}

/* A disturb fault: the chosen cells flip (inside the array only). */
static void disturb(stm32_flash *f)
{
    machine *m = f->dev.m;
    uint32_t off = f->fault.addr - f->mem.base, len = f->fault.len;
    if (f->fault.addr < f->mem.base || off >= f->mem.size)
        return;
    if (len > f->mem.size - off)
        len = f->mem.size - off;
    for (uint32_t i = 0; i < len; i++)
        f->mem.mem[off + i] ^= f->fault.xor;
    machine_code_changed(m, f->fault.addr, f->fault.addr + len);
    log_msg(&m->log, LOG_FLASH,
            "[%.3f ms] flash: injected disturb: %u byte(s) at 0x%08x flipped (xor 0x%02x)",
            (double)machine_now(m) / PS_PER_MS, len, f->fault.addr, f->fault.xor);
}

/* The bytes of the erase in flight that are erased by now: its sector's
 * (or the whole flash's) first `fraction`, in whole words. */
static void tear_erase(stm32_flash *f, double fraction)
{
    machine *m = f->dev.m;
    bool mass = f->pending_op == OP_MASS_ERASE;
    uint32_t a = mass ? 0 : sector_start(f, f->pending_sector);
    uint32_t n = mass ? f->mem.size : sector_size(f, f->pending_sector);
    uint32_t done = (uint32_t)(n * fraction) & ~3u;
    memset(f->mem.mem + a, 0xFF, done);
    machine_code_changed(m, f->mem.base + a, f->mem.base + a + n);
    log_msg(&m->log, LOG_FLASH, "flash: power lost during the erase of 0x%08x-0x%08x: "
            "%u of %u bytes erased", f->mem.base + a, f->mem.base + a + n - 1, done, n);
}

static void lose_power(stm32_flash *f)
{
    clock_disarm(&f->dev.m->clock, &f->done);
    f->pending_op = OP_NONE;
    f->stuck = false;
    f->power_lost = true;
    line_set(&f->power_fail, 1);
}

void flash_power_fail(stm32_flash *f)
{
    if (f->power_lost)
        return;
    if (f->pending_op == OP_ERASE || f->pending_op == OP_MASS_ERASE) {
        uint64_t now = machine_now(f->dev.m);
        double frac = f->op_length ? (double)(now - f->op_started) / (double)f->op_length : 1;
        tear_erase(f, frac > 1 ? 1 : frac);
    }
    lose_power(f);
}

static void start_op(stm32_flash *f, int op, uint64_t duration)
{
    machine *m = f->dev.m;
    if (f->instant)
        duration = 1;
    f->pending_op = op;
    f->sr |= R_SR_BSY_MASK;
    flash_fault_effect e = op == OP_OPTIONS ? FLASH_FAULT_NONE
                                            : fault_due(f, op != OP_PROGRAM);
    if (e == FLASH_FAULT_POWER) {
        if (op != OP_PROGRAM) /* the chosen erase: power fails halfway */
            tear_erase(f, 0.5);
        else
            log_msg(&m->log, LOG_FLASH, "flash: power lost during a program: the word in "
                    "flight does not land");
        lose_power(f);
        return;
    }
    if (e == FLASH_FAULT_DISTURB)
        disturb(f);
    f->op_started = machine_now(m);
    f->op_length = duration;
    f->stuck = e == FLASH_FAULT_STUCK;
    if (f->stuck)
        log_msg(&m->log, LOG_FLASH, "flash: injected fault: the operation never completes");
    else
        clock_arm(&m->clock, &f->done, machine_now(m) + duration);
    machine_stall(m, duration);
}

static void cr_write(stm32_flash *f, uint32_t v)
{
    machine *m = f->dev.m;
    if (FIELD_EX32(f->cr, CR, LOCK)) {
        log_msg(&m->log, LOG_GUEST, "flash: CR write while locked ignored");
        return;
    }
    if (FIELD_EX32(f->sr, SR, BSY) || f->power_lost) {
        log_msg(&m->log, LOG_GUEST, "flash: CR write while busy ignored");
        return;
    }
    f->cr = v & 0x8301037Fu;
    update_irq(f);
    if (!FIELD_EX32(v, CR, STRT))
        return;
    int psize = (int)FIELD_EX32(v, CR, PSIZE);
    if (FIELD_EX32(v, CR, MER)) {
        for (int n = 0; n < f->mem.nsectors; n++) {
            if (sector_protected(f, n)) {
                f->sr |= R_SR_WRPERR_MASK;
                f->cr &= ~R_CR_STRT_MASK;
                return;
            }
        }
        start_op(f, OP_MASS_ERASE, 8000 * PS_PER_MS);
    } else if (FIELD_EX32(v, CR, SER)) {
        int n = (int)FIELD_EX32(v, CR, SNB);
        if (n >= f->mem.nsectors || sector_protected(f, n)) {
            f->sr |= R_SR_WRPERR_MASK;
            f->cr &= ~R_CR_STRT_MASK;
            log_msg(&m->log, LOG_GUEST, "flash: erase of sector %d refused (%s)", n,
                    n >= f->mem.nsectors ? "no such sector" : "write-protected");
            return;
        }
        f->pending_sector = n;
        start_op(f, OP_ERASE, flash_erase_time_ps(sector_size(f, n), psize));
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
    machine *m = f->dev.m;
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
    machine *m = f->dev.m;
    addr = bus_canonical(&m->bus, addr); /* the boot alias */
    bool main = addr - f->mem.base < f->mem.size;
    bool otp = addr >= f->mem.otp_base && addr + size <= f->mem.otp_base + 528;
    uint64_t waited = 0;
    if (f->power_lost)
        return false; /* no supply: the cells keep what they hold */
    if (f->stuck)
        return false; /* the bus never lets the store through */
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
        if (sector_protected(f, sector_of(f, addr - f->mem.base))) {
            f->sr |= R_SR_WRPERR_MASK;
            update_irq(f);
            return false;
        }
    } else {
        /* OTP block b is locked when its lock byte is 0x00 */
        uint32_t o = addr - f->mem.otp_base;
        if (o >= 512 || f->mem.otp[512 + o / 32] == 0x00) {
            f->sr |= R_SR_WRPERR_MASK;
            update_irq(f);
            return false;
        }
    }
    (void)value;
    f->programs++;
    start_op(f, OP_PROGRAM, waited + PROGRAM_TIME_PS);
    return !f->power_lost; /* the chosen program's word never reaches its cells */
}

static void flash_reset(device *d, reset_kind kind)
{
    stm32_flash *f = container_of(d, stm32_flash, dev);
    clock_disarm(&d->m->clock, &f->done);
    f->stuck = false;
    if (kind == RESET_POWER_ON && f->power_lost) {
        f->power_lost = false;
        line_set(&f->power_fail, 0);
    }
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
    uint32_t nwrp = f->mem.optbytes[8] | (uint32_t)(f->mem.optbytes[9] & 0x0F) << 8;
    f->optcr = (OPTCR_RESET & ~(R_OPTCR_NWRP_MASK | R_OPTCR_RDP_MASK | 0xECu)) |
               (uint32_t)(f->mem.optbytes[0] & 0xEC) |
               (uint32_t)f->mem.optbytes[1] << 8 | nwrp << 16;
    update_irq(f);
}

static const reg_name flash_regs[] = {REGS_NAMES(FLASH_REGS){0}};
static const state_field flash_state[] = {
    REGS_STATE(FLASH_REGS)
    STATE("key_step", key_step)
    STATE("optkey_step", optkey_step)
    STATE("key_fault", key_fault)
    STATE("pending_op", pending_op)
    STATE("pending_sector", pending_sector)
    {0},
};
static const line_desc flash_lines[] = {LINE_OUT("irq", irq) LINE_OUT("power_fail", power_fail){0}};

const device_class flash_class = {
    .type = "stm32f2-flash", .size = 0x400, .read = flash_read, .write = flash_write,
    .reset = flash_reset, .regs = flash_regs, .state = flash_state, .lines = flash_lines,
};

void flash_init(stm32_flash *f, const char *name, const flash_layout *layout)
{
    memset(f, 0, sizeof(*f));
    device_init(&f->dev, &flash_class, name);
    f->mem = *layout;
    clock_event_init(&f->done, "flash-op", op_done, f);
}
