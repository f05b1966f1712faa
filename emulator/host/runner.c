#include "runner.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

bool runner_interrupted(void)
{
    return interrupted != 0;
}

void runner_trap_signals(runner_signals *saved)
{
    struct sigaction sa = {0}; /* no SA_RESTART: blocking calls return */
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, &saved->old_int);
    sigaction(SIGTERM, &sa, &saved->old_term);
}

void runner_untrap_signals(const runner_signals *saved)
{
    sigaction(SIGINT, &saved->old_int, NULL);
    sigaction(SIGTERM, &saved->old_term, NULL);
}

double wall_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void runner_init(runner *r)
{
    memset(r, 0, sizeof(*r));
    r->speed = 1;
    r->slice_ps = 100 * PS_PER_MS;
}

int runner_add_machine(runner *r, machine *m)
{
    if (r->nm >= RUNNER_MAX_MACHINES)
        return -1;
    r->m[r->nm++] = m;
    return 0;
}

uint64_t runner_now(const runner *r)
{
    return r->nm ? machine_now(r->m[0]) : 0;
}

void runner_add_poller(runner *r, bool (*poll)(void *, runner *, int), void *ctx)
{
    if (r->npollers < RUNNER_MAX_POLLERS) {
        r->pollers[r->npollers].poll = poll;
        r->pollers[r->npollers].ctx = ctx;
        r->npollers++;
    }
}

void runner_remove_poller(runner *r, bool (*poll)(void *, runner *, int), void *ctx)
{
    for (int i = 0; i < r->npollers; i++) {
        if (r->pollers[i].poll != poll || r->pollers[i].ctx != ctx)
            continue;
        memmove(&r->pollers[i], &r->pollers[i + 1],
                (size_t)(r->npollers - i - 1) * sizeof(r->pollers[0]));
        r->npollers--;
        return;
    }
}

#define PACED_SLICE_PS PS_PER_MS
#define PACE_MAX_WAIT_MS 50

void runner_pace_rebase(runner *r)
{
    r->pace_wall0 = wall_seconds();
    r->pace_virt0 = runner_now(r);
}

void runner_pace_hold(runner *r, bool on)
{
    if (on && r->pace_holds++ == 0) {
        r->pace_lead = 0;
        runner_pace_rebase(r);
        if (r->nm)
            log_msg(&r->m[0]->log, LOG_USB, "host-paced time on");
    } else if (!on && r->pace_holds > 0 && --r->pace_holds == 0) {
        if (r->nm)
            log_msg(&r->m[0]->log, LOG_USB, "host-paced time off");
    }
}

void runner_pace_lead(runner *r, double seconds)
{
    r->pace_lead = seconds;
    runner_pace_rebase(r);
}

/* How far virtual time may drift from the wall clock while paced, either
 * way. Host programs' and the firmware's timeouts are hundreds of
 * milliseconds and more: 20 ms is nothing to them. Without it a runner
 * sleeps after every paced slice (1 ms) it is ahead, and on a busy host
 * each sleep costs the scheduler's latency, some milliseconds, that are
 * then forgiven (below): virtual time crawled at a fifth of real time,
 * and a YMODEM receiver's 5 s lasted 25 s of sb's patience. */
#define PACE_SLACK_S 0.02

/* How long to wait (ms) before virtual time may go on (host pacing). */
static int pace_wait(runner *r)
{
    if (!r->pace_holds)
        return 0;
    double wall = wall_seconds();
    double virt = (double)(runner_now(r) - r->pace_virt0) / PS_PER_S;
    double behind = wall - r->pace_wall0 - virt;
    if (behind > PACE_SLACK_S) {
        /* Behind the wall clock by more than the slack (the emulator was
         * slower than real time): never catch up on the rest. Virtual time
         * that raced to make up for it would let the firmware's timeouts
         * expire in less wall time than the host program has to answer in
         * (a YMODEM receiver's 5 s would pass while sb writes its next
         * block). */
        r->pace_wall0 = wall - PACE_SLACK_S;
        r->pace_virt0 = runner_now(r);
        return 0;
    }
    double ahead = -behind - r->pace_lead;
    if (ahead <= PACE_SLACK_S)
        return 0;
    int ms = (int)(ahead * 1000);
    return ms > PACE_MAX_WAIT_MS ? PACE_MAX_WAIT_MS : ms;
}

/* Every poller gets what is left of the time the runner may wait, so
 * several blocking pollers together wait no longer than that. */
static bool poll_all(runner *r, int wait_ms)
{
    bool busy = false;
    double until = wall_seconds() + wait_ms / 1000.0;
    for (int i = 0; i < r->npollers; i++) {
        int left = busy ? 0 : (int)((until - wall_seconds()) * 1000);
        busy |= r->pollers[i].poll(r->pollers[i].ctx, r, left > 0 ? left : 0);
    }
    return busy;
}

/* How long the wall clock is ahead of virtual time (realtime pacing). */
static double ahead(runner *r)
{
    double virt = (double)(runner_now(r) - r->virt0) / PS_PER_S / r->speed;
    return virt - (wall_seconds() - r->wall0);
}

/* Every machine up to `until`; the first failure ends the slice. */
static stop_reason run_slice(runner *r, uint64_t until)
{
    stop_reason why = STOP_NONE;
    for (int i = 0; i < r->nm; i++) {
        stop_reason w = machine_run(r->m[i], until);
        if (w == STOP_ERROR)
            return w;
        if (w == STOP_REQUEST || why == STOP_NONE)
            why = w;
    }
    return why;
}

stop_reason runner_run(runner *r, uint64_t deadline)
{
    runner_signals saved;
    runner_trap_signals(&saved);
    r->stop = false;
    r->wall0 = wall_seconds();
    r->virt0 = runner_now(r);
    stop_reason why = STOP_NONE;
    while (!interrupted && !r->stop) {
        if (r->halted) {
            poll_all(r, 50);
            r->wall0 = wall_seconds();
            r->virt0 = runner_now(r);
            continue;
        }
        uint64_t now = runner_now(r);
        if (now >= deadline) {
            why = STOP_DEADLINE;
            break;
        }
        uint64_t slice = r->pace_holds ? PACED_SLICE_PS : r->slice_ps;
        uint64_t until = deadline - now < slice ? deadline : now + slice;
        why = run_slice(r, until);
        if (why == STOP_ERROR)
            break;
        if (why == STOP_REQUEST && r->stop)
            break;
        int wait = 0;
        if (r->realtime) {
            double a = ahead(r);
            wait = a > 0 ? (int)(a * 1000) : 0;
        }
        int pw = pace_wait(r);
        if (pw > wait)
            wait = pw;
        bool busy = poll_all(r, wait);
        while (!busy && !interrupted && !r->stop && (pw = pace_wait(r)) > 0)
            busy = poll_all(r, pw); /* host pacing: virtual time waits for the wall clock */
        if (r->realtime && !busy) {
            double a = ahead(r);
            if (a > 0)
                usleep((useconds_t)(a * 1e6));
        }
        if (why == STOP_REQUEST && !r->halted)
            why = STOP_NONE; /* a poller's request, handled */
    }
    if (interrupted)
        why = STOP_REQUEST;
    runner_untrap_signals(&saved);
    return why;
}
