/* GPIO port (RM0033 section 6), one model for GPIOA..GPIOI. */
#ifndef PHOTON_GPIO_H
#define PHOTON_GPIO_H

#include "device.h"

#define GPIO_BASE(port) (0x40020000u + 0x400u * (uint32_t)(port))

enum { GPIO_MODE_INPUT, GPIO_MODE_OUTPUT, GPIO_MODE_AF, GPIO_MODE_ANALOG };

/* What a pin does to the wire: not driven, or driven high for a fraction
 * of the time (0 = low, 1 = high, PWM in between). */
typedef struct pin_drive {
    bool driven;
    double high; /* 0..1 */
} pin_drive;

/* An alternate-function output (a timer channel, a USART TX ...). */
typedef pin_drive (*af_output_fn)(void *ctx, int channel);

typedef struct stm32_gpio {
    device dev;
    int port; /* 0 = A */
    uint32_t moder, otyper, ospeedr, pupdr, odr, lckr, afr[2];
    int8_t ext[16];   /* external drive: -1 none, 0 low, 1 high */
    uint16_t idr;     /* levels as last computed */
    struct {
        af_output_fn fn;
        void *ctx;
        int channel;
        int af;
    } af_out[16];
    /* Any change of what a pin drives (for LEDs and chips on the board). */
    void (*on_output)(void *ctx, struct stm32_gpio *g);
    void *on_output_ctx;
    /* A change of an input level (for EXTI through SYSCFG). */
    void (*on_input)(void *ctx, int port, int pin, int level);
    void *on_input_ctx;
} stm32_gpio;

void gpio_init(stm32_gpio *g, int port);
/* Something outside the chip drives the pin (-1 releases it). */
void gpio_set_external(stm32_gpio *g, int pin, int level);
/* Connect a peripheral output to `pin` when it selects alternate `af`. */
void gpio_connect_af(stm32_gpio *g, int pin, int af, af_output_fn fn, void *ctx,
                     int channel);
pin_drive gpio_pin_output(const stm32_gpio *g, int pin);
int gpio_pin_mode(const stm32_gpio *g, int pin);
int gpio_pin_level(const stm32_gpio *g, int pin);
/* Re-evaluate outputs (a connected peripheral changed). */
void gpio_outputs_changed(stm32_gpio *g);

#endif
