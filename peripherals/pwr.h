/* PWR: power control (RM0033 section 4). */
#ifndef PHOTON_PWR_H
#define PHOTON_PWR_H

#include "device.h"

#define PWR_BASE 0x40007000u
#define PWR_CR_DBP BIT(8)

typedef struct stm32_pwr {
    device dev;
    uint32_t cr, csr;
} stm32_pwr;

void pwr_init(stm32_pwr *p);
static inline bool pwr_dbp(const stm32_pwr *p)
{
    return (p->cr & PWR_CR_DBP) != 0;
}

#endif
