/* emulator/host/hostport: the device's connections to the host's port
 * GUEST reach HOST. A TCP segment to 10.0.2.2:5683 leaves with port 40123
 * and a checksum that is still right; the answer from 40123 comes back as
 * 5683; other addresses, ports, UDP, fragments and short frames pass
 * untouched; the rule's syntax is checked. */
#include "harness.h"
#include "hostport.h"
#include "netframe.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define HOST IP(10, 0, 2, 2)
#define DEV IP(10, 0, 2, 15)

static const uint8_t mac_a[6] = {2, 0, 0, 0, 0, 1}, mac_b[6] = {2, 0, 0, 0, 0, 2};

/* A TCP segment with 4 payload bytes. */
static size_t segment(uint8_t *f, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                      uint8_t proto)
{
    uint8_t l4[TCP_HDR_LEN + 4] = {0};
    net_put16(l4, sport);
    net_put16(l4 + 2, dport);
    l4[12] = 5 << 4;
    l4[13] = 0x18;
    memcpy(l4 + TCP_HDR_LEN, "abcd", 4);
    size_t n = proto == IPPROTO_NUM_UDP
                   ? netframe_build_udp(f, 1514, mac_a, mac_b, src, dst, sport, dport, 7,
                                        (const uint8_t *)"abcd", 4)
                   : netframe_build_ipv4(f, 1514, mac_a, mac_b, src, dst, proto, 7, l4,
                                         sizeof(l4));
    assert_true(n > 0);
    return n;
}

/* The TCP checksum over the pseudo-header and the segment: 0 when right. */
static uint16_t tcp_check(const uint8_t *f, size_t len)
{
    const uint8_t *ip = f + ETH_HDR_LEN;
    size_t l4 = len - ETH_HDR_LEN - IPV4_HDR_LEN;
    uint32_t sum = net_get16(ip + 12) + net_get16(ip + 14) + net_get16(ip + 16) +
                   net_get16(ip + 18) + IPPROTO_NUM_TCP + (uint32_t)l4;
    return netframe_checksum(ip + IPV4_HDR_LEN, l4, sum);
}

static void test_rewrite_both_ways(void **state)
{
    (void)state;
    hostport_map m = {0};
    char err[128];
    assert_int_equal(hostport_add_spec(&m, "5683=40123", err, sizeof(err)), 0);
    uint8_t f[1514];
    size_t n = segment(f, DEV, HOST, 51000, 5683, IPPROTO_NUM_TCP);
    assert_int_equal(tcp_check(f, n), 0);
    assert_true(hostport_rewrite(&m, f, n, HOST, true));
    netframe q;
    assert_true(netframe_parse(f, n, &q));
    assert_int_equal(q.dport, 40123);
    assert_int_equal(q.sport, 51000);
    assert_int_equal(tcp_check(f, n), 0);
    /* the answer */
    n = segment(f, HOST, DEV, 40123, 51000, IPPROTO_NUM_TCP);
    assert_true(hostport_rewrite(&m, f, n, HOST, false));
    assert_true(netframe_parse(f, n, &q));
    assert_int_equal(q.sport, 5683);
    assert_int_equal(tcp_check(f, n), 0);
}

static void test_others_untouched(void **state)
{
    (void)state;
    hostport_map m = {0};
    char err[128];
    assert_int_equal(hostport_add_spec(&m, "5683=40123", err, sizeof(err)), 0);
    uint8_t f[1514], g[1514];
    size_t n;
    /* another address, another port, UDP, toward the device */
    uint32_t dst[] = {IP(10, 0, 2, 3), HOST, HOST, HOST};
    uint16_t port[] = {5683, 80, 5683, 5683};
    uint8_t proto[] = {IPPROTO_NUM_TCP, IPPROTO_NUM_TCP, IPPROTO_NUM_UDP, IPPROTO_NUM_TCP};
    for (int i = 0; i < 4; i++) {
        n = segment(f, DEV, dst[i], 51000, port[i], proto[i]);
        memcpy(g, f, n);
        assert_false(hostport_rewrite(&m, f, n, HOST, i != 3));
        assert_memory_equal(f, g, n);
    }
    /* a later fragment has no TCP header */
    n = segment(f, DEV, HOST, 51000, 5683, IPPROTO_NUM_TCP);
    net_put16(f + ETH_HDR_LEN + 6, 0x0010);
    assert_false(hostport_rewrite(&m, f, n, HOST, true));
    /* too short for the headers */
    n = segment(f, DEV, HOST, 51000, 5683, IPPROTO_NUM_TCP);
    assert_false(hostport_rewrite(&m, f, ETH_HDR_LEN + IPV4_HDR_LEN + 10, HOST, true));
    /* no map */
    assert_false(hostport_rewrite(NULL, f, n, HOST, true));
}

static void test_spec(void **state)
{
    (void)state;
    hostport_map m = {0};
    char err[128];
    const char *bad[] = {"5683", "=1", "1=", "0=1", "1=65536", "a=b", "5683=40123x", "-1=2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(hostport_add_spec(&m, bad[i], err, sizeof(err)), -1);
        assert_non_null(strstr(err, "GUESTPORT=HOSTPORT"));
    }
    assert_int_equal(m.n, 0);
    assert_int_equal(hostport_add_spec(&m, "5683=1", err, sizeof(err)), 0);
    assert_int_equal(hostport_add_spec(&m, "5683=2", err, sizeof(err)), 0); /* replaces */
    assert_int_equal(m.n, 1);
    assert_int_equal(m.e[0].host, 2);
    for (int i = 1; i < HOSTPORT_MAX; i++) {
        char s[32];
        snprintf(s, sizeof(s), "%d=%d", 100 + i, 200 + i);
        assert_int_equal(hostport_add_spec(&m, s, err, sizeof(err)), 0);
    }
    assert_int_equal(hostport_add_spec(&m, "9999=1", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "too many"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rewrite_both_ways),
        cmocka_unit_test(test_others_untouched),
        cmocka_unit_test(test_spec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
