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

bool line_connected(const line *l)
{
    return l->nsinks > 0;
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
