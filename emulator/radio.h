/* The radio environment: the Wi-Fi access points around the devices. It
 * lives outside any chip model, so that several devices in one process
 * share it, and what is on the network behind an access point is attached
 * to the access point, not to a chip.
 *
 * An access point is given as "ssid=Home,security=wpa2,password=secret,
 * rssi=-50,channel=6" (--wifi-ap, scenario `wifi-ap:`). Chips look access
 * points up when they scan or join and are told when one changes or goes
 * away (radio_listen). */
#ifndef PHOTON_RADIO_H
#define PHOTON_RADIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

typedef struct radio {
    radio_ap ap[RADIO_MAX_APS];
    int n;
    uint32_t next_id;
    struct {
        void (*fn)(void *ctx, radio_event ev, const radio_ap *ap);
        void *ctx;
    } listener[RADIO_MAX_LISTENERS];
    int nlisteners;
} radio;

/* The access point a radio has when none is configured: open, so that a
 * scan is not empty. */
#define RADIO_DEFAULT_SSID "photon-sim"

void radio_init(radio *r);
/* Add the default access point if there is none. */
void radio_add_default(radio *r);
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

#endif
