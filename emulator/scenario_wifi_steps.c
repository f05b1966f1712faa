/* Scenario steps for the radio environment and the LED's history:
 *   wifi-ap          add, change or remove an access point while the device
 *                    runs (the device: section's `wifi-ap:` list sets the
 *                    ones there from the start)
 *   expect-led-never the LED has not shown a pattern at any time so far
 *                    (resets included): "no SOS anywhere" */
#include <stdio.h>
#include <string.h>

#include "scenario_internal.h"

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
