/* BCM43362: what the chip does on the air, against the access points of
 * the radio environment (emulator/radio.h), reported to the host as
 * Broadcom events (Ethernet type 0x886C, big-endian wl_event_msg; event and
 * status numbers of WICED wwd_events.h).
 *
 * Scans ("escan"): the channels asked for (all of 1-11, or 1-13 outside
 * the US) one after the other, 40 ms each (the active dwell time the host
 * gives, 110 ms passive); each access point on a scanned channel, matching
 * the SSID asked for, is reported when its channel is scanned
 * (WLC_E_ESCAN_RESULT, status PARTIAL, a wl_bss_info with the SSID, DS and
 * RSN or WPA IEs), then the end (status SUCCESS). A new scan aborts the
 * running one (NEWSCAN), a join too (NEWASSOC).
 * Joins (WLC_SET_SSID, "join"): after JOIN_SCAN_PS the access point is
 * looked up by SSID (and BSSID and channel when given). None: SET_SSID
 * NO_NETWORKS. Security the host configured (WLC_SET_WSEC, WLC_SET_WPA_AUTH)
 * not what the access point uses: WLC_E_PRUNE (encryption or RSN mismatch)
 * and SET_SSID NO_NETWORKS. Otherwise AUTH, LINK up and SET_SSID SUCCESS;
 * with WPA/WPA2 the chip's supplicant then compares the passphrase the host
 * gave (WLC_SET_WSEC_PMK) with the access point's: PSK_SUP KEYED, or after
 * the supplicant timeout ("sup_wpa_tmo", 2.5 s by default) PSK_SUP
 * WAIT_M3/WPA_PSK_TMO and LINK down. WEP associates whatever the key (open
 * system authentication) but frames only pass with the right key.
 * An access point that goes away or changes its security, password or
 * channel drops the association (DEAUTH_IND, LINK down).
 * The soft AP ("bss" up on bsscfg 1) comes up with WLC_E_LINK on
 * interface 1, and goes down the same way.
 * Data: each interface is a netdev (emulator/core/netdev.h) whose link is
 * up while the station is associated or the soft AP is up; Ethernet frames
 * the firmware sends go to its backend (the network behind), frames from
 * it reach the firmware as SDPCM data frames, held back (netdev's queue)
 * while the chip's queue towards the host is full. Not modelled: the 802.11 layer itself, roaming,
 * power save, clients of the soft AP (no ASSOC_IND yet), event masks (every
 * event is sent), regulatory limits beyond the channel count, PMKs given
 * as 64 hex digits against a passphrase (compared as strings). */
#include "bcm43362_internal.h"

#include <stdio.h>
#include <string.h>

enum {
    WLC_E_SET_SSID = 0, WLC_E_AUTH = 3, WLC_E_DEAUTH_IND = 6, WLC_E_DISASSOC = 11,
    WLC_E_LINK = 16, WLC_E_PRUNE = 23, WLC_E_PSK_SUP = 46, WLC_E_ESCAN_RESULT = 69,
};
enum {
    STATUS_SUCCESS = 0, STATUS_FAIL = 1, STATUS_NO_NETWORKS = 3, STATUS_ABORT = 4,
    STATUS_PARTIAL = 8, STATUS_NEWSCAN = 9, STATUS_NEWASSOC = 10,
};
#define SUP_KEYED 6
#define SUP_WAIT_M3 8
#define SUP_REASON_PSK_TMO 15
#define PRUNE_ENCR_MISMATCH 1
#define PRUNE_RSN_MISMATCH 8
#define DEAUTH_LEAVING 3
#define WSEC_WEP 1u
#define WSEC_TKIP 2u
#define WSEC_AES 4u
#define WPA_AUTH_PSK 0x04u
#define WPA2_AUTH_PSK 0x80u
#define WLC_SET_AUTH 22
#define WLC_SET_WSEC 134
#define WLC_SET_WPA_AUTH 165
#define WLC_SET_VAR 263
#define JOIN_SCAN_PS (120 * PS_PER_MS)
#define STEP_PS (10 * PS_PER_MS)
#define LINK_UP_FLAG 1

static void scan_step(void *arg);
static void join_step(void *arg);
static void radio_changed(void *ctx, radio_event ev, const radio_ap *ap);
static const netdev_nic_ops sta_ops, ap_ops;

void bcm_wlan_init(bcm43362 *c)
{
    clock_event_init(&c->scan.ev, "wifi-scan", scan_step, c);
    clock_event_init(&c->sta.ev, "wifi-join", join_step, c);
    netdev_init(&c->sta_net, "wifi-station", NULL);
    netdev_init(&c->ap_net, "wifi-softap", NULL);
    netdev_set_nic(&c->sta_net, &sta_ops, c);
    netdev_set_nic(&c->ap_net, &ap_ops, c);
    if (c->air)
        radio_listen(c->air, radio_changed, c);
}

void bcm_wlan_reset(bcm43362 *c)
{
    netdev_set_link(&c->sta_net, false);
    netdev_set_link(&c->ap_net, false);
    if (c->sta.state == BCM_STA_ASSOCIATED)
        radio_station(c->air, &c->sta_net, NULL);
    if (c->ap.up)
        radio_softap(c->air, &c->ap_net, false);
    clock_disarm(&c->m->clock, &c->scan.ev);
    clock_disarm(&c->m->clock, &c->sta.ev);
    c->scan.active = false;
    memset(&c->sta.ap, 0, sizeof(c->sta.ap));
    c->sta.state = BCM_STA_IDLE;
    c->sta.ap_id = 0;
    c->sta.passphrase_len = 0;
    memset(&c->ap, 0, sizeof(c->ap));
    c->ap.channel = 11;
}

void bcm_event(bcm43362 *c, uint64_t delay_ps, uint32_t type, uint32_t status, uint32_t reason,
               uint16_t flags, int ifidx, const uint8_t *addr, const void *data, uint32_t datalen)
{
    uint8_t h[BDC_HDR + 14 + 10 + 48];
    memset(h, 0, sizeof(h));
    uint8_t *bdc = h, *eth = h + BDC_HDR, *bcmeth = eth + 14, *msg = bcmeth + 10;
    bdc[0] = 0x20; /* BDC version 2 */
    bdc[2] = (uint8_t)ifidx;
    memcpy(eth, c->mac, 6);
    memcpy(eth + 6, c->mac, 6);
    wr16be(eth + 12, 0x886C);
    wr16be(bcmeth, 0x8001);
    wr16be(bcmeth + 2, (uint16_t)(48 + datalen + 6));
    bcmeth[5] = 0x00; bcmeth[6] = 0x10; bcmeth[7] = 0x18; /* Broadcom OUI */
    wr16be(bcmeth + 8, 1);
    wr16be(msg, 2);
    wr16be(msg + 2, flags);
    wr32be(msg + 4, type);
    wr32be(msg + 8, status);
    wr32be(msg + 12, reason);
    wr32be(msg + 20, datalen);
    if (addr)
        memcpy(msg + 24, addr, 6);
    memcpy(msg + 30, "wl0", 3);
    msg[46] = (uint8_t)ifidx;
    msg[47] = (uint8_t)ifidx;
    if (bcm_send(c, delay_ps, SDPCM_EVENT, h, sizeof(h), data, datalen))
        c->events++;
    bcm_log(c, LOG_WIFI, "event %u status %u reason %u flags %u if%d in %.1f ms", type, status,
            reason, flags, ifidx, (double)delay_ps / PS_PER_MS);
}

/* ---- wl_bss_info ------------------------------------------------------------ */

uint32_t bcm_bss_info(const bcm43362 *c, const radio_ap *ap, uint8_t *b, uint32_t room)
{
    static const uint8_t rsn[] = {0x30, 0x14, 0x01, 0x00, 0x00, 0x0F, 0xAC, 0x04, 0x01, 0x00,
                                  0x00, 0x0F, 0xAC, 0x04, 0x01, 0x00, 0x00, 0x0F, 0xAC, 0x02,
                                  0x00, 0x00};
    static const uint8_t wpa[] = {0xDD, 0x16, 0x00, 0x50, 0xF2, 0x01, 0x01, 0x00, 0x00, 0x50,
                                  0xF2, 0x02, 0x01, 0x00, 0x00, 0x50, 0xF2, 0x02, 0x01, 0x00,
                                  0x00, 0x50, 0xF2, 0x02};
    static const uint8_t rates[] = {0x82, 0x84, 0x8B, 0x96, 0x0C, 0x12, 0x18, 0x24,
                                    0x30, 0x48, 0x60, 0x6C};
    uint8_t ie[96];
    uint32_t il = 0;
    ie[il++] = 0;
    ie[il++] = ap->ssid_len;
    memcpy(ie + il, ap->ssid, ap->ssid_len);
    il += ap->ssid_len;
    ie[il++] = 3; /* DS parameter set: the channel */
    ie[il++] = 1;
    ie[il++] = (uint8_t)ap->channel;
    if (ap->security == WIFI_WPA2) {
        memcpy(ie + il, rsn, sizeof(rsn));
        il += sizeof(rsn);
    } else if (ap->security == WIFI_WPA) {
        memcpy(ie + il, wpa, sizeof(wpa));
        il += sizeof(wpa);
    }
    uint32_t len = 128 + il;
    if (room < len)
        return 0;
    memset(b, 0, 128);
    wr32(b, 109); /* WL_BSS_INFO_VERSION */
    wr32(b + 4, len);
    memcpy(b + 8, ap->bssid, 6);
    wr16(b + 14, 100); /* beacon period, TU */
    wr16(b + 16, (uint16_t)(0x0001 | (ap->security != WIFI_OPEN ? 0x0010 : 0) | 0x0400));
    b[18] = ap->ssid_len;
    memcpy(b + 19, ap->ssid, ap->ssid_len);
    wr32(b + 52, sizeof(rates));
    memcpy(b + 56, rates, sizeof(rates));
    wr16(b + 72, (uint16_t)(0x2B00 | ap->channel)); /* 2.4 GHz, 20 MHz */
    b[76] = 1; /* DTIM period */
    wr16(b + 78, (uint16_t)(int16_t)ap->rssi);
    b[80] = (uint8_t)(int8_t)-92; /* noise */
    b[88] = (uint8_t)ap->channel;
    wr16(b + 116, 128); /* ie_offset */
    wr32(b + 120, il);
    wr16(b + 124, (uint16_t)(int16_t)(ap->rssi + 92)); /* SNR */
    memcpy(b + 128, ie, il);
    (void)c;
    return len;
}

/* ---- scans -------------------------------------------------------------------- */

static void scan_end(bcm43362 *c, uint32_t status)
{
    uint8_t r[12];
    wr32(r, sizeof(r));
    wr32(r + 4, 109);
    wr16(r + 8, c->scan.sync_id);
    wr16(r + 10, 0);
    c->scan.active = false;
    clock_disarm(&c->m->clock, &c->scan.ev);
    bcm_event(c, 0, WLC_E_ESCAN_RESULT, status, 0, 0, 0, NULL, r, sizeof(r));
}

static void scan_step(void *arg)
{
    bcm43362 *c = arg;
    uint64_t now = machine_now(c->m);
    if (!c->scan.active)
        return;
    while (c->scan.next < c->scan.n && c->scan.due[c->scan.next] <= now) {
        uint8_t r[12 + 128 + 96];
        const radio_ap *ap = &c->scan.result[c->scan.next++];
        uint32_t bl = bcm_bss_info(c, ap, r + 12, sizeof(r) - 12);
        wr32(r, 12 + bl);
        wr32(r + 4, 109);
        wr16(r + 8, c->scan.sync_id);
        wr16(r + 10, 1);
        bcm_event(c, 0, WLC_E_ESCAN_RESULT, STATUS_PARTIAL, 0, 0, 0, NULL, r, 12 + bl);
    }
    if (c->scan.next == c->scan.n && now >= c->scan.end) {
        bcm_log(c, LOG_WIFI, "scan done: %d access points", c->scan.n);
        scan_end(c, STATUS_SUCCESS);
        return;
    }
    clock_arm(&c->m->clock, &c->scan.ev,
              c->scan.next < c->scan.n ? c->scan.due[c->scan.next] : c->scan.end);
}

static int channels_in_country(const bcm43362 *c)
{
    const bcm_setting *s = bcm_setting_get(c, WLC_SET_VAR, "country", 0);
    if (!s || s->len < 2 || (s->val[0] == 'U' && s->val[1] == 'S') ||
        (s->val[0] == 'C' && s->val[1] == 'A'))
        return 11;
    return 13;
}

int bcm_wlan_escan(bcm43362 *c, const uint8_t *p, uint32_t n)
{
    if (n < 8)
        return BCME_BADLEN;
    if (!c->up)
        return BCME_NOTUP;
    uint16_t action = rd16(p + 4);
    if (action == 3) { /* abort */
        if (c->scan.active)
            scan_end(c, STATUS_ABORT);
        return BCME_OK;
    }
    if (c->scan.active)
        scan_end(c, STATUS_NEWSCAN);
    uint32_t ssid_len = n >= 44 ? rd32(p + 8) : 0;
    if (ssid_len > 32)
        return BCME_BADSSIDLEN;
    uint64_t dwell = 40 * PS_PER_MS;
    if (n >= 64) {
        bool passive = p[51] & 1;
        int32_t t = (int32_t)rd32(p + (passive ? 60 : 56));
        dwell = (t > 0 ? (uint64_t)(t < 10 ? 10 : t > 500 ? 500 : t) : passive ? 110 : 40) * PS_PER_MS;
    }
    int chans[14], nch = 0;
    uint32_t count = n >= 72 ? rd32(p + 68) & 0xFFFF : 0;
    for (uint32_t i = 0; i < count && 72 + 2 * i + 2 <= n && nch < 14; i++) {
        int ch = rd16(p + 72 + 2 * i) & 0xFF;
        if (ch >= 1 && ch <= 14)
            chans[nch++] = ch;
    }
    if (!nch)
        for (int ch = 1; ch <= channels_in_country(c); ch++)
            chans[nch++] = ch;
    uint64_t now = machine_now(c->m);
    c->scan.sync_id = rd16(p + 6);
    c->scan.n = c->scan.next = 0;
    for (int k = 0; k < nch; k++) {
        for (int i = 0; c->air && i < c->air->n && c->scan.n < BCM_SCAN_MAX; i++) {
            const radio_ap *ap = &c->air->ap[i];
            if (ap->channel != chans[k] ||
                (ssid_len && (ap->ssid_len != ssid_len || memcmp(ap->ssid, p + 12, ssid_len))))
                continue;
            c->scan.result[c->scan.n] = *ap;
            c->scan.due[c->scan.n++] = now + (uint64_t)(k + 1) * dwell;
        }
    }
    c->scan.end = now + (uint64_t)nch * dwell;
    c->scan.active = true;
    bcm_log(c, LOG_WIFI, "scan of %d channels started", nch);
    clock_arm(&c->m->clock, &c->scan.ev, c->scan.n ? c->scan.due[0] : c->scan.end);
    return BCME_OK;
}

/* ---- joins -------------------------------------------------------------------- */

static void link_down(bcm43362 *c, bool deauth)
{
    if (deauth)
        bcm_event(c, 0, WLC_E_DEAUTH_IND, 0, DEAUTH_LEAVING, 0, 0, c->sta.ap.bssid, NULL, 0);
    bcm_event(c, 0, WLC_E_LINK, 0, 0, 0, 0, c->sta.ap.bssid, NULL, 0);
    bool was = c->sta.state == BCM_STA_ASSOCIATED;
    c->sta.state = BCM_STA_IDLE;
    c->sta.ap_id = 0;
    clock_disarm(&c->m->clock, &c->sta.ev);
    netdev_set_link(&c->sta_net, false);
    if (was)
        radio_station(c->air, &c->sta_net, NULL);
}

static void associated(bcm43362 *c, const char *how)
{
    c->sta.state = BCM_STA_ASSOCIATED;
    bcm_log(c, LOG_WIFI, "associated with '%s'%s", c->sta.ap.ssid, how);
    radio_station(c->air, &c->sta_net, &c->sta.ap); /* onto the network behind it */
    netdev_set_link(&c->sta_net, true);
}

int bcm_wlan_join(bcm43362 *c, const uint8_t *ssid, uint32_t len, const uint8_t *bssid, int ch)
{
    static const uint8_t none[6] = {0}, bcast[6] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    if (!c->up)
        return BCME_NOTUP;
    if (len == 0 || len > 32)
        return BCME_BADSSIDLEN;
    if (c->scan.active)
        scan_end(c, STATUS_NEWASSOC);
    if (c->sta.state == BCM_STA_ASSOCIATED)
        link_down(c, false);
    memcpy(c->sta.ssid, ssid, len);
    c->sta.ssid_len = (uint8_t)len;
    memset(&c->sta.ap, 0, sizeof(c->sta.ap));
    if (bssid && memcmp(bssid, none, 6) && memcmp(bssid, bcast, 6))
        memcpy(c->sta.ap.bssid, bssid, 6);
    c->sta.ap.channel = ch;
    c->sta.state = BCM_STA_JOINING;
    c->sta.step = 0;
    bcm_log(c, LOG_WIFI, "join '%.*s' started", (int)len, (const char *)ssid);
    clock_arm(&c->m->clock, &c->sta.ev, machine_now(c->m) + JOIN_SCAN_PS);
    return BCME_OK;
}

static const radio_ap *join_target(const bcm43362 *c)
{
    static const uint8_t none[6] = {0};
    const radio_ap *ap = c->air ? radio_find(c->air, c->sta.ssid, c->sta.ssid_len) : NULL;
    if (ap && memcmp(c->sta.ap.bssid, none, 6) && memcmp(c->sta.ap.bssid, ap->bssid, 6))
        return NULL;
    if (ap && c->sta.ap.channel && c->sta.ap.channel != ap->channel)
        return NULL;
    return ap;
}

/* 0 when the host's security settings can join `ap`, else the prune
 * reason, as Broadcom's join filter decides: an access point with privacy
 * needs encryption on (wsec); with a WPA authentication mode and encryption
 * both on, the access point must advertise that mode's element (WPA or RSN)
 * with a cipher the encryption allows (the model's: WPA TKIP, WPA2 CCMP).
 * With no WPA mode, encryption on does not keep the chip from an open
 * access point: the listening-mode console stores an open network found in
 * a scan as open + AES (its cipher prompt has no "none"), and a module joins
 * it. */
static uint32_t security_mismatch(const bcm43362 *c, const radio_ap *ap)
{
    uint32_t wsec = bcm_setting_u32(c, WLC_SET_WSEC, NULL, 0, 0) & 7;
    uint32_t wpa = bcm_setting_u32(c, WLC_SET_WPA_AUTH, NULL, 0, 0);
    if (ap->security != WIFI_OPEN && !wsec)
        return PRUNE_ENCR_MISMATCH;
    if (!wpa || !wsec)
        return 0;
    uint32_t mode = ap->security == WIFI_WPA ? WPA_AUTH_PSK
                    : ap->security == WIFI_WPA2 ? WPA2_AUTH_PSK : 0;
    if (!(wpa & mode))
        return PRUNE_RSN_MISMATCH;
    return wsec & (ap->security == WIFI_WPA ? WSEC_TKIP : WSEC_AES) ? 0 : PRUNE_ENCR_MISMATCH;
}

static bool key_matches(const bcm43362 *c, const radio_ap *ap)
{
    if (ap->security == WIFI_OPEN)
        return true; /* nothing is encrypted, whatever the host set */
    size_t pl = strlen(ap->password);
    if (ap->security == WIFI_WEP) {
        /* the key the host installed (WLC_SET_KEY: index, len, data) */
        const bcm_setting *k = bcm_setting_get(c, 45, NULL, 0);
        if (!k || k->len < 12)
            return false;
        uint32_t kl = rd32(k->val + 4);
        if (kl == pl && kl <= (uint32_t)k->len - 8u && !memcmp(k->val + 8, ap->password, pl))
            return true;
        /* hex keys: 10 or 26 digits for 5 or 13 bytes */
        if (kl * 2 != pl || kl > (uint32_t)k->len - 8u)
            return false;
        for (uint32_t i = 0; i < kl; i++) {
            unsigned b;
            if (sscanf(ap->password + 2 * i, "%2x", &b) != 1 || b != k->val[8 + i])
                return false;
        }
        return true;
    }
    return c->sta.passphrase_len == pl && !memcmp(c->sta.passphrase, ap->password, pl);
}

static void join_failed(bcm43362 *c, uint32_t prune)
{
    if (prune)
        bcm_event(c, 0, WLC_E_PRUNE, 0, prune, 0, 0, NULL, NULL, 0);
    bcm_event(c, 0, WLC_E_SET_SSID, STATUS_NO_NETWORKS, 0, 0, 0, NULL, NULL, 0);
    bcm_log(c, LOG_WIFI, "join '%.*s' failed: %s", c->sta.ssid_len, (const char *)c->sta.ssid,
            prune ? "security does not match" : "no such network");
    c->sta.state = BCM_STA_IDLE;
}

static void join_step(void *arg)
{
    bcm43362 *c = arg;
    if (c->sta.state != BCM_STA_JOINING)
        return;
    const radio_ap *ap = c->sta.step ? (c->air ? radio_find_id(c->air, c->sta.ap_id) : NULL)
                                     : join_target(c);
    if (!ap) {
        if (c->sta.step)
            link_down(c, true);
        else
            join_failed(c, 0);
        return;
    }
    uint32_t why;
    bool wpa = ap->security == WIFI_WPA || ap->security == WIFI_WPA2;
    switch (c->sta.step++) {
    case 0:
        if ((why = security_mismatch(c, ap))) {
            join_failed(c, why);
            return;
        }
        c->sta.ap = *ap;
        c->sta.ap_id = ap->id;
        c->sta.key_ok = key_matches(c, ap);
        bcm_event(c, 0, WLC_E_AUTH, STATUS_SUCCESS, 0, 0, 0, ap->bssid, NULL, 0);
        bcm_event(c, STEP_PS, WLC_E_LINK, 0, 0, LINK_UP_FLAG, 0, ap->bssid, NULL, 0);
        bcm_event(c, STEP_PS, WLC_E_SET_SSID, STATUS_SUCCESS, 0, 0, 0, ap->bssid, NULL, 0);
        if (!wpa) {
            associated(c, c->sta.key_ok ? "" : " (with the wrong WEP key: no frame passes)");
            return;
        }
        if (c->sta.key_ok) {
            clock_arm(&c->m->clock, &c->sta.ev, machine_now(c->m) + 5 * STEP_PS);
        } else {
            uint32_t tmo = bcm_setting_u32(c, WLC_SET_VAR, "sup_wpa_tmo", 0, 2500);
            clock_arm(&c->m->clock, &c->sta.ev,
                      machine_now(c->m) + (tmo ? tmo : 2500) * PS_PER_MS);
        }
        return;
    case 1:
        if (c->sta.key_ok) {
            bcm_event(c, 0, WLC_E_PSK_SUP, SUP_KEYED, 0, 0, 0, ap->bssid, NULL, 0);
            associated(c, " (keys installed)");
        } else {
            bcm_event(c, 0, WLC_E_PSK_SUP, SUP_WAIT_M3, SUP_REASON_PSK_TMO, 0, 0, ap->bssid, NULL, 0);
            bcm_log(c, LOG_WIFI, "join '%s' failed: 4-way handshake timed out (wrong passphrase)",
                    ap->ssid);
            link_down(c, true);
        }
        return;
    }
}

int bcm_wlan_disassoc(bcm43362 *c)
{
    if (c->sta.state == BCM_STA_IDLE)
        return BCME_OK;
    bool was = c->sta.state == BCM_STA_ASSOCIATED;
    if (was)
        bcm_event(c, 0, WLC_E_DISASSOC, STATUS_SUCCESS, 0, 0, 0, c->sta.ap.bssid, NULL, 0);
    link_down(c, false);
    return BCME_OK;
}

static void radio_changed(void *ctx, radio_event ev, const radio_ap *ap)
{
    bcm43362 *c = ctx;
    if (c->sta.state != BCM_STA_ASSOCIATED || ap->id != c->sta.ap_id)
        return;
    if (ev == RADIO_AP_CHANGED && ap->security == c->sta.ap.security &&
        !strcmp(ap->password, c->sta.ap.password) && ap->channel == c->sta.ap.channel) {
        c->sta.ap.rssi = ap->rssi;
        return;
    }
    bcm_log(c, LOG_WIFI, "access point '%s' %s: link lost", c->sta.ap.ssid,
            ev == RADIO_AP_REMOVED ? "went away" : "changed");
    link_down(c, true);
}

bool bcm43362_associated(const bcm43362 *c, char ssid[33])
{
    if (c->sta.state != BCM_STA_ASSOCIATED)
        return false;
    if (ssid)
        snprintf(ssid, 33, "%s", c->sta.ap.ssid);
    return true;
}

/* ---- soft AP ------------------------------------------------------------------ */

int bcm_wlan_bss(bcm43362 *c, uint32_t cfg, bool up)
{
    if (cfg == 0)
        return BCME_OK; /* the station's bsscfg is always there */
    if (cfg != 1)
        return BCME_NOTFOUND;
    if (up && !c->up)
        return BCME_NOTUP;
    if (up == c->ap.up)
        return BCME_OK;
    c->ap.up = up;
    memcpy(c->ap.mac, c->mac, 6);
    c->ap.mac[0] ^= 0x02; /* the second interface: the locally administered bit flipped */
    memcpy(c->ap_net.mac, c->ap.mac, 6);
    if (up)
        radio_softap(c->air, &c->ap_net, true);
    netdev_set_link(&c->ap_net, up);
    if (!up)
        radio_softap(c->air, &c->ap_net, false);
    bcm_log(c, LOG_WIFI, "soft AP '%.*s' on channel %d %s", c->ap.ssid_len,
            (const char *)c->ap.ssid, c->ap.channel, up ? "up" : "down");
    bcm_event(c, STEP_PS, WLC_E_LINK, 0, 0, up ? LINK_UP_FLAG : 0, 1, c->ap.mac, NULL, 0);
    return BCME_OK;
}

/* ---- data --------------------------------------------------------------------- */

void bcm_wlan_tx(bcm43362 *c, int ifidx, const uint8_t *eth, uint32_t len)
{
    bool ok = ifidx == 0 ? c->sta.state == BCM_STA_ASSOCIATED : ifidx == 1 && c->ap.up;
    if (len < 14) {
        bcm_log(c, LOG_GUEST, "data frame of %u bytes: shorter than an Ethernet header", len);
        return;
    }
    if (!ok) {
        bcm_log(c, LOG_WIFI, "data frame on interface %d dropped: not connected", ifidx);
        return;
    }
    c->data_out++;
    if (ifidx == 0 && !c->sta.key_ok)
        return; /* wrong WEP key: the access point cannot decrypt it */
    netdev_transmit(ifidx == 0 ? &c->sta_net : &c->ap_net, eth, len);
}

/* Frames from the network wait in the netdev while the queue towards the
 * host is nearly full (room stays for events and ioctl replies). */
static bool can_receive(void *opaque)
{
    bcm43362 *c = opaque;
    return bcm_fw_up(c) && c->rxq_n < BCM_MAX_QUEUE - 16;
}

static void receive(bcm43362 *c, int ifidx, const uint8_t *frame, size_t len)
{
    if (ifidx == 0 && !c->sta.key_ok)
        return; /* wrong WEP key: nothing decrypts */
    uint8_t bdc[BDC_HDR] = {0x20, 0, (uint8_t)ifidx, 0};
    if (bcm_send(c, 0, SDPCM_DATA, bdc, sizeof(bdc), frame, len))
        c->data_in++;
}

static void sta_receive(void *opaque, const uint8_t *frame, size_t len)
{
    receive(opaque, 0, frame, len);
}

static void ap_receive(void *opaque, const uint8_t *frame, size_t len)
{
    receive(opaque, 1, frame, len);
}

static const netdev_nic_ops sta_ops = {can_receive, sta_receive, NULL};
static const netdev_nic_ops ap_ops = {can_receive, ap_receive, NULL};

void bcm_wlan_host_ready(bcm43362 *c)
{
    netdev_nic_ready(&c->sta_net);
    netdev_nic_ready(&c->ap_net);
}

netdev *bcm43362_netdev(bcm43362 *c, int ifidx)
{
    return ifidx == 0 ? &c->sta_net : ifidx == 1 ? &c->ap_net : NULL;
}
