/* The cloud unit-test fixture. */
#define _GNU_SOURCE
#include "cloud_fixture.h"

#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/sha.h>
#include <zlib.h>

static int64_t fake_ms(void *ctx)
{
    return ((fx *)ctx)->now;
}

static int64_t fake_unix(void *ctx)
{
    (void)ctx;
    return 1700000000;
}

static void on_event(void *ctx, const cloud_event *e)
{
    fx *f = ctx;
    if (f->nevents == FX_MAX_EVENTS)
        return;
    snprintf(f->ev_name[f->nevents], sizeof(f->ev_name[0]), "%s", e->name);
    snprintf(f->ev_data[f->nevents], sizeof(f->ev_data[0]), "%s", e->data ? e->data : "");
    snprintf(f->ev_core[f->nevents], sizeof(f->ev_core[0]), "%s", e->coreid ? e->coreid : "");
    f->nevents++;
}

static void open_cloud(fx *f)
{
    cloud_options o = {.api_port = 0,
                       .no_api = !f->api,
                       .device_port = 0,
                       .store_path = f->store,
                       .key_path = f->key,
                       .trust_new_keys = f->trust_new_keys,
                       .no_fast_ota = f->no_fast_ota,
                       .log = getenv("CLOUD_TEST_LOG") ? stderr : NULL,
                       .verbose = getenv("CLOUD_TEST_LOG") != NULL,
                       .now_ms = fake_ms,
                       .unix_time = fake_unix,
                       .time_ctx = f};
    char err[256] = "";
    f->c = cloud_open(&o, err, sizeof(err));
    if (!f->c)
        fprintf(stderr, "cloud_open: %s\n", err);
    assert_non_null(f->c);
    f->listener = cloud_listen(f->c, "", NULL, on_event, f);
    assert_true(f->listener > 0);
}

void fx_open(fx *f)
{
    bool api = f->api, trust = f->trust_new_keys, nofast = f->no_fast_ota;
    memset(f, 0, sizeof(*f));
    f->api = api;
    f->trust_new_keys = trust;
    f->no_fast_ota = nofast;
    f->now = 1000;
    snprintf(f->dir, sizeof(f->dir), "/tmp/cloudtest.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->store, sizeof(f->store), "%s/cloud.db", f->dir);
    snprintf(f->key, sizeof(f->key), "%s/key.pem", f->dir);
    open_cloud(f);
}

void fx_reopen(fx *f)
{
    cloud_close(f->c);
    open_cloud(f);
}

void fx_close(fx *f)
{
    cloud_close(f->c);
    f->c = NULL;
    json_decref(f->body);
    f->body = NULL;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
}

void fx_device(fx *f, mock_device *d, const char *id)
{
    assert_int_equal(mock_init(d, id, f->key, "127.0.0.1", cloud_device_port(f->c)), 0);
    assert_int_equal(mock_connect(d), 0);
}

void fx_with_device(fx *f, mock_device *d, const char *id)
{
    fx_open(f);
    fx_device(f, d, id);
}

void fx_end(fx *f, mock_device *d)
{
    mock_free(d);
    fx_close(f);
}

bool fx_pump(fx *f, mock_device **devs, bool (*cond)(fx *f, void *arg), void *arg)
{
    /* Everything is local and the clock is fake: once nothing has been
     * ready for a few rounds in a row, nothing more will happen. */
    int idle = 0;
    for (int round = 0; round < 5000 && idle < 5; round++) {
        if (cond(f, arg))
            return true;
        struct pollfd p[16];
        int nc = cloud_pollfds(f->c, p, 8), n = nc;
        for (int i = 0; devs && devs[i]; i++)
            if (devs[i]->fd >= 0)
                p[n++] = (struct pollfd){.fd = devs[i]->fd, .events = POLLIN};
        /* a bound on each wait, never a measurement */
        int t = cloud_timeout(f->c);
        int ready = poll(p, (nfds_t)n, t >= 0 && t < 20 ? t : 20);
        idle = ready == 0 && t != 0 ? idle + 1 : 0;
        /* the cloud works only when its own descriptors or timers say so,
         * as in cloud_step(): a cloud that forgets to ask for POLLOUT stalls
         * here as it would in photon-sim */
        bool cloud_ready = t == 0;
        for (int i = 0; i < nc; i++)
            cloud_ready |= p[i].revents != 0;
        if (cloud_ready)
            cloud_process(f->c);
        for (int i = 0; devs && devs[i]; i++)
            mock_step(devs[i]);
    }
    return cond(f, arg);
}

bool fx_online(fx *f, void *dev)
{
    (void)f;
    mock_device *d = dev;
    return d->state == MOCK_SESSION && d->hellos > 0 && d->time_reply != 0;
}

bool fx_replied(fx *f, void *unused)
{
    (void)unused;
    return f->replies > 0;
}

int fx_find_event(fx *f, const char *name)
{
    for (int i = f->nevents - 1; i >= 0; i--)
        if (!strcmp(f->ev_name[i], name))
            return i;
    return -1;
}

bool fx_event(fx *f, void *name)
{
    return fx_find_event(f, name) >= 0;
}

void fx_reply(void *ctx, int status, json_t *body)
{
    fx *f = ctx;
    json_decref(f->body);
    f->status = status;
    f->body = body;
    f->replies++;
}

void fx_advance(fx *f, int64_t ms)
{
    f->now += ms;
}

size_t fx_module(uint8_t *buf, size_t body, uint16_t version, uint16_t platform,
                 uint16_t dep_version, bool bad_crc)
{
    assert_true(body >= 24 + 40);
    for (size_t i = 0; i < body; i++)
        buf[i] = (uint8_t)(i * 7 + version);
    uint32_t start = 0x080A0000, end = start + (uint32_t)body;
    uint8_t h[24] = {0};
    memcpy(h, &start, 4); /* little-endian host: the header's byte order */
    memcpy(h + 4, &end, 4);
    h[10] = (uint8_t)version;
    h[11] = (uint8_t)(version >> 8);
    h[12] = (uint8_t)platform;
    h[13] = (uint8_t)(platform >> 8);
    h[14] = 5; /* user part */
    h[15] = 1;
    h[16] = 4; /* depends on system.2 */
    h[17] = 2;
    h[18] = (uint8_t)dep_version;
    h[19] = (uint8_t)(dep_version >> 8);
    memcpy(buf, h, 24);
    /* suffix: {u16 reserved, sha256[32], u16 size = 36} at the end */
    size_t sfx = body - 36;
    buf[sfx] = buf[sfx + 1] = 0;
    buf[body - 2] = 36;
    buf[body - 1] = 0;
    SHA256(buf, body - 34, buf + body - 34);
    uint32_t crc = (uint32_t)crc32(0, buf, (uInt)body) ^ (bad_crc ? 1u : 0u);
    buf[body] = (uint8_t)(crc >> 24);
    buf[body + 1] = (uint8_t)(crc >> 16);
    buf[body + 2] = (uint8_t)(crc >> 8);
    buf[body + 3] = (uint8_t)crc;
    return body + 4;
}
