/* SDIO (RM0033 section 25.9): commands complete at once (CMDACT reads 0):
 * CMDREND with the card's response, CMDSENT for no-response commands,
 * CTIMEOUT when no card answers. Not modelled yet: the data path (DCTRL,
 * FIFO, DMA) which the Wi-Fi chip model will need. */
#include "sdio.h"

#include <string.h>

#include "machine.h"

REG32(POWER, 0x00)
REG32(CLKCR, 0x04)
REG32(ARG, 0x08)
REG32(CMD, 0x0C)
    FIELD(CMD, CMDINDEX, 0, 6)
    FIELD(CMD, WAITRESP, 6, 2)
    FIELD(CMD, CPSMEN, 10, 1)
REG32(RESPCMD, 0x10)
REG32(RESP1, 0x14)
REG32(DTIMER, 0x24)
REG32(DLEN, 0x28)
REG32(DCTRL, 0x2C)
REG32(DCOUNT, 0x30)
REG32(STA, 0x34)
REG32(ICR, 0x38)
REG32(MASK, 0x3C)
REG32(FIFOCNT, 0x48)
REG32(FIFO, 0x80)

#define STA_CTIMEOUT BIT(2)
#define STA_CMDREND BIT(6)
#define STA_CMDSENT BIT(7)
#define STA_STATIC 0x00C007FFu

static const reg_name sdio_regs[] = {
    {A_POWER, "POWER"}, {A_CLKCR, "CLKCR"}, {A_ARG, "ARG"}, {A_CMD, "CMD"},
    {A_RESPCMD, "RESPCMD"}, {0x14, "RESP1"}, {0x18, "RESP2"}, {0x1C, "RESP3"},
    {0x20, "RESP4"}, {A_DTIMER, "DTIMER"}, {A_DLEN, "DLEN"}, {A_DCTRL, "DCTRL"},
    {A_DCOUNT, "DCOUNT"}, {A_STA, "STA"}, {A_ICR, "ICR"}, {A_MASK, "MASK"},
    {A_FIFOCNT, "FIFOCNT"}, {A_FIFO, "FIFO"}, {0, NULL},
};

static void update_irq(stm32_sdio *s)
{
    line_set(&s->irq, (s->sta & s->mask) != 0);
}

static void command(stm32_sdio *s)
{
    uint32_t idx = FIELD_EX32(s->cmd, CMD, CMDINDEX);
    uint32_t wait = FIELD_EX32(s->cmd, CMD, WAITRESP);
    s->commands++;
    uint32_t resp[4] = {0};
    bool answered = s->card_ops && (s->power & 3) == 3 &&
                    s->card_ops->command(s->card, idx, s->arg, resp);
    if (wait == 0) {
        s->sta |= STA_CMDSENT;
    } else if (answered) {
        memcpy(s->resp, resp, sizeof(resp));
        s->respcmd = idx;
        s->sta |= STA_CMDREND;
    } else {
        s->sta |= STA_CTIMEOUT;
    }
    update_irq(s);
}

static uint32_t sdio_read(device *d, uint32_t off, unsigned size)
{
    stm32_sdio *s = container_of(d, stm32_sdio, dev);
    (void)size;
    if (off >= A_RESP1 && off < A_RESP1 + 16)
        return s->resp[(off - A_RESP1) / 4];
    if (off >= A_FIFO && off < A_FIFO + 0x80)
        return 0;
    switch (off) {
    case A_POWER: return s->power;
    case A_CLKCR: return s->clkcr;
    case A_ARG: return s->arg;
    case A_CMD: return s->cmd;
    case A_RESPCMD: return s->respcmd;
    case A_DTIMER: return s->dtimer;
    case A_DLEN: return s->dlen;
    case A_DCTRL: return s->dctrl;
    case A_DCOUNT: return 0;
    case A_STA: return s->sta;
    case A_ICR: return 0;
    case A_MASK: return s->mask;
    case A_FIFOCNT: return 0;
    }
    device_unimp(d, off, false, 0);
    return 0;
}

static void sdio_write(device *d, uint32_t off, uint32_t v, unsigned size)
{
    stm32_sdio *s = container_of(d, stm32_sdio, dev);
    v = reg_merge(0, off, v, size);
    off &= ~3u;
    if (off >= A_FIFO && off < A_FIFO + 0x80)
        return;
    switch (off) {
    case A_POWER: s->power = v & 3; return;
    case A_CLKCR: s->clkcr = v & 0x7FFF; return;
    case A_ARG: s->arg = v; return;
    case A_CMD:
        s->cmd = v & 0x7FFF;
        if (FIELD_EX32(v, CMD, CPSMEN))
            command(s);
        return;
    case A_DTIMER: s->dtimer = v; return;
    case A_DLEN: s->dlen = v & 0x1FFFFFF; return;
    case A_DCTRL: s->dctrl = v & 0xFFF; return;
    case A_ICR: s->sta &= ~(v & STA_STATIC); update_irq(s); return;
    case A_MASK: s->mask = v & 0x00FFFFFFu; update_irq(s); return;
    }
    device_unimp(d, off, true, v);
}

static void sdio_reset(device *d, reset_kind kind)
{
    stm32_sdio *s = container_of(d, stm32_sdio, dev);
    (void)kind;
    s->power = s->clkcr = s->arg = s->cmd = s->respcmd = 0;
    memset(s->resp, 0, sizeof(s->resp));
    s->dtimer = s->dlen = s->dctrl = s->sta = s->mask = 0;
    update_irq(s);
}

#define REGS_T stm32_sdio
static const state_field sdio_state[] = {
    STATE("POWER", power)
    STATE("CLKCR", clkcr)
    STATE("ARG", arg)
    STATE("CMD", cmd)
    STATE("RESPCMD", respcmd)
    STATE_ARRAY("RESP", resp)
    STATE("DTIMER", dtimer)
    STATE("DLEN", dlen)
    STATE("DCTRL", dctrl)
    STATE("STA", sta)
    STATE("MASK", mask)
    {0},
};
static const line_desc sdio_lines[] = {LINE_OUT("irq", irq){0}};

const device_class sdio_class = {
    .type = "stm32f2-sdio", .size = 0x400, .read = sdio_read, .write = sdio_write,
    .reset = sdio_reset, .regs = sdio_regs, .state = sdio_state, .lines = sdio_lines,
};

void sdio_init(stm32_sdio *s, const char *name)
{
    memset(s, 0, sizeof(*s));
    device_init(&s->dev, &sdio_class, name);
}
