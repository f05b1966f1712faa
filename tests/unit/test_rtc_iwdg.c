/* RTC and backup registers (RM0033 section 23), IWDG (section 19). */
#include "harness.h"
#include "iwdg.h"
#include "pwr.h"
#include "rcc.h"
#include "rtc.h"

#define RTC(off) (RTC_BASE + (off))
static machine *m;
static stm32_rcc rcc;
static stm32_pwr pwr;
static stm32_rtc rtc;
static stm32_iwdg iwdg;

static int setup(void **state)
{
    (void)state;
    m = th_machine();
    rcc_init(&rcc, "RCC", 26000000u);
    pwr_init(&pwr, "PWR");
    th_wire(&pwr.dev, "dbp", 0, &rcc.dev, "dbp", 0, 1);
    rtc_init(&rtc, "RTC", &rcc);
    th_wire(&pwr.dev, "dbp", 0, &rtc.dev, "dbp", 0, 1);
    iwdg_init(&iwdg, "IWDG");
    th_add(m, &rcc.dev);
    th_add(m, &pwr.dev);
    th_add(m, &rtc.dev);
    th_add(m, &iwdg.dev);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    machine_free(m);
    return 0;
}

static void unlock(void)
{
    th_wr(m, PWR_BASE, PWR_CR_DBP);
    th_wr(m, RTC(0x24), 0xCA);
    th_wr(m, RTC(0x24), 0x53);
}

static void backup_registers_need_dbp_and_survive_system_reset(void **state)
{
    (void)state;
    th_wr(m, RTC(0x54), 0xEDFA); /* BKP1R without DBP: ignored */
    assert_int_equal(th_rd(m, RTC(0x54)), 0);
    th_wr(m, PWR_BASE, PWR_CR_DBP);
    th_wr(m, RTC(0x54), 0xEDFA); /* no WPR key needed for BKPxR */
    assert_int_equal(th_rd(m, RTC(0x54)), 0xEDFA);
    rtc.dev.reset(&rtc.dev, RESET_SOFTWARE);
    rtc.dev.reset(&rtc.dev, RESET_IWDG);
    assert_int_equal(th_rd(m, RTC(0x54)), 0xEDFA);
    rtc.dev.reset(&rtc.dev, RESET_POWER_ON);
    assert_int_equal(th_rd(m, RTC(0x54)), 0);
}

static void calendar_init_and_ticking(void **state)
{
    (void)state;
    th_wr(m, PWR_BASE, PWR_CR_DBP);
    th_wr(m, RCC_BASE + 0x70, 1 | (1u << 8) | BIT(15)); /* LSE, RTCSEL=LSE, RTCEN */
    th_wr(m, RTC(0x08), 0);                              /* CR without the key: ignored */
    unlock();
    th_wr(m, RTC(0x0C), BIT(7)); /* INIT */
    assert_true(th_rd(m, RTC(0x0C)) & BIT(6)); /* INITF */
    th_wr(m, RTC(0x04), 0x00254325u); /* 2025, Tuesday(2), 03-25 */
    th_wr(m, RTC(0x00), 0x00235958u); /* 23:59:58 */
    th_wr(m, RTC(0x0C), 0);           /* leave INIT */
    assert_true(th_rd(m, RTC(0x0C)) & BIT(4)); /* INITS */
    assert_int_equal(th_rd(m, RTC(0x00)), 0x00235958u);
    th_advance(m, 2500 * PS_PER_MS);
    assert_int_equal(th_rd(m, RTC(0x00)), 0x00000000u);
    assert_int_equal(th_rd(m, RTC(0x04)) & 0x00FF1F3Fu, 0x00250326u);
}

static void rsf_is_set_two_rtc_clocks_after_clearing(void **state)
{
    (void)state;
    th_wr(m, PWR_BASE, PWR_CR_DBP);
    th_wr(m, RCC_BASE + 0x70, 1 | (1u << 8) | BIT(15));
    th_wr(m, RTC(0x0C), ~BIT(5)); /* clear RSF */
    assert_int_equal(th_rd(m, RTC(0x0C)) & BIT(5), 0);
    th_advance(m, 70 * PS_PER_US);
    assert_true(th_rd(m, RTC(0x0C)) & BIT(5));
}

static void iwdg_resets_unless_reloaded(void **state)
{
    (void)state;
    th_wr(m, IWDG_BASE + 0x04, 6); /* PR without the key: ignored */
    assert_int_equal(th_rd(m, IWDG_BASE + 0x04), 0);
    th_wr(m, IWDG_BASE, 0x5555);
    th_wr(m, IWDG_BASE + 0x04, 6);   /* /256 */
    th_wr(m, IWDG_BASE + 0x08, 624); /* 625 x 256 / 32000 = 5 s */
    assert_int_equal(iwdg_timeout_ps(&iwdg), 5 * PS_PER_S);
    th_wr(m, IWDG_BASE, 0xCCCC);
    th_advance(m, 4 * PS_PER_S);
    th_wr(m, IWDG_BASE, 0xAAAA); /* reload */
    th_advance(m, 4 * PS_PER_S);
    assert_false(m->reset_flag);
    th_advance(m, 2 * PS_PER_S);
    assert_true(m->reset_flag);
    assert_int_equal(m->reset_why, RESET_IWDG);
}

/* Starvation: a forced expiry resets at once when the IWDG runs; armed
 * while it does not, it fires the moment the firmware starts it, across a
 * reset in between, and only once. */
static void iwdg_forced_expiry(void **state)
{
    (void)state;
    assert_false(iwdg_force_expire(&iwdg, 1)); /* not running: armed */
    th_advance(m, 10 * PS_PER_S);
    assert_false(m->reset_flag);
    iwdg.dev.reset(&iwdg.dev, RESET_SOFTWARE);
    th_wr(m, IWDG_BASE, 0xCCCC);
    th_advance(m, PS_PER_US);
    assert_true(m->reset_flag);
    assert_int_equal(m->reset_why, RESET_IWDG);
    m->reset_flag = false;
    iwdg.dev.reset(&iwdg.dev, RESET_IWDG);
    th_wr(m, IWDG_BASE, 0xCCCC); /* the next start runs its whole count (512 ms) */
    th_advance(m, 500 * PS_PER_MS);
    assert_false(m->reset_flag);
    assert_true(iwdg_force_expire(&iwdg, 1)); /* running: now */
    th_advance(m, PS_PER_US);
    assert_true(m->reset_flag);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(backup_registers_need_dbp_and_survive_system_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(calendar_init_and_ticking, setup, teardown),
        cmocka_unit_test_setup_teardown(rsf_is_set_two_rtc_clocks_after_clearing, setup, teardown),
        cmocka_unit_test_setup_teardown(iwdg_resets_unless_reloaded, setup, teardown),
        cmocka_unit_test_setup_teardown(iwdg_forced_expiry, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
