/* The Particle Photon (PØ module: STM32F205RGY6 + BCM43362) as data: the
 * chip, the parts on the board and which pins they are wired to (the RGB
 * LED, the D7 LED, the SETUP and RESET buttons), and the flash layout. */
#ifndef PHOTON_BOARD_H
#define PHOTON_BOARD_H

#include <stdint.h>

#include "led.h"
#include "machine.h"
#include "bcm43362.h"
#include "radio.h"
#include "stm32f205.h"

#define PHOTON_HSE_HZ 26000000u
#define PHOTON_PLATFORM_ID 6

/* The Photon's flash layout (specs/photon-hardware.md section 1), written
 * once: traces name code addresses by it, inspect and scenarios find
 * modules and places by it. */
enum {
    AREA_MODULE = 1, /* a module slot */
    AREA_COPY = 2,   /* holds a copy of a module for another slot */
};
typedef struct photon_area {
    const char *name;
    uint32_t lo, hi;
    unsigned flags;
} photon_area;
extern const photon_area photon_layout[];
extern const int photon_nlayout;
/* An area by name ("system-part1"; "user-part" for "user"), or NULL. */
const photon_area *photon_area_named(const char *name);
/* An address by a name a user may give: a flash area, a place in the chip
 * ("OTP", "RTC_BKP3R"). */
bool photon_address(const char *name, uint32_t *addr);

typedef struct photon_config {
    uint64_t seed;
    bool fast_flash; /* erase/program without their datasheet time */
    radio *air;      /* the access points around the board (shared), or NULL */
} photon_config;

typedef struct photon {
    stm32f205 soc;
    machine *m;    /* soc.m */
    bcm43362 wifi; /* on SDIO, WL_REG_ON = PC1 */
    rgb_led led;   /* the RGB LED: PA1 red, PA2 green, PA3 blue (TIM2 CH2-4) */
    rgb_led d7;    /* the small blue LED on D7 (PA13) */
    line setup;    /* the SETUP button: pulls PC7 low while pressed */
    line reset;    /* the RESET button: pulls NRST low while pressed */
    bool setup_held;
    bool reset_held;
    bool battery; /* VBAT powered: the backup domain survives power-off */
} photon;

photon *photon_new(const photon_config *cfg, char *err, size_t errlen);
void photon_free(photon *p);

/* A pin by name: the header's (D0-D7, A0-A7, DAC, WKP, RX, TX), the
 * board's wires (SETUP, RGBR, RGBG, RGBB, WL_REG_ON) or the chip's (PA13):
 * its GPIO port, and the pin number in *pin; NULL for an unknown name. */
stm32_gpio *photon_pin(photon *p, const char *name, int *pin);
/* The same without a board: the port (PORT_A..) and pin; false if unknown. */
bool photon_pin_find(const char *name, int *port, int *pin);
extern const char photon_pin_names[]; /* the accepted names, for messages */

/* Buttons on the board. SETUP is PC7, active low with the pull-up. */
void photon_setup_button(photon *p, bool pressed);
/* RESET holds the chip in reset while pressed; release starts it. */
void photon_reset_button(photon *p, bool pressed);
/* Unplug and plug in again (a power-on reset). */
void photon_power_cycle(photon *p);

/* The 12-byte unique ID (the Particle device ID). */
uint8_t *photon_uid(photon *p);
uint8_t *photon_otp(photon *p);
uint8_t *photon_flash(photon *p);
/* A new device: erased flash and OTP, a unique ID derived from `seed`. */
void photon_fresh(photon *p, uint64_t seed);
/* The device ID: the unique ID as 24 lower-case hex digits. */
const char *photon_device_id(photon *p, char buf[25]);
/* Set the unique ID from 24 hex digits; -1 if it is not that. */
int photon_set_device_id(photon *p, const char *hex);

#endif
