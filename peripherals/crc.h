/* CRC calculation unit (RM0033 section 3). */
#ifndef PHOTON_CRC_H
#define PHOTON_CRC_H

#include "device.h"

typedef struct stm32_crc {
    device dev;
    uint32_t dr, idr;
} stm32_crc;

extern const device_class crc_class;
void crc_init(stm32_crc *c, const char *name);
/* One 32-bit word through the STM32 CRC: poly 0x04C11DB7, MSB first. */
uint32_t crc_stm32_word(uint32_t crc, uint32_t word);

#endif
