/* SDIO host controller (RM0033 section 25.9).
 *
 * Command path: a CMD write with CPSMEN sends the command to the card at
 * once (CMDACT reads 0): CMDREND with the card's response (RESPCMD, RESP1-4;
 * R3/R4 carry no CRC, so CCRCFAIL as on the STM32), CMDSENT for commands
 * without a response, CTIMEOUT when no card answers, the card is in reset,
 * or the bus is off (POWER, CLKEN).
 * Data path: a DCTRL write with DTEN starts a transfer of DLEN bytes in the
 * DTDIR direction. Data moves between the card and the 32-word FIFO as soon
 * as the card is in a matching data phase (hardware flow control: no
 * overrun or underrun) and between the FIFO and the bus by FIFO register
 * accesses, by the CPU or by DMA (DMAEN: the request is high while the FIFO
 * has data, or room while data is still to be sent). DCOUNT and FIFOCNT
 * count down; DATAEND and DBCKEND when the card has sent or taken the last
 * byte; the DMA is told that the transfer ended (peripheral flow control)
 * when the FIFO is empty after that. A card that does not deliver or
 * accept the data gives DTIMEOUT after DTIMER card clock periods.
 * SDIOIT is set each time the card asserts its interrupt line. STA's FIFO
 * and activity bits are computed from the data path; the interrupt is a
 * level: (STA & MASK) != 0.
 * Not modelled: the time a command or a block takes on the wire (data moves
 * at once), CRC errors, read wait, suspend/resume, CE-ATA, WAITINT and
 * WAITPEND, the bus width and clock rate beyond the data timeout. */
#include "sdio.h"

#include <string.h>

#include "machine.h"

REG32(POWER, 0x00)
REG32(CLKCR, 0x04)
    FIELD(CLKCR, CLKDIV, 0, 8)
    FIELD(CLKCR, CLKEN, 8, 1)
    FIELD(CLKCR, BYPASS, 10, 1)
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
    FIELD(DCTRL, DTEN, 0, 1)
    FIELD(DCTRL, DTDIR, 1, 1)
    FIELD(DCTRL, DMAEN, 3, 1)
REG32(DCOUNT, 0x30)
REG32(STA, 0x34)
REG32(ICR, 0x38)
REG32(MASK, 0x3C)
REG32(FIFOCNT, 0x48)
REG32(FIFO, 0x80)

#define STA_CCRCFAIL BIT(0)
#define STA_CTIMEOUT BIT(2)
#define STA_DTIMEOUT BIT(3)
#define STA_CMDREND BIT(6)
#define STA_CMDSENT BIT(7)
#define STA_DATAEND BIT(8)
#define STA_DBCKEND BIT(10)
#define STA_TXACT BIT(12)
#define STA_RXACT BIT(13)
#define STA_TXFIFOHE BIT(14)
#define STA_RXFIFOHF BIT(15)
#define STA_TXFIFOF BIT(16)
#define STA_RXFIFOF BIT(17)
#define STA_TXFIFOE BIT(18)
#define STA_RXFIFOE BIT(19)
#define STA_TXDAVL BIT(20)
#define STA_RXDAVL BIT(21)
#define STA_SDIOIT BIT(22)
#define STA_STATIC 0x00C007FFu /* the flags ICR clears */
#define SDIOCLK_HZ 48000000u

static const reg_name sdio_regs[] = {
    {A_POWER, "POWER"}, {A_CLKCR, "CLKCR"}, {A_ARG, "ARG"}, {A_CMD, "CMD"},
    {A_RESPCMD, "RESPCMD"}, {0x14, "RESP1"}, {0x18, "RESP2"}, {0x1C, "RESP3"},
    {0x20, "RESP4"}, {A_DTIMER, "DTIMER"}, {A_DLEN, "DLEN"}, {A_DCTRL, "DCTRL"},
    {A_DCOUNT, "DCOUNT"}, {A_STA, "STA"}, {A_ICR, "ICR"}, {A_MASK, "MASK"},
    {A_FIFOCNT, "FIFOCNT"}, {A_FIFO, "FIFO"}, {0, NULL},
};

static uint32_t status(const stm32_sdio *s)
{
    uint32_t v = s->sta;
    bool full = s->fifo_n == SDIO_FIFO_WORDS, empty = s->fifo_n == 0;
    if (s->rx) {
        v |= (s->dpsm ? STA_RXACT : 0) | (s->fifo_n >= 8 ? STA_RXFIFOHF : 0) |
             (full ? STA_RXFIFOF : 0) | (empty ? STA_RXFIFOE : STA_RXDAVL);
    } else {
        v |= (s->dpsm ? STA_TXACT : 0) | (s->fifo_n <= SDIO_FIFO_WORDS / 2 ? STA_TXFIFOHE : 0) |
             (full ? STA_TXFIFOF : 0) | (empty ? STA_TXFIFOE : STA_TXDAVL);
    }
    return v;
}

static void update(stm32_sdio *s)
{
    irq_set(&s->irq, (status(s) & s->mask) != 0);
    bool req = FIELD_EX32(s->dctrl, DCTRL, DMAEN) &&
               (s->rx ? s->fifo_n > 0 : s->dpsm && s->fifocnt > 0 && s->fifo_n < SDIO_FIFO_WORDS);
    if (req != s->dma_req) {
        s->dma_req = req;
        for (int i = 0; i < s->ndma; i++)
            dma_request_set(&s->dma[i], req);
    }
}

static bool bus_on(const stm32_sdio *s)
{
    return (s->power & 3) == 3 && FIELD_EX32(s->clkcr, CLKCR, CLKEN);
}

/* The card clock period in ps (SDIOCLK / (CLKDIV + 2), or SDIOCLK). */
static uint64_t card_clock_ps(const stm32_sdio *s)
{
    uint32_t div = FIELD_EX32(s->clkcr, CLKCR, BYPASS) ? 1 : FIELD_EX32(s->clkcr, CLKCR, CLKDIV) + 2;
    return PS_PER_S / SDIOCLK_HZ * div;
}

static void finish_data(stm32_sdio *s, uint32_t flags)
{
    machine *m = s->dev.m;
    s->dpsm = false;
    s->sta |= flags;
    s->dma_end_due = !(flags & STA_DTIMEOUT) && FIELD_EX32(s->dctrl, DCTRL, DMAEN);
    clock_disarm(&m->clock, &s->dtimeout_ev);
    if (flags & STA_DTIMEOUT) {
        s->fifo_n = 0;
        log_msg(&m->log, LOG_GUEST,
                "SDIO: data timeout: the card did not %s the remaining %u bytes of the transfer",
                s->rx ? "send" : "take", s->dcount);
    }
}

/* Tell the DMA that the transfer is over once nothing is left to move. */
static void maybe_end_dma(stm32_sdio *s)
{
    if (!s->dma_end_due || s->fifo_n)
        return;
    s->dma_end_due = false;
    for (int i = 0; i < s->ndma; i++)
        dma_request_end(&s->dma[i]);
}

/* Move data between the card and the FIFO as far as both sides allow. */
static void pump(stm32_sdio *s)
{
    machine *m = s->dev.m;
    if (s->dpsm) {
        int32_t pend = s->card_ops ? s->card_ops->data_pending(s->card) : 0;
        bool moved = false;
        if (s->rx) {
            while (s->dcount && s->fifo_n < SDIO_FIFO_WORDS && pend > 0) {
                uint32_t k = s->dcount < 4 ? s->dcount : 4;
                if ((uint32_t)pend < k)
                    break; /* the card sends whole words here */
                uint32_t w = 0;
                s->card_ops->read(s->card, (uint8_t *)&w, k);
                s->fifo[s->fifo_n++] = w;
                s->dcount -= k;
                pend -= (int32_t)k;
                moved = true;
            }
        } else {
            while (s->dcount && s->fifo_n && pend < 0) {
                uint32_t k = s->dcount < 4 ? s->dcount : 4;
                if ((uint32_t)-pend < k)
                    break;
                s->card_ops->write(s->card, (const uint8_t *)&s->fifo[0], k);
                memmove(s->fifo, s->fifo + 1, (s->fifo_n - 1) * sizeof(s->fifo[0]));
                s->fifo_n--;
                s->dcount -= k;
                pend += (int32_t)k;
                moved = true;
            }
        }
        if (s->dcount == 0) {
            finish_data(s, STA_DATAEND | STA_DBCKEND);
        } else if (moved) {
            clock_disarm(&m->clock, &s->dtimeout_ev);
        } else if (!s->dtimeout_ev.armed && (s->rx || s->fifo_n)) {
            uint64_t t = (uint64_t)s->dtimer * card_clock_ps(s);
            clock_arm(&m->clock, &s->dtimeout_ev, machine_now(m) + (t ? t : card_clock_ps(s)));
        }
    }
    update(s);
    maybe_end_dma(s);
}

static void data_timeout(void *arg)
{
    stm32_sdio *s = arg;
    if (s->dpsm)
        finish_data(s, STA_DTIMEOUT);
    update(s);
}

static void start_data(stm32_sdio *s)
{
    clock_disarm(&s->dev.m->clock, &s->dtimeout_ev);
    s->dpsm = true;
    s->dma_end_due = false;
    s->rx = FIELD_EX32(s->dctrl, DCTRL, DTDIR);
    s->dcount = s->dlen;
    s->fifocnt = (s->dlen + 3) / 4;
    s->fifo_n = 0;
    if (s->dlen == 0)
        finish_data(s, STA_DATAEND);
    pump(s);
}

static void command(stm32_sdio *s)
{
    machine *m = s->dev.m;
    uint32_t idx = FIELD_EX32(s->cmd, CMD, CMDINDEX);
    uint32_t wait = FIELD_EX32(s->cmd, CMD, WAITRESP);
    uint32_t resp[4] = {0};
    int answer = SDIO_NO_RESPONSE;
    s->commands++;
    if (!bus_on(s))
        log_msg(&m->log, LOG_GUEST, "SDIO: CMD%u sent with the card bus %s: no card sees it", idx,
                (s->power & 3) != 3 ? "powered off" : "clock off (CLKEN = 0)");
    else if (s->card_ops)
        answer = s->card_ops->command(s->card, idx, s->arg, resp);
    if (wait == 0 || wait == 2) {
        s->sta |= STA_CMDSENT;
    } else if (answer == SDIO_NO_RESPONSE) {
        s->sta |= STA_CTIMEOUT;
    } else {
        memcpy(s->resp, resp, sizeof(resp));
        bool nocrc = answer == SDIO_RESPONSE_NOCRC;
        s->respcmd = nocrc || wait == 3 ? 0x3F : idx;
        s->sta |= nocrc ? STA_CCRCFAIL : STA_CMDREND;
    }
    pump(s);
}

static uint32_t fifo_read(stm32_sdio *s)
{
    bus_note_effect(&s->dev.m->bus);
    if (!s->rx || s->fifo_n == 0)
        return 0;
    uint32_t w = s->fifo[0];
    memmove(s->fifo, s->fifo + 1, (s->fifo_n - 1) * sizeof(s->fifo[0]));
    s->fifo_n--;
    if (s->fifocnt)
        s->fifocnt--;
    pump(s);
    return w;
}

static void fifo_write(stm32_sdio *s, uint32_t v)
{
    machine *m = s->dev.m;
    if (s->rx || !s->dpsm || s->fifocnt == 0 || s->fifo_n == SDIO_FIFO_WORDS) {
        log_msg(&m->log, LOG_GUEST, "SDIO: FIFO write with no transmit transfer waiting for it: lost");
        return;
    }
    s->fifo[s->fifo_n++] = v;
    s->fifocnt--;
    pump(s);
}

static uint32_t sdio_read(device *d, uint32_t off, unsigned size)
{
    stm32_sdio *s = container_of(d, stm32_sdio, dev);
    (void)size;
    if (off >= A_RESP1 && off < A_RESP1 + 16)
        return s->resp[(off - A_RESP1) / 4];
    if (off >= A_FIFO && off < A_FIFO + 0x80)
        return fifo_read(s);
    switch (off) {
    case A_POWER: return s->power;
    case A_CLKCR: return s->clkcr;
    case A_ARG: return s->arg;
    case A_CMD: return s->cmd;
    case A_RESPCMD: return s->respcmd;
    case A_DTIMER: return s->dtimer;
    case A_DLEN: return s->dlen;
    case A_DCTRL: return s->dctrl;
    case A_DCOUNT: return s->dcount;
    case A_STA: return status(s);
    case A_ICR: return 0;
    case A_MASK: return s->mask;
    case A_FIFOCNT: return s->fifocnt;
    }
    device_unimp(d, off, false, 0);
    return 0;
}

static void sdio_write(device *d, uint32_t off, uint32_t v, unsigned size)
{
    stm32_sdio *s = container_of(d, stm32_sdio, dev);
    v = reg_merge(0, off, v, size);
    off &= ~3u;
    if (off >= A_FIFO && off < A_FIFO + 0x80) {
        fifo_write(s, v);
        return;
    }
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
    case A_DCTRL:
        s->dctrl = v & 0xFFF;
        if (FIELD_EX32(v, DCTRL, DTEN))
            start_data(s);
        else
            update(s);
        return;
    case A_ICR: s->sta &= ~(v & STA_STATIC); update(s); return;
    case A_MASK: s->mask = v & 0x00FFFFFFu; update(s); return;
    case A_RESPCMD:
    case A_DCOUNT:
    case A_STA:
    case A_FIFOCNT: return; /* read-only */
    }
    device_unimp(d, off, true, v);
}

void sdio_card_interrupt(stm32_sdio *s, bool level)
{
    if (level && !s->card_irq) {
        s->sta |= STA_SDIOIT;
        update(s);
    }
    s->card_irq = level;
}

void sdio_card_data_changed(stm32_sdio *s)
{
    pump(s);
}

static void sdio_reset(device *d, reset_kind kind)
{
    stm32_sdio *s = container_of(d, stm32_sdio, dev);
    (void)kind;
    clock_disarm(&d->m->clock, &s->dtimeout_ev);
    s->power = s->clkcr = s->arg = s->cmd = s->respcmd = 0;
    memset(s->resp, 0, sizeof(s->resp));
    s->dtimer = s->dlen = s->dctrl = s->sta = s->mask = 0;
    s->dpsm = s->rx = s->dma_end_due = false;
    s->dcount = s->fifocnt = 0;
    s->fifo_n = 0;
    update(s);
}

void sdio_init(stm32_sdio *s)
{
    memset(s, 0, sizeof(*s));
    device_init(&s->dev, "SDIO", SDIO_BASE, 0x400, sdio_read, sdio_write, sdio_reset, sdio_regs);
    clock_event_init(&s->dtimeout_ev, "sdio-dtimeout", data_timeout, s);
}
