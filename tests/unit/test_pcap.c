/* emulator/host/pcap: a capture of a DHCP exchange and a DNS answer that
 * the real tshark reads back (skipped without tshark), stamped with virtual
 * time; a file that cannot be created is refused with the reason. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "pcap.h"
#include "slirpnet.h"
#include "testnic.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static char *run(const char *cmd)
{
    static char out[8192];
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = 0;
    pclose(p);
    return out;
}

static void tshark_reads_the_capture(void **state)
{
    (void)state;
    char err[256], path[] = "/tmp/photon-pcap-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    machine *m = th_machine();
    slirpnet_config c;
    slirpnet_config_lan(&c, "Home");
    slirpnet *net = slirpnet_new(&c, &m->clock, NULL, err, sizeof(err));
    assert_non_null(net);
    dnstable t;
    dnstable_init(&t);
    assert_int_equal(dnstable_add_spec(&t, "device.spark.io=10.0.2.2", err, sizeof(err)), 0);
    slirpnet_set_dns(net, &t);
    tnic nic;
    tnic_init(&nic, "wlan0", 1, IP(10, 0, 2, 15));
    slirpnet_attach(net, &nic.nd);
    netdev_set_link(&nic.nd, true);
    pcap_writer *w = pcap_open(path, &m->clock, err, sizeof(err));
    assert_non_null(w);
    assert_int_equal(pcap_attach(w, &nic.nd), 0);

    th_advance(m, 1500 * PS_PER_MS);
    tnic_send_dhcp(&nic, 1, 0x99, 0, 0);
    th_advance(m, PS_PER_MS);
    uint8_t q[64];
    size_t ql = tnic_dns_query(q, 7, "device.spark.io", 1);
    tnic_send_udp(&nic, IP(10, 0, 2, 15), IP(10, 0, 2, 3), tnic_gateway_mac, 4444, 53, q, ql);
    th_advance(m, PS_PER_MS);
    assert_int_equal(pcap_frames(w), 4);
    assert_int_equal(pcap_close(w, err, sizeof(err)), 0);

    if (system("command -v tshark >/dev/null 2>&1") != 0) {
        unlink(path);
        skip();
    }
    char cmd[512];
    snprintf(cmd, sizeof(cmd),
             "tshark -r %s -T fields -E separator=, -e frame.time_relative -e frame.time_epoch "
             "-e dhcp.option.dhcp -e dns.qry.name -e dns.a 2>/dev/null",
             path);
    char *out = run(cmd);
    /* four frames at 1.5 s of virtual time: DISCOVER, OFFER, the query, the answer */
    assert_non_null(strstr(out, ",1,,\n"));                      /* DHCP DISCOVER */
    assert_non_null(strstr(out, ",2,,\n"));                      /* DHCP OFFER */
    assert_non_null(strstr(out, "device.spark.io,10.0.2.2")); /* the answer */
    assert_non_null(strstr(out, "1.500000000"));               /* virtual time */
    int lines = 0;
    for (char *p = out; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 4);
    unlink(path);
    slirpnet_free(net);
    tnic_free(&nic);
    dnstable_free(&t);
    machine_free(m);
}

static void an_uncreatable_file_is_refused(void **state)
{
    (void)state;
    vclock c;
    clock_init(&c, 1000000);
    char err[256];
    assert_null(pcap_open("/nonexistent-dir/x.pcap", &c, err, sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent-dir/x.pcap"));
    assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tshark_reads_the_capture),
        cmocka_unit_test(an_uncreatable_file_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
