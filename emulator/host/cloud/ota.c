/* OTA, cloud side (specs/particle-cloud-protocol.md §5): UpdateBegin,
 * chunks of 512 bytes with their CRC-32, one at a time with ChunkReceived
 * (non-fast) or all at once with indexes and the ChunkMissed loop (fast,
 * when the device offers it in UpdateReady), then UpdateDone, whose answer
 * carries the device's own verdict. Chunks are queued only as the
 * connection drains, so a slow device never fills the cloud's memory. */
#include "ota.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#define OTA_CHUNK 512
#define OTA_MAX_RETRIES 5
#define OTA_MAX_ROUNDS 200 /* UpdateDone / ChunkMissed rounds */

typedef enum {
    OTA_BEGIN,      /* UpdateBegin sent */
    OTA_READY_WAIT, /* accepted, waiting for UpdateReady */
    OTA_CHUNKS,     /* sending chunks */
    OTA_DONE_WAIT,  /* UpdateDone sent */
    OTA_MISSED_WAIT, /* told chunks are missing, waiting for the list */
    OTA_FINISHED,
} ota_state;

struct ota {
    dsession *s;
    cloud *c;
    uint8_t *data;
    size_t len;
    ota_state st;
    bool want_fast, fast;
    unsigned nchunks, next, retries, rounds;
    uint8_t token;   /* the request in flight */
    uint16_t mid;
    uint8_t begin_token;
    uint16_t *resend; /* fast: indexes the device misses */
    unsigned nresend, resend_pos;
    int64_t deadline;
    cloud_reply_fn reply;
    void *ctx;
};

static void step_deadline(ota *o)
{
    o->deadline = cloud_now(o->c) + o->c->o.ota_timeout_ms;
}

static void answer(ota *o, int status, json_t *body)
{
    cloud_reply_fn fn = o->reply;
    o->reply = NULL;
    if (fn)
        fn(o->ctx, status, body);
    else
        json_decref(body);
}

static void finish_failed(ota *o, const char *why)
{
    if (o->st == OTA_FINISHED)
        return;
    o->st = OTA_FINISHED;
    cloud_log(o->c, "%s: OTA failed: %s", o->s->dev->id, why);
    answer(o, 500, json_pack("{s:b,s:s}", "ok", 0, "error", why));
    ota_verdict_failed(o->c, o->s->dev, why);
}

static void send_chunk(ota *o, unsigned idx, bool with_index)
{
    size_t off = (size_t)idx * OTA_CHUNK;
    size_t n = o->len - off < OTA_CHUNK ? o->len - off : OTA_CHUNK;
    uint32_t crc = (uint32_t)crc32(0, o->data + off, (uInt)n);
    uint8_t crcb[4] = {(uint8_t)(crc >> 24), (uint8_t)(crc >> 16), (uint8_t)(crc >> 8), (uint8_t)crc};
    uint8_t ib[2] = {(uint8_t)(idx >> 8), (uint8_t)idx};
    uint8_t buf[OTA_CHUNK + 32];
    coap_builder b;
    o->token = dsession_new_token(o->s);
    o->mid = dsession_mid(o->s);
    coap_begin(&b, buf, sizeof(buf), COAP_CON, COAP_POST, o->mid, &o->token, 1);
    coap_opt_add(&b, COAP_OPT_URI_PATH, "c", 1);
    /* read by position on the device: 1st the CRC, 2nd the index */
    coap_opt_add(&b, COAP_OPT_URI_QUERY, crcb, 4);
    if (with_index)
        coap_opt_add(&b, COAP_OPT_URI_QUERY, ib, 2);
    coap_payload(&b, o->data + off, n);
    dsession_send(o->s, buf, coap_end(&b));
}

static void send_done(ota *o)
{
    uint8_t buf[8];
    coap_builder b;
    o->token = dsession_new_token(o->s);
    o->mid = dsession_mid(o->s);
    coap_begin(&b, buf, sizeof(buf), COAP_CON, COAP_PUT, o->mid, &o->token, 1);
    coap_opt_add(&b, COAP_OPT_URI_PATH, "u", 1);
    dsession_send(o->s, buf, coap_end(&b));
    o->st = OTA_DONE_WAIT;
    o->rounds++;
    step_deadline(o);
}

ota *ota_start(dsession *s, const uint8_t *data, size_t len, const module_info *mi,
               cloud_reply_fn reply, void *ctx)
{
    (void)mi;
    ota *o = calloc(1, sizeof(*o));
    uint8_t *copy = malloc(len);
    if (!o || !copy) {
        free(o);
        free(copy);
        return NULL;
    }
    memcpy(copy, data, len);
    *o = (ota){.s = s, .c = s->c, .data = copy, .len = len, .reply = reply, .ctx = ctx};
    o->want_fast = !s->c->o.no_fast_ota;
    o->nchunks = (unsigned)((len + OTA_CHUNK - 1) / OTA_CHUNK);
    o->begin_token = o->token = dsession_new_token(s);
    o->mid = dsession_mid(s);
    /* exactly 20 bytes: flags, chunk size, file size, store, address */
    uint8_t p[12] = {o->want_fast ? 1 : 0, OTA_CHUNK >> 8, OTA_CHUNK & 0xFF,
                     (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len,
                     0 /* FIRMWARE */, 0, 0, 0, 0 /* offset in the OTA area */};
    uint8_t buf[24];
    coap_builder b;
    coap_begin(&b, buf, sizeof(buf), COAP_CON, COAP_POST, o->mid, &o->token, 1);
    coap_opt_add(&b, COAP_OPT_URI_PATH, "u", 1);
    coap_payload(&b, p, sizeof(p));
    o->st = OTA_BEGIN;
    step_deadline(o);
    cloud_log(s->c, "%s: OTA of %zu bytes (%u chunks), UpdateBegin sent", s->dev->id, len, o->nchunks);
    dsession_send(s, buf, coap_end(&b));
    return o;
}

static void accepted(ota *o)
{
    if (o->st != OTA_BEGIN)
        return;
    o->st = OTA_READY_WAIT;
    step_deadline(o);
    events_publish(o->c, "spark/flash/status", "started ", 60, false, o->s->dev->id);
    answer(o, 200, json_pack("{s:s,s:s}", "id", o->s->dev->id, "status", "Update started"));
}

static void ready(ota *o, const coap_msg *m)
{
    accepted(o);
    o->fast = o->want_fast && m->payload && m->payload_len >= 1 && (m->payload[0] & 1);
    o->st = OTA_CHUNKS;
    o->next = 0;
    step_deadline(o);
    cloud_debug(o->c, "%s: UpdateReady, %s OTA", o->s->dev->id, o->fast ? "fast" : "non-fast");
    if (!o->fast)
        send_chunk(o, 0, false);
    else
        ota_writable(o);
}

/* The answer to UpdateDone. */
static void done_answer(ota *o, const coap_msg *m)
{
    if (m->code == COAP_BAD_REQUEST && o->fast) {
        o->st = OTA_MISSED_WAIT; /* ChunkMissed follows */
        step_deadline(o);
        return;
    }
    if (m->code != COAP_CHANGED) {
        char why[96];
        snprintf(why, sizeof(why), "the device answered UpdateDone with %d.%02d", m->code >> 5,
                 m->code & 31);
        finish_failed(o, why);
        return;
    }
    o->st = OTA_FINISHED;
    cdev *d = o->s->dev;
    ota_verdict_update_done(d->track, m->payload, m->payload ? m->payload_len : 0);
    d->track->transferred = true;
    d->track->gen = d->gen;
    d->track->deadline = cloud_now(o->c) + o->c->o.reconnect_timeout_ms;
    cloud_log(o->c, "%s: OTA transferred; the device says: %s", d->id, d->track->device_says);
    /* what the real cloud says: it only means the transfer went through */
    events_publish(o->c, "spark/flash/status", "success ", 60, false, d->id);
}

static void missed(ota *o, const coap_msg *m)
{
    free(o->resend);
    o->nresend = (unsigned)(m->payload ? m->payload_len / 2 : 0);
    o->resend = calloc(o->nresend ? o->nresend : 1, sizeof(uint16_t));
    o->resend_pos = 0;
    if (!o->resend) {
        finish_failed(o, "out of memory");
        return;
    }
    unsigned k = 0;
    for (unsigned i = 0; i < o->nresend; i++) {
        unsigned idx = (unsigned)(m->payload[2 * i] << 8 | m->payload[2 * i + 1]);
        if (idx < o->nchunks)
            o->resend[k++] = (uint16_t)idx;
    }
    o->nresend = k;
    cloud_debug(o->c, "%s: the device misses %u chunks", o->s->dev->id, k);
    if (o->rounds >= OTA_MAX_ROUNDS) {
        finish_failed(o, "the device keeps missing chunks");
        return;
    }
    o->st = OTA_CHUNKS;
    step_deadline(o);
    ota_writable(o);
}

bool ota_receive(ota *o, const coap_msg *m)
{
    if (o->st == OTA_FINISHED)
        return false;
    bool ack = m->type == COAP_ACK || m->type == COAP_RST;
    if (ack && m->id == o->mid) {
        if (m->type == COAP_RST) {
            finish_failed(o, "the device reset the OTA request");
        } else if (o->st == OTA_BEGIN) {
            if (m->code == COAP_EMPTY)
                accepted(o);
            else
                finish_failed(o, m->code == COAP_UNAVAILABLE
                                     ? "the device refused the update (5.03: updates disabled)"
                                     : "the device refused UpdateBegin");
        } else if (o->st == OTA_DONE_WAIT) {
            done_answer(o, m);
        }
        /* an empty ACK of a chunk: its ChunkReceived follows */
        return true;
    }
    if (ack)
        return false;
    bool response = m->code >= 0x40;
    if (response && m->tkl == 1 && m->token[0] == o->begin_token && o->st <= OTA_READY_WAIT) {
        if (m->type == COAP_CON)
            dsession_ack(o->s, m->id);
        ready(o, m);
        return true;
    }
    if (response && m->tkl == 1 && m->token[0] == o->token && o->st == OTA_CHUNKS && !o->fast) {
        if (m->type == COAP_CON)
            dsession_ack(o->s, m->id);
        if (m->code == COAP_CHANGED) {
            o->retries = 0;
            if (++o->next == o->nchunks)
                send_done(o);
            else
                send_chunk(o, o->next, false);
        } else if (++o->retries > OTA_MAX_RETRIES) {
            finish_failed(o, "the device keeps reporting a bad chunk CRC");
            return true;
        } else {
            send_chunk(o, o->next, false);
        }
        step_deadline(o);
        return true;
    }
    if (m->code == COAP_GET && coap_path0(m) == 'c') { /* ChunkMissed */
        if (m->type == COAP_CON)
            dsession_ack(o->s, m->id);
        if (o->fast && (o->st == OTA_MISSED_WAIT || o->st == OTA_DONE_WAIT))
            missed(o, m);
        return true;
    }
    return false;
}

bool ota_wants_write(const ota *o)
{
    return o->st == OTA_CHUNKS && o->fast;
}

void ota_writable(ota *o)
{
    if (o->st != OTA_CHUNKS || !o->fast)
        return;
    while (o->st == OTA_CHUNKS && conn_pending_out(o->s->cn) < 8192) {
        if (o->resend) {
            if (o->resend_pos < o->nresend) {
                send_chunk(o, o->resend[o->resend_pos++], true);
                continue;
            }
        } else if (o->next < o->nchunks) {
            send_chunk(o, o->next++, true);
            continue;
        }
        free(o->resend);
        o->resend = NULL;
        send_done(o);
    }
}

void ota_tick(ota *o, int64_t now)
{
    if (o->st == OTA_FINISHED || now < o->deadline)
        return;
    static const char *const what[] = {"the device's answer to UpdateBegin", "UpdateReady",
                                       "a chunk's ChunkReceived", "the answer to UpdateDone",
                                       "the list of missed chunks"};
    char why[128];
    snprintf(why, sizeof(why), "timed out waiting for %s", what[o->st]);
    if (o->st == OTA_BEGIN)
        answer(o, 408, json_pack("{s:b,s:s}", "ok", 0, "error", "Timed out."));
    finish_failed(o, why);
}

int64_t ota_deadline(const ota *o)
{
    return o->st == OTA_FINISHED ? -1 : o->deadline;
}

bool ota_finished(const ota *o)
{
    return o->st == OTA_FINISHED;
}

void ota_session_ended(ota *o, const char *why)
{
    if (o->st == OTA_FINISHED)
        return;
    if (o->st == OTA_DONE_WAIT) {
        /* everything was sent: whatever the device did, its describe
         * after the reconnect tells */
        o->st = OTA_FINISHED;
        cdev *d = o->s->dev;
        ota_verdict_update_done(d->track, NULL, 0);
        snprintf(d->track->device_says, sizeof(d->track->device_says),
                 "no answer to UpdateDone (%s)", why);
        d->track->transferred = true;
        d->track->gen = d->gen;
        d->track->deadline = cloud_now(o->c) + o->c->o.reconnect_timeout_ms;
        return;
    }
    char msg[200];
    snprintf(msg, sizeof(msg), "the device disconnected during the OTA (%s)", why);
    if (o->st == OTA_BEGIN)
        answer(o, 400, json_pack("{s:b,s:s}", "ok", 0, "error", "The device went offline."));
    finish_failed(o, msg);
}

void ota_cancel(ota *o, void *ctx)
{
    if (o->ctx == ctx)
        o->reply = NULL;
}

void ota_free(ota *o)
{
    if (!o)
        return;
    free(o->data);
    free(o->resend);
    free(o);
}
