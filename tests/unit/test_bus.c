/* The bus: unmodelled registers read 0, ignore writes and are reported
 * once each with --log unimp; bit-band aliases; whole-memory copies. */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "crc.h"

static machine *m;
static char *logbuf;
static size_t loglen;

static int setup(void **state)
{
    (void)state;
    m = th_machine();
    m->log.out = open_memstream(&logbuf, &loglen);
    m->log.mask = LOG_UNIMP;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fclose(m->log.out);
    free(logbuf);
    machine_free(m);
    return 0;
}

static int count(const char *needle)
{
    fflush(m->log.out);
    int n = 0;
    for (const char *p = logbuf; p && (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void unmodelled_registers_read_zero_and_are_reported_once(void **state)
{
    (void)state;
    uint32_t spi1 = 0x40013000u; /* nothing modelled there */
    assert_int_equal(th_rd(m, spi1 + 8), 0);
    th_wr(m, spi1 + 8, 0x1234);
    assert_int_equal(th_rd(m, spi1 + 8), 0); /* the write went nowhere */
    th_rd(m, spi1 + 8);
    th_wr(m, spi1 + 8, 1);
    assert_int_equal(count("unimp: read 0x40013008"), 1);
    assert_int_equal(count("unimp: write 0x40013008"), 1);
    /* an unmodelled offset of a modelled peripheral */
    static stm32_crc c;
    crc_init(&c, "CRC");
    th_add(m, &c.dev);
    assert_int_equal(th_rd(m, CRC_BASE + 0x40), 0);
    th_rd(m, CRC_BASE + 0x40);
    assert_int_equal(count("unimp: CRC+0x040 read"), 1);
    m->log.mask = 0; /* without --log unimp: silent */
    th_rd(m, spi1 + 0x20);
    assert_int_equal(count("0x40013020"), 0);
}

static void bit_band_aliases(void **state)
{
    (void)state;
    machine_mem(m, "ram")[0x10] = 0x00;
    bus_write(&m->bus, 0x22000000u + 0x10 * 32 + 3 * 4, 1, 4);
    assert_int_equal(machine_mem(m, "ram")[0x10], 0x08);
    assert_int_equal(bus_read(&m->bus, 0x22000000u + 0x10 * 32 + 3 * 4, 4), 1);
    assert_int_equal(bus_read(&m->bus, 0x22000000u + 0x10 * 32 + 2 * 4, 4), 0);
    static stm32_crc c;
    crc_init(&c, "CRC");
    th_add(m, &c.dev);
    bus_write(&m->bus, 0x42000000u + (CRC_BASE + 4 - 0x40000000u) * 32 + 5 * 4, 1, 4);
    assert_int_equal(th_rd(m, CRC_BASE + 4), 0x20); /* IDR bit 5 through the model */
}

static void memory_copies_span_ram_and_registers(void **state)
{
    (void)state;
    uint8_t in[8] = {1, 2, 3, 4, 5, 6, 7, 8}, out[8] = {0};
    assert_true(bus_write_mem(&m->bus, STM32F205_SRAM_BASE + STM32F205_SRAM_SIZE - 4, in, 4));
    assert_true(bus_read_mem(&m->bus, STM32F205_SRAM_BASE + STM32F205_SRAM_SIZE - 4, out, 4));
    assert_memory_equal(in, out, 4);
    /* past the end of SRAM is not mapped: the copy says so */
    assert_false(bus_read_mem(&m->bus, STM32F205_SRAM_BASE + STM32F205_SRAM_SIZE - 4, out, 8));
    assert_false(bus_write_mem(&m->bus, 0x60000000u, in, 4));
    memset(stm32f205_flash(m), 0xAB, 16);
    assert_true(bus_read_mem(&m->bus, STM32F205_FLASH_BASE, out, 8));
    assert_int_equal(out[7], 0xAB);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(unmodelled_registers_read_zero_and_are_reported_once, setup, teardown),
        cmocka_unit_test_setup_teardown(bit_band_aliases, setup, teardown),
        cmocka_unit_test_setup_teardown(memory_copies_span_ram_and_registers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
