/* The device state file: named sections (flash, OTP, unique ID, the
 * battery-backed domain) with a checksum. Saving writes a new file and
 * renames it over the old one, so a run killed at any moment leaves the
 * old or the new state, never a torn one. */
#ifndef PHOTON_STATE_H
#define PHOTON_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATE_MAX_SECTIONS 16

typedef struct state_section {
    const char *name; /* up to 15 characters */
    void *data;
    uint32_t len;
    bool required; /* loading fails if it is missing */
} state_section;

/* Save atomically. Returns 0, or -1 with a message. */
int state_save(const char *path, const state_section *s, int n, char *err,
               size_t errlen);
/* Load every section found; sections must have exactly their size.
 * Returns 0, 1 if the file does not exist, or -1 with a message (nothing
 * is changed in memory then). */
int state_load(const char *path, const state_section *s, int n, char *err,
               size_t errlen);
/* The documented default location: $PHOTON_SIM_STATE, else
 * $XDG_STATE_HOME/photon-sim/photon.state, else
 * ~/.local/state/photon-sim/photon.state. */
const char *state_default_path(void);
/* mkdir -p for the file's directory. */
int state_make_dir(const char *path);

#endif
