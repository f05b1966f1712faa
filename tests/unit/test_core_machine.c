/* The core alone: a made-up Cortex-M3 chip (its memory map, interrupt
 * names and one device from this file) runs a few instructions; linked
 * with the core library only: no SDL, no YAML, no STM32, no Photon. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "machine.h"
#include "trace.h"

enum { ROM = 0x00000000u, RAM = 0x10000000u, TOY = 0x30000000u, IRQ_TOY = 3 };

static const char *const names[8] = {"A", "B", "C", "TOY", "E", "F", "G", "H"};
static const uint32_t sectors[] = {0, 0x4000, 0x8000};

/* A device with one register: writing 1 raises its interrupt line. */
typedef struct toy {
    device dev;
    uint32_t ctrl;
    unsigned writes;
    line irq;
} toy;

#define TOY_REGS(REG, REGV, REGA) \
    REG(CTRL, 0x00, ctrl)          \
    REGV(ID, 0x04)
REGS_OFFSETS(TOY_REGS)
#define REGS_T toy

static uint32_t toy_read(device *d, uint32_t off, unsigned size)
{
    (void)size;
    return off == A_CTRL ? container_of(d, toy, dev)->ctrl : off == A_ID ? 0x70u : 0;
}

static void toy_write(device *d, uint32_t off, uint32_t v, unsigned size)
{
    toy *t = container_of(d, toy, dev);
    (void)size;
    if (off != A_CTRL)
        return;
    t->writes++;
    t->ctrl = v & 1;
    line_set(&t->irq, t->ctrl);
}

static void toy_reset(device *d, reset_kind kind)
{
    (void)kind;
    toy *t = container_of(d, toy, dev);
    t->ctrl = 0;
    line_set(&t->irq, 0);
}

static const reg_name toy_regs[] = {REGS_NAMES(TOY_REGS){0}};
static const state_field toy_state[] = {REGS_STATE(TOY_REGS) STATE("writes", writes){0}};
static const line_desc toy_lines[] = {LINE_OUT("irq", irq){0}};
static const device_class toy_class = {
    .type = "toy", .size = 0x400, .read = toy_read, .write = toy_write, .reset = toy_reset,
    .regs = toy_regs, .state = toy_state, .lines = toy_lines,
};

static void put16(uint8_t *p, uint32_t a, uint16_t v) { memcpy(p + a, &v, 2); }
static void put32(uint8_t *p, uint32_t a, uint32_t v) { memcpy(p + a, &v, 4); }

/* Enable IRQ 3, raise it through the device, wait; the handler counts in
 * RAM and lowers it. */
static void program(uint8_t *rom)
{
    put32(rom, 0, RAM + 0x4000);          /* initial SP */
    put32(rom, 4, 0x101);                  /* reset */
    put32(rom, 4 * (16 + IRQ_TOY), 0x141); /* the toy's handler */
    static const uint16_t reset[] = {
        0x4A07, /* ldr r2, =0xE000E100 (NVIC_ISER0) */
        0x2308, /* movs r3, #8 */
        0x6013, /* str r3, [r2] */
        0x4807, /* ldr r0, =TOY */
        0x2101, /* movs r1, #1 */
        0x6001, /* str r1, [r0] */
        0xE7FE, /* b . */
    };
    static const uint16_t handler[] = {
        0x4807, /* ldr r0, =RAM */
        0x6801, /* ldr r1, [r0] */
        0x3101, /* adds r1, #1 */
        0x6001, /* str r1, [r0] */
        0x4806, /* ldr r0, =TOY */
        0x2100, /* movs r1, #0 */
        0x6001, /* str r1, [r0] */
        0x4770, /* bx lr */
    };
    for (unsigned i = 0; i < sizeof(reset) / 2; i++)
        put16(rom, 0x100 + 2 * i, reset[i]);
    put32(rom, 0x120, 0xE000E100u);
    put32(rom, 0x124, TOY);
    for (unsigned i = 0; i < sizeof(handler) / 2; i++)
        put16(rom, 0x140 + 2 * i, handler[i]);
    put32(rom, 0x160, RAM);
    put32(rom, 0x164, TOY);
}

static void a_chip_made_of_data_runs(void **state)
{
    (void)state;
    machine_config cfg = {.cpu_hz = 1000000, .nirq = 8, .prio_bits = 3, .irq_names = names,
                          .systick_ref_div = 1};
    char err[256];
    machine *m = machine_new(&cfg, err, sizeof(err));
    assert_non_null(m);
    m->log.mask = 0;
    uint8_t *rom = machine_add_memory(m, "rom", ROM, 0x10000, 0xFF,
                                      UC_PROT_READ | UC_PROT_EXEC, MEM_ROM | MEM_CODE);
    uint8_t *ram = machine_add_memory(m, "ram", RAM, 0x4000, 0, UC_PROT_ALL, MEM_RAM);
    assert_non_null(rom);
    assert_non_null(ram);
    assert_int_equal(bus_set_sectors(&m->bus, "rom", sectors, 3), 0);
    assert_int_equal(bus_add_window(&m->bus, TOY, 0x1000), 0);
    assert_int_equal(machine_add_area(m, "program", ROM + 0x100, ROM + 0x200), 0);
    static toy t;
    memset(&t, 0, sizeof(t));
    device_init(&t.dev, &toy_class, "TOY");
    assert_int_equal(machine_add_device(m, &t.dev, TOY), 0);
    assert_int_equal(line_connect(device_line_out(&t.dev, "irq", 0), machine_irq_input(m, IRQ_TOY)),
                     0);
    program(rom);

    machine_reset(m, RESET_POWER_ON);
    assert_int_equal(machine_run(m, 10 * PS_PER_MS), STOP_DEADLINE);
    uint32_t count;
    memcpy(&count, ram, 4);
    assert_int_equal(count, 1);     /* the handler ran once */
    assert_int_equal(t.writes, 2);  /* raised by the program, lowered by the handler */
    assert_int_equal(m->cpu.exceptions, 1);
    assert_true(m->cpu.idle_ps > 9 * PS_PER_MS); /* `b .` was skipped to the deadline */
    assert_int_equal(machine_now(m), 10 * PS_PER_MS);
    assert_string_equal(machine_exc_name(m, 16 + IRQ_TOY), "TOY");
    assert_string_equal(machine_exc_name(m, 15), "SysTick");
    assert_string_equal(machine_area_name(m, 0x104), "program");
    assert_null(machine_area_name(m, RAM));

    /* the class: register names, state fields, lines */
    char buf[16];
    assert_string_equal(device_reg_name(&t.dev, A_ID, buf, sizeof(buf)), "ID");
    assert_null(device_reg_name(&t.dev, 0x08, buf, sizeof(buf)));
    const state_field *f = device_state_field(&t.dev, "CTRL");
    assert_non_null(f);
    uint32_t v = 1;
    device_state_put(&t.dev, f, &v);
    assert_int_equal(bus_read(&m->bus, TOY, 4), 1);
    assert_null(device_state_field(&t.dev, "ID")); /* no state of its own */
    assert_null(device_line_out(&t.dev, "irq", 1));
    assert_null(device_line_in(&t.dev, "irq", 0).fn);

    /* RAM is cleared by a power-on, the program's sector by an erase */
    machine_reset(m, RESET_POWER_ON);
    memcpy(&count, ram, 4);
    assert_int_equal(count, 0);
    rom[0x4000] = 0x12; /* in the next sector */
    assert_int_equal(machine_erase_sectors(m, 0x10, 0x20), 0);
    assert_int_equal(rom[0x104], 0xFF);
    assert_int_equal(rom[0x4000], 0x12);
    assert_int_equal(machine_erase_sectors(m, RAM, RAM + 4), -1); /* no sectors there */
    machine_free(m);
}

static void a_bad_configuration_is_refused(void **state)
{
    (void)state;
    char err[256];
    machine_config cfg = {.cpu_hz = 1000000, .nirq = 300, .prio_bits = 3, .systick_ref_div = 1};
    assert_null(machine_new(&cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "configuration"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_chip_made_of_data_runs),
        cmocka_unit_test(a_bad_configuration_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
