/* SDIO host controller (RM0033 section 25), command path. With no card
 * attached every command that expects a response times out, as on a
 * board whose Wi-Fi chip does not answer. */
#ifndef PHOTON_SDIO_H
#define PHOTON_SDIO_H

#include "device.h"


/* A card behind the controller (the BCM43362 model plugs in here). */
typedef struct sdio_card_ops {
    /* Returns false when the card does not answer (timeout). */
    bool (*command)(void *card, uint32_t index, uint32_t arg, uint32_t resp[4]);
} sdio_card_ops;

typedef struct stm32_sdio {
    device dev;
    uint32_t power, clkcr, arg, cmd, respcmd, resp[4], dtimer, dlen, dctrl;
    uint32_t sta, mask;
    const sdio_card_ops *card_ops;
    void *card;
    line irq;
    uint64_t commands;
} stm32_sdio;

extern const device_class sdio_class;
void sdio_init(stm32_sdio *s, const char *name);

#endif
