#include "device.h"

const char *reset_kind_name(reset_kind k)
{
    switch (k) {
    case RESET_POWER_ON: return "power-on";
    case RESET_PIN: return "pin";
    case RESET_SOFTWARE: return "software";
    case RESET_IWDG: return "iwdg";
    case RESET_WWDG: return "wwdg";
    case RESET_LOWPOWER: return "low-power";
    case RESET_PERIPHERAL: return "peripheral";
    }
    return "?";
}

void device_init(device *d, const char *name, uint32_t base, uint32_t size,
                 uint32_t (*read)(device *, uint32_t, unsigned),
                 void (*write)(device *, uint32_t, uint32_t, unsigned),
                 void (*reset)(device *, reset_kind), const reg_name *regs)
{
    d->name = name;
    d->base = base;
    d->size = size;
    d->read = read;
    d->write = write;
    d->reset = reset;
    d->regs = regs;
}

const char *device_reg_name(const device *d, uint32_t off)
{
    if (!d->regs)
        return NULL;
    for (const reg_name *r = d->regs; r->name; r++)
        if (r->off == off)
            return r->name;
    return NULL;
}
