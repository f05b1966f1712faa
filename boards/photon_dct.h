/* The Photon's DCT (device configuration table) in flash, written the way a
 * programmer writes flash: for host tools that put bytes where the
 * firmware's own DCT writes would (`photon-sim run --cloud` puts the local
 * cloud's server key and address there, the bytes `particle keys server`
 * sends through DFU alt 1). The DCT lives in two flash sectors (dct1,
 * dct2); the one whose header says "current" holds it, the application
 * area at +7548 (Device OS hal/src/photon/dct_hal.h). An update copies the
 * current sector into the other with the change, marks the copy current
 * and the old one not (WICED's DCT update, specs/particle-cloud-protocol.md
 * §4). */
#ifndef PHOTON_DCT_H
#define PHOTON_DCT_H

#include <stddef.h>
#include <stdint.h>

#include "photon.h"

#define PHOTON_DCT_APP_AT 7548u /* the application DCT inside a sector */

/* Read `len` bytes at application-DCT offset `off`; -1 if the DCT is blank
 * (the firmware has not set it up yet: a device that never ran). */
int photon_dct_read(photon *p, uint32_t off, void *out, size_t len);
/* Write them. 0 when written (or already there), -1 with a message when the
 * DCT is blank or the range is outside it. Call it only while the core
 * does not run (before power-on or from a reset hook). */
int photon_dct_write(photon *p, uint32_t off, const void *data, size_t len, char *err,
                     size_t errlen);

#endif
