/* The cloud object: the device listener, its connections, the devices
 * seen in this run, time, logging and the main loop step. */
#define _GNU_SOURCE
#include "cloud_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "coap.h"
#include "crypto.h"

static int64_t mono_ms(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_s(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL);
}

int64_t cloud_now(cloud *c)
{
    return c->o.now_ms(c->o.time_ctx);
}

int64_t cloud_unix(cloud *c)
{
    return c->o.unix_time(c->o.time_ctx);
}

void cloud_iso_time(cloud *c, char out[32])
{
    time_t t = (time_t)cloud_unix(c);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

static void vlog(cloud *c, const char *fmt, va_list ap)
{
    if (!c->o.log)
        return;
    fputs("cloud: ", c->o.log);
    vfprintf(c->o.log, fmt, ap);
    fputc('\n', c->o.log);
    fflush(c->o.log);
}

void cloud_log(cloud *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(c, fmt, ap);
    va_end(ap);
}

void cloud_debug(cloud *c, const char *fmt, ...)
{
    if (!c->o.verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(c, fmt, ap);
    va_end(ap);
}

void cloud_log_message(cloud *c, const char *peer, const char *dir, const uint8_t *msg, size_t len)
{
    if (!c->o.log || !c->o.log_messages)
        return;
    char line[200];
    coap_format(msg, len, line, sizeof(line));
    cloud_log(c, "%s %s %s", peer, dir, line);
}

cdev *cloud_dev(cloud *c, const char *id, bool create)
{
    for (cdev *d = c->devs; d; d = d->next)
        if (!strcmp(d->id, id))
            return d;
    if (!create)
        return NULL;
    cdev *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    snprintf(d->id, sizeof(d->id), "%s", id);
    d->next = c->devs;
    c->devs = d;
    return d;
}

int cloud_lookup(cloud *c, const char *id_or_name, store_device *d)
{
    if (!id_or_name || !*id_or_name || strlen(id_or_name) >= STORE_NAME_MAX)
        return 0;
    return store_get(c->st, id_or_name, d);
}

/* A listening TCP socket on addr:port; port 0 picks a free one. */
static int listen_on(const char *addr, int port, int *bound, char *err, size_t errlen)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "bad address '%s' (an IPv4 address such as 127.0.0.1)", addr);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16)) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", addr, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    socklen_t l = sizeof(sa);
    getsockname(fd, (struct sockaddr *)&sa, &l);
    *bound = ntohs(sa.sin_port);
    return fd;
}

/* The server key: loaded, or generated once and kept. */
static EVP_PKEY *server_key(const char *path, FILE *log, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) == 0) {
        EVP_PKEY *k = crypto_key_load(path, err, errlen);
        if (k && crypto_rsa_size(k) != 256) {
            snprintf(err, errlen, "%s: the server key must be RSA-2048 (the Photon reads a 2048-bit modulus)", path);
            EVP_PKEY_free(k);
            return NULL;
        }
        return k;
    }
    EVP_PKEY *k = crypto_rsa_generate(2048);
    if (!k) {
        snprintf(err, errlen, "cannot generate an RSA-2048 key");
        return NULL;
    }
    if (crypto_key_save(k, path, err, errlen)) {
        EVP_PKEY_free(k);
        return NULL;
    }
    if (log)
        fprintf(log, "cloud: generated the server key %s\n", path);
    return k;
}

/* The local access token: given, or kept in the store, or made once. */
static int local_token(cloud *c, char *err, size_t errlen)
{
    if (c->o.token) {
        if (strlen(c->o.token) < 8 || strlen(c->o.token) >= sizeof(c->token) ||
            strspn(c->o.token, "0123456789abcdefABCDEF-_.") != strlen(c->o.token)) {
            snprintf(err, errlen, "--token: 8 to 71 characters of [0-9a-fA-F-_.]");
            return -1;
        }
        snprintf(c->token, sizeof(c->token), "%s", c->o.token);
        return store_add_token(c->st, c->token, cloud_unix(c), 0, "local") ? -1 : 0;
    }
    if (store_local_token(c->st, c->token, sizeof(c->token)) == 1)
        return 0;
    uint8_t r[20];
    if (crypto_random(r, sizeof(r)))
        return -1;
    for (int i = 0; i < 20; i++)
        snprintf(c->token + 2 * i, 3, "%02x", r[i]);
    if (store_add_token(c->st, c->token, cloud_unix(c), 0, "local")) {
        snprintf(err, errlen, "cannot record the access token in the store");
        return -1;
    }
    return 0;
}

cloud *cloud_open(const cloud_options *o, char *err, size_t errlen)
{
    cloud *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->o = *o;
    c->listen_fd = -1;
    if (!c->o.api_addr)
        c->o.api_addr = "127.0.0.1";
    if (!c->o.device_addr)
        c->o.device_addr = "127.0.0.1";
    if (!c->o.now_ms)
        c->o.now_ms = mono_ms;
    if (!c->o.unix_time)
        c->o.unix_time = wall_s;
    if (c->o.request_timeout_ms <= 0)
        c->o.request_timeout_ms = 30000;
    if (c->o.ota_timeout_ms <= 0)
        c->o.ota_timeout_ms = 30000;
    if (c->o.reconnect_timeout_ms <= 0)
        c->o.reconnect_timeout_ms = 180000;
    if (!c->o.store_path || !c->o.key_path) {
        snprintf(err, errlen, "the cloud needs a store path and a key path");
        goto fail;
    }
    /* bad input is refused before any file is made */
    struct in_addr a;
    const char *bad = inet_pton(AF_INET, c->o.api_addr, &a) != 1      ? c->o.api_addr
                      : inet_pton(AF_INET, c->o.device_addr, &a) != 1 ? c->o.device_addr
                                                                       : NULL;
    if (bad) {
        snprintf(err, errlen, "bad address '%s' (an IPv4 address such as 127.0.0.1)", bad);
        goto fail;
    }
    c->key = server_key(c->o.key_path, c->o.log, err, errlen);
    if (!c->key)
        goto fail;
    c->st = store_open(c->o.store_path, err, errlen);
    if (!c->st || local_token(c, err, errlen))
        goto fail;
    c->listen_fd = listen_on(c->o.device_addr, c->o.device_port, &c->device_port, err, errlen);
    if (c->listen_fd < 0)
        goto fail;
    if (!c->o.no_api) {
        c->api = api_start(c, err, errlen);
        if (!c->api)
            goto fail;
        snprintf(c->api_url, sizeof(c->api_url), "http://%s:%d", c->o.api_addr, api_port(c->api));
    }
    return c;
fail:
    cloud_close(c);
    return NULL;
}

void cloud_close(cloud *c)
{
    if (!c)
        return;
    while (c->conns) {
        conn *cn = c->conns;
        c->conns = cn->next;
        conn_close(cn, "the cloud stops");
        conn_free(cn);
    }
    api_stop(c->api);
    while (c->devs) {
        cdev *d = c->devs;
        c->devs = d->next;
        ota_track_free(d->track);
        free(d);
    }
    while (c->listeners) {
        listener *l = c->listeners;
        c->listeners = l->next;
        free(l);
    }
    if (c->listen_fd >= 0)
        close(c->listen_fd);
    store_close(c->st);
    EVP_PKEY_free(c->key);
    free(c);
}

int cloud_api_port(const cloud *c)
{
    return c->api ? api_port(c->api) : -1;
}

int cloud_device_port(const cloud *c)
{
    return c->device_port;
}

const char *cloud_token(const cloud *c)
{
    return c->token;
}

const char *cloud_api_url(const cloud *c)
{
    return c->api_url;
}

int cloud_pollfds(cloud *c, struct pollfd *fds, int max)
{
    int n = 0;
    if (n < max)
        fds[n++] = (struct pollfd){.fd = c->listen_fd, .events = POLLIN};
    for (conn *cn = c->conns; cn && n < max; cn = cn->next)
        fds[n++] = (struct pollfd){.fd = cn->fd,
                                   .events = (short)(POLLIN | (conn_wants_write(cn) ? POLLOUT : 0))};
    if (c->api && n < max)
        n += api_pollfds(c->api, fds + n, max - n);
    return n;
}

static int64_t min_deadline(int64_t a, int64_t b)
{
    return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

int cloud_timeout(cloud *c)
{
    int64_t next = -1;
    for (conn *cn = c->conns; cn; cn = cn->next) {
        if (cn->state == CONN_HANDSHAKE)
            next = min_deadline(next, cn->deadline);
        else if (cn->s)
            next = min_deadline(next, dsession_next_deadline(cn->s));
    }
    for (cdev *d = c->devs; d; d = d->next)
        next = min_deadline(next, ota_track_deadline(d));
    int t = -1;
    if (next >= 0) {
        int64_t left = next - cloud_now(c);
        t = left < 0 ? 0 : left > 600000 ? 600000 : (int)left;
    }
    if (c->api) {
        int at = api_timeout(c->api);
        if (at >= 0 && (t < 0 || at < t))
            t = at;
    }
    return t;
}

static void accept_all(cloud *c)
{
    for (;;) {
        struct sockaddr_in sa;
        socklen_t l = sizeof(sa);
        int fd = accept4(c->listen_fd, (struct sockaddr *)&sa, &l, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        char peer[64], ip[INET_ADDRSTRLEN] = "?";
        inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip));
        snprintf(peer, sizeof(peer), "%s:%d", ip, ntohs(sa.sin_port));
        conn *cn = conn_new(c, fd, peer);
        if (!cn) {
            close(fd);
            continue;
        }
        cn->next = c->conns;
        c->conns = cn;
    }
}

void cloud_process(cloud *c)
{
    accept_all(c);
    struct pollfd fds[256];
    int n = 0;
    for (conn *cn = c->conns; cn && n < 256; cn = cn->next)
        fds[n++] = (struct pollfd){.fd = cn->fd, .events = POLLIN | POLLOUT};
    if (n)
        poll(fds, (nfds_t)n, 0);
    int i = 0;
    for (conn **pp = &c->conns; *pp;) {
        conn *cn = *pp;
        short rev = i < n && fds[i].fd == cn->fd ? fds[i].revents : 0;
        i++;
        if (!conn_service(cn, rev)) {
            *pp = cn->next;
            conn_free(cn);
        } else {
            pp = &cn->next;
        }
    }
    int64_t now = cloud_now(c);
    for (cdev *d = c->devs; d; d = d->next)
        ota_track_tick(c, d, now);
    if (c->api)
        api_process(c->api);
}

void cloud_step(cloud *c, int timeout_ms)
{
    struct pollfd fds[256];
    int n = cloud_pollfds(c, fds, 256);
    int t = cloud_timeout(c);
    if (t < 0 || (timeout_ms >= 0 && timeout_ms < t))
        t = timeout_ms;
    poll(fds, (nfds_t)n, t);
    cloud_process(c);
}

void cloud_set_flash_probe(cloud *c, cloud_flash_probe_fn fn, void *ctx)
{
    c->probe = fn;
    c->probe_ctx = ctx;
}

int cloud_listen(cloud *c, const char *prefix, const char *device, cloud_event_fn fn, void *ctx)
{
    if (strlen(prefix ? prefix : "") >= sizeof(((listener *)0)->prefix))
        return -1;
    listener *l = calloc(1, sizeof(*l));
    if (!l)
        return -1;
    l->id = ++c->next_listener;
    snprintf(l->prefix, sizeof(l->prefix), "%s", prefix ? prefix : "");
    if (device) {
        store_device d;
        if (cloud_lookup(c, device, &d) != 1) {
            free(l);
            return -1;
        }
        snprintf(l->device, sizeof(l->device), "%s", d.id);
        store_device_free(&d);
    }
    l->fn = fn;
    l->ctx = ctx;
    l->next = c->listeners;
    c->listeners = l;
    return l->id;
}

void cloud_unlisten(cloud *c, int id)
{
    for (listener **pp = &c->listeners; *pp; pp = &(*pp)->next)
        if ((*pp)->id == id) {
            listener *l = *pp;
            *pp = l->next;
            free(l);
            return;
        }
}
