/* Between the parts of the BCM43362 model (see bcm43362.h). */
#ifndef PHOTON_BCM43362_INTERNAL_H
#define PHOTON_BCM43362_INTERNAL_H

#include "bcm43362.h"
#include "machine.h"

/* Backplane addresses (WICED chips/43362/chip_constants.h, Broadcom AI
 * wrapper layout). */
#define BP_CHIPCOMMON 0x18000000u
#define BP_SDIO_CORE 0x18002000u
#define BP_WRAPPER_ARM 0x18103000u
#define BP_WRAPPER_SOCSRAM 0x18104000u
#define BP_CORE_SIZE 0x1000u
#define SDIO_INTSTATUS 0x20u
#define SDIO_HOSTINTMASK 0x24u
#define SDIO_INTMASK 0x28u
#define SDIO_FUNCINTMASK 0x34u
#define SDIO_TOSBMAILBOX 0x40u
#define SDIO_TOHOSTMAILBOX 0x44u
#define SDIO_TOSBMAILBOXDATA 0x48u
#define SDIO_TOHOSTMAILBOXDATA 0x4Cu
#define WRAP_IOCTRL 0x408u
#define WRAP_RESETCTRL 0x800u
#define IOCTRL_CLK 0x01u
#define IOCTRL_FGC 0x02u
#define IOCTRL_CPUHALT 0x20u
#define I_HMB_FRAME_IND (1u << 6)
#define I_HMB_HOST_INT (1u << 7)
#define SMB_NAK (1u << 0)
#define SMB_DEV_INT (1u << 3)

/* The chip's firmware needs this long after the ARM core is released until
 * its HT clock and F2 are up (virtual time). */
#define BCM_FW_BOOT_PS (20 * PS_PER_MS)

/* SDPCM channels */
enum { SDPCM_CONTROL = 0, SDPCM_EVENT = 1, SDPCM_DATA = 2 };
#define SDPCM_HDR 12u
#define BDC_HDR 4u
#define CDC_HDR 16u

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void wr16be(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void wr32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

#define bcm_log(c, cat, ...) log_msg(&(c)->m->log, (cat), "wifi: " __VA_ARGS__)
static inline bool bcm_logging(const bcm43362 *c) { return log_on(&c->m->log, LOG_WIFI); }

/* bcm43362_sdio.c */
void bcm_card_reset(bcm43362 *c);
void bcm_update_irq(bcm43362 *c);

/* bcm43362_backplane.c */
void bcm_backplane_reset(bcm43362 *c);
/* [addr, addr+len) is one mapped region of the backplane */
bool bcm_bp_mapped(const bcm43362 *c, uint32_t addr, uint32_t len);
void bcm_bp_read(bcm43362 *c, uint32_t addr, uint8_t *buf, uint32_t len);
void bcm_bp_write(bcm43362 *c, uint32_t addr, const uint8_t *buf, uint32_t len);
bool bcm_fw_up(const bcm43362 *c);
/* Raise SDIO core interrupt status bits towards the host. */
void bcm_host_int(bcm43362 *c, uint32_t bits);

/* bcm43362_sdpcm.c */
void bcm_sdpcm_reset(bcm43362 *c);
/* F2 data phases: bytes for the host, bytes from the host, and the end of
 * each CMD53. */
void bcm_f2_read(bcm43362 *c, uint8_t *buf, uint32_t n);
void bcm_f2_read_done(bcm43362 *c);
void bcm_f2_write(bcm43362 *c, const uint8_t *buf, uint32_t n);
void bcm_f2_write_done(bcm43362 *c);
/* The host aborted the F2 read frame in progress (RF_TERM). */
void bcm_f2_terminate_read(bcm43362 *c);
/* The host poked the chip through the mailbox (it needs credit). */
void bcm_sdpcm_poke(bcm43362 *c);
/* Queue a frame for the host on `channel`, `delay_ps` from now: SDPCM
 * header, then `a` and `b` (either may be empty). False if dropped. */
bool bcm_send(bcm43362 *c, uint64_t delay_ps, int channel, const void *a, size_t alen,
              const void *b, size_t blen);

/* bcm43362_ioctl.c */
void bcm_ioctl(bcm43362 *c, const uint8_t *cdc, const uint8_t *data, uint32_t datalen);
void bcm_ioctl_reset(bcm43362 *c);
/* A value the host SET (ioctl `cmd`, or the iovar `name`), or NULL. */
const bcm_setting *bcm_setting_get(const bcm43362 *c, uint32_t cmd, const char *name,
                                   uint32_t bss);
uint32_t bcm_setting_u32(const bcm43362 *c, uint32_t cmd, const char *name, uint32_t bss,
                         uint32_t dflt);
uint32_t bcm_random(bcm43362 *c);

/* bcm43362_wlan.c */
void bcm_wlan_init(bcm43362 *c);
void bcm_wlan_reset(bcm43362 *c);
/* Each returns a BCME status (0 or negative). */
int bcm_wlan_escan(bcm43362 *c, const uint8_t *params, uint32_t len);
int bcm_wlan_join(bcm43362 *c, const uint8_t *ssid, uint32_t ssid_len, const uint8_t *bssid,
                  int channel);
int bcm_wlan_disassoc(bcm43362 *c);
int bcm_wlan_bss(bcm43362 *c, uint32_t bsscfg, bool up);
void bcm_wlan_tx(bcm43362 *c, int ifidx, const uint8_t *eth, uint32_t len);
/* The host took frames: the networks may deliver again. */
void bcm_wlan_host_ready(bcm43362 *c);
/* wl_bss_info of an AP into buf (128 bytes + IEs); returns its length. */
uint32_t bcm_bss_info(const bcm43362 *c, const radio_ap *ap, uint8_t *buf, uint32_t room);
void bcm_event(bcm43362 *c, uint64_t delay_ps, uint32_t type, uint32_t status,
               uint32_t reason, uint16_t flags, int ifidx, const uint8_t *addr,
               const void *data, uint32_t datalen);

/* BCME status codes (Broadcom bcmutils.h) */
enum {
    BCME_OK = 0, BCME_ERROR = -1, BCME_BADARG = -2, BCME_NOTUP = -4, BCME_NOTAP = -6,
    BCME_BUFTOOSHORT = -14, BCME_BUSY = -16, BCME_NOTASSOCIATED = -17, BCME_BADSSIDLEN = -18,
    BCME_BADCHAN = -20, BCME_UNSUPPORTED = -23, BCME_BADLEN = -24, BCME_NOTREADY = -25,
    BCME_NOTFOUND = -30,
};

#endif
