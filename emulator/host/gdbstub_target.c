/* The GDB stub's view of the target: registers (including the special
 * ones), memory and flash (vFlash), the target and memory-map documents,
 * monitor commands. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdbstub_internal.h"

/* ---- registers ------------------------------------------------------- */

static const int core_ids[16] = {
    UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2,  UC_ARM_REG_R3,
    UC_ARM_REG_R4, UC_ARM_REG_R5, UC_ARM_REG_R6,  UC_ARM_REG_R7,
    UC_ARM_REG_R8, UC_ARM_REG_R9, UC_ARM_REG_R10, UC_ARM_REG_R11,
    UC_ARM_REG_R12, UC_ARM_REG_SP, UC_ARM_REG_LR, UC_ARM_REG_PC,
};

static bool in_handler(machine *m)
{
    return (core_reg(m, UC_ARM_REG_IPSR) & 0x1FF) != 0;
}

/* Unicorn reads the privileged special registers as 0 (and drops writes)
 * while the thread is unprivileged: lend the core Handler mode for the
 * access. Unicorn switches the banked stack pointers with the mode, so
 * MSP and PSP keep their meaning. */
static bool lend_priv(machine *m)
{
    if (in_handler(m) || !(core_reg(m, UC_ARM_REG_CONTROL) & CONTROL_NPRIV))
        return false;
    core_set_reg(m, UC_ARM_REG_IPSR, 1);
    return true;
}

static void end_lend(machine *m, bool lent)
{
    if (lent) {
        core_set_reg(m, UC_ARM_REG_IPSR, 0);
        core_rebuild_hflags(m);
    }
}

static uint32_t priv_reg(machine *m, int id)
{
    bool lent = lend_priv(m);
    uint32_t v = core_reg(m, id);
    end_lend(m, lent);
    return v;
}

static void set_priv_reg(machine *m, int id, uint32_t v)
{
    bool lent = lend_priv(m);
    core_set_reg(m, id, v);
    end_lend(m, lent);
}

uint32_t gs_reg_get(machine *m, unsigned n)
{
    if (n == R_PC)
        return core_reg(m, UC_ARM_REG_PC) & ~1u;
    if (n < 16)
        return core_reg(m, core_ids[n]);
    switch (n) {
    case R_XPSR: return core_reg(m, UC_ARM_REG_XPSR);
    case R_MSP: return priv_reg(m, UC_ARM_REG_MSP);
    case R_PSP: return priv_reg(m, UC_ARM_REG_PSP);
    case R_PRIMASK: return priv_reg(m, UC_ARM_REG_PRIMASK) & 1;
    case R_BASEPRI: return priv_reg(m, UC_ARM_REG_BASEPRI) & 0xFF;
    case R_FAULTMASK: return priv_reg(m, UC_ARM_REG_FAULTMASK) & 1;
    default: return core_reg(m, UC_ARM_REG_CONTROL) & 3;
    }
}

static void set_control(machine *m, uint32_t v)
{
    uint32_t old = core_reg(m, UC_ARM_REG_CONTROL);
    v &= CONTROL_NPRIV | CONTROL_SPSEL;
    if (in_handler(m)) {
        /* SPSEL is only meaningful in Thread mode (the exception return
         * sets it); nPRIV is written. */
        core_set_reg(m, UC_ARM_REG_CONTROL, (v & CONTROL_NPRIV) | (old & CONTROL_SPSEL));
    } else {
        if (old & CONTROL_NPRIV) { /* an unprivileged thread cannot write it */
            core_set_reg(m, UC_ARM_REG_IPSR, 1);
            core_set_reg(m, UC_ARM_REG_CONTROL, old & ~CONTROL_NPRIV);
            core_set_reg(m, UC_ARM_REG_IPSR, 0);
            core_rebuild_hflags(m);
        }
        core_set_reg(m, UC_ARM_REG_CONTROL, v); /* swaps the stacks on SPSEL */
    }
    core_rebuild_hflags(m);
}

void gs_reg_set(gdbstub *g, unsigned n, uint32_t v)
{
    machine *m = g->m;
    if (n == R_PC) {
        if ((core_reg(m, UC_ARM_REG_PC) & ~1u) != (v & ~1u)) {
            g->credit = 0;
            m->cpu.sleeping = false; /* the debugger moved it out of WFI */
        }
        core_set_reg(m, UC_ARM_REG_PC, v | 1);
        return;
    }
    if (n < 16) {
        core_set_reg(m, core_ids[n], v);
        return;
    }
    switch (n) {
    case R_XPSR: {
        /* The exception number stays the NVIC's business. */
        uint32_t old = core_reg(m, UC_ARM_REG_XPSR);
        core_set_reg(m, UC_ARM_REG_XPSR, (v & ~0x1FFu) | (old & 0x1FFu));
        core_rebuild_hflags(m);
        break;
    }
    case R_MSP: set_priv_reg(m, UC_ARM_REG_MSP, v); break;
    case R_PSP: set_priv_reg(m, UC_ARM_REG_PSP, v); break;
    case R_PRIMASK: set_priv_reg(m, UC_ARM_REG_PRIMASK, v & 1); break;
    case R_BASEPRI: set_priv_reg(m, UC_ARM_REG_BASEPRI, v & 0xFF); break;
    case R_FAULTMASK: set_priv_reg(m, UC_ARM_REG_FAULTMASK, v & 1); break;
    default: set_control(m, v); break;
    }
    /* Pending exceptions found masked are looked at again only when the
     * NVIC changes or a CPS/MSR block runs: a debugger write counts. */
    m->cpu.mask_recheck = true;
}

/* ---- documents ------------------------------------------------------------ */

const char gs_target_xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
    "<target version=\"1.0\">\n"
    "<architecture>arm</architecture>\n"
    "<feature name=\"org.gnu.gdb.arm.m-profile\">\n"
    "<reg name=\"r0\" bitsize=\"32\" regnum=\"0\"/>\n"
    "<reg name=\"r1\" bitsize=\"32\"/>\n<reg name=\"r2\" bitsize=\"32\"/>\n"
    "<reg name=\"r3\" bitsize=\"32\"/>\n<reg name=\"r4\" bitsize=\"32\"/>\n"
    "<reg name=\"r5\" bitsize=\"32\"/>\n<reg name=\"r6\" bitsize=\"32\"/>\n"
    "<reg name=\"r7\" bitsize=\"32\"/>\n<reg name=\"r8\" bitsize=\"32\"/>\n"
    "<reg name=\"r9\" bitsize=\"32\"/>\n<reg name=\"r10\" bitsize=\"32\"/>\n"
    "<reg name=\"r11\" bitsize=\"32\"/>\n<reg name=\"r12\" bitsize=\"32\"/>\n"
    "<reg name=\"sp\" bitsize=\"32\" type=\"data_ptr\"/>\n"
    "<reg name=\"lr\" bitsize=\"32\"/>\n"
    "<reg name=\"pc\" bitsize=\"32\" type=\"code_ptr\"/>\n"
    "<reg name=\"xpsr\" bitsize=\"32\"/>\n"
    "</feature>\n"
    "<feature name=\"org.gnu.gdb.arm.m-system\">\n"
    "<reg name=\"msp\" bitsize=\"32\" type=\"data_ptr\"/>\n"
    "<reg name=\"psp\" bitsize=\"32\" type=\"data_ptr\"/>\n"
    "<reg name=\"primask\" bitsize=\"32\"/>\n"
    "<reg name=\"basepri\" bitsize=\"32\"/>\n"
    "<reg name=\"faultmask\" bitsize=\"32\"/>\n"
    "<reg name=\"control\" bitsize=\"32\"/>\n"
    "</feature>\n"
    "</target>\n";

/* The memory map for gdb, from the machine's: flash with its sectors (at
 * its address and any alias), so that gdb uses hardware breakpoints there
 * and `load` erases and programs with vFlash packets; ROM; RAM and the
 * register windows as "ram". */
typedef struct map_entry {
    uint32_t start, length, block; /* block: flash erase size, 0 otherwise */
    const char *type;
} map_entry;

static int by_start(const void *a, const void *b)
{
    const map_entry *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

char *gs_memory_map(machine *m)
{
    enum { MAX = 128 };
    map_entry e[MAX];
    int n = 0;
    bus *b = &m->bus;
    for (int i = 0; i < b->nram && n < MAX; i++) {
        bus_ram *r = &b->ram[i];
        bus_ram *c = r->alias_of >= 0 ? &b->ram[r->alias_of] : r;
        if ((c->flags & MEM_ROM) && c->nsectors) {
            /* runs of sectors of one size */
            for (int k = 0; k < c->nsectors && n < MAX; k++) {
                uint32_t sz = bus_sector_size(c, k), start = bus_sector_start(c, k);
                if (n && !strcmp(e[n - 1].type, "flash") && e[n - 1].block == sz &&
                    e[n - 1].start + e[n - 1].length == r->base + start) {
                    e[n - 1].length += sz;
                    continue;
                }
                e[n++] = (map_entry){r->base + start, sz, sz, "flash"};
            }
        } else {
            e[n++] = (map_entry){r->base, r->size, 0, (c->flags & MEM_ROM) ? "rom" : "ram"};
        }
    }
    for (int i = 0; i < b->nwin && n < MAX; i++)
        e[n++] = (map_entry){b->win[i].base, b->win[i].size, 0, "ram"};
    for (int i = 0; i < b->nbb && n < MAX; i++)
        e[n++] = (map_entry){b->bb[i].alias, b->bb[i].size, 0, "ram"};
    qsort(e, (size_t)n, sizeof(e[0]), by_start);
    size_t cap = 512 + (size_t)n * 160, len = 0;
    char *x = malloc(cap);
    if (!x)
        return NULL;
    len += (size_t)snprintf(x + len, cap - len,
                            "<?xml version=\"1.0\"?>\n"
                            "<!DOCTYPE memory-map PUBLIC \"+//IDN gnu.org//DTD GDB Memory Map V1.0//EN\""
                            " \"http://sourceware.org/gdb/gdb-memory-map.dtd\">\n"
                            "<memory-map>\n");
    for (int i = 0; i < n; i++) {
        len += (size_t)snprintf(x + len, cap - len,
                                "<memory type=\"%s\" start=\"0x%x\" length=\"0x%x\"", e[i].type,
                                e[i].start, e[i].length);
        if (e[i].block)
            len += (size_t)snprintf(x + len, cap - len,
                                    "><property name=\"blocksize\">0x%x</property></memory>\n",
                                    e[i].block);
        else
            len += (size_t)snprintf(x + len, cap - len, "/>\n");
    }
    snprintf(x + len, cap - len, "</memory-map>\n");
    return x;
}

/* ---- monitor commands ---------------------------------------------------- */

static void monitor_info(gdbstub *g)
{
    machine *m = g->m;
    uint32_t ipsr = core_reg(m, UC_ARM_REG_IPSR) & 0x1FF;
    gs_console(g, "time %.6f s (cycle %" PRIu64 " at %.1f MHz)\n",
            (double)machine_now(m) / PS_PER_S, m->clock.cycles, m->clock.hz / 1e6);
    gs_console(g, "pc 0x%08x, %s mode%s%s, %s\n", gs_reg_get(m, R_PC),
            ipsr ? "Handler" : "Thread", ipsr ? " in " : "", ipsr ? machine_exc_name(m, (int)ipsr) : "",
            m->cpu.lockup ? "locked up" : m->cpu.sleeping ? "sleeping (WFI)"
            : m->cpu.held_in_reset ? "held in reset" : "running");
    char act[512] = "", pend[512] = "";
    size_t na = 0, np = 0;
    for (int e = 1; e < m->nvic.nexc; e++) {
        if (m->nvic.active[e] && na < sizeof(act) - 24)
            na += (size_t)snprintf(act + na, sizeof(act) - na, " %s", machine_exc_name(m, e));
        if (m->nvic.pending[e] && np < sizeof(pend) - 24)
            np += (size_t)snprintf(pend + np, sizeof(pend) - np, " %s", machine_exc_name(m, e));
    }
    gs_console(g, "active:%s\npending:%s\n", na ? act : " none", np ? pend : " none");
    gs_console(g, "primask %u basepri 0x%02x faultmask %u control %u\n", gs_reg_get(m, R_PRIMASK),
            gs_reg_get(m, R_BASEPRI), gs_reg_get(m, R_FAULTMASK), gs_reg_get(m, R_CONTROL));
}

void gs_monitor(gdbstub *g, const char *cmd)
{
    machine *m = g->m;
    char w1[32] = "", w2[32] = "";
    int n = sscanf(cmd, "%31s %31s", w1, w2);
    if (n <= 0 || !strcmp(w1, "help")) {
        gs_console(g, "photon-sim monitor commands:\n"
                   "  reset [system|pin]  reset the chip (default: a system reset, as\n"
                   "                      SYSRESETREQ) and stay halted at the reset vector;\n"
                   "                      then 'flushregs' so that gdb rereads the registers\n"
                   "  halt                the core is halted (it always is when gdb asks)\n"
                   "  info                virtual time, mode, active and pending exceptions\n"
                   "  help                this text\n");
        gs_send_str(g, "OK");
        return;
    }
    if (!strcmp(w1, "reset")) {
        reset_kind k = RESET_SOFTWARE;
        if (n > 1 && !strcmp(w2, "pin"))
            k = RESET_PIN;
        else if (n > 1 && strcmp(w2, "system") && strcmp(w2, "halt") && strcmp(w2, "init")) {
            gs_console(g, "monitor reset: unknown kind '%s' (system or pin)\n", w2);
            gs_send_str(g, "E01");
            return;
        }
        machine_reset(m, k);
        g->credit = 0;
        g->stop = SK_RESET;
        gs_console(g, "reset (%s): halted at 0x%08x (gdb keeps the registers it read "
                   "before: 'flushregs' rereads them)\n",
                reset_kind_name(k), gs_reg_get(m, R_PC));
        gs_send_str(g, "OK");
        return;
    }
    if (!strcmp(w1, "halt")) {
        gs_console(g, "halted at 0x%08x, %.6f s of virtual time\n", gs_reg_get(m, R_PC),
                (double)machine_now(m) / PS_PER_S);
        gs_send_str(g, "OK");
        return;
    }
    if (!strcmp(w1, "info")) {
        monitor_info(g);
        gs_send_str(g, "OK");
        return;
    }
    gs_console(g, "unknown monitor command '%s'; try 'monitor help'\n", w1);
    gs_send_str(g, "E01");
}

/* ---- memory --------------------------------------------------------------- */

void gs_read_mem(gdbstub *g, uint32_t addr, uint32_t len)
{
    uint8_t *buf = g->scratch;
    uint32_t max = (GDBP_MAX_PACKET - 1) / 2;
    if (len > max)
        len = max; /* gdb accepts a shorter answer */
    if ((uint64_t)addr + len > 0x100000000ull)
        len = (uint32_t)(0x100000000ull - addr);
    uint32_t n = len;
    if (!bus_read_mem(&g->m->bus, addr, buf, n)) {
        /* as much as can be read from the start */
        for (n = 0; n < len && bus_read_mem(&g->m->bus, addr + n, buf + n, 1); n++)
            ;
    }
    if (n == 0 && len > 0) {
        gs_send_str(g, "E14");
        return;
    }
    gdbp_hex_encode(g->reply, buf, n);
    gs_send_packet(g, g->reply, 2 * n);
}

void gs_write_mem(gdbstub *g, uint32_t addr, const uint8_t *data, uint32_t len)
{
    machine *m = g->m;
    if ((uint64_t)addr + len > 0x100000000ull || !bus_write_mem(&m->bus, addr, data, len)) {
        gs_send_str(g, "E14");
        return;
    }
    if (len && bus_host_ptr(&m->bus, addr, len))
        machine_code_changed(m, addr, addr + len); /* code may live there */
    gs_send_str(g, "OK");
}

void gs_flash_erase(gdbstub *g, uint32_t addr, uint32_t len)
{
    machine *m = g->m;
    if (!len || !gs_flash_at(m, addr, len) ||
        machine_erase_sectors(m, addr, addr + len)) {
        gs_send_str(g, "E01");
        return;
    }
    gs_send_str(g, "OK");
}

void gs_flash_write(gdbstub *g, uint32_t addr, const uint8_t *data, uint32_t len)
{
    machine *m = g->m;
    bus_ram *r = gs_flash_at(m, addr, len);
    if (!r) {
        gs_send_str(g, "E01");
        return;
    }
    uint32_t lo = bus_canonical(&m->bus, addr), hi = lo + len;
    memcpy(r->host + (lo - r->base), data, len);
    range_cover(&g->flash_lo, &g->flash_hi, lo, hi);
    gs_send_str(g, "OK");
}
