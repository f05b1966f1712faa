/* A pseudo-terminal as a chardev backend (emulator/core/chardev.h): the
 * host's view of a serial port of the emulated Photon. A terminal
 * program (screen, picocom, the Particle CLI through serialport, lrzsz's
 * sb) opens its path (/dev/pts/N, or a stable symlink).
 *
 *   - The pty is made once and outlives the device's resets, DFU round
 *     trips and USB re-enumerations: a terminal stays open.
 *   - A program opening it is a host program opening the port
 *     (chardev_host_event, DTR and RTS up); its last close drops them
 *     (HUPCL) unless another host side holds the port open too, and output
 *     that it did not read is discarded. Output while
 *     no program has it open is discarded too (nobody listens on the line).
 *   - The termios speed and framing it sets (any baud rate, with termios2
 *     BOTHER as serialport sets it) reach the frontend as the line coding
 *     the host asks for (chardev_request_params): when they change, and
 *     each time a program opens the port.
 *   - Flow control: input is read only while the chardev holds less than
 *     PTY_IN_MARK bytes for the model, so a fast writer blocks as on a
 *     real line; output the program does not read stays in a buffer of
 *     PTY_OUT_MAX bytes and then holds the frontend (chardev_write_space).
 *   - When the model side goes away (chardev CHARDEV_CLOSED: the USB
 *     serial left the bus), what programs wrote and the device did not
 *     take is discarded, and so is what they write until it is back, as
 *     with a ttyACM whose device is gone: a sender killed by the hang-up
 *     leaves nothing behind for the device's next life.
 *   - While a program holds it open (and for a second after), the runner
 *     is host-paced (runner.h): YMODEM's and the firmware's timeouts agree.
 *   - The pty starts raw (no echo, no line editing, 8N1) at 9600 baud, the
 *     defaults of a new ttyACM apart from the echo, which would send the
 *     device's output straight back to it.
 * All I/O happens in a runner poller between slices. */
#ifndef PHOTON_HOST_PTY_H
#define PHOTON_HOST_PTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chardev.h"
#include "runner.h"

#define PTY_IN_MARK 4096
#define PTY_OUT_MAX 65536

typedef struct serial_pty serial_pty;

/* Make a pty for `cd` and poll it from `r`; `link` (or NULL) names a
 * symlink to it, replaced if it is a symlink already; `log` (the device's)
 * hears of line-parameter changes. NULL with a message on failure. The pty
 * lives as long as the runner's pollers (free it after the last
 * runner_run). */
serial_pty *serial_pty_open(runner *r, logger *log, chardev *cd, const char *link, char *err,
                            size_t errlen);
const char *serial_pty_path(const serial_pty *p);
/* A program has it open now. */
bool serial_pty_in_use(const serial_pty *p);
void serial_pty_free(serial_pty *p);

#endif
