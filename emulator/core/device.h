/* The shape of every memory-mapped model: a state struct that starts with a
 * `device`, plus read/write/reset. The board registers devices on the bus. */
#ifndef CORE_DEVICE_H
#define CORE_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "line.h"
#include "regfield.h"

struct machine;

/* How the chip was reset. A power-on clears everything; the others are
 * "system resets": they keep the backup domain (RTC, backup registers,
 * backup SRAM) and accumulate RCC reset flags. */
typedef enum {
    RESET_POWER_ON,
    RESET_PIN,      /* NRST: the RESET button */
    RESET_SOFTWARE, /* AIRCR.SYSRESETREQ */
    RESET_IWDG,
    RESET_WWDG,
    RESET_LOWPOWER,
    RESET_PERIPHERAL, /* one model only: an RCC xxxRSTR bit */
} reset_kind;

const char *reset_kind_name(reset_kind k);

/* Names for traces: {offset, name}, terminated by name == NULL. */
typedef struct reg_name {
    uint32_t off;
    const char *name;
} reg_name;

typedef struct device device;
struct device {
    const char *name;
    uint32_t base, size;
    uint32_t (*read)(device *d, uint32_t off, unsigned size);
    void (*write)(device *d, uint32_t off, uint32_t val, unsigned size);
    void (*reset)(device *d, reset_kind kind);
    const reg_name *regs;
    struct machine *m;
    bool trace; /* --trace mmio=NAME selected this device */
};

#define container_of(ptr, type, member)                                        \
    ((type *)((char *)(ptr) - offsetof(type, member)))

/* Fill in a device's identity and its register functions. */
void device_init(device *d, const char *name, uint32_t base, uint32_t size,
                 uint32_t (*read)(device *, uint32_t, unsigned),
                 void (*write)(device *, uint32_t, uint32_t, unsigned),
                 void (*reset)(device *, reset_kind), const reg_name *regs);

/* Name of the register at `off`, or NULL. */
const char *device_reg_name(const device *d, uint32_t off);

/* Merge a sub-word write into a register's old value. */
static inline uint32_t reg_merge(uint32_t old, uint32_t off, uint32_t val,
                                 unsigned size)
{
    if (size >= 4)
        return val;
    unsigned sh = (off & 3) * 8;
    uint32_t mask = ((1u << (size * 8)) - 1) << sh;
    return (old & ~mask) | ((val << sh) & mask);
}
#endif
