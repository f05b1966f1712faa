/* Broadcom BCM43362 Wi-Fi chip (the Photon's PØ module) as seen from its
 * SDIO bus. The chip never runs its own firmware: the host downloads it
 * into the chip's RAM as on a board, and the chip's behaviour once that
 * firmware "runs" is modelled: the SDPCM protocol with its credits, the
 * CDC/BDC ioctl and iovar responder, asynchronous events, scans and joins
 * against the access points of a radio environment, a soft AP, and the
 * Ethernet data channel of each interface (0 station, 1 soft AP).
 *
 * Split by what it models:
 *   bcm43362_sdio.c       the SDIO card: commands, CCCR/FBR, the F1
 *                         registers (backplane window, clock CSR), CMD53
 *                         data phases, the card interrupt
 *   bcm43362_backplane.c  the backplane: RAM, chipcommon, the SDIO core's
 *                         interrupt and mailbox registers, the ARM and
 *                         SOCSRAM core wrappers, the firmware start (NVRAM)
 *   bcm43362_sdpcm.c      F2 frames in both directions, SDPCM framing,
 *                         credits, the queue towards the host
 *   bcm43362_ioctl.c      the CDC ioctl/iovar responder
 *   bcm43362_wlan.c       events, scans, joins, the soft AP, data frames
 * The board wires WL_REG_ON (power: low holds the chip in reset and loses
 * its state; bcm43362_reg_on_input) and the card interrupt (host_irq) to
 * the host controller. */
#ifndef PHOTON_BCM43362_H
#define PHOTON_BCM43362_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "device.h"
#include "netdev.h"
#include "radio.h"
#include "sdiocard.h"

struct machine;

#define BCM_RAM_SIZE 0x3C000u   /* 240 KB of SOCSRAM */
#define BCM_MAX_FRAME 2048u     /* largest F2 frame in either direction */
#define BCM_MAX_QUEUE 128       /* frames waiting for the host */
#define BCM_SETTINGS 96         /* values the host set, kept for GETs */
#define BCM_SCAN_MAX RADIO_MAX_APS

/* One frame for the host (SDPCM header first). */
typedef struct bcm_frame {
    struct bcm_frame *next;
    uint64_t due; /* ps: not before (chip processing time, air time) */
    uint16_t len;
    uint8_t data[];
} bcm_frame;

/* A SET the host made, to answer the matching GET. */
typedef struct bcm_setting {
    uint32_t cmd;   /* ioctl number; WLC_SET_VAR for an iovar */
    char name[32];  /* iovar name without "bsscfg:" */
    uint32_t bss;   /* interface / bsscfg index */
    uint8_t len;
    uint8_t val[64];
} bcm_setting;

/* Gives the MAC address programmed into the module's OTP at the factory. */
typedef void (*bcm43362_otp_mac_fn)(void *ctx, uint8_t mac[6]);

typedef struct bcm43362 {
    struct machine *m;
    radio *air;
    line host_irq;     /* the card interrupt (DAT1) to the host controller */
    bool powered;      /* WL_REG_ON high */

    /* SDIO card (bcm43362_sdio.c) */
    uint16_t rca;
    bool selected;
    uint8_t ioen, inten, bictrl, speed, sepint;
    uint16_t blksize[3];
    bool irq_level;
    struct {
        bool active, write, incr;
        int fn;
        uint32_t addr, left;
    } xfer; /* the CMD53 data phase in progress */
    uint32_t sbaddr; /* F1 backplane window (address bits 31:15) */
    uint8_t csr, pullup, watermark, devctl, framectrl, gpio_sel, gpio_out, gpio_en;

    /* backplane (bcm43362_backplane.c) */
    uint8_t *ram;
    uint32_t ioctrl[2], resetctrl[2]; /* wrappers: [0] ARM CM3, [1] SOCSRAM */
    uint32_t intstatus, hostintmask, intmask, funcintmask;
    uint32_t tosbmailbox, tosbmaildata, tohostmaildata;
    uint32_t cc[0x400 / 4]; /* chipcommon registers as written */
    enum { BCM_FW_OFF, BCM_FW_BOOTING, BCM_FW_UP, BCM_FW_FAILED } fw;
    clock_event fw_ev;
    uint8_t mac[6];
    char nvram_boardtype[16];
    bcm43362_otp_mac_fn otp_mac; /* the module's own MAC, or NULL */
    void *otp_ctx;

    /* SDPCM (bcm43362_sdpcm.c) */
    uint8_t txf[BCM_MAX_FRAME]; /* the host's frame being written */
    uint32_t txf_len;
    bool txf_bad;
    bcm_frame *rxq, *rxq_tail; /* ready for the host to read */
    int rxq_n;
    uint32_t rx_off;            /* bytes of rxq's head read so far */
    bcm_frame *later;           /* due later, in time order */
    clock_event later_ev;
    uint8_t tx_seq;             /* sequence of our next frame */
    uint8_t host_seq;           /* sequence expected from the host next */
    uint8_t credit;             /* the credit we last announced */

    /* WLAN (bcm43362_ioctl.c, bcm43362_wlan.c) */
    bool up;
    bcm_setting set[BCM_SETTINGS];
    int nset;
    uint64_t rand;
    struct {
        bool active;
        uint16_t sync_id;
        int n, next;
        radio_ap result[BCM_SCAN_MAX];
        uint64_t due[BCM_SCAN_MAX]; /* when each result is found */
        uint64_t end;               /* when the last channel is done */
        clock_event ev;
    } scan;
    struct {
        int state; /* BCM_STA_* */
        uint32_t ap_id;
        radio_ap ap; /* the AP joined (as it was then) */
        uint8_t ssid[32];
        uint8_t ssid_len;
        uint8_t passphrase[64];
        uint8_t passphrase_len;
        bool key_ok;  /* the data keys match the AP's (WEP joins either way) */
        int step;
        clock_event ev;
    } sta;
    struct {
        bool up;
        uint8_t ssid[32];
        uint8_t ssid_len;
        int channel;
        uint8_t mac[6];
    } ap;
    /* the data channel of each interface: frames to and from a network */
    netdev sta_net, ap_net;

    /* statistics */
    uint64_t ioctls, events, frames_to_host, frames_from_host, data_in, data_out;
} bcm43362;

enum { BCM_STA_IDLE, BCM_STA_JOINING, BCM_STA_ASSOCIATED };

/* -1 when out of memory. */
int bcm43362_init(bcm43362 *c, struct machine *m, radio *air);
void bcm43362_free(bcm43362 *c);
/* WL_REG_ON: low holds the chip in reset (everything is lost), high lets
 * it run (the host then enumerates it and downloads its firmware). */
void bcm43362_set_power(bcm43362 *c, bool on);
/* WL_REG_ON as a line input: driven high powers the chip; low or floating
 * (the module's pull-down) holds it in reset. */
line_sink bcm43362_reg_on_input(bcm43362 *c);
/* The SDIO card, for the host controller. */
extern const sdio_card_ops bcm43362_card_ops;
/* The data channel of interface `ifidx` (0 station, 1 soft AP): a netdev
 * whose backend is the network behind it (netdev.h). Its link is up while
 * the station is associated (with keys installed), or while the soft AP is
 * up; frames cross only then. */
netdev *bcm43362_netdev(bcm43362 *c, int ifidx);
/* The module's own MAC address, in the chip's OTP: asked for each time the
 * chip's firmware starts, it is used in place of the NVRAM's macaddr= (a
 * placeholder, the same in every Device OS image), as on a module
 * programmed at the factory. Without it (or all zeros) the NVRAM's is. */
void bcm43362_set_otp_mac(bcm43362 *c, bcm43362_otp_mac_fn fn, void *ctx);
/* The chip's MAC address since its firmware started (the OTP's, else the
 * NVRAM's); all zero before. */
const uint8_t *bcm43362_mac(const bcm43362 *c);
/* Whether the station interface is associated, and with which SSID. */
bool bcm43362_associated(const bcm43362 *c, char ssid[33]);

#endif
