/* USB/IP server protocol engine (see usbip_proto.h). Message layouts are
 * those of Linux's usbip (big endian; the setup packet raw). */
#include "usbip_proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { C_OP, C_IMPORTED, C_CLOSING };

#define OP_HDR 8
#define URB_HDR 48
#define DEV_SIZE 312

struct usbip_pending {
    usb_urb u;
    usbip_conn *c;
    uint32_t seqnum;
    uint32_t np;
    bool in;
    usbip_pending *next, *prev;
    uint8_t data[];
};

static void plog(usbip_proto *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void plog(usbip_proto *p, const char *fmt, ...)
{
    if (!p->log)
        return;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    p->log(p->log_ctx, buf);
}

void usbip_proto_init(usbip_proto *p, const usbip_backend *be)
{
    memset(p, 0, sizeof(*p));
    p->be = *be;
}

usbip_conn *usbip_conn_new(usbip_proto *p)
{
    usbip_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->p = p;
    c->state = C_OP;
    /* oldest first: a client that closes its import and reconnects at once
     * is seen leaving before it is seen importing again */
    usbip_conn **pp = &p->conns;
    while (*pp)
        pp = &(*pp)->next;
    *pp = c;
    return c;
}

bool usbip_conn_closing(const usbip_conn *c)
{
    return c->state == C_CLOSING;
}

static void close_conn(usbip_conn *c, const char *why)
{
    if (c->state != C_CLOSING) {
        snprintf(c->why, sizeof(c->why), "%s", why);
        c->state = C_CLOSING;
    }
    if (c->p->importer == c)
        c->p->importer = NULL;
}

/* Grow a buffer to hold `need` bytes (doubling from 4 KB, at most `max`).
 * Returns false, with the connection closed, when it cannot. */
static bool grow(usbip_conn *c, uint8_t **buf, size_t *cap, size_t need, size_t max,
                 const char *too_big)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    if (n > max)
        n = max;
    if (need > n) {
        close_conn(c, too_big);
        return false;
    }
    uint8_t *b = realloc(*buf, n);
    if (!b) {
        close_conn(c, "out of memory");
        return false;
    }
    *buf = b;
    *cap = n;
    return true;
}

/* ---- output ----------------------------------------------------------- */

static uint8_t *out_reserve(usbip_conn *c, size_t n)
{
    if (c->out_sent && c->out_sent == c->out_len)
        c->out_sent = c->out_len = 0;
    if (c->out_len - c->out_sent + n > USBIP_MAX_OUT) {
        close_conn(c, "the client does not read its replies");
        return NULL;
    }
    if (c->out_len + n > c->out_cap) {
        if (c->out_sent) {
            memmove(c->out, c->out + c->out_sent, c->out_len - c->out_sent);
            c->out_len -= c->out_sent;
            c->out_sent = 0;
        }
        if (!grow(c, &c->out, &c->out_cap, c->out_len + n, SIZE_MAX, "output overflow"))
            return NULL;
    }
    uint8_t *w = c->out + c->out_len;
    memset(w, 0, n);
    c->out_len += n;
    return w;
}

static void output_ready(usbip_conn *c)
{
    if (c->p->on_output)
        c->p->on_output(c->p->on_output_ctx, c);
}

void usbip_conn_sent(usbip_conn *c, size_t n)
{
    c->out_sent += n;
    if (c->out_sent >= c->out_len)
        c->out_sent = c->out_len = 0;
}

static void op_reply(usbip_conn *c, uint16_t code, uint32_t status)
{
    uint8_t *b = out_reserve(c, OP_HDR);
    if (!b)
        return;
    usbip_put16(b, USBIP_VERSION);
    usbip_put16(b + 2, code);
    usbip_put32(b + 4, status);
}

static void put_device(uint8_t *b, const usbip_dev_info *d)
{
    memcpy(b, d->path, 256);
    b[255] = 0;
    memcpy(b + 256, d->busid, 32);
    b[256 + 31] = 0;
    usbip_put32(b + 288, d->busnum);
    usbip_put32(b + 292, d->devnum);
    usbip_put32(b + 296, d->speed);
    usbip_put16(b + 300, (uint16_t)(d->dev_desc[8] | d->dev_desc[9] << 8));
    usbip_put16(b + 302, (uint16_t)(d->dev_desc[10] | d->dev_desc[11] << 8));
    usbip_put16(b + 304, (uint16_t)(d->dev_desc[12] | d->dev_desc[13] << 8));
    b[306] = d->dev_desc[4];
    b[307] = d->dev_desc[5];
    b[308] = d->dev_desc[6];
    b[309] = d->config_len >= 9 ? d->config[5] : 0;
    b[310] = d->dev_desc[17];
    b[311] = d->config_len >= 9 ? d->config[4] : 0;
}

static void reply_devlist(usbip_conn *c)
{
    usbip_dev_info d;
    memset(&d, 0, sizeof(d));
    bool have = c->p->be.device(c->p->be.ctx, &d);
    unsigned nif = have && d.config_len >= 9 ? d.config[4] : 0;
    uint8_t *b = out_reserve(c, OP_HDR + 4 + (have ? DEV_SIZE + 4 * nif : 0));
    if (!b)
        return;
    usbip_put16(b, USBIP_VERSION);
    usbip_put16(b + 2, OP_REP_DEVLIST);
    usbip_put32(b + 4, USBIP_ST_OK);
    usbip_put32(b + 8, have ? 1 : 0);
    if (!have)
        return;
    put_device(b + 12, &d);
    /* the first altsetting of each interface, in order */
    uint8_t *ifs = b + 12 + DEV_SIZE;
    unsigned found = 0, p = 0;
    while (p + 2 <= d.config_len && found < nif) {
        unsigned l = d.config[p];
        if (l < 2 || p + l > d.config_len)
            break;
        if (d.config[p + 1] == 4 && l >= 9 && d.config[p + 3] == 0) {
            ifs[4 * found] = d.config[p + 5];
            ifs[4 * found + 1] = d.config[p + 6];
            ifs[4 * found + 2] = d.config[p + 7];
            found++;
        }
        p += l;
    }
}

static void reply_import(usbip_conn *c, const uint8_t *busid)
{
    usbip_dev_info d;
    memset(&d, 0, sizeof(d));
    bool have = c->p->be.device(c->p->be.ctx, &d);
    char want[33];
    memcpy(want, busid, 32);
    want[32] = 0;
    if (!have || strcmp(want, d.busid)) {
        op_reply(c, OP_REP_IMPORT, USBIP_ST_NODEV);
        close_conn(c, "import of an unknown bus id");
        return;
    }
    if (c->p->importer) {
        op_reply(c, OP_REP_IMPORT, USBIP_ST_DEV_BUSY);
        close_conn(c, "the device is already imported by another client");
        return;
    }
    uint8_t *b = out_reserve(c, OP_HDR + DEV_SIZE);
    if (!b)
        return;
    usbip_put16(b, USBIP_VERSION);
    usbip_put16(b + 2, OP_REP_IMPORT);
    usbip_put32(b + 4, USBIP_ST_OK);
    put_device(b + OP_HDR, &d);
    c->state = C_IMPORTED;
    c->devid = d.busnum << 16 | d.devnum;
    c->p->importer = c;
    plog(c->p, "usbip: client imported %s (device %u)", d.busid, d.devnum);
}

static void ret_submit(usbip_conn *c, uint32_t seqnum, int status, uint32_t actual,
                       uint32_t np, const uint8_t *data, bool in)
{
    uint32_t dlen = in && data ? actual : 0;
    uint8_t *b = out_reserve(c, URB_HDR + dlen);
    if (!b)
        return;
    usbip_put32(b, USBIP_RET_SUBMIT);
    usbip_put32(b + 4, seqnum);
    usbip_put32(b + 20, (uint32_t)status);
    usbip_put32(b + 24, actual);
    usbip_put32(b + 32, np);
    if (dlen)
        memcpy(b + URB_HDR, data, dlen);
    if (status)
        c->errors++;
}

static void ret_unlink(usbip_conn *c, uint32_t seqnum, int status)
{
    uint8_t *b = out_reserve(c, URB_HDR);
    if (!b)
        return;
    usbip_put32(b, USBIP_RET_UNLINK);
    usbip_put32(b + 4, seqnum);
    usbip_put32(b + 20, (uint32_t)status);
}

/* ---- transfers -------------------------------------------------------- */

static void unlink_pending(usbip_conn *c, usbip_pending *q)
{
    if (q->prev)
        q->prev->next = q->next;
    else
        c->pending = q->next;
    if (q->next)
        q->next->prev = q->prev;
    else
        c->pending_tail = q->prev;
    q->next = q->prev = NULL;
    c->npending--;
    c->p->pending_count--;
}

static void urb_done(usb_urb *u)
{
    usbip_pending *q = (usbip_pending *)u;
    usbip_conn *c = q->c;
    if (!c) { /* its connection is gone */
        free(q);
        return;
    }
    unlink_pending(c, q);
    if (c->state == C_IMPORTED || c->state == C_CLOSING)
        ret_submit(c, q->seqnum, u->status, u->actual, q->np, q->data, q->in);
    free(q);
    output_ready(c);
}

static void handle_submit(usbip_conn *c, const uint8_t *h, const uint8_t *data)
{
    uint32_t seqnum = usbip_get32(h + 4), devid = usbip_get32(h + 8);
    bool in = usbip_get32(h + 12) == 1;
    uint32_t ep = usbip_get32(h + 16), flags = usbip_get32(h + 20);
    uint32_t tbl = usbip_get32(h + 24), np = usbip_get32(h + 32);
    const uint8_t *setup = h + 40;
    c->submits++;
    if (devid != c->devid) {
        ret_submit(c, seqnum, -ENODEV, 0, np, NULL, in);
        return;
    }
    if (ep > 15) {
        ret_submit(c, seqnum, -EINVAL, 0, np, NULL, in);
        return;
    }
    if (ep == 0) {
        /* Like Linux's stub: the host side owns the address. */
        if (setup[0] == 0x00 && setup[1] == 5) {
            ret_submit(c, seqnum, 0, 0, np, NULL, in);
            return;
        }
        if (in != ((setup[0] & 0x80) != 0)) {
            /* the header and the setup packet disagree on the direction */
            ret_submit(c, seqnum, -EINVAL, 0, np, NULL, in);
            return;
        }
    }
    usbip_pending *q = calloc(1, sizeof(*q) + tbl + 1);
    if (!q) {
        ret_submit(c, seqnum, -ENOMEM, 0, np, NULL, in);
        return;
    }
    q->c = c;
    q->seqnum = seqnum;
    q->np = np;
    q->in = in;
    q->u.ep = (uint8_t)(ep == 0 ? 0 : (ep | (in ? 0x80u : 0)));
    memcpy(q->u.setup, setup, 8);
    q->u.buf = q->data;
    q->u.len = tbl;
    q->u.zero_packet = (flags & 0x40) != 0;
    q->u.done = urb_done;
    q->u.ctx = q;
    if (!in && data && tbl)
        memcpy(q->data, data, tbl);
    q->prev = c->pending_tail;
    if (c->pending_tail)
        c->pending_tail->next = q;
    else
        c->pending = q;
    c->pending_tail = q;
    c->npending++;
    c->p->pending_count++;
    int r;
    if (ep == 0 && setup[0] == 0x23 && setup[1] == 3 && setup[2] == 4 && setup[3] == 0)
        r = c->p->be.port_reset(c->p->be.ctx, &q->u); /* SET_FEATURE(PORT_RESET) */
    else
        r = c->p->be.submit(c->p->be.ctx, &q->u);
    if (r) {
        unlink_pending(c, q);
        ret_submit(c, seqnum, r, 0, np, NULL, in);
        free(q);
    }
}

static void handle_unlink(usbip_conn *c, const uint8_t *h)
{
    uint32_t seqnum = usbip_get32(h + 4), target = usbip_get32(h + 20);
    for (usbip_pending *q = c->pending; q; q = q->next) {
        if (q->seqnum != target)
            continue;
        if (c->p->be.cancel(c->p->be.ctx, &q->u)) {
            unlink_pending(c, q);
            free(q);
            ret_unlink(c, seqnum, -ECONNRESET);
            return;
        }
        break;
    }
    ret_unlink(c, seqnum, 0); /* already completed: its RET_SUBMIT went out */
}

/* ---- input ------------------------------------------------------------ */

/* Consume one message from b[0..n) if complete. Returns the bytes used,
 * 0 if more are needed, or -1 when the connection must close. */
static long parse_one(usbip_conn *c, const uint8_t *b, size_t n)
{
    if (c->state == C_OP) {
        if (n < OP_HDR)
            return 0;
        uint16_t version = usbip_get16(b), code = usbip_get16(b + 2);
        if (version != USBIP_VERSION) {
            op_reply(c, code & 0x7FFF, USBIP_ST_ERROR);
            close_conn(c, "unsupported protocol version");
            return -1;
        }
        switch (code) {
        case OP_REQ_DEVLIST:
            reply_devlist(c);
            close_conn(c, "device list sent");
            return OP_HDR;
        case OP_REQ_IMPORT:
            if (n < OP_HDR + 32)
                return 0;
            reply_import(c, b + OP_HDR);
            return OP_HDR + 32;
        default:
            op_reply(c, code & 0x7FFF, USBIP_ST_ERROR);
            close_conn(c, "unknown operation");
            return -1;
        }
    }
    if (c->state != C_IMPORTED)
        return -1;
    if (n < URB_HDR)
        return 0;
    uint32_t cmd = usbip_get32(b);
    if (cmd == USBIP_CMD_UNLINK) {
        handle_unlink(c, b);
        return URB_HDR;
    }
    if (cmd != USBIP_CMD_SUBMIT) {
        close_conn(c, "unknown command");
        return -1;
    }
    uint32_t dir = usbip_get32(b + 12), tbl = usbip_get32(b + 24), np = usbip_get32(b + 32);
    if (dir > 1) {
        close_conn(c, "bad direction");
        return -1;
    }
    if (tbl > USBIP_MAX_XFER) {
        close_conn(c, "transfer buffer length too large");
        return -1;
    }
    if (np != 0 && np != 0xFFFFFFFFu) {
        close_conn(c, "isochronous transfers are not supported");
        return -1;
    }
    size_t need = URB_HDR + (dir == 0 ? tbl : 0);
    if (n < need)
        return 0;
    handle_submit(c, b, b + URB_HDR);
    return (long)need;
}

bool usbip_conn_feed(usbip_conn *c, const uint8_t *data, size_t len)
{
    if (c->state == C_CLOSING)
        return false;
    if (!grow(c, &c->in, &c->in_cap, c->in_len + len, URB_HDR + USBIP_MAX_XFER + 65536,
              "input overflow"))
        return false;
    memcpy(c->in + c->in_len, data, len);
    c->in_len += len;
    size_t off = 0;
    bool had_output = usbip_conn_unsent(c) > 0;
    while (c->state != C_CLOSING) {
        long used = parse_one(c, c->in + off, c->in_len - off);
        if (used <= 0) {
            if (used < 0 && c->why[0])
                plog(c->p, "usbip: closing a client connection: %s", c->why);
            break;
        }
        off += (size_t)used;
    }
    if (off) {
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
    }
    if (usbip_conn_unsent(c) && !had_output)
        output_ready(c);
    return c->state != C_CLOSING;
}

void usbip_conn_free(usbip_conn *c)
{
    usbip_proto *p = c->p;
    while (c->pending) {
        usbip_pending *q = c->pending;
        unlink_pending(c, q);
        if (p->be.cancel(p->be.ctx, &q->u))
            free(q);
        else
            q->c = NULL; /* the backend still has it: freed when it completes */
    }
    if (p->importer == c)
        p->importer = NULL;
    for (usbip_conn **pp = &p->conns; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    free(c->in);
    free(c->out);
    free(c);
}

bool usbip_conn_imported(const usbip_conn *c)
{
    return c->state == C_IMPORTED;
}

void usbip_proto_device_gone(usbip_proto *p)
{
    for (usbip_conn *c = p->conns; c; c = c->next) {
        if (c->state == C_IMPORTED) {
            close_conn(c, "the device disconnected");
            plog(p, "usbip: the device disconnected; closing the client's import");
            output_ready(c);
        }
    }
    p->importer = NULL;
}

void usbip_proto_free(usbip_proto *p)
{
    while (p->conns)
        usbip_conn_free(p->conns);
}
