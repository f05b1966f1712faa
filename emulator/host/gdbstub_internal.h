/* The GDB stub's insides, shared by its parts: gdbstub.c (packets, the
 * connection), gdbstub_run.c (breakpoints, watchpoints, stepping, stops),
 * gdbstub_target.c (registers, memory, flash, documents, monitor). */
#ifndef PHOTON_GDBSTUB_INTERNAL_H
#define PHOTON_GDBSTUB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "gdbproto.h"
#include "gdbstub.h"

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
    bool spoke;   /* the debugger sent a packet or ^C: the core halts then */
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
    /* Translated code to drop before the core runs again: a range for a
     * breakpoint goes at once (uc_ctl_remove_cache, cheap); a hook that
     * covers all code (a watchpoint's, a step's) needs the whole cache
     * dropped, which costs up to seconds on 2.0.1: it waits until the core
     * resumes, once for all the packets before it, so no packet's reply
     * waits for it. Counted for the tests. */
    bool flush_pending;
    uint64_t whole_flushes, range_flushes;

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
    char *memory_map;            /* qXfer:memory-map, from the machine's memory */
};

/* gdbstub.c */
/* Halt or let go of the core; letting go drops the translated code that
 * the hooks added or removed since need retranslated. */
void gs_set_halted(gdbstub *g, bool h);
void gs_apply_flush(gdbstub *g);
void gs_info(gdbstub *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bus_ram *gs_flash_at(machine *m, uint32_t addr, uint32_t len);
uint32_t gs_count_insns(machine *m, uint32_t from, uint32_t to);
uint32_t gs_block_end(machine *m, uint32_t pc);
void gs_send_packet(gdbstub *g, const char *payload, size_t n);
void gs_send_str(gdbstub *g, const char *s);
void gs_console(gdbstub *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *gs_hex32le(char *p, uint32_t v);
/* gdbstub_target.c */
uint32_t gs_reg_get(machine *m, unsigned n);
void gs_reg_set(gdbstub *g, unsigned n, uint32_t v);
void gs_monitor(gdbstub *g, const char *cmd);
void gs_read_mem(gdbstub *g, uint32_t addr, uint32_t len);
void gs_write_mem(gdbstub *g, uint32_t addr, const uint8_t *data, uint32_t len);
void gs_flash_erase(gdbstub *g, uint32_t addr, uint32_t len);
void gs_flash_write(gdbstub *g, uint32_t addr, const uint8_t *data, uint32_t len);
char *gs_memory_map(machine *m);
extern const char gs_target_xml[];
/* gdbstub_run.c */
void gs_halt(gdbstub *g, stop_kind k);
void gs_resume(gdbstub *g, bool step);
void gs_send_stop(gdbstub *g);
void gs_remove_all(gdbstub *g);
int gs_bp_insert(gdbstub *g, unsigned type, uint32_t addr);
int gs_bp_remove(gdbstub *g, unsigned type, uint32_t addr);
int gs_wp_insert(gdbstub *g, unsigned type, uint32_t addr, uint32_t len);
int gs_wp_remove(gdbstub *g, unsigned type, uint32_t addr, uint32_t len);
void gs_drop_temp_hooks(gdbstub *g);

#endif
