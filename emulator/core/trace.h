/* Execution traces for bring-up and users, written to one file
 * (--trace-file, default stderr):
 *   exc            exception entry, return and tail-chaining with vector names
 *   mmio=DEV[,..]  register reads and writes of the named peripherals
 *   pc-sample=N    the PC every N virtual cycles, attributed to the area
 *                  of the machine it belongs to (a firmware module's slot,
 *                  RAM: machine_add_area), with a histogram at the end
 * Nothing costs anything when off: exceptions test one pointer, MMIO
 * tracing is a flag per device, sampling is a clock event. */
#ifndef CORE_TRACE_H
#define CORE_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "machine.h"

#define TRACE_MAX_DEVICES 32
#define TRACE_HOT_PCS 4096

typedef struct tracer {
    machine *m;
    FILE *out;
    bool exc;
    /* mmio: names until tracer_start resolves them */
    char devices[TRACE_MAX_DEVICES][16];
    int ndevices;
    bool all_devices;
    /* pc-sample */
    uint64_t sample_cycles; /* 0: off */
    clock_event sample_ev;
    uint64_t samples;
    uint64_t region_count[MACHINE_MAX_AREAS + 2];
    struct {
        uint32_t pc;
        uint32_t n;
    } hot[TRACE_HOT_PCS];
    uint64_t hot_overflow;
} tracer;

void tracer_init(tracer *t);
/* Add one --trace argument: "exc", "mmio=RCC,GPIOA", "pc-sample=1000",
 * or several separated by commas ("exc,pc-sample=1000"). */
int tracer_parse(tracer *t, const char *spec, char *err, size_t errlen);
bool tracer_active(const tracer *t);
/* Resolve device names and start sampling; output to `out`. */
int tracer_start(tracer *t, machine *m, FILE *out, char *err, size_t errlen);
/* The pc-sample histogram; stops sampling. */
void tracer_finish(tracer *t);

/* Exception events from cpu.c; also what --log exc prints. */
typedef enum { TRACE_EXC_ENTRY, TRACE_EXC_RETURN, TRACE_EXC_TAILCHAIN } trace_exc_kind;
void trace_exc(machine *m, trace_exc_kind kind, int exc, uint32_t pc, uint32_t extra);
static inline bool trace_exc_on(const machine *m)
{
    return (m->tracer && ((const tracer *)m->tracer)->exc) || log_on(&m->log, LOG_EXC);
}

/* Virtual time as trace lines show it: milliseconds with ns digits. */
void trace_time(machine *m, char *buf, size_t n);

/* Where MMIO trace lines of device `d` go. */
FILE *trace_mmio_out(machine *m, const device *d);

#endif
