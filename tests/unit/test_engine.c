/* The Unicorn engine in use: version and description (engine.c), and the
 * memory hooks bounded to where they can fire (cpu.c): a fault anywhere
 * outside RAM is still caught, a store to read-only memory never lands. */
#include "harness.h"
#include "engine.h"

static void version_is_the_loaded_library(void **state)
{
    (void)state;
    unsigned major = 0, minor = 0;
    uc_version(&major, &minor);
    uint32_t v = engine_version();
    assert_int_equal(v >> 16, major);
    assert_int_equal((v >> 8) & 0xFF, minor);
    assert_true(v >= ENGINE_VERSION(2, 0, 1));
    char want[32], got[512];
    snprintf(want, sizeof(want), "Unicorn %u.%u.%u ", v >> 16, (v >> 8) & 0xFF, v & 0xFF);
    engine_describe(got, sizeof(got));
    assert_true(strncmp(got, want, strlen(want)) == 0);
    assert_non_null(strstr(got, "libunicorn"));
}

/* Runs `code` (Thumb halfwords) from SRAM until `len` bytes are done. */
static uc_err run(machine *m, const uint16_t *code, size_t n, uint32_t r0)
{
    memcpy(m->sram, code, n * 2);
    core_set_reg(m, UC_ARM_REG_R0, r0);
    core_set_reg(m, UC_ARM_REG_R1, 0);
    return uc_emu_start(m->uc, SRAM_BASE | 1, SRAM_BASE + n * 2, 0, 0);
}

static void stores_to_rom_never_land(void **state)
{
    (void)state;
    machine *m = th_machine();
    /* str r1,[r0]; str r1,[r0,#4]; strd r1,r1,[r0,#8]: one block */
    static const uint16_t code[] = {0x6001, 0x6041, 0xe9c0, 0x1102};
    static const uint32_t rom[] = {FLASH_BASE + 0x20000, 0x400, SYSMEM_BASE + 0x100,
                                   OPTBYTES_BASE};
    for (size_t i = 0; i < sizeof(rom) / sizeof(rom[0]); i++) {
        uint8_t *p = bus_host_ptr(&m->bus, rom[i], 16);
        assert_non_null(p);
        memset(p, 0xA5, 16);
        assert_int_equal(run(m, code, 4, rom[i]), UC_ERR_OK);
        for (int j = 0; j < 16; j++)
            if (p[j] != 0xA5)
                fail_msg("a store landed at 0x%08x", rom[i] + (uint32_t)j);
    }
    machine_free(m);
}

static void faults_are_caught_everywhere_outside_ram(void **state)
{
    (void)state;
    machine *m = th_machine();
    static const uint16_t load[] = {0x6800}; /* ldr r0,[r0] */
    static const uint32_t where[] = {0x00100000u, 0x1FFFFFFCu, 0x20020000u, 0x60000000u,
                                     0xA0000000u, 0xE0100000u};
    for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
        m->cpu.fault_exc = 0;
        assert_int_equal(run(m, load, 1, where[i]), UC_ERR_READ_UNMAPPED);
        assert_int_equal(m->cpu.fault_exc, EXC_BUSFAULT);
        assert_int_equal(m->cpu.fault_addr, where[i]);
    }
    machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(version_is_the_loaded_library),
        cmocka_unit_test(stores_to_rom_never_land),
        cmocka_unit_test(faults_are_caught_everywhere_outside_ram),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
