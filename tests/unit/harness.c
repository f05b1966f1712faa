#include "harness.h"

machine *th_machine(void)
{
    char err[256];
    machine *m = stm32f205_machine_new(120000000u, err, sizeof(err));
    assert_non_null(m);
    m->log.mask = 0;
    return m;
}

void th_wire(device *from, const char *out, int n, device *to, const char *in, int k, int count)
{
    for (int i = 0; i < count; i++) {
        line *l = device_line_out(from, out, n + i);
        assert_non_null(l);
        assert_int_equal(line_connect(l, device_line_in(to, in, k + i)), 0);
    }
}

void th_irq(machine *m, line *l, int irq)
{
    assert_int_equal(line_connect(l, machine_irq_input(m, irq)), 0);
}

void th_add(machine *m, device *d)
{
    uint32_t base = stm32f205_base(d->name);
    assert_int_not_equal(base, 0);
    assert_int_equal(machine_add_device(m, d, base), 0);
    d->reset(d, RESET_POWER_ON);
}

uint32_t th_rd(machine *m, uint32_t addr)
{
    return bus_read(&m->bus, addr, 4);
}

void th_wr(machine *m, uint32_t addr, uint32_t v)
{
    bus_write(&m->bus, addr, v, 4);
}

void th_wr16(machine *m, uint32_t addr, uint16_t v)
{
    bus_write(&m->bus, addr, v, 2);
}

void th_wr8(machine *m, uint32_t addr, uint8_t v)
{
    bus_write(&m->bus, addr, v, 1);
}

void th_advance(machine *m, uint64_t ps)
{
    uint64_t end = machine_now(m) + ps;
    for (;;) {
        uint64_t next = clock_next_event(&m->clock);
        if (next > end)
            break;
        clock_advance_to(&m->clock, next);
        clock_run_due(&m->clock);
    }
    clock_advance_to(&m->clock, end);
}
