/* GPIO port (RM0033 section 6), one model for GPIOA..GPIOI.
 * Lines: inputs "ext" [16] (something outside drives the pin: 0, 1, or
 * LINE_FLOAT when it lets go) and "af" [pin * 16 + af] (what a peripheral's
 * alternate-function output drives: a level, a PWM duty, or LINE_FLOAT);
 * outputs "pin" [16] (what the pin drives, LINE_FLOAT when it does not)
 * and "in" [16] (the input level as IDR reads it). */
#ifndef PHOTON_GPIO_H
#define PHOTON_GPIO_H

#include "device.h"

enum { GPIO_MODE_INPUT, GPIO_MODE_OUTPUT, GPIO_MODE_AF, GPIO_MODE_ANALOG };

/* What a pin does to the wire: not driven, or driven high for a fraction
 * of the time (0 = low, 1 = high, PWM in between). */
typedef struct pin_drive {
    bool driven;
    double high; /* 0..1 */
} pin_drive;

/* The port's configuration after a reset (the debug pins of ports A and B
 * come up in their alternate function). */
typedef struct gpio_config {
    uint32_t moder, ospeedr, pupdr;
} gpio_config;

typedef struct stm32_gpio {
    device dev;
    gpio_config reset;
    uint32_t moder, otyper, ospeedr, pupdr, odr, lckr, afr[2];
    int8_t ext[16];        /* external drive: -1 none, 0 low, 1 high */
    uint16_t idr;          /* levels as last computed */
    double af_in[16][16];  /* alternate-function outputs, by pin and AF */
    line pin[16], in[16];
} stm32_gpio;

extern const device_class gpio_class;
void gpio_init(stm32_gpio *g, const char *name, const gpio_config *reset);
/* Something outside the chip drives the pin (-1 releases it). */
void gpio_set_external(stm32_gpio *g, int pin, int level);
pin_drive gpio_pin_output(const stm32_gpio *g, int pin);
int gpio_pin_mode(const stm32_gpio *g, int pin);
int gpio_pin_level(const stm32_gpio *g, int pin);

#endif
