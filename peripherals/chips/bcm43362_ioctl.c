/* BCM43362: the CDC ioctl/iovar responder (Broadcom's "wl" commands; the
 * numbers are those of WICED wwd_wlioctl.h).
 *
 * A control frame carries a CDC header (command, length, flags with the
 * interface index and the request id, status) and the request's data; the
 * reply echoes the header with the status (flags bit 0 on error) and
 * carries the data: for a GET the value at offset 0 of a buffer as long as
 * the request's, for a SET the request's data. Iovars (WLC_GET_VAR and
 * WLC_SET_VAR) carry "name\0" and then their parameters, the bsscfg index
 * first for "bsscfg:name".
 * The chip keeps every value the host SETs and answers a later GET of the
 * same ioctl (SET number - 1) or iovar with it; what the model computes
 * instead: the magic and version, WLC_UP/DOWN, the association (SSID,
 * BSSID, channel, RSSI, BSS info, noise, rate), "cur_etheraddr" (the
 * NVRAM's MAC), "ver" (read from the downloaded firmware), "rand", "bss"
 * (whether a bsscfg is up), and the requests that start something: scans
 * ("escan"), joins (WLC_SET_SSID, "join"), WLC_DISASSOC, the soft AP
 * ("bss" up/down) and the passphrase (WLC_SET_WSEC_PMK). A GET of a value
 * never set reads as zeros. Replies take BCM_IOCTL_PS of chip time. */
#include "bcm43362_internal.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

#define BCM_IOCTL_PS (200 * PS_PER_US)
#define CDCF_ERROR 0x01u
#define CDCF_SET 0x02u
#define WLC_IOCTL_MAGIC 0x14e46c77u
#define REPLY_MAX 1500u

enum {
    WLC_GET_MAGIC = 0, WLC_GET_VERSION = 1, WLC_UP = 2, WLC_DOWN = 3, WLC_GET_RATE = 12,
    WLC_GET_BSSID = 23, WLC_GET_SSID = 25, WLC_SET_SSID = 26, WLC_GET_CHANNEL = 29,
    WLC_SET_CHANNEL = 30, WLC_DISASSOC = 52, WLC_GET_RSSI = 127, WLC_GET_PHY_NOISE = 135,
    WLC_GET_BSS_INFO = 136, WLC_GET_UP = 162, WLC_GET_VAR = 262, WLC_SET_VAR = 263,
    WLC_SET_WSEC_PMK = 268,
};

static const struct {
    uint16_t cmd;
    const char *name;
} names[] = {
    {0, "GET_MAGIC"}, {1, "GET_VERSION"}, {2, "UP"}, {3, "DOWN"}, {12, "GET_RATE"},
    {19, "GET_INFRA"}, {20, "SET_INFRA"}, {21, "GET_AUTH"}, {22, "SET_AUTH"},
    {23, "GET_BSSID"}, {25, "GET_SSID"}, {26, "SET_SSID"}, {29, "GET_CHANNEL"},
    {30, "SET_CHANNEL"}, {49, "SET_PASSIVE_SCAN"}, {50, "SCAN"}, {52, "DISASSOC"},
    {55, "SET_ROAM_TRIGGER"}, {57, "SET_ROAM_DELTA"}, {59, "SET_ROAM_SCAN_PERIOD"},
    {62, "SET_TXANT"}, {64, "SET_ANTDIV"}, {78, "SET_DTIMPRD"}, {84, "SET_COUNTRY"},
    {85, "GET_PM"}, {86, "SET_PM"}, {110, "SET_GMODE"}, {127, "GET_RSSI"},
    {133, "GET_WSEC"}, {134, "SET_WSEC"}, {135, "GET_PHY_NOISE"}, {136, "GET_BSS_INFO"},
    {162, "GET_UP"}, {164, "GET_WPA_AUTH"}, {165, "SET_WPA_AUTH"}, {262, "GET_VAR"},
    {263, "SET_VAR"}, {268, "SET_WSEC_PMK"},
};

static const char *ioctl_name(uint32_t cmd)
{
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (names[i].cmd == cmd)
            return names[i].name;
    return NULL;
}

void bcm_ioctl_reset(bcm43362 *c)
{
    c->nset = 0;
    c->up = false;
    c->rand = 0x2545F4914F6CDD1Dull;
}

uint32_t bcm_random(bcm43362 *c)
{
    c->rand ^= c->rand << 13;
    c->rand ^= c->rand >> 7;
    c->rand ^= c->rand << 17;
    return (uint32_t)(c->rand >> 16);
}

const bcm_setting *bcm_setting_get(const bcm43362 *c, uint32_t cmd, const char *name, uint32_t bss)
{
    for (int i = 0; i < c->nset; i++) {
        const bcm_setting *s = &c->set[i];
        if (s->cmd == cmd && s->bss == bss && !strcmp(s->name, name ? name : ""))
            return s;
    }
    return NULL;
}

uint32_t bcm_setting_u32(const bcm43362 *c, uint32_t cmd, const char *name, uint32_t bss,
                         uint32_t dflt)
{
    const bcm_setting *s = bcm_setting_get(c, cmd, name, bss);
    return s && s->len >= 4 ? rd32(s->val) : dflt;
}

static void remember(bcm43362 *c, uint32_t cmd, const char *name, uint32_t bss,
                     const uint8_t *val, uint32_t len)
{
    bcm_setting *s = (bcm_setting *)bcm_setting_get(c, cmd, name, bss);
    if (!s) {
        if (c->nset >= BCM_SETTINGS) {
            bcm_log(c, LOG_WIFI, "more than %d distinct settings: %s not kept", BCM_SETTINGS,
                    name && *name ? name : "ioctl");
            return;
        }
        s = &c->set[c->nset++];
        memset(s, 0, sizeof(*s));
        s->cmd = cmd;
        s->bss = bss;
        snprintf(s->name, sizeof(s->name), "%s", name ? name : "");
    }
    s->len = (uint8_t)(len > sizeof(s->val) ? sizeof(s->val) : len);
    memcpy(s->val, val, s->len);
}

/* "ver": from the strings of the downloaded firmware ("x.y.z.w" followed
 * by its "... version %s FWID ..." format, date and time). */
static void version_string(bcm43362 *c, char *out, size_t n)
{
    const char *ram = (const char *)c->ram;
    const char *fmt = NULL;
    for (uint32_t i = 0; i + 16 < BCM_RAM_SIZE && !fmt; i++)
        if (ram[i] == 'v' && !memcmp(ram + i, "version %s FWID", 15))
            fmt = ram + i;
    const char *ver = NULL, *date = NULL, *time = NULL;
    if (fmt) {
        const char *p = fmt;
        while (p > ram && p[-1])
            p--; /* start of the format string */
        const char *q = p - 1;
        while (q > ram && q[-1] == 0)
            q--;
        const char *v = q;
        while (v > ram && v[-1])
            v--;
        if (q > v && q - v < 24)
            ver = v;
        const char *e = p + strnlen(p, 64) + 1;
        if (e + 24 < ram + BCM_RAM_SIZE && strnlen(e, 16) == 11) {
            date = e;
            time = e + 12;
            if (strnlen(time, 16) != 8)
                time = NULL;
        }
    }
    uint32_t fwid = 2166136261u;
    for (uint32_t i = 0; i < 0x400; i++)
        fwid = (fwid ^ (uint8_t)ram[i]) * 16777619u;
    snprintf(out, n, "wl0: %s %s version %s FWID 01-%x\n", date ? date : "", time ? time : "",
             ver ? ver : "unknown", fwid);
}

/* A GET the model computes; returns a BCME status, or 1 to fall back to
 * the stored value. `p` holds the request's parameters (after the iovar
 * name) and receives the answer. */
static int get_var(bcm43362 *c, const char *name, uint32_t bss, uint8_t *out, uint32_t room)
{
    if (!strcmp(name, "cur_etheraddr")) {
        memcpy(out, bss == 1 ? c->ap.mac : c->mac, 6);
        return BCME_OK;
    }
    if (!strcmp(name, "ver")) {
        version_string(c, (char *)out, room);
        return BCME_OK;
    }
    if (!strcmp(name, "rand")) {
        wr32(out, bcm_random(c));
        return BCME_OK;
    }
    if (!strcmp(name, "bss")) {
        uint32_t cfg = rd32(out);
        if (cfg > 1)
            return BCME_NOTFOUND;
        wr32(out, cfg == 1 ? c->ap.up : c->up);
        return BCME_OK;
    }
    return 1;
}

static int set_var(bcm43362 *c, const char *name, uint32_t bss, const uint8_t *v, uint32_t n)
{
    if (!strcmp(name, "escan"))
        return bcm_wlan_escan(c, v, n);
    if (!strcmp(name, "join")) {
        if (n < 36 || rd32(v) > 32)
            return BCME_BADARG;
        const uint8_t *bssid = n >= 62 ? v + 56 : NULL;
        int ch = n >= 70 && rd32(v + 64) ? v[68] : 0;
        return bcm_wlan_join(c, v + 4, rd32(v), bssid, ch);
    }
    if (!strcmp(name, "bss")) {
        if (n < 8)
            return BCME_BADLEN;
        return bcm_wlan_bss(c, rd32(v), rd32(v + 4) != 0);
    }
    if (!strcmp(name, "ssid") && bss == 1 && n >= 4) {
        uint32_t l = rd32(v);
        if (l > 32 || l + 4 > n)
            return BCME_BADSSIDLEN;
        memcpy(c->ap.ssid, v + 4, l);
        c->ap.ssid_len = (uint8_t)l;
    }
    return BCME_OK;
}

/* An ioctl that is not an iovar. */
static int plain_ioctl(bcm43362 *c, uint32_t cmd, bool set, uint32_t ifidx, const uint8_t *in,
                       uint32_t inlen, uint8_t *out, uint32_t room)
{
    bool sta = ifidx == 0, assoc = c->sta.state == BCM_STA_ASSOCIATED;
    switch (cmd) {
    case WLC_GET_MAGIC: wr32(out, WLC_IOCTL_MAGIC); return BCME_OK;
    case WLC_GET_VERSION: wr32(out, 1); return BCME_OK;
    case WLC_UP: c->up = true; return BCME_OK;
    case WLC_DOWN:
        c->up = false;
        bcm_wlan_disassoc(c);
        return BCME_OK;
    case WLC_GET_UP: wr32(out, c->up); return BCME_OK;
    case WLC_SET_SSID:
        if (inlen < 4 || rd32(in) > 32 || rd32(in) + 4 > inlen)
            return BCME_BADSSIDLEN;
        if (!sta) {
            memcpy(c->ap.ssid, in + 4, rd32(in));
            c->ap.ssid_len = (uint8_t)rd32(in);
            return BCME_OK;
        }
        return bcm_wlan_join(c, in + 4, rd32(in), NULL, 0);
    case WLC_DISASSOC: return bcm_wlan_disassoc(c);
    case WLC_SET_CHANNEL:
        if (inlen < 4 || rd32(in) < 1 || rd32(in) > 14)
            return BCME_BADCHAN;
        if (!sta)
            c->ap.channel = (int)rd32(in);
        return 1;
    case WLC_SET_WSEC_PMK: {
        if (inlen < 4 || rd16(in) > 64 || rd16(in) + 4u > inlen)
            return BCME_BADLEN;
        if (sta) {
            c->sta.passphrase_len = (uint8_t)rd16(in);
            memcpy(c->sta.passphrase, in + 4, c->sta.passphrase_len);
        }
        return 1;
    }
    }
    if (set)
        return 1;
    switch (cmd) {
    case WLC_GET_BSSID:
        if (!sta) {
            memcpy(out, c->ap.mac, 6);
            return BCME_OK;
        }
        if (!assoc)
            return BCME_NOTASSOCIATED;
        memcpy(out, c->sta.ap.bssid, 6);
        return BCME_OK;
    case WLC_GET_SSID:
        if (!sta) {
            wr32(out, c->ap.ssid_len);
            memcpy(out + 4, c->ap.ssid, c->ap.ssid_len);
            return BCME_OK;
        }
        wr32(out, assoc ? c->sta.ap.ssid_len : 0);
        if (assoc)
            memcpy(out + 4, c->sta.ap.ssid, c->sta.ap.ssid_len);
        return BCME_OK;
    case WLC_GET_CHANNEL: {
        uint32_t ch = !sta ? (uint32_t)c->ap.channel : assoc ? (uint32_t)c->sta.ap.channel : 1;
        wr32(out, ch);
        if (room >= 12) {
            wr32(out + 4, ch);
            wr32(out + 8, 0);
        }
        return BCME_OK;
    }
    case WLC_GET_RSSI:
        if (sta && !assoc)
            return BCME_NOTASSOCIATED;
        wr32(out, (uint32_t)(sta ? c->sta.ap.rssi : -50));
        return BCME_OK;
    case WLC_GET_PHY_NOISE: wr32(out, (uint32_t)-92); return BCME_OK;
    case WLC_GET_RATE: wr32(out, assoc ? 108 : 0); return BCME_OK; /* 54 Mbit/s */
    case WLC_GET_BSS_INFO:
        if (!assoc)
            return BCME_NOTASSOCIATED;
        if (room < 4 + 128)
            return BCME_BUFTOOSHORT;
        wr32(out, room);
        bcm_bss_info(c, &c->sta.ap, out + 4, room - 4);
        return BCME_OK;
    }
    return 1;
}

void bcm_ioctl(bcm43362 *c, const uint8_t *cdc, const uint8_t *data, uint32_t datalen)
{
    uint32_t cmd = rd32(cdc), len = rd32(cdc + 4), flags = rd32(cdc + 8);
    uint32_t ifidx = (flags >> 12) & 0xF;
    bool set = flags & CDCF_SET;
    static uint8_t out[REPLY_MAX];
    uint32_t outlen = set ? datalen : (len < REPLY_MAX ? len : REPLY_MAX);
    if (outlen > REPLY_MAX)
        outlen = REPLY_MAX;
    memset(out, 0, sizeof(out));
    int status;
    char name[48] = "";
    c->ioctls++;
    if (cmd == WLC_GET_VAR || cmd == WLC_SET_VAR) {
        size_t nl = strnlen((const char *)data, datalen < 47 ? datalen : 47);
        memcpy(name, data, nl);
        name[nl] = 0;
        const uint8_t *p = data + (nl < datalen ? nl + 1 : datalen);
        uint32_t plen = datalen - (uint32_t)(p - data);
        const char *base = name;
        uint32_t bss = ifidx;
        if (!strncmp(name, "bsscfg:", 7)) {
            base = name + 7;
            bss = plen >= 4 ? rd32(p) : 0;
            p += plen >= 4 ? 4 : plen;
            plen -= plen >= 4 ? 4 : plen;
        }
        if (!nl) {
            status = BCME_BADARG;
        } else if (set) {
            status = set_var(c, base, bss, p, plen);
            if (status == BCME_OK)
                remember(c, WLC_SET_VAR, base, bss, p, plen);
            memcpy(out, data, outlen);
        } else {
            memcpy(out, p, plen < outlen ? plen : outlen); /* parameters in, value out */
            status = get_var(c, base, bss, out, outlen);
            if (status == 1) {
                const bcm_setting *s = bcm_setting_get(c, WLC_SET_VAR, base, bss);
                memset(out, 0, outlen);
                if (s)
                    memcpy(out, s->val, s->len < outlen ? s->len : outlen);
                status = BCME_OK;
            }
        }
    } else {
        status = plain_ioctl(c, cmd, set, ifidx, data, datalen, out, outlen);
        if (status == 1) {
            status = BCME_OK;
            if (set) {
                remember(c, cmd, NULL, ifidx, data, datalen);
            } else {
                const bcm_setting *s = bcm_setting_get(c, cmd + 1, NULL, ifidx);
                if (s)
                    memcpy(out, s->val, s->len < outlen ? s->len : outlen);
            }
        }
        if (set)
            memcpy(out, data, outlen);
    }
    if (bcm_logging(c)) {
        const char *n = ioctl_name(cmd);
        char num[16];
        snprintf(num, sizeof(num), "%u", cmd);
        /* a SET of one 32-bit value shows it (after the iovar name and bsscfg index) */
        char val[24] = "";
        uint32_t vo = *name ? (uint32_t)strlen(name) + 1 + (strncmp(name, "bsscfg:", 7) ? 0 : 4) : 0;
        if (set && datalen == vo + 4)
            snprintf(val, sizeof(val), " = 0x%x", rd32(data + vo));
        bcm_log(c, LOG_WIFI, "ioctl %s %s%s%s if%u len %u%s -> %d", set ? "SET" : "GET", n ? n : num,
                *name ? " " : "", name, ifidx, set ? datalen : len, val, status);
    }
    uint8_t hdr[CDC_HDR];
    wr32(hdr, cmd);
    wr32(hdr + 4, len);
    wr32(hdr + 8, status ? flags | CDCF_ERROR : flags & ~CDCF_ERROR);
    wr32(hdr + 12, (uint32_t)status);
    bcm_send(c, BCM_IOCTL_PS, SDPCM_CONTROL, hdr, sizeof(hdr), out, outlen);
}
