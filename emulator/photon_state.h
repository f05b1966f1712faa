/* What of a Photon the state file keeps: flash, OTP, option bytes, the
 * unique ID, and the battery-backed domain (RTC, backup registers, backup
 * SRAM). */
#ifndef PHOTON_BOARD_STATE_H
#define PHOTON_BOARD_STATE_H

#include "photon.h"
#include "state.h"

typedef struct photon_backup {
    uint32_t bkp[RTC_NBKP];
    uint32_t rtc_cr, rtc_isr, rtc_prer, rtc_wutr, rtc_calibr, rtc_alrm[2], rtc_tafcr;
    int64_t rtc_secs;
    uint32_t rcc_bdcr, pwr_csr;
    uint8_t bkpsram[BKPSRAM_SIZE];
} photon_backup;

/* Load into the board (flash, OTP, UID, option bytes) and `bk`.
 * Returns 0, 1 if there is no such file, -1 with a message. */
int photon_state_load(photon *p, const char *path, photon_backup *bk, char *err,
                      size_t errlen);
int photon_state_save(photon *p, const char *path, char *err, size_t errlen);
/* Put a saved backup domain back after a power-on reset (as a coin cell
 * on VBAT would have kept it). */
void photon_backup_apply(photon *p, const photon_backup *bk);
void photon_backup_take(photon *p, photon_backup *bk);
/* A fresh device: erased flash, a unique ID derived from `seed`. */
void photon_fresh(photon *p, uint64_t seed);
/* The device ID: 24 lower-case hex digits. */
const char *photon_device_id(photon *p, char buf[25]);
/* Set the unique ID from 24 hex digits. */
int photon_set_device_id(photon *p, const char *hex);

#endif
