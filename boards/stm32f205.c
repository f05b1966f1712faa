/* The STM32F205RG as data (RM0033 section 2, table 2 and the vector table
 * in section 9). */
#include "stm32f205.h"

#include <string.h>

static const char *const irq_names[STM32F205_NIRQ] = {
    "WWDG", "PVD", "TAMP_STAMP", "RTC_WKUP", "FLASH", "RCC", "EXTI0",
    "EXTI1", "EXTI2", "EXTI3", "EXTI4", "DMA1_Stream0", "DMA1_Stream1",
    "DMA1_Stream2", "DMA1_Stream3", "DMA1_Stream4", "DMA1_Stream5",
    "DMA1_Stream6", "ADC", "CAN1_TX", "CAN1_RX0", "CAN1_RX1", "CAN1_SCE",
    "EXTI9_5", "TIM1_BRK_TIM9", "TIM1_UP_TIM10", "TIM1_TRG_COM_TIM11",
    "TIM1_CC", "TIM2", "TIM3", "TIM4", "I2C1_EV", "I2C1_ER", "I2C2_EV",
    "I2C2_ER", "SPI1", "SPI2", "USART1", "USART2", "USART3", "EXTI15_10",
    "RTC_Alarm", "OTG_FS_WKUP", "TIM8_BRK_TIM12", "TIM8_UP_TIM13",
    "TIM8_TRG_COM_TIM14", "TIM8_CC", "DMA1_Stream7", "FSMC", "SDIO", "TIM5",
    "SPI3", "UART4", "UART5", "TIM6_DAC", "TIM7", "DMA2_Stream0",
    "DMA2_Stream1", "DMA2_Stream2", "DMA2_Stream3", "DMA2_Stream4", "ETH",
    "ETH_WKUP", "CAN2_TX", "CAN2_RX0", "CAN2_RX1", "CAN2_SCE", "OTG_FS",
    "DMA2_Stream5", "DMA2_Stream6", "DMA2_Stream7", "USART6", "I2C3_EV",
    "I2C3_ER", "OTG_HS_EP1_OUT", "OTG_HS_EP1_IN", "OTG_HS_WKUP", "OTG_HS",
    "DCMI", "CRYP", "HASH_RNG",
};

const uint32_t stm32f205_sectors[STM32F205_NSECTORS] = {
    0x00000, 0x04000, 0x08000, 0x0C000, 0x10000, 0x20000,
    0x40000, 0x60000, 0x80000, 0xA0000, 0xC0000, 0xE0000,
};

/* Memory regions: name, base, size, erased value, protection, kind. */
static const struct {
    const char *name;
    uint32_t base, size;
    uint8_t fill;
    int prot;
    unsigned flags;
} memories[] = {
    {"flash", STM32F205_FLASH_BASE, STM32F205_FLASH_SIZE, 0xFF, UC_PROT_READ | UC_PROT_EXEC,
     MEM_ROM | MEM_CODE},
    {"ram", STM32F205_SRAM_BASE, STM32F205_SRAM_SIZE, 0, UC_PROT_ALL, MEM_RAM},
    {"system-memory", STM32F205_SYSMEM_BASE, STM32F205_SYSMEM_SIZE, 0,
     UC_PROT_READ | UC_PROT_EXEC, MEM_ROM},
    {"option-bytes", STM32F205_OPTBYTES_BASE, STM32F205_OPTBYTES_SIZE, 0xFF, UC_PROT_READ,
     MEM_ROM},
};

/* APB1, APB2, AHB1 (with OTG_HS up to 0x4007FFFF), AHB2; bit-band aliases
 * of the peripherals and the SRAM. */
static const struct { uint32_t base, size; } windows[] = {
    {0x40000000u, 0x80000u}, {0x50000000u, 0x61000u},
};
static const struct { uint32_t alias, target, size; } bitbands[] = {
    {0x42000000u, 0x40000000u, 0x100000u},
    {0x22000000u, STM32F205_SRAM_BASE, STM32F205_SRAM_SIZE},
};

machine *stm32f205_machine_new(uint32_t cpu_hz, char *err, size_t errlen)
{
    machine_config cfg = {
        .cpu_hz = cpu_hz,
        .nirq = STM32F205_NIRQ,
        .prio_bits = 4, /* 16 levels in the top nibble */
        .irq_names = irq_names,
        .systick_ref_div = 8,                 /* the external reference is HCLK/8 */
        .systick_calib = 0x40000000u | 14999, /* no reference; TENMS at HCLK/8 */
    };
    machine *m = machine_new(&cfg, err, errlen);
    if (!m)
        return NULL;
    int e = 0;
    for (size_t i = 0; i < sizeof(memories) / sizeof(memories[0]); i++)
        e |= !machine_add_memory(m, memories[i].name, memories[i].base, memories[i].size,
                                 memories[i].fill, memories[i].prot, memories[i].flags);
    /* BOOT0 = 0: the flash also appears at 0 */
    e |= bus_map_alias(&m->bus, 0, STM32F205_FLASH_BASE, UC_PROT_READ | UC_PROT_EXEC);
    e |= bus_set_sectors(&m->bus, "flash", stm32f205_sectors, STM32F205_NSECTORS);
    for (size_t i = 0; i < sizeof(windows) / sizeof(windows[0]); i++)
        e |= bus_add_window(&m->bus, windows[i].base, windows[i].size);
    for (size_t i = 0; i < sizeof(bitbands) / sizeof(bitbands[0]); i++)
        e |= bus_add_bitband(&m->bus, bitbands[i].alias, bitbands[i].target, bitbands[i].size);
    e |= machine_add_area(m, "system-memory", STM32F205_SYSMEM_BASE,
                          STM32F205_SYSMEM_BASE + STM32F205_SYSMEM_SIZE);
    e |= machine_add_area(m, "ram", STM32F205_SRAM_BASE,
                          STM32F205_SRAM_BASE + STM32F205_SRAM_SIZE);
    if (e) {
        snprintf(err, errlen, "cannot build the STM32F205 memory map");
        machine_free(m);
        return NULL;
    }
    /* F_SIZE: 1024 KB */
    uint8_t *sys = machine_mem(m, "system-memory");
    sys[STM32F205_FSIZE_BASE - STM32F205_SYSMEM_BASE] = 0x00;
    sys[STM32F205_FSIZE_BASE - STM32F205_SYSMEM_BASE + 1] = 0x04;
    return m;
}

uint8_t *stm32f205_flash(machine *m)
{
    return machine_mem(m, "flash");
}

uint8_t *stm32f205_otp(machine *m)
{
    return machine_mem(m, "system-memory") + (STM32F205_OTP_BASE - STM32F205_SYSMEM_BASE);
}

uint8_t *stm32f205_uid(machine *m)
{
    return machine_mem(m, "system-memory") + (STM32F205_UID_BASE - STM32F205_SYSMEM_BASE);
}

uint8_t *stm32f205_optbytes(machine *m)
{
    return machine_mem(m, "option-bytes");
}
