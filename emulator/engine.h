/* The Unicorn engine in use: its version, where it was loaded from, and
 * what differs between the versions photon-sim runs on (2.0.1, 2.1.x;
 * ../shared/specs/unicorn-cortex-m3.md §7). Every version-dependent step
 * of the core asks here, so each workaround is guarded by uc_version() of
 * the library actually loaded: one binary may be built against 2.1.1's
 * headers and run with a later 2.1.x (the soname is the same). */
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
