/* BCM43362: the SDIO card (SDIO Simplified Specification 3.0; register
 * names from WICED chips/43362/chip_constants.h and Linux brcmfmac).
 *
 * Commands: CMD0 (ignored, no response in SD mode), CMD5 (R4: ready, two
 * functions, 3.2-3.6 V; no CRC), CMD3 (R6 with the RCA), CMD7 (select by
 * RCA; R1b), CMD52 and CMD53 (R5 with the IO_CURRENT_STATE and the error
 * flags). Function 0 is the CCCR and FBR; function 1 is the backplane: a
 * 32 KB window set by the SBADDR registers (0x1000A-C; the same window is
 * seen again at 0x8000 for 4-byte accesses) and the registers at 0x10000
 * (clock CSR with ALP/HT availability, frame control, pull-ups, GPIO,
 * watermark); function 2 carries SDPCM frames (bcm43362_sdpcm.c).
 * A command the card cannot carry out gets the R5 error flags (ILLEGAL
 * COMMAND when not selected, FUNCTION NUMBER for a function that does not
 * exist or is not enabled, OUT OF RANGE and ERROR for an address outside the
 * backplane or a transfer the card does not support) and a --log guest
 * message; nothing is transferred. */
#include "bcm43362_internal.h"

#include <string.h>

/* CCCR */
#define CCCR_REV 0x00
#define CCCR_SDREV 0x01
#define CCCR_IOEN 0x02
#define CCCR_IORDY 0x03
#define CCCR_INTEN 0x04
#define CCCR_INTPEND 0x05
#define CCCR_IOABORT 0x06
#define CCCR_BICTRL 0x07
#define CCCR_CAPS 0x08
#define CCCR_CISPTR 0x09
#define CCCR_BLKSIZE 0x10
#define CCCR_POWER 0x12
#define CCCR_SPEED 0x13
#define CCCR_SEPINT 0xF2
#define FBR_SIZE 0x100
#define FBR_CISPTR 0x09
#define FBR_BLKSIZE 0x10
#define CIS_BASE 0x1000
/* function 1 registers */
#define F1_GPIO_SELECT 0x10005
#define F1_GPIO_OUTPUT 0x10006
#define F1_GPIO_ENABLE 0x10007
#define F1_WATERMARK 0x10008
#define F1_DEVCTL 0x10009
#define F1_SBADDR_LOW 0x1000A
#define F1_SBADDR_MID 0x1000B
#define F1_SBADDR_HIGH 0x1000C
#define F1_FRAMECTRL 0x1000D
#define F1_CLOCK_CSR 0x1000E
#define F1_PULLUP 0x1000F
#define F1_RFRAME_BC_LOW 0x1001B
#define F1_RFRAME_BC_HIGH 0x1001C
#define F1_REGS_END 0x10020
/* clock CSR */
#define CSR_REQUESTS 0x3Fu
#define CSR_ALP_REQ 0x09u /* FORCE_ALP | ALP_AVAIL_REQ */
#define CSR_HT_REQ 0x12u  /* FORCE_HT | HT_AVAIL_REQ */
#define CSR_ALP_AVAIL 0x40u
#define CSR_HT_AVAIL 0x80u
#define SFC_RF_TERM 0x01u
#define SFC_WF_TERM 0x02u
/* R5 response flags (bits 15:8) */
#define R5_OUT_OF_RANGE 0x01u
#define R5_FUNCTION_NUMBER 0x02u
#define R5_ERROR 0x08u
#define R5_STATE_CMD 0x10u
#define R5_ILLEGAL_COMMAND 0x40u
#define CARD_RCA 0x0001u
#define OCR 0x00FF8000u

static void card_log(bcm43362 *c, const char *what, uint32_t arg)
{
    bcm_log(c, LOG_GUEST, "SDIO card: %s (argument 0x%08x): error response", what, arg);
}

/* An unmodelled card register, reported once (--log unimp). */
static void card_unimp(bcm43362 *c, int fn, uint32_t addr, bool write, uint32_t v)
{
    logger *l = &c->m->log;
    if (!log_on(l, LOG_UNIMP) || !log_unimp_first(l, 0xBC000000u | (uint32_t)fn << 17 | addr, write))
        return;
    log_msg(l, LOG_UNIMP, "unimp: wifi SDIO function %d register 0x%05x %s%s", fn, addr,
            write ? "write" : "read", write ? "" : " (reads 0)");
    (void)v;
}

static bool f2_pending(const bcm43362 *c)
{
    return (c->intstatus & c->hostintmask) && (c->funcintmask & 2);
}

void bcm_update_irq(bcm43362 *c)
{
    bool level = c->powered && (c->inten & 1) && (c->inten & 4) && f2_pending(c);
    if (level != c->irq_level) {
        c->irq_level = level;
        irq_set(&c->host_irq, level);
    }
}

static uint8_t csr_read(const bcm43362 *c)
{
    uint8_t v = c->csr & CSR_REQUESTS;
    if ((c->csr & (CSR_ALP_REQ | CSR_HT_REQ)) || c->fw != BCM_FW_OFF)
        v |= CSR_ALP_AVAIL;
    if (bcm_fw_up(c))
        v |= CSR_HT_AVAIL;
    return v;
}

static uint8_t f0_read(bcm43362 *c, uint32_t a)
{
    switch (a) {
    case CCCR_REV: return 0x32; /* SDIO 2.00, CCCR 2.00 */
    case CCCR_SDREV: return 0x02;
    case CCCR_IOEN: return c->ioen;
    case CCCR_IORDY:
        return (uint8_t)(((c->ioen & 2) ? 2 : 0) | ((c->ioen & 4) && bcm_fw_up(c) ? 4 : 0));
    case CCCR_INTEN: return c->inten;
    case CCCR_INTPEND: return f2_pending(c) ? 4 : 0;
    case CCCR_IOABORT: return 0;
    case CCCR_BICTRL: return c->bictrl;
    case CCCR_CAPS: return 0x13; /* SDC, SMB, S4MI */
    case CCCR_CISPTR + 1: return CIS_BASE >> 8;
    case CCCR_BLKSIZE: return (uint8_t)c->blksize[0];
    case CCCR_BLKSIZE + 1: return (uint8_t)(c->blksize[0] >> 8);
    case CCCR_POWER: return 0x01;
    case CCCR_SPEED: return (uint8_t)(0x01 | (c->speed & 2));
    case CCCR_SEPINT: return c->sepint;
    }
    if (a >= FBR_SIZE && a < 3 * FBR_SIZE) {
        int fn = (int)(a / FBR_SIZE);
        switch (a % FBR_SIZE) {
        case FBR_CISPTR + 1: return CIS_BASE >> 8;
        case FBR_BLKSIZE: return (uint8_t)c->blksize[fn];
        case FBR_BLKSIZE + 1: return (uint8_t)(c->blksize[fn] >> 8);
        }
        return 0;
    }
    if (a >= CIS_BASE && a < CIS_BASE + 0x800)
        return 0xFF; /* CISTPL_END */
    if (a < 0x100)
        card_unimp(c, 0, a, false, 0);
    return 0;
}

static void set_blksize(bcm43362 *c, int fn, int byte, uint8_t v)
{
    uint16_t b = c->blksize[fn];
    b = byte ? (uint16_t)((b & 0xFF) | v << 8) : (uint16_t)((b & 0xFF00) | v);
    c->blksize[fn] = b > 2048 ? 2048 : b;
}

static void abort_function(bcm43362 *c, int fn)
{
    if (c->xfer.active && c->xfer.fn == fn) {
        if (fn == 2 && c->xfer.write && c->txf_len)
            bcm_log(c, LOG_GUEST, "SDIO card: F2 write aborted: the %u bytes written are dropped",
                    c->txf_len);
        c->xfer.active = false;
        c->txf_len = 0;
    }
}

static void f0_write(bcm43362 *c, uint32_t a, uint8_t v)
{
    switch (a) {
    case CCCR_IOEN: c->ioen = v & 0x06; return;
    case CCCR_INTEN: c->inten = v & 0x07; bcm_update_irq(c); return;
    case CCCR_IOABORT:
        if (v & 0x08) { /* RES: reset the I/O functions */
            c->ioen = c->inten = 0;
            c->selected = false;
            c->rca = 0;
            c->xfer.active = false;
            bcm_update_irq(c);
            return;
        }
        abort_function(c, v & 7);
        return;
    case CCCR_BICTRL: c->bictrl = v; return;
    case CCCR_BLKSIZE: set_blksize(c, 0, 0, v); return;
    case CCCR_BLKSIZE + 1: set_blksize(c, 0, 1, v); return;
    case CCCR_SPEED: c->speed = v & 2; return;
    case CCCR_SEPINT: c->sepint = v & 0x07; return;
    }
    if (a >= FBR_SIZE && a < 3 * FBR_SIZE && (a % FBR_SIZE == FBR_BLKSIZE || a % FBR_SIZE == FBR_BLKSIZE + 1)) {
        set_blksize(c, (int)(a / FBR_SIZE), a % FBR_SIZE == FBR_BLKSIZE + 1, v);
        return;
    }
    card_unimp(c, 0, a, true, v);
}

static uint8_t f1_reg_read(bcm43362 *c, uint32_t a)
{
    switch (a) {
    case F1_GPIO_SELECT: return c->gpio_sel;
    case F1_GPIO_OUTPUT: return c->gpio_out;
    case F1_GPIO_ENABLE: return c->gpio_en;
    case F1_WATERMARK: return c->watermark;
    case F1_DEVCTL: return c->devctl;
    case F1_SBADDR_LOW: return (uint8_t)(c->sbaddr >> 8);
    case F1_SBADDR_MID: return (uint8_t)(c->sbaddr >> 16);
    case F1_SBADDR_HIGH: return (uint8_t)(c->sbaddr >> 24);
    case F1_FRAMECTRL: return 0;
    case F1_CLOCK_CSR: return csr_read(c);
    case F1_PULLUP: return c->pullup;
    case F1_RFRAME_BC_LOW: return c->rxq ? (uint8_t)c->rxq->len : 0;
    case F1_RFRAME_BC_HIGH: return c->rxq ? (uint8_t)(c->rxq->len >> 8) : 0;
    }
    card_unimp(c, 1, a, false, 0);
    return 0;
}

static void f1_reg_write(bcm43362 *c, uint32_t a, uint8_t v)
{
    switch (a) {
    case F1_GPIO_SELECT: c->gpio_sel = v; return;
    case F1_GPIO_OUTPUT: c->gpio_out = v; return;
    case F1_GPIO_ENABLE: c->gpio_en = v; return;
    case F1_WATERMARK: c->watermark = v; return;
    case F1_DEVCTL: c->devctl = v; return;
    /* the window is 32 KB: only bit 15 of the low byte counts */
    case F1_SBADDR_LOW: c->sbaddr = (c->sbaddr & 0xFFFF0000u) | (uint32_t)(v & 0x80) << 8; return;
    case F1_SBADDR_MID: c->sbaddr = (c->sbaddr & 0xFF00FFFFu) | (uint32_t)v << 16; return;
    case F1_SBADDR_HIGH: c->sbaddr = (c->sbaddr & 0x00FFFFFFu) | (uint32_t)v << 24; return;
    case F1_FRAMECTRL:
        if (v & SFC_RF_TERM)
            bcm_f2_terminate_read(c);
        if (v & SFC_WF_TERM)
            c->txf_len = 0;
        return;
    case F1_CLOCK_CSR: c->csr = v & CSR_REQUESTS; return;
    case F1_PULLUP: c->pullup = v; return;
    }
    card_unimp(c, 1, a, true, v);
}

/* Backplane address of F1 address `a` (below 0x10000). */
static uint32_t bp_addr(const bcm43362 *c, uint32_t a)
{
    return c->sbaddr | (a & 0x7FFF);
}

/* Whether an F1 access of n bytes from `a` stays on mapped backplane
 * addresses (an incrementing burst wraps inside the window). */
static bool f1_range_ok(const bcm43362 *c, uint32_t a, uint32_t n, bool incr)
{
    if (a >= 0x10000)
        return a + (incr ? n : 1) <= F1_REGS_END;
    uint32_t off = a & 0x7FFF, len = incr ? n : 1;
    uint32_t first = 0x8000 - off < len ? 0x8000 - off : len;
    if (!bcm_bp_mapped(c, c->sbaddr | off, first))
        return false;
    return first == len || bcm_bp_mapped(c, c->sbaddr, len - first);
}

static void f1_read(bcm43362 *c, uint32_t a, uint8_t *buf, uint32_t n)
{
    if (a >= 0x10000) {
        for (uint32_t i = 0; i < n; i++)
            buf[i] = f1_reg_read(c, a + i);
        return;
    }
    uint32_t off = a & 0x7FFF, first = 0x8000 - off < n ? 0x8000 - off : n;
    bcm_bp_read(c, bp_addr(c, a), buf, first);
    if (first < n)
        bcm_bp_read(c, c->sbaddr, buf + first, n - first);
}

static void f1_write(bcm43362 *c, uint32_t a, const uint8_t *buf, uint32_t n)
{
    if (a >= 0x10000) {
        for (uint32_t i = 0; i < n; i++)
            f1_reg_write(c, a + i, buf[i]);
        return;
    }
    uint32_t off = a & 0x7FFF, first = 0x8000 - off < n ? 0x8000 - off : n;
    bcm_bp_write(c, bp_addr(c, a), buf, first);
    if (first < n)
        bcm_bp_write(c, c->sbaddr, buf + first, n - first);
}

/* R5 flags for an access to function `fn`, before any data moves. */
static uint32_t check_function(bcm43362 *c, int fn, uint32_t arg, const char *cmd)
{
    if (!c->selected) {
        card_log(c, "command before the card was selected (CMD7)", arg);
        return R5_ILLEGAL_COMMAND;
    }
    if (fn > 2) {
        bcm_log(c, LOG_GUEST, "SDIO card: %s to function %d, which does not exist", cmd, fn);
        return R5_FUNCTION_NUMBER;
    }
    if (fn && !(c->ioen & (1u << fn))) {
        bcm_log(c, LOG_GUEST, "SDIO card: %s to function %d, which is not enabled (IOEN)", cmd, fn);
        return R5_FUNCTION_NUMBER;
    }
    return 0;
}

static int cmd52(bcm43362 *c, uint32_t arg, uint32_t resp[4])
{
    bool write = arg >> 31, raw = (arg >> 27) & 1;
    int fn = (arg >> 28) & 7;
    uint32_t a = (arg >> 9) & 0x1FFFF;
    uint8_t data = (uint8_t)arg, out = data;
    uint32_t flags = check_function(c, fn, arg, "CMD52");
    if (!flags) {
        if (fn == 0) {
            if (write)
                f0_write(c, a, data);
            out = write && !raw ? data : f0_read(c, a);
        } else if (fn == 1 && f1_range_ok(c, a, 1, false)) {
            if (write)
                f1_write(c, a, &data, 1);
            if (!write || raw)
                f1_read(c, a, &out, 1);
        } else {
            bcm_log(c, LOG_GUEST, "SDIO card: CMD52 to F%d address 0x%05x (backplane 0x%08x): out of range",
                    fn, a, bp_addr(c, a));
            flags = R5_OUT_OF_RANGE | R5_ERROR;
            out = 0;
        }
    }
    resp[0] = (flags | R5_STATE_CMD) << 8 | out;
    return SDIO_RESPONSE;
}

static int cmd53(bcm43362 *c, uint32_t arg, uint32_t resp[4])
{
    bool write = arg >> 31, block = (arg >> 27) & 1, incr = (arg >> 26) & 1;
    int fn = (arg >> 28) & 7;
    uint32_t a = (arg >> 9) & 0x1FFFF, count = arg & 0x1FF;
    uint32_t flags = check_function(c, fn, arg, "CMD53");
    uint32_t bytes = 0;
    if (!flags) {
        bytes = block ? count * c->blksize[fn] : (count ? count : 512);
        if (bytes == 0) {
            card_log(c, block && !count ? "CMD53 with an endless block count (not supported)"
                                        : "CMD53 with a block size of 0",
                     arg);
            flags = R5_ERROR;
        } else if (fn == 1 && !f1_range_ok(c, a, bytes, incr)) {
            bcm_log(c, LOG_GUEST,
                    "SDIO card: CMD53 %s of %u bytes at F1 0x%05x (backplane 0x%08x): outside the "
                    "backplane's memory and registers: error response",
                    write ? "write" : "read", bytes, a, bp_addr(c, a));
            flags = R5_OUT_OF_RANGE | R5_ERROR;
        } else if (fn == 2 && !bcm_fw_up(c)) {
            card_log(c, "CMD53 to F2 before the chip's firmware is up", arg);
            flags = R5_ERROR;
        } else if (fn == 2 && write && bytes > BCM_MAX_FRAME) {
            bcm_log(c, LOG_GUEST, "SDIO card: CMD53 F2 write of %u bytes: more than a frame (%u)",
                    bytes, BCM_MAX_FRAME);
            flags = R5_OUT_OF_RANGE | R5_ERROR;
        }
    }
    if (c->xfer.active)
        abort_function(c, c->xfer.fn);
    if (!flags) {
        c->xfer.active = true;
        c->xfer.write = write;
        c->xfer.incr = incr;
        c->xfer.fn = fn;
        c->xfer.addr = a;
        c->xfer.left = bytes;
        if (fn == 2 && write) {
            c->txf_len = 0;
            c->txf_bad = false;
        }
    }
    resp[0] = (flags | R5_STATE_CMD) << 8;
    return SDIO_RESPONSE;
}

static int card_command(void *card, uint32_t idx, uint32_t arg, uint32_t resp[4])
{
    bcm43362 *c = card;
    if (!c->powered)
        return SDIO_NO_RESPONSE; /* held in reset by WL_REG_ON */
    switch (idx) {
    case 0: return SDIO_NO_RESPONSE; /* GO_IDLE: no effect on I/O in SD mode */
    case 5:
        resp[0] = 0x80000000u | 2u << 28 | OCR; /* ready, 2 functions, no memory */
        return SDIO_RESPONSE_NOCRC;
    case 3:
        c->rca = CARD_RCA;
        resp[0] = (uint32_t)c->rca << 16;
        return SDIO_RESPONSE;
    case 7:
        c->selected = c->rca && (arg >> 16) == c->rca;
        if (!c->selected)
            return SDIO_NO_RESPONSE; /* deselected cards do not answer */
        resp[0] = 0x00000700u; /* READY_FOR_DATA, state stand-by */
        return SDIO_RESPONSE;
    case 52: return cmd52(c, arg, resp);
    case 53: return cmd53(c, arg, resp);
    }
    logger *l = &c->m->log;
    if (log_on(l, LOG_GUEST) && log_unimp_first(l, 0xBD000000u | idx, false))
        bcm_log(c, LOG_GUEST, "SDIO card: CMD%u is not an SDIO command the card answers", idx);
    return SDIO_NO_RESPONSE;
}

static int32_t card_data_pending(void *card)
{
    bcm43362 *c = card;
    if (!c->powered || !c->xfer.active)
        return 0;
    return c->xfer.write ? -(int32_t)c->xfer.left : (int32_t)c->xfer.left;
}

static void advance(bcm43362 *c, uint32_t n)
{
    if (c->xfer.incr)
        c->xfer.addr += n;
    c->xfer.left -= n;
    if (c->xfer.left == 0) {
        c->xfer.active = false;
        if (c->xfer.fn == 2)
            c->xfer.write ? bcm_f2_write_done(c) : bcm_f2_read_done(c);
    }
}

/* n bytes of the data phase in progress, either way. */
static void card_data(bcm43362 *c, uint8_t *buf, uint32_t n, bool write)
{
    if (n > c->xfer.left)
        n = c->xfer.left;
    uint32_t a = c->xfer.addr;
    if (c->xfer.fn == 2) {
        write ? bcm_f2_write(c, buf, n) : bcm_f2_read(c, buf, n);
    } else if (c->xfer.fn == 1 && c->xfer.incr) {
        write ? f1_write(c, a, buf, n) : f1_read(c, a, buf, n);
    } else {
        for (uint32_t i = 0; i < n; i++) {
            uint32_t ai = a + (c->xfer.incr ? i : 0);
            if (c->xfer.fn == 0)
                write ? f0_write(c, ai, buf[i]) : (void)(buf[i] = f0_read(c, ai));
            else
                write ? f1_write(c, ai, buf + i, 1) : f1_read(c, ai, buf + i, 1);
        }
    }
    advance(c, n);
}

static void card_read(void *card, uint8_t *buf, uint32_t n)
{
    card_data(card, buf, n, false);
}

static void card_write(void *card, const uint8_t *buf, uint32_t n)
{
    card_data(card, (uint8_t *)buf, n, true);
}

const sdio_card_ops bcm43362_card_ops = {
    .command = card_command,
    .data_pending = card_data_pending,
    .read = card_read,
    .write = card_write,
};

void bcm_card_reset(bcm43362 *c)
{
    c->rca = 0;
    c->selected = false;
    c->ioen = c->inten = c->speed = c->sepint = 0;
    c->bictrl = 0;
    for (int fn = 0; fn < 3; fn++)
        c->blksize[fn] = fn == 0 ? 0 : 64;
    memset(&c->xfer, 0, sizeof(c->xfer));
    c->sbaddr = 0;
    c->csr = c->pullup = c->watermark = c->devctl = c->framectrl = 0;
    c->gpio_sel = c->gpio_out = c->gpio_en = 0;
    bcm_update_irq(c);
}
