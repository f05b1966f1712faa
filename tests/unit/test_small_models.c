/* CRC (RM0033 section 3), RNG (20), USART (24), DMA (9), PWR (4). */
#include "harness.h"
#include "crc.h"
#include "dma.h"
#include "pwr.h"
#include "rcc.h"
#include "rng.h"
#include "usart.h"

static machine *m;

static int setup(void **state)
{
    (void)state;
    m = th_machine();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    machine_free(m);
    return 0;
}

static void crc_is_stm32_crc32(void **state)
{
    (void)state;
    static stm32_crc c;
    crc_init(&c, "CRC");
    th_add(m, &c.dev);
    /* a well-known vector: the STM32 CRC of the word 0x12345678 */
    th_wr(m, CRC_BASE, 0x12345678u);
    assert_int_equal(th_rd(m, CRC_BASE), 0xDF8A8A2Bu);
    th_wr(m, CRC_BASE + 8, 1); /* RESET */
    assert_int_equal(th_rd(m, CRC_BASE), 0xFFFFFFFFu);
    th_wr(m, CRC_BASE + 4, 0x1A5);
    assert_int_equal(th_rd(m, CRC_BASE + 4), 0xA5); /* 8-bit scratch */
}

static void rng_is_deterministic_and_paced(void **state)
{
    (void)state;
    static stm32_rng a, b;
    rng_init(&a, "RNG", 42);
    th_add(m, &a.dev);
    assert_int_equal(th_rd(m, RNG_BASE + 4), 0); /* off: no data */
    th_wr(m, RNG_BASE, 4);                       /* RNGEN */
    assert_int_equal(th_rd(m, RNG_BASE + 4) & 1, 0);
    th_advance(m, PS_PER_US);
    assert_int_equal(th_rd(m, RNG_BASE + 4) & 1, 1); /* DRDY after 40 clocks */
    uint32_t v1 = th_rd(m, RNG_BASE + 8);
    assert_int_equal(th_rd(m, RNG_BASE + 4) & 1, 0); /* a read empties it */
    th_advance(m, PS_PER_US);
    uint32_t v2 = th_rd(m, RNG_BASE + 8);
    assert_int_not_equal(v1, v2);
    /* with IE the interrupt comes when the next value is ready */
    th_irq(m, &a.irq, 80);
    th_wr(m, RNG_BASE, 4 | 8);
    (void)th_rd(m, RNG_BASE + 8);
    assert_false(m->nvic.level[EXC_IRQ0 + 80]);
    th_advance(m, PS_PER_US);
    assert_true(m->nvic.level[EXC_IRQ0 + 80]);
    /* the same seed gives the same numbers */
    machine *m2 = th_machine();
    rng_init(&b, "RNG", 42);
    th_add(m2, &b.dev);
    th_wr(m2, RNG_BASE, 4);
    th_advance(m2, PS_PER_US);
    assert_int_equal(th_rd(m2, RNG_BASE + 8), v1);
    machine_free(m2);
}

static uint8_t sent[64];
static int nsent;
static void tx(void *ctx, const uint8_t *buf, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++)
        sent[nsent++] = buf[i];
}

static void usart_timing_and_flags(void **state)
{
    (void)state;
    static stm32_rcc rcc;
    static stm32_usart u;
    rcc_init(&rcc, "RCC", 26000000u);
    th_add(m, &rcc.dev); /* 16 MHz HSI: PCLK2 16 MHz */
    usart_init(&u, "USART1", 2, &rcc);
    th_irq(m, &u.irq, 37);
    static const chardev_backend_ops out = {.receive = tx};
    chardev_attach(&u.serial, &out, NULL);
    th_add(m, &u.dev);
    uint32_t b = 0x40011000u;
    th_wr(m, b + 0x08, 16000000u / 115200u); /* BRR */
    th_wr(m, b + 0x0C, BIT(13) | BIT(3) | BIT(2)); /* UE TE RE */
    nsent = 0;
    th_wr(m, b + 0x04, 'h');
    th_wr(m, b + 0x04, 'i');
    assert_int_equal(th_rd(m, b) & BIT(7), 0); /* TXE: one waits in DR */
    assert_int_equal(nsent, 0);
    th_advance(m, 87 * PS_PER_US); /* 10 bits at 115200 baud */
    assert_int_equal(nsent, 1);
    assert_true(th_rd(m, b) & BIT(7));
    assert_int_equal(th_rd(m, b) & BIT(6), 0); /* TC: 'i' still shifting */
    th_advance(m, 90 * PS_PER_US);
    assert_int_equal(nsent, 2);
    assert_true(th_rd(m, b) & BIT(6));
    assert_memory_equal(sent, "hi", 2);
    /* receive: one byte per character time; a second lost while RXNE */
    chardev_send(&u.serial, (const uint8_t *)"ab", 2); /* through its serial port */
    th_advance(m, 90 * PS_PER_US);
    assert_true(th_rd(m, b) & BIT(5)); /* RXNE */
    th_advance(m, 90 * PS_PER_US);
    assert_true(th_rd(m, b) & BIT(3)); /* ORE */
    assert_int_equal(th_rd(m, b + 0x04), 'a');
    assert_int_equal(th_rd(m, b) & (BIT(5) | BIT(3)), 0);
}

static void dma_memory_to_memory(void **state)
{
    (void)state;
    static stm32_dma d;
    dma_init(&d, "DMA2", 2);
    th_irq(m, &d.irq[0], 56);
    th_add(m, &d.dev);
    for (int i = 0; i < 16; i++)
        machine_mem(m, "ram")[i] = (uint8_t)(i + 1);
    uint32_t s0 = DMA2_BASE + 0x10;
    th_wr(m, s0 + 0x04, 4);               /* NDTR: 4 words */
    th_wr(m, s0 + 0x08, STM32F205_SRAM_BASE);       /* PAR: source in M2M */
    th_wr(m, s0 + 0x0C, STM32F205_SRAM_BASE + 0x100); /* M0AR */
    th_wr(m, s0, (2u << 6) | BIT(9) | BIT(10) | (2u << 11) | (2u << 13) | BIT(4) | 1);
    assert_memory_equal(machine_mem(m, "ram") + 0x100, machine_mem(m, "ram"), 16);
    assert_int_equal(th_rd(m, s0 + 0x04), 0);
    assert_int_equal(th_rd(m, s0) & 1, 0);   /* EN cleared */
    assert_true(th_rd(m, DMA2_BASE) & BIT(5)); /* TCIF0 */
    assert_true(m->nvic.level[EXC_IRQ0 + 56]);
    th_wr(m, DMA2_BASE + 0x08, BIT(5));
    assert_int_equal(th_rd(m, DMA2_BASE) & BIT(5), 0);
    assert_false(m->nvic.level[EXC_IRQ0 + 56]);
}

static void pwr_backup_regulator(void **state)
{
    (void)state;
    static stm32_pwr p;
    pwr_init(&p, "PWR");
    th_add(m, &p.dev);
    th_wr(m, PWR_BASE + 4, BIT(9)); /* BRE without DBP: ignored */
    assert_int_equal(th_rd(m, PWR_BASE + 4) & BIT(9), 0);
    th_wr(m, PWR_BASE, PWR_CR_DBP);
    th_wr(m, PWR_BASE + 4, BIT(9));
    assert_int_equal(th_rd(m, PWR_BASE + 4) & (BIT(9) | BIT(3)), BIT(9) | BIT(3)); /* BRR */
    p.dev.reset(&p.dev, RESET_SOFTWARE);
    assert_true(th_rd(m, PWR_BASE + 4) & BIT(9));
    assert_int_equal(th_rd(m, PWR_BASE), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(crc_is_stm32_crc32, setup, teardown),
        cmocka_unit_test_setup_teardown(rng_is_deterministic_and_paced, setup, teardown),
        cmocka_unit_test_setup_teardown(usart_timing_and_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(dma_memory_to_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(pwr_backup_regulator, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
