#include "dbgmcu.h"

#include <string.h>

#include "machine.h"

REG32(IDCODE, 0x00)
REG32(CR, 0x04)
REG32(APB1_FZ, 0x08)
REG32(APB2_FZ, 0x0C)

static const reg_name dbgmcu_regs[] = {
    {A_IDCODE, "IDCODE"}, {A_CR, "CR"}, {A_APB1_FZ, "APB1_FZ"},
    {A_APB2_FZ, "APB2_FZ"}, {0, NULL},
};

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

void dbgmcu_init(stm32_dbgmcu *d)
{
    memset(d, 0, sizeof(*d));
    device_init(&d->dev, "DBGMCU", DBGMCU_BASE, 0x400, dbgmcu_read, dbgmcu_write,
                dbgmcu_reset, dbgmcu_regs);
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
    if (!b->pwr || !pwr_dbp(b->pwr)) {
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

void bkpsram_init(stm32_bkpsram *b, stm32_pwr *pwr)
{
    memset(b, 0, sizeof(*b));
    device_init(&b->dev, "BKPSRAM", BKPSRAM_BASE, BKPSRAM_SIZE, bkpsram_read, bkpsram_write,
                bkpsram_reset, NULL);
    b->pwr = pwr;
}
