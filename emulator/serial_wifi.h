/* Wi-Fi credentials given the way a Photon owner gives them without a
 * phone: on the USB serial, in listening mode, with the firmware's own
 * console command `w` (what `particle serial wifi` does). The firmware
 * prompts and stores what it is told:
 *
 *   SSID: Home
 *   Security 0=unsecured, 1=WEP, 2=WPA, 3=WPA2: 3     (when its scan did not
 *   Security Cipher 1=AES, 2=TKIP, 3=AES+TKIP: 1       find the network)
 *   Password: secret123
 *   ...  Particle <3 you!                              (or "Derp.": not saved)
 *
 * Nothing is written into the device's flash from outside. The answers to
 * the security prompts come from the access point of that SSID around
 * the device (open without a password, WPA2 otherwise when there is none).
 *
 * The console only runs in listening mode, which the helper recognises as
 * a user does, by the LED blinking blue. A device that runs Device OS
 * (its USB serial is there) but stays out of listening mode for 10 s gets
 * the SETUP button held for 3 s, as a user would do to enter it: so new
 * credentials reach a device that has others already, and several
 * credentials go in one after the other (the firmware leaves listening mode
 * after each). Everything happens in virtual time: a run stays
 * deterministic. */
#ifndef PHOTON_SERIAL_WIFI_H
#define PHOTON_SERIAL_WIFI_H

#include <stdbool.h>
#include <stddef.h>

#include "chardev.h"
#include "radio.h"
#include "session.h"

#define SERIAL_WIFI_MAX 5 /* credentials a Photon keeps */

typedef enum {
    SERIAL_WIFI_IDLE,
    SERIAL_WIFI_RUNNING,
    SERIAL_WIFI_DONE,
    SERIAL_WIFI_FAILED,
} serial_wifi_state;

typedef struct serial_wifi serial_wifi;

/* What the helper does, for the user (one line, no newline). */
typedef void (*serial_wifi_note_fn)(void *ctx, const char *msg);

/* On the device of session `s`, whose USB serial is `usb` (fronted by the
 * host's CDC-ACM driver), among the access points of `air`. */
serial_wifi *serial_wifi_new(session *s, chardev *usb, const radio *air,
                             serial_wifi_note_fn note, void *ctx);
/* Closes the port (if it opened it) and stops listening. */
void serial_wifi_free(serial_wifi *w);
/* Add "SSID:PASSWORD" (softap_setup_parse's form). 0, or -1 with a message. */
int serial_wifi_add(serial_wifi *w, const char *spec, char *err, size_t errlen);
/* Open the port (a terminal holding it open, DTR up) and begin. */
void serial_wifi_start(serial_wifi *w);
serial_wifi_state serial_wifi_get_state(const serial_wifi *w);
/* What went wrong, or where it stands ("'Home' saved"). */
const char *serial_wifi_message(const serial_wifi *w);
/* Credentials the firmware said it saved. */
int serial_wifi_saved(const serial_wifi *w);

#endif
