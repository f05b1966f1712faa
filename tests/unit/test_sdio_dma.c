/* SDIO host controller (RM0033 section 25) with a card that is a mock of
 * this test, and the DMA (section 9): peripheral flow control ending a
 * transfer, DMA flow control with circular mode and double buffering,
 * half-transfer, FIFO packing between sizes, software disable, register
 * protection while a stream runs, the card interrupt. */
#include "harness.h"
#include "dma.h"
#include "sdio.h"

static machine *m;
static stm32_sdio sd;
static stm32_dma dma2;

/* the mock card: answers every command; CMD53 opens a data phase of
 * `phase` bytes (positive: it sends, negative: it takes) */
static int32_t phase, next_phase;
static uint8_t card_data[256];
static uint32_t card_pos;

static int mock_command(void *card, uint32_t idx, uint32_t arg, uint32_t resp[4])
{
    (void)card;
    resp[0] = arg ^ idx;
    if (idx == 53) {
        phase = next_phase;
        card_pos = 0;
    }
    return idx == 5 ? SDIO_RESPONSE_NOCRC : SDIO_RESPONSE;
}

static int32_t mock_pending(void *card)
{
    (void)card;
    return phase;
}

static void mock_read(void *card, uint8_t *buf, uint32_t n)
{
    (void)card;
    memcpy(buf, card_data + card_pos, n);
    card_pos += n;
    phase -= (int32_t)n;
}

static void mock_write(void *card, const uint8_t *buf, uint32_t n)
{
    (void)card;
    memcpy(card_data + card_pos, buf, n);
    card_pos += n;
    phase += (int32_t)n;
}

static const sdio_card_ops mock = {mock_command, mock_pending, mock_read, mock_write};

#define SD(o) (SDIO_BASE + (o))
#define S3(o) (DMA2_BASE + 0x58 + (o))
#define S0(o) (DMA2_BASE + 0x10 + (o))

static int setup(void **state)
{
    (void)state;
    m = th_machine();
    dma_init(&dma2, 2);
    for (int n = 0; n < 8; n++)
        dma2.irq[n] = machine_irq(m, 56 + n);
    th_add(m, &dma2.dev);
    sdio_init(&sd);
    sd.irq = machine_irq(m, 49);
    sd.card_ops = &mock;
    sd.dma[0] = (dma_request){&dma2, 3, 4};
    sd.ndma = 1;
    th_add(m, &sd.dev);
    th_wr(m, SD(0x00), 3);          /* POWER on */
    th_wr(m, SD(0x04), 0x100);      /* CLKEN, 48 MHz / 2 */
    phase = next_phase = 0;
    for (int i = 0; i < 256; i++)
        card_data[i] = (uint8_t)i;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    machine_free(m);
    return 0;
}

static void commands_and_responses(void **state)
{
    (void)state;
    th_wr(m, SD(0x08), 0x1234);
    th_wr(m, SD(0x0C), 3 | 0x40 | 0x400);
    assert_int_equal(th_rd(m, SD(0x34)) & 0x7FF, BIT(6)); /* CMDREND */
    assert_int_equal(th_rd(m, SD(0x14)), 0x1234 ^ 3);
    assert_int_equal(th_rd(m, SD(0x10)), 3);
    th_wr(m, SD(0x38), 0xFFFFFFFF);
    th_wr(m, SD(0x0C), 5 | 0x40 | 0x400); /* R4: no CRC */
    assert_int_equal(th_rd(m, SD(0x34)) & 0x7FF, BIT(0));
    th_wr(m, SD(0x38), 0xFFFFFFFF);
    th_wr(m, SD(0x0C), 0 | 0x400); /* no response expected */
    assert_int_equal(th_rd(m, SD(0x34)) & 0x7FF, BIT(7));
    /* the interrupt is a level of STA & MASK */
    th_wr(m, SD(0x3C), BIT(7));
    assert_true(m->nvic.level[EXC_IRQ0 + 49]);
    th_wr(m, SD(0x38), BIT(7));
    assert_false(m->nvic.level[EXC_IRQ0 + 49]);
    /* no card, or the clock off: timeouts */
    th_wr(m, SD(0x04), 0);
    th_wr(m, SD(0x0C), 3 | 0x40 | 0x400);
    assert_int_equal(th_rd(m, SD(0x34)) & 0x7FF, BIT(2));
}

/* A card-to-host transfer of 64 bytes through DMA2 stream 3 with PFCTRL. */
static void read_with_peripheral_flow_control(void **state)
{
    (void)state;
    next_phase = 64;
    th_wr(m, S3(0x14), 0x07);               /* FIFO, threshold full */
    th_wr(m, S3(0x08), SDIO_BASE + 0x80);   /* PAR: FIFO */
    th_wr(m, S3(0x0C), SRAM_BASE + 0x100);  /* M0AR */
    th_wr(m, S3(0x04), 16);
    th_wr(m, SD(0x24), 1000);
    th_wr(m, SD(0x28), 64);
    th_wr(m, SD(0x2C), 1 | 2 | 8 | (6 << 4)); /* DTEN DTDIR DMAEN, 64 B blocks */
    assert_true(th_rd(m, SD(0x34)) & BIT(13)); /* RXACT: waiting for the card */
    th_wr(m, SD(0x0C), 53 | 0x40 | 0x400);
    /* the card's data waits in the FIFO until the stream is enabled */
    assert_int_equal(th_rd(m, SD(0x48)), 16);  /* FIFOCNT */
    assert_true(th_rd(m, SD(0x34)) & BIT(15)); /* RXFIFOHF */
    th_wr(m, S3(0x00), 0x08A35431u);           /* channel 4, PFCTRL, TCIE, EN */
    assert_memory_equal(m->sram + 0x100, card_data, 64);
    assert_true(th_rd(m, DMA2_BASE) & BIT(27)); /* TCIF3 */
    assert_int_equal(th_rd(m, S3(0x00)) & 1, 0);
    assert_int_equal(th_rd(m, S3(0x04)), 0xFFFF - 16); /* NDTR counts from 0xFFFF */
    uint32_t sta = th_rd(m, SD(0x34));
    assert_true(sta & BIT(8));                 /* DATAEND */
    assert_int_equal(sta & (BIT(12) | BIT(13)), 0);
    assert_true(m->nvic.level[EXC_IRQ0 + 56 + 3]);
}

static void write_through_dma_and_data_timeout(void **state)
{
    (void)state;
    for (int i = 0; i < 32; i++)
        m->sram[0x200 + i] = (uint8_t)(0xA0 + i);
    next_phase = -32;
    th_wr(m, S3(0x14), 0x07);
    th_wr(m, S3(0x08), SDIO_BASE + 0x80);
    th_wr(m, S3(0x0C), SRAM_BASE + 0x200);
    th_wr(m, SD(0x28), 32);
    th_wr(m, SD(0x2C), 1 | 8 | (5 << 4)); /* DTEN, to the card, DMAEN */
    th_wr(m, SD(0x0C), 53 | 0x40 | 0x400);
    th_wr(m, S3(0x00), 0x08A35471u);
    assert_memory_equal(card_data, m->sram + 0x200, 32);
    assert_true(th_rd(m, DMA2_BASE) & BIT(27));
    assert_true(th_rd(m, SD(0x34)) & BIT(8));
    /* a read the card never serves ends in DTIMEOUT after DTIMER clocks */
    th_wr(m, SD(0x38), 0xFFFFFFFF);
    th_wr(m, SD(0x24), 240); /* 240 clocks of 24 MHz: 10 us */
    th_wr(m, SD(0x28), 64);
    th_wr(m, SD(0x2C), 1 | 2);
    th_advance(m, 9 * PS_PER_US);
    assert_int_equal(th_rd(m, SD(0x34)) & BIT(3), 0);
    th_advance(m, 2 * PS_PER_US);
    assert_true(th_rd(m, SD(0x34)) & BIT(3));
    assert_int_equal(th_rd(m, SD(0x34)) & BIT(13), 0);
}

static void card_interrupt_sets_sdioit_each_time(void **state)
{
    (void)state;
    th_wr(m, SD(0x3C), BIT(22));
    sdio_card_interrupt(&sd, true);
    assert_true(th_rd(m, SD(0x34)) & BIT(22));
    assert_true(m->nvic.level[EXC_IRQ0 + 49]);
    th_wr(m, SD(0x38), BIT(22));
    /* still asserted: no new interrupt until the card asserts it again */
    assert_int_equal(th_rd(m, SD(0x34)) & BIT(22), 0);
    sdio_card_interrupt(&sd, false);
    sdio_card_interrupt(&sd, true);
    assert_true(th_rd(m, SD(0x34)) & BIT(22));
}

static void m2m(uint32_t cr, uint32_t ndtr)
{
    th_wr(m, S0(0x04), ndtr);
    th_wr(m, S0(0x08), SRAM_BASE);
    th_wr(m, S0(0x0C), SRAM_BASE + 0x400);
    th_wr(m, S0(0x00), cr);
}

static void dma_packing_circular_double_buffer(void **state)
{
    (void)state;
    for (int i = 0; i < 64; i++)
        m->sram[i] = (uint8_t)(i + 1);
    /* bytes in, words out (FIFO packing), half transfer and complete */
    th_wr(m, S0(0x14), 0x07);
    m2m((2u << 6) | BIT(9) | BIT(10) | (0u << 11) | (2u << 13) | BIT(3) | BIT(4) | 1, 8);
    assert_memory_equal(m->sram + 0x400, m->sram, 8);
    assert_int_equal(th_rd(m, DMA2_BASE) & 0x3D, 0x30); /* HTIF0 | TCIF0 */
    assert_int_equal(th_rd(m, S0(0x08)), SRAM_BASE);     /* addresses are not changed */
    th_wr(m, DMA2_BASE + 0x08, 0x3D);

    /* peripheral-to-memory, DMA flow control, circular: keeps running */
    sd.dma[0] = (dma_request){&dma2, 0, 4};
    th_wr(m, S0(0x14), 0x00); /* direct mode */
    th_wr(m, S0(0x04), 4);
    th_wr(m, S0(0x08), SDIO_BASE + 0x80);
    th_wr(m, S0(0x0C), SRAM_BASE + 0x800);
    th_wr(m, S0(0x10), SRAM_BASE + 0x900);
    th_wr(m, S0(0x00), (4u << 25) | BIT(18) | BIT(10) | (2u << 11) | 1); /* DBM */
    /* registers other than the interrupt enables are protected now */
    th_wr(m, S0(0x04), 99);
    assert_int_equal(th_rd(m, S0(0x04)), 4);
    /* 8 words from the card: the first 4 to M0AR, then CT flips: M1AR */
    next_phase = 32;
    th_wr(m, SD(0x28), 32);
    th_wr(m, SD(0x2C), 1 | 2 | 8 | (5 << 4));
    th_wr(m, SD(0x0C), 53 | 0x40 | 0x400);
    assert_memory_equal(m->sram + 0x800, card_data, 16);
    assert_memory_equal(m->sram + 0x900, card_data + 16, 16);
    assert_true(th_rd(m, S0(0x00)) & 1);               /* still enabled */
    assert_int_equal(th_rd(m, S0(0x00)) & BIT(19), 0); /* CT back to memory 0 */
    /* software disable during a transfer: TCIF */
    th_wr(m, DMA2_BASE + 0x08, 0x3D);
    th_wr(m, S0(0x00), 0);
    assert_true(th_rd(m, DMA2_BASE) & BIT(5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(commands_and_responses, setup, teardown),
        cmocka_unit_test_setup_teardown(read_with_peripheral_flow_control, setup, teardown),
        cmocka_unit_test_setup_teardown(write_through_dma_and_data_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(card_interrupt_sets_sdioit_each_time, setup, teardown),
        cmocka_unit_test_setup_teardown(dma_packing_circular_double_buffer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
