/* photon-sim run: its options, parsed into one struct (cli_run.c runs). */
#ifndef PHOTON_RUN_OPTIONS_H
#define PHOTON_RUN_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "faults.h"
#include "ledpattern.h"
#include "log.h"
#include "netenv.h"
#include "serial_wifi.h"
#include "session.h"
#include "trace.h"
#include "window.h"

/* A --load IMAGE or --raw FILE[@ADDR], applied in command-line order. */
typedef struct flash_write {
    bool raw;
    const char *arg;
} flash_write;

typedef struct run_opts {
    session_opts so;
    flash_write *writes; /* as many as given (argc bounds them) */
    int nwrites;
    bool force, realtime, fast, stats, quiet;
    double hold_setup, timeout, speed; /* seconds; < 0: not given */
    bool until;                        /* --until-led */
    fault_spec power_loss, stuck;      /* effect NONE: not given */
    fault_timed brownout, iwdg_expire;
    led_pattern want;
    const char *led_trace, *usart, *logfile, *trace_file;
    unsigned logmask;
    int usbip_port; /* < 0: no USB/IP */
    const char *usbip_bind;
    const char *usb_serial, *serial_link; /* where the USB serial goes */
    bool no_usb;    /* the cable unplugged */
    radio air;      /* the access points around the device */
    netenv_opts net; /* forwards, DNS overrides, capture */
    const char *wifi[SERIAL_WIFI_MAX]; /* --wifi SSID:PASSWORD */
    int nwifi;
    view_opts vo;
    bool print_layout;
    const char *gdb_spec; /* [NAME=][ADDR:]PORT */
    bool gdb_wait;
    tracer tr;
    bool cloud;                 /* --cloud */
    int cloud_api_port, cloud_port; /* -1: the defaults */
} run_opts;

void run_usage(FILE *f);
/* Parse the command line. Returns -1 to go on, or an exit status (help
 * printed, or bad usage reported on stderr). */
int run_parse(int argc, char **argv, run_opts *o);
void run_opts_free(run_opts *o);

#endif
