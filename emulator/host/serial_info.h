/* Where a running simulator tells `photon-sim usb -- COMMAND` about its USB
 * serial, so that programs which find serial ports the Linux way (node
 * serialport runs `udevadm info -e`) find the emulated one: a small file
 * per USB/IP port,
 *   $XDG_RUNTIME_DIR/photon-sim/usbip-PORT.serial
 *   (or /tmp/photon-sim-UID/usbip-PORT.serial),
 * with `key=value` lines: tty (the pty), bound (1 while the device's CDC
 * function is there, as /dev/ttyACM0 exists only then), vendor, product,
 * serial, manufacturer, product_name. Rewritten (atomically) when the
 * function comes or goes; removed when the simulator ends.
 * `photon-sim usb` puts a `udevadm` that reads it first on the command's
 * PATH (cli_udevadm.c). */
#ifndef PHOTON_HOST_SERIAL_INFO_H
#define PHOTON_HOST_SERIAL_INFO_H

#include <stdbool.h>
#include <stddef.h>

#include "chardev.h"
#include "usbhost.h"

typedef struct serial_info {
    chardev *cd;
    usbhost *h;
    char path[512];
    char tty[64];
} serial_info;

/* The directory for the files (created, mode 0700); false if impossible. */
bool serial_info_dir(char *buf, size_t n);
/* The file for a USB/IP port. */
bool serial_info_path(int usbip_port, char *buf, size_t n);
/* Publish `tty` (fronted by cd, on host h) under usbip_port. */
int serial_info_start(serial_info *si, chardev *cd, usbhost *h, int usbip_port,
                      const char *tty, char *err, size_t errlen);
void serial_info_stop(serial_info *si);

#endif
