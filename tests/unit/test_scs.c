/* System Control Space: SysTick, SCB registers, NVIC registers. */
#include "harness.h"

#define SYST_CSR 0xE000E010u
#define SYST_RVR 0xE000E014u
#define SYST_CVR 0xE000E018u
static machine *m;

static int setup(void **state)
{
    (void)state;
    m = th_machine();
    machine_reset(m, RESET_POWER_ON);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    machine_free(m);
    return 0;
}

static void cpu_advance(uint64_t cycles)
{
    uint64_t end = m->clock.cycles + cycles;
    while (clock_next_event(&m->clock) != UINT64_MAX &&
           clock_cycles_at(&m->clock, clock_next_event(&m->clock)) <= end) {
        clock_advance_to(&m->clock, clock_next_event(&m->clock));
        clock_run_due(&m->clock);
    }
    m->clock.cycles = end;
}

static void systick_counts_down_and_pends(void **state)
{
    (void)state;
    th_wr(m, SYST_RVR, 999);
    th_wr(m, SYST_CVR, 0);
    th_wr(m, SYST_CSR, 7); /* processor clock, interrupt, enable */
    cpu_advance(1);
    assert_int_equal(th_rd(m, SYST_CVR), 999);
    cpu_advance(500);
    assert_int_equal(th_rd(m, SYST_CVR), 499);
    assert_false(m->nvic.pending[EXC_SYSTICK]);
    cpu_advance(499);
    assert_true(m->nvic.pending[EXC_SYSTICK]);
    assert_true(th_rd(m, SYST_CSR) & BIT(16)); /* COUNTFLAG, cleared by the read */
    assert_int_equal(th_rd(m, SYST_CSR) & BIT(16), 0);
    /* periodic: 1000 cycles later again */
    nvic_clear_pending(&m->nvic, EXC_SYSTICK);
    cpu_advance(1000);
    assert_true(th_rd(m, SYST_CSR) & BIT(16));
    th_wr(m, SYST_CSR, 0); /* stopped: the value holds */
    uint32_t v = th_rd(m, SYST_CVR);
    cpu_advance(300);
    assert_int_equal(th_rd(m, SYST_CVR), v);
}

static void scb_registers(void **state)
{
    (void)state;
    assert_int_equal(th_rd(m, 0xE000ED00), 0x412FC231u); /* CPUID */
    th_wr(m, 0xE000ED08, 0x20014800u);
    assert_int_equal(th_rd(m, 0xE000ED08), 0x20014800u); /* VTOR */
    th_wr(m, 0xE000ED0C, 3u << 8); /* no key: ignored */
    assert_int_equal(th_rd(m, 0xE000ED0C), 0xFA050000u);
    th_wr(m, 0xE000ED0C, 0x05FA0000u | (3u << 8));
    assert_int_equal(th_rd(m, 0xE000ED0C), 0xFA050300u);
    assert_int_equal(m->nvic.prigroup, 3);
    th_wr(m, 0xE000ED04, BIT(28)); /* PENDSVSET */
    assert_true(m->nvic.pending[EXC_PENDSV]);
    assert_true(th_rd(m, 0xE000ED04) & BIT(28));
    th_wr(m, 0xE000ED04, BIT(27)); /* PENDSVCLR */
    assert_false(m->nvic.pending[EXC_PENDSV]);
    bus_write(&m->bus, 0xE000ED22, 0xF0, 1); /* SHPR3 byte 2: PendSV priority */
    assert_int_equal(m->nvic.prio[EXC_PENDSV], 0xF0);
    assert_int_equal(th_rd(m, 0xE000ED20), 0x00F00000u);
    th_wr(m, 0xE000ED0C, 0x05FA0004u); /* SYSRESETREQ */
    assert_true(m->reset_flag);
    assert_int_equal(m->reset_why, RESET_SOFTWARE);
}

static void nvic_registers(void **state)
{
    (void)state;
    th_wr(m, 0xE000E100 + 4 * 2, BIT(13)); /* ISER2: IRQ 77 */
    assert_true(m->nvic.enabled[EXC_IRQ0 + 77]);
    assert_int_equal(th_rd(m, 0xE000E180 + 8), BIT(13));
    bus_write(&m->bus, 0xE000E400 + 77, 0x20, 1); /* IPR byte */
    assert_int_equal(m->nvic.prio[EXC_IRQ0 + 77], 0x20);
    th_wr(m, 0xE000E200 + 8, BIT(13)); /* ISPR */
    assert_true(m->nvic.pending[EXC_IRQ0 + 77]);
    assert_int_equal(m->nvic.best, EXC_IRQ0 + 77);
    th_wr(m, 0xE000E280 + 8, BIT(13)); /* ICPR */
    assert_false(m->nvic.pending[EXC_IRQ0 + 77]);
    th_wr(m, 0xE000E180 + 8, BIT(13)); /* ICER */
    assert_false(m->nvic.enabled[EXC_IRQ0 + 77]);
    th_wr(m, 0xE000EF00, 28); /* STIR */
    assert_true(m->nvic.pending[EXC_IRQ0 + 28]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(systick_counts_down_and_pends, setup, teardown),
        cmocka_unit_test_setup_teardown(scb_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(nvic_registers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
