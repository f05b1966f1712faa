/* Meanings from Particle's device-mode documentation and the firmware
 * (specs/photon-hardware.md section 6): the system firmware's states, and
 * what the bootloader shows while SETUP is held (table in section 3). */
#include "ledmeaning.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

#define FAST_MS 150 /* the 100 ms "fast" blinks; normal blinks are 200 ms or more */

typedef struct meaning {
    lp_kind kind;
    const char *color;
    int fast; /* -1 any period, 1 period <= FAST_MS, 0 slower */
    const char *text;
} meaning;

static const meaning table[] = {
    {LP_BLINK, "yellow", -1, "DFU mode"},
    {LP_BLINK, "blue", -1, "listening mode"},
    {LP_BREATHE, "cyan", -1, "connected to the cloud"},
    {LP_BREATHE, "magenta", -1, "safe mode"},
    {LP_BREATHE, "green", -1, "Wi-Fi connected, not connected to the cloud"},
    {LP_BREATHE, "blue", -1, "Wi-Fi on, not connected"},
    {LP_BREATHE, "white", -1, "Wi-Fi off"},
    {LP_BLINK, "green", 0, "connecting to Wi-Fi"},
    {LP_BLINK, "green", 1, "getting an IP address (or factory reset, in the bootloader)"},
    {LP_BLINK, "cyan", 0, "connecting to the cloud"},
    {LP_BLINK, "cyan", 1, "cloud handshake"},
    {LP_BLINK, "magenta", 0, "SETUP held: release for safe mode"},
    {LP_BLINK, "magenta", 1, "firmware update"},
    {LP_BLINK, "white", 1, "clearing Wi-Fi credentials (SETUP held over 10 s)"},
    {LP_SOLID, "white", -1, "system firmware starting"},
    {LP_SOLID, "gray", -1, "powered, LED dimmed"},
};

const char *led_pattern_meaning(const led_pattern *p)
{
    if (p->kind == LP_SOS)
        return p->code ? sos_code_name(p->code) : "panic";
    if (p->kind == LP_OFF)
        return NULL;
    for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
        const meaning *m = &table[i];
        if (m->kind != p->kind || strcmp(m->color, p->color))
            continue;
        if (m->fast >= 0 && p->period_ms &&
            (p->period_ms <= FAST_MS) != (m->fast == 1))
            continue;
        return m->text;
    }
    return NULL;
}

const char *led_pattern_status(const led_pattern *p, char *buf, size_t n)
{
    const char *what = led_pattern_meaning(p);
    char name[64];
    switch (p->kind) {
    case LP_NONE: snprintf(buf, n, "no LED pattern yet"); return buf;
    case LP_OFF: snprintf(name, sizeof(name), "off"); break;
    case LP_SOLID: snprintf(name, sizeof(name), "solid %s", p->color); break;
    case LP_BLINK: snprintf(name, sizeof(name), "blinking %s", p->color); break;
    case LP_BREATHE: snprintf(name, sizeof(name), "breathing %s", p->color); break;
    case LP_SOS:
        if (p->code)
            snprintf(name, sizeof(name), "SOS red, code %d", p->code);
        else
            snprintf(name, sizeof(name), "SOS red");
        break;
    }
    if (what && *what)
        snprintf(buf, n, "%s: %s", name, what);
    else
        snprintf(buf, n, "%s", name);
    return buf;
}
