/* emulator/core/line: one wire type and its OR combiner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "line.h"

typedef struct probe {
    int calls;
    int n;
    double level;
} probe;

static void probe_fn(void *opaque, int n, double level)
{
    probe *p = opaque;
    p->calls++;
    p->n = n;
    p->level = level;
}

static void set_reaches_every_sink_each_time(void **state)
{
    (void)state;
    line l;
    probe a = {0}, b = {0};
    line_init(&l, "pin", 0);
    assert_false(line_connected(&l));
    assert_int_equal(line_connect(&l, line_sink_make(probe_fn, &a, 7)), 0);
    assert_int_equal(line_connect(&l, line_sink_make(probe_fn, &b, 3)), 0);
    assert_true(line_connected(&l));
    line_set(&l, 1);
    line_set(&l, 1); /* unchanged: still delivered (sinks are level sensitive) */
    assert_int_equal(a.calls, 2);
    assert_int_equal(b.calls, 2);
    assert_int_equal(a.n, 7);
    assert_int_equal(b.n, 3);
    assert_true(a.level == 1.0);
    assert_true(l.level == 1.0);
    line_set(&l, 0.25); /* a PWM duty travels as it is */
    assert_true(b.level == 0.25);
    assert_false(line_high(l.level));
    assert_true(line_driven(l.level));
    line_set(&l, LINE_FLOAT);
    assert_false(line_driven(b.level));
    assert_false(line_high(b.level));
    line_disconnect(&l);
    line_set(&l, 1);
    assert_int_equal(a.calls, 4);
    assert_true(l.level == 1.0);
}

static void one_sink_leaves_the_others_stay(void **state)
{
    (void)state;
    line l;
    probe a = {0}, b = {0}, c = {0};
    line_init(&l, "pin", 0);
    assert_int_equal(line_connect(&l, line_sink_make(probe_fn, &a, 0)), 0);
    assert_int_equal(line_connect(&l, line_sink_make(probe_fn, &b, 1)), 0);
    assert_int_equal(line_connect(&l, line_sink_make(probe_fn, &c, 2)), 0);
    /* the same handler and context with another input number is another sink */
    assert_int_equal(line_disconnect_sink(&l, line_sink_make(probe_fn, &b, 5)), -1);
    assert_int_equal(line_disconnect_sink(&l, line_sink_make(probe_fn, &b, 1)), 0);
    assert_int_equal(line_disconnect_sink(&l, line_sink_make(probe_fn, &b, 1)), -1);
    line_set(&l, 1);
    assert_int_equal(a.calls, 1);
    assert_int_equal(b.calls, 0);
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.n, 2);
    /* its place is free again */
    assert_int_equal(line_connect(&l, line_sink_make(probe_fn, &b, 1)), 0);
    line_set(&l, 0);
    assert_int_equal(b.calls, 1);
}

static void connect_refuses_beyond_its_sinks(void **state)
{
    (void)state;
    line l;
    probe p = {0};
    line_init(&l, NULL, 0);
    for (int i = 0; i < LINE_MAX_SINKS; i++)
        assert_int_equal(line_connect(&l, line_sink_make(probe_fn, &p, i)), 0);
    assert_int_equal(line_connect(&l, line_sink_make(probe_fn, &p, 9)), -1);
    assert_int_equal(line_connect(&l, line_sink_make(NULL, &p, 0)), -1);
    line_set(&l, 1);
    assert_int_equal(p.calls, LINE_MAX_SINKS);
}

static void or_is_high_while_any_input_is_and_reports_changes_only(void **state)
{
    (void)state;
    line_or o;
    probe p = {0};
    line_or_init(&o, "irq");
    line_connect(&o.out, line_sink_make(probe_fn, &p, 28));
    line a, b;
    line_init(&a, "a", 0);
    line_init(&b, "b", 0);
    assert_int_equal(line_connect(&a, line_or_input(&o)), 0);
    assert_int_equal(line_connect(&b, line_or_input(&o)), 0);
    line_set(&a, 1);
    assert_int_equal(p.calls, 1);
    assert_true(p.level == 1.0);
    assert_int_equal(p.n, 28);
    line_set(&b, 1); /* already high */
    line_set(&a, 1);
    assert_int_equal(p.calls, 1);
    line_set(&a, 0); /* b still high */
    assert_int_equal(p.calls, 1);
    line_set(&b, 0);
    assert_int_equal(p.calls, 2);
    assert_true(p.level == 0.0);
    assert_true(o.out.level == 0.0);
    line_set(&b, LINE_FLOAT); /* a floating input is not high */
    assert_int_equal(p.calls, 2);
}

static void or_clear_forgets_inputs_silently(void **state)
{
    (void)state;
    line_or o;
    probe p = {0};
    line_or_init(&o, "irq");
    line_connect(&o.out, line_sink_make(probe_fn, &p, 0));
    line_sink in = line_or_input(&o);
    in.fn(in.opaque, in.n, 1);
    assert_int_equal(p.calls, 1);
    line_or_clear(&o);
    assert_int_equal(p.calls, 1);
    assert_true(o.out.level == 0.0);
    in.fn(in.opaque, in.n, 1); /* high again: a change after the clear */
    assert_int_equal(p.calls, 2);
}

static void or_runs_out_of_inputs_visibly(void **state)
{
    (void)state;
    line_or o;
    line_or_init(&o, "irq");
    for (int i = 0; i < LINE_OR_MAX_INPUTS; i++)
        assert_non_null(line_or_input(&o).fn);
    assert_null(line_or_input(&o).fn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(set_reaches_every_sink_each_time),
        cmocka_unit_test(one_sink_leaves_the_others_stay),
        cmocka_unit_test(connect_refuses_beyond_its_sinks),
        cmocka_unit_test(or_is_high_while_any_input_is_and_reports_changes_only),
        cmocka_unit_test(or_clear_forgets_inputs_silently),
        cmocka_unit_test(or_runs_out_of_inputs_visibly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
