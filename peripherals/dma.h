/* DMA controllers DMA1/DMA2 (RM0033 section 9): 8 streams each, one model
 * for every stream of both controllers.
 *
 * A peripheral raises a request on a stream and channel (the board's
 * request table says which); while it is high and the stream is enabled
 * with that channel selected, the stream moves data between the
 * peripheral's register (PAR) and memory through the bus, as a real
 * stream does a beat at a time. The DMA is the flow controller unless
 * PFCTRL is set: then the peripheral ends the transfer (dma_request_end).
 * Memory-to-memory transfers (DMA2 only) run when the stream is enabled. */
#ifndef PHOTON_DMA_H
#define PHOTON_DMA_H

#include "clock.h"
#include "device.h"

#define DMA1_BASE 0x40026000u
#define DMA2_BASE 0x40026400u
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
    irq_line irq[DMA_STREAMS];
    /* streams with something to do, and a guard against re-entry (a beat
     * reads or writes a peripheral, which may change its request) */
    uint8_t pending;
    bool busy;
} stm32_dma;

/* A peripheral's DMA request wire to one stream of one controller. */
typedef struct dma_request {
    stm32_dma *dma;
    int stream, channel;
} dma_request;

void dma_init(stm32_dma *d, int index);
/* The peripheral's request is `active` (level: high while it has data for
 * the DMA, or room for data from it). */
void dma_request_set(const dma_request *r, bool active);
/* Peripheral flow control: the peripheral's transfer is complete (its
 * last data has been moved); a stream with PFCTRL finishes. */
void dma_request_end(const dma_request *r);
bool dma_stream_enabled(const stm32_dma *d, int stream);

#endif
