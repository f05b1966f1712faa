/* The host's CDC-ACM class driver (what Linux's cdc_acm does for
 * /dev/ttyACM0): it binds to the first CDC ACM function of the device the
 * emulated USB host (usbhost.h) has configured, and bridges its data
 * interface to a chardev (emulator/core/chardev.h) whose backends are a
 * pty, the scenario runner, ...: the chardev stays when the device goes
 * away, so a terminal on the pty survives resets and DFU round trips.
 *
 * As cdc_acm does:
 *   - at bind, SET_LINE_CODING 9600 8N1 (the default of a new ttyACM),
 *     or, when a program holds the port open across the device's
 *     re-enumeration, the line coding it asked for (a terminal program
 *     that reopens the port and sets its speed again);
 *   - while a host program has the stream open (chardev CHARDEV_OPENED),
 *     SET_CONTROL_LINE_STATE with DTR and RTS, and bulk IN reads; on the
 *     last close DTR and RTS drop (HUPCL) and the reads stop, so the
 *     device sees a closed port and keeps its output;
 *   - a line coding the host asks for (a terminal's termios: 14400 or
 *     28800 baud mean something to Device OS) goes out as
 *     SET_LINE_CODING when it differs from the last one sent; DTR/RTS
 *     changes as SET_CONTROL_LINE_STATE;
 *   - host input goes out as bulk OUT transfers, one at a time (flow
 *     control: the chardev keeps the rest queued).
 *
 * Sharing the device with USB/IP clients (the Particle CLI's vendor
 * requests while a terminal is open): endpoint 0 is shared, as on a real
 * host where cdc_acm and libusb both send control requests. Every control
 * transfer, whoever submits it, waits in the host's one control pipe and
 * runs alone, setup to status stage, in submission order. The bulk and
 * interrupt endpoints of the bound function are claimed
 * (usbhost_claim): a USB/IP client that submits to them gets -EBUSY, as
 * usbfs refuses an interface a kernel driver holds. `--usb-serial none`
 * leaves them free (then a real host's cdc_acm can have them through
 * `usbip attach`). */
#ifndef PHOTON_HOST_CDC_ACM_H
#define PHOTON_HOST_CDC_ACM_H

#include <stdbool.h>
#include <stdint.h>

#include "chardev.h"
#include "usbhost.h"

#define CDC_ACM_READS 2      /* bulk IN transfers kept in flight */
#define CDC_ACM_WRITE 1024   /* bytes per bulk OUT transfer */

typedef struct cdc_acm cdc_acm;

typedef struct cdc_acm_urb {
    usb_urb u;
    cdc_acm *a;
    bool busy;
    uint8_t buf[CDC_ACM_WRITE];
} cdc_acm_urb;

struct cdc_acm {
    usbhost *h;
    chardev *cd;
    bool bound;
    uint8_t comm_if, data_if;
    uint8_t ep_in, ep_out, ep_notify;
    uint16_t mps_in;
    bool open;               /* a host program has the stream open */
    chardev_params line;     /* the line coding last sent to the device */
    chardev_params want;     /* the line coding to send */
    chardev_params req;      /* the line coding the host asked for last */
    bool has_req;
    unsigned ctrl_sent;      /* DTR/RTS last sent */
    bool line_dirty, ctrl_dirty;
    cdc_acm_urb ctrl;        /* one class request at a time */
    cdc_acm_urb rx[CDC_ACM_READS];
    cdc_acm_urb tx;
    cdc_acm_urb notify;
    /* statistics */
    uint64_t bytes_in, bytes_out, dropped, binds;
};

/* Listen on `h` and front `cd` (the chardev outlives binds and unbinds). */
void cdc_acm_init(cdc_acm *a, usbhost *h, chardev *cd);
/* Unbind and let go of the chardev (before the host is freed). */
void cdc_acm_free(cdc_acm *a);

#endif
