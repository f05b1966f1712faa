#include "chardev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void chardev_init(chardev *c, const char *name)
{
    memset(c, 0, sizeof(*c));
    c->name = name;
    c->params = CHARDEV_PARAMS_DEFAULT;
}

void chardev_free(chardev *c)
{
    free(c->inq);
    c->inq = NULL;
    c->in_head = c->in_len = c->in_cap = 0;
}

static void drain(chardev *c);

void chardev_set_frontend(chardev *c, const chardev_frontend_ops *ops, void *opaque)
{
    c->fe = ops;
    c->fe_opaque = ops ? opaque : NULL;
    drain(c);
}

int chardev_attach(chardev *c, const chardev_backend_ops *ops, void *opaque)
{
    if (!ops || c->nbe >= CHARDEV_MAX_BACKENDS)
        return -1;
    c->be[c->nbe].ops = ops;
    c->be[c->nbe].opaque = opaque;
    c->nbe++;
    if (ops->params)
        ops->params(opaque, &c->params);
    if (ops->status)
        ops->status(opaque, c->status);
    if (ops->event && c->connected)
        ops->event(opaque, CHARDEV_OPENED);
    return 0;
}

void chardev_detach(chardev *c, void *opaque)
{
    for (int i = 0; i < c->nbe; i++) {
        if (c->be[i].opaque != opaque)
            continue;
        memmove(&c->be[i], &c->be[i + 1], (size_t)(c->nbe - i - 1) * sizeof(c->be[0]));
        c->nbe--;
        return;
    }
}

/* ---- frontend side ---- */

void chardev_write(chardev *c, const uint8_t *buf, size_t len)
{
    if (!len)
        return;
    c->bytes_out += len;
    for (int i = 0; i < c->nbe; i++)
        if (c->be[i].ops->receive)
            c->be[i].ops->receive(c->be[i].opaque, buf, len);
}

size_t chardev_write_space(const chardev *c)
{
    size_t space = SIZE_MAX;
    for (int i = 0; i < c->nbe; i++) {
        if (!c->be[i].ops->can_receive)
            continue;
        size_t n = c->be[i].ops->can_receive(c->be[i].opaque);
        if (n < space)
            space = n;
    }
    return space;
}

/* Hand queued input to the frontend while it takes it. */
static void drain(chardev *c)
{
    if (c->draining || !c->fe)
        return; /* the loop below is already running further up */
    c->draining = true;
    while (c->in_len) {
        /* a copy: the frontend may send more, which may move the queue */
        uint8_t chunk[256];
        size_t n = c->in_len < sizeof(chunk) ? c->in_len : sizeof(chunk);
        if (c->fe->can_receive) {
            size_t room = c->fe->can_receive(c->fe_opaque);
            if (!room)
                break;
            if (room < n)
                n = room;
        }
        for (size_t i = 0; i < n; i++)
            chunk[i] = c->inq[(c->in_head + i) % c->in_cap];
        c->in_head = (c->in_head + n) % c->in_cap;
        c->in_len -= n;
        c->bytes_in += n;
        if (c->fe->receive)
            c->fe->receive(c->fe_opaque, chunk, n);
        if (!c->fe)
            break; /* the frontend went away in its receive */
    }
    if (!c->in_len)
        c->in_head = 0;
    c->draining = false;
}

void chardev_input_ready(chardev *c)
{
    drain(c);
}

void chardev_set_params(chardev *c, const chardev_params *p)
{
    c->params = *p;
    for (int i = 0; i < c->nbe; i++)
        if (c->be[i].ops->params)
            c->be[i].ops->params(c->be[i].opaque, p);
}

void chardev_set_status(chardev *c, unsigned lines)
{
    c->status = lines;
    for (int i = 0; i < c->nbe; i++)
        if (c->be[i].ops->status)
            c->be[i].ops->status(c->be[i].opaque, lines);
}

void chardev_set_connected(chardev *c, bool connected)
{
    if (c->connected == connected)
        return;
    c->connected = connected;
    for (int i = 0; i < c->nbe; i++)
        if (c->be[i].ops->event)
            c->be[i].ops->event(c->be[i].opaque, connected ? CHARDEV_OPENED : CHARDEV_CLOSED);
}

/* ---- backend side ---- */

/* Make room for `more` bytes, keeping the ring's content in order. */
static int grow(chardev *c, size_t more)
{
    if (c->in_len + more <= c->in_cap)
        return 0;
    size_t cap = c->in_cap ? c->in_cap : 256;
    while (cap < c->in_len + more) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    uint8_t *q = malloc(cap);
    if (!q)
        return -1;
    for (size_t i = 0; i < c->in_len; i++)
        q[i] = c->inq[(c->in_head + i) % c->in_cap];
    free(c->inq);
    c->inq = q;
    c->in_cap = cap;
    c->in_head = 0;
    return 0;
}

int chardev_send(chardev *c, const uint8_t *buf, size_t len)
{
    if (!len)
        return 0;
    if (grow(c, len))
        return -1;
    size_t tail = (c->in_head + c->in_len) % c->in_cap;
    for (size_t i = 0; i < len; i++)
        c->inq[(tail + i) % c->in_cap] = buf[i];
    c->in_len += len;
    drain(c);
    return 0;
}

size_t chardev_queued(const chardev *c)
{
    return c->in_len;
}

void chardev_request_params(chardev *c, const chardev_params *p)
{
    if (c->fe && c->fe->set_params)
        c->fe->set_params(c->fe_opaque, p);
}

void chardev_set_control(chardev *c, unsigned lines)
{
    lines &= CHARDEV_DTR | CHARDEV_RTS;
    if (lines == c->control)
        return;
    c->control = lines;
    if (c->fe && c->fe->set_control)
        c->fe->set_control(c->fe_opaque, lines);
}

void chardev_host_event(chardev *c, bool opened)
{
    if (opened) {
        if (c->host_opens++ == 0 && c->fe && c->fe->event)
            c->fe->event(c->fe_opaque, CHARDEV_OPENED);
    } else if (c->host_opens > 0) {
        if (--c->host_opens == 0 && c->fe && c->fe->event)
            c->fe->event(c->fe_opaque, CHARDEV_CLOSED);
    }
}

void chardev_output_ready(chardev *c)
{
    if (c->fe && c->fe->output_ready)
        c->fe->output_ready(c->fe_opaque);
}

const char *chardev_params_str(const chardev_params *p, char *buf, size_t n)
{
    static const char *const stop[5] = {"?", "0.5", "1", "1.5", "2"};
    snprintf(buf, n, "%u %u%c%s", (unsigned)p->baud, (unsigned)p->data_bits,
             p->parity ? p->parity : '?', stop[p->stop_half <= 4 ? p->stop_half : 0]);
    return buf;
}
