/* The Photon's USB cable to the outside: a host controller model on the
 * OTG_HS port (usbhost.h) and a USB/IP server on TCP (Linux's usbip
 * protocol), so that `usbip attach` or the userspace libusb shim in tools/
 * (`photon-sim usb -- dfu-util ...`) reach the emulated device. Also runs
 * host commands (dfu-util through the shim) for scenario steps.
 *
 * All socket and pipe I/O happens in a runner poller, between slices of
 * virtual time; nothing runs on other threads.
 *
 * Virtual time while a host program talks to the device: without clients
 * the simulator runs as fast as it can, as always (deterministic). While a
 * client is connected (and for one wall-clock second after the last one
 * left, or while a host command runs) the link holds the runner's
 * host-paced time (runner.h): slices shrink to 1 ms of virtual time;
 * between transfers virtual time may not run ahead of the wall clock, so the firmware sees the host's think time
 * as real time rather than as minutes of idle; while a transfer is in
 * flight the machine may run up to 5 s ahead of the wall clock (a 1 s flash
 * erase inside a DFU request takes milliseconds), no more, so a request the
 * device never answers cannot race virtual time while the host waits for
 * its own timeout. The same holds with --realtime (or the window): its
 * pacing restarts after a transfer instead of making up for the lead.
 *
 * Scenario steps (emulator/scenario_usb_steps.c uses this; so does
 * tests/unit/test_usb_link.c, without the scenario runner):
 *   once, after runner_init:  l = usb_link_start(&r, &(usb_link_opts){.port = 0}, ...)
 *   usb-attached [timeout]:   ok = usb_link_wait_attached(l, true, now + timeout)
 *   usb-detached [timeout]:   ok = usb_link_wait_attached(l, false, now + timeout)
 *   dfu ARGS:                 c = usb_command_start(l, {"dfu-util", ARGS..., NULL}, dir, echo, ...)
 *                             usb_command_wait(c, now + timeout); check c->status and
 *                             c->output; usb_command_free(c)
 *   (cable, if wanted):       usb_link_plug(l, false / true)
 *   after the last runner_run: usb_link_free(l)
 * where now = machine_now(m). The waits run the runner themselves. */
#ifndef PHOTON_USBIP_H
#define PHOTON_USBIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runner.h"
#include "usbhost.h"
#include "usbip_proto.h"

#define USBIP_DEFAULT_PORT 3240
#define USBIP_BUSID "1-1"
#define USB_MAX_COMMANDS 4

typedef struct usb_link_opts {
    const char *bind; /* address to listen on (default 127.0.0.1) */
    int port;         /* 0: a free port; < 0: no server (cable and host only) */
    bool announce;    /* print attach/detach and the listening address on stdout */
} usb_link_opts;

typedef struct usb_command usb_command;
typedef struct usb_link usb_link;

struct usb_command {
    pid_t pid;
    int out_fd;         /* the child's stdout and stderr, merged */
    char *output;
    size_t output_len, output_cap;
    bool echo;          /* also copy the output to our stdout */
    bool exited;
    int status;         /* exit code, or 128 + signal */
    usb_link *link;
};

struct usb_link {
    runner *r;
    usbhost host;
    usbip_proto proto;
    int listen_fd;
    int port;
    bool announce;
    /* pacing (runner_pace_hold) */
    bool paced;
    bool was_busy;
    double last_client_wall;
    /* waits (usb_link_wait_*) */
    int wait_attached; /* -1 none, 0 detached, 1 attached */
    usb_command *wait_cmd;
    usb_command *cmds[USB_MAX_COMMANDS];
    /* statistics */
    uint64_t clients, urbs;
};

/* Plug the cable into the runner's Photon and (port >= 0) start the USB/IP
 * server. The link lives as long as the runner (its poller stays
 * registered). Returns NULL with a message on failure. */
usb_link *usb_link_start(runner *r, const usb_link_opts *o, char *err, size_t errlen);
/* The TCP port the server listens on (useful with port 0), or -1. */
int usb_link_port(const usb_link *l);
/* The device is enumerated and exported (what `usb-attached` waits for). */
bool usb_link_attached(const usb_link *l);
/* Plug or unplug the cable. */
void usb_link_plug(usb_link *l, bool plugged);
/* Run the machine until the device is attached (true) / detached (false)
 * or virtual time reaches `deadline_ps`. Returns whether the state was
 * reached. */
bool usb_link_wait_attached(usb_link *l, bool attached, uint64_t deadline_ps);

/* Run `argv` (e.g. dfu-util and its arguments) in directory `dir` (NULL:
 * the current one) with the libusb shim pointed at this link's server,
 * output captured (and echoed if `echo`). */
usb_command *usb_command_start(usb_link *l, char *const argv[], const char *dir, bool echo,
                               char *err, size_t errlen);
/* Run the machine until the command exits or virtual time reaches
 * `deadline_ps` (then the command is killed). Returns true if it exited
 * by itself. */
bool usb_command_wait(usb_command *c, uint64_t deadline_ps);
void usb_command_free(usb_command *c);

/* Stop the server and unplug; call after the runner is done. */
void usb_link_free(usb_link *l);

/* The libusb shim: its path (NULL if not found) and the environment that
 * points a program at a server. */
const char *usb_shim_path(void);
/* Set LD_PRELOAD (prepending the shim) and PHOTON_USBIP in this process's
 * environment (for exec). Returns 0 or -1 with a message. */
int usb_shim_setenv(const char *host, int port, char *err, size_t errlen);

#endif
