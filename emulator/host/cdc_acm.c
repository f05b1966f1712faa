/* The host's CDC-ACM class driver (cdc_acm.h). USB CDC 1.2 and PSTN 1.2:
 * SET_LINE_CODING (0x20, 7 bytes: dwDTERate, bCharFormat 0/1/2 = 1/1.5/2
 * stop bits, bParityType 0-4 = none/odd/even/mark/space, bDataBits),
 * SET_CONTROL_LINE_STATE (0x22, wValue bit 0 DTR, bit 1 RTS), the
 * SERIAL_STATE notification (0x20 on the interrupt endpoint: bit 0 DCD,
 * 1 DSR, 2 break, 3 RI). */
#include "cdc_acm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "machine.h"

enum { REQ_SET_LINE_CODING = 0x20, REQ_SET_CONTROL_LINE_STATE = 0x22, NOTIFY_SERIAL_STATE = 0x20 };

static machine *M(cdc_acm *a)
{
    return a->h->m;
}

static void start_reads(cdc_acm *a);


__attribute__((format(printf, 2, 3))) static void log_at(cdc_acm *a, const char *fmt, ...)
{
    logger *l = &M(a)->log;
    if (!log_on(l, LOG_USB))
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_msg(l, LOG_USB, "[%.3f ms] cdc-acm: %s", (double)machine_now(M(a)) / PS_PER_MS, msg);
}
static void kick_ctrl(cdc_acm *a);

/* ---- finding the function in the configuration ------------------------- */

/* The first ACM communication interface, its data interface (from the
 * union descriptor, else the next interface) and their endpoints. */
static bool find_function(cdc_acm *a)
{
    const uint8_t *b = a->h->config;
    unsigned len = a->h->config_len;
    int comm = -1, data = -1, cur = -1, alt = 0, cls = 0;
    a->ep_in = a->ep_out = a->ep_notify = 0;
    for (unsigned p = 0; p + 2 <= len && b[p] >= 2 && p + b[p] <= len; p += b[p]) {
        const uint8_t *d = b + p;
        if (d[1] == 4 && d[0] >= 9) {
            cur = d[2];
            alt = d[3];
            cls = d[5];
            if (comm < 0 && cls == 2 && d[6] == 2 && alt == 0)
                comm = cur;
        } else if (d[1] == 0x24 && d[0] >= 5 && d[2] == 6 && cur == comm && comm >= 0) {
            data = d[4]; /* union: the first subordinate interface */
        } else if (d[1] == 5 && d[0] >= 7 && alt == 0 && cur >= 0) {
            uint8_t ep = d[2], type = d[3] & 3;
            if (cur == comm && type == 3 && (ep & 0x80))
                a->ep_notify = ep;
            if (comm >= 0 && cur == (data >= 0 ? data : comm + 1) && cls == 0x0A && type == 2) {
                if ((ep & 0x80) && !a->ep_in) {
                    a->ep_in = ep;
                    a->mps_in = (uint16_t)((d[4] | d[5] << 8) & 0x7FF);
                } else if (!(ep & 0x80) && !a->ep_out) {
                    a->ep_out = ep;
                }
            }
        }
    }
    if (comm < 0 || !a->ep_in || !a->ep_out)
        return false;
    a->comm_if = (uint8_t)comm;
    a->data_if = (uint8_t)(data >= 0 ? data : comm + 1);
    if (!a->mps_in || a->mps_in > CDC_ACM_WRITE)
        a->mps_in = 64;
    return true;
}

/* ---- transfers --------------------------------------------------------- */

static int submit(cdc_acm *a, cdc_acm_urb *x)
{
    x->busy = true;
    int r = usbhost_submit(a->h, &x->u);
    if (r) {
        x->busy = false;
        log_at(a, "cannot submit to ep %02x: %d", x->u.ep, r);
    }
    return r;
}

static void ctrl_done(usb_urb *u)
{
    cdc_acm_urb *x = u->ctx;
    cdc_acm *a = x->a;
    x->busy = false;
    if (u->status)
        log_at(a, "class request %02x failed: %d", u->setup[1],
                u->status);
    kick_ctrl(a);
}

static void class_request(cdc_acm *a, uint8_t req, uint16_t value, const uint8_t *data,
                          uint16_t len)
{
    cdc_acm_urb *x = &a->ctrl;
    uint8_t s[8] = {0x21, req, (uint8_t)value, (uint8_t)(value >> 8), a->comm_if, 0,
                    (uint8_t)len, (uint8_t)(len >> 8)};
    memcpy(x->u.setup, s, 8);
    x->u.ep = 0;
    if (len)
        memcpy(x->buf, data, len);
    x->u.buf = x->buf;
    x->u.len = len;
    x->u.done = ctrl_done;
    submit(a, x);
}

/* Send what changed: the line coding first, then the control lines. */
static void kick_ctrl(cdc_acm *a)
{
    if (!a->bound || a->ctrl.busy)
        return;
    if (a->line_dirty) {
        static const uint8_t parity[256] = {['O'] = 1, ['E'] = 2, ['M'] = 3, ['S'] = 4};
        const chardev_params *p = &a->want;
        uint8_t lc[7] = {(uint8_t)p->baud, (uint8_t)(p->baud >> 8), (uint8_t)(p->baud >> 16),
                         (uint8_t)(p->baud >> 24),
                         (uint8_t)(p->stop_half == 4 ? 2 : p->stop_half == 3 ? 1 : 0),
                         parity[(uint8_t)p->parity], p->data_bits};
        a->line_dirty = false;
        a->line = a->want;
        char buf[48];
        log_at(a, "SET_LINE_CODING %s",
                chardev_params_str(p, buf, sizeof(buf)));
        class_request(a, REQ_SET_LINE_CODING, 0, lc, sizeof(lc));
        return;
    }
    if (a->ctrl_dirty) {
        unsigned lines = a->open ? a->cd->control & (CHARDEV_DTR | CHARDEV_RTS) : 0;
        a->ctrl_dirty = false;
        if (lines == a->ctrl_sent)
            return;
        a->ctrl_sent = lines;
        log_at(a, "SET_CONTROL_LINE_STATE DTR %d RTS %d",
                !!(lines & CHARDEV_DTR), !!(lines & CHARDEV_RTS));
        class_request(a, REQ_SET_CONTROL_LINE_STATE,
                      (uint16_t)((lines & CHARDEV_DTR ? 1 : 0) | (lines & CHARDEV_RTS ? 2 : 0)),
                      NULL, 0);
    }
}

static void rx_done(usb_urb *u)
{
    cdc_acm_urb *x = u->ctx;
    cdc_acm *a = x->a;
    x->busy = false;
    if (u->status == 0 && u->actual) {
        a->bytes_in += u->actual;
        chardev_write(a->cd, x->buf, u->actual);
    } else if (u->status && u->status != -ENODEV && u->status != -ESHUTDOWN) {
        log_at(a, "bulk IN ended with %d", u->status);
        return; /* a halted endpoint: reads stop until the device comes back */
    }
    if (u->status == 0)
        start_reads(a);
}

/* Keep reads in flight while the port is open and the backends have room
 * for what they may bring. */
static void start_reads(cdc_acm *a)
{
    if (!a->bound || !a->open)
        return;
    for (int i = 0; i < CDC_ACM_READS; i++) {
        cdc_acm_urb *x = &a->rx[i];
        if (x->busy)
            continue;
        if (chardev_write_space(a->cd) < (size_t)a->mps_in * CDC_ACM_READS)
            return; /* output_ready() starts them again */
        x->u.ep = a->ep_in;
        x->u.buf = x->buf;
        x->u.len = a->mps_in;
        x->u.done = rx_done;
        if (submit(a, x))
            return;
    }
}

static void notify_done(usb_urb *u)
{
    cdc_acm_urb *x = u->ctx;
    cdc_acm *a = x->a;
    x->busy = false;
    if (u->status)
        return;
    const uint8_t *n = x->buf;
    if (u->actual >= 10 && n[0] == 0xA1 && n[1] == NOTIFY_SERIAL_STATE) {
        unsigned s = n[8], lines = 0;
        lines |= s & 1 ? CHARDEV_DCD : 0;
        lines |= s & 2 ? CHARDEV_DSR : 0;
        lines |= s & 4 ? CHARDEV_BREAK : 0;
        lines |= s & 8 ? CHARDEV_RI : 0;
        chardev_set_status(a->cd, lines);
    }
    if (a->bound && a->open && a->ep_notify) {
        submit(a, x);
    }
}

static void start_notify(cdc_acm *a)
{
    cdc_acm_urb *x = &a->notify;
    if (!a->bound || !a->open || !a->ep_notify || x->busy)
        return;
    x->u.ep = a->ep_notify;
    x->u.buf = x->buf;
    x->u.len = 16;
    x->u.done = notify_done;
    submit(a, x);
}

static void stop_transfers(cdc_acm *a)
{
    for (int i = 0; i < CDC_ACM_READS; i++)
        if (a->rx[i].busy && usbhost_cancel(a->h, &a->rx[i].u))
            a->rx[i].busy = false;
    if (a->notify.busy && usbhost_cancel(a->h, &a->notify.u))
        a->notify.busy = false;
}

static void tx_done(usb_urb *u)
{
    cdc_acm_urb *x = u->ctx;
    cdc_acm *a = x->a;
    x->busy = false;
    if (u->status == 0)
        a->bytes_out += u->actual;
    else if (u->status != -ENODEV && u->status != -ESHUTDOWN)
        log_at(a, "bulk OUT ended with %d", u->status);
    chardev_input_ready(a->cd);
}

/* ---- the chardev frontend ---------------------------------------------- */

static size_t fe_can_receive(void *opaque)
{
    cdc_acm *a = opaque;
    if (!a->bound)
        return CDC_ACM_WRITE; /* no device to write to: dropped, as on an unplugged line */
    return a->tx.busy ? 0 : CDC_ACM_WRITE;
}

static void fe_receive(void *opaque, const uint8_t *buf, size_t len)
{
    cdc_acm *a = opaque;
    if (!a->bound || len > CDC_ACM_WRITE) {
        a->dropped += len;
        return;
    }
    cdc_acm_urb *x = &a->tx;
    memcpy(x->buf, buf, len);
    x->u.ep = a->ep_out;
    x->u.buf = x->buf;
    x->u.len = (uint32_t)len;
    x->u.zero_packet = true;
    x->u.done = tx_done;
    if (submit(a, x))
        a->dropped += len;
}

static bool same_params(const chardev_params *x, const chardev_params *y)
{
    return x->baud == y->baud && x->data_bits == y->data_bits && x->parity == y->parity &&
           x->stop_half == y->stop_half;
}

static void fe_set_params(void *opaque, const chardev_params *p)
{
    cdc_acm *a = opaque;
    a->req = *p;
    a->has_req = true;
    if (!a->bound)
        return;
    a->want = *p;
    if (!same_params(&a->want, &a->line)) {
        a->line_dirty = true;
        kick_ctrl(a);
    }
}

static void fe_set_control(void *opaque, unsigned lines)
{
    cdc_acm *a = opaque;
    (void)lines;
    a->ctrl_dirty = true;
    kick_ctrl(a);
}

static void fe_output_ready(void *opaque)
{
    start_reads(opaque);
}

static void fe_event(void *opaque, chardev_event ev)
{
    cdc_acm *a = opaque;
    a->open = ev == CHARDEV_OPENED;
    a->ctrl_dirty = true;
    kick_ctrl(a);
    if (a->open) {
        start_reads(a);
        start_notify(a);
    } else {
        stop_transfers(a);
    }
}

static const chardev_frontend_ops fe_ops = {
    .can_receive = fe_can_receive,
    .receive = fe_receive,
    .set_params = fe_set_params,
    .set_control = fe_set_control,
    .output_ready = fe_output_ready,
    .event = fe_event,
};

/* ---- binding ----------------------------------------------------------- */

static void claim(cdc_acm *a, bool on)
{
    usbhost_claim(a->h, a->ep_in, on);
    usbhost_claim(a->h, a->ep_out, on);
    if (a->ep_notify)
        usbhost_claim(a->h, a->ep_notify, on);
}

/* (Re)start after a bind or a port reset: the line coding of a new ttyACM
 * (or what the program holding the port open asked for), then what an
 * open port needs. */
static void start(cdc_acm *a)
{
    a->line = (chardev_params){0};
    a->want = a->open && a->has_req ? a->req : (chardev_params){9600, 8, 'N', 2};
    a->line_dirty = true;
    a->ctrl_sent = 0;
    a->ctrl_dirty = a->open;
    kick_ctrl(a);
    start_reads(a);
    start_notify(a);
}

static void host_event(void *ctx, usbhost *h, usbhost_event ev)
{
    cdc_acm *a = ctx;
    (void)h;
    if (ev == USBH_ATTACHED && !a->bound && find_function(a)) {
        a->bound = true;
        a->binds++;
        claim(a, true);
        log_at(a, "bound to interfaces %u and %u (bulk %02x/%02x, notify %02x)",
                a->comm_if, a->data_if, a->ep_in, a->ep_out, a->ep_notify);
        start(a);
        chardev_set_connected(a->cd, true);
    } else if (ev == USBH_RESET_DONE && a->bound) {
        start(a);
    } else if (ev == USBH_DETACHED && a->bound) {
        a->bound = false;
        claim(a, false);
        stop_transfers(a);
        a->ctrl.busy = a->tx.busy = false;
        for (int i = 0; i < CDC_ACM_READS; i++)
            a->rx[i].busy = false;
        a->notify.busy = false;
        chardev_set_connected(a->cd, false);
        chardev_input_ready(a->cd); /* what waits to be written is dropped now */
    }
}

void cdc_acm_init(cdc_acm *a, usbhost *h, chardev *cd)
{
    memset(a, 0, sizeof(*a));
    a->h = h;
    a->cd = cd;
    a->open = cd->host_opens > 0;
    cdc_acm_urb *all[3 + CDC_ACM_READS] = {&a->ctrl, &a->tx, &a->notify};
    for (int i = 0; i < CDC_ACM_READS; i++)
        all[3 + i] = &a->rx[i];
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        all[i]->a = a;
        all[i]->u.ctx = all[i];
    }
    chardev_set_frontend(cd, &fe_ops, a);
    usbhost_listen(h, host_event, a);
    if (usbhost_ready(h))
        host_event(a, h, USBH_ATTACHED);
}

void cdc_acm_free(cdc_acm *a)
{
    if (a->bound) {
        stop_transfers(a);
        if (a->ctrl.busy)
            usbhost_cancel(a->h, &a->ctrl.u);
        if (a->tx.busy)
            usbhost_cancel(a->h, &a->tx.u);
        claim(a, false);
        a->bound = false;
    }
    usbhost_unlisten(a->h, host_event, a);
    if (a->cd->fe_opaque == a)
        chardev_set_frontend(a->cd, NULL, NULL);
}
