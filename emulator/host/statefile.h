/* The device state file: named sections (a memory, a model's field) in a
 * versioned, checksummed container. Saving writes a new file beside the
 * old one, syncs it and renames it over, so a run killed at any moment
 * leaves the old or the new state, never a torn one.
 *
 * Version 2 (written):
 *   header, 48 bytes, little-endian:
 *     magic "PHOTON-SIM STATE" (16), u32 version = 2, u32 header size = 48,
 *     u64 payload size, u32 payload CRC-32, u32 sections, u32 flags = 0,
 *     u32 CRC-32 of the 44 header bytes before it
 *   payload: per section u16 name length, name, u32 data length, data
 * Version 1 (read): magic, u32 version = 1, u32 sections, per section
 *   name[16], u32 length, data; then the CRC-32 of everything before it.
 * Any other version is refused with a message naming it. */
#ifndef PHOTON_STATEFILE_H
#define PHOTON_STATEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATEFILE_VERSION 2
#define STATEFILE_NAME_MAX 64

typedef struct statefile_section {
    const char *name;
    const void *data;
    uint32_t len;
} statefile_section;

/* A file as read: its version and sections (pointing into `buf`). */
typedef struct statefile {
    uint32_t version;
    statefile_section *s;
    int n;
    uint8_t *buf;
    char *names;
} statefile;

/* Save atomically. Returns 0, or -1 with a message. */
int statefile_save(const char *path, const statefile_section *s, int n, char *err,
                   size_t errlen);
/* Read and check a whole file. Returns 0, 1 if it does not exist, or -1
 * with a message (bad magic, unknown version, damaged). */
int statefile_load(const char *path, statefile *f, char *err, size_t errlen);
const statefile_section *statefile_find(const statefile *f, const char *name);
void statefile_free(statefile *f);

/* The documented default location: $PHOTON_SIM_STATE, else
 * $XDG_STATE_HOME/photon-sim/photon.state, else
 * ~/.local/state/photon-sim/photon.state. */
const char *state_default_path(void);
/* mkdir -p for the file's directory. */
int state_make_dir(const char *path);

#endif
