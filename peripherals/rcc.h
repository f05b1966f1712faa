/* RCC: reset and clock control (RM0033 section 5). */
#ifndef PHOTON_RCC_H
#define PHOTON_RCC_H

#include "device.h"

#define RCC_BASE 0x40023800u
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
    /* models reset by each xxxRSTR bit (set by the board) */
    device *reset_target[RCC_NBUSES][32];
    /* called when the CPU or bus clocks change */
    void (*on_clock_change[8])(void *ctx);
    void *on_clock_change_ctx[8];
    int n_on_clock_change;
    /* reset by BDCR.BDRST (the RTC with its backup registers) */
    device *backup_domain;
    /* backup-domain writes need PWR_CR.DBP */
    const uint32_t *pwr_cr;
} stm32_rcc;

void rcc_init(stm32_rcc *r, uint32_t hse_hz);
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
