#include "machine.h"

#include <stdlib.h>
#include <string.h>

static void *alloc_mem(size_t n, uint8_t fill)
{
    void *p = aligned_alloc(4096, (n + 4095) & ~(size_t)4095);
    if (p)
        memset(p, fill, n);
    return p;
}

static void deadline_fire(void *arg)
{
    machine_request_stop(arg, STOP_DEADLINE);
}

machine *machine_new(uint32_t cpu_hz, char *err, size_t errlen)
{
    machine *m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    log_init(&m->log);
    clock_init(&m->clock, cpu_hz);
    clock_event_init(&m->deadline, "deadline", deadline_fire, m);
    nvic_reset(&m->nvic);
    idle_init(&m->cpu.idle);
    if (uc_open(UC_ARCH_ARM, UC_MODE_THUMB, &m->uc) != UC_ERR_OK ||
        uc_ctl_set_cpu_model(m->uc, UC_CPU_ARM_CORTEX_M3) != UC_ERR_OK) {
        snprintf(err, errlen, "cannot create a Cortex-M3 with Unicorn");
        free(m);
        return NULL;
    }
    bus_init(&m->bus, m);
    m->flash = alloc_mem(FLASH_SIZE, 0xFF);
    m->sram = alloc_mem(SRAM_SIZE, 0);
    m->sysmem = alloc_mem(SYSMEM_SIZE, 0);
    m->optbytes = alloc_mem(OPTBYTES_SIZE, 0xFF);
    m->dwt = alloc_mem(DWT_SIZE, 0);
    if (!m->flash || !m->sram || !m->sysmem || !m->optbytes || !m->dwt) {
        snprintf(err, errlen, "out of memory");
        machine_free(m);
        return NULL;
    }
    const int rx = UC_PROT_READ | UC_PROT_EXEC;
    int e = 0;
    e |= bus_map_ram(&m->bus, FLASH_BASE, FLASH_SIZE, m->flash, rx);
    e |= bus_map_ram(&m->bus, 0, FLASH_SIZE, m->flash, rx); /* BOOT0 = 0 */
    e |= bus_map_ram(&m->bus, SRAM_BASE, SRAM_SIZE, m->sram, UC_PROT_ALL);
    e |= bus_map_ram(&m->bus, SYSMEM_BASE, SYSMEM_SIZE, m->sysmem, rx);
    e |= bus_map_ram(&m->bus, OPTBYTES_BASE, OPTBYTES_SIZE, m->optbytes, UC_PROT_READ);
    e |= bus_map_ram(&m->bus, DWT_BASE, DWT_SIZE, m->dwt,
                     UC_PROT_READ | UC_PROT_WRITE);
    /* APB1, APB2, AHB1 (with OTG_HS up to 0x4007FFFF), AHB2, the PPB. */
    e |= bus_add_window(&m->bus, 0x40000000u, 0x80000u);
    e |= bus_add_window(&m->bus, 0x50000000u, 0x61000u);
    e |= bus_add_window(&m->bus, 0xE0000000u, 0x1000u);
    e |= bus_add_window(&m->bus, 0xE0002000u, 0xFE000u);
    e |= bus_add_bitband(&m->bus, 0x42000000u, 0x40000000u, 0x100000u);
    e |= bus_add_bitband(&m->bus, 0x22000000u, SRAM_BASE, SRAM_SIZE);
    scs_init(&m->scs, m);
    e |= machine_add_device(m, &m->scs.dev);
    e |= core_install_hooks(m);
    if (e) {
        snprintf(err, errlen, "cannot build the memory map");
        machine_free(m);
        return NULL;
    }
    /* DWT: CTRL reports 4 comparators; CYCCNT counts from 0. */
    uint32_t dwt_ctrl = 0x40000000u;
    memcpy(m->dwt, &dwt_ctrl, 4);
    /* F_SIZE: 1024 KB */
    m->sysmem[FSIZE_BASE - SYSMEM_BASE] = 0x00;
    m->sysmem[FSIZE_BASE - SYSMEM_BASE + 1] = 0x04;
    return m;
}

void machine_free(machine *m)
{
    if (!m)
        return;
    if (m->uc)
        uc_close(m->uc);
    bus_free(&m->bus);
    idle_free(&m->cpu.idle);
    free(m->cpu.icache);
    free(m->flash);
    free(m->sram);
    free(m->sysmem);
    free(m->optbytes);
    free(m->dwt);
    log_free(&m->log);
    free(m);
}

int machine_add_device(machine *m, device *d)
{
    if (m->ndevices >= (int)(sizeof(m->devices) / sizeof(m->devices[0])))
        return -1;
    d->m = m;
    if (bus_add_device(&m->bus, d))
        return -1;
    m->devices[m->ndevices++] = d;
    return 0;
}

void machine_add_reset_hook(machine *m, machine_reset_hook fn, void *ctx)
{
    if (m->n_on_reset < (int)(sizeof(m->on_reset) / sizeof(m->on_reset[0]))) {
        m->on_reset[m->n_on_reset] = fn;
        m->on_reset_ctx[m->n_on_reset] = ctx;
        m->n_on_reset++;
    }
}

void machine_reset(machine *m, reset_kind kind)
{
    m->reset_flag = false;
    m->last_reset = kind;
    m->reset_count++;
    log_msg(&m->log, LOG_RESET, "[%.3f ms] reset: %s",
            (double)machine_now(m) / PS_PER_MS, reset_kind_name(kind));
    if (kind == RESET_POWER_ON) {
        /* SRAM and the debug unit keep their content over system resets */
        memset(m->sram, 0, SRAM_SIZE);
        memset(m->dwt, 0, DWT_SIZE);
        uint32_t dwt_ctrl = 0x40000000u; /* 4 comparators */
        memcpy(m->dwt, &dwt_ctrl, 4);
    }
    nvic_reset(&m->nvic);
    memset(m->irq_sources, 0, sizeof(m->irq_sources));
    for (int i = 0; i < m->ndevices; i++)
        if (m->devices[i]->reset)
            m->devices[i]->reset(m->devices[i], kind);
    for (int i = 0; i < m->n_on_reset; i++)
        m->on_reset[i](m->on_reset_ctx[i], kind);
    core_reset(m);
}

void machine_request_reset(machine *m, reset_kind kind)
{
    if (!m->reset_flag)
        m->reset_why = kind;
    m->reset_flag = true;
    m->cpu.attention = true;
    if (m->cpu.running)
        uc_emu_stop(m->uc);
}

void machine_hold_in_reset(machine *m, bool held)
{
    m->cpu.held_in_reset = held;
    m->cpu.attention = true;
    if (held && m->cpu.running)
        uc_emu_stop(m->uc);
}

void machine_request_stop(machine *m, stop_reason why)
{
    if (!m->stop_flag)
        m->stop_why = why;
    m->stop_flag = true;
    m->cpu.attention = true;
    if (m->cpu.running)
        uc_emu_stop(m->uc);
}

/* Several sources may drive one NVIC input (TIM1_UP and TIM10, a timer's
 * update and compare outputs): the input is high while any of them is.
 * Each irq_line handed out is its own source; n = irq + 256 * source. */
static void irq_to_nvic(void *ctx, int n, int level)
{
    machine *m = ctx;
    int irq = n & 0xFF, src = n >> 8;
    uint32_t *mask = &m->irq_sources[irq];
    uint32_t old = *mask;
    *mask = level ? (old | (1u << src)) : (old & ~(1u << src));
    if ((*mask != 0) != (old != 0) || (level && !old))
        nvic_set_irq_level(&m->nvic, irq, *mask != 0);
}

irq_line machine_irq(machine *m, int irq)
{
    int src = m->irq_nsources[irq] < 31 ? m->irq_nsources[irq]++ : 31;
    return (irq_line){irq_to_nvic, m, irq + 256 * src};
}

void machine_pend_exception(machine *m, int exc)
{
    nvic_set_pending(&m->nvic, exc);
}

bool machine_skip_to_next_event(machine *m)
{
    uint64_t next = clock_next_event(&m->clock), now = machine_now(m);
    if (next == UINT64_MAX || next <= now)
        return false;
    m->cpu.idle_ps += next - now;
    m->cpu.idle_skips++;
    clock_advance_to(&m->clock, next);
    return true;
}

void machine_stall(machine *m, uint64_t ps)
{
    uint64_t until = machine_now(m) + ps;
    if (until > m->cpu.stall_until)
        m->cpu.stall_until = until;
    m->cpu.attention = true;
}

void machine_code_changed(machine *m, uint32_t lo, uint32_t hi)
{
    cpu_state *c = &m->cpu;
    if (lo < FLASH_SIZE) { /* the alias at 0 */
        lo += FLASH_BASE;
        hi += FLASH_BASE;
    }
    /* Only code that may have been translated needs flushing. */
    if (lo >= FLASH_BASE && lo < FLASH_BASE + FLASH_SIZE &&
        !(c->exec_sectors & (1u << flash_sector_of(lo - FLASH_BASE))))
        return;
    if (c->dirty_hi <= c->dirty_lo) {
        c->dirty_lo = lo;
        c->dirty_hi = hi;
    } else {
        if (lo < c->dirty_lo)
            c->dirty_lo = lo;
        if (hi > c->dirty_hi)
            c->dirty_hi = hi;
    }
    c->attention = true;
}

/* ---- the run loop ------------------------------------------------------ */

/* WFI and lockup: only events move the machine on. */
static void wait_for_event(machine *m)
{
    cpu_state *c = &m->cpu;
    if (c->sleeping && m->nvic.best) {
        /* WFI wakes on any pending exception that would preempt with
         * PRIMASK clear; it is taken only if PRIMASK allows. */
        int wake = nvic_exec_prio(&m->nvic, 0, core_reg(m, UC_ARM_REG_BASEPRI),
                                  core_reg(m, UC_ARM_REG_FAULTMASK));
        if (nvic_should_take(&m->nvic, wake)) {
            c->sleeping = false;
            core_take_pending(m, core_reg(m, UC_ARM_REG_PC));
            return;
        }
    }
    if (clock_next_event(&m->clock) == UINT64_MAX) {
        machine_request_stop(m, STOP_DEADLINE);
        return;
    }
    machine_skip_to_next_event(m);
    clock_run_due(&m->clock);
}

static bool is_insn(machine *m, uint32_t pc, uint16_t insn)
{
    uint16_t hw = 0;
    return bus_read_mem(&m->bus, pc, &hw, 2) && hw == insn;
}

static void handle_error(machine *m, uc_err err)
{
    cpu_state *c = &m->cpu;
    uint32_t pc = core_reg(m, UC_ARM_REG_PC);
    switch (err) {
    case UC_ERR_INSN_INVALID:
        if (is_insn(m, pc, 0xBF20)) { /* WFE: sleep like WFI */
            core_set_reg(m, UC_ARM_REG_PC, (pc + 2) | 1);
            c->sleeping = true;
            return;
        }
        if (is_insn(m, pc, 0xBF10) || is_insn(m, pc, 0xBF40)) { /* YIELD, SEV */
            core_set_reg(m, UC_ARM_REG_PC, (pc + 2) | 1);
            return;
        }
        core_raise_fault(m, EXC_USAGEFAULT, CFSR_UNDEFINSTR, 0, pc);
        return;
    case UC_ERR_READ_UNMAPPED:
    case UC_ERR_WRITE_UNMAPPED:
    case UC_ERR_FETCH_UNMAPPED:
    case UC_ERR_READ_PROT:
    case UC_ERR_WRITE_PROT:
    case UC_ERR_FETCH_PROT:
    case UC_ERR_READ_UNALIGNED:
    case UC_ERR_WRITE_UNALIGNED:
    case UC_ERR_FETCH_UNALIGNED:
        if (c->fault_exc == EXC_MEMMANAGE && c->fault_status == CFSR_IACCVIOL) {
            c->fault_exc = 0;
            core_prefetch_abort(m, c->fault_addr);
            return;
        }
        if (!c->fault_exc) {
            c->fault_exc = EXC_BUSFAULT;
            c->fault_status = CFSR_PRECISERR;
        }
        core_raise_fault(m, c->fault_exc, c->fault_status, c->fault_addr,
                        err == UC_ERR_FETCH_UNMAPPED ? c->fault_addr : pc);
        c->fault_exc = 0;
        return;
    case UC_ERR_EXCEPTION:
        core_raise_fault(m, EXC_USAGEFAULT, CFSR_UNDEFINSTR, 0, pc);
        return;
    default:
        log_msg(&m->log, LOG_GUEST | LOG_INFO, "cpu: emulation error %s at pc=0x%08x",
                uc_strerror(err), pc);
        machine_request_stop(m, STOP_ERROR);
        return;
    }
}

stop_reason machine_run(machine *m, uint64_t until_ps)
{
    cpu_state *c = &m->cpu;
    m->stop_flag = false;
    m->stop_why = STOP_NONE;
    clock_arm(&m->clock, &m->deadline, until_ps);
    while (!m->stop_flag) {
        if (m->reset_flag) {
            /* while NRST is held the chip stays in this reset state */
            machine_reset(m, m->reset_why);
            continue;
        }
        if (c->lockup || c->sleeping || c->held_in_reset) {
            wait_for_event(m);
            continue;
        }
        /* Work a model asked for outside emulation. */
        if (clock_due(&m->clock))
            clock_run_due(&m->clock);
        if (m->stop_flag || m->reset_flag)
            continue;
        uint32_t pc = core_reg(m, UC_ARM_REG_PC);
        c->fault_exc = 0;
        c->running = true;
        uc_err err = uc_emu_start(m->uc, pc | 1, 0xFFFFFFFFu, 0, 0);
        c->running = false;
        /* From Unicorn 2.1 on, a PC write no longer cancels a stop that was
         * already requested: the detour of stop_before_block() may end
         * here, with PC at its block; it must not outlive this run. */
        c->stop_synced = 0;
        if (m->stop_flag || m->reset_flag || c->lockup || c->held_in_reset)
            continue;
        if (err != UC_ERR_OK) {
            handle_error(m, err);
            continue;
        }
        if (c->attention)
            continue; /* a block hook asked for a fresh start */
        c->sleeping = true; /* WFI */
    }
    clock_disarm(&m->clock, &m->deadline);
    return m->stop_why;
}
