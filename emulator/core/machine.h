/* One emulated microcontroller: the Cortex-M3 core (Unicorn), its System
 * Control Space, the memory map, virtual time, and the devices a SoC
 * description places on the bus. Nothing here knows which chip or board:
 * memories, windows, interrupts and their names come from the caller. */
#ifndef CORE_MACHINE_H
#define CORE_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

#include "bus.h"
#include "clock.h"
#include "device.h"
#include "idle.h"
#include "line.h"
#include "log.h"
#include "nvic.h"
#include "scs.h"

/* The Cortex-M3's own debug unit, architecturally at 0xE0001000. */
#define DWT_BASE 0xE0001000u
#define DWT_SIZE 0x1000u

/* What the core needs to know about the chip around it. */
typedef struct machine_config {
    uint32_t cpu_hz;               /* the clock at reset */
    int nirq;                      /* external interrupts the NVIC implements */
    unsigned prio_bits;            /* implemented priority bits (2..8) */
    const char *const *irq_names;  /* nirq names for traces, or NULL */
    unsigned systick_ref_div;      /* SysTick's external reference is HCLK / this */
    uint32_t systick_calib;        /* SYST_CALIB as read */
} machine_config;

/* A named address range (a firmware module's slot, RAM), for traces. */
typedef struct machine_area {
    const char *name;
    uint32_t lo, hi;
} machine_area;
#define MACHINE_MAX_AREAS 16

/* Why machine_run returned. */
typedef enum {
    STOP_NONE,
    STOP_DEADLINE, /* the virtual time limit was reached */
    STOP_REQUEST,  /* an observer asked to stop (pattern seen, ...) */
    STOP_HALT,     /* the debugger halted the core */
    STOP_ERROR,    /* the emulator itself failed */
} stop_reason;

/* Instruction-count cache for translated blocks. */
typedef struct icount_entry {
    uint32_t addr;
    uint16_t size;
    uint8_t n;
    uint8_t flags;
    uint32_t hits;  /* executions, for the idle-loop detector */
    uint8_t probe;  /* examine as a loop head every 2^probe hits */
    uint8_t stores; /* 1 if the block has a store instruction */
    uint8_t idle_kind; /* how it was last proven idle (IDLE_BY_*) */
} icount_entry;
#define ICOUNT_BITS 16
enum {
    BLOCK_SELF_LOOP = 1, /* `b .` */
    BLOCK_MASK_WRITE = 2, /* CPS or MSR: may change PRIMASK/BASEPRI/FAULTMASK */
};

typedef struct cpu_state {
    uc_hook h_block, h_intr, h_invalid;
    /* the memory hooks, laid over the memory map (core_update_memory_hooks) */
    uc_hook h_mem[2 * BUS_MAX_RAM + 1];
    int nh_mem;
    /* Set when the block hook has something rare to do. */
    volatile bool attention;
    /* The cells a CPU store to read-only memory left (cpu.c hook_wprot),
     * written again at the next block should the engine have performed
     * the raw store after the hook. */
    struct {
        bool pending;
        unsigned size;
        uint8_t want[8];
        uint8_t *host;
    } fixup;
    /* Code in [dirty_lo, dirty_hi) changed since it was translated. */
    uint32_t dirty_lo, dirty_hi;
    /* Flash sectors from which code has been executed (translation cache). */
    uint32_t exec_sectors;
    icount_entry *icache;
    /* Fault raised by a memory hook, for the run loop. */
    int fault_exc;
    uint32_t fault_addr;
    uint32_t fault_status; /* CFSR bits */
    /* Core state outside Unicorn. */
    bool lockup;
    bool sleeping;
    bool held_in_reset; /* NRST held low: nothing executes */
    uint64_t stall_until; /* ps; the CPU waits on flash until then */
    /* DWT.CYCCNT lives in host memory and is refreshed per block. */
    uint32_t cyccnt_last;
    uint64_t cyccnt_base;
    bool cyccnt_on;
    bool running; /* inside uc_emu_start */
    uint32_t block_pc; /* start of the block executing (for messages) */
    /* A pending exception was found masked: look again only when the NVIC
     * changed (gen) or a block that can change the masks has run. */
    bool mask_recheck;
    uint32_t masked_gen;
    idle_state idle;
    /* Code hooks a debugger installed (gdbstub.c). While there are any,
     * stopping before a block takes a detour (cpu.c stop_before_block). */
    int code_hooks;
    uint32_t stop_synced; /* block address | 1 whose PC was written */
    /* statistics */
    uint64_t insns, exceptions, idle_skips;
    /* Blocks with a store instruction executed, and returns from
     * emulation: the idle detector's proof that RAM stayed the same. */
    uint64_t store_blocks, slices;
    uint64_t idle_ps; /* virtual time skipped while idle */
} cpu_state;

typedef void (*machine_reset_hook)(void *ctx, reset_kind kind);

typedef struct machine {
    uc_engine *uc;
    logger log;
    vclock clock;
    bus bus;
    nvic nvic;
    scs scs;
    cpu_state cpu;
    machine_config cfg;
    uint8_t *dwt;

    /* Requests made from models; acted on at the next block boundary. */
    bool stop_flag;
    stop_reason stop_why;
    bool reset_flag;
    reset_kind reset_why;
    uint64_t reset_count;
    reset_kind last_reset;

    /* Called after every reset of the chip (the board resets its parts). */
    machine_reset_hook on_reset[8];
    void *on_reset_ctx[8];
    int n_on_reset;

    /* CPU stores to read-only memory (flash, OTP) go to the flash
     * controller; it returns true when the store programs the cells. */
    bool (*rom_store)(void *ctx, uint32_t addr, unsigned size, uint32_t value);
    void *rom_store_ctx;

    device *devices[64];
    int ndevices;

    /* NVIC inputs: each is high while any line connected to it is */
    line_or irq_in[NVIC_MAX_IRQ];

    machine_area areas[MACHINE_MAX_AREAS]; /* by address */
    int nareas;

    clock_event deadline;

    struct tracer *tracer; /* --trace (trace.h), or NULL */
    bool nrst_low;
} machine;

/* Create the core with its private peripheral bus (SCS, DWT); memories,
 * windows and devices are added by the SoC. */
machine *machine_new(const machine_config *cfg, char *err, size_t errlen);
void machine_free(machine *m);
void machine_add_reset_hook(machine *m, machine_reset_hook fn, void *ctx);
/* Place a model on the bus at `base`; it is reset with the chip. */
int machine_add_device(machine *m, device *d, uint32_t base);

/* Reset the chip now (outside emulation) and start from the vector table. */
void machine_reset(machine *m, reset_kind kind);
/* Ask for a reset from inside emulation (AIRCR, IWDG, button). */
void machine_request_reset(machine *m, reset_kind kind);
/* The RESET pin: while held, the core does not run (time does). */
void machine_hold_in_reset(machine *m, bool held);
/* Ask the run loop to return (from an event or a model). */
void machine_request_stop(machine *m, stop_reason why);

/* Run until virtual time `until_ps` or a stop request. */
stop_reason machine_run(machine *m, uint64_t until_ps);

/* The PC to name in messages from models: the current block's start
 * (Unicorn's PC register is stale inside callbacks). */
static inline uint32_t machine_pc(const machine *m)
{
    return m->cpu.block_pc;
}

static inline uint64_t machine_now(const machine *m)
{
    return clock_now(&m->clock);
}

/* Memory: a region the machine allocates and frees (see bus.h for flags);
 * NULL on failure. Its bytes are machine_mem(m, name). */
uint8_t *machine_add_memory(machine *m, const char *name, uint32_t base, uint32_t size,
                            uint8_t fill, int prot, unsigned flags);
uint8_t *machine_mem(machine *m, const char *name);
/* A named address range for traces (kept sorted by address). */
int machine_add_area(machine *m, const char *name, uint32_t lo, uint32_t hi);
/* The area holding `addr` (aliases resolved), or NULL. */
const char *machine_area_name(machine *m, uint32_t addr);
/* Erase (fill with 0xFF) the sectors of the region covering [lo, hi),
 * as a programmer would before writing. Returns -1 if the range is not
 * inside one region with sectors. */
int machine_erase_sectors(machine *m, uint32_t lo, uint32_t hi);
/* The name of exception `exc` (system exceptions, then the IRQ names). */
const char *machine_exc_name(const machine *m, int exc);

/* An input of the NVIC (a new one per source: they are ORed). */
line_sink machine_irq_input(machine *m, int irq);
/* The NRST pin: low resets the chip and holds it there; released (high
 * or floating) lets it start. */
line_sink machine_nrst_input(machine *m);
/* Set a system exception pending (PendSV, SysTick) from the SCS. */
void machine_pend_exception(machine *m, int exc);

/* Idle: jump virtual time to the next event (counted as skipped idle
 * time). Returns false if there is no later event. */
bool machine_skip_to_next_event(machine *m);
/* The CPU stalls (flash busy) for `ps`: time passes, nothing executes. */
void machine_stall(machine *m, uint64_t ps);
/* Code memory in [lo, hi) was changed behind the CPU's back. */
void machine_code_changed(machine *m, uint32_t lo, uint32_t hi);

/* cpu.c (named core_* : Unicorn exports QEMU's cpu_* symbols) */
int core_install_hooks(machine *m);
/* The memory map changed (bus.c): lay the memory hooks over it again. */
int core_update_memory_hooks(machine *m);
void core_reset(machine *m);
uint32_t core_reg(machine *m, int reg);
void core_set_reg(machine *m, int reg, uint32_t v);
/* After a write to IPSR or CONTROL: Unicorn rebuilds its cached
 * translation flags only on an APSR write. */
void core_rebuild_hflags(machine *m);
void core_exception_entry(machine *m, int exc, uint32_t return_addr);
bool core_take_pending(machine *m, uint32_t pc);
void core_raise_fault(machine *m, int exc, uint32_t cfsr_bits, uint32_t addr,
                     uint32_t return_addr);
/* Take back `n` cycles at the first instruction of a block (a debugger
 * stopped the core inside a block counted in full, and the block that
 * restarts there counts the rest again). n <= the block's count. */
void core_uncount(machine *m, uint32_t n);
/* A fetch from an execute-never address (or an unrecognised exception
 * return at 0xFFFFFFxx). */
void core_prefetch_abort(machine *m, uint32_t pc);

#endif
