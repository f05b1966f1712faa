/* Scenario files in parallel processes (photon-sim scenario -j N): each
 * scenario runs in a child process of its own, whose output (stdout and
 * stderr), LED trace and log lines are captured; the parent hands the
 * results over in the order of the files, each with its output as one
 * block, so a run with -j N prints what a run with -j 1 prints. */
#ifndef PHOTON_SCENARIO_JOBS_H
#define PHOTON_SCENARIO_JOBS_H

#include "scenario.h"

/* Called in file order once scenario i has run, with its result (the
 * callee owns it; a child that died gives SCN_ERROR with the reason): its
 * captured output has just been written to stdout, its LED trace and log
 * lines appended to o->led_trace and o->log_out. */
typedef void (*scn_job_done)(void *ctx, int i, scn_result *res);

/* Run sc[0..n) with up to `jobs` processes at a time. Returns the number
 * of scenarios run: fewer than n after SIGINT or SIGTERM (then
 * runner_interrupted()), which are passed on to the running children. */
int scenario_run_jobs(scenario **sc, int n, const scn_run_opts *o, int jobs,
                      scn_job_done done, void *ctx);

#endif
