/* USART (RM0033 section 24.6), asynchronous mode.
 *
 * TX: a write to DR loads the shift register if it is idle (TXE stays 1)
 * or waits in DR (TXE = 0); each character takes its time on the wire
 * (start, data, parity, stop bits at the BRR baud rate), then TC is set.
 * RX: host bytes wait in the serial port (a chardev) and are taken one per
 * character time; a byte that arrives while RXNE is set is lost and sets
 * ORE. Reading SR then DR clears ORE. The port also hears the line coding
 * the firmware programs (BRR, CR1.M/PCE/PS, CR2.STOP). Not modelled: synchronous, LIN, IrDA, smartcard and
 * hardware flow control; DMA requests. */
#include "usart.h"

#include <string.h>

#include "machine.h"

#define USART_REGS(REG, REGV, REGA) \
    REG(SR, 0x00, sr)                \
    REG(DR, 0x04, dr_rx)             \
    REG(BRR, 0x08, brr)              \
    REG(CR1, 0x0C, cr1)              \
    REG(CR2, 0x10, cr2)              \
    REG(CR3, 0x14, cr3)              \
    REG(GTPR, 0x18, gtpr)
REGS_OFFSETS(USART_REGS)
#define REGS_T stm32_usart
    FIELD(SR, PE, 0, 1)
    FIELD(SR, ORE, 3, 1)
    FIELD(SR, IDLE, 4, 1)
    FIELD(SR, RXNE, 5, 1)
    FIELD(SR, TC, 6, 1)
    FIELD(SR, TXE, 7, 1)
    FIELD(CR1, RE, 2, 1)
    FIELD(CR1, TE, 3, 1)
    FIELD(CR1, IDLEIE, 4, 1)
    FIELD(CR1, RXNEIE, 5, 1)
    FIELD(CR1, TCIE, 6, 1)
    FIELD(CR1, TXEIE, 7, 1)
    FIELD(CR1, PEIE, 8, 1)
    FIELD(CR1, PS, 9, 1)
    FIELD(CR1, PCE, 10, 1)
    FIELD(CR1, M, 12, 1)
    FIELD(CR1, UE, 13, 1)
    FIELD(CR1, OVER8, 15, 1)
    FIELD(CR2, STOP, 12, 2)

/* Stop bits in halves, by CR2.STOP: 1, 0.5, 2, 1.5 */
static const uint8_t stop_half[4] = {2, 1, 4, 3};

static uint32_t baud_rate(const stm32_usart *u)
{
    uint32_t pclk = u->rcc ? (u->apb == 2 ? rcc_pclk2(u->rcc) : rcc_pclk1(u->rcc))
                           : 16000000u;
    uint32_t baud;
    if (u->brr == 0 || pclk == 0) {
        baud = 115200;
    } else {
        /* BRR holds USARTDIV in 1/16 (1/8 with OVER8) steps */
        uint32_t div16 = FIELD_EX32(u->cr1, CR1, OVER8)
                             ? ((u->brr & 0xFFF0) | ((u->brr & 7) << 1))
                             : u->brr;
        baud = pclk / div16;
        if (!baud)
            baud = 1;
    }
    return baud;
}

uint64_t usart_char_time_ps(const stm32_usart *u)
{
    uint32_t baud = baud_rate(u);
    unsigned bits = 1 + (FIELD_EX32(u->cr1, CR1, M) ? 9 : 8);
    uint64_t halfbits = 2ull * bits + stop_half[FIELD_EX32(u->cr2, CR2, STOP)];
    return halfbits * PS_PER_S / (2ull * baud);
}

static void update_irq(stm32_usart *u)
{
    uint32_t sr = u->sr, cr = u->cr1;
    bool on = (FIELD_EX32(sr, SR, TXE) && FIELD_EX32(cr, CR1, TXEIE)) ||
              (FIELD_EX32(sr, SR, TC) && FIELD_EX32(cr, CR1, TCIE)) ||
              ((FIELD_EX32(sr, SR, RXNE) || FIELD_EX32(sr, SR, ORE)) &&
               FIELD_EX32(cr, CR1, RXNEIE)) ||
              (FIELD_EX32(sr, SR, IDLE) && FIELD_EX32(cr, CR1, IDLEIE));
    line_set(&u->irq, on && FIELD_EX32(cr, CR1, UE));
}

static void start_shift(stm32_usart *u, uint8_t b)
{
    machine *m = u->dev.m;
    u->shift = b;
    u->tx_busy = true;
    u->sr &= ~R_SR_TC_MASK;
    clock_arm(&m->clock, &u->tx_ev, machine_now(m) + usart_char_time_ps(u));
}

static void tx_done(void *arg)
{
    stm32_usart *u = arg;
    u->tx_busy = false;
    u->tx_bytes++;
    chardev_write(&u->serial, &u->shift, 1);
    if (u->tdr_full) {
        u->tdr_full = false;
        u->sr |= R_SR_TXE_MASK;
        start_shift(u, u->tdr);
    } else {
        u->sr |= R_SR_TC_MASK;
    }
    update_irq(u);
}

static bool rx_enabled(stm32_usart *u)
{
    return FIELD_EX32(u->cr1, CR1, UE) && FIELD_EX32(u->cr1, CR1, RE);
}

/* A byte is on its way in (it takes a character time), or take the next
 * one from the port. */
static void rx_arm(stm32_usart *u)
{
    machine *m = u->dev.m;
    if (u->rx_pending) {
        if (rx_enabled(u) && !u->rx_ev.armed)
            clock_arm(&m->clock, &u->rx_ev, machine_now(m) + usart_char_time_ps(u));
        return;
    }
    chardev_input_ready(&u->serial);
}

/* A serial line has no flow control: with the receiver off, what arrives
 * on RX is lost, and the host's writer is never held up by it. With the
 * receiver on, the USART takes a byte a character time (the rest waits in
 * the port); what the firmware does not read in time is lost (ORE). */
static size_t rx_can(void *opaque)
{
    stm32_usart *u = opaque;
    if (!rx_enabled(u))
        return SIZE_MAX;
    return u->rx_pending ? 0 : 1;
}

static void rx_take(void *opaque, const uint8_t *buf, size_t len)
{
    stm32_usart *u = opaque;
    if (!rx_enabled(u)) {
        u->rx_lost += len;
        return;
    }
    u->rx_byte = buf[0]; /* rx_can allows one */
    u->rx_pending = true;
    rx_arm(u);
}

static void rx_deliver(void *arg)
{
    stm32_usart *u = arg;
    if (!u->rx_pending || !rx_enabled(u))
        return;
    uint8_t b = u->rx_byte;
    u->rx_pending = false;
    u->rx_bytes++;
    if (FIELD_EX32(u->sr, SR, RXNE)) {
        u->sr |= R_SR_ORE_MASK; /* the new byte is lost */
    } else {
        u->dr_rx = b;
        u->sr |= R_SR_RXNE_MASK;
    }
    update_irq(u);
    rx_arm(u);
}

/* The line coding as the firmware programs it, for the port's backends. */
static void params_changed(stm32_usart *u)
{
    bool pce = FIELD_EX32(u->cr1, CR1, PCE);
    chardev_params p = {
        .baud = baud_rate(u),
        .data_bits = (uint8_t)((FIELD_EX32(u->cr1, CR1, M) ? 9 : 8) - (pce ? 1 : 0)),
        .parity = !pce ? 'N' : FIELD_EX32(u->cr1, CR1, PS) ? 'O' : 'E',
        .stop_half = stop_half[FIELD_EX32(u->cr2, CR2, STOP)],
    };
    const chardev_params *o = &u->serial.params;
    if (p.baud != o->baud || p.data_bits != o->data_bits || p.parity != o->parity ||
        p.stop_half != o->stop_half)
        chardev_set_params(&u->serial, &p);
}

static uint32_t usart_read(device *d, uint32_t off, unsigned size)
{
    stm32_usart *u = container_of(d, stm32_usart, dev);
    (void)size;
    switch (off) {
    case A_SR: bus_note_effect(&d->m->bus); return u->sr;
    case A_DR: {
        bus_note_effect(&d->m->bus);
        uint32_t v = u->dr_rx;
        u->sr &= ~(R_SR_RXNE_MASK | R_SR_ORE_MASK | R_SR_IDLE_MASK | R_SR_PE_MASK);
        update_irq(u);
        return v;
    }
    case A_BRR: return u->brr;
    case A_CR1: return u->cr1;
    case A_CR2: return u->cr2;
    case A_CR3: return u->cr3;
    case A_GTPR: return u->gtpr;
    }
    device_unimp(d, off, false, 0);
    return 0;
}

static void usart_write(device *d, uint32_t off, uint32_t v, unsigned size)
{
    stm32_usart *u = container_of(d, stm32_usart, dev);
    switch (off & ~3u) {
    case A_SR:
        /* RXNE and TC are cleared by writing 0 */
        v = reg_merge(0xFFFFFFFFu, off, v, size);
        u->sr &= v | ~(R_SR_RXNE_MASK | R_SR_TC_MASK);
        update_irq(u);
        return;
    case A_DR:
        if (!FIELD_EX32(u->cr1, CR1, UE) || !FIELD_EX32(u->cr1, CR1, TE))
            return;
        if (!u->tx_busy) {
            start_shift(u, (uint8_t)v);
        } else {
            u->tdr = (uint8_t)v;
            u->tdr_full = true;
            u->sr &= ~R_SR_TXE_MASK;
        }
        update_irq(u);
        return;
    case A_BRR:
        u->brr = reg_merge(u->brr, off, v, size) & 0xFFFF;
        params_changed(u);
        return;
    case A_CR1:
        u->cr1 = reg_merge(u->cr1, off, v, size) & 0xBFFF;
        update_irq(u);
        rx_arm(u);
        params_changed(u);
        return;
    case A_CR2:
        u->cr2 = reg_merge(u->cr2, off, v, size) & 0x7F7F;
        params_changed(u);
        return;
    case A_CR3: u->cr3 = reg_merge(u->cr3, off, v, size) & 0xFFF; return;
    case A_GTPR: u->gtpr = reg_merge(u->gtpr, off, v, size) & 0xFFFF; return;
    }
    device_unimp(d, off, true, v);
}

static void usart_reset(device *d, reset_kind kind)
{
    stm32_usart *u = container_of(d, stm32_usart, dev);
    (void)kind;
    clock_disarm(&d->m->clock, &u->tx_ev);
    clock_disarm(&d->m->clock, &u->rx_ev);
    u->sr = R_SR_TXE_MASK | R_SR_TC_MASK;
    u->dr_rx = u->brr = u->cr1 = u->cr2 = u->cr3 = u->gtpr = 0;
    u->tx_busy = u->tdr_full = false;
    update_irq(u);
}

static const reg_name usart_regs[] = {REGS_NAMES(USART_REGS){0}};
static const state_field usart_state[] = {
    REGS_STATE(USART_REGS)
    STATE("tx_busy", tx_busy)
    STATE("tdr_full", tdr_full)
    STATE("tdr", tdr)
    STATE("shift", shift)
    STATE("rx_pending", rx_pending)
    STATE("rx_byte", rx_byte)
    {0},
};
static const line_desc usart_lines[] = {LINE_OUT("irq", irq){0}};

const device_class usart_class = {
    .type = "stm32f2-usart", .size = 0x400, .read = usart_read, .write = usart_write,
    .reset = usart_reset, .regs = usart_regs, .state = usart_state, .lines = usart_lines,
};

static const chardev_frontend_ops serial_ops = {.can_receive = rx_can, .receive = rx_take};

void usart_init(stm32_usart *u, const char *name, int apb, stm32_rcc *rcc)
{
    memset(u, 0, sizeof(*u));
    u->apb = apb;
    u->rcc = rcc;
    device_init(&u->dev, &usart_class, name);
    chardev_init(&u->serial, name);
    chardev_set_frontend(&u->serial, &serial_ops, u);
    chardev_set_connected(&u->serial, true); /* the pins are always there */
    u->sr = R_SR_TXE_MASK | R_SR_TC_MASK;
    clock_event_init(&u->tx_ev, name, tx_done, u);
    clock_event_init(&u->rx_ev, name, rx_deliver, u);
}

void usart_free(stm32_usart *u)
{
    chardev_free(&u->serial);
}
