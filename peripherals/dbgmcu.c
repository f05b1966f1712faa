#include "dbgmcu.h"

#include <string.h>

#include "machine.h"

#define DBGMCU_REGS(REG, REGV, REGA) \
    REG(IDCODE, 0x00, idcode)         \
    REG(CR, 0x04, cr)                 \
    REG(APB1_FZ, 0x08, apb1_fz)       \
    REG(APB2_FZ, 0x0C, apb2_fz)
REGS_OFFSETS(DBGMCU_REGS)
#define REGS_T stm32_dbgmcu

static uint32_t dbgmcu_read(device *dev, uint32_t off, unsigned size)
{
    stm32_dbgmcu *d = container_of(dev, stm32_dbgmcu, dev);
    (void)size;
    switch (off) {
    case A_IDCODE: return d->idcode;
    case A_CR: return d->cr;
    case A_APB1_FZ: return d->apb1_fz;
    case A_APB2_FZ: return d->apb2_fz;
    }
    device_unimp(dev, off, false, 0);
    return 0;
}

static void dbgmcu_write(device *dev, uint32_t off, uint32_t v, unsigned size)
{
    stm32_dbgmcu *d = container_of(dev, stm32_dbgmcu, dev);
    switch (off & ~3u) {
    case A_IDCODE: return;
    case A_CR: d->cr = reg_merge(d->cr, off, v, size) & 0xE7; return;
    case A_APB1_FZ: d->apb1_fz = reg_merge(d->apb1_fz, off, v, size); return;
    case A_APB2_FZ: d->apb2_fz = reg_merge(d->apb2_fz, off, v, size); return;
    }
    device_unimp(dev, off, true, v);
}

static void dbgmcu_reset(device *dev, reset_kind kind)
{
    stm32_dbgmcu *d = container_of(dev, stm32_dbgmcu, dev);
    /* DBGMCU is reset by power-on only */
    if (kind == RESET_POWER_ON)
        d->cr = d->apb1_fz = d->apb2_fz = 0;
}

static const reg_name dbgmcu_regs[] = {REGS_NAMES(DBGMCU_REGS){0}};
static const state_field dbgmcu_state[] = {REGS_STATE(DBGMCU_REGS){0}};

const device_class dbgmcu_class = {
    .type = "stm32f2-dbgmcu", .size = 0x400, .read = dbgmcu_read, .write = dbgmcu_write,
    .reset = dbgmcu_reset, .regs = dbgmcu_regs, .state = dbgmcu_state,
};

void dbgmcu_init(stm32_dbgmcu *d, const char *name)
{
    memset(d, 0, sizeof(*d));
    device_init(&d->dev, &dbgmcu_class, name);
    d->idcode = 0x20016411u; /* STM32F2xx, DEV_ID 0x411, revision X */
}

/* ---- backup SRAM ------------------------------------------------------ */

static uint32_t bkpsram_read(device *dev, uint32_t off, unsigned size)
{
    stm32_bkpsram *b = container_of(dev, stm32_bkpsram, dev);
    (void)size;
    uint32_t v;
    memcpy(&v, b->mem + off, 4);
    return v;
}

static void bkpsram_write(device *dev, uint32_t off, uint32_t v, unsigned size)
{
    stm32_bkpsram *b = container_of(dev, stm32_bkpsram, dev);
    if (!b->dbp) {
        log_msg(&dev->m->log, LOG_GUEST, "bkpsram: write without PWR_CR.DBP ignored");
        return;
    }
    if (off + size <= BKPSRAM_SIZE)
        memcpy(b->mem + off, &v, size);
}

static void bkpsram_reset(device *dev, reset_kind kind)
{
    stm32_bkpsram *b = container_of(dev, stm32_bkpsram, dev);
    if (kind == RESET_POWER_ON)
        memset(b->mem, 0, sizeof(b->mem));
}

static void dbp_in(void *opaque, int n, double level)
{
    stm32_bkpsram *b = container_of((device *)opaque, stm32_bkpsram, dev);
    (void)n;
    b->dbp = line_high(level);
}

#undef REGS_T
#define REGS_T stm32_bkpsram
static const state_field bkpsram_state[] = {STATE("MEM", mem){0}};
static const state_keep bkpsram_keep[] = {{"MEM", 0}, {0}};
static const line_desc bkpsram_lines[] = {LINE_IN("dbp", 1, dbp_in){0}};

const device_class bkpsram_class = {
    .type = "stm32f2-bkpsram", .size = BKPSRAM_SIZE, .read = bkpsram_read,
    .write = bkpsram_write, .reset = bkpsram_reset, .state = bkpsram_state,
    .keep = bkpsram_keep, .lines = bkpsram_lines,
};

void bkpsram_init(stm32_bkpsram *b, const char *name)
{
    memset(b, 0, sizeof(*b));
    device_init(&b->dev, &bkpsram_class, name);
}
