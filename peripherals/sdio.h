/* SDIO host controller (RM0033 section 25): the command path state machine
 * (CPSM), the data path (DPSM) with its 32-word FIFO, the DMA request, and
 * the card's interrupt (DAT1). Lines: outputs "irq", "dma" (the DMA
 * request, a level) and "dma_end" (a pulse when a peripheral-controlled
 * transfer is over); input "card_irq" (DAT1). The card behind it is a
 * separate model reached through sdio_card_ops (sdiocard.h); with no card every command
 * that expects a response times out, as on a board whose card does not
 * answer. */
#ifndef PHOTON_SDIO_H
#define PHOTON_SDIO_H

#include "clock.h"
#include "device.h"
#include "sdiocard.h"

#define SDIO_FIFO_WORDS 32

typedef struct stm32_sdio {
    device dev;
    uint32_t power, clkcr, arg, cmd, respcmd, resp[4], dtimer, dlen, dctrl;
    uint32_t sta, mask;
    /* data path */
    bool dpsm;             /* a data transfer is in progress */
    bool rx;               /* its direction: card to host */
    bool dma_end_due;      /* DMA to be told the end when the FIFO is empty */
    uint32_t dcount;       /* bytes still to move between card and FIFO */
    uint32_t fifocnt;      /* words still to move between FIFO and the bus */
    uint32_t fifo[SDIO_FIFO_WORDS];
    unsigned fifo_n;
    clock_event dtimeout_ev;
    /* the card and the wires */
    const sdio_card_ops *card_ops;
    void *card;
    bool card_irq;         /* the card's interrupt line (DAT1) */
    line irq;
    line dma, dma_end;     /* to the DMA streams the SoC wires */
    bool dma_req;          /* the request's level */
    uint64_t commands;
} stm32_sdio;

extern const device_class sdio_class;
void sdio_init(stm32_sdio *s, const char *name);
/* The card's interrupt line: SDIOIT is set on each assertion. */
void sdio_card_interrupt(stm32_sdio *s, bool level);
/* The card's data phase changed on its own (it has data now). */
void sdio_card_data_changed(stm32_sdio *s);

#endif
