/* The memory map: RAM and flash as host buffers, peripherals as devices in
 * MMIO windows (1 KB slots), and the Cortex-M3 bit-band aliases. */
#ifndef CORE_BUS_H
#define CORE_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"

struct machine;

#define BUS_SLOT_BITS 10 /* 1 KB slots: peripherals are placed at 1 KB boundaries */
#define BUS_MAX_WINDOWS 8
#define BUS_MAX_RAM 12

typedef struct bus_window {
    struct bus *bus;
    uint32_t base, size;
    device **slot; /* size >> BUS_SLOT_BITS entries */
} bus_window;

/* What a memory region is, beyond its protection. */
enum {
    MEM_ROM = 1u << 0,  /* CPU stores go to the ROM store hook (a flash controller) */
    MEM_RAM = 1u << 1,  /* volatile RAM: cleared at power-on, watched by the idle detector */
    MEM_CODE = 1u << 2, /* code runs from it: translations are tracked per sector */
};

/* A host-backed memory region (flash, SRAM, system memory). An alias
 * shows another region's bytes at a second address (a boot alias). */
typedef struct bus_ram {
    const char *name;
    uint32_t base, size;
    uint8_t *host;
    unsigned flags;       /* MEM_* */
    int alias_of;         /* index of the region whose bytes these are, or -1 */
    bool owned;           /* allocated by the bus */
    const uint32_t *sectors; /* erase sectors: start offsets, ascending */
    int nsectors;
    uint64_t exec;        /* sectors code was translated from (MEM_CODE) */
    int prot;             /* UC_PROT_* */
} bus_ram;

typedef struct bus_bitband {
    struct bus *bus;
    uint32_t alias, target, size; /* size of the alias region */
} bus_bitband;

typedef struct bus {
    struct machine *m;
    bus_window win[BUS_MAX_WINDOWS];
    int nwin;
    bus_ram ram[BUS_MAX_RAM];
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

/* Map host memory; prot is UC_PROT_*. A CPU store to a region without
 * UC_PROT_WRITE never lands: it goes to the write-protect hook. */
int bus_map_ram(bus *b, uint32_t base, uint32_t size, uint8_t *host, int prot);
/* A named region the bus allocates (page-aligned, filled with `fill`).
 * Returns it, or NULL. */
bus_ram *bus_add_memory(bus *b, const char *name, uint32_t base, uint32_t size,
                        uint8_t fill, int prot, unsigned flags);
/* Show the bytes of the region at `target` again at `base` (a boot alias). */
int bus_map_alias(bus *b, uint32_t base, uint32_t target, int prot);
/* Erase sectors of a region (start offsets, ascending, at most 64). */
int bus_set_sectors(bus *b, const char *name, const uint32_t *starts, int n);
bus_ram *bus_ram_at(bus *b, uint32_t addr);
bus_ram *bus_ram_named(bus *b, const char *name);
/* The address of the same byte in the region an alias shows. */
uint32_t bus_canonical(bus *b, uint32_t addr);
/* The sector of a region holding offset `off` (0 without sectors); its
 * start and size. */
int bus_ram_sector(const bus_ram *r, uint32_t off);
uint32_t bus_sector_start(const bus_ram *r, int n);
uint32_t bus_sector_size(const bus_ram *r, int n);
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
