/* The Photon's serial ports as the host sees them: two chardevs
 * (emulator/core/chardev.h),
 *   "usb"    the USB CDC serial; its frontend is the host's CDC-ACM driver
 *            (cdc_acm.h) once a USB host is on the cable;
 *   "usart1" the TX/RX pins; its frontend is the USART1 model;
 * and their backends as the user routes them: a pty (pty.h), a file,
 * stdout, or none. Several backends may listen to one port (a pty and the
 * scenario runner). A file or stdout is a reader that has the port open
 * for the whole run (DTR up), as `cat /dev/ttyACM0 > FILE` would. */
#ifndef PHOTON_PHOTON_SERIAL_H
#define PHOTON_PHOTON_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "photon.h"
#include "chardev.h"
#include "cdc_acm.h"
#include "pty.h"
#include "runner.h"

#define SERIAL_MAX_SINKS 4

typedef struct serial_sink {
    FILE *f;
    bool close; /* ours to close */
} serial_sink;

typedef struct photon_serial {
    photon *p;
    chardev usb, usart1;
    serial_pty *ptys[SERIAL_MAX_SINKS];
    serial_sink sinks[SERIAL_MAX_SINKS];
    int nptys, nsinks;
    cdc_acm acm;     /* the front of "usb", once attached to a USB host */
    bool acm_on;
} photon_serial;

/* The two chardevs; USART1 becomes the frontend of "usart1". */
void photon_serial_init(photon_serial *s, photon *p);
/* Where a port goes: "pty" (a pty, *pty set; `link` names a symlink to
 * it), "stdout", "none", or a file name (created). 0, or -1 with a
 * message. */
int photon_serial_route(photon_serial *s, chardev *cd, runner *r, const char *where,
                        const char *link, serial_pty **pty, char *err, size_t errlen);
/* The host's CDC-ACM driver on `h` fronts "usb" from now on. */
void photon_serial_attach_usb(photon_serial *s, usbhost *h);
/* The CDC-ACM driver lets go (before the USB host is freed). */
void photon_serial_detach_usb(photon_serial *s);
/* Backends closed and freed, USART1 let go (after the last runner_run). */
void photon_serial_free(photon_serial *s);

#endif
