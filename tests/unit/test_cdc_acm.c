/* The host's CDC-ACM driver (emulator/host/cdc_acm.c) on the USB host model
 * against a scripted composite device shaped like Device OS's (IAD, CDC
 * comm interface with its functional descriptors and interrupt endpoint,
 * data interface with bulk 0x81/0x01, a vendor interface): it binds,
 * sends the line coding and control lines a real cdc_acm sends, moves
 * data both ways with flow control, keeps the chardev across unbinds, and
 * holds its endpoints against other clients. */
#include <errno.h>

#include "chardev.h"
#include "harness.h"
#include "cdc_acm.h"
#include "usbhost.h"

typedef struct cdc_fake {
    usb_port port;
    bool connected, in_reset, cdc; /* cdc: the runtime device, else a DFU-like one */
    uint8_t setup[8];
    uint8_t resp[128];
    unsigned resp_len, resp_pos;
    uint8_t ctrl_out[16];
    unsigned ctrl_out_len;
    /* class requests seen: bRequest, wValue, and the line coding's rate */
    unsigned reqs[32][2];
    uint32_t rates[32];
    int nreq;
    uint8_t to_host[4096];        /* bulk IN data waiting */
    unsigned to_host_len, to_host_pos;
    uint8_t from_host[4096];      /* bulk OUT data received */
    unsigned from_host_len;
    bool nak_out;
} cdc_fake;

static machine *m;
static cdc_fake F;
static usbhost H;
static chardev CD;
static cdc_acm A;

/* the backend: what reaches the "host program" */
static uint8_t got[4096];
static size_t got_len, room = SIZE_MAX;
static int opened_events, closed_events;

static const uint8_t CDC_CONFIG[] = {
    9, 2, 75, 0, 3, 1, 0, 0x80, 50,
    8, 0x0B, 0, 2, 2, 2, 1, 0,                /* IAD */
    9, 4, 0, 0, 1, 2, 2, 1, 0,                /* comm: ACM */
    5, 0x24, 0, 0x10, 0x01,                   /* header */
    5, 0x24, 1, 0, 1,                         /* call management */
    4, 0x24, 2, 2,                            /* ACM */
    5, 0x24, 6, 0, 1,                         /* union 0 -> 1 */
    7, 5, 0x83, 3, 8, 0, 16,                  /* notification */
    9, 4, 1, 0, 2, 0x0A, 0, 0, 0,             /* data */
    7, 5, 0x01, 2, 64, 0, 0,
    7, 5, 0x81, 2, 64, 0, 0,
};
static const uint8_t DFU_CONFIG[] = {
    9, 2, 18, 0, 1, 1, 0, 0xC0, 50,
    9, 4, 0, 0, 0, 0xFE, 1, 2, 0,
};

static void answer(cdc_fake *f)
{
    const uint8_t *s = f->setup;
    unsigned wvalue = s[2] | s[3] << 8, wlen = s[6] | s[7] << 8;
    f->resp_len = f->resp_pos = 0;
    f->ctrl_out_len = 0;
    if (s[0] == 0x80 && s[1] == 6 && s[3] == 1) {
        uint8_t d[18] = {18, 1, 0, 2, 0xEF, 2, 1, 64, 0x04, 0x2B, f->cdc ? 0x06 : 0x06,
                         f->cdc ? 0xC0 : 0xD0, 0x50, 2, 0, 0, 0, 1};
        memcpy(f->resp, d, 18);
        f->resp_len = 18;
    } else if (s[0] == 0x80 && s[1] == 6 && s[3] == 2) {
        const uint8_t *c = f->cdc ? CDC_CONFIG : DFU_CONFIG;
        f->resp_len = f->cdc ? sizeof(CDC_CONFIG) : sizeof(DFU_CONFIG);
        memcpy(f->resp, c, f->resp_len);
    } else if (s[0] == 0x21 && f->nreq < 32) {
        f->reqs[f->nreq][0] = s[1];
        f->reqs[f->nreq][1] = wvalue;
        f->nreq++;
    }
    if (f->resp_len > wlen)
        f->resp_len = wlen;
}

static bool f_connected(void *dev) { return ((cdc_fake *)dev)->connected; }
static void f_reset(void *dev, bool active) { ((cdc_fake *)dev)->in_reset = active; }
static void f_sof(void *dev, unsigned frame) { (void)dev, (void)frame; }

static usb_handshake f_setup(void *dev, const uint8_t pkt[8])
{
    cdc_fake *f = dev;
    if (!f->connected || f->in_reset)
        return USB_NONE;
    memcpy(f->setup, pkt, 8);
    answer(f);
    return USB_ACK;
}

static usb_handshake f_out(void *dev, int ep, const uint8_t *d, unsigned len)
{
    cdc_fake *f = dev;
    if (ep == 1) {
        if (f->nak_out)
            return USB_NAK;
        memcpy(f->from_host + f->from_host_len, d, len);
        f->from_host_len += len;
        return USB_ACK;
    }
    if (len && f->ctrl_out_len + len <= sizeof(f->ctrl_out)) {
        memcpy(f->ctrl_out + f->ctrl_out_len, d, len);
        f->ctrl_out_len += len;
        if (f->setup[1] == 0x20 && f->ctrl_out_len == 7 && f->nreq)
            f->rates[f->nreq - 1] = (uint32_t)(d[0] | d[1] << 8 | d[2] << 16 | (uint32_t)d[3] << 24);
    }
    return USB_ACK;
}

static usb_handshake f_in(void *dev, int ep, uint8_t *buf, unsigned max, unsigned *len)
{
    cdc_fake *f = dev;
    (void)max;
    *len = 0;
    if (ep == 3)
        return USB_NAK; /* as Device OS: the notification endpoint never sends */
    if (ep == 1) {
        if (f->to_host_pos >= f->to_host_len)
            return USB_NAK;
        unsigned n = f->to_host_len - f->to_host_pos;
        n = n > 64 ? 64 : n;
        memcpy(buf, f->to_host + f->to_host_pos, n);
        f->to_host_pos += n;
        *len = n;
        return USB_ACK;
    }
    unsigned n = f->resp_len - f->resp_pos;
    n = n > 64 ? 64 : n;
    memcpy(buf, f->resp + f->resp_pos, n);
    f->resp_pos += n;
    *len = n;
    return USB_ACK;
}

static const usb_device_ops ops = {f_connected, f_reset, f_sof, f_setup, f_out, f_in};

static void be_receive(void *o, const uint8_t *b, size_t n)
{
    (void)o;
    memcpy(got + got_len, b, n);
    got_len += n;
}
static size_t be_can_receive(void *o) { (void)o; return room; }
static void be_event(void *o, chardev_event ev)
{
    (void)o;
    if (ev == CHARDEV_OPENED)
        opened_events++;
    else
        closed_events++;
}
static const chardev_backend_ops be = {.receive = be_receive, .can_receive = be_can_receive,
                                       .event = be_event};

static int setup(void **state)
{
    (void)state;
    m = th_machine();
    memset(&F, 0, sizeof(F));
    F.port.ops = &ops;
    F.port.dev = &F;
    F.cdc = true;
    got_len = 0;
    room = SIZE_MAX;
    opened_events = closed_events = 0;
    usbhost_init(&H, m, &F.port);
    chardev_init(&CD, "usb");
    chardev_attach(&CD, &be, NULL);
    cdc_acm_init(&A, &H, &CD);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cdc_acm_free(&A);
    usbhost_free(&H);
    chardev_free(&CD);
    machine_free(m);
    return 0;
}

static void plug(void)
{
    usbhost_plug(&H, true);
    F.connected = true;
    usb_port_connect_changed(&F.port);
    th_advance(m, 300 * PS_PER_MS);
    assert_true(usbhost_ready(&H));
}

static void host_opens(void)
{
    chardev_set_control(&CD, CHARDEV_DTR | CHARDEV_RTS);
    chardev_host_event(&CD, true);
    th_advance(m, 5 * PS_PER_MS);
}

/* The firmware has data for the host (the OTG model kicks the host when
 * the endpoint is armed). */
static void device_sends(const void *d, unsigned n)
{
    memcpy(F.to_host + F.to_host_len, d, n);
    F.to_host_len += n;
    usb_port_kick(&F.port);
}

static void binds_and_sends_the_defaults(void **state)
{
    (void)state;
    plug();
    assert_true(A.bound);
    assert_int_equal(A.comm_if, 0);
    assert_int_equal(A.data_if, 1);
    assert_int_equal(A.ep_in, 0x81);
    assert_int_equal(A.ep_out, 0x01);
    assert_int_equal(A.ep_notify, 0x83);
    assert_int_equal(opened_events, 1); /* the model side is there */
    assert_int_equal(F.nreq, 1);
    assert_int_equal(F.reqs[0][0], 0x20); /* SET_LINE_CODING 9600, as a new ttyACM */
    assert_int_equal(F.rates[0], 9600);
    /* nobody has the port open: no DTR, no reads */
    host_opens();
    assert_int_equal(F.nreq, 2);
    assert_int_equal(F.reqs[1][0], 0x22);
    assert_int_equal(F.reqs[1][1], 3); /* DTR | RTS */
    chardev_set_control(&CD, 0);
    chardev_host_event(&CD, false);
    th_advance(m, 5 * PS_PER_MS);
    assert_int_equal(F.reqs[2][0], 0x22);
    assert_int_equal(F.reqs[2][1], 0); /* the last close drops them */
}

static void line_coding_follows_the_host(void **state)
{
    (void)state;
    plug();
    host_opens();
    chardev_request_params(&CD, &(chardev_params){28800, 8, 'N', 2});
    th_advance(m, 5 * PS_PER_MS);
    assert_int_equal(F.reqs[F.nreq - 1][0], 0x20);
    assert_int_equal(F.rates[F.nreq - 1], 28800);
    int n = F.nreq;
    chardev_request_params(&CD, &(chardev_params){28800, 8, 'N', 2});
    th_advance(m, 5 * PS_PER_MS);
    assert_int_equal(F.nreq, n); /* unchanged: nothing sent */
    chardev_request_params(&CD, &(chardev_params){14400, 8, 'N', 2});
    th_advance(m, 5 * PS_PER_MS);
    assert_int_equal(F.rates[F.nreq - 1], 14400);
}

static void data_both_ways_with_flow_control(void **state)
{
    (void)state;
    plug();
    /* output waits in the device until the port is open */
    device_sends("hello from the firmware\r\n", 25);
    th_advance(m, 10 * PS_PER_MS);
    assert_int_equal(got_len, 0);
    host_opens();
    th_advance(m, 10 * PS_PER_MS);
    assert_int_equal(got_len, 25);
    assert_memory_equal(got, "hello from the firmware\r\n", 25);
    /* a backend without room holds the reads: only those already in flight
     * (submitted while it had room for them) complete */
    room = 10;
    uint8_t more[200];
    for (unsigned i = 0; i < sizeof(more); i++)
        more[i] = (uint8_t)i;
    device_sends(more, sizeof(more));
    th_advance(m, 10 * PS_PER_MS);
    assert_true(got_len <= 25 + 2 * 64);
    th_advance(m, 10 * PS_PER_MS);
    assert_true(got_len <= 25 + 2 * 64);
    room = SIZE_MAX;
    chardev_output_ready(&CD);
    th_advance(m, 10 * PS_PER_MS);
    assert_int_equal(got_len, 25 + 200);
    assert_memory_equal(got + 25, more, sizeof(more));
    /* input: in order, nothing lost while the device NAKs */
    F.nak_out = true;
    uint8_t big[3000];
    for (unsigned i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7);
    assert_int_equal(chardev_send(&CD, big, sizeof(big)), 0);
    th_advance(m, 10 * PS_PER_MS);
    assert_int_equal(F.from_host_len, 0);
    assert_true(chardev_queued(&CD) > 0);
    F.nak_out = false;
    usb_port_kick(&F.port);
    th_advance(m, 50 * PS_PER_MS);
    assert_int_equal(F.from_host_len, sizeof(big));
    assert_memory_equal(F.from_host, big, sizeof(big));
    assert_int_equal(chardev_queued(&CD), 0);
}

static void survives_unbind_and_holds_its_endpoints(void **state)
{
    (void)state;
    plug();
    host_opens();
    chardev_request_params(&CD, &(chardev_params){115200, 8, 'N', 2});
    th_advance(m, 5 * PS_PER_MS);
    /* other clients may not have the function's endpoints; EP0 is shared */
    assert_true(usbhost_claimed(&H, 0x81));
    assert_true(usbhost_claimed(&H, 0x01));
    assert_true(usbhost_claimed(&H, 0x83));
    assert_false(usbhost_claimed(&H, 0x00));
    /* the device goes away (DFU mode) and comes back */
    F.connected = false;
    usb_port_connect_changed(&F.port);
    th_advance(m, 5 * PS_PER_MS);
    assert_false(A.bound);
    assert_int_equal(closed_events, 1);
    assert_false(usbhost_claimed(&H, 0x81));
    assert_int_equal(chardev_send(&CD, (const uint8_t *)"lost", 4), 0); /* nobody there */
    assert_int_equal(chardev_queued(&CD), 0);
    F.cdc = false; /* a device without CDC: not bound */
    F.connected = true;
    usb_port_connect_changed(&F.port);
    th_advance(m, 300 * PS_PER_MS);
    assert_true(usbhost_ready(&H));
    assert_false(A.bound);
    F.connected = false;
    usb_port_connect_changed(&F.port);
    th_advance(m, 5 * PS_PER_MS);
    F.cdc = true;
    F.nreq = 0;
    F.connected = true;
    usb_port_connect_changed(&F.port);
    th_advance(m, 300 * PS_PER_MS);
    assert_true(A.bound);
    assert_int_equal(opened_events, 2);
    /* the port stayed open: the program's speed and DTR again */
    assert_int_equal(F.reqs[0][0], 0x20);
    assert_int_equal(F.rates[0], 115200);
    assert_int_equal(F.reqs[1][0], 0x22);
    assert_int_equal(F.reqs[1][1], 3);
    F.to_host_len = F.to_host_pos = 0;
    got_len = 0;
    device_sends("back", 4);
    th_advance(m, 10 * PS_PER_MS);
    assert_int_equal(got_len, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(binds_and_sends_the_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(line_coding_follows_the_host, setup, teardown),
        cmocka_unit_test_setup_teardown(data_both_ways_with_flow_control, setup, teardown),
        cmocka_unit_test_setup_teardown(survives_unbind_and_holds_its_endpoints, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
