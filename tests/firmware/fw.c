#include "fw.h"

volatile uint32_t fw_failures;

void fw_led(int r, int g, int b)
{
    /* common-anode RGB LED on PA1/PA2/PA3: a low pin lights its colour */
    uint32_t set = 0, reset = 0;
    *(r ? &reset : &set) |= 1u << 1;
    *(g ? &reset : &set) |= 1u << 2;
    *(b ? &reset : &set) |= 1u << 3;
    GPIO_BSRR(GPIOA_BASE) = set | (reset << 16);
}

void fw_init(void)
{
    /* HSE 26 MHz -> PLL 120 MHz, as the Photon's SystemInit does */
    RCC_CR |= 1u << 16;
    while (!(RCC_CR & (1u << 17)))
        ;
    RCC_PLLCFGR = 26u | (240u << 6) | (0u << 16) | (1u << 22) | (5u << 24);
    RCC_CR |= 1u << 24;
    while (!(RCC_CR & (1u << 25)))
        ;
    RCC_CFGR = (RCC_CFGR & ~0xFCF3u) | (5u << 10) | (4u << 13) | 2u; /* APB1 /4, APB2 /2, PLL */
    while ((RCC_CFGR & 0xCu) != 0x8u)
        ;
    RCC_AHB1ENR |= 1u;       /* GPIOA */
    RCC_APB2ENR |= 1u << 4;  /* USART1 */
    GPIO_BSRR(GPIOA_BASE) = 0xEu; /* LED off */
    GPIO_MODER(GPIOA_BASE) = (GPIO_MODER(GPIOA_BASE) & ~0xFCu) | 0x54u;
    REG(USART1_BASE + 0x08) = 60000000u / 115200u;
    REG(USART1_BASE + 0x0C) = (1u << 13) | (1u << 3); /* UE, TE */
}

static void putc1(char c)
{
    while (!(REG(USART1_BASE) & (1u << 7)))
        ;
    REG(USART1_BASE + 0x04) = (uint8_t)c;
}

void fw_puts(const char *s)
{
    for (; *s; s++) {
        if (*s == '\n')
            putc1('\r');
        putc1(*s);
    }
}

void fw_puthex(uint32_t v)
{
    char b[11] = "0x";
    for (int i = 0; i < 8; i++)
        b[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xF];
    b[10] = 0;
    fw_puts(b);
}

void fw_putdec(uint32_t v)
{
    char b[11];
    int i = 10;
    b[i] = 0;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    fw_puts(b + i);
}

void fw_check(int ok, const char *what)
{
    fw_puts(ok ? "ok   " : "FAIL ");
    fw_puts(what);
    fw_puts("\n");
    if (!ok)
        fw_failures++;
}

void fw_done(void)
{
    if (fw_failures) {
        fw_puts("FAIL (");
        fw_putdec(fw_failures);
        fw_puts(" checks)\n");
        fw_led(1, 0, 0);
    } else {
        fw_puts("PASS\n");
        fw_led(0, 1, 0);
    }
    /* wait for the last character to leave */
    while (!(REG(USART1_BASE) & (1u << 6)))
        ;
    for (;;)
        __asm volatile("wfi");
}
