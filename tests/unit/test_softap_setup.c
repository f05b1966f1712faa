/* emulator/host/softap_setup: the SoftAP setup client against a mock of the
 * device's TCP setup server (a unit-test mock: the real firmware's server
 * is exercised by the integration tests). The mock holds an RSA-1024 key,
 * answers scan-ap, public-key (hex SPKI DER padded with 0xff as the DCT
 * area is), configure-ap (decrypting the passphrase) and connect-ap, and
 * closes after each reply as the firmware does. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "softap_setup.h"

typedef struct mock {
    int ls, port;
    EVP_PKEY *key;
    const char *scan_json;
    int served[4];
    char ssid[64], pwd[300];
    long sec, ch;
    int conf_r; /* configure-ap's answer */
} mock;

static void mock_up(mock *m, const char *scan_json)
{
    memset(m, 0, sizeof(*m));
    m->scan_json = scan_json;
    m->ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof(a);
    assert_int_equal(bind(m->ls, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(m->ls, 4), 0);
    getsockname(m->ls, (struct sockaddr *)&a, &l);
    m->port = ntohs(a.sin_port);
    EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, NULL);
    assert_true(EVP_PKEY_keygen_init(kc) > 0);
    EVP_PKEY_CTX_set_rsa_keygen_bits(kc, 1024);
    assert_true(EVP_PKEY_keygen(kc, &m->key) > 0);
    EVP_PKEY_CTX_free(kc);
}

static void mock_down(mock *m)
{
    close(m->ls);
    EVP_PKEY_free(m->key);
}

static void reply(int c, const char *json)
{
    char buf[4096];
    int n = snprintf(buf, sizeof(buf), "\n\n%s", json);
    assert_int_equal(send(c, buf, (size_t)n, 0), n);
}

/* Serve one connection if one is waiting. */
static void mock_serve(mock *m)
{
    struct pollfd p = {m->ls, POLLIN, 0};
    if (poll(&p, 1, 0) != 1)
        return;
    int c = accept(m->ls, NULL, NULL);
    char req[2048] = {0};
    size_t n = 0;
    /* header "name\nlen\n\n" then len bytes */
    for (;;) {
        struct pollfd q = {c, POLLIN, 0};
        assert_int_equal(poll(&q, 1, 5000), 1);
        ssize_t r = recv(c, req + n, sizeof(req) - 1 - n, 0);
        assert_true(r > 0);
        n += (size_t)r;
        char *hdr_end = strstr(req, "\n\n");
        if (hdr_end && n >= (size_t)(hdr_end + 2 - req) + strtoul(strchr(req, '\n') + 1, 0, 10))
            break;
    }
    char *body = strstr(req, "\n\n") + 2;
    if (!strncmp(req, "scan-ap\n", 8)) {
        m->served[0]++;
        reply(c, m->scan_json);
    } else if (!strncmp(req, "public-key\n", 11)) {
        m->served[1]++;
        uint8_t der[400], *p = der;
        int dl = i2d_PUBKEY(m->key, &p);
        memset(der + dl, 0xff, sizeof(der) - (size_t)dl);
        char json[1024] = "{\"b\":\"";
        for (int i = 0; i < 294; i++)
            sprintf(json + strlen(json), "%02X", der[i]);
        strcat(json, "\",\"r\":0}");
        reply(c, json);
    } else if (!strncmp(req, "configure-ap\n", 13)) {
        m->served[2]++;
        assert_int_equal(sscanf(body, "{\"idx\":0,\"ssid\":\"%63[^\"]\",\"pwd\":\"%299[^\"]\","
                                      "\"sec\":%ld,\"ch\":%ld}",
                                m->ssid, m->pwd, &m->sec, &m->ch),
                         4);
        uint8_t ct[128];
        for (int i = 0; i < 128; i++) {
            unsigned v;
            sscanf(m->pwd + 2 * i, "%2x", &v);
            ct[i] = (uint8_t)v;
        }
        EVP_PKEY_CTX *dc = EVP_PKEY_CTX_new(m->key, NULL);
        size_t pl = sizeof(m->pwd) - 1;
        assert_true(EVP_PKEY_decrypt_init(dc) > 0);
        EVP_PKEY_CTX_set_rsa_padding(dc, RSA_PKCS1_PADDING);
        assert_true(EVP_PKEY_decrypt(dc, (uint8_t *)m->pwd, &pl, ct, 128) > 0);
        m->pwd[pl] = 0;
        EVP_PKEY_CTX_free(dc);
        char r[32];
        snprintf(r, sizeof(r), "{\"r\":%d}", m->conf_r);
        reply(c, r);
    } else if (!strncmp(req, "connect-ap\n", 11)) {
        m->served[3]++;
        reply(c, "{\"r\":0}");
    }
    close(c);
}

static softap_setup_state run(softap_setup *s, machine *m, mock *mk)
{
    for (int i = 0; i < 2000 && softap_setup_get_state(s) == SOFTAP_SETUP_RUNNING; i++) {
        softap_setup_poll(s, 5);
        if (mk)
            mock_serve(mk);
        softap_setup_poll(s, 5);
        th_advance(m, 10 * PS_PER_MS);
    }
    return softap_setup_get_state(s);
}

static const char *scan_home =
    "{\"scans\":[{\"ssid\":\"Office\",\"rssi\":-70,\"sec\":0,\"ch\":1,\"mdr\":0},"
    "{\"ssid\":\"Home\",\"rssi\":-40,\"sec\":4194308,\"ch\":6,\"mdr\":0}]}";

static void gives_the_credentials_through_the_four_commands(void **state)
{
    (void)state;
    machine *m = th_machine();
    mock mk;
    mock_up(&mk, scan_home);
    softap_setup *s = softap_setup_new(&m->clock, NULL);
    assert_int_equal(softap_setup_get_state(s), SOFTAP_SETUP_IDLE);
    softap_setup_start(s, mk.port, "Home", "secret123", machine_now(m) + PS_PER_S);
    softap_setup_poll(s, 0);
    mock_serve(&mk);
    assert_int_equal(mk.served[0], 0); /* not before the given time */
    assert_int_equal(run(s, m, &mk), SOFTAP_SETUP_DONE);
    assert_int_equal(mk.served[0], 1);
    assert_int_equal(mk.served[1], 1);
    assert_int_equal(mk.served[2], 1);
    assert_int_equal(mk.served[3], 1);
    assert_string_equal(mk.ssid, "Home");
    assert_string_equal(mk.pwd, "secret123");
    assert_int_equal(mk.sec, WICED_SEC_WPA2_AES_PSK);
    assert_int_equal(mk.ch, 6);
    assert_string_equal(softap_setup_scan(s), "Office(open,ch1) Home(wpa2,ch6)");
    assert_non_null(strstr(softap_setup_message(s), "'Home'"));
    softap_setup_free(s);
    mock_down(&mk);
    machine_free(m);
}

static void retries_until_the_server_listens_and_reports_failures(void **state)
{
    (void)state;
    machine *m = th_machine();
    softap_setup *s = softap_setup_new(&m->clock, NULL);
    /* nothing listens: connection refused, retried, then given up */
    mock mk;
    mock_up(&mk, scan_home);
    int port = mk.port;
    mock_down(&mk);
    softap_setup_start(s, port, "Home", "secret123", 0);
    assert_int_equal(run(s, m, NULL), SOFTAP_SETUP_FAILED);
    assert_non_null(strstr(softap_setup_message(s), "did not answer scan-ap"));
    /* the SSID is not in the device's scan: three scans, then a clear message */
    mock_up(&mk, "{\"scans\":[{\"ssid\":\"Office\",\"rssi\":-70,\"sec\":0,\"ch\":1,\"mdr\":0}]}");
    softap_setup_start(s, mk.port, "Home", "secret123", 0);
    assert_int_equal(run(s, m, &mk), SOFTAP_SETUP_FAILED);
    assert_int_equal(mk.served[0], 4);
    assert_string_equal(softap_setup_message(s),
                        "the device does not see 'Home' (its scan: Office(open,ch1))");
    mock_down(&mk);
    /* the device refuses the credentials */
    mock_up(&mk, scan_home);
    mk.conf_r = -1;
    softap_setup_start(s, mk.port, "Home", "secret123", 0);
    assert_int_equal(run(s, m, &mk), SOFTAP_SETUP_FAILED);
    assert_non_null(strstr(softap_setup_message(s), "refused"));
    assert_int_equal(mk.served[3], 0);
    mock_down(&mk);
    softap_setup_free(s);
    machine_free(m);
}

static void credential_specs(void **state)
{
    (void)state;
    char ssid[33], pw[65], err[256];
    assert_int_equal(softap_setup_parse("Home:a:b:c:d:e", ssid, pw, err, sizeof(err)), 0);
    assert_string_equal(ssid, "Home");
    assert_string_equal(pw, "a:b:c:d:e");
    assert_int_equal(softap_setup_parse("Cafe", ssid, pw, err, sizeof(err)), 0);
    assert_string_equal(pw, "");
    const char *bad[] = {":secret123", "Home:short", "a\"b:secret123",
                         "123456789012345678901234567890123:secret123"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(softap_setup_parse(bad[i], ssid, pw, err, sizeof(err)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gives_the_credentials_through_the_four_commands),
        cmocka_unit_test(retries_until_the_server_listens_and_reports_failures),
        cmocka_unit_test(credential_specs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
