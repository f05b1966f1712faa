/* Flash interface (RM0033 section 2): keys, erase, NOR programming, errors. */
#include "harness.h"
#include "flash.h"

#define FL 0x40023C00u
#define KEYR (FL + 0x04)
#define SR (FL + 0x0C)
#define CR (FL + 0x10)
#define CR_PG 1u
#define CR_SER 2u
#define CR_STRT (1u << 16)
#define CR_LOCK (1u << 31)
#define PSIZE_X32 (2u << 8)
#define SR_BSY (1u << 16)
#define SR_PGSERR (1u << 7)
#define SR_PGPERR (1u << 6)
#define SR_EOP 1u

static machine *m;
static stm32_flash f;
static uint8_t otp[528];

static int setup(void **state)
{
    (void)state;
    m = th_machine();
    memset(stm32f205_optbytes(m), 0xFF, 16);
    stm32f205_optbytes(m)[0] = 0xEC;
    stm32f205_optbytes(m)[1] = 0xAA;
    stm32f205_optbytes(m)[9] = 0x0F;
    flash_layout fl = {
        .base = STM32F205_FLASH_BASE, .size = STM32F205_FLASH_SIZE, .mem = stm32f205_flash(m),
        .sectors = stm32f205_sectors, .nsectors = STM32F205_NSECTORS,
        .otp_base = STM32F205_OTP_BASE, .otp = otp, .optbytes = stm32f205_optbytes(m),
    };
    flash_init(&f, "FLASH", &fl);
    th_add(m, &f.dev);
    m->rom_store = flash_cpu_store;
    m->rom_store_ctx = &f;
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
    th_wr(m, KEYR, 0x45670123u);
    th_wr(m, KEYR, 0xCDEF89ABu);
}

static void locked_after_reset_and_keys_unlock(void **state)
{
    (void)state;
    assert_true(th_rd(m, CR) & CR_LOCK);
    th_wr(m, CR, CR_PG); /* ignored while locked */
    assert_int_equal(th_rd(m, CR) & CR_PG, 0);
    unlock();
    assert_int_equal(th_rd(m, CR) & CR_LOCK, 0);
}

static void wrong_key_locks_until_reset(void **state)
{
    (void)state;
    th_wr(m, KEYR, 0x12345678u);
    th_wr(m, KEYR, 0x45670123u);
    th_wr(m, KEYR, 0xCDEF89ABu);
    assert_true(th_rd(m, CR) & CR_LOCK);
    f.dev.reset(&f.dev, RESET_SOFTWARE);
    unlock();
    assert_int_equal(th_rd(m, CR) & CR_LOCK, 0);
}

static void sector_erase_takes_time_then_fills_ff(void **state)
{
    (void)state;
    memset(stm32f205_flash(m) + 0x4000, 0x00, 0x4000);
    unlock();
    th_wr(m, CR, PSIZE_X32 | CR_SER | (1u << 3));
    th_wr(m, CR, PSIZE_X32 | CR_SER | (1u << 3) | CR_STRT);
    assert_true(th_rd(m, SR) & SR_BSY);
    assert_int_equal(stm32f205_flash(m)[0x4000], 0x00);
    th_advance(m, 249 * PS_PER_MS);
    assert_true(th_rd(m, SR) & SR_BSY); /* 250 ms typical for 16 KB, x32 */
    th_advance(m, 2 * PS_PER_MS);
    assert_int_equal(th_rd(m, SR) & SR_BSY, 0);
    assert_int_equal(th_rd(m, SR) & SR_EOP, 0); /* EOP only with EOPIE */
    for (int i = 0; i < 0x4000; i++)
        if (stm32f205_flash(m)[0x4000 + i] != 0xFF)
            fail_msg("byte %d not erased", i);
    assert_int_equal(stm32f205_flash(m)[0x3FFF], 0xFF); /* sector 0 untouched */
}

static void program_is_nor_and_needs_pg(void **state)
{
    (void)state;
    stm32f205_flash(m)[0x8000] = 0xF0;
    /* without PG: nothing changes, PGSERR */
    assert_false(flash_cpu_store(&f, STM32F205_FLASH_BASE + 0x8000, 4, 0));
    assert_true(th_rd(m, SR) & SR_PGSERR);
    th_wr(m, SR, SR_PGSERR); /* write one to clear */
    assert_int_equal(th_rd(m, SR) & SR_PGSERR, 0);
    /* through the alias at 0 too */
    assert_false(flash_cpu_store(&f, 0x0000000C, 4, 0));
    assert_true(th_rd(m, SR) & SR_PGSERR);
    th_wr(m, SR, SR_PGSERR);
    unlock();
    th_wr(m, CR, PSIZE_X32 | CR_PG);
    /* wrong size for PSIZE: parallelism error */
    assert_false(flash_cpu_store(&f, STM32F205_FLASH_BASE + 0x8000, 1, 0));
    assert_true(th_rd(m, SR) & SR_PGPERR);
    th_wr(m, SR, SR_PGPERR);
    assert_true(flash_cpu_store(&f, STM32F205_FLASH_BASE + 0x8000, 4, 0x0F0F0F0Fu));
    assert_true(th_rd(m, SR) & SR_BSY);
    th_advance(m, 20 * PS_PER_US);
    assert_int_equal(th_rd(m, SR) & SR_BSY, 0);
}

static void store_while_busy_waits_for_the_programming(void **state)
{
    (void)state;
    unlock();
    th_wr(m, CR, PSIZE_X32 | CR_PG);
    uint64_t t0 = machine_now(m);
    assert_true(flash_cpu_store(&f, STM32F205_FLASH_BASE + 0x8000, 4, 0));
    /* a second store at once (STRD, STM): no error, it waits */
    assert_true(flash_cpu_store(&f, STM32F205_FLASH_BASE + 0x8004, 4, 0));
    assert_int_equal(th_rd(m, SR) & 0xF2u, 0);
    assert_int_equal(f.programs, 2);
    /* the CPU stalls for both words, BSY stays set until the second ends */
    assert_true(m->cpu.stall_until >= t0 + 32 * PS_PER_US);
    th_advance(m, 20 * PS_PER_US);
    assert_true(th_rd(m, SR) & SR_BSY);
    th_advance(m, 14 * PS_PER_US);
    assert_int_equal(th_rd(m, SR) & SR_BSY, 0);
}

static int power_fails;
static void on_power_fail(void *opaque, int n, double level)
{
    (void)opaque;
    (void)n;
    power_fails += line_high(level);
}

/* Power fails at the 3rd program: words 1 and 2 land, the 3rd does not,
 * nothing programs afterwards, until a power-on reset. */
static void power_loss_at_a_program_tears_at_that_word(void **state)
{
    (void)state;
    power_fails = 0;
    line_connect(&f.power_fail, line_sink_make(on_power_fail, NULL, 0));
    flash_fault_at(&f, FLASH_OP_PROGRAM, 3, FLASH_FAULT_POWER);
    memset(stm32f205_flash(m) + 0x8000, 0xFF, 16);
    unlock();
    th_wr(m, CR, PSIZE_X32 | CR_PG);
    for (uint32_t i = 0; i < 4; i++) {
        bool landed = flash_cpu_store(&f, STM32F205_FLASH_BASE + 0x8000 + 4 * i, 4, 0x11111111u);
        assert_int_equal(landed, i < 2);
        th_advance(m, 20 * PS_PER_US);
    }
    assert_int_equal(power_fails, 1);
    assert_true(f.power_lost);
    f.dev.reset(&f.dev, RESET_SOFTWARE); /* not a power-on: still no power */
    assert_true(f.power_lost);
    f.dev.reset(&f.dev, RESET_POWER_ON);
    assert_false(f.power_lost);
    unlock();
    th_wr(m, CR, PSIZE_X32 | CR_PG);
    assert_true(flash_cpu_store(&f, STM32F205_FLASH_BASE + 0x8008, 4, 0x11111111u));
}

static void erase_sector(int n)
{
    unlock();
    th_wr(m, CR, PSIZE_X32 | CR_SER | ((uint32_t)n << 3) | CR_STRT);
}

/* The chosen erase stops halfway; a power failure at a time tears the
 * erase in flight where it got to. */
static void power_loss_during_an_erase_leaves_it_partly_done(void **state)
{
    (void)state;
    uint8_t *fl = stm32f205_flash(m);
    memset(fl + 0x4000, 0x00, 0x4000);
    flash_fault_at(&f, FLASH_OP_ERASE, 1, FLASH_FAULT_POWER);
    erase_sector(1);
    assert_true(f.power_lost);
    assert_int_equal(fl[0x4000], 0xFF);
    assert_int_equal(fl[0x5FFF], 0xFF);
    assert_int_equal(fl[0x6000], 0x00);
    assert_int_equal(fl[0x7FFF], 0x00);
    f.dev.reset(&f.dev, RESET_POWER_ON);
    memset(fl + 0x4000, 0x00, 0x4000);
    erase_sector(1); /* 250 ms; the power fails after a quarter of it */
    th_advance(m, 62500 * PS_PER_US);
    flash_power_fail(&f);
    assert_int_equal(fl[0x4FFF], 0xFF);
    assert_int_equal(fl[0x5000], 0x00);
    th_advance(m, 300 * PS_PER_MS);
    assert_int_equal(fl[0x5000], 0x00); /* the erase never completes */
}

static void stuck_operation_never_completes(void **state)
{
    (void)state;
    flash_fault_at(&f, FLASH_OP_ANY, 2, FLASH_FAULT_STUCK);
    erase_sector(2);
    th_advance(m, 2000 * PS_PER_MS);
    assert_int_equal(th_rd(m, SR) & SR_BSY, 0); /* the first completes */
    erase_sector(3);
    th_advance(m, 5000 * PS_PER_MS);
    assert_true(th_rd(m, SR) & SR_BSY); /* the second does not */
    f.dev.reset(&f.dev, RESET_PIN);
    assert_int_equal(th_rd(m, SR) & SR_BSY, 0);
}

/* A disturb: as the chosen erase starts, cells elsewhere flip; the erase
 * itself completes as usual, and the one before it changes nothing. */
static void disturb_flips_other_cells_as_the_chosen_operation_starts(void **state)
{
    (void)state;
    uint8_t *fl = stm32f205_flash(m);
    fl[0xC1000] = 0x5A;
    flash_disturb_at(&f, FLASH_OP_ERASE, 2, 0x080C1000, 1, 0x04);
    erase_sector(2);
    th_advance(m, 2000 * PS_PER_MS);
    assert_int_equal(fl[0xC1000], 0x5A);
    erase_sector(3);
    assert_int_equal(fl[0xC1000], 0x5E);
    th_advance(m, 2000 * PS_PER_MS);
    assert_int_equal(th_rd(m, SR) & SR_BSY, 0);
    assert_int_equal(fl[0xC000], 0xFF);
    assert_false(f.power_lost);
    erase_sector(4); /* once only */
    th_advance(m, 2000 * PS_PER_MS);
    assert_int_equal(fl[0xC1000], 0x5E);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(locked_after_reset_and_keys_unlock, setup, teardown),
        cmocka_unit_test_setup_teardown(wrong_key_locks_until_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(sector_erase_takes_time_then_fills_ff, setup, teardown),
        cmocka_unit_test_setup_teardown(program_is_nor_and_needs_pg, setup, teardown),
        cmocka_unit_test_setup_teardown(store_while_busy_waits_for_the_programming, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(power_loss_at_a_program_tears_at_that_word, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(power_loss_during_an_erase_leaves_it_partly_done, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(stuck_operation_never_completes, setup, teardown),
        cmocka_unit_test_setup_teardown(disturb_flips_other_cells_as_the_chosen_operation_starts,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
