/* emulator/host/netenv: the networks of a run. A station interface joins
 * one access point's network, then another's, and the host forward moves
 * with it (same host port); the soft AP's network is another subnet with
 * its own forward; the poller serves every network; the capture sees both
 * interfaces. */
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

/* Run the poller and virtual time until `nic` sees a SYN to `port`. */
static bool syn_arrives(machine *m, runner *r, tnic *nic, uint16_t port)
{
    for (int i = 0; i < 300; i++) {
        r->pollers[0].poll(r->pollers[0].ctx, r, 10);
        th_advance(m, PS_PER_MS);
        netframe f;
        for (int k = 0; k < nic->n; k++)
            if (tnic_get(nic, k, &f) && f.tcp && (f.tcp_flags & TCP_SYN) && f.dport == port)
                return true;
    }
    return false;
}

static void forwards_follow_the_station(void **state)
{
    (void)state;
    machine *m = th_machine();
    netenv e;
    netenv_init(&e, &m->clock, &m->log);
    char err[256], path[] = "/tmp/photon-netenv-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    assert_int_equal(netenv_open_pcap(&e, path, err, sizeof(err)), 0);
    assert_int_equal(netenv_add_hostfwd(&e, "tcp::0-:80", err, sizeof(err)), 0);
    assert_int_equal(netenv_add_hostfwd(&e, "tcp::0-:80x", err, sizeof(err)), -1);
    assert_int_equal(netenv_add_dns(&e, "nope", err, sizeof(err)), -1);
    hostfwd sf = {.host_addr = INADDR_LOOPBACK, .guest_port = 5609};
    assert_int_equal(netenv_add_softap_fwd(&e, &sf, err, sizeof(err)), 0);
    assert_int_equal(netenv_start(&e, "Home", false, err, sizeof(err)), 0);
    int port = e.fwd[0].host_port;
    assert_true(port > 0);
    assert_true(e.softap_fwd[0].host_port > 0);
    assert_int_equal(e.softap_fwd[0].guest_addr, IP(192, 168, 0, 1));
    assert_non_null(netenv_find(&e, "Home"));
    assert_null(netenv_find(&e, "Office"));

    runner r;
    memset(&r, 0, sizeof(r));
    netenv_add_poller(&e, &r);
    assert_int_equal(r.npollers, 1);

    /* on Home: a connection to the forward reaches the station */
    tnic sta;
    tnic_init(&sta, "wlan0", 1, IP(10, 0, 2, 15));
    netdev_set_link(&sta.nd, true);
    assert_int_equal(netenv_station(&e, &sta.nd, "Home", err, sizeof(err)), 0);
    assert_int_equal(netenv_station(&e, &sta.nd, "Home", err, sizeof(err)), 0); /* again */
    int c = connect_to(port);
    assert_true(syn_arrives(m, &r, &sta, 80));
    close(c);

    /* to Office: the same host port, now Office's network */
    assert_int_equal(netenv_station(&e, &sta.nd, "Office", err, sizeof(err)), 0);
    slirpnet *office = netenv_find(&e, "Office");
    assert_non_null(office);
    assert_ptr_equal(e.fwd_on, office);
    assert_int_equal(e.fwd[0].host_port, port);
    sta.n = 0;
    c = connect_to(port);
    assert_true(syn_arrives(m, &r, &sta, 80));
    close(c);

    /* the soft AP: 192.168.0.1 behind its own forward */
    tnic ap;
    tnic_init(&ap, "ap0", 2, IP(192, 168, 0, 1));
    netdev_set_link(&ap.nd, true);
    assert_int_equal(netenv_softap_iface(&e, &ap.nd, err, sizeof(err)), 0);
    c = connect_to(e.softap_fwd[0].host_port);
    assert_true(syn_arrives(m, &r, &ap, 5609));
    netframe f;
    tnic_get(&ap, ap.n - 1, &f);
    assert_int_equal(f.src_ip, IP(192, 168, 0, 254));
    close(c);

    /* left: unplugged, frames go nowhere */
    assert_int_equal(netenv_station(&e, &sta.nd, NULL, err, sizeof(err)), 0);
    assert_null(sta.nd.be);
    assert_true(pcap_frames(e.pcap) > 4);
    netenv_free(&e);
    tnic_free(&sta);
    tnic_free(&ap);
    machine_free(m);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forwards_follow_the_station),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
