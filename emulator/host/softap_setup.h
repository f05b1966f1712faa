/* A SoftAP setup client: what a phone or `particle setup` does to give a
 * Photon in listening mode its Wi-Fi credentials, over the device's TCP
 * setup protocol (port 5609 on 192.168.0.1, reached through a host
 * forward). It runs the firmware's own commands, one TCP connection each:
 *
 *   scan-ap       the access points the device sees (security and channel
 *                 of the one to join come from there, as in the setup tools)
 *   public-key    the device's RSA key (hex SubjectPublicKeyInfo DER)
 *   configure-ap  the SSID and the passphrase RSA-encrypted (PKCS#1 v1.5)
 *                 to that key, hex; the firmware decrypts and stores them
 *   connect-ap    leave listening mode and join
 *
 * Request: "NAME\nLENGTH\n\nBODY"; reply: "\n\n" and a JSON object, then
 * the device closes the connection. Nothing is written into the device's
 * flash from outside: the firmware does all of it.
 *
 * The client is driven between run slices (softap_setup_poll, a runner
 * poller); its waits and timeouts are in virtual time. A command the
 * device does not answer yet (its server not listening, the connection
 * reset) is retried. */
#ifndef PHOTON_SOFTAP_SETUP_H
#define PHOTON_SOFTAP_SETUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "log.h"

typedef enum {
    SOFTAP_SETUP_IDLE,
    SOFTAP_SETUP_RUNNING,
    SOFTAP_SETUP_DONE,
    SOFTAP_SETUP_FAILED,
} softap_setup_state;

/* WICED security codes, as scan-ap reports them and configure-ap takes */
#define WICED_SEC_OPEN 0
#define WICED_SEC_WEP_PSK 0x00000001
#define WICED_SEC_WPA_TKIP_PSK 0x00200002
#define WICED_SEC_WPA2_AES_PSK 0x00400004

#define SOFTAP_SETUP_TRIES 30

typedef struct softap_setup softap_setup;

softap_setup *softap_setup_new(const vclock *clk, logger *log);
void softap_setup_free(softap_setup *s);
/* "SSID:PASSWORD" (`--wifi`); the password may be empty for an open
 * network and may contain ':'. Returns 0 or -1 with a message. */
int softap_setup_parse(const char *spec, char ssid[33], char password[65], char *err,
                       size_t errlen);
/* Start (or restart) giving these credentials to the device whose TCP
 * setup server is reachable at 127.0.0.1:port, first at virtual time
 * `not_before` (the device's servers start a little after its soft AP). */
void softap_setup_start(softap_setup *s, int port, const char *ssid, const char *password,
                        uint64_t not_before);
/* Work between slices; true if it did something. */
bool softap_setup_poll(softap_setup *s, int wait_ms);
softap_setup_state softap_setup_get_state(const softap_setup *s);
/* Why it failed, or what it did. */
const char *softap_setup_message(const softap_setup *s);
/* The scan list as the device reported it: "Home(wpa2,ch6) Office(open,ch1)". */
const char *softap_setup_scan(const softap_setup *s);

#endif
