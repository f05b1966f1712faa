/* The SD/SDIO bus between a host controller and a card, at the level of
 * commands and data phases (SD Physical Layer and SDIO specifications): the
 * host sends a command with its argument and gets the card's response; a
 * data command opens a data phase in which the host reads or writes bytes.
 *
 * The card model (a Wi-Fi chip in peripherals/chips/) implements sdio_card_ops;
 * the host controller (peripherals/sdio.c) calls them. The card's interrupt
 * (DAT1) is a line from the card to the controller's "card_irq" input. */
#ifndef CORE_SDIOCARD_H
#define CORE_SDIOCARD_H

#include <stdint.h>

/* How a card answered a command. */
enum {
    SDIO_NO_RESPONSE,   /* the card did not answer: the host times out */
    SDIO_RESPONSE,      /* a response with its CRC */
    SDIO_RESPONSE_NOCRC /* R3/R4: no CRC (a host may report a CRC failure) */
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

#endif
