/* A device's CoAP session after the handshake
 * (specs/particle-cloud-protocol.md §2-3): Hello, ACKs, pings, time,
 * describe, functions, variables, events both ways, subscriptions, signal.
 * OTA messages go to ota.c. Requests the cloud sends carry a one-byte
 * token; their answers are matched by message id (ACKs) or by token
 * (separate responses). */
#define _GNU_SOURCE
#include "cloud_internal.h"

#include <stdlib.h>
#include <string.h>

#include "coap.h"
#include "describe.h"

#define SESSION_IDLE_MS 120000 /* the device pings every 15 s */
#define DESCRIBE_RETRIES 4      /* after 0.5, 1, 2 and 4 s */

dsession *dsession_new(cloud *c, conn *cn, const char *id)
{
    dsession *s = calloc(1, sizeof(*s));
    cdev *d = cloud_dev(c, id, true);
    if (!s || !d) {
        free(s);
        return NULL;
    }
    if (d->s) { /* the device reconnected: what its old connection still
                 * holds came first (an UpdateDone answer before a reset) */
        conn *old = d->s->cn;
        conn_service(old, POLLIN);
        conn_close(old, "the device opened a new connection");
    }
    s->c = c;
    s->cn = cn;
    s->dev = d;
    d->s = s;
    d->gen++;
    s->mid = (uint16_t)(cloud_now(c) * 7919u);
    s->token = 1;
    s->platform = 6;
    s->last_rx = s->connected_at = cloud_now(c);
    return s;
}

static void fail(pending *p, int status, const char *error)
{
    cloud_reply_fn fn = p->reply;
    void *ctx = p->ctx;
    p->kind = REQ_FREE;
    p->reply = NULL;
    if (fn)
        fn(ctx, status, json_pack("{s:b,s:s}", "ok", 0, "error", error));
}

void dsession_end(dsession *s, const char *why)
{
    cloud *c = s->c;
    for (int i = 0; i < SESSION_MAX_PENDING; i++)
        if (s->req[i].kind != REQ_FREE)
            fail(&s->req[i], 400, "The device went offline.");
    if (s->ota) {
        ota_session_ended(s->ota, why);
        ota_free(s->ota);
        s->ota = NULL;
    }
    if (s->dev->s == s)
        s->dev->s = NULL;
    store_device d;
    bool named = store_get(c->st, s->dev->id, &d) == 1;
    cloud_log(c, "%s (%s) offline: %s", s->dev->id, named ? d.name : "?", why);
    if (named) {
        store_seen(c->st, d.id, cloud_unix(c), d.last_ip, d.platform_id, d.product_id);
        store_device_free(&d);
    }
    if (s->hello)
        events_publish(c, "spark/status", "offline", 60, false, s->dev->id);
    free(s->system_json);
    free(s->app_json);
    free(s);
}

uint16_t dsession_mid(dsession *s)
{
    return ++s->mid;
}

uint8_t dsession_new_token(dsession *s)
{
    for (int tries = 0; tries < 256; tries++) {
        uint8_t t = s->token++;
        if (t == 0)
            continue;
        bool used = false;
        for (int i = 0; i < SESSION_MAX_PENDING; i++)
            used |= s->req[i].kind != REQ_FREE && s->req[i].token == t;
        if (!used)
            return t;
    }
    return s->token++;
}

int dsession_send(dsession *s, const uint8_t *msg, size_t len)
{
    return conn_send(s->cn, msg, len);
}

void dsession_ack(dsession *s, uint16_t mid)
{
    uint8_t a[4] = {0x60, 0x00, (uint8_t)(mid >> 8), (uint8_t)mid};
    dsession_send(s, a, 4);
}

pending *dsession_add_pending(dsession *s, req_kind kind, cloud_reply_fn reply, void *ctx)
{
    for (int i = 0; i < SESSION_MAX_PENDING; i++) {
        pending *p = &s->req[i];
        if (p->kind != REQ_FREE)
            continue;
        memset(p, 0, sizeof(*p));
        p->kind = kind;
        p->token = dsession_new_token(s);
        p->mid = dsession_mid(s);
        p->deadline = cloud_now(s->c) + s->c->o.request_timeout_ms;
        p->reply = reply;
        p->ctx = ctx;
        return p;
    }
    return NULL;
}

void dsession_request_describe(dsession *s)
{
    if (s->describe_pending)
        return;
    pending *p = dsession_add_pending(s, REQ_DESCRIBE, NULL, NULL);
    if (!p)
        return;
    uint8_t buf[16];
    coap_builder b;
    coap_begin(&b, buf, sizeof(buf), COAP_CON, COAP_GET, p->mid, &p->token, 1);
    coap_opt_add(&b, COAP_OPT_URI_PATH, "d", 1);
    s->describe_pending = true;
    dsession_send(s, buf, coap_end(&b));
}

/* A describe arrived (posted by 2.2.0, or the answer to GET /d). */
static void got_describe(dsession *s, const uint8_t *payload, size_t len)
{
    cloud *c = s->c;
    char *sys = NULL, *app = NULL;
    if (describe_split((const char *)payload, len, &sys, &app)) {
        cloud_log(c, "%s: a describe that is not JSON, ignored", s->dev->id);
        return;
    }
    if (sys) {
        free(s->system_json);
        s->system_json = sys;
        describe_system ds;
        if (describe_parse_system(sys, &ds) == 0 && ds.platform > 0)
            s->platform = ds.platform;
    }
    if (app) {
        free(s->app_json);
        s->app_json = app;
        /* a device that never posts its describe (no Hello flag 0x20) */
        if (describe_app_empty(app) && !(s->hello_flags & 0x20) && s->describe_retries < DESCRIBE_RETRIES)
            s->describe_again_at = cloud_now(c) + (500 << s->describe_retries++);
    }
    store_set_describe(c->st, s->dev->id, sys, app);
    cloud_debug(c, "%s: describe%s%s", s->dev->id, sys ? " system" : "", app ? " application" : "");
    if (sys) {
        events_publish(c, "photon-sim/device/describe", sys, 60, false, s->dev->id);
        if (s->safe_mode)
            events_publish(c, "spark/status/safe-mode", sys, 60, false, s->dev->id);
        ota_track_check(c, s->dev, false);
    }
}

static void send_hello(dsession *s)
{
    uint8_t h[6] = {0x50, 0x02, 0, 0, 0xB1, 'h'};
    uint16_t mid = dsession_mid(s);
    h[2] = (uint8_t)(mid >> 8);
    h[3] = (uint8_t)mid;
    dsession_send(s, h, sizeof(h));
}

static void on_hello(dsession *s, const coap_msg *m)
{
    cloud *c = s->c;
    const uint8_t *p = m->payload;
    if (p && m->payload_len >= 8) {
        s->product_id = p[0] << 8 | p[1];
        s->product_version = p[2] << 8 | p[3];
        s->hello_flags = p[5];
        s->platform = p[6] << 8 | p[7];
    }
    send_hello(s);
    bool first = !s->hello;
    s->hello = true;
    store_device d;
    if (store_get(c->st, s->dev->id, &d) == 1) {
        char ip[64];
        snprintf(ip, sizeof(ip), "%s", s->cn->peer);
        char *colon = strrchr(ip, ':');
        if (colon)
            *colon = 0;
        int product = s->product_id == 0xFFFF ? s->platform : s->product_id;
        store_seen(c->st, d.id, cloud_unix(c), ip, s->platform, product);
        cloud_log(c, "%s (%s) online from %s: platform %d, hello flags 0x%02x", d.id, d.name,
                  s->cn->peer, s->platform, s->hello_flags);
        store_device_free(&d);
    }
    if (first)
        events_publish(c, "spark/status", "online", 60, false, s->dev->id);
    /* 1.5.0 never posts its describe (no flag 0x20): ask for it */
    if (!(s->hello_flags & 0x20))
        dsession_request_describe(s);
}

static void on_event(dsession *s, const coap_msg *m, bool is_public)
{
    char name[72];
    if (!coap_path_str(m, 1, '/', name, sizeof(name)) || !*name) {
        cloud_log(s->c, "%s: an event without a usable name, ignored", s->dev->id);
        return;
    }
    int ttl = 60;
    const coap_opt *age = coap_find(m, COAP_OPT_MAX_AGE, 0);
    if (age) {
        ttl = 0;
        for (int i = 0; i < age->len && i < 4; i++)
            ttl = ttl << 8 | age->val[i];
    }
    char *data = NULL;
    if (m->payload)
        data = strndup((const char *)m->payload, m->payload_len);
    if (!strcmp(name, "spark/device/safemode"))
        s->safe_mode = true;
    cloud_debug(s->c, "%s: event %s %s", s->dev->id, name, data ? data : "");
    json_t *txt = data ? describe_text((const unsigned char *)data, strlen(data)) : NULL;
    events_publish(s->c, name, txt ? json_string_value(txt) : NULL, ttl, is_public, s->dev->id);
    json_decref(txt);
    free(data);
    if (!strcmp(name, "spark/device/safemode") && s->system_json)
        events_publish(s->c, "spark/status/safe-mode", s->system_json, 60, false, s->dev->id);
}

static void on_subscribe(dsession *s, const coap_msg *m)
{
    subscription sub = {.mine = false};
    coap_path_str(m, 1, '/', sub.filter, sizeof(sub.filter));
    const coap_opt *q = coap_find(m, COAP_OPT_URI_QUERY, 0);
    if (q && q->len == 1 && q->val[0] == 'u')
        sub.mine = true;
    if (m->payload && m->payload_len == 24) {
        memcpy(sub.device, m->payload, 24);
        sub.device[24] = 0;
        sub.mine = true;
    }
    for (int i = 0; i < s->nsubs; i++)
        if (!strcmp(s->subs[i].filter, sub.filter) && !strcmp(s->subs[i].device, sub.device)) {
            s->subs[i].mine = sub.mine;
            return;
        }
    if (s->nsubs < SESSION_MAX_SUBS)
        s->subs[s->nsubs++] = sub;
    else
        cloud_log(s->c, "%s: more than %d subscriptions, '%s' ignored", s->dev->id,
                  SESSION_MAX_SUBS, sub.filter);
    cloud_debug(s->c, "%s: subscribes to '%s'%s", s->dev->id, sub.filter,
                sub.mine ? " (my devices)" : " (all public)");
}

static void on_time(dsession *s, const coap_msg *m)
{
    uint32_t t = (uint32_t)cloud_unix(s->c);
    uint8_t buf[16];
    coap_builder b;
    /* the device reads the time at byte 6: a one-byte token */
    coap_begin(&b, buf, sizeof(buf), COAP_ACK, COAP_CONTENT, m->id, m->token, m->tkl);
    uint8_t v[4] = {(uint8_t)(t >> 24), (uint8_t)(t >> 16), (uint8_t)(t >> 8), (uint8_t)t};
    coap_payload(&b, v, 4);
    dsession_send(s, buf, coap_end(&b));
}

static void on_goodbye(dsession *s, const coap_msg *m)
{
    s->goodbye = true;
    /* payload: a varint of flags, then the reasons; the reset reason of an
     * update is 70 */
    s->goodbye_reason = m->payload && m->payload_len >= 3 ? m->payload[m->payload_len - 1] : 0;
    cloud_debug(s->c, "%s: goodbye", s->dev->id);
}

static pending *by_mid(dsession *s, uint16_t mid)
{
    for (int i = 0; i < SESSION_MAX_PENDING; i++)
        if (s->req[i].kind != REQ_FREE && s->req[i].mid == mid)
            return &s->req[i];
    return NULL;
}

static pending *by_token(dsession *s, const coap_msg *m)
{
    if (m->tkl != 1)
        return NULL;
    for (int i = 0; i < SESSION_MAX_PENDING; i++)
        if (s->req[i].kind != REQ_FREE && s->req[i].token == m->token[0])
            return &s->req[i];
    return NULL;
}

static json_t *core_info(dsession *s, const store_device *d)
{
    char at[32];
    cloud_iso_time(s->c, at);
    return json_pack("{s:s,s:s,s:s,s:b,s:s,s:i}", "name", d->name, "deviceID", d->id,
                     "last_app", "", "connected", 1, "last_handshake_at", at, "product_id",
                     d->product_id);
}

/* The answer to one of our requests: complete it. */
static void complete(dsession *s, pending *p, const coap_msg *m)
{
    store_device d;
    bool named = store_get(s->c->st, s->dev->id, &d) == 1;
    const char *name = named ? d.name : "";
    cloud_reply_fn fn = p->reply;
    void *ctx = p->ctx;
    req_kind kind = p->kind;
    char pname[72];
    snprintf(pname, sizeof(pname), "%s", p->name);
    int vartype = p->vartype;
    p->kind = REQ_FREE;
    p->reply = NULL;
    int status = 200;
    json_t *body = NULL;
    switch (kind) {
    case REQ_DESCRIBE:
        s->describe_pending = false;
        if (m->code == COAP_CONTENT && m->payload)
            got_describe(s, m->payload, m->payload_len);
        break;
    case REQ_FUNCTION:
        if (m->code == COAP_CHANGED && m->payload && m->payload_len == 4) {
            int32_t v = (int32_t)((uint32_t)m->payload[0] << 24 | (uint32_t)m->payload[1] << 16 |
                                  (uint32_t)m->payload[2] << 8 | m->payload[3]);
            body = json_pack("{s:s,s:s,s:b,s:i}", "id", s->dev->id, "name", name, "connected", 1,
                             "return_value", v);
        } else if (m->code == COAP_BAD_REQUEST) {
            status = 400;
            body = json_pack("{s:b,s:s}", "ok", 0, "error", "The argument is too long for the device.");
        } else if (m->code == COAP_NOT_FOUND) {
            char msg[96];
            snprintf(msg, sizeof(msg), "Function %s not found", name);
            status = 404;
            body = json_pack("{s:b,s:s}", "ok", 0, "error", msg);
        } else {
            status = 500;
            body = json_pack("{s:b,s:s}", "ok", 0, "error", "The device answered the call with an error.");
        }
        break;
    case REQ_VARIABLE: {
        json_t *v = m->code == COAP_CONTENT && m->payload
                        ? describe_decode_value(vartype, m->payload, m->payload_len)
                    : m->code == COAP_CONTENT ? describe_decode_value(vartype, (const uint8_t *)"", 0)
                                              : NULL;
        if (v && named) {
            body = json_pack("{s:s,s:o,s:o}", "name", pname, "result", v, "coreInfo", core_info(s, &d));
        } else {
            json_decref(v);
            status = 404;
            body = json_pack("{s:b,s:s}", "ok", 0, "error", "Variable not found");
        }
        break;
    }
    case REQ_SIGNAL:
        body = json_pack("{s:s,s:b,s:b}", "id", s->dev->id, "connected", 1, "signaling",
                         !strcmp(pname, "on"));
        break;
    default:
        break;
    }
    if (named)
        store_device_free(&d);
    if (fn)
        fn(ctx, status, body ? body : json_pack("{s:b}", "ok", 1));
    else
        json_decref(body);
}

static int on_ack(dsession *s, const coap_msg *m)
{
    pending *p = by_mid(s, m->id);
    /* 1.5.0 answers a signal with a piggybacked 2.04 under a message id of
     * its own: the token still names the request */
    if (!p && m->code != COAP_EMPTY)
        p = by_token(s, m);
    if (!p)
        return 0;
    if (m->type == COAP_RST) {
        if (p->kind == REQ_DESCRIBE)
            s->describe_pending = false;
        fail(p, 500, "The device refused the request.");
        return 0;
    }
    if (m->code == COAP_EMPTY) /* the answer follows separately */
        return 0;
    complete(s, p, m); /* piggybacked answer: signal, a too-long argument */
    return 0;
}

int dsession_receive(dsession *s, const uint8_t *msg, size_t len)
{
    coap_msg m;
    if (coap_parse(msg, len, &m)) {
        cloud_log(s->c, "%s: a message that is not CoAP (%zu bytes)", s->dev->id, len);
        return -1;
    }
    s->last_rx = cloud_now(s->c);
    if (s->ota && ota_receive(s->ota, &m)) {
        if (ota_finished(s->ota)) {
            ota_free(s->ota);
            s->ota = NULL;
        }
        return 0;
    }
    if (m.type == COAP_ACK || m.type == COAP_RST)
        return on_ack(s, &m);
    if (m.code >= 0x40) { /* a separate response */
        if (m.type == COAP_CON)
            dsession_ack(s, m.id);
        pending *p = by_token(s, &m);
        if (p)
            complete(s, p, &m);
        return 0;
    }
    int path = coap_path0(&m);
    bool con = m.type == COAP_CON;
    if (m.code == COAP_EMPTY) { /* ping */
        if (con)
            dsession_ack(s, m.id);
        return 0;
    }
    if (m.code == COAP_GET && path == 't') {
        on_time(s, &m);
        s->burst_done = true;
        ota_track_check(s->c, s->dev, false);
        return 0;
    }
    if (con)
        dsession_ack(s, m.id);
    if (!s->hello && !(m.code == COAP_POST && path == 'h')) {
        cloud_debug(s->c, "%s: a message before the Hello", s->dev->id);
    }
    if (m.code == COAP_POST && path == 'h')
        on_hello(s, &m);
    else if (m.code == COAP_POST && path == 'd' && m.payload)
        got_describe(s, m.payload, m.payload_len);
    else if (m.code == COAP_POST && (path == 'e' || path == 'E'))
        on_event(s, &m, path == 'E');
    else if (m.code == COAP_GET && path == 'e')
        on_subscribe(s, &m);
    else if (m.code == COAP_POST && path == 'x')
        on_goodbye(s, &m);
    else
        cloud_debug(s->c, "%s: unhandled message code 0x%02x path '%c'", s->dev->id, m.code,
                    path ? path : '-');
    return 0;
}

void dsession_tick(dsession *s, int64_t now)
{
    if (s->describe_again_at && now >= s->describe_again_at) {
        s->describe_again_at = 0;
        dsession_request_describe(s);
    }
    for (int i = 0; i < SESSION_MAX_PENDING; i++) {
        pending *p = &s->req[i];
        if (p->kind == REQ_FREE || now < p->deadline)
            continue;
        if (p->kind == REQ_DESCRIBE)
            s->describe_pending = false;
        fail(p, 408, "Timed out.");
    }
    if (s->ota) {
        ota_tick(s->ota, now);
        if (ota_finished(s->ota)) {
            ota_free(s->ota);
            s->ota = NULL;
        }
    }
    if (now - s->last_rx > SESSION_IDLE_MS)
        conn_close(s->cn, "no message from the device for 120 s");
}

int64_t dsession_next_deadline(const dsession *s)
{
    int64_t next = s->last_rx + SESSION_IDLE_MS;
    if (s->describe_again_at && s->describe_again_at < next)
        next = s->describe_again_at;
    for (int i = 0; i < SESSION_MAX_PENDING; i++)
        if (s->req[i].kind != REQ_FREE && s->req[i].deadline < next)
            next = s->req[i].deadline;
    if (s->ota) {
        int64_t o = ota_deadline(s->ota);
        if (o >= 0 && o < next)
            next = o;
    }
    return next;
}

bool dsession_wants_write(const dsession *s)
{
    return s->ota && ota_wants_write(s->ota);
}

void dsession_writable(dsession *s)
{
    if (s->ota)
        ota_writable(s->ota);
}

void dsession_cancel(dsession *s, void *ctx)
{
    for (int i = 0; i < SESSION_MAX_PENDING; i++)
        if (s->req[i].kind != REQ_FREE && s->req[i].ctx == ctx)
            s->req[i].reply = NULL;
    if (s->ota)
        ota_cancel(s->ota, ctx);
}

/* Does this event reach a device with these subscriptions? */
static bool subscribed(const dsession *s, const cloud_event *e, const char *from_id)
{
    for (int i = 0; i < s->nsubs; i++) {
        const subscription *sub = &s->subs[i];
        if (strncmp(e->name, sub->filter, strlen(sub->filter)))
            continue;
        if (sub->device[0] && (!from_id || strcmp(sub->device, from_id)))
            continue;
        if (!sub->mine && !e->is_public)
            continue;
        return true;
    }
    return false;
}

void dsession_deliver_event(dsession *s, const cloud_event *e, const char *from_id)
{
    if (!s->hello || !subscribed(s, e, from_id))
        return;
    uint8_t buf[CHANNEL_MAX_PLAIN_TO_DEVICE + 1];
    coap_builder b;
    coap_begin(&b, buf, sizeof(buf), COAP_NON, COAP_POST, dsession_mid(s), NULL, 0);
    coap_opt_add(&b, COAP_OPT_URI_PATH, e->is_public ? "E" : "e", 1);
    coap_opt_add(&b, COAP_OPT_URI_PATH, e->name, strlen(e->name));
    if (e->ttl != 60) {
        uint8_t ttl[3] = {(uint8_t)(e->ttl >> 16), (uint8_t)(e->ttl >> 8), (uint8_t)e->ttl};
        coap_opt_add(&b, COAP_OPT_MAX_AGE, ttl, 3);
    }
    if (e->data)
        coap_payload(&b, e->data, strlen(e->data));
    size_t n = coap_end(&b);
    /* during a fast OTA the tail of the device's buffer holds the chunk
     * bitmap: keep messages under about 700 bytes then */
    size_t max = s->ota ? 700 : CHANNEL_MAX_PLAIN_TO_DEVICE;
    if (n == 0 || n > max) {
        cloud_log(s->c, "%s: event %s is too large for the device, not delivered", s->dev->id, e->name);
        return;
    }
    dsession_send(s, buf, n);
}
