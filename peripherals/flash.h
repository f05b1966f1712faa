/* The embedded flash interface (RM0033 section 2): keys, sector and mass
 * erase, programming in 8/16/32/64-bit parallelism, option bytes, OTP. */
#ifndef PHOTON_FLASH_H
#define PHOTON_FLASH_H

#include "clock.h"
#include "device.h"

#define FLASHIF_BASE 0x40023C00u
#define FLASH_NSECTORS 12

typedef struct stm32_flash {
    device dev;
    uint8_t *mem;      /* 1 MB main flash (host) */
    uint8_t *otp;      /* 528 bytes: 16 x 32 OTP + 16 lock bytes */
    uint8_t *optbytes; /* the option bytes as read at 0x1FFFC000 */
    uint32_t acr, sr, cr, optcr;
    int key_step, optkey_step; /* unlock sequence progress */
    bool key_fault;            /* a wrong key locks CR until reset */
    clock_event done;          /* end of the operation in progress */
    int pending_op;
    int pending_sector;
    irq_line irq;
    /* statistics */
    uint64_t erases, programs;
    /* called after the flash content changed (state file saving) */
    void (*on_change)(void *ctx);
    void *on_change_ctx;
    bool instant; /* --fast-flash: no erase/program time */
} stm32_flash;

void flash_init(stm32_flash *f, uint8_t *mem, uint8_t *otp, uint8_t *optbytes);
/* The CPU stored to flash, its alias, OTP or the option bytes. Returns
 * true when the store programs the cells (NOR: only 1 -> 0). */
bool flash_cpu_store(void *ctx, uint32_t addr, unsigned size, uint32_t value);
/* Start and size of sector n. */
uint32_t flash_sector_start(int n);
uint32_t flash_sector_size(int n);
/* Erase and program durations (RM0033 / datasheet typical, x32). */
uint64_t flash_erase_time_ps(int sector, int psize);

#endif
