/* USB enumeration as Linux does it for a full-speed device on a root port
 * (see usbhost.c): descriptors, address, configuration, strings. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "machine.h"
#include "usbhost_internal.h"

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
    clock_arm(&h->m->clock, &h->timeout_ev, uh_now(h) + ENUM_TIMEOUT_PS);
    uh_enqueue(h, u);
}

static void get_descriptor(usbhost *h, uint8_t type, uint8_t index, uint16_t lang, uint16_t len)
{
    enum_request(h, 0x80, 6, (uint16_t)(type << 8 | index), lang, len);
}

static void enum_fail(usbhost *h, const char *why)
{
    clock_disarm(&h->m->clock, &h->timeout_ev);
    log_msg(&h->m->log, LOG_USB | LOG_GUEST, "[%.3f ms] usb: enumeration failed: %s", uh_now_ms(h),
            why);
    usbhost_cancel(h, &h->enum_urb);
    if (++h->enum_tries < ENUM_TRIES) {
        uh_start_reset(h);
        return;
    }
    log_msg(&h->m->log, LOG_USB | LOG_INFO,
            "photon-sim: usb: the device did not enumerate (%s); it stays unlisted until it "
            "reconnects",
            why);
    uh_sof_stop(h);
    h->state = USBH_FAILED;
    if (uh_end_reset_urb(h))
        uh_notify(h, USBH_DETACHED);
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
        uh_enum_next(h, E_ADDRESS);
        return;
    case E_ADDRESS:
        if (st) {
            enum_fail(h, "SET_ADDRESS failed");
            return;
        }
        h->enum_step = E_DEV18;
        clock_arm(&h->m->clock, &h->state_ev, uh_now(h) + SET_ADDRESS_PS);
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
        uh_enum_next(h, E_CFG9);
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
        uh_enum_next(h, E_CFG);
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
                uh_enum_next(h, E_SETCFG);
                return;
            }
            /* a different device answered: the old one is gone */
            usb_urb *r = h->reset_urb;
            h->reset_urb = NULL;
            r->status = -ENODEV;
            if (r->done)
                r->done(r);
            uh_notify(h, USBH_DETACHED);
        }
        uh_enum_next(h, E_LANG);
        return;
    case E_LANG:
        h->langid = 0;
        if (!st && n >= 4 && b[1] == 3)
            h->langid = (uint16_t)(b[2] | b[3] << 8);
        uh_enum_next(h, E_MANUFACTURER);
        return;
    case E_MANUFACTURER:
    case E_PRODUCT:
    case E_SERIAL: {
        char *dst = h->enum_step == E_MANUFACTURER ? h->manufacturer
                    : h->enum_step == E_PRODUCT    ? h->product
                                                   : h->serial;
        if (!st && n >= 2 && b[1] == 3)
            ascii_string(b, n, dst, 128);
        uh_enum_next(h, h->enum_step + 1);
        return;
    }
    case E_SETCFG:
        if (st) {
            enum_fail(h, "SET_CONFIGURATION failed");
            return;
        }
        uh_enum_next(h, E_DONE);
        return;
    }
}

void uh_enum_timeout(void *arg)
{
    usbhost *h = arg;
    if (h->state == USBH_ENUMERATING)
        enum_fail(h, "the device did not answer within 5 s");
}

static uint8_t config_value(const usbhost *h)
{
    return h->config_len >= 9 ? h->config[5] : 1;
}

void uh_enum_next(usbhost *h, int step)
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
            uh_enum_next(h, step + 1);
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
                uh_now_ms(h), h->dev_desc[8] | h->dev_desc[9] << 8,
                h->dev_desc[10] | h->dev_desc[11] << 8, h->product, h->devnum);
        if (r) {
            r->status = 0;
            if (r->done)
                r->done(r);
            uh_notify(h, USBH_RESET_DONE);
        } else {
            uh_notify(h, USBH_ATTACHED);
        }
        return;
    }
    }
}

void uh_enum_start(usbhost *h)
{
    if (!h->reset_urb) {
        h->devnum = h->next_devnum;
        h->next_devnum = h->next_devnum >= 127 ? 2 : h->next_devnum + 1;
    }
    uh_enum_next(h, E_DEV8);
}

