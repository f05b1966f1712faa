/* Execution traces (see trace.h). */
#include "trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Samples are counted per area of the machine (machine_add_area), in
 * address order, then "other" and the core asleep. */
#define REGION_OTHER MACHINE_MAX_AREAS
#define REGION_IDLE (MACHINE_MAX_AREAS + 1)

static unsigned region_of(machine *m, uint32_t pc)
{
    pc = bus_canonical(&m->bus, pc);
    for (int i = 0; i < m->nareas; i++)
        if (pc >= m->areas[i].lo && pc < m->areas[i].hi)
            return (unsigned)i;
    return REGION_OTHER;
}

static const char *region_name(machine *m, unsigned r)
{
    return r < (unsigned)m->nareas ? m->areas[r].name : r == REGION_IDLE ? "(core asleep)" : "other";
}

void tracer_init(tracer *t)
{
    memset(t, 0, sizeof(*t));
    t->out = stderr;
}

bool tracer_active(const tracer *t)
{
    return t->exc || t->ndevices || t->all_devices || t->sample_cycles;
}

static int add_device(tracer *t, const char *name, size_t n, char *err, size_t errlen)
{
    if (n == 0) {
        snprintf(err, errlen, "--trace mmio= wants peripheral names, e.g. mmio=RCC,GPIOA");
        return -1;
    }
    if (n == 3 && !strncasecmp(name, "all", 3)) {
        t->all_devices = true;
        return 0;
    }
    if (n >= sizeof(t->devices[0]) || t->ndevices >= TRACE_MAX_DEVICES) {
        snprintf(err, errlen, "--trace mmio: '%.*s': too long or too many", (int)(n > 40 ? 40 : n),
                 name);
        return -1;
    }
    memcpy(t->devices[t->ndevices], name, n);
    t->devices[t->ndevices][n] = 0;
    t->ndevices++;
    return 0;
}

int tracer_parse(tracer *t, const char *spec, char *err, size_t errlen)
{
    bool in_mmio = false;
    const char *p = spec;
    if (!*p) {
        snprintf(err, errlen, "--trace wants exc, mmio=PERIPH[,..] or pc-sample=N");
        return -1;
    }
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 3 && !strncmp(p, "exc", 3)) {
            t->exc = true;
            in_mmio = false;
        } else if (n >= 5 && !strncmp(p, "mmio=", 5)) {
            if (add_device(t, p + 5, n - 5, err, errlen))
                return -1;
            in_mmio = true;
        } else if (n >= 10 && !strncmp(p, "pc-sample=", 10)) {
            char num[32];
            size_t k = n - 10;
            char *end;
            if (k == 0 || k >= sizeof(num)) {
                snprintf(err, errlen, "--trace pc-sample= wants a number of cycles");
                return -1;
            }
            memcpy(num, p + 10, k);
            num[k] = 0;
            errno = 0;
            unsigned long long v = strtoull(num, &end, 0);
            if (errno || *end || v == 0 || v > (1ull << 40) || num[0] == '-') {
                snprintf(err, errlen, "--trace pc-sample=%s: wants a number of cycles >= 1", num);
                return -1;
            }
            t->sample_cycles = v;
            in_mmio = false;
        } else if (in_mmio) {
            if (add_device(t, p, n, err, errlen))
                return -1;
        } else {
            snprintf(err, errlen,
                     "unknown --trace '%.*s' (known: exc, mmio=PERIPH[,PERIPH..], pc-sample=N)",
                     (int)(n > 40 ? 40 : n), p);
            return -1;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* ---- pc-sample ---------------------------------------------------------- */

void trace_time(machine *m, char *buf, size_t n)
{
    uint64_t ns = machine_now(m) / 1000;
    snprintf(buf, n, "%8" PRIu64 ".%06" PRIu64, ns / 1000000, ns % 1000000);
}

static void count_hot(tracer *t, uint32_t pc)
{
    uint32_t h = (pc >> 1) * 2654435761u;
    for (unsigned i = 0; i < 16; i++) {
        unsigned k = (h + i) & (TRACE_HOT_PCS - 1);
        if (t->hot[k].n == 0) {
            t->hot[k].pc = pc;
            t->hot[k].n = 1;
            return;
        }
        if (t->hot[k].pc == pc) {
            t->hot[k].n++;
            return;
        }
    }
    t->hot_overflow++;
}

static void sample(void *arg)
{
    tracer *t = arg;
    machine *m = t->m;
    uint32_t pc = machine_pc(m);
    cpu_state *c = &m->cpu;
    bool asleep = c->sleeping || c->lockup || c->held_in_reset;
    unsigned r = asleep ? REGION_IDLE : region_of(m, pc);
    t->samples++;
    t->region_count[r]++;
    if (!asleep)
        count_hot(t, pc);
    char ts[40];
    trace_time(m, ts, sizeof(ts));
    fprintf(t->out, "[%s ms] pc 0x%08x %s\n", ts, pc, region_name(m, r));
    clock_arm(&m->clock, &t->sample_ev,
              clock_ps_at(&m->clock, m->clock.cycles + t->sample_cycles));
}

int tracer_start(tracer *t, machine *m, FILE *out, char *err, size_t errlen)
{
    if (out)
        t->out = out;
    for (int i = 0; i < t->ndevices; i++) {
        bool found = false;
        for (int k = 0; k < m->ndevices; k++) {
            if (!strcasecmp(m->devices[k]->name, t->devices[i])) {
                m->devices[k]->trace = true;
                found = true;
            }
        }
        if (!found) {
            size_t n = (size_t)snprintf(err, errlen,
                                        "--trace mmio: no peripheral named '%s' (known:",
                                        t->devices[i]);
            for (int k = 0; k < m->ndevices && n < errlen; k++)
                n += (size_t)snprintf(err + n, errlen - n, " %s", m->devices[k]->name);
            if (n < errlen)
                snprintf(err + n, errlen - n, ", all)");
            return -1;
        }
    }
    if (t->all_devices)
        for (int k = 0; k < m->ndevices; k++)
            m->devices[k]->trace = true;
    t->m = m;
    if (t->sample_cycles) {
        clock_event_init(&t->sample_ev, "pc-sample", sample, t);
        clock_arm(&m->clock, &t->sample_ev,
                  clock_ps_at(&m->clock, m->clock.cycles + t->sample_cycles));
    }
    m->tracer = t;
    return 0;
}

static int by_count(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b; /* {pc, n} */
    if (x[1] != y[1])
        return x[1] < y[1] ? 1 : -1;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

void tracer_finish(tracer *t)
{
    machine *m = t->m;
    if (!m)
        return;
    if (t->sample_cycles) {
        clock_disarm(&m->clock, &t->sample_ev);
        fprintf(t->out, "pc-sample summary: %" PRIu64 " samples, one every %" PRIu64
                        " cycles\n",
                t->samples, t->sample_cycles);
        for (unsigned r = 0; r <= REGION_IDLE; r++) {
            if (r >= (unsigned)m->nareas && r < REGION_OTHER)
                continue;
            if (!t->region_count[r])
                continue;
            fprintf(t->out, "  %-16s %6.2f%% %10" PRIu64 "\n", region_name(m, r),
                    100.0 * (double)t->region_count[r] / (double)t->samples,
                    t->region_count[r]);
        }
        static uint32_t hot[TRACE_HOT_PCS][2];
        size_t n = 0;
        for (unsigned i = 0; i < TRACE_HOT_PCS; i++)
            if (t->hot[i].n) {
                hot[n][0] = t->hot[i].pc;
                hot[n][1] = t->hot[i].n;
                n++;
            }
        qsort(hot, n, sizeof(hot[0]), by_count);
        if (n)
            fprintf(t->out, "hottest blocks:\n");
        for (size_t i = 0; i < n && i < 10; i++)
            fprintf(t->out, "  0x%08x %-16s %6.2f%% %10u\n", hot[i][0],
                    region_name(m, region_of(m, hot[i][0])),
                    100.0 * hot[i][1] / (double)t->samples, hot[i][1]);
    }
    fflush(t->out);
    m->tracer = NULL;
    t->m = NULL;
}

/* ---- exceptions ------------------------------------------------------------ */

void trace_exc(machine *m, trace_exc_kind kind, int exc, uint32_t pc, uint32_t extra)
{
    char ts[40], line[200];
    trace_time(m, ts, sizeof(ts));
    int depth = m->nvic.nactive;
    switch (kind) {
    case TRACE_EXC_ENTRY:
        snprintf(line, sizeof(line),
                 "[%s ms] exc entry      %3d %-18s from 0x%08x sp=0x%08x depth %d", ts, exc,
                 machine_exc_name(m, exc), pc, extra, depth);
        break;
    case TRACE_EXC_RETURN:
        snprintf(line, sizeof(line),
                 "[%s ms] exc return     %3d %-18s to   0x%08x (0x%08x) depth %d", ts, exc,
                 machine_exc_name(m, exc), pc, extra, depth);
        break;
    default:
        snprintf(line, sizeof(line),
                 "[%s ms] exc tail-chain %3d %-18s after %d %s depth %d", ts, exc,
                 machine_exc_name(m, exc), (int)extra, machine_exc_name(m, (int)extra), depth);
        break;
    }
    tracer *t = m->tracer;
    if (t && t->exc)
        fprintf(t->out, "%s\n", line);
    if (log_on(&m->log, LOG_EXC) && (!t || !t->exc || t->out != m->log.out))
        log_msg(&m->log, LOG_EXC, "%s", line);
}

FILE *trace_mmio_out(machine *m, const device *d)
{
    tracer *t = m->tracer;
    return d->trace && t ? t->out : m->log.out;
}
