/* The Unicorn engine in use: its version, where it was loaded from, and
 * what differs between the versions photon-sim runs on (2.0.1, 2.1.x;
 * ../shared/specs/unicorn-cortex-m3.md §7). A version-dependent step asks
 * uc_version() of the library actually loaded (engine_version()): one
 * binary may be built against 2.1.1's headers and run with a later 2.1.x,
 * the soname being the same. The differences and how the core meets them:
 *
 *  - 2.1.0+: write protection is checked only on the slow store path,
 *    which a page leaves after its first store. Read-only regions are
 *    marked read-only inside the engine (bus.c, uc_mem_protect), which
 *    keeps every store to them on the slow path, to the write-protect hook,
 *    and discards it, on every version: no guard needed.
 *  - 2.1.0+: uc_ctl_flush_tlb() flushes the TLB, not translated code. The
 *    gdb stub writes UC_CTL_TB_FLUSH, the same code in both.
 *  - 2.1.0+: a PC write no longer cancels a requested stop. The stop detour
 *    (cpu.c stop_before_block) is forgotten after every uc_emu_start.
 *  - 2.1.2+: any memory hook covering a page, or an executable TLB entry,
 *    keeps the page's stores slow. Memory hooks are bounded to where they
 *    fire (cpu.c); from 2.1.2 on (guarded here), the virtual TLB keeps data
 *    entries non-executable (engine_fast_stores).
 *  - 2.1.4: exact fault PCs after a data abort (block start before); the
 *    core does not compensate, so nothing to guard. */
#ifndef PHOTON_ENGINE_H
#define PHOTON_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;

#define ENGINE_VERSION(major, minor, patch) \
    ((uint32_t)(major) << 16 | (uint32_t)(minor) << 8 | (uint32_t)(patch))

/* The loaded library's version as ENGINE_VERSION(major, minor, patch). */
uint32_t engine_version(void);
/* "Unicorn 2.1.1 (/path/libunicorn.so.2)", for --version and reports. */
void engine_describe(char *buf, size_t n);

/* From 2.1.2 on, a 1 KB page stays on Unicorn's slow store path while any
 * memory hook covers it or its TLB entry is executable, and Cortex-M SRAM
 * is executable: every SRAM store would be slow. This switches the engine
 * to its virtual TLB with a fill hook that grants execution only to
 * instruction fetches. Nothing to do before 2.1.2. Returns 0 on success. */
int engine_fast_stores(struct machine *m);

#endif
