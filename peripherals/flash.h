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

/* Fault injection: which operations count, and what the chosen one does. */
typedef enum { FLASH_OP_ANY, FLASH_OP_PROGRAM, FLASH_OP_ERASE } flash_op_kind;
typedef enum {
    FLASH_FAULT_NONE,
    FLASH_FAULT_POWER, /* the power fails during it: torn, see flash_power_fail */
    FLASH_FAULT_STUCK, /* it never completes: BSY stays set until a reset */
    FLASH_FAULT_DISTURB, /* as it starts, other cells flip (disturb: see flash_disturb_at) */
} flash_fault_effect;

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
    /* fault injection (off the CPU's path: counted per flash operation) */
    struct {
        flash_fault_effect effect;
        flash_op_kind kind;
        uint64_t left; /* operations of `kind` before the chosen one */
        uint32_t addr, len; /* FLASH_FAULT_DISTURB: the cells that flip */
        uint8_t xor;
    } fault;
    uint64_t op_started, op_length; /* the operation in flight, for a torn erase */
    bool stuck;      /* the operation in flight never completes */
    bool power_lost; /* power failed: nothing programs until a power-on reset */
    line power_fail; /* high when an injected fault cuts the power */
} stm32_flash;

extern const device_class flash_class;
void flash_init(stm32_flash *f, const char *name, const flash_layout *layout);
/* The CPU stored to flash, its alias, OTP or the option bytes. Returns
 * true when the store programs the cells (NOR: only 1 -> 0). */
bool flash_cpu_store(void *ctx, uint32_t addr, unsigned size, uint32_t value);
/* Fault injection: the `n`th (1: the next) program or erase from now (of
 * `kind`) gets `effect`. A power failure tears it as a real chip would: a
 * program in flight does not reach its cells (every earlier one did: the
 * flash is torn at that word), an erase in flight leaves its sector erased
 * from its start to the point reached (half of it when the fault is "the
 * nth erase"), then power_fail goes high. */
void flash_fault_at(stm32_flash *f, flash_op_kind kind, uint64_t n, flash_fault_effect effect);
/* Fault injection: as the `n`th program or erase from now (of `kind`)
 * starts, `len` bytes at flash address `addr` are XORed with `xor` (cells
 * elsewhere in the array lose or gain charge: a program/erase disturb);
 * the operation itself completes as usual. */
void flash_disturb_at(stm32_flash *f, flash_op_kind kind, uint64_t n, uint32_t addr, uint32_t len,
                      uint8_t xor);
/* The power fails now (a virtual time): an erase in flight is torn at the
 * fraction of its duration that has passed. Raises power_fail. */
void flash_power_fail(stm32_flash *f);
/* Erase duration of a sector of `size` bytes (datasheet typical) at the
 * parallelism PSIZE. */
uint64_t flash_erase_time_ps(uint32_t size, int psize);

#endif
