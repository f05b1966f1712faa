#include "bus.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "trace.h"

void bus_init(bus *b, machine *m)
{
    memset(b, 0, sizeof(*b));
    b->m = m;
}

void bus_free(bus *b)
{
    for (int i = 0; i < b->nwin; i++)
        free(b->win[i].slot);
    b->nwin = 0;
}

int bus_map_ram(bus *b, uint32_t base, uint32_t size, uint8_t *host, int prot)
{
    if (b->nram >= (int)(sizeof(b->ram) / sizeof(b->ram[0])))
        return -1;
    if (uc_mem_map_ptr(b->m->uc, base, size, (uint32_t)prot, host) != UC_ERR_OK)
        return -1;
    /* Without UC_PROT_WRITE, uc_mem_map_ptr checks permissions only on
     * Unicorn's slow store path, which 2.1 leaves after the first store to
     * a 1 KB page. uc_mem_protect also marks the region read-only inside
     * QEMU: every store then takes the slow path, calls the write-protect
     * hook and is discarded, on every version. */
    if (!(prot & UC_PROT_WRITE) &&
        uc_mem_protect(b->m->uc, base, size, (uint32_t)prot) != UC_ERR_OK)
        return -1;
    b->ram[b->nram++] = (bus_ram){base, size, host, prot};
    return 0;
}

uint8_t *bus_host_ptr(bus *b, uint32_t addr, uint32_t len)
{
    for (int i = 0; i < b->nram; i++) {
        bus_ram *r = &b->ram[i];
        if (addr >= r->base && (uint64_t)addr + len <= (uint64_t)r->base + r->size)
            return r->host + (addr - r->base);
    }
    return NULL;
}

static bus_window *window_at(bus *b, uint32_t addr)
{
    for (int i = 0; i < b->nwin; i++)
        if (addr - b->win[i].base < b->win[i].size)
            return &b->win[i];
    return NULL;
}

static bus_bitband *bitband_at(bus *b, uint32_t addr)
{
    for (int i = 0; i < b->nbb; i++)
        if (addr - b->bb[i].alias < b->bb[i].size)
            return &b->bb[i];
    return NULL;
}

static uint32_t bb_access(bus_bitband *bb, uint32_t off, unsigned size, bool write,
                          uint32_t v);

device *bus_device_at(bus *b, uint32_t addr)
{
    bus_window *w = window_at(b, addr);
    return w ? w->slot[(addr - w->base) >> BUS_SLOT_BITS] : NULL;
}

static void trace_access(machine *m, device *d, uint32_t addr, bool wr,
                         uint32_t v, unsigned size)
{
    char t[40];
    trace_time(m, t, sizeof(t));
    uint32_t off = addr - d->base;
    const char *rn = device_reg_name(d, off & ~3u);
    char where[48];
    if (rn && (off & 3) == 0)
        snprintf(where, sizeof(where), "%s.%s", d->name, rn);
    else if (rn)
        snprintf(where, sizeof(where), "%s.%s+%u", d->name, rn, off & 3);
    else
        snprintf(where, sizeof(where), "%s+0x%03x", d->name, off);
    fprintf(trace_mmio_out(m, d), "[%s ms] mmio %s %-18s %s 0x%0*x pc=0x%08x\n", t,
            wr ? "W" : "R", where, wr ? "<-" : "->", (int)size * 2, v,
            machine_pc(m));
}

static uint32_t extract(uint32_t word, uint32_t addr, unsigned size)
{
    if (size >= 4)
        return word;
    return (word >> ((addr & 3) * 8)) & ((1u << (size * 8)) - 1);
}

/* A register read through the model at `addr` (d may be NULL: nothing is
 * modelled there). */
static uint32_t device_read(bus *b, device *d, uint32_t addr, unsigned size)
{
    machine *m = b->m;
    if (!d) {
        if (log_on(&m->log, LOG_UNIMP) && log_unimp_first(&m->log, addr & ~3u, false))
            log_msg(&m->log, LOG_UNIMP,
                    "unimp: read 0x%08x (no peripheral modelled here) pc=0x%08x",
                    addr, machine_pc(m));
        return 0;
    }
    uint32_t v = extract(d->read(d, (addr - d->base) & ~3u, 4), addr, size);
    if (d->trace || log_on(&m->log, LOG_MMIO))
        trace_access(m, d, addr, false, v, size);
    return v;
}

uint32_t bus_read(bus *b, uint32_t addr, unsigned size)
{
    uint8_t *p = bus_host_ptr(b, addr, size);
    if (p) {
        uint32_t v = 0;
        memcpy(&v, p, size);
        return v;
    }
    bus_window *w = window_at(b, addr);
    if (w)
        return device_read(b, w->slot[(addr - w->base) >> BUS_SLOT_BITS], addr, size);
    bus_bitband *bb = bitband_at(b, addr);
    return bb ? bb_access(bb, addr - bb->alias, size, false, 0) : 0;
}

static void device_write(bus *b, device *d, uint32_t addr, uint32_t val, unsigned size)
{
    machine *m = b->m;
    b->io_writes++;
    if (!d) {
        if (log_on(&m->log, LOG_UNIMP) && log_unimp_first(&m->log, addr & ~3u, true))
            log_msg(&m->log, LOG_UNIMP,
                    "unimp: write 0x%08x = 0x%x (no peripheral modelled here) pc=0x%08x",
                    addr, val, machine_pc(m));
        return;
    }
    if (d->trace || log_on(&m->log, LOG_MMIO))
        trace_access(m, d, addr, true, val, size);
    d->write(d, addr - d->base, val, size);
}

void bus_write(bus *b, uint32_t addr, uint32_t val, unsigned size)
{
    uint8_t *p = bus_host_ptr(b, addr, size);
    if (p) {
        b->io_writes++;
        memcpy(p, &val, size);
        return;
    }
    bus_window *w = window_at(b, addr);
    bus_bitband *bb;
    if (w)
        device_write(b, w->slot[(addr - w->base) >> BUS_SLOT_BITS], addr, val, size);
    else if ((bb = bitband_at(b, addr)))
        bb_access(bb, addr - bb->alias, size, true, val);
}

/* The CPU's accesses to a window: straight to the device in the slot. */
static uint64_t win_read(uc_engine *uc, uint64_t off, unsigned size, void *ud)
{
    (void)uc;
    bus_window *w = ud;
    return device_read(w->bus, w->slot[off >> BUS_SLOT_BITS], w->base + (uint32_t)off, size);
}

static void win_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t v,
                      void *ud)
{
    (void)uc;
    bus_window *w = ud;
    device_write(w->bus, w->slot[off >> BUS_SLOT_BITS], w->base + (uint32_t)off,
                 (uint32_t)v, size);
}

int bus_add_window(bus *b, uint32_t base, uint32_t size)
{
    if (b->nwin >= BUS_MAX_WINDOWS)
        return -1;
    bus_window *w = &b->win[b->nwin];
    w->bus = b;
    w->base = base;
    w->size = size;
    w->slot = calloc(size >> BUS_SLOT_BITS, sizeof(device *));
    if (!w->slot)
        return -1;
    if (uc_mmio_map(b->m->uc, base, size, win_read, w, win_write, w) != UC_ERR_OK) {
        free(w->slot);
        return -1;
    }
    b->nwin++;
    return 0;
}

int bus_add_device(bus *b, device *d)
{
    bus_window *w = window_at(b, d->base);
    if (!w || d->base + d->size - w->base > w->size)
        return -1;
    for (uint32_t a = d->base; a < d->base + d->size; a += 1u << BUS_SLOT_BITS)
        w->slot[(a - w->base) >> BUS_SLOT_BITS] = d;
    return 0;
}

/* ---- bit-band --------------------------------------------------------- */

static void bb_locate(bus_bitband *bb, uint64_t off, unsigned size, uint32_t *addr,
                      unsigned *bit)
{
    uint32_t byte = bb->target + (uint32_t)(off >> 5);
    unsigned b = (unsigned)(off >> 2) & 7;
    /* The transfer size of the alias access is the size of the RMW. */
    uint32_t a = byte & ~(uint32_t)(size - 1);
    *addr = a;
    *bit = (byte - a) * 8 + b;
}

/* A read or write of the alias at `off`: a read-modify-write of the target
 * through the bus (RAM, or the model's register). */
static uint32_t bb_access(bus_bitband *bb, uint32_t off, unsigned size, bool write,
                          uint32_t v)
{
    uint32_t a;
    unsigned bit;
    bb_locate(bb, off, size, &a, &bit);
    uint32_t old = bus_read(bb->bus, a, size);
    if (!write)
        return (old >> bit) & 1;
    bus_write(bb->bus, a, (v & 1) ? (old | (1u << bit)) : (old & ~(1u << bit)), size);
    return 0;
}

static uint64_t bb_read(uc_engine *uc, uint64_t off, unsigned size, void *ud)
{
    (void)uc;
    return bb_access(ud, (uint32_t)off, size, false, 0);
}

static void bb_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t v,
                     void *ud)
{
    (void)uc;
    bb_access(ud, (uint32_t)off, size, true, (uint32_t)v);
}

int bus_add_bitband(bus *b, uint32_t alias, uint32_t target, uint32_t size)
{
    if (b->nbb >= (int)(sizeof(b->bb) / sizeof(b->bb[0])))
        return -1;
    bus_bitband *bb = &b->bb[b->nbb++];
    bb->bus = b;
    bb->alias = alias;
    bb->target = target;
    bb->size = size * 32;
    return uc_mmio_map(b->m->uc, alias, (size_t)size * 32, bb_read, bb, bb_write,
                       bb) == UC_ERR_OK
               ? 0
               : -1;
}

/* ---- whole-memory access for debuggers and DMA ----------------------- */

/* Copy between guest memory and `buf`: RAM and flash in one memcpy a
 * region, registers a word (or byte) at a time through their models. */
static bool bus_copy(bus *b, uint32_t addr, uint8_t *buf, uint32_t len, bool write)
{
    while (len) {
        bus_ram *r = NULL;
        for (int i = 0; i < b->nram && !r; i++)
            if (addr - b->ram[i].base < b->ram[i].size)
                r = &b->ram[i];
        uint32_t n;
        if (r) {
            n = r->base + r->size - addr < len ? r->base + r->size - addr : len;
            uint8_t *p = r->host + (addr - r->base);
            if (write) {
                b->io_writes++;
                memcpy(p, buf, n);
            } else {
                memcpy(buf, p, n);
            }
        } else {
            if (!window_at(b, addr) && !bitband_at(b, addr))
                return false;
            n = (addr & 3) == 0 && len >= 4 ? 4 : 1;
            uint32_t v = 0;
            if (write) {
                memcpy(&v, buf, n);
                bus_write(b, addr, v, n);
            } else {
                v = bus_read(b, addr, n);
                memcpy(buf, &v, n);
            }
        }
        buf += n;
        addr += n;
        len -= n;
    }
    return true;
}

bool bus_read_mem(bus *b, uint32_t addr, void *buf, uint32_t len)
{
    return bus_copy(b, addr, buf, len, false);
}

bool bus_write_mem(bus *b, uint32_t addr, const void *buf, uint32_t len)
{
    return bus_copy(b, addr, (uint8_t *)buf, len, true);
}

bool bus_master_can_access(bus *b, uint32_t addr, unsigned size, bool write)
{
    for (int i = 0; i < b->nram; i++) {
        bus_ram *r = &b->ram[i];
        if (addr >= r->base && (uint64_t)addr + size <= (uint64_t)r->base + r->size)
            return (r->prot & (write ? UC_PROT_WRITE : UC_PROT_READ)) != 0;
    }
    return bus_device_at(b, addr) != NULL || bitband_at(b, addr) != NULL;
}

void device_unimp(device *d, uint32_t off, bool is_write, uint32_t val)
{
    machine *m = d->m;
    if (!log_on(&m->log, LOG_UNIMP) || !log_unimp_first(&m->log, d->base + off, is_write))
        return;
    if (is_write)
        log_msg(&m->log, LOG_UNIMP, "unimp: %s+0x%03x write 0x%08x pc=0x%08x",
                d->name, off, val, machine_pc(m));
    else
        log_msg(&m->log, LOG_UNIMP, "unimp: %s+0x%03x read pc=0x%08x", d->name,
                off, machine_pc(m));
}
