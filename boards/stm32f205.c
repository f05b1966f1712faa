/* The STM32F205RG as data (RM0033 section 2, table 2 and the vector table
 * in section 9). */
#include "stm32f205.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

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

const machine_area stm32f205_nonvolatile[] = {
    {"flash", STM32F205_FLASH_BASE, STM32F205_FLASH_BASE + STM32F205_FLASH_SIZE},
    {"otp", STM32F205_OTP_BASE, STM32F205_OTP_BASE + STM32F205_OTP_SIZE},
    {"uid", STM32F205_UID_BASE, STM32F205_UID_BASE + STM32F205_UID_SIZE},
    {"optbytes", STM32F205_OPTBYTES_BASE, STM32F205_OPTBYTES_BASE + 16},
};
const int stm32f205_nnonvolatile = ARRAY_SIZE(stm32f205_nonvolatile);

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
    for (size_t i = 0; i < ARRAY_SIZE(memories); i++)
        e |= !machine_add_memory(m, memories[i].name, memories[i].base, memories[i].size,
                                 memories[i].fill, memories[i].prot, memories[i].flags);
    /* BOOT0 = 0: the flash also appears at 0 */
    e |= bus_map_alias(&m->bus, 0, STM32F205_FLASH_BASE, UC_PROT_READ | UC_PROT_EXEC);
    e |= bus_set_sectors(&m->bus, "flash", stm32f205_sectors, STM32F205_NSECTORS);
    for (size_t i = 0; i < ARRAY_SIZE(windows); i++)
        e |= bus_add_window(&m->bus, windows[i].base, windows[i].size);
    for (size_t i = 0; i < ARRAY_SIZE(bitbands); i++)
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

/* ---- the peripherals ------------------------------------------------------ */

enum { AHB1 = RCC_AHB1 * 32, AHB2 = RCC_AHB2 * 32, APB1 = RCC_APB1 * 32, APB2 = RCC_APB2 * 32 };
#define NO_RST (-1)
#define OFF(field) offsetof(stm32f205, field)

typedef struct part part;
typedef void (*part_init)(stm32f205 *s, void *model, const part *p);

/* One peripheral: its model (init and place in the struct), base address,
 * RCC reset line (bus * 32 + bit), the interrupt lines it drives
 * ({line, index, IRQ}; the same IRQ more than once is ORed) and a
 * parameter for the model. */
struct part {
    const char *name;
    size_t offset;
    part_init init;
    uint32_t base;
    int rst;
    const void *param;
    struct {
        const char *line;
        int n, irq;
    } irq[EXTI_LINES + 1];
};

static void init_rcc(stm32f205 *s, void *m, const part *p) { rcc_init(m, p->name, s->cfg.hse_hz); }
static void init_pwr(stm32f205 *s, void *m, const part *p) { (void)s; pwr_init(m, p->name); }
static void init_exti(stm32f205 *s, void *m, const part *p) { (void)s; exti_init(m, p->name); }
static void init_syscfg(stm32f205 *s, void *m, const part *p) { (void)s; syscfg_init(m, p->name); }
static void init_iwdg(stm32f205 *s, void *m, const part *p) { (void)s; iwdg_init(m, p->name); }
static void init_crc(stm32f205 *s, void *m, const part *p) { (void)s; crc_init(m, p->name); }
static void init_dbgmcu(stm32f205 *s, void *m, const part *p) { (void)s; dbgmcu_init(m, p->name); }
static void init_bkpsram(stm32f205 *s, void *m, const part *p) { (void)s; bkpsram_init(m, p->name); }
static void init_sdio(stm32f205 *s, void *m, const part *p) { (void)s; sdio_init(m, p->name); }
static void init_otg(stm32f205 *s, void *m, const part *p) { (void)s; otg_init(m, p->name); }
static void init_gpio(stm32f205 *s, void *m, const part *p) { (void)s; gpio_init(m, p->name, p->param); }
static void init_tim(stm32f205 *s, void *m, const part *p) { tim_init(m, p->name, p->param, &s->rcc); }
static void init_rtc(stm32f205 *s, void *m, const part *p) { rtc_init(m, p->name, &s->rcc); }
static void init_dma(stm32f205 *s, void *m, const part *p) { (void)s; dma_init(m, p->name, *(const int *)p->param); }
static void init_usart(stm32f205 *s, void *m, const part *p) { usart_init(m, p->name, *(const int *)p->param, &s->rcc); }
static void init_rng(stm32f205 *s, void *m, const part *p) { rng_init(m, p->name, s->cfg.seed); }

static void init_flash(stm32f205 *s, void *m, const part *p)
{
    flash_layout fl = {
        .base = STM32F205_FLASH_BASE, .size = STM32F205_FLASH_SIZE, .mem = stm32f205_flash(s->m),
        .sectors = stm32f205_sectors, .nsectors = STM32F205_NSECTORS,
        .otp_base = STM32F205_OTP_BASE, .otp = stm32f205_otp(s->m),
        .optbytes = stm32f205_optbytes(s->m),
    };
    flash_init(m, p->name, &fl);
}

/* After a reset PA13-15 and PB3-4 are the debug port (RM0033 6.4.1). */
const gpio_config stm32f205_gpio_reset[NPORTS] = {
    [PORT_A] = {0xA8000000u, 0, 0x64000000u},
    [PORT_B] = {0x00000280u, 0x000000C0u, 0x00000100u},
};
static const int apb1 = 1, apb2 = 2, dma1 = 1, dma2 = 2;
static const tim_config tim_adv = {2, 4, false, true}, tim_gp = {1, 4, false, false},
                        tim_gp32 = {1, 4, true, false}, tim_basic = {1, 0, false, false},
                        tim_apb2_2ch = {2, 2, false, false}, tim_apb2_1ch = {2, 1, false, false},
                        tim_apb1_2ch = {1, 2, false, false}, tim_apb1_1ch = {1, 1, false, false};

#define GPIO(x, i)                                                                           \
    {"GPIO" #x, OFF(gpio[i]), init_gpio, 0x40020000u + 0x400u * (i), AHB1 + (i),             \
     &stm32f205_gpio_reset[i], {{0}}}
#define TIM4IRQ(up, cc, brk, trg) {{"up", 0, up}, {"cc", 0, cc}, {"brk", 0, brk}, {"trg", 0, trg}}
#define TIM1IRQ(irq) TIM4IRQ(irq, irq, irq, irq)
#define DMAIRQ(a, b, c, d, e, f, g, h)                                                          \
    {{"irq", 0, a}, {"irq", 1, b}, {"irq", 2, c}, {"irq", 3, d},                               \
     {"irq", 4, e}, {"irq", 5, f}, {"irq", 6, g}, {"irq", 7, h}}
#define EXTIIRQ(n, irq) {"irq", n, irq}

/* In this order on the bus, and reset in this order (RM0033 table 1). */
static const part parts[] = {
    {"RCC", OFF(rcc), init_rcc, 0x40023800u, NO_RST, NULL, {{0}}},
    {"PWR", OFF(pwr), init_pwr, 0x40007000u, APB1 + 28, NULL, {{0}}},
    {"FLASH", OFF(flash), init_flash, 0x40023C00u, NO_RST, NULL, {{"irq", 0, IRQ_FLASH}}},
    GPIO(A, 0), GPIO(B, 1), GPIO(C, 2), GPIO(D, 3), GPIO(E, 4),
    GPIO(F, 5), GPIO(G, 6), GPIO(H, 7), GPIO(I, 8),
    {"EXTI", OFF(exti), init_exti, 0x40013C00u, NO_RST, NULL,
     {EXTIIRQ(0, IRQ_EXTI0), EXTIIRQ(1, IRQ_EXTI1), EXTIIRQ(2, IRQ_EXTI2),
      EXTIIRQ(3, IRQ_EXTI3), EXTIIRQ(4, IRQ_EXTI4), EXTIIRQ(5, IRQ_EXTI9_5),
      EXTIIRQ(6, IRQ_EXTI9_5), EXTIIRQ(7, IRQ_EXTI9_5), EXTIIRQ(8, IRQ_EXTI9_5),
      EXTIIRQ(9, IRQ_EXTI9_5), EXTIIRQ(10, IRQ_EXTI15_10), EXTIIRQ(11, IRQ_EXTI15_10),
      EXTIIRQ(12, IRQ_EXTI15_10), EXTIIRQ(13, IRQ_EXTI15_10), EXTIIRQ(14, IRQ_EXTI15_10),
      EXTIIRQ(15, IRQ_EXTI15_10), EXTIIRQ(16, IRQ_PVD), EXTIIRQ(17, IRQ_RTC_ALARM),
      EXTIIRQ(18, IRQ_OTG_FS_WKUP), EXTIIRQ(19, IRQ_ETH_WKUP), EXTIIRQ(20, IRQ_OTG_HS_WKUP),
      EXTIIRQ(21, IRQ_TAMP_STAMP), EXTIIRQ(22, IRQ_RTC_WKUP)}},
    {"SYSCFG", OFF(syscfg), init_syscfg, 0x40013800u, APB2 + 14, NULL, {{0}}},
    {"TIM1", OFF(tim[1]), init_tim, 0x40010000u, APB2 + 0, &tim_adv,
     TIM4IRQ(IRQ_TIM1_UP_TIM10, IRQ_TIM1_CC, IRQ_TIM1_BRK_TIM9, IRQ_TIM1_TRG_COM_TIM11)},
    {"TIM2", OFF(tim[2]), init_tim, 0x40000000u, APB1 + 0, &tim_gp32, TIM1IRQ(IRQ_TIM2)},
    {"TIM3", OFF(tim[3]), init_tim, 0x40000400u, APB1 + 1, &tim_gp, TIM1IRQ(IRQ_TIM3)},
    {"TIM4", OFF(tim[4]), init_tim, 0x40000800u, APB1 + 2, &tim_gp, TIM1IRQ(IRQ_TIM4)},
    {"TIM5", OFF(tim[5]), init_tim, 0x40000C00u, APB1 + 3, &tim_gp32, TIM1IRQ(IRQ_TIM5)},
    {"TIM6", OFF(tim[6]), init_tim, 0x40001000u, APB1 + 4, &tim_basic, TIM1IRQ(IRQ_TIM6_DAC)},
    {"TIM7", OFF(tim[7]), init_tim, 0x40001400u, APB1 + 5, &tim_basic, TIM1IRQ(IRQ_TIM7)},
    {"TIM8", OFF(tim[8]), init_tim, 0x40010400u, APB2 + 1, &tim_adv,
     TIM4IRQ(IRQ_TIM8_UP_TIM13, IRQ_TIM8_CC, IRQ_TIM8_BRK_TIM12, IRQ_TIM8_TRG_COM_TIM14)},
    {"TIM9", OFF(tim[9]), init_tim, 0x40014000u, APB2 + 16, &tim_apb2_2ch,
     TIM1IRQ(IRQ_TIM1_BRK_TIM9)},
    {"TIM10", OFF(tim[10]), init_tim, 0x40014400u, APB2 + 17, &tim_apb2_1ch,
     TIM1IRQ(IRQ_TIM1_UP_TIM10)},
    {"TIM11", OFF(tim[11]), init_tim, 0x40014800u, APB2 + 18, &tim_apb2_1ch,
     TIM1IRQ(IRQ_TIM1_TRG_COM_TIM11)},
    {"TIM12", OFF(tim[12]), init_tim, 0x40001800u, APB1 + 6, &tim_apb1_2ch,
     TIM1IRQ(IRQ_TIM8_BRK_TIM12)},
    {"TIM13", OFF(tim[13]), init_tim, 0x40001C00u, APB1 + 7, &tim_apb1_1ch,
     TIM1IRQ(IRQ_TIM8_UP_TIM13)},
    {"TIM14", OFF(tim[14]), init_tim, 0x40002000u, APB1 + 8, &tim_apb1_1ch,
     TIM1IRQ(IRQ_TIM8_TRG_COM_TIM14)},
    {"RTC", OFF(rtc), init_rtc, 0x40002800u, NO_RST, NULL, {{0}}},
    {"IWDG", OFF(iwdg), init_iwdg, 0x40003000u, NO_RST, NULL, {{0}}},
    {"CRC", OFF(crc), init_crc, 0x40023000u, AHB1 + 12, NULL, {{0}}},
    {"RNG", OFF(rng), init_rng, 0x50060800u, AHB2 + 6, NULL, {{"irq", 0, IRQ_HASH_RNG}}},
    {"DMA1", OFF(dma[0]), init_dma, 0x40026000u, AHB1 + 21, &dma1,
     DMAIRQ(IRQ_DMA1_S0, IRQ_DMA1_S1, IRQ_DMA1_S2, IRQ_DMA1_S3, IRQ_DMA1_S4, IRQ_DMA1_S5,
            IRQ_DMA1_S6, IRQ_DMA1_S7)},
    {"DMA2", OFF(dma[1]), init_dma, 0x40026400u, AHB1 + 22, &dma2,
     DMAIRQ(IRQ_DMA2_S0, IRQ_DMA2_S1, IRQ_DMA2_S2, IRQ_DMA2_S3, IRQ_DMA2_S4, IRQ_DMA2_S5,
            IRQ_DMA2_S6, IRQ_DMA2_S7)},
    {"USART1", OFF(usart[1]), init_usart, 0x40011000u, APB2 + 4, &apb2, {{"irq", 0, IRQ_USART1}}},
    {"USART2", OFF(usart[2]), init_usart, 0x40004400u, APB1 + 17, &apb1, {{"irq", 0, IRQ_USART2}}},
    {"USART3", OFF(usart[3]), init_usart, 0x40004800u, APB1 + 18, &apb1, {{"irq", 0, IRQ_USART3}}},
    {"UART4", OFF(usart[4]), init_usart, 0x40004C00u, APB1 + 19, &apb1, {{"irq", 0, IRQ_UART4}}},
    {"UART5", OFF(usart[5]), init_usart, 0x40005000u, APB1 + 20, &apb1, {{"irq", 0, IRQ_UART5}}},
    {"USART6", OFF(usart[6]), init_usart, 0x40011400u, APB2 + 5, &apb2, {{"irq", 0, IRQ_USART6}}},
    {"DBGMCU", OFF(dbgmcu), init_dbgmcu, 0xE0042000u, NO_RST, NULL, {{0}}},
    {"BKPSRAM", OFF(bkpsram), init_bkpsram, 0x40024000u, NO_RST, NULL, {{0}}},
    {"SDIO", OFF(sdio), init_sdio, 0x40012C00u, APB2 + 11, NULL, {{"irq", 0, IRQ_SDIO}}},
    {"OTG_HS", OFF(otg), init_otg, 0x40040000u, AHB1 + 29, NULL,
     {{"irq", 0, IRQ_OTG_HS}, {"ep1_out", 0, IRQ_OTG_HS_EP1_OUT}, {"ep1_in", 0, IRQ_OTG_HS_EP1_IN}}},
};

/* Wires between peripherals: {from, line, index} -> {to, input, index},
 * `count` of them with consecutive indexes. */
static const struct {
    const char *from, *out;
    int n;
    const char *to, *in;
    int m, count;
} wires[] = {
    /* backup-domain write protection */
    {"PWR", "dbp", 0, "RCC", "dbp", 0, 1},
    {"PWR", "dbp", 0, "RTC", "dbp", 0, 1},
    {"PWR", "dbp", 0, "BKPSRAM", "dbp", 0, 1},
    /* EXTI: pins through SYSCFG (lines 0-15), RTC alarm (17), wake-up (22) */
    {"GPIOA", "in", 0, "SYSCFG", "gpio", 16 * PORT_A, 16},
    {"GPIOB", "in", 0, "SYSCFG", "gpio", 16 * PORT_B, 16},
    {"GPIOC", "in", 0, "SYSCFG", "gpio", 16 * PORT_C, 16},
    {"GPIOD", "in", 0, "SYSCFG", "gpio", 16 * PORT_D, 16},
    {"GPIOE", "in", 0, "SYSCFG", "gpio", 16 * PORT_E, 16},
    {"GPIOF", "in", 0, "SYSCFG", "gpio", 16 * PORT_F, 16},
    {"GPIOG", "in", 0, "SYSCFG", "gpio", 16 * PORT_G, 16},
    {"GPIOH", "in", 0, "SYSCFG", "gpio", 16 * PORT_H, 16},
    {"GPIOI", "in", 0, "SYSCFG", "gpio", 16 * PORT_I, 16},
    {"SYSCFG", "exti", 0, "EXTI", "line", 0, 16},
    {"SYSCFG", "exti_sync", 0, "EXTI", "sync", 0, 16},
    {"RTC", "alarm", 0, "EXTI", "line", 17, 1},
    {"RTC", "wakeup", 0, "EXTI", "line", 22, 1},
    /* DMA requests, "req"/"end"[stream * 8 + channel] (RM0033 table 23):
     * SDIO on DMA2 stream 3 or 6, channel 4 */
    {"SDIO", "dma", 0, "DMA2", "req", 3 * 8 + 4, 1},
    {"SDIO", "dma", 0, "DMA2", "req", 6 * 8 + 4, 1},
    {"SDIO", "dma_end", 0, "DMA2", "end", 3 * 8 + 4, 1},
    {"SDIO", "dma_end", 0, "DMA2", "end", 6 * 8 + 4, 1},
};

/* Timer channels on pins by alternate function (datasheet table 9): the
 * pins the Photon brings out. {timer, channel, port, pin, AF} */
static const struct { const char *tim; int ch, port, pin, af; } tim_pins[] = {
    {"TIM2", 2, PORT_A, 1, 1},  {"TIM2", 3, PORT_A, 2, 1},  {"TIM2", 4, PORT_A, 3, 1},
    {"TIM5", 1, PORT_A, 0, 2},  {"TIM3", 1, PORT_A, 6, 2},  {"TIM3", 2, PORT_A, 7, 2},
    {"TIM1", 2, PORT_A, 9, 1},  {"TIM1", 3, PORT_A, 10, 1}, {"TIM3", 1, PORT_B, 4, 2},
    {"TIM3", 2, PORT_B, 5, 2},  {"TIM4", 1, PORT_B, 6, 2},  {"TIM4", 2, PORT_B, 7, 2},
    {"TIM3", 3, PORT_B, 0, 2},  {"TIM3", 4, PORT_B, 1, 2},  {"TIM8", 1, PORT_C, 6, 3},
};

device *stm32f205_device(stm32f205 *s, const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
        if (!strcmp(parts[i].name, name))
            return (device *)((char *)s + parts[i].offset);
    return NULL;
}

uint32_t stm32f205_base(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
        if (!strcmp(parts[i].name, name))
            return parts[i].base;
    return 0;
}

static int wire(stm32f205 *s, const char *from, const char *out, int n, const char *to,
                const char *in, int k, char *err, size_t errlen)
{
    device *a = stm32f205_device(s, from), *b = stm32f205_device(s, to);
    line *l = a ? device_line_out(a, out, n) : NULL;
    line_sink sink = b ? device_line_in(b, in, k) : line_sink_make(NULL, NULL, 0);
    if (!l || line_connect(l, sink)) {
        snprintf(err, errlen, "cannot wire %s.%s[%d] to %s.%s[%d]", from, out, n, to, in, k);
        return -1;
    }
    return 0;
}

int stm32f205_init(stm32f205 *s, const stm32f205_config *cfg, char *err, size_t errlen)
{
    memset(s, 0, sizeof(*s));
    s->cfg = *cfg;
    machine *m = stm32f205_machine_new(120000000u, err, errlen);
    if (!m)
        return -1;
    s->m = m;
    for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
        const part *p = &parts[i];
        void *model = (char *)s + p->offset;
        p->init(s, model, p);
        device *d = model;
        if (machine_add_device(m, d, p->base)) {
            snprintf(err, errlen, "cannot place %s on the bus", p->name);
            stm32f205_free(s);
            return -1;
        }
        for (int k = 0; k < (int)ARRAY_SIZE(p->irq) && p->irq[k].line; k++) {
            line *l = device_line_out(d, p->irq[k].line, p->irq[k].n);
            if (!l || line_connect(l, machine_irq_input(m, p->irq[k].irq))) {
                snprintf(err, errlen, "cannot wire %s.%s to IRQ %d", p->name, p->irq[k].line,
                         p->irq[k].irq);
                stm32f205_free(s);
                return -1;
            }
        }
        if (p->rst != NO_RST &&
            line_connect(&s->rcc.rst[p->rst], device_reset_input(d, RESET_PERIPHERAL))) {
            snprintf(err, errlen, "cannot wire the RCC reset of %s", p->name);
            stm32f205_free(s);
            return -1;
        }
    }
    int e = line_connect(&s->rcc.bdrst, device_reset_input(&s->rtc.dev, RESET_POWER_ON));
    for (size_t i = 0; i < ARRAY_SIZE(wires) && !e; i++)
        for (int k = 0; k < wires[i].count && !e; k++)
            e = wire(s, wires[i].from, wires[i].out, wires[i].n + (wires[i].count > 1 ? k : 0),
                     wires[i].to, wires[i].in, wires[i].m + k, err, errlen);
    for (size_t i = 0; i < ARRAY_SIZE(tim_pins) && !e; i++) {
        char port[8];
        snprintf(port, sizeof(port), "GPIO%c", 'A' + tim_pins[i].port);
        e = wire(s, tim_pins[i].tim, "ch", tim_pins[i].ch - 1, port, "af",
                 tim_pins[i].pin * 16 + tim_pins[i].af, err, errlen);
    }
    if (e) {
        stm32f205_free(s);
        return -1;
    }
    s->flash.instant = cfg->fast_flash;
    m->rom_store = flash_cpu_store;
    m->rom_store_ctx = &s->flash;
    /* Factory option bytes: no protection, software watchdog, BOR off. */
    uint8_t *ob = stm32f205_optbytes(m);
    ob[0] = 0xEC;
    ob[1] = 0xAA;
    ob[8] = 0xFF;
    ob[9] = 0x0F;
    /* OTP erased, lock bytes unlocked */
    memset(stm32f205_otp(m), 0xFF, STM32F205_OTP_SIZE);
    return 0;
}

void stm32f205_free(stm32f205 *s)
{
    for (int u = 1; u <= 6; u++)
        usart_free(&s->usart[u]);
    machine_free(s->m);
    s->m = NULL;
}

bool stm32f205_address(const char *name, uint32_t *addr)
{
    static const struct { const char *name; uint32_t addr; } places[] = {
        {"BKPSRAM", 0x40024000u}, {"OTP", STM32F205_OTP_BASE}, {"UID", STM32F205_UID_BASE},
    };
    for (size_t i = 0; i < ARRAY_SIZE(places); i++)
        if (!strcasecmp(places[i].name, name)) {
            *addr = places[i].addr;
            return true;
        }
    unsigned bk;
    char tail;
    if ((sscanf(name, "RTC_BKP%uR%c", &bk, &tail) == 1 ||
         sscanf(name, "rtc_bkp%ur%c", &bk, &tail) == 1) && bk < RTC_NBKP) {
        *addr = 0x40002800u + 0x50 + 4u * bk;
        return true;
    }
    return false;
}
