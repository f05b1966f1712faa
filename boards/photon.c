/* The Photon board: the STM32F205 peripherals at their addresses with their
 * interrupt numbers (RM0033 table 2 and the vector table), the RCC reset
 * bits, the alternate functions used on the board, and the parts around
 * the chip: the common-anode RGB LED on PA1-PA3, the D7 LED on PA13, the
 * SETUP button on PC7, the RESET button, and the BCM43362 Wi-Fi chip on
 * SDIO (its card interrupt on DAT1, its power/reset on PC1 WL_REG_ON). */
#include "photon.h"

#include <stdlib.h>
#include <string.h>

/* Interrupt numbers (position in the vector table minus 16). */
enum {
    IRQ_PVD = 1, IRQ_TAMP_STAMP = 2, IRQ_RTC_WKUP = 3, IRQ_FLASH = 4,
    IRQ_EXTI0 = 6, IRQ_DMA1_S0 = 11, IRQ_EXTI9_5 = 23, IRQ_TIM1_BRK_TIM9 = 24,
    IRQ_TIM1_UP_TIM10 = 25, IRQ_TIM1_TRG_COM_TIM11 = 26, IRQ_TIM1_CC = 27,
    IRQ_TIM2 = 28, IRQ_TIM3 = 29, IRQ_TIM4 = 30, IRQ_USART1 = 37, IRQ_USART2 = 38,
    IRQ_USART3 = 39, IRQ_EXTI15_10 = 40, IRQ_RTC_ALARM = 41, IRQ_OTG_FS_WKUP = 42,
    IRQ_TIM8_BRK_TIM12 = 43, IRQ_TIM8_UP_TIM13 = 44, IRQ_TIM8_TRG_COM_TIM14 = 45,
    IRQ_TIM8_CC = 46, IRQ_DMA1_S7 = 47, IRQ_SDIO = 49, IRQ_TIM5 = 50,
    IRQ_UART4 = 52, IRQ_UART5 = 53, IRQ_TIM6_DAC = 54, IRQ_TIM7 = 55,
    IRQ_DMA2_S0 = 56, IRQ_ETH_WKUP = 62, IRQ_DMA2_S5 = 68, IRQ_USART6 = 71,
    IRQ_OTG_HS_EP1_OUT = 74, IRQ_OTG_HS_EP1_IN = 75, IRQ_OTG_HS_WKUP = 76,
    IRQ_OTG_HS = 77, IRQ_HASH_RNG = 80,
};

/* EXTI line -> NVIC input. */
static int exti_irq(int line)
{
    static const int map[EXTI_LINES] = {
        IRQ_EXTI0, IRQ_EXTI0 + 1, IRQ_EXTI0 + 2, IRQ_EXTI0 + 3, IRQ_EXTI0 + 4,
        IRQ_EXTI9_5, IRQ_EXTI9_5, IRQ_EXTI9_5, IRQ_EXTI9_5, IRQ_EXTI9_5,
        IRQ_EXTI15_10, IRQ_EXTI15_10, IRQ_EXTI15_10, IRQ_EXTI15_10, IRQ_EXTI15_10,
        IRQ_EXTI15_10, IRQ_PVD, IRQ_RTC_ALARM, IRQ_OTG_FS_WKUP, IRQ_ETH_WKUP,
        IRQ_OTG_HS_WKUP, IRQ_TAMP_STAMP, IRQ_RTC_WKUP,
    };
    return map[line];
}

/* Timer interrupts: {update, capture/compare, break, trigger}. */
static const int tim_irqs[15][4] = {
    [1] = {IRQ_TIM1_UP_TIM10, IRQ_TIM1_CC, IRQ_TIM1_BRK_TIM9, IRQ_TIM1_TRG_COM_TIM11},
    [2] = {IRQ_TIM2, IRQ_TIM2, IRQ_TIM2, IRQ_TIM2},
    [3] = {IRQ_TIM3, IRQ_TIM3, IRQ_TIM3, IRQ_TIM3},
    [4] = {IRQ_TIM4, IRQ_TIM4, IRQ_TIM4, IRQ_TIM4},
    [5] = {IRQ_TIM5, IRQ_TIM5, IRQ_TIM5, IRQ_TIM5},
    [6] = {IRQ_TIM6_DAC, IRQ_TIM6_DAC, IRQ_TIM6_DAC, IRQ_TIM6_DAC},
    [7] = {IRQ_TIM7, IRQ_TIM7, IRQ_TIM7, IRQ_TIM7},
    [8] = {IRQ_TIM8_UP_TIM13, IRQ_TIM8_CC, IRQ_TIM8_BRK_TIM12, IRQ_TIM8_TRG_COM_TIM14},
    [9] = {IRQ_TIM1_BRK_TIM9, IRQ_TIM1_BRK_TIM9, IRQ_TIM1_BRK_TIM9, IRQ_TIM1_BRK_TIM9},
    [10] = {IRQ_TIM1_UP_TIM10, IRQ_TIM1_UP_TIM10, IRQ_TIM1_UP_TIM10, IRQ_TIM1_UP_TIM10},
    [11] = {IRQ_TIM1_TRG_COM_TIM11, IRQ_TIM1_TRG_COM_TIM11, IRQ_TIM1_TRG_COM_TIM11,
            IRQ_TIM1_TRG_COM_TIM11},
    [12] = {IRQ_TIM8_BRK_TIM12, IRQ_TIM8_BRK_TIM12, IRQ_TIM8_BRK_TIM12, IRQ_TIM8_BRK_TIM12},
    [13] = {IRQ_TIM8_UP_TIM13, IRQ_TIM8_UP_TIM13, IRQ_TIM8_UP_TIM13, IRQ_TIM8_UP_TIM13},
    [14] = {IRQ_TIM8_TRG_COM_TIM14, IRQ_TIM8_TRG_COM_TIM14, IRQ_TIM8_TRG_COM_TIM14,
            IRQ_TIM8_TRG_COM_TIM14},
};

static const int usart_irqs[7] = {0, IRQ_USART1, IRQ_USART2, IRQ_USART3,
                                  IRQ_UART4, IRQ_UART5, IRQ_USART6};

/* Timer channels on the Photon's pins (STM32F205 datasheet table 9):
 * {port, pin, af, timer, channel}. The RGB LED is the first three. */
static const struct { int port, pin, af, tim, ch; } tim_pins[] = {
    {PORT_A, 1, 1, 2, 2},  {PORT_A, 2, 1, 2, 3},  {PORT_A, 3, 1, 2, 4},
    {PORT_A, 0, 2, 5, 1},  {PORT_A, 6, 2, 3, 1},  {PORT_A, 7, 2, 3, 2},
    {PORT_A, 9, 1, 1, 2},  {PORT_A, 10, 1, 1, 3}, {PORT_B, 4, 2, 3, 1},
    {PORT_B, 5, 2, 3, 2},  {PORT_B, 6, 2, 4, 1},  {PORT_B, 7, 2, 4, 2},
    {PORT_B, 0, 2, 3, 3},  {PORT_B, 1, 2, 3, 4},  {PORT_C, 6, 3, 8, 1},
};

/* RCC reset bits of each model (RM0033 section 5.3). */
static void wire_resets(photon *p)
{
    stm32_rcc *r = &p->rcc;
    for (int i = 0; i < 9; i++)
        r->reset_target[RCC_AHB1][i] = &p->gpio[i].dev;
    r->reset_target[RCC_AHB1][12] = &p->crc.dev;
    r->reset_target[RCC_AHB1][21] = &p->dma[0].dev;
    r->reset_target[RCC_AHB1][22] = &p->dma[1].dev;
    r->reset_target[RCC_AHB1][29] = &p->otg.dev;
    r->reset_target[RCC_AHB2][6] = &p->rng.dev;
    static const int apb1_tim[] = {2, 3, 4, 5, 6, 7, 12, 13, 14};
    for (int i = 0; i < 9; i++)
        r->reset_target[RCC_APB1][i] = &p->tim[apb1_tim[i]].dev;
    r->reset_target[RCC_APB1][17] = &p->usart[2].dev;
    r->reset_target[RCC_APB1][18] = &p->usart[3].dev;
    r->reset_target[RCC_APB1][19] = &p->usart[4].dev;
    r->reset_target[RCC_APB1][20] = &p->usart[5].dev;
    r->reset_target[RCC_APB1][28] = &p->pwr.dev;
    r->reset_target[RCC_APB2][0] = &p->tim[1].dev;
    r->reset_target[RCC_APB2][1] = &p->tim[8].dev;
    r->reset_target[RCC_APB2][4] = &p->usart[1].dev;
    r->reset_target[RCC_APB2][5] = &p->usart[6].dev;
    r->reset_target[RCC_APB2][11] = &p->sdio.dev;
    r->reset_target[RCC_APB2][14] = &p->syscfg.dev;
    r->reset_target[RCC_APB2][16] = &p->tim[9].dev;
    r->reset_target[RCC_APB2][17] = &p->tim[10].dev;
    r->reset_target[RCC_APB2][18] = &p->tim[11].dev;
    r->backup_domain = &p->rtc.dev;
}

/* ---- board parts ---------------------------------------------------------- */

static double rgb_level(void *ctx, int ch)
{
    photon *p = ctx;
    pin_drive d = gpio_pin_output(&p->gpio[PORT_A], 1 + ch);
    return d.driven ? 1.0 - d.high : 0.0; /* common anode: lit when low */
}

static double d7_level(void *ctx, int ch)
{
    photon *p = ctx;
    (void)ch;
    pin_drive d = gpio_pin_output(&p->gpio[PORT_A], 13);
    return d.driven ? d.high : 0.0;
}

/* WL_REG_ON: high runs the Wi-Fi chip; undriven, the module's pull-down
 * holds it in reset. */
#define WL_REG_ON_PORT PORT_C
#define WL_REG_ON_PIN 1

static void wifi_power_follow_pin(photon *p)
{
    pin_drive d = gpio_pin_output(&p->gpio[WL_REG_ON_PORT], WL_REG_ON_PIN);
    bcm43362_set_power(&p->wifi, d.driven && d.high >= 0.5);
}

static void gpio_output_changed(void *ctx, stm32_gpio *g)
{
    photon *p = ctx;
    if (g->port == PORT_A) {
        led_update(&p->led);
        led_update(&p->d7);
    }
    if (g->port == WL_REG_ON_PORT && p->wifi.m)
        wifi_power_follow_pin(p);
}

/* The Wi-Fi chip's interrupt (SDIO DAT1) into the host controller. */
static void wifi_card_irq(void *ctx, int n, int level)
{
    (void)n;
    sdio_card_interrupt(ctx, level != 0);
}

static void tim_output_changed(void *ctx)
{
    photon *p = ctx;
    gpio_outputs_changed(&p->gpio[PORT_A]);
    gpio_outputs_changed(&p->gpio[PORT_B]);
    gpio_outputs_changed(&p->gpio[PORT_C]);
}

static void rtc_to_exti(void *ctx, int line, int level)
{
    photon *p = ctx;
    exti_set_line(&p->exti, line, level);
}

static void board_reset(void *ctx, reset_kind kind)
{
    photon *p = ctx;
    (void)kind;
    /* the buttons stay as the user holds them */
    gpio_set_external(&p->gpio[PORT_C], 7, p->setup_held ? 0 : -1);
    led_update(&p->led);
    led_update(&p->d7);
    wifi_power_follow_pin(p);
}

void photon_setup_button(photon *p, bool pressed)
{
    p->setup_held = pressed;
    gpio_set_external(&p->gpio[PORT_C], 7, pressed ? 0 : -1);
}

void photon_reset_button(photon *p, bool pressed)
{
    /* NRST low resets the chip at once (the pins, and so the LED, go to
     * their reset state) and holds it there; the core starts on release. */
    if (pressed && !p->reset_held)
        machine_request_reset(p->m, RESET_PIN);
    p->reset_held = pressed;
    machine_hold_in_reset(p->m, pressed);
}

void photon_power_cycle(photon *p)
{
    machine_request_reset(p->m, RESET_POWER_ON);
}

uint8_t *photon_uid(photon *p)
{
    return p->m->sysmem + (UID_BASE - SYSMEM_BASE);
}

uint8_t *photon_otp(photon *p)
{
    return p->m->sysmem + (OTP_BASE - SYSMEM_BASE);
}

/* ---- construction --------------------------------------------------------- */

photon *photon_new(const photon_config *cfg, char *err, size_t errlen)
{
    photon *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    machine *m = machine_new(120000000u, err, errlen);
    if (!m) {
        free(p);
        return NULL;
    }
    p->m = m;
    m->board = p;
    p->battery = true;

    rcc_init(&p->rcc, PHOTON_HSE_HZ);
    p->rcc.pwr_cr = &p->pwr.cr;
    pwr_init(&p->pwr);
    flash_init(&p->flash, m->flash, photon_otp(p), m->optbytes);
    p->flash.instant = cfg->fast_flash;
    p->flash.irq = machine_irq(m, IRQ_FLASH);
    m->rom_store = flash_cpu_store;
    m->rom_store_ctx = &p->flash;
    exti_init(&p->exti);
    for (int l = 0; l < EXTI_LINES; l++)
        p->exti.irq[l] = machine_irq(m, exti_irq(l));
    syscfg_init(&p->syscfg, &p->exti);
    for (int i = 0; i < NPORTS; i++) {
        gpio_init(&p->gpio[i], i);
        p->gpio[i].on_input = syscfg_gpio_input;
        p->gpio[i].on_input_ctx = &p->syscfg;
        p->gpio[i].on_output = gpio_output_changed;
        p->gpio[i].on_output_ctx = p;
        p->syscfg.gpio[i] = &p->gpio[i];
    }
    for (int t = 1; t <= 14; t++) {
        stm32_tim *tm = &p->tim[t];
        tim_init(tm, t, &p->rcc);
        tm->irq_up = machine_irq(m, tim_irqs[t][0]);
        tm->irq_cc = machine_irq(m, tim_irqs[t][1]);
        tm->irq_brk = machine_irq(m, tim_irqs[t][2]);
        tm->irq_trg = machine_irq(m, tim_irqs[t][3]);
        tm->on_output = tim_output_changed;
        tm->on_output_ctx = p;
    }
    for (size_t i = 0; i < sizeof(tim_pins) / sizeof(tim_pins[0]); i++)
        gpio_connect_af(&p->gpio[tim_pins[i].port], tim_pins[i].pin, tim_pins[i].af,
                        tim_channel_output, &p->tim[tim_pins[i].tim], tim_pins[i].ch);
    rtc_init(&p->rtc, &p->rcc, &p->pwr);
    p->rtc.exti = rtc_to_exti;
    p->rtc.exti_ctx = p;
    iwdg_init(&p->iwdg);
    crc_init(&p->crc);
    rng_init(&p->rng, cfg->seed);
    p->rng.irq = machine_irq(m, IRQ_HASH_RNG);
    for (int d = 0; d < 2; d++) {
        dma_init(&p->dma[d], d + 1);
        for (int s = 0; s < 8; s++) {
            int irq = d == 0 ? (s < 7 ? IRQ_DMA1_S0 + s : IRQ_DMA1_S7)
                             : (s < 5 ? IRQ_DMA2_S0 + s : IRQ_DMA2_S5 + (s - 5));
            p->dma[d].irq[s] = machine_irq(m, irq);
        }
    }
    for (int u = 1; u <= 6; u++) {
        usart_init(&p->usart[u], u, &p->rcc);
        p->usart[u].irq = machine_irq(m, usart_irqs[u]);
    }
    dbgmcu_init(&p->dbgmcu);
    bkpsram_init(&p->bkpsram, &p->pwr);
    sdio_init(&p->sdio);
    p->sdio.irq = machine_irq(m, IRQ_SDIO);
    /* SDIO's DMA request: DMA2 stream 3 or 6, channel 4 (RM0033 table 23) */
    p->sdio.dma[0] = (dma_request){&p->dma[1], 3, 4};
    p->sdio.dma[1] = (dma_request){&p->dma[1], 6, 4};
    p->sdio.ndma = 2;
    if (bcm43362_init(&p->wifi, m, cfg->air)) {
        snprintf(err, errlen, "out of memory");
        photon_free(p);
        return NULL;
    }
    p->wifi.host_irq = (irq_line){wifi_card_irq, &p->sdio, 0};
    p->sdio.card_ops = &bcm43362_card_ops;
    p->sdio.card = &p->wifi;
    otg_init(&p->otg);
    p->otg.irq = machine_irq(m, IRQ_OTG_HS);
    p->otg.irq_ep1_out = machine_irq(m, IRQ_OTG_HS_EP1_OUT);
    p->otg.irq_ep1_in = machine_irq(m, IRQ_OTG_HS_EP1_IN);
    wire_resets(p);

    device *devs[64];
    int n = 0;
    devs[n++] = &p->rcc.dev;
    devs[n++] = &p->pwr.dev;
    devs[n++] = &p->flash.dev;
    for (int i = 0; i < NPORTS; i++)
        devs[n++] = &p->gpio[i].dev;
    devs[n++] = &p->exti.dev;
    devs[n++] = &p->syscfg.dev;
    for (int t = 1; t <= 14; t++)
        devs[n++] = &p->tim[t].dev;
    devs[n++] = &p->rtc.dev;
    devs[n++] = &p->iwdg.dev;
    devs[n++] = &p->crc.dev;
    devs[n++] = &p->rng.dev;
    devs[n++] = &p->dma[0].dev;
    devs[n++] = &p->dma[1].dev;
    for (int u = 1; u <= 6; u++)
        devs[n++] = &p->usart[u].dev;
    devs[n++] = &p->dbgmcu.dev;
    devs[n++] = &p->bkpsram.dev;
    devs[n++] = &p->sdio.dev;
    devs[n++] = &p->otg.dev;
    for (int i = 0; i < n; i++) {
        if (machine_add_device(m, devs[i])) {
            snprintf(err, errlen, "cannot place %s on the bus", devs[i]->name);
            photon_free(p);
            return NULL;
        }
    }

    led_init(&p->led, m, "rgb", 3, rgb_level, p);
    led_init(&p->d7, m, "d7", 1, d7_level, p);
    ledc_init(&p->pattern, m);
    led_listen(&p->led, ledc_feed, &p->pattern);
    machine_add_reset_hook(m, board_reset, p);

    /* Factory option bytes: no protection, software watchdog, BOR off. */
    m->optbytes[0] = 0xEC;
    m->optbytes[1] = 0xAA;
    m->optbytes[8] = 0xFF;
    m->optbytes[9] = 0x0F;
    /* OTP erased, lock bytes unlocked */
    memset(photon_otp(p), 0xFF, OTP_SIZE);
    return p;
}

void photon_free(photon *p)
{
    if (!p)
        return;
    bcm43362_free(&p->wifi);
    ledc_free(&p->pattern);
    led_free(&p->led);
    led_free(&p->d7);
    machine_free(p->m);
    free(p);
}
