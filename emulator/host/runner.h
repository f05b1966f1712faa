/* Runs machines in slices of virtual time, side by side on one time line,
 * and between slices lets host services do their I/O (GDB, USB/IP, the
 * window, ptys, the state file), and paces to the wall clock when asked.
 * Used by the world (several devices), `run` and the scenario runner. */
#ifndef PHOTON_RUNNER_H
#define PHOTON_RUNNER_H

#include <signal.h>
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
    double wall0;            /* wall clock at the start of pacing */
    uint64_t virt0;
    /* host pacing (runner_pace_hold) */
    int pace_holds;
    double pace_lead;        /* seconds virtual time may run ahead now */
    double pace_wall0;
    uint64_t pace_virt0;
};

void runner_init(runner *r);
/* Add a machine; it runs from its current time (all start together). */
int runner_add_machine(runner *r, machine *m);
/* Virtual time (of the first machine). */
uint64_t runner_now(const runner *r);
void runner_add_poller(runner *r, bool (*poll)(void *, runner *, int), void *ctx);
void runner_remove_poller(runner *r, bool (*poll)(void *, runner *, int), void *ctx);
/* Run until virtual time `deadline` (UINT64_MAX: forever), r->stop, an
 * emulator error or SIGINT/SIGTERM. Returns the stop reason (STOP_ERROR if
 * any machine failed), STOP_DEADLINE at the deadline. */
stop_reason runner_run(runner *r, uint64_t deadline);
/* Host-paced time. While a host program talks to the device (a USB/IP
 * client, a program holding a serial pty open), its timeouts and the
 * firmware's must agree: slices shrink to 1 ms of virtual time and idle
 * virtual time may not run ahead of the wall clock (by more than 20 ms and
 * the lead, below), so the host's think time is real time to the
 * firmware; nor does it catch up more than 20 ms after falling behind (a
 * slow stretch of emulation), so no firmware timeout expires in less wall
 * time than it says. Without holders the runner is as fast as ever (and
 * deterministic).
 * runner_pace_hold(r, true/false) takes/releases one hold (counted). */
void runner_pace_hold(runner *r, bool on);
/* How far virtual time may run ahead of the wall clock from now on (a USB
 * transfer in flight may: a flash erase inside a request takes no wall
 * time). Restarts the count, as runner_pace_rebase. */
void runner_pace_lead(runner *r, double seconds);
/* Start counting the lead afresh from now. */
void runner_pace_rebase(runner *r);
static inline bool runner_paced(const runner *r)
{
    return r->pace_holds > 0;
}

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
