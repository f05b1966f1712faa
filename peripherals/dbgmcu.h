/* DBGMCU (RM0033 section 32.6) and the backup SRAM (section 5.1.2). */
#ifndef PHOTON_DBGMCU_H
#define PHOTON_DBGMCU_H

#include "device.h"

#define BKPSRAM_SIZE 0x1000u

typedef struct stm32_dbgmcu {
    device dev;
    uint32_t idcode, cr, apb1_fz, apb2_fz;
} stm32_dbgmcu;

/* Backup SRAM: 4 KB kept by the backup domain; writes need PWR_CR.DBP. */
typedef struct stm32_bkpsram {
    device dev;
    uint8_t mem[BKPSRAM_SIZE];
    bool dbp; /* input "dbp": PWR_CR.DBP */
} stm32_bkpsram;

extern const device_class dbgmcu_class, bkpsram_class;
void dbgmcu_init(stm32_dbgmcu *d, const char *name);
void bkpsram_init(stm32_bkpsram *b, const char *name);

#endif
