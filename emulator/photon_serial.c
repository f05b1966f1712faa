/* The Photon's serial ports as the host sees them (serial.h). */
#include "photon_serial.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

/* ---- USART1 as the frontend of "usart1" ---------------------------------- */

static void usart1_tx(void *ctx, uint8_t b)
{
    photon_serial *s = ctx;
    chardev_write(&s->usart1, &b, 1);
}

#define USART_CR1_RE (1u << 2)
#define USART_CR1_UE (1u << 13)

/* A serial line has no flow control: with the receiver off, what arrives
 * on RX is lost, and the host's writer is never held up by it. With the
 * receiver on, the USART takes bytes at the baud rate (queued until then;
 * it drops what the firmware does not read in time, ORE). */
static bool usart1_listening(const stm32_usart *u)
{
    return (u->cr1 & (USART_CR1_UE | USART_CR1_RE)) == (USART_CR1_UE | USART_CR1_RE);
}

static size_t usart1_can_receive(void *opaque)
{
    stm32_usart *u = opaque;
    if (!usart1_listening(u))
        return SIZE_MAX;
    unsigned used = (u->rx_head + USART_RXQ - u->rx_tail) % USART_RXQ;
    return USART_RXQ - 1 - used;
}

static void usart1_receive(void *opaque, const uint8_t *buf, size_t len)
{
    if (usart1_listening(opaque))
        usart_receive(opaque, buf, (unsigned)len);
}

static const chardev_frontend_ops usart1_ops = {
    .can_receive = usart1_can_receive,
    .receive = usart1_receive,
};

/* ---- a FILE as a backend ------------------------------------------------- */

static void sink_receive(void *opaque, const uint8_t *buf, size_t len)
{
    serial_sink *k = opaque;
    fwrite(buf, 1, len, k->f);
    if (memchr(buf, '\n', len))
        fflush(k->f);
}

static const chardev_backend_ops sink_ops = {.receive = sink_receive};

/* ---- public -------------------------------------------------------------- */

void photon_serial_init(photon_serial *s, photon *p)
{
    memset(s, 0, sizeof(*s));
    s->p = p;
    chardev_init(&s->usb, "usb");
    chardev_init(&s->usart1, "usart1");
    p->usart[1].tx = usart1_tx;
    p->usart[1].tx_ctx = s;
    chardev_set_frontend(&s->usart1, &usart1_ops, &p->usart[1]);
}

int photon_serial_route(photon_serial *s, chardev *cd, runner *r, const char *where,
                        const char *link, serial_pty **pty, char *err, size_t errlen)
{
    if (pty)
        *pty = NULL;
    if (link && strcmp(where, "pty")) {
        snprintf(err, errlen, "a symlink needs the %s serial on a pty", cd->name);
        return -1;
    }
    if (!strcmp(where, "none"))
        return 0;
    if (!strcmp(where, "pty")) {
        if (s->nptys >= SERIAL_MAX_SINKS) {
            snprintf(err, errlen, "too many ptys");
            return -1;
        }
        serial_pty *t = serial_pty_open(r, cd, link, err, errlen);
        if (!t)
            return -1;
        s->ptys[s->nptys++] = t;
        if (pty)
            *pty = t;
        return 0;
    }
    if (s->nsinks >= SERIAL_MAX_SINKS) {
        snprintf(err, errlen, "too many outputs");
        return -1;
    }
    serial_sink *k = &s->sinks[s->nsinks];
    if (!strcmp(where, "stdout")) {
        k->f = stdout;
    } else if (!(k->f = fopen(where, "w"))) {
        snprintf(err, errlen, "%s: %s", where, strerror(errno));
        return -1;
    } else {
        k->close = true;
    }
    if (chardev_attach(cd, &sink_ops, k)) {
        if (k->close)
            fclose(k->f);
        snprintf(err, errlen, "%s: too many listeners", cd->name);
        return -1;
    }
    s->nsinks++;
    /* a reader holding the port open all along */
    chardev_set_control(cd, CHARDEV_DTR | CHARDEV_RTS);
    chardev_host_event(cd, true);
    return 0;
}

void photon_serial_attach_usb(photon_serial *s, usbhost *h)
{
    if (s->acm_on)
        return;
    cdc_acm_init(&s->acm, h, &s->usb);
    s->acm_on = true;
}

void photon_serial_detach_usb(photon_serial *s)
{
    if (s->acm_on)
        cdc_acm_free(&s->acm);
    s->acm_on = false;
}

void photon_serial_free(photon_serial *s)
{
    if (!s->p)
        return; /* never set up */
    photon_serial_detach_usb(s);
    for (int i = 0; i < s->nptys; i++)
        serial_pty_free(s->ptys[i]);
    for (int i = 0; i < s->nsinks; i++) {
        serial_sink *k = &s->sinks[i];
        chardev_detach(&s->usart1, k);
        chardev_detach(&s->usb, k);
        fflush(k->f);
        if (k->close)
            fclose(k->f);
    }
    if (s->p->usart[1].tx_ctx == s) {
        s->p->usart[1].tx = NULL;
        s->p->usart[1].tx_ctx = NULL;
    }
    chardev_set_frontend(&s->usart1, NULL, NULL);
    chardev_free(&s->usb);
    chardev_free(&s->usart1);
}
