/* The USB host model's insides, shared by usbhost.c (the transfer engine,
 * the port) and usbhost_enum.c (enumeration). */
#ifndef PHOTON_USBHOST_INTERNAL_H
#define PHOTON_USBHOST_INTERNAL_H

#include "usbhost.h"

#define SET_ADDRESS_PS (2 * PS_PER_MS)
#define ENUM_TIMEOUT_PS (5 * PS_PER_S)
#define ENUM_TRIES 3

/* Enumeration steps */
enum {
    E_DEV8,
    E_ADDRESS,
    E_DEV18,
    E_CFG9,
    E_CFG,
    E_LANG,
    E_MANUFACTURER,
    E_PRODUCT,
    E_SERIAL,
    E_SETCFG,
    E_DONE,
};

void uh_enqueue(usbhost *h, usb_urb *u);
bool uh_end_reset_urb(usbhost *h);
void uh_notify(usbhost *h, usbhost_event ev);
uint64_t uh_now(usbhost *h);
double uh_now_ms(usbhost *h);
void uh_sof_stop(usbhost *h);
void uh_start_reset(usbhost *h);
void uh_enum_next(usbhost *h, int step);
void uh_enum_start(usbhost *h);
/* The enumeration took too long (a clock event). */
void uh_enum_timeout(void *arg);

#endif
