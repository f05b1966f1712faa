/* RCC: reset and clock control (RM0033 section 5).
 * Lines: outputs "rst" [bus * 32 + bit] (the xxxRSTR bits: high resets the
 * peripheral the SoC connects), "bdrst" (a pulse on BDCR.BDRST: the backup
 * domain resets); input "dbp" (PWR_CR.DBP: BDCR writes allowed). The
 * models clocked by the RCC ask it for their clock (rcc_pclk1, ...) and
 * hear of changes through rcc_on_clock_change. */
#ifndef PHOTON_RCC_H
#define PHOTON_RCC_H

#include "device.h"

#define HSI_HZ 16000000u
#define LSI_HZ 32000u
#define LSE_HZ 32768u

enum { RCC_AHB1, RCC_AHB2, RCC_AHB3, RCC_APB1, RCC_APB2, RCC_NBUSES };

typedef struct stm32_rcc {
    device dev;
    uint32_t hse_hz; /* the board's crystal */
    uint32_t cr, pllcfgr, cfgr, cir;
    uint32_t rstr[RCC_NBUSES], enr[RCC_NBUSES], lpenr[RCC_NBUSES];
    uint32_t bdcr, csr, sscgr, plli2scfgr;
    line rst[RCC_NBUSES * 32];
    line bdrst;
    bool dbp;
    /* called when the CPU or bus clocks change */
    void (*on_clock_change[8])(void *ctx);
    void *on_clock_change_ctx[8];
    int n_on_clock_change;
} stm32_rcc;

extern const device_class rcc_class;
void rcc_init(stm32_rcc *r, const char *name, uint32_t hse_hz);
uint32_t rcc_sysclk(const stm32_rcc *r);
uint32_t rcc_hclk(const stm32_rcc *r);
uint32_t rcc_pclk1(const stm32_rcc *r);
uint32_t rcc_pclk2(const stm32_rcc *r);
/* Kernel clock of a timer on APB1 or APB2 (x2 when the APB divides). */
uint32_t rcc_timclk(const stm32_rcc *r, int apb);
bool rcc_lsi_on(const stm32_rcc *r);
/* RTC clock (LSE, LSI or HSE/RTCPRE) if the RTC is enabled, else 0. */
uint32_t rcc_rtcclk(const stm32_rcc *r);
void rcc_on_clock_change(stm32_rcc *r, void (*fn)(void *), void *ctx);

#endif
