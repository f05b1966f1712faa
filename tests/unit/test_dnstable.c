/* emulator/host/dnstable: `--dns NAME=ADDR` specs, lookups with wildcards
 * and any case, and answers to well-formed and malformed query messages. */
#include "dnstable.h"
#include "harness.h"
#include "netframe.h"
#include "testnic.h"

static void specs_are_checked(void **state)
{
    (void)state;
    dnstable t;
    dnstable_init(&t);
    char err[256];
    assert_int_equal(dnstable_add_spec(&t, "Device.Spark.io=10.0.2.2", err, sizeof(err)), 0);
    assert_int_equal(dnstable_add_spec(&t, "*.particle.io=192.0.2.1", err, sizeof(err)), 0);
    const char *bad[] = {"device.spark.io", "=1.2.3.4", "a..b=1.2.3.4", ".a=1.2.3.4",
                         "a.=1.2.3.4", "a b=1.2.3.4", "a*.b=1.2.3.4", "*=1.2.3.4",
                         "a=1.2.3", "a=::1", "a=host.example"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = 0;
        assert_int_equal(dnstable_add_spec(&t, bad[i], err, sizeof(err)), -1);
        assert_non_null(strstr(err, "DNS override"));
    }
    assert_int_equal(t.n, 2);
    const dns_entry *e = dnstable_lookup(&t, "DEVICE.SPARK.IO");
    assert_non_null(e);
    assert_int_equal(e->addr, 0x0a000202);
    assert_non_null(dnstable_lookup(&t, "x.y.particle.io"));
    assert_null(dnstable_lookup(&t, "particle.io"));
    assert_null(dnstable_lookup(&t, "xparticle.io"));
    assert_null(dnstable_lookup(&t, "spark.io"));
    assert_null(dnstable_lookup(NULL, "spark.io"));
    dnstable_free(&t);
}

static void answers_only_standard_queries_for_names_in_the_table(void **state)
{
    (void)state;
    dnstable t;
    dnstable_init(&t);
    char err[256];
    dnstable_add_spec(&t, "a.example=1.2.3.4", err, sizeof(err));
    uint8_t q[128], out[512];
    size_t ql = tnic_dns_query(q, 0x4242, "a.example", 1);
    int n = dns_answer(&t, q, ql, 0, out, sizeof(out));
    assert_int_equal(n, (int)ql + 16);
    assert_int_equal(net_get16(out), 0x4242);
    assert_int_equal(net_get16(out + 2), 0x8580); /* QR AA RD RA, no error */
    assert_int_equal(net_get32(out + n - 4), 0x01020304);
    assert_int_equal(dns_answer(&t, q, ql, 0, out, 20), -1); /* no room */
    ql = tnic_dns_query(q, 1, "b.example", 1);
    assert_int_equal(dns_answer(&t, q, ql, 0, out, sizeof(out)), 0); /* not ours */
    n = dns_answer(&t, q, ql, DNS_RCODE_SERVFAIL, out, sizeof(out));
    assert_int_equal(n, (int)ql);
    assert_int_equal(out[3] & 0xf, DNS_RCODE_SERVFAIL);
    /* a response, an inverse query, two questions: not answered */
    ql = tnic_dns_query(q, 1, "a.example", 1);
    q[2] |= 0x80;
    assert_int_equal(dns_answer(&t, q, ql, 0, out, sizeof(out)), 0);
    q[2] = 0x08;
    assert_int_equal(dns_answer(&t, q, ql, 0, out, sizeof(out)), 0);
    q[2] = 0x01;
    q[5] = 2;
    assert_int_equal(dns_answer(&t, q, ql, 0, out, sizeof(out)), 0);
    /* malformed: short, a pointer, past the end, no type, another class */
    q[5] = 1;
    assert_int_equal(dns_answer(&t, q, 11, 0, out, sizeof(out)), -1);
    uint8_t p[sizeof(q)];
    memcpy(p, q, ql);
    p[12] = 0xc0;
    assert_int_equal(dns_answer(&t, p, ql, 0, out, sizeof(out)), -1);
    memcpy(p, q, ql);
    p[12] = 60;
    assert_int_equal(dns_answer(&t, p, ql, 0, out, sizeof(out)), -1);
    assert_int_equal(dns_answer(&t, q, ql - 2, 0, out, sizeof(out)), -1);
    memcpy(p, q, ql);
    p[ql - 1] = 3; /* CHAOS */
    assert_int_equal(dns_answer(&t, p, ql, 0, out, sizeof(out)), -1);
    memcpy(p, q, ql);
    p[13] = 0; /* a NUL inside a label */
    assert_int_equal(dns_answer(&t, p, ql, 0, out, sizeof(out)), -1);
    dnstable_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(specs_are_checked),
        cmocka_unit_test(answers_only_standard_queries_for_names_in_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
