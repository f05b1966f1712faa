/* A device's TCP connection: non-blocking reads and writes with bounded
 * buffers, the handshake, then framed and encrypted CoAP messages handed
 * to the session. Garbage, a wrong key, a stalled or vanished peer end
 * the connection with a log line, never the cloud. */
#define _GNU_SOURCE
#include "cloud_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crypto.h"

static int queue_out(conn *cn, const uint8_t *data, size_t len)
{
    if (cn->out_len + len > CONN_OUT_MAX)
        return -1;
    if (cn->out_len + len > cn->out_cap) {
        size_t cap = cn->out_cap ? cn->out_cap : 4096;
        while (cap < cn->out_len + len)
            cap *= 2;
        uint8_t *p = realloc(cn->out, cap);
        if (!p)
            return -1;
        cn->out = p;
        cn->out_cap = cap;
    }
    memcpy(cn->out + cn->out_len, data, len);
    cn->out_len += len;
    return 0;
}

static void flush_out(conn *cn)
{
    size_t done = 0;
    while (done < cn->out_len) {
        ssize_t n = send(cn->fd, cn->out + done, cn->out_len - done, MSG_NOSIGNAL);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            break;
        conn_close(cn, n == 0 ? "the peer closed" : strerror(errno));
        return;
    }
    memmove(cn->out, cn->out + done, cn->out_len - done);
    cn->out_len -= done;
}

conn *conn_new(cloud *c, int fd, const char *peer)
{
    conn *cn = calloc(1, sizeof(*cn));
    if (!cn)
        return NULL;
    cn->c = c;
    cn->fd = fd;
    snprintf(cn->peer, sizeof(cn->peer), "%s", peer);
    cn->state = CONN_HANDSHAKE;
    cn->deadline = cloud_now(c) + CONN_HANDSHAKE_MS;
    if (crypto_random(cn->nonce, sizeof(cn->nonce)) || queue_out(cn, cn->nonce, sizeof(cn->nonce))) {
        free(cn);
        return NULL;
    }
    cloud_debug(c, "%s: connected, nonce sent", peer);
    flush_out(cn);
    return cn;
}

void conn_close(conn *cn, const char *why)
{
    if (cn->state == CONN_CLOSED)
        return;
    cn->state = CONN_CLOSED;
    if (cn->s) {
        dsession_end(cn->s, why);
        cn->s = NULL;
    } else {
        cloud_log(cn->c, "%s: connection closed during the handshake: %s", cn->peer, why);
    }
    if (cn->fd >= 0) {
        close(cn->fd);
        cn->fd = -1;
    }
}

void conn_free(conn *cn)
{
    if (!cn)
        return;
    conn_close(cn, "freed");
    free(cn->out);
    free(cn);
}

bool conn_wants_write(const conn *cn)
{
    return cn->state != CONN_CLOSED &&
           (cn->out_len > 0 || (cn->state == CONN_SESSION && cn->s && dsession_wants_write(cn->s)));
}

size_t conn_pending_out(const conn *cn)
{
    return cn->out_len;
}

int conn_send(conn *cn, const uint8_t *msg, size_t len)
{
    if (cn->state != CONN_SESSION)
        return -1;
    uint8_t frame[2 + CHANNEL_MAX_PLAIN_TO_DEVICE + 16];
    if (len > CHANNEL_MAX_PLAIN_TO_DEVICE) {
        cloud_log(cn->c, "%s: refusing to send a %zu-byte message (the device takes %d)", cn->peer,
                  len, CHANNEL_MAX_PLAIN_TO_DEVICE);
        return -1;
    }
    cloud_log_message(cn->c, cn->peer, "->", msg, len);
    int n = channel_seal(&cn->ch, msg, len, frame, sizeof(frame));
    /* one frame is queued whole, so it leaves in one send() when it can:
     * the device drops a lone byte of the length */
    if (n < 0 || queue_out(cn, frame, (size_t)n)) {
        conn_close(cn, "the device does not read (output buffer full)");
        return -1;
    }
    return 0;
}

/* The device's 256 bytes arrived: check them, learn or check its key,
 * answer C ‖ S and start the session. */
static void handshake(conn *cn)
{
    cloud *c = cn->c;
    hs_hello h;
    char err[400], id[25];
    if (handshake_open(c->key, cn->nonce, cn->in, &h, err, sizeof(err))) {
        conn_close(cn, err);
        return;
    }
    handshake_id_hex(h.device_id, id);
    store_device d;
    int known = store_get(c->st, id, &d);
    if (known < 0) {
        conn_close(cn, "the cloud store cannot be read");
        return;
    }
    if (known == 0) {
        if (store_add(c->st, id, h.pubkey, h.pubkey_len, 6) < 0) {
            conn_close(cn, "the cloud store cannot be written");
            return;
        }
        cloud_log(c, "%s: new device %s, its public key recorded (trust on first use)", cn->peer, id);
    } else if (d.key_len == 0) {
        store_set_key(c->st, id, h.pubkey, h.pubkey_len);
        cloud_log(c, "%s: device %s (%s): public key recorded", cn->peer, id, d.name);
    } else if (d.key_len != h.pubkey_len || memcmp(d.key, h.pubkey, d.key_len)) {
        if (!c->o.trust_new_keys) {
            snprintf(err, sizeof(err),
                     "device %s (%s) presents a public key other than the one recorded on its "
                     "first connection; refused (start the cloud with --trust-new-keys to accept it)",
                     id, d.name);
            store_device_free(&d);
            conn_close(cn, err);
            return;
        }
        store_set_key(c->st, id, h.pubkey, h.pubkey_len);
        cloud_log(c, "%s: device %s (%s) has a new public key: accepted (--trust-new-keys)", cn->peer,
                  id, d.name);
    }
    if (known == 1)
        store_device_free(&d);
    uint8_t k[HS_SESSION_KEY_LEN], reply[HS_REPLY_LEN];
    if (crypto_random(k, sizeof(k)) ||
        handshake_reply(c->key, h.pubkey, h.pubkey_len, k, reply, err, sizeof(err))) {
        conn_close(cn, err);
        return;
    }
    if (queue_out(cn, reply, sizeof(reply))) {
        conn_close(cn, "out of memory");
        return;
    }
    channel_init(&cn->ch, k);
    memmove(cn->in, cn->in + HS_HELLO_LEN, cn->in_len - HS_HELLO_LEN);
    cn->in_len -= HS_HELLO_LEN;
    cn->state = CONN_SESSION;
    cn->s = dsession_new(c, cn, id);
    if (!cn->s)
        conn_close(cn, "out of memory");
    else
        cloud_debug(c, "%s: handshake done with %s", cn->peer, id);
}

/* Hand every complete frame to the session. */
static void frames(conn *cn)
{
    size_t off = 0;
    while (cn->state == CONN_SESSION) {
        uint8_t plain[CHANNEL_MAX_CIPHERTEXT];
        size_t plen = 0;
        int used = channel_open(&cn->ch, cn->in + off, cn->in_len - off, plain, sizeof(plain), &plen);
        if (used == 0)
            break;
        if (used < 0) {
            conn_close(cn, "a malformed or undecryptable message (protocol error)");
            return;
        }
        off += (size_t)used;
        cloud_log_message(cn->c, cn->peer, "<-", plain, plen);
        if (dsession_receive(cn->s, plain, plen) < 0) {
            conn_close(cn, "protocol error");
            return;
        }
    }
    memmove(cn->in, cn->in + off, cn->in_len - off);
    cn->in_len -= off;
}

bool conn_service(conn *cn, short revents)
{
    if (cn->state == CONN_CLOSED)
        return false;
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        for (;;) {
            size_t want = sizeof(cn->in) - cn->in_len;
            if (cn->state == CONN_HANDSHAKE)
                want = HS_HELLO_LEN > cn->in_len ? HS_HELLO_LEN - cn->in_len : 0;
            if (want == 0)
                break;
            ssize_t n = recv(cn->fd, cn->in + cn->in_len, want, 0);
            if (n > 0) {
                cn->in_len += (size_t)n;
                if (cn->state == CONN_HANDSHAKE && cn->in_len == HS_HELLO_LEN)
                    handshake(cn);
                if (cn->state == CONN_SESSION)
                    frames(cn);
                if (cn->state == CONN_CLOSED)
                    return false;
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                break;
            conn_close(cn, n == 0 ? "the device disconnected" : strerror(errno));
            return false;
        }
    }
    int64_t now = cloud_now(cn->c);
    if (cn->state == CONN_HANDSHAKE && now >= cn->deadline) {
        conn_close(cn, "no handshake within 30 s");
        return false;
    }
    if (cn->state == CONN_SESSION && cn->s)
        dsession_tick(cn->s, now);
    if (cn->state != CONN_CLOSED && cn->out_len)
        flush_out(cn);
    if (cn->state == CONN_SESSION && cn->s && cn->out_len < 8192)
        dsession_writable(cn->s);
    if (cn->state != CONN_CLOSED && cn->out_len)
        flush_out(cn);
    return cn->state != CONN_CLOSED;
}
