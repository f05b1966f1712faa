/* The scenario's serial ports (scenario_serial_ports.c): the Photon's
 * "usart1" and "usb" chardevs (photon_serial.h), fed into the scenario's
 * serial evidence (scn_serial_feed) by an attach hook. The USB serial is
 * there only once a step uses it: then the cable is plugged into the
 * scenario's USB host (the same one as the usb-* and dfu steps), the
 * host's CDC-ACM driver binds to the device's serial function whenever it
 * enumerates, and the scenario holds the port open as a terminal program
 * would (DTR up), so the firmware's output flows. */
#ifndef PHOTON_SCENARIO_SERIAL_H
#define PHOTON_SCENARIO_SERIAL_H

#include <stdbool.h>

#include "chardev.h"
#include "pty.h"
#include "scenario.h"
#include "usbip.h"

/* The port `name` ("usb" or "usart1"), set up and opened on first use;
 * the USB serial must be there (the scenario runs until the device's CDC
 * function binds, within the step timeout). NULL with a note in the
 * report for an unknown name, when the USB host cannot start, or when no
 * USB serial appears. */
chardev *scn_serial_port_open(scn *s, const char *name);
/* A pty on the port for a host program (ymodem-send), made on first use. */
serial_pty *scn_serial_pty(scn *s, const char *name);
/* The scenario's USB link, plugged in on first use (scenario_usb_steps.c). */
usb_link *scn_usb_link(scn *s, bool *created);

#endif
