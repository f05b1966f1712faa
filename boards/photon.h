/* The Particle Photon (PØ module: STM32F205RGY6 + BCM43362): which models
 * sit where, their interrupts, and what the pins are wired to. */
#ifndef PHOTON_BOARD_H
#define PHOTON_BOARD_H

#include <stdint.h>

#include "led.h"
#include "ledpattern.h"
#include "machine.h"
#include "../peripherals/crc.h"
#include "../peripherals/dbgmcu.h"
#include "../peripherals/dma.h"
#include "../peripherals/exti.h"
#include "../peripherals/flash.h"
#include "../peripherals/gpio.h"
#include "../peripherals/iwdg.h"
#include "../peripherals/otg.h"
#include "../peripherals/pwr.h"
#include "../peripherals/rcc.h"
#include "../peripherals/rng.h"
#include "../peripherals/rtc.h"
#include "../peripherals/sdio.h"
#include "../peripherals/tim.h"
#include "../peripherals/usart.h"
#include "../peripherals/chips/bcm43362.h"
#include "radio.h"

#define PHOTON_HSE_HZ 26000000u
#define PHOTON_PLATFORM_ID 6

enum { PORT_A, PORT_B, PORT_C, PORT_D, PORT_E, PORT_F, PORT_G, PORT_H, PORT_I, NPORTS };

typedef struct photon_config {
    uint64_t seed;
    bool fast_flash; /* erase/program without their datasheet time */
    radio *air;      /* the access points around the board (shared), or NULL */
} photon_config;

typedef struct photon {
    machine *m;
    stm32_rcc rcc;
    stm32_pwr pwr;
    stm32_flash flash;
    stm32_gpio gpio[NPORTS];
    stm32_exti exti;
    stm32_syscfg syscfg;
    stm32_tim tim[15]; /* [1..14] */
    stm32_rtc rtc;
    stm32_iwdg iwdg;
    stm32_crc crc;
    stm32_rng rng;
    stm32_dma dma[2];
    stm32_usart usart[7]; /* [1..6] */
    stm32_dbgmcu dbgmcu;
    stm32_bkpsram bkpsram;
    stm32_sdio sdio;
    stm32_otg otg; /* OTG_HS with the embedded PHY: the USB connector */
    bcm43362 wifi; /* on SDIO, WL_REG_ON = PC1 */
    rgb_led led;   /* the RGB LED: PA1 red, PA2 green, PA3 blue (TIM2 CH2-4) */
    rgb_led d7;    /* the small blue LED on D7 (PA13) */
    led_classifier pattern;
    bool setup_held;
    bool reset_held;
    bool battery; /* VBAT powered: the backup domain survives power-off */
} photon;

photon *photon_new(const photon_config *cfg, char *err, size_t errlen);
void photon_free(photon *p);

/* Buttons on the board. SETUP is PC7, active low with the pull-up. */
void photon_setup_button(photon *p, bool pressed);
/* RESET holds the chip in reset while pressed; release starts it. */
void photon_reset_button(photon *p, bool pressed);
/* Unplug and plug in again (a power-on reset). */
void photon_power_cycle(photon *p);

/* The 12-byte unique ID (the Particle device ID). */
uint8_t *photon_uid(photon *p);
uint8_t *photon_otp(photon *p);

#endif
