/* What an LED pattern means on a Photon, in Particle's words: "blinking
 * yellow: DFU mode", "breathing cyan: connected to the cloud",
 * "SOS red, code 1: HardFault". For the window's status line. */
#ifndef PHOTON_LEDMEANING_H
#define PHOTON_LEDMEANING_H

#include <stddef.h>

#include "ledpattern.h"

/* The device mode a pattern signals, or NULL when it has no documented
 * meaning (the pattern's name is all there is to say). */
const char *led_pattern_meaning(const led_pattern *p);
/* "blinking yellow: DFU mode"; just the pattern's name (without the
 * period) when it has no meaning; "no LED pattern yet" before any. */
const char *led_pattern_status(const led_pattern *p, char *buf, size_t n);

#endif
