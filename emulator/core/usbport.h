/* The USB cable between a host controller and a device function, at the
 * level of bus transactions (USB 2.0 chapter 8): the host resets the bus,
 * sends start-of-frame markers and runs SETUP, OUT and IN transactions;
 * the device answers each with a handshake (ACK, NAK, STALL).
 *
 * The device model (peripherals/otg.c) implements usb_device_ops; the host
 * (emulator/host/usbhost.c) sets the callbacks through which the device tells it
 * that the pull-up changed or that an endpoint may now accept a transaction
 * it NAKed before (so the host retries on events, never by polling). */
#ifndef CORE_USBPORT_H
#define CORE_USBPORT_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    USB_ACK,   /* data accepted / delivered */
    USB_NAK,   /* endpoint busy: try again later */
    USB_STALL, /* endpoint halted or request not supported */
    USB_NONE,  /* no answer: the device is not on the bus */
} usb_handshake;

typedef struct usb_device_ops {
    /* D+ pulled up: the device is visible on the bus. */
    bool (*connected)(void *dev);
    /* The host drives a bus reset (SE0) (`active`) or ends it. */
    void (*bus_reset)(void *dev, bool active);
    /* A start-of-frame token with the 11-bit frame number. */
    void (*sof)(void *dev, unsigned frame);
    /* SETUP to endpoint 0: 8 bytes. */
    usb_handshake (*setup)(void *dev, const uint8_t pkt[8]);
    /* OUT data packet to endpoint `ep` (0-15). */
    usb_handshake (*out)(void *dev, int ep, const uint8_t *data, unsigned len);
    /* IN token to endpoint `ep`: on ACK, up to `max` bytes in buf, *len set. */
    usb_handshake (*in)(void *dev, int ep, uint8_t *buf, unsigned max, unsigned *len);
} usb_device_ops;

typedef struct usb_port {
    const usb_device_ops *ops;
    void *dev;
    /* Set by the host. */
    void (*connect_changed)(void *host);
    void (*kick)(void *host);
    void *host;
} usb_port;

static inline void usb_port_connect_changed(usb_port *p)
{
    if (p && p->connect_changed)
        p->connect_changed(p->host);
}

static inline void usb_port_kick(usb_port *p)
{
    if (p && p->kick)
        p->kick(p->host);
}

#endif
