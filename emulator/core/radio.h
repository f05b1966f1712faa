/* The radio environment: the Wi-Fi access points around the devices, a
 * port between the Wi-Fi chip models and the world (like netdev.h). It
 * lives outside any chip model, so that several devices in one process
 * share it, and what is on the network behind an access point is attached
 * to the access point, not to a chip.
 *
 * An access point is given as "ssid=Home,security=wpa2,password=secret,
 * rssi=-50,channel=6" (--wifi-ap, scenario `wifi-ap:`). Chips look access
 * points up when they scan or join and are told when one changes or goes
 * away (radio_listen).
 *
 * What lies behind the access points (the world's networks) is told by the
 * chips when a station interface associates with an access point or
 * leaves it, and when a chip's own soft AP comes up or goes down
 * (radio_set_net): the chip never knows what network that is. */
#ifndef CORE_RADIO_H
#define CORE_RADIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netdev.h"

#define RADIO_MAX_APS 16
#define RADIO_MAX_LISTENERS 8

typedef enum {
    WIFI_OPEN,
    WIFI_WEP,  /* WEP with open-system authentication */
    WIFI_WPA,  /* WPA-PSK, TKIP */
    WIFI_WPA2, /* WPA2-PSK, AES (CCMP) */
} wifi_security;

typedef struct radio_ap {
    char ssid[33];
    uint8_t ssid_len;
    wifi_security security;
    char password[65];
    int rssi;    /* dBm at the devices */
    int channel; /* 1..14 */
    uint8_t bssid[6];
    uint32_t id; /* unique in this radio, changes when the AP is replaced */
} radio_ap;

typedef enum { RADIO_AP_ADDED, RADIO_AP_CHANGED, RADIO_AP_REMOVED } radio_event;

/* The networks behind the air. `station`: the station interface `sta`
 * joined access point `ap` (NULL: it left); `softap`: a chip's own soft AP
 * interface came up or went down. */
typedef struct radio_net_ops {
    void (*station)(void *ctx, netdev *sta, const radio_ap *ap);
    void (*softap)(void *ctx, netdev *ap, bool up);
} radio_net_ops;

typedef struct radio {
    radio_ap ap[RADIO_MAX_APS];
    int n;
    uint32_t next_id;
    struct {
        void (*fn)(void *ctx, radio_event ev, const radio_ap *ap);
        void *ctx;
    } listener[RADIO_MAX_LISTENERS];
    int nlisteners;
    const radio_net_ops *net;
    void *net_ctx;
} radio;

void radio_init(radio *r);
/* Add an open access point named `ssid` if there is none, so that a scan
 * is not empty. */
void radio_add_default(radio *r, const char *ssid);
/* Parse "ssid=...,security=...,password=...,rssi=...,channel=...,bssid=..."
 * (only ssid is required). Returns 0, or -1 with a message naming what is
 * wrong. */
int radio_parse_ap(const char *spec, radio_ap *ap, char *err, size_t errlen);
/* Add an access point, or change the one with the same SSID. */
int radio_set_ap(radio *r, const radio_ap *ap, char *err, size_t errlen);
/* Remove the access point with this SSID; -1 if there is none. */
int radio_remove_ap(radio *r, const char *ssid);
/* The access point with this SSID (not NUL-terminated, `len` bytes). */
const radio_ap *radio_find(const radio *r, const uint8_t *ssid, size_t len);
const radio_ap *radio_find_id(const radio *r, uint32_t id);
void radio_listen(radio *r, void (*fn)(void *ctx, radio_event ev, const radio_ap *ap),
                  void *ctx);
void radio_unlisten(radio *r, void *ctx);
const char *radio_security_name(wifi_security s);
/* The networks behind the access points (NULL: none, frames go nowhere). */
void radio_set_net(radio *r, const radio_net_ops *ops, void *ctx);
/* Called by the chips: a station associated (`ap`) or left (NULL); a soft
 * AP up or down. */
void radio_station(radio *r, netdev *sta, const radio_ap *ap);
void radio_softap(radio *r, netdev *ap, bool up);

#endif
