/* Runs a session's machine in slices of virtual time, and between slices
 * lets host-side parts do their I/O (GDB, USB/IP, the window, ptys),
 * paces to the wall clock when asked, and saves the state file after
 * resets. Used by `run` and by the scenario runner. */
#ifndef PHOTON_RUNNER_H
#define PHOTON_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "session.h"

#define RUNNER_MAX_POLLERS 8

typedef struct runner runner;

/* A host-side part. `poll` is called between slices; it may block up to
 * `wait_ms` (0 = do not block) when the machine has nothing urgent. It
 * returns true if it did something that needs the machine to run soon. */
typedef struct runner_poller {
    bool (*poll)(void *ctx, runner *r, int wait_ms);
    void *ctx;
} runner_poller;

struct runner {
    session *s;
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

void runner_init(runner *r, session *s);
void runner_add_poller(runner *r, bool (*poll)(void *, runner *, int), void *ctx);
/* Run until virtual time `deadline` (UINT64_MAX: forever), r->stop, an
 * emulator error or SIGINT/SIGTERM. Returns the machine's stop reason,
 * STOP_DEADLINE at the deadline. */
stop_reason runner_run(runner *r, uint64_t deadline);
/* Set by SIGINT/SIGTERM once runner_run (or runner_trap_signals) has
 * installed its handlers. */
bool runner_interrupted(void);
/* Catch SIGINT and SIGTERM into runner_interrupted() until untrapped. */
typedef struct runner_signals {
    struct sigaction old_int, old_term;
} runner_signals;
void runner_trap_signals(runner_signals *saved);
void runner_untrap_signals(const runner_signals *saved);
double wall_seconds(void);

#endif
