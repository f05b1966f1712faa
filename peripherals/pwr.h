/* PWR: power control (RM0033 section 4). */
#ifndef PHOTON_PWR_H
#define PHOTON_PWR_H

#include "device.h"

#define PWR_CR_DBP BIT(8)

typedef struct stm32_pwr {
    device dev;
    uint32_t cr, csr;
    line dbp; /* CR.DBP: backup-domain writes allowed */
} stm32_pwr;

extern const device_class pwr_class;
void pwr_init(stm32_pwr *p, const char *name);
static inline bool pwr_dbp(const stm32_pwr *p)
{
    return (p->cr & PWR_CR_DBP) != 0;
}

#endif
