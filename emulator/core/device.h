/* A device class: the shape of every memory-mapped model (QEMU's qdev
 * idea, without the object system). A model is a state struct that starts
 * with a `device`, and one static device_class says what it is: its name,
 * register block size, read/write/reset, the names of its registers (for
 * traces), a table of its state fields (for the state file and snapshots)
 * and its named lines (its interrupt requests, pins, inputs). Nothing in a
 * model knows where it sits: the SoC table places it (machine_add_device)
 * and connects its lines. */
#ifndef CORE_DEVICE_H
#define CORE_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "line.h"
#include "regfield.h"
#include "util.h"

struct machine;

/* How the chip was reset. A power-on clears everything; the others are
 * "system resets": they keep the backup domain (RTC, backup registers,
 * backup SRAM) and accumulate RCC reset flags. A brown-out is a power
 * reset whose supply dip stayed above what RAM and the backup domain need:
 * they keep their content, the reset flags start again. */
typedef enum {
    RESET_POWER_ON,
    RESET_BROWNOUT, /* the supply fell below the brown-out threshold */
    RESET_PIN,      /* NRST: the RESET button */
    RESET_SOFTWARE, /* AIRCR.SYSRESETREQ */
    RESET_IWDG,
    RESET_WWDG,
    RESET_LOWPOWER,
    RESET_PERIPHERAL, /* one model only: an RCC xxxRSTR bit */
} reset_kind;

const char *reset_kind_name(reset_kind k);

typedef struct device device;

/* Register names for traces (see REGS_NAMES in regfield.h). An entry with
 * count > 1 names `count` registers `stride` bytes apart, its name a printf
 * format given the index (first, first + 1, ...). Ends with name NULL. */
typedef struct reg_name {
    uint32_t off;
    const char *name;
    uint32_t stride, count, first;
} reg_name;

/* A field of a model's state (QEMU's VMStateField idea): `count` elements
 * of `size` bytes at `offset` in the state struct, `stride` bytes apart
 * (0: packed). A value the model computes (the RTC's time) has get/put
 * functions instead. Ends with name NULL. */
typedef struct state_field {
    const char *name;
    uint32_t offset, size, count, stride;
    void (*get)(device *d, void *buf);
    void (*put)(device *d, const void *buf);
} state_field;

/* What a battery (or the flash it lives in) keeps of a model over a
 * power-off: fields of its state table by name, with the bits kept (for
 * 4-byte fields; 0: all of it). The state file holds these. */
typedef struct state_keep {
    const char *field;
    uint32_t bits;
} state_keep;

/* A named line of a model: an output (a `line`, or `count` of them, at
 * `offset` in the state struct) or an input (a handler, n = the index). */
typedef struct line_desc {
    const char *name;
    uint32_t offset; /* outputs */
    int count;
    line_handler input; /* inputs */
} line_desc;

typedef struct device_class {
    const char *type; /* "f2-usart" */
    uint32_t size;    /* register block in bytes */
    uint32_t (*read)(device *d, uint32_t off, unsigned size);
    void (*write)(device *d, uint32_t off, uint32_t val, unsigned size);
    void (*reset)(device *d, reset_kind kind);
    const reg_name *regs;     /* may be NULL */
    const state_field *state; /* may be NULL */
    const state_keep *keep;   /* may be NULL: nothing survives power-off */
    const line_desc *lines;   /* may be NULL */
} device_class;

struct device {
    const device_class *cls;
    const char *name; /* the instance: "USART1" */
    uint32_t base, size;
    /* the class's functions, copied for the bus's fast path */
    uint32_t (*read)(device *d, uint32_t off, unsigned size);
    void (*write)(device *d, uint32_t off, uint32_t val, unsigned size);
    void (*reset)(device *d, reset_kind kind);
    struct machine *m;
    bool trace; /* --trace mmio=NAME selected this device */
};


/* Make `d` an instance of `cls` named `name` (not yet on any bus). */
void device_init(device *d, const device_class *cls, const char *name);

/* Name of the register at `off` ("CR1", "S3NDTR"), or NULL. */
const char *device_reg_name(const device *d, uint32_t off, char *buf, size_t n);

/* Every device's reset input: a high level resets it with `kind` (an RCC
 * reset bit: RESET_PERIPHERAL; a backup-domain reset: RESET_POWER_ON). */
line_sink device_reset_input(device *d, reset_kind kind);

/* An output line by name and index, or NULL. */
line *device_line_out(device *d, const char *name, int n);
/* An input by name and index (fn NULL if there is none). */
line_sink device_line_in(device *d, const char *name, int n);

/* A state field by name, or NULL; its size in bytes (all elements). */
const state_field *device_state_field(const device *d, const char *name);
uint32_t state_field_bytes(const state_field *f);
/* Copy a field's value out of (get) or into (put) the model. */
void device_state_get(device *d, const state_field *f, void *buf);
void device_state_put(device *d, const state_field *f, const void *buf);

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
