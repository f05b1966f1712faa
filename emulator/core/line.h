/* A line: one wire between parts (simavr's "irq", QEMU's qemu_irq), the one
 * type for interrupt requests, pins, EXTI inputs, timer outputs, buttons and
 * chip-select style signals.
 *
 * A model owns its output lines (fields of its state struct); whoever wires
 * the system (the SoC and board tables) connects each to one or more sinks:
 * the input of another model, the NVIC, a board part. A model sets the level
 * of its output and never knows what is at the other end.
 *
 * The level is a double:
 *   0 and 1      digital low and high (interrupt requests, logic levels)
 *   0 < x < 1    a pin driven by a PWM output: its time-averaged level (the
 *                duty), which is what an LED or a meter on the pin sees
 *   LINE_FLOAT   nothing drives the wire (a released button, an input pin)
 * line_high() is the digital reading (>= 0.5), line_driven() tells a driven
 * wire from a floating one.
 *
 * Every line_set() reaches every sink, changed or not: sinks are level
 * sensitive (a model recomputes its output and sets it; the sink decides
 * whether that is news). A line remembers its last level for observers.
 *
 * Several lines that change at one instant (a GPIO port's pins after one
 * register write, a timer's channels) are set inside a batch; a part that
 * combines several inputs (an RGB LED) defers its work with line_settle()
 * to the end of the batch, so it sees one change and not the states in
 * between. Batches nest; outside any batch, line_settle() runs at once.
 *
 * Several outputs onto one input (TIM1_UP and TIM10 share an NVIC input; a
 * timer's update and compare requests share one) go through a line_or: each
 * source gets an input of its own, and the combined output, high while any
 * input is, is set only when it changes. */
#ifndef CORE_LINE_H
#define CORE_LINE_H

#include <stdbool.h>
#include <stdint.h>

#define LINE_FLOAT (-1.0)
#define LINE_MAX_SINKS 4

/* What a line calls: input `n` of the part behind `opaque` is now `level`. */
typedef void (*line_handler)(void *opaque, int n, double level);

/* The receiving end of a wire: a handler and which of its inputs. */
typedef struct line_sink {
    line_handler fn;
    void *opaque;
    int n;
} line_sink;

typedef struct line {
    const char *name; /* for messages and traces; may be NULL */
    double level;
    line_sink sink[LINE_MAX_SINKS];
    uint8_t nsinks;
} line;

static inline line_sink line_sink_make(line_handler fn, void *opaque, int n)
{
    return (line_sink){fn, opaque, n};
}

/* A line with no sinks at level `level` (0 for most outputs). */
void line_init(line *l, const char *name, double level);
/* Add a sink. Returns 0, or -1 if the line has LINE_MAX_SINKS already or
 * the sink has no handler. The sink is not told the current level. */
int line_connect(line *l, line_sink s);
/* Remove every sink (the line keeps its level). */
void line_disconnect(line *l);
/* Remove one sink (an observer that watched the line for a while); the
 * others keep their order. Returns 0, or -1 if it was not connected. */
int line_disconnect_sink(line *l, line_sink s);
bool line_connected(const line *l);

/* Drive the line: remember the level and hand it to every sink. */
static inline void line_set(line *l, double level)
{
    l->level = level;
    for (unsigned i = 0; i < l->nsinks; i++)
        l->sink[i].fn(l->sink[i].opaque, l->sink[i].n, level);
}

static inline bool line_high(double level)
{
    return level >= 0.5;
}

static inline bool line_driven(double level)
{
    return level >= 0;
}

/* ---- batches ---- */
void line_batch_begin(void);
void line_batch_end(void);
/* Run fn(opaque) now, or once at the end of the open batch (a second
 * request for the same fn and opaque in one batch is the same one). */
void line_settle(void (*fn)(void *), void *opaque);

/* ---- OR combiner ---------------------------------------------------------- */

#define LINE_OR_MAX_INPUTS 32

typedef struct line_or {
    line out;      /* high while any input is high */
    uint32_t high; /* which inputs are high */
    uint8_t ninputs;
} line_or;

void line_or_init(line_or *o, const char *name);
/* A new input of the combiner, to connect a source line to. Each source
 * needs its own. Returns a sink with fn == NULL when all inputs are taken. */
line_sink line_or_input(line_or *o);
/* Forget the inputs' levels and take the output low without telling its
 * sinks (for a reset that clears the receiving end as well). */
void line_or_clear(line_or *o);

#endif
