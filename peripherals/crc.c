/* CRC unit (RM0033 section 3.4): CRC-32 polynomial 0x04C11DB7, initial
 * value 0xFFFFFFFF, 32-bit words fed MSB first, no reflection, no final
 * XOR. CR.RESET reloads the initial value; IDR is an 8-bit scratch. */
#include "crc.h"

#include <string.h>

#include "bus.h"

#define CRC_REGS(REG, REGV, REGA) \
    REG(DR, 0x00, dr)              \
    REG(IDR, 0x04, idr)            \
    REGV(CR, 0x08)
REGS_OFFSETS(CRC_REGS)
#define REGS_T stm32_crc

uint32_t crc_stm32_word(uint32_t crc, uint32_t word)
{
    crc ^= word;
    for (int i = 0; i < 32; i++)
        crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
    return crc;
}

static uint32_t crc_read(device *d, uint32_t off, unsigned size)
{
    stm32_crc *c = container_of(d, stm32_crc, dev);
    (void)size;
    switch (off) {
    case A_DR: return c->dr;
    case A_IDR: return c->idr;
    case A_CR: return 0;
    }
    device_unimp(d, off, false, 0);
    return 0;
}

static void crc_write(device *d, uint32_t off, uint32_t v, unsigned size)
{
    stm32_crc *c = container_of(d, stm32_crc, dev);
    switch (off & ~3u) {
    case A_DR:
        if (size != 4)
            device_unimp(d, off, true, v); /* F2 feeds only 32-bit words */
        c->dr = crc_stm32_word(c->dr, v);
        return;
    case A_IDR: c->idr = v & 0xFF; return;
    case A_CR:
        if (v & 1)
            c->dr = 0xFFFFFFFFu;
        return;
    }
    device_unimp(d, off, true, v);
}

static void crc_reset(device *d, reset_kind kind)
{
    stm32_crc *c = container_of(d, stm32_crc, dev);
    (void)kind;
    c->dr = 0xFFFFFFFFu;
    c->idr = 0;
}

static const reg_name crc_regs[] = {REGS_NAMES(CRC_REGS){0}};
static const state_field crc_state[] = {REGS_STATE(CRC_REGS){0}};

const device_class crc_class = {
    .type = "stm32f2-crc", .size = 0x400, .read = crc_read, .write = crc_write,
    .reset = crc_reset, .regs = crc_regs, .state = crc_state,
};

void crc_init(stm32_crc *c, const char *name)
{
    memset(c, 0, sizeof(*c));
    device_init(&c->dev, &crc_class, name);
    c->dr = 0xFFFFFFFFu;
}
