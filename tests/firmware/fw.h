/* A tiny runtime for photon-sim's own test firmware: registers, output on
 * USART1, and the verdict on the RGB LED (solid green = pass, solid red =
 * fail) so that `photon-sim run --until-led "solid green"` decides. */
#ifndef FW_H
#define FW_H

#include <stdint.h>

#define REG(a) (*(volatile uint32_t *)(a))
#define REG16(a) (*(volatile uint16_t *)(a))
#define REG8(a) (*(volatile uint8_t *)(a))

/* Cortex-M3 */
#define SCB_ICSR REG(0xE000ED04)
#define SCB_VTOR REG(0xE000ED08)
#define SCB_AIRCR REG(0xE000ED0C)
#define SCB_CCR REG(0xE000ED14)
#define SCB_SHPR2 REG(0xE000ED1C)
#define SCB_SHPR3 REG(0xE000ED20)
#define SCB_SHCSR REG(0xE000ED24)
#define SCB_CFSR REG(0xE000ED28)
#define SCB_HFSR REG(0xE000ED2C)
#define SCB_BFAR REG(0xE000ED38)
#define SYST_CSR REG(0xE000E010)
#define SYST_RVR REG(0xE000E014)
#define SYST_CVR REG(0xE000E018)
#define NVIC_ISER(n) REG(0xE000E100 + 4 * (n))
#define NVIC_ICER(n) REG(0xE000E180 + 4 * (n))
#define NVIC_ISPR(n) REG(0xE000E200 + 4 * (n))
#define NVIC_ICPR(n) REG(0xE000E280 + 4 * (n))
#define NVIC_IPR8(n) REG8(0xE000E400 + (n))
#define DEMCR REG(0xE000EDFC)
#define DWT_CTRL REG(0xE0001000)
#define DWT_CYCCNT REG(0xE0001004)
#define ICSR_PENDSVSET (1u << 28)

/* STM32F205 */
#define RCC_BASE 0x40023800u
#define RCC_CR REG(RCC_BASE + 0x00)
#define RCC_PLLCFGR REG(RCC_BASE + 0x04)
#define RCC_CFGR REG(RCC_BASE + 0x08)
#define RCC_AHB1ENR REG(RCC_BASE + 0x30)
#define RCC_APB1ENR REG(RCC_BASE + 0x40)
#define RCC_APB2ENR REG(RCC_BASE + 0x44)
#define RCC_BDCR REG(RCC_BASE + 0x70)
#define RCC_CSR REG(RCC_BASE + 0x74)
#define PWR_CR REG(0x40007000)
#define GPIOA_BASE 0x40020000u
#define GPIO_MODER(b) REG((b) + 0x00)
#define GPIO_IDR(b) REG((b) + 0x10)
#define GPIO_ODR(b) REG((b) + 0x14)
#define GPIO_BSRR(b) REG((b) + 0x18)
#define USART1_BASE 0x40011000u
#define FLASH_KEYR REG(0x40023C04)
#define FLASH_SR REG(0x40023C0C)
#define FLASH_CR REG(0x40023C10)
#define RTC_BKP(n) REG(0x40002850 + 4 * (n))
#define RTC_WPR REG(0x40002824)
#define TIM2_BASE 0x40000000u

/* bit-band aliases */
#define BB_SRAM(addr, bit) REG(0x22000000u + ((uint32_t)(addr) - 0x20000000u) * 32 + (bit) * 4)
#define BB_PERIPH(addr, bit) REG(0x42000000u + ((uint32_t)(addr) - 0x40000000u) * 32 + (bit) * 4)

void fw_init(void);          /* clocks to 120 MHz, USART1, LED pins */
void fw_puts(const char *s); /* USART1, "\n" as "\r\n" */
void fw_puthex(uint32_t v);
void fw_putdec(uint32_t v);
void fw_check(int ok, const char *what); /* prints and records a failure */
/* Prints PASS or FAIL with the count, shows green or red, and stops. */
__attribute__((noreturn)) void fw_done(void);
void fw_led(int r, int g, int b); /* each 0/1 */

static inline void fw_enable_irq(void) { __asm volatile("cpsie i" ::: "memory"); }
static inline void fw_disable_irq(void) { __asm volatile("cpsid i" ::: "memory"); }
static inline void fw_set_basepri(uint32_t v) { __asm volatile("msr basepri, %0" ::"r"(v) : "memory"); }
static inline uint32_t fw_get_ipsr(void)
{
    uint32_t v;
    __asm volatile("mrs %0, ipsr" : "=r"(v));
    return v;
}
static inline void fw_dsb(void) { __asm volatile("dsb\n isb" ::: "memory"); }

extern volatile uint32_t fw_failures;

#endif
