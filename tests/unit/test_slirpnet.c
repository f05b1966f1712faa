/* emulator/host/slirpnet: a libslirp network on virtual time, seen from a
 * test NIC: DHCP lease, DNS overrides and faults, TCP to a host socket, a
 * host forward in, frames between devices, malformed frames, loss, delay,
 * the network going down, and the same frames in two runs. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "slirpnet.h"
#include "testnic.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define GUEST IP(10, 0, 2, 15)
#define HOST IP(10, 0, 2, 2)
#define DNS IP(10, 0, 2, 3)

typedef struct rig {
    machine *m;
    slirpnet *net;
    tnic nic;
    dnstable dns;
} rig;

static void rig_up(rig *r)
{
    char err[256];
    memset(r, 0, sizeof(*r));
    r->m = th_machine();
    slirpnet_config c;
    slirpnet_config_lan(&c, "Home");
    r->net = slirpnet_new(&c, &r->m->clock, &r->m->log, err, sizeof(err));
    assert_non_null(r->net);
    tnic_init(&r->nic, "wlan0", 1, GUEST);
    assert_int_equal(slirpnet_attach(r->net, &r->nic.nd), 0);
    netdev_set_link(&r->nic.nd, true);
    dnstable_init(&r->dns);
    slirpnet_set_dns(r->net, &r->dns);
}

static void rig_down(rig *r)
{
    slirpnet_free(r->net);
    tnic_free(&r->nic);
    dnstable_free(&r->dns);
    machine_free(r->m);
}

/* Let virtual time pass in 1 ms steps, looking at host sockets between
 * steps (as the runner does between slices), until `k` frames arrived. */
static bool run_until_frames(rig *r, int k)
{
    for (int i = 0; i < 500 && r->nic.n < k; i++) {
        slirpnet_poll(r->net, 10);
        th_advance(r->m, PS_PER_MS);
    }
    return r->nic.n >= k;
}

static void dhcp_gives_the_first_lease(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    assert_true(tnic_send_dhcp(&r.nic, 1, 0x1234, 0, 0));
    assert_int_equal(r.nic.n, 0); /* nothing inside the NIC's own call */
    th_advance(r.m, PS_PER_MS);
    int k = tnic_find(&r.nic, 0, false, 67);
    assert_true(k >= 0);
    netframe f;
    tnic_get(&r.nic, k, &f);
    uint32_t yi = 0, router = 0, dns = 0;
    assert_int_equal(tnic_dhcp_reply(&f, &yi, &router, &dns), 2); /* OFFER */
    assert_int_equal(yi, GUEST);
    assert_int_equal(router, HOST);
    assert_int_equal(dns, DNS);
    assert_true(tnic_send_dhcp(&r.nic, 3, 0x1234, GUEST, HOST));
    th_advance(r.m, PS_PER_MS);
    k = tnic_find(&r.nic, k + 1, false, 67);
    assert_true(k >= 0);
    tnic_get(&r.nic, k, &f);
    assert_int_equal(tnic_dhcp_reply(&f, &yi, &router, &dns), 5); /* ACK */
    assert_int_equal(yi, GUEST);
    assert_int_equal(slirpnet_get_stats(r.net)->to_net, 2);
    rig_down(&r);
}

/* Sends a query and returns the index of the answer, -1 if none came. */
static int ask(rig *r, uint16_t id, const char *name, uint16_t qtype)
{
    uint8_t q[300];
    size_t ql = tnic_dns_query(q, id, name, qtype);
    int before = r->nic.n;
    assert_true(tnic_send_udp(&r->nic, GUEST, DNS, tnic_gateway_mac, 40000 + id, 53, q, ql));
    th_advance(r->m, 5 * PS_PER_MS);
    return tnic_find(&r->nic, before, false, 53);
}

static void check_answer(rig *r, int k, uint16_t id, int rcode, int answers, uint32_t addr)
{
    netframe f;
    assert_true(k >= 0);
    assert_true(tnic_get(&r->nic, k, &f));
    assert_int_equal(f.src_ip, DNS);
    assert_int_equal(f.dst_ip, GUEST);
    assert_int_equal(f.dport, 40000 + id);
    /* the IP and UDP checksums hold */
    const uint8_t *ip = r->nic.frame[k] + ETH_HDR_LEN;
    assert_int_equal(netframe_checksum(ip, IPV4_HDR_LEN, 0), 0);
    size_t ul = UDP_HDR_LEN + f.payload_len;
    uint32_t ps = (DNS >> 16) + (DNS & 0xffff) + (GUEST >> 16) + (GUEST & 0xffff) + 17 + ul;
    assert_int_equal(netframe_checksum(ip + IPV4_HDR_LEN, ul, ps), 0);
    const uint8_t *d = f.payload;
    assert_int_equal(net_get16(d), id);
    assert_int_equal(d[3] & 0x0f, rcode);
    assert_true(d[2] & 0x80); /* a response */
    assert_int_equal(net_get16(d + 6), answers);
    if (answers)
        assert_int_equal(net_get32(d + f.payload_len - 4), addr);
}

static void dns_overrides_are_answered_by_the_network(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    char err[256];
    assert_int_equal(dnstable_add_spec(&r.dns, "device.spark.io=10.0.2.2", err, sizeof(err)), 0);
    assert_int_equal(dnstable_add_spec(&r.dns, "*.particle.io=192.0.2.7", err, sizeof(err)), 0);
    check_answer(&r, ask(&r, 1, "device.spark.io", 1), 1, 0, 1, HOST);
    check_answer(&r, ask(&r, 2, "DEVICE.Spark.IO", 1), 2, 0, 1, HOST);
    check_answer(&r, ask(&r, 3, "abc.udp.particle.io", 1), 3, 0, 1, IP(192, 0, 2, 7));
    check_answer(&r, ask(&r, 4, "device.spark.io", 28), 4, 0, 0, 0); /* AAAA: none */
    assert_int_equal(slirpnet_get_stats(r.net)->dns_answered, 4);
    /* a name given again gets the new address */
    assert_int_equal(dnstable_add_spec(&r.dns, "device.spark.io=10.0.2.9", err, sizeof(err)), 0);
    check_answer(&r, ask(&r, 5, "device.spark.io", 1), 5, 0, 1, IP(10, 0, 2, 9));
    rig_down(&r);
}

static void dns_and_dhcp_faults(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    slirpnet_faults f = {.dns = SLIRPNET_DNS_SERVFAIL};
    slirpnet_set_faults(r.net, &f);
    check_answer(&r, ask(&r, 1, "example.com", 1), 1, DNS_RCODE_SERVFAIL, 0, 0);
    f.dns = SLIRPNET_DNS_NXDOMAIN;
    slirpnet_set_faults(r.net, &f);
    check_answer(&r, ask(&r, 2, "example.com", 1), 2, DNS_RCODE_NXDOMAIN, 0, 0);
    f.dns = SLIRPNET_DNS_DROP;
    slirpnet_set_faults(r.net, &f);
    assert_int_equal(ask(&r, 3, "example.com", 1), -1);
    f = (slirpnet_faults){.dhcp_drop = true};
    slirpnet_set_faults(r.net, &f);
    tnic_send_dhcp(&r.nic, 1, 7, 0, 0);
    th_advance(r.m, 10 * PS_PER_MS);
    assert_int_equal(tnic_find(&r.nic, 0, false, 67), -1);
    f.dhcp_drop = false; /* and back: the next DISCOVER is answered */
    slirpnet_set_faults(r.net, &f);
    tnic_send_dhcp(&r.nic, 1, 8, 0, 0);
    th_advance(r.m, PS_PER_MS);
    assert_true(tnic_find(&r.nic, 0, false, 67) >= 0);
    rig_down(&r);
}

static int listen_tcp(int *port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof(a);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s, 4), 0);
    getsockname(s, (struct sockaddr *)&a, &l);
    *port = ntohs(a.sin_port);
    return s;
}

/* The first TCP frame at or after `from` with all of `flags`, -1 if none. */
static int find_tcp(const tnic *t, int from, uint8_t flags, netframe *f)
{
    for (int k = from; k < t->n; k++)
        if (tnic_get(t, k, f) && f->tcp && (f->tcp_flags & flags) == flags)
            return k;
    return -1;
}

static void tcp_reaches_a_host_socket(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    int port, ls = listen_tcp(&port);
    /* connect: SYN to 10.0.2.2 goes to 127.0.0.1 */
    assert_true(tnic_send_tcp(&r.nic, HOST, 50000, (uint16_t)port, 1000, 0, TCP_SYN, NULL, 0));
    netframe f;
    int k = -1;
    for (int i = 0; i < 200 && k < 0; i++) {
        slirpnet_poll(r.net, 10);
        th_advance(r.m, PS_PER_MS);
        k = find_tcp(&r.nic, 0, TCP_SYN | TCP_ACK, &f);
    }
    assert_true(k >= 0);
    assert_int_equal(f.sport, port);
    assert_int_equal(f.dport, 50000);
    const uint8_t *th = r.nic.frame[k] + ETH_HDR_LEN + IPV4_HDR_LEN;
    uint32_t their_seq = net_get32(th + 4);
    assert_int_equal(net_get32(th + 8), 1001);
    int cs = accept(ls, NULL, NULL);
    assert_true(cs >= 0);
    /* data both ways */
    assert_true(tnic_send_tcp(&r.nic, HOST, 50000, (uint16_t)port, 1001, their_seq + 1,
                              TCP_ACK | TCP_PSH, "hello", 5));
    th_advance(r.m, PS_PER_MS);
    struct pollfd p = {cs, POLLIN, 0};
    assert_int_equal(poll(&p, 1, 5000), 1);
    char buf[16] = {0};
    assert_int_equal(recv(cs, buf, sizeof(buf), 0), 5);
    assert_string_equal(buf, "hello");
    assert_int_equal(send(cs, "world", 5, 0), 5);
    int from = r.nic.n, got = -1;
    for (int i = 0; i < 200 && got < 0; i++) {
        slirpnet_poll(r.net, 10);
        th_advance(r.m, PS_PER_MS);
        for (int j = from; j < r.nic.n && got < 0; j++)
            if (tnic_get(&r.nic, j, &f) && f.tcp && f.payload_len == 5)
                got = j;
    }
    assert_true(got >= 0);
    assert_memory_equal(f.payload, "world", 5);
    close(cs);
    close(ls);
    rig_down(&r);
}

static void a_host_forward_connects_into_the_network(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    char err[256];
    hostfwd fw;
    assert_int_equal(hostfwd_parse("tcp::0-:80", &fw, err, sizeof(err)), 0);
    assert_int_equal(slirpnet_add_hostfwd(r.net, &fw, err, sizeof(err)), 0);
    assert_true(fw.host_port > 0);
    assert_int_equal(fw.guest_addr, GUEST);
    /* a second forward of the same port is refused with the reason */
    hostfwd dup = fw;
    assert_int_equal(slirpnet_add_hostfwd(r.net, &dup, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "in use"));

    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)fw.host_port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
    /* the network asks who has 10.0.2.15 (the NIC answers) and sends a SYN to :80 */
    netframe f;
    int k = -1;
    for (int i = 0; i < 200 && k < 0; i++) {
        slirpnet_poll(r.net, 10);
        th_advance(r.m, PS_PER_MS);
        k = find_tcp(&r.nic, 0, TCP_SYN, &f);
    }
    assert_true(k >= 0);
    assert_int_equal(f.dst_ip, GUEST);
    assert_int_equal(f.dport, 80);
    assert_int_equal(f.src_ip, HOST);
    const uint8_t *th = r.nic.frame[k] + ETH_HDR_LEN + IPV4_HDR_LEN;
    uint32_t seq = net_get32(th + 4);
    assert_true(tnic_send_tcp(&r.nic, f.src_ip, 80, f.sport, 5000, seq + 1, TCP_SYN | TCP_ACK,
                              NULL, 0));
    assert_int_equal(send(c, "GET /", 5, 0), 5);
    int got = -1;
    for (int i = 0; i < 200 && got < 0; i++) {
        slirpnet_poll(r.net, 10);
        th_advance(r.m, PS_PER_MS);
        for (int j = k + 1; j < r.nic.n && got < 0; j++)
            if (tnic_get(&r.nic, j, &f) && f.tcp && f.payload_len == 5)
                got = j;
    }
    assert_true(got >= 0);
    assert_memory_equal(f.payload, "GET /", 5);
    close(c);
    assert_int_equal(slirpnet_remove_hostfwd(r.net, &fw), 0);
    rig_down(&r);
}

static void hostfwd_spellings(void **state)
{
    (void)state;
    char err[256];
    hostfwd f;
    assert_int_equal(hostfwd_parse("tcp:127.0.0.1:8080-:80", &f, err, sizeof(err)), 0);
    assert_false(f.udp);
    assert_int_equal(f.host_addr, IP(127, 0, 0, 1));
    assert_int_equal(f.host_port, 8080);
    assert_int_equal(f.guest_addr, 0);
    assert_int_equal(f.guest_port, 80);
    assert_int_equal(hostfwd_parse("udp:0.0.0.0:5000-10.0.2.15:5001", &f, err, sizeof(err)), 0);
    assert_true(f.udp);
    assert_int_equal(f.host_addr, 0);
    assert_int_equal(f.guest_addr, GUEST);
    assert_int_equal(hostfwd_parse("::2222-:22", &f, err, sizeof(err)), 0);
    assert_int_equal(f.host_addr, IP(127, 0, 0, 1)); /* not every interface */
    char d[96];
    hostfwd_describe(&f, d, sizeof(d));
    assert_string_equal(d, "tcp 127.0.0.1:2222 -> 0.0.0.0:22");
    const char *bad[] = {"8080-:80", "sctp::1-:2", "tcp::x-:80", "tcp::80-:0", "tcp::80",
                         "tcp:1.2.3:80-:80", "tcp::70000-:80", "tcp::80-:80x", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = 0;
        assert_int_equal(hostfwd_parse(bad[i], &f, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "host forward"));
    }
}

static void malformed_frames_are_dropped_without_harm(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    char err[256];
    assert_int_equal(dnstable_add_spec(&r.dns, "device.spark.io=10.0.2.2", err, sizeof(err)), 0);
    uint8_t f[NETDEV_MAX_FRAME];
    memset(f, 0, sizeof(f));
    memcpy(f, tnic_gateway_mac, 6);
    memcpy(f + 6, r.nic.mac, 6);
    /* bare Ethernet headers of each type */
    const uint16_t types[] = {ETHERTYPE_IPV4, ETHERTYPE_ARP, 0x86dd, 0x88f8, 0x1234};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        net_put16(f + 12, types[i]);
        netdev_transmit(&r.nic.nd, f, ETH_HDR_LEN);
        netdev_transmit(&r.nic.nd, f, ETH_HDR_LEN + 7);
    }
    /* IPv4 headers that lie about their lengths */
    net_put16(f + 12, ETHERTYPE_IPV4);
    uint8_t *ip = f + ETH_HDR_LEN;
    const uint8_t vihl[] = {0x4f, 0x41, 0x45, 0x65};
    for (size_t i = 0; i < sizeof(vihl); i++) {
        ip[0] = vihl[i];
        net_put16(ip + 2, 1400);
        ip[9] = 17;
        net_put16(ip + 10, netframe_checksum(ip, 20, 0));
        netdev_transmit(&r.nic.nd, f, 60);
    }
    /* DNS queries that are not: a compression loop, a label past the end,
     * no question, a fragment */
    uint8_t q[64];
    size_t ql = tnic_dns_query(q, 9, "device.spark.io", 1);
    q[12] = 0xc0;
    q[13] = 12;
    tnic_send_udp(&r.nic, GUEST, DNS, tnic_gateway_mac, 1, 53, q, ql);
    ql = tnic_dns_query(q, 9, "device.spark.io", 1);
    q[12] = 63;
    tnic_send_udp(&r.nic, GUEST, DNS, tnic_gateway_mac, 1, 53, q, ql);
    tnic_send_udp(&r.nic, GUEST, DNS, tnic_gateway_mac, 1, 53, q, 11);
    /* TCP with a data offset past the segment, SYN+FIN+RST to the host */
    tnic_send_tcp(&r.nic, HOST, 1, 9, 0, 0, 0xff, NULL, 0);
    /* random bytes behind an IPv4 header with a good checksum */
    uint32_t x = 1;
    for (int i = 0; i < 2000; i++) {
        size_t len = ETH_HDR_LEN + 20 + (size_t)(i % 200);
        for (size_t j = ETH_HDR_LEN; j < len; j++) {
            x = x * 1103515245 + 12345;
            f[j] = (uint8_t)(x >> 16);
        }
        ip[0] = 0x45;
        ip[9] = (uint8_t)(i % 3 == 0 ? 17 : i % 3 == 1 ? 6 : 1);
        net_put32(ip + 16, i % 2 ? DNS : IP(10, 0, 2, 99));
        net_put16(ip + 6, 0);
        net_put16(ip + 10, 0);
        net_put16(ip + 10, netframe_checksum(ip, 20, 0));
        netdev_transmit(&r.nic.nd, f, len);
        if (i % 100 == 0)
            th_advance(r.m, PS_PER_MS);
    }
    th_advance(r.m, 10 * PS_PER_MS);
    /* still answers */
    check_answer(&r, ask(&r, 1, "device.spark.io", 1), 1, 0, 1, HOST);
    assert_true(slirpnet_get_stats(r.net)->dropped >= 2);
    rig_down(&r);
}

static void loss_delay_and_the_network_down(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    char err[256];
    assert_int_equal(dnstable_add_spec(&r.dns, "a.b=1.2.3.4", err, sizeof(err)), 0);
    /* delay: the answer needs 2 x 30 ms */
    slirpnet_faults f = {.delay_ps = 30 * PS_PER_MS};
    slirpnet_set_faults(r.net, &f);
    uint8_t q[64];
    size_t ql = tnic_dns_query(q, 1, "a.b", 1);
    tnic_send_udp(&r.nic, GUEST, DNS, tnic_gateway_mac, 40001, 53, q, ql);
    th_advance(r.m, 59 * PS_PER_MS);
    assert_int_equal(r.nic.n, 0);
    th_advance(r.m, 2 * PS_PER_MS);
    assert_int_equal(r.nic.n, 1);
    /* loss: half of 200 queries or their answers lost, the same each run */
    f = (slirpnet_faults){.loss_pct = 50};
    slirpnet_set_faults(r.net, &f);
    for (int i = 0; i < 200; i++)
        tnic_send_udp(&r.nic, GUEST, DNS, tnic_gateway_mac, 40001, 53, q, ql);
    th_advance(r.m, PS_PER_MS);
    int got = r.nic.n - 1;
    assert_in_range(got, 20, 80); /* 25% expected: 50% each way */
    assert_int_equal(slirpnet_get_stats(r.net)->lost, 200 - got);
    /* down: the NIC's carrier goes, nothing passes; up again */
    f = (slirpnet_faults){.down = true};
    slirpnet_set_faults(r.net, &f);
    assert_false(r.nic.nd.carrier_up);
    assert_false(tnic_send_udp(&r.nic, GUEST, DNS, tnic_gateway_mac, 40001, 53, q, ql));
    f.down = false;
    slirpnet_set_faults(r.net, &f);
    assert_true(r.nic.nd.carrier_up);
    int before = r.nic.n;
    tnic_send_udp(&r.nic, GUEST, DNS, tnic_gateway_mac, 40001, 53, q, ql);
    th_advance(r.m, PS_PER_MS);
    assert_int_equal(r.nic.n, before + 1);
    rig_down(&r);
}

static void frames_between_devices_are_switched(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    tnic b;
    tnic_init(&b, "wlan1", 2, IP(10, 0, 2, 16));
    assert_int_equal(slirpnet_attach(r.net, &b.nd), 0);
    netdev_set_link(&b.nd, true);
    /* a broadcast reaches the other device (and the router) */
    tnic_send_dhcp(&r.nic, 1, 1, 0, 0);
    assert_int_equal(b.n, 1);
    th_advance(r.m, PS_PER_MS);
    /* unicast to the other device's address goes to it only */
    uint8_t p[4] = {1, 2, 3, 4};
    uint8_t f[NETDEV_MAX_FRAME];
    size_t fl = netframe_build_udp(f, sizeof(f), b.mac, r.nic.mac, GUEST, b.ip, 9, 9, 1, p, 4);
    int before_a = r.nic.n, before_b = b.n;
    uint64_t to_net = slirpnet_get_stats(r.net)->to_net;
    netdev_transmit(&r.nic.nd, f, fl);
    th_advance(r.m, PS_PER_MS);
    assert_int_equal(b.n, before_b + 1);
    assert_int_equal(r.nic.n, before_a);
    assert_int_equal(slirpnet_get_stats(r.net)->to_net, to_net);
    slirpnet_detach(r.net, &b.nd);
    tnic_free(&b);
    rig_down(&r);
}

/* DHCP, an overridden name, ARP: the same frames, byte for byte, twice. */
static void two_runs_give_the_same_frames(void **state)
{
    (void)state;
    uint8_t first[8][NETDEV_MAX_FRAME];
    size_t first_len[8];
    int first_n = 0;
    for (int run = 0; run < 2; run++) {
        rig r;
        rig_up(&r);
        char err[256];
        dnstable_add_spec(&r.dns, "device.spark.io=10.0.2.2", err, sizeof(err));
        tnic_send_dhcp(&r.nic, 1, 42, 0, 0);
        th_advance(r.m, 3 * PS_PER_MS);
        tnic_send_dhcp(&r.nic, 3, 42, GUEST, HOST);
        th_advance(r.m, 7 * PS_PER_MS);
        ask(&r, 3, "device.spark.io", 1);
        assert_true(run_until_frames(&r, 3));
        assert_in_range(r.nic.n, 3, 8);
        if (run == 0) {
            first_n = r.nic.n;
            for (int k = 0; k < r.nic.n; k++) {
                first_len[k] = r.nic.len[k];
                memcpy(first[k], r.nic.frame[k], r.nic.len[k]);
            }
        } else {
            assert_int_equal(r.nic.n, first_n);
            for (int k = 0; k < r.nic.n; k++) {
                assert_int_equal(r.nic.len[k], first_len[k]);
                assert_memory_equal(r.nic.frame[k], first[k], first_len[k]);
            }
        }
        rig_down(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dhcp_gives_the_first_lease),
        cmocka_unit_test(dns_overrides_are_answered_by_the_network),
        cmocka_unit_test(dns_and_dhcp_faults),
        cmocka_unit_test(tcp_reaches_a_host_socket),
        cmocka_unit_test(a_host_forward_connects_into_the_network),
        cmocka_unit_test(hostfwd_spellings),
        cmocka_unit_test(malformed_frames_are_dropped_without_harm),
        cmocka_unit_test(loss_delay_and_the_network_down),
        cmocka_unit_test(frames_between_devices_are_switched),
        cmocka_unit_test(two_runs_give_the_same_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
