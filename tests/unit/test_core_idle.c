/* The idle-loop detector (emulator/core/idle.c) on a made-up chip: a loop
 * that only reads is proven idle without looking at RAM, a loop that
 * stores what is already there is proven idle by comparing RAM, a loop
 * that stores something new each time (with the same registers at its
 * head) is never skipped; and which Thumb-2 encodings count as stores. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "machine.h"

enum { ROM = 0x00000000u, RAM = 0x10000000u };

static void put16(uint8_t *p, uint32_t a, uint16_t v) { memcpy(p + a, &v, 2); }
static void put32(uint8_t *p, uint32_t a, uint32_t v) { memcpy(p + a, &v, 4); }

/* Runs `loop` (Thumb halfwords placed at 0x104, after `ldr r0, =RAM;
 * movs r1, #5`) for 100 ms of virtual time at 1 MHz. */
static machine *run_loop(const uint16_t *loop, unsigned n, uint8_t **ram)
{
    machine_config cfg = {.cpu_hz = 1000000, .nirq = 8, .prio_bits = 3, .systick_ref_div = 1};
    char err[256];
    machine *m = machine_new(&cfg, err, sizeof(err));
    assert_non_null(m);
    m->log.mask = 0;
    uint8_t *rom = machine_add_memory(m, "rom", ROM, 0x10000, 0xFF,
                                      UC_PROT_READ | UC_PROT_EXEC, MEM_ROM | MEM_CODE);
    *ram = machine_add_memory(m, "ram", RAM, 0x4000, 0, UC_PROT_ALL, MEM_RAM);
    assert_non_null(rom);
    assert_non_null(*ram);
    put32(rom, 0, RAM + 0x4000); /* initial SP */
    put32(rom, 4, 0x101);        /* reset */
    put16(rom, 0x100, 0x4807);   /* ldr r0, [pc, #28]: =RAM at 0x120 */
    put16(rom, 0x102, 0x2105);   /* movs r1, #5 */
    for (unsigned i = 0; i < n; i++)
        put16(rom, 0x104 + 2 * i, loop[i]);
    put32(rom, 0x120, RAM);
    machine_reset(m, RESET_POWER_ON);
    assert_int_equal(machine_run(m, 100 * PS_PER_MS), STOP_DEADLINE);
    return m;
}

static void a_loop_that_only_reads_is_idle_without_a_ram_comparison(void **state)
{
    (void)state;
    static const uint16_t loop[] = {
        0x6802, /* 0x104: ldr r2, [r0] */
        0x2A00, /*        cmp r2, #0 */
        0xD0FC, /*        beq 0x104 */
        0xE7FE, /*        b . */
    };
    uint8_t *ram;
    machine *m = run_loop(loop, 4, &ram);
    assert_true(m->cpu.idle.store_free_skips >= 1);
    assert_int_equal(m->cpu.idle.skips, m->cpu.idle.store_free_skips);
    assert_true(m->cpu.idle_ps > 90 * PS_PER_MS);
    assert_int_equal(machine_now(m), 100 * PS_PER_MS);
    machine_free(m);
}

static void a_loop_that_stores_the_same_value_is_idle_by_its_ram(void **state)
{
    (void)state;
    static const uint16_t loop[] = {
        0x6041, /* 0x104: str r1, [r0, #4] */
        0x6802, /*        ldr r2, [r0] */
        0x2A00, /*        cmp r2, #0 */
        0xD0FB, /*        beq 0x104 */
        0xE7FE, /*        b . */
    };
    uint8_t *ram;
    machine *m = run_loop(loop, 5, &ram);
    assert_true(m->cpu.idle.skips >= 1);
    assert_int_equal(m->cpu.idle.store_free_skips, 0);
    assert_true(m->cpu.idle_ps > 90 * PS_PER_MS);
    uint32_t v;
    memcpy(&v, ram + 4, 4);
    assert_int_equal(v, 5);
    machine_free(m);
}

static void a_loop_that_counts_in_ram_is_never_skipped(void **state)
{
    (void)state;
    /* The same registers at every visit of 0x104: only RAM changes. */
    static const uint16_t loop[] = {
        0x6842, /* 0x104: ldr r2, [r0, #4] */
        0x3201, /*        adds r2, #1 */
        0x6042, /*        str r2, [r0, #4] */
        0x2200, /*        movs r2, #0 */
        0xE7FA, /*        b 0x104 */
    };
    uint8_t *ram;
    machine *m = run_loop(loop, 5, &ram);
    assert_int_equal(m->cpu.idle.skips, 0);
    assert_int_equal(m->cpu.idle_ps, 0);
    assert_true(m->cpu.idle.checks >= 2); /* it was examined */
    uint32_t count;
    memcpy(&count, ram + 4, 4);
    assert_true(count > 10000); /* every iteration ran */
    machine_free(m);
}

static void every_store_encoding_counts_as_one(void **state)
{
    (void)state;
    static const uint16_t stores[] = {
        0x5000, /* str r0, [r0, r0] */
        0x5200, /* strh (register) */
        0x5400, /* strb (register) */
        0x6013, /* str r3, [r2] */
        0x7013, /* strb r3, [r2] */
        0x8013, /* strh r3, [r2] */
        0x9001, /* str r0, [sp, #4] */
        0xB500, /* push {lr} */
        0xB410, /* push {r4} */
        0xC103, /* stmia r1!, {r0, r1} */
        0xE92D, /* push.w / stmdb sp! */
        0xE880, /* stmia.w */
        0xE9C0, /* strd */
        0xE840, /* strex */
        0xE8C0, /* strexb, strexh */
        0xF8C0, /* str.w */
        0xF880, /* strb.w */
        0xF8A0, /* strh.w */
        0xF840, /* str.w (pre/post-indexed, register) */
        0xED00, /* stc */
    };
    static const uint16_t others[] = {
        0x5600, /* ldrsb */
        0x5800, /* ldr (register) */
        0x6813, /* ldr r3, [r2] */
        0x7813, /* ldrb */
        0x8813, /* ldrh */
        0x9801, /* ldr r0, [sp, #4] */
        0xBD00, /* pop {pc} */
        0xC903, /* ldmia */
        0xE8BD, /* pop.w / ldmia.w */
        0xE9D0, /* ldrd */
        0xE850, /* ldrex */
        0xE8D0, /* tbb, tbh, ldrexb */
        0xF8D0, /* ldr.w */
        0xF890, /* ldrb.w */
        0xF04F, /* mov.w */
        0xF7FF, /* bl */
        0xF3BF, /* dsb, isb */
        0xF380, /* msr */
        0xB672, /* cpsid i */
        0x4770, /* bx lr */
        0xBF00, /* nop */
    };
    for (size_t i = 0; i < sizeof(stores) / sizeof(stores[0]); i++)
        if (!idle_insn_stores(stores[i]))
            fail_msg("0x%04x is a store", stores[i]);
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        if (idle_insn_stores(others[i]))
            fail_msg("0x%04x is not a store", others[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_loop_that_only_reads_is_idle_without_a_ram_comparison),
        cmocka_unit_test(a_loop_that_stores_the_same_value_is_idle_by_its_ram),
        cmocka_unit_test(a_loop_that_counts_in_ram_is_never_skipped),
        cmocka_unit_test(every_store_encoding_counts_as_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
