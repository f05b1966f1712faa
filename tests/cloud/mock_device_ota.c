/* The test double's OTA, after Device OS's chunked_transfer.cpp: a
 * 20-byte UpdateBegin, UpdateReady with the fast flag, chunks checked with
 * zlib's CRC-32 (non-fast: ChunkReceived each; fast: silent, with an
 * index, duplicates dropped), UpdateDone answered with the missing chunks
 * or the verdict in 2.2.0's or 1.5.0's form, then the reset. */
#define _GNU_SOURCE
#include "mock_device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "coap.h"
#include "module.h"

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static unsigned nchunks(const mock_device *d)
{
    return d->chunk_size ? (d->file_size + d->chunk_size - 1) / d->chunk_size : 0;
}

int mock_ota_begin(mock_device *d, const coap_msg *m)
{
    if (d->refuse_updates)
        return mock_reply(d, COAP_ACK, COAP_UNAVAILABLE, m->id, m->tkl, m->token, NULL, 0);
    uint8_t flags = 0;
    d->chunk_size = 512;
    d->file_size = 262144;
    if (m->payload && m->payload_len == 12) { /* the device checks for exactly 20 bytes */
        flags = m->payload[0];
        d->chunk_size = (uint32_t)(m->payload[1] << 8 | m->payload[2]);
        d->file_size = be32(m->payload + 3);
    }
    if (d->chunk_size == 0 || d->file_size == 0 || d->file_size > 262144)
        return mock_reply(d, COAP_ACK, COAP_UNAVAILABLE, m->id, m->tkl, m->token, NULL, 0);
    free(d->ota);
    free(d->received);
    d->ota = calloc(1, d->file_size);
    d->received = calloc(nchunks(d), 1);
    d->fast = (flags & 1) && d->fast_ota;
    /* non-fast: the bitmap is pre-filled; any index is then a duplicate */
    memset(d->received, d->fast ? 0 : 1, nchunks(d));
    d->chunk_index = 0;
    d->updating = true;
    memset(d->dropped_once, 0, sizeof(d->dropped_once));
    int rc = mock_ack(d, m->id);
    uint8_t f = d->fast ? 1 : 0;
    return rc | mock_reply(d, COAP_NON, COAP_CHANGED, mock_next_mid(d), 1, m->token, &f, 1);
}

static bool drop_now(mock_device *d, int idx)
{
    for (int i = 0; i < d->ndrop; i++)
        if (d->drop[i] == idx && !d->dropped_once[i]) {
            d->dropped_once[i] = true;
            return true;
        }
    return false;
}

int mock_ota_chunk(mock_device *d, const coap_msg *m)
{
    d->chunks_seen++;
    if (d->mute_ota)
        return 0;
    if (!d->updating)
        return 0; /* no ACK: "received chunk when not updating" */
    const coap_opt *crc = coap_find(m, COAP_OPT_URI_QUERY, 0);
    const coap_opt *idx = coap_find(m, COAP_OPT_URI_QUERY, 1);
    bool fast = idx != NULL;
    int rc = 0;
    if (!fast)
        rc = mock_ack(d, m->id);
    if (fast && idx->len == 2)
        d->chunk_index = idx->val[0] << 8 | idx->val[1];
    if (d->chunk_index < 0 || (unsigned)d->chunk_index >= nchunks(d) || !m->payload)
        return rc;
    if (fast && d->received[d->chunk_index])
        return rc; /* duplicate */
    if (fast && drop_now(d, d->chunk_index))
        return rc; /* lost on the way */
    bool ok = crc && crc->len == 4 &&
              be32(crc->val) == (uint32_t)crc32(0, m->payload, (uInt)m->payload_len);
    size_t off = (size_t)d->chunk_index * d->chunk_size;
    if (ok && off + m->payload_len <= d->file_size) {
        memcpy(d->ota + off, m->payload, m->payload_len);
        d->received[d->chunk_index] = 1;
        d->chunk_index++;
    }
    if (!fast)
        rc |= mock_reply(d, COAP_NON, ok ? COAP_CHANGED : COAP_BAD_REQUEST, mock_next_mid(d), 1,
                         m->token, NULL, 0);
    return rc;
}

/* What the device's validation says of the received image: 2.2.0's r. */
static int validate(mock_device *d, module_info *mi, int *vv)
{
    char err[128];
    *vv = 30;
    if (module_parse(d->ota, d->file_size, mi, err, sizeof(err)))
        return *vv = 0, -1300;
    if (!mi->crc_ok)
        *vv &= ~2;
    if (mi->platform != 6)
        *vv &= ~16;
    if (mi->func == 5 && mi->dep1.version > d->system2_version)
        *vv &= ~4;
    if (d->verdict_r)
        return d->verdict_r;
    return !mi->crc_ok ? -1330 : mi->platform != 6 ? -1360 : 0;
}

static void hexs(const uint8_t *b, char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

int mock_ota_done(mock_device *d, const coap_msg *m)
{
    if (d->mute_ota)
        return 0;
    unsigned n = nchunks(d), missing = 0, first = n;
    for (unsigned i = 0; d->updating && i < n; i++)
        if (!d->received[i]) {
            missing++;
            if (first == n)
                first = i;
        }
    if (missing) { /* fast OTA only: the bitmap of a non-fast one is full */
        int rc = mock_reply(d, COAP_ACK, COAP_BAD_REQUEST, m->id, m->tkl, m->token, NULL, 0);
        uint8_t list[80];
        unsigned k = 0;
        for (unsigned i = first; i < n && k < 40; i++)
            if (!d->received[i]) {
                list[2 * k] = (uint8_t)(i >> 8);
                list[2 * k + 1] = (uint8_t)i;
                k++;
            }
        d->missed_rounds++;
        return rc | mock_send_msg(d, d->v15 ? COAP_CON : COAP_NON, COAP_GET, "c", NULL, 0, list,
                                  2 * k, NULL);
    }
    module_info mi;
    int vv, r = validate(d, &mi, &vv);
    char payload[600], sha[65] = "";
    if (mi.sha_present)
        hexs(mi.sha_stored, sha);
    if (d->no_verdict)
        payload[0] = 0;
    else if (d->v15)
        snprintf(payload, sizeof(payload),
                 "{\"r\":\"%s\",\"u\":{\"s\":131072,\"l\":\"t\",\"vc\":30,\"vv\":%d,\"u\":\"%s\","
                 "\"f\":\"u\",\"n\":\"1\",\"v\":%u,\"d\":[{\"f\":\"s\",\"n\":\"2\",\"v\":%u,\"_\":\"\"}]}}",
                 r == -1300 ? "error" : "ok", vv, sha, mi.version, mi.dep1.version);
    else
        snprintf(payload, sizeof(payload), "{\"r\":%d}", r);
    int rc = mock_reply(d, COAP_ACK, COAP_CHANGED, m->id, m->tkl, m->token, payload, strlen(payload));
    if (d->updating) { /* the device resets even when the image is refused */
        d->updating = false;
        d->ota_done++;
        d->reboot_pending = true;
    }
    return rc;
}

bool mock_reboot(mock_device *d)
{
    d->reboot_pending = false;
    if (d->state == MOCK_SESSION && !d->v15) {
        uint8_t bye[] = {0x00, 70}; /* flags, reset reason: update */
        mock_send_msg(d, COAP_NON, COAP_POST, "x", NULL, 0, bye, sizeof(bye), NULL);
    }
    mock_disconnect(d);
    /* the bootloader: copy the module if the slot was written and it
     * checks out; the system then checks the dependencies */
    module_info mi;
    int vv;
    int r = d->ota ? validate(d, &mi, &vv) : -1300;
    if (r == 0 && d->boot == MOCK_APPLY && mi.func == 5) {
        if (mi.sha_present)
            hexs(mi.sha_stored, d->user_sha);
        d->user_version = mi.version;
        d->user_dep_version = mi.dep1.version;
        d->user_vc = 30;
        d->user_vv = vv;
        d->safe_mode = vv != 30;
    }
    d->last_reset = "update";
    return mock_connect(d) == 0;
}
