/* GPIO (RM0033 section 6.4). Input levels come from the pin's own output
 * (output mode, push-pull or open-drain released), an external driver
 * (a button, a chip), or the pull-up/down; floating inputs read 0. */
#include "gpio.h"

#include <string.h>

#include "machine.h"

#define GPIO_REGS(REG, REGV, REGA) \
    REG(MODER, 0x00, moder)         \
    REG(OTYPER, 0x04, otyper)       \
    REG(OSPEEDR, 0x08, ospeedr)     \
    REG(PUPDR, 0x0C, pupdr)         \
    REG(IDR, 0x10, idr)             \
    REG(ODR, 0x14, odr)             \
    REGV(BSRR, 0x18)                \
    REG(LCKR, 0x1C, lckr)           \
    REG(AFRL, 0x20, afr[0])         \
    REG(AFRH, 0x24, afr[1])
REGS_OFFSETS(GPIO_REGS)
#define REGS_T stm32_gpio
    FIELD(LCKR, LCKK, 16, 1)

int gpio_pin_mode(const stm32_gpio *g, int pin)
{
    return (int)((g->moder >> (2 * pin)) & 3);
}

static int pin_af(const stm32_gpio *g, int pin)
{
    return (int)((g->afr[pin >> 3] >> (4 * (pin & 7))) & 0xF);
}

pin_drive gpio_pin_output(const stm32_gpio *g, int pin)
{
    pin_drive d = {false, 0};
    bool od = (g->otyper >> pin) & 1;
    switch (gpio_pin_mode(g, pin)) {
    case GPIO_MODE_OUTPUT: {
        int v = (g->odr >> pin) & 1;
        if (v && od)
            return d; /* open-drain released */
        d.driven = true;
        d.high = v;
        return d;
    }
    case GPIO_MODE_AF: {
        double lv = g->af_in[pin][pin_af(g, pin)];
        if (line_driven(lv)) {
            d.driven = true;
            d.high = lv;
            if (od && d.high >= 1.0)
                d.driven = false;
        }
        return d;
    }
    default:
        return d;
    }
}

static int compute_level(const stm32_gpio *g, int pin)
{
    pin_drive d = gpio_pin_output(g, pin);
    if (d.driven)
        return d.high >= 0.5;
    if (g->ext[pin] >= 0)
        return g->ext[pin];
    uint32_t pupd = (g->pupdr >> (2 * pin)) & 3;
    return pupd == 1; /* pull-up reads 1; pull-down and floating read 0 */
}

int gpio_pin_level(const stm32_gpio *g, int pin)
{
    return (g->idr >> pin) & 1;
}

/* Recompute the input levels and (outputs) what the pins drive; the
 * lines of the pins that changed are set in one batch. */
static void update(stm32_gpio *g, bool outputs)
{
    uint16_t idr = 0;
    for (int p = 0; p < 16; p++)
        idr |= (uint16_t)(compute_level(g, p) << p);
    uint16_t changed = idr ^ g->idr;
    g->idr = idr;
    line_batch_begin();
    for (int p = 0; p < 16; p++)
        if (changed & (1u << p))
            line_set(&g->in[p], (idr >> p) & 1);
    for (int p = 0; outputs && p < 16; p++) {
        pin_drive d = gpio_pin_output(g, p);
        double lv = d.driven ? d.high : LINE_FLOAT;
        if (lv != g->pin[p].level)
            line_set(&g->pin[p], lv);
    }
    line_batch_end();
}

static void ext_in(void *opaque, int n, double level)
{
    stm32_gpio *g = container_of((device *)opaque, stm32_gpio, dev);
    gpio_set_external(g, n, line_driven(level) ? line_high(level) : -1);
}

static void af_in(void *opaque, int n, double level)
{
    stm32_gpio *g = container_of((device *)opaque, stm32_gpio, dev);
    int pin = n / 16, af = n % 16;
    g->af_in[pin][af] = level;
    if (gpio_pin_mode(g, pin) == GPIO_MODE_AF && pin_af(g, pin) == af)
        update(g, true);
}

void gpio_set_external(stm32_gpio *g, int pin, int level)
{
    g->ext[pin] = (int8_t)(level < 0 ? -1 : level != 0);
    update(g, false);
}

static uint32_t gpio_read(device *d, uint32_t off, unsigned size)
{
    stm32_gpio *g = container_of(d, stm32_gpio, dev);
    (void)size;
    switch (off) {
    case A_MODER: return g->moder;
    case A_OTYPER: return g->otyper;
    case A_OSPEEDR: return g->ospeedr;
    case A_PUPDR: return g->pupdr;
    case A_IDR: return g->idr;
    case A_ODR: return g->odr;
    case A_BSRR: return 0;
    case A_LCKR: return g->lckr;
    case A_AFRL: return g->afr[0];
    case A_AFRH: return g->afr[1];
    }
    device_unimp(d, off, false, 0);
    return 0;
}

/* Bits of a configuration register that LCKR freezes (`per` bits a pin). */
static uint32_t locked_mask(const stm32_gpio *g, int per, int first_pin)
{
    if (!(g->lckr & R_LCKR_LCKK_MASK))
        return 0;
    uint32_t m = 0;
    int pins = 32 / per;
    for (int i = 0; i < pins; i++)
        if (g->lckr & (1u << (first_pin + i)))
            m |= ((1u << per) - 1) << (i * per);
    return m;
}

static void set_cfg(uint32_t *reg, uint32_t v, uint32_t locked)
{
    *reg = (*reg & locked) | (v & ~locked);
}

static void gpio_write(device *d, uint32_t off, uint32_t v, unsigned size)
{
    stm32_gpio *g = container_of(d, stm32_gpio, dev);
    if ((off & ~3u) == A_BSRR) {
        /* BSRRL/BSRRH halfword writes: other lanes are "no action" */
        uint32_t bsrr = reg_merge(0, off, v, size);
        g->odr = (g->odr | (bsrr & 0xFFFF)) & ~(bsrr >> 16 & ~bsrr & 0xFFFF);
        update(g, true);
        return;
    }
    switch (off & ~3u) {
    case A_MODER:
        set_cfg(&g->moder, reg_merge(g->moder, off, v, size), locked_mask(g, 2, 0));
        break;
    case A_OTYPER:
        set_cfg(&g->otyper, reg_merge(g->otyper, off, v, size) & 0xFFFF,
                locked_mask(g, 1, 0));
        break;
    case A_OSPEEDR:
        set_cfg(&g->ospeedr, reg_merge(g->ospeedr, off, v, size), locked_mask(g, 2, 0));
        break;
    case A_PUPDR:
        set_cfg(&g->pupdr, reg_merge(g->pupdr, off, v, size), locked_mask(g, 2, 0));
        break;
    case A_ODR: g->odr = reg_merge(g->odr, off, v, size) & 0xFFFF; break;
    case A_IDR: return;
    case A_LCKR:
        /* The LCKK write sequence (1, 0, 1, read) is accepted at once. */
        if (!(g->lckr & R_LCKR_LCKK_MASK))
            g->lckr = reg_merge(g->lckr, off, v, size) & 0x1FFFF;
        return;
    case A_AFRL:
        set_cfg(&g->afr[0], reg_merge(g->afr[0], off, v, size), locked_mask(g, 4, 0));
        break;
    case A_AFRH:
        set_cfg(&g->afr[1], reg_merge(g->afr[1], off, v, size), locked_mask(g, 4, 8));
        break;
    default:
        device_unimp(d, off, true, v);
        return;
    }
    update(g, true);
}

static void gpio_reset(device *d, reset_kind kind)
{
    stm32_gpio *g = container_of(d, stm32_gpio, dev);
    (void)kind;
    g->moder = g->reset.moder;
    g->ospeedr = g->reset.ospeedr;
    g->pupdr = g->reset.pupdr;
    g->otyper = 0;
    g->odr = 0;
    g->lckr = 0;
    g->afr[0] = g->afr[1] = 0;
    update(g, true);
}

static const reg_name gpio_regs[] = {REGS_NAMES(GPIO_REGS){0}};
static const state_field gpio_state[] = {
    REGS_STATE(GPIO_REGS)
    STATE_ARRAY("ext", ext)
    {0},
};
static const line_desc gpio_lines[] = {
    LINE_OUTS("pin", pin)
    LINE_OUTS("in", in)
    LINE_IN("ext", 16, ext_in)
    LINE_IN("af", 16 * 16, af_in)
    {0},
};

const device_class gpio_class = {
    .type = "stm32f2-gpio", .size = 0x400, .read = gpio_read, .write = gpio_write,
    .reset = gpio_reset, .regs = gpio_regs, .state = gpio_state, .lines = gpio_lines,
};

void gpio_init(stm32_gpio *g, const char *name, const gpio_config *reset)
{
    memset(g, 0, sizeof(*g));
    device_init(&g->dev, &gpio_class, name);
    if (reset)
        g->reset = *reset;
    for (int p = 0; p < 16; p++) {
        g->ext[p] = -1;
        line_init(&g->pin[p], NULL, LINE_FLOAT);
        line_init(&g->in[p], NULL, 0);
        for (int a = 0; a < 16; a++)
            g->af_in[p][a] = LINE_FLOAT;
    }
}
