/* Asynchronous transfers (shim.h): each submitted transfer is one USB/IP
 * CMD_SUBMIT on its device's import connection; its RET_SUBMIT, read by
 * whichever thread handles events, completes it. A cancellation or an
 * expired timeout sends CMD_UNLINK; the server's RET_UNLINK says whether
 * it took the transfer back (then it ends CANCELLED or TIMED_OUT) or the
 * transfer had already completed (its RET_SUBMIT came first). */
#include "shim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

API struct libusb_transfer *libusb_alloc_transfer(int iso_packets)
{
    if (iso_packets < 0)
        return NULL;
    size_t n = sizeof(shim_xfer) +
               (size_t)iso_packets * sizeof(struct libusb_iso_packet_descriptor);
    shim_xfer *x = calloc(1, n);
    if (!x)
        return NULL;
    x->pub.num_iso_packets = iso_packets;
    return &x->pub;
}

API void libusb_free_transfer(struct libusb_transfer *t)
{
    if (!t)
        return;
    if (t->flags & LIBUSB_TRANSFER_FREE_BUFFER)
        free(t->buffer);
    free(XFER(t));
}

API void libusb_transfer_set_stream_id(struct libusb_transfer *t, uint32_t stream_id)
{
    (void)t;
    (void)stream_id; /* no USB 3 streams on a full-speed device */
}

API uint32_t libusb_transfer_get_stream_id(struct libusb_transfer *t)
{
    (void)t;
    return 0;
}

static void send_unlink(shim_xfer *x, enum libusb_transfer_status why)
{
    libusb_device *d = x->dev;
    uint8_t u[48];
    memset(u, 0, sizeof(u));
    x->unlink_seq = ++d->seq;
    usbip_put32(u, USBIP_CMD_UNLINK);
    usbip_put32(u + 4, x->unlink_seq);
    usbip_put32(u + 8, d->busnum << 16 | d->devnum);
    usbip_put32(u + 20, x->seq);
    x->state = X_UNLINKING;
    x->unlink_status = why;
    x->deadline = shim_now_ms() + UNLINK_GRACE_MS;
    if (!wire_send(d->fd, u, sizeof(u)))
        wire_gone(d);
}

API int libusb_submit_transfer(struct libusb_transfer *t)
{
    if (!t || !t->dev_handle)
        return LIBUSB_ERROR_INVALID_PARAM;
    shim_xfer *x = XFER(t);
    libusb_device *d = t->dev_handle->dev;
    bool control = t->type == LIBUSB_TRANSFER_TYPE_CONTROL;
    if (t->type != LIBUSB_TRANSFER_TYPE_CONTROL && t->type != LIBUSB_TRANSFER_TYPE_BULK &&
        t->type != LIBUSB_TRANSFER_TYPE_INTERRUPT)
        return LIBUSB_ERROR_NOT_SUPPORTED; /* isochronous, streams */
    if (t->length < 0 || (t->length && !t->buffer))
        return LIBUSB_ERROR_INVALID_PARAM;
    uint32_t len = (uint32_t)t->length;
    const uint8_t *setup = NULL;
    bool in = (t->endpoint & 0x80) != 0;
    if (control) {
        if (len < LIBUSB_CONTROL_SETUP_SIZE)
            return LIBUSB_ERROR_INVALID_PARAM;
        setup = t->buffer;
        uint32_t wlength = (uint32_t)(setup[6] | setup[7] << 8);
        if (len < LIBUSB_CONTROL_SETUP_SIZE + wlength)
            return LIBUSB_ERROR_INVALID_PARAM;
        len = wlength;
        in = (setup[0] & 0x80) != 0;
    }
    uint8_t h[48];
    memset(h, 0, sizeof(h));
    usbip_put32(h, USBIP_CMD_SUBMIT);
    usbip_put32(h + 12, in ? 1 : 0);
    usbip_put32(h + 16, control ? 0 : t->endpoint & 0x0Fu);
    uint32_t flags = in ? 0x200 : 0;
    if (in && (t->flags & LIBUSB_TRANSFER_SHORT_NOT_OK))
        flags |= 0x1;
    if (!in && (t->flags & LIBUSB_TRANSFER_ADD_ZERO_PACKET))
        flags |= 0x40;
    usbip_put32(h + 20, flags);
    usbip_put32(h + 24, len);
    usbip_put32(h + 32, 0xFFFFFFFFu);
    if (setup)
        memcpy(h + 40, setup, 8);
    const uint8_t *out = control ? t->buffer + LIBUSB_CONTROL_SETUP_SIZE : t->buffer;

    pthread_mutex_lock(&shim_lock);
    int r = 0;
    if (x->state != X_IDLE) {
        r = LIBUSB_ERROR_BUSY;
    } else if (d->gone || d->fd < 0) {
        r = LIBUSB_ERROR_NO_DEVICE;
    } else {
        x->seq = ++d->seq;
        usbip_put32(h + 4, x->seq);
        usbip_put32(h + 8, d->busnum << 16 | d->devnum);
        if (!wire_send(d->fd, h, sizeof(h)) || (!in && len && !wire_send(d->fd, out, len))) {
            wire_gone(d);
            r = LIBUSB_ERROR_NO_DEVICE;
        }
    }
    if (r == 0) {
        x->ctx = d->ctx;
        x->dev = d;
        d->refs++;
        x->in = in;
        x->state = X_INFLIGHT;
        x->deadline = t->timeout ? shim_now_ms() + t->timeout : 0;
        t->actual_length = 0;
        x->next = d->ctx->inflight;
        d->ctx->inflight = x;
        shim_dbg(d->ctx, "submit #%u ep %02x type %u len %u%s", x->seq, t->endpoint, t->type,
                 len, control ? "" : (in ? " in" : " out"));
    }
    pthread_mutex_unlock(&shim_lock);
    if (r == 0)
        shim_wake(d->ctx);
    return r;
}

API int libusb_cancel_transfer(struct libusb_transfer *t)
{
    if (!t)
        return LIBUSB_ERROR_INVALID_PARAM;
    shim_xfer *x = XFER(t);
    pthread_mutex_lock(&shim_lock);
    int r = 0;
    if (x->state != X_INFLIGHT)
        r = LIBUSB_ERROR_NOT_FOUND; /* not submitted, done, or being cancelled */
    else if (x->dev->gone)
        r = 0; /* it ends with NO_DEVICE at the next event handling */
    else
        send_unlink(x, LIBUSB_TRANSFER_CANCELLED);
    libusb_context *c = x->ctx;
    pthread_mutex_unlock(&shim_lock);
    if (r == 0)
        shim_wake(c);
    return r;
}

/* ---- completion (shim lock held) -------------------------------------- */

static void finish(shim_xfer *x, enum libusb_transfer_status st, shim_xfer **done)
{
    libusb_context *c = x->ctx;
    for (shim_xfer **pp = &c->inflight; *pp; pp = &(*pp)->next) {
        if (*pp == x) {
            *pp = x->next;
            break;
        }
    }
    x->state = X_IDLE;
    x->pub.status = st;
    x->next = *done;
    *done = x;
    shim_dbg(c, "complete #%u: %s, %d bytes", x->seq, st ? "error" : "ok", x->pub.actual_length);
}

static enum libusb_transfer_status urb_status(int32_t status)
{
    switch (status) {
    case 0: return LIBUSB_TRANSFER_COMPLETED;
    case -EPIPE: return LIBUSB_TRANSFER_STALL;
    case -ENODEV:
    case -ESHUTDOWN: return LIBUSB_TRANSFER_NO_DEVICE;
    case -EOVERFLOW: return LIBUSB_TRANSFER_OVERFLOW;
    case -ECONNRESET: return LIBUSB_TRANSFER_CANCELLED;
    case -ETIMEDOUT: return LIBUSB_TRANSFER_TIMED_OUT;
    default: return LIBUSB_TRANSFER_ERROR;
    }
}

static shim_xfer *find(libusb_device *d, uint32_t seq, bool unlink)
{
    for (shim_xfer *x = d->ctx->inflight; x; x = x->next)
        if (x->dev == d && (unlink ? x->state == X_UNLINKING && x->unlink_seq == seq
                                   : x->seq == seq))
            return x;
    return NULL;
}

/* One message from d->in, if complete: bytes used, 0 for more, -1 when the
 * stream makes no sense. */
static long parse_one(libusb_device *d, shim_xfer **done, bool *left)
{
    const uint8_t *b = d->in;
    if (d->in_len < 48)
        return 0;
    uint32_t cmd = usbip_get32(b), seq = usbip_get32(b + 4);
    int32_t status = (int32_t)usbip_get32(b + 20);
    if (cmd == USBIP_RET_UNLINK) {
        shim_xfer *x = find(d, seq, true);
        if (x && status != 0)
            finish(x, x->unlink_status, done);
        /* status 0: it had completed, its RET_SUBMIT came before */
        return 48;
    }
    if (cmd != USBIP_RET_SUBMIT)
        return -1;
    shim_xfer *x = find(d, seq, false);
    if (!x)
        return -1; /* a reply to nothing we sent */
    struct libusb_transfer *t = &x->pub;
    bool control = t->type == LIBUSB_TRANSFER_TYPE_CONTROL;
    uint32_t cap = (uint32_t)t->length - (control ? LIBUSB_CONTROL_SETUP_SIZE : 0);
    uint32_t actual = usbip_get32(b + 24);
    if (actual > cap)
        return -1;
    size_t need = 48 + (x->in ? actual : 0);
    if (d->in_len < need)
        return 0;
    if (x->in && actual)
        memcpy(t->buffer + (control ? LIBUSB_CONTROL_SETUP_SIZE : 0), b + 48, actual);
    t->actual_length = (int)actual;
    enum libusb_transfer_status st = urb_status(status);
    if (status == -ENODEV)
        *left = true;
    finish(x, st, done);
    return (long)need;
}

void xfer_receive(libusb_device *d, shim_xfer **done)
{
    if (d->fd < 0)
        return;
    for (;;) {
        if (d->in_cap - d->in_len < 65536) {
            size_t cap = d->in_cap ? d->in_cap * 2 : 131072;
            uint8_t *g = realloc(d->in, cap);
            if (!g)
                break;
            d->in = g;
            d->in_cap = cap;
        }
        ssize_t n = recv(d->fd, d->in + d->in_len, d->in_cap - d->in_len, MSG_DONTWAIT);
        if (n > 0) {
            d->in_len += (size_t)n;
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            shim_dbg(d->ctx, "the server closed the connection of %s", d->busid);
            wire_gone(d);
        }
        break;
    }
    bool left = false;
    for (;;) {
        long k = parse_one(d, done, &left);
        if (k < 0) {
            shim_dbg(d->ctx, "protocol error from the server: dropping %s", d->busid);
            wire_gone(d);
            break;
        }
        if (k == 0)
            break;
        memmove(d->in, d->in + k, d->in_len - (size_t)k);
        d->in_len -= (size_t)k;
    }
    if (left)
        wire_gone(d); /* the device left: its connection closes after the last reply */
    if (d->gone)
        xfer_fail_device(d, done);
}

void xfer_fail_device(libusb_device *d, shim_xfer **done)
{
    shim_xfer *next;
    for (shim_xfer *x = d->ctx->inflight; x; x = next) {
        next = x->next;
        if (x->dev == d)
            finish(x, LIBUSB_TRANSFER_NO_DEVICE, done);
    }
}

void xfer_timeouts(libusb_context *c, double now, shim_xfer **done)
{
    shim_xfer *next;
    for (shim_xfer *x = c->inflight; x; x = next) {
        next = x->next;
        if (!x->deadline || now < x->deadline)
            continue;
        if (x->state == X_INFLIGHT && !x->dev->gone) {
            shim_dbg(c, "#%u timed out: unlinking", x->seq);
            send_unlink(x, LIBUSB_TRANSFER_TIMED_OUT);
        } else {
            /* no answer to the unlink: the server is not responding */
            wire_gone(x->dev);
            finish(x, x->state == X_UNLINKING ? x->unlink_status : LIBUSB_TRANSFER_NO_DEVICE,
                   done);
        }
    }
}

double xfer_next_deadline(libusb_context *c)
{
    double best = 0;
    for (shim_xfer *x = c->inflight; x; x = x->next)
        if (x->deadline && (!best || x->deadline < best))
            best = x->deadline;
    return best;
}

void xfer_run_callbacks(shim_xfer *done)
{
    /* completed in reverse order of arrival: call them in order */
    shim_xfer *rev = NULL;
    while (done) {
        shim_xfer *n = done->next;
        done->next = rev;
        rev = done;
        done = n;
    }
    while (rev) {
        shim_xfer *x = rev;
        rev = x->next;
        x->next = NULL;
        libusb_device *d = x->dev;
        x->dev = NULL;
        uint8_t flags = x->pub.flags;
        if (x->pub.callback)
            x->pub.callback(&x->pub);
        if (flags & LIBUSB_TRANSFER_FREE_TRANSFER)
            libusb_free_transfer(&x->pub);
        pthread_mutex_lock(&shim_lock);
        shim_unref_locked(d);
        pthread_mutex_unlock(&shim_lock);
    }
}
