/* The radio environment (see radio.h). */
#include "radio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const security_names[] = {"open", "wep", "wpa", "wpa2"};

const char *radio_security_name(wifi_security s)
{
    return (unsigned)s < 4 ? security_names[s] : "?";
}

void radio_init(radio *r)
{
    memset(r, 0, sizeof(*r));
    r->next_id = 1;
}

/* A locally administered BSSID that depends only on the SSID, so the same
 * configuration gives the same scan results. */
static void derive_bssid(radio_ap *ap)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < ap->ssid_len; i++)
        h = (h ^ (uint8_t)ap->ssid[i]) * 16777619u;
    ap->bssid[0] = 0x02;
    ap->bssid[1] = 0x50;
    ap->bssid[2] = (uint8_t)(h >> 24);
    ap->bssid[3] = (uint8_t)(h >> 16);
    ap->bssid[4] = (uint8_t)(h >> 8);
    ap->bssid[5] = (uint8_t)h;
}

static void notify(radio *r, radio_event ev, const radio_ap *ap)
{
    for (int i = 0; i < r->nlisteners; i++)
        r->listener[i].fn(r->listener[i].ctx, ev, ap);
}

void radio_add_default(radio *r, const char *ssid)
{
    if (r->n)
        return;
    radio_ap ap;
    char spec[64], err[64];
    snprintf(spec, sizeof(spec), "ssid=%s", ssid);
    radio_parse_ap(spec, &ap, err, sizeof(err));
    radio_set_ap(r, &ap, err, sizeof(err));
}

static int parse_int(const char *v, size_t n, long lo, long hi, long *out)
{
    char buf[24];
    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, v, n);
    buf[n] = 0;
    char *end;
    long x = strtol(buf, &end, 10);
    if (*end || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

static int parse_mac(const char *v, size_t n, uint8_t mac[6])
{
    unsigned b[6];
    char buf[24], tail;
    if (n >= sizeof(buf))
        return -1;
    memcpy(buf, v, n);
    buf[n] = 0;
    if (sscanf(buf, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
               &tail) != 6)
        return -1;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)b[i];
    return 0;
}

int radio_parse_ap(const char *spec, radio_ap *ap, char *err, size_t errlen)
{
    memset(ap, 0, sizeof(*ap));
    ap->security = WIFI_OPEN;
    ap->rssi = -50;
    ap->channel = 6;
    bool have_ssid = false, have_bssid = false, have_security = false;
    const char *p = spec;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (!eq) {
            snprintf(err, errlen, "wifi AP '%s': '%.*s' is not KEY=VALUE", spec, (int)n, p);
            return -1;
        }
        size_t kn = (size_t)(eq - p), vn = n - kn - 1;
        const char *v = eq + 1;
        long x;
#define KEY(s) (kn == strlen(s) && !strncmp(p, s, kn))
        if (KEY("ssid")) {
            if (vn == 0 || vn > 32) {
                snprintf(err, errlen, "wifi AP '%s': the SSID must have 1 to 32 characters", spec);
                return -1;
            }
            memcpy(ap->ssid, v, vn);
            ap->ssid[vn] = 0;
            ap->ssid_len = (uint8_t)vn;
            have_ssid = true;
        } else if (KEY("security")) {
            int s = -1;
            for (int i = 0; i < 4; i++)
                if (vn == strlen(security_names[i]) && !strncmp(v, security_names[i], vn))
                    s = i;
            if (s < 0) {
                snprintf(err, errlen, "wifi AP '%s': security '%.*s' is not open, wep, wpa or wpa2",
                         spec, (int)vn, v);
                return -1;
            }
            ap->security = (wifi_security)s;
            have_security = true;
        } else if (KEY("password")) {
            if (vn > 64) {
                snprintf(err, errlen, "wifi AP '%s': the password is longer than 64 characters",
                         spec);
                return -1;
            }
            memcpy(ap->password, v, vn);
            ap->password[vn] = 0;
        } else if (KEY("rssi")) {
            if (parse_int(v, vn, -100, -10, &x)) {
                snprintf(err, errlen, "wifi AP '%s': rssi must be dBm from -100 to -10", spec);
                return -1;
            }
            ap->rssi = (int)x;
        } else if (KEY("channel")) {
            if (parse_int(v, vn, 1, 14, &x)) {
                snprintf(err, errlen, "wifi AP '%s': channel must be 1 to 14 (2.4 GHz)", spec);
                return -1;
            }
            ap->channel = (int)x;
        } else if (KEY("bssid")) {
            if (parse_mac(v, vn, ap->bssid)) {
                snprintf(err, errlen, "wifi AP '%s': bssid must be like 02:11:22:33:44:55", spec);
                return -1;
            }
            have_bssid = true;
        } else {
            snprintf(err, errlen,
                     "wifi AP '%s': unknown key '%.*s' (ssid, security, password, rssi, channel, "
                     "bssid)",
                     spec, (int)kn, p);
            return -1;
        }
#undef KEY
        p += n;
        if (*p == ',')
            p++;
    }
    if (!have_ssid) {
        snprintf(err, errlen, "wifi AP '%s': ssid= is required", spec);
        return -1;
    }
    if (!have_security && ap->password[0])
        ap->security = WIFI_WPA2; /* a password alone means the common case */
    size_t pl = strlen(ap->password);
    if (ap->security == WIFI_OPEN && pl) {
        snprintf(err, errlen, "wifi AP '%s': an open network has no password", spec);
        return -1;
    }
    if ((ap->security == WIFI_WPA || ap->security == WIFI_WPA2) && (pl < 8 || pl > 64)) {
        snprintf(err, errlen, "wifi AP '%s': a WPA passphrase has 8 to 63 characters (or 64 hex)",
                 spec);
        return -1;
    }
    if (ap->security == WIFI_WEP && pl != 5 && pl != 13 && pl != 10 && pl != 26) {
        snprintf(err, errlen,
                 "wifi AP '%s': a WEP key has 5 or 13 characters (or 10 or 26 hex digits)", spec);
        return -1;
    }
    if (!have_bssid)
        derive_bssid(ap);
    return 0;
}

int radio_set_ap(radio *r, const radio_ap *ap, char *err, size_t errlen)
{
    for (int i = 0; i < r->n; i++) {
        if (r->ap[i].ssid_len == ap->ssid_len && !memcmp(r->ap[i].ssid, ap->ssid, ap->ssid_len)) {
            uint32_t id = r->ap[i].id;
            r->ap[i] = *ap;
            r->ap[i].id = id;
            notify(r, RADIO_AP_CHANGED, &r->ap[i]);
            return 0;
        }
    }
    if (r->n >= RADIO_MAX_APS) {
        snprintf(err, errlen, "more than %d access points", RADIO_MAX_APS);
        return -1;
    }
    r->ap[r->n] = *ap;
    r->ap[r->n].id = r->next_id++;
    notify(r, RADIO_AP_ADDED, &r->ap[r->n]);
    r->n++;
    return 0;
}

int radio_remove_ap(radio *r, const char *ssid)
{
    for (int i = 0; i < r->n; i++) {
        if (!strcmp(r->ap[i].ssid, ssid)) {
            radio_ap gone = r->ap[i];
            memmove(&r->ap[i], &r->ap[i + 1], (size_t)(r->n - i - 1) * sizeof(r->ap[0]));
            r->n--;
            notify(r, RADIO_AP_REMOVED, &gone);
            return 0;
        }
    }
    return -1;
}

const radio_ap *radio_find(const radio *r, const uint8_t *ssid, size_t len)
{
    for (int i = 0; i < r->n; i++)
        if (r->ap[i].ssid_len == len && !memcmp(r->ap[i].ssid, ssid, len))
            return &r->ap[i];
    return NULL;
}

const radio_ap *radio_find_id(const radio *r, uint32_t id)
{
    for (int i = 0; i < r->n; i++)
        if (r->ap[i].id == id)
            return &r->ap[i];
    return NULL;
}

void radio_listen(radio *r, void (*fn)(void *ctx, radio_event ev, const radio_ap *ap), void *ctx)
{
    if (r->nlisteners < RADIO_MAX_LISTENERS) {
        r->listener[r->nlisteners].fn = fn;
        r->listener[r->nlisteners].ctx = ctx;
        r->nlisteners++;
    }
}

void radio_unlisten(radio *r, void *ctx)
{
    for (int i = 0; i < r->nlisteners; i++) {
        if (r->listener[i].ctx == ctx) {
            memmove(&r->listener[i], &r->listener[i + 1],
                    (size_t)(r->nlisteners - i - 1) * sizeof(r->listener[0]));
            r->nlisteners--;
            i--;
        }
    }
}

void radio_set_net(radio *r, const radio_net_ops *ops, void *ctx)
{
    r->net = ops;
    r->net_ctx = ops ? ctx : NULL;
}

void radio_station(radio *r, netdev *sta, const radio_ap *ap)
{
    if (r && r->net && r->net->station)
        r->net->station(r->net_ctx, sta, ap);
}

void radio_softap(radio *r, netdev *ap, bool up)
{
    if (r && r->net && r->net->softap)
        r->net->softap(r->net_ctx, ap, up);
}
