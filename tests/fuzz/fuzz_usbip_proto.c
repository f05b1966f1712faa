/* libFuzzer target for the USB/IP server's protocol engine
 * (emulator/usbip_proto.c): arbitrary client bytes, delivered in arbitrary
 * pieces, against a fake device backend that completes, stalls and fails
 * transfers and sometimes disappears. Checks the engine's bookkeeping and
 * that replies are well formed; ASan/UBSan catch memory errors.
 *
 * Input: byte 0 seeds the chunking and the backend's choices; the rest is
 * the client's byte stream (a second connection gets what the first did
 * not consume after it closed). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usbip_proto.h"

#define MAXQ 64

static const uint8_t dev_desc[18] = {0x12, 0x01, 0x00, 0x02, 0, 0, 0, 0x40, 0x04, 0x2B,
                                     0x06, 0xD0, 0x50, 0x02, 1, 2, 3, 1};
static const uint8_t config[36] = {
    0x09, 0x02, 0x24, 0x00, 0x01, 0x01, 0x02, 0xC0, 0x32, 0x09, 0x04, 0x00,
    0x00, 0x00, 0xFE, 0x01, 0x02, 0x06, 0x09, 0x04, 0x00, 0x01, 0x00, 0xFE,
    0x01, 0x02, 0x07, 0x09, 0x21, 0x0B, 0xFF, 0x00, 0x00, 0x10, 0x1A, 0x01,
};

typedef struct fake {
    usb_urb *q[MAXQ];
    int n;
    bool present;
    uint32_t rnd;
} fake;

static uint32_t next(fake *f)
{
    f->rnd = f->rnd * 1103515245u + 12345u;
    return f->rnd >> 16;
}

static bool fk_device(void *ctx, usbip_dev_info *d)
{
    fake *f = ctx;
    if (!f->present)
        return false;
    snprintf(d->path, sizeof(d->path), "/sys/devices/fake/usb1/1-1");
    snprintf(d->busid, sizeof(d->busid), "1-1");
    d->busnum = 1;
    d->devnum = 2;
    d->speed = 2;
    memcpy(d->dev_desc, dev_desc, 18);
    d->config = config;
    d->config_len = sizeof(config);
    return true;
}

static int fk_submit(void *ctx, usb_urb *u)
{
    fake *f = ctx;
    if (!f->present)
        return -ENODEV;
    if (u->ep != 0 && (u->ep & 0x0F) != 1)
        return -EPIPE;
    if (f->n >= MAXQ)
        return -ENOMEM;
    f->q[f->n++] = u;
    return 0;
}

static bool fk_cancel(void *ctx, usb_urb *u)
{
    fake *f = ctx;
    for (int i = 0; i < f->n; i++) {
        if (f->q[i] == u) {
            memmove(&f->q[i], &f->q[i + 1], (size_t)(f->n - i - 1) * sizeof(f->q[0]));
            f->n--;
            return true;
        }
    }
    return false;
}

/* Complete some queued transfers, as virtual time would. */
static void run_device(fake *f)
{
    int k = (int)(next(f) % 4);
    while (k-- > 0 && f->n) {
        usb_urb *u = f->q[0];
        memmove(&f->q[0], &f->q[1], (size_t)(f->n - 1) * sizeof(f->q[0]));
        f->n--;
        uint32_t r = next(f);
        uint32_t n = u->len ? r % (u->len + 1) : 0;
        if ((u->ep & 0x80) || (u->ep == 0 && (u->setup[0] & 0x80)))
            for (uint32_t i = 0; i < n; i++)
                u->buf[i] = (uint8_t)(i ^ r);
        u->actual = n;
        static const int statuses[] = {0, 0, 0, -EPIPE, -EOVERFLOW, -EPROTO};
        u->status = statuses[r % 6];
        u->done(u);
    }
}

static void device_gone(fake *f, usbip_proto *p)
{
    f->present = false;
    while (f->n) {
        usb_urb *u = f->q[--f->n];
        u->status = -ENODEV;
        u->done(u);
    }
    usbip_proto_device_gone(p);
}

/* Walk the replies: well formed, and consume them. */
static void drain(usbip_conn *c)
{
    size_t n = usbip_conn_unsent(c);
    if (n > USBIP_MAX_OUT + 48 + USBIP_MAX_XFER)
        abort();
    usbip_conn_sent(c, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fake f = {.present = true, .rnd = data[0] * 2654435761u};
    usbip_backend be = {fk_device, fk_submit, fk_cancel, fk_submit, &f};
    usbip_proto p;
    usbip_proto_init(&p, &be);
    const uint8_t *in = data + 1;
    size_t left = size - 1;
    for (int conn = 0; conn < 2 && left; conn++) {
        usbip_conn *c = usbip_conn_new(&p);
        if (!c)
            break;
        while (left) {
            size_t chunk = 1 + next(&f) % 97;
            if (chunk > left)
                chunk = left;
            bool open = usbip_conn_feed(c, in, chunk);
            in += chunk;
            left -= chunk;
            run_device(&f);
            if ((uint64_t)f.n != p.pending_count)
                abort(); /* the engine lost track of a transfer */
            drain(c);
            if (next(&f) % 211 == 0)
                device_gone(&f, &p);
            if (!open || usbip_conn_closing(c))
                break;
        }
        usbip_conn_free(c);
        if (p.pending_count != (uint64_t)f.n)
            abort();
    }
    usbip_proto_free(&p);
    if (f.n)
        abort(); /* freeing the connections cancels their transfers */
    return 0;
}
