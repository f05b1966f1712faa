/* GPIO (RM0033 section 6), EXTI (8) and SYSCFG routing (7). */
#include "harness.h"
#include "exti.h"
#include "gpio.h"

#define GA GPIO_BASE(0)
#define GC GPIO_BASE(2)
static machine *m;
static stm32_gpio ga, gc;
static stm32_exti exti;
static stm32_syscfg sys;

static int setup(void **state)
{
    (void)state;
    m = th_machine();
    gpio_init(&ga, "GPIOA", &stm32f205_gpio_reset[PORT_A]);
    gpio_init(&gc, "GPIOC", &stm32f205_gpio_reset[PORT_C]);
    exti_init(&exti, "EXTI");
    syscfg_init(&sys, "SYSCFG");
    th_wire(&ga.dev, "in", 0, &sys.dev, "gpio", 16 * PORT_A, 16);
    th_wire(&gc.dev, "in", 0, &sys.dev, "gpio", 16 * PORT_C, 16);
    th_wire(&sys.dev, "exti", 0, &exti.dev, "line", 0, 16);
    th_wire(&sys.dev, "exti_sync", 0, &exti.dev, "sync", 0, 16);
    for (int i = 0; i < EXTI_LINES; i++)
        th_irq(m, &exti.irq[i], i == 7 ? 23 : 6);
    th_add(m, &ga.dev);
    th_add(m, &gc.dev);
    th_add(m, &exti.dev);
    th_add(m, &sys.dev);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    machine_free(m);
    return 0;
}

static void reset_values(void **state)
{
    (void)state;
    assert_int_equal(th_rd(m, GA + 0x00), 0xA8000000u);
    assert_int_equal(th_rd(m, GA + 0x0C), 0x64000000u);
    assert_int_equal(th_rd(m, GC + 0x00), 0);
}

static void output_bsrr_and_halfword_bsrrh(void **state)
{
    (void)state;
    th_wr(m, GA + 0x00, 0x54); /* PA1-3 outputs */
    th_wr(m, GA + 0x18, 0x000E);
    assert_int_equal(th_rd(m, GA + 0x14), 0xE);
    assert_int_equal(th_rd(m, GA + 0x10) & 0xE, 0xE);
    th_wr16(m, GA + 0x1A, 0x0004); /* BSRRH: reset PA2 */
    assert_int_equal(th_rd(m, GA + 0x14), 0xA);
    th_wr(m, GA + 0x18, (1u << 1) | (1u << 17)); /* set and reset: set wins */
    assert_int_equal(th_rd(m, GA + 0x14) & 2, 2);
    pin_drive d = gpio_pin_output(&ga, 2);
    assert_true(d.driven);
    assert_true(d.high == 0.0);
    th_wr(m, GA + 0x04, 1u << 1); /* open drain: a 1 releases the pin */
    assert_false(gpio_pin_output(&ga, 1).driven);
}

static void input_levels_from_pulls_and_the_outside(void **state)
{
    (void)state;
    assert_int_equal(th_rd(m, GC + 0x10) & BIT(7), 0); /* floating reads 0 */
    th_wr(m, GC + 0x0C, 1u << 14);                     /* PC7 pull-up */
    assert_true(th_rd(m, GC + 0x10) & BIT(7));
    gpio_set_external(&gc, 7, 0); /* the SETUP button pressed */
    assert_int_equal(th_rd(m, GC + 0x10) & BIT(7), 0);
    gpio_set_external(&gc, 7, -1);
    assert_true(th_rd(m, GC + 0x10) & BIT(7));
}

static void exti_falling_edge_through_syscfg(void **state)
{
    (void)state;
    th_wr(m, GC + 0x0C, 1u << 14);                /* pull-up */
    th_wr(m, SYSCFG_BASE + 0x0C, 2u << 12);       /* EXTICR2: line 7 <- port C */
    th_wr(m, EXTI_BASE + 0x00, BIT(7));           /* IMR */
    th_wr(m, EXTI_BASE + 0x0C, BIT(7));           /* FTSR */
    gpio_set_external(&ga, 7, 0);                 /* port A is not routed */
    assert_int_equal(th_rd(m, EXTI_BASE + 0x14), 0);
    gpio_set_external(&gc, 7, 0);
    assert_int_equal(th_rd(m, EXTI_BASE + 0x14), BIT(7)); /* PR */
    assert_true(m->nvic.pending[EXC_IRQ0 + 23]);
    assert_true(m->nvic.level[EXC_IRQ0 + 23]);
    gpio_set_external(&gc, 7, -1); /* rising edge: not selected */
    th_wr(m, EXTI_BASE + 0x14, BIT(7));
    assert_int_equal(th_rd(m, EXTI_BASE + 0x14), 0);
    assert_false(m->nvic.level[EXC_IRQ0 + 23]);
    th_wr(m, EXTI_BASE + 0x10, BIT(7)); /* SWIER */
    assert_int_equal(th_rd(m, EXTI_BASE + 0x14), BIT(7));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(reset_values, setup, teardown),
        cmocka_unit_test_setup_teardown(output_bsrr_and_halfword_bsrrh, setup, teardown),
        cmocka_unit_test_setup_teardown(input_levels_from_pulls_and_the_outside, setup, teardown),
        cmocka_unit_test_setup_teardown(exti_falling_edge_through_syscfg, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
