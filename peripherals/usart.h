/* USART (RM0033 section 24): its TX and RX pins are a serial port (a
 * chardev) whose backends the host attaches (a terminal, a file, a
 * scenario's matcher): bytes go out at the configured baud rate, received
 * bytes arrive at that rate too. Lines: output "irq". */
#ifndef PHOTON_USART_H
#define PHOTON_USART_H

#include "chardev.h"
#include "clock.h"
#include "device.h"
#include "rcc.h"

typedef struct stm32_usart {
    device dev;
    int apb; /* 1 or 2: which peripheral clock */
    stm32_rcc *rcc;
    uint32_t sr, dr_rx, brr, cr1, cr2, cr3, gtpr;
    bool tx_busy;     /* shift register busy */
    bool tdr_full;    /* a byte waits in the data register */
    uint8_t tdr, shift;
    clock_event tx_ev, rx_ev;
    bool rx_pending; /* rx_byte is on its way in */
    uint8_t rx_byte;
    line irq;
    chardev serial; /* the TX and RX pins */
    uint64_t tx_bytes, rx_bytes, rx_lost;
} stm32_usart;

extern const device_class usart_class;
void usart_init(stm32_usart *u, const char *name, int apb, stm32_rcc *rcc);
void usart_free(stm32_usart *u);
/* Time one character takes on the wire. */
uint64_t usart_char_time_ps(const stm32_usart *u);

#endif
