/* DMA (RM0033 section 9), one model for the 8 streams of DMA1 and DMA2.
 *
 * Modelled: peripheral-to-memory and memory-to-peripheral transfers paced
 * by the peripheral's request (the channel selected by CHSEL), DMA or
 * peripheral flow control (PFCTRL: NDTR forced to 0xFFFF, the peripheral
 * ends the transfer), memory-to-memory on DMA2, direct mode and FIFO mode
 * with packing between PSIZE and MSIZE, PINC/MINC/PINCOS, circular mode,
 * double buffering (CT toggles), the FIFO threshold / burst compatibility
 * check (FEIF, the stream does not start), transfer errors on unmapped or
 * read-only addresses (TEIF, the stream stops), software disable during a
 * transfer (TCIF), HTIF/TCIF and the five interrupt enables, the register
 * protection while a stream is enabled.
 * Not modelled: time (a beat takes no virtual time, except that a circular
 * stream served continuously yields for a while after each round), stream
 * priorities, bursts as bus transactions (beats move one at a time; the
 * burst setting is checked and otherwise accepted), FIFO under/overrun and
 * direct-mode errors (the model never loses data), which addresses each
 * controller's ports reach in the bus matrix. */
#include "dma.h"

#include <string.h>

#include "machine.h"

REG32(LISR, 0x00)
REG32(HISR, 0x04)
REG32(LIFCR, 0x08)
REG32(HIFCR, 0x0C)
REG32(SxCR, 0x00)
    FIELD(SxCR, EN, 0, 1)
    FIELD(SxCR, PFCTRL, 5, 1)
    FIELD(SxCR, DIR, 6, 2)
    FIELD(SxCR, CIRC, 8, 1)
    FIELD(SxCR, PINC, 9, 1)
    FIELD(SxCR, MINC, 10, 1)
    FIELD(SxCR, PSIZE, 11, 2)
    FIELD(SxCR, MSIZE, 13, 2)
    FIELD(SxCR, PINCOS, 15, 1)
    FIELD(SxCR, DBM, 18, 1)
    FIELD(SxCR, CT, 19, 1)
    FIELD(SxCR, MBURST, 23, 2)
    FIELD(SxCR, CHSEL, 25, 3)
REG32(SxNDTR, 0x04)
REG32(SxPAR, 0x08)
REG32(SxM0AR, 0x0C)
REG32(SxM1AR, 0x10)
REG32(SxFCR, 0x14)
    FIELD(SxFCR, FTH, 0, 2)
    FIELD(SxFCR, DMDIS, 2, 1)
    FIELD(SxFCR, FEIE, 7, 1)

#define STREAM0 0x10u
#define STREAM_SIZE 0x18u
#define CR_WRITABLE 0x0FEFFFFFu
#define CR_WHILE_ENABLED 0x1Fu /* EN and the interrupt enables */
#define FL_FEIF 0x01u
#define FL_DMEIF 0x04u
#define FL_TEIF 0x08u
#define FL_HTIF 0x10u
#define FL_TCIF 0x20u
#define FL_ALL 0x3Du
enum { DIR_P2M, DIR_M2P, DIR_M2M };

static const reg_name dma_regs[] = {
    {A_LISR, "LISR"}, {A_HISR, "HISR"}, {A_LIFCR, "LIFCR"}, {A_HIFCR, "HIFCR"},
    {0x10, "S0CR"}, {0x14, "S0NDTR"}, {0x18, "S0PAR"}, {0x1C, "S0M0AR"}, {0x20, "S0M1AR"}, {0x24, "S0FCR"},
    {0x28, "S1CR"}, {0x2C, "S1NDTR"}, {0x30, "S1PAR"}, {0x34, "S1M0AR"}, {0x38, "S1M1AR"}, {0x3C, "S1FCR"},
    {0x40, "S2CR"}, {0x44, "S2NDTR"}, {0x48, "S2PAR"}, {0x4C, "S2M0AR"}, {0x50, "S2M1AR"}, {0x54, "S2FCR"},
    {0x58, "S3CR"}, {0x5C, "S3NDTR"}, {0x60, "S3PAR"}, {0x64, "S3M0AR"}, {0x68, "S3M1AR"}, {0x6C, "S3FCR"},
    {0x70, "S4CR"}, {0x74, "S4NDTR"}, {0x78, "S4PAR"}, {0x7C, "S4M0AR"}, {0x80, "S4M1AR"}, {0x84, "S4FCR"},
    {0x88, "S5CR"}, {0x8C, "S5NDTR"}, {0x90, "S5PAR"}, {0x94, "S5M0AR"}, {0x98, "S5M1AR"}, {0x9C, "S5FCR"},
    {0xA0, "S6CR"}, {0xA4, "S6NDTR"}, {0xA8, "S6PAR"}, {0xAC, "S6M0AR"}, {0xB0, "S6M1AR"}, {0xB4, "S6FCR"},
    {0xB8, "S7CR"}, {0xBC, "S7NDTR"}, {0xC0, "S7PAR"}, {0xC4, "S7M0AR"}, {0xC8, "S7M1AR"}, {0xCC, "S7FCR"},
    {0, NULL},
};

/* Flag position of stream n inside LISR/HISR. */
static unsigned flag_shift(int n)
{
    static const unsigned sh[4] = {0, 6, 16, 22};
    return sh[n & 3];
}

static uint32_t flags(const stm32_dma *d, int n)
{
    return (d->isr[n >> 2] >> flag_shift(n)) & FL_ALL;
}

static void update_irq(stm32_dma *d, int n)
{
    uint32_t f = flags(d, n), cr = d->s[n].cr;
    /* DMEIF..TCIF sit one bit above their enables DMEIE..TCIE in CR;
     * FEIF's enable is FCR.FEIE */
    bool on = (f & (cr << 1) & (FL_DMEIF | FL_TEIF | FL_HTIF | FL_TCIF)) ||
              ((f & FL_FEIF) && FIELD_EX32(d->s[n].fcr, SxFCR, FEIE));
    irq_set(&d->irq[n], on);
}

static void set_flags(stm32_dma *d, int n, uint32_t f)
{
    d->isr[n >> 2] |= (f & FL_ALL) << flag_shift(n);
    update_irq(d, n);
}

static unsigned psize(const dma_stream *s)
{
    return 1u << (FIELD_EX32(s->cr, SxCR, PSIZE) & 3);
}

/* In direct mode the memory side uses the peripheral's size. */
static unsigned msize(const dma_stream *s)
{
    if (!FIELD_EX32(s->fcr, SxFCR, DMDIS))
        return psize(s);
    return 1u << (FIELD_EX32(s->cr, SxCR, MSIZE) & 3);
}

static unsigned dir(const dma_stream *s)
{
    return FIELD_EX32(s->cr, SxCR, DIR);
}

bool dma_stream_enabled(const stm32_dma *d, int n)
{
    return n >= 0 && n < DMA_STREAMS && FIELD_EX32(d->s[n].cr, SxCR, EN);
}

static uint32_t mem_base(const dma_stream *s)
{
    return FIELD_EX32(s->cr, SxCR, CT) ? s->m1ar : s->m0ar;
}

static void stop(stm32_dma *d, int n, uint32_t flag)
{
    dma_stream *s = &d->s[n];
    s->cr = FIELD_DP32(s->cr, SxCR, EN, 0);
    s->fifo_n = 0;
    s->end_pending = false;
    set_flags(d, n, flag);
}

static void transfer_error(stm32_dma *d, int n, uint32_t addr, bool write)
{
    machine *m = d->dev.m;
    bool memory = bus_host_ptr(&m->bus, addr, 1) != NULL;
    log_msg(&m->log, LOG_GUEST,
            "DMA%d stream %d: transfer error, %s 0x%08x (%s): stream disabled, TEIF",
            d->index, n, write ? "write to" : "read from", addr,
            memory ? "read-only memory" : "nothing there");
    stop(d, n, FL_TEIF);
}

/* One access of `size` bytes through the bus for the stream. */
static bool bus_access(stm32_dma *d, int n, uint32_t addr, uint8_t *buf, unsigned size, bool write)
{
    bus *b = &d->dev.m->bus;
    if (!bus_master_can_access(b, addr, size, write)) {
        transfer_error(d, n, addr, write);
        return false;
    }
    uint32_t v = 0;
    if (write) {
        memcpy(&v, buf, size);
        bus_write(b, addr, v, size);
    } else {
        v = bus_read(b, addr, size);
        memcpy(buf, &v, size);
    }
    return true;
}

static void fifo_push(dma_stream *s, const uint8_t *p, unsigned n)
{
    memcpy(s->fifo + s->fifo_n, p, n);
    s->fifo_n += n;
}

static void fifo_pop(dma_stream *s, uint8_t *p, unsigned n)
{
    memcpy(p, s->fifo, n);
    memmove(s->fifo, s->fifo + n, s->fifo_n - n);
    s->fifo_n -= n;
}

/* Move FIFO bytes to memory, `all` also a tail smaller than MSIZE (a
 * flush at the end of a peripheral-controlled transfer). */
static bool drain_to_memory(stm32_dma *d, int n, bool all)
{
    dma_stream *s = &d->s[n];
    unsigned ms = msize(s);
    while (s->fifo_n >= ms || (all && s->fifo_n)) {
        unsigned k = s->fifo_n >= ms ? ms : s->fifo_n == 3 ? 2 : s->fifo_n;
        uint8_t v[4];
        memcpy(v, s->fifo, k);
        if (!bus_access(d, n, s->mptr, v, k, true))
            return false;
        fifo_pop(s, v, k);
        if (FIELD_EX32(s->cr, SxCR, MINC))
            s->mptr += k;
    }
    return true;
}

static uint32_t pinc(const dma_stream *s)
{
    if (!FIELD_EX32(s->cr, SxCR, PINC))
        return 0;
    return FIELD_EX32(s->cr, SxCR, PINCOS) ? 4 : psize(s);
}

/* One data item (PSIZE) from source to destination. */
static bool beat(stm32_dma *d, int n)
{
    dma_stream *s = &d->s[n];
    unsigned ps = psize(s), ms = msize(s);
    uint8_t v[4];
    if (dir(s) == DIR_M2P) {
        while (s->fifo_n < ps) {
            if (!bus_access(d, n, s->mptr, v, ms, false))
                return false;
            fifo_push(s, v, ms);
            if (FIELD_EX32(s->cr, SxCR, MINC))
                s->mptr += ms;
        }
        memcpy(v, s->fifo, ps);
        if (!bus_access(d, n, s->pptr, v, ps, true))
            return false;
        fifo_pop(s, v, ps);
    } else {
        if (!bus_access(d, n, s->pptr, v, ps, false))
            return false;
        fifo_push(s, v, ps);
        if (!drain_to_memory(d, n, false))
            return false;
    }
    s->pptr += pinc(s);
    uint32_t before = s->ndtr_load - s->ndtr;
    s->ndtr--;
    if (before * 2 < s->ndtr_load && (before + 1) * 2 >= s->ndtr_load)
        set_flags(d, n, FL_HTIF);
    return true;
}

/* NDTR reached 0, or the peripheral ended the transfer. */
static void complete(stm32_dma *d, int n)
{
    dma_stream *s = &d->s[n];
    if (dir(s) != DIR_M2P && !drain_to_memory(d, n, true))
        return;
    s->fifo_n = 0;
    s->end_pending = false;
    bool dbm = FIELD_EX32(s->cr, SxCR, DBM);
    if (dbm || FIELD_EX32(s->cr, SxCR, CIRC)) {
        if (dbm)
            s->cr ^= R_SxCR_CT_MASK;
        s->ndtr = s->ndtr_load;
        s->pptr = s->par;
        s->mptr = mem_base(s);
        set_flags(d, n, FL_TCIF);
        return;
    }
    s->cr = FIELD_DP32(s->cr, SxCR, EN, 0);
    set_flags(d, n, FL_TCIF);
}

static void kick(stm32_dma *d, int n);

static void resume(void *arg)
{
    dma_stream *s = arg;
    stm32_dma *d = s->owner;
    kick(d, (int)(s - d->s));
}

/* Serve stream n as long as it has something to do. */
static void run_stream(stm32_dma *d, int n)
{
    dma_stream *s = &d->s[n];
    uint32_t beats = 0;
    while (FIELD_EX32(s->cr, SxCR, EN)) {
        if (s->end_pending) {
            if (FIELD_EX32(s->cr, SxCR, PFCTRL))
                complete(d, n);
            s->end_pending = false;
            continue;
        }
        bool m2m = dir(s) == DIR_M2M;
        if (!m2m && !(s->requests & (1u << FIELD_EX32(s->cr, SxCR, CHSEL))))
            return;
        if (s->ndtr == 0)
            return; /* nothing can be served (RM0033: NDT = 0) */
        if (beats >= 0x10000u) {
            /* a circular stream kept busy: let the CPU run meanwhile */
            machine *m = d->dev.m;
            clock_arm(&m->clock, &s->resume_ev, machine_now(m) + beats * 8 * PS_PER_US / 1000);
            return;
        }
        if (!beat(d, n))
            return;
        beats++;
        if (s->ndtr == 0)
            complete(d, n);
    }
}

static void kick(stm32_dma *d, int n)
{
    d->pending |= (uint8_t)(1u << n);
    if (d->busy)
        return;
    d->busy = true;
    while (d->pending) {
        int k = __builtin_ctz(d->pending);
        d->pending &= (uint8_t)~(1u << k);
        run_stream(d, k);
    }
    d->busy = false;
}

void dma_request_set(const dma_request *r, bool active)
{
    stm32_dma *d = r->dma;
    dma_stream *s = &d->s[r->stream];
    uint8_t bit = (uint8_t)(1u << r->channel);
    bool was = s->requests & bit;
    s->requests = active ? (s->requests | bit) : (s->requests & ~bit);
    if (active && !was && FIELD_EX32(s->cr, SxCR, EN) &&
        FIELD_EX32(s->cr, SxCR, CHSEL) == (uint32_t)r->channel)
        kick(d, r->stream);
}

void dma_request_end(const dma_request *r)
{
    stm32_dma *d = r->dma;
    dma_stream *s = &d->s[r->stream];
    if (!FIELD_EX32(s->cr, SxCR, EN) || !FIELD_EX32(s->cr, SxCR, PFCTRL) ||
        FIELD_EX32(s->cr, SxCR, CHSEL) != (uint32_t)r->channel)
        return;
    s->end_pending = true;
    kick(d, r->stream);
}

/* FIFO mode: the memory burst must fit the threshold (RM0033 table 27). */
static bool burst_fits(const dma_stream *s)
{
    unsigned beats = (unsigned[]){1, 4, 8, 16}[FIELD_EX32(s->cr, SxCR, MBURST)];
    unsigned burst = beats * msize(s);
    unsigned threshold = 4 * (FIELD_EX32(s->fcr, SxFCR, FTH) + 1);
    return beats == 1 || threshold % burst == 0;
}

static void enable(stm32_dma *d, int n)
{
    machine *m = d->dev.m;
    dma_stream *s = &d->s[n];
    if (dir(s) == 3 || (dir(s) == DIR_M2M && d->index == 1)) {
        log_msg(&m->log, LOG_GUEST, "DMA%d stream %d: %s: stream disabled, TEIF", d->index, n,
                dir(s) == 3 ? "DIR = 11 is reserved"
                            : "memory-to-memory needs DMA2 (DMA1 has no memory on its peripheral port)");
        stop(d, n, FL_TEIF);
        return;
    }
    if (dir(s) == DIR_M2M) {
        /* forced by hardware: FIFO mode, no circular, no peripheral flow */
        s->fcr = FIELD_DP32(s->fcr, SxFCR, DMDIS, 1);
        s->cr = FIELD_DP32(s->cr, SxCR, CIRC, 0);
        s->cr = FIELD_DP32(s->cr, SxCR, PFCTRL, 0);
    }
    if (FIELD_EX32(s->cr, SxCR, PFCTRL)) {
        s->cr = FIELD_DP32(s->cr, SxCR, CIRC, 0);
        s->ndtr = 0xFFFF;
    } else if (FIELD_EX32(s->cr, SxCR, DBM)) {
        s->cr = FIELD_DP32(s->cr, SxCR, CIRC, 1);
    }
    if (FIELD_EX32(s->fcr, SxFCR, DMDIS) && !burst_fits(s)) {
        log_msg(&m->log, LOG_GUEST,
                "DMA%d stream %d: memory burst does not fit the FIFO threshold: not started, FEIF",
                d->index, n);
        stop(d, n, FL_FEIF);
        return;
    }
    s->ndtr_load = s->ndtr;
    s->pptr = s->par;
    s->mptr = mem_base(s);
    s->fifo_n = 0;
    s->end_pending = false;
    kick(d, n);
}

/* EN cleared by software: a transfer in progress ends with TCIF. */
static void disable(stm32_dma *d, int n)
{
    dma_stream *s = &d->s[n];
    clock_disarm(&d->dev.m->clock, &s->resume_ev);
    if (s->ndtr == 0 && !FIELD_EX32(s->cr, SxCR, PFCTRL))
        return;
    if (dir(s) != DIR_M2P)
        drain_to_memory(d, n, true);
    s->fifo_n = 0;
    set_flags(d, n, FL_TCIF);
}

static uint32_t fifo_status(const dma_stream *s)
{
    if (!FIELD_EX32(s->fcr, SxFCR, DMDIS))
        return 4; /* direct mode: reads "empty" */
    if (s->fifo_n == 0)
        return 4;
    if (s->fifo_n == 16)
        return 5;
    return s->fifo_n / 4;
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
    if (off >= STREAM0 && off < STREAM0 + DMA_STREAMS * STREAM_SIZE) {
        dma_stream *s = &d->s[(off - STREAM0) / STREAM_SIZE];
        switch ((off - STREAM0) % STREAM_SIZE) {
        case A_SxCR: return s->cr;
        case A_SxNDTR: return s->ndtr;
        case A_SxPAR: return s->par;
        case A_SxM0AR: return s->m0ar;
        case A_SxM1AR: return s->m1ar;
        case A_SxFCR: return (s->fcr & 0x87u) | fifo_status(s) << 3;
        }
    }
    device_unimp(dev, off, false, 0);
    return 0;
}

static void write_stream(stm32_dma *d, int n, uint32_t reg, uint32_t v)
{
    dma_stream *s = &d->s[n];
    bool en = FIELD_EX32(s->cr, SxCR, EN);
    if (reg == A_SxCR) {
        if (en) {
            s->cr = (s->cr & ~CR_WHILE_ENABLED) | (v & CR_WHILE_ENABLED);
            update_irq(d, n);
            if (!FIELD_EX32(v, SxCR, EN))
                disable(d, n);
            return;
        }
        s->cr = v & CR_WRITABLE;
        update_irq(d, n);
        if (FIELD_EX32(v, SxCR, EN))
            enable(d, n);
        return;
    }
    /* In double-buffer mode the memory address not in use may change. */
    bool idle_target = FIELD_EX32(s->cr, SxCR, DBM) &&
                       ((reg == A_SxM0AR && FIELD_EX32(s->cr, SxCR, CT)) ||
                        (reg == A_SxM1AR && !FIELD_EX32(s->cr, SxCR, CT)));
    if (en && reg == A_SxFCR) {
        s->fcr = (s->fcr & ~R_SxFCR_FEIE_MASK) | (v & R_SxFCR_FEIE_MASK);
        update_irq(d, n);
        return;
    }
    if (en && !idle_target) {
        log_msg(&d->dev.m->log, LOG_GUEST,
                "DMA%d stream %d: register +0x%02x written while the stream is enabled: ignored",
                d->index, n, reg);
        return;
    }
    switch (reg) {
    case A_SxNDTR: s->ndtr = v & 0xFFFF; return;
    case A_SxPAR: s->par = v; return;
    case A_SxM0AR: s->m0ar = v; return;
    case A_SxM1AR: s->m1ar = v; return;
    case A_SxFCR: s->fcr = v & 0x87u; update_irq(d, n); return;
    }
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
        for (int n = 0; n < DMA_STREAMS; n++)
            update_irq(d, n);
        return;
    }
    if (off >= STREAM0 && off < STREAM0 + DMA_STREAMS * STREAM_SIZE) {
        write_stream(d, (int)((off - STREAM0) / STREAM_SIZE), (off - STREAM0) % STREAM_SIZE, v);
        return;
    }
    device_unimp(dev, off, true, v);
}

static void dma_reset(device *dev, reset_kind kind)
{
    stm32_dma *d = container_of(dev, stm32_dma, dev);
    (void)kind;
    d->isr[0] = d->isr[1] = 0;
    for (int n = 0; n < DMA_STREAMS; n++) {
        dma_stream *s = &d->s[n];
        clock_disarm(&dev->m->clock, &s->resume_ev);
        uint8_t requests = s->requests; /* the peripherals' wires keep their level */
        memset(s, 0, offsetof(dma_stream, owner));
        s->requests = requests;
        s->fcr = 0x01; /* FTH = 1/2; FS reads "empty" */
        update_irq(d, n);
    }
    d->pending = 0;
}

void dma_init(stm32_dma *d, int index)
{
    memset(d, 0, sizeof(*d));
    d->index = index;
    device_init(&d->dev, index == 1 ? "DMA1" : "DMA2", index == 1 ? DMA1_BASE : DMA2_BASE, 0x400,
                dma_read, dma_write, dma_reset, dma_regs);
    for (int n = 0; n < DMA_STREAMS; n++) {
        d->s[n].owner = d;
        d->s[n].fcr = 0x01;
        clock_event_init(&d->s[n].resume_ev, "dma", resume, &d->s[n]);
    }
}
