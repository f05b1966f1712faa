/* OTG_HS in device mode (RM0033 section 28, DWC2): register semantics, the
 * receive FIFO status queue, transmit FIFOs, interrupts, and the bus side
 * (SETUP/OUT/IN handshakes, reset, SOF, pull-up) as a host sees it. */
#include "harness.h"
#include "otg.h"

#define B 0x40040000u
#define GAHBCFG (B + 0x008)
#define GUSBCFG (B + 0x00C)
#define GRSTCTL (B + 0x010)
#define GINTSTS (B + 0x014)
#define GINTMSK (B + 0x018)
#define GRXSTSR (B + 0x01C)
#define GRXSTSP (B + 0x020)
#define GRXFSIZ (B + 0x024)
#define DIEPTXF0 (B + 0x028)
#define GCCFG (B + 0x038)
#define CID (B + 0x03C)
#define DIEPTXF1 (B + 0x104)
#define DCFG (B + 0x800)
#define DCTL (B + 0x804)
#define DSTS (B + 0x808)
#define DIEPMSK (B + 0x810)
#define DOEPMSK (B + 0x814)
#define DAINT (B + 0x818)
#define DAINTMSK (B + 0x81C)
#define DIEPEMPMSK (B + 0x834)
#define DEACHINT (B + 0x838)
#define DEACHINTMSK (B + 0x83C)
#define DIEPEACHMSK1 (B + 0x844)
#define DIEPCTL(n) (B + 0x900 + 0x20 * (n))
#define DIEPINT(n) (B + 0x908 + 0x20 * (n))
#define DIEPTSIZ(n) (B + 0x910 + 0x20 * (n))
#define DTXFSTS(n) (B + 0x918 + 0x20 * (n))
#define DOEPCTL(n) (B + 0xB00 + 0x20 * (n))
#define DOEPINT(n) (B + 0xB08 + 0x20 * (n))
#define DOEPTSIZ(n) (B + 0xB10 + 0x20 * (n))
#define FIFO(n) (B + 0x1000 * ((n) + 1))

#define EPENA (1u << 31)
#define EPDIS (1u << 30)
#define SNAK (1u << 27)
#define CNAK (1u << 26)
#define STALL (1u << 21)
#define NAKSTS (1u << 17)
#define USBAEP (1u << 15)
#define XFRC 1u
#define EPDISD 2u
#define STUP 8u
#define TXFE 0x80u

#define GINT_SOF (1u << 3)
#define GINT_RXFLVL (1u << 4)
#define GINT_USBRST (1u << 12)
#define GINT_ENUMDNE (1u << 13)
#define GINT_IEPINT (1u << 18)
#define GINT_OEPINT (1u << 19)

static machine *m;
static stm32_otg o;
static int irq77, irq74, irq75;
static int connects, kicks;

static void set_irq(void *ctx, int n, double level)
{
    (void)ctx;
    if (n == 77)
        irq77 = level;
    else if (n == 74)
        irq74 = level;
    else if (n == 75)
        irq75 = level;
}

static void on_connect(void *h)
{
    (void)h;
    connects++;
}

static void on_kick(void *h)
{
    (void)h;
    kicks++;
}

static int setup(void **state)
{
    (void)state;
    m = th_machine();
    otg_init(&o, "OTG_HS");
    line_connect(&o.irq, line_sink_make(set_irq, NULL, 77));
    line_connect(&o.irq_ep1_out, line_sink_make(set_irq, NULL, 74));
    line_connect(&o.irq_ep1_in, line_sink_make(set_irq, NULL, 75));
    o.port.connect_changed = on_connect;
    o.port.kick = on_kick;
    irq77 = irq74 = irq75 = connects = kicks = 0;
    th_add(m, &o.dev);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    machine_free(m);
    return 0;
}

static const usb_device_ops *ops(void)
{
    return o.port.ops;
}

/* What the ST library does before a host may talk to the core. */
static void lib_init(void)
{
    th_wr(m, GUSBCFG, th_rd(m, GUSBCFG) | 0x40);
    th_wr(m, GRSTCTL, 1);
    th_wr(m, GCCFG, 0x002D0000);
    th_wr(m, GUSBCFG, th_rd(m, GUSBCFG) | 0x40000000);
    th_wr(m, DCFG, th_rd(m, DCFG) | 1);
    th_wr(m, GRXFSIZ, 0x100);
    th_wr(m, DIEPTXF0, 0x00400100);
    th_wr(m, DIEPTXF1, 0x01000140);
    th_wr(m, GINTSTS, 0xBFFFFFFF);
    th_wr(m, GINTMSK, 0x803C3818);
    th_wr(m, GAHBCFG, 1);
    th_wr(m, DIEPMSK, 0x0B);
    th_wr(m, DOEPMSK, 0x0B);
    th_wr(m, DAINTMSK, 0x00010001);
    th_wr(m, DOEPTSIZ(0), 0xC0080018);
}

static void reset_values(void **state)
{
    (void)state;
    assert_int_equal(th_rd(m, GRSTCTL) >> 31, 1); /* AHBIDL: the library polls it */
    assert_int_equal(th_rd(m, GINTSTS), 0x04000020);
    assert_int_equal(th_rd(m, GUSBCFG), 0x00000A00);
    assert_int_equal(th_rd(m, CID), 0x1200);
    assert_int_equal(th_rd(m, GRXFSIZ), 0x200);
    assert_int_equal(th_rd(m, DCFG), 0x02200000);
    assert_int_equal(th_rd(m, DSTS), 0x10);
    assert_int_equal(th_rd(m, DIEPCTL(0)) & USBAEP, USBAEP);
    assert_int_equal(th_rd(m, DOEPCTL(0)), USBAEP);
    assert_int_equal(th_rd(m, DIEPINT(0)), TXFE); /* empty FIFO */
    assert_false(otg_pulled_up(&o));
}

static void soft_reset_and_flushes_self_clear(void **state)
{
    (void)state;
    th_wr(m, DIEPTXF0, 0x00400100);
    th_wr(m, FIFO(0), 0x11223344);
    assert_int_equal(th_rd(m, DTXFSTS(0)), 0x40 - 1);
    th_wr(m, GRSTCTL, 0x80000001); /* the library writes AHBIDL back */
    assert_int_equal(th_rd(m, GRSTCTL) & 1, 0);
    assert_int_equal(th_rd(m, DTXFSTS(0)), 0x40);
    th_wr(m, FIFO(0), 1);
    th_wr(m, GRSTCTL, (0x10u << 6) | 0x20); /* TXFFLSH, all */
    assert_int_equal(th_rd(m, GRSTCTL) & 0x20, 0);
    assert_int_equal(th_rd(m, DTXFSTS(0)), 0x40);
}

static void pull_up_follows_pwrdwn_sdis_and_mode(void **state)
{
    (void)state;
    th_wr(m, GCCFG, 0x002D0000);
    assert_true(otg_pulled_up(&o));
    assert_int_equal(connects, 1);
    assert_true(ops()->connected(o.port.dev));
    th_wr(m, DCTL, 2); /* SDIS: soft disconnect */
    assert_false(otg_pulled_up(&o));
    assert_int_equal(connects, 2);
    th_wr(m, DCTL, 0);
    assert_int_equal(connects, 3);
    th_wr(m, GUSBCFG, th_rd(m, GUSBCFG) | (1u << 29)); /* forced host mode */
    assert_false(otg_pulled_up(&o));
    assert_int_equal(th_rd(m, GINTSTS) & 1, 1); /* CMOD */
    o.dev.reset(&o.dev, RESET_SOFTWARE);
    assert_false(otg_pulled_up(&o));
}

static void bus_reset_enumeration_and_sof(void **state)
{
    (void)state;
    lib_init();
    assert_int_equal(irq77, 0);
    ops()->bus_reset(o.port.dev, true);
    assert_true(th_rd(m, GINTSTS) & GINT_USBRST);
    assert_int_equal(irq77, 1);
    th_wr(m, GINTSTS, GINT_USBRST);
    assert_false(th_rd(m, GINTSTS) & GINT_USBRST);
    assert_int_equal(irq77, 0);
    ops()->bus_reset(o.port.dev, false);
    assert_true(th_rd(m, GINTSTS) & GINT_ENUMDNE);
    assert_int_equal((th_rd(m, DSTS) >> 1) & 3, 3); /* full speed, 48 MHz */
    th_wr(m, GINTSTS, GINT_ENUMDNE);
    ops()->sof(o.port.dev, 0x123);
    assert_true(th_rd(m, GINTSTS) & GINT_SOF);
    assert_int_equal((th_rd(m, DSTS) >> 8) & 0x3FFF, 0x123);
    assert_int_equal(irq77, 1);
    th_wr(m, GAHBCFG, 0); /* GINT off: no interrupt line */
    assert_int_equal(irq77, 0);
}

static void setup_packet_queues_two_entries_and_stup(void **state)
{
    (void)state;
    lib_init();
    static const uint8_t pkt[8] = {0x80, 6, 0, 1, 0, 0, 0x40, 0};
    th_wr(m, DIEPCTL(0), STALL);
    assert_int_equal(ops()->setup(o.port.dev, pkt), USB_ACK);
    assert_false(th_rd(m, DIEPCTL(0)) & STALL); /* cleared by the SETUP */
    assert_true(th_rd(m, GINTSTS) & GINT_RXFLVL);
    assert_int_equal((th_rd(m, DOEPTSIZ(0)) >> 29) & 3, 1); /* STUPCNT 2 -> 1 */
    uint32_t peek = th_rd(m, GRXSTSR);
    uint32_t sts = th_rd(m, GRXSTSP);
    assert_int_equal(peek, sts);
    assert_int_equal(sts & 0xF, 0);               /* EPNUM */
    assert_int_equal((sts >> 4) & 0x7FF, 8);      /* BCNT */
    assert_int_equal((sts >> 17) & 0xF, 6);       /* SETUP data */
    assert_int_equal(th_rd(m, FIFO(0)), 0x01000680);
    assert_int_equal(th_rd(m, FIFO(0)), 0x00400000);
    assert_false(th_rd(m, DOEPINT(0)) & STUP);    /* not yet */
    sts = th_rd(m, GRXSTSP);
    assert_int_equal((sts >> 17) & 0xF, 4);       /* SETUP complete */
    assert_true(th_rd(m, DOEPINT(0)) & STUP);
    assert_false(th_rd(m, GINTSTS) & GINT_RXFLVL);
    assert_int_equal(th_rd(m, DAINT), 1u << 16);
    assert_true(th_rd(m, GINTSTS) & GINT_OEPINT);
    th_wr(m, DOEPINT(0), STUP);
    assert_false(th_rd(m, GINTSTS) & GINT_OEPINT);
    assert_int_equal(th_rd(m, GRXSTSP), 0); /* empty queue reads 0 */
}

static void in_transfer_waits_for_enable_and_fifo(void **state)
{
    (void)state;
    lib_init();
    uint8_t buf[64];
    unsigned n = 99;
    assert_int_equal(ops()->in(o.port.dev, 0, buf, sizeof(buf), &n), USB_NAK);
    th_wr(m, DIEPTSIZ(0), (1u << 19) | 6);
    kicks = 0;
    th_wr(m, DIEPCTL(0), CNAK | EPENA);
    assert_true(kicks > 0); /* the host is told to retry */
    assert_int_equal(ops()->in(o.port.dev, 0, buf, sizeof(buf), &n), USB_NAK); /* FIFO empty */
    th_wr(m, DIEPEMPMSK, 1);
    assert_int_equal(th_rd(m, DAINT) & 1, 1); /* TXFE with its mask bit */
    th_wr(m, FIFO(0), 0x04030201);
    assert_int_equal(ops()->in(o.port.dev, 0, buf, sizeof(buf), &n), USB_NAK); /* half a packet */
    th_wr(m, FIFO(0), 0xAAAA0605);
    th_wr(m, DIEPEMPMSK, 0);
    assert_int_equal(ops()->in(o.port.dev, 0, buf, sizeof(buf), &n), USB_ACK);
    assert_int_equal(n, 6);
    static const uint8_t want[6] = {1, 2, 3, 4, 5, 6};
    assert_memory_equal(buf, want, 6);
    assert_false(th_rd(m, DIEPCTL(0)) & EPENA);
    assert_true(th_rd(m, DIEPINT(0)) & XFRC);
    assert_true(th_rd(m, GINTSTS) & GINT_IEPINT);
    assert_int_equal(irq77, 1);
    th_wr(m, DIEPINT(0), XFRC);
    assert_false(th_rd(m, GINTSTS) & GINT_IEPINT);
    /* a zero-length packet needs no FIFO data */
    th_wr(m, DIEPTSIZ(0), 1u << 19);
    th_wr(m, DIEPCTL(0), CNAK | EPENA);
    assert_int_equal(ops()->in(o.port.dev, 0, buf, sizeof(buf), &n), USB_ACK);
    assert_int_equal(n, 0);
}

static void stall_and_nak_bits(void **state)
{
    (void)state;
    lib_init();
    uint8_t buf[8];
    unsigned n;
    th_wr(m, DIEPCTL(0), STALL);
    th_wr(m, DOEPCTL(0), STALL);
    assert_int_equal(ops()->in(o.port.dev, 0, buf, 8, &n), USB_STALL);
    assert_int_equal(ops()->out(o.port.dev, 0, buf, 0), USB_STALL);
    th_wr(m, DOEPCTL(0), 0); /* EP0: software cannot clear STALL */
    assert_int_equal(ops()->out(o.port.dev, 0, buf, 0), USB_STALL);
    static const uint8_t pkt[8] = {0};
    ops()->setup(o.port.dev, pkt); /* a SETUP clears it */
    th_wr(m, DOEPCTL(0), EPENA | CNAK);
    th_wr(m, DOEPCTL(0), SNAK);
    assert_true(th_rd(m, DOEPCTL(0)) & NAKSTS);
    assert_int_equal(ops()->out(o.port.dev, 0, buf, 0), USB_NAK);
    th_wr(m, DOEPCTL(0), CNAK);
    th_wr(m, DCTL, 1u << 9); /* SGONAK: global OUT NAK */
    assert_true(th_rd(m, GINTSTS) & (1u << 7));
    assert_int_equal(ops()->out(o.port.dev, 0, buf, 0), USB_NAK);
    th_wr(m, DCTL, 1u << 10);
    assert_int_equal(ops()->out(o.port.dev, 0, buf, 0), USB_ACK);
    /* the unused endpoints beyond the core's six: STALL */
    assert_int_equal(ops()->in(o.port.dev, 9, buf, 8, &n), USB_STALL);
}

static void out_transfer_status_entries_and_xfrc(void **state)
{
    (void)state;
    lib_init();
    uint8_t data[64];
    for (int i = 0; i < 64; i++)
        data[i] = (uint8_t)i;
    assert_int_equal(ops()->out(o.port.dev, 0, data, 64), USB_NAK); /* not enabled */
    th_wr(m, DOEPTSIZ(0), (1u << 19) | 64);
    th_wr(m, DOEPCTL(0), EPENA | CNAK);
    assert_int_equal(ops()->out(o.port.dev, 0, data, 64), USB_ACK);
    assert_false(th_rd(m, DOEPCTL(0)) & EPENA); /* PKTCNT reached 0 */
    assert_true(th_rd(m, DOEPCTL(0)) & NAKSTS);
    assert_int_equal(ops()->out(o.port.dev, 0, data, 64), USB_NAK);
    uint32_t sts = th_rd(m, GRXSTSP);
    assert_int_equal((sts >> 17) & 0xF, 2);
    assert_int_equal((sts >> 4) & 0x7FF, 64);
    for (int w = 0; w < 16; w++)
        assert_int_equal(th_rd(m, FIFO(0)), (uint32_t)(4 * w | (4 * w + 1) << 8 |
                                                       (4 * w + 2) << 16 | (4 * w + 3) << 24));
    assert_false(th_rd(m, DOEPINT(0)) & XFRC);
    sts = th_rd(m, GRXSTSP);
    assert_int_equal((sts >> 17) & 0xF, 3); /* transfer complete */
    assert_true(th_rd(m, DOEPINT(0)) & XFRC);
    assert_int_equal(th_rd(m, DOEPTSIZ(0)) & 0x7F, 0);
}

static void bulk_out_short_packet_ends_transfer(void **state)
{
    (void)state;
    lib_init();
    th_wr(m, DOEPCTL(1), 64 | USBAEP | (2u << 18)); /* bulk, MPS 64 */
    th_wr(m, DOEPTSIZ(1), (4u << 19) | 256);
    th_wr(m, DOEPCTL(1), 64 | USBAEP | (2u << 18) | EPENA | CNAK);
    uint8_t d[64] = {0};
    assert_int_equal(ops()->out(o.port.dev, 1, d, 64), USB_ACK);
    assert_true(th_rd(m, DOEPCTL(1)) & EPENA); /* 3 packets to go */
    assert_int_equal(ops()->out(o.port.dev, 1, d, 10), USB_ACK);
    assert_false(th_rd(m, DOEPCTL(1)) & EPENA); /* short packet: done */
    assert_int_equal(th_rd(m, DOEPTSIZ(1)) & 0x7FFFF, 256 - 74);
    assert_int_equal((th_rd(m, DOEPTSIZ(1)) >> 19) & 0x3FF, 2);
}

static void receive_fifo_full_naks(void **state)
{
    (void)state;
    lib_init();
    th_wr(m, GRXFSIZ, 40); /* words */
    th_wr(m, DOEPCTL(1), 64 | USBAEP | (2u << 18));
    th_wr(m, DOEPTSIZ(1), (8u << 19) | 512);
    th_wr(m, DOEPCTL(1), 64 | USBAEP | (2u << 18) | EPENA | CNAK);
    uint8_t d[64] = {0};
    assert_int_equal(ops()->out(o.port.dev, 1, d, 64), USB_ACK); /* 17 words */
    assert_int_equal(ops()->out(o.port.dev, 1, d, 64), USB_ACK); /* 34 words */
    assert_int_equal(ops()->out(o.port.dev, 1, d, 64), USB_NAK); /* no room */
    th_rd(m, GRXSTSP);
    kicks = 0;
    th_rd(m, GRXSTSP);
    assert_true(kicks > 0); /* room again: the host is told */
    assert_int_equal(ops()->out(o.port.dev, 1, d, 64), USB_ACK);
}

static void endpoint_disable_sets_epdisd(void **state)
{
    (void)state;
    lib_init();
    th_wr(m, DIEPCTL(1), 64 | USBAEP | (2u << 18) | EPENA | CNAK);
    th_wr(m, DIEPCTL(1), 64 | USBAEP | (2u << 18) | EPDIS | SNAK);
    assert_false(th_rd(m, DIEPCTL(1)) & (EPENA | EPDIS));
    assert_true(th_rd(m, DIEPINT(1)) & EPDISD);
    th_wr(m, DIEPINT(1), EPDISD);
    th_wr(m, DIEPCTL(1), EPDIS); /* not enabled: nothing happens */
    assert_false(th_rd(m, DIEPINT(1)) & EPDISD);
}

static void ep1_dedicated_interrupts(void **state)
{
    (void)state;
    lib_init();
    th_wr(m, DIEPCTL(1), 64 | USBAEP | (2u << 18) | (1u << 22));
    th_wr(m, DIEPTSIZ(1), (1u << 19) | 4);
    th_wr(m, DIEPCTL(1), 64 | USBAEP | (2u << 18) | (1u << 22) | EPENA | CNAK);
    th_wr(m, FIFO(1), 0xDEADBEEF);
    uint8_t buf[64];
    unsigned n;
    assert_int_equal(ops()->in(o.port.dev, 1, buf, 64, &n), USB_ACK);
    assert_int_equal(n, 4);
    /* as in the bootloader: DEACHINTMSK = 0, so IRQs 74/75 never fire */
    assert_int_equal(irq75, 0);
    assert_int_equal(irq77, 0); /* DAINTMSK has only EP0 */
    th_wr(m, DIEPEACHMSK1, XFRC);
    th_wr(m, DEACHINTMSK, 1u << 1);
    assert_int_equal(irq75, 1);
    assert_int_equal(th_rd(m, DEACHINT), 1u << 1);
    th_wr(m, DIEPINT(1), XFRC);
    assert_int_equal(irq75, 0);
    assert_int_equal(irq74, 0);
}

static void global_in_nak(void **state)
{
    (void)state;
    lib_init();
    th_wr(m, DIEPTSIZ(0), 1u << 19);
    th_wr(m, DCTL, 1u << 7); /* SGINAK */
    assert_true(th_rd(m, GINTSTS) & (1u << 6)); /* GINAKEFF */
    th_wr(m, DIEPCTL(0), CNAK | EPENA);
    uint8_t buf[8];
    unsigned n;
    assert_int_equal(ops()->in(o.port.dev, 0, buf, 8, &n), USB_NAK);
    th_wr(m, DCTL, 1u << 8); /* CGINAK */
    assert_int_equal(ops()->in(o.port.dev, 0, buf, 8, &n), USB_ACK);
}

static void detached_core_does_not_answer(void **state)
{
    (void)state;
    static const uint8_t pkt[8] = {0};
    uint8_t buf[8];
    unsigned n;
    assert_int_equal(ops()->setup(o.port.dev, pkt), USB_NONE);
    assert_int_equal(ops()->in(o.port.dev, 0, buf, 8, &n), USB_NONE);
    ops()->bus_reset(o.port.dev, true);
    assert_false(th_rd(m, GINTSTS) & GINT_USBRST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(reset_values, setup, teardown),
        cmocka_unit_test_setup_teardown(soft_reset_and_flushes_self_clear, setup, teardown),
        cmocka_unit_test_setup_teardown(pull_up_follows_pwrdwn_sdis_and_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(bus_reset_enumeration_and_sof, setup, teardown),
        cmocka_unit_test_setup_teardown(setup_packet_queues_two_entries_and_stup, setup, teardown),
        cmocka_unit_test_setup_teardown(in_transfer_waits_for_enable_and_fifo, setup, teardown),
        cmocka_unit_test_setup_teardown(stall_and_nak_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(out_transfer_status_entries_and_xfrc, setup, teardown),
        cmocka_unit_test_setup_teardown(bulk_out_short_packet_ends_transfer, setup, teardown),
        cmocka_unit_test_setup_teardown(receive_fifo_full_naks, setup, teardown),
        cmocka_unit_test_setup_teardown(endpoint_disable_sets_epdisd, setup, teardown),
        cmocka_unit_test_setup_teardown(ep1_dedicated_interrupts, setup, teardown),
        cmocka_unit_test_setup_teardown(global_in_nak, setup, teardown),
        cmocka_unit_test_setup_teardown(detached_core_does_not_answer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
