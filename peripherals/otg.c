/* USB OTG_HS (RM0033 section 28) in device mode: the Synopsys DWC2 core
 * with its embedded full-speed PHY, in slave mode.
 *
 * Modelled: the global and device registers, core soft reset (CSRST) and
 * the FIFO flushes (self-clearing, AHBIDL always 1), the interrupt tree
 * (GINTSTS with its read-only reflections RXFLVL/IEPINT/OEPINT, DAINT,
 * DIEPEMPMSK for TXFE, the dedicated EP1 interrupts of OTG_HS on IRQs 74
 * and 75), the receive FIFO as a queue of status entries with their data
 * (popped through GRXSTSP, read through any FIFO window), one transmit
 * FIFO per IN endpoint (pushed through the window at 0x1000 * (n + 1),
 * free space in DTXFSTS), and endpoint transfers as the core runs them:
 * XFRSIZ/PKTCNT count down per packet, the endpoint disables itself and
 * raises XFRC when PKTCNT reaches 0 (or on a short OUT packet).
 *
 * Bus side (usb_device_ops): SETUP is always accepted on endpoint 0 (two
 * status entries, STUP when the second is popped, STALL cleared on both
 * EP0 directions, NAK set on both [inf]); OUT is STALLed on STALL, NAKed
 * while the endpoint is disabled, NAKing or the receive FIFO is full; IN
 * is STALLed on STALL, NAKed until the endpoint is enabled and the FIFO
 * holds the whole packet. A bus reset raises USBRST, its end ENUMDNE with
 * DSTS.ENUMSPD = 3 (full speed, 48 MHz PHY clock); SOF sets GINTSTS.SOF
 * and DSTS.FNSOF. The pull-up is on when GCCFG.PWRDWN is set, DCTL.SDIS
 * clear and the core in device mode; VBUS counts as present while a host
 * is on the cable.
 *
 * Not modelled: host mode (registers 0x400-0x7FF read 0), DMA mode, the
 * ULPI/high-speed PHY, isochronous specifics, suspend/resume (USBSUSP is
 * never raised), session request and HNP/SRP, data toggles (DPID stays
 * as written), LPM, the FIFO RAM debug window. */
#include "otg.h"

#include <string.h>

#include "machine.h"
#include "otg_internal.h"

#define REGS_T stm32_otg

/* ---- FIFOs ------------------------------------------------------------ */

static unsigned txf_depth(const stm32_otg *o, int n)
{
    uint32_t r = n == 0 ? o->dieptxf0 : o->dieptxf[n];
    unsigned d = FIELD_EX32(r, TXF, DEPTH);
    return d > OTG_FIFO_WORDS ? OTG_FIFO_WORDS : d;
}

static unsigned txf_free(const stm32_otg *o, int n)
{
    unsigned d = txf_depth(o, n);
    return o->txf[n].count >= d ? 0 : d - o->txf[n].count;
}

void otg_txf_flush(stm32_otg *o, int n)
{
    o->txf[n].head = o->txf[n].count = 0;
}

static void rx_flush(stm32_otg *o)
{
    o->rx_head = o->rx_count = o->rx_words = 0;
    o->cur.words = 0;
    o->cur_read = 0;
}

unsigned otg_rx_capacity(const stm32_otg *o)
{
    unsigned c = o->grxfsiz & 0xFFFF;
    return c > OTG_FIFO_WORDS ? OTG_FIFO_WORDS : c;
}

/* Queue a receive status entry (with data); false if there is no room. */
bool otg_rx_push(stm32_otg *o, int ep, int pktsts, const uint8_t *data, unsigned len,
                    bool force)
{
    unsigned words = (len + 3) / 4;
    if (o->rx_count >= OTG_RXQ)
        return false;
    if (!force && o->rx_words + 1 + words > otg_rx_capacity(o))
        return false;
    otg_rx_entry *e = &o->rxq[(o->rx_head + o->rx_count) % OTG_RXQ];
    uint32_t sts = 0;
    sts = FIELD_DP32(sts, GRXSTS, EPNUM, ep);
    sts = FIELD_DP32(sts, GRXSTS, BCNT, len);
    sts = FIELD_DP32(sts, GRXSTS, PKTSTS, pktsts);
    sts = FIELD_DP32(sts, GRXSTS, FRMNUM, FIELD_EX32(o->dsts, DSTS, FNSOF) & 0xF);
    e->sts = sts;
    e->words = (uint16_t)words;
    memset(e->data, 0, words * 4);
    if (len)
        memcpy(e->data, data, len);
    o->rx_count++;
    o->rx_words += 1 + words;
    return true;
}

/* ---- interrupts ------------------------------------------------------- */

static bool txfe(const stm32_otg *o, int n)
{
    /* TXFELVL = 0: half empty; 1: completely empty */
    unsigned used = o->txf[n].count, depth = txf_depth(o, n);
    return FIELD_EX32(o->gahbcfg, GAHBCFG, TXFELVL) ? used == 0 : used <= depth / 2;
}

static uint32_t diepint(const stm32_otg *o, int n)
{
    return (o->in[n].intr & ~R_EPINT_TXFE_MASK) | (txfe(o, n) ? R_EPINT_TXFE_MASK : 0);
}

static uint32_t daint(const stm32_otg *o)
{
    uint32_t v = 0;
    for (int n = 0; n < OTG_NEP; n++) {
        uint32_t inmask = o->diepmsk | (((o->diepempmsk >> n) & 1) << 7);
        if (diepint(o, n) & inmask)
            v |= 1u << n;
        if (o->out[n].intr & o->doepmsk)
            v |= 1u << (16 + n);
    }
    return v;
}

static uint32_t deachint(const stm32_otg *o)
{
    uint32_t v = 0;
    uint32_t inmask = o->diepeachmsk1 | (((o->diepempmsk >> 1) & 1) << 7);
    if (diepint(o, 1) & inmask)
        v |= 1u << 1;
    if (o->out[1].intr & o->doepeachmsk1)
        v |= 1u << 17;
    return v;
}

static uint32_t gintsts(const stm32_otg *o)
{
    uint32_t v = o->gintsts & ~GINTSTS_RO_MASK;
    if (FIELD_EX32(o->gusbcfg, GUSBCFG, FHMOD))
        v |= R_GINTSTS_CMOD_MASK;
    if (o->gotgint)
        v |= R_GINTSTS_OTGINT_MASK;
    if (o->rx_count)
        v |= R_GINTSTS_RXFLVL_MASK;
    v |= R_GINTSTS_NPTXFE_MASK | R_GINTSTS_PTXFE_MASK;
    if (FIELD_EX32(o->dctl, DCTL, GINSTS))
        v |= R_GINTSTS_GINAKEFF_MASK;
    if (FIELD_EX32(o->dctl, DCTL, GONSTS))
        v |= R_GINTSTS_GONAKEFF_MASK;
    uint32_t d = daint(o) & o->daintmsk;
    if (d & 0xFFFF)
        v |= R_GINTSTS_IEPINT_MASK;
    if (d >> 16)
        v |= R_GINTSTS_OEPINT_MASK;
    return v;
}

void otg_update_irq(stm32_otg *o)
{
    bool gint = FIELD_EX32(o->gahbcfg, GAHBCFG, GINT);
    line_set(&o->irq, gint && (gintsts(o) & o->gintmsk) != 0);
    uint32_t each = gint ? deachint(o) & o->deachintmsk : 0;
    line_set(&o->irq_ep1_in, (each & (1u << 1)) != 0);
    line_set(&o->irq_ep1_out, (each & (1u << 17)) != 0);
}

/* ---- connection ------------------------------------------------------- */

bool otg_pulled_up(const stm32_otg *o)
{
    return FIELD_EX32(o->gccfg, GCCFG, PWRDWN) && !FIELD_EX32(o->dctl, DCTL, SDIS) &&
           !FIELD_EX32(o->gusbcfg, GUSBCFG, FHMOD);
}

static void check_connection(stm32_otg *o)
{
    bool c = otg_pulled_up(o);
    if (c != o->connected) {
        o->connected = c;
        log_msg(&o->dev.m->log, LOG_USB, "[%.3f ms] otg: D+ pull-up %s",
                (double)machine_now(o->dev.m) / PS_PER_MS, c ? "on (attach)" : "off (detach)");
        usb_port_connect_changed(&o->port);
    }
}

/* ---- endpoints -------------------------------------------------------- */

unsigned otg_ep_mps(const stm32_otg *o, int n)
{
    if (n == 0) {
        static const unsigned mps0[4] = {64, 32, 16, 8};
        return mps0[o->in[0].ctl & 3];
    }
    return FIELD_EX32(o->in[n].ctl, EPCTL, MPSIZ);
}

unsigned otg_ep_out_mps(const stm32_otg *o, int n)
{
    if (n == 0)
        return otg_ep_mps(o, 0);
    return FIELD_EX32(o->out[n].ctl, EPCTL, MPSIZ);
}

uint32_t otg_tsiz_xfrsize(int n, uint32_t t)
{
    return n == 0 ? FIELD_EX32(t, TSIZ0, XFRSIZ) : FIELD_EX32(t, TSIZ, XFRSIZ);
}

uint32_t otg_tsiz_pktcnt(int n, bool in, uint32_t t)
{
    if (n != 0)
        return FIELD_EX32(t, TSIZ, PKTCNT);
    return in ? FIELD_EX32(t, TSIZ0, INPKTCNT) : FIELD_EX32(t, TSIZ0, OUTPKTCNT);
}

uint32_t otg_tsiz_set(int n, bool in, uint32_t t, uint32_t xfr, uint32_t pkt)
{
    if (n != 0) {
        t = FIELD_DP32(t, TSIZ, XFRSIZ, xfr);
        return FIELD_DP32(t, TSIZ, PKTCNT, pkt);
    }
    t = FIELD_DP32(t, TSIZ0, XFRSIZ, xfr);
    return in ? FIELD_DP32(t, TSIZ0, INPKTCNT, pkt) : FIELD_DP32(t, TSIZ0, OUTPKTCNT, pkt);
}

static void ep_ctl_write(otg_ep *ep, int n, bool in, uint32_t v)
{
    uint32_t c = ep->ctl;
    uint32_t rw = R_EPCTL_MPSIZ_MASK | R_EPCTL_USBAEP_MASK | R_EPCTL_EPTYP_MASK |
                  R_EPCTL_SNPM_MASK | R_EPCTL_TXFNUM_MASK;
    if (n == 0)
        rw = in ? (3u | R_EPCTL_TXFNUM_MASK) : R_EPCTL_SNPM_MASK;
    c = (c & ~rw) | (v & rw);
    if (n == 0) {
        /* EP0: always active, control; STALL is set by software, cleared
         * by the core when a SETUP arrives */
        c |= R_EPCTL_USBAEP_MASK;
        c &= ~R_EPCTL_EPTYP_MASK;
        if (v & R_EPCTL_STALL_MASK)
            c |= R_EPCTL_STALL_MASK;
    } else {
        c = (c & ~R_EPCTL_STALL_MASK) | (v & R_EPCTL_STALL_MASK);
    }
    if (v & R_EPCTL_CNAK_MASK)
        c &= ~R_EPCTL_NAKSTS_MASK;
    if (v & R_EPCTL_SNAK_MASK)
        c |= R_EPCTL_NAKSTS_MASK;
    if (v & R_EPCTL_SD0PID_MASK)
        c &= ~R_EPCTL_DPID_MASK;
    if (v & R_EPCTL_SD1PID_MASK)
        c |= R_EPCTL_DPID_MASK;
    if (v & R_EPCTL_EPENA_MASK)
        c |= R_EPCTL_EPENA_MASK;
    if ((v & R_EPCTL_EPDIS_MASK) && (ep->ctl & R_EPCTL_EPENA_MASK)) {
        /* disabling an enabled endpoint completes at once */
        c &= ~(R_EPCTL_EPENA_MASK | R_EPCTL_EPDIS_MASK);
        ep->intr |= R_EPINT_EPDISD_MASK;
    }
    ep->ctl = c;
}

/* ---- registers -------------------------------------------------------- */

static void core_soft_reset(stm32_otg *o)
{
    /* flush FIFOs and the status queue, abort transfers, clear interrupt
     * state; PHYSEL, DSPD and the configuration the library rewrites stay */
    for (int n = 0; n < OTG_NEP; n++) {
        otg_txf_flush(o, n);
        o->in[n].ctl &= ~(R_EPCTL_EPENA_MASK | R_EPCTL_NAKSTS_MASK);
        o->out[n].ctl &= ~(R_EPCTL_EPENA_MASK | R_EPCTL_NAKSTS_MASK);
        o->in[n].intr = 0;
        o->out[n].intr = 0;
    }
    rx_flush(o);
    o->gintsts = 0;
    o->gotgint = 0;
    o->dsts &= ~(R_DSTS_ENUMSPD_MASK | R_DSTS_FNSOF_MASK | R_DSTS_SUSPSTS_MASK);
    o->dctl &= ~(R_DCTL_GINSTS_MASK | R_DCTL_GONSTS_MASK);
}

static uint32_t fifo_read(stm32_otg *o)
{
    if (o->cur_read >= o->cur.words)
        return 0;
    return o->cur.data[o->cur_read++];
}

static uint32_t pop_status(stm32_otg *o, bool pop)
{
    if (!o->rx_count)
        return 0;
    otg_rx_entry *e = &o->rxq[o->rx_head];
    uint32_t sts = e->sts;
    if (!pop)
        return sts;
    o->cur.sts = e->sts;
    o->cur.words = e->words;
    memcpy(o->cur.data, e->data, e->words * 4u);
    o->cur_read = 0;
    o->rx_head = (o->rx_head + 1) % OTG_RXQ;
    o->rx_count--;
    o->rx_words -= 1u + e->words;
    int ep = (int)FIELD_EX32(sts, GRXSTS, EPNUM);
    switch (FIELD_EX32(sts, GRXSTS, PKTSTS)) {
    case PKT_OUT_DONE:
        if (ep < OTG_NEP)
            o->out[ep].intr |= R_EPINT_XFRC_MASK;
        break;
    case PKT_SETUP_DONE:
        o->out[0].intr |= R_EPINT_STUP_MASK;
        break;
    }
    otg_update_irq(o);
    usb_port_kick(&o->port); /* room in the receive FIFO */
    return sts;
}

static uint32_t otg_read(device *d, uint32_t off, unsigned size)
{
    stm32_otg *o = container_of(d, stm32_otg, dev);
    (void)size;
    if (off >= 0x1000) {
        if (off < 0x1000u * (OTG_NEP + 1) || off < 0x20000) {
            bus_note_effect(&d->m->bus);
            return fifo_read(o);
        }
        device_unimp(d, off, false, 0);
        return 0;
    }
    if (off >= 0x900 && off < 0x900 + 0x20 * OTG_NEP) {
        int n = (int)(off - 0x900) / 0x20;
        switch ((off - 0x900) % 0x20) {
        case EP_CTL: return o->in[n].ctl;
        case EP_INT: bus_note_effect(&d->m->bus); return diepint(o, n);
        case EP_TSIZ: bus_note_effect(&d->m->bus); return o->in[n].tsiz;
        case EP_DMA: return o->in[n].dma;
        case EP_TXFSTS: bus_note_effect(&d->m->bus); return txf_free(o, n);
        }
    }
    if (off >= 0xB00 && off < 0xB00 + 0x20 * OTG_NEP) {
        int n = (int)(off - 0xB00) / 0x20;
        switch ((off - 0xB00) % 0x20) {
        case EP_CTL: {
            uint32_t c = o->out[n].ctl;
            if (n == 0)
                c = (c & ~3u) | (o->in[0].ctl & 3u);
            return c;
        }
        case EP_INT: bus_note_effect(&d->m->bus); return o->out[n].intr;
        case EP_TSIZ: bus_note_effect(&d->m->bus); return o->out[n].tsiz;
        case EP_DMA: return o->out[n].dma;
        }
    }
    if (off >= A_DIEPTXF1 && off < A_DIEPTXF1 + 4 * (OTG_NEP - 1))
        return o->dieptxf[1 + (off - A_DIEPTXF1) / 4];
    switch (off) {
    case A_GOTGCTL:
        return o->gotgctl | R_GOTGCTL_CIDSTS_MASK | R_GOTGCTL_BSVLD_MASK;
    case A_GOTGINT: return o->gotgint;
    case A_GAHBCFG: return o->gahbcfg;
    case A_GUSBCFG: return o->gusbcfg;
    case A_GRSTCTL:
        return R_GRSTCTL_AHBIDL_MASK | (o->grstctl & R_GRSTCTL_TXFNUM_MASK);
    case A_GINTSTS: bus_note_effect(&d->m->bus); return gintsts(o);
    case A_GINTMSK: return o->gintmsk;
    case A_GRXSTSR: bus_note_effect(&d->m->bus); return pop_status(o, false);
    case A_GRXSTSP: bus_note_effect(&d->m->bus); return pop_status(o, true);
    case A_GRXFSIZ: return o->grxfsiz;
    case A_DIEPTXF0: return o->dieptxf0;
    case A_GNPTXSTS: return 0;
    case A_GCCFG: return o->gccfg;
    case A_CID: return o->cid;
    case A_HPTXFSIZ: return o->hptxfsiz;
    case A_DCFG: return o->dcfg;
    case A_DCTL: return o->dctl;
    case A_DSTS: bus_note_effect(&d->m->bus); return o->dsts;
    case A_DIEPMSK: return o->diepmsk;
    case A_DOEPMSK: return o->doepmsk;
    case A_DAINT: bus_note_effect(&d->m->bus); return daint(o);
    case A_DAINTMSK: return o->daintmsk;
    case A_DVBUSDIS: return o->dvbusdis;
    case A_DVBUSPULSE: return o->dvbuspulse;
    case A_DTHRCTL: return o->dthrctl;
    case A_DIEPEMPMSK: return o->diepempmsk;
    case A_DEACHINT: bus_note_effect(&d->m->bus); return deachint(o);
    case A_DEACHINTMSK: return o->deachintmsk;
    case A_DIEPEACHMSK1: return o->diepeachmsk1;
    case A_DOEPEACHMSK1: return o->doepeachmsk1;
    case A_PCGCCTL: return o->pcgcctl;
    }
    if (off >= 0x400 && off < 0x800)
        return 0; /* host mode registers */
    device_unimp(d, off, false, 0);
    return 0;
}

static void txfifo_push(stm32_otg *o, int n, uint32_t v)
{
    otg_txfifo *f = &o->txf[n];
    if (f->count >= txf_depth(o, n)) {
        log_msg(&o->dev.m->log, LOG_GUEST, "otg: TX FIFO %d overflow (depth %u words) pc=0x%08x", n,
                txf_depth(o, n), machine_pc(o->dev.m));
        return;
    }
    f->w[(f->head + f->count) % OTG_FIFO_WORDS] = v;
    f->count++;
}

static void otg_write(device *d, uint32_t off, uint32_t v, unsigned size)
{
    stm32_otg *o = container_of(d, stm32_otg, dev);
    if (off >= 0x1000) {
        unsigned n = off / 0x1000 - 1;
        if (n < OTG_NEP) {
            txfifo_push(o, (int)n, v);
            otg_update_irq(o);
            usb_port_kick(&o->port);
        } else {
            device_unimp(d, off, true, v);
        }
        return;
    }
    uint32_t a = off & ~3u;
    if (a >= 0x900 && a < 0x900 + 0x20 * OTG_NEP) {
        int n = (int)(a - 0x900) / 0x20;
        otg_ep *ep = &o->in[n];
        switch ((a - 0x900) % 0x20) {
        case EP_CTL:
            ep_ctl_write(ep, n, true, reg_merge(ep->ctl & ~0x3C000000u, off, v, size));
            break;
        case EP_INT: ep->intr &= ~(reg_merge(0, off, v, size) & DIEPINT_W1C); break;
        case EP_TSIZ:
            ep->tsiz = reg_merge(ep->tsiz, off, v, size) & (n ? 0x7FFFFFFFu : 0x0018007Fu);
            break;
        case EP_DMA: ep->dma = reg_merge(ep->dma, off, v, size); break;
        default: break; /* DTXFSTS is read-only */
        }
        otg_update_irq(o);
        usb_port_kick(&o->port);
        return;
    }
    if (a >= 0xB00 && a < 0xB00 + 0x20 * OTG_NEP) {
        int n = (int)(a - 0xB00) / 0x20;
        otg_ep *ep = &o->out[n];
        switch ((a - 0xB00) % 0x20) {
        case EP_CTL:
            ep_ctl_write(ep, n, false, reg_merge(ep->ctl & ~0x3C000000u, off, v, size));
            break;
        case EP_INT: ep->intr &= ~(reg_merge(0, off, v, size) & DOEPINT_W1C); break;
        case EP_TSIZ:
            /* DOEPTSIZ0 keeps every bit the library writes (bit 31 too) */
            ep->tsiz = reg_merge(ep->tsiz, off, v, size) & (n ? 0x7FFFFFFFu : 0xFFFFFFFFu);
            break;
        case EP_DMA: ep->dma = reg_merge(ep->dma, off, v, size); break;
        default: break;
        }
        otg_update_irq(o);
        usb_port_kick(&o->port);
        return;
    }
    if (a >= A_DIEPTXF1 && a < A_DIEPTXF1 + 4 * (OTG_NEP - 1)) {
        uint32_t *r = &o->dieptxf[1 + (a - A_DIEPTXF1) / 4];
        *r = reg_merge(*r, off, v, size);
        return;
    }
    switch (a) {
    case A_GOTGCTL: o->gotgctl = reg_merge(o->gotgctl, off, v, size) & 0x00000F0Fu; return;
    case A_GOTGINT: o->gotgint &= ~reg_merge(0, off, v, size); otg_update_irq(o); return;
    case A_GAHBCFG:
        o->gahbcfg = reg_merge(o->gahbcfg, off, v, size) & 0x1BFu;
        otg_update_irq(o);
        return;
    case A_GUSBCFG:
        o->gusbcfg = reg_merge(o->gusbcfg, off, v, size);
        check_connection(o);
        otg_update_irq(o);
        return;
    case A_GRSTCTL: {
        uint32_t w = reg_merge(0, off, v, size);
        o->grstctl = w & R_GRSTCTL_TXFNUM_MASK;
        if (w & R_GRSTCTL_CSRST_MASK)
            core_soft_reset(o);
        if (w & R_GRSTCTL_RXFFLSH_MASK)
            rx_flush(o);
        if (w & R_GRSTCTL_TXFFLSH_MASK) {
            unsigned n = FIELD_EX32(w, GRSTCTL, TXFNUM);
            if (n == 0x10) {
                for (int i = 0; i < OTG_NEP; i++)
                    otg_txf_flush(o, i);
            } else if (n < OTG_NEP) {
                otg_txf_flush(o, (int)n);
            }
        }
        otg_update_irq(o);
        usb_port_kick(&o->port);
        return;
    }
    case A_GINTSTS:
        o->gintsts &= ~(reg_merge(0, off, v, size) & GINTSTS_W1C);
        otg_update_irq(o);
        return;
    case A_GINTMSK: o->gintmsk = reg_merge(o->gintmsk, off, v, size); otg_update_irq(o); return;
    case A_GRXSTSR:
    case A_GRXSTSP: return; /* read-only */
    case A_GRXFSIZ: o->grxfsiz = reg_merge(o->grxfsiz, off, v, size) & 0xFFFF; return;
    case A_DIEPTXF0: o->dieptxf0 = reg_merge(o->dieptxf0, off, v, size); return;
    case A_GNPTXSTS: return;
    case A_GCCFG:
        o->gccfg = reg_merge(o->gccfg, off, v, size) & 0x003D0000u;
        check_connection(o);
        return;
    case A_CID: o->cid = reg_merge(o->cid, off, v, size); return;
    case A_HPTXFSIZ: o->hptxfsiz = reg_merge(o->hptxfsiz, off, v, size); return;
    case A_DCFG: o->dcfg = reg_merge(o->dcfg, off, v, size); return;
    case A_DCTL: {
        uint32_t w = reg_merge(o->dctl, off, v, size);
        uint32_t c = (o->dctl & (R_DCTL_GINSTS_MASK | R_DCTL_GONSTS_MASK)) |
                     (w & (R_DCTL_RWUSIG_MASK | R_DCTL_SDIS_MASK | 0x70u | R_DCTL_POPRGDNE_MASK));
        if (w & R_DCTL_SGINAK_MASK)
            c |= R_DCTL_GINSTS_MASK;
        if (w & R_DCTL_CGINAK_MASK)
            c &= ~R_DCTL_GINSTS_MASK;
        if (w & R_DCTL_SGONAK_MASK)
            c |= R_DCTL_GONSTS_MASK;
        if (w & R_DCTL_CGONAK_MASK)
            c &= ~R_DCTL_GONSTS_MASK;
        o->dctl = c;
        check_connection(o);
        otg_update_irq(o);
        usb_port_kick(&o->port);
        return;
    }
    case A_DSTS: return;
    case A_DIEPMSK: o->diepmsk = reg_merge(o->diepmsk, off, v, size); otg_update_irq(o); return;
    case A_DOEPMSK: o->doepmsk = reg_merge(o->doepmsk, off, v, size); otg_update_irq(o); return;
    case A_DAINT: return; /* read-only: the library writes ~0 to it */
    case A_DAINTMSK: o->daintmsk = reg_merge(o->daintmsk, off, v, size); otg_update_irq(o); return;
    case A_DVBUSDIS: o->dvbusdis = reg_merge(o->dvbusdis, off, v, size); return;
    case A_DVBUSPULSE: o->dvbuspulse = reg_merge(o->dvbuspulse, off, v, size); return;
    case A_DTHRCTL: o->dthrctl = reg_merge(o->dthrctl, off, v, size); return;
    case A_DIEPEMPMSK:
        o->diepempmsk = reg_merge(o->diepempmsk, off, v, size) & 0xFFFF;
        otg_update_irq(o);
        return;
    case A_DEACHINT: return;
    case A_DEACHINTMSK:
        o->deachintmsk = reg_merge(o->deachintmsk, off, v, size);
        otg_update_irq(o);
        return;
    case A_DIEPEACHMSK1:
        o->diepeachmsk1 = reg_merge(o->diepeachmsk1, off, v, size);
        otg_update_irq(o);
        return;
    case A_DOEPEACHMSK1:
        o->doepeachmsk1 = reg_merge(o->doepeachmsk1, off, v, size);
        otg_update_irq(o);
        return;
    case A_PCGCCTL: o->pcgcctl = reg_merge(o->pcgcctl, off, v, size) & 0x13u; return;
    }
    if (a >= 0x400 && a < 0x800)
        return; /* host mode registers */
    device_unimp(d, off, true, v);
}

static void otg_reset(device *d, reset_kind kind)
{
    stm32_otg *o = container_of(d, stm32_otg, dev);
    (void)kind;
    o->gotgctl = 0x00000800u;
    o->gotgint = 0;
    o->gahbcfg = 0;
    o->gusbcfg = 0x00000A00u;
    o->grstctl = 0;
    o->gintsts = 0x04000020u & ~GINTSTS_RO_MASK;
    o->gintmsk = 0;
    o->grxfsiz = 0x200;
    o->dieptxf0 = 0x200;
    o->gccfg = 0;
    o->cid = 0x1200;
    o->hptxfsiz = 0x02000600u;
    for (int n = 1; n < OTG_NEP; n++)
        o->dieptxf[n] = 0x02000400u;
    o->pcgcctl = 0;
    o->dcfg = 0x02200000u;
    o->dctl = 0;
    o->dsts = 0x10;
    o->diepmsk = o->doepmsk = o->daintmsk = 0;
    o->dvbusdis = 0x17D7;
    o->dvbuspulse = 0x5B8;
    o->dthrctl = 0;
    o->diepempmsk = o->deachintmsk = o->diepeachmsk1 = o->doepeachmsk1 = 0;
    memset(o->in, 0, sizeof(o->in));
    memset(o->out, 0, sizeof(o->out));
    o->in[0].ctl = R_EPCTL_USBAEP_MASK;
    o->out[0].ctl = R_EPCTL_USBAEP_MASK;
    for (int n = 0; n < OTG_NEP; n++)
        otg_txf_flush(o, n);
    rx_flush(o);
    otg_update_irq(o);
    check_connection(o);
}

static const reg_name otg_regs[] = {
    REGS_NAMES(OTG_REGS)
    {0x918, "DTXFSTS%u", 0x20, OTG_NEP, 0},
    {0x1000, "FIFO%u", 0x1000, OTG_NEP, 0},
    {0},
};
static const state_field otg_state[] = {
    REGS_STATE(OTG_REGS)
    STATE("rx_head", rx_head)
    STATE("rx_count", rx_count)
    STATE("rx_words", rx_words)
    STATE("cur_read", cur_read)
    STATE("connected", connected)
    {0},
};
static const line_desc otg_lines[] = {
    LINE_OUT("irq", irq)
    LINE_OUT("ep1_out", irq_ep1_out)
    LINE_OUT("ep1_in", irq_ep1_in)
    {0},
};

const device_class otg_class = {
    .type = "stm32f2-otg-hs", .size = OTG_HS_SIZE, .read = otg_read, .write = otg_write,
    .reset = otg_reset, .regs = otg_regs, .state = otg_state, .lines = otg_lines,
};

void otg_init(stm32_otg *o, const char *name)
{
    memset(o, 0, sizeof(*o));
    device_init(&o->dev, &otg_class, name);
    o->port.ops = &otg_port_ops;
    o->port.dev = o;
}
