/* DMA (RM0033 section 9.5). Memory-to-memory transfers complete at once
 * when the stream is enabled; peripheral transfers are driven by the
 * peripheral through dma_peripheral_transfer(). Flags: FEIF, DMEIF, TEIF,
 * HTIF, TCIF per stream, cleared through LIFCR/HIFCR. Not modelled:
 * double-buffer switching, FIFO thresholds and burst timing (data moves
 * whole), circular mode restarts only for peripheral flows. */
#include "dma.h"

#include <string.h>

#include "machine.h"

REG32(LISR, 0x00)
REG32(HISR, 0x04)
REG32(LIFCR, 0x08)
REG32(HIFCR, 0x0C)
#define SxCR 0x00
#define SxNDTR 0x04
#define SxPAR 0x08
#define SxM0AR 0x0C
#define SxM1AR 0x10
#define SxFCR 0x14
#define CR_EN BIT(0)
#define CR_TCIE BIT(4)
#define CR_HTIE BIT(3)
#define CR_TEIE BIT(2)
#define CR_DMEIE BIT(1)
#define CR_CIRC BIT(8)
#define CR_PINC BIT(9)
#define CR_MINC BIT(10)
#define FL_FEIF 0x01u
#define FL_TEIF 0x08u
#define FL_HTIF 0x10u
#define FL_TCIF 0x20u

static const reg_name dma_regs[] = {
    {A_LISR, "LISR"}, {A_HISR, "HISR"}, {A_LIFCR, "LIFCR"}, {A_HIFCR, "HIFCR"},
    {0x10, "S0CR"}, {0x14, "S0NDTR"}, {0x18, "S0PAR"}, {0x1C, "S0M0AR"},
    {0x28, "S1CR"}, {0x2C, "S1NDTR"}, {0x30, "S1PAR"}, {0x34, "S1M0AR"},
    {0x40, "S2CR"}, {0x44, "S2NDTR"}, {0x48, "S2PAR"}, {0x4C, "S2M0AR"},
    {0x58, "S3CR"}, {0x5C, "S3NDTR"}, {0x60, "S3PAR"}, {0x64, "S3M0AR"},
    {0x68, "S3M1AR"}, {0x6C, "S3FCR"},
    {0x70, "S4CR"}, {0x74, "S4NDTR"}, {0x78, "S4PAR"}, {0x7C, "S4M0AR"},
    {0x88, "S5CR"}, {0x8C, "S5NDTR"}, {0x90, "S5PAR"}, {0x94, "S5M0AR"},
    {0xA0, "S6CR"}, {0xA4, "S6NDTR"}, {0xA8, "S6PAR"}, {0xAC, "S6M0AR"},
    {0xB8, "S7CR"}, {0xBC, "S7NDTR"}, {0xC0, "S7PAR"}, {0xC4, "S7M0AR"},
    {0, NULL},
};

/* Flag position of stream n inside LISR/HISR. */
static unsigned flag_shift(int n)
{
    static const unsigned sh[4] = {0, 6, 16, 22};
    return sh[n & 3];
}

static uint32_t flags(stm32_dma *d, int n)
{
    return (d->isr[n >> 2] >> flag_shift(n)) & 0x3D;
}

static void set_flags(stm32_dma *d, int n, uint32_t f)
{
    d->isr[n >> 2] |= (f & 0x3D) << flag_shift(n);
}

static void update_irq(stm32_dma *d, int n)
{
    uint32_t f = flags(d, n), cr = d->s[n].cr;
    bool on = ((f & FL_TCIF) && (cr & CR_TCIE)) || ((f & FL_HTIF) && (cr & CR_HTIE)) ||
              ((f & FL_TEIF) && (cr & CR_TEIE)) || ((f & 0x04) && (cr & CR_DMEIE)) ||
              ((f & FL_FEIF) && (d->s[n].fcr & BIT(7)));
    line_set(&d->irq[n], on);
}

static unsigned size_of(uint32_t field)
{
    return 1u << (field & 3);
}

bool dma_stream_enabled(const stm32_dma *d, int n)
{
    return n >= 0 && n < 8 && (d->s[n].cr & CR_EN);
}

static void complete(stm32_dma *d, int n)
{
    dma_stream *s = &d->s[n];
    set_flags(d, n, FL_TCIF | FL_HTIF);
    if (!(s->cr & CR_CIRC))
        s->cr &= ~CR_EN;
    update_irq(d, n);
}

/* Memory-to-memory: the whole transfer at once. */
static void run_m2m(stm32_dma *d, int n)
{
    machine *m = d->dev.m;
    dma_stream *s = &d->s[n];
    unsigned psz = size_of(s->cr >> 11), msz = size_of(s->cr >> 13);
    uint32_t src = s->par, dst = s->m0ar;
    while (s->ndtr) {
        uint32_t v = 0;
        if (!bus_read_mem(&m->bus, src, &v, psz) || !bus_write_mem(&m->bus, dst, &v, msz)) {
            set_flags(d, n, FL_TEIF);
            s->cr &= ~CR_EN;
            update_irq(d, n);
            return;
        }
        if (s->cr & CR_PINC)
            src += psz;
        if (s->cr & CR_MINC)
            dst += msz;
        s->ndtr--;
    }
    complete(d, n);
}

uint32_t dma_peripheral_transfer(stm32_dma *d, int n, uint8_t *buf, uint32_t len)
{
    machine *m = d->dev.m;
    if (!dma_stream_enabled(d, n))
        return 0;
    dma_stream *s = &d->s[n];
    uint32_t dir = (s->cr >> 6) & 3; /* 0 periph->mem, 1 mem->periph */
    uint32_t bytes = s->ndtr * size_of(s->cr >> 11);
    if (len > bytes)
        len = bytes;
    uint32_t done = 0;
    uint32_t addr = s->m0ar;
    bool ok = dir == 0 ? bus_write_mem(&m->bus, addr, buf, len)
                       : bus_read_mem(&m->bus, addr, buf, len);
    if (!ok) {
        set_flags(d, n, FL_TEIF);
        s->cr &= ~CR_EN;
        update_irq(d, n);
        return 0;
    }
    done = len;
    if (s->cr & CR_MINC)
        s->m0ar += done;
    s->ndtr -= done / size_of(s->cr >> 11);
    if (s->ndtr == 0)
        complete(d, n);
    return done;
}

static uint32_t dma_read(device *dev, uint32_t off, unsigned size)
{
    stm32_dma *d = container_of(dev, stm32_dma, dev);
    (void)size;
    switch (off) {
    case A_LISR: return d->isr[0];
    case A_HISR: return d->isr[1];
    case A_LIFCR:
    case A_HIFCR: return 0;
    }
    if (off >= 0x10 && off < 0x10 + 8 * 0x18) {
        dma_stream *s = &d->s[(off - 0x10) / 0x18];
        switch ((off - 0x10) % 0x18) {
        case SxCR: return s->cr;
        case SxNDTR: return s->ndtr;
        case SxPAR: return s->par;
        case SxM0AR: return s->m0ar;
        case SxM1AR: return s->m1ar;
        case SxFCR: return s->fcr | ((s->cr & CR_EN) ? 0 : 0x20); /* FS: empty */
        }
    }
    device_unimp(dev, off, false, 0);
    return 0;
}

static void dma_write(device *dev, uint32_t off, uint32_t v, unsigned size)
{
    stm32_dma *d = container_of(dev, stm32_dma, dev);
    v = reg_merge(0, off, v, size);
    off &= ~3u;
    switch (off) {
    case A_LISR:
    case A_HISR: return;
    case A_LIFCR:
    case A_HIFCR:
        d->isr[(off - A_LIFCR) / 4] &= ~(v & 0x0F7D0F7Du);
        for (int n = 0; n < 8; n++)
            update_irq(d, n);
        return;
    }
    if (off >= 0x10 && off < 0x10 + 8 * 0x18) {
        int n = (int)(off - 0x10) / 0x18;
        dma_stream *s = &d->s[n];
        bool en = s->cr & CR_EN;
        uint32_t reg = (off - 0x10) % 0x18;
        if (reg != SxCR && en) {
            log_msg(&dev->m->log, LOG_GUEST, "dma%d: stream %d register written while enabled",
                    d->index, n);
            return;
        }
        switch (reg) {
        case SxCR:
            s->cr = v & 0x0FEFFFFFu;
            update_irq(d, n);
            if (!en && (s->cr & CR_EN) && ((s->cr >> 6) & 3) == 2)
                run_m2m(d, n);
            return;
        case SxNDTR: s->ndtr = v & 0xFFFF; return;
        case SxPAR: s->par = v; return;
        case SxM0AR: s->m0ar = v; return;
        case SxM1AR: s->m1ar = v; return;
        case SxFCR: s->fcr = v & 0x87; update_irq(d, n); return;
        }
    }
    device_unimp(dev, off, true, v);
}

static void dma_reset(device *dev, reset_kind kind)
{
    stm32_dma *d = container_of(dev, stm32_dma, dev);
    (void)kind;
    d->isr[0] = d->isr[1] = 0;
    memset(d->s, 0, sizeof(d->s));
    for (int n = 0; n < 8; n++) {
        d->s[n].fcr = 0x21;
        update_irq(d, n);
    }
}

#define REGS_T stm32_dma
static const state_field dma_state[] = {
    STATE_ARRAY("ISR", isr)
    {"S%uCR", (uint32_t)offsetof(stm32_dma, s[0].cr), 4, 8, sizeof(dma_stream), NULL, NULL},
    {"S%uNDTR", (uint32_t)offsetof(stm32_dma, s[0].ndtr), 4, 8, sizeof(dma_stream), NULL, NULL},
    {"S%uPAR", (uint32_t)offsetof(stm32_dma, s[0].par), 4, 8, sizeof(dma_stream), NULL, NULL},
    {"S%uM0AR", (uint32_t)offsetof(stm32_dma, s[0].m0ar), 4, 8, sizeof(dma_stream), NULL, NULL},
    {"S%uM1AR", (uint32_t)offsetof(stm32_dma, s[0].m1ar), 4, 8, sizeof(dma_stream), NULL, NULL},
    {"S%uFCR", (uint32_t)offsetof(stm32_dma, s[0].fcr), 4, 8, sizeof(dma_stream), NULL, NULL},
    {0},
};
static const line_desc dma_lines[] = {LINE_OUTS("irq", irq){0}};

const device_class dma_class = {
    .type = "stm32f2-dma", .size = 0x400, .read = dma_read, .write = dma_write,
    .reset = dma_reset, .regs = dma_regs, .state = dma_state, .lines = dma_lines,
};

void dma_init(stm32_dma *d, const char *name, int index)
{
    memset(d, 0, sizeof(*d));
    d->index = index;
    device_init(&d->dev, &dma_class, name);
    for (int n = 0; n < 8; n++)
        d->s[n].fcr = 0x21;
}
