/* Scenario steps for the radio environment and the LED's history:
 *   wifi-ap          add, change or remove an access point while the device
 *                    runs (the device: section's `wifi-ap:` list sets the
 *                    ones there from the start)
 *   wifi             give the device Wi-Fi credentials on the listening-mode
 *                    console of its USB serial (serial_wifi.h), as `run --wifi`
 *   expect-led-never the LED has not shown a pattern at any time so far
 *                    (resets included): "no SOS anywhere" */
#include <stdio.h>
#include <string.h>

#include "scenario_internal.h"
#include "scenario_serial.h"
#include "serial_wifi.h"
#include "softap_setup.h"

static const char *const ap_keys[] = {"ssid", "security", "password", "rssi", "channel",
                                      "bssid", NULL};

bool scn_wifi_ap_from_val(const scn_val *v, radio_ap *ap, char *err, size_t errlen)
{
    if (v->kind == SV_SCALAR)
        return radio_parse_ap(v->str, ap, err, errlen) == 0;
    if (v->kind != SV_MAP) {
        snprintf(err, errlen, "an access point is \"ssid=..,security=..\" or a mapping with %s",
                 "ssid, security, password, rssi, channel, bssid");
        return false;
    }
    char spec[512] = "";
    size_t n = 0;
    for (size_t i = 0; i < v->n; i++) {
        bool known = false;
        for (int k = 0; ap_keys[k]; k++)
            known |= !strcmp(v->keys[i], ap_keys[k]);
        if (!known || v->items[i].kind != SV_SCALAR) {
            snprintf(err, errlen, "%s: %s", v->keys[i],
                     known ? "expected a single value" : "unknown key (ssid, security, password, "
                                                         "rssi, channel, bssid)");
            return false;
        }
        n += (size_t)snprintf(spec + n, n < sizeof(spec) ? sizeof(spec) - n : 0, "%s%s=%s",
                              i ? "," : "", v->keys[i], v->items[i].str);
        if (n >= sizeof(spec)) {
            snprintf(err, errlen, "access point description too long");
            return false;
        }
    }
    return radio_parse_ap(spec, ap, err, errlen) == 0;
}

/* ---- wifi-ap ------------------------------------------------------------------ */

typedef struct ap_step {
    bool remove;
    radio_ap ap;
} ap_step;

static bool parse_wifi_ap(scn_args *a, scn_step *st)
{
    ap_step *w = scn_alloc(a, sizeof(*w));
    st->data = w;
    bool ok = scn_arg_bool(a, "remove", false, &w->remove);
    char spec[512] = "", err[512];
    size_t n = 0;
    for (int k = 0; ap_keys[k] && ok; k++) {
        const char *v = NULL;
        ok &= scn_arg_str(a, ap_keys[k], false, &v);
        if (v && n < sizeof(spec))
            n += (size_t)snprintf(spec + n, sizeof(spec) - n, "%s%s=%s", n ? "," : "",
                                  ap_keys[k], v);
    }
    if (!ok)
        return false;
    if (n >= sizeof(spec))
        return scn_arg_error(a, 0, "access point description too long");
    if (w->remove) {
        const char *ssid = NULL;
        scn_arg_str(a, "ssid", true, &ssid);
        if (!ssid)
            return false;
        if (strchr(spec, ','))
            return scn_arg_error(a, 0, "remove: true takes only the ssid");
        snprintf(w->ap.ssid, sizeof(w->ap.ssid), "%s", ssid);
        return true;
    }
    if (radio_parse_ap(spec, &w->ap, err, sizeof(err)))
        return scn_arg_error(a, 0, "%s", err);
    return true;
}

static scn_status run_wifi_ap(scn *s, scn_step *st)
{
    ap_step *w = st->data;
    radio *air = scn_radio(s);
    char err[256];
    if (w->remove) {
        if (radio_remove_ap(air, w->ap.ssid)) {
            scn_expected(s, "an access point '%s' to remove", w->ap.ssid);
            scn_seen(s, "none by that name");
            return SCN_FAIL;
        }
        scn_event(s, "access point '%s' removed", w->ap.ssid);
        return SCN_PASS;
    }
    bool had = radio_find(air, (const uint8_t *)w->ap.ssid, w->ap.ssid_len) != NULL;
    if (radio_set_ap(air, &w->ap, err, sizeof(err))) {
        scn_expected(s, "to add access point '%s'", w->ap.ssid);
        scn_seen(s, "%s", err);
        return SCN_FAIL;
    }
    scn_event(s, "access point '%s' (%s, channel %d, %d dBm) %s", w->ap.ssid,
              radio_security_name(w->ap.security), w->ap.channel, w->ap.rssi,
              had ? "changed" : "added");
    return SCN_PASS;
}

const scn_step_type scn_step_wifi_ap = {
    .name = "wifi-ap",
    .keys = "ssid security password rssi channel bssid remove",
    .main_key = NULL,
    .summary = "add an access point around the device, or change the one with this ssid "
               "(security open|wep|wpa|wpa2, password, rssi dBm, channel 1-14, bssid), or "
               "`remove: true` it; a device associated with it loses the link when it goes "
               "or changes its security",
    .parse = parse_wifi_ap,
    .run = run_wifi_ap,
};

/* ---- wifi ------------------------------------------------------------------------ */

typedef struct wifi_step {
    const char *cred;
    uint64_t timeout;
} wifi_step;

static bool parse_wifi(scn_args *a, scn_step *st)
{
    wifi_step *w = scn_alloc(a, sizeof(*w));
    st->data = w;
    w->timeout = 0;
    if (!scn_arg_str(a, "credentials", true, &w->cred) ||
        !scn_arg_duration(a, "timeout", false, &w->timeout))
        return false;
    char ssid[33], pw[65], err[256];
    if (softap_setup_parse(w->cred, ssid, pw, err, sizeof(err)))
        return scn_arg_error(a, scn_arg_line(a, "credentials"), "%s", err);
    return true;
}

static void wifi_note(void *ctx, const char *msg)
{
    scn *s = ctx;
    scn_event(s, "Wi-Fi: %s", msg);
    scn_done(s); /* the step looks at the state */
}

static scn_status run_wifi(scn *s, scn_step *st)
{
    wifi_step *w = st->data;
    uint64_t deadline = scn_now(s) + (w->timeout ? w->timeout : scn_step_timeout(s));
    chardev *cd = scn_serial_port_open(s, "usb");
    if (!cd)
        return SCN_ERROR;
    char err[256];
    serial_wifi *sw = serial_wifi_new(scn_session(s), cd, scn_radio(s), wifi_note, s);
    if (!sw || serial_wifi_add(sw, w->cred, err, sizeof(err))) {
        scn_note(s, "wifi: %s", sw ? err : "out of memory");
        serial_wifi_free(sw);
        return SCN_ERROR;
    }
    serial_wifi_start(sw);
    scn_wait r = SCN_WAIT_DONE;
    while (serial_wifi_get_state(sw) == SERIAL_WIFI_RUNNING && scn_now(s) < deadline &&
           (r = scn_run_until(s, deadline)) == SCN_WAIT_DONE)
        ;
    serial_wifi_state state = serial_wifi_get_state(sw);
    scn_status rc = SCN_PASS;
    if (r == SCN_WAIT_ERROR) {
        rc = SCN_ERROR;
    } else if (state != SERIAL_WIFI_DONE) {
        scn_expected(s, "the firmware to take the Wi-Fi credentials for '%.*s' on its console",
                     (int)strcspn(w->cred, ":"), w->cred);
        scn_seen(s, "%s", serial_wifi_message(sw));
        rc = SCN_FAIL;
    }
    serial_wifi_free(sw);
    return rc;
}

const scn_step_type scn_step_wifi = {
    .name = "wifi",
    .keys = "credentials timeout",
    .main_key = "credentials",
    .summary = "give the device Wi-Fi credentials \"SSID:PASSWORD\" as its owner does: in "
               "listening mode (SETUP held 3 s first if it is not), the console's `w` on "
               "the USB serial; passes when the firmware says it saved them; fails at "
               "`timeout` (default: the step-timeout)",
    .parse = parse_wifi,
    .run = run_wifi,
};

/* ---- expect-led-never ------------------------------------------------------------ */

static bool parse_led_never(scn_args *a, scn_step *st)
{
    led_pattern *p = scn_alloc(a, sizeof(*p));
    st->data = p;
    return scn_arg_led_pattern(a, "pattern", true, p);
}

static scn_status run_led_never(scn *s, scn_step *st)
{
    led_pattern *p = st->data;
    uint64_t when;
    char pb[96];
    if (!scn_led_ever(s, p, &when))
        return SCN_PASS;
    scn_expected(s, "the LED never to show %s", led_pattern_str(p, pb, sizeof(pb)));
    scn_seen(s, "it did at %.3f s", (double)when / PS_PER_S);
    return SCN_FAIL;
}

const scn_step_type scn_step_expect_led_never = {
    .name = "expect-led-never",
    .keys = "pattern",
    .main_key = "pattern",
    .summary = "the LED has not shown this pattern at any time since the scenario started, "
               "resets included (e.g. `- expect-led-never: SOS`)",
    .parse = parse_led_never,
    .run = run_led_never,
};
