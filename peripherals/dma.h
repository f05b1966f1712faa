/* DMA controllers DMA1/DMA2 (RM0033 section 9): 8 streams each, one model
 * for every stream of both controllers.
 *
 * Lines: outputs "irq"[stream]; inputs "req"[stream * 8 + channel], a
 * peripheral's request (the SoC's wiring table says which peripheral is on
 * which stream and channel), and "end"[stream * 8 + channel], a pulse that
 * ends a peripheral-controlled transfer. While a request is high and the
 * stream is enabled with that channel selected, the stream moves data
 * between the peripheral's register (PAR) and memory through the bus, as a
 * real stream does a beat at a time. The DMA is the flow controller unless
 * PFCTRL is set: then the peripheral ends the transfer (its "end" pulse).
 * Memory-to-memory transfers (DMA2 only) run when the stream is enabled. */
#ifndef PHOTON_DMA_H
#define PHOTON_DMA_H

#include "clock.h"
#include "device.h"

#define DMA_STREAMS 8

typedef struct dma_stream {
    uint32_t cr, ndtr, par, m0ar, m1ar, fcr;
    /* what the stream does inside, invisible in the registers */
    uint32_t ndtr_load;  /* NDTR at enable: circular reload, half transfer */
    uint32_t pptr, mptr; /* current peripheral and memory addresses */
    uint8_t fifo[16];    /* the 4-word FIFO (packing between the sizes) */
    unsigned fifo_n;
    uint8_t requests;    /* channels whose request is high */
    bool end_pending;    /* the flow-controlling peripheral said "last" */
    /* not reset: */
    struct stm32_dma *owner;
    clock_event resume_ev; /* a busy circular stream continues later */
} dma_stream;

typedef struct stm32_dma {
    device dev;
    int index; /* 1 or 2 */
    uint32_t isr[2];
    dma_stream s[DMA_STREAMS];
    line irq[DMA_STREAMS];
    /* streams with something to do, and a guard against re-entry (a beat
     * reads or writes a peripheral, which may change its request) */
    uint8_t pending;
    bool busy;
} stm32_dma;

extern const device_class dma_class;
void dma_init(stm32_dma *d, const char *name, int index);
bool dma_stream_enabled(const stm32_dma *d, int stream);

#endif
