/* The cloud against bad peers and bad input: garbage instead of a
 * handshake, a device gone in the middle of it, a silent one, a device
 * that does not have the server's key, a changed device key (trust on
 * first use), garbage and oversized frames after the handshake. The
 * cloud keeps serving good devices and its store stays intact and
 * persistent across restarts. Also the pure parts: CoAP parsing of random
 * bytes, and the channel's IV chaining checked with OpenSSL directly. */
#include "harness.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdlib.h>

#include "cloud_fixture.h"
#include "coap.h"

#define ID1 "0123456789abcdef01234567"
#define ID2 "fedcba9876543210fedcba98"

static int connections(fx *f)
{
    int n = 0;
    for (conn *c = f->c->conns; c; c = c->next)
        n++;
    return n;
}

static bool no_connections(fx *f, void *unused)
{
    (void)unused;
    return connections(f) == 0;
}

static void good_device_still_works(fx *f)
{
    mock_device d;
    fx_device(f, &d, ID2);
    mock_device *devs[] = {&d, NULL};
    assert_true(fx_pump(f, devs, fx_online, &d));
    mock_free(&d);
    char buf[64];
    assert_string_equal(store_integrity(f->c->st, buf, sizeof(buf)), "ok");
}

static void test_garbage_handshake(void **state)
{
    (void)state;
    fx f = {0};
    mock_device d;
    fx_with_device(&f, &d, ID1);
    uint8_t junk[256];
    for (int i = 0; i < 256; i++)
        junk[i] = (uint8_t)(i * 13);
    mock_send_raw(&d, junk, sizeof(junk));
    d.state = MOCK_OFF; /* do not answer the nonce */
    assert_true(fx_pump(&f, NULL, no_connections, NULL));
    store_device sd;
    assert_int_equal(store_get(f.c->st, ID1, &sd), 0);
    mock_free(&d);
    good_device_still_works(&f);
    fx_close(&f);
}

static bool one_connection(fx *f, void *unused)
{
    (void)unused;
    return connections(f) == 1;
}

static bool got_nonce(fx *f, void *dev)
{
    (void)f;
    return ((mock_device *)dev)->state == MOCK_KEYS;
}

static void test_disconnect_mid_handshake_and_silence(void **state)
{
    (void)state;
    fx f = {0};
    mock_device d;
    fx_with_device(&f, &d, ID1);
    mock_device *devs[] = {&d, NULL};
    assert_true(fx_pump(&f, devs, got_nonce, &d));
    mock_disconnect(&d);
    assert_true(fx_pump(&f, NULL, no_connections, NULL));
    /* a peer that never says anything is dropped after 30 s */
    assert_int_equal(mock_connect(&d), 0);
    d.state = MOCK_OFF;
    assert_true(fx_pump(&f, NULL, one_connection, NULL));
    fx_pump(&f, NULL, no_connections, NULL);
    assert_int_equal(connections(&f), 1);
    fx_advance(&f, 31000);
    assert_true(fx_pump(&f, NULL, no_connections, NULL));
    mock_free(&d);
    good_device_still_works(&f);
    fx_close(&f);
}

static void test_wrong_server_key(void **state)
{
    (void)state;
    fx f = {0};
    mock_device d;
    fx_with_device(&f, &d, ID1);
    EVP_PKEY_free(d.server_pub);
    d.server_pub = EVP_RSA_gen(2048); /* a device provisioned for another cloud */
    mock_device *devs[] = {&d, NULL};
    assert_false(fx_pump(&f, devs, fx_online, &d));
    assert_int_equal(d.state, MOCK_OFF);
    store_device sd;
    assert_int_equal(store_get(f.c->st, ID1, &sd), 0);
    mock_free(&d);
    good_device_still_works(&f);
    fx_close(&f);
}

static void test_trust_on_first_use(void **state)
{
    (void)state;
    fx f = {0};
    mock_device d;
    fx_with_device(&f, &d, ID1);
    mock_device *devs[] = {&d, NULL};
    assert_true(fx_pump(&f, devs, fx_online, &d));
    mock_free(&d);
    /* the same id with another key: refused */
    fx_device(&f, &d, ID1);
    assert_false(fx_pump(&f, devs, fx_online, &d));
    assert_int_equal(d.state, MOCK_OFF);
    mock_free(&d);
    /* unless the cloud is told to trust new keys */
    f.trust_new_keys = true;
    fx_reopen(&f);
    fx_device(&f, &d, ID1);
    assert_true(fx_pump(&f, devs, fx_online, &d));
    fx_end(&f, &d);
}

static void test_garbage_after_handshake(void **state)
{
    (void)state;
    fx f = {.trust_new_keys = true}; /* each round is a new mock with a new key */
    fx_open(&f);
    static const uint8_t frames[][6] = {
        {0x00, 0x00},             /* length 0 */
        {0x00, 0x05, 1, 2, 3, 4}, /* not a multiple of 16 */
        {0xFF, 0xF0},             /* larger than any device sends */
    };
    for (int k = 0; k < 4; k++) {
        mock_device d;
        fx_device(&f, &d, ID1);
        mock_device *devs[] = {&d, NULL};
        assert_true(fx_pump(&f, devs, fx_online, &d));
        if (k < 3) {
            mock_send_raw(&d, frames[k], k == 1 ? 6 : 2);
        } else { /* a whole block that does not decrypt to valid padding */
            uint8_t blk[18] = {0, 16};
            for (int i = 2; i < 18; i++)
                blk[i] = (uint8_t)(i * 31);
            mock_send_raw(&d, blk, sizeof(blk));
        }
        assert_true(fx_pump(&f, devs, no_connections, NULL));
        mock_free(&d);
    }
    /* well-framed, but not CoAP */
    mock_device d;
    fx_device(&f, &d, ID1);
    mock_device *devs[] = {&d, NULL};
    assert_true(fx_pump(&f, devs, fx_online, &d));
    uint8_t notcoap[3] = {0xFF, 0xFF, 0xFF};
    mock_send_coap(&d, notcoap, 3);
    assert_true(fx_pump(&f, devs, no_connections, NULL));
    mock_free(&d);
    good_device_still_works(&f);
    fx_close(&f);
}

static void test_store_persists(void **state)
{
    (void)state;
    fx f = {0};
    fx_open(&f);
    char token[72];
    snprintf(token, sizeof(token), "%s", cloud_token(f.c));
    mock_device d;
    fx_device(&f, &d, ID1);
    mock_device *devs[] = {&d, NULL};
    assert_true(fx_pump(&f, devs, fx_online, &d));
    json_t *b = NULL;
    assert_int_equal(cloud_rename(f.c, ID1, "my-photon", &b), 200);
    json_decref(b);
    assert_int_equal(cloud_rename(f.c, ID1, "bad name!", &b), 400);
    json_decref(b);
    assert_int_equal(cloud_rename(f.c, "nobody", "x", &b), 403);
    assert_string_equal(json_string_value(json_object_get(b, "error")), "Permission Denied");
    json_decref(b);
    mock_disconnect(&d);
    fx_reopen(&f);
    assert_string_equal(cloud_token(f.c), token);
    assert_int_equal(cloud_device_json(f.c, "my-photon", &b), 200);
    assert_string_equal(json_string_value(json_object_get(b, "id")), ID1);
    assert_true(json_is_false(json_object_get(b, "connected")));
    /* the last describe is remembered while offline */
    assert_int_equal(json_array_size(json_object_get(b, "functions")), 4);
    json_decref(b);
    /* same key after the restart: accepted */
    d.port = cloud_device_port(f.c);
    d.hellos = 0;
    d.time_reply = 0;
    assert_int_equal(mock_connect(&d), 0);
    assert_true(fx_pump(&f, devs, fx_online, &d));
    fx_end(&f, &d);
}

static void test_coap_random_bytes(void **state)
{
    (void)state;
    srand(12345);
    uint8_t buf[64];
    for (int i = 0; i < 200000; i++) {
        size_t n = (size_t)(rand() % 64);
        for (size_t k = 0; k < n; k++)
            buf[k] = (uint8_t)rand();
        if (n)
            buf[0] = (uint8_t)(0x40 | (buf[0] & 0x3F));
        coap_msg m;
        if (coap_parse(buf, n, &m) == 0) {
            for (int o = 0; o < m.nopts; o++)
                assert_true(m.opts[o].val + m.opts[o].len <= buf + n);
            assert_true(!m.payload || m.payload + m.payload_len == buf + n);
            char path[80];
            coap_path_str(&m, 0, '/', path, sizeof(path));
        }
    }
    /* a known message: a function call with a 300-byte argument */
    uint8_t arg[300], out[400];
    memset(arg, 'a', sizeof(arg));
    coap_builder b;
    uint8_t tok = 7;
    coap_begin(&b, out, sizeof(out), COAP_CON, COAP_POST, 0x1234, &tok, 1);
    coap_opt_add(&b, COAP_OPT_URI_PATH, "f", 1);
    coap_opt_add(&b, COAP_OPT_URI_PATH, "digitalwrite", 12);
    coap_opt_add(&b, COAP_OPT_URI_QUERY, arg, sizeof(arg));
    size_t n = coap_end(&b);
    static const uint8_t head[] = {0x41, 0x02, 0x12, 0x34, 0x07, 0xB1, 'f', 0x0C};
    assert_memory_equal(out, head, sizeof(head));
    assert_int_equal(out[8 + 12], 0x4E); /* Uri-Query, 2-byte extended length */
    assert_int_equal(out[9 + 12] << 8 | out[10 + 12], 300 - 269);
    coap_msg m;
    assert_int_equal(coap_parse(out, n, &m), 0);
    assert_int_equal(coap_find(&m, COAP_OPT_URI_QUERY, 0)->len, 300);
}

/* Decrypt one frame with OpenSSL, without the project's channel code. */
static void openssl_decrypt(const uint8_t key[16], const uint8_t iv[16], const uint8_t *ct, int n,
                            uint8_t *out)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int l1 = 0, l2 = 0;
    assert_int_equal(EVP_DecryptInit_ex(c, EVP_aes_128_cbc(), NULL, key, iv), 1);
    EVP_CIPHER_CTX_set_padding(c, 1);
    assert_int_equal(EVP_DecryptUpdate(c, out, &l1, ct, n), 1);
    int ok = EVP_DecryptFinal_ex(c, out + l1, &l2);
    EVP_CIPHER_CTX_free(c);
    assert_int_equal(ok, 1);
    out[l1 + l2] = 0;
}

static void test_channel_iv_chaining(void **state)
{
    (void)state;
    uint8_t k[40];
    for (int i = 0; i < 40; i++)
        k[i] = (uint8_t)(i + 1);
    channel a;
    channel_init(&a, k);
    uint8_t f1[64], f2[64], plain[64];
    int n1 = channel_seal(&a, (const uint8_t *)"first message, 31 bytes long.!!", 31, f1, sizeof(f1));
    int n2 = channel_seal(&a, (const uint8_t *)"0123456789abcdef", 16, f2, sizeof(f2));
    assert_int_equal(n1, 2 + 32);
    assert_int_equal(n2, 2 + 32); /* a whole block of padding */
    /* message 1 under IV = K[16..32); message 2 under the FIRST block of
     * message 1's ciphertext (not the last, as plain CBC would chain) */
    openssl_decrypt(k, k + 16, f1 + 2, 32, plain);
    assert_string_equal((char *)plain, "first message, 31 bytes long.!!");
    openssl_decrypt(k, f1 + 2, f2 + 2, 32, plain);
    assert_string_equal((char *)plain, "0123456789abcdef");
    /* the receiving end follows */
    channel b;
    channel_init(&b, k);
    size_t len;
    assert_int_equal(channel_open(&b, f1, (size_t)n1, plain, sizeof(plain), &len), n1);
    assert_int_equal(len, 31);
    assert_int_equal(channel_open(&b, f2, 1, plain, sizeof(plain), &len), 0); /* partial */
    assert_int_equal(channel_open(&b, f2, (size_t)n2, plain, sizeof(plain), &len), n2);
    assert_memory_equal(plain, "0123456789abcdef", 16);
}

/* What Device OS sends and the message log shows: an event with a payload
 * marker and no payload (0.5.2's spark/device/safemode) is an event with
 * empty data; a message that is not CoAP is shown in hex. */
static void test_coap_empty_payload_and_format(void **state)
{
    (void)state;
    static const uint8_t ev[] = {0x50, 0x02, 0xd1, 0xeb, 0xb1, 0x45, 0x0d, 0x08, 's', 'p', 'a',
                                 'r', 'k', '/', 'd', 'e', 'v', 'i', 'c', 'e', '/', 's', 'a',
                                 'f', 'e', 'm', 'o', 'd', 'e', 0xff};
    coap_msg m;
    assert_int_equal(coap_parse(ev, sizeof(ev), &m), 0);
    assert_non_null(m.payload);
    assert_int_equal(m.payload_len, 0);
    char path[80], line[200];
    assert_true(coap_path_str(&m, 1, '/', path, sizeof(path)));
    assert_string_equal(path, "spark/device/safemode");
    coap_format(ev, sizeof(ev), line, sizeof(line));
    assert_string_equal(line, "NON 0.02 mid 53739/E/spark/device/safemode 0 B: ");
    static const uint8_t tm[] = {0x61, 0x45, 0x12, 0x34, 0x07, 0xff, 1, 2, 3, 4};
    coap_format(tm, sizeof(tm), line, sizeof(line));
    assert_string_equal(line, "ACK 2.05 mid 4660 tok 07 4 B");
    static const uint8_t bad[] = {0x80, 0x01};
    coap_format(bad, sizeof(bad), line, sizeof(line));
    assert_string_equal(line, "not CoAP (2 B): 80 01");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_garbage_handshake),
        cmocka_unit_test(test_disconnect_mid_handshake_and_silence),
        cmocka_unit_test(test_wrong_server_key),
        cmocka_unit_test(test_trust_on_first_use),
        cmocka_unit_test(test_garbage_after_handshake),
        cmocka_unit_test(test_store_persists),
        cmocka_unit_test(test_coap_random_bytes),
        cmocka_unit_test(test_channel_iv_chaining),
        cmocka_unit_test(test_coap_empty_payload_and_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
