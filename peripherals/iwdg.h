/* Independent watchdog (RM0033 section 19): really resets the chip when
 * the firmware stops reloading it. */
#ifndef PHOTON_IWDG_H
#define PHOTON_IWDG_H

#include "clock.h"
#include "device.h"

typedef struct stm32_iwdg {
    device dev;
    uint32_t pr, rlr;
    bool unlocked, running;
    clock_event expire;
    uint64_t reloads;
    uint32_t lsi_hz;
    uint32_t expiries; /* forced expiries still to come (each at a start) */
} stm32_iwdg;

extern const device_class iwdg_class;
void iwdg_init(stm32_iwdg *w, const char *name);
/* Time from a reload to the reset, with the current settings. */
uint64_t iwdg_timeout_ps(const stm32_iwdg *w);
/* Fault injection (IWDG starvation): the count runs out as if the
 * firmware had stopped reloading it: at once if the watchdog runs, else
 * the moment the firmware starts it; `times` (>= 1) expiries in all, each
 * further one at the next start (armed across resets until then).
 * Returns whether it was running. */
bool iwdg_force_expire(stm32_iwdg *w, uint32_t times);

#endif
