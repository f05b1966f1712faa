/* RCC (RM0033 section 5): ready flags, clock tree, reset flags, backup domain. */
#include "harness.h"
#include "pwr.h"
#include "rcc.h"

#define R(off) (RCC_BASE + (off))
static machine *m;
static stm32_rcc rcc;
static stm32_pwr pwr;

static int setup(void **state)
{
    (void)state;
    m = th_machine();
    rcc_init(&rcc, "RCC", 26000000u);
    pwr_init(&pwr, "PWR");
    th_wire(&pwr.dev, "dbp", 0, &rcc.dev, "dbp", 0, 1);
    th_add(m, &rcc.dev);
    th_add(m, &pwr.dev);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    machine_free(m);
    return 0;
}

static void reset_values_and_ready_flags(void **state)
{
    (void)state;
    assert_int_equal(th_rd(m, R(0x00)), 0x83);        /* HSION, HSIRDY, trim 16 */
    assert_int_equal(th_rd(m, R(0x04)), 0x24003010u); /* PLLCFGR */
    th_wr(m, R(0x00), th_rd(m, R(0x00)) | BIT(16));   /* HSEON */
    assert_true(th_rd(m, R(0x00)) & BIT(17));         /* HSERDY */
    th_wr(m, R(0x00), th_rd(m, R(0x00)) | BIT(24));   /* PLLON */
    assert_true(th_rd(m, R(0x00)) & BIT(25));         /* PLLRDY */
}

static void photon_clock_tree(void **state)
{
    (void)state;
    /* SystemInit: HSE 26 MHz, M=26 N=240 P=2 Q=5, AHB /1, APB1 /4, APB2 /2 */
    th_wr(m, R(0x00), th_rd(m, R(0x00)) | BIT(16) | BIT(24));
    th_wr(m, R(0x04), 26 | 240u << 6 | 0u << 16 | 1u << 22 | 5u << 24);
    assert_int_equal(rcc_sysclk(&rcc), 16000000u); /* still on HSI */
    assert_int_equal(m->clock.hz, 16000000u);
    th_wr(m, R(0x08), 5u << 10 | 4u << 13 | 2u);
    assert_int_equal(th_rd(m, R(0x08)) & 0xF, 0xA); /* SWS follows SW */
    assert_int_equal(rcc_hclk(&rcc), 120000000u);
    assert_int_equal(rcc_pclk1(&rcc), 30000000u);
    assert_int_equal(rcc_pclk2(&rcc), 60000000u);
    assert_int_equal(rcc_timclk(&rcc, 1), 60000000u); /* x2: APB1 divides */
    assert_int_equal(rcc_timclk(&rcc, 2), 120000000u);
    assert_int_equal(m->clock.hz, 120000000u); /* the CPU follows HCLK */
}

static void reset_flags_accumulate_until_rmvf(void **state)
{
    (void)state;
    uint32_t csr = th_rd(m, R(0x74));
    assert_int_equal(csr & 0xFE000000u, BIT(27) | BIT(26) | BIT(25)); /* POR, PIN, BOR */
    rcc.dev.reset(&rcc.dev, RESET_SOFTWARE);
    csr = th_rd(m, R(0x74));
    assert_true(csr & BIT(28)); /* SFTRSTF */
    assert_true(csr & BIT(27)); /* PORRSTF still there */
    th_wr(m, R(0x74), BIT(24)); /* RMVF */
    assert_int_equal(th_rd(m, R(0x74)) & 0xFE000000u, 0);
    rcc.dev.reset(&rcc.dev, RESET_IWDG);
    assert_int_equal(th_rd(m, R(0x74)) & 0xFE000000u, BIT(29) | BIT(26));
}

/* A brown-out is a power reset: the flags start again with BORRSTF (and
 * PINRSTF, the reset pulse on NRST), not PORRSTF; the backup domain, on
 * VBAT, keeps its content. */
static void brownout_resets_the_flags_keeps_the_backup_domain(void **state)
{
    (void)state;
    th_wr(m, PWR_BASE, PWR_CR_DBP);
    th_wr(m, R(0x70), 1 | (1u << 8) | BIT(15)); /* LSEON, RTCSEL LSE, RTCEN */
    rcc.dev.reset(&rcc.dev, RESET_SOFTWARE);
    assert_int_equal(th_rd(m, R(0x74)) & 0xFE000000u, BIT(28) | BIT(27) | BIT(26) | BIT(25));
    rcc.dev.reset(&rcc.dev, RESET_BROWNOUT);
    assert_int_equal(th_rd(m, R(0x74)) & 0xFE000000u, BIT(26) | BIT(25)); /* PIN, BOR */
    assert_true(th_rd(m, R(0x70)) & BIT(15));
}

static void backup_domain_needs_dbp_and_survives_system_reset(void **state)
{
    (void)state;
    th_wr(m, R(0x70), 1); /* LSEON without DBP: ignored */
    assert_int_equal(th_rd(m, R(0x70)), 0);
    th_wr(m, PWR_BASE, PWR_CR_DBP);
    th_wr(m, R(0x70), 1 | (1u << 8) | BIT(15));
    assert_int_equal(th_rd(m, R(0x70)), 1 | 2 | (1u << 8) | BIT(15)); /* LSERDY */
    assert_int_equal(rcc_rtcclk(&rcc), 32768u);
    rcc.dev.reset(&rcc.dev, RESET_SOFTWARE);
    assert_true(th_rd(m, R(0x70)) & BIT(15));
    rcc.dev.reset(&rcc.dev, RESET_POWER_ON);
    assert_int_equal(th_rd(m, R(0x70)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(reset_values_and_ready_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(photon_clock_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(reset_flags_accumulate_until_rmvf, setup, teardown),
        cmocka_unit_test_setup_teardown(backup_domain_needs_dbp_and_survives_system_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(brownout_resets_the_flags_keeps_the_backup_domain, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
