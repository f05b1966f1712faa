/* DMA controllers DMA1/DMA2 (RM0033 section 9): 8 streams each. */
#ifndef PHOTON_DMA_H
#define PHOTON_DMA_H

#include "device.h"


typedef struct dma_stream {
    uint32_t cr, ndtr, par, m0ar, m1ar, fcr;
} dma_stream;

typedef struct stm32_dma {
    device dev;
    int index; /* 1 or 2 */
    uint32_t isr[2];
    dma_stream s[8];
    line irq[8];
} stm32_dma;

extern const device_class dma_class;
void dma_init(stm32_dma *d, const char *name, int index);
/* A peripheral with a DMA request on `stream`: move up to `len` bytes
 * between its data register and memory, as the stream is configured.
 * For peripheral-to-memory `buf` is read, otherwise it is filled.
 * Returns the bytes moved (0 if the stream is not enabled). */
uint32_t dma_peripheral_transfer(stm32_dma *d, int stream, uint8_t *buf,
                                 uint32_t len);
bool dma_stream_enabled(const stm32_dma *d, int stream);

#endif
