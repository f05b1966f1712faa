/* emulator/host/netenv: the networks of a world. A station interface joins
 * one access point's network, then another's, and the host forward moves
 * with it (same host port); the soft AP's network is another subnet with
 * the setup servers' forwards; the poller serves every network; the
 * capture sees both interfaces; two devices on one network each have
 * their forward to their own address. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "netenv.h"
#include "runner.h"
#include "testnic.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static int connect_to(int port)
{
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
    return c;
}

static bool syn_to(machine *m, runner *r, tnic *nic, uint16_t port, netframe *out);

static bool syn_arrives(machine *m, runner *r, tnic *nic, uint16_t port)
{
    netframe f;
    return syn_to(m, r, nic, port, &f);
}

/* Run the poller and virtual time until `nic` sees a SYN to `port`. */
static bool syn_to(machine *m, runner *r, tnic *nic, uint16_t port, netframe *out)
{
    for (int i = 0; i < 300; i++) {
        r->pollers[0].poll(r->pollers[0].ctx, r, 10);
        th_advance(m, PS_PER_MS);
        netframe f;
        for (int k = 0; k < nic->n; k++)
            if (tnic_get(nic, k, &f) && f.tcp && (f.tcp_flags & TCP_SYN) && f.dport == port) {
                *out = f;
                return true;
            }
    }
    return false;
}

static void forwards_follow_the_station(void **state)
{
    (void)state;
    machine *m = th_machine();
    netenv e;
    netenv_init(&e, &m->clock, &m->log);
    tnic sta, ap;
    tnic_init(&sta, "wlan0", 1, IP(10, 0, 2, 15));
    tnic_init(&ap, "ap0", 2, IP(192, 168, 0, 1));
    char err[256], path[] = "/tmp/photon-netenv-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    netenv_dev *d = netenv_add_device(&e, "photon", &sta.nd, &ap.nd, err, sizeof(err));
    assert_non_null(d);
    assert_ptr_equal(netenv_device(&e, NULL), d);
    assert_ptr_equal(netenv_device(&e, "photon"), d);
    assert_null(netenv_device(&e, "other"));
    netenv_opts o = {0};
    assert_int_equal(netenv_opts_add(&o, NETOPT_PCAP, path, err, sizeof(err)), 0);
    assert_int_equal(netenv_opts_add(&o, NETOPT_PCAP, path, err, sizeof(err)), -1);
    assert_int_equal(netenv_opts_add(&o, NETOPT_HOSTFWD, "tcp::0-:80", err, sizeof(err)), 0);
    assert_int_equal(netenv_opts_add(&o, NETOPT_HOSTFWD, "tcp::0-:80x", err, sizeof(err)), -1);
    assert_int_equal(netenv_opts_add(&o, NETOPT_DNS, "nope", err, sizeof(err)), -1);
    assert_int_equal(netenv_opts_add(&o, NETOPT_DNS, "a.example=10.0.2.2", err, sizeof(err)), 0);
    assert_int_equal(netenv_apply(&e, d, &o, err, sizeof(err)), 0);
    assert_int_equal(netenv_start(&e, "Home", false, err, sizeof(err)), 0);
    int port = d->fwd[0].host_port;
    assert_true(port > 0);
    /* the setup servers' forwards came by themselves */
    assert_true(netenv_softap_port(d, 80) > 0);
    assert_true(netenv_softap_port(d, 5609) > 0);
    assert_int_equal(netenv_softap_port(d, 81), -1);
    assert_int_equal(d->softap_fwd[1].guest_addr, IP(192, 168, 0, 1));
    assert_non_null(netenv_find(&e, "Home"));
    assert_null(netenv_find(&e, "Office"));
    assert_non_null(dnstable_lookup(&e.dns, "A.example"));

    runner r;
    memset(&r, 0, sizeof(r));
    netenv_add_poller(&e, &r);
    assert_int_equal(r.npollers, 1);

    /* on Home (as the radio says): a connection to the forward reaches the station */
    radio_ap home = {.ssid = "Home"};
    netdev_set_link(&sta.nd, true);
    netenv_radio_ops.station(&e, &sta.nd, &home);
    assert_int_equal(netenv_station(&e, &sta.nd, "Home", err, sizeof(err)), 0); /* again */
    int c = connect_to(port);
    assert_true(syn_arrives(m, &r, &sta, 80));
    close(c);

    /* to Office: the same host port, now Office's network */
    assert_int_equal(netenv_station(&e, &sta.nd, "Office", err, sizeof(err)), 0);
    slirpnet *office = netenv_find(&e, "Office");
    assert_non_null(office);
    assert_ptr_equal(d->fwd_on, office);
    assert_int_equal(d->fwd[0].host_port, port);
    sta.n = 0;
    c = connect_to(port);
    assert_true(syn_arrives(m, &r, &sta, 80));
    close(c);

    /* the soft AP: 192.168.0.1 behind its own forward */
    netdev_set_link(&ap.nd, true);
    netenv_radio_ops.softap(&e, &ap.nd, true);
    c = connect_to(netenv_softap_port(d, 5609));
    netframe f;
    assert_true(syn_to(m, &r, &ap, 5609, &f));
    assert_int_equal(f.src_ip, IP(192, 168, 0, 254));
    close(c);
    netenv_radio_ops.softap(&e, &ap.nd, false);
    assert_null(ap.nd.be);

    /* left: unplugged, frames go nowhere */
    netenv_radio_ops.station(&e, &sta.nd, NULL);
    assert_null(sta.nd.be);
    /* an interface of no device is refused */
    tnic other;
    tnic_init(&other, "x", 3, 0);
    assert_int_equal(netenv_station(&e, &other.nd, "Home", err, sizeof(err)), -1);
    assert_true(pcap_frames(e.pcap) > 4);
    netenv_free(&e);
    tnic_free(&sta);
    tnic_free(&ap);
    tnic_free(&other);
    machine_free(m);
    unlink(path);
}

/* Two devices on one access point's network: each its own lease, each its
 * own forward, to its own address (learned from what it sends); each its
 * own soft AP network, both 192.168.0.1. */
static void two_devices_on_one_network(void **state)
{
    (void)state;
    machine *m = th_machine();
    netenv e;
    netenv_init(&e, &m->clock, &m->log);
    tnic sta[2], ap[2];
    netenv_dev *d[2];
    char err[256];
    for (int i = 0; i < 2; i++) {
        tnic_init(&sta[i], "wlan", (uint8_t)(0x10 + i), IP(10, 0, 2, 15 + i));
        tnic_init(&ap[i], "ap", (uint8_t)(0x20 + i), IP(192, 168, 0, 1));
        d[i] = netenv_add_device(&e, i ? "b" : "a", &sta[i].nd, &ap[i].nd, err, sizeof(err));
        assert_non_null(d[i]);
        assert_int_equal(netenv_add_hostfwd(d[i], "tcp::0-:80", err, sizeof(err)), 0);
    }
    assert_int_equal(netenv_start(&e, "Home", false, err, sizeof(err)), 0);
    assert_ptr_not_equal(d[0]->softap, d[1]->softap);
    runner r;
    memset(&r, 0, sizeof(r));
    netenv_add_poller(&e, &r);
    radio_ap home = {.ssid = "Home"};
    for (int i = 0; i < 2; i++) {
        netdev_set_link(&sta[i].nd, true);
        netenv_radio_ops.station(&e, &sta[i].nd, &home);
    }
    /* b sends from its address (.16): its forward follows */
    uint8_t hello[] = "hi";
    assert_true(tnic_send_udp(&sta[1], IP(10, 0, 2, 16), IP(10, 0, 2, 2), tnic_gateway_mac, 5000,
                              9, hello, 2));
    assert_int_equal(d[1]->addr, IP(10, 0, 2, 16));
    assert_int_equal(d[1]->fwd[0].guest_addr, IP(10, 0, 2, 16));
    assert_int_equal(d[0]->fwd[0].guest_addr, IP(10, 0, 2, 15));
    for (int i = 0; i < 2; i++) {
        sta[0].n = sta[1].n = 0;
        int c = connect_to(d[i]->fwd[0].host_port);
        netframe f;
        assert_true(syn_to(m, &r, &sta[i], 80, &f));
        assert_int_equal(f.dst_ip, IP(10, 0, 2, 15 + i));
        close(c);
    }
    netenv_free(&e);
    for (int i = 0; i < 2; i++) {
        tnic_free(&sta[i]);
        tnic_free(&ap[i]);
    }
    machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forwards_follow_the_station),
        cmocka_unit_test(two_devices_on_one_network),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
