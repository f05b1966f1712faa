/* Timers (RM0033 sections 12-14): counting in virtual time, update and
 * compare flags and interrupts, PWM output duty and polarity. */
#include "harness.h"
#include "rcc.h"
#include "tim.h"

#define T2 0x40000000u
static machine *m;
static stm32_rcc rcc;
static stm32_tim tim;

static int setup(void **state)
{
    (void)state;
    m = th_machine();
    rcc_init(&rcc, "RCC", 26000000u);
    th_add(m, &rcc.dev);
    /* 120 MHz, APB1 /4: TIM2 runs at 60 MHz */
    th_wr(m, RCC_BASE, 0x83 | BIT(16) | BIT(24));
    th_wr(m, RCC_BASE + 4, 26 | 240u << 6 | 1u << 22 | 5u << 24);
    th_wr(m, RCC_BASE + 8, 5u << 10 | 4u << 13 | 2u);
    static const tim_config tim2 = {.apb = 1, .nch = 4, .is32 = true};
    tim_init(&tim, "TIM2", &tim2, &rcc);
    th_irq(m, &tim.irq_up, 28);
    th_irq(m, &tim.irq_cc, 28);
    th_irq(m, &tim.irq_brk, 28);
    th_irq(m, &tim.irq_trg, 28);
    th_add(m, &tim.dev);
    /* the Photon's UI timer: 1 us ticks, 100 Hz */
    th_wr(m, T2 + 0x28, 59);
    th_wr(m, T2 + 0x2C, 9999);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    machine_free(m);
    return 0;
}

static void counts_microseconds(void **state)
{
    (void)state;
    th_wr(m, T2 + 0x00, 1); /* CEN */
    th_advance(m, 1234 * PS_PER_US);
    assert_int_equal(th_rd(m, T2 + 0x24), 1234);
    th_advance(m, 9000 * PS_PER_US); /* wraps at ARR */
    assert_int_equal(th_rd(m, T2 + 0x24), 234);
    assert_true(th_rd(m, T2 + 0x10) & 1); /* UIF */
    th_wr(m, T2 + 0x10, ~1u);             /* rc_w0 */
    assert_int_equal(th_rd(m, T2 + 0x10) & 1, 0);
    th_wr(m, T2 + 0x00, 0); /* stopped counters hold */
    th_advance(m, 5000 * PS_PER_US);
    assert_int_equal(th_rd(m, T2 + 0x24), 234);
}

static void cc1_interrupt_every_period(void **state)
{
    (void)state;
    th_wr(m, T2 + 0x34, 500);    /* CCR1 */
    th_wr(m, T2 + 0x0C, BIT(1)); /* CC1IE */
    th_wr(m, T2 + 0x00, 1);
    th_advance(m, 499 * PS_PER_US);
    assert_false(m->nvic.level[EXC_IRQ0 + 28]);
    th_advance(m, 2 * PS_PER_US);
    assert_true(th_rd(m, T2 + 0x10) & BIT(1));
    assert_true(m->nvic.level[EXC_IRQ0 + 28]);
    th_wr(m, T2 + 0x10, ~BIT(1));
    assert_false(m->nvic.level[EXC_IRQ0 + 28]);
    th_advance(m, 9990 * PS_PER_US); /* once more, 10 ms later */
    assert_false(m->nvic.level[EXC_IRQ0 + 28]);
    th_advance(m, 20 * PS_PER_US);
    assert_true(m->nvic.level[EXC_IRQ0 + 28]);
}

static void pwm_duty_and_polarity(void **state)
{
    (void)state;
    /* CH2 PWM mode 1, active low (common-anode LED), CCR2 = 3735 */
    th_wr(m, T2 + 0x18, 6u << 12);
    th_wr(m, T2 + 0x20, BIT(4) | BIT(5)); /* CC2E, CC2P */
    th_wr(m, T2 + 0x38, 3735);
    th_wr(m, T2 + 0x00, 1);
    pin_drive d = tim_channel_output(&tim, 2);
    assert_true(d.driven);
    assert_true(d.high > 0.6264 && d.high < 0.6266); /* high 62.65 % of the time */
    th_wr(m, T2 + 0x20, BIT(4)); /* active high */
    d = tim_channel_output(&tim, 2);
    assert_true(d.high > 0.3734 && d.high < 0.3736);
    th_wr(m, T2 + 0x20, 0); /* output disabled */
    assert_false(tim_channel_output(&tim, 2).driven);
    th_wr(m, T2 + 0x20, BIT(4));
    th_wr(m, T2 + 0x18, 5u << 12); /* forced active */
    assert_true(tim_channel_output(&tim, 2).high == 1.0);
}

static void update_generation(void **state)
{
    (void)state;
    th_wr(m, T2 + 0x00, 1);
    th_advance(m, 300 * PS_PER_US);
    th_wr(m, T2 + 0x14, 1); /* UG: counter restarts, UIF set */
    assert_int_equal(th_rd(m, T2 + 0x24), 0);
    assert_true(th_rd(m, T2 + 0x10) & 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(counts_microseconds, setup, teardown),
        cmocka_unit_test_setup_teardown(cc1_interrupt_every_period, setup, teardown),
        cmocka_unit_test_setup_teardown(pwm_duty_and_polarity, setup, teardown),
        cmocka_unit_test_setup_teardown(update_generation, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
