/* A device for the CLI and the scenario runner: a Photon board with its
 * state file, powered on, with images loaded the way a programmer would. */
#ifndef PHOTON_SESSION_H
#define PHOTON_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "ledpattern.h"
#include "photon.h"
#include "statefile.h"
#include "statelock.h"

/* The access point around a device when none is configured. */
#define RADIO_DEFAULT_SSID "photon-sim"

typedef struct session_opts {
    const char *state_path; /* NULL: the default location */
    bool fresh;             /* start from an erased device, ignore the file */
    bool no_save;           /* never write the state file */
    uint64_t seed;
    const char *device_id;  /* 24 hex digits, or NULL */
    bool fast_flash;
    bool no_battery; /* start with a true power-on: the backup domain is lost */
    radio *air;      /* the access points around; NULL: one default open AP */
} session_opts;

typedef struct session {
    photon *p;
    led_classifier pattern; /* what the RGB LED shows, by Particle's names */
    char state_path[4096]; /* the file, symlinks followed */
    bool save;
    state_lock lock; /* held for the run when it saves */
    bool existed; /* the state file was there */
    bool battery; /* restore the battery-backed domain at power-on */
    statefile kept; /* the state file as read: what the battery kept */
    radio own_air;  /* when the caller gives none */
    /* an injected power failure (faults.h) happened, at this virtual time */
    bool power_lost;
    uint64_t power_lost_at;
    clock_event power_event; /* a power failure at a virtual time */
    clock_event timed_fault[2]; /* a brown-out, an IWDG expiry at a virtual time */
    uint32_t iwdg_expiries;     /* how many, for the latter */
} session;

/* Open the device: its state file followed through symlinks and, unless
 * o->no_save, locked for this process and checked to be writable (see
 * statelock.h), then read (a damaged file is refused, never overwritten). */
int session_open(session *s, const session_opts *o, char *err, size_t errlen);
void session_close(session *s);
/* Power-on reset, then the battery-backed domain from the state file. */
void session_power_on(session *s);
/* Write a module image into flash at the start address in its header
 * (exactly its bytes: the rest of the sectors it covers stays, as with a
 * programmer's read-modify-write). Refuses another platform or a bad CRC
 * unless `force`. Prints nothing; returns 0 or -1 with a message. */
int session_load_module(session *s, const char *name, bool force, char *err,
                        size_t errlen);
/* Write a file's bytes exactly at an address in flash, keeping the rest
 * of their sectors. */
int session_load_raw_at(session *s, const char *file, uint32_t addr, char *err, size_t errlen);
/* The same for "FILE[@ADDR]" (default 0x08000000; a FILE that exists as
 * given is taken whole, so names may contain '@'). */
int session_load_raw(session *s, const char *spec, char *err, size_t errlen);
int session_save(session *s, char *err, size_t errlen);
/* The images of a new default device. */
extern const char *const session_default_images[];

#endif
