/* The SoftAP setup client (see softap_setup.h). Protocol facts from
 * particle-iot/device-os hal/src/photon/softap.cpp (SimpleProtocolDispatcher,
 * the JSON commands) and particle-iot/softap-setup-js (what the setup tools
 * send). RSA through OpenSSL, JSON through jansson. */
#include "softap_setup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RETRY_PS (500 * PS_PER_MS)     /* between tries of a command */
#define COMMAND_PS (30 * PS_PER_S)     /* a command the device never finishes */
#define MAX_REPLY 16384

enum { STEP_SCAN, STEP_KEY, STEP_CONFIGURE, STEP_CONNECT, STEP_DONE };
static const char *const step_name[] = {"scan-ap", "public-key", "configure-ap", "connect-ap"};

struct softap_setup {
    const vclock *clk;
    logger *log;
    softap_setup_state state;
    int port;
    char ssid[33], password[65];
    int security, channel;
    int step, tries;
    uint64_t next_try, deadline;
    int fd;
    char *req;
    size_t req_len, req_off;
    char *reply;
    size_t reply_len;
    EVP_PKEY *key;
    char msg[512];
    char scan[512];
};

softap_setup *softap_setup_new(const vclock *clk, logger *log)
{
    softap_setup *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->clk = clk;
    s->log = log;
    s->fd = -1;
    return s;
}

static void close_conn(softap_setup *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    free(s->req);
    s->req = NULL;
    s->req_len = s->req_off = 0;
    s->reply_len = 0;
}

void softap_setup_free(softap_setup *s)
{
    if (!s)
        return;
    close_conn(s);
    free(s->reply);
    EVP_PKEY_free(s->key);
    free(s);
}

int softap_setup_parse(const char *spec, char ssid[33], char password[65], char *err,
                       size_t errlen)
{
    const char *colon = strchr(spec, ':');
    size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
    const char *pw = colon ? colon + 1 : "";
    if (n == 0 || n > 32) {
        snprintf(err, errlen, "Wi-Fi credentials '%s': the SSID must be 1 to 32 characters", spec);
        return -1;
    }
    if (strlen(pw) > 64 || (strlen(pw) && strlen(pw) < 8)) {
        snprintf(err, errlen,
                 "Wi-Fi credentials '%s': a passphrase has 8 to 63 characters (64 hex digits)",
                 spec);
        return -1;
    }
    /* the firmware's JSON reader takes strings as they are: no escapes */
    if (strpbrk(spec, "\"\\")) {
        snprintf(err, errlen, "Wi-Fi credentials '%s': '\"' and '\\' cannot be set up over SoftAP",
                 spec);
        return -1;
    }
    memcpy(ssid, spec, n);
    ssid[n] = 0;
    snprintf(password, 65, "%s", pw);
    return 0;
}

void softap_setup_start(softap_setup *s, int port, const char *ssid, const char *password,
                        uint64_t not_before)
{
    close_conn(s);
    EVP_PKEY_free(s->key);
    s->key = NULL;
    s->port = port;
    snprintf(s->ssid, sizeof(s->ssid), "%s", ssid);
    snprintf(s->password, sizeof(s->password), "%s", password);
    s->security = password[0] ? WICED_SEC_WPA2_AES_PSK : WICED_SEC_OPEN;
    s->channel = 0;
    s->step = STEP_SCAN;
    s->tries = 0;
    s->next_try = not_before;
    s->state = SOFTAP_SETUP_RUNNING;
    s->msg[0] = s->scan[0] = 0;
}

softap_setup_state softap_setup_get_state(const softap_setup *s)
{
    return s->state;
}

const char *softap_setup_message(const softap_setup *s)
{
    return s->msg;
}

const char *softap_setup_scan(const softap_setup *s)
{
    return s->scan;
}

static void fail(softap_setup *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(softap_setup *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
    va_end(ap);
    close_conn(s);
    s->state = SOFTAP_SETUP_FAILED;
    if (s->log)
        log_msg(s->log, LOG_NET, "softap setup: %s", s->msg);
}

/* ---- requests ------------------------------------------------------------ */

static char *hex(const uint8_t *b, size_t n)
{
    char *h = malloc(2 * n + 1);
    if (!h)
        return NULL;
    for (size_t i = 0; i < n; i++)
        sprintf(h + 2 * i, "%02x", b[i]);
    return h;
}

/* The passphrase encrypted to the device's key, hex; NULL on failure. */
static char *encrypt_password(softap_setup *s)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(s->key, NULL);
    uint8_t out[512];
    size_t outlen = sizeof(out);
    char *h = NULL;
    if (ctx && EVP_PKEY_encrypt_init(ctx) > 0 &&
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
        EVP_PKEY_encrypt(ctx, out, &outlen, (const uint8_t *)s->password, strlen(s->password)) > 0)
        h = hex(out, outlen);
    EVP_PKEY_CTX_free(ctx);
    return h;
}

static char *request_body(softap_setup *s)
{
    if (s->step != STEP_CONFIGURE)
        return strdup("");
    char *pwd = encrypt_password(s);
    if (!pwd)
        return NULL;
    json_t *o = json_pack("{s:i,s:s,s:s,s:i,s:i}", "idx", 0, "ssid", s->ssid, "pwd", pwd, "sec",
                          s->security, "ch", s->channel);
    free(pwd);
    char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return body;
}

static bool open_conn(softap_setup *s)
{
    char *body = request_body(s);
    if (!body) {
        fail(s, "cannot build the %s request", step_name[s->step]);
        return false;
    }
    size_t bl = strlen(body), cap = bl + 64;
    s->req = malloc(cap);
    if (!s->req) {
        free(body);
        fail(s, "out of memory");
        return false;
    }
    s->req_len = (size_t)snprintf(s->req, cap, "%s\n%zu\n\n%s", step_name[s->step], bl, body);
    free(body);
    s->req_off = 0;
    s->reply_len = 0;
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (s->fd < 0 ||
        (connect(s->fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS)) {
        close_conn(s);
        return false;
    }
    s->deadline = clock_now(s->clk) + COMMAND_PS;
    return true;
}

/* ---- replies --------------------------------------------------------------- */

static const char *security_name(int sec)
{
    if (sec == WICED_SEC_OPEN)
        return "open";
    if (sec & 0x00400000)
        return "wpa2";
    if (sec & 0x00200000)
        return "wpa";
    return "wep";
}

/* Returns false if the reply is not a usable answer (try again). */
static bool take_reply(softap_setup *s, json_t *o)
{
    json_t *r = json_object_get(o, "r");
    switch (s->step) {
    case STEP_SCAN: {
        json_t *scans = json_object_get(o, "scans");
        if (!json_is_array(scans))
            return false;
        size_t i;
        json_t *ap;
        bool found = false;
        s->scan[0] = 0;
        json_array_foreach(scans, i, ap)
        {
            const char *ssid = json_string_value(json_object_get(ap, "ssid"));
            int sec = (int)json_integer_value(json_object_get(ap, "sec"));
            int ch = (int)json_integer_value(json_object_get(ap, "ch"));
            if (!ssid)
                continue;
            size_t l = strlen(s->scan);
            snprintf(s->scan + l, sizeof(s->scan) - l, "%s%s(%s,ch%d)", l ? " " : "", ssid,
                     security_name(sec), ch);
            if (!found && !strcmp(ssid, s->ssid)) {
                found = true;
                s->security = sec;
                s->channel = ch;
            }
        }
        if (!found) {
            if (s->tries < 3)
                return false; /* scan again: the first may be incomplete */
            fail(s, "the device does not see '%s' (its scan: %s)", s->ssid,
                 s->scan[0] ? s->scan : "nothing");
        }
        return true;
    }
    case STEP_KEY: {
        const char *b = json_string_value(json_object_get(o, "b"));
        size_t n = b ? strlen(b) / 2 : 0;
        uint8_t der[1024];
        if (!b || n > sizeof(der) || json_integer_value(r) != 0)
            return false;
        for (size_t i = 0; i < n; i++) {
            unsigned v;
            if (sscanf(b + 2 * i, "%2x", &v) != 1)
                return false;
            der[i] = (uint8_t)v;
        }
        const uint8_t *p = der;
        s->key = d2i_PUBKEY(NULL, &p, (long)n);
        if (!s->key || EVP_PKEY_base_id(s->key) != EVP_PKEY_RSA) {
            fail(s, "the device's public key is not an RSA key");
            return true;
        }
        return true;
    }
    case STEP_CONFIGURE:
        if (json_integer_value(r) != 0) {
            fail(s, "the device refused the credentials for '%s' (configure-ap r=%d)", s->ssid,
                 (int)json_integer_value(r));
        }
        return true;
    case STEP_CONNECT:
        return json_is_integer(r) && json_integer_value(r) == 0;
    }
    return false;
}

static void finish_command(softap_setup *s)
{
    const char *p = s->reply;
    size_t n = s->reply_len;
    while (n && (*p == '\n' || *p == '\r' || *p == ' ')) {
        p++;
        n--;
    }
    json_t *o = n ? json_loadb(p, n, 0, NULL) : NULL;
    bool ok = json_is_object(o) && take_reply(s, o);
    json_decref(o);
    close_conn(s);
    if (s->state != SOFTAP_SETUP_RUNNING)
        return;
    if (!ok) {
        s->next_try = clock_now(s->clk) + RETRY_PS;
        if (++s->tries >= SOFTAP_SETUP_TRIES)
            fail(s, "the device did not answer %s (%d tries)", step_name[s->step], s->tries);
        return;
    }
    if (s->log)
        log_msg(s->log, LOG_NET, "softap setup: %s done", step_name[s->step]);
    s->tries = 0;
    s->next_try = 0;
    if (++s->step == STEP_DONE) {
        s->state = SOFTAP_SETUP_DONE;
        snprintf(s->msg, sizeof(s->msg), "gave the device the credentials for '%s' (%s)", s->ssid,
                 security_name(s->security));
    }
}

/* Send what is left of the request, read what came; true on progress. */
static bool exchange(softap_setup *s, short revents)
{
    bool did = false;
    if ((revents & (POLLOUT | POLLERR | POLLHUP)) && s->req_off < s->req_len) {
        ssize_t w = send(s->fd, s->req + s->req_off, s->req_len - s->req_off, MSG_NOSIGNAL);
        if (w > 0) {
            s->req_off += (size_t)w;
            did = true;
        } else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            finish_command(s); /* refused or reset: an empty reply */
            return true;
        }
    }
    if (revents & (POLLIN | POLLERR | POLLHUP)) {
        if (!s->reply)
            s->reply = malloc(MAX_REPLY);
        ssize_t r = s->reply && s->reply_len < MAX_REPLY
                        ? recv(s->fd, s->reply + s->reply_len, MAX_REPLY - s->reply_len, 0)
                        : 0;
        if (r > 0) {
            s->reply_len += (size_t)r;
            return true;
        }
        if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            finish_command(s); /* the device closes after its reply */
            return true;
        }
    }
    return did;
}

bool softap_setup_poll(softap_setup *s, int wait_ms)
{
    if (s->state != SOFTAP_SETUP_RUNNING)
        return false;
    uint64_t now = clock_now(s->clk);
    if (s->fd < 0) {
        if (now < s->next_try)
            return false;
        if (!open_conn(s)) {
            if (s->state == SOFTAP_SETUP_RUNNING)
                s->next_try = now + RETRY_PS;
            return false;
        }
    }
    if (now > s->deadline) {
        finish_command(s); /* counts as no answer */
        return true;
    }
    struct pollfd p = {s->fd, POLLIN | (s->req_off < s->req_len ? POLLOUT : 0), 0};
    if (poll(&p, 1, wait_ms) <= 0)
        return false;
    return exchange(s, p.revents);
}
