#include "device.h"

#include <stdio.h>
#include <string.h>

const char *reset_kind_name(reset_kind k)
{
    switch (k) {
    case RESET_POWER_ON: return "power-on";
    case RESET_BROWNOUT: return "brown-out";
    case RESET_PIN: return "pin";
    case RESET_SOFTWARE: return "software";
    case RESET_IWDG: return "iwdg";
    case RESET_WWDG: return "wwdg";
    case RESET_LOWPOWER: return "low-power";
    case RESET_PERIPHERAL: return "peripheral";
    }
    return "?";
}

void device_init(device *d, const device_class *cls, const char *name)
{
    d->cls = cls;
    d->name = name;
    d->size = cls->size;
    d->read = cls->read;
    d->write = cls->write;
    d->reset = cls->reset;
}

const char *device_reg_name(const device *d, uint32_t off, char *buf, size_t n)
{
    if (!d->cls->regs)
        return NULL;
    for (const reg_name *r = d->cls->regs; r->name; r++) {
        if (r->count <= 1) {
            if (r->off == off)
                return r->name;
            continue;
        }
        if (off < r->off || (off - r->off) % r->stride || (off - r->off) / r->stride >= r->count)
            continue;
        snprintf(buf, n, r->name, r->first + (off - r->off) / r->stride);
        return buf;
    }
    return NULL;
}

static void reset_in(void *opaque, int kind, double level)
{
    device *d = opaque;
    if (line_high(level) && d->reset)
        d->reset(d, (reset_kind)kind);
}

line_sink device_reset_input(device *d, reset_kind kind)
{
    return line_sink_make(reset_in, d, (int)kind);
}

line *device_line_out(device *d, const char *name, int n)
{
    for (const line_desc *l = d->cls->lines; l && l->name; l++)
        if (!l->input && !strcmp(l->name, name) && n >= 0 && n < (l->count ? l->count : 1))
            return (line *)((char *)d + l->offset) + n;
    return NULL;
}

line_sink device_line_in(device *d, const char *name, int n)
{
    for (const line_desc *l = d->cls->lines; l && l->name; l++)
        if (l->input && !strcmp(l->name, name) && n >= 0 && n < (l->count ? l->count : 1))
            return line_sink_make(l->input, d, n);
    return line_sink_make(NULL, NULL, 0);
}

const state_field *device_state_field(const device *d, const char *name)
{
    for (const state_field *f = d->cls->state; f && f->name; f++)
        if (!strcmp(f->name, name))
            return f;
    return NULL;
}

uint32_t state_field_bytes(const state_field *f)
{
    return f->size * (f->count ? f->count : 1);
}

void device_state_get(device *d, const state_field *f, void *buf)
{
    if (f->get) {
        f->get(d, buf);
        return;
    }
    uint32_t stride = f->stride ? f->stride : f->size;
    for (uint32_t i = 0; i < (f->count ? f->count : 1); i++)
        memcpy((uint8_t *)buf + i * f->size, (const char *)d + f->offset + i * stride, f->size);
}

void device_state_put(device *d, const state_field *f, const void *buf)
{
    if (f->put) {
        f->put(d, buf);
        return;
    }
    uint32_t stride = f->stride ? f->stride : f->size;
    for (uint32_t i = 0; i < (f->count ? f->count : 1); i++)
        memcpy((char *)d + f->offset + i * stride, (const uint8_t *)buf + i * f->size, f->size);
}
