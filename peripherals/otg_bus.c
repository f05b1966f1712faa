/* OTG_HS, the bus side (usb_device_ops): bus reset, SOF, and the SETUP,
 * OUT and IN transactions a host runs, answered from the registers and
 * FIFOs as the core does (see otg.c). */
#include <string.h>

#include "machine.h"
#include "otg_internal.h"

/* ---- bus side --------------------------------------------------------- */

static bool on_bus(const stm32_otg *o)
{
    return o->connected;
}

static void port_bus_reset(void *dev, bool active)
{
    stm32_otg *o = dev;
    if (!on_bus(o))
        return;
    if (active) {
        o->gintsts |= R_GINTSTS_USBRST_MASK;
        o->dsts &= ~(R_DSTS_SUSPSTS_MASK | R_DSTS_ENUMSPD_MASK);
    } else {
        o->dsts = FIELD_DP32(o->dsts, DSTS, ENUMSPD, 3);
        o->gintsts |= R_GINTSTS_ENUMDNE_MASK;
    }
    otg_update_irq(o);
}

static void port_sof(void *dev, unsigned frame)
{
    stm32_otg *o = dev;
    if (!on_bus(o))
        return;
    o->dsts = FIELD_DP32(o->dsts, DSTS, FNSOF, frame & 0x7FF);
    o->gintsts |= R_GINTSTS_SOF_MASK;
    otg_update_irq(o);
}

static usb_handshake port_setup(void *dev, const uint8_t pkt[8])
{
    stm32_otg *o = dev;
    if (!on_bus(o))
        return USB_NONE;
    /* SETUP always gets space: the core reserves it [inf] */
    if (!otg_rx_push(o, 0, PKT_SETUP, pkt, 8, true) || !otg_rx_push(o, 0, PKT_SETUP_DONE, NULL, 0, true))
        return USB_NONE;
    o->setups++;
    uint32_t t = o->out[0].tsiz;
    uint32_t cnt = FIELD_EX32(t, TSIZ0, STUPCNT);
    if (cnt)
        o->out[0].tsiz = FIELD_DP32(t, TSIZ0, STUPCNT, cnt - 1);
    o->in[0].ctl &= ~R_EPCTL_STALL_MASK;
    o->out[0].ctl &= ~R_EPCTL_STALL_MASK;
    o->in[0].ctl |= R_EPCTL_NAKSTS_MASK;
    o->out[0].ctl |= R_EPCTL_NAKSTS_MASK;
    /* A new control transfer abandons an IN data stage still queued [inf]. */
    if (o->in[0].ctl & R_EPCTL_EPENA_MASK) {
        o->in[0].ctl &= ~R_EPCTL_EPENA_MASK;
        otg_txf_flush(o, 0);
    }
    otg_update_irq(o);
    return USB_ACK;
}

static usb_handshake port_out(void *dev, int n, const uint8_t *data, unsigned len)
{
    stm32_otg *o = dev;
    if (!on_bus(o) || n < 0 || n >= 16)
        return USB_NONE;
    if (n >= OTG_NEP)
        return USB_STALL;
    otg_ep *ep = &o->out[n];
    if (ep->ctl & R_EPCTL_STALL_MASK)
        return USB_STALL;
    if (!(ep->ctl & R_EPCTL_EPENA_MASK) || (ep->ctl & R_EPCTL_NAKSTS_MASK) ||
        FIELD_EX32(o->dctl, DCTL, GONSTS) || len > OTG_MAX_PACKET) {
        o->naks++;
        return USB_NAK;
    }
    unsigned words = (len + 3) / 4;
    if (o->rx_count + 2 > OTG_RXQ || o->rx_words + 2 + words > otg_rx_capacity(o)) {
        o->naks++;
        return USB_NAK;
    }
    otg_rx_push(o, n, PKT_OUT, data, len, false);
    o->out_packets++;
    uint32_t xfr = otg_tsiz_xfrsize(n, ep->tsiz), pkt = otg_tsiz_pktcnt(n, false, ep->tsiz);
    xfr = xfr > len ? xfr - len : 0;
    pkt = pkt ? pkt - 1 : 0;
    ep->tsiz = otg_tsiz_set(n, false, ep->tsiz, xfr, pkt);
    if (pkt == 0 || len < otg_ep_out_mps(o, n)) {
        otg_rx_push(o, n, PKT_OUT_DONE, NULL, 0, true);
        ep->ctl &= ~R_EPCTL_EPENA_MASK;
        ep->ctl |= R_EPCTL_NAKSTS_MASK;
    }
    otg_update_irq(o);
    return USB_ACK;
}

static usb_handshake port_in(void *dev, int n, uint8_t *buf, unsigned max, unsigned *len)
{
    stm32_otg *o = dev;
    *len = 0;
    if (!on_bus(o) || n < 0 || n >= 16)
        return USB_NONE;
    if (n >= OTG_NEP)
        return USB_STALL;
    otg_ep *ep = &o->in[n];
    if (ep->ctl & R_EPCTL_STALL_MASK)
        return USB_STALL;
    uint32_t xfr = otg_tsiz_xfrsize(n, ep->tsiz), pkt = otg_tsiz_pktcnt(n, true, ep->tsiz);
    unsigned mps = otg_ep_mps(o, n);
    unsigned l = xfr < mps ? xfr : mps;
    otg_txfifo *f = &o->txf[n];
    if (!(ep->ctl & R_EPCTL_EPENA_MASK) || (ep->ctl & R_EPCTL_NAKSTS_MASK) ||
        FIELD_EX32(o->dctl, DCTL, GINSTS) || pkt == 0 || f->count * 4 < l) {
        o->naks++;
        return USB_NAK;
    }
    unsigned words = (l + 3) / 4;
    for (unsigned i = 0; i < words; i++) {
        uint32_t w = f->w[f->head];
        f->head = (f->head + 1) % OTG_FIFO_WORDS;
        f->count--;
        for (unsigned b = 0; b < 4; b++) {
            unsigned at = i * 4 + b;
            if (at < l && at < max)
                buf[at] = (uint8_t)(w >> (8 * b));
        }
    }
    *len = l; /* more than `max` is babble: the host sees it */
    o->in_packets++;
    xfr -= l;
    pkt--;
    ep->tsiz = otg_tsiz_set(n, true, ep->tsiz, xfr, pkt);
    if (pkt == 0) {
        ep->ctl &= ~R_EPCTL_EPENA_MASK;
        ep->intr |= R_EPINT_XFRC_MASK;
    }
    otg_update_irq(o);
    return USB_ACK;
}

static bool port_connected(void *dev)
{
    return otg_pulled_up(dev);
}

const usb_device_ops otg_port_ops = {
    .connected = port_connected,
    .bus_reset = port_bus_reset,
    .sof = port_sof,
    .setup = port_setup,
    .out = port_out,
    .in = port_in,
};

