/* SDIO host controller (RM0033 section 25): the command path state machine
 * (CPSM), the data path (DPSM) with its 32-word FIFO, the DMA request, and
 * the card's interrupt (DAT1). The card behind it is a separate model
 * reached through sdio_card_ops; with no card every command that expects
 * a response times out, as on a board whose card does not answer. */
#ifndef PHOTON_SDIO_H
#define PHOTON_SDIO_H

#include "clock.h"
#include "device.h"
#include "dma.h"

#define SDIO_BASE 0x40012C00u
#define SDIO_FIFO_WORDS 32
#define SDIO_DMA_ROUTES 2

/* What the host needs from a card (an SD or SDIO card model). */
enum {
    SDIO_NO_RESPONSE,   /* the card did not answer: the host times out */
    SDIO_RESPONSE,      /* a response with its CRC */
    SDIO_RESPONSE_NOCRC /* R3/R4: no CRC (the STM32 reports CCRCFAIL) */
};

typedef struct sdio_card_ops {
    /* A command with its argument; fills resp[] and says how it answered. */
    int (*command)(void *card, uint32_t index, uint32_t arg, uint32_t resp[4]);
    /* The data phase the card is in after its last command: bytes it still
     * sends (read, > 0), expects (write, < 0), or 0 for none. */
    int32_t (*data_pending)(void *card);
    /* Card -> host: fill buf with n bytes of the current data phase. */
    void (*read)(void *card, uint8_t *buf, uint32_t n);
    /* Host -> card: n bytes of the current data phase. */
    void (*write)(void *card, const uint8_t *buf, uint32_t n);
} sdio_card_ops;

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
    irq_line irq;
    dma_request dma[SDIO_DMA_ROUTES]; /* where the DMA request goes */
    int ndma;
    bool dma_req;          /* the request's level */
    uint64_t commands;
} stm32_sdio;

void sdio_init(stm32_sdio *s);
/* The card's interrupt line: SDIOIT is set on each assertion. */
void sdio_card_interrupt(stm32_sdio *s, bool level);
/* The card's data phase changed on its own (it has data now). */
void sdio_card_data_changed(stm32_sdio *s);

#endif
