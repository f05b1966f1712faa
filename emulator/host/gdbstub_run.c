/* The GDB stub's run control: breakpoints and watchpoints as Unicorn
 * hooks, stepping, halting and resuming with virtual time kept exact,
 * stop replies. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdbstub_internal.h"

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
 * pays for it. Retranslate what a hook covers when it comes and goes: a
 * range at once, all of it before the core next runs (gdbstub_internal.h). */
static void retranslate(gdbstub *g, uint64_t begin, uint64_t end)
{
    if (begin > end) { /* unbounded */
        g->flush_pending = true;
        if (!g->halted) /* the core runs: no later moment */
            gs_apply_flush(g);
    } else {
        uc_ctl_remove_cache(g->m->uc, begin, end + 1);
        g->range_flushes++;
    }
}

void gs_apply_flush(gdbstub *g)
{
    if (!g->flush_pending)
        return;
    g->flush_pending = false;
    g->whole_flushes++;
    /* Drop all translated code. Spelled out: uc_ctl_flush_tlb() means
     * this in 2.0.1 but flushes the TLB from 2.1 on (uc_ctl_flush_tb);
     * the control code is the same in both. */
    uc_ctl(g->m->uc, UC_CTL_WRITE(UC_CTL_TB_FLUSH, 0));
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

int gs_bp_insert(gdbstub *g, unsigned type, uint32_t addr)
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

int gs_bp_remove(gdbstub *g, unsigned type, uint32_t addr)
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

int gs_wp_insert(gdbstub *g, unsigned type, uint32_t addr, uint32_t len)
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

int gs_wp_remove(gdbstub *g, unsigned type, uint32_t addr, uint32_t len)
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

void gs_remove_all(gdbstub *g)
{
    while (g->nbps > 0) {
        gdb_bp *b = &g->bps[--g->nbps];
        del_code_hook(g, b->h, b->addr, b->addr + 1);
    }
    for (int i = 0; i < GDB_MAX_WP; i++)
        if (g->wps[i].used)
            gs_wp_remove(g, g->wps[i].type, g->wps[i].addr, g->wps[i].len);
}

/* ---- run control ---------------------------------------------------------- */

void gs_drop_temp_hooks(gdbstub *g)
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
void gs_halt(gdbstub *g, stop_kind k)
{
    machine *m = g->m;
    gs_set_halted(g, true); /* first: what the hooks leave waits for the resume */
    gs_drop_temp_hooks(g);
    g->credit = 0;
    if (g->hit && g->hook_stop) {
        /* stopped before `pc` inside a block counted in full */
        uint32_t pc = core_reg(m, UC_ARM_REG_PC) & ~1u;
        uint32_t b = m->cpu.block_pc;
        uint32_t end = gs_block_end(m, b);
        if (pc >= b && pc < end) {
            g->credit_pc = pc;
            g->credit = gs_count_insns(m, pc, end);
        }
    }
    g->hit = false;
    g->hook_stop = false;
    g->wp_pending = false;
    g->stop = k;
    g->running = false;
}

void gs_resume(gdbstub *g, bool step)
{
    machine *m = g->m;
    uint32_t pc = core_reg(m, UC_ARM_REG_PC) & ~1u;
    g->hit = false;
    g->hook_stop = false;
    g->wp_pending = false;
    if (g->credit && g->credit_pc == pc) {
        /* the block that will start here counts at most this much */
        uint32_t n = gs_count_insns(m, pc, gs_block_end(m, pc));
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
    gs_set_halted(g, false);
}

/* ---- stop replies ------------------------------------------------------- */

void gs_send_stop(gdbstub *g)
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
        p = gs_hex32le(p, gs_reg_get(m, expedite[i]));
        *p++ = ';';
    }
    p += sprintf(p, "thread:%x;", GDB_THREAD);
    gs_send_packet(g, buf, (size_t)(p - buf));
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
    gs_halt(g, g->stop);
    gs_send_stop(g);
}
