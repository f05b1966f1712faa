/* Random number generator (RM0033 section 20), deterministic: the sequence
 * comes from --seed, so the same inputs give the same run. */
#ifndef PHOTON_RNG_H
#define PHOTON_RNG_H

#include "clock.h"
#include "device.h"

typedef struct stm32_rng {
    device dev;
    uint32_t cr, sr;
    uint64_t seed, state;
    uint32_t dr;
    uint64_t ready_at; /* ps: DRDY after 40 RNG clocks */
    uint64_t reads;
    line irq;
    clock_event ready_ev; /* raises the interrupt when data becomes ready */
} stm32_rng;

extern const device_class rng_class;
void rng_init(stm32_rng *r, const char *name, uint64_t seed);

#endif
