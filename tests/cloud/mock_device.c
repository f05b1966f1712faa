/* The test double of a Photon's cloud side (see mock_device.h). It uses
 * OpenSSL and zlib directly for the device's half of the cryptography and
 * the chunk CRCs, and the project's CoAP builder and channel framing. */
#define _GNU_SOURCE
#include "mock_device.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <zlib.h>

#include "coap.h"
#include "module.h"

int mock_fail(mock_device *d, const char *fmt, const char *arg)
{
    snprintf(d->error, sizeof(d->error), fmt, arg ? arg : "");
    return -1;
}

static EVP_PKEY *load_server_key(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    if (!k) {
        rewind(f);
        k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    }
    if (!k) {
        rewind(f);
        k = d2i_PUBKEY_fp(f, NULL);
    }
    fclose(f);
    return k;
}

int mock_init(mock_device *d, const char *idhex, const char *server_key_pem, const char *host,
              int port)
{
    memset(d, 0, sizeof(*d));
    d->fd = -1;
    snprintf(d->host, sizeof(d->host), "%s", host);
    d->port = port;
    if (strlen(idhex) != 24)
        return mock_fail(d, "the device id must be 24 hex digits", NULL);
    for (int i = 0; i < 12; i++) {
        unsigned v;
        if (sscanf(idhex + 2 * i, "%2x", &v) != 1)
            return mock_fail(d, "bad device id %s", idhex);
        d->id[i] = (uint8_t)v;
    }
    for (int i = 0; i < 24; i++)
        d->idhex[i] = (char)(idhex[i] >= 'A' && idhex[i] <= 'F' ? idhex[i] + 32 : idhex[i]);
    d->key = EVP_RSA_gen(1024);
    d->server_pub = load_server_key(server_key_pem);
    if (!d->key || !d->server_pub)
        return mock_fail(d, "cannot load the server key %s", server_key_pem);
    d->fast_ota = true;
    d->auto_reboot = true;
    d->system2_version = 2202;
    snprintf(d->user_sha, sizeof(d->user_sha), "%064d", 7);
    d->user_version = 6;
    d->user_vc = d->user_vv = 30;
    d->user_dep_version = 2202;
    return 0;
}

void mock_free(mock_device *d)
{
    mock_disconnect(d);
    EVP_PKEY_free(d->key);
    EVP_PKEY_free(d->server_pub);
    free(d->ota);
    free(d->received);
    d->key = d->server_pub = NULL;
    d->ota = d->received = NULL;
}

int mock_connect(mock_device *d)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)d->port)};
    inet_pton(AF_INET, d->host, &sa.sin_addr);
    d->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (d->fd < 0 || connect(d->fd, (struct sockaddr *)&sa, sizeof(sa))) {
        if (d->fd >= 0)
            close(d->fd);
        d->fd = -1;
        return mock_fail(d, "cannot connect: %s", strerror(errno));
    }
    int one = 1;
    setsockopt(d->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fcntl(d->fd, F_SETFL, fcntl(d->fd, F_GETFL) | O_NONBLOCK);
    d->state = MOCK_NONCE;
    d->in_len = 0;
    d->connects++;
    return 0;
}

void mock_disconnect(mock_device *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
    d->state = MOCK_OFF;
    d->updating = false;
}

int mock_send_raw(mock_device *d, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n) {
        ssize_t k = send(d->fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
            continue; /* the cloud reads as fast as the test pumps it */
        if (k <= 0)
            return mock_fail(d, "send: %s", strerror(errno));
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int mock_send_coap(mock_device *d, const uint8_t *msg, size_t len)
{
    uint8_t frame[2048];
    int n = channel_seal(&d->ch, msg, len, frame, sizeof(frame));
    return n < 0 ? -1 : mock_send_raw(d, frame, (size_t)n);
}

uint16_t mock_next_mid(mock_device *d)
{
    return ++d->mid;
}

/* A message with one-segment path, optional query and payload. */
int mock_send_msg(mock_device *d, uint8_t type, uint8_t code, const char *path, const void *query,
                    size_t qlen, const void *payload, size_t plen, const uint8_t *tok)
{
    uint8_t buf[1024];
    coap_builder b;
    coap_begin(&b, buf, sizeof(buf), type, code, mock_next_mid(d), tok, tok ? 1 : 0);
    if (path)
        coap_opt_add(&b, COAP_OPT_URI_PATH, path, strlen(path));
    if (query)
        coap_opt_add(&b, COAP_OPT_URI_QUERY, query, qlen);
    coap_payload(&b, payload, plen);
    return mock_send_coap(d, buf, coap_end(&b));
}

int mock_reply(mock_device *d, uint8_t type, uint8_t code, uint16_t mid, uint8_t tkl,
                 const uint8_t *tok, const void *payload, size_t plen)
{
    uint8_t buf[1024];
    coap_builder b;
    coap_begin(&b, buf, sizeof(buf), type, code, mid, tok, tkl);
    coap_payload(&b, payload, plen);
    return mock_send_coap(d, buf, coap_end(&b));
}

int mock_ack(mock_device *d, uint16_t mid)
{
    return mock_reply(d, COAP_ACK, 0, mid, 0, NULL, NULL, 0);
}

int mock_publish(mock_device *d, const char *name, const char *data, bool con)
{
    uint8_t buf[1024];
    coap_builder b;
    coap_begin(&b, buf, sizeof(buf), con ? COAP_CON : COAP_NON, COAP_POST, mock_next_mid(d), NULL, 0);
    coap_opt_add(&b, COAP_OPT_URI_PATH, "e", 1);
    coap_opt_add(&b, COAP_OPT_URI_PATH, name, strlen(name));
    if (data)
        coap_payload(&b, data, strlen(data));
    return mock_send_coap(d, buf, coap_end(&b));
}

int mock_ping(mock_device *d)
{
    uint8_t p[4] = {0x40, 0, 0, 0};
    uint16_t mid = mock_next_mid(d);
    p[2] = (uint8_t)(mid >> 8);
    p[3] = (uint8_t)mid;
    return mock_send_coap(d, p, 4);
}

void mock_system_describe(const mock_device *d, char *out, size_t n)
{
    snprintf(out, n,
             "{\"p\":6,\"m\":["
             "{\"s\":16384,\"l\":\"m\",\"vc\":30,\"vv\":30,\"f\":\"b\",\"n\":\"0\",\"v\":1006,\"d\":[]},"
             "{\"s\":262144,\"l\":\"m\",\"vc\":30,\"vv\":30,\"f\":\"s\",\"n\":\"1\",\"v\":2202,"
             "\"d\":[{\"f\":\"s\",\"n\":\"2\",\"v\":207%s}]},"
             "{\"s\":262144,\"l\":\"m\",\"vc\":30,\"vv\":30,\"f\":\"s\",\"n\":\"2\",\"v\":%d,"
             "\"d\":[{\"f\":\"s\",\"n\":\"1\",\"v\":2202},{\"f\":\"b\",\"n\":\"0\",\"v\":1003}]},"
             "{\"s\":131072,\"l\":\"m\",\"vc\":%d,\"vv\":%d,\"u\":\"%s\",\"f\":\"u\",\"n\":\"1\","
             "\"v\":%d,\"d\":[{\"f\":\"s\",\"n\":\"2\",\"v\":%d}]}]}",
             d->v15 ? ",\"_\":\"\"" : "", d->system2_version, d->user_vc, d->user_vv, d->user_sha,
             d->user_version, d->user_dep_version);
}

void mock_app_describe(const mock_device *d, char *out, size_t n)
{
    if (d->safe_mode)
        snprintf(out, n, "{\"f\":[],\"v\":{}}");
    else
        snprintf(out, n, "{\"f\":[\"digitalread\",\"digitalwrite\",\"analogread\",\"analogwrite\"],"
                         "\"v\":{\"version\":2,\"name\":4,\"temp\":9,\"on\":1}}");
}

const mock_event *mock_event_named(const mock_device *d, const char *name)
{
    for (int i = d->nevents - 1; i >= 0; i--)
        if (!strcmp(d->events[i].name, name))
            return &d->events[i];
    return NULL;
}

static int post_describe(mock_device *d, int flags)
{
    char json[2048];
    if (flags == 1)
        mock_system_describe(d, json, sizeof(json));
    else
        mock_app_describe(d, json, sizeof(json));
    uint8_t f = (uint8_t)flags;
    return mock_send_msg(d, COAP_CON, COAP_POST, "d", &f, 1, json, strlen(json), NULL);
}

static int subscribe(mock_device *d, const char *filter)
{
    uint8_t buf[128];
    coap_builder b;
    coap_begin(&b, buf, sizeof(buf), COAP_CON, COAP_GET, mock_next_mid(d), NULL, 0);
    coap_opt_add(&b, COAP_OPT_URI_PATH, "e", 1);
    coap_opt_add(&b, COAP_OPT_URI_PATH, filter, strlen(filter));
    coap_opt_add(&b, COAP_OPT_URI_QUERY, "u", 1);
    return mock_send_coap(d, buf, coap_end(&b));
}

/* What Device OS sends after the handshake, in its order. */
int mock_connection_burst(mock_device *d)
{
    uint8_t hello[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0, d->v15 ? 0x06 : 0x36, 0, 6};
    int rc = mock_send_msg(d, COAP_NON, COAP_POST, "h", NULL, 0, hello, sizeof(hello), NULL);
    if (!d->v15)
        rc |= post_describe(d, 1);
    rc |= mock_publish(d, "spark/hardware/max_binary", "262144", false);
    rc |= mock_publish(d, "spark/hardware/ota_chunk_size", "512", false);
    if (d->safe_mode)
        rc |= mock_publish(d, "spark/device/safemode", "", false);
    if (d->last_reset) {
        rc |= mock_publish(d, "spark/device/last_reset", d->last_reset, false);
        d->last_reset = NULL;
    }
    if (d->v15) {
        rc |= subscribe(d, "spark");
        rc |= subscribe(d, "particle");
    }
    uint8_t tok = ++d->token;
    rc |= mock_send_msg(d, COAP_CON, COAP_GET, "t", NULL, 0, NULL, 0, &tok);
    if (!d->v15) { /* after setup() */
        rc |= post_describe(d, 2);
        rc |= subscribe(d, "spark");
        rc |= subscribe(d, "particle");
    }
    if (d->extra_sub[0])
        rc |= subscribe(d, d->extra_sub);
    return rc;
}

static int handshake_reply(mock_device *d)
{
    /* nonce ‖ id ‖ public key DER, under the server's key */
    uint8_t plain[256], *p = plain;
    memcpy(p, d->nonce, 40);
    memcpy(p + 40, d->id, 12);
    uint8_t *q = p + 52;
    int der = i2d_PUBKEY(d->key, &q);
    uint8_t ct[256];
    size_t ctlen = sizeof(ct);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(d->server_pub, NULL);
    bool ok = der == 162 && c && EVP_PKEY_encrypt_init(c) == 1 &&
              EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1 &&
              EVP_PKEY_encrypt(c, ct, &ctlen, plain, 52 + (size_t)der) == 1 && ctlen == 256;
    EVP_PKEY_CTX_free(c);
    if (!ok)
        return mock_fail(d, "cannot encrypt the handshake%s", NULL);
    return mock_send_raw(d, ct, 256);
}

static int handshake_check(mock_device *d, const uint8_t in[384])
{
    uint8_t k[128], h[20], rec[256];
    size_t klen = sizeof(k), rlen = sizeof(rec);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(d->key, NULL);
    bool ok = c && EVP_PKEY_decrypt_init(c) == 1 &&
              EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1 &&
              EVP_PKEY_decrypt(c, k, &klen, in, 128) == 1 && klen == 40;
    EVP_PKEY_CTX_free(c);
    if (!ok)
        return mock_fail(d, "cannot decrypt the session key (device LED: orange)%s", NULL);
    unsigned hl = 20;
    HMAC(EVP_sha1(), k, 40, in, 128, h, &hl);
    c = EVP_PKEY_CTX_new(d->server_pub, NULL);
    ok = c && EVP_PKEY_verify_recover_init(c) == 1 &&
         EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1 &&
         EVP_PKEY_verify_recover(c, rec, &rlen, in + 128, 256) == 1 && rlen == 20 &&
         !memcmp(rec, h, 20);
    EVP_PKEY_CTX_free(c);
    if (!ok)
        return mock_fail(d, "the server's signature does not verify (device LED: magenta)%s", NULL);
    channel_init(&d->ch, k);
    d->mid = (uint16_t)(k[32] | k[33] << 8); /* the device's seed */
    d->state = MOCK_SESSION;
    return mock_connection_burst(d);
}

static int tinker(mock_device *d, const char *fn, const char *arg, int *ret)
{
    int pin = -1;
    if (arg[0] == 'D' && arg[1] >= '0' && arg[1] <= '7')
        pin = arg[1] - '0';
    if (!strcmp(fn, "digitalwrite")) {
        const char *comma = strchr(arg, ',');
        if (pin < 0 || !comma)
            *ret = -1;
        else {
            d->pins[pin] = !strcmp(comma + 1, "HIGH");
            *ret = 1;
        }
    } else if (!strcmp(fn, "digitalread")) {
        *ret = pin < 0 ? -1 : d->pins[pin];
    } else if (!strcmp(fn, "analogread") || !strcmp(fn, "analogwrite")) {
        *ret = pin < 0 ? -1 : 0;
    } else {
        return -1;
    }
    return 0;
}

static int on_function(mock_device *d, const coap_msg *m)
{
    const coap_opt *name = coap_find(m, COAP_OPT_URI_PATH, 1);
    const coap_opt *arg = coap_find(m, COAP_OPT_URI_QUERY, 0);
    if (!name || !arg || m->tkl != 1)
        return mock_fail(d, "a function call without a name, argument or token%s", NULL);
    if (arg->len > 622)
        return mock_reply(d, COAP_ACK, COAP_BAD_REQUEST, m->id, 0, NULL, NULL, 0);
    char fn[72], a[640];
    snprintf(fn, sizeof(fn), "%.*s", name->len, (const char *)name->val);
    snprintf(a, sizeof(a), "%.*s", arg->len, (const char *)arg->val);
    int rc = mock_ack(d, m->id), ret;
    if (d->safe_mode || d->mute_functions || tinker(d, fn, a, &ret))
        return rc; /* an unknown function: the ACK and never a return */
    uint8_t v[4] = {(uint8_t)(ret >> 24), (uint8_t)(ret >> 16), (uint8_t)(ret >> 8), (uint8_t)ret};
    return rc | mock_reply(d, COAP_NON, COAP_CHANGED, mock_next_mid(d), 1, m->token, v, 4);
}

static int on_variable(mock_device *d, const coap_msg *m)
{
    const coap_opt *name = coap_find(m, COAP_OPT_URI_PATH, 1);
    char v[72];
    snprintf(v, sizeof(v), "%.*s", name ? name->len : 0, name ? (const char *)name->val : "");
    int rc = mock_ack(d, m->id);
    uint8_t buf[8];
    size_t n = 0;
    if (!strcmp(v, "version")) {
        buf[0] = buf[1] = buf[2] = 0;
        buf[3] = 42;
        n = 4;
    } else if (!strcmp(v, "temp")) {
        double t = 21.5;
        uint64_t u;
        memcpy(&u, &t, 8);
        for (int i = 0; i < 8; i++)
            buf[i] = (uint8_t)(u >> (8 * i)); /* little-endian on the wire */
        n = 8;
    } else if (!strcmp(v, "on")) {
        buf[0] = 1;
        n = 1;
    } else if (!strcmp(v, "name")) {
        return rc | mock_reply(d, COAP_NON, COAP_CONTENT, mock_next_mid(d), 1, m->token, "stroby", 6);
    }
    if (!n || d->safe_mode)
        return rc | mock_reply(d, COAP_NON, COAP_NOT_FOUND, mock_next_mid(d), 1, m->token, NULL, 0);
    return rc | mock_reply(d, COAP_NON, COAP_CONTENT, mock_next_mid(d), 1, m->token, buf, n);
}

static int on_describe(mock_device *d, const coap_msg *m)
{
    d->describes_asked++;
    char sys[2048], app[512], all[2600];
    mock_system_describe(d, sys, sizeof(sys));
    mock_app_describe(d, app, sizeof(app));
    /* {"f":..,"v":..,"p":..,"m":..}: the two objects merged */
    snprintf(all, sizeof(all), "%.*s,%s", (int)strlen(app) - 1, app, sys + 1);
    int rc = mock_ack(d, m->id);
    return rc | mock_reply(d, COAP_CON, COAP_CONTENT, mock_next_mid(d), 1, m->token, all, strlen(all));
}

static int on_event(mock_device *d, const coap_msg *m)
{
    if (d->nevents == MOCK_MAX_EVENTS)
        memmove(d->events, d->events + 1, sizeof(d->events[0]) * --d->nevents);
    mock_event *e = &d->events[d->nevents++];
    coap_path_str(m, 1, '/', e->name, sizeof(e->name));
    snprintf(e->data, sizeof(e->data), "%.*s", (int)m->payload_len,
             m->payload ? (const char *)m->payload : "");
    return 0;
}

static int on_message(mock_device *d, const uint8_t *msg, size_t len)
{
    coap_msg m;
    if (coap_parse(msg, len, &m))
        return mock_fail(d, "the cloud sent a message that is not CoAP%s", NULL);
    int path = coap_path0(&m);
    if (m.type == COAP_ACK) {
        d->acks++;
        if (m.code == COAP_CONTENT && m.payload && m.payload_len == 4)
            d->time_reply = (uint32_t)m.payload[0] << 24 | (uint32_t)m.payload[1] << 16 |
                            (uint32_t)m.payload[2] << 8 | m.payload[3];
        return 0;
    }
    if (m.type == COAP_RST)
        return 0;
    if (m.code == COAP_EMPTY) {
        d->pings_acked++;
        return m.type == COAP_CON ? mock_ack(d, m.id) : 0;
    }
    if (m.code >= 0x40) /* a response to us */
        return m.type == COAP_CON ? mock_ack(d, m.id) : 0;
    switch (path) {
    case 'h': d->hellos++; return m.type == COAP_CON ? mock_ack(d, m.id) : 0;
    case 'd': return on_describe(d, &m);
    case 'f': return on_function(d, &m);
    case 'v': return on_variable(d, &m);
    case 'e': case 'E': return on_event(d, &m);
    case 's':
        d->signals++;
        return mock_reply(d, COAP_ACK, COAP_CHANGED, m.id, m.tkl, m.token, NULL, 0);
    case 'u':
        return m.code == COAP_POST ? mock_ota_begin(d, &m) : mock_ota_done(d, &m);
    case 'c': return mock_ota_chunk(d, &m);
    default: return m.type == COAP_CON ? mock_ack(d, m.id) : 0;
    }
}

static int take(mock_device *d, size_t n)
{
    memmove(d->in, d->in + n, d->in_len - n);
    d->in_len -= n;
    return 0;
}

bool mock_step(mock_device *d)
{
    if (d->state == MOCK_OFF)
        return false;
    for (;;) {
        ssize_t k = recv(d->fd, d->in + d->in_len, sizeof(d->in) - d->in_len, 0);
        if (k > 0) {
            d->in_len += (size_t)k;
            if (d->in_len == sizeof(d->in))
                break;
            continue;
        }
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
            break;
        mock_fail(d, k == 0 ? "the cloud closed the connection%s" : "recv: %s", k ? strerror(errno) : NULL);
        mock_disconnect(d);
        return false;
    }
    int rc = 0;
    if (d->state == MOCK_NONCE && d->in_len >= 40) {
        memcpy(d->nonce, d->in, 40);
        take(d, 40);
        rc = handshake_reply(d);
        d->state = MOCK_KEYS;
    }
    if (rc == 0 && d->state == MOCK_KEYS && d->in_len >= 384) {
        rc = handshake_check(d, d->in);
        take(d, 384);
    }
    while (rc == 0 && d->state == MOCK_SESSION) {
        uint8_t plain[2048];
        size_t plen;
        int used = channel_open(&d->ch, d->in, d->in_len, plain, sizeof(plain), &plen);
        if (used == 0)
            break;
        if (used < 0) {
            rc = mock_fail(d, "a frame that does not decrypt%s", NULL);
            break;
        }
        take(d, (size_t)used);
        rc = on_message(d, plain, plen);
    }
    if (rc) {
        mock_disconnect(d);
        return false;
    }
    if (d->reboot_pending && d->auto_reboot)
        return mock_reboot(d);
    return true;
}
