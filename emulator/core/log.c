#include "log.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static const struct {
    const char *name;
    unsigned bit;
} cats[] = {
    {"unimp", LOG_UNIMP}, {"exc", LOG_EXC},     {"mmio", LOG_MMIO},
    {"guest", LOG_GUEST}, {"reset", LOG_RESET}, {"flash", LOG_FLASH},
    {"led", LOG_LED},     {"info", LOG_INFO},   {"usb", LOG_USB},
    {"wifi", LOG_WIFI},   {"net", LOG_NET},     {"cloud", LOG_CLOUD},
};

void log_init(logger *l)
{
    memset(l, 0, sizeof(*l));
    l->mask = LOG_INFO;
    l->out = stderr;
}

void log_free(logger *l)
{
    free(l->unimp_seen);
    l->unimp_seen = NULL;
    l->unimp_n = l->unimp_cap = 0;
}

const char *log_categories(void)
{
    return "unimp, exc, mmio, guest, reset, flash, led, info, usb, wifi, net, cloud, all";
}

bool log_parse(const char *spec, unsigned *mask, const char **bad)
{
    static char badbuf[64];
    const char *p = spec;
    if (!*p) {
        if (bad)
            *bad = "";
        return false;
    }
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        bool found = false;
        if (n == 3 && !strncmp(p, "all", 3)) {
            *mask |= ~0u & ~LOG_MMIO;
            found = true;
        }
        for (size_t i = 0; !found && i < ARRAY_SIZE(cats); i++) {
            if (strlen(cats[i].name) == n && !strncmp(p, cats[i].name, n)) {
                *mask |= cats[i].bit;
                found = true;
            }
        }
        if (!found) {
            snprintf(badbuf, sizeof(badbuf), "%.*s", (int)(n < 60 ? n : 60), p);
            if (bad)
                *bad = badbuf;
            return false;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return true;
}

void log_msg(logger *l, unsigned cat, const char *fmt, ...)
{
    if (!(l->mask & cat) || !l->out)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(l->out, fmt, ap);
    va_end(ap);
    fputc('\n', l->out);
}

bool log_unimp_first(logger *l, uint32_t addr, bool is_write)
{
    uint32_t key = (addr & ~1u) | (is_write ? 1u : 0u);
    for (size_t i = 0; i < l->unimp_n; i++)
        if (l->unimp_seen[i] == key)
            return false;
    if (l->unimp_n == l->unimp_cap) {
        size_t cap = l->unimp_cap ? l->unimp_cap * 2 : 64;
        uint32_t *p = realloc(l->unimp_seen, cap * sizeof(*p));
        if (!p)
            return false;
        l->unimp_seen = p;
        l->unimp_cap = cap;
    }
    l->unimp_seen[l->unimp_n++] = key;
    return true;
}
