/* The Photon's serial ports as the host sees them (photon_serial.h). */
#include "photon_serial.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

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
    s->usart1 = &p->soc.usart[1].serial;
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
        serial_pty *t = serial_pty_open(r, &s->p->m->log, cd, link, err, errlen);
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
        chardev_detach(s->usart1, k);
        chardev_detach(&s->usb, k);
        fflush(k->f);
        if (k->close)
            fclose(k->f);
    }
    chardev_free(&s->usb);
}
