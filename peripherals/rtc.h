/* RTC with its 20 backup registers (RM0033 section 23): the calendar runs
 * on virtual time from the RTC clock the RCC selects. */
#ifndef PHOTON_RTC_H
#define PHOTON_RTC_H

#include "clock.h"
#include "device.h"
#include "pwr.h"
#include "rcc.h"

#define RTC_BASE 0x40002800u
#define RTC_NBKP 20

typedef struct stm32_rtc {
    device dev;
    stm32_rcc *rcc;
    stm32_pwr *pwr;
    uint32_t cr, isr, prer, wutr, calibr, alrm[2], tafcr, tstr, tsdr;
    uint32_t bkp[RTC_NBKP];
    int wpr_step; /* 0xCA, 0x53 unlock */
    /* calendar: seconds since 2000-01-01 00:00:00 at base_ps */
    int64_t base_secs;
    uint64_t base_ps;
    uint64_t base_frac; /* sub-second ck_apre ticks at base_ps */
    bool counting;
    uint32_t weekday_base; /* weekday of base (1 = Monday) */
    clock_event rsf_ev, alarm_ev[2], wut_ev;
    /* EXTI lines 17 (alarms) and 22 (wake-up) */
    void (*exti)(void *ctx, int line, int level);
    void *exti_ctx;
} stm32_rtc;

void rtc_init(stm32_rtc *r, stm32_rcc *rcc, stm32_pwr *pwr);
/* Calendar time now, seconds since 2000-01-01 (for the state file). */
int64_t rtc_seconds(stm32_rtc *r);
/* Set the calendar (state file restore). */
void rtc_set_seconds(stm32_rtc *r, int64_t secs);

#endif
