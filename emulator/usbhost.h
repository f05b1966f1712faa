/* A USB host controller with one root-hub port, in virtual time: what a PC
 * does at the other end of the Photon's USB cable. It debounces a new
 * connection, resets the bus, sends a SOF every millisecond, enumerates the
 * device (device and configuration descriptors, address, strings,
 * SET_CONFIGURATION) and then runs transfers for a client (the USB/IP
 * server): control transfers stage by stage, bulk and interrupt transfers
 * packet by packet. A NAKed transaction is retried when the device model
 * signals that the endpoint changed (usb_port kick), never by polling.
 * Like a real port, it takes the pull-up going away for a disconnect only
 * when that lasts TDDIS (2.5 us): firmware that toggles its soft
 * disconnect for a few cycles is not seen leaving. */
#ifndef PHOTON_USBHOST_H
#define PHOTON_USBHOST_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "usbport.h"

struct machine;

#define USBH_MAX_CONFIG 4096
#define USBH_MAX_LISTENERS 4

/* One transfer request (Linux calls it an URB). */
typedef struct usb_urb usb_urb;
struct usb_urb {
    /* request */
    uint8_t ep;        /* endpoint address: number, | 0x80 for IN; 0 for control */
    uint8_t setup[8];  /* control transfers */
    uint8_t *buf;      /* data: IN capacity / OUT bytes */
    uint32_t len;
    bool zero_packet;  /* bulk/interrupt OUT: a multiple of the packet size ends with a ZLP */
    void (*done)(usb_urb *u); /* called once, from virtual time (an event) */
    void *ctx;
    /* result */
    int status;       /* 0 or a negative errno as Linux reports it: -EPIPE (stall),
                         -ENODEV (gone), -EOVERFLOW (babble), -ESHUTDOWN, -EPROTO */
    uint32_t actual;  /* bytes transferred in the data stage */
    /* host private */
    usb_urb *next;
    int stage;
    uint32_t data_len;
    bool internal;
};

typedef enum {
    USBH_ATTACHED, /* enumerated and configured: ready for clients */
    USBH_DETACHED, /* gone (disconnect, cable unplugged, re-enumeration) */
    USBH_RESET_DONE, /* a port reset kept the same device: transfers that it
                      ended (-ESHUTDOWN) may be submitted again */
} usbhost_event;

typedef enum {
    USBH_NO_DEVICE,
    USBH_DEBOUNCE,
    USBH_RESET,
    USBH_RECOVERY,
    USBH_ENUMERATING,
    USBH_READY,
    USBH_FAILED,
} usbhost_state;

typedef struct usbhost_pipe {
    usb_urb *head, *tail;
    bool waiting; /* NAKed: wait for a kick */
} usbhost_pipe;

typedef struct usbhost {
    struct machine *m;
    usb_port *port;
    bool cable;          /* plugged in */
    usbhost_state state;
    clock_event state_ev, sof_ev, xfer_ev, timeout_ev, disc_ev;
    unsigned frame;
    bool sof_on;
    /* pipes: 0 = control, 1..15 OUT, 17..31 IN */
    usbhost_pipe pipe[32];
    unsigned rr;
    /* the device as enumerated */
    unsigned devnum, next_devnum;
    unsigned mps0;
    uint8_t dev_desc[18];
    uint8_t config[USBH_MAX_CONFIG];
    unsigned config_len;
    uint16_t langid;
    char manufacturer[128], product[128], serial[128];
    uint8_t ep_type[32];  /* by pipe index: 0 none, else USB type + 1 */
    uint16_t ep_mps[32];
    uint32_t claimed;     /* pipes a host-side class driver holds (usbhost_claim) */
    /* enumeration in progress */
    int enum_step;
    int enum_tries;
    usb_urb enum_urb;
    uint8_t enum_buf[USBH_MAX_CONFIG];
    usb_urb *reset_urb;  /* a client's port reset waiting for re-enumeration */
    uint8_t old_dev_desc[18];
    uint8_t old_config[USBH_MAX_CONFIG];
    unsigned old_config_len;
    struct {
        void (*fn)(void *ctx, struct usbhost *h, usbhost_event ev);
        void *ctx;
    } listeners[USBH_MAX_LISTENERS];
    int nlisteners;
    /* statistics */
    uint64_t transactions, naks, bytes, enumerations;
} usbhost;

/* A host on `port` (the cable starts unplugged). */
void usbhost_init(usbhost *h, struct machine *m, usb_port *port);
/* Unplug, fail what is queued, disarm the host's events. */
void usbhost_free(usbhost *h);
void usbhost_listen(usbhost *h, void (*fn)(void *, usbhost *, usbhost_event), void *ctx);
void usbhost_unlisten(usbhost *h, void (*fn)(void *, usbhost *, usbhost_event), void *ctx);
/* Plug or unplug the cable (VBUS and the data lines). */
void usbhost_plug(usbhost *h, bool plugged);
/* Enumerated and ready for transfers. */
static inline bool usbhost_ready(const usbhost *h)
{
    return h->state == USBH_READY;
}
/* Queue a transfer. Returns 0, or a negative errno at once (-ENODEV no
 * device, -EPIPE no such endpoint, -EINVAL bad request); `done` is then
 * not called. */
int usbhost_submit(usbhost *h, usb_urb *u);
/* Take back a transfer that has not completed (`done` is not called).
 * Returns false if it is not queued here. */
bool usbhost_cancel(usbhost *h, usb_urb *u);
/* Reset the port and enumerate again (SET_FEATURE(PORT_RESET) of a hub).
 * `u->done` runs when done: status 0 if the device came back with the same
 * descriptors, -ENODEV if it changed or vanished (then listeners also see
 * DETACHED and, for a new device, ATTACHED). */
int usbhost_port_reset(usbhost *h, usb_urb *u);
/* A class driver of the host (the CDC-ACM bridge) holds an endpoint, as a
 * kernel driver bound to an interface does: other clients (USB/IP) are
 * refused it. Endpoint 0 is shared by everyone and never claimed. */
void usbhost_claim(usbhost *h, uint8_t ep, bool claim);
bool usbhost_claimed(const usbhost *h, uint8_t ep);
/* Pipe index of an endpoint address. */
static inline unsigned usbhost_pipe_of(uint8_t ep)
{
    return (ep & 0x0Fu) == 0 ? 0 : (ep & 0x0Fu) | ((ep & 0x80u) ? 16u : 0u);
}
const char *usbhost_state_name(usbhost_state s);

#endif
