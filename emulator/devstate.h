/* What a device's state file keeps, written from the state tables: the
 * chip's non-volatile memories (flash, OTP, the unique ID, option bytes)
 * and, for every model, the fields its class says the battery keeps
 * ("RTC.ISR", "BKPSRAM.MEM"), masked to the bits it keeps. The same
 * mechanism with every field of every model is a snapshot (`all`).
 * Version 1 files (photon-sim before the state tables) still load. */
#ifndef PHOTON_DEVSTATE_H
#define PHOTON_DEVSTATE_H

#include <stdbool.h>
#include <stddef.h>

#include "machine.h"
#include "statefile.h"

/* Write the state of machine `m` with non-volatile memories `nv` (nnv of
 * them); `all`: every field of every model, not only what the battery
 * keeps. Returns 0 or -1 with a message. */
int devstate_save(machine *m, const machine_area *nv, int nnv, bool all, const char *path,
                  char *err, size_t errlen);
/* Read a state file: the memories go into the machine at once, the rest is
 * kept in `kept` for devstate_apply. Nothing changes unless the whole file
 * is good. Returns 0, 1 if there is no such file, or -1 with a message. */
int devstate_load(machine *m, const machine_area *nv, int nnv, bool all, const char *path,
                  statefile *kept, char *err, size_t errlen);
/* Put the models' fields from `kept` into the machine (after a power-on:
 * what the battery kept). */
void devstate_apply(machine *m, const statefile *kept, bool all);

#endif
