/* The memory map: RAM and flash as host buffers, peripherals as devices in
 * MMIO windows (1 KB slots), and the Cortex-M3 bit-band aliases. */
#ifndef PHOTON_BUS_H
#define PHOTON_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"

struct machine;

#define BUS_SLOT_BITS 10 /* 1 KB: the STM32 peripheral granularity */
#define BUS_MAX_WINDOWS 8

typedef struct bus_window {
    struct bus *bus;
    uint32_t base, size;
    device **slot; /* size >> BUS_SLOT_BITS entries */
} bus_window;

/* A host-backed memory region (flash, SRAM, system memory). */
typedef struct bus_ram {
    uint32_t base, size;
    uint8_t *host;
    int prot; /* UC_PROT_* */
} bus_ram;

typedef struct bus_bitband {
    struct bus *bus;
    uint32_t alias, target, size; /* size of the alias region */
} bus_bitband;

typedef struct bus {
    struct machine *m;
    bus_window win[BUS_MAX_WINDOWS];
    int nwin;
    bus_ram ram[8];
    int nram;
    bus_bitband bb[4];
    int nbb;
    /* Counters for idle detection: a loop that neither writes a register
     * nor makes a read that has an effect or depends on time is idle. */
    uint64_t io_writes;
    uint64_t io_effects;
} bus;

void bus_init(bus *b, struct machine *m);
void bus_free(bus *b);

/* Map host memory; prot is UC_PROT_*. The same host buffer may be mapped at
 * several addresses (flash and its alias at 0). A CPU store to a region
 * without UC_PROT_WRITE never lands: it goes to the write-protect hook. */
int bus_map_ram(bus *b, uint32_t base, uint32_t size, uint8_t *host, int prot);
/* An MMIO window where devices can be placed. */
int bus_add_window(bus *b, uint32_t base, uint32_t size);
/* Bit-band alias `alias` (32 MB max) for the region at `target`. */
int bus_add_bitband(bus *b, uint32_t alias, uint32_t target, uint32_t size);
int bus_add_device(bus *b, device *d);

/* Host pointer for [addr, addr+len) if it lies in one RAM region. */
uint8_t *bus_host_ptr(bus *b, uint32_t addr, uint32_t len);
device *bus_device_at(bus *b, uint32_t addr);

/* Register access as the CPU would do it (through the models); used by the
 * bit-band alias, DMA and debuggers. Unmapped addresses read 0. */
uint32_t bus_read(bus *b, uint32_t addr, unsigned size);
void bus_write(bus *b, uint32_t addr, uint32_t val, unsigned size);
/* Copy guest memory (RAM, flash or registers) for debuggers and DMA.
 * Returns false if any byte is unmapped. */
bool bus_read_mem(bus *b, uint32_t addr, void *buf, uint32_t len);
bool bus_write_mem(bus *b, uint32_t addr, const void *buf, uint32_t len);
/* Whether a bus master other than the CPU (DMA) can read or write `size`
 * bytes at `addr`: memory that allows it, or a modelled peripheral. */
bool bus_master_can_access(bus *b, uint32_t addr, unsigned size, bool write);

/* Models call this when a read had a side effect or depended on time, so
 * the idle detector does not skip a loop that is waiting on it. */
static inline void bus_note_effect(bus *b)
{
    b->io_effects++;
}

/* Report an unmodelled register once (--log unimp). */
void device_unimp(device *d, uint32_t off, bool is_write, uint32_t val);

#endif
