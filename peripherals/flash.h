/* The embedded flash interface (RM0033 section 2): keys, sector and mass
 * erase, programming in 8/16/32/64-bit parallelism, option bytes, OTP. */
#ifndef PHOTON_FLASH_H
#define PHOTON_FLASH_H

#include "clock.h"
#include "device.h"


/* The memories the interface programs, from the SoC's memory map. */
typedef struct flash_layout {
    uint32_t base, size;     /* main flash */
    uint8_t *mem;
    const uint32_t *sectors; /* start offsets of the sectors */
    int nsectors;
    uint32_t otp_base;       /* 16 x 32 OTP bytes and 16 lock bytes */
    uint8_t *otp;
    uint8_t *optbytes;       /* the option bytes as the CPU reads them */
} flash_layout;

typedef struct stm32_flash {
    device dev;
    flash_layout mem;
    uint32_t acr, sr, cr, optcr;
    int key_step, optkey_step; /* unlock sequence progress */
    bool key_fault;            /* a wrong key locks CR until reset */
    clock_event done;          /* end of the operation in progress */
    int pending_op;
    int pending_sector;
    line irq;
    /* statistics */
    uint64_t erases, programs;
    bool instant; /* --fast-flash: no erase/program time */
} stm32_flash;

extern const device_class flash_class;
void flash_init(stm32_flash *f, const char *name, const flash_layout *layout);
/* The CPU stored to flash, its alias, OTP or the option bytes. Returns
 * true when the store programs the cells (NOR: only 1 -> 0). */
bool flash_cpu_store(void *ctx, uint32_t addr, unsigned size, uint32_t value);
/* Erase duration of a sector of `size` bytes (datasheet typical) at the
 * parallelism PSIZE. */
uint64_t flash_erase_time_ps(uint32_t size, int psize);

#endif
