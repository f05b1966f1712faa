/* The USB host controller model (emulator/usbhost.c) against a scripted
 * device: connection debounce, reset, SOF, the enumeration sequence,
 * control transfers stage by stage, NAK retried on kicks (not by polling),
 * STALL, bulk transfers, disconnects, cancels and port resets. */
#include <errno.h>

#include "harness.h"
#include "usbhost.h"

typedef struct fake {
    usb_port port;
    bool connected;
    bool in_reset;
    int resets, sofs;
    unsigned frame;
    unsigned address;
    uint8_t config_value;
    /* the control transfer in progress */
    uint8_t setup[8];
    uint8_t resp[512];
    unsigned resp_len, resp_pos;
    bool stall;
    bool nak_data;  /* NAK the data stage until kicked free */
    int in_calls;
    uint8_t out_data[512];
    unsigned out_len;
    /* log of requests: bRequest, wValue */
    unsigned reqs[64][2];
    int nreq;
    uint16_t product;  /* idProduct */
    bool stall_descriptors;
    /* bulk */
    uint8_t bulk_in[256];
    unsigned bulk_in_len, bulk_in_pos;
    uint8_t bulk_out[512];
    unsigned bulk_out_len;
    int bulk_out_packets;
} fake;

static machine *m;
static fake F;
static usbhost H;
static int attached, detached, port_resets;

static const uint8_t CONFIG[32] = {
    9, 2, 32, 0, 1, 1, 0, 0x80, 50,
    9, 4, 0, 0, 2, 0xFF, 0, 0, 0,
    7, 5, 0x81, 2, 64, 0, 0,
    7, 5, 0x02, 2, 64, 0, 0,
};

static void answer(fake *f)
{
    const uint8_t *s = f->setup;
    unsigned wvalue = s[2] | s[3] << 8, wlen = s[6] | s[7] << 8;
    f->resp_len = f->resp_pos = 0;
    f->stall = false;
    f->out_len = 0;
    if (f->nreq < 64) {
        f->reqs[f->nreq][0] = s[1];
        f->reqs[f->nreq][1] = wvalue;
        f->nreq++;
    }
    if (s[0] == 0x80 && s[1] == 6) {
        if (f->stall_descriptors) {
            f->stall = true;
            return;
        }
        uint8_t type = (uint8_t)(wvalue >> 8), idx = (uint8_t)wvalue;
        if (type == 1) {
            uint8_t d[18] = {18, 1, 0, 2, 0, 0, 0, 64, 0x04, 0x2B, (uint8_t)f->product,
                             (uint8_t)(f->product >> 8), 0x50, 2, 1, 2, 0, 1};
            memcpy(f->resp, d, 18);
            f->resp_len = 18;
        } else if (type == 2) {
            memcpy(f->resp, CONFIG, sizeof(CONFIG));
            f->resp_len = sizeof(CONFIG);
        } else if (type == 3 && idx == 0) {
            static const uint8_t l[4] = {4, 3, 9, 4};
            memcpy(f->resp, l, 4);
            f->resp_len = 4;
        } else if (type == 3 && idx <= 2) {
            const char *str = idx == 1 ? "Maker" : "Gadget";
            unsigned n = (unsigned)strlen(str);
            f->resp[0] = (uint8_t)(2 + 2 * n);
            f->resp[1] = 3;
            for (unsigned i = 0; i < n; i++) {
                f->resp[2 + 2 * i] = (uint8_t)str[i];
                f->resp[3 + 2 * i] = 0;
            }
            f->resp_len = 2 + 2 * n;
        } else {
            f->stall = true;
        }
        if (f->resp_len > wlen)
            f->resp_len = wlen;
    } else if (s[0] == 0 && s[1] == 5) {
        f->address = wvalue;
    } else if (s[0] == 0 && s[1] == 9) {
        f->config_value = (uint8_t)wvalue;
    } else if (s[0] == 0xC0 && s[1] == 0x42) { /* vendor: echo wValue bytes */
        for (unsigned i = 0; i < wvalue && i < sizeof(f->resp); i++)
            f->resp[i] = (uint8_t)i;
        f->resp_len = wvalue < wlen ? wvalue : wlen;
    } else if (s[0] == 0x40 && s[1] == 0x43) { /* vendor OUT */
    } else {
        f->stall = true;
    }
}

static bool f_connected(void *dev)
{
    return ((fake *)dev)->connected;
}

static void f_reset(void *dev, bool active)
{
    fake *f = dev;
    f->in_reset = active;
    if (active) {
        f->resets++;
        f->address = 0;
    }
}

static void f_sof(void *dev, unsigned frame)
{
    fake *f = dev;
    f->sofs++;
    f->frame = frame;
}

static usb_handshake f_setup(void *dev, const uint8_t pkt[8])
{
    fake *f = dev;
    if (!f->connected || f->in_reset)
        return USB_NONE;
    memcpy(f->setup, pkt, 8);
    answer(f);
    return USB_ACK;
}

static usb_handshake f_out(void *dev, int ep, const uint8_t *d, unsigned len)
{
    fake *f = dev;
    if (!f->connected)
        return USB_NONE;
    if (ep == 2) {
        memcpy(f->bulk_out + f->bulk_out_len, d, len);
        f->bulk_out_len += len;
        f->bulk_out_packets++;
        return USB_ACK;
    }
    if (f->stall)
        return USB_STALL;
    if (len && f->out_len + len <= sizeof(f->out_data)) {
        memcpy(f->out_data + f->out_len, d, len);
        f->out_len += len;
    }
    return USB_ACK;
}

static usb_handshake f_in(void *dev, int ep, uint8_t *buf, unsigned max, unsigned *len)
{
    fake *f = dev;
    (void)max;
    *len = 0;
    if (!f->connected)
        return USB_NONE;
    if (ep == 1) {
        if (f->bulk_in_pos >= f->bulk_in_len)
            return USB_NAK;
        unsigned n = f->bulk_in_len - f->bulk_in_pos;
        if (n > 64)
            n = 64;
        memcpy(buf, f->bulk_in + f->bulk_in_pos, n);
        f->bulk_in_pos += n;
        *len = n;
        return USB_ACK;
    }
    f->in_calls++;
    if (f->stall)
        return USB_STALL;
    if (f->nak_data)
        return USB_NAK;
    unsigned n = f->resp_len - f->resp_pos;
    if (n > 64)
        n = 64;
    memcpy(buf, f->resp + f->resp_pos, n);
    f->resp_pos += n;
    *len = n;
    return USB_ACK;
}

static const usb_device_ops fake_ops = {f_connected, f_reset, f_sof, f_setup, f_out, f_in};

static void on_event(void *ctx, usbhost *h, usbhost_event ev)
{
    (void)ctx;
    (void)h;
    if (ev == USBH_ATTACHED)
        attached++;
    else if (ev == USBH_RESET_DONE)
        port_resets++;
    else
        detached++;
}

static int setup(void **state)
{
    (void)state;
    m = th_machine();
    memset(&F, 0, sizeof(F));
    F.port.ops = &fake_ops;
    F.port.dev = &F;
    F.product = 0xD006;
    attached = detached = port_resets = 0;
    usbhost_init(&H, m, &F.port);
    usbhost_listen(&H, on_event, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    usbhost_free(&H);
    machine_free(m);
    return 0;
}

static void connect(void)
{
    F.connected = true;
    usb_port_connect_changed(&F.port);
}

static void enumerate(void)
{
    usbhost_plug(&H, true);
    connect();
    th_advance(m, 200 * PS_PER_MS);
    assert_true(usbhost_ready(&H));
}

typedef struct done_rec {
    int calls;
    int status;
    uint32_t actual;
} done_rec;

static void urb_done(usb_urb *u)
{
    done_rec *r = u->ctx;
    r->calls++;
    r->status = u->status;
    r->actual = u->actual;
}

static void control_urb(usb_urb *u, done_rec *r, const uint8_t s[8], uint8_t *buf, uint32_t len)
{
    memset(u, 0, sizeof(*u));
    memset(r, 0, sizeof(*r));
    memcpy(u->setup, s, 8);
    u->buf = buf;
    u->len = len;
    u->done = urb_done;
    u->ctx = r;
}

static void debounce_reset_and_enumeration(void **state)
{
    (void)state;
    connect();
    th_advance(m, 500 * PS_PER_MS);
    assert_int_equal(F.resets, 0); /* no cable, no host */
    usbhost_plug(&H, true);
    th_advance(m, 99 * PS_PER_MS);
    assert_int_equal(F.resets, 0); /* still debouncing */
    th_advance(m, 2 * PS_PER_MS);
    assert_int_equal(F.resets, 1);
    assert_true(F.in_reset);
    th_advance(m, 10 * PS_PER_MS);
    assert_false(F.in_reset);
    th_advance(m, 100 * PS_PER_MS);
    assert_true(usbhost_ready(&H));
    assert_int_equal(attached, 1);
    /* GET_DESCRIPTOR dev, SET_ADDRESS, dev, config 9, config, lang, 2 strings, SET_CONFIGURATION */
    static const unsigned want[][2] = {{6, 0x100}, {5, 2},     {6, 0x100}, {6, 0x200}, {6, 0x200},
                                       {6, 0x300}, {6, 0x301}, {6, 0x302}, {9, 1}};
    assert_int_equal(F.nreq, 9);
    for (int i = 0; i < 9; i++) {
        assert_int_equal(F.reqs[i][0], want[i][0]);
        assert_int_equal(F.reqs[i][1], want[i][1]);
    }
    assert_int_equal(F.address, 2);
    assert_int_equal(F.config_value, 1);
    assert_int_equal(H.devnum, 2);
    assert_string_equal(H.manufacturer, "Maker");
    assert_string_equal(H.product, "Gadget");
    assert_int_equal(H.config_len, sizeof(CONFIG));
    assert_int_equal(H.ep_mps[usbhost_pipe_of(0x81)], 64);
    /* a SOF every millisecond since the end of the reset */
    int sofs = F.sofs;
    th_advance(m, 10 * PS_PER_MS);
    assert_int_equal(F.sofs - sofs, 10);
}

static void control_in_out_and_stall(void **state)
{
    (void)state;
    enumerate();
    usb_urb u;
    done_rec r;
    uint8_t buf[300];
    static const uint8_t vin[8] = {0xC0, 0x42, 200, 0, 0, 0, 44, 1}; /* 200 bytes, wLength 300 */
    control_urb(&u, &r, vin, buf, sizeof(buf));
    assert_int_equal(usbhost_submit(&H, &u), 0);
    th_advance(m, 5 * PS_PER_MS);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.actual, 200); /* the short last packet ends it */
    assert_int_equal(buf[199], 199);
    uint8_t data[100];
    for (int i = 0; i < 100; i++)
        data[i] = (uint8_t)(100 - i);
    static const uint8_t vout[8] = {0x40, 0x43, 0, 0, 0, 0, 100, 0};
    control_urb(&u, &r, vout, data, sizeof(data));
    assert_int_equal(usbhost_submit(&H, &u), 0);
    th_advance(m, 5 * PS_PER_MS);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.actual, 100);
    assert_int_equal(F.out_len, 100);
    assert_memory_equal(F.out_data, data, 100);
    static const uint8_t bad[8] = {0xC0, 0x99, 0, 0, 0, 0, 8, 0};
    control_urb(&u, &r, bad, buf, 8);
    assert_int_equal(usbhost_submit(&H, &u), 0);
    th_advance(m, 5 * PS_PER_MS);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.status, -EPIPE);
    /* an endpoint the configuration does not have */
    usb_urb b = {.ep = 0x83, .buf = buf, .len = 8};
    assert_int_equal(usbhost_submit(&H, &b), -EPIPE);
}

static void nak_waits_for_a_kick(void **state)
{
    (void)state;
    enumerate();
    usb_urb u;
    done_rec r;
    uint8_t buf[64];
    static const uint8_t vin[8] = {0xC0, 0x42, 8, 0, 0, 0, 8, 0};
    F.nak_data = true;
    control_urb(&u, &r, vin, buf, sizeof(buf));
    assert_int_equal(usbhost_submit(&H, &u), 0);
    th_advance(m, PS_PER_MS);
    int calls = F.in_calls;
    assert_true(calls >= 1);
    th_advance(m, 1000 * PS_PER_MS);
    assert_int_equal(F.in_calls, calls); /* no polling while NAKed */
    assert_int_equal(r.calls, 0);
    F.nak_data = false;
    usb_port_kick(&F.port);
    th_advance(m, PS_PER_MS);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.actual, 8);
}

static void bulk_transfers(void **state)
{
    (void)state;
    enumerate();
    uint8_t data[128];
    memset(data, 0x33, sizeof(data));
    done_rec r = {0};
    usb_urb o = {.ep = 0x02, .buf = data, .len = 128, .zero_packet = true, .done = urb_done,
                 .ctx = &r};
    assert_int_equal(usbhost_submit(&H, &o), 0);
    th_advance(m, 5 * PS_PER_MS);
    assert_int_equal(r.status, 0);
    assert_int_equal(F.bulk_out_len, 128);
    assert_int_equal(F.bulk_out_packets, 3); /* 64 + 64 + the zero-length packet */
    uint8_t in[256];
    done_rec ri = {0};
    usb_urb i = {.ep = 0x81, .buf = in, .len = sizeof(in), .done = urb_done, .ctx = &ri};
    assert_int_equal(usbhost_submit(&H, &i), 0);
    th_advance(m, 5 * PS_PER_MS);
    assert_int_equal(ri.calls, 0); /* nothing to send: held while NAKed */
    memset(F.bulk_in, 0x77, 100);
    F.bulk_in_len = 100;
    usb_port_kick(&F.port);
    th_advance(m, 5 * PS_PER_MS);
    assert_int_equal(ri.calls, 1);
    assert_int_equal(ri.actual, 100); /* 64 + a short 36 */
    assert_int_equal(in[99], 0x77);
}

static void cancel_and_disconnect(void **state)
{
    (void)state;
    enumerate();
    uint8_t in[64], in2[64];
    done_rec r1 = {0}, r2 = {0};
    usb_urb a = {.ep = 0x81, .buf = in, .len = 64, .done = urb_done, .ctx = &r1};
    usb_urb b = {.ep = 0x81, .buf = in2, .len = 64, .done = urb_done, .ctx = &r2};
    assert_int_equal(usbhost_submit(&H, &a), 0);
    assert_int_equal(usbhost_submit(&H, &b), 0);
    th_advance(m, PS_PER_MS);
    assert_true(usbhost_cancel(&H, &a));
    assert_false(usbhost_cancel(&H, &a));
    assert_int_equal(r1.calls, 0);
    F.connected = false;
    usb_port_connect_changed(&F.port);
    assert_int_equal(r2.calls, 0); /* not yet: SE0 must last 2.5 us */
    th_advance(m, 3 * PS_PER_US);
    assert_int_equal(r2.calls, 1);
    assert_int_equal(r2.status, -ENODEV);
    assert_int_equal(detached, 1);
    assert_false(usbhost_ready(&H));
    int sofs = F.sofs;
    th_advance(m, 10 * PS_PER_MS);
    assert_int_equal(F.sofs, sofs); /* no SOF without a device */
    assert_int_equal(usbhost_submit(&H, &b), -ENODEV);
    /* back on the bus: enumerated again with a new address */
    connect();
    th_advance(m, 200 * PS_PER_MS);
    assert_true(usbhost_ready(&H));
    assert_int_equal(attached, 2);
    assert_int_equal(H.devnum, 3);
}

static void soft_disconnect_glitch_is_not_a_disconnect(void **state)
{
    (void)state;
    enumerate();
    F.connected = false; /* a few CPU cycles of soft disconnect */
    usb_port_connect_changed(&F.port);
    th_advance(m, PS_PER_US);
    F.connected = true;
    usb_port_connect_changed(&F.port);
    th_advance(m, 10 * PS_PER_MS);
    assert_true(usbhost_ready(&H));
    assert_int_equal(detached, 0);
    assert_int_equal(F.resets, 1);
    /* the cable pulled out is a disconnect at once */
    usbhost_plug(&H, false);
    assert_int_equal(detached, 1);
    assert_false(usbhost_ready(&H));
}

static void port_reset_same_or_different_device(void **state)
{
    (void)state;
    enumerate();
    usb_urb u;
    done_rec r;
    control_urb(&u, &r, (const uint8_t[8]){0x23, 3, 4, 0, 1, 0, 0, 0}, NULL, 0);
    assert_int_equal(usbhost_port_reset(&H, &u), 0);
    th_advance(m, 200 * PS_PER_MS);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.status, 0);
    assert_int_equal(F.resets, 2);
    assert_int_equal(H.devnum, 2); /* same device, same address */
    assert_int_equal(attached, 1);
    assert_int_equal(detached, 0);
    assert_int_equal(port_resets, 1); /* class drivers hear that it is back */
    F.product = 0xC006; /* it comes back as another device */
    control_urb(&u, &r, (const uint8_t[8]){0x23, 3, 4, 0, 1, 0, 0, 0}, NULL, 0);
    assert_int_equal(usbhost_port_reset(&H, &u), 0);
    th_advance(m, 200 * PS_PER_MS);
    assert_int_equal(r.status, -ENODEV);
    assert_int_equal(detached, 1);
    assert_int_equal(attached, 2);
    assert_int_equal(port_resets, 1);
    assert_true(usbhost_ready(&H));
}

static void claimed_endpoints(void **state)
{
    (void)state;
    assert_false(usbhost_claimed(&H, 0x81));
    usbhost_claim(&H, 0x81, true);
    usbhost_claim(&H, 0x01, true);
    usbhost_claim(&H, 0x00, true); /* endpoint 0 is everyone's */
    assert_true(usbhost_claimed(&H, 0x81));
    assert_true(usbhost_claimed(&H, 0x01));
    assert_false(usbhost_claimed(&H, 0x02));
    assert_false(usbhost_claimed(&H, 0x82));
    assert_false(usbhost_claimed(&H, 0x00));
    assert_false(usbhost_claimed(&H, 0x80));
    usbhost_claim(&H, 0x81, false);
    assert_false(usbhost_claimed(&H, 0x81));
    assert_true(usbhost_claimed(&H, 0x01));
}

static void enumeration_gives_up(void **state)
{
    (void)state;
    F.stall_descriptors = true;
    usbhost_plug(&H, true);
    connect();
    th_advance(m, 2 * PS_PER_S);
    assert_false(usbhost_ready(&H));
    assert_int_equal(H.state, USBH_FAILED);
    assert_int_equal(F.resets, 3); /* three tries */
    assert_int_equal(attached, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(debounce_reset_and_enumeration, setup, teardown),
        cmocka_unit_test_setup_teardown(control_in_out_and_stall, setup, teardown),
        cmocka_unit_test_setup_teardown(nak_waits_for_a_kick, setup, teardown),
        cmocka_unit_test_setup_teardown(bulk_transfers, setup, teardown),
        cmocka_unit_test_setup_teardown(cancel_and_disconnect, setup, teardown),
        cmocka_unit_test_setup_teardown(soft_disconnect_glitch_is_not_a_disconnect, setup, teardown),
        cmocka_unit_test_setup_teardown(port_reset_same_or_different_device, setup, teardown),
        cmocka_unit_test_setup_teardown(claimed_endpoints, setup, teardown),
        cmocka_unit_test_setup_teardown(enumeration_gives_up, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
