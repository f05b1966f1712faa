/* GDB remote stub (see gdbstub.h): the machine side of the protocol that
 * gdbproto.c frames and parses. */
#include "gdbstub.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdbproto.h"

#define GDB_MAX_BP 64
#define GDB_MAX_WP 16
#define GDB_MAX_WP_LEN 0x10000u
#define GDB_NREGS 23
#define GDB_THREAD 1
#define SEND_TIMEOUT_MS 5000

#define CONTROL_NPRIV 1u
#define CONTROL_SPSEL 2u

/* Register numbers of our target description. */
enum {
    R_SP = 13, R_LR = 14, R_PC = 15, R_XPSR = 16, R_MSP, R_PSP, R_PRIMASK,
    R_BASEPRI, R_FAULTMASK, R_CONTROL,
};

typedef enum {
    SK_NONE,
    SK_SIGINT,  /* Ctrl-C, or the debugger connected */
    SK_SWBREAK, /* Z0 */
    SK_HWBREAK, /* Z1 */
    SK_WATCH,   /* Z2-Z4 */
    SK_STEP,
    SK_RESET,   /* monitor reset */
} stop_kind;

typedef struct gdb_bp {
    uint32_t addr;
    int sw, hw; /* insertions of each kind (gdb may insert both) */
    uc_hook h;
} gdb_bp;

typedef struct gdb_wp {
    struct gdbstub *g;
    bool used;
    uint32_t addr, len;
    unsigned type; /* 2 write, 3 read, 4 access */
    uc_hook h;
} gdb_wp;

struct gdbstub {
    machine *m;
    runner *r;
    int lfd, cfd;
    int port;
    char addr[64];
    bool wait_first; /* --gdb-wait: hold the core until a debugger runs it */

    void (*send)(void *ctx, const char *buf, size_t n);
    void *send_ctx;
    bool drop; /* the connection failed: close it */

    gdbp_reader rd;
    uint8_t scratch[GDBP_MAX_PACKET];
    char reply[GDBP_MAX_PACKET + 1];
    char out[2 * GDBP_MAX_PACKET + 8]; /* the last framed packet */
    size_t outlen;
    int nacks;
    bool noack;
    bool gdb_swbreak, gdb_hwbreak; /* the debugger understands these stop reasons */

    bool connected;
    bool halted;  /* the debugger holds the core */
    bool running; /* resumed by the debugger: a stop reply is owed */
    bool killed;

    /* why the core stopped */
    stop_kind stop;
    uint32_t watch_addr;
    unsigned watch_type;
    /* set by hooks while the machine runs */
    volatile bool hit;
    bool hook_stop; /* the stop happened inside a counted block */
    bool wp_pending;

    gdb_bp bps[GDB_MAX_BP];
    int nbps;
    gdb_wp wps[GDB_MAX_WP];
    int nwps;
    uc_hook h_wcode; /* per-instruction hook while watchpoints exist */
    bool wcode_on;

    bool stepping;
    uc_hook h_step;
    uint32_t step_pc;
    unsigned step_calls;

    /* Virtual time: the block the core stopped in was counted in full;
     * the block that restarts at the stop address counts its rest again.
     * The difference is taken back when that block starts. */
    uint32_t credit_pc, credit;
    uc_hook h_credit;
    bool credit_hook_on;

    uint32_t flash_lo, flash_hi; /* written by vFlashWrite */
};

/* ---- helpers ----------------------------------------------------------- */

static void rebuild_hflags(machine *m)
{
    core_set_reg(m, UC_ARM_REG_APSR_NZCV, core_reg(m, UC_ARM_REG_APSR_NZCV));
}

static void set_halted(gdbstub *g, bool h)
{
    g->halted = h;
    if (g->r)
        g->r->halted = h;
}

static void info(gdbstub *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void info(gdbstub *g, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    log_msg(&g->m->log, LOG_INFO, "photon-sim: gdb: %s", buf);
}

static bool in_flash(uint32_t addr, uint32_t len)
{
    uint64_t end = (uint64_t)addr + len;
    return (addr >= FLASH_BASE && end <= (uint64_t)FLASH_BASE + FLASH_SIZE) ||
           end <= FLASH_SIZE;
}

/* Thumb-2 instructions in [from, to) (the block hook counts the same way). */
static uint32_t count_insns(machine *m, uint32_t from, uint32_t to)
{
    if (to <= from)
        return 0;
    const uint8_t *p = bus_host_ptr(&m->bus, from, to - from);
    if (!p)
        return 0;
    uint32_t n = 0;
    for (uint32_t i = 0; i + 1 < to - from; n++) {
        uint16_t hw = (uint16_t)(p[i] | p[i + 1] << 8);
        i += (hw >> 11) >= 0x1D ? 4 : 2;
    }
    return n;
}

/* The end of the translation block that starts at `pc`. */
static uint32_t block_end(machine *m, uint32_t pc)
{
    uc_tb tb;
    memset(&tb, 0, sizeof(tb));
    /* uc_ctl_request_cache() spelled out: its macro shifts a signed 3 into
     * bit 31, which UBSan rejects */
    uint32_t op = (uint32_t)UC_CTL_TB_REQUEST_CACHE | 2u << 26 |
                  (uint32_t)UC_CTL_IO_READ_WRITE << 30;
    if (uc_ctl(m->uc, (uc_control_type)op, (uint64_t)(pc & ~1u), &tb) != UC_ERR_OK)
        return pc;
    return pc + tb.size;
}

/* ---- output ------------------------------------------------------------ */

static void raw_send(gdbstub *g, const char *buf, size_t n)
{
    if (g->send) {
        g->send(g->send_ctx, buf, n);
        return;
    }
    if (g->cfd < 0 || g->drop)
        return;
    while (n) {
        ssize_t w = send(g->cfd, buf, n, MSG_NOSIGNAL);
        if (w > 0) {
            buf += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p = {g->cfd, POLLOUT, 0};
            if (poll(&p, 1, SEND_TIMEOUT_MS) > 0)
                continue;
        }
        g->drop = true; /* the debugger does not read, or went away */
        return;
    }
}

static void send_packet(gdbstub *g, const char *payload, size_t n)
{
    size_t len = gdbp_frame(g->out, sizeof(g->out), payload, n);
    if (!len) /* cannot happen: replies are bounded */
        len = gdbp_frame(g->out, sizeof(g->out), "E01", 3);
    g->outlen = len;
    g->nacks = 0;
    raw_send(g, g->out, len);
}

static void send_str(gdbstub *g, const char *s)
{
    send_packet(g, s, strlen(s));
}

/* Console output for `monitor` commands: O packets of hex text. */
static void console(gdbstub *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void console(gdbstub *g, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(text))
        n = sizeof(text) - 1;
    char pkt[2 * sizeof(text) + 2];
    pkt[0] = 'O';
    gdbp_hex_encode(pkt + 1, text, (size_t)n);
    send_str(g, pkt);
}

static char *hex32le(char *p, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    gdbp_hex_encode(p, b, 4);
    return p + 8;
}

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
        rebuild_hflags(m);
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

static uint32_t reg_get(machine *m, unsigned n)
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
            rebuild_hflags(m);
        }
        core_set_reg(m, UC_ARM_REG_CONTROL, v); /* swaps the stacks on SPSEL */
    }
    rebuild_hflags(m);
}

static void reg_set(gdbstub *g, unsigned n, uint32_t v)
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
        rebuild_hflags(m);
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

/* ---- hooks -------------------------------------------------------------- */

static void stop_here(gdbstub *g, stop_kind k)
{
    g->hit = true;
    g->hook_stop = true;
    g->stop = k;
    machine_request_stop(g->m, STOP_HALT);
    uc_emu_stop(g->m->uc); /* now, before this instruction (PC is synced) */
}

/* Every hook of ours sees the instruction about to execute. */
static void on_insn(gdbstub *g, uint32_t addr)
{
    if (g->credit && addr == g->credit_pc) {
        machine *m = g->m;
        if (m->cpu.block_pc == addr)
            core_uncount(m, g->credit);
        g->credit = 0;
    }
}

static gdb_bp *find_bp(gdbstub *g, uint32_t addr)
{
    for (int i = 0; i < g->nbps; i++)
        if (g->bps[i].addr == addr)
            return &g->bps[i];
    return NULL;
}

static void hook_bp(uc_engine *uc, uint64_t address, uint32_t size, void *ud)
{
    (void)uc;
    (void)size;
    gdbstub *g = ud;
    uint32_t addr = (uint32_t)address;
    on_insn(g, addr);
    if (g->hit || !g->running)
        return;
    /* The instruction being stepped is not stopped by its own breakpoint. */
    if (g->stepping && g->step_calls == 0 && addr == g->step_pc)
        return;
    gdb_bp *b = find_bp(g, addr);
    if (b)
        stop_here(g, b->sw ? SK_SWBREAK : SK_HWBREAK);
}

static void hook_step(uc_engine *uc, uint64_t address, uint32_t size, void *ud)
{
    (void)uc;
    (void)size;
    gdbstub *g = ud;
    uint32_t addr = (uint32_t)address;
    on_insn(g, addr);
    if (g->hit)
        return;
    /* The first instruction runs; the next one (or the first of a handler
     * entered before it) is where the step ends. */
    if (g->step_calls++ == 0 && addr == g->step_pc)
        return;
    stop_here(g, SK_STEP);
}

static void hook_wcode(uc_engine *uc, uint64_t address, uint32_t size, void *ud)
{
    (void)uc;
    (void)size;
    gdbstub *g = ud;
    on_insn(g, (uint32_t)address);
    if (g->wp_pending && !g->hit) {
        g->wp_pending = false;
        stop_here(g, SK_WATCH);
    }
}

static void hook_credit(uc_engine *uc, uint64_t address, uint32_t size, void *ud)
{
    (void)uc;
    (void)size;
    on_insn(ud, (uint32_t)address);
}

static void hook_mem(uc_engine *uc, uc_mem_type type, uint64_t address, int size,
                     int64_t value, void *ud)
{
    (void)uc;
    (void)value;
    gdb_wp *w = ud;
    gdbstub *g = w->g;
    if (!w->used || g->wp_pending || g->hit || !g->running)
        return;
    if (address >= (uint64_t)w->addr + w->len || address + (uint64_t)size <= w->addr)
        return;
    bool write = type == UC_MEM_WRITE;
    if ((w->type == 2 && !write) || (w->type == 3 && write))
        return;
    /* The access completes; the core stops before the next instruction,
     * as a Cortex-M DWT watchpoint does. */
    g->wp_pending = true;
    g->watch_addr = (uint32_t)address < w->addr ? w->addr : (uint32_t)address;
    g->watch_type = w->type;
}

/* Hooks are compiled into translated code: code translated before a hook
 * was added does not call it, and code translated while it existed still
 * pays for it. Retranslate what a hook covers when it comes and goes. */
static void retranslate(gdbstub *g, uint64_t begin, uint64_t end)
{
    if (begin > end) /* unbounded */
        /* Drop all translated code. Spelled out: uc_ctl_flush_tlb() means
         * this in 2.0.1 but flushes the TLB from 2.1 on (uc_ctl_flush_tb);
         * the control code is the same in both. */
        uc_ctl(g->m->uc, UC_CTL_WRITE(UC_CTL_TB_FLUSH, 0));
    else
        uc_ctl_remove_cache(g->m->uc, begin, end + 1);
}

static bool add_code_hook(gdbstub *g, uc_hook *h, void *fn, uint64_t begin, uint64_t end)
{
    if (uc_hook_add(g->m->uc, h, UC_HOOK_CODE, fn, g, begin, end) != UC_ERR_OK)
        return false;
    g->m->cpu.code_hooks++; /* the core stops differently while they exist */
    retranslate(g, begin, end);
    return true;
}

static void del_code_hook(gdbstub *g, uc_hook h, uint64_t begin, uint64_t end)
{
    uc_hook_del(g->m->uc, h);
    g->m->cpu.code_hooks--;
    retranslate(g, begin, end);
}

/* ---- breakpoints and watchpoints -------------------------------------- */

static int bp_insert(gdbstub *g, unsigned type, uint32_t addr)
{
    addr &= ~1u;
    gdb_bp *b = find_bp(g, addr);
    if (!b) {
        if (g->nbps >= GDB_MAX_BP)
            return -1;
        b = &g->bps[g->nbps];
        memset(b, 0, sizeof(*b));
        b->addr = addr;
        if (!add_code_hook(g, &b->h, hook_bp, addr, addr + 1))
            return -1;
        g->nbps++;
    }
    if (type == 0)
        b->sw++;
    else
        b->hw++;
    return 0;
}

static int bp_remove(gdbstub *g, unsigned type, uint32_t addr)
{
    addr &= ~1u;
    gdb_bp *b = find_bp(g, addr);
    if (!b)
        return 0; /* removing what is not there is fine */
    if (type == 0 && b->sw)
        b->sw--;
    else if (type == 1 && b->hw)
        b->hw--;
    if (b->sw || b->hw)
        return 0;
    del_code_hook(g, b->h, b->addr, b->addr + 1);
    *b = g->bps[--g->nbps];
    return 0;
}

static void wcode_update(gdbstub *g)
{
    bool want = g->nwps > 0;
    if (want == g->wcode_on)
        return;
    if (want)
        g->wcode_on = add_code_hook(g, &g->h_wcode, hook_wcode, 1, 0);
    else {
        del_code_hook(g, g->h_wcode, 1, 0);
        g->wcode_on = false;
    }
}

static int wp_insert(gdbstub *g, unsigned type, uint32_t addr, uint32_t len)
{
    if (len == 0 || len > GDB_MAX_WP_LEN || (uint64_t)addr + len > 0x100000000ull)
        return -1;
    gdb_wp *w = NULL;
    for (int i = 0; i < GDB_MAX_WP && !w; i++)
        if (!g->wps[i].used)
            w = &g->wps[i];
    if (!w)
        return -1;
    int kinds = type == 2 ? UC_HOOK_MEM_WRITE
              : type == 3 ? UC_HOOK_MEM_READ
                          : UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE;
    /* bounded on the access address: widen so that a wider access that
     * starts below the range is seen; hook_mem checks the overlap */
    uint64_t begin = addr >= 7 ? addr - 7 : 0;
    w->g = g;
    w->addr = addr;
    w->len = len;
    w->type = type;
    if (uc_hook_add(g->m->uc, &w->h, kinds, (void *)hook_mem, w, begin,
                    (uint64_t)addr + len - 1) != UC_ERR_OK)
        return -1;
    w->used = true;
    g->nwps++;
    wcode_update(g);
    retranslate(g, 1, 0); /* loads and stores leave the fast path */
    return 0;
}

static int wp_remove(gdbstub *g, unsigned type, uint32_t addr, uint32_t len)
{
    for (int i = 0; i < GDB_MAX_WP; i++) {
        gdb_wp *w = &g->wps[i];
        if (w->used && w->addr == addr && w->len == len && w->type == type) {
            uc_hook_del(g->m->uc, w->h);
            w->used = false;
            g->nwps--;
            wcode_update(g);
            retranslate(g, 1, 0);
            return 0;
        }
    }
    return 0;
}

static void remove_all(gdbstub *g)
{
    while (g->nbps > 0) {
        gdb_bp *b = &g->bps[--g->nbps];
        del_code_hook(g, b->h, b->addr, b->addr + 1);
    }
    for (int i = 0; i < GDB_MAX_WP; i++)
        if (g->wps[i].used)
            wp_remove(g, g->wps[i].type, g->wps[i].addr, g->wps[i].len);
}

/* ---- run control ---------------------------------------------------------- */

static void drop_temp_hooks(gdbstub *g)
{
    if (g->stepping) {
        del_code_hook(g, g->h_step, 1, 0);
        g->stepping = false;
    }
    if (g->credit_hook_on) {
        del_code_hook(g, g->h_credit, g->credit_pc, g->credit_pc + 1);
        g->credit_hook_on = false;
    }
}

/* The core is held from now on. */
static void halt(gdbstub *g, stop_kind k)
{
    machine *m = g->m;
    drop_temp_hooks(g);
    g->credit = 0;
    if (g->hit && g->hook_stop) {
        /* stopped before `pc` inside a block counted in full */
        uint32_t pc = core_reg(m, UC_ARM_REG_PC) & ~1u;
        uint32_t b = m->cpu.block_pc;
        uint32_t end = block_end(m, b);
        if (pc >= b && pc < end) {
            g->credit_pc = pc;
            g->credit = count_insns(m, pc, end);
        }
    }
    g->hit = false;
    g->hook_stop = false;
    g->wp_pending = false;
    g->stop = k;
    g->running = false;
    set_halted(g, true);
}

static void resume(gdbstub *g, bool step)
{
    machine *m = g->m;
    uint32_t pc = core_reg(m, UC_ARM_REG_PC) & ~1u;
    g->hit = false;
    g->hook_stop = false;
    g->wp_pending = false;
    if (g->credit && g->credit_pc == pc) {
        /* the block that will start here counts at most this much */
        uint32_t n = count_insns(m, pc, block_end(m, pc));
        if (g->credit > n)
            g->credit = n;
    } else {
        g->credit = 0;
    }
    if (step) {
        g->step_pc = pc;
        g->step_calls = 0;
        g->stepping = add_code_hook(g, &g->h_step, hook_step, 1, 0);
    }
    if (g->credit && !g->stepping && !g->wcode_on && !find_bp(g, pc))
        g->credit_hook_on = add_code_hook(g, &g->h_credit, hook_credit, pc, pc + 1);
    g->running = true;
    g->wait_first = false;
    set_halted(g, false);
}

/* ---- stop replies ------------------------------------------------------- */

static void send_stop(gdbstub *g)
{
    machine *m = g->m;
    char buf[160], *p = buf;
    int sig = g->stop == SK_SIGINT ? 2 : 5;
    p += sprintf(p, "T%02x", sig);
    if (g->stop == SK_WATCH)
        p += sprintf(p, "%s:%" PRIx32 ";",
                     g->watch_type == 3 ? "rwatch" : g->watch_type == 4 ? "awatch" : "watch",
                     g->watch_addr);
    else if (g->stop == SK_SWBREAK && g->gdb_swbreak)
        p += sprintf(p, "swbreak:;");
    else if (g->stop == SK_HWBREAK && g->gdb_hwbreak)
        p += sprintf(p, "hwbreak:;");
    static const unsigned expedite[] = {R_SP, R_LR, R_PC};
    for (size_t i = 0; i < 3; i++) {
        p += sprintf(p, "%02x:", expedite[i]);
        p = hex32le(p, reg_get(m, expedite[i]));
        *p++ = ';';
    }
    p += sprintf(p, "thread:%x;", GDB_THREAD);
    send_packet(g, buf, (size_t)(p - buf));
}

void gdbstub_check(gdbstub *g)
{
    if (!g->running)
        return;
    if (g->wp_pending && !g->hit) {
        /* the access was the last thing before a slice boundary */
        g->hit = true;
        g->stop = SK_WATCH;
    }
    if (!g->hit)
        return;
    halt(g, g->stop);
    send_stop(g);
}

/* ---- documents ------------------------------------------------------------ */

static const char target_xml[] =
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

/* Flash with its sectors (4 x 16 KB, 64 KB, 7 x 128 KB) at 0x08000000 and
 * at its boot alias 0, so that gdb uses hardware breakpoints there and
 * `load` erases and programs with vFlash packets. */
#define FLASH_REGIONS(s0, s4, s5)                                                    \
    "<memory type=\"flash\" start=\"" s0 "\" length=\"0x10000\">"                  \
    "<property name=\"blocksize\">0x4000</property></memory>\n"                    \
    "<memory type=\"flash\" start=\"" s4 "\" length=\"0x10000\">"                  \
    "<property name=\"blocksize\">0x10000</property></memory>\n"                   \
    "<memory type=\"flash\" start=\"" s5 "\" length=\"0xe0000\">"                  \
    "<property name=\"blocksize\">0x20000</property></memory>\n"
static const char memory_map_xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE memory-map PUBLIC \"+//IDN gnu.org//DTD GDB Memory Map V1.0//EN\""
    " \"http://sourceware.org/gdb/gdb-memory-map.dtd\">\n"
    "<memory-map>\n"
    FLASH_REGIONS("0x0", "0x10000", "0x20000")
    FLASH_REGIONS("0x8000000", "0x8010000", "0x8020000")
    "<memory type=\"rom\" start=\"0x1fff0000\" length=\"0x8000\"/>\n"
    "<memory type=\"rom\" start=\"0x1fffc000\" length=\"0x400\"/>\n"
    "<memory type=\"ram\" start=\"0x20000000\" length=\"0x20000\"/>\n"
    "<memory type=\"ram\" start=\"0x22000000\" length=\"0x400000\"/>\n"
    "<memory type=\"ram\" start=\"0x40000000\" length=\"0x80000\"/>\n"
    "<memory type=\"ram\" start=\"0x42000000\" length=\"0x2000000\"/>\n"
    "<memory type=\"ram\" start=\"0x50000000\" length=\"0x61000\"/>\n"
    "<memory type=\"ram\" start=\"0xe0000000\" length=\"0x100000\"/>\n"
    "</memory-map>\n";

/* ---- monitor commands ---------------------------------------------------- */

static void monitor_info(gdbstub *g)
{
    machine *m = g->m;
    uint32_t ipsr = core_reg(m, UC_ARM_REG_IPSR) & 0x1FF;
    console(g, "time %.6f s (cycle %" PRIu64 " at %.1f MHz)\n",
            (double)machine_now(m) / PS_PER_S, m->clock.cycles, m->clock.hz / 1e6);
    console(g, "pc 0x%08x, %s mode%s%s, %s\n", reg_get(m, R_PC),
            ipsr ? "Handler" : "Thread", ipsr ? " in " : "", ipsr ? exc_name((int)ipsr) : "",
            m->cpu.lockup ? "locked up" : m->cpu.sleeping ? "sleeping (WFI)"
            : m->cpu.held_in_reset ? "held in reset" : "running");
    char act[512] = "", pend[512] = "";
    size_t na = 0, np = 0;
    for (int e = 1; e < NVIC_NUM_EXC; e++) {
        if (m->nvic.active[e] && na < sizeof(act) - 24)
            na += (size_t)snprintf(act + na, sizeof(act) - na, " %s", exc_name(e));
        if (m->nvic.pending[e] && np < sizeof(pend) - 24)
            np += (size_t)snprintf(pend + np, sizeof(pend) - np, " %s", exc_name(e));
    }
    console(g, "active:%s\npending:%s\n", na ? act : " none", np ? pend : " none");
    console(g, "primask %u basepri 0x%02x faultmask %u control %u\n", reg_get(m, R_PRIMASK),
            reg_get(m, R_BASEPRI), reg_get(m, R_FAULTMASK), reg_get(m, R_CONTROL));
}

static void monitor(gdbstub *g, const char *cmd)
{
    machine *m = g->m;
    char w1[32] = "", w2[32] = "";
    int n = sscanf(cmd, "%31s %31s", w1, w2);
    if (n <= 0 || !strcmp(w1, "help")) {
        console(g, "photon-sim monitor commands:\n"
                   "  reset [system|pin]  reset the chip (default: a system reset, as\n"
                   "                      SYSRESETREQ) and stay halted at the reset vector;\n"
                   "                      then 'flushregs' so that gdb rereads the registers\n"
                   "  halt                the core is halted (it always is when gdb asks)\n"
                   "  info                virtual time, mode, active and pending exceptions\n"
                   "  help                this text\n");
        send_str(g, "OK");
        return;
    }
    if (!strcmp(w1, "reset")) {
        reset_kind k = RESET_SOFTWARE;
        if (n > 1 && !strcmp(w2, "pin"))
            k = RESET_PIN;
        else if (n > 1 && strcmp(w2, "system") && strcmp(w2, "halt") && strcmp(w2, "init")) {
            console(g, "monitor reset: unknown kind '%s' (system or pin)\n", w2);
            send_str(g, "E01");
            return;
        }
        machine_reset(m, k);
        g->credit = 0;
        g->stop = SK_RESET;
        console(g, "reset (%s): halted at 0x%08x (gdb keeps the registers it read "
                   "before: 'flushregs' rereads them)\n",
                reset_kind_name(k), reg_get(m, R_PC));
        send_str(g, "OK");
        return;
    }
    if (!strcmp(w1, "halt")) {
        console(g, "halted at 0x%08x, %.6f s of virtual time\n", reg_get(m, R_PC),
                (double)machine_now(m) / PS_PER_S);
        send_str(g, "OK");
        return;
    }
    if (!strcmp(w1, "info")) {
        monitor_info(g);
        send_str(g, "OK");
        return;
    }
    console(g, "unknown monitor command '%s'; try 'monitor help'\n", w1);
    send_str(g, "E01");
}

/* ---- memory --------------------------------------------------------------- */

static void read_mem(gdbstub *g, uint32_t addr, uint32_t len)
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
        send_str(g, "E14");
        return;
    }
    gdbp_hex_encode(g->reply, buf, n);
    send_packet(g, g->reply, 2 * n);
}

static void write_mem(gdbstub *g, uint32_t addr, const uint8_t *data, uint32_t len)
{
    machine *m = g->m;
    if ((uint64_t)addr + len > 0x100000000ull || !bus_write_mem(&m->bus, addr, data, len)) {
        send_str(g, "E14");
        return;
    }
    if (len && bus_host_ptr(&m->bus, addr, len))
        machine_code_changed(m, addr, addr + len); /* code may live there */
    send_str(g, "OK");
}

static uint32_t sector_start(uint32_t off)
{
    int s = flash_sector_of(off);
    return s < 4 ? (uint32_t)s << 14 : s == 4 ? 0x10000u : (uint32_t)(s - 4) << 17;
}

static uint32_t sector_size(uint32_t off)
{
    int s = flash_sector_of(off);
    return s < 4 ? 0x4000u : s == 4 ? 0x10000u : 0x20000u;
}

static void flash_erase(gdbstub *g, uint32_t addr, uint32_t len)
{
    machine *m = g->m;
    if (!len || !in_flash(addr, len)) {
        send_str(g, "E01");
        return;
    }
    uint32_t off = addr & (FLASH_SIZE - 1), end = off + len;
    for (uint32_t s = sector_start(off); s < end; s += sector_size(s))
        memset(m->flash + s, 0xFF, sector_size(s));
    machine_code_changed(m, FLASH_BASE + sector_start(off), FLASH_BASE + end);
    send_str(g, "OK");
}

static void flash_write(gdbstub *g, uint32_t addr, const uint8_t *data, uint32_t len)
{
    machine *m = g->m;
    if (!in_flash(addr, len)) {
        send_str(g, "E01");
        return;
    }
    uint32_t off = addr & (FLASH_SIZE - 1);
    memcpy(m->flash + off, data, len);
    uint32_t lo = FLASH_BASE + off, hi = lo + len;
    if (g->flash_hi <= g->flash_lo) {
        g->flash_lo = lo;
        g->flash_hi = hi;
    } else {
        if (lo < g->flash_lo)
            g->flash_lo = lo;
        if (hi > g->flash_hi)
            g->flash_hi = hi;
    }
    send_str(g, "OK");
}

/* ---- packets -------------------------------------------------------------- */

static void handle(gdbstub *g, const char *pkt, size_t len)
{
    machine *m = g->m;
    gdb_cmd c;
    gdbp_parse(pkt, len, &c, g->scratch, sizeof(g->scratch));
    char *r = g->reply;
    /* While the core runs, gdb (all-stop) only sends Ctrl-C; anything
     * else gets a reply but does not change the run. */
    switch (c.kind) {
    case GC_UNKNOWN:
    case GC_MUST_REPLY_EMPTY:
        send_str(g, "");
        return;
    case GC_MALFORMED:
        send_str(g, "E01");
        return;
    case GC_SUPPORTED:
        g->gdb_swbreak = strstr(c.text, "swbreak+") != NULL;
        g->gdb_hwbreak = strstr(c.text, "hwbreak+") != NULL;
        snprintf(r, GDBP_MAX_PACKET,
                 "PacketSize=%x;qXfer:features:read+;qXfer:memory-map:read+;"
                 "QStartNoAckMode+;vContSupported+%s%s",
                 GDBP_MAX_PACKET, g->gdb_swbreak ? ";swbreak+" : "",
                 g->gdb_hwbreak ? ";hwbreak+" : "");
        send_str(g, r);
        return;
    case GC_NO_ACK:
        send_str(g, "OK");
        g->noack = true;
        return;
    case GC_XFER: {
        const char *doc = NULL;
        if (!strcmp(c.object, "features") && !strcmp(c.annex, "target.xml"))
            doc = target_xml;
        else if (!strcmp(c.object, "memory-map") && !c.annex[0])
            doc = memory_map_xml;
        if (!doc) {
            send_str(g, strcmp(c.object, "features") && strcmp(c.object, "memory-map") ? ""
                                                                                       : "E00");
            return;
        }
        size_t n = gdbp_xfer_reply(r, GDBP_MAX_PACKET, doc, strlen(doc), c.offset, c.length);
        send_packet(g, r, n);
        return;
    }
    case GC_HALT_REASON:
        if (!g->halted) { /* all-stop: the target is reported stopped */
            g->running = true;
            g->hit = true;
            g->hook_stop = false;
            g->stop = SK_SIGINT;
            gdbstub_check(g);
            return;
        }
        send_stop(g);
        return;
    case GC_ATTACHED:
        send_str(g, "1"); /* quitting gdb detaches: the Photon runs on */
        return;
    case GC_CURRENT_THREAD:
        send_str(g, "QC1");
        return;
    case GC_THREADS_FIRST:
        send_str(g, "m1");
        return;
    case GC_THREADS_NEXT:
        send_str(g, "l");
        return;
    case GC_SET_THREAD:
    case GC_THREAD_ALIVE:
    case GC_SYMBOL:
        send_str(g, "OK");
        return;
    case GC_VCONT_QUERY:
        send_str(g, "vCont;c;C;s;S");
        return;
    case GC_READ_REGS: {
        char *p = r;
        for (unsigned i = 0; i < GDB_NREGS; i++)
            p = hex32le(p, reg_get(m, i));
        send_packet(g, r, (size_t)(p - r));
        return;
    }
    case GC_WRITE_REGS:
        if (c.data_len % 4 || c.data_len > 4 * GDB_NREGS) {
            send_str(g, "E01");
            return;
        }
        for (unsigned i = 0; i < c.data_len / 4; i++) {
            const uint8_t *d = c.data + 4 * i;
            reg_set(g, i, (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
                              (uint32_t)d[3] << 24);
        }
        send_str(g, "OK");
        return;
    case GC_READ_REG:
        if (c.reg >= GDB_NREGS) {
            send_str(g, "E01");
            return;
        }
        hex32le(r, reg_get(m, c.reg));
        send_packet(g, r, 8);
        return;
    case GC_WRITE_REG:
        if (c.reg >= GDB_NREGS || c.data_len != 4) {
            send_str(g, "E01");
            return;
        }
        reg_set(g, c.reg, (uint32_t)c.data[0] | (uint32_t)c.data[1] << 8 |
                              (uint32_t)c.data[2] << 16 | (uint32_t)c.data[3] << 24);
        send_str(g, "OK");
        return;
    case GC_READ_MEM:
        read_mem(g, c.addr, c.len);
        return;
    case GC_WRITE_MEM:
        write_mem(g, c.addr, c.data, c.len);
        return;
    case GC_INSERT:
    case GC_REMOVE: {
        int rc;
        if (c.type <= 1)
            rc = c.kind == GC_INSERT ? bp_insert(g, c.type, c.addr) : bp_remove(g, c.type, c.addr);
        else
            rc = c.kind == GC_INSERT ? wp_insert(g, c.type, c.addr, c.len)
                                     : wp_remove(g, c.type, c.addr, c.len);
        send_str(g, rc ? "E0c" : "OK");
        return;
    }
    case GC_CONTINUE:
    case GC_STEP:
        if (!g->halted)
            return; /* already running: the stop reply will come */
        if (c.has_addr)
            reg_set(g, R_PC, c.addr);
        resume(g, c.kind == GC_STEP);
        return; /* the reply is the stop reply, later */
    case GC_DETACH:
        send_str(g, "OK");
        info(g, "detached");
        g->drop = true;
        return;
    case GC_KILL:
        info(g, "killed by the debugger: the run ends");
        g->killed = true;
        if (g->r)
            g->r->stop = true;
        if (!strncmp(pkt, "vKill", 5))
            send_str(g, "OK");
        g->drop = true;
        return;
    case GC_MONITOR:
        monitor(g, c.text);
        return;
    case GC_FLASH_ERASE:
        flash_erase(g, c.addr, c.len);
        return;
    case GC_FLASH_WRITE:
        flash_write(g, c.addr, c.data, c.len);
        return;
    case GC_FLASH_DONE:
        if (g->flash_hi > g->flash_lo)
            machine_code_changed(m, g->flash_lo, g->flash_hi);
        g->flash_lo = g->flash_hi = 0;
        send_str(g, "OK");
        return;
    }
}

void gdbstub_input(gdbstub *g, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    for (size_t i = 0; i < n && !g->drop; i++) {
        switch (gdbp_reader_byte(&g->rd, p[i])) {
        case GDBP_NONE:
        case GDBP_ACK:
            break;
        case GDBP_NACK:
            if (g->outlen && !g->noack && ++g->nacks <= 8)
                raw_send(g, g->out, g->outlen);
            break;
        case GDBP_INTERRUPT:
            if (g->running) {
                halt(g, SK_SIGINT);
                send_stop(g);
            }
            break;
        case GDBP_BAD_CHECKSUM:
            if (g->noack)
                send_str(g, "E01"); /* cannot ask for it again */
            else
                raw_send(g, "-", 1);
            break;
        case GDBP_TOO_LONG:
            if (!g->noack)
                raw_send(g, "+", 1);
            send_str(g, "E01");
            break;
        case GDBP_PACKET:
            if (!g->noack)
                raw_send(g, "+", 1);
            handle(g, g->rd.buf, g->rd.len);
            break;
        }
    }
    if (g->drop && g->send) { /* no socket to close: just let go */
        gdbstub_disconnect(g);
        g->drop = false;
    }
}

/* ---- connection ----------------------------------------------------------- */

void gdbstub_connect(gdbstub *g)
{
    gdbp_reader_init(&g->rd);
    g->noack = false;
    g->outlen = 0;
    g->drop = false;
    g->connected = true;
    g->wait_first = false; /* from now on the debugger decides */
    g->gdb_swbreak = g->gdb_hwbreak = false;
    if (!g->halted) {
        /* all-stop: a debugger that connects finds the core stopped */
        g->hit = false;
        halt(g, SK_SIGINT);
    }
}

void gdbstub_disconnect(gdbstub *g)
{
    remove_all(g);
    drop_temp_hooks(g);
    g->connected = false;
    g->running = false;
    g->hit = false;
    g->wp_pending = false;
    g->credit = 0;
    set_halted(g, false); /* the Photon runs on */
}

gdbstub *gdbstub_new(machine *m)
{
    gdbstub *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->m = m;
    g->lfd = g->cfd = -1;
    gdbp_reader_init(&g->rd);
    return g;
}

static void close_conn(gdbstub *g)
{
    if (g->cfd >= 0)
        close(g->cfd);
    g->cfd = -1;
    gdbstub_disconnect(g);
}

void gdbstub_free(gdbstub *g)
{
    if (!g)
        return;
    if (g->cfd >= 0)
        close(g->cfd);
    if (g->lfd >= 0)
        close(g->lfd);
    free(g);
}

void gdbstub_set_output(gdbstub *g, void (*send)(void *, const char *, size_t), void *ctx)
{
    g->send = send;
    g->send_ctx = ctx;
}

bool gdbstub_halted(const gdbstub *g)
{
    return g->halted;
}

bool gdbstub_killed(const gdbstub *g)
{
    return g->killed;
}

int gdbstub_port(const gdbstub *g)
{
    return g->port;
}

const char *gdbstub_addr(const gdbstub *g)
{
    return g->addr;
}

int gdbstub_listen(gdbstub *g, const char *spec, char *err, size_t errlen)
{
    char host[64] = "127.0.0.1";
    const char *ps = spec;
    const char *colon = strrchr(spec, ':');
    if (colon) {
        size_t n = (size_t)(colon - spec);
        if (n == 0 || n >= sizeof(host)) {
            snprintf(err, errlen, "--gdb: bad address in '%s'", spec);
            return -1;
        }
        memcpy(host, spec, n);
        host[n] = 0;
        ps = colon + 1;
    }
    if (!strcmp(host, "localhost"))
        strcpy(host, "127.0.0.1");
    char *end;
    long port = strtol(ps, &end, 10);
    if (!*ps || *end || port < 0 || port > 65535) {
        snprintf(err, errlen, "--gdb wants [ADDRESS:]PORT, got '%s'", spec);
        return -1;
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "--gdb: '%s' is not an IPv4 address", host);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "gdb: socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
        snprintf(err, errlen, "gdb: cannot listen on %s:%ld: %s", host, port, strerror(errno));
        close(fd);
        return -1;
    }
    socklen_t sl = sizeof(sa);
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    g->lfd = fd;
    g->port = ntohs(sa.sin_port);
    snprintf(g->addr, sizeof(g->addr), "%s", host);
    return 0;
}

static void read_conn(gdbstub *g)
{
    char buf[4096];
    for (;;) {
        ssize_t n = recv(g->cfd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0) {
            gdbstub_input(g, buf, (size_t)n);
            if (g->drop)
                break;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (!g->killed)
            info(g, "debugger went away%s", g->running || g->halted ? "; the Photon runs on" : "");
        g->drop = true;
        break;
    }
}

static void accept_conn(gdbstub *g)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    int fd = accept(g->lfd, (struct sockaddr *)&sa, &sl);
    if (fd < 0)
        return;
    char who[64];
    inet_ntop(AF_INET, &sa.sin_addr, who, sizeof(who));
    if (g->cfd >= 0) {
        /* the old one may have gone just before: notice it first */
        read_conn(g);
        if (g->drop)
            close_conn(g);
    }
    if (g->cfd >= 0) {
        info(g, "refused a second debugger from %s:%u (one at a time)", who,
             ntohs(sa.sin_port));
        close(fd);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK | FD_CLOEXEC);
    g->cfd = fd;
    info(g, "debugger connected from %s:%u", who, ntohs(sa.sin_port));
    gdbstub_connect(g);
}

static bool poll_cb(void *ctx, runner *r, int wait_ms)
{
    gdbstub *g = ctx;
    (void)r;
    gdbstub_check(g);
    bool was_halted = g->halted;
    struct pollfd p[2] = {{g->lfd, POLLIN, 0}, {g->cfd, POLLIN, 0}};
    int n = g->cfd >= 0 ? 2 : 1;
    if (poll(p, (nfds_t)n, g->halted ? wait_ms : 0) > 0) {
        if (n > 1 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
            read_conn(g);
        if (g->drop && g->cfd >= 0)
            close_conn(g);
        if (p[0].revents & POLLIN)
            accept_conn(g);
    }
    if (g->drop && g->cfd >= 0)
        close_conn(g);
    if (g->wait_first && !g->connected)
        set_halted(g, true); /* --gdb-wait: until a debugger lets it go */
    return was_halted && !g->halted;
}

void gdbstub_attach(gdbstub *g, runner *r, bool wait)
{
    g->r = r;
    g->wait_first = wait;
    if (wait) {
        g->stop = SK_SIGINT;
        set_halted(g, true);
    }
    runner_add_poller(r, poll_cb, g);
}

void gdbstub_finish(gdbstub *g, int exit_status)
{
    if (g->cfd >= 0 && !g->drop && !g->killed) {
        char buf[8];
        snprintf(buf, sizeof(buf), "W%02x", exit_status & 0xFF);
        send_str(g, buf);
    }
    if (g->cfd >= 0)
        close(g->cfd);
    g->cfd = -1;
}
