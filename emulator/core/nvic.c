#include "nvic.h"

#include <string.h>

static const uint8_t prio_mask = (uint8_t)(0xFFu << (8 - PRIO_BITS));

static void recompute_best(nvic *n);
static void recompute_active(nvic *n);

void nvic_reset(nvic *n)
{
    uint32_t gen = n->gen;
    memset(n, 0, sizeof(*n));
    n->gen = gen + 1;
    /* System exceptions are always enabled except the configurable faults,
     * which SHCSR enables (disabled ones escalate to HardFault). */
    for (int e = 0; e < EXC_IRQ0; e++)
        n->enabled[e] = e < EXC_MEMMANAGE || e > EXC_USAGEFAULT;
    n->active_prio = 256;
}

static int raw_prio(const nvic *n, int exc)
{
    switch (exc) {
    case EXC_RESET: return -3;
    case EXC_NMI: return -2;
    case EXC_HARDFAULT: return -1;
    default: return n->prio[exc];
    }
}

static int group_of(const nvic *n, int p)
{
    if (p < 0)
        return p;
    uint32_t sub = (2u << n->prigroup) - 1;
    return (int)((uint32_t)p & ~sub);
}

int nvic_group_prio(const nvic *n, int exc)
{
    return group_of(n, raw_prio(n, exc));
}

int nvic_basepri_prio(const nvic *n, uint32_t basepri)
{
    basepri &= prio_mask;
    return basepri ? group_of(n, (int)basepri) : 256;
}

int nvic_exec_prio(const nvic *n, uint32_t primask, uint32_t basepri,
                   uint32_t faultmask)
{
    int p = n->active_prio;
    int b = nvic_basepri_prio(n, basepri);
    if (b < p)
        p = b;
    if ((primask & 1) && p > 0)
        p = 0;
    if ((faultmask & 1) && p > -1)
        p = -1;
    return p;
}

int nvic_should_take(const nvic *n, int exec_prio)
{
    if (!n->best)
        return 0;
    return nvic_group_prio(n, n->best) < exec_prio ? n->best : 0;
}

static void recompute_best(nvic *n)
{
    int best = 0, bp = 0;
    n->gen++;
    for (int e = 1; e < NVIC_NUM_EXC; e++) {
        if (!n->pending[e] || !n->enabled[e] || n->active[e])
            continue;
        int p = raw_prio(n, e);
        /* lower priority value wins; ties go to the lower number */
        if (!best || group_of(n, p) < group_of(n, bp) ||
            (group_of(n, p) == group_of(n, bp) && p < bp)) {
            best = e;
            bp = p;
        }
    }
    n->best = best;
}

static void recompute_active(nvic *n)
{
    int p = 256, c = 0;
    n->gen++;
    for (int e = 1; e < NVIC_NUM_EXC; e++) {
        if (!n->active[e])
            continue;
        c++;
        int g = nvic_group_prio(n, e);
        if (g < p)
            p = g;
    }
    n->active_prio = p;
    n->nactive = c;
}

void nvic_set_pending(nvic *n, int exc)
{
    if (exc <= 0 || exc >= NVIC_NUM_EXC || n->pending[exc])
        return;
    n->pending[exc] = true;
    recompute_best(n);
}

void nvic_clear_pending(nvic *n, int exc)
{
    if (exc <= 0 || exc >= NVIC_NUM_EXC || !n->pending[exc])
        return;
    n->pending[exc] = false;
    recompute_best(n);
}

void nvic_set_enabled(nvic *n, int exc, bool on)
{
    if (exc < EXC_MEMMANAGE || exc >= NVIC_NUM_EXC || n->enabled[exc] == on)
        return;
    n->enabled[exc] = on;
    recompute_best(n);
}

void nvic_set_prio(nvic *n, int exc, uint8_t prio)
{
    if (exc < 4 || exc >= NVIC_NUM_EXC)
        return;
    n->prio[exc] = prio & prio_mask;
    recompute_best(n);
    recompute_active(n);
}

void nvic_set_prigroup(nvic *n, uint32_t g)
{
    n->prigroup = g & 7;
    recompute_best(n);
    recompute_active(n);
}

void nvic_set_irq_level(nvic *n, int irq, int level)
{
    int exc = EXC_IRQ0 + irq;
    if (irq < 0 || irq >= NVIC_NUM_IRQ)
        return;
    n->level[exc] = level != 0;
    if (level)
        nvic_set_pending(n, exc);
}

void nvic_activate(nvic *n, int exc)
{
    n->active[exc] = true;
    n->pending[exc] = false;
    recompute_best(n);
    recompute_active(n);
}

void nvic_deactivate(nvic *n, int exc)
{
    if (exc <= 0 || exc >= NVIC_NUM_EXC)
        return;
    n->active[exc] = false;
    if (n->level[exc])
        n->pending[exc] = true;
    recompute_best(n);
    recompute_active(n);
}

const char *exc_name(int exc)
{
    static const char *sys[16] = {
        "thread",    "Reset",    "NMI",      "HardFault", "MemManage", "BusFault",
        "UsageFault", "rsvd7",   "rsvd8",    "rsvd9",     "rsvd10",    "SVCall",
        "DebugMon",  "rsvd13",   "PendSV",   "SysTick",
    };
    static const char *irq[NVIC_NUM_IRQ] = {
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
    if (exc >= 0 && exc < 16)
        return sys[exc];
    if (exc >= EXC_IRQ0 && exc < NVIC_NUM_EXC)
        return irq[exc - EXC_IRQ0];
    return "?";
}
