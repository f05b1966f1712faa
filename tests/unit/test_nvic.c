/* NVIC and exception priorities (ARMv7-M B1.5.4, B3.4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "nvic.h"

#define NIRQ 81 /* an STM32F205 */

static void prigroup_splits_group_and_subpriority(void **state)
{
    (void)state;
    nvic n;
    nvic_init(&n, NIRQ, 4, NULL);
    nvic_set_prio(&n, EXC_IRQ0 + 1, 0x50);
    nvic_set_prio(&n, EXC_IRQ0 + 2, 0x40);
    nvic_set_prigroup(&n, 3); /* 4 bits of group priority (the Photon's) */
    assert_int_equal(nvic_group_prio(&n, EXC_IRQ0 + 1), 0x50);
    nvic_set_prigroup(&n, 6); /* group = bit 7 only */
    assert_int_equal(nvic_group_prio(&n, EXC_IRQ0 + 1), 0x00);
    assert_int_equal(nvic_group_prio(&n, EXC_IRQ0 + 2), 0x00);
    assert_int_equal(nvic_group_prio(&n, EXC_HARDFAULT), -1);
    assert_int_equal(nvic_group_prio(&n, EXC_NMI), -2);
    /* only the top 4 bits are implemented */
    nvic_set_prio(&n, EXC_IRQ0 + 3, 0x5F);
    assert_int_equal(n.prio[EXC_IRQ0 + 3], 0x50);
}

static void highest_priority_pending_is_taken(void **state)
{
    (void)state;
    nvic n;
    nvic_init(&n, NIRQ, 4, NULL);
    nvic_set_prigroup(&n, 3);
    nvic_set_prio(&n, EXC_IRQ0 + 10, 0x80);
    nvic_set_prio(&n, EXC_IRQ0 + 20, 0x40);
    nvic_set_pending(&n, EXC_IRQ0 + 10);
    assert_int_equal(n.best, 0); /* not enabled */
    nvic_set_enabled(&n, EXC_IRQ0 + 10, true);
    nvic_set_enabled(&n, EXC_IRQ0 + 20, true);
    nvic_set_pending(&n, EXC_IRQ0 + 20);
    assert_int_equal(n.best, EXC_IRQ0 + 20);
    assert_int_equal(nvic_should_take(&n, nvic_exec_prio(&n, 0, 0, 0)), EXC_IRQ0 + 20);
    /* equal priority: the lower exception number wins */
    nvic_set_prio(&n, EXC_IRQ0 + 20, 0x80);
    assert_int_equal(n.best, EXC_IRQ0 + 10);
}

static void masking_by_primask_basepri_and_active(void **state)
{
    (void)state;
    nvic n;
    nvic_init(&n, NIRQ, 4, NULL);
    nvic_set_prigroup(&n, 3);
    nvic_set_prio(&n, EXC_IRQ0, 0x80);
    nvic_set_enabled(&n, EXC_IRQ0, true);
    nvic_set_pending(&n, EXC_IRQ0);
    assert_int_equal(nvic_should_take(&n, nvic_exec_prio(&n, 1, 0, 0)), 0);   /* PRIMASK */
    assert_int_equal(nvic_should_take(&n, nvic_exec_prio(&n, 0, 0x80, 0)), 0); /* BASEPRI = prio */
    assert_int_equal(nvic_should_take(&n, nvic_exec_prio(&n, 0, 0x90, 0)), EXC_IRQ0);
    /* an active exception of higher priority blocks it; SysTick at 0xF0 does not */
    nvic_set_prio(&n, EXC_SYSTICK, 0xF0);
    nvic_activate(&n, EXC_SYSTICK);
    assert_int_equal(nvic_should_take(&n, nvic_exec_prio(&n, 0, 0, 0)), EXC_IRQ0);
    nvic_set_prio(&n, EXC_IRQ0 + 5, 0x10);
    nvic_activate(&n, EXC_IRQ0 + 5);
    assert_int_equal(nvic_should_take(&n, nvic_exec_prio(&n, 0, 0, 0)), 0);
    nvic_deactivate(&n, EXC_IRQ0 + 5);
    assert_int_equal(nvic_should_take(&n, nvic_exec_prio(&n, 0, 0, 0)), EXC_IRQ0);
    /* FAULTMASK masks everything but NMI */
    assert_int_equal(nvic_exec_prio(&n, 0, 0, 1), -1);
}

static void level_interrupts_pend_again(void **state)
{
    (void)state;
    nvic n;
    nvic_init(&n, NIRQ, 4, NULL);
    nvic_set_enabled(&n, EXC_IRQ0 + 28, true);
    nvic_set_irq_level(&n, 28, 1);
    assert_true(n.pending[EXC_IRQ0 + 28]);
    nvic_activate(&n, EXC_IRQ0 + 28);
    assert_false(n.pending[EXC_IRQ0 + 28]);
    nvic_deactivate(&n, EXC_IRQ0 + 28); /* line still high */
    assert_true(n.pending[EXC_IRQ0 + 28]);
    nvic_activate(&n, EXC_IRQ0 + 28);
    nvic_set_irq_level(&n, 28, 0);
    nvic_deactivate(&n, EXC_IRQ0 + 28);
    assert_false(n.pending[EXC_IRQ0 + 28]);
}

static void configurable_faults_need_shcsr(void **state)
{
    (void)state;
    nvic n;
    nvic_init(&n, NIRQ, 4, NULL);
    assert_false(n.enabled[EXC_BUSFAULT]);
    assert_true(n.enabled[EXC_SVCALL]);
    nvic_set_enabled(&n, EXC_BUSFAULT, true);
    assert_true(n.enabled[EXC_BUSFAULT]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prigroup_splits_group_and_subpriority),
        cmocka_unit_test(highest_priority_pending_is_taken),
        cmocka_unit_test(masking_by_primask_basepri_and_active),
        cmocka_unit_test(level_interrupts_pend_again),
        cmocka_unit_test(configurable_faults_need_shcsr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
