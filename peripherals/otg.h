/* USB OTG_HS (RM0033 section 28): the Synopsys DWC2 core in device mode,
 * full speed through the embedded PHY, slave mode (the CPU moves FIFO
 * data). Lines: outputs "irq" (OTG_HS global), "ep1_out", "ep1_in" (the
 * dedicated EP1 interrupts). The bus side is the usb_port (usbport.h): a host model
 * resets the bus, sends SOFs and runs SETUP/OUT/IN transactions, which
 * this model answers from its registers and FIFOs like the core does. */
#ifndef PHOTON_OTG_H
#define PHOTON_OTG_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"
#include "usbport.h"

#define OTG_HS_SIZE 0x40000u
#define OTG_NEP 6           /* endpoints 0-5 in each direction */
#define OTG_FIFO_WORDS 1024 /* 4 KB of FIFO RAM */
#define OTG_RXQ 48          /* receive status entries */
#define OTG_MAX_PACKET 1024 /* largest data packet the model accepts */

typedef struct otg_rx_entry {
    uint32_t sts;   /* GRXSTSP value */
    uint16_t words; /* data words that follow */
    uint32_t data[OTG_MAX_PACKET / 4];
} otg_rx_entry;

typedef struct otg_txfifo {
    uint32_t w[OTG_FIFO_WORDS];
    unsigned head, count; /* ring */
} otg_txfifo;

typedef struct otg_ep {
    uint32_t ctl, intr, tsiz, dma;
} otg_ep;

typedef struct stm32_otg {
    device dev;
    /* global */
    uint32_t gotgctl, gotgint, gahbcfg, gusbcfg, grstctl, gintsts, gintmsk;
    uint32_t grxfsiz, dieptxf0, gccfg, cid, hptxfsiz, dieptxf[OTG_NEP];
    uint32_t pcgcctl;
    /* device */
    uint32_t dcfg, dctl, dsts, diepmsk, doepmsk, daintmsk, dvbusdis, dvbuspulse;
    uint32_t dthrctl, diepempmsk, deachintmsk, diepeachmsk1, doepeachmsk1;
    otg_ep in[OTG_NEP], out[OTG_NEP];
    otg_txfifo txf[OTG_NEP];
    /* receive FIFO: status entries with their data */
    otg_rx_entry rxq[OTG_RXQ];
    unsigned rx_head, rx_count, rx_words;
    otg_rx_entry cur;   /* the entry popped by GRXSTSP, being read */
    unsigned cur_read;  /* data words already read from it */
    bool connected;     /* as last reported to the host */
    line irq;       /* OTG_HS global */
    line irq_ep1_out, irq_ep1_in; /* dedicated EP1 interrupts */
    usb_port port;
    /* statistics */
    uint64_t setups, out_packets, in_packets, naks;
} stm32_otg;

extern const device_class otg_class;
void otg_init(stm32_otg *o, const char *name);
/* D+ pull-up on: powered transceiver, device mode, no soft disconnect. */
bool otg_pulled_up(const stm32_otg *o);

#endif
