/* The Photon board as tables: its chip, the parts on the board with the
 * pins they are wired to (the LEDs, the buttons, the BCM43362 Wi-Fi chip on
 * SDIO with its power on PC1 WL_REG_ON), and its flash layout. */
#include "photon.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const photon_area photon_layout[] = {
    {"bootloader", 0x08000000, 0x08004000, AREA_MODULE},
    {"dct1", 0x08004000, 0x08008000, 0},
    {"dct2", 0x08008000, 0x0800C000, 0},
    {"eeprom", 0x0800C000, 0x08020000, 0},
    {"system-part1", 0x08020000, 0x08060000, AREA_MODULE},
    {"system-part2", 0x08060000, 0x080A0000, AREA_MODULE},
    {"user", 0x080A0000, 0x080C0000, AREA_MODULE},
    {"ota", 0x080C0000, 0x080E0000, AREA_MODULE | AREA_COPY},
    {"factory", 0x080E0000, 0x08100000, AREA_MODULE | AREA_COPY},
};
const int photon_nlayout = ARRAY_SIZE(photon_layout);

const photon_area *photon_area_named(const char *name)
{
    if (!strcasecmp(name, "user-part"))
        name = "user";
    for (int i = 0; i < photon_nlayout; i++)
        if (!strcasecmp(photon_layout[i].name, name))
            return &photon_layout[i];
    return NULL;
}

bool photon_address(const char *name, uint32_t *addr)
{
    const photon_area *a = photon_area_named(name);
    if (a) {
        *addr = a->lo;
        return true;
    }
    return stm32f205_address(name, addr);
}

/* The pins by name (Device OS's pinmap_hal.c for the Photon): the header
 * (D0-D7, A0-A7 with DAC = A6 and WKP = A7, RX, TX) and the board's own
 * wires (SETUP, the RGB LED, the Wi-Fi chip's WL_REG_ON). */
static const struct {
    const char *name;
    int port, pin;
} pins[] = {
    {"D0", PORT_B, 7},        {"D1", PORT_B, 6},    {"D2", PORT_B, 5},    {"D3", PORT_B, 4},
    {"D4", PORT_B, 3},        {"D5", PORT_A, 15},   {"D6", PORT_A, 14},   {"D7", PORT_A, 13},
    {"A0", PORT_C, 5},        {"A1", PORT_C, 3},    {"A2", PORT_C, 2},    {"A3", PORT_A, 5},
    {"A4", PORT_A, 6},        {"A5", PORT_A, 7},    {"A6", PORT_A, 4},    {"DAC", PORT_A, 4},
    {"A7", PORT_A, 0},        {"WKP", PORT_A, 0},   {"RX", PORT_A, 10},   {"TX", PORT_A, 9},
    {"SETUP", PORT_C, 7},     {"RGBR", PORT_A, 1},  {"RGBG", PORT_A, 2},  {"RGBB", PORT_A, 3},
    {"WL_REG_ON", PORT_C, 1},
};

const char photon_pin_names[] = "D0-D7, A0-A7, DAC, WKP, RX, TX, SETUP, RGBR, RGBG, RGBB, "
                                "WL_REG_ON, or PA0-PD15";

bool photon_pin_find(const char *name, int *port, int *pin)
{
    for (size_t i = 0; i < ARRAY_SIZE(pins); i++)
        if (!strcasecmp(pins[i].name, name)) {
            *port = pins[i].port;
            *pin = pins[i].pin;
            return true;
        }
    /* the chip's own names: PA0 .. PD15 (the ports the package brings out) */
    int p = toupper((unsigned char)name[0]) == 'P' ? toupper((unsigned char)name[1]) - 'A' : -1;
    if (p < PORT_A || p > PORT_D || !isdigit((unsigned char)name[2]))
        return false;
    char *end;
    long n = strtol(name + 2, &end, 10);
    if (*end || n > 15)
        return false;
    *port = p;
    *pin = (int)n;
    return true;
}

stm32_gpio *photon_pin(photon *p, const char *name, int *pin)
{
    int port;
    return photon_pin_find(name, &port, pin) ? &p->soc.gpio[port] : NULL;
}

/* The parts on the chip's pins (schematic): each pin's output drives an
 * input of a part. The RGB LED is a common-anode part: lit while its pin
 * is low; the Wi-Fi chip runs while WL_REG_ON is driven high. */
static line_sink rgb_in(photon *p, int ch) { return led_input(&p->led, ch); }
static line_sink d7_in(photon *p, int ch) { return led_input(&p->d7, ch); }
static line_sink wl_reg_on_in(photon *p, int ch) { (void)ch; return bcm43362_reg_on_input(&p->wifi); }

static const struct {
    const char *pin;
    line_sink (*input)(photon *p, int ch);
    int ch;
} board_pins[] = {
    {"RGBR", rgb_in, 0}, {"RGBG", rgb_in, 1},         {"RGBB", rgb_in, 2},
    {"D7", d7_in, 0},    {"WL_REG_ON", wl_reg_on_in, 0},
};

void photon_setup_button(photon *p, bool pressed)
{
    p->setup_held = pressed;
    line_set(&p->setup, pressed ? 0 : LINE_FLOAT);
}

void photon_reset_button(photon *p, bool pressed)
{
    /* NRST low resets the chip at once (the pins, and so the LED, go to
     * their reset state) and holds it there; the core starts on release. */
    p->reset_held = pressed;
    line_set(&p->reset, pressed ? 0 : LINE_FLOAT);
}

void photon_power_cycle(photon *p)
{
    machine_request_reset(p->m, RESET_POWER_ON);
}

uint8_t *photon_uid(photon *p)
{
    return stm32f205_uid(p->m);
}

uint8_t *photon_otp(photon *p)
{
    return stm32f205_otp(p->m);
}

uint8_t *photon_flash(photon *p)
{
    return stm32f205_flash(p->m);
}

/* The P0 module's factory-programmed MAC (the Wi-Fi chip's OTP): every
 * Photon has its own. Here a locally administered unicast address, 02 and
 * five bytes of a hash (FNV-1a) of the device's unique ID, so that each
 * device keeps its own across runs and two devices on one network differ. */
static void module_mac(void *ctx, uint8_t mac[6])
{
    const uint8_t *u = photon_uid(ctx);
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 0; i < 12; i++)
        h = (h ^ u[i]) * 0x100000001b3ull;
    mac[0] = 0x02;
    for (int i = 1; i < 6; i++)
        mac[i] = (uint8_t)(h >> (8 * (i - 1)));
}

photon *photon_new(const photon_config *cfg, char *err, size_t errlen)
{
    photon *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    stm32f205_config sc = {.hse_hz = PHOTON_HSE_HZ, .seed = cfg->seed,
                           .fast_flash = cfg->fast_flash};
    if (stm32f205_init(&p->soc, &sc, err, errlen)) {
        free(p);
        return NULL;
    }
    machine *m = p->m = p->soc.m;
    p->battery = true;
    for (int i = 0; i < photon_nlayout; i++)
        machine_add_area(m, photon_layout[i].name, photon_layout[i].lo, photon_layout[i].hi);

    led_init(&p->led, m, "rgb", 3, true);
    led_init(&p->d7, m, "d7", 1, false);
    if (bcm43362_init(&p->wifi, m, cfg->air)) {
        snprintf(err, errlen, "out of memory");
        photon_free(p);
        return NULL;
    }
    bcm43362_set_otp_mac(&p->wifi, module_mac, p);
    int e = 0;
    for (size_t i = 0; i < ARRAY_SIZE(board_pins) && !e; i++) {
        int n;
        stm32_gpio *g = photon_pin(p, board_pins[i].pin, &n);
        line *pin = g ? device_line_out(&g->dev, "pin", n) : NULL;
        e = !pin || line_connect(pin, board_pins[i].input(p, board_pins[i].ch));
    }
    /* the Wi-Fi chip is the card on SDIO, its interrupt on DAT1 */
    p->soc.sdio.card_ops = &bcm43362_card_ops;
    p->soc.sdio.card = &p->wifi;
    e |= line_connect(&p->wifi.host_irq, device_line_in(&p->soc.sdio.dev, "card_irq", 0));
    line_init(&p->setup, "SETUP", LINE_FLOAT);
    line_init(&p->reset, "RESET", LINE_FLOAT);
    e |= line_connect(&p->setup, device_line_in(&p->soc.gpio[PORT_C].dev, "ext", 7));
    e |= line_connect(&p->reset, machine_nrst_input(m));
    if (e) {
        snprintf(err, errlen, "cannot wire the board's parts");
        photon_free(p);
        return NULL;
    }
    return p;
}

void photon_fresh(photon *p, uint64_t seed)
{
    memset(photon_flash(p), 0xFF, STM32F205_FLASH_SIZE);
    memset(photon_otp(p), 0xFF, STM32F205_OTP_SIZE);
    /* A unique ID in the shape of ST's: X/Y wafer position, wafer number,
     * lot number in ASCII; derived from the seed. */
    uint64_t z = seed + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    uint8_t *u = photon_uid(p);
    u[0] = (uint8_t)(0x20 + (z & 0x1F));
    u[1] = 0x00;
    u[2] = (uint8_t)(0x20 + ((z >> 5) & 0x1F));
    u[3] = 0x00;
    u[4] = (uint8_t)(0x40 + ((z >> 10) & 0x07));
    u[5] = 0x47;
    static const char lot[] = "0123456789";
    for (int i = 6; i < 12; i++)
        u[i] = (uint8_t)lot[(z >> (13 + 4 * (i - 6))) % 10];
}

const char *photon_device_id(photon *p, char buf[25])
{
    const uint8_t *u = photon_uid(p);
    for (int i = 0; i < 12; i++)
        snprintf(buf + 2 * i, 3, "%02x", u[i]);
    return buf;
}

int photon_set_device_id(photon *p, const char *hex)
{
    if (strlen(hex) != 24)
        return -1;
    uint8_t u[12];
    for (int i = 0; i < 12; i++) {
        unsigned v;
        if (!isxdigit((unsigned char)hex[2 * i]) || !isxdigit((unsigned char)hex[2 * i + 1]) ||
            sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        u[i] = (uint8_t)v;
    }
    memcpy(photon_uid(p), u, 12);
    return 0;
}

void photon_free(photon *p)
{
    if (!p)
        return;
    bcm43362_free(&p->wifi);
    led_free(&p->led);
    led_free(&p->d7);
    stm32f205_free(&p->soc);
    free(p);
}
