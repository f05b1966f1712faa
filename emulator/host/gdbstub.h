/* GDB remote stub: gdb-multiarch (or arm-none-eabi-gdb, or an IDE using
 * either) debugs the firmware running in the emulated core over TCP.
 *
 * Breakpoints are Unicorn code hooks bounded to their address (flash is
 * never modified; bounded hooks cost nothing elsewhere), watchpoints are
 * memory hooks bounded to their range (they slow every load and store,
 * but only while a watchpoint exists), a step is an unbounded code hook
 * that lives for one instruction. While the debugger holds the core the
 * runner is `halted`: virtual time stands still. With no debugger and no
 * breakpoints the machine runs exactly as without the stub. */
#ifndef PHOTON_GDBSTUB_H
#define PHOTON_GDBSTUB_H

#include <stdbool.h>
#include <stddef.h>

#include "machine.h"
#include "runner.h"

typedef struct gdbstub gdbstub;

gdbstub *gdbstub_new(machine *m);
void gdbstub_free(gdbstub *g);

/* Listen on "[ADDR:]PORT" (ADDR defaults to 127.0.0.1; PORT 0 picks a
 * free one). Returns 0, or -1 with a message. */
int gdbstub_listen(gdbstub *g, const char *spec, char *err, size_t errlen);
/* The port actually bound, and the address ("127.0.0.1"). */
int gdbstub_port(const gdbstub *g);
const char *gdbstub_addr(const gdbstub *g);

/* Serve the socket between the runner's slices. With `wait` the core is
 * held at its current state (reset) until a debugger lets it run. */
void gdbstub_attach(gdbstub *g, runner *r, bool wait);
/* The run is over: tell a connected debugger (W packet) and close. */
void gdbstub_finish(gdbstub *g, int exit_status);

/* ---- the protocol engine, without the socket (used by the tests) ---- */

/* Where replies go instead of the TCP connection. */
void gdbstub_set_output(gdbstub *g, void (*send)(void *ctx, const char *buf, size_t n),
                        void *ctx);
/* A debugger appears (the core is halted) or goes away (breakpoints and
 * watchpoints are removed and the core runs on). */
void gdbstub_connect(gdbstub *g);
void gdbstub_disconnect(gdbstub *g);
/* Bytes from the debugger. */
void gdbstub_input(gdbstub *g, const void *buf, size_t n);
/* After machine_run returned: report a stop a hook caused. */
void gdbstub_check(gdbstub *g);
bool gdbstub_halted(const gdbstub *g);
/* Set by `k` (kill): the run should end. */
bool gdbstub_killed(const gdbstub *g);

#endif
