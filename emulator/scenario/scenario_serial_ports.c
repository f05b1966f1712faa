/* The scenario's serial ports (scenario_serial.h). */
#include <stdlib.h>
#include <string.h>

#include "photon_serial.h"
#include "scenario_serial.h"

typedef struct scn_serial {
    scn *s;
    photon_serial ps;
    bool usb_on, usb_open, usart1_open;
    bool waiting; /* for the USB serial to appear */
    serial_pty *pty_usb, *pty_usart1;
} scn_serial;

static const int serial_key; /* scn_get_ext key */

static void feed(void *opaque, const uint8_t *buf, size_t len, const char *port)
{
    scn_serial *x = opaque;
    scn_serial_feed(x->s, port, buf, len);
}

static void feed_usb(void *o, const uint8_t *b, size_t n) { feed(o, b, n, "usb"); }
static void feed_usart1(void *o, const uint8_t *b, size_t n) { feed(o, b, n, "usart1"); }

static void usb_event(void *opaque, chardev_event ev)
{
    scn_serial *x = opaque;
    scn_event(x->s, "USB serial: the device's CDC function %s",
              ev == CHARDEV_OPENED ? "is there (bound)" : "is gone");
    if (ev == CHARDEV_OPENED && x->waiting) {
        x->waiting = false;
        scn_done(x->s);
    }
}

static const chardev_backend_ops usb_ops = {.receive = feed_usb, .event = usb_event};
static const chardev_backend_ops usart1_ops = {.receive = feed_usart1};

static void serial_end(void *ctx)
{
    scn_serial *x = ctx;
    photon_serial_free(&x->ps);
    free(x);
}

static void usb_end(void *ctx)
{
    scn_serial *x = ctx;
    /* before the USB host goes (at_end runs in reverse order) */
    photon_serial_detach_usb(&x->ps);
}

static chardev *port_of(scn *s, scn_serial *x, const char *name);

/* An attach hook (scenario_steps.c): USART1 into the evidence; with
 * `device: usb: true`, the USB cable plugged in before power-on. */
void scn_attach_serial(scn *s)
{
    scn_serial *x = calloc(1, sizeof(*x));
    if (!x)
        return;
    x->s = s;
    photon_serial_init(&x->ps, scn_photon(s));
    chardev_attach(x->ps.usart1, &usart1_ops, x);
    scn_set_ext(s, &serial_key, x);
    scn_at_end(s, serial_end, x);
    if (scn_usb_at_power_on(s))
        port_of(s, x, "usb"); /* the cable, the host and its CDC-ACM driver */
}

static chardev *port_of(scn *s, scn_serial *x, const char *name)
{
    if (!strcmp(name, "usart1"))
        return x->ps.usart1;
    if (strcmp(name, "usb")) {
        scn_note(s, "serial: no port '%s' (usb, usart1)", name);
        return NULL;
    }
    if (!x->usb_on) {
        usb_link *l = scn_usb_link(s, NULL);
        if (!l)
            return NULL;
        photon_serial_attach_usb(&x->ps, &l->host);
        chardev_attach(&x->ps.usb, &usb_ops, x);
        scn_at_end(s, usb_end, x);
        x->usb_on = true;
    }
    return &x->ps.usb;
}

/* As a user waits for /dev/ttyACM0 to appear before typing: the USB
 * serial function must be there (bound), within the step timeout. */
static bool wait_bound(scn *s, scn_serial *x, chardev *cd)
{
    if (cd != &x->ps.usb || cd->connected)
        return true;
    x->waiting = true;
    scn_wait r = scn_run_until(s, scn_now(s) + scn_step_timeout(s));
    x->waiting = false;
    if (cd->connected)
        return true;
    if (r != SCN_WAIT_ERROR)
        scn_note(s, "serial: the USB serial did not appear (no CDC function on the cable: the "
                    "device is in DFU mode, or its firmware does not run)");
    return false;
}

chardev *scn_serial_port_open(scn *s, const char *name)
{
    scn_serial *x = scn_get_ext(s, &serial_key);
    chardev *cd = x ? port_of(s, x, name) : NULL;
    if (!cd || !wait_bound(s, x, cd))
        return NULL;
    bool *open = cd == &x->ps.usb ? &x->usb_open : &x->usart1_open;
    if (!*open) {
        /* the scenario is a terminal program that keeps the port open */
        *open = true;
        chardev_set_control(cd, CHARDEV_DTR | CHARDEV_RTS);
        chardev_host_event(cd, true);
    }
    return cd;
}

serial_pty *scn_serial_pty(scn *s, const char *name)
{
    scn_serial *x = scn_get_ext(s, &serial_key);
    chardev *cd = x ? port_of(s, x, name) : NULL;
    if (!cd)
        return NULL;
    serial_pty **p = cd == &x->ps.usb ? &x->pty_usb : &x->pty_usart1;
    if (!*p) {
        char err[256];
        if (photon_serial_route(&x->ps, cd, scn_runner(s), "pty", NULL, p, err, sizeof(err))) {
            scn_note(s, "serial: %s", err);
            return NULL;
        }
    }
    return *p;
}
