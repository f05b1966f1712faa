#include "machine.h"

#include <stdlib.h>
#include <string.h>

static void deadline_fire(void *arg)
{
    machine_request_stop(arg, STOP_DEADLINE);
}

static void irq_to_nvic(void *opaque, int irq, double level)
{
    machine *m = opaque;
    nvic_set_irq_level(&m->nvic, irq, line_high(level));
}

machine *machine_new(const machine_config *cfg, char *err, size_t errlen)
{
    if (cfg->nirq < 0 || cfg->nirq > NVIC_MAX_IRQ || cfg->prio_bits < 2 ||
        cfg->prio_bits > 8 || !cfg->cpu_hz || !cfg->systick_ref_div) {
        snprintf(err, errlen, "bad machine configuration");
        return NULL;
    }
    machine *m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->cfg = *cfg;
    log_init(&m->log);
    clock_init(&m->clock, cfg->cpu_hz);
    clock_event_init(&m->deadline, "deadline", deadline_fire, m);
    nvic_init(&m->nvic, cfg->nirq, cfg->prio_bits, cfg->irq_names);
    for (int i = 0; i < cfg->nirq; i++) {
        line_or_init(&m->irq_in[i], cfg->irq_names ? cfg->irq_names[i] : NULL);
        line_connect(&m->irq_in[i].out, line_sink_make(irq_to_nvic, m, i));
    }
    idle_init(&m->cpu.idle);
    if (uc_open(UC_ARCH_ARM, UC_MODE_THUMB, &m->uc) != UC_ERR_OK ||
        uc_ctl_set_cpu_model(m->uc, UC_CPU_ARM_CORTEX_M3) != UC_ERR_OK) {
        snprintf(err, errlen, "cannot create a Cortex-M3 with Unicorn");
        free(m);
        return NULL;
    }
    bus_init(&m->bus, m);
    /* The private peripheral bus: ITM, DWT (host memory, see cpu.c), the
     * System Control Space and the rest of the PPB for the SoC. */
    bus_ram *dwt = bus_add_memory(&m->bus, "dwt", DWT_BASE, DWT_SIZE, 0,
                                  UC_PROT_READ | UC_PROT_WRITE, 0);
    int e = !dwt;
    m->dwt = dwt ? dwt->host : NULL;
    e |= bus_add_window(&m->bus, 0xE0000000u, 0x1000u);
    e |= bus_add_window(&m->bus, 0xE0002000u, 0xFE000u);
    scs_init(&m->scs, m);
    e |= machine_add_device(m, &m->scs.dev, SCS_BASE);
    e |= core_install_hooks(m);
    if (e) {
        snprintf(err, errlen, "cannot build the memory map");
        machine_free(m);
        return NULL;
    }
    /* DWT: CTRL reports 4 comparators; CYCCNT counts from 0. */
    uint32_t dwt_ctrl = 4u << 28; /* NUMCOMP: 4 comparators */
    memcpy(m->dwt, &dwt_ctrl, 4);
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
    log_free(&m->log);
    free(m);
}

uint8_t *machine_add_memory(machine *m, const char *name, uint32_t base, uint32_t size,
                            uint8_t fill, int prot, unsigned flags)
{
    bus_ram *r = bus_add_memory(&m->bus, name, base, size, fill, prot, flags);
    return r ? r->host : NULL;
}

uint8_t *machine_mem(machine *m, const char *name)
{
    bus_ram *r = bus_ram_named(&m->bus, name);
    return r ? r->host : NULL;
}

int machine_add_area(machine *m, const char *name, uint32_t lo, uint32_t hi)
{
    if (m->nareas >= MACHINE_MAX_AREAS || hi <= lo)
        return -1;
    int i = m->nareas++;
    while (i > 0 && m->areas[i - 1].lo > lo) {
        m->areas[i] = m->areas[i - 1];
        i--;
    }
    m->areas[i] = (machine_area){name, lo, hi};
    return 0;
}

const char *machine_area_name(machine *m, uint32_t addr)
{
    addr = bus_canonical(&m->bus, addr);
    for (int i = 0; i < m->nareas; i++)
        if (addr >= m->areas[i].lo && addr < m->areas[i].hi)
            return m->areas[i].name;
    return NULL;
}

int machine_erase_sectors(machine *m, uint32_t lo, uint32_t hi)
{
    lo = bus_canonical(&m->bus, lo);
    bus_ram *r = bus_ram_at(&m->bus, lo);
    if (!r || !r->nsectors || hi <= lo || hi - r->base > r->size)
        return -1;
    int first = bus_ram_sector(r, lo - r->base), last = bus_ram_sector(r, hi - 1 - r->base);
    uint32_t a = bus_sector_start(r, first);
    uint32_t b = bus_sector_start(r, last) + bus_sector_size(r, last);
    memset(r->host + a, 0xFF, b - a);
    machine_code_changed(m, r->base + a, r->base + b);
    return 0;
}

const char *machine_exc_name(const machine *m, int exc)
{
    return nvic_exc_name(&m->nvic, exc);
}

int machine_add_device(machine *m, device *d, uint32_t base)
{
    d->base = base;
    if (m->ndevices >= (int)ARRAY_SIZE(m->devices))
        return -1;
    d->m = m;
    if (bus_add_device(&m->bus, d))
        return -1;
    m->devices[m->ndevices++] = d;
    return 0;
}

void machine_add_reset_hook(machine *m, machine_reset_hook fn, void *ctx)
{
    if (m->n_on_reset < (int)ARRAY_SIZE(m->on_reset)) {
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
        /* RAM and the debug unit keep their content over system resets */
        for (int i = 0; i < m->bus.nram; i++)
            if ((m->bus.ram[i].flags & MEM_RAM) && m->bus.ram[i].alias_of < 0)
                memset(m->bus.ram[i].host, 0, m->bus.ram[i].size);
        memset(m->dwt, 0, DWT_SIZE);
        uint32_t dwt_ctrl = 4u << 28; /* NUMCOMP: 4 comparators */
        memcpy(m->dwt, &dwt_ctrl, 4);
    }
    nvic_reset(&m->nvic);
    for (int i = 0; i < m->cfg.nirq; i++)
        line_or_clear(&m->irq_in[i]);
    for (int i = 0; i < m->ndevices; i++)
        if (m->devices[i]->reset)
            m->devices[i]->reset(m->devices[i], kind);
    for (int i = 0; i < m->n_on_reset; i++)
        m->on_reset[i](m->on_reset_ctx[i], kind);
    core_reset(m);
}

/* The run loop has something to do at the next block; `leave`: leave
 * emulation for it. */
static void attend(machine *m, bool leave)
{
    m->cpu.attention = true;
    if (leave && m->cpu.running)
        uc_emu_stop(m->uc);
}

void machine_request_reset(machine *m, reset_kind kind)
{
    if (!m->reset_flag)
        m->reset_why = kind;
    m->reset_flag = true;
    attend(m, true);
}

void machine_hold_in_reset(machine *m, bool held)
{
    m->cpu.held_in_reset = held;
    attend(m, held);
}

void machine_request_stop(machine *m, stop_reason why)
{
    if (!m->stop_flag)
        m->stop_why = why;
    m->stop_flag = true;
    attend(m, true);
}

line_sink machine_irq_input(machine *m, int irq)
{
    if (irq < 0 || irq >= m->cfg.nirq)
        return line_sink_make(NULL, NULL, 0);
    return line_or_input(&m->irq_in[irq]);
}

static void nrst(void *opaque, int n, double level)
{
    machine *m = opaque;
    (void)n;
    bool low = line_driven(level) && !line_high(level);
    /* NRST low resets the chip at once and holds it there; the core
     * starts on release. */
    if (low && !m->nrst_low)
        machine_request_reset(m, RESET_PIN);
    m->nrst_low = low;
    machine_hold_in_reset(m, low);
}

line_sink machine_nrst_input(machine *m)
{
    return line_sink_make(nrst, m, 0);
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
    uint32_t clo = bus_canonical(&m->bus, lo);
    hi = clo + (hi - lo);
    lo = clo;
    /* Only code that may have been translated needs flushing. */
    bus_ram *r = bus_ram_at(&m->bus, lo);
    if (r && r->nsectors && (r->flags & MEM_CODE) &&
        !(r->exec & (1ull << bus_ram_sector(r, lo - r->base))))
        return;
    range_cover(&c->dirty_lo, &c->dirty_hi, lo, hi);
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
        c->slices++; /* the host may change RAM before the next start */
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
