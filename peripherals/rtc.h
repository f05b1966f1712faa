/* RTC with its 20 backup registers (RM0033 section 23): the calendar runs
 * on virtual time from the RTC clock the RCC selects.
 * Lines: outputs "alarm" and "wakeup" (a pulse at each alarm or wake-up,
 * to EXTI 17 and 22), input "dbp" (PWR_CR.DBP: writes allowed). */
#ifndef PHOTON_RTC_H
#define PHOTON_RTC_H

#include "clock.h"
#include "device.h"
#include "rcc.h"

#define RTC_NBKP 20

typedef struct stm32_rtc {
    device dev;
    stm32_rcc *rcc;
    bool dbp;
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
    line alarm, wakeup;
} stm32_rtc;

extern const device_class rtc_class;
void rtc_init(stm32_rtc *r, const char *name, stm32_rcc *rcc);
/* Calendar time now, seconds since 2000-01-01 (for the state file). */
int64_t rtc_seconds(stm32_rtc *r);
/* Set the calendar (state file restore). */
void rtc_set_seconds(stm32_rtc *r, int64_t secs);

#endif
