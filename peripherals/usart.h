/* USART (RM0033 section 24): bytes go to a host sink (console, pty, file)
 * at the configured baud rate; received bytes arrive at that rate too. */
#ifndef PHOTON_USART_H
#define PHOTON_USART_H

#include "clock.h"
#include "device.h"
#include "rcc.h"

#define USART_RXQ 4096

typedef struct stm32_usart {
    device dev;
    int index;
    stm32_rcc *rcc;
    uint32_t sr, dr_rx, brr, cr1, cr2, cr3, gtpr;
    bool tx_busy;     /* shift register busy */
    bool tdr_full;    /* a byte waits in the data register */
    uint8_t tdr, shift;
    clock_event tx_ev, rx_ev;
    uint8_t rxq[USART_RXQ];
    unsigned rx_head, rx_tail;
    line irq;
    void (*tx)(void *ctx, uint8_t byte);
    void *tx_ctx;
    uint64_t tx_bytes, rx_bytes;
} stm32_usart;

void usart_init(stm32_usart *u, int index, stm32_rcc *rcc);
uint32_t usart_base(int index);
/* Queue bytes from the host side; returns how many were accepted. */
unsigned usart_receive(stm32_usart *u, const uint8_t *buf, unsigned len);
/* Time one character takes on the wire. */
uint64_t usart_char_time_ps(const stm32_usart *u);

#endif
