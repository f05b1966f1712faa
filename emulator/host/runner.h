/* Runs machines in slices of virtual time, side by side on one time line,
 * and between slices lets host services do their I/O (GDB, USB/IP, the
 * window, ptys, the state file), and paces to the wall clock when asked.
 * Used by the world (several devices), `run` and the scenario runner. */
#ifndef PHOTON_RUNNER_H
#define PHOTON_RUNNER_H

#include <stdbool.h>
#include <stdint.h>

#include "machine.h"

#define RUNNER_MAX_POLLERS 12
#define RUNNER_MAX_MACHINES 16

typedef struct runner runner;

/* A host-side part. `poll` is called between slices; it may block up to
 * `wait_ms` (0 = do not block) when the machine has nothing urgent. It
 * returns true if it did something that needs the machine to run soon. */
typedef struct runner_poller {
    bool (*poll)(void *ctx, runner *r, int wait_ms);
    void *ctx;
} runner_poller;

struct runner {
    machine *m[RUNNER_MAX_MACHINES]; /* advanced together, slice by slice */
    int nm;
    bool realtime;
    double speed;            /* with realtime: virtual seconds per wall second */
    uint64_t slice_ps;       /* virtual time between polls */
    runner_poller pollers[RUNNER_MAX_POLLERS];
    int npollers;
    bool stop;               /* set by a poller or a listener to return */
    bool halted;             /* a debugger holds the core: time stands still */
    uint64_t saved_resets;
    double wall0;            /* wall clock at the start of pacing */
    uint64_t virt0;
};

void runner_init(runner *r);
/* Add a machine; it runs from its current time (all start together). */
int runner_add_machine(runner *r, machine *m);
/* Virtual time (of the first machine). */
uint64_t runner_now(const runner *r);
void runner_add_poller(runner *r, bool (*poll)(void *, runner *, int), void *ctx);
/* Run until virtual time `deadline` (UINT64_MAX: forever), r->stop, an
 * emulator error or SIGINT/SIGTERM. Returns the stop reason (STOP_ERROR if
 * any machine failed), STOP_DEADLINE at the deadline. */
stop_reason runner_run(runner *r, uint64_t deadline);
/* Set by SIGINT/SIGTERM once runner_run has installed its handlers. */
bool runner_interrupted(void);
double wall_seconds(void);

#endif
