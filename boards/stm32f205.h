/* The STM32F205RG as data: its memory map, interrupt vector names, flash
 * sectors, the core's configuration, and a table of the peripherals it has
 * (which model, where, its interrupts, its RCC reset bit), the EXTI and
 * alternate-function routing between them (RM0033, the F205 datasheet). */
#ifndef PHOTON_STM32F205_H
#define PHOTON_STM32F205_H

#include <stdint.h>

#include "crc.h"
#include "dbgmcu.h"
#include "dma.h"
#include "exti.h"
#include "flash.h"
#include "gpio.h"
#include "iwdg.h"
#include "machine.h"
#include "otg.h"
#include "pwr.h"
#include "rcc.h"
#include "rng.h"
#include "rtc.h"
#include "sdio.h"
#include "tim.h"
#include "usart.h"

#define STM32F205_FLASH_BASE 0x08000000u
#define STM32F205_FLASH_SIZE (1u << 20)
#define STM32F205_SRAM_BASE 0x20000000u
#define STM32F205_SRAM_SIZE (128u << 10)
#define STM32F205_SYSMEM_BASE 0x1FFF0000u /* system memory, OTP, UID, F_SIZE */
#define STM32F205_SYSMEM_SIZE 0x8000u
#define STM32F205_OTP_BASE 0x1FFF7800u
#define STM32F205_OTP_SIZE 528u /* 16 x 32 bytes and 16 lock bytes */
#define STM32F205_UID_BASE 0x1FFF7A10u
#define STM32F205_UID_SIZE 12u
#define STM32F205_FSIZE_BASE 0x1FFF7A22u
#define STM32F205_OPTBYTES_BASE 0x1FFFC000u
#define STM32F205_OPTBYTES_SIZE 0x400u
#define STM32F205_NIRQ 81 /* IRQ 0..80, 97 vectors */
#define STM32F205_NSECTORS 12

/* Interrupt numbers (position in the vector table minus 16). */
enum {
    IRQ_WWDG, IRQ_PVD, IRQ_TAMP_STAMP, IRQ_RTC_WKUP, IRQ_FLASH, IRQ_RCC, IRQ_EXTI0,
    IRQ_EXTI1, IRQ_EXTI2, IRQ_EXTI3, IRQ_EXTI4, IRQ_DMA1_S0, IRQ_DMA1_S1, IRQ_DMA1_S2,
    IRQ_DMA1_S3, IRQ_DMA1_S4, IRQ_DMA1_S5, IRQ_DMA1_S6, IRQ_ADC, IRQ_CAN1_TX,
    IRQ_CAN1_RX0, IRQ_CAN1_RX1, IRQ_CAN1_SCE, IRQ_EXTI9_5, IRQ_TIM1_BRK_TIM9,
    IRQ_TIM1_UP_TIM10, IRQ_TIM1_TRG_COM_TIM11, IRQ_TIM1_CC, IRQ_TIM2, IRQ_TIM3, IRQ_TIM4,
    IRQ_I2C1_EV, IRQ_I2C1_ER, IRQ_I2C2_EV, IRQ_I2C2_ER, IRQ_SPI1, IRQ_SPI2, IRQ_USART1,
    IRQ_USART2, IRQ_USART3, IRQ_EXTI15_10, IRQ_RTC_ALARM, IRQ_OTG_FS_WKUP,
    IRQ_TIM8_BRK_TIM12, IRQ_TIM8_UP_TIM13, IRQ_TIM8_TRG_COM_TIM14, IRQ_TIM8_CC,
    IRQ_DMA1_S7, IRQ_FSMC, IRQ_SDIO, IRQ_TIM5, IRQ_SPI3, IRQ_UART4, IRQ_UART5,
    IRQ_TIM6_DAC, IRQ_TIM7, IRQ_DMA2_S0, IRQ_DMA2_S1, IRQ_DMA2_S2, IRQ_DMA2_S3,
    IRQ_DMA2_S4, IRQ_ETH, IRQ_ETH_WKUP, IRQ_CAN2_TX, IRQ_CAN2_RX0, IRQ_CAN2_RX1,
    IRQ_CAN2_SCE, IRQ_OTG_FS, IRQ_DMA2_S5, IRQ_DMA2_S6, IRQ_DMA2_S7, IRQ_USART6,
    IRQ_I2C3_EV, IRQ_I2C3_ER, IRQ_OTG_HS_EP1_OUT, IRQ_OTG_HS_EP1_IN, IRQ_OTG_HS_WKUP,
    IRQ_OTG_HS, IRQ_DCMI, IRQ_CRYP, IRQ_HASH_RNG,
};

enum { PORT_A, PORT_B, PORT_C, PORT_D, PORT_E, PORT_F, PORT_G, PORT_H, PORT_I, NPORTS };

/* The chip: the core and every peripheral model, placed and wired. */
typedef struct stm32f205_config {
    uint32_t hse_hz;  /* the board's crystal */
    uint64_t seed;    /* the RNG's */
    bool fast_flash;  /* erase/program without their datasheet time */
} stm32f205_config;

typedef struct stm32f205 {
    machine *m;
    stm32f205_config cfg;
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
    stm32_otg otg; /* OTG_HS with the embedded full-speed PHY */
} stm32f205;

/* Build the chip. Returns 0, or -1 with a message. */
int stm32f205_init(stm32f205 *s, const stm32f205_config *cfg, char *err, size_t errlen);
void stm32f205_free(stm32f205 *s);
/* A peripheral by name ("USART1", "GPIOC"), or NULL. */
device *stm32f205_device(stm32f205 *s, const char *name);
/* GPIO ports' reset configuration (the debug pins of ports A and B). */
extern const gpio_config stm32f205_gpio_reset[NPORTS];
/* Where the table places a peripheral, 0 if it has none of that name. */
uint32_t stm32f205_base(const char *name);
/* Named places in the chip for scenarios ("BKPSRAM", "OTP", "UID"); false if
 * there is none such. */
bool stm32f205_address(const char *name, uint32_t *addr);

/* A machine with the F205's core configuration and memory map (flash with
 * its boot alias at 0, SRAM, system memory with OTP and the unique ID,
 * option bytes, the peripheral windows and bit-band regions). */
machine *stm32f205_machine_new(uint32_t cpu_hz, char *err, size_t errlen);

/* The memories that keep their content without power: the flash, OTP,
 * the unique ID and the option bytes (for the state file). */
extern const machine_area stm32f205_nonvolatile[];
extern const int stm32f205_nnonvolatile;

/* Host pointers into the memory map. */
uint8_t *stm32f205_flash(machine *m);
uint8_t *stm32f205_otp(machine *m);
uint8_t *stm32f205_uid(machine *m);
uint8_t *stm32f205_optbytes(machine *m);
/* The flash sectors: 4 x 16 KB, 64 KB, 7 x 128 KB (start offsets). */
extern const uint32_t stm32f205_sectors[STM32F205_NSECTORS];

#endif
