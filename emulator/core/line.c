#include "line.h"

#include <string.h>

void line_init(line *l, const char *name, double level)
{
    memset(l, 0, sizeof(*l));
    l->name = name;
    l->level = level;
}

int line_connect(line *l, line_sink s)
{
    if (!s.fn || l->nsinks >= LINE_MAX_SINKS)
        return -1;
    l->sink[l->nsinks++] = s;
    return 0;
}

void line_disconnect(line *l)
{
    l->nsinks = 0;
}

int line_disconnect_sink(line *l, line_sink s)
{
    for (unsigned i = 0; i < l->nsinks; i++) {
        if (l->sink[i].fn != s.fn || l->sink[i].opaque != s.opaque || l->sink[i].n != s.n)
            continue;
        for (unsigned k = i + 1; k < l->nsinks; k++)
            l->sink[k - 1] = l->sink[k];
        l->nsinks--;
        return 0;
    }
    return -1;
}

bool line_connected(const line *l)
{
    return l->nsinks > 0;
}

/* The open batches (one process, one thread: the emulator's loop). */
#define MAX_SETTLE 32
static int batch_depth;
static struct {
    void (*fn)(void *);
    void *opaque;
} settle[MAX_SETTLE];
static int nsettle;

void line_batch_begin(void)
{
    batch_depth++;
}

void line_batch_end(void)
{
    if (batch_depth > 1) {
        batch_depth--;
        return;
    }
    /* the batch is closed first: lines set while settling settle at once */
    int n = nsettle;
    typeof(settle[0]) run[MAX_SETTLE];
    memcpy(run, settle, (size_t)n * sizeof(run[0]));
    nsettle = 0;
    batch_depth = 0;
    for (int i = 0; i < n; i++)
        run[i].fn(run[i].opaque);
}

void line_settle(void (*fn)(void *), void *opaque)
{
    if (!batch_depth) {
        fn(opaque);
        return;
    }
    for (int i = 0; i < nsettle; i++)
        if (settle[i].fn == fn && settle[i].opaque == opaque)
            return;
    if (nsettle == MAX_SETTLE) {
        fn(opaque); /* too many parts at once: no worse than no batch */
        return;
    }
    settle[nsettle].fn = fn;
    settle[nsettle].opaque = opaque;
    nsettle++;
}

static void or_input(void *opaque, int n, double level)
{
    line_or *o = opaque;
    uint32_t old = o->high;
    if (line_high(level))
        o->high |= 1u << n;
    else
        o->high &= ~(1u << n);
    if ((o->high != 0) != (old != 0))
        line_set(&o->out, o->high != 0);
}

void line_or_init(line_or *o, const char *name)
{
    memset(o, 0, sizeof(*o));
    line_init(&o->out, name, 0);
}

line_sink line_or_input(line_or *o)
{
    if (o->ninputs >= LINE_OR_MAX_INPUTS)
        return line_sink_make(NULL, NULL, 0);
    return line_sink_make(or_input, o, o->ninputs++);
}

void line_or_clear(line_or *o)
{
    o->high = 0;
    o->out.level = 0;
}
