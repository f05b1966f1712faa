/* The host end of the USB cable (see usbhost.h). Timing is that of a
 * full-speed bus (12 Mbit/s): each transaction takes its bits on the wire;
 * the frame structure is reduced to a SOF every millisecond (control and
 * bulk transfers are not confined to frames). Enumeration follows what
 * Linux does for a full-speed device on a root port: 100 ms debounce,
 * 10 ms reset, 10 ms recovery, GET_DESCRIPTOR(device, 64), SET_ADDRESS,
 * 2 ms, GET_DESCRIPTOR(device, 18), configuration 9 then all, the
 * language and the three strings, SET_CONFIGURATION. */
#include "usbhost.h"

#include <errno.h>
#include <string.h>

#include "machine.h"

#define BIT_PS 83333u /* one bit at 12 Mbit/s */
#define DEBOUNCE_PS (100 * PS_PER_MS)
#define TDDIS_PS (2500 * PS_PER_US / 1000) /* SE0 this long is a disconnect (USB 2.0 7.1.7.3) */
#define RESET_PS (10 * PS_PER_MS)
#define RECOVERY_PS (10 * PS_PER_MS)
#define SET_ADDRESS_PS (2 * PS_PER_MS)
#define ENUM_TIMEOUT_PS (5 * PS_PER_S)
#define ENUM_TRIES 3

enum { ST_SETUP, ST_DATA, ST_STATUS, ST_ZLP };

enum {
    E_DEV8,
    E_ADDRESS,
    E_DEV18,
    E_CFG9,
    E_CFG,
    E_LANG,
    E_MANUFACTURER,
    E_PRODUCT,
    E_SERIAL,
    E_SETCFG,
    E_DONE,
};

const char *usbhost_state_name(usbhost_state s)
{
    static const char *const n[] = {"no device", "debounce", "reset", "recovery",
                                    "enumerating", "ready", "failed"};
    return (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

static uint64_t now(usbhost *h)
{
    return machine_now(h->m);
}

static double now_ms(usbhost *h)
{
    return (double)now(h) / PS_PER_MS;
}

/* Bits of one transaction on the wire: token, data packet, handshake, and
 * the inter-packet gaps. */
static uint64_t wire_ps(unsigned data_bytes, bool data)
{
    unsigned bits = 4 * 8 + 2 * 8 + 16; /* token + handshake + gaps */
    if (data)
        bits += (data_bytes + 3) * 8 + 8;
    return (uint64_t)bits * BIT_PS;
}

static void notify(usbhost *h, usbhost_event ev)
{
    for (int i = 0; i < h->nlisteners; i++)
        h->listeners[i].fn(h->listeners[i].ctx, h, ev);
}

/* ---- transfer engine -------------------------------------------------- */

static bool pipe_ready(const usbhost_pipe *p)
{
    return p->head && !p->waiting;
}

static void schedule(usbhost *h, uint64_t delay)
{
    if (h->xfer_ev.armed)
        return;
    for (unsigned i = 0; i < 32; i++) {
        if (pipe_ready(&h->pipe[i])) {
            clock_arm(&h->m->clock, &h->xfer_ev, now(h) + delay);
            return;
        }
    }
}

static void unlink_head(usbhost_pipe *p)
{
    usb_urb *u = p->head;
    p->head = u->next;
    if (!p->head)
        p->tail = NULL;
    u->next = NULL;
    p->waiting = false;
}

static void complete(usbhost *h, usbhost_pipe *p, int status)
{
    usb_urb *u = p->head;
    unlink_head(p);
    u->status = status;
    if (log_on(&h->m->log, LOG_USB)) {
        if (u->ep == 0)
            log_msg(&h->m->log, LOG_USB,
                    "[%.3f ms] usb: control %02x %02x %02x%02x %02x%02x len %u -> %d, %u bytes",
                    now_ms(h), u->setup[0], u->setup[1], u->setup[3], u->setup[2], u->setup[5],
                    u->setup[4], u->data_len, status, u->actual);
        else
            log_msg(&h->m->log, LOG_USB, "[%.3f ms] usb: ep 0x%02x len %u -> %d, %u bytes",
                    now_ms(h), u->ep, u->len, status, u->actual);
    }
    if (u->done)
        u->done(u);
}

static void fail_pipe(usbhost_pipe *p, int status, bool internal_too)
{
    usb_urb **pp = &p->head, *keep_head = NULL, **keep_tail = &keep_head;
    usb_urb *fail = NULL, **fail_tail = &fail;
    while (*pp) {
        usb_urb *u = *pp;
        *pp = u->next;
        u->next = NULL;
        if (u->internal && !internal_too) {
            *keep_tail = u;
            keep_tail = &u->next;
        } else {
            *fail_tail = u;
            fail_tail = &u->next;
        }
    }
    p->head = keep_head;
    p->tail = NULL;
    for (usb_urb *u = keep_head; u; u = u->next)
        p->tail = u;
    p->waiting = false;
    while (fail) {
        usb_urb *u = fail;
        fail = u->next;
        u->next = NULL;
        u->status = status;
        if (u->done)
            u->done(u);
    }
}

static void fail_all(usbhost *h, int status, bool internal_too)
{
    for (unsigned i = 0; i < 32; i++)
        fail_pipe(&h->pipe[i], status, internal_too);
}

/* One transaction of the control transfer at the head of pipe 0. */
/* An IN data packet of n bytes for the URB at the head of p, which wants
 * `want` bytes in all. Returns 1 when its data is complete (a short packet,
 * or all of it), 0 when more is to come, -1 when the packet overflowed
 * (the URB is then completed with -EOVERFLOW). */
static int take_in(usbhost *h, usbhost_pipe *p, const uint8_t *pkt, unsigned n,
                   unsigned want, unsigned mps)
{
    usb_urb *u = p->head;
    unsigned room = want - u->actual;
    if (n > room || n > mps) {
        memcpy(u->buf + u->actual, pkt, room);
        u->actual += room;
        complete(h, p, -EOVERFLOW);
        return -1;
    }
    memcpy(u->buf + u->actual, pkt, n);
    u->actual += n;
    return n < mps || u->actual == want;
}

static uint64_t control_step(usbhost *h, usbhost_pipe *p)
{
    usb_urb *u = p->head;
    const usb_device_ops *ops = h->port->ops;
    void *dev = h->port->dev;
    bool in = (u->setup[0] & 0x80) != 0;
    unsigned mps = h->mps0 ? h->mps0 : 64;
    usb_handshake hs;
    unsigned n = 0;
    uint64_t t;
    switch (u->stage) {
    case ST_SETUP:
        hs = ops->setup(dev, u->setup);
        t = wire_ps(8, true);
        if (hs == USB_ACK)
            u->stage = u->data_len ? ST_DATA : ST_STATUS;
        break;
    case ST_DATA:
        if (in) {
            uint8_t pkt[1024];
            hs = ops->in(dev, 0, pkt, sizeof(pkt), &n);
            t = wire_ps(n, hs == USB_ACK);
            if (hs == USB_ACK) {
                int r = take_in(h, p, pkt, n, u->data_len, mps);
                if (r < 0)
                    return t;
                if (r)
                    u->stage = ST_STATUS;
            }
        } else {
            n = u->data_len - u->actual;
            if (n > mps)
                n = mps;
            hs = ops->out(dev, 0, u->buf + u->actual, n);
            t = wire_ps(n, true);
            if (hs == USB_ACK) {
                u->actual += n;
                if (u->actual == u->data_len)
                    u->stage = ST_STATUS;
            }
        }
        break;
    default: /* status: the opposite direction, zero length */
        if (in && u->data_len) {
            hs = ops->out(dev, 0, NULL, 0);
            t = wire_ps(0, true);
        } else {
            uint8_t pkt[1024];
            hs = ops->in(dev, 0, pkt, sizeof(pkt), &n);
            t = wire_ps(n, hs == USB_ACK);
        }
        if (hs == USB_ACK) {
            complete(h, p, 0);
            return t;
        }
        break;
    }
    if (hs == USB_NAK) {
        p->waiting = true;
        h->naks++;
        t = wire_ps(0, false);
    } else if (hs == USB_STALL) {
        complete(h, p, -EPIPE);
    } else if (hs == USB_NONE) {
        complete(h, p, -EPROTO);
    } else {
        h->bytes += n;
    }
    return t;
}

/* One transaction of the bulk or interrupt transfer at the head of pipe i. */
static uint64_t data_step(usbhost *h, usbhost_pipe *p, unsigned i)
{
    usb_urb *u = p->head;
    const usb_device_ops *ops = h->port->ops;
    void *dev = h->port->dev;
    int ep = (int)(i & 15);
    unsigned mps = h->ep_mps[i] ? h->ep_mps[i] : 64;
    usb_handshake hs;
    unsigned n = 0;
    uint64_t t;
    if (i & 16) {
        uint8_t pkt[1024];
        hs = ops->in(dev, ep, pkt, sizeof(pkt), &n);
        t = wire_ps(n, hs == USB_ACK);
        if (hs == USB_ACK) {
            h->bytes += n;
            if (take_in(h, p, pkt, n, u->len, mps) > 0)
                complete(h, p, 0);
            return t;
        }
    } else {
        bool zlp = u->stage == ST_ZLP;
        n = zlp ? 0 : u->len - u->actual;
        if (n > mps)
            n = mps;
        hs = ops->out(dev, ep, u->buf + u->actual, n);
        t = wire_ps(n, true);
        if (hs == USB_ACK) {
            h->bytes += n;
            u->actual += n;
            if (zlp || (u->actual == u->len && (n < mps || !u->zero_packet || u->len == 0)))
                complete(h, p, 0);
            else if (u->actual == u->len)
                u->stage = ST_ZLP;
            return t;
        }
    }
    if (hs == USB_NAK) {
        p->waiting = true;
        h->naks++;
        t = wire_ps(0, false);
    } else if (hs == USB_STALL) {
        complete(h, p, -EPIPE);
    } else {
        complete(h, p, -EPROTO);
    }
    return t;
}

static void xfer_fire(void *arg)
{
    usbhost *h = arg;
    if (h->state != USBH_ENUMERATING && h->state != USBH_READY)
        return;
    for (unsigned k = 0; k < 32; k++) {
        unsigned i = (h->rr + k) % 32;
        usbhost_pipe *p = &h->pipe[i];
        if (!pipe_ready(p))
            continue;
        h->rr = (i + 1) % 32;
        h->transactions++;
        uint64_t t = i == 0 ? control_step(h, p) : data_step(h, p, i);
        schedule(h, t);
        return;
    }
}

static void kick(void *arg)
{
    usbhost *h = arg;
    bool any = false;
    for (unsigned i = 0; i < 32; i++) {
        if (h->pipe[i].waiting) {
            h->pipe[i].waiting = false;
            any = true;
        }
    }
    if (any)
        schedule(h, wire_ps(0, false));
}

static void enqueue(usbhost *h, usb_urb *u)
{
    usbhost_pipe *p = &h->pipe[usbhost_pipe_of(u->ep)];
    u->next = NULL;
    u->status = 0;
    u->actual = 0;
    u->stage = u->ep == 0 ? ST_SETUP : ST_DATA;
    if (p->tail)
        p->tail->next = u;
    else
        p->head = u;
    p->tail = u;
    schedule(h, wire_ps(0, false));
}

int usbhost_submit(usbhost *h, usb_urb *u)
{
    if (h->state != USBH_READY)
        return -ENODEV;
    unsigned i = usbhost_pipe_of(u->ep);
    if (i == 0) {
        u->ep = 0;
        uint32_t wlen = u->setup[6] | (uint32_t)u->setup[7] << 8;
        u->data_len = wlen < u->len ? wlen : u->len;
    } else {
        uint8_t type = h->ep_type[i];
        if (!type)
            return -EPIPE; /* no such endpoint in the configuration */
        if (type - 1 == 1)
            return -EINVAL; /* isochronous: not supported */
        u->data_len = u->len;
    }
    u->internal = false;
    if (log_on(&h->m->log, LOG_USB) && i == 0)
        log_msg(&h->m->log, LOG_USB, "[%.3f ms] usb: submit control %02x %02x %02x%02x %02x%02x len %u",
                now_ms(h), u->setup[0], u->setup[1], u->setup[3], u->setup[2], u->setup[5],
                u->setup[4], u->data_len);
    enqueue(h, u);
    return 0;
}

bool usbhost_cancel(usbhost *h, usb_urb *u)
{
    usbhost_pipe *p = &h->pipe[usbhost_pipe_of(u->ep)];
    usb_urb **pp = &p->head, *prev = NULL;
    while (*pp && *pp != u) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp) {
        if (h->reset_urb == u) {
            h->reset_urb = NULL;
            return true;
        }
        return false;
    }
    *pp = u->next;
    if (p->tail == u)
        p->tail = prev;
    u->next = NULL;
    if (pp == &p->head)
        p->waiting = false; /* the next transfer starts afresh */
    schedule(h, wire_ps(0, false));
    return true;
}

/* ---- port state ------------------------------------------------------- */

static void sof_fire(void *arg)
{
    usbhost *h = arg;
    if (!h->sof_on)
        return;
    h->frame = (h->frame + 1) & 0x7FF;
    h->port->ops->sof(h->port->dev, h->frame);
    clock_arm(&h->m->clock, &h->sof_ev, now(h) + PS_PER_MS);
}

static void sof_start(usbhost *h)
{
    h->sof_on = true;
    clock_arm(&h->m->clock, &h->sof_ev, now(h) + PS_PER_MS);
}

static void sof_stop(usbhost *h)
{
    h->sof_on = false;
    clock_disarm(&h->m->clock, &h->sof_ev);
}

static bool device_present(usbhost *h)
{
    return h->cable && h->port->ops->connected(h->port->dev);
}

static void start_reset(usbhost *h)
{
    sof_stop(h);
    clock_disarm(&h->m->clock, &h->xfer_ev);
    clock_disarm(&h->m->clock, &h->timeout_ev);
    h->state = USBH_RESET;
    h->mps0 = 0;
    log_msg(&h->m->log, LOG_USB, "[%.3f ms] usb: bus reset", now_ms(h));
    h->port->ops->bus_reset(h->port->dev, true);
    clock_arm(&h->m->clock, &h->state_ev, now(h) + RESET_PS);
}

static void gone(usbhost *h)
{
    bool was_ready = h->state == USBH_READY || h->reset_urb;
    sof_stop(h);
    clock_disarm(&h->m->clock, &h->state_ev);
    clock_disarm(&h->m->clock, &h->xfer_ev);
    clock_disarm(&h->m->clock, &h->timeout_ev);
    clock_disarm(&h->m->clock, &h->disc_ev);
    if (h->state != USBH_NO_DEVICE)
        log_msg(&h->m->log, LOG_USB, "[%.3f ms] usb: device disconnected (%s)", now_ms(h),
                usbhost_state_name(h->state));
    h->state = USBH_NO_DEVICE;
    fail_all(h, -ENODEV, true);
    usb_urb *r = h->reset_urb;
    h->reset_urb = NULL;
    if (r) {
        r->status = -ENODEV;
        if (r->done)
            r->done(r);
    }
    if (was_ready)
        notify(h, USBH_DETACHED);
}

static void connect_changed(void *arg)
{
    usbhost *h = arg;
    bool present = device_present(h);
    if (present && h->state == USBH_NO_DEVICE) {
        log_msg(&h->m->log, LOG_USB, "[%.3f ms] usb: device connected, debouncing", now_ms(h));
        h->state = USBH_DEBOUNCE;
        h->enum_tries = 0;
        clock_arm(&h->m->clock, &h->state_ev, now(h) + DEBOUNCE_PS);
    } else if (present) {
        clock_disarm(&h->m->clock, &h->disc_ev); /* a glitch shorter than TDDIS */
    } else if (h->state != USBH_NO_DEVICE && !h->disc_ev.armed) {
        /* the port sees a disconnect only when SE0 lasts TDDIS */
        clock_arm(&h->m->clock, &h->disc_ev, now(h) + TDDIS_PS);
    }
}

static void disc_fire(void *arg)
{
    usbhost *h = arg;
    if (!device_present(h) && h->state != USBH_NO_DEVICE)
        gone(h);
}

static void enum_start(usbhost *h);
static void enum_next(usbhost *h, int step);

static void state_fire(void *arg)
{
    usbhost *h = arg;
    switch (h->state) {
    case USBH_DEBOUNCE:
        if (!device_present(h)) {
            h->state = USBH_NO_DEVICE;
            return;
        }
        start_reset(h);
        return;
    case USBH_RESET:
        h->port->ops->bus_reset(h->port->dev, false);
        sof_start(h);
        h->state = USBH_RECOVERY;
        clock_arm(&h->m->clock, &h->state_ev, now(h) + RECOVERY_PS);
        return;
    case USBH_RECOVERY:
        h->state = USBH_ENUMERATING;
        enum_start(h);
        return;
    case USBH_ENUMERATING:
        /* the SET_ADDRESS recovery interval ended */
        enum_next(h, E_DEV18);
        return;
    default:
        return;
    }
}

void usbhost_plug(usbhost *h, bool plugged)
{
    if (h->cable == plugged)
        return;
    h->cable = plugged;
    log_msg(&h->m->log, LOG_USB, "[%.3f ms] usb: cable %s", now_ms(h),
            plugged ? "plugged in" : "unplugged");
    if (!plugged && h->state != USBH_NO_DEVICE)
        gone(h); /* pulled out: at once */
    else
        connect_changed(h);
}

/* ---- enumeration ------------------------------------------------------ */

static void enum_request(usbhost *h, uint8_t rt, uint8_t req, uint16_t value, uint16_t index,
                         uint16_t len)
{
    usb_urb *u = &h->enum_urb;
    uint8_t s[8] = {rt, req, (uint8_t)value, (uint8_t)(value >> 8), (uint8_t)index,
                    (uint8_t)(index >> 8), (uint8_t)len, (uint8_t)(len >> 8)};
    memcpy(u->setup, s, 8);
    u->ep = 0;
    u->buf = h->enum_buf;
    u->len = len;
    u->data_len = len;
    u->internal = true;
    clock_arm(&h->m->clock, &h->timeout_ev, now(h) + ENUM_TIMEOUT_PS);
    enqueue(h, u);
}

static void get_descriptor(usbhost *h, uint8_t type, uint8_t index, uint16_t lang, uint16_t len)
{
    enum_request(h, 0x80, 6, (uint16_t)(type << 8 | index), lang, len);
}

static void enum_fail(usbhost *h, const char *why)
{
    clock_disarm(&h->m->clock, &h->timeout_ev);
    log_msg(&h->m->log, LOG_USB | LOG_GUEST, "[%.3f ms] usb: enumeration failed: %s", now_ms(h),
            why);
    usbhost_cancel(h, &h->enum_urb);
    if (++h->enum_tries < ENUM_TRIES) {
        start_reset(h);
        return;
    }
    log_msg(&h->m->log, LOG_USB | LOG_INFO,
            "photon-sim: usb: the device did not enumerate (%s); it stays unlisted until it "
            "reconnects",
            why);
    sof_stop(h);
    h->state = USBH_FAILED;
    usb_urb *r = h->reset_urb;
    h->reset_urb = NULL;
    if (r) {
        r->status = -ENODEV;
        if (r->done)
            r->done(r);
        notify(h, USBH_DETACHED);
    }
}

static void ascii_string(const uint8_t *d, unsigned n, char *out, size_t outlen)
{
    size_t o = 0;
    if (n > d[0])
        n = d[0];
    for (unsigned i = 2; i + 1 < n && o + 1 < outlen; i += 2)
        out[o++] = d[i + 1] || d[i] < 0x20 || d[i] > 0x7E ? '?' : (char)d[i];
    out[o] = 0;
}

static void parse_endpoints(usbhost *h)
{
    memset(h->ep_type, 0, sizeof(h->ep_type));
    memset(h->ep_mps, 0, sizeof(h->ep_mps));
    unsigned p = 0;
    while (p + 2 <= h->config_len) {
        unsigned l = h->config[p];
        if (l < 2 || p + l > h->config_len)
            break;
        if (h->config[p + 1] == 5 && l >= 7) {
            uint8_t addr = h->config[p + 2];
            unsigned i = usbhost_pipe_of(addr);
            if (i && !h->ep_type[i]) {
                h->ep_type[i] = (uint8_t)((h->config[p + 3] & 3) + 1);
                h->ep_mps[i] = (uint16_t)((h->config[p + 4] | h->config[p + 5] << 8) & 0x7FF);
            }
        }
        p += l;
    }
}

static void enum_done(usb_urb *u)
{
    usbhost *h = u->ctx;
    if (h->state != USBH_ENUMERATING)
        return;
    clock_disarm(&h->m->clock, &h->timeout_ev);
    const uint8_t *b = h->enum_buf;
    int st = u->status;
    unsigned n = u->actual;
    switch (h->enum_step) {
    case E_DEV8:
        if (st || n < 8 || b[1] != 1) {
            enum_fail(h, "no device descriptor");
            return;
        }
        if (b[7] != 8 && b[7] != 16 && b[7] != 32 && b[7] != 64) {
            enum_fail(h, "bad bMaxPacketSize0");
            return;
        }
        h->mps0 = b[7];
        enum_next(h, E_ADDRESS);
        return;
    case E_ADDRESS:
        if (st) {
            enum_fail(h, "SET_ADDRESS failed");
            return;
        }
        h->enum_step = E_DEV18;
        clock_arm(&h->m->clock, &h->state_ev, now(h) + SET_ADDRESS_PS);
        return;
    case E_DEV18:
        if (st || n < 18 || b[0] < 18 || b[1] != 1) {
            enum_fail(h, "device descriptor incomplete");
            return;
        }
        memcpy(h->dev_desc, b, 18);
        if (h->dev_desc[17] == 0) {
            enum_fail(h, "no configuration");
            return;
        }
        enum_next(h, E_CFG9);
        return;
    case E_CFG9:
        if (st || n < 9 || b[1] != 2) {
            enum_fail(h, "no configuration descriptor");
            return;
        }
        {
            unsigned total = b[2] | b[3] << 8;
            if (total < 9 || total > USBH_MAX_CONFIG) {
                enum_fail(h, "bad wTotalLength");
                return;
            }
            h->config_len = total;
        }
        enum_next(h, E_CFG);
        return;
    case E_CFG:
        if (st || n < h->config_len) {
            enum_fail(h, "configuration descriptor incomplete");
            return;
        }
        memcpy(h->config, b, h->config_len);
        parse_endpoints(h);
        if (h->reset_urb) {
            bool same = !memcmp(h->dev_desc, h->old_dev_desc, 18) &&
                        h->config_len == h->old_config_len &&
                        !memcmp(h->config, h->old_config, h->config_len);
            if (same) {
                enum_next(h, E_SETCFG);
                return;
            }
            /* a different device answered: the old one is gone */
            usb_urb *r = h->reset_urb;
            h->reset_urb = NULL;
            r->status = -ENODEV;
            if (r->done)
                r->done(r);
            notify(h, USBH_DETACHED);
        }
        enum_next(h, E_LANG);
        return;
    case E_LANG:
        h->langid = 0;
        if (!st && n >= 4 && b[1] == 3)
            h->langid = (uint16_t)(b[2] | b[3] << 8);
        enum_next(h, E_MANUFACTURER);
        return;
    case E_MANUFACTURER:
    case E_PRODUCT:
    case E_SERIAL: {
        char *dst = h->enum_step == E_MANUFACTURER ? h->manufacturer
                    : h->enum_step == E_PRODUCT    ? h->product
                                                   : h->serial;
        if (!st && n >= 2 && b[1] == 3)
            ascii_string(b, n, dst, 128);
        enum_next(h, h->enum_step + 1);
        return;
    }
    case E_SETCFG:
        if (st) {
            enum_fail(h, "SET_CONFIGURATION failed");
            return;
        }
        enum_next(h, E_DONE);
        return;
    }
}

static void enum_timeout(void *arg)
{
    usbhost *h = arg;
    if (h->state == USBH_ENUMERATING)
        enum_fail(h, "the device did not answer within 5 s");
}

static uint8_t config_value(const usbhost *h)
{
    return h->config_len >= 9 ? h->config[5] : 1;
}

static void enum_next(usbhost *h, int step)
{
    h->enum_step = step;
    h->enum_urb.done = enum_done;
    h->enum_urb.ctx = h;
    switch (step) {
    case E_DEV8: get_descriptor(h, 1, 0, 0, 64); return;
    case E_ADDRESS: enum_request(h, 0x00, 5, (uint16_t)h->devnum, 0, 0); return;
    case E_DEV18: get_descriptor(h, 1, 0, 0, 18); return;
    case E_CFG9: get_descriptor(h, 2, 0, 0, 9); return;
    case E_CFG: get_descriptor(h, 2, 0, 0, (uint16_t)h->config_len); return;
    case E_LANG:
        memset(h->manufacturer, 0, sizeof(h->manufacturer));
        memset(h->product, 0, sizeof(h->product));
        memset(h->serial, 0, sizeof(h->serial));
        get_descriptor(h, 3, 0, 0, 255);
        return;
    case E_MANUFACTURER:
    case E_PRODUCT:
    case E_SERIAL: {
        uint8_t idx = h->dev_desc[14 + (step - E_MANUFACTURER)];
        if (!idx || !h->langid) {
            enum_next(h, step + 1);
            return;
        }
        get_descriptor(h, 3, idx, h->langid, 255);
        return;
    }
    case E_SETCFG: enum_request(h, 0x00, 9, config_value(h), 0, 0); return;
    case E_DONE: {
        h->state = USBH_READY;
        h->enumerations++;
        usb_urb *r = h->reset_urb;
        h->reset_urb = NULL;
        log_msg(&h->m->log, LOG_USB, "[%.3f ms] usb: %04x:%04x \"%s\" ready as device %u",
                now_ms(h), h->dev_desc[8] | h->dev_desc[9] << 8,
                h->dev_desc[10] | h->dev_desc[11] << 8, h->product, h->devnum);
        if (r) {
            r->status = 0;
            if (r->done)
                r->done(r);
            notify(h, USBH_RESET_DONE);
        } else {
            notify(h, USBH_ATTACHED);
        }
        return;
    }
    }
}

static void enum_start(usbhost *h)
{
    if (!h->reset_urb) {
        h->devnum = h->next_devnum;
        h->next_devnum = h->next_devnum >= 127 ? 2 : h->next_devnum + 1;
    }
    enum_next(h, E_DEV8);
}

int usbhost_port_reset(usbhost *h, usb_urb *u)
{
    if (h->state != USBH_READY)
        return -ENODEV;
    memcpy(h->old_dev_desc, h->dev_desc, 18);
    memcpy(h->old_config, h->config, h->config_len);
    h->old_config_len = h->config_len;
    fail_all(h, -ESHUTDOWN, false);
    h->reset_urb = u;
    h->enum_tries = 0;
    start_reset(h);
    return 0;
}

void usbhost_claim(usbhost *h, uint8_t ep, bool claim)
{
    unsigned i = usbhost_pipe_of(ep);
    if (i == 0)
        return;
    if (claim)
        h->claimed |= 1u << i;
    else
        h->claimed &= ~(1u << i);
}

bool usbhost_claimed(const usbhost *h, uint8_t ep)
{
    unsigned i = usbhost_pipe_of(ep);
    return i != 0 && (h->claimed & (1u << i)) != 0;
}

void usbhost_listen(usbhost *h, void (*fn)(void *, usbhost *, usbhost_event), void *ctx)
{
    if (h->nlisteners < USBH_MAX_LISTENERS) {
        h->listeners[h->nlisteners].fn = fn;
        h->listeners[h->nlisteners].ctx = ctx;
        h->nlisteners++;
    }
}

void usbhost_unlisten(usbhost *h, void (*fn)(void *, usbhost *, usbhost_event), void *ctx)
{
    for (int i = 0; i < h->nlisteners; i++) {
        if (h->listeners[i].fn != fn || h->listeners[i].ctx != ctx)
            continue;
        memmove(&h->listeners[i], &h->listeners[i + 1],
                (size_t)(h->nlisteners - i - 1) * sizeof(h->listeners[0]));
        h->nlisteners--;
        return;
    }
}

void usbhost_init(usbhost *h, machine *m, usb_port *port)
{
    memset(h, 0, sizeof(*h));
    h->m = m;
    h->port = port;
    h->next_devnum = 2;
    clock_event_init(&h->state_ev, "usb-port", state_fire, h);
    clock_event_init(&h->sof_ev, "usb-sof", sof_fire, h);
    clock_event_init(&h->xfer_ev, "usb-xfer", xfer_fire, h);
    clock_event_init(&h->timeout_ev, "usb-enum-timeout", enum_timeout, h);
    clock_event_init(&h->disc_ev, "usb-disconnect", disc_fire, h);
    port->host = h;
    port->connect_changed = connect_changed;
    port->kick = kick;
}

void usbhost_free(usbhost *h)
{
    usbhost_plug(h, false);
    gone(h);
    clock_disarm(&h->m->clock, &h->state_ev);
    clock_disarm(&h->m->clock, &h->sof_ev);
    clock_disarm(&h->m->clock, &h->xfer_ev);
    clock_disarm(&h->m->clock, &h->timeout_ev);
    clock_disarm(&h->m->clock, &h->disc_ev);
    h->port->connect_changed = NULL;
    h->port->kick = NULL;
    h->port->host = NULL;
}
