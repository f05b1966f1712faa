/* emulator/core/netdev: Ethernet frames between a NIC model and a backend. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "emulator/core/netdev.h"

typedef struct end {
    netdev *n;
    bool full;
    int frames;
    size_t last_len;
    uint8_t last[NETDEV_MAX_FRAME];
    int links, link_up, carriers, carrier_up;
    bool reply; /* the NIC answers every frame with one of its own */
} end;

static bool nic_can(void *o) { return !((end *)o)->full; }
static void got(void *o, const uint8_t *f, size_t len)
{
    end *e = o;
    e->frames++;
    e->last_len = len;
    memcpy(e->last, f, len);
    if (e->reply)
        netdev_transmit(e->n, f, len);
}
static void nic_carrier(void *o, bool up)
{
    end *e = o;
    e->carriers++;
    e->carrier_up = up;
}
static void be_link(void *o, bool up)
{
    end *e = o;
    e->links++;
    e->link_up = up;
}
static const netdev_nic_ops nic_ops = {nic_can, got, nic_carrier};
static const netdev_backend_ops be_ops = {got, be_link};

typedef struct tap_log {
    int to_net, to_nic;
} tap_log;

static void tap_fn(void *o, netdev_dir dir, const uint8_t *f, size_t len)
{
    tap_log *t = o;
    (void)f;
    assert_true(len >= NETDEV_MIN_FRAME);
    if (dir == NETDEV_TO_NETWORK)
        t->to_net++;
    else
        t->to_nic++;
}

static uint8_t frame[64];

static void setup_pair(netdev *n, end *nic, end *net)
{
    static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 1};
    memset(nic, 0, sizeof(*nic));
    memset(net, 0, sizeof(*net));
    netdev_init(n, "wlan0", mac);
    nic->n = n;
    net->n = n;
    netdev_set_nic(n, &nic_ops, nic);
    netdev_set_backend(n, &be_ops, net);
    for (size_t i = 0; i < sizeof(frame); i++)
        frame[i] = (uint8_t)i;
}

static void frames_cross_only_while_the_link_is_up(void **state)
{
    (void)state;
    netdev n;
    end nic, net;
    setup_pair(&n, &nic, &net);
    assert_int_equal(net.links, 1); /* told the state when set */
    assert_int_equal(net.link_up, 0);
    assert_memory_equal(n.mac, ((uint8_t[]){0x02, 0, 0, 0, 0, 1}), 6);
    assert_false(netdev_transmit(&n, frame, sizeof(frame)));
    assert_false(netdev_deliver(&n, frame, sizeof(frame)));
    assert_int_equal(n.tx_dropped, 1);
    assert_int_equal(n.rx_dropped, 1);
    netdev_set_link(&n, true);
    assert_int_equal(net.link_up, 1);
    assert_true(netdev_transmit(&n, frame, sizeof(frame)));
    assert_int_equal(net.frames, 1);
    assert_int_equal(net.last_len, sizeof(frame));
    assert_memory_equal(net.last, frame, sizeof(frame));
    assert_true(netdev_deliver(&n, frame, 20));
    assert_int_equal(nic.frames, 1);
    assert_int_equal(nic.last_len, 20);
    /* the network goes away */
    netdev_set_carrier(&n, false);
    assert_int_equal(nic.carriers, 1);
    assert_int_equal(nic.carrier_up, 0);
    assert_false(netdev_transmit(&n, frame, sizeof(frame)));
    netdev_set_carrier(&n, true);
    assert_true(netdev_transmit(&n, frame, sizeof(frame)));
    assert_int_equal(n.tx_frames, 2);
    assert_int_equal(n.rx_frames, 1);
    netdev_free(&n);
}

static void frames_wait_for_a_full_nic_up_to_the_queue_limit(void **state)
{
    (void)state;
    netdev n;
    end nic, net;
    setup_pair(&n, &nic, &net);
    netdev_set_link(&n, true);
    nic.full = true;
    for (int i = 0; i < NETDEV_QUEUE_FRAMES; i++) {
        frame[14] = (uint8_t)i;
        assert_true(netdev_deliver(&n, frame, sizeof(frame)));
    }
    assert_false(netdev_deliver(&n, frame, sizeof(frame))); /* ring full */
    assert_int_equal(netdev_queued(&n), NETDEV_QUEUE_FRAMES);
    assert_int_equal(n.rx_dropped, 1);
    assert_int_equal(nic.frames, 0);
    nic.full = false;
    netdev_nic_ready(&n);
    assert_int_equal(nic.frames, NETDEV_QUEUE_FRAMES);
    assert_int_equal(nic.last[14], NETDEV_QUEUE_FRAMES - 1); /* in order */
    assert_int_equal(netdev_queued(&n), 0);
    /* a link going down drops what waits */
    nic.full = true;
    netdev_deliver(&n, frame, sizeof(frame));
    netdev_set_link(&n, false);
    assert_int_equal(netdev_queued(&n), 0);
    assert_int_equal(n.rx_dropped, 2);
    netdev_free(&n);
}

static void bad_sizes_are_dropped(void **state)
{
    (void)state;
    netdev n;
    end nic, net;
    setup_pair(&n, &nic, &net);
    netdev_set_link(&n, true);
    static uint8_t big[NETDEV_MAX_FRAME + 1];
    assert_false(netdev_transmit(&n, big, sizeof(big)));
    assert_false(netdev_transmit(&n, frame, NETDEV_MIN_FRAME - 1));
    assert_false(netdev_deliver(&n, big, sizeof(big)));
    assert_true(netdev_transmit(&n, big, NETDEV_MAX_FRAME));
    assert_int_equal(n.tx_dropped, 2);
    assert_int_equal(n.rx_dropped, 1);
    assert_int_equal(net.frames, 1);
    netdev_free(&n);
}

static void taps_see_both_directions_and_callbacks_may_reenter(void **state)
{
    (void)state;
    netdev n;
    end nic, net;
    setup_pair(&n, &nic, &net);
    tap_log t = {0};
    assert_int_equal(netdev_add_tap(&n, tap_fn, &t), 0);
    netdev_set_link(&n, true);
    nic.reply = true; /* the NIC transmits from inside its receive */
    netdev_deliver(&n, frame, sizeof(frame));
    assert_int_equal(t.to_nic, 1);
    assert_int_equal(t.to_net, 1);
    assert_int_equal(net.frames, 1);
    /* a tap sees a frame even when it is dropped after it */
    netdev_set_link(&n, false);
    netdev_transmit(&n, frame, sizeof(frame));
    assert_int_equal(t.to_net, 2);
    netdev_remove_tap(&n, &t);
    netdev_set_link(&n, true);
    netdev_transmit(&n, frame, sizeof(frame));
    assert_int_equal(t.to_net, 2);
    for (int i = 0; i < NETDEV_MAX_TAPS; i++)
        assert_int_equal(netdev_add_tap(&n, tap_fn, &t), 0);
    assert_int_equal(netdev_add_tap(&n, tap_fn, &t), -1);
    netdev_free(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(frames_cross_only_while_the_link_is_up),
        cmocka_unit_test(frames_wait_for_a_full_nic_up_to_the_queue_limit),
        cmocka_unit_test(bad_sizes_are_dropped),
        cmocka_unit_test(taps_see_both_directions_and_callbacks_may_reenter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
