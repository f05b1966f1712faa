/* Virtual clock and event queue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"

static int fired[4];
static void cb(void *arg) { fired[(intptr_t)arg]++; }

static void events_run_in_time_order(void **state)
{
    (void)state;
    vclock c;
    clock_init(&c, 120000000u);
    clock_event a, b;
    clock_event_init(&a, "a", cb, (void *)0);
    clock_event_init(&b, "b", cb, (void *)1);
    clock_arm(&c, &b, 2 * PS_PER_MS);
    clock_arm(&c, &a, 1 * PS_PER_MS);
    assert_int_equal(clock_next_event(&c), 1 * PS_PER_MS);
    c.cycles = 119999; /* just before 1 ms */
    assert_false(clock_due(&c));
    c.cycles = 120000;
    assert_true(clock_due(&c));
    assert_int_equal(clock_run_due(&c), 1);
    assert_int_equal(fired[0], 1);
    assert_int_equal(fired[1], 0);
    clock_disarm(&c, &b);
    assert_int_equal(clock_next_event(&c), UINT64_MAX);
}

static void frequency_change_keeps_time_continuous(void **state)
{
    (void)state;
    vclock c;
    clock_init(&c, 16000000u); /* HSI */
    c.cycles = 16000;          /* 1 ms */
    assert_int_equal(clock_now(&c), PS_PER_MS);
    clock_set_hz(&c, 120000000u);
    assert_int_equal(clock_now(&c), PS_PER_MS);
    c.cycles += 120000; /* one more ms at 120 MHz */
    assert_int_equal(clock_now(&c), 2 * PS_PER_MS);
    assert_int_equal(clock_cycles_at(&c, 3 * PS_PER_MS), 16000 + 240000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(events_run_in_time_order),
        cmocka_unit_test(frequency_change_keeps_time_continuous),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
