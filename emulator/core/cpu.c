/* The Cortex-M3 around Unicorn: the block hook (virtual time, events,
 * interrupt delivery, idle skipping, DWT.CYCCNT), exception entry and
 * return in software (Unicorn 2.0.1 has no NVIC), faults, and stores to
 * read-only memory. See docs in ../shared/specs/unicorn-cortex-m3.md. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "machine.h"
#include "trace.h"

#define EXC_RETURN_HANDLER 0xFFFFFFF1u
#define EXC_RETURN_THREAD_MSP 0xFFFFFFF9u
#define EXC_RETURN_THREAD_PSP 0xFFFFFFFDu
#define XPSR_T BIT(24)
#define XPSR_ALIGN BIT(9)
#define XPSR_IT_MASK 0x0600FC00u
#define CONTROL_NPRIV BIT(0)
#define CONTROL_SPSEL BIT(1)
#define ENTRY_CYCLES 12 /* Cortex-M3 exception entry latency */

/* QEMU's exception numbers, as Unicorn's interrupt hook reports them. */
enum {
    EXCP_UDEF = 1,
    EXCP_SWI = 2,
    EXCP_PREFETCH_ABORT = 3,
    EXCP_DATA_ABORT = 4,
    EXCP_BKPT = 7,
    EXCP_EXCEPTION_EXIT = 8,
    EXCP_NOCP = 17,
    EXCP_INVSTATE = 18,
    EXCP_UNALIGNED = 22,
};

uint32_t core_reg(machine *m, int reg)
{
    uint32_t v = 0;
    uc_reg_read(m->uc, reg, &v);
    return v;
}

void core_set_reg(machine *m, int reg, uint32_t v)
{
    uc_reg_write(m->uc, reg, &v);
}

/* Unicorn 2.0.1 does not rebuild its cached translation flags when IPSR
 * is written; writing APSR_NZCV does. */
void core_rebuild_hflags(machine *m)
{
    core_set_reg(m, UC_ARM_REG_APSR_NZCV, core_reg(m, UC_ARM_REG_APSR_NZCV));
}

static bool mem_write32(machine *m, uint32_t addr, uint32_t v)
{
    uint8_t *p = bus_host_ptr(&m->bus, addr, 4);
    if (!p)
        return false;
    memcpy(p, &v, 4);
    return true;
}

static bool mem_read32(machine *m, uint32_t addr, uint32_t *v)
{
    return bus_read_mem(&m->bus, addr, v, 4);
}

static int exec_prio(machine *m)
{
    return nvic_exec_prio(&m->nvic, core_reg(m, UC_ARM_REG_PRIMASK),
                          core_reg(m, UC_ARM_REG_BASEPRI),
                          core_reg(m, UC_ARM_REG_FAULTMASK));
}

static void enter_lockup(machine *m, const char *why, uint32_t pc)
{
    m->cpu.lockup = true;
    m->cpu.attention = true;
    log_msg(&m->log, LOG_GUEST | LOG_EXC,
            "cpu: lockup (%s) at pc=0x%08x: the core stops until a reset", why,
            pc);
    if (m->cpu.running)
        uc_emu_stop(m->uc);
}

/* Vector fetch, push of the frame, switch to Handler mode. */
void core_exception_entry(machine *m, int exc, uint32_t ret)
{
    static const int regs[] = {UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2,
                               UC_ARM_REG_R3, UC_ARM_REG_R12, UC_ARM_REG_LR,
                               UC_ARM_REG_XPSR, UC_ARM_REG_CONTROL,
                               UC_ARM_REG_SP};
    uint32_t v[9];
    void *pv[9];
    for (int i = 0; i < 9; i++)
        pv[i] = &v[i];
    uc_reg_read_batch(m->uc, (int *)regs, pv, 9);
    uint32_t xpsr = v[6], control = v[7], sp = v[8];
    bool thread = (xpsr & 0x1FF) == 0;
    bool on_psp = thread && (control & CONTROL_SPSEL);

    uint32_t vector;
    if (!mem_read32(m, m->scs.vtor + 4u * (uint32_t)exc, &vector)) {
        enter_lockup(m, "vector fetch failed", ret);
        return;
    }

    uint32_t align = ((m->scs.ccr & BIT(9)) && (sp & 4)) ? 1 : 0;
    uint32_t frame = (sp - 0x20) & ~(align << 2);
    uint32_t f[8] = {v[0], v[1], v[2], v[3], v[4], v[5], ret & ~1u,
                     (xpsr & ~XPSR_ALIGN) | (align << 9)};
    for (int i = 0; i < 8; i++) {
        if (!mem_write32(m, frame + 4u * (uint32_t)i, f[i])) {
            enter_lockup(m, "stacking outside RAM", ret);
            return;
        }
    }

    core_set_reg(m, UC_ARM_REG_SP, frame);
    if (on_psp) {
        if (control & CONTROL_NPRIV) {
            /* Unicorn drops CONTROL writes from an unprivileged thread. */
            core_set_reg(m, UC_ARM_REG_IPSR, 1);
            core_set_reg(m, UC_ARM_REG_CONTROL, control & ~CONTROL_NPRIV);
            core_set_reg(m, UC_ARM_REG_IPSR, 0);
        }
        core_set_reg(m, UC_ARM_REG_CONTROL, control & ~CONTROL_SPSEL);
    }
    core_set_reg(m, UC_ARM_REG_IPSR, (uint32_t)exc);
    if (on_psp && (control & CONTROL_NPRIV))
        core_set_reg(m, UC_ARM_REG_CONTROL, control & ~CONTROL_SPSEL);
    core_set_reg(m, UC_ARM_REG_EPSR, XPSR_T);
    core_set_reg(m, UC_ARM_REG_LR,
                !thread ? EXC_RETURN_HANDLER
                        : on_psp ? EXC_RETURN_THREAD_PSP : EXC_RETURN_THREAD_MSP);
    core_rebuild_hflags(m);
    nvic_activate(&m->nvic, exc);
    m->cpu.exceptions++;
    m->cpu.sleeping = false;
    m->clock.cycles += ENTRY_CYCLES;
    if (trace_exc_on(m))
        trace_exc(m, TRACE_EXC_ENTRY, exc, ret, frame);
    if (!(vector & 1)) {
        /* A vector without the Thumb bit faults on its first instruction. */
        log_msg(&m->log, LOG_GUEST, "cpu: vector %d (0x%08x) lacks the Thumb bit",
                exc, vector);
    }
    core_set_reg(m, UC_ARM_REG_PC, vector | 1);
}

/* Take the pending exception if it beats the execution priority; `pc` is
 * where execution would continue (the block hook's address: reading PC
 * there is stale for chained blocks). */
bool core_take_pending(machine *m, uint32_t pc)
{
    int exc = nvic_should_take(&m->nvic, exec_prio(m));
    if (!exc)
        return false;
    /* Unicorn ignores PC writes inside an IT block: wait for its end. */
    if (core_reg(m, UC_ARM_REG_EPSR) & XPSR_IT_MASK) {
        m->cpu.mask_recheck = true;
        return false;
    }
    core_exception_entry(m, exc, pc);
    return true;
}

static void exception_return(machine *m, uint32_t exc_return)
{
    uint32_t ipsr = core_reg(m, UC_ARM_REG_IPSR) & 0x1FF;
    if (ipsr == 0) {
        core_raise_fault(m, EXC_USAGEFAULT, CFSR_INVPC, 0, exc_return);
        return;
    }
    bool to_thread, use_psp;
    switch (exc_return) {
    case EXC_RETURN_HANDLER: to_thread = false; use_psp = false; break;
    case EXC_RETURN_THREAD_MSP: to_thread = true; use_psp = false; break;
    case EXC_RETURN_THREAD_PSP: to_thread = true; use_psp = true; break;
    default:
        core_raise_fault(m, EXC_USAGEFAULT, CFSR_INVPC, 0, exc_return);
        return;
    }
    if (ipsr != EXC_NMI)
        core_set_reg(m, UC_ARM_REG_FAULTMASK, 0);
    nvic_deactivate(&m->nvic, (int)ipsr);

    /* Tail-chain: a pending exception that beats the level we return to
     * is taken without unstacking. */
    int base = nvic_exec_prio(&m->nvic, core_reg(m, UC_ARM_REG_PRIMASK),
                              core_reg(m, UC_ARM_REG_BASEPRI), 0);
    int next = nvic_should_take(&m->nvic, base);
    if (next) {
        uint32_t vector;
        if (!mem_read32(m, m->scs.vtor + 4u * (uint32_t)next, &vector)) {
            enter_lockup(m, "vector fetch failed", exc_return);
            return;
        }
        core_set_reg(m, UC_ARM_REG_IPSR, (uint32_t)next);
        core_rebuild_hflags(m);
        core_set_reg(m, UC_ARM_REG_LR, exc_return);
        nvic_activate(&m->nvic, next);
        m->cpu.exceptions++;
        m->clock.cycles += 6;
        if (trace_exc_on(m))
            trace_exc(m, TRACE_EXC_TAILCHAIN, next, 0, ipsr);
        core_set_reg(m, UC_ARM_REG_PC, vector | 1);
        return;
    }

    uint32_t sp = use_psp ? core_reg(m, UC_ARM_REG_PSP) : core_reg(m, UC_ARM_REG_MSP);
    uint32_t f[8];
    for (int i = 0; i < 8; i++) {
        if (!mem_read32(m, sp + 4u * (uint32_t)i, &f[i])) {
            enter_lockup(m, "unstacking outside memory", exc_return);
            return;
        }
    }
    uint32_t xpsr = f[7];
    uint32_t new_sp = sp + 0x20 + ((xpsr & XPSR_ALIGN) ? 4 : 0);
    static const int regs[] = {UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2,
                               UC_ARM_REG_R3, UC_ARM_REG_R12, UC_ARM_REG_LR};
    void *pv[6];
    for (int i = 0; i < 6; i++)
        pv[i] = &f[i];
    uc_reg_write_batch(m->uc, (int *)regs, pv, 6);

    if (to_thread && (xpsr & 0x1FF) != 0)
        log_msg(&m->log, LOG_GUEST,
                "cpu: return to Thread mode with stacked IPSR %u", xpsr & 0x1FF);
    uint32_t control = core_reg(m, UC_ARM_REG_CONTROL);
    if (use_psp)
        core_set_reg(m, UC_ARM_REG_PSP, new_sp);
    else
        core_set_reg(m, UC_ARM_REG_MSP, new_sp);
    /* Order matters in Unicorn: IPSR first, then SPSEL from Thread mode. */
    core_set_reg(m, UC_ARM_REG_XPSR, to_thread ? (xpsr & ~0x1FFu) : xpsr);
    if (to_thread) {
        if (control & CONTROL_NPRIV) {
            core_set_reg(m, UC_ARM_REG_IPSR, 1);
            core_set_reg(m, UC_ARM_REG_CONTROL, control & ~CONTROL_NPRIV);
            core_set_reg(m, UC_ARM_REG_IPSR, 0);
        }
        core_set_reg(m, UC_ARM_REG_CONTROL,
                    use_psp ? (control | CONTROL_SPSEL) : (control & ~CONTROL_SPSEL));
    }
    core_set_reg(m, UC_ARM_REG_EPSR, xpsr & (XPSR_IT_MASK | XPSR_T));
    core_rebuild_hflags(m);
    core_set_reg(m, UC_ARM_REG_PC, f[6] | 1);
    if (trace_exc_on(m))
        trace_exc(m, TRACE_EXC_RETURN, (int)ipsr, f[6] & ~1u, exc_return);
}

void core_raise_fault(machine *m, int exc, uint32_t cfsr_bits, uint32_t addr,
                     uint32_t ret)
{
    scs *s = &m->scs;
    s->cfsr |= cfsr_bits;
    if (cfsr_bits & CFSR_BFARVALID)
        s->bfar = addr;
    if (cfsr_bits & CFSR_MMARVALID)
        s->mmfar = addr;
    int cur = exec_prio(m);
    if (exc != EXC_HARDFAULT &&
        (!m->nvic.enabled[exc] || nvic_group_prio(&m->nvic, exc) >= cur)) {
        s->hfsr |= HFSR_FORCED;
        exc = EXC_HARDFAULT;
    }
    if (exc == EXC_HARDFAULT && cur <= -1) {
        enter_lockup(m, "fault inside HardFault or NMI", ret);
        return;
    }
    log_msg(&m->log, LOG_GUEST,
            "[%.3f ms] cpu: %s at pc=0x%08x (CFSR=0x%08x%s addr 0x%08x)",
            (double)machine_now(m) / PS_PER_MS, machine_exc_name(m, exc), ret, s->cfsr,
            s->hfsr & HFSR_FORCED ? ", forced" : "", addr);
    core_exception_entry(m, exc, ret);
}

/* ---- instruction counting --------------------------------------------- */

/* Code memory with sectors remembers the sectors code was translated
 * from: changes elsewhere need no flush (machine_code_changed). */
static void note_exec(machine *m, uint32_t addr)
{
    uint32_t a = bus_canonical(&m->bus, addr);
    bus_ram *r = bus_ram_at(&m->bus, a);
    if (r && r->nsectors && (r->flags & MEM_CODE))
        r->exec |= 1ull << bus_ram_sector(r, a - r->base);
}

static inline icount_entry *icount_slot(machine *m, uint32_t addr, uint32_t size)
{
    return &m->cpu.icache[((addr >> 1) ^ (size << 9)) & ((1u << ICOUNT_BITS) - 1)];
}

static icount_entry *icount_get(machine *m, uint32_t addr, uint32_t size)
{
    icount_entry *e = icount_slot(m, addr, size);
    if (e->addr == addr && e->size == size && e->n)
        return e;
    e->addr = addr;
    e->size = (uint16_t)size;
    e->flags = 0;
    e->hits = 0;
    e->probe = 10;
    e->idle_kind = 0;
    e->stores = 1; /* unknown: as if */
    const uint8_t *p = bus_host_ptr(&m->bus, addr, size);
    unsigned n = 0;
    if (p) {
        e->stores = 0;
        for (uint32_t i = 0; i < size; n++) {
            uint16_t hw = (uint16_t)(p[i] | p[i + 1] << 8);
            if ((hw & 0xFFE8) == 0xB660 || (hw & 0xFFF0) == 0xF380)
                e->flags |= BLOCK_MASK_WRITE; /* CPSIE/CPSID, MSR */
            if (idle_insn_stores(hw))
                e->stores = 1;
            i += (hw >> 11) >= 0x1D ? 4 : 2;
        }
        if (size == 2 && p[0] == 0xFE && p[1] == 0xE7) /* b . */
            e->flags |= BLOCK_SELF_LOOP;
        if (size == 4 && !memcmp(p, "\xff\xf7\xfe\xbf", 4)) /* b.w . */
            e->flags |= BLOCK_SELF_LOOP;
        note_exec(m, addr);
    } else {
        n = size / 2;
    }
    e->n = (uint8_t)(n ? (n > 255 ? 255 : n) : 1);
    return e;
}

/* ---- the block hook ----------------------------------------------------- */

/* The cells a store to read-only memory left (see hook_wprot), written
 * again in case the engine performed the raw store after the hook. */
static void apply_fixup(machine *m)
{
    cpu_state *c = &m->cpu;
    if (!c->fixup.pending)
        return;
    c->fixup.pending = false;
    memcpy(c->fixup.host, c->fixup.want, c->fixup.size);
}

static void flush_dirty_code(machine *m)
{
    cpu_state *c = &m->cpu;
    if (c->dirty_hi <= c->dirty_lo)
        return;
    uint32_t lo = c->dirty_lo, hi = c->dirty_hi;
    c->dirty_lo = c->dirty_hi = 0;
    uc_ctl_remove_cache(m->uc, (uint64_t)lo, (uint64_t)hi);
    /* the same bytes at their other addresses (a boot alias) */
    bus *b = &m->bus;
    bus_ram *r = bus_ram_at(b, lo);
    for (int i = 0; r && i < b->nram; i++) {
        bus_ram *a = &b->ram[i];
        if (a->alias_of == (int)(r - b->ram) && hi - r->base <= r->size)
            uc_ctl_remove_cache(m->uc, (uint64_t)(a->base + (lo - r->base)),
                                (uint64_t)(a->base + (hi - r->base)));
    }
    memset(c->icache, 0, sizeof(icount_entry) << ICOUNT_BITS);
}

/* Leave emulation before the block at `addr`. While any code hook exists
 * (a debugger's breakpoint), Unicorn 2.0.1 does not restore PC on this
 * kind of exit (it trusts the hook to have synced it), and writing PC
 * turns a stop into a restart. So: write PC, let Unicorn restart at the
 * block, and stop when the block hook comes back to it. */
static void stop_before_block(machine *m, uint32_t addr)
{
    cpu_state *c = &m->cpu;
    if (c->code_hooks && c->stop_synced != (addr | 1)) {
        c->stop_synced = addr | 1;
        c->attention = true; /* come back through attention() */
        core_set_reg(m, UC_ARM_REG_PC, addr | 1);
        return;
    }
    c->stop_synced = 0;
    uc_emu_stop(m->uc);
}

/* Rare work at a block boundary. Returns true if the block must not run
 * (the run loop takes over). */
static bool attention(machine *m, uint32_t addr)
{
    cpu_state *c = &m->cpu;
    c->attention = false;
    apply_fixup(m);
    if (c->dirty_hi > c->dirty_lo) {
        uint32_t a = bus_canonical(&m->bus, addr);
        bool stale = a < c->dirty_hi && a + 64 > c->dirty_lo;
        flush_dirty_code(m);
        if (stale) {
            /* Leave this (stale) translation and fetch it anew. */
            core_set_reg(m, UC_ARM_REG_PC, addr | 1);
            return true;
        }
    }
    if (c->stall_until > machine_now(m)) {
        while (clock_next_event(&m->clock) <= c->stall_until && !m->stop_flag &&
               !m->reset_flag) {
            clock_advance_to(&m->clock, clock_next_event(&m->clock));
            clock_run_due(&m->clock);
        }
        clock_advance_to(&m->clock, c->stall_until);
    }
    if (m->stop_flag || m->reset_flag || c->lockup || c->held_in_reset) {
        stop_before_block(m, addr);
        return true;
    }
    return false;
}

/* DWT.CYCCNT lives in host memory and is refreshed per block instead of a
 * callback per read. It counts only while DEMCR.TRCENA and
 * DWT_CTRL.CYCCNTENA are set. dwt_notice() runs first in the block hook,
 * before anything advances time, and takes in what the previous block
 * did: an enable, or a write to CYCCNT (seen as a changed value);
 * dwt_publish() runs last and stores the current count. */
static inline void dwt_notice(machine *m)
{
    cpu_state *c = &m->cpu;
    bool on = (m->scs.demcr & BIT(24)) && (m->dwt[0] & 1);
    uint32_t cyc;
    memcpy(&cyc, m->dwt + 4, 4);
    if (on && (!c->cyccnt_on || cyc != c->cyccnt_last))
        c->cyccnt_base = m->clock.cycles - cyc;
    c->cyccnt_on = on;
}

static inline void dwt_publish(machine *m)
{
    cpu_state *c = &m->cpu;
    if (c->cyccnt_on) {
        c->cyccnt_last = (uint32_t)(m->clock.cycles - c->cyccnt_base);
        memcpy(m->dwt + 4, &c->cyccnt_last, 4);
    }
}

/* Everything the block hook may have to do; hook_block() below takes the
 * common case, with the same outcome, without calling here. */
static __attribute__((noinline)) void block_full(machine *m, uint32_t addr, uint32_t size)
{
    cpu_state *c = &m->cpu;
    c->block_pc = addr;
    dwt_notice(m);
    if (c->attention && attention(m, addr)) {
        dwt_publish(m);
        return;
    }
    if (clock_due(&m->clock)) {
        clock_run_due(&m->clock);
        if (m->stop_flag || m->reset_flag) {
            stop_before_block(m, addr);
            dwt_publish(m);
            return;
        }
    }
    icount_entry *e = icount_get(m, addr, size);
    if (m->nvic.best && (c->mask_recheck || c->masked_gen != m->nvic.gen)) {
        if (core_take_pending(m, addr)) {
            dwt_publish(m);
            return;
        }
        c->mask_recheck = false;
        c->masked_gen = m->nvic.gen;
    }
    if (e->flags & BLOCK_MASK_WRITE)
        c->mask_recheck = true; /* this block may unmask: look after it */
    c->insns += e->n;
    c->store_blocks += e->stores;
    m->clock.cycles += e->n;
    if (e->flags & BLOCK_SELF_LOOP)
        machine_skip_to_next_event(m); /* `b .`: nothing changes until then */
    else if (++e->hits, c->idle.addr == addr || !(e->hits & ((1u << e->probe) - 1))) {
        idle_block(m, e, addr);
    }
    dwt_publish(m);
}

/* Called before every translated block: kept small (the slow cases go to
 * block_full), as it runs some 50 million times a second. The common case:
 * nothing to attend to, no event due, the block counted before, no
 * interrupt to look at, no special block, not an idle-loop probe. */
static void hook_block(uc_engine *uc, uint64_t address, uint32_t size, void *ud)
{
    (void)uc;
    machine *m = ud;
    cpu_state *c = &m->cpu;
    uint32_t addr = (uint32_t)address;
    icount_entry *e = icount_slot(m, addr, size);
    if (c->attention || clock_due(&m->clock) || e->addr != addr || e->size != size ||
        !e->n || e->flags || (m->nvic.best && (c->mask_recheck || c->masked_gen != m->nvic.gen)) ||
        c->idle.addr == addr || !((e->hits + 1) & ((1u << e->probe) - 1))) {
        block_full(m, addr, size);
        return;
    }
    c->block_pc = addr;
    dwt_notice(m);
    e->hits++;
    c->insns += e->n;
    c->store_blocks += e->stores;
    m->clock.cycles += e->n;
    dwt_publish(m);
}

void core_uncount(machine *m, uint32_t n)
{
    cpu_state *c = &m->cpu;
    m->clock.cycles -= n;
    c->insns -= n;
    if (c->cyccnt_on) {
        uint32_t cyc;
        memcpy(&cyc, m->dwt + 4, 4);
        if (cyc == c->cyccnt_last) {
            c->cyccnt_last -= n;
            memcpy(m->dwt + 4, &c->cyccnt_last, 4);
        }
    }
}

/* ---- other hooks ------------------------------------------------------ */

/* A fetch from an execute-never address: in Handler mode at 0xFFFFFFxx,
 * an exception return the translator did not recognise (stale flags). */
void core_prefetch_abort(machine *m, uint32_t pc)
{
    if (pc >= 0xFFFFFFE0u && (core_reg(m, UC_ARM_REG_IPSR) & 0x1FF)) {
        exception_return(m, pc | 1);
        return;
    }
    core_raise_fault(m, EXC_MEMMANAGE, CFSR_IACCVIOL, pc, pc);
}

/* Execute-never regions of the ARMv7-M default memory map (B3.1):
 * peripherals, external devices, the system region. */
static bool execute_never(uint64_t a)
{
    return (a >= 0x40000000u && a < 0x60000000u) || a >= 0xA0000000u;
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *ud)
{
    (void)uc;
    machine *m = ud;
    uint32_t pc = core_reg(m, UC_ARM_REG_PC);
    switch (intno) {
    case EXCP_EXCEPTION_EXIT:
        exception_return(m, pc | 1);
        return;
    case EXCP_PREFETCH_ABORT:
        core_prefetch_abort(m, pc);
        return;
    case EXCP_SWI: {
        int cur = exec_prio(m);
        if (nvic_group_prio(&m->nvic, EXC_SVCALL) >= cur) {
            /* SVC below the current priority escalates (or locks up). */
            m->scs.hfsr |= HFSR_FORCED;
            if (cur <= -1)
                enter_lockup(m, "SVC inside HardFault or NMI", pc);
            else
                core_exception_entry(m, EXC_HARDFAULT, pc);
        } else {
            core_exception_entry(m, EXC_SVCALL, pc);
        }
        return;
    }
    case EXCP_BKPT:
        /* No debugger: a BKPT escalates to HardFault (DEBUGEVT). */
        m->scs.hfsr |= BIT(31);
        core_raise_fault(m, EXC_HARDFAULT, 0, 0, pc);
        return;
    case EXCP_NOCP:
        core_raise_fault(m, EXC_USAGEFAULT, CFSR_NOCP, 0, pc);
        return;
    case EXCP_INVSTATE:
        core_raise_fault(m, EXC_USAGEFAULT, CFSR_INVSTATE, 0, pc);
        return;
    case EXCP_UNALIGNED:
        core_raise_fault(m, EXC_USAGEFAULT, CFSR_UNALIGNED, 0, pc);
        return;
    default:
        core_raise_fault(m, EXC_USAGEFAULT, CFSR_UNDEFINSTR, 0, pc);
        return;
    }
}

static bool hook_unmapped(uc_engine *uc, uc_mem_type type, uint64_t addr,
                          int size, int64_t value, void *ud)
{
    (void)uc;
    (void)size;
    (void)value;
    machine *m = ud;
    cpu_state *c = &m->cpu;
    c->fault_addr = (uint32_t)addr;
    switch (type) {
    case UC_MEM_FETCH_UNMAPPED:
    case UC_MEM_FETCH_PROT:
        /* An execute-never address is a MemManage fault; the engine's own
         * MMU raises it before this hook, except with its virtual TLB
         * (engine.c), which grants every fetch. */
        c->fault_exc = execute_never(addr) ? EXC_MEMMANAGE : EXC_BUSFAULT;
        c->fault_status = execute_never(addr) ? CFSR_IACCVIOL : CFSR_IBUSERR;
        break;
    default:
        c->fault_exc = EXC_BUSFAULT;
        c->fault_status = CFSR_PRECISERR | CFSR_BFARVALID;
        break;
    }
    return false;
}

static bool hook_invalid(uc_engine *uc, void *ud)
{
    (void)uc;
    machine *m = ud;
    m->cpu.fault_exc = EXC_USAGEFAULT;
    m->cpu.fault_status = CFSR_UNDEFINSTR;
    return false;
}

/* Stores to flash, its alias at 0 and system memory: the board's flash
 * controller decides. Programming clears bits (NOR), anything else leaves
 * the cells as they were. The cells are updated here, so a load later in
 * the same block sees them; the engine discards its own store (the region
 * is read-only, bus_map_ram), and should it perform the store anyway, the
 * next block (or the next such store) writes the cells again. */
static bool hook_wprot(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
                       int64_t value, void *ud)
{
    (void)uc;
    (void)type;
    machine *m = ud;
    cpu_state *c = &m->cpu;
    apply_fixup(m); /* an earlier store of the same block has landed */
    m->bus.io_writes++;
    uint8_t *host = bus_host_ptr(&m->bus, (uint32_t)addr, (uint32_t)size);
    if (!host || size > (int)sizeof(c->fixup.want))
        return false;
    bool program = m->rom_store && m->rom_store(m->rom_store_ctx, (uint32_t)addr,
                                                (unsigned)size, (uint32_t)value);
    for (int i = 0; i < size; i++)
        c->fixup.want[i] = program ? (uint8_t)(host[i] & (uint64_t)value >> (8 * i))
                                   : host[i];
    memcpy(host, c->fixup.want, (size_t)size);
    c->fixup.host = host;
    c->fixup.size = (unsigned)size;
    c->fixup.pending = true;
    c->attention = true;
    if (program)
        machine_code_changed(m, (uint32_t)addr, (uint32_t)addr + (uint32_t)size);
    return true;
}

/* Memory hooks only where they can fire: from Unicorn 2.1.2 on, a page
 * that any memory hook covers keeps all its stores on the slow path. The
 * write-protect hook covers each read-only region; the fault hook covers
 * everything but writable RAM (bus regions never overlap). */
int core_update_memory_hooks(machine *m)
{
    cpu_state *c = &m->cpu;
    bus *b = &m->bus;
    uc_err e = UC_ERR_OK;
    for (int i = 0; i < c->nh_mem; i++)
        e |= uc_hook_del(m->uc, c->h_mem[i]);
    c->nh_mem = 0;
    uint64_t from = 0; /* start of the gap below the next writable region */
    for (;;) {
        const bus_ram *next = NULL;
        for (int i = 0; i < b->nram; i++) {
            const bus_ram *r = &b->ram[i];
            if ((r->prot & UC_PROT_WRITE) && r->base >= from && (!next || r->base < next->base))
                next = r;
        }
        uint64_t to = next ? next->base : 1ull << 32;
        if (to > from)
            e |= uc_hook_add(m->uc, &c->h_mem[c->nh_mem++],
                             UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_FETCH_PROT, (void *)hook_unmapped,
                             m, from, to - 1);
        if (!next)
            break;
        from = (uint64_t)next->base + next->size;
    }
    for (int i = 0; i < b->nram; i++) {
        const bus_ram *r = &b->ram[i];
        if (!(r->prot & UC_PROT_WRITE))
            e |= uc_hook_add(m->uc, &c->h_mem[c->nh_mem++], UC_HOOK_MEM_WRITE_PROT,
                             (void *)hook_wprot, m, r->base, (uint64_t)r->base + r->size - 1);
    }
    return e == UC_ERR_OK ? 0 : -1;
}

int core_install_hooks(machine *m)
{
    cpu_state *c = &m->cpu;
    c->icache = calloc(1u << ICOUNT_BITS, sizeof(icount_entry));
    if (!c->icache)
        return -1;
    uc_err e = uc_hook_add(m->uc, &c->h_block, UC_HOOK_BLOCK, (void *)hook_block, m, 1, 0);
    e |= uc_hook_add(m->uc, &c->h_intr, UC_HOOK_INTR, (void *)hook_intr, m, 1, 0);
    e |= uc_hook_add(m->uc, &c->h_invalid, UC_HOOK_INSN_INVALID, (void *)hook_invalid, m, 1, 0);
    if (e != UC_ERR_OK || core_update_memory_hooks(m) || engine_fast_stores(m))
        return -1;
    return 0;
}

void core_reset(machine *m)
{
    cpu_state *c = &m->cpu;
    apply_fixup(m);
    c->lockup = false;
    c->sleeping = false;
    c->mask_recheck = true;
    idle_forget(&c->idle);
    c->stall_until = 0;
    c->fault_exc = 0;
    c->cyccnt_on = false;
    memcpy(&c->cyccnt_last, m->dwt + 4, 4);
    static const int gpr[] = {UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2,
                              UC_ARM_REG_R3, UC_ARM_REG_R4, UC_ARM_REG_R5,
                              UC_ARM_REG_R6, UC_ARM_REG_R7, UC_ARM_REG_R8,
                              UC_ARM_REG_R9, UC_ARM_REG_R10, UC_ARM_REG_R11,
                              UC_ARM_REG_R12};
    for (size_t i = 0; i < ARRAY_SIZE(gpr); i++)
        core_set_reg(m, gpr[i], 0);
    /* CONTROL: nPRIV can be cleared from Handler mode, SPSEL only from
     * (privileged) Thread mode, where the write swaps SP back to MSP. */
    core_set_reg(m, UC_ARM_REG_IPSR, 1);
    core_set_reg(m, UC_ARM_REG_CONTROL, 0);
    core_set_reg(m, UC_ARM_REG_IPSR, 0);
    core_rebuild_hflags(m);
    core_set_reg(m, UC_ARM_REG_CONTROL, 0);
    core_set_reg(m, UC_ARM_REG_PRIMASK, 0);
    core_set_reg(m, UC_ARM_REG_BASEPRI, 0);
    core_set_reg(m, UC_ARM_REG_FAULTMASK, 0);
    core_set_reg(m, UC_ARM_REG_PSP, 0);
    core_set_reg(m, UC_ARM_REG_XPSR, XPSR_T);
    core_rebuild_hflags(m);
    uint32_t sp = 0, pc = 0;
    mem_read32(m, 0, &sp);
    mem_read32(m, 4, &pc);
    core_set_reg(m, UC_ARM_REG_MSP, sp & ~3u);
    core_set_reg(m, UC_ARM_REG_LR, 0xFFFFFFFFu);
    core_set_reg(m, UC_ARM_REG_PC, pc | 1);
}
